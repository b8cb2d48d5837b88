//! Operations on row ids: `difference`, `intersect`/`restrict`, `having`, `updateRows` and
//! `updateCells`, built on differential `antijoin`, `semijoin`, `join` and `distinct`.

use std::sync::Arc;

use differential_dataflow::VecCollection;

use super::errors::Reporter;
use super::{CollIn, EngineTime};
use crate::error::EngineError;
use crate::expr::compile;
use crate::plan::Expr;
use crate::value::{Diff, Key, Value};

/// The distinct ids of a table.
pub fn ids<'s, T: EngineTime>(table: CollIn<'s, T>) -> VecCollection<'s, T, Key, Diff> {
    table.map(|(key, _)| key).distinct()
}

/// Rows of `input` whose id is not in `other`.
pub fn difference<'s, T: EngineTime>(input: CollIn<'s, T>, other: CollIn<'s, T>) -> CollIn<'s, T> {
    input.antijoin(ids(other))
}

/// Rows of `input` whose id is in every one of `others` (`intersect`, `restrict`).
pub fn intersect<'s, T: EngineTime>(
    input: CollIn<'s, T>,
    others: Vec<CollIn<'s, T>>,
) -> CollIn<'s, T> {
    others
        .into_iter()
        .fold(input, |acc, other| acc.semijoin(ids(other)))
}

/// Rows of `input` whose id is the value of `pointer` in some row of `indexer`. `None`
/// pointers select nothing; a non-pointer value is logged.
pub fn having<'s, T: EngineTime>(
    input: CollIn<'s, T>,
    indexer: CollIn<'s, T>,
    pointer: &Expr,
    mut reporter: Reporter,
) -> Result<CollIn<'s, T>, EngineError> {
    let pointer = compile(pointer)?;
    let wanted = indexer
        .flat_map(move |(key, row)| {
            let value = pointer.eval(&row, &[Some(key)], &mut reporter.scratch);
            reporter.flush_row(Some(key), &row);
            match value {
                Value::Pointer(target) => Some(target),
                Value::None | Value::Error => None,
                other => {
                    reporter.report(format!("having: {other:?} is not a pointer (row {key})"));
                    None
                }
            }
        })
        .distinct();
    Ok(input.semijoin(wanted))
}

/// `updateRows`: rows of `update` replace rows of `input` with the same id and add the others.
pub fn update_rows<'s, T: EngineTime>(
    input: CollIn<'s, T>,
    update: CollIn<'s, T>,
) -> CollIn<'s, T> {
    input.antijoin(ids(update.clone())).concat(update)
}

/// `updateCells`: for ids in both tables, column `c` of the result is `update`'s column
/// `columns[c]` when given, else `input`'s. Rows of `update` whose id is not in `input`
/// are ignored.
pub fn update_cells<'s, T: EngineTime>(
    input: CollIn<'s, T>,
    update: CollIn<'s, T>,
    columns: Vec<Option<usize>>,
) -> CollIn<'s, T> {
    let kept = input.clone().antijoin(ids(update.clone()));
    let merged = input.join_map(update, move |key, old, new| {
        let cells: Vec<Value> = columns
            .iter()
            .enumerate()
            .map(|(c, from)| match from {
                Some(u) => new[*u].clone(),
                None => old[c].clone(),
            })
            .collect();
        (*key, Arc::from(cells))
    });
    kept.concat(merged)
}
