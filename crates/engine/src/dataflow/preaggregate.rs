//! Local pre-aggregation: before rows are exchanged to the workers that own their groups,
//! each worker merges the equal group entries it received in one activation into one update
//! (the local half of local-global aggregation). WordCount ships one update per word per
//! batch instead of one per input row.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use rustc_hash::FxHasher;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Capability;
use timely::dataflow::Stream;

use super::reducers::GroupEntry;
use super::EngineTime;
use crate::value::{Diff, Key, Row, Time};

/// Rows with the insertion time that `earliest`/`latest` need (0 when no reducer needs it).
pub type StampedRows<'s, T = Time> = Stream<'s, T, Vec<((Key, Row, Time), T, Diff)>>;

/// One update of the reduce's input.
pub type Entry<T = Time> = ((Key, GroupEntry), T, Diff);

/// Hash-map key of the pre-aggregation. The group id is a 128-bit hash of the group values and
/// is what the reduce itself groups by, so the group values are neither hashed nor compared
/// here: only the group id, the arguments, the row id and the times.
struct Slot<T> {
    group: Key,
    entry: GroupEntry,
    time: T,
}

impl<T: Eq> PartialEq for Slot<T> {
    fn eq(&self, other: &Self) -> bool {
        self.group == other.group
            && self.time == other.time
            && self.entry.2 == other.entry.2
            && self.entry.3 == other.entry.3
            && self.entry.1 == other.entry.1
    }
}

impl<T: Eq> Eq for Slot<T> {}

impl<T: Hash> Hash for Slot<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u128(self.group.0);
        if !self.entry.1.is_empty() {
            self.entry.1.hash(state);
        }
        state.write_u128(self.entry.2 .0);
        state.write_u64(self.entry.3);
        self.time.hash(state);
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The largest size a new map is given up front: after a bulk load, the first small
/// activation does not allocate (and then drain, bucket by bucket) a map of the load's size.
const PRESIZE_LIMIT: usize = 1 << 16;

/// Merged entries waiting to leave, per capability.
type Pending<T> = Vec<(Capability<T>, FastMap<Slot<T>, Diff>)>;

/// Turns input rows into reduce entries with `make` (which may drop a row by returning
/// `None`) and merges equal entries per activation before they leave the worker.
pub fn preaggregate<'s, T, F>(rows: StampedRows<'s, T>, mut make: F) -> Stream<'s, T, Vec<Entry<T>>>
where
    T: EngineTime,
    F: FnMut(Key, &Row, Time) -> Option<(Key, GroupEntry)> + 'static,
{
    rows.unary::<CapacityContainerBuilder<Vec<Entry<T>>>, _, _, _>(
        Pipeline,
        "PreAggregate",
        move |_, _| {
            let mut pending: Pending<T> = Vec::new();
            // Distinct entries of the last activation (at most PRESIZE_LIMIT): a new map
            // starts at that size, so a steady stream does not grow (and rehash) its map from
            // empty every time.
            let mut last_distinct = 0;
            move |input, output| {
                input.for_each(|capability, data| {
                    let position = match pending
                        .iter()
                        .position(|(c, _)| c.time() == capability.time())
                    {
                        Some(position) => position,
                        None => {
                            let slots = FastMap::with_capacity_and_hasher(
                                last_distinct,
                                Default::default(),
                            );
                            pending.push((capability.retain(0), slots));
                            pending.len() - 1
                        }
                    };
                    let slots = &mut pending[position].1;
                    for ((key, row, stamp), time, diff) in data.drain(..) {
                        if let Some((group, entry)) = make(key, &row, stamp) {
                            *slots.entry(Slot { group, entry, time }).or_insert(0) += diff;
                        }
                    }
                });
                for (capability, slots) in pending.drain(..) {
                    last_distinct = slots.len().min(PRESIZE_LIMIT);
                    let mut session = output.session(&capability);
                    for (slot, diff) in slots {
                        if diff != 0 {
                            session.give(((slot.group, slot.entry), slot.time, diff));
                        }
                    }
                }
            }
        },
    )
}
