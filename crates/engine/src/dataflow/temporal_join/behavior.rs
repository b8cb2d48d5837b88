//! Behaviors of temporal joins (`behavior: commonBehavior({ delay, cutoff, keepResults })`),
//! applied to each side's rows before they are paired, with Pathway's semantics:
//!
//! - every side tracks the greatest time seen on it (over all workers: each worker
//!   broadcasts the greatest time of its batches, and a commit is processed only when rows
//!   and maxima are complete for it), updated after the whole commit is processed;
//! - `cutoff`: a row whose time plus `cutoff` is at most its side's greatest time seen in
//!   earlier commits is late: dropped and counted. Once a row is past that point it is
//!   forgotten: retracted, so the join frees its state;
//! - `delay`: a row is held until its side's greatest time seen reaches its time plus
//!   `delay` (held rows are released when the input ends);
//! - forgetting happens at its own time, one past the commit that decided it (`L + 1`,
//!   emitted only when no input can still bring rows at `L + 1`), so that its consequences
//!   never mix with a commit's real changes: with `keepResults: true` [`hide_forgetting`]
//!   drops every result change at those times (results stay, state goes); with `false` the
//!   retractions flow on and the results of forgotten rows disappear.
//!
//! For `windowJoin` (windowed rows) the delay counts from `_start` and the cutoff from `_end`.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::Ordering;

use differential_dataflow::AsCollection;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::{Exchange, Pipeline};
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::vec::{Broadcast, Map};
use timely::dataflow::operators::{Capability, Concat};
use timely::dataflow::Stream;
use timely::progress::frontier::MutableAntichain;

use super::super::window::{LateCounter, Point};
use super::super::Coll;
use super::Timed;
use crate::value::{Diff, Key, Row, Time, Value};

/// The behavior's parameters, in the time column's unit.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// Hold a row until its side's greatest time seen reaches its delay base plus this.
    pub delay: Option<Point>,
    /// Drop and forget a row once its side's greatest time seen reaches its cutoff base plus this.
    pub cutoff: Option<Point>,
}

/// Where a row's delay and cutoff count from.
#[derive(Clone, Copy, Debug)]
pub enum Bases {
    /// The row's time.
    Time,
    /// A windowed row: `_start` (delay) and `_end` (cutoff), the third- and second-last cells.
    Window,
}

impl Bases {
    /// `(time, delay base, cutoff base)` of a row; `None` when its time is not usable.
    fn of(self, at: &Value, row: &Row) -> Option<(Point, Point, Point)> {
        let t = Point::of(at)?;
        match self {
            Bases::Time => Some((t, t, t)),
            Bases::Window => {
                let n = row.len();
                let start = Point::of(row.get(n.checked_sub(3)?)?)?;
                let end = Point::of(row.get(n - 2)?)?;
                Some((t, start, end))
            }
        }
    }
}

/// A side's row as the join reads it: `(join key, (time, id, row))`.
type Rec = (Row, (Value, Key, Row));

/// What the operator emits: a side's row change, or a mark that forgetting happened.
#[derive(Clone, Debug)]
enum Out {
    Row(u8, Rec),
    Forgot,
}

/// Times at which forgetting happened (one `((), time, 1)` per worker that forgot).
pub type ForgetMarks<'s> = Stream<'s, Time, Vec<((), Time, Diff)>>;

/// One side's state.
#[derive(Default)]
struct SideState {
    /// Greatest time seen over processed commits.
    seen: Option<Point>,
    /// Held rows by release point.
    held: BTreeMap<Point, Vec<(Rec, Diff)>>,
    /// Emitted rows by forgetting point (`cutoff base + cutoff`).
    live: BTreeMap<(Point, Key), Vec<(Rec, Diff)>>,
}

/// Per-worker state of the operator.
struct State {
    rules: Rules,
    bases: Bases,
    sides: [SideState; 2],
    late: LateCounter,
}

impl State {
    fn emit(
        &mut self,
        side: u8,
        rec: Rec,
        diff: Diff,
        cutoff_base: Point,
        out: &mut Vec<(Out, Diff)>,
    ) {
        if let Some(cutoff) = self.rules.cutoff {
            let slot = self.sides[side as usize]
                .live
                .entry((cutoff_base.add(cutoff), rec.1 .1))
                .or_default();
            match slot.iter_mut().find(|(r, _)| *r == rec) {
                Some(entry) => entry.1 += diff,
                None => slot.push((rec.clone(), diff)),
            }
            slot.retain(|(_, d)| *d != 0);
            if slot.is_empty() {
                let key = (cutoff_base.add(cutoff), rec.1 .1);
                self.sides[side as usize].live.remove(&key);
            }
        }
        out.push((Out::Row(side, rec), diff));
    }

