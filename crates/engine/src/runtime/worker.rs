//! One worker's life: build the dataflow, feed static rows and sources commit by commit,
//! feed the error log, and step until every output is complete.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::backpressure::CommitGate;
use super::clock::{now_ms, CommitClock};
use super::commit_policy::CommitPolicy;
use super::persisted;
use super::sources::{ActiveSource, Polled};
use super::stats::RunStats;
use super::Environment;
use crate::connector::{Sink, SinkError};
use crate::dataflow::{self, ErrorBuffer, Input, OutputContext, SinkOpener};
use crate::error::{EngineError, ErrorEntry};
use crate::plan::{Node, Op, Output, Plan, StaticId};
use crate::value::{Diff, Key, Row, Time, Value};

/// Polls at most this many updates from one reader before stepping the dataflow: the bound
/// on how much a fast source can read ahead of the computation.
const POLL_BATCH: usize = 64 * 1024;

/// The longest a worker with only idle sources sleeps before looking again.
const IDLE_PARK: Duration = Duration::from_millis(5);

/// What every worker shares.
pub struct Shared<'a> {
    /// The program.
    pub plan: &'a Plan,
    /// Connectors.
    pub env: &'a Arc<dyn Environment>,
    /// When commits close.
    pub clock: CommitClock,
    /// Set when any worker failed.
    pub abort: &'a AtomicBool,
    /// Set when the host asks the run to stop.
    pub stop: &'a AtomicBool,
    /// Live counters.
    pub stats: &'a Arc<RunStats>,
    /// The persisted state, when the run persists.
    pub store: Option<&'a Arc<crate::persist::Store>>,
    /// The latest time a worker opened right after closing a commit with data (eager commits:
    /// idle peers move past it so that its outputs are not held back by their frontier).
    pub peer_closed: &'a AtomicU64,
    /// Every output has finished the times below this one (published by worker 0, which
    /// writes the outputs; `Time::MAX` once they are complete).
    pub outputs_done: &'a AtomicU64,
}

