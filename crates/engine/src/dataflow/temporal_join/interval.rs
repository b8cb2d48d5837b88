//! Interval joins: pairs whose times satisfy `lower <= right time - left time <= upper`.
//!
//! Times are cut into buckets of width `upper - lower` (at least 1). A left row goes to the
//! bucket of its time; a right row goes to every bucket a matching left time can fall in (at
//! most two for integer times, four for floats, whose rounding gets one bucket of slack).
//! The sides are joined on `(join key, bucket)` arrangements and the pairs filtered exactly,
//! so the work is proportional to the rows in nearby buckets, never a cross join.
//!
//! Without bounds (`windowJoin` with a behavior) the pairs are matched on the join key alone.

use std::sync::Arc;

use super::super::errors::Reporter;
use super::super::join::{emit, JoinInputs};
use super::super::ops::compile_all;
use super::super::Coll;
use super::behavior::Bases;
use super::{behave, finish, pair_cells, timed, Behave, JoinSpec, Scalar};
use crate::error::EngineError;
use crate::expr::compile;
use crate::plan::{Expr, JoinKind};
use crate::value::{Key, Row, Value};

const NAME: &str = "interval_join";

/// The interval join of the two inputs.
pub fn interval_join<'s>(
    inputs: JoinInputs<'s>,
    spec: &JoinSpec<'_>,
    times: (&Expr, &Expr),
    bounds: Option<(&Value, &Value)>,
    behavior: Option<&Behave>,
    reporter: Reporter,
) -> Result<Coll<'s>, EngineError> {
    let windowed = bounds.is_none();
    let zero = Value::Int(0);
    let bounds = bounds.unwrap_or((&zero, &zero));
    let bound = |v: &Value| {
        Scalar::of(v).ok_or_else(|| {
            EngineError::Plan(format!("interval join: the bound {v:?} is not a number"))
        })
    };
    let (lower, upper) = (bound(bounds.0)?, bound(bounds.1)?);
    if upper.compare(lower).is_lt() {
        return Err(EngineError::Plan(
            "interval join: the lower bound exceeds the upper bound".into(),
        ));
    }
    let width = match upper.minus(lower) {
        Scalar::Int(w) => Scalar::Int(w.max(1)),
        Scalar::Float(w) => Scalar::Float(if w > 0.0 { w } else { 1.0 }),
    };
    let slack: i64 = if matches!(width, Scalar::Int(_)) {
        0
    } else {
        1
    };
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

    let bases = if windowed { Bases::Window } else { Bases::Time };
    let (left, right, marks) = behave(left, right, behavior, bases);
    let left_buckets = left.clone().flat_map(move |(jk, (at, key, row))| {
        if windowed {
            return Some(((jk, 0), (at, key, row)));
        }
        let t = Scalar::of(&at)?;
        Some(((jk, bucket(t, width)), (at, key, row)))
    });
    let right_buckets = right.clone().flat_map(move |(jk, (at, key, row))| {
        let buckets = match Scalar::of(&at) {
            _ if windowed => 0..=0,
            Some(t) => {
                let first = bucket(t.minus(upper), width).saturating_sub(slack);
                let last = bucket(t.minus(lower), width).saturating_add(slack);
                first..=last
            }
            #[allow(clippy::reversed_empty_ranges)]
            None => 1..=0,
        };
        buckets.map(move |b| ((jk.clone(), b), (at.clone(), key, row.clone())))
    });
    let pairs = left_buckets
        .join_map(right_buckets, move |_, (lt, lk, lrow), (rt, rk, rrow)| {
            if windowed {
                return Some((*lk, *rk, lrow.clone(), rrow.clone()));
            }
            let (l, r) = (Scalar::of(lt)?, Scalar::of(rt)?);
            let gap = r.minus(l);
            let inside = !gap.compare(lower).is_lt() && !gap.compare(upper).is_gt();
            inside.then(|| (*lk, *rk, lrow.clone(), rrow.clone()))
        })
        .flat_map(|pair| pair);

    let (left_width, right_width, id) = (inputs.left_width, inputs.right_width, spec.id);
    let out = output.clone();
    let mut rep = reporter.clone();
    let mut result = pairs.clone().map(move |(lk, rk, lrow, rrow)| {
        let cells = pair_cells(Some(&lrow), Some(&rrow), left_width, right_width);
        emit(&out, &cells, Some(lk), Some(rk), id, &mut rep)
    });
    if matches!(spec.kind, JoinKind::Left | JoinKind::Outer) {
        let matched = pairs.clone().map(|(lk, _, _, _)| lk).distinct();
        let unmatched = by_id(left).antijoin(matched);
        let out = output.clone();
        let mut rep = reporter.clone();
        result = result.concat(unmatched.map(move |(lk, lrow)| {
            let cells = pair_cells(Some(&lrow), None, left_width, right_width);
            emit(&out, &cells, Some(lk), None, id, &mut rep)
        }));
    }
    if matches!(spec.kind, JoinKind::Right | JoinKind::Outer) {
        let matched = pairs.map(|(_, rk, _, _)| rk).distinct();
        let unmatched = by_id(right).antijoin(matched);
        let mut rep = reporter;
        result = result.concat(unmatched.map(move |(rk, rrow)| {
            let cells = pair_cells(None, Some(&rrow), left_width, right_width);
            emit(&output, &cells, None, Some(rk), id, &mut rep)
        }));
    }
    Ok(finish(result, marks))
}

