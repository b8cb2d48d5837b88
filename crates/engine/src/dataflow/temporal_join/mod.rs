//! Temporal joins: interval joins, as-of joins and as-of-now joins. They share the layout of
//! ordinary joins (output over `[left row..., right row...]`, ids `[left id, right id]`) and
//! differ in how rows are paired by time.

mod asof;
mod asof_now;
mod behavior;
mod interval;

use std::cmp::Ordering;

use differential_dataflow::VecCollection;

use super::errors::Reporter;
use super::join::JoinInputs;
use super::ops::eval_row;
use super::window::{LateCounter, Point};
use super::Coll;
use crate::error::EngineError;
use crate::expr::CompiledExpr;
use crate::plan::{Expr, JoinId, JoinKind, TemporalJoinSpec, WindowBehavior};
use crate::value::{Diff, Key, Row, Time, Value};

/// The parts of a temporal join shared with ordinary joins.
pub struct JoinSpec<'a> {
    /// Inner, left, right or outer.
    pub kind: JoinKind,
    /// Equality keys over the left row.
    pub left_keys: &'a [Expr],
    /// Equality keys over the right row.
    pub right_keys: &'a [Expr],
    /// Output columns over `[left row..., right row...]`.
    pub output: &'a [Expr],
    /// Which id result rows get.
    pub id: JoinId,
}

/// The operator's name in the error log.
pub fn op_name(spec: &TemporalJoinSpec) -> &'static str {
    match spec {
        TemporalJoinSpec::Interval { .. } => "interval_join",
        TemporalJoinSpec::Asof { .. } => "asof_join",
        TemporalJoinSpec::AsofNow => "asof_now_join",
        TemporalJoinSpec::Window { .. } => "window_join",
    }
}

/// A temporal join's behavior, ready to apply.
#[derive(Clone)]
pub struct Behave {
    rules: behavior::Rules,
    keep_results: bool,
    late: LateCounter,
}

impl Behave {
    /// Checks and converts the plan's behavior; `late` counts dropped late rows.
    pub fn new(behavior: &WindowBehavior, late: LateCounter) -> Result<Behave, EngineError> {
        let param = |v: &Option<Value>, what: &str| -> Result<Option<Point>, EngineError> {
            v.as_ref()
                .map(|v| {
                    Point::of(v).ok_or_else(|| {
                        EngineError::Plan(format!(
                            "temporal join behavior: {what} must be a number, got {v:?}"
                        ))
                    })
                })
                .transpose()
        };
        let rules = behavior::Rules {
            delay: param(&behavior.delay, "delay")?,
            cutoff: param(&behavior.cutoff, "cutoff")?,
        };
        if rules.cutoff.is_none() && !behavior.keep_results {
            return Err(EngineError::Plan(
                "temporal join behavior: keepResults false needs a cutoff".into(),
            ));
        }
        Ok(Behave {
            rules,
            keep_results: behavior.keep_results,
            late,
        })
    }
}

/// Applies an optional behavior to both sides (see [`behavior`]); returns the sides and what
/// [`finish`] needs.
pub(super) fn behave<'s>(
    left: Timed<'s>,
    right: Timed<'s>,
    behave: Option<&Behave>,
    bases: behavior::Bases,
) -> (Timed<'s>, Timed<'s>, Option<behavior::ForgetMarks<'s>>) {
    match behave {
        None => (left, right, None),
        Some(b) => {
            let (l, r, marks) = behavior::apply(left, right, b.rules, bases, b.late.clone());
            let keep = b.keep_results && b.rules.cutoff.is_some();
            (l, r, keep.then_some(marks))
        }
    }
}

/// Hides the consequences of forgetting in the results when results are kept.
pub(super) fn finish<'s>(result: Coll<'s>, marks: Option<behavior::ForgetMarks<'s>>) -> Coll<'s> {
    match marks {
        Some(marks) => behavior::hide_forgetting(result, marks),
        None => result,
    }
}

