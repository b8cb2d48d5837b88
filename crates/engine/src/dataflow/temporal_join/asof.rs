//! As-of joins: each row is paired with the row of the other side (same join key) whose time
//! is closest in the chosen direction.
//!
//! One differential `reduce` per join key holds both sides' rows sorted by time and recomputes
//! the key's pairs when one of its rows changes (O(rows of the key · log) per change); the
//! reduce's output is differential, so only pairs that changed flow on. Ties in time go to
//! the row with the larger id (backward) or the smaller id (forward); `nearest` picks the
//! earlier row on equal distances.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::super::errors::Reporter;
use super::super::join::{emit, JoinInputs};
use super::super::ops::compile_all;
use super::super::Coll;
use super::behavior::Bases;
use super::{behave, finish, pair_cells, timed, Behave, JoinSpec, Scalar};
use crate::error::EngineError;
use crate::expr::compile;
use crate::plan::{AsofDirection, Expr, JoinKind};
use crate::value::{Diff, Key, Row, Value};

const NAME: &str = "asof_join";

/// Which side a stored row comes from.
const LEFT: u8 = 0;
const RIGHT: u8 = 1;

/// One side's row in the reduce: `(time, side, id, row)`.
type Entry = (Value, u8, Key, Row);

/// A result pair (a missing side is `None`).
type Pair = (Option<(Key, Row)>, Option<(Key, Row)>);

/// A candidate of the other side: its time, id and row.
type Candidate<'a> = (Scalar, Key, &'a Row);

/// The as-of join of the two inputs.
pub fn asof_join<'s>(
    inputs: JoinInputs<'s>,
    spec: &JoinSpec<'_>,
    times: (&Expr, &Expr),
    direction: AsofDirection,
    behavior: Option<&Behave>,
    reporter: Reporter,
) -> Result<Coll<'s>, EngineError> {
    let output = Arc::new(compile_all(spec.output)?);
    let left = timed(
        inputs.left,
        compile_all(spec.left_keys)?,
        compile(times.0)?,
        NAME,
        reporter.clone(),
    );
    let right = timed(
        inputs.right,
        compile_all(spec.right_keys)?,
        compile(times.1)?,
        NAME,
        reporter.clone(),
    );
    let (left, right, marks) = behave(left, right, behavior, Bases::Time);
    let entries = left
        .map(|(jk, (at, key, row))| (jk, (at, LEFT, key, row)))
        .concat(right.map(|(jk, (at, key, row))| (jk, (at, RIGHT, key, row))));
    let kind = spec.kind;
    let pairs = entries.reduce(
        move |_jk, group: &[(&Entry, Diff)], out: &mut Vec<(Pair, Diff)>| {
            match_group(group, kind, direction, out);
        },
    );
    let (left_width, right_width, id) = (inputs.left_width, inputs.right_width, spec.id);
    let mut rep = reporter;
    let result = pairs.map(move |(_jk, (l, r))| {
        let cells = pair_cells(
            l.as_ref().map(|(_, row)| row),
            r.as_ref().map(|(_, row)| row),
            left_width,
            right_width,
        );
        emit(
            &output,
            &cells,
            l.map(|p| p.0),
            r.map(|p| p.0),
            id,
            &mut rep,
        )
    });
    Ok(finish(result, marks))
}

/// Computes the pairs of one join key.
fn match_group(
    group: &[(&Entry, Diff)],
    kind: JoinKind,
    direction: AsofDirection,
    out: &mut Vec<(Pair, Diff)>,
) {
    let live = || group.iter().filter(|(_, count)| *count > 0);
    let side = |s: u8| -> Vec<(Option<Scalar>, Key, &Row, Diff)> {
        live()
            .filter(|(e, _)| e.1 == s)
            .map(|(e, count)| (Scalar::of(&e.0), e.2, &e.3, *count))
            .collect()
    };
    let (lefts, rights) = (side(LEFT), side(RIGHT));
    // Candidates with a time, in (time, id) order (the reduce input is sorted by time, side, id).
    let candidates = |rows: &[(Option<Scalar>, Key, &Row, Diff)]| -> Vec<(Scalar, Key, Row)> {
        rows.iter()
            .filter_map(|(t, key, row, _)| t.map(|t| (t, *key, (*row).clone())))
            .collect()
    };
    let (left_candidates, right_candidates) = (candidates(&lefts), candidates(&rights));
    let mut pairs: BTreeSet<(Pair, Diff)> = BTreeSet::new();
    let drive_left = matches!(kind, JoinKind::Inner | JoinKind::Left | JoinKind::Outer);
    let keep_left = matches!(kind, JoinKind::Left | JoinKind::Outer);
    if drive_left {
        let others: Vec<Candidate> = right_candidates
            .iter()
            .map(|(t, k, r)| (*t, *k, r))
            .collect();
        for (t, key, row, count) in &lefts {
            let found = t.and_then(|t| closest(&others, t, direction));
            match found {
                Some((_, rk, rrow)) => {
                    pairs.insert((
                        (Some((*key, (*row).clone())), Some((rk, rrow.clone()))),
                        *count,
                    ));
                }
                None if keep_left => {
                    pairs.insert(((Some((*key, (*row).clone())), None), *count));
                }
                None => {}
            }
        }
    }
    if matches!(kind, JoinKind::Right | JoinKind::Outer) {
        let others: Vec<Candidate> = left_candidates
            .iter()
            .map(|(t, k, r)| (*t, *k, r))
            .collect();
        for (t, key, row, count) in &rights {
            let found = t.and_then(|t| closest(&others, t, direction));
            let left = found.map(|(_, lk, lrow)| (lk, lrow.clone()));
            pairs.insert(((left, Some((*key, (*row).clone()))), *count));
        }
    }
    out.extend(pairs);
}

/// The candidate closest to `t` in `direction` (`others` sorted by time, then id).
fn closest<'a>(
    others: &[Candidate<'a>],
    t: Scalar,
    direction: AsofDirection,
) -> Option<Candidate<'a>> {
    let backward = || {
        let end = others.partition_point(|(c, _, _)| !c.compare(t).is_gt());
        end.checked_sub(1).map(|i| others[i])
    };
    let forward = || {
        let start = others.partition_point(|(c, _, _)| c.compare(t).is_lt());
        others.get(start).copied()
    };
    match direction {
        AsofDirection::Backward => backward(),
        AsofDirection::Forward => forward(),
        AsofDirection::Nearest => match (backward(), forward()) {
            (Some(b), Some(f)) => {
                let behind = t.minus(b.0).abs();
                let ahead = f.0.minus(t).abs();
                Some(if ahead.compare(behind).is_lt() { f } else { b })
            }
            (b, f) => b.or(f),
        },
    }
}
