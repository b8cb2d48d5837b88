//! The PostgreSQL source reader: first the snapshot (a cursor fetched in batches inside the
//! snapshot transaction), then — in streaming mode — the changes of the replication stream,
//! applied one whole transaction at a time: an insert adds a row, an update retracts the old
//! row and adds the new one, a delete retracts, a truncate retracts everything. Rows are keyed
//! by the table's primary key; the reader keeps the live rows to retract exactly what it
//! emitted (and to fill in unchanged TOASTed values), with an undo list per transaction so that
//! a transaction cut short by a dropped connection, or one already emitted before a restart,
//! leaves no trace.
//!
//! Starting, persistence, reconnection and acknowledgements: [`super::reader_stream`].

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use tributary_engine::connector::SourceError;
use tributary_engine::{DType, Diff, ErrorEntry, Key, Row, Time, Value};

use super::catalog::TableInfo;
use super::pgoutput::{Cell, Message, Relation};
use super::replication::{Item, ReplicationStream};
use super::slot::SlotSource;
use super::snapshot::Snapshot;
use super::values::convert;

/// Where each schema column is in the replicated tuples, and its type there.
struct RelMap {
    positions: Vec<Option<(usize, u32)>>,
}

/// How a reader starts (on its first poll).
pub(crate) enum Start {
    /// Static mode: the snapshot, already under way.
    Static(Snapshot),
    /// Streaming: a slot to create (with a snapshot) or to continue.
    Streaming {
        /// A connection for the snapshot transaction.
        client: Box<::postgres::Client>,
        /// Server, slot, publication.
        source: Box<SlotSource>,
        /// The user named the slot (it is kept after the run).
        named: bool,
        /// Reconnection attempts after the replication connection drops.
        reconnect_attempts: u32,
    },
}

/// The replication connection dropped: when to try again.
pub(crate) struct Down {
    /// Failed attempts so far.
    pub attempts: u32,
    /// The next attempt.
    pub next_at: Instant,
    /// The latest error.
    pub error: String,
}

/// Reads one PostgreSQL table.
pub(crate) struct PostgresReader {
    pub(super) name: String,
    operator: String,
    pub(super) table: String,
    columns: Vec<String>,
    dtypes: Vec<DType>,
    info: TableInfo,
    seed: u64,
    pub(super) snapshot: Option<Snapshot>,
    pub(super) stream: Option<ReplicationStream>,
    /// Not started yet (streaming).
    pub(super) pending: Option<Start>,
    /// Streaming: where changes come from.
    pub(super) source: Option<SlotSource>,
    /// The user named the slot.
    pub(super) named: bool,
    pub(super) reconnect_attempts: u32,
    /// The run persists this reader (the slot is kept for the next run).
    pub(super) persisting: bool,
    /// What an earlier run logged (set by `resume`).
    pub(super) resumed: Option<super::slot::Position>,
    /// After a snapshot read again on restart: the replayed rows, retracted at its end unless
    /// the new snapshot has their key.
    pub(super) stale: Option<HashMap<Key, Row>>,
    /// Streaming: the live row of every key.
    pub(super) live: HashMap<Key, Row>,
    rel: Option<RelMap>,
    /// Changes of the open transaction.
    txn: Vec<(Key, Row, Diff)>,
    txn_errors: Vec<ErrorEntry>,
    /// The open transaction's changes to `live`, to undo it (previous row of each key).
    undo: Vec<(Key, Option<Row>)>,
    in_txn: bool,
    /// Streaming: the snapshot has been emitted whole.
    pub(super) snapshot_done: bool,
    /// The end LSN of the last transaction emitted (or the snapshot's consistent point).
    pub(super) applied: u64,
    /// Transactions ending at or before it were emitted before (a restart or reconnection).
    pub(super) skip_upto: u64,
    /// `applied` when each time was sealed, to acknowledge once the time is committed.
    pub(super) sealed: VecDeque<(Time, u64)>,
    /// The LSN acknowledged to the server.
    pub(super) acked: u64,
    /// The replication connection is down.
    pub(super) down: Option<Down>,
}

