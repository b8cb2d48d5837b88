//! `groupBy().reduce()` at commit times: a timely operator that keeps each group's entries in
//! a hash map and, when a commit time is complete, recomputes only the groups that changed at
//! that time and emits their old and new result rows.
//!
//! Commit times are totally ordered, so a group's state after time `t` is its state after the
//! previous complete time plus the updates at `t`: no history of times has to be kept or
//! replayed, which is what differential's general `reduce` does for partially ordered times
//! (it remains in use inside iterations). Per group the operator stores the consolidated
//! entries, sorted as differential would present them, and the result row it last emitted.
//! The reducers see exactly what they would see under differential's `reduce`.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;

use differential_dataflow::AsCollection;
use rustc_hash::FxHasher;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Capability;
use timely::dataflow::Stream;

use super::errors::Reporter;
use super::group_entries::GroupEntries;
use super::preaggregate::Entry;
use super::reducers::{ArgEntry, Args, GroupEntry, Reducer};
use super::{CollIn, EngineTime};
use crate::value::{Diff, Key, Row, Value};

/// One group's memory.
#[derive(Default)]
struct Group {
    /// The group values (the first cells of the result row).
    values: Option<Row>,
    /// The consolidated entries (non-zero multiplicities) without their group values, in the
    /// order differential's `reduce` would present them.
    entries: GroupEntries,
    /// The output row last emitted for the group.
    emitted: Option<Row>,
    /// Changed in the time being applied.
    touched: bool,
}

impl Group {
    /// Adds `diff` copies of `entry`.
    fn update(&mut self, (values, args, id, stamp): GroupEntry, diff: Diff) {
        if self.values.is_none() {
            self.values = Some(values);
        }
        self.entries.update((Args::from_row(args), id, stamp), diff);
    }

    /// Writes the group's result cells into the empty `cells` (its group values, then each
    /// reducer's value); false, writing nothing, when the group has no entries.
    fn result(
        &self,
        reducers: &[Reducer],
        reporter: &mut Reporter,
        cells: &mut Vec<Value>,
    ) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let Some(values) = self.values.as_ref() else {
            return false;
        };
        cells.extend(values.iter().cloned());
        if let GroupEntries::One(only, diff) = &self.entries {
            // The common case of `count`/`sum` over equal arguments: no list to build.
            for reducer in reducers {
                cells.push(reducer.compute(&[(only, *diff)], &mut reporter.scratch));
            }
        } else {
            let input: Vec<(&ArgEntry, Diff)> = self.entries.iter().collect();
            for reducer in reducers {
                cells.push(reducer.compute(&input, &mut reporter.scratch));
            }
        }
        reporter.flush();
        true
    }
}

/// Groups by id (already a 128-bit hash of the group values).
type Groups = HashMap<Key, Group, BuildHasherDefault<FxHasher>>;

/// Changes of times that are not complete yet, with the capability to answer them at.
type Pending<T> = BTreeMap<T, (Capability<T>, Vec<(Key, GroupEntry, Diff)>)>;

/// Turns a group's `[group values..., reducer values...]` into its output row (it may take the
/// cells; the caller clears what is left).
pub type Finish = Box<dyn FnMut(Key, &mut Vec<Value>) -> Row>;

/// Reduces `entries` (group id, entry) per group with `reducers`; the result of a group is
/// `(group id, finish(group id, [group values..., reducer values...]))`. Only for totally
/// ordered times.
pub fn hash_reduce<'s, T: EngineTime>(
    entries: Stream<'s, T, Vec<Entry<T>>>,
    reducers: Vec<Reducer>,
    mut reporter: Reporter,
    mut finish: Finish,
) -> CollIn<'s, T> {
    debug_assert!(T::TOTAL, "the hash reduce needs totally ordered times");
    let route = Exchange::new(|update: &Entry<T>| (update.0).0.route());
    entries
        .unary_frontier::<CapacityContainerBuilder<Vec<((Key, Row), T, Diff)>>, _, _, _>(
            route,
            "Reduce",
            move |_capability, _info| {
                let mut groups = Groups::default();
                let mut pending: Pending<T> = BTreeMap::new();
                move |(input, frontier), output| {
                    input.for_each(|capability, data| {
                        for ((group, entry), time, diff) in data.drain(..) {
                            let (_, changes) = pending
                                .entry(time.clone())
                                .or_insert_with(|| (capability.delayed(&time, 0), Vec::new()));
                            changes.push((group, entry, diff));
                        }
                    });
                    while let Some(first) = pending.first_entry() {
                        if frontier.less_equal(first.key()) {
                            break;
                        }
                        let (time, (capability, changes)) = first.remove_entry();
                        let updates = apply(
                            &mut groups,
                            changes,
                            &time,
                            (&reducers, &mut finish),
                            &mut reporter,
                        );
                        if !updates.is_empty() {
                            output
                                .session(&capability)
                                .give_iterator(updates.into_iter());
                        }
                    }
                }
            },
        )
        .as_collection()
}

