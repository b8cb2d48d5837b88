//! Window behaviors: `delay` holds a window's rows until the greatest time seen reaches
//! `_start + delay`; `cutoff` drops rows that arrive for a window after the greatest time seen
//! in earlier commits reached `_end + cutoff` (counted as late), then forgets the window:
//! its rows are retracted (a freeze downstream may hide that) and its state dropped, so
//! memory stays bounded on an endless stream.
//!
//! "The greatest time seen" is a property of the whole input, not of one worker: every worker
//! sends the greatest row time of each of its batches to all workers (a broadcast stream), and
//! a commit is processed only when both the rows and those maxima are complete for it, so
//! all workers take the same decisions for the same commit.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::Ordering;

use differential_dataflow::AsCollection;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::vec::{Broadcast, Map};
use timely::dataflow::operators::Capability;
use timely::dataflow::Stream;
use timely::progress::frontier::MutableAntichain;

use super::point::Point;
use super::{Assigned, LateCounter, Marks};
use crate::dataflow::Coll;
use crate::value::{Diff, Key, Row, Time};

/// The behavior's parameters, in the time column's unit.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// Hold a window until the greatest time seen reaches `start + delay`.
    pub delay: Option<Point>,
    /// Close a window once the greatest time seen in earlier commits reaches `end + cutoff`.
    pub cutoff: Option<Point>,
}

/// What the behavior operator emits: assigned rows and forgotten windows.
#[derive(Clone, Debug)]
enum Out {
    Row(Key, Row),
    Forgotten(Key),
}

/// A window's rows waiting for the delay.
struct Held {
    rows: Vec<(Key, Row, Diff)>,
}

/// The rows a window has emitted (to retract them when it is forgotten).
#[derive(Default)]
struct Live {
    rows: HashMap<(Key, Row), Diff>,
}

/// Per-worker state of the behavior operator.
struct State {
    rules: Rules,
    /// Greatest time seen over all processed commits.
    seen: Option<Point>,
    /// Latest commit time processed.
    last_commit: Option<Time>,
    held: HashMap<Key, Held>,
    /// Held windows by release point.
    release: BTreeSet<(Point, Key)>,
    live: HashMap<Key, Live>,
    /// Live windows by closing point (`end + cutoff`).
    closing: BTreeSet<(Point, Key)>,
    late: LateCounter,
}

impl State {
    fn release_point(&self, a: &Assigned) -> Option<Point> {
        let delay = self.rules.delay?;
        let release = a.start.add(delay);
        Some(match self.rules.cutoff {
            Some(cutoff) => release.min(a.end.add(cutoff)),
            None => release,
        })
    }

    fn emit(
        &mut self,
        window: Key,
        end: Point,
        key: Key,
        row: Row,
        diff: Diff,
        out: &mut Vec<(Out, Diff)>,
    ) {
        if let Some(cutoff) = self.rules.cutoff {
            let live = self.live.entry(window).or_insert_with(|| {
                self.closing.insert((end.add(cutoff), window));
                Live::default()
            });
            let slot = live.rows.entry((key, row.clone())).or_insert(0);
            *slot += diff;
            if *slot == 0 {
                live.rows.remove(&(key, row.clone()));
            }
        }
        out.push((Out::Row(key, row), diff));
    }

