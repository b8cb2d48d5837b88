//! Pointer lookups: `ix` (rows of a table fetched by a pointer held in another table's rows)
//! and `rekey` (rows re-keyed by a pointer value: `groupBy(..., { id })`).

use std::sync::Arc;

use differential_dataflow::AsCollection;
use timely::dataflow::operators::vec::Map;

use super::errors::Reporter;
use super::ops::{compile_all, eval_row};
use super::setops::ids;
use super::{CollIn, EngineTime};
use crate::error::EngineError;
use crate::expr::compile;
use crate::plan::Expr;
use crate::value::{Row, Time, Value};

/// What `ix` needs: the looked-up table, the table holding the pointers, and its pointer.
pub struct IxInputs<'s, T: EngineTime = Time> {
    /// The table whose rows are fetched.
    pub source: CollIn<'s, T>,
    /// Number of columns of `source`.
    pub source_width: usize,
    /// The table whose rows hold the pointers; the result has its ids.
    pub indexer: CollIn<'s, T>,
}

/// For every row of the indexer, the row of `source` whose id is the value of `pointer`
/// (evaluated over the indexer row), under the indexer row's id. A `None` pointer or a
/// pointer to a missing row gives a row of `None` cells when `optional`, else a row of
/// error cells and an error-log entry (logged when the indexer row is inserted).
pub fn ix<'s, T: EngineTime>(
    inputs: IxInputs<'s, T>,
    pointer: &Expr,
    optional: bool,
    reporter: Reporter,
) -> Result<CollIn<'s, T>, EngineError> {
    let pointer = compile(pointer)?;
    let mut eval_reporter = reporter.clone();
    // (indexer id, pointer value)
    let targets = inputs.indexer.map(move |(key, row)| {
        let value = pointer.eval(&row, &[Some(key)], &mut eval_reporter.scratch);
        eval_reporter.flush_row(Some(key), &row);
        (key, value)
    });
    let width = inputs.source_width;
    let fill_value = if optional { Value::None } else { Value::Error };
    let fill: Row = Arc::from(vec![fill_value; width]);

    let requests = targets.clone().flat_map(|(key, value)| match value {
        Value::Pointer(target) => Some((target, key)),
        _ => None,
    });
    let found = requests
        .clone()
        .join_map(inputs.source.clone(), |_target, key, row| {
            (*key, row.clone())
        });

    let missing_fill = fill.clone();
    let mut missing_reporter = reporter.clone();
    // Consolidated first: `antijoin` passes every request through before cancelling the
    // matched ones, and only a request that stays unmatched should be logged.
    let missing = requests
        .antijoin(ids(inputs.source))
        .consolidate()
        .inner
        .map(move |((target, key), time, diff)| {
            if !optional && diff > 0 {
                missing_reporter.report(format!(
                    "ix: row {key} points to {target}, which is not in the table"
                ));
            }
            ((key, missing_fill.clone()), time, diff)
        })
        .as_collection();

    let mut null_reporter = reporter;
    let unpointed = targets
        .inner
        .flat_map(move |((key, value), time, diff)| match value {
            Value::Pointer(_) => None,
            Value::None | Value::Error if optional => Some(((key, fill.clone()), time, diff)),
            other => {
                if diff > 0 && !other.is_error() {
                    null_reporter.report(format!(
                        "ix: the pointer of row {key} is {other:?}, not a row id"
                    ));
                }
                Some(((key, Arc::from(vec![Value::Error; width])), time, diff))
            }
        })
        .as_collection();
    Ok(found.concat(missing).concat(unpointed))
}

/// Re-keys rows by a pointer: new id = the value of `pointer`, cells = `exprs`. Rows whose
/// pointer is not a pointer are dropped and logged.
pub fn rekey<'s, T: EngineTime>(
    input: CollIn<'s, T>,
    pointer: &Expr,
    exprs: &[Expr],
    mut reporter: Reporter,
) -> Result<CollIn<'s, T>, EngineError> {
    let pointer = compile(pointer)?;
    let exprs = compile_all(exprs)?;
    Ok(input
        .inner
        .flat_map(move |((key, row), time, diff)| {
            let target = pointer.eval(&row, &[Some(key)], &mut reporter.scratch);
            reporter.flush_row(Some(key), &row);
            match target {
                Value::Pointer(id) => {
                    let cells = eval_row(&exprs, &row, &[Some(key)], &mut reporter);
                    Some(((id, cells), time, diff))
                }
                other => {
                    if diff > 0 {
                        reporter.report(format!(
                            "id: the id of row {key} is {other:?}, not a pointer; the row is dropped"
                        ));
                    }
                    None
                }
            }
        })
        .as_collection())
}
