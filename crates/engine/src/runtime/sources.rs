//! The worker's side of a source: its reader, its input, and upsert state for keyed sources.

use std::collections::HashMap;
use std::sync::Arc;

use super::stats::RunStats;

use crate::connector::{SourceReader, SourceStatus};
use crate::dataflow::{ErrorBuffer, Input};
use crate::error::{EngineError, ErrorEntry};
use crate::persist::SourceLog;
use crate::value::{Diff, Key, Row, Time};

/// A source being read by this worker.
pub struct ActiveSource {
    reader: Box<dyn SourceReader>,
    input: Input,
    /// For sources with a primary key: the live row of each key (upsert semantics: a new row
    /// for a key replaces the old one). Readers of such sources read all of their input on one
    /// worker, so every occurrence of a key passes through the same map.
    upsert: Option<HashMap<Key, Row>>,
    /// The user's call that declared the source.
    trace: String,
    /// A static source reads everything it has at one time and then closes.
    streaming: bool,
    /// This source's counters.
    stats: Arc<RunStats>,
    /// The source's position among the plan's sources (its counters' slot).
    slot: usize,
    /// The persistence log of this share, when the run persists and the reader can resume.
    log: Option<SourceLog>,
}

/// What one poll of a source did.
pub enum Polled {
    /// Produced updates (more may follow at once).
    Busy,
    /// Nothing new now; poll again later.
    Idle,
    /// Produced updates and read everything available now.
    CaughtUp,
    /// The source closed a commit of its own: the current time should close now.
    Commit,
    /// Exhausted: the source is closed.
    Done,
}

impl ActiveSource {
    /// Wraps a reader and the input it feeds.
    pub fn new(
        reader: Box<dyn SourceReader>,
        input: Input,
        keyed: bool,
        trace: String,
        streaming: bool,
        (stats, slot): (Arc<RunStats>, usize),
    ) -> ActiveSource {
        let upsert = keyed.then(HashMap::new);
        ActiveSource {
            reader,
            input,
            upsert,
            trace,
            streaming,
            stats,
            slot,
            log: None,
        }
    }

    /// The reader (for persistence: offsets and resume).
    pub fn reader_mut(&mut self) -> &mut dyn SourceReader {
        self.reader.as_mut()
    }

    /// Feeds one replayed commit at its original `time` (the updates are what the input got
    /// then, after upserts) and keeps the upsert state in step.
    pub fn replay(&mut self, time: Time, updates: &[(Key, Row, Diff)]) {
        self.advance_to(time);
        if let Some(live) = self.upsert.as_mut() {
            // Retractions first: within a commit an upsert retracts the old row, then adds.
            for (key, row, diff) in updates.iter().filter(|u| u.2 < 0) {
                if live.get(key) == Some(row) {
                    live.remove(key);
                }
                self.input.update((*key, row.clone()), *diff);
            }
            for (key, row, diff) in updates.iter().filter(|u| u.2 > 0) {
                live.insert(*key, row.clone());
                self.input.update((*key, row.clone()), *diff);
            }
        } else {
            for (key, row, diff) in updates {
                self.input.update((*key, row.clone()), *diff);
            }
        }
        self.input.flush();
    }

    /// Starts logging what this source feeds.
    pub fn attach_log(&mut self, log: SourceLog) {
        self.log = Some(log);
    }

    /// Logs the updates fed at `time` with the reader's offsets (before the input moves on).
    pub fn commit_log(&mut self, time: Time) -> Result<(), EngineError> {
        if let Some(log) = self.log.as_mut() {
            log.commit(time, self.reader.offsets())?;
        }
        Ok(())
    }

    /// True for a live (streaming) source.
    pub fn is_streaming(&self) -> bool {
        self.streaming
    }

    /// Moves the input to commit time `time`.
    pub fn advance_to(&mut self, time: Time) {
        let current = *self.input.time();
        if current < time {
            self.reader.seal(current);
            self.input.advance_to(time);
        }
    }

    /// Tells the dataflow the input's time now, not at the next poll (a source held back by
    /// the commit gate is not polled, and its closed commit must still complete).
    pub fn announce(&mut self) {
        self.input.flush();
    }

    /// Tells the reader that every output has finished the times up to `time`.
    pub fn committed(&mut self, time: Time) {
        self.reader.committed(time);
    }

    /// Closes the input (its last time is sealed) and keeps the reader, so that it can learn
    /// when that last time is committed.
    pub fn close(mut self) -> Box<dyn SourceReader> {
        let current = *self.input.time();
        self.reader.seal(current);
        self.reader
    }

    /// Polls the reader once (at most `max` updates) and feeds what it read; when it read
    /// something and `reopen` is later than the input's time, the input moves there first (an
    /// empty commit opened long ago gets a current time for its first data).
    pub fn poll(
        &mut self,
        buffer: &mut Vec<(Key, Row, Diff)>,
        source_errors: &mut Vec<ErrorEntry>,
        errors: &ErrorBuffer,
        (max, reopen): (usize, Option<Time>),
    ) -> Result<Polled, EngineError> {
        let status = self.reader.poll(buffer, source_errors, max)?;
        let produced = !buffer.is_empty();
        if let (true, Some(time)) = (produced, reopen) {
            // The open commit got no data before: the rows just read belong to `time`. No seal
            // of the old time here — the reader already counts these rows as read, and sealing
            // now would tie them to a time that is acknowledged before `time` is written.
            if *self.input.time() < time {
                self.input.advance_to(time);
            }
        }
        if produced {
            self.stats
                .read(self.slot, buffer.len() as u64, *self.input.time());
        }
        for (key, row, diff) in buffer.drain(..) {
            self.push(key, row, diff);
        }
        let trace = &self.trace;
        errors.extend(source_errors.drain(..).map(|mut entry| {
            if entry.trace.is_empty() {
                entry.trace.clone_from(trace);
            }
            entry
        }));
        self.input.flush();
        Ok(match status {
            SourceStatus::Finished => Polled::Done,
            SourceStatus::Commit if self.streaming => Polled::Commit,
            SourceStatus::Idle if !produced => Polled::Idle,
            SourceStatus::CaughtUp | SourceStatus::Idle => Polled::CaughtUp,
            _ => Polled::Busy,
        })
    }

    fn push(&mut self, key: Key, row: Row, diff: Diff) {
        let Some(live) = self.upsert.as_mut() else {
            if let Some(log) = self.log.as_mut() {
                log.record(key, &row, diff);
            }
            self.input.update((key, row), diff);
            return;
        };
        if diff > 0 {
            if let Some(old) = live.insert(key, row.clone()) {
                if let Some(log) = self.log.as_mut() {
                    log.record(key, &old, -1);
                }
                self.input.update((key, old), -1);
            }
            if let Some(log) = self.log.as_mut() {
                log.record(key, &row, 1);
            }
            self.input.update((key, row), 1);
        } else if let Some(old) = live.remove(&key) {
            if let Some(log) = self.log.as_mut() {
                log.record(key, &old, -1);
            }
            self.input.update((key, old), -1);
        }
    }

    /// The live rows of a keyed source (its upsert state).
    pub fn upsert_rows(&self) -> Option<Vec<(Key, Row)>> {
        self.upsert
            .as_ref()
            .map(|live| live.iter().map(|(k, r)| (*k, r.clone())).collect())
    }
}