    /// Processes one complete commit: its rows and the greatest time of its rows (all workers).
    fn commit(
        &mut self,
        time: Time,
        rows: Vec<(Assigned, Diff)>,
        max: Option<Point>,
    ) -> Vec<(Out, Diff)> {
        let previous = self.seen;
        let current = match (previous, max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let mut out = Vec::new();
        let mut late = 0u64;
        // Late rows: their window closed in an earlier commit.
        for (a, diff) in rows {
            if let (Some(cutoff), Some(seen)) = (self.rules.cutoff, previous) {
                if a.end.add(cutoff) <= seen {
                    late += diff.unsigned_abs() as u64;
                    continue;
                }
            }
            match self.release_point(&a) {
                Some(release) if current.is_none_or(|c| c < release) => {
                    let held = self.held.entry(a.window).or_insert_with(|| {
                        self.release.insert((release, a.window));
                        Held { rows: Vec::new() }
                    });
                    held.rows.push((a.key, a.row, diff));
                }
                _ => self.emit(a.window, a.end, a.key, a.row, diff, &mut out),
            }
        }
        // Windows whose delay has passed.
        if let Some(current) = current {
            while let Some(&(release, window)) = self.release.first() {
                if release > current {
                    break;
                }
                self.release.pop_first();
                self.flush_window(window, &mut out);
            }
        }
        // Windows closed by the earlier commits: forget them.
        if let Some(seen) = previous {
            while let Some(&(closing, window)) = self.closing.first() {
                if closing > seen {
                    break;
                }
                self.closing.pop_first();
                if let Some(live) = self.live.remove(&window) {
                    for ((key, row), diff) in live.rows {
                        out.push((Out::Row(key, row), -diff));
                    }
                }
                out.push((Out::Forgotten(window), 1));
            }
        }
        if late > 0 {
            if let Some(counter) = &self.late {
                counter.fetch_add(late, Ordering::Relaxed);
            }
        }
        self.seen = current;
        self.last_commit = Some(self.last_commit.map_or(time, |t| t.max(time)));
        out
    }

    fn flush_window(&mut self, window: Key, out: &mut Vec<(Out, Diff)>) {
        let Some(held) = self.held.remove(&window) else {
            return;
        };
        let end = held_end(&held);
        for (key, row, diff) in held.rows {
            match end {
                Some(end) => self.emit(window, end, key, row, diff, out),
                None => out.push((Out::Row(key, row), diff)),
            }
        }
    }
}

/// A held window's end, read back from its rows' `_end` cell.
fn held_end(held: &Held) -> Option<Point> {
    let row = &held.rows.first()?.1;
    Point::of(&row[row.len().checked_sub(2)?])
}

/// Rows waiting for their commit to complete, with a capability for it.
type Stash<T> = BTreeMap<Time, (Capability<Time>, T)>;

fn complete(frontier: &MutableAntichain<Time>, other: &MutableAntichain<Time>, time: Time) -> bool {
    !frontier.less_equal(&time) && !other.less_equal(&time)
}

/// Applies the behavior to assigned rows; returns the rows and the forgotten windows.
pub fn apply<'s>(
    assigned: Stream<'s, Time, Vec<(Assigned, Time, Diff)>>,
    rules: Rules,
    late: LateCounter,
) -> (Coll<'s>, Marks<'s>) {
    // Greatest row time per batch, sent to every worker.
    let maxima = assigned
        .clone()
        .unary::<CapacityContainerBuilder<Vec<(Time, Point)>>, _, _, _>(
            Pipeline,
            "WindowMaxTime",
            |_, _| {
                move |input, output| {
                    input.for_each(|capability, data| {
                        let mut best: BTreeMap<Time, Point> = BTreeMap::new();
                        for (a, time, _) in data.iter() {
                            let slot = best.entry(*time).or_insert(a.at);
                            *slot = (*slot).max(a.at);
                        }
                        let mut session = output.session(&capability);
                        for (time, max) in best {
                            session.give((time, max));
                        }
                    });
                }
            },
        )
        .broadcast();
    let out = assigned
        .binary_frontier::<_, CapacityContainerBuilder<Vec<(Out, Time, Diff)>>, _, _, _, _>(
            maxima,
            Pipeline,
            Pipeline,
            "WindowBehavior",
            move |_, _| {
                let mut state = State {
                    rules,
                    seen: None,
                    last_commit: None,
                    held: HashMap::new(),
                    release: BTreeSet::new(),
                    live: HashMap::new(),
                    closing: BTreeSet::new(),
                    late,
                };
                let mut rows: Stash<Vec<(Assigned, Diff)>> = BTreeMap::new();
                let mut maxima: Stash<Option<Point>> = BTreeMap::new();
                let mut kept: Option<Capability<Time>> = None;
                move |(input, frontier), (input2, frontier2), output| {
                    input.for_each(|capability, data| {
                        for (a, time, diff) in data.drain(..) {
                            let slot = rows
                                .entry(time)
                                .or_insert_with(|| (capability.delayed(&time, 0), Vec::new()));
                            slot.1.push((a, diff));
                        }
                    });
                    input2.for_each(|capability, data| {
                        for (time, max) in data.drain(..) {
                            let slot = maxima
                                .entry(time)
                                .or_insert_with(|| (capability.delayed(&time, 0), None));
                            slot.1 = Some(slot.1.map_or(max, |m: Point| m.max(max)));
                        }
                    });
                    // Commits complete on both inputs, in time order.
                    loop {
                        let next = match (rows.keys().next(), maxima.keys().next()) {
                            (Some(a), Some(b)) => *a.min(b),
                            (Some(a), None) => *a,
                            (None, Some(b)) => *b,
                            (None, None) => break,
                        };
                        if !complete(frontier, frontier2, next) {
                            break;
                        }
                        let batch = rows.remove(&next);
                        let max = maxima.remove(&next);
                        let capability = match (&batch, &max) {
                            (Some((c, _)), _) | (None, Some((c, _))) => c.clone(),
                            (None, None) => unreachable!("a commit with neither rows nor maxima"),
                        };
                        let changes = state.commit(
                            next,
                            batch.map(|(_, r)| r).unwrap_or_default(),
                            max.and_then(|(_, m)| m),
                        );
                        {
                            let mut session = output.session(&capability);
                            for (change, diff) in changes {
                                session.give((change, next, diff));
                            }
                        }
                        if !state.held.is_empty() && kept.is_none() {
                            kept = Some(capability);
                        }
                    }
                    // Keep one capability while windows are held, for the final flush; let it
                    // follow the input frontier so that it never holds completed times back.
                    let lowest = frontier
                        .frontier()
                        .iter()
                        .chain(frontier2.frontier().iter())
                        .min()
                        .copied();
                    match (lowest, kept.as_mut()) {
                        (Some(lowest), Some(cap)) => {
                            let first_pending = rows.keys().chain(maxima.keys()).min().copied();
                            let target = first_pending.map_or(lowest, |p| p.min(lowest));
                            if *cap.time() < target {
                                cap.downgrade(&target);
                            }
                        }
                        (None, Some(cap)) => {
                            // The input ended: flush every held window.
                            let at = state
                                .last_commit
                                .map_or(*cap.time(), |t| t.max(*cap.time()));
                            let windows: Vec<Key> = state.held.keys().copied().collect();
                            let mut changes = Vec::new();
                            for window in windows {
                                state.flush_window(window, &mut changes);
                            }
                            state.release.clear();
                            let flush_capability = cap.delayed(&at);
                            let mut session = output.session(&flush_capability);
                            for (change, diff) in changes {
                                session.give((change, at, diff));
                            }
                            kept = None;
                        }
                        _ => {}
                    }
                    if state.held.is_empty() {
                        kept = None;
                    }
                }
            },
        );
    let rows = out
        .clone()
        .flat_map(|(change, time, diff)| match change {
            Out::Row(key, row) => Some(((key, row), time, diff)),
            Out::Forgotten(_) => None,
        })
        .as_collection();
    let marks = out.flat_map(|(change, time, diff)| match change {
        Out::Forgotten(window) => Some((window, time, diff)),
        Out::Row(..) => None,
    });
    (rows, marks)
}