impl PostgresReader {
    /// A reader of `table` that starts as `start` says.
    pub(crate) fn new(
        name: String,
        table: String,
        columns: Vec<String>,
        dtypes: Vec<DType>,
        info: TableInfo,
        start: Start,
    ) -> PostgresReader {
        let (snapshot, pending) = match start {
            Start::Static(snapshot) => (Some(snapshot), None),
            streaming => (None, Some(streaming)),
        };
        PostgresReader {
            operator: if name.starts_with("postgres:") {
                name.clone()
            } else {
                format!("postgres:{name}")
            },
            seed: xxhash_rust::xxh3::xxh3_64(table.as_bytes()),
            name,
            table,
            columns,
            dtypes,
            info,
            snapshot,
            stream: None,
            pending,
            source: None,
            named: false,
            reconnect_attempts: 1,
            persisting: false,
            resumed: None,
            stale: None,
            live: HashMap::new(),
            rel: None,
            txn: Vec::new(),
            txn_errors: Vec::new(),
            undo: Vec::new(),
            in_txn: false,
            snapshot_done: false,
            applied: 0,
            skip_upto: 0,
            sealed: VecDeque::new(),
            acked: 0,
            down: None,
        }
    }

    pub(super) fn fail(&self, message: String) -> SourceError {
        SourceError {
            source_name: self.name.clone(),
            message: format!("postgres table `{}`: {message}", self.table),
        }
    }

    /// An error-log entry about column `col` of the row described by `row`.
    fn entry(&self, col: usize, message: String, row: &str) -> ErrorEntry {
        ErrorEntry {
            operator: self.operator.clone(),
            message: format!("column `{}`: {message}", self.columns[col]),
            row: format!("{} {row}", self.table),
            trace: String::new(),
        }
    }

    fn key_of(&self, cells: &[Value], position: u64) -> Key {
        if self.info.key.is_empty() {
            return Key::for_position(self.seed, position);
        }
        let values: Vec<Value> = self.info.key.iter().map(|&i| cells[i].clone()).collect();
        Key::for_values(&values)
    }

    /// Converts the next batch of the snapshot; `true` when it is exhausted.
    pub(super) fn read_snapshot(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
    ) -> Result<bool, SourceError> {
        let Some(snapshot) = self.snapshot.as_mut() else {
            return Ok(true);
        };
        let batch = snapshot.next_batch();
        let position = snapshot.rows;
        let batch = batch.map_err(|e| self.fail(format!("snapshot read failed: {e}")))?;
        let Some(rows) = batch else {
            self.snapshot = None;
            return Ok(true);
        };
        if let Some(s) = self.snapshot.as_mut() {
            s.rows += rows.len() as u64;
        }
        let mut cells = Vec::with_capacity(self.columns.len());
        for (position, row) in (position..).zip(rows.iter()) {
            cells.clear();
            for (i, (dtype, oid)) in self.dtypes.iter().zip(&self.info.type_oids).enumerate() {
                match convert(row.get(i), dtype, *oid) {
                    Ok(v) => cells.push(v),
                    Err(m) => {
                        cells.push(Value::Error);
                        errors.push(self.entry(i, m, &format!("snapshot row {}", position + 1)));
                    }
                }
            }
            let key = self.key_of(&cells, position);
            let row: Row = cells.drain(..).collect();
            if self.source.is_some() {
                self.live.insert(key, row.clone());
            }
            out.push((key, row, 1));
        }
        Ok(false)
    }

    /// Converts a replicated tuple to schema cells (`old` supplies unchanged TOASTed values).
    fn cells_of(&mut self, tuple: &[Cell], old: Option<&Row>, only_key: bool) -> Vec<Value> {
        let mut cells = Vec::with_capacity(self.columns.len());
        let mut errors = Vec::new();
        for i in 0..self.columns.len() {
            if only_key && !self.info.key.contains(&i) {
                cells.push(Value::None);
                continue;
            }
            let dtype = &self.dtypes[i];
            let place = self.rel.as_ref().and_then(|r| r.positions[i]);
            let result = match place.map(|(p, oid)| (tuple.get(p), oid)) {
                None | Some((None, _)) => {
                    Err("the column is missing from the replicated table".into())
                }
                Some((Some(Cell::Null), oid)) => convert(None, dtype, oid),
                Some((Some(Cell::Text(t)), oid)) => convert(Some(t), dtype, oid),
                Some((Some(Cell::Unchanged), _)) => old
                    .map(|r| r[i].clone())
                    .ok_or_else(|| "an unchanged TOASTed value whose old value is unknown".into()),
            };
            match result {
                Ok(v) => cells.push(v),
                Err(m) => {
                    cells.push(Value::Error);
                    errors.push((i, m));
                }
            }
        }
        for (i, m) in errors {
            let entry = self.entry(i, m, "(replicated change)");
            self.txn_errors.push(entry);
        }
        cells
    }

