//! Oracle test for the id-based table operations (difference, intersect, updateRows,
//! updateCells, having, ix, sort, flatten): for random change sequences on two tables that
//! share ids, the incrementally maintained result at every time equals a from-scratch
//! computation over the inputs as they stood at that time.

use std::collections::BTreeMap;
use std::sync::Arc;

use tributary_engine::plan::{Expr, Op, Output, Plan, SinkSpec, StaticId, StaticRow};
use tributary_engine::{Time, Value};

mod common;

use common::{call, node, run_plan, snapshot, state_at, Lcg};

/// Random inserts, deletions and updates of rows with explicit ids `0..ids` (one live row per
/// id); values from `make`.
fn random_keyed(
    rng: &mut Lcg,
    times: u64,
    ids: u64,
    make: &mut dyn FnMut(&mut Lcg) -> Vec<Value>,
) -> Vec<StaticRow> {
    let mut live: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
    let mut rows = Vec::new();
    for time in 1..=times {
        let mut touched = Vec::new();
        for _ in 0..rng.next(5) {
            let id = rng.next(ids);
            if touched.contains(&id) {
                continue;
            }
            touched.push(id);
            let key = StaticId::Values(vec![Value::Int(id as i64)]);
            if let Some(old) = live.remove(&id) {
                rows.push(StaticRow {
                    id: key.clone(),
                    values: old,
                    time,
                    diff: -1,
                });
                if rng.next(2) == 0 {
                    continue;
                }
            }
            let values = make(rng);
            live.insert(id, values.clone());
            rows.push(StaticRow {
                id: key,
                values,
                time,
                diff: 1,
            });
        }
    }
    rows
}

fn pointer_to(column: usize) -> Expr {
    call("pointerFrom", vec![Expr::Col(column)])
}

/// Node 0: `t(g, k, xs)`, node 1: `u(k, r)` where `r` names an id of `t`.
fn program(t: Vec<StaticRow>, u: Vec<StaticRow>) -> Plan {
    let nodes = vec![
        node(Op::Static { rows: t, seed: 1 }, &["g", "k", "xs"]),
        node(Op::Static { rows: u, seed: 2 }, &["k", "r"]),
        node(Op::Difference { input: 0, other: 1 }, &["g", "k", "xs"]),
        node(
            Op::Intersect {
                input: 0,
                others: vec![1],
            },
            &["g", "k", "xs"],
        ),
        node(
            Op::Select {
                input: 0,
                exprs: vec![Expr::Col(1)],
            },
            &["k"],
        ),
        node(
            Op::Select {
                input: 1,
                exprs: vec![Expr::Col(0)],
            },
            &["k"],
        ),
        node(
            Op::UpdateRows {
                input: 4,
                update: 5,
            },
            &["k"],
        ),
        node(
            Op::UpdateCells {
                input: 0,
                update: 1,
                columns: vec![None, Some(0), None],
            },
            &["g", "k", "xs"],
        ),
        node(
            Op::Having {
                input: 0,
                indexer: 1,
                pointer: pointer_to(1),
            },
            &["g", "k", "xs"],
        ),
        node(
            Op::Ix {
                source: 0,
                indexer: 1,
                pointer: pointer_to(1),
                optional: true,
            },
            &["g", "k", "xs"],
        ),
        node(
            Op::Sort {
                input: 0,
                key: Expr::Col(1),
                instance: Some(Expr::Col(0)),
            },
            &["g", "k", "xs", "prev", "next"],
        ),
        node(
            Op::Flatten {
                input: 0,
                column: 2,
            },
            &["g", "k", "xs"],
        ),
    ];
    let watched = [2, 3, 6, 7, 8, 9, 10, 11];
    let outputs = watched
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
fn table_operations_incremental_equals_recomputation() {
    for seed in 1..=5u64 {
        let mut rng = Lcg(seed);
        let times = 10;
        let t = random_keyed(&mut rng, times, 8, &mut |rng| {
            let len = rng.next(3) as usize;
            vec![
                Value::Int(rng.next(2) as i64),
                Value::Int(rng.next(6) as i64),
                Value::Tuple(Arc::from(
                    (0..len).map(|i| Value::Int(i as i64)).collect::<Vec<_>>(),
                )),
            ]
        });
        let u = random_keyed(&mut rng, times, 8, &mut |rng| {
            vec![
                Value::Int(100 + rng.next(5) as i64),
                Value::Int(rng.next(9) as i64),
            ]
        });
        for threads in [1, 2] {
            let incremental = run_plan(program(t.clone(), u.clone()), threads);
            for output in 0..8u32 {
                let count = incremental.get(&output).map_or(0, Vec::len);
                assert!(
                    count > 3,
                    "seed {seed}: output {output} saw only {count} changes"
                );
            }
            for time in 0..=times {
                let scratch = run_plan(program(snapshot(&t, time), snapshot(&u, time)), 1);
                for output in 0..8u32 {
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
