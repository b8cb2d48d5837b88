//! As-of-now joins: every right (query) row is answered once, against the left table as it
//! stands at the query's time (the left table's changes at that same time included). Later
//! changes of the left table leave old answers alone; a retracted query retracts exactly the
//! answer it got.
//!
//! A timely operator routes both sides by join key, keeps the left table per key, and handles
//! each time once both inputs have passed it: first the left table's changes, then the
//! queries' retractions and insertions. Answers are remembered per query row until retracted.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use differential_dataflow::AsCollection;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Capability;

use super::super::errors::Reporter;
use super::super::join::{emit, keyed, JoinInputs};
use super::super::ops::compile_all;
use super::super::Coll;
use super::{pair_cells, JoinSpec};
use crate::error::EngineError;
use crate::plan::JoinKind;
use crate::value::{Diff, Key, Row, Time};

/// A keyed update of either side: `((join key, (id, row)), time, diff)`.
type Update = ((Row, (Key, Row)), Time, Diff);

/// One output update.
type Out = ((Key, Row), Time, Diff);

/// A time's pending changes: the capability to answer at it, left changes, query changes.
type Pending = BTreeMap<Time, (Capability<Time>, Vec<Update>, Vec<Update>)>;

/// The output rows given to one query row (kept until the query row is retracted).
type Answer = Vec<(Key, Row, Diff)>;

/// The as-of-now join (`left` = the table asked, `right` = the queries).
pub fn asof_now_join<'s>(
    inputs: JoinInputs<'s>,
    spec: &JoinSpec<'_>,
    reporter: Reporter,
) -> Result<Coll<'s>, EngineError> {
    if matches!(spec.kind, JoinKind::Left | JoinKind::Outer) {
        return Err(EngineError::Plan(
            "asof_now join: only inner and right (unanswered queries kept) joins exist".into(),
        ));
    }
    let keep_unanswered = spec.kind == JoinKind::Right;
    let columns = Arc::new(compile_all(spec.output)?);
    let data = keyed(inputs.left, compile_all(spec.left_keys)?, reporter.clone()).inner;
    let queries = keyed(
        inputs.right,
        compile_all(spec.right_keys)?,
        reporter.clone(),
    )
    .inner;
    let (left_width, right_width, id) = (inputs.left_width, inputs.right_width, spec.id);
    let route = |update: &Update| Key::for_values(&update.0 .0).route();
    let mut rep = reporter;
    let answered = data.binary_frontier::<_, CapacityContainerBuilder<Vec<Out>>, _, _, _, _>(
        queries,
        Exchange::new(route),
        Exchange::new(route),
        "AsofNowJoin",
        move |_, _| {
            let mut stash: Pending = BTreeMap::new();
            let mut table: HashMap<Row, HashMap<(Key, Row), Diff>> = HashMap::new();
            let mut answers: HashMap<(Key, Row), Vec<Answer>> = HashMap::new();
            move |(data_in, data_frontier), (query_in, query_frontier), output| {
                data_in.for_each(|capability, batch| {
                    for update in batch.drain(..) {
                        let time = update.1;
                        let slot = stash.entry(time).or_insert_with(|| {
                            (capability.delayed(&time, 0), Vec::new(), Vec::new())
                        });
                        slot.1.push(update);
                    }
                });
                query_in.for_each(|capability, batch| {
                    for update in batch.drain(..) {
                        let time = update.1;
                        let slot = stash.entry(time).or_insert_with(|| {
                            (capability.delayed(&time, 0), Vec::new(), Vec::new())
                        });
                        slot.2.push(update);
                    }
                });
                while let Some(entry) = stash.first_entry() {
                    let time = *entry.key();
                    if data_frontier.less_equal(&time) || query_frontier.less_equal(&time) {
                        break;
                    }
                    let (capability, changes, mut asked) = entry.remove();
                    for ((jk, member), _, diff) in changes {
                        let rows = table.entry(jk.clone()).or_default();
                        let count = rows.entry(member.clone()).or_default();
                        *count += diff;
                        if *count == 0 {
                            rows.remove(&member);
                        }
                        if rows.is_empty() {
                            table.remove(&jk);
                        }
                    }
                    asked.sort_by_key(|update| update.2 > 0);
                    let mut session = output.session(&capability);
                    for ((jk, query), _, diff) in asked {
                        for _ in 0..diff.unsigned_abs() {
                            if diff < 0 {
                                // A retraction takes back the answer given to this query row.
                                let Some(stack) = answers.get_mut(&query) else {
                                    continue;
                                };
                                let given = stack.pop().unwrap_or_default();
                                if stack.is_empty() {
                                    answers.remove(&query);
                                }
                                for (key, row, count) in given {
                                    session.give(((key, row), time, -count));
                                }
                                continue;
                            }
                            let given =
                                answer(table.get(&jk), &query, keep_unanswered, |left, right| {
                                    let cells = pair_cells(
                                        left.map(|l| &l.1),
                                        Some(&right.1),
                                        left_width,
                                        right_width,
                                    );
                                    emit(
                                        &columns,
                                        &cells,
                                        left.map(|l| l.0),
                                        Some(right.0),
                                        id,
                                        &mut rep,
                                    )
                                });
                            for (key, row, count) in &given {
                                session.give(((*key, row.clone()), time, *count));
                            }
                            answers.entry(query.clone()).or_default().push(given);
                        }
                    }
                }
            }
        },
    );
    Ok(answered.as_collection())
}

/// The answer rows of one query against the rows of its join key.
fn answer(
    rows: Option<&HashMap<(Key, Row), Diff>>,
    query: &(Key, Row),
    keep_unanswered: bool,
    mut make: impl FnMut(Option<&(Key, Row)>, &(Key, Row)) -> (Key, Row),
) -> Answer {
    let mut list = Vec::new();
    for (member, count) in rows.into_iter().flatten() {
        if *count > 0 {
            let (key, row) = make(Some(member), query);
            list.push((key, row, *count));
        }
    }
    if list.is_empty() && keep_unanswered {
        let (key, row) = make(None, query);
        list.push((key, row, 1));
    }
    list
}