/// Builds the temporal join described by `temporal`.
pub fn temporal_join<'s>(
    inputs: JoinInputs<'s>,
    spec: JoinSpec<'_>,
    temporal: &TemporalJoinSpec,
    behavior: Option<&Behave>,
    reporter: Reporter,
) -> Result<Coll<'s>, EngineError> {
    if spec.left_keys.len() != spec.right_keys.len() {
        return Err(EngineError::Plan(
            "temporal join: left and right key counts differ".into(),
        ));
    }
    match temporal {
        TemporalJoinSpec::Interval {
            left_time,
            right_time,
            lower,
            upper,
        } => interval::interval_join(
            inputs,
            &spec,
            (left_time, right_time),
            Some((lower, upper)),
            behavior,
            reporter,
        ),
        TemporalJoinSpec::Window {
            left_time,
            right_time,
        } => interval::interval_join(
            inputs,
            &spec,
            (left_time, right_time),
            None,
            behavior,
            reporter,
        ),
        TemporalJoinSpec::Asof {
            left_time,
            right_time,
            direction,
        } => asof::asof_join(
            inputs,
            &spec,
            (left_time, right_time),
            *direction,
            behavior,
            reporter,
        ),
        TemporalJoinSpec::AsofNow => {
            if behavior.is_some() {
                return Err(EngineError::Plan(
                    "asofNowJoin takes no behavior (it answers each query once)".into(),
                ));
            }
            asof_now::asof_now_join(inputs, &spec, reporter)
        }
    }
}

/// A time as a number: integers, datetimes and durations exactly, floats as floats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Scalar {
    /// Ints, datetimes (ns) and durations (ns).
    Int(i128),
    /// Floats.
    Float(f64),
}

impl Scalar {
    /// The scalar of a time value; `None` for null and non-time values.
    fn of(value: &Value) -> Option<Scalar> {
        match value {
            Value::Int(i) | Value::DateTime(i) | Value::Duration(i) => {
                Some(Scalar::Int(*i as i128))
            }
            Value::Float(f) if f.is_finite() => Some(Scalar::Float(*f)),
            _ => None,
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Scalar::Int(i) => i as f64,
            Scalar::Float(f) => f,
        }
    }

    /// `self - other` (floats when either is a float).
    fn minus(self, other: Scalar) -> Scalar {
        match (self, other) {
            (Scalar::Int(a), Scalar::Int(b)) => Scalar::Int(a - b),
            (a, b) => Scalar::Float(a.as_f64() - b.as_f64()),
        }
    }

    /// Numeric order (floats when either is a float).
    fn compare(self, other: Scalar) -> Ordering {
        match (self, other) {
            (Scalar::Int(a), Scalar::Int(b)) => a.cmp(&b),
            (a, b) => a.as_f64().total_cmp(&b.as_f64()),
        }
    }

    /// The absolute value.
    fn abs(self) -> Scalar {
        match self {
            Scalar::Int(a) => Scalar::Int(a.abs()),
            Scalar::Float(f) => Scalar::Float(f.abs()),
        }
    }
}

/// A side's row with its join key and time: `(join key, (time, id, row))`.
pub(super) type Timed<'s> = VecCollection<'s, Time, (Row, (Value, Key, Row)), Diff>;

/// Evaluates the join key and the time of each row of `side`. Rows whose key or time is an
/// error are dropped and logged; a null time is kept as `Value::None` (it never matches).
pub(super) fn timed<'s>(
    side: Coll<'s>,
    keys: Vec<CompiledExpr>,
    time: CompiledExpr,
    operation: &'static str,
    mut reporter: Reporter,
) -> Timed<'s> {
    side.flat_map(move |(key, row)| {
        let jk = eval_row(&keys, &row, &[Some(key)], &mut reporter);
        let at = time.eval(&row, &[Some(key)], &mut reporter.scratch);
        reporter.flush_row(Some(key), &row);
        if jk.iter().any(Value::is_error) || at.is_error() {
            reporter.report(format!(
                "{operation}: the join key or time of row {key} is an error; the row is dropped"
            ));
            return None;
        }
        let at = if Scalar::of(&at).is_some() {
            at
        } else {
            Value::None
        };
        Some((jk, (at, key, row)))
    })
}

/// The evaluation row of a pair (an absent side is all nulls).
pub(super) fn pair_cells(
    left: Option<&Row>,
    right: Option<&Row>,
    left_width: usize,
    right_width: usize,
) -> Vec<Value> {
    let mut cells = Vec::with_capacity(left_width + right_width);
    match left {
        Some(row) => cells.extend(row.iter().cloned()),
        None => cells.extend(std::iter::repeat_n(Value::None, left_width)),
    }
    match right {
        Some(row) => cells.extend(row.iter().cloned()),
        None => cells.extend(std::iter::repeat_n(Value::None, right_width)),
    }
    cells
}
