//! `intervalsOver`: one window [`at + lower`, `at + upper`] per probe row. Rows and probes
//! meet in one differential reduce that cuts the time-sorted rows at every window's bounds.

use super::assign::{assigned_key, extend_row, window_key};
use super::point::Point;
use super::TimeEval;
use crate::dataflow::errors::Reporter;
use crate::dataflow::Coll;
use crate::expr::CompiledExpr;
use crate::value::{Key, Row, Value};

/// The windows' definition.
pub struct Over {
    /// Probe time over a probe row.
    pub at: CompiledExpr,
    /// Offset of a window's start.
    pub lower: Point,
    /// Offset of a window's end.
    pub upper: Point,
    /// Empty windows appear with `None` cells.
    pub is_outer: bool,
    /// Number of input columns.
    pub width: usize,
}

/// A row (`false`) or a probe (`true`) with its time, id, cells and instance.
type Entry = (bool, Value, Key, Row, Value);

/// Assigns every row to the probe windows containing its time.
pub fn intervals_over<'s>(
    input: Coll<'s>,
    probes: Coll<'s>,
    over: Over,
    eval: TimeEval,
    mut reporter: Reporter,
) -> Coll<'s> {
    let mut probe_reporter = reporter.clone();
    let Over {
        at,
        lower,
        upper,
        is_outer,
        width,
    } = over;
    let rows = input.flat_map(move |(key, row)| {
        eval.eval(key, &row, &mut reporter)
            .map(|(_, time, instance)| (Key::default(), (false, time, key, row, instance)))
    });
    let probes = probes.flat_map(move |(key, row)| {
        let time = at.eval(&row, &[Some(key)], &mut probe_reporter.scratch);
        probe_reporter.flush_row(Some(key), &row);
        if Point::of(&time).is_none() || matches!(time, Value::Duration(_)) {
            probe_reporter.report(format!(
                "intervalsOver: the probe time of row {key} is {time:?}; the probe is ignored"
            ));
            return None;
        }
        Some((
            Key::default(),
            (true, time, key, Row::from(Vec::new()), Value::None),
        ))
    });
    rows.concat(probes)
        .reduce(
            move |_unit, entries: &[(&Entry, isize)], out: &mut Vec<((Key, Row), isize)>| {
                // Entries are sorted: rows (by time) first, then probes.
                let split = entries.partition_point(|(e, _)| !e.0);
                let (rows, probes) = entries.split_at(split);
                let mut windows: Vec<(Point, Point, Value)> = probes
                    .iter()
                    .filter_map(|(e, _)| {
                        let at = Point::of(&e.1)?;
                        Some((at.add(lower), at.add(upper), e.1.clone()))
                    })
                    .collect();
                windows.sort_by_key(|w| (w.0, w.1));
                windows.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
                let times: Vec<Point> = rows
                    .iter()
                    .map(|(e, _)| Point::of(&e.1).unwrap_or(Point::I(i64::MIN)))
                    .collect();
                for (lo, hi, like) in windows {
                    let (start, end) = (lo.to_value(&like), hi.to_value(&like));
                    let from = times.partition_point(|t| *t < lo);
                    let to = times.partition_point(|t| *t <= hi);
                    if from >= to {
                        if is_outer {
                            let empty = vec![Value::None; width];
                            out.push((
                                (
                                    window_key(&Value::None, &start, &end),
                                    extend_row(&empty, start, end, Value::None),
                                ),
                                1,
                            ));
                        }
                        continue;
                    }
                    for (entry, count) in &rows[from..to] {
                        let (_, _, key, row, instance) = entry;
                        out.push((
                            (
                                assigned_key(*key, &start, &end),
                                extend_row(row, start.clone(), end.clone(), instance.clone()),
                            ),
                            *count,
                        ));
                    }
                }
            },
        )
        .map(|(_unit, assigned)| assigned)
}
