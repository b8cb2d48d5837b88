//! The PostgreSQL source reader: first the snapshot (a cursor fetched in batches inside the
//! snapshot transaction), then — in streaming mode — the changes of the replication stream,
//! applied one whole transaction at a time: an insert adds a row, an update retracts the old
//! row and adds the new one, a delete retracts, a truncate retracts everything. Rows are keyed
//! by the table's primary key; the reader keeps the live rows to retract exactly what it
//! emitted (and to fill in unchanged TOASTed values).
//!
//! Commits: the snapshot ends with a commit; every poll that completes transactions emits them
//! whole and reports [`SourceStatus::Commit`]. Their end LSN is acknowledged to the server on
//! the next poll, when the engine has closed the time that holds them.

use std::collections::HashMap;

use tributary_engine::connector::{SourceError, SourceReader, SourceStatus};
use tributary_engine::{DType, Diff, ErrorEntry, Key, Row, Value};

use super::catalog::TableInfo;
use super::pgoutput::{Cell, Message, Relation};
use super::replication::{Item, ReplicationStream};
use super::snapshot::Snapshot;
use super::values::convert;

/// Where each schema column is in the replicated tuples, and its type there.
struct RelMap {
    positions: Vec<Option<(usize, u32)>>,
}

/// Reads one PostgreSQL table.
pub(crate) struct PostgresReader {
    name: String,
    operator: String,
    table: String,
    columns: Vec<String>,
    dtypes: Vec<DType>,
    info: TableInfo,
    seed: u64,
    snapshot: Option<Snapshot>,
    stream: Option<ReplicationStream>,
    /// Streaming: the live row of every key.
    live: HashMap<Key, Row>,
    rel: Option<RelMap>,
    /// Changes of the open transaction.
    txn: Vec<(Key, Row, Diff)>,
    txn_errors: Vec<ErrorEntry>,
    in_txn: bool,
    /// LSN to acknowledge at the next poll.
    to_ack: Option<u64>,
}

impl PostgresReader {
    /// A reader that starts with `snapshot` and continues with `stream` (if streaming).
    pub(crate) fn new(
        name: String,
        table: String,
        columns: Vec<String>,
        dtypes: Vec<DType>,
        info: TableInfo,
        snapshot: Snapshot,
        stream: Option<ReplicationStream>,
    ) -> PostgresReader {
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
            snapshot: Some(snapshot),
            stream,
            live: HashMap::new(),
            rel: None,
            txn: Vec::new(),
            txn_errors: Vec::new(),
            in_txn: false,
            to_ack: None,
        }
    }

    fn fail(&self, message: String) -> SourceError {
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
    fn read_snapshot(
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
            if self.stream.is_some() {
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
            self.txn.push((key, old, -1));
        }
    }

    fn add(&mut self, key: Key, row: Row) {
        self.retract(key);
        self.live.insert(key, row.clone());
        self.txn.push((key, row, 1));
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
            Message::Begin => self.in_txn = true,
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

    /// Moves whole transactions from the stream to `out`; `true` if any was completed.
    fn read_changes(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> Result<bool, SourceError> {
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
                    return Err(self.fail(format!("replication failed: {message}")))
                }
                Item::Keepalive(wal_end) => {
                    if !self.in_txn {
                        self.to_ack = Some(self.to_ack.unwrap_or(0).max(wal_end));
                    }
                }
                Item::Message(Message::Commit { end_lsn }) => {
                    self.in_txn = false;
                    // A transaction of other tables (a shared publication) closes no time.
                    committed |= !self.txn.is_empty() || !self.txn_errors.is_empty();
                    out.append(&mut self.txn);
                    errors.append(&mut self.txn_errors);
                    self.to_ack = Some(self.to_ack.unwrap_or(0).max(end_lsn));
                }
                Item::Message(message) => self.apply(message),
            }
        }
        Ok(committed)
    }
}

impl SourceReader for PostgresReader {
    fn poll(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> Result<SourceStatus, SourceError> {
        // What was emitted by the previous poll is in the engine's input now, in a time that
        // closed after it (a commit status closes the time at once).
        if let (Some(lsn), Some(stream)) = (self.to_ack.take(), self.stream.as_ref()) {
            stream.ack(lsn);
        }
        if self.snapshot.is_some() {
            let start = out.len();
            while out.len() - start < max.max(1) {
                if self.read_snapshot(out, errors)? {
                    return Ok(match (&self.stream, out.len() > start) {
                        (Some(_), _) => SourceStatus::Commit,
                        (None, true) => SourceStatus::Data,
                        (None, false) => SourceStatus::Finished,
                    });
                }
            }
            return Ok(SourceStatus::Data);
        }
        if self.stream.is_none() {
            return Ok(SourceStatus::Finished);
        }
        Ok(if self.read_changes(out, errors, max.max(1))? {
            SourceStatus::Commit
        } else {
            SourceStatus::Idle
        })
    }
}
