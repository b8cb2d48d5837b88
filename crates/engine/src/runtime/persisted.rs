//! The worker's persistence hooks: replaying a source share's log into its input before the
//! first poll, skipping outputs of replayed times that were written before, and recording
//! how far the outputs have got.

use std::sync::Arc;

use differential_dataflow::consolidation::consolidate;
use timely::dataflow::operators::probe::Handle as ProbeHandle;

use super::sources::ActiveSource;
use crate::connector::{Sink, SinkError};
use crate::error::EngineError;
use crate::persist::Store;
use crate::value::{Diff, Key, Row, Time};

/// Replays share `share` of source node `node` into `source` and starts logging it. A reader
/// without offsets is not persisted (it reads from the start on every run).
pub fn recover(
    source: &mut ActiveSource,
    store: &Arc<Store>,
    node: usize,
    share: usize,
) -> Result<(), EngineError> {
    if source.reader_mut().offsets().is_none() {
        return Ok(());
    }
    let Some((loaded, log)) = store.source_log(node, share)? else {
        return Ok(());
    };
    for commit in loaded.replay() {
        source.replay(commit.time, &commit.updates);
    }
    if let Some(offsets) = loaded.offsets() {
        let live = match source.upsert_rows() {
            Some(rows) => rows,
            None => live_rows(&loaded),
        };
        source.reader_mut().resume(offsets, &live)?;
    }
    source.attach_log(log);
    Ok(())
}

/// The rows left after every replayed update (one entry per copy of a row).
fn live_rows(loaded: &crate::persist::share::Loaded) -> Vec<(Key, Row)> {
    let mut all: Vec<((Key, Row), Diff)> = loaded
        .replay()
        .flat_map(|c| c.updates.iter().map(|(k, r, d)| ((*k, r.clone()), *d)))
        .collect();
    consolidate(&mut all);
    let mut live = Vec::with_capacity(all.len());
    for ((key, row), diff) in all {
        for _ in 0..diff.max(0) {
            live.push((key, row.clone()));
        }
    }
    live
}

/// Worker 0: records that the outputs have written every time before the probe's frontier
/// (`after_last`, one past the latest time fed, once the outputs are complete).
pub fn track_outputs(
    probe: &ProbeHandle<Time>,
    store: &Store,
    after_last: Time,
) -> Result<(), EngineError> {
    let before = probe.with_frontier(|f| f.first().copied().unwrap_or(after_last));
    store.outputs_reached(before)?;
    Ok(())
}

/// A sink that leaves out replayed times the outputs wrote in an earlier run.
pub struct SkipWritten {
    /// The real sink.
    pub inner: Box<dyn Sink>,
    /// The state, which knows the written times.
    pub store: Arc<Store>,
}

impl Sink for SkipWritten {
    fn write_time(&mut self, time: Time, changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        if self.store.already_written(time) {
            return Ok(());
        }
        self.inner.write_time(time, changes)
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.inner.finish()
    }
}
