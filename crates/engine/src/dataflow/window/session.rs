//! Session windows: per instance, a differential reduce over the rows sorted by time cuts
//! them where two neighbours are at least `max_gap` apart. Adding a row that bridges two
//! sessions merges them; retracting it splits them again (the reduce recomputes the instance
//! and differential emits only the rows whose session changed).

use super::assign::{assigned_key, extend_row};
use super::point::Point;
use super::TimeEval;
use crate::dataflow::errors::Reporter;
use crate::dataflow::Coll;
use crate::value::{Key, Row, Value};

/// One row as the reduce sees it: time first so that the values arrive sorted by time.
type Entry = (Value, Key, Row, Value);

/// Assigns every row to its session; `_instance` is the instance value.
pub fn sessions<'s>(
    input: Coll<'s>,
    max_gap: Point,
    eval: TimeEval,
    mut reporter: Reporter,
) -> Coll<'s> {
    let entries = input.flat_map(move |(key, row)| {
        eval.eval(key, &row, &mut reporter)
            .map(|(_, time, instance)| {
                (
                    Key::for_values(std::slice::from_ref(&instance)),
                    (time, key, row, instance),
                )
            })
    });
    entries
        .reduce(
            move |_instance, rows: &[(&Entry, isize)], out: &mut Vec<((Key, Row), isize)>| {
                let mut first = 0;
                while first < rows.len() {
                    // Extend the session while the next row is less than `max_gap` later.
                    let mut last = first;
                    while last + 1 < rows.len() {
                        let (Some(a), Some(b)) =
                            (Point::of(&rows[last].0 .0), Point::of(&rows[last + 1].0 .0))
                        else {
                            break;
                        };
                        if b.sub(a) >= max_gap {
                            break;
                        }
                        last += 1;
                    }
                    let start = &rows[first].0 .0;
                    let end = &rows[last].0 .0;
                    for (entry, count) in &rows[first..=last] {
                        let (_, key, row, instance) = entry;
                        out.push((
                            (
                                assigned_key(*key, start, end),
                                extend_row(row, start.clone(), end.clone(), instance.clone()),
                            ),
                            *count,
                        ));
                    }
                    first = last + 1;
                }
            },
        )
        .map(|(_instance, assigned)| assigned)
}
