//! Support shared by the engine's integration tests: a host environment that collects outputs
//! in memory, a deterministic generator, and plan and change-log helpers.

// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tributary_engine::connector::{Sink, SinkError, SourceError, SourceReader};
use tributary_engine::plan::{Expr, Node, Op, Output, Plan, SinkSpec, SourceSpec, StaticRow};
use tributary_engine::runtime::{run, Environment, RunOptions};
use tributary_engine::udf::UdfRunner;
use tributary_engine::{DType, Diff, ErrorEntry, Key, Row, Time};

/// Changes of each `Collect` output, by output id.
pub type Changes = Arc<Mutex<BTreeMap<u32, Vec<(Key, Row, Time, Diff)>>>>;

/// A host with no sources, `Collect` outputs kept in memory, unread errors kept, and
/// optionally a user-function runner.
#[derive(Default)]
pub struct CollectEnvironment {
    /// What the outputs received.
    pub collected: Changes,
    /// Error-log entries the plan did not read itself.
    pub errors: Arc<Mutex<Vec<ErrorEntry>>>,
    /// Runs the plan's user functions.
    pub runner: Option<Arc<dyn UdfRunner>>,
}

struct CollectSink {
    id: u32,
    collected: Changes,
}

impl Sink for CollectSink {
    fn write_time(&mut self, time: Time, changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        let mut all = self.collected.lock().unwrap();
        all.entry(self.id)
            .or_default()
            .extend(changes.iter().map(|(k, r, d)| (*k, r.clone(), time, *d)));
        Ok(())
    }
    fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

impl Environment for CollectEnvironment {
    fn open_source(
        &self,
        _: &Node,
        spec: &SourceSpec,
        _: usize,
        _: usize,
    ) -> Result<Box<dyn SourceReader>, SourceError> {
        Err(SourceError {
            source_name: spec.name.clone(),
            message: "no sources in this test".into(),
        })
    }
    fn open_sink(&self, _: usize, output: &Output, _: &Node) -> Result<Box<dyn Sink>, SinkError> {
        match output.sink {
            SinkSpec::Collect { id, .. } => Ok(Box::new(CollectSink {
                id,
                collected: self.collected.clone(),
            })),
            _ => Err(SinkError {
                sink_name: "test".into(),
                message: "collect only".into(),
            }),
        }
    }
    fn udf_runner(&self) -> Option<Arc<dyn UdfRunner>> {
        self.runner.clone()
    }
    fn unread_errors(&self, entries: Vec<ErrorEntry>) {
        self.errors.lock().unwrap().extend(entries);
    }
}

/// Runs `plan` on `threads` workers in `env`; panics if the run fails.
pub fn run_in(env: &Arc<CollectEnvironment>, plan: Plan, threads: usize) {
    let options = RunOptions {
        threads,
        ..Default::default()
    };
    run(Arc::new(plan), options, env.clone()).expect("run succeeds");
}

/// Runs `plan` and returns what its `Collect` outputs received.
pub fn run_plan(plan: Plan, threads: usize) -> BTreeMap<u32, Vec<(Key, Row, Time, Diff)>> {
    let env = Arc::new(CollectEnvironment::default());
    run_in(&env, plan, threads);
    let collected = env.collected.lock().unwrap().clone();
    collected
}

/// A small deterministic generator (no dependencies).
pub struct Lcg(pub u64);

impl Lcg {
    /// The next number in `0..bound`.
    pub fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

/// A plan node with untyped columns.
pub fn node(op: Op, columns: &[&str]) -> Node {
    Node {
        op,
        columns: columns.iter().map(|c| c.to_string()).collect(),
        dtypes: columns.iter().map(|_| DType::Any).collect(),
        trace: None,
    }
}

/// A function call expression.
pub fn call(f: &str, args: Vec<Expr>) -> Expr {
    Expr::Call { f: f.into(), args }
}

/// The state of a change log as of `time`.
pub fn state_at(changes: &[(Key, Row, Time, Diff)], time: Time) -> BTreeMap<(Key, Row), Diff> {
    let mut state = BTreeMap::new();
    for (key, row, at, diff) in changes {
        if *at <= time {
            *state.entry((*key, row.clone())).or_insert(0) += diff;
        }
    }
    state.retain(|_, d| *d != 0);
    state
}

/// The input as it stood at `time`, collapsed into one commit at time 0.
pub fn snapshot(rows: &[StaticRow], time: Time) -> Vec<StaticRow> {
    rows.iter()
        .filter(|r| r.time <= time)
        .map(|r| StaticRow {
            time: 0,
            ..r.clone()
        })
        .collect()
}