    /// Processes one complete commit: its rows and each side's greatest row time.
    fn commit(&mut self, rows: Vec<(u8, Rec, Diff)>, max: [Option<Point>; 2]) -> Vec<(Out, Diff)> {
        let previous = [self.sides[0].seen, self.sides[1].seen];
        let current = [0, 1].map(|s| match (previous[s], max[s]) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        });
        let mut out = Vec::new();
        let mut late = 0u64;
        for (side, rec, diff) in rows {
            let s = side as usize;
            let Some((_, delay_base, cutoff_base)) = self.bases.of(&rec.1 .0, &rec.1 .2) else {
                out.push((Out::Row(side, rec), diff));
                continue;
            };
            if let (Some(cutoff), Some(seen)) = (self.rules.cutoff, previous[s]) {
                if cutoff_base.add(cutoff) <= seen {
                    late += diff.unsigned_abs() as u64;
                    continue;
                }
            }
            match self.rules.delay {
                Some(delay) if current[s].is_none_or(|c| c < delay_base.add(delay)) => {
                    self.sides[s]
                        .held
                        .entry(delay_base.add(delay))
                        .or_default()
                        .push((rec, diff));
                }
                _ => self.emit(side, rec, diff, cutoff_base, &mut out),
            }
        }
        for side in 0..2u8 {
            let s = side as usize;
            self.sides[s].seen = current[s];
            let Some(now) = current[s] else { continue };
            while let Some(entry) = self.sides[s].held.first_entry() {
                if *entry.key() > now {
                    break;
                }
                for (rec, diff) in entry.remove() {
                    self.release(side, rec, diff, &mut out);
                }
            }
        }
        if late > 0 {
            if let Some(counter) = &self.late {
                counter.fetch_add(late, Ordering::Relaxed);
            }
        }
        out
    }

    fn release(&mut self, side: u8, rec: Rec, diff: Diff, out: &mut Vec<(Out, Diff)>) {
        match self.bases.of(&rec.1 .0, &rec.1 .2) {
            Some((_, _, cutoff_base)) => self.emit(side, rec, diff, cutoff_base, out),
            None => out.push((Out::Row(side, rec), diff)),
        }
    }

    /// Releases every held row (the input ended).
    fn flush(&mut self) -> Vec<(Out, Diff)> {
        let mut out = Vec::new();
        for side in 0..2u8 {
            let held = std::mem::take(&mut self.sides[side as usize].held);
            for (rec, diff) in held.into_values().flatten() {
                self.release(side, rec, diff, &mut out);
            }
        }
        out
    }

    fn has_held(&self) -> bool {
        self.sides.iter().any(|s| !s.held.is_empty())
    }

    /// True when some emitted row is past its side's cutoff.
    fn forgettable(&self) -> bool {
        self.sides
            .iter()
            .any(|s| match (s.live.first_key_value(), s.seen) {
                (Some(((point, _), _)), Some(seen)) => *point <= seen,
                _ => false,
            })
    }

    /// Retracts the rows past their side's cutoff.
    fn forget(&mut self) -> Vec<(Out, Diff)> {
        let mut out = Vec::new();
        for side in 0..2u8 {
            let state = &mut self.sides[side as usize];
            let Some(seen) = state.seen else { continue };
            while let Some(entry) = state.live.first_entry() {
                if entry.key().0 > seen {
                    break;
                }
                for (rec, diff) in entry.remove() {
                    out.push((Out::Row(side, rec), -diff));
                }
            }
        }
        if !out.is_empty() {
            out.push((Out::Forgot, 1));
        }
        out
    }
}

/// Rows waiting for their commit to complete, with a capability for it.
type Stash<T> = BTreeMap<Time, (Capability<Time>, T)>;

/// True when neither input can bring anything at or before `time`.
fn passed(a: &MutableAntichain<Time>, b: &MutableAntichain<Time>, time: Time) -> bool {
    !a.less_equal(&time) && !b.less_equal(&time)
}