/// Applies one complete time's changes; returns the result rows retracted and added at `time`.
fn apply<T: Clone>(
    groups: &mut Groups,
    changes: Vec<(Key, GroupEntry, Diff)>,
    time: &T,
    (reducers, finish): (&[Reducer], &mut Finish),
    reporter: &mut Reporter,
) -> Vec<((Key, Row), T, Diff)> {
    // Groups in the order of their first change (no sort: the output orders what it writes).
    let mut touched = Vec::new();
    for (id, entry, diff) in changes {
        let group = groups.entry(id).or_default();
        if !group.touched {
            group.touched = true;
            touched.push(id);
        }
        group.update(entry, diff);
    }
    let mut updates = Vec::with_capacity(touched.len() * 2);
    let mut cells = Vec::new();
    for id in touched {
        let Some(group) = groups.get_mut(&id) else {
            continue;
        };
        group.touched = false;
        let result = group
            .result(reducers, reporter, &mut cells)
            .then(|| finish(id, &mut cells));
        cells.clear();
        if result == group.emitted {
            if result.is_none() {
                groups.remove(&id);
            }
            continue;
        }
        if let Some(old) = group.emitted.take() {
            updates.push(((id, old), time.clone(), -1));
        }
        match result {
            Some(new) => {
                updates.push(((id, new.clone()), time.clone(), 1));
                group.emitted = Some(new);
            }
            None => {
                groups.remove(&id);
            }
        }
    }
    updates
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ReducerSpec;
    use std::sync::Arc;

    fn entry(group: &str, arg: i64) -> GroupEntry {
        (
            Arc::from(vec![Value::str(group)]),
            Arc::from(vec![Value::Int(arg)]),
            Key::default(),
            0,
        )
    }

    #[test]
    fn groups_keep_consolidated_entries() {
        let mut group = Group::default();
        group.update(entry("a", 1), 2);
        group.update(entry("a", 2), 1);
        group.update(entry("a", 1), -2);
        assert_eq!(group.entries.len(), 1);
        group.update(entry("a", 3), 1);
        assert_eq!(group.entries.len(), 2);
        group.update(entry("a", 2), -1);
        group.update(entry("a", 3), -1);
        assert!(group.entries.is_empty());
    }

    #[test]
    fn results_are_the_group_values_then_the_reducers() {
        let spec = |kind: &str, args: usize| ReducerSpec {
            kind: kind.into(),
            args: vec![crate::plan::Expr::Col(0); args],
            skip_nones: false,
        };
        let reducers = vec![
            Reducer::new(&spec("count", 0), 0).unwrap(),
            Reducer::new(&spec("sum", 1), 0).unwrap(),
        ];
        let mut reporter = crate::dataflow::ErrorBuffer::default().reporter("reduce", None);
        let mut group = Group::default();
        let mut cells = Vec::new();
        assert!(!group.result(&reducers, &mut reporter, &mut cells));
        assert!(cells.is_empty());
        group.update(entry("a", 5), 2);
        group.update(entry("a", 7), 1);
        assert!(group.result(&reducers, &mut reporter, &mut cells));
        assert_eq!(cells, vec![Value::str("a"), Value::Int(3), Value::Int(17)]);
    }

    #[test]
    fn a_time_retracts_the_old_row_adds_the_new_and_forgets_empty_groups() {
        let count = ReducerSpec {
            kind: "count".into(),
            args: vec![],
            skip_nones: false,
        };
        let reducers = vec![Reducer::new(&count, 0).unwrap()];
        let mut finish: Finish = Box::new(|_, cells| cells.drain(..).collect());
        let mut reporter = crate::dataflow::ErrorBuffer::default().reporter("reduce", None);
        let mut groups = Groups::default();
        let a = Key::for_values(&[Value::str("a")]);
        let row = |n: i64| -> Row { Arc::from(vec![Value::str("a"), Value::Int(n)]) };
        let mut at = |time: u64, diffs: &[Diff]| {
            let changes = diffs.iter().map(|&d| (a, entry("a", 0), d)).collect();
            let mut out = apply(
                &mut groups,
                changes,
                &time,
                (&reducers, &mut finish),
                &mut reporter,
            );
            out.sort_by_key(|u| u.2);
            out
        };
        assert_eq!(at(1, &[1, 1]), vec![((a, row(2)), 1, 1)]);
        assert_eq!(at(2, &[1]), vec![((a, row(2)), 2, -1), ((a, row(3)), 2, 1)]);
        // Changes that cancel out within a time emit nothing.
        assert_eq!(at(3, &[1, -1]), vec![]);
        assert_eq!(at(4, &[-1, -1, -1]), vec![((a, row(3)), 4, -1)]);
        assert!(groups.is_empty());
    }
}