    fn retract(&mut self, key: Key) {
        if let Some(old) = self.live.remove(&key) {
            self.undo.push((key, Some(old.clone())));
            self.txn.push((key, old, -1));
        }
    }

    fn add(&mut self, key: Key, row: Row) {
        self.retract(key);
        let before = self.live.insert(key, row.clone());
        self.undo.push((key, before));
        self.txn.push((key, row, 1));
    }

    /// Forgets the open transaction: its changes to `live` are undone, nothing is emitted.
    pub(super) fn abort_txn(&mut self) {
        for (key, before) in self.undo.drain(..).rev() {
            match before {
                Some(row) => self.live.insert(key, row),
                None => self.live.remove(&key),
            };
        }
        self.txn.clear();
        self.txn_errors.clear();
        self.in_txn = false;
    }

    fn on_relation(&mut self, rel: Relation) {
        if rel.id != self.info.oid {
            return;
        }
        let positions = self
            .columns
            .iter()
            .map(|name| {
                rel.columns
                    .iter()
                    .position(|c| &c.name == name)
                    .map(|p| (p, rel.columns[p].type_oid))
            })
            .collect();
        self.rel = Some(RelMap { positions });
    }

    /// Applies one change message to the open transaction.
    fn apply(&mut self, message: Message) {
        match message {
            Message::Begin => {
                self.abort_txn();
                self.in_txn = true;
            }
            Message::Relation(rel) => self.on_relation(rel),
            Message::Insert { rel, new } if rel == self.info.oid => {
                let cells = self.cells_of(&new, None, false);
                let key = self.key_of(&cells, 0);
                self.add(key, cells.into_iter().collect());
            }
            Message::Update { rel, old, new } if rel == self.info.oid => {
                let old_key = old.map(|o| {
                    let cells = self.cells_of(&o, None, true);
                    self.key_of(&cells, 0)
                });
                let new_key_cells = self.cells_of(&new, None, true);
                let new_key = self.key_of(&new_key_cells, 0);
                let before_key = old_key.unwrap_or(new_key);
                let before = self.live.get(&before_key).cloned();
                let cells = self.cells_of(&new, before.as_ref(), false);
                self.retract(before_key);
                self.add(new_key, cells.into_iter().collect());
            }
            Message::Delete { rel, old } if rel == self.info.oid => {
                let cells = self.cells_of(&old, None, true);
                let key = self.key_of(&cells, 0);
                self.retract(key);
            }
            Message::Truncate { rels } if rels.contains(&self.info.oid) => {
                let keys: Vec<Key> = self.live.keys().copied().collect();
                for key in keys {
                    self.retract(key);
                }
            }
            _ => {}
        }
    }

    /// Moves whole transactions from the stream to `out`; `true` if any was completed. A
    /// failed stream is dropped (the open transaction undone) and `down` set.
    pub(super) fn read_changes(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> bool {
        let start = out.len();
        let mut committed = false;
        loop {
            if !self.in_txn && out.len() - start >= max {
                break;
            }
            let Some(item) = self.stream.as_ref().and_then(ReplicationStream::try_next) else {
                break;
            };
            match item {
                Item::Failed(message) => {
                    self.abort_txn();
                    self.stream = None;
                    self.down = Some(Down {
                        attempts: 0,
                        next_at: Instant::now(),
                        error: message,
                    });
                    break;
                }
                Item::Message(Message::Commit { end_lsn }) if end_lsn <= self.skip_upto => {
                    // Emitted before the restart or the reconnection.
                    self.abort_txn();
                }
                Item::Message(Message::Commit { end_lsn }) => {
                    self.in_txn = false;
                    self.undo.clear();
                    // A transaction of other tables (a shared publication) closes no time.
                    committed |= !self.txn.is_empty() || !self.txn_errors.is_empty();
                    out.append(&mut self.txn);
                    errors.append(&mut self.txn_errors);
                    self.applied = self.applied.max(end_lsn);
                }
                Item::Message(message) => self.apply(message),
            }
        }
        committed
    }
}
