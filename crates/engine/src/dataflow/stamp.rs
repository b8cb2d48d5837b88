//! Insertion-time stamping for `earliest`/`latest`: each live row carries the time it was
//! inserted, and its retraction carries the same stamp, so the reducers see a consistent
//! multiset. Rows are routed by id and processed in time order once their time is complete.

use std::collections::{BTreeMap, HashMap};

use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Capability;
use timely::dataflow::Stream;

use crate::value::{Diff, Key, Row, Time};

/// Row updates as they flow in a collection's stream.
type RowStream<'s> = Stream<'s, Time, Vec<((Key, Row), Time, Diff)>>;

/// Updates waiting for their time to complete, with the capability to emit at that time.
type Pending = BTreeMap<Time, (Capability<Time>, Vec<(Key, Row, Diff)>)>;

/// A row with its insertion time.
pub type Stamped = ((Key, Row, Time), Time, Diff);

/// Stamps every update with the insertion time of the row it inserts or retracts.
pub fn stamp_insertion_times<'s>(rows: RowStream<'s>) -> Stream<'s, Time, Vec<Stamped>> {
    rows.unary_frontier::<CapacityContainerBuilder<Vec<Stamped>>, _, _, _>(
        Exchange::new(|update: &((Key, Row), Time, Diff)| update.0 .0.route()),
        "StampInsertionTime",
        |_, _| {
            let mut stash: Pending = BTreeMap::new();
            let mut live: HashMap<(Key, Row), Vec<Time>> = HashMap::new();
            move |(input, frontier), output| {
                input.for_each(|capability, data| {
                    for ((key, row), time, diff) in data.drain(..) {
                        let slot = stash
                            .entry(time)
                            .or_insert_with(|| (capability.delayed(&time, 0), Vec::new()));
                        slot.1.push((key, row, diff));
                    }
                });
                while let Some(entry) = stash.first_entry() {
                    if frontier.less_equal(entry.key()) {
                        break;
                    }
                    let (time, (capability, mut updates)) = entry.remove_entry();
                    // Retractions first, so a row replaced within one time keeps nothing stale.
                    updates.sort_by_key(|u| u.2 > 0);
                    let mut session = output.session(&capability);
                    for (key, row, diff) in updates {
                        let stamps = live.entry((key, row.clone())).or_default();
                        if diff > 0 {
                            for _ in 0..diff {
                                stamps.push(time);
                                session.give(((key, row.clone(), time), time, 1));
                            }
                        } else {
                            for _ in 0..(-diff) {
                                let stamp = stamps.pop().unwrap_or(time);
                                session.give(((key, row.clone(), stamp), time, -1));
                            }
                        }
                        if stamps.is_empty() {
                            live.remove(&(key, row));
                        }
                    }
                }
            }
        },
    )
}
