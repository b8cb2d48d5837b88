//! `windowBy` and `windowJoin`: window assignment (tumbling, sliding, session, intervals
//! over probe rows), behaviors (delay, cutoff and forgetting) and the freeze that keeps the
//! results of forgotten windows.

mod assign;
mod behavior;
mod freeze;
mod intervals;
mod point;
mod session;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use differential_dataflow::AsCollection;
use timely::dataflow::operators::vec::Map;
use timely::dataflow::Stream;

pub use freeze::freeze;
pub use point::Point;

use super::errors::Reporter;
use super::ops::compile_all;
use super::Coll;
use crate::error::EngineError;
use crate::expr::CompiledExpr;
use crate::plan::{Expr, WindowBehavior, WindowSpec};
use crate::value::{Diff, Key, Row, Time, Value};

/// Ids of windows forgotten at a time (`(window id, time, 1)`), for [`freeze`].
pub type Marks<'s> = Stream<'s, Time, Vec<(Key, Time, Diff)>>;

/// One input row's copy in one window, before behaviors.
#[derive(Clone, Debug)]
pub struct Assigned {
    /// The copy's id.
    pub key: Key,
    /// Input cells, then `_start`, `_end`, `_instance`.
    pub row: Row,
    /// The window's id.
    pub window: Key,
    /// Window start.
    pub start: Point,
    /// Window end.
    pub end: Point,
    /// The row's time.
    pub at: Point,
}

/// Evaluates a row's time and instance.
pub struct TimeEval {
    exprs: Vec<CompiledExpr>,
}

impl TimeEval {
    fn new(time: &Expr, instance: Option<&Expr>) -> Result<TimeEval, EngineError> {
        let mut exprs = vec![time.clone()];
        exprs.extend(instance.cloned());
        Ok(TimeEval {
            exprs: compile_all(&exprs)?,
        })
    }

    /// `(time, time cell, instance)`, or `None` (logged) when the time is not usable.
    pub fn eval(
        &self,
        key: Key,
        row: &[Value],
        reporter: &mut Reporter,
    ) -> Option<(Point, Value, Value)> {
        let time = self.exprs[0].eval(row, &[Some(key)], &mut reporter.scratch);
        let instance = match self.exprs.get(1) {
            Some(e) => e.eval(row, &[Some(key)], &mut reporter.scratch),
            None => Value::None,
        };
        reporter.flush_row(Some(key), row);
        match Point::of(&time) {
            Some(point) if !matches!(time, Value::Duration(_)) => Some((point, time, instance)),
            _ => {
                reporter.report(format!(
                    "windowBy: the time of row {key} is {time:?}, not a number or a datetime; the row is dropped"
                ));
                None
            }
        }
    }
}

/// Counts rows dropped as late (the run's monitoring counter), when there is one.
pub type LateCounter = Option<Arc<AtomicU64>>;

/// What a `WindowAssign` node reads.
pub struct WindowInputs<'s> {
    /// The rows.
    pub input: Coll<'s>,
    /// Number of input columns.
    pub width: usize,
    /// Probe rows of `intervalsOver`.
    pub probes: Option<Coll<'s>>,
}

/// Builds a `WindowAssign` node: the assigned rows and, with a cutoff, the ids of windows as
/// they are forgotten.
pub fn window_assign<'s>(
    inputs: WindowInputs<'s>,
    time: &Expr,
    instance: Option<&Expr>,
    spec: &WindowSpec,
    behavior: Option<&WindowBehavior>,
    reporter: Reporter,
    late: LateCounter,
) -> Result<(Coll<'s>, Option<Marks<'s>>), EngineError> {
    let eval = TimeEval::new(time, instance)?;
    let fixed = match spec {
        WindowSpec::Tumbling { duration, origin } => {
            let duration = param(duration, "duration")?;
            assign::Fixed::new(duration, duration, origin_point(origin.as_ref())?)?
        }
        WindowSpec::Sliding {
            hop,
            duration,
            origin,
        } => assign::Fixed::new(
            param(hop, "hop")?,
            param(duration, "duration")?,
            origin_point(origin.as_ref())?,
        )?,
        WindowSpec::Session { max_gap } => {
            no_behavior(behavior)?;
            let gap = param(max_gap, "maxGap")?;
            return Ok((session::sessions(inputs.input, gap, eval, reporter), None));
        }
        WindowSpec::IntervalsOver {
            at,
            lower,
            upper,
            is_outer,
            ..
        } => {
            no_behavior(behavior)?;
            let probes = inputs
                .probes
                .ok_or_else(|| EngineError::Plan("intervalsOver needs its probe table".into()))?;
            let over = intervals::Over {
                at: crate::expr::compile(at)?,
                lower: param(lower, "lowerBound")?,
                upper: param(upper, "upperBound")?,
                is_outer: *is_outer,
                width: inputs.width,
            };
            return Ok((
                intervals::intervals_over(inputs.input, probes, over, eval, reporter),
                None,
            ));
        }
    };
    let assigned = assign::assign_fixed(inputs.input, fixed, eval, reporter);
    match behavior {
        None => Ok((
            assigned
                .map(|(a, time, diff)| ((a.key, a.row), time, diff))
                .as_collection(),
            None,
        )),
        Some(behavior) => {
            let rules = behavior::Rules {
                delay: behavior
                    .delay
                    .as_ref()
                    .map(|v| param(v, "delay"))
                    .transpose()?,
                cutoff: behavior
                    .cutoff
                    .as_ref()
                    .map(|v| param(v, "cutoff"))
                    .transpose()?,
            };
            let (rows, marks) = behavior::apply(assigned, rules, late);
            Ok((rows, rules.cutoff.map(|_| marks)))
        }
    }
}

fn no_behavior(behavior: Option<&WindowBehavior>) -> Result<(), EngineError> {
    if behavior.is_some() {
        return Err(EngineError::Plan(
            "window behaviors apply to tumbling and sliding windows".into(),
        ));
    }
    Ok(())
}

fn param(value: &Value, what: &str) -> Result<Point, EngineError> {
    Point::of(value)
        .ok_or_else(|| EngineError::Plan(format!("window: {what} must be a number, got {value:?}")))
}

fn origin_point(origin: Option<&Value>) -> Result<Point, EngineError> {
    match origin {
        None | Some(Value::None) => Ok(Point::I(0)),
        Some(value) => param(value, "origin"),
    }
}
