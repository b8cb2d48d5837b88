//! `tb.io.custom.read`: a source fed from JavaScript. The TS `ConnectorSubject` pushes batches
//! of rows (JSON) into a channel; the engine's reader drains it on worker 0.

// The `#[napi]` entry points are only called from JavaScript, so test builds see them unused.
#![cfg_attr(test, allow(dead_code))]

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use tributary_engine::connector::{SourceError, SourceReader, SourceStatus};
use tributary_engine::{DType, Diff, ErrorEntry, Key, Row, Value};

/// The field that marks a pushed row as a deletion (`ConnectorSubject.delete`).
const DELETE_MARK: &str = "$delete";

/// What the subject sent.
enum Event {
    Rows(Vec<serde_json::Map<String, serde_json::Value>>),
    /// The subject's offset after the rows sent so far (JSON text).
    Offset(String),
    Commit,
    Close,
}

#[derive(Default)]
struct Channel {
    events: Mutex<VecDeque<Event>>,
    /// Set by the reader before its first poll: the offset to resume after (JSON text,
    /// `null` when there is none).
    resume: Mutex<Option<String>>,
    /// The worker thread reading the channel, woken when something arrives so that a request
    /// does not wait for the worker's idle park to end.
    reader: Mutex<Option<std::thread::Thread>>,
}

static CHANNELS: LazyLock<Mutex<HashMap<u32, Arc<Channel>>>> = LazyLock::new(Default::default);
static NEXT_CHANNEL: AtomicU32 = AtomicU32::new(1);

fn channel(id: u32) -> Result<Arc<Channel>> {
    CHANNELS
        .lock()
        .ok()
        .and_then(|channels| channels.get(&id).cloned())
        .ok_or_else(|| {
            Error::from_reason(format!("[TRIBUTARY_SOURCE] no open custom source #{id}"))
        })
}

/// Queues an event; `false` when the source is gone (its run ended).
fn send(id: u32, event: Event) -> Result<bool> {
    let Ok(channel) = channel(id) else {
        return Ok(false);
    };
    channel
        .events
        .lock()
        .map_err(|_| Error::from_reason("[TRIBUTARY_SOURCE] channel lock poisoned"))?
        .push_back(event);
    if let Some(reader) = channel.reader.lock().ok().and_then(|r| r.clone()) {
        reader.unpark();
    }
    Ok(true)
}

/// Opens a channel for a custom source; returns its id.
#[napi]
pub fn channel_open() -> u32 {
    let id = NEXT_CHANNEL.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut channels) = CHANNELS.lock() {
        channels.insert(id, Arc::new(Channel::default()));
    }
    id
}

/// Pushes rows (a JSON array of objects keyed by column name); `false` when the source's run
/// has ended.
#[napi]
pub fn channel_push(id: u32, rows_json: String) -> Result<bool> {
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(&rows_json)
        .map_err(|e| {
            Error::from_reason(format!("[TRIBUTARY_SOURCE] rows must be JSON objects: {e}"))
        })?;
    send(id, Event::Rows(rows))
}

/// Closes the current commit of the source; `false` when the source's run has ended.
/// Records the subject's offset after the rows pushed so far (`next(row, { offset })`); the
/// engine logs it with the commit that holds those rows.
#[napi]
pub fn channel_offset(id: u32, offset_json: String) -> Result<bool> {
    send(id, Event::Offset(offset_json))
}

/// The offset a resumed custom source continues after: `undefined` until the engine has
/// opened the source, then the JSON text of the last logged offset (`null` if none).
#[napi]
pub fn channel_resume_offset(id: u32) -> Option<String> {
    channel(id).ok()?.resume.lock().ok()?.clone()
}

#[napi]
pub fn channel_commit(id: u32) -> Result<bool> {
    send(id, Event::Commit)
}

/// Ends the source: everything pushed so far is final; `false` when its run has ended.
#[napi]
pub fn channel_close(id: u32) -> Result<bool> {
    send(id, Event::Close)
}

/// Reads a channel for the engine.
pub struct ChannelReader {
    name: String,
    channel: Arc<Channel>,
    columns: Vec<String>,
    dtypes: Vec<DType>,
    primary_key: Vec<usize>,
    seed: u64,
    next_position: u64,
    pending: VecDeque<Pending>,
    /// The subject's offset after the rows read so far (persistence).
    offset: Option<String>,
    /// Whether the resume offset was published to the subject.
    announced: bool,
    pending_commit: bool,
    closed: bool,
    channel_id: u32,
}

impl ChannelReader {
    /// The reader of channel `id` for a source with these columns.
    pub fn open(
        name: &str,
        id: u32,
        columns: &[String],
        dtypes: &[DType],
        primary_key: &[usize],
    ) -> std::result::Result<ChannelReader, SourceError> {
        let channel = channel(id).map_err(|e| SourceError {
            source_name: name.to_string(),
            message: e.reason,
        })?;
        if let Ok(mut reader) = channel.reader.lock() {
            *reader = Some(std::thread::current());
        }
        Ok(ChannelReader {
            name: name.to_string(),
            channel,
            columns: columns.to_vec(),
            dtypes: dtypes.to_vec(),
            primary_key: primary_key.to_vec(),
            seed: xxhash_rust::xxh3::xxh3_64(format!("custom:{name}").as_bytes()),
            next_position: 0,
            pending: VecDeque::new(),
            offset: None,
            announced: false,
            pending_commit: false,
            closed: false,
            channel_id: id,
        })
    }

