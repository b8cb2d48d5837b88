//! `groupBy(...).reduce(...)` as a differential `reduce` keyed by the group's id.

use std::sync::Arc;

use differential_dataflow::AsCollection;

use super::errors::Reporter;
use super::ops::{compile_all, eval_row};
use timely::dataflow::operators::vec::Map;
use timely::dataflow::Stream;

use super::hash_reduce::hash_reduce;
use super::preaggregate::{preaggregate, Entry, StampedRows};
use super::reducers::{GroupEntry, Reducer};
use super::{CollIn, EngineTime};
use crate::error::EngineError;
use crate::plan::{Expr, ReducerSpec};
use crate::value::{Diff, Key, Row, Value};

/// The shape of a `groupBy().reduce()`: input width, grouping keys, reducers, output columns.
pub struct GroupShape<'a> {
    /// Number of input columns.
    pub input_width: usize,
    /// Grouping expressions over the input row.
    pub keys: &'a [Expr],
    /// Reducers.
    pub specs: &'a [ReducerSpec],
    /// Output columns over `[group values..., reducer results...]`.
    pub output: &'a [Expr],
}

/// Row updates of a collection at timestamp `T`.
pub type RowStream<'s, T> = Stream<'s, T, Vec<((Key, Row), T, Diff)>>;

/// Groups `input` by `keys` and computes `reducers`; `output` is evaluated over
/// `[group values..., reducer results...]`. Result ids are `Key::for_values(group values)`.
/// `stamp` gives rows their insertion times when a reducer (`earliest`/`latest`) needs
/// them, or refuses (inside an iteration).
pub fn group_by_in<'s, T, S>(
    input: CollIn<'s, T>,
    shape: GroupShape<'_>,
    reporter: Reporter,
    stamp: S,
) -> Result<CollIn<'s, T>, EngineError>
where
    T: EngineTime,
    S: FnOnce(RowStream<'s, T>) -> Result<StampedRows<'s, T>, EngineError>,
{
    let GroupShape {
        input_width,
        keys,
        specs,
        output,
    } = shape;
    let key_exprs = compile_all(keys)?;
    let mut arg_exprs = Vec::new();
    let mut reducers = Vec::new();
    for spec in specs {
        reducers.push(Reducer::new(spec, arg_exprs.len())?);
        arg_exprs.extend(compile_all(&spec.args)?);
    }
    let output_exprs = compile_all(output)?;
    let needs_id = reducers.iter().any(Reducer::needs_id);
    let needs_time = reducers.iter().any(Reducer::needs_time);

    // Fast paths: grouping by exactly the input's columns reuses the row; no reducer
    // arguments share one empty row.
    let identity_keys = keys
        .iter()
        .enumerate()
        .all(|(i, k)| matches!(k, Expr::Col(c) if *c == i));
    let empty: Row = Arc::from(Vec::<Value>::new());
    let mut entry_reporter = reporter.clone();
    let stamped = if needs_time {
        stamp(input.inner)?
    } else {
        input
            .inner
            .map(|((key, row), time, diff)| ((key, row, 0), time, diff))
    };
    let entries = preaggregate(stamped, move |key, row, stamp| {
        let group = if identity_keys && row.len() == input_width && input_width == key_exprs.len() {
            row.clone()
        } else {
            eval_row(&key_exprs, row, &[Some(key)], &mut entry_reporter)
        };
        if group.iter().any(Value::is_error) {
            entry_reporter.report(format!(
                "reduce: the grouping value of row {key} is an error; the row is dropped"
            ));
            return None;
        }
        let args = if arg_exprs.is_empty() {
            empty.clone()
        } else {
            eval_row(&arg_exprs, row, &[Some(key)], &mut entry_reporter)
        };
        let id = if needs_id { key } else { Key::default() };
        Some((Key::for_values(&group), (group, args, id, stamp)))
    });

    let mut output_reporter = reporter.clone();
    // Output columns that are the cells in order (`{ word: this.word, count: count() }`) take
    // the cells as they are.
    let identity_output = output
        .iter()
        .enumerate()
        .all(|(i, e)| matches!(e, Expr::Col(c) if *c == i))
        && output.len() == keys.len() + specs.len();
    if T::TOTAL {
        // The output row is computed once per result (a retraction reuses it).
        let finish = move |group: Key, cells: &mut Vec<Value>| {
            if identity_output {
                cells.drain(..).collect()
            } else {
                eval_row(&output_exprs, cells, &[Some(group)], &mut output_reporter)
            }
        };
        return Ok(hash_reduce(entries, reducers, reporter, Box::new(finish)));
    }
    Ok(
        differential_reduce(entries, reducers, reporter).map(move |(group, cells)| {
            if identity_output {
                return (group, cells);
            }
            let row = eval_row(&output_exprs, &cells, &[Some(group)], &mut output_reporter);
            (group, row)
        }),
    )
}

/// Differential's `reduce` (partially ordered times: inside an iteration).
fn differential_reduce<'s, T: EngineTime>(
    entries: Stream<'s, T, Vec<Entry<T>>>,
    reducers: Vec<Reducer>,
    mut reporter: Reporter,
) -> CollIn<'s, T> {
    entries.as_collection().reduce(
        move |_group, input: &[(&GroupEntry, isize)], out: &mut Vec<(Row, isize)>| {
            let group_values = &input[0].0 .0;
            let mut cells: Vec<Value> = group_values.iter().cloned().collect();
            for reducer in &reducers {
                cells.push(reducer.compute(input, &mut reporter.scratch));
            }
            reporter.flush();
            out.push((Arc::from(cells), 1));
        },
    )
}
