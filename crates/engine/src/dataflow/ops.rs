//! Row-at-a-time operators: select, filter, re-keying and concatenation.

use super::errors::Reporter;
use super::{CollIn, EngineTime};
use crate::error::EngineError;
use crate::expr::{compile, CompiledExpr};
use crate::plan::Expr;
use crate::value::{Key, Row, Value};

/// Compiles a list of expressions.
pub fn compile_all(exprs: &[Expr]) -> Result<Vec<CompiledExpr>, EngineError> {
    exprs.iter().map(compile).collect()
}

/// Evaluates `exprs` over `row` (with ids `ids`) into a new row, filing errors.
pub fn eval_row(
    exprs: &[CompiledExpr],
    row: &[Value],
    ids: &[Option<Key>],
    reporter: &mut Reporter,
) -> Row {
    // Collected straight into the row: one allocation (the iterator's length is known).
    let values: Row = exprs
        .iter()
        .map(|e| e.eval(row, ids, &mut reporter.scratch))
        .collect();
    reporter.flush_row(ids.first().copied().flatten(), row);
    values
}

/// `select` / `withColumns` / `without` / `rename`: new cells, same ids.
pub fn select<'s, T: EngineTime>(
    input: CollIn<'s, T>,
    exprs: &[Expr],
    mut reporter: Reporter,
) -> Result<CollIn<'s, T>, EngineError> {
    let compiled = compile_all(exprs)?;
    Ok(input.map(move |(key, row)| {
        let out = eval_row(&compiled, &row, &[Some(key)], &mut reporter);
        (key, out)
    }))
}

/// Keeps rows whose predicate is `true`; an error predicate drops the row and logs it.
pub fn filter<'s, T: EngineTime>(
    input: CollIn<'s, T>,
    predicate: &Expr,
    mut reporter: Reporter,
) -> Result<CollIn<'s, T>, EngineError> {
    let compiled = compile(predicate)?;
    Ok(input.filter(move |(key, row)| {
        let verdict = compiled.eval(row, &[Some(*key)], &mut reporter.scratch);
        reporter.flush_row(Some(*key), row);
        match verdict {
            Value::Bool(keep) => keep,
            Value::None => false,
            Value::Error => {
                reporter.report(format!(
                    "filter: condition is an error for row {key}; the row is dropped"
                ));
                false
            }
            other => {
                reporter.report(format!(
                    "filter: condition is not a bool ({other:?}); the row is dropped"
                ));
                false
            }
        }
    }))
}

/// `withIdFrom`: the new id is the hash of the key expressions' values.
pub fn reindex<'s, T: EngineTime>(
    input: CollIn<'s, T>,
    keys: &[Expr],
    mut reporter: Reporter,
) -> Result<CollIn<'s, T>, EngineError> {
    let compiled = compile_all(keys)?;
    Ok(input.flat_map(move |(key, row)| {
        let values = eval_row(&compiled, &row, &[Some(key)], &mut reporter);
        if values.iter().any(Value::is_error) {
            reporter.report(format!(
                "with_id_from: the id of row {key} is an error; the row is dropped"
            ));
            return None;
        }
        Some((Key::for_values(&values), row))
    }))
}

/// `concat` (ids kept) or `concatReindex` (ids salted by input position).
pub fn concat<'s, T: EngineTime>(inputs: Vec<CollIn<'s, T>>, reindex: bool) -> CollIn<'s, T> {
    let mut parts = inputs.into_iter().enumerate().map(|(position, coll)| {
        if reindex {
            let salt = position as u64;
            coll.map(move |(key, row)| (key.salted(salt), row))
        } else {
            coll
        }
    });
    let first = parts.next().expect("concat of no tables");
    parts.fold(first, |acc, next| acc.concat(next))
}