    fn row(
        &mut self,
        object: &serde_json::Map<String, serde_json::Value>,
        errors: &mut Vec<ErrorEntry>,
    ) -> (Key, Row) {
        let position = self.next_position;
        self.next_position += 1;
        let mut cells = Vec::with_capacity(self.columns.len());
        for (column, dtype) in self.columns.iter().zip(&self.dtypes) {
            let cell = match object.get(column) {
                None | Some(serde_json::Value::Null) if dtype.is_optional() => Value::None,
                None => self.bad(format!("column `{column}` is missing"), position, errors),
                Some(value) => {
                    tributary_connectors::value_from_json(value, dtype).unwrap_or_else(|m| {
                        self.bad(format!("column `{column}`: {m}"), position, errors)
                    })
                }
            };
            cells.push(cell);
        }
        let key = if self.primary_key.is_empty()
            || self.primary_key.iter().any(|&i| cells[i].is_error())
        {
            Key::for_position(self.seed, position)
        } else {
            let values: Vec<Value> = self.primary_key.iter().map(|&i| cells[i].clone()).collect();
            Key::for_values(&values)
        };
        (key, Row::from(cells))
    }

    fn bad(&self, message: String, position: u64, errors: &mut Vec<ErrorEntry>) -> Value {
        errors.push(ErrorEntry {
            operator: format!("custom:{}", self.name),
            message,
            row: format!("row #{position}"),
            trace: String::new(),
        });
        Value::Error
    }
}

impl Drop for ChannelReader {
    fn drop(&mut self) {
        if let Ok(mut channels) = CHANNELS.lock() {
            channels.remove(&self.channel_id);
        }
    }
}

impl SourceReader for ChannelReader {
    fn poll(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> std::result::Result<SourceStatus, SourceError> {
        if !self.announced {
            self.announced = true;
            let offset = self.offset.clone().unwrap_or_else(|| "null".into());
            if let Ok(mut resume) = self.channel.resume.lock() {
                *resume = Some(offset);
            }
        }
        if self.pending.is_empty() && !self.pending_commit && !self.closed {
            let mut events = self.channel.events.lock().map_err(|_| SourceError {
                source_name: self.name.clone(),
                message: "channel lock poisoned".into(),
            })?;
            while let Some(event) = events.pop_front() {
                match event {
                    Event::Rows(rows) => self.pending.extend(rows.into_iter().map(Pending::Row)),
                    Event::Offset(offset) => self.pending.push_back(Pending::Offset(offset)),
                    Event::Commit => {
                        self.pending_commit = true;
                        break;
                    }
                    Event::Close => {
                        self.closed = true;
                        break;
                    }
                }
            }
        }
        while out.len() < max {
            match self.pending.pop_front() {
                None => break,
                Some(Pending::Offset(offset)) => self.offset = Some(offset),
                Some(Pending::Row(object)) => {
                    let deletion = object.get(DELETE_MARK) == Some(&serde_json::Value::Bool(true));
                    if deletion && self.primary_key.is_empty() {
                        let position = self.next_position;
                        self.next_position += 1;
                        self.bad(
                            "delete() needs a source with a primary key (the row to delete is found by its key)"
                                .into(),
                            position,
                            errors,
                        );
                        continue;
                    }
                    let (key, row) = self.row(&object, errors);
                    out.push((key, row, if deletion { -1 } else { 1 }));
                }
            }
        }
        if !self.pending.is_empty() {
            return Ok(SourceStatus::Data);
        }
        if self.pending_commit {
            self.pending_commit = false;
            return Ok(SourceStatus::Commit);
        }
        if self.closed {
            return Ok(SourceStatus::Finished);
        }
        Ok(if out.is_empty() {
            SourceStatus::Idle
        } else {
            SourceStatus::Data
        })
    }

    fn offsets(&self) -> Option<Vec<u8>> {
        serde_json::to_vec(&ChannelOffsets {
            position: self.next_position,
            offset: self.offset.clone(),
        })
        .ok()
    }

    fn resume(
        &mut self,
        offsets: &[u8],
        _live: &[(Key, Row)],
    ) -> std::result::Result<(), SourceError> {
        let state: ChannelOffsets = serde_json::from_slice(offsets).map_err(|e| SourceError {
            source_name: self.name.clone(),
            message: format!("the persisted offsets cannot be read: {e}"),
        })?;
        self.next_position = state.position;
        self.offset = state.offset;
        Ok(())
    }
}

/// A queued input of a custom source: a row, or the subject's offset after the rows before.
enum Pending {
    Row(serde_json::Map<String, serde_json::Value>),
    Offset(String),
}

/// What a custom source logs as its offsets: rows read (their position ids) and the
/// subject's own offset.
#[derive(serde::Serialize, serde::Deserialize)]
struct ChannelOffsets {
    position: u64,
    offset: Option<String>,
}

/// The reader of workers other than 0: custom sources are fed on worker 0 only.
pub struct NoShare;

impl SourceReader for NoShare {
    fn poll(
        &mut self,
        _out: &mut Vec<(Key, Row, Diff)>,
        _errors: &mut Vec<ErrorEntry>,
        _max: usize,
    ) -> std::result::Result<SourceStatus, SourceError> {
        Ok(SourceStatus::Finished)
    }
}