/// Applies the behavior to both sides; returns the sides and the forgetting marks.
pub fn apply<'s>(
    left: Timed<'s>,
    right: Timed<'s>,
    rules: Rules,
    bases: Bases,
    late: LateCounter,
) -> (Timed<'s>, Timed<'s>, ForgetMarks<'s>) {
    let tagged = left
        .inner
        .map(|(rec, time, diff)| ((0u8, rec), time, diff))
        .concat(
            right
                .inner
                .map(|(rec, time, diff)| ((1u8, rec), time, diff)),
        );
    let maxima = tagged
        .clone()
        .unary::<CapacityContainerBuilder<Vec<(Time, u8, Point)>>, _, _, _>(
            Pipeline,
            "TemporalJoinMaxTime",
            move |_, _| {
                move |input, output| {
                    input.for_each(|capability, data| {
                        let mut best: BTreeMap<(Time, u8), Point> = BTreeMap::new();
                        for ((side, rec), time, _) in data.iter() {
                            if let Some((t, _, _)) = bases.of(&rec.1 .0, &rec.1 .2) {
                                let slot = best.entry((*time, *side)).or_insert(t);
                                *slot = (*slot).max(t);
                            }
                        }
                        let mut session = output.session(&capability);
                        for ((time, side), max) in best {
                            session.give((time, side, max));
                        }
                    });
                }
            },
        )
        .broadcast();
    let out = tagged
        .binary_frontier::<_, CapacityContainerBuilder<Vec<(Out, Time, Diff)>>, _, _, _, _>(
            maxima,
            Exchange::new(|u: &((u8, Rec), Time, Diff)| u.0 .1 .1 .1.route()),
            Pipeline,
            "TemporalJoinBehavior",
            move |_, _| {
                let mut state = State {
                    rules,
                    bases,
                    sides: Default::default(),
                    late,
                };
                let mut rows: Stash<Vec<(u8, Rec, Diff)>> = BTreeMap::new();
                let mut maxima: Stash<[Option<Point>; 2]> = BTreeMap::new();
                let mut kept: Option<Capability<Time>> = None;
                let mut last: Option<Time> = None;
                let mut last_forget: Option<Time> = None;
                move |(input, frontier), (input2, frontier2), output| {
                    input.for_each(|capability, data| {
                        for ((side, rec), time, diff) in data.drain(..) {
                            rows.entry(time)
                                .or_insert_with(|| (capability.delayed(&time, 0), Vec::new()))
                                .1
                                .push((side, rec, diff));
                        }
                    });
                    input2.for_each(|capability, data| {
                        for (time, side, max) in data.drain(..) {
                            let slot = maxima
                                .entry(time)
                                .or_insert_with(|| (capability.delayed(&time, 0), [None, None]));
                            let m = &mut slot.1[side as usize];
                            *m = Some(m.map_or(max, |m: Point| m.max(max)));
                        }
                    });
                    loop {
                        let next = match (rows.keys().next(), maxima.keys().next()) {
                            (Some(a), Some(b)) => *a.min(b),
                            (Some(a), None) => *a,
                            (None, Some(b)) => *b,
                            (None, None) => break,
                        };
                        if !passed(frontier, frontier2, next) {
                            break;
                        }
                        let batch = rows.remove(&next);
                        let max = maxima.remove(&next);
                        let capability = match (&batch, &max) {
                            (Some((c, _)), _) | (None, Some((c, _))) => c.clone(),
                            (None, None) => unreachable!("a commit with neither rows nor maxima"),
                        };
                        let changes = state.commit(
                            batch.map(|(_, r)| r).unwrap_or_default(),
                            max.map_or([None, None], |(_, m)| m),
                        );
                        let mut session = output.session(&capability);
                        for (change, diff) in changes {
                            session.give((change, next, diff));
                        }
                        drop(session);
                        last = Some(last.map_or(next, |l: Time| l.max(next)));
                        if kept.is_none() {
                            kept = Some(capability);
                        }
                        // Forget right after this commit when nothing can arrive at `next + 1`.
                        let at = next.saturating_add(1);
                        let clear = rows.keys().chain(maxima.keys()).all(|t| *t > at);
                        if state.forgettable() && clear && passed(frontier, frontier2, at) {
                            if let Some(cap) = kept.as_ref() {
                                let changes = state.forget();
                                let cap = cap.delayed(&at);
                                let mut session = output.session(&cap);
                                for (change, diff) in changes {
                                    session.give((change, at, diff));
                                }
                                last_forget = Some(at);
                            }
                        }
                    }
                    let ended = frontier.frontier().is_empty() && frontier2.frontier().is_empty();
                    if let (Some(cap), Some(l)) = (kept.as_ref(), last) {
                        // Forgetting deferred while `l + 1` could still bring rows.
                        let at = l.saturating_add(1);
                        if state.forgettable()
                            && last_forget != Some(at)
                            && rows.is_empty()
                            && maxima.is_empty()
                            && passed(frontier, frontier2, at)
                            && *cap.time() <= at
                        {
                            let changes = state.forget();
                            let cap = cap.delayed(&at);
                            let mut session = output.session(&cap);
                            for (change, diff) in changes {
                                session.give((change, at, diff));
                            }
                            last_forget = Some(at);
                        }
                    }
                    if ended {
                        if let Some(cap) = kept.take() {
                            if state.has_held() {
                                // The input ended: release the held rows after everything else.
                                let at = [Some(*cap.time()), last, last_forget.map(|t| t + 1)]
                                    .into_iter()
                                    .flatten()
                                    .max()
                                    .unwrap_or(*cap.time());
                                let mut changes = state.flush();
                                let forget_at = at.saturating_add(1);
                                let cap_at = cap.delayed(&at);
                                let mut session = output.session(&cap_at);
                                for (change, diff) in changes.drain(..) {
                                    session.give((change, at, diff));
                                }
                                drop(session);
                                if state.forgettable() {
                                    let cap_f = cap.delayed(&forget_at);
                                    let mut session = output.session(&cap_f);
                                    for (change, diff) in state.forget() {
                                        session.give((change, forget_at, diff));
                                    }
                                }
                            }
                        }
                        return;
                    }
                    if !state.has_held() && !state.forgettable() {
                        kept = None;
                    }
                    // Let the kept capability follow the inputs so it never holds times back,
                    // but not past `last + 1` while forgetting may still be due there.
                    if let Some(cap) = kept.as_mut() {
                        let lowest = frontier
                            .frontier()
                            .iter()
                            .chain(frontier2.frontier().iter())
                            .min()
                            .copied();
                        let pending = rows.keys().chain(maxima.keys()).min().copied();
                        let mut target = [lowest, pending].into_iter().flatten().min();
                        if state.forgettable() {
                            if let Some(l) = last {
                                let at = l.saturating_add(1);
                                target = Some(target.map_or(at, |t| t.min(at)));
                            }
                        }
                        if let Some(target) = target {
                            if *cap.time() < target {
                                cap.downgrade(&target);
                            }
                        }
                    }
                }
            },
        );
    let side = |which: u8| {
        out.clone()
            .flat_map(move |(change, time, diff)| match change {
                Out::Row(s, rec) if s == which => Some((rec, time, diff)),
                _ => None,
            })
            .as_collection()
    };
    let (l, r) = (side(0), side(1));
    let marks = out
        .flat_map(|(change, time, diff)| match change {
            Out::Forgot => Some(((), time, diff)),
            Out::Row(..) => None,
        })
        .broadcast();
    (l, r, marks)
}

