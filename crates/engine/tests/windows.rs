//! Windows end to end: tumbling and sliding assignment checked against a brute-force oracle
//! under random inserts and retractions, and the late-row counter of a cutoff.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use common::{node, run_plan, state_at, CollectEnvironment, Lcg};
use tributary_engine::plan::{
    Expr, Op, Output, Plan, ReducerSpec, SinkSpec, StaticId, StaticRow, WindowBehavior, WindowSpec,
};
use tributary_engine::runtime::{run, RunOptions, RunStats};
use tributary_engine::{Row, Value};

/// `t` rows -> windows -> count per `[_instance, _start, _end]`, output `[start, end, count]`.
fn window_count_plan(
    rows: Vec<StaticRow>,
    window: WindowSpec,
    behavior: Option<WindowBehavior>,
) -> Plan {
    let freeze = behavior
        .as_ref()
        .is_some_and(|b| b.cutoff.is_some() && b.keep_results);
    let mut nodes = vec![
        node(Op::Static { rows, seed: 7 }, &["t"]),
        node(
            Op::WindowAssign {
                input: 0,
                time: Expr::Col(0),
                instance: None,
                window,
                behavior,
            },
            &["t", "_start", "_end", "_instance"],
        ),
        node(
            Op::GroupBy {
                input: 1,
                keys: vec![Expr::Col(3), Expr::Col(1), Expr::Col(2)],
                reducers: vec![ReducerSpec {
                    kind: "count".into(),
                    args: vec![],
                    skip_nones: false,
                }],
                output: vec![Expr::Col(1), Expr::Col(2), Expr::Col(3)],
            },
            &["start", "end", "n"],
        ),
    ];
    if freeze {
        nodes.push(node(
            Op::WindowFreeze {
                input: 2,
                window: 1,
            },
            &["start", "end", "n"],
        ));
    }
    let last = nodes.len() - 1;
    Plan {
        nodes,
        outputs: vec![Output {
            node: last,
            sink: SinkSpec::Collect {
                id: 0,
                snapshot: false,
            },
        }],
    }
}

fn static_row(n: u64, t: i64, time: u64, diff: i64) -> StaticRow {
    StaticRow {
        id: StaticId::Position(n),
        values: vec![Value::Int(t)],
        time,
        diff,
    }
}

/// Random inserts of times in -50..150 and retractions of live rows, over 8 commits.
fn random_rows(seed: u64) -> Vec<StaticRow> {
    let mut rng = Lcg(seed);
    let mut rows = Vec::new();
    let mut live: Vec<(u64, i64)> = Vec::new();
    for n in 0..120u64 {
        let time = 2 + 2 * (n / 15);
        if !live.is_empty() && rng.next(4) == 0 {
            let (position, t) = live.swap_remove(rng.next(live.len() as u64) as usize);
            rows.push(static_row(position, t, time, -1));
        } else {
            let t = rng.next(200) as i64 - 50;
            live.push((n, t));
            rows.push(static_row(n, t, time, 1));
        }
    }
    rows
}

/// Brute force: for every live row and every `k`, the window `[origin + k*hop, + duration)`.
fn oracle(
    rows: &[StaticRow],
    time: u64,
    hop: i64,
    duration: i64,
    origin: i64,
) -> BTreeMap<(i64, i64), i64> {
    let mut counts = BTreeMap::new();
    for row in rows.iter().filter(|r| r.time <= time) {
        let Value::Int(t) = row.values[0] else {
            unreachable!()
        };
        for k in -100..100 {
            let start = origin + k * hop;
            if start <= t && t < start + duration {
                *counts.entry((start, start + duration)).or_insert(0) += row.diff;
            }
        }
    }
    counts.retain(|_, n| *n != 0);
    counts
}

fn as_counts(state: BTreeMap<(tributary_engine::Key, Row), isize>) -> BTreeMap<(i64, i64), i64> {
    state
        .into_iter()
        .map(|((_, row), diff)| {
            assert_eq!(diff, 1);
            match (&row[0], &row[1], &row[2]) {
                (Value::Int(s), Value::Int(e), Value::Int(n)) => ((*s, *e), *n),
                other => panic!("unexpected row {other:?}"),
            }
        })
        .collect()
}

#[test]
fn tumbling_and_sliding_match_the_oracle_at_every_commit() {
    for (seed, hop, duration, origin) in
        [(1, 10, 10, 0), (2, 5, 20, 3), (3, 7, 7, -2), (4, 10, 15, 0)]
    {
        let rows = random_rows(seed);
        let window = if hop == duration {
            WindowSpec::Tumbling {
                duration: Value::Int(duration),
                origin: Some(Value::Int(origin)),
            }
        } else {
            WindowSpec::Sliding {
                hop: Value::Int(hop),
                duration: Value::Int(duration),
                origin: Some(Value::Int(origin)),
            }
        };
        for threads in [1, 2] {
            let out = run_plan(
                window_count_plan(rows.clone(), window.clone(), None),
                threads,
            );
            let changes = out.get(&0).cloned().unwrap_or_default();
            for time in (2..=18).step_by(2) {
                assert_eq!(
                    as_counts(state_at(&changes, time)),
                    oracle(&rows, time, hop, duration, origin),
                    "seed {seed} threads {threads} time {time}"
                );
            }
        }
    }
}

#[test]
fn late_rows_are_dropped_and_counted() {
    // Window [0, 10) with cutoff 5 closes once an earlier commit saw 15: row 3 at time 6 is late.
    let rows = vec![
        static_row(0, 1, 2, 1),
        static_row(1, 15, 4, 1),
        static_row(2, 4, 4, 1),
        static_row(3, 3, 6, 1),
        static_row(4, 14, 6, 1),
    ];
    let behavior = WindowBehavior {
        delay: None,
        cutoff: Some(Value::Int(5)),
        keep_results: true,
    };
    for threads in [1, 2] {
        let plan = window_count_plan(
            rows.clone(),
            WindowSpec::Tumbling {
                duration: Value::Int(10),
                origin: None,
            },
            Some(behavior.clone()),
        );
        let stats = Arc::new(RunStats::for_plan(&plan));
        let env = Arc::new(CollectEnvironment::default());
        let options = RunOptions {
            threads,
            stats: Some(stats.clone()),
            ..Default::default()
        };
        run(Arc::new(plan), options, env.clone()).expect("run succeeds");
        assert_eq!(
            stats.late_rows.load(Ordering::Relaxed),
            1,
            "threads {threads}"
        );
        let changes = env
            .collected
            .lock()
            .unwrap()
            .get(&0)
            .cloned()
            .unwrap_or_default();
        let expected: BTreeMap<(i64, i64), i64> =
            [((0, 10), 2), ((10, 20), 2)].into_iter().collect();
        assert_eq!(as_counts(state_at(&changes, 100)), expected);
    }
}
