//! Runs a plan on timely workers: builds the dataflow on every worker, feeds the inputs
//! (static rows, connector readers, the error log), closes commits on the commit clock, and
//! steps until the outputs are complete — or until the run is asked to stop.

mod backpressure;
mod clock;
mod commit_policy;
mod persisted;
mod sources;
mod stats;
mod worker;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

pub use clock::{now_ms, CommitClock};
pub use stats::{OutputCounters, RunStats, SourceCounters};

use crate::connector::{Sink, SinkError, SinkStart, SourceError, SourceReader};
use crate::error::{EngineError, ErrorEntry};
use crate::plan::{Node, Output, Plan, SourceSpec};
use crate::udf::UdfRunner;

/// What the engine needs from its host (the Node bindings, or a test): connectors.
pub trait Environment: Send + Sync + 'static {
    /// Opens worker `worker`'s share of a source node.
    fn open_source(
        &self,
        node: &Node,
        spec: &SourceSpec,
        worker: usize,
        peers: usize,
    ) -> Result<Box<dyn SourceReader>, SourceError>;
    /// Opens the sink of output number `position` (called on worker 0).
    fn open_sink(
        &self,
        position: usize,
        output: &Output,
        node: &Node,
    ) -> Result<Box<dyn Sink>, SinkError>;
    /// Opens the sink of output number `position` at `start` (persistence reopens the sinks
    /// that reported a [`Sink::position`] with [`SinkStart::Resume`]). Hosts whose sinks
    /// report positions override it; the default opens fresh sinks only.
    fn open_sink_at(
        &self,
        position: usize,
        output: &Output,
        node: &Node,
        start: SinkStart,
    ) -> Result<Box<dyn Sink>, SinkError> {
        match start {
            SinkStart::Fresh => self.open_sink(position, output, node),
            SinkStart::Resume(_) => Err(SinkError {
                sink_name: format!("output #{position}"),
                message: "this host cannot continue an output across restarts".into(),
            }),
        }
    }
    /// Runs the plan's user functions (`Udf` nodes); `None` when the host has none.
    fn udf_runner(&self) -> Option<Arc<dyn UdfRunner>> {
        None
    }
    /// Receives error-log entries when the plan does not read the error log itself.
    fn unread_errors(&self, entries: Vec<ErrorEntry>) {
        for entry in entries.iter().take(20) {
            eprintln!(
                "tributary: [{}] {} (row {}; {})",
                entry.operator, entry.message, entry.row, entry.trace
            );
        }
        if entries.len() > 20 {
            eprintln!("tributary: … and {} more data errors", entries.len() - 20);
        }
    }
}

/// How to run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Worker threads in this process.
    pub threads: usize,
    /// Set to ask a running pipeline to stop: sources close, outputs are flushed.
    pub stop: Arc<AtomicBool>,
    /// Live counters for monitoring (made for the plan when not given).
    pub stats: Option<Arc<RunStats>>,
    /// Persist the sources' input and offsets here, and recover from it (see [`crate::persist`]).
    pub persistence: Option<crate::persist::PersistConfig>,
}

/// The commit interval when no source names one (ms).
pub const DEFAULT_AUTOCOMMIT_MS: u64 = 1500;

/// Runs `plan` until its sources are exhausted or `options.stop` is set. Blocks the calling
/// thread (never call it on the JS thread).
pub fn run(
    plan: Arc<Plan>,
    options: RunOptions,
    env: Arc<dyn Environment>,
) -> Result<(), EngineError> {
    validate(&plan)?;
    let threads = options.threads.max(1);
    let clock = CommitClock::new(now_ms(), commit_interval(&plan));
    let abort = Arc::new(AtomicBool::new(false));
    let outputs_done = Arc::new(AtomicU64::new(0));
    let peer_closed = Arc::new(AtomicU64::new(0));
    let stop = options.stop.clone();
    let stats = options
        .stats
        .clone()
        .unwrap_or_else(|| Arc::new(RunStats::for_plan(&plan)));
    let store = match options.persistence {
        Some(config) => Some(Arc::new(crate::persist::Store::open(
            config, &plan, threads,
        )?)),
        None => None,
    };
    let compactor = store.as_ref().map(|s| s.spawn_compactor());
    let store_for_workers = store.clone();
    let guards = timely::execute(timely::Config::process(threads), move |worker| {
        let shared = worker::Shared {
            plan: &plan,
            env: &env,
            clock,
            abort: &abort,
            stop: &stop,
            stats: &stats,
            store: store_for_workers.as_ref(),
            outputs_done: &outputs_done,
            peer_closed: &peer_closed,
        };
        let result = worker::run_worker(worker, &shared);
        if result.is_err() {
            abort.store(true, Ordering::SeqCst);
            // timely steps a worker until its dataflows finish after this closure returns; a
            // failed worker's dataflows never would (its peers stop too), so drop them.
            for id in worker.installed_dataflows() {
                worker.drop_dataflow(id);
            }
        }
        result
    })
    .map_err(EngineError::Worker)?;
    let mut first_error = None;
    for outcome in guards.join() {
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                first_error.get_or_insert(error);
            }
            Err(panic) => {
                first_error.get_or_insert(EngineError::Worker(panic));
            }
        }
    }
    if let Some(store) = store {
        store.finish();
        if let Some(handle) = compactor {
            let _ = handle.join();
        }
        if first_error.is_none() {
            store.sync_frontier()?;
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// The shortest `autocommit_ms` among the plan's streaming sources (or the default).
fn commit_interval(plan: &Plan) -> u64 {
    plan.nodes
        .iter()
        .filter_map(|node| match &node.op {
            crate::plan::Op::Source { source } if source.mode == "streaming" => {
                Some(source.autocommit_ms.unwrap_or(DEFAULT_AUTOCOMMIT_MS))
            }
            _ => None,
        })
        .min()
        .unwrap_or(DEFAULT_AUTOCOMMIT_MS)
}

fn validate(plan: &Plan) -> Result<(), EngineError> {
    for (index, node) in plan.nodes.iter().enumerate() {
        if node.columns.len() != node.dtypes.len() {
            return Err(EngineError::Plan(format!(
                "node {index}: {} columns but {} types",
                node.columns.len(),
                node.dtypes.len()
            )));
        }
    }
    Ok(())
}
