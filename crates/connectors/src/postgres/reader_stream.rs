//! The PostgreSQL reader's life around the change stream: starting (a new slot and snapshot,
//! or — after a restart with persistence — the logged slot from the logged LSN, no snapshot),
//! its persisted offsets ([`Position`]), reconnecting with backoff when the replication
//! connection drops (continuing after the last transaction emitted), and acknowledging to the
//! server only LSNs whose commit the outputs have written (and, with persistence, the log
//! holds).

use std::time::{Duration, Instant};

use tributary_engine::connector::{SourceError, SourceReader, SourceStatus};
use tributary_engine::{Diff, ErrorEntry, Key, Row, Time};

use super::reader::{PostgresReader, Start};
use super::slot::{Position, SlotSource};
use super::snapshot::Snapshot;

/// Connection attempts when a stream starts.
const START_ATTEMPTS: u32 = 8;
/// The longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

impl PostgresReader {
    /// Starts reading: a fresh slot with its snapshot, or the logged slot after a restart.
    fn start(&mut self, start: Start) -> Result<(), SourceError> {
        let Start::Streaming {
            mut client,
            source,
            named,
            reconnect_attempts,
        } = start
        else {
            return Ok(());
        };
        let source = *source;
        self.named = named;
        self.reconnect_attempts = reconnect_attempts;
        let resumed = self.resumed.take();
        let source = match &resumed {
            Some(position) => SlotSource {
                slot: position.slot.clone(),
                ..source
            },
            None => source,
        };
        match resumed {
            Some(position) if position.snapshot_done => {
                // The snapshot's rows and every change up to the LSN are in the log.
                let stream = source
                    .resume(position.lsn, position.lsn, START_ATTEMPTS)
                    .map_err(|e| self.fail(e))?;
                self.applied = position.lsn;
                self.skip_upto = position.lsn;
                self.acked = position.lsn;
                self.snapshot_done = true;
                self.stream = Some(stream);
                drop(client);
            }
            resumed => {
                if resumed.is_some() {
                    // A snapshot cut short by the end of the last run: read it again; replayed
                    // rows whose key it no longer has are retracted at its end.
                    self.stale = Some(std::mem::take(&mut self.live));
                }
                let (stream, lsn) = source.create(&mut client).map_err(|e| self.fail(e))?;
                self.snapshot = Some(Snapshot::new(*client));
                self.applied = lsn;
                self.acked = lsn;
                self.stream = Some(stream);
            }
        }
        self.source = Some(source);
        Ok(())
    }

    /// Tries to reopen a dropped replication connection when its backoff has passed; fails
    /// after the configured number of attempts, naming the address.
    fn reconnect(&mut self) -> Result<(), SourceError> {
        let (Some(down), Some(source)) = (self.down.as_mut(), self.source.as_ref()) else {
            return Ok(());
        };
        if Instant::now() < down.next_at {
            return Ok(());
        }
        match source.resume(self.applied, self.acked, 1) {
            Ok(stream) => {
                self.stream = Some(stream);
                self.skip_upto = self.applied;
                self.down = None;
                Ok(())
            }
            Err(e) => {
                down.attempts += 1;
                let lost = std::mem::replace(&mut down.error, e);
                if down.attempts >= self.reconnect_attempts {
                    let message = format!(
                        "the replication connection to PostgreSQL at {} was lost and {} \
                         reconnection attempts failed: {}",
                        source.address, down.attempts, down.error
                    );
                    return Err(self.fail(message));
                }
                down.error = format!("{lost}; then {}", down.error);
                let backoff = Duration::from_millis(100) * 2u32.pow(down.attempts.min(5) - 1);
                down.next_at = Instant::now() + backoff.min(MAX_BACKOFF);
                Ok(())
            }
        }
    }

    /// The position to log: the resumed one until the reader has started.
    fn position(&self) -> Option<Position> {
        if let Some(position) = &self.resumed {
            return Some(position.clone());
        }
        let slot = match (&self.source, &self.pending) {
            (Some(source), _) => &source.slot,
            (None, Some(Start::Streaming { source, .. })) => &source.slot,
            _ => return None,
        };
        Some(Position {
            slot: slot.clone(),
            snapshot_done: self.snapshot_done,
            lsn: self.applied,
        })
    }
}

impl SourceReader for PostgresReader {
    fn poll(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> Result<SourceStatus, SourceError> {
        if let Some(start) = self.pending.take() {
            self.start(start)?;
        }
        if self.snapshot.is_some() {
            let start = out.len();
            while out.len() - start < max.max(1) {
                if !self.read_snapshot(out, errors)? {
                    continue;
                }
                if self.source.is_none() {
                    return Ok(if out.len() > start {
                        SourceStatus::Data
                    } else {
                        SourceStatus::Finished
                    });
                }
                self.snapshot_done = true;
                for (key, row) in self.stale.take().unwrap_or_default() {
                    if !self.live.contains_key(&key) {
                        out.push((key, row, -1));
                    }
                }
                return Ok(SourceStatus::Commit);
            }
            return Ok(SourceStatus::Data);
        }
        if self.source.is_none() {
            return Ok(SourceStatus::Finished);
        }
        if self.down.is_some() {
            self.reconnect()?;
            if self.down.is_some() {
                return Ok(SourceStatus::Idle);
            }
        }
        Ok(if self.read_changes(out, errors, max.max(1)) {
            SourceStatus::Commit
        } else {
            SourceStatus::Idle
        })
    }

    fn offsets(&self) -> Option<Vec<u8>> {
        self.position().map(|p| p.encode())
    }

    fn persisting(&mut self) {
        self.persisting = true;
    }

    fn resume(&mut self, offsets: &[u8], live: &[(Key, Row)]) -> Result<(), SourceError> {
        let position = Position::decode(offsets)
            .ok_or_else(|| self.fail("the persisted replication position cannot be read".into()))?;
        self.live = live.iter().cloned().collect();
        self.resumed = Some(position);
        Ok(())
    }

    fn seal(&mut self, time: Time) {
        if self.source.is_some() && self.sealed.back().is_none_or(|s| s.1 < self.applied) {
            self.sealed.push_back((time, self.applied));
        }
    }

    fn committed(&mut self, time: Time) {
        let mut lsn = None;
        while let Some(&(t, l)) = self.sealed.front() {
            if t > time {
                break;
            }
            lsn = Some(l);
            self.sealed.pop_front();
        }
        if let Some(lsn) = lsn.filter(|&l| l > self.acked) {
            self.acked = lsn;
            if let Some(stream) = self.stream.as_ref() {
                stream.ack(lsn);
            }
        }
    }
}

impl Drop for PostgresReader {
    /// Without persistence, a slot the reader named itself is dropped with it.
    fn drop(&mut self) {
        if self.persisting || self.named {
            return;
        }
        self.stream = None; // closes the replication connection first
        if let Some(source) = self.source.take() {
            source.drop_slot();
        }
    }
}
