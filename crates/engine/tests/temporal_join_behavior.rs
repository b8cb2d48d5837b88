//! Temporal join behaviors end to end: late rows dropped by a cutoff are counted in the run's
//! `late_rows`, and with `keepResults` the results of forgotten rows stay.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use common::{node, state_at, CollectEnvironment};
use tributary_engine::plan::{
    Expr, JoinId, JoinKind, Op, Output, Plan, SinkSpec, StaticId, StaticRow, TemporalJoinSpec,
    WindowBehavior,
};
use tributary_engine::runtime::{run, RunOptions, RunStats};
use tributary_engine::Value;

fn row(n: u64, at: i64, tag: i64, time: u64) -> StaticRow {
    StaticRow {
        id: StaticId::Position(n),
        values: vec![Value::Int(at), Value::Int(tag)],
        time,
        diff: 1,
    }
}

/// `left ⋈ right` on `-2 <= right.at - left.at <= 2`, output `[left tag, right tag]`.
fn plan(left: Vec<StaticRow>, right: Vec<StaticRow>, behavior: WindowBehavior) -> Plan {
    Plan {
        nodes: vec![
            node(
                Op::Static {
                    rows: left,
                    seed: 1,
                },
                &["at", "a"],
            ),
            node(
                Op::Static {
                    rows: right,
                    seed: 2,
                },
                &["at", "b"],
            ),
            node(
                Op::TemporalJoin {
                    left: 0,
                    right: 1,
                    kind: JoinKind::Inner,
                    left_keys: vec![],
                    right_keys: vec![],
                    output: vec![Expr::Col(1), Expr::Col(3)],
                    id: JoinId::Pair,
                    temporal: TemporalJoinSpec::Interval {
                        left_time: Expr::Col(0),
                        right_time: Expr::Col(0),
                        lower: Value::Int(-2),
                        upper: Value::Int(2),
                    },
                    behavior: Some(behavior),
                },
                &["a", "b"],
            ),
        ],
        outputs: vec![Output {
            node: 2,
            sink: SinkSpec::Collect {
                id: 0,
                snapshot: false,
            },
        }],
    }
}

#[test]
fn late_rows_of_both_sides_are_counted_and_results_kept() {
    // Left 3 (1 + 6 <= 8) and 4 (2 + 6 <= 8, the edge) are late; right s (0 + 6 <= 9) is late.
    let left = vec![
        row(0, 0, 1, 2),
        row(1, 8, 2, 4),
        row(2, 1, 3, 6),
        row(3, 2, 4, 6),
        row(4, 3, 5, 6),
    ];
    let right = vec![
        row(0, 1, 10, 2),
        row(1, 4, 11, 6),
        row(2, 9, 12, 8),
        row(3, 0, 13, 10),
    ];
    for threads in [1, 2] {
        let behavior = WindowBehavior {
            delay: None,
            cutoff: Some(Value::Int(6)),
            keep_results: true,
        };
        let plan = plan(left.clone(), right.clone(), behavior);
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
            3,
            "threads {threads}"
        );
        let changes = env
            .collected
            .lock()
            .unwrap()
            .get(&0)
            .cloned()
            .unwrap_or_default();
        assert!(
            changes.iter().all(|c| c.3 > 0),
            "no retraction is visible: {changes:?}"
        );
        let mut pairs: Vec<(Value, Value)> = state_at(&changes, 100)
            .into_keys()
            .map(|(_, row)| (row[0].clone(), row[1].clone()))
            .collect();
        pairs.sort();
        let expected: Vec<(Value, Value)> = [(1, 10), (2, 12), (5, 10), (5, 11)]
            .into_iter()
            .map(|(a, b)| (Value::Int(a), Value::Int(b)))
            .collect();
        assert_eq!(pairs, expected, "threads {threads}");
    }
}
