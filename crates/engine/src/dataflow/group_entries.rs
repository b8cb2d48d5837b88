//! The consolidated entries of one group of the hash reduce: held inline while the group has
//! a single distinct entry (the common case for `count`/`sum` keyed by what they sum), and in a
//! sorted map once it has more, so a million small groups do not each own a map node.

use std::collections::btree_map::Entry as MapEntry;
use std::collections::BTreeMap;

use super::reducers::ArgEntry;
use crate::value::Diff;

/// A group's entries with their non-zero multiplicities, in `ArgEntry` order.
#[derive(Default)]
pub enum GroupEntries {
    /// No entry.
    #[default]
    Empty,
    /// Exactly one distinct entry.
    One(ArgEntry, Diff),
    /// Two or more distinct entries (or fewer, after removals: it does not shrink back).
    Many(BTreeMap<ArgEntry, Diff>),
}

impl GroupEntries {
    /// Adds `diff` copies of `entry`; an entry whose multiplicity reaches zero is removed.
    pub fn update(&mut self, entry: ArgEntry, diff: Diff) {
        if diff == 0 {
            return;
        }
        *self = match std::mem::take(self) {
            GroupEntries::Empty => GroupEntries::One(entry, diff),
            GroupEntries::One(only, count) if only == entry => match count + diff {
                0 => GroupEntries::Empty,
                sum => GroupEntries::One(only, sum),
            },
            GroupEntries::One(only, count) => {
                GroupEntries::Many(BTreeMap::from([(only, count), (entry, diff)]))
            }
            GroupEntries::Many(mut map) => {
                match map.entry(entry) {
                    MapEntry::Occupied(mut slot) => {
                        *slot.get_mut() += diff;
                        if *slot.get() == 0 {
                            slot.remove();
                        }
                    }
                    MapEntry::Vacant(slot) => {
                        slot.insert(diff);
                    }
                }
                GroupEntries::Many(map)
            }
        };
    }

    /// How many distinct entries there are.
    pub fn len(&self) -> usize {
        match self {
            GroupEntries::Empty => 0,
            GroupEntries::One(..) => 1,
            GroupEntries::Many(map) => map.len(),
        }
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries and their multiplicities, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&ArgEntry, Diff)> {
        let (one, many) = match self {
            GroupEntries::Empty => (None, None),
            GroupEntries::One(entry, diff) => (Some((entry, *diff)), None),
            GroupEntries::Many(map) => (None, Some(map.iter().map(|(e, d)| (e, *d)))),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::dataflow::reducers::Args;
    use crate::value::{Key, Value};

    fn entry(arg: i64) -> ArgEntry {
        (
            Args::from_row(Arc::from(vec![Value::Int(arg)])),
            Key::default(),
            0,
        )
    }

    fn listed(entries: &GroupEntries) -> Vec<(i64, Diff)> {
        entries
            .iter()
            .map(|((args, _, _), d)| match args.as_slice() {
                [Value::Int(i)] => (*i, d),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn one_entry_stays_inline_and_more_go_to_the_map_in_order() {
        let mut entries = GroupEntries::default();
        entries.update(entry(5), 3);
        entries.update(entry(5), 2);
        assert!(matches!(entries, GroupEntries::One(_, 5)));
        entries.update(entry(2), 1);
        entries.update(entry(9), 1);
        assert_eq!(listed(&entries), vec![(2, 1), (5, 5), (9, 1)]);
        entries.update(entry(5), -5);
        assert_eq!(listed(&entries), vec![(2, 1), (9, 1)]);
        entries.update(entry(2), -1);
        entries.update(entry(9), -1);
        assert!(entries.is_empty());
    }

    #[test]
    fn an_inline_entry_that_cancels_leaves_the_group_empty() {
        let mut entries = GroupEntries::default();
        entries.update(entry(1), 2);
        entries.update(entry(1), 0);
        entries.update(entry(1), -2);
        assert!(matches!(entries, GroupEntries::Empty));
        assert_eq!(entries.len(), 0);
    }
}
