//! The `Udf` operator with a runner that answers from other threads, late and out of order:
//! results land in the right rows, batch sizes and the in-flight bound hold, failures become
//! error values with log entries, non-deterministic results are retracted as emitted, and
//! cached arguments are computed once.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tributary_engine::plan::{Expr, Op, Output, Plan, SinkSpec, StaticId, StaticRow, UdfOptions};
use tributary_engine::udf::{UdfReply, UdfRunner};
use tributary_engine::{Diff, ErrorEntry, Key, Row, Time, Value};

mod common;

use common::{node, run_in, CollectEnvironment};

/// Answers `x * 2 + 1` (an error for negative `x`; a fresh counter value when `fresh`) after
/// a short sleep on a thread of its own.
#[derive(Default)]
struct Runner {
    calls: AtomicUsize,
    rows: AtomicUsize,
    max_batch_seen: AtomicUsize,
    active: Arc<AtomicUsize>,
    max_active: AtomicUsize,
    counter: AtomicUsize,
    fresh: bool,
}

impl UdfRunner for Runner {
    fn call(&self, _udf: u32, rows: usize, args: Vec<Vec<Value>>, reply: UdfReply) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.rows.fetch_add(rows, Ordering::SeqCst);
        self.max_batch_seen.fetch_max(rows, Ordering::SeqCst);
        let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_active.fetch_max(now, Ordering::SeqCst);
        let fresh: Vec<usize> = (0..rows)
            .map(|_| self.counter.fetch_add(1, Ordering::SeqCst))
            .collect();
        let use_fresh = self.fresh;
        let active = self.active.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5 + (rows as u64 % 7)));
            let outcomes = args[0]
                .iter()
                .zip(fresh)
                .map(|(x, n)| match x {
                    Value::Int(x) if *x < 0 => Err(format!("negative input {x}")),
                    Value::Int(_) if use_fresh => Ok(Value::Int(n as i64)),
                    Value::Int(x) => Ok(Value::Int(x * 2 + 1)),
                    _ => Err("not an int".to_string()),
                })
                .collect();
            active.fetch_sub(1, Ordering::SeqCst);
            reply.send(Box::new(move || Ok(outcomes)));
        });
    }
}

fn row(position: u64, x: i64, time: Time, diff: i64) -> StaticRow {
    StaticRow {
        id: StaticId::Position(position),
        values: vec![Value::Int(x)],
        time,
        diff,
    }
}

struct Outcome {
    changes: Vec<(Key, Row, Time, Diff)>,
    errors: Vec<ErrorEntry>,
    runner: Arc<Runner>,
}

fn run_udf(rows: Vec<StaticRow>, options: UdfOptions, threads: usize, fresh: bool) -> Outcome {
    run_projected(rows, options, threads, fresh, None)
}

fn run_projected(
    rows: Vec<StaticRow>,
    options: UdfOptions,
    threads: usize,
    fresh: bool,
    project: Option<Vec<Expr>>,
) -> Outcome {
    let plan = Plan {
        nodes: vec![
            node(Op::Static { rows, seed: 7 }, &["x"]),
            node(
                Op::Udf {
                    input: 0,
                    udf: 0,
                    args: vec![Expr::Col(0)],
                    options,
                    project,
                },
                &["x", "y"],
            ),
        ],
        outputs: vec![Output {
            node: 1,
            sink: SinkSpec::Collect {
                id: 0,
                snapshot: false,
            },
        }],
    };
    let runner = Arc::new(Runner {
        fresh,
        ..Runner::default()
    });
    let env = Arc::new(CollectEnvironment {
        runner: Some(runner.clone()),
        ..CollectEnvironment::default()
    });
    run_in(&env, plan, threads);
    let changes = env.collected.lock().unwrap().remove(&0).unwrap_or_default();
    let errors = env.errors.lock().unwrap().clone();
    Outcome {
        changes,
        errors,
        runner,
    }
}

/// Live rows `(x, y)` with their counts after all changes.
fn final_state(changes: &[(Key, Row, Time, Diff)]) -> BTreeMap<(i64, String), Diff> {
    let mut state = BTreeMap::new();
    for (_, row, _, diff) in changes {
        let x = match row[0] {
            Value::Int(x) => x,
            _ => panic!("x is not an int"),
        };
        let y = format!("{:?}", row[1]);
        *state.entry((x, y)).or_insert(0) += diff;
    }
    state.retain(|_, d| *d != 0);
    state
}