/// A side's rows keyed by their ids.
fn by_id<'s>(
    side: super::Timed<'s>,
) -> differential_dataflow::VecCollection<'s, crate::value::Time, (Key, Row), crate::value::Diff> {
    side.map(|(_, (_, key, row))| (key, row))
}

/// The bucket of time `t` for buckets of `width`.
fn bucket(t: Scalar, width: Scalar) -> i64 {
    match (t, width) {
        (Scalar::Int(t), Scalar::Int(w)) => clamp(t.div_euclid(w)),
        (t, w) => (t.as_f64() / w.as_f64()).floor() as i64,
    }
}

fn clamp(b: i128) -> i64 {
    b.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The buckets a right row at `r` is sent to.
    fn right_range(
        r: Scalar,
        lower: Scalar,
        upper: Scalar,
        width: Scalar,
        slack: i64,
    ) -> (i64, i64) {
        (
            bucket(r.minus(upper), width) - slack,
            bucket(r.minus(lower), width) + slack,
        )
    }

    #[test]
    fn every_matching_pair_shares_a_bucket_for_integer_times() {
        for (lower, upper) in [(-5i128, 5i128), (0, 0), (3, 7), (-9, -2)] {
            let width = Scalar::Int((upper - lower).max(1));
            for l in -40i128..40 {
                for r in -40i128..40 {
                    let gap = r - l;
                    if gap < lower || gap > upper {
                        continue;
                    }
                    let b = bucket(Scalar::Int(l), width);
                    let (first, last) = right_range(
                        Scalar::Int(r),
                        Scalar::Int(lower),
                        Scalar::Int(upper),
                        width,
                        0,
                    );
                    assert!(first <= b && b <= last, "l={l} r={r} [{lower},{upper}]");
                    assert!(last - first <= 1, "at most two buckets per right row");
                }
            }
        }
    }

    #[test]
    fn every_matching_pair_shares_a_bucket_for_float_times() {
        let (lower, upper) = (Scalar::Float(-0.3), Scalar::Float(0.7));
        let width = Scalar::Float(1.0);
        for i in -200..200 {
            for j in -200..200 {
                let (l, r) = (f64::from(i) * 0.1, f64::from(j) * 0.1);
                let gap = r - l;
                if !(-0.3..=0.7).contains(&gap) {
                    continue;
                }
                let b = bucket(Scalar::Float(l), width);
                let (first, last) = right_range(Scalar::Float(r), lower, upper, width, 1);
                assert!(first <= b && b <= last, "l={l} r={r}");
            }
        }
    }
}
