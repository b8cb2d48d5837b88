//! Oracle test for `Iterate`: min-label propagation over a randomly changing edge table, to
//! the fixed point and with an iteration limit. At every time the incrementally maintained
//! result equals a from-scratch run over the edges as they stood at that time.

use std::collections::BTreeSet;

use tributary_engine::plan::{
    Expr, JoinId, JoinKind, Node, Op, Output, Plan, ReducerSpec, SinkSpec, StaticId, StaticRow,
};
use tributary_engine::{Time, Value};

mod common;

use common::{node, run_plan, snapshot, state_at, Lcg};

/// Random edge insertions and deletions over `times` commits among `nodes` vertices.
fn random_edges(rng: &mut Lcg, times: u64, nodes: u64) -> Vec<StaticRow> {
    let mut live: BTreeSet<(i64, i64)> = BTreeSet::new();
    let mut rows = Vec::new();
    for time in 1..=times {
        for _ in 0..rng.next(4) + 1 {
            let edge = (rng.next(nodes) as i64, rng.next(nodes) as i64);
            let diff = if live.remove(&edge) {
                -1
            } else {
                live.insert(edge);
                1
            };
            rows.push(StaticRow {
                id: StaticId::Values(vec![Value::Int(edge.0), Value::Int(edge.1)]),
                values: vec![Value::Int(edge.0), Value::Int(edge.1)],
                time,
                diff,
            });
        }
    }
    rows
}

/// The body: labels offered along edges, concatenated with the labels, min per node.
fn body() -> Vec<Node> {
    vec![
        node(Op::IterateInput { index: 0 }, &["node", "label"]),
        node(Op::IterateInput { index: 1 }, &["u", "v"]),
        node(
            Op::Join {
                left: 1,
                right: 0,
                kind: JoinKind::Inner,
                left_keys: vec![Expr::Col(0)],
                right_keys: vec![Expr::Col(0)],
                output: vec![Expr::Col(1), Expr::Col(3)],
                id: JoinId::Pair,
            },
            &["node", "label"],
        ),
        node(Op::ConcatReindex { inputs: vec![2, 0] }, &["node", "label"]),
        node(
            Op::GroupBy {
                input: 3,
                keys: vec![Expr::Col(0)],
                reducers: vec![ReducerSpec {
                    kind: "min".into(),
                    args: vec![Expr::Col(1)],
                    skip_nones: false,
                }],
                output: vec![Expr::Col(0), Expr::Col(1)],
            },
            &["node", "label"],
        ),
    ]
}

fn iterate(limit: Option<u64>) -> Op {
    Op::Iterate {
        inputs: vec![5, 0],
        variables: 1,
        body: body(),
        results: vec![4],
        limit,
    }
}

fn program(edges: Vec<StaticRow>) -> Plan {
    let nodes = vec![
        node(
            Op::Static {
                rows: edges,
                seed: 1,
            },
            &["u", "v"],
        ),
        node(
            Op::Select {
                input: 0,
                exprs: vec![Expr::Col(0)],
            },
            &["node"],
        ),
        node(
            Op::Select {
                input: 0,
                exprs: vec![Expr::Col(1)],
            },
            &["node"],
        ),
        node(Op::ConcatReindex { inputs: vec![1, 2] }, &["node"]),
        node(
            Op::GroupBy {
                input: 3,
                keys: vec![Expr::Col(0)],
                reducers: vec![],
                output: vec![Expr::Col(0)],
            },
            &["node"],
        ),
        node(
            Op::Select {
                input: 4,
                exprs: vec![Expr::Col(0), Expr::Col(0)],
            },
            &["node", "label"],
        ),
        node(iterate(None), &["node", "label"]),
        node(
            Op::IterateOutput {
                iterate: 6,
                index: 0,
            },
            &["node", "label"],
        ),
        node(iterate(Some(2)), &["node", "label"]),
        node(
            Op::IterateOutput {
                iterate: 8,
                index: 0,
            },
            &["node", "label"],
        ),
    ];
    let outputs = [7, 9]
        .iter()
        .enumerate()
        .map(|(id, n)| Output {
            node: *n,
            sink: SinkSpec::Collect {
                id: id as u32,
                snapshot: false,
            },
        })
        .collect();
    Plan { nodes, outputs }
}

#[test]
fn iterate_incremental_equals_recomputation() {
    for seed in 1..=4u64 {
        let mut rng = Lcg(seed);
        let times = 8;
        let edges = random_edges(&mut rng, times, 7);
        for threads in [1, 2] {
            let incremental = run_plan(program(edges.clone()), threads);
            for output in 0..2u32 {
                let count = incremental.get(&output).map_or(0, Vec::len);
                assert!(
                    count > 3,
                    "seed {seed}: output {output} saw {count} changes"
                );
            }
            for time in 0..=times {
                let scratch = run_plan(program(snapshot(&edges, time)), 1);
                for output in 0..2u32 {
                    let empty = Vec::new();
                    let live = state_at(incremental.get(&output).unwrap_or(&empty), time);
                    let fresh = state_at(scratch.get(&output).unwrap_or(&empty), Time::MAX);
                    assert_eq!(
                        live, fresh,
                        "seed {seed}, threads {threads}, output {output}, time {time}"
                    );
                }
            }
        }
    }
}

#[test]
fn unsupported_operators_inside_iterate_are_refused() {
    let mut plan = program(Vec::new());
    if let Op::Iterate { body, .. } = &mut plan.nodes[6].op {
        body.push(node(
            Op::Sort {
                input: 0,
                key: Expr::Col(0),
                instance: None,
            },
            &["node", "label", "prev", "next"],
        ));
    }
    let env = std::sync::Arc::new(common::CollectEnvironment::default());
    let options = tributary_engine::runtime::RunOptions {
        threads: 1,
        ..Default::default()
    };
    let error = tributary_engine::runtime::run(std::sync::Arc::new(plan), options, env)
        .expect_err("sort inside iterate is refused");
    assert!(
        error
            .to_string()
            .contains("sort is not supported inside iterate"),
        "{error}"
    );
}