/// Runs one worker to completion.
pub fn run_worker(
    worker: &mut timely::worker::Worker,
    shared: &Shared<'_>,
) -> Result<(), EngineError> {
    let (index, peers) = (worker.index(), worker.peers());
    let errors = ErrorBuffer::default().with_late_counter(shared.stats.late_rows.clone());
    let opener: Option<SinkOpener> = if index == 0 {
        let env = shared.env.clone();
        let stats = shared.stats.clone();
        let store = shared.store.cloned();
        Some(Box::new(move |position, output: &Output, node: &Node| {
            let inner = match store.clone() {
                Some(store) => persisted::open_sink(&env, store, position, output, node)?,
                None => env.open_sink(position, output, node)?,
            };
            Ok(Box::new(CountingSink {
                inner,
                stats: stats.clone(),
                slot: position,
            }) as Box<dyn Sink>)
        }))
    } else {
        None
    };
    let mut outputs = OutputContext::new(opener);
    let fatal = outputs.fatal.clone();
    let udfs = shared.env.udf_runner();
    let built = worker.dataflow::<Time, _, _>(|scope| {
        dataflow::build_with(scope, shared.plan, &errors, &mut outputs, udfs)
    })?;

    let mut current = shared.clock.time_at(now_ms());
    let mut max_time = current;
    let mut active = Vec::new();
    for (node_index, input) in built.inputs {
        let node = &shared.plan.nodes[node_index];
        match &node.op {
            Op::Static { rows, seed } => {
                max_time = max_time.max(feed_static(input, rows, *seed, index, peers));
            }
            Op::Source { source } => {
                // A keyed source is read whole by worker 0 so that its upsert map sees every
                // occurrence of a key in input order; unkeyed sources are shared by all workers.
                let keyed = !source.primary_key.is_empty();
                if keyed && index != 0 {
                    continue;
                }
                let (share, shares) = if keyed { (0, 1) } else { (index, peers) };
                let reader = shared.env.open_source(node, source, share, shares)?;
                let trace = node.trace.clone().unwrap_or_default();
                let streaming = source.mode == "streaming";
                let counters = (
                    shared.stats.clone(),
                    RunStats::source_slot(shared.plan, node_index),
                );
                let mut source =
                    ActiveSource::new(reader, input, keyed, trace, streaming, counters);
                if let Some(store) = shared.store {
                    persisted::recover(&mut source, store, node_index, share)?;
                }
                source.advance_to(current);
                active.push(source);
            }
            _ => unreachable!("only static and source nodes are inputs"),
        }
    }
    let streaming = active.iter().any(ActiveSource::is_streaming);
    let mut error_input = built.error_input;
    if let Some(input) = error_input.as_mut() {
        input.advance_to(current);
    }

    let mut buffer = Vec::new();
    let mut source_errors = Vec::new();
    let mut error_rows = 0u64;
    // Set when a source closed a commit itself (`ConnectorSubject.commit()`).
    let mut forced_commit = false;
    // Readers of closed sources, kept to learn when their last time is committed.
    let mut closed: Vec<Box<dyn crate::connector::SourceReader>> = Vec::new();
    let mut done = Committed::default();
    // Eager commits unless the run persists (its log syncs once per closed commit).
    let mut policy = CommitPolicy::new(shared.clock, shared.store.is_none());
    let mut gate = CommitGate::for_plan(shared.plan);
    while !active.is_empty() {
        if shared.stop.load(Ordering::SeqCst) {
            for source in active.iter_mut() {
                source.commit_log(current)?;
            }
            closed.extend(active.drain(..).map(ActiveSource::close));
            break;
        }
        let now = now_ms();
        let peer = shared.peer_closed.load(Ordering::SeqCst);
        let frontier = built
            .output_probe
            .with_frontier(|f| f.iter().min().copied().unwrap_or(Time::MAX));
        policy.outputs_at(frontier);
        let next = policy.next_time(current, now, forced_commit, peer);
        forced_commit = false;
        if let Some(commit) = next {
            if policy.closed(current) && peers > 1 {
                shared.peer_closed.fetch_max(commit, Ordering::SeqCst);
            }
            for source in active.iter_mut() {
                source.commit_log(current)?;
            }
            if let (Some(store), 0) = (shared.store, index) {
                store.sync_frontier()?;
            }
            gate.closed(current);
            current = commit;
            max_time = max_time.max(current);
            move_inputs_to(current, &mut active, error_input.as_mut(), &gate);
        }
        let held = gate.hold(&built.data_probe);
        let mut idle = true;
        let mut fed = false;
        let mut slot = 0;
        if held || policy.backlogged(current, now) {
            // The outputs are too far behind (see `CommitPolicy::backlogged`), or, in a plan
            // that iterates, the last commit is still in the loop: leave the input unread.
            slot = active.len();
        }
        let reopen = policy.reopen_at(current, now);
        while slot < active.len() {
            let reopen = reopen.filter(|_| active[slot].is_streaming());
            match active[slot].poll(
                &mut buffer,
                &mut source_errors,
                &errors,
                (POLL_BATCH, reopen),
            )? {
                Polled::Busy => {
                    idle = false;
                    fed |= active[slot].is_streaming();
                    slot += 1;
                }
                Polled::Idle => slot += 1,
                Polled::CaughtUp => {
                    fed |= active[slot].is_streaming();
                    slot += 1;
                }
                Polled::Commit => {
                    // The same poll may have fed rows (and moved the input to `reopen`).
                    forced_commit = true;
                    idle = false;
                    fed |= active[slot].is_streaming();
                    slot += 1;
                }
                Polled::Done => {
                    fed |= active[slot].is_streaming();
                    active[slot].commit_log(current)?;
                    closed.push(active.swap_remove(slot).close());
                }
            }
        }
        if let (true, Some(time)) = (fed, reopen) {
            // The first data of an empty commit moved its source there: the rest follows.
            current = time;
            max_time = max_time.max(current);
            move_inputs_to(current, &mut active, error_input.as_mut(), &gate);
        }
        if streaming {
            let mut log = ErrorLogFeed {
                errors: &errors,
                env: shared.env,
                rows: &mut error_rows,
                stats: shared.stats,
            };
            feed_errors(error_input.as_mut(), &mut log, index_seed(index), current);
        }
        policy.polled(fed, idle);
        match policy.park(now, idle) {
            Some(wait) => worker.step_or_park(Some(wait)),
            None => worker.step(),
        };
        if let (Some(store), 0) = (shared.store, index) {
            persisted::track_outputs(&built.output_probe, store, max_time.max(current) + 1)?;
        }
        check(&fatal, shared.abort)?;
        if let Some(time) = done.advance(index, &built.output_probe, shared.outputs_done) {
            active.iter_mut().for_each(|source| source.committed(time));
            closed.iter_mut().for_each(|reader| reader.committed(time));
        }
    }

    while !built.data_probe.done() {
        worker.step_or_park(Some(IDLE_PARK)); // wakes to see `abort` when a peer failed
        check(&fatal, shared.abort)?;
    }
    match error_input.take() {
        Some(mut input) => {
            input.advance_to(max_time.max(*input.time()));
            let time = *input.time();
            let mut log = ErrorLogFeed {
                errors: &errors,
                env: shared.env,
                rows: &mut error_rows,
                stats: shared.stats,
            };
            feed_errors(Some(&mut input), &mut log, index_seed(index), time);
        }
        None => report_unread(&errors, shared.env, shared.stats),
    }
    while !built.output_probe.done() {
        worker.step_or_park(Some(IDLE_PARK)); // wakes to see `abort` when a peer failed
        check(&fatal, shared.abort)?;
    }
    if let (Some(store), 0) = (shared.store, index) {
        persisted::track_outputs(&built.output_probe, store, max_time.max(current) + 1)?;
    }
    check(&fatal, shared.abort)?;
    if index == 0 {
        shared.outputs_done.store(Time::MAX, Ordering::SeqCst);
    }
    if !closed.is_empty() {
        // Worker 0 wrote the last outputs; wait (briefly) until it says so.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while shared.outputs_done.load(Ordering::SeqCst) != Time::MAX
            && std::time::Instant::now() < deadline
            && !shared.abort.load(Ordering::SeqCst)
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        if shared.outputs_done.load(Ordering::SeqCst) == Time::MAX {
            closed
                .iter_mut()
                .for_each(|reader| reader.committed(Time::MAX));
        }
    }
    report_unread(&errors, shared.env, shared.stats);
    Ok(())
}