/// Drops every change of `results` at a time at which forgetting happened (`keepResults`).
pub fn hide_forgetting<'s>(results: Coll<'s>, marks: ForgetMarks<'s>) -> Coll<'s> {
    results
        .inner
        .binary_frontier::<_, CapacityContainerBuilder<Vec<((Key, Row), Time, Diff)>>, _, _, _, _>(
            marks,
            Pipeline,
            Pipeline,
            "TemporalJoinKeepResults",
            |_, _| {
                let mut changes: Stash<Vec<((Key, Row), Diff)>> = BTreeMap::new();
                let mut forgetting: HashSet<Time> = HashSet::new();
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
                        for ((), time, _) in data.drain(..) {
                            forgetting.insert(time);
                        }
                    });
                    while let Some(entry) = changes.first_entry() {
                        let time = *entry.key();
                        if !passed(frontier, frontier2, time) {
                            break;
                        }
                        let (capability, updates) = entry.remove();
                        if forgetting.contains(&time) {
                            continue;
                        }
                        let mut session = output.session(&capability);
                        for (change, diff) in updates {
                            session.give((change, time, diff));
                        }
                    }
                    let open: Vec<Time> = forgetting
                        .iter()
                        .copied()
                        .filter(|t| !passed(frontier, frontier2, *t))
                        .collect();
                    if open.len() < forgetting.len() {
                        forgetting = open.into_iter().collect();
                    }
                }
            },
        )
        .as_collection()
}
