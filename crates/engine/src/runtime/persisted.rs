//! The worker's persistence hooks: replaying a source share's log into its input before the
//! first poll, skipping outputs of replayed times that were written before, continuing
//! change-log files where the recorded frontier left them, and recording how far the outputs
//! have got.

use std::sync::Arc;

use differential_dataflow::consolidation::consolidate;
use timely::dataflow::operators::probe::Handle as ProbeHandle;

use super::sources::ActiveSource;
use super::Environment;
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
    source.reader_mut().persisting();
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

/// Opens the sink of output `slot` of a persisted run: where the recorded frontier left it
/// (a resumable sink), leaving out replayed times the outputs wrote in an earlier run.
pub fn open_sink(
    env: &Arc<dyn Environment>,
    store: Arc<Store>,
    slot: usize,
    output: &crate::plan::Output,
    node: &crate::plan::Node,
) -> Result<Box<dyn Sink>, SinkError> {
    let mut inner = env.open_sink_at(slot, output, node, store.sink_start(slot))?;
    let resumable = match inner.position()? {
        Some(position) => {
            store.sink_wrote(slot, None, position);
            true
        }
        None => false,
    };
    Ok(Box::new(SkipWritten {
        inner,
        store,
        slot,
        resumable,
    }))
}

/// A sink that leaves out replayed times the outputs wrote in an earlier run and tells the
/// store where a resumable sink is after each time.
struct SkipWritten {
    inner: Box<dyn Sink>,
    store: Arc<Store>,
    slot: usize,
    resumable: bool,
}

impl Sink for SkipWritten {
    fn write_time(&mut self, time: Time, changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        if self.store.already_written(time) {
            return Ok(());
        }
        self.inner.write_time(time, changes)?;
        if self.resumable {
            if let Some(position) = self.inner.position()? {
                self.store.sink_wrote(self.slot, Some(time), position);
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.inner.finish()
    }
}
