//! Outputs: every output's changes are gathered on worker 0, consolidated per closed time and
//! handed to its [`Sink`] in time order.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::probe::Handle as ProbeHandle;
use timely::dataflow::operators::Probe;

use super::Coll;
use crate::connector::{Sink, SinkError};
use crate::error::EngineError;
use crate::plan::{Node, Output, SinkSpec};
use crate::value::{Diff, Key, Row, Time};

/// Opens the sink of output number `position` (called on worker 0 only).
pub type SinkOpener = Box<dyn FnMut(usize, &Output, &Node) -> Result<Box<dyn Sink>, SinkError>>;

/// Worker-side state for attaching outputs.
pub struct OutputContext {
    opener: Option<SinkOpener>,
    /// The first fatal sink error, for the worker loop to report.
    pub fatal: Rc<RefCell<Option<EngineError>>>,
}

impl OutputContext {
    /// `opener` is `Some` on the worker that writes outputs (worker 0).
    pub fn new(opener: Option<SinkOpener>) -> OutputContext {
        OutputContext {
            opener,
            fatal: Rc::new(RefCell::new(None)),
        }
    }

    /// Routes `coll`'s changes to the sink of `output`.
    pub fn attach<'s>(
        &mut self,
        position: usize,
        output: &Output,
        node: &Node,
        coll: Coll<'s>,
        probe: &ProbeHandle<Time>,
    ) -> Result<(), EngineError> {
        if matches!(output.sink, SinkSpec::Null) {
            // Nothing to write: only wait for the table to be complete.
            coll.inner.probe_with(probe);
            return Ok(());
        }
        let mut sink = match self.opener.as_mut() {
            Some(open) => Some(open(position, output, node)?),
            None => None,
        };
        let fatal = self.fatal.clone();
        coll.inner
            .unary_frontier::<CapacityContainerBuilder<Vec<()>>, _, _, _>(
                Exchange::new(|_: &((Key, Row), Time, Diff)| 0u64),
                "Output",
                move |_capability, _info| {
                    let mut stash: BTreeMap<Time, Vec<(Key, Row, Diff)>> = BTreeMap::new();
                    let mut finished = false;
                    move |(input, frontier), _output| {
                        input.for_each(|_time, data| {
                            for ((key, row), time, diff) in data.drain(..) {
                                stash.entry(time).or_default().push((key, row, diff));
                            }
                        });
                        let Some(sink) = sink.as_mut() else {
                            stash.clear();
                            return;
                        };
                        while let Some(entry) = stash.first_entry() {
                            if frontier.less_equal(entry.key()) {
                                break;
                            }
                            let (time, mut changes) = entry.remove_entry();
                            consolidate_changes(&mut changes);
                            if changes.is_empty() {
                                continue;
                            }
                            if let Err(error) = sink.write_time(time, &changes) {
                                fatal.borrow_mut().get_or_insert(error.into());
                            }
                        }
                        if frontier.is_empty() && !finished {
                            finished = true;
                            if let Err(error) = sink.finish() {
                                fatal.borrow_mut().get_or_insert(error.into());
                            }
                        }
                    }
                },
            )
            .probe_with(probe);
        Ok(())
    }
}

/// Sums the diffs of equal `(key, row)` pairs, drops zeros, and orders deletions first (each
/// part in `(key, row)` order).
pub fn consolidate_changes(changes: &mut Vec<(Key, Row, Diff)>) {
    // Sorting by id alone keeps the comparison cheap; the rows only matter within a run of
    // equal ids, which is short (an update's old and new row), and is ordered by row there.
    changes.sort_unstable_by_key(|c| c.0);
    let mut write = 0;
    let mut start = 0;
    while start < changes.len() {
        let key = changes[start].0;
        let end = start
            + changes[start..]
                .iter()
                .position(|c| c.0 != key)
                .unwrap_or(changes.len() - start);
        let run = &mut changes[start..end];
        if run.len() > 1 {
            run.sort_unstable_by(|a, b| a.1.cmp(&b.1));
        }
        for read in start..end {
            // Entries written before this run have other ids.
            if write > 0 && changes[write - 1].0 == key && changes[write - 1].1 == changes[read].1 {
                changes[write - 1].2 += changes[read].2;
            } else {
                changes.swap(write, read);
                write += 1;
            }
        }
        start = end;
    }
    changes.truncate(write);
    changes.retain(|c| c.2 != 0);
    // Deletions first: a stable partition keeps both parts in `(key, row)` order, which is
    // what a second sort by `(sign, key)` would give, in one pass.
    if changes.iter().any(|c| c.2 < 0) && changes.iter().any(|c| c.2 > 0) {
        let (mut deletions, insertions): (Vec<_>, Vec<_>) =
            changes.drain(..).partition(|c| c.2 < 0);
        deletions.extend(insertions);
        *changes = deletions;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::value::Value;

    /// The plain definition: merge, drop zeros, sort by (insertion?, key, row).
    fn by_definition(changes: &[(Key, Row, Diff)]) -> Vec<(Key, Row, Diff)> {
        let mut merged: std::collections::BTreeMap<(Key, Row), Diff> = Default::default();
        for (key, row, diff) in changes {
            *merged.entry((*key, row.clone())).or_default() += diff;
        }
        let mut out: Vec<_> = merged
            .into_iter()
            .filter(|(_, d)| *d != 0)
            .map(|((k, r), d)| (k, r, d))
            .collect();
        out.sort_by(|a, b| (a.2 > 0, a.0, &a.1).cmp(&(b.2 > 0, b.0, &b.1)));
        out
    }

    #[test]
    fn changes_merge_and_deletions_come_first_in_key_order() {
        let mut seed: u64 = 42;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for _ in 0..200 {
            let len = next(40) as usize;
            let changes: Vec<(Key, Row, Diff)> = (0..len)
                .map(|_| {
                    let row: Row = Arc::from(vec![Value::Int(next(3) as i64)]);
                    (Key(u128::from(next(6))), row, next(5) as Diff - 2)
                })
                .collect();
            let mut fast = changes.clone();
            consolidate_changes(&mut fast);
            assert_eq!(fast, by_definition(&changes));
        }
    }
}
