//! Tumbling and sliding windows: which windows cover a time, and the operator that turns
//! input rows into one assigned row per window.

use std::sync::Arc;

use timely::dataflow::operators::vec::Map;
use timely::dataflow::Stream;

use super::point::Point;
use super::Assigned;
use crate::dataflow::errors::Reporter;
use crate::dataflow::Coll;
use crate::error::EngineError;
use crate::value::{Diff, Key, Row, Time, Value};

/// Windows [`origin + k*hop`, `+ duration`): tumbling when `hop == duration`.
#[derive(Clone, Copy, Debug)]
pub struct Fixed {
    /// Distance between window starts.
    pub hop: Point,
    /// Window length.
    pub duration: Point,
    /// Alignment point.
    pub origin: Point,
}

impl Fixed {
    /// Checks the lengths (both must be positive).
    pub fn new(hop: Point, duration: Point, origin: Point) -> Result<Fixed, EngineError> {
        if !hop.is_positive() || !duration.is_positive() {
            return Err(EngineError::Plan(
                "window: duration and hop must be positive".into(),
            ));
        }
        Ok(Fixed {
            hop,
            duration,
            origin,
        })
    }

    /// Appends `(start, end)` of every window covering `time`, in start order.
    pub fn windows(&self, time: Point, out: &mut Vec<(Point, Point)>) {
        let relative = time.sub(self.origin);
        let last = relative.floor_div(self.hop);
        let first = relative.sub(self.duration).floor_div(self.hop);
        // One step of slack on each side: float division may round either way; the bounds
        // check below is exact.
        for k in first..=last.saturating_add(1) {
            let start = self.origin.add(Point::times(self.hop, k));
            let end = start.add(self.duration);
            if start <= time && time < end {
                out.push((start, end));
            }
        }
    }
}

/// The id of a row's copy in one window: the row's own id (a row in several windows appears
/// once per window, the copies told apart by their window cells), so that `t.id`, `argmin`
/// and the like name input rows.
pub fn assigned_key(row: Key, _start: &Value, _end: &Value) -> Key {
    row
}

/// The id of a window (the id a reduce keyed by `[_instance, _start, _end]` gives it).
pub fn window_key(instance: &Value, start: &Value, end: &Value) -> Key {
    Key::for_values(&[instance.clone(), start.clone(), end.clone()])
}

/// Builds the assigned row: the input cells, then `_start`, `_end`, `_instance`.
pub fn extend_row(row: &[Value], start: Value, end: Value, instance: Value) -> Row {
    let mut cells = Vec::with_capacity(row.len() + 3);
    cells.extend(row.iter().cloned());
    cells.push(start);
    cells.push(end);
    cells.push(instance);
    Arc::from(cells)
}

/// Evaluates time and instance, drops (and logs) rows whose time is not a number or a
/// datetime, and emits one [`Assigned`] per window covering the row.
pub fn assign_fixed<'s>(
    input: Coll<'s>,
    fixed: Fixed,
    eval: super::TimeEval,
    mut reporter: Reporter,
) -> Stream<'s, Time, Vec<(Assigned, Time, Diff)>> {
    let mut spans = Vec::new();
    input.inner.flat_map(move |((key, row), time, diff)| {
        let mut out = Vec::new();
        if let Some((at, like, instance)) = eval.eval(key, &row, &mut reporter) {
            spans.clear();
            fixed.windows(at, &mut spans);
            for (start, end) in spans.iter().copied() {
                let (start_value, end_value) = (start.to_value(&like), end.to_value(&like));
                out.push((
                    Assigned {
                        key: assigned_key(key, &start_value, &end_value),
                        window: window_key(&instance, &start_value, &end_value),
                        row: extend_row(&row, start_value, end_value, instance.clone()),
                        start,
                        end,
                        at,
                    },
                    time,
                    diff,
                ));
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, checked by brute force: every start `origin + k*hop` with
    /// `start <= t < start + duration`.
    fn oracle(t: i64, hop: i64, duration: i64, origin: i64) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        for k in -2000..2000 {
            let start = origin + k * hop;
            if start <= t && t < start + duration {
                out.push((start, start + duration));
            }
        }
        out
    }

    fn ints(spans: &[(Point, Point)]) -> Vec<(i64, i64)> {
        spans
            .iter()
            .map(|(s, e)| match (s, e) {
                (Point::I(s), Point::I(e)) => (*s, *e),
                _ => panic!("float bounds for integer times"),
            })
            .collect()
    }

    #[test]
    fn integer_windows_match_the_definition() {
        for (hop, duration, origin) in [(10, 10, 0), (5, 10, 0), (3, 10, 1), (10, 4, -7), (7, 7, 3)]
        {
            let fixed = Fixed::new(Point::I(hop), Point::I(duration), Point::I(origin)).unwrap();
            for t in -300..300 {
                let mut spans = Vec::new();
                fixed.windows(Point::I(t), &mut spans);
                assert_eq!(
                    ints(&spans),
                    oracle(t, hop, duration, origin),
                    "t={t} hop={hop} duration={duration} origin={origin}"
                );
            }
        }
    }

    #[test]
    fn float_windows_cover_their_times() {
        let fixed = Fixed::new(Point::F(0.5), Point::F(1.5), Point::F(0.25)).unwrap();
        for i in -100..100 {
            let t = Point::F(i as f64 * 0.37);
            let mut spans = Vec::new();
            fixed.windows(t, &mut spans);
            assert_eq!(spans.len(), 3, "t={t:?}");
            for (start, end) in spans {
                assert!(start <= t && t < end);
            }
        }
    }

    #[test]
    fn lengths_must_be_positive() {
        assert!(Fixed::new(Point::I(0), Point::I(10), Point::I(0)).is_err());
        assert!(Fixed::new(Point::I(5), Point::F(-1.0), Point::I(0)).is_err());
    }
}