#[test]
fn results_batches_and_bound() {
    for threads in [1, 2] {
        let rows = (0..1000).map(|i| row(i, i as i64, 1, 1)).collect();
        let options = UdfOptions {
            max_batch: 64,
            max_in_flight: 3,
            ..UdfOptions::default()
        };
        let out = run_udf(rows, options, threads, false);
        let state = final_state(&out.changes);
        assert_eq!(state.len(), 1000);
        for ((x, y), d) in &state {
            assert_eq!(*d, 1);
            assert_eq!(y, &format!("{:?}", Value::Int(x * 2 + 1)));
        }
        assert_eq!(out.runner.rows.load(Ordering::SeqCst), 1000);
        assert!(out.runner.max_batch_seen.load(Ordering::SeqCst) <= 64);
        assert!(out.runner.max_active.load(Ordering::SeqCst) <= 3 * threads);
        assert!(out.runner.calls.load(Ordering::SeqCst) >= 1000 / 64);
    }
}

#[test]
fn fused_projection_and_shared_crossings() {
    for threads in [1, 2] {
        // One row per time, calls of one row: the rows of many times share a crossing.
        let rows = (0..200).map(|i| row(i, i as i64, 1 + i, 1)).collect();
        let options = UdfOptions {
            max_batch: 1,
            crossing_rows: 64,
            ..UdfOptions::default()
        };
        // The fused select keeps (x, result) from the row (x) extended by the result.
        let project = Some(vec![Expr::Col(0), Expr::Col(1)]);
        let out = run_projected(rows, options, threads, false, project);
        let state = final_state(&out.changes);
        assert_eq!(state.len(), 200);
        for ((x, y), d) in &state {
            assert_eq!(*d, 1);
            assert_eq!(y, &format!("{:?}", Value::Int(x * 2 + 1)));
        }
        assert!(out.runner.max_batch_seen.load(Ordering::SeqCst) <= 64);
        assert!(out.runner.calls.load(Ordering::SeqCst) < 200);
        assert!(out.errors.is_empty());
    }
}

#[test]
fn failures_become_error_values_and_entries() {
    for threads in [1, 2] {
        let rows = vec![row(0, 1, 1, 1), row(1, -5, 1, 1), row(2, 3, 2, 1)];
        let out = run_udf(rows, UdfOptions::default(), threads, false);
        let state = final_state(&out.changes);
        assert_eq!(state.get(&(-5, "Error".to_string())), Some(&1));
        assert_eq!(state.get(&(1, format!("{:?}", Value::Int(3)))), Some(&1));
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].message.contains("negative input -5"));
        assert_eq!(out.errors[0].operator, "udf");
    }
}

#[test]
fn non_deterministic_retractions_keep_the_value() {
    for threads in [1, 2] {
        // Insert three rows at t=1, retract two of them at t=2 and t=3.
        let rows = vec![
            row(0, 10, 1, 1),
            row(1, 20, 1, 1),
            row(2, 30, 1, 1),
            row(0, 10, 2, -1),
            row(1, 20, 3, -1),
        ];
        let options = UdfOptions {
            deterministic: false,
            max_batch: 1,
            ..UdfOptions::default()
        };
        let out = run_udf(rows, options, threads, true);
        let state = final_state(&out.changes);
        // Only row 30 is left, and every retraction cancelled its insertion exactly.
        assert_eq!(state.len(), 1, "{state:?}");
        assert!(state.keys().next().unwrap().0 == 30);
        assert_eq!(out.runner.rows.load(Ordering::SeqCst), 3);
        assert!(out.errors.is_empty());
    }
}

#[test]
fn cache_calls_once_per_distinct_arguments() {
    for threads in [1, 2] {
        let rows = (0..300)
            .map(|i| row(i, (i % 5) as i64, 1 + i / 100, 1))
            .collect();
        let options = UdfOptions {
            cache: true,
            max_batch: 16,
            ..UdfOptions::default()
        };
        let out = run_udf(rows, options, threads, false);
        assert_eq!(out.runner.rows.load(Ordering::SeqCst), 5);
        let state = final_state(&out.changes);
        assert_eq!(state.values().sum::<Diff>(), 300);
    }
}
