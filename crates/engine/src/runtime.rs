//! Runs a plan on timely workers: builds the dataflow on every worker, feeds the inputs
//! (static rows, connector readers, the error log) and steps until the outputs are complete.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::connector::{Sink, SinkError, SourceError, SourceReader, SourceStatus};
use crate::dataflow::{self, ErrorBuffer, Input, OutputContext, SinkOpener};
use crate::error::{EngineError, ErrorEntry};
use crate::plan::{Node, Op, Output, Plan, SourceSpec, StaticId};
use crate::udf::UdfRunner;
use crate::value::{Diff, Key, Row, Time, Value};

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
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Worker threads in this process.
    pub threads: usize,
}

/// Polls at most this many updates from one reader before stepping the dataflow.
const POLL_BATCH: usize = 64 * 1024;

/// Runs `plan` to completion. Blocks the calling thread (never call it on the JS thread).
pub fn run(
    plan: Arc<Plan>,
    options: RunOptions,
    env: Arc<dyn Environment>,
) -> Result<(), EngineError> {
    validate(&plan)?;
    let threads = options.threads.max(1);
    let start_time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Time)
        .unwrap_or(1);
    let abort = Arc::new(AtomicBool::new(false));
    let guards = timely::execute(timely::Config::process(threads), move |worker| {
        let result = run_worker(worker, &plan, &env, start_time, &abort);
        if result.is_err() {
            abort.store(true, Ordering::SeqCst);
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
    first_error.map_or(Ok(()), Err)
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

/// A source being read by this worker.
struct ActiveSource {
    reader: Box<dyn SourceReader>,
    input: Input,
    /// For sources with a primary key: the live row of each key (upsert semantics: a new row
    /// for a key replaces the old one). Readers of such sources read all of their input on one
    /// worker, so every occurrence of a key passes through the same map.
    upsert: Option<HashMap<Key, Row>>,
    /// The user's call that declared the source.
    trace: String,
}

impl ActiveSource {
    fn push(&mut self, key: Key, row: Row, diff: Diff) {
        let Some(live) = self.upsert.as_mut() else {
            self.input.update((key, row), diff);
            return;
        };
        if diff > 0 {
            if let Some(old) = live.insert(key, row.clone()) {
                self.input.update((key, old), -1);
            }
            self.input.update((key, row), 1);
        } else if let Some(old) = live.remove(&key) {
            self.input.update((key, old), -1);
        }
    }
}

fn run_worker(
    worker: &mut timely::worker::Worker,
    plan: &Plan,
    env: &Arc<dyn Environment>,
    start_time: Time,
    abort: &AtomicBool,
) -> Result<(), EngineError> {
    let index = worker.index();
    let peers = worker.peers();
    let errors = ErrorBuffer::default();
    let opener: Option<SinkOpener> = if index == 0 {
        let env = env.clone();
        Some(Box::new(move |position, output: &Output, node: &Node| {
            env.open_sink(position, output, node)
        }))
    } else {
        None
    };
    let mut outputs = OutputContext::new(opener);
    let fatal = outputs.fatal.clone();
    let udfs = env.udf_runner();
    let built = worker.dataflow::<Time, _, _>(|scope| {
        dataflow::build_with(scope, plan, &errors, &mut outputs, udfs)
    })?;

    let mut max_time: Time = 0;
    let mut active = Vec::new();
    for (node_index, mut input) in built.inputs {
        let node = &plan.nodes[node_index];
        match &node.op {
            Op::Static { rows, seed } => {
                for (position, row) in rows.iter().enumerate() {
                    if position % peers != index {
                        continue;
                    }
                    let key = match &row.id {
                        StaticId::Position(n) => Key::for_position(*seed, *n),
                        StaticId::Values(values) => Key::for_values(values),
                    };
                    max_time = max_time.max(row.time);
                    input.update_at(
                        (key, Row::from(row.values.clone())),
                        row.time,
                        row.diff as Diff,
                    );
                }
                drop(input);
            }
            Op::Source { source } => {
                // A keyed source is read whole by worker 0 so that its upsert map sees every
                // occurrence of a key in input order; unkeyed sources are shared by all workers.
                let keyed = !source.primary_key.is_empty();
                if keyed && index != 0 {
                    drop(input);
                    continue;
                }
                let (share, shares) = if keyed { (0, 1) } else { (index, peers) };
                let reader = env.open_source(node, source, share, shares)?;
                input.advance_to(start_time);
                max_time = max_time.max(start_time);
                let upsert = (!source.primary_key.is_empty()).then(HashMap::new);
                active.push(ActiveSource {
                    reader,
                    input,
                    upsert,
                    trace: node.trace.clone().unwrap_or_default(),
                });
            }
            _ => unreachable!("only static and source nodes are inputs"),
        }
    }

    let mut buffer = Vec::new();
    let mut source_errors = Vec::new();
    while !active.is_empty() {
        let mut still_active = Vec::with_capacity(active.len());
        for mut source in active {
            let status = source
                .reader
                .poll(&mut buffer, &mut source_errors, POLL_BATCH)?;
            for (key, row, diff) in buffer.drain(..) {
                source.push(key, row, diff);
            }
            let trace = &source.trace;
            errors.extend(source_errors.drain(..).map(|mut entry| {
                if entry.trace.is_empty() {
                    entry.trace.clone_from(trace);
                }
                entry
            }));
            match status {
                SourceStatus::Finished => drop(source),
                SourceStatus::Data | SourceStatus::Commit | SourceStatus::Idle => {
                    source.input.flush();
                    still_active.push(source);
                }
            }
        }
        active = still_active;
        worker.step();
        check(&fatal, abort)?;
    }

    while !built.data_probe.done() {
        worker.step_or_park(None);
        check(&fatal, abort)?;
    }
    let entries = errors.drain();
    match built.error_input {
        Some(mut input) => {
            input.advance_to(max_time);
            let seed = 0xE77_0000 + index as u64;
            for (n, entry) in entries.into_iter().enumerate() {
                let row: Row = Row::from(vec![
                    Value::str(&entry.operator),
                    Value::str(&entry.message),
                    Value::str(&entry.row),
                    Value::str(&entry.trace),
                ]);
                input.insert((Key::for_position(seed, n as u64), row));
            }
        }
        None => {
            if !entries.is_empty() {
                env.unread_errors(entries);
            }
        }
    }
    while !built.output_probe.done() {
        worker.step_or_park(None);
        check(&fatal, abort)?;
    }
    check(&fatal, abort)?;
    let late = errors.drain();
    if !late.is_empty() {
        env.unread_errors(late);
    }
    Ok(())
}

fn check(
    fatal: &std::cell::RefCell<Option<EngineError>>,
    abort: &AtomicBool,
) -> Result<(), EngineError> {
    if let Some(error) = fatal.borrow_mut().take() {
        return Err(error);
    }
    if abort.load(Ordering::SeqCst) {
        return Err(EngineError::Worker("another worker failed".into()));
    }
    Ok(())
}
