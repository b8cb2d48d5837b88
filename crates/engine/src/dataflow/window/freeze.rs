//! The freeze of `keepResults: true`: a windowed reduce retracts a window's results when the
//! behavior forgets the window's rows; this operator drops exactly those changes (the changes
//! of that window's id at the time it was forgotten), so results stay while state goes.

use std::collections::{BTreeMap, HashSet};

use differential_dataflow::AsCollection;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Capability;

use super::Marks;
use crate::dataflow::Coll;
use crate::value::{Diff, Key, Row, Time};

/// Result changes waiting for their time to complete, with a capability for it.
type Pending = BTreeMap<Time, (Capability<Time>, Vec<((Key, Row), Diff)>)>;

/// Drops the changes of `results` whose id is a window forgotten at that time in `marks`.
pub fn freeze<'s>(results: Coll<'s>, marks: Marks<'s>) -> Coll<'s> {
    results
        .inner
        .binary_frontier::<_, CapacityContainerBuilder<Vec<((Key, Row), Time, Diff)>>, _, _, _, _>(
            marks,
            Exchange::new(|u: &((Key, Row), Time, Diff)| u.0 .0.route()),
            Exchange::new(|m: &(Key, Time, Diff)| m.0.route()),
            "WindowFreeze",
            |_, _| {
                let mut changes: Pending = BTreeMap::new();
                let mut forgotten: BTreeMap<Time, HashSet<Key>> = BTreeMap::new();
                move |(input, frontier), (input2, frontier2), output| {
                    input.for_each(|capability, data| {
                        for (change, time, diff) in data.drain(..) {
                            changes
                                .entry(time)
                                .or_insert_with(|| (capability.delayed(&time, 0), Vec::new()))
                                .1
                                .push((change, diff));
                        }
                    });
                    input2.for_each(|_, data| {
                        for (window, time, _) in data.drain(..) {
                            forgotten.entry(time).or_default().insert(window);
                        }
                    });
                    while let Some(entry) = changes.first_entry() {
                        let time = *entry.key();
                        if frontier.less_equal(&time) || frontier2.less_equal(&time) {
                            break;
                        }
                        let (capability, updates) = entry.remove();
                        let hidden = forgotten.remove(&time).unwrap_or_default();
                        let mut session = output.session(&capability);
                        for ((key, row), diff) in updates {
                            if !hidden.contains(&key) {
                                session.give(((key, row), time, diff));
                            }
                        }
                    }
                    // Marks of times that had no changes here.
                    while let Some(entry) = forgotten.first_entry() {
                        let time = *entry.key();
                        if frontier.less_equal(&time) || frontier2.less_equal(&time) {
                            break;
                        }
                        entry.remove();
                    }
                }
            },
        )
        .as_collection()
}