/// Moves the live sources and the error log to commit time `time` (announcing it at once
/// when the commit gate holds sources back).
fn move_inputs_to(
    time: Time,
    active: &mut [ActiveSource],
    error_input: Option<&mut Input>,
    gate: &CommitGate,
) {
    for source in active.iter_mut().filter(|s| s.is_streaming()) {
        source.advance_to(time);
        if gate.is_active() {
            source.announce();
        }
    }
    if let Some(input) = error_input {
        input.advance_to(time);
    }
}

/// Tracks how far the outputs have progressed, to tell readers what is committed.
#[derive(Default)]
struct Committed {
    /// The last time reported to readers as committed.
    reported: Option<Time>,
}

impl Committed {
    /// On worker 0, publishes the outputs' progress; on every worker, returns the newest
    /// completely written time when it moved since the last call.
    fn advance(
        &mut self,
        index: usize,
        probe: &timely::dataflow::operators::probe::Handle<Time>,
        shared: &AtomicU64,
    ) -> Option<Time> {
        if index == 0 {
            let frontier = probe.with_frontier(|f| f.iter().min().copied().unwrap_or(Time::MAX));
            shared.fetch_max(frontier, Ordering::SeqCst);
        }
        let below = shared.load(Ordering::SeqCst);
        let time = if below == Time::MAX {
            Time::MAX
        } else {
            below.checked_sub(1)?
        };
        if self.reported.is_some_and(|r| r >= time) {
            return None;
        }
        self.reported = Some(time);
        Some(time)
    }
}

/// Feeds this worker's share of a static table; returns its latest time. The input closes.
fn feed_static(
    mut input: Input,
    rows: &[crate::plan::StaticRow],
    seed: u64,
    index: usize,
    peers: usize,
) -> Time {
    let mut latest = 0;
    for (position, row) in rows.iter().enumerate() {
        if position % peers != index {
            continue;
        }
        let key = match &row.id {
            StaticId::Position(n) => Key::for_position(seed, *n),
            StaticId::Values(values) => Key::for_values(values),
        };
        latest = latest.max(row.time);
        input.update_at(
            (key, Row::from(row.values.clone())),
            row.time,
            row.diff as isize,
        );
    }
    latest
}

/// Seed of the error-log row ids of worker `index` (ids must differ across workers).
fn index_seed(index: usize) -> u64 {
    0xE770_0000 + index as u64
}

/// Moves buffered error entries into the error-log table (or reports them when the program
/// does not read the log).
fn feed_errors(input: Option<&mut Input>, log: &mut ErrorLogFeed<'_>, seed: u64, time: Time) {
    let ErrorLogFeed {
        errors,
        env,
        rows,
        stats,
    } = log;
    if errors.is_empty() {
        return;
    }
    let entries = errors.drain();
    stats.errors(entries.len() as u64);
    let Some(input) = input else {
        env.unread_errors(entries);
        return;
    };
    for entry in entries {
        input.update_at(
            (Key::for_position(seed, **rows), error_row(&entry)),
            time,
            1,
        );
        **rows += 1;
    }
}

/// Where error entries come from and how many rows of the log this worker has written.
struct ErrorLogFeed<'a> {
    errors: &'a ErrorBuffer,
    env: &'a Arc<dyn Environment>,
    rows: &'a mut u64,
    stats: &'a RunStats,
}

fn error_row(entry: &ErrorEntry) -> Row {
    Row::from(vec![
        Value::str(&entry.operator),
        Value::str(&entry.message),
        Value::str(&entry.row),
        Value::str(&entry.trace),
    ])
}

fn report_unread(errors: &ErrorBuffer, env: &Arc<dyn Environment>, stats: &RunStats) {
    let entries = errors.drain();
    stats.errors(entries.len() as u64);
    if !entries.is_empty() {
        env.unread_errors(entries);
    }
}

fn check(fatal: &RefCell<Option<EngineError>>, abort: &AtomicBool) -> Result<(), EngineError> {
    if let Some(error) = fatal.borrow_mut().take() {
        return Err(error);
    }
    if abort.load(Ordering::SeqCst) {
        return Err(EngineError::Worker("another worker failed".into()));
    }
    Ok(())
}

/// Counts what a sink writes, for monitoring.
struct CountingSink {
    inner: Box<dyn Sink>,
    stats: Arc<RunStats>,
    slot: usize,
}

impl Sink for CountingSink {
    fn write_time(&mut self, time: Time, changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        self.inner.write_time(time, changes)?;
        // Live commit times are wall-clock milliseconds; fixture times are small numbers.
        let latency = if time > 1_000_000_000_000 {
            now_ms().saturating_sub(time)
        } else {
            0
        };
        self.stats
            .wrote(self.slot, changes.len() as u64, time, latency);
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.inner.finish()
    }
}
