//! Oracle test: for random change sequences, the incrementally maintained result at every
//! time equals a from-scratch computation over the input as it stood at that time.

use std::collections::BTreeMap;

use tributary_engine::plan::{
    Expr, JoinId, JoinKind, Op, Output, Plan, ReducerSpec, SinkSpec, StaticId, StaticRow,
};
use tributary_engine::{Diff, Key, Row, Time, Value};

mod common;

use common::{call, node, run_plan, snapshot, state_at, Lcg};

fn reducer(kind: &str, args: Vec<Expr>) -> ReducerSpec {
    ReducerSpec {
        kind: kind.into(),
        args,
        skip_nones: false,
    }
}

/// The program under test: a group-by over `facts`, a left join with `dims`, and a group-by
/// over the join.
fn program(facts: Vec<StaticRow>, dims: Vec<StaticRow>) -> Plan {
    let nodes = vec![
        node(
            Op::Static {
                rows: facts,
                seed: 1,
            },
            &["k", "v"],
        ),
        node(
            Op::Static {
                rows: dims,
                seed: 2,
            },
            &["k", "name"],
        ),
        node(
            Op::GroupBy {
                input: 0,
                keys: vec![Expr::Col(0)],
                reducers: vec![
                    reducer("count", vec![]),
                    reducer("sum", vec![Expr::Col(1)]),
                    reducer("max", vec![Expr::Col(1)]),
                    reducer("argmin", vec![Expr::Col(1)]),
                    reducer("sortedTuple", vec![Expr::Col(1)]),
                ],
                output: vec![
                    Expr::Col(0),
                    Expr::Col(1),
                    Expr::Col(2),
                    Expr::Col(3),
                    Expr::Col(4),
                    Expr::Col(5),
                ],
            },
            &["k", "count", "sum", "max", "argmin", "values"],
        ),
        node(
            Op::Join {
                left: 0,
                right: 1,
                kind: JoinKind::Left,
                left_keys: vec![Expr::Col(0)],
                right_keys: vec![Expr::Col(0)],
                output: vec![
                    Expr::Col(0),
                    call("mul", vec![Expr::Col(1), Expr::Lit(Value::Int(2))]),
                    Expr::Col(3),
                ],
                id: JoinId::Pair,
            },
            &["k", "v2", "name"],
        ),
        node(
            Op::GroupBy {
                input: 3,
                keys: vec![Expr::Col(2)],
                reducers: vec![reducer("sum", vec![Expr::Col(1)]), reducer("count", vec![])],
                output: vec![Expr::Col(0), Expr::Col(1), Expr::Col(2)],
            },
            &["name", "total", "n"],
        ),
        node(
            Op::Filter {
                input: 0,
                predicate: call("gt", vec![Expr::Col(1), Expr::Lit(Value::Int(0))]),
            },
            &["k", "v"],
        ),
    ];
    let outputs = [2, 3, 4, 5]
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

/// Random inserts and deletions of live rows over `times` commits.
fn random_changes(
    rng: &mut Lcg,
    times: u64,
    make: &mut dyn FnMut(&mut Lcg) -> Vec<Value>,
) -> Vec<StaticRow> {
    let mut live: Vec<(u64, Vec<Value>)> = Vec::new();
    let mut rows = Vec::new();
    let mut next_position = 0;
    for time in 1..=times {
        for _ in 0..rng.next(6) {
            if !live.is_empty() && rng.next(3) == 0 {
                let (position, values) = live.remove(rng.next(live.len() as u64) as usize);
                rows.push(StaticRow {
                    id: StaticId::Position(position),
                    values,
                    time,
                    diff: -1,
                });
            } else {
                let values = make(rng);
                live.push((next_position, values.clone()));
                rows.push(StaticRow {
                    id: StaticId::Position(next_position),
                    values,
                    time,
                    diff: 1,
                });
                next_position += 1;
            }
        }
    }
    rows
}

#[test]
fn incremental_equals_recomputation() {
    for seed in 1..=6u64 {
        let mut rng = Lcg(seed);
        let times = 12;
        let facts = random_changes(&mut rng, times, &mut |rng| {
            vec![
                Value::Int(rng.next(4) as i64),
                Value::Int(rng.next(21) as i64 - 10),
            ]
        });
        let dims = random_changes(&mut rng, times, &mut |rng| {
            vec![
                Value::Int(rng.next(5) as i64),
                Value::str(["x", "y", "z"][rng.next(3) as usize]),
            ]
        });
        for threads in [1, 2] {
            let incremental = run_plan(program(facts.clone(), dims.clone()), threads);
            for output in 0..4u32 {
                let count = incremental.get(&output).map_or(0, Vec::len);
                assert!(
                    count > 5,
                    "seed {seed}: output {output} saw only {count} changes"
                );
            }
            for time in 0..=times {
                let scratch = run_plan(program(snapshot(&facts, time), snapshot(&dims, time)), 1);
                for output in 0..4u32 {
                    let empty = Vec::new();
                    let live = state_at(incremental.get(&output).unwrap_or(&empty), time);
                    let fresh = state_at(scratch.get(&output).unwrap_or(&empty), Time::MAX);
                    assert_eq!(
                        live, fresh,
                        "seed {seed}, threads {threads}, output {output}, time {time}"
                    );
                }
            }
            // Every output change is a real change: no time carries a zero-sum update.
            for changes in incremental.values() {
                let mut per_time: BTreeMap<(Time, Key, Row), Diff> = BTreeMap::new();
                for (key, row, time, diff) in changes {
                    *per_time.entry((*time, *key, row.clone())).or_insert(0) += diff;
                }
                assert!(per_time.values().all(|d| *d != 0));
            }
        }
    }
}
