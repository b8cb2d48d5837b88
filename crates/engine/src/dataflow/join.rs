//! Equi-joins (inner, left, right, outer) on differential arrangements.

use std::sync::Arc;

use super::errors::Reporter;
use super::ops::{compile_all, eval_row};
use super::{CollIn, EngineTime};
use crate::error::EngineError;
use crate::expr::CompiledExpr;
use crate::plan::{Expr, JoinId, JoinKind};
use crate::value::{Key, Row, Time, Value};

/// The two sides of a join and their widths (for null-padding unmatched rows).
pub struct JoinInputs<'s, T: EngineTime = Time> {
    /// Left table.
    pub left: CollIn<'s, T>,
    /// Right table.
    pub right: CollIn<'s, T>,
    /// Number of left columns.
    pub left_width: usize,
    /// Number of right columns.
    pub right_width: usize,
}

/// Joins two tables on `left_keys[i] == right_keys[i]`; output columns are evaluated over
/// `[left row..., right row...]` with ids `[left id, right id]`.
#[allow(clippy::too_many_arguments)]
pub fn join<'s, T: EngineTime>(
    inputs: JoinInputs<'s, T>,
    kind: JoinKind,
    left_keys: &[Expr],
    right_keys: &[Expr],
    output: &[Expr],
    id: JoinId,
    reporter: Reporter,
) -> Result<CollIn<'s, T>, EngineError> {
    if left_keys.len() != right_keys.len() {
        return Err(EngineError::Plan(
            "join: left and right key counts differ".into(),
        ));
    }
    let output = Arc::new(compile_all(output)?);
    let left = keyed(inputs.left, compile_all(left_keys)?, reporter.clone());
    let right = keyed(inputs.right, compile_all(right_keys)?, reporter.clone());

    let (left_width, right_width) = (inputs.left_width, inputs.right_width);
    let mut matched_reporter = reporter.clone();
    let matched_output = output.clone();
    let mut result = left
        .clone()
        .join_map(right.clone(), move |_jk, (lk, lrow), (rk, rrow)| {
            let cells: Vec<Value> = lrow.iter().chain(rrow.iter()).cloned().collect();
            emit(
                &matched_output,
                &cells,
                Some(*lk),
                Some(*rk),
                id,
                &mut matched_reporter,
            )
        });
    if matches!(kind, JoinKind::Left | JoinKind::Outer) {
        let unmatched = left
            .clone()
            .antijoin(right.clone().map(|(jk, _)| jk).distinct());
        let out = output.clone();
        let mut rep = reporter.clone();
        result = result.concat(unmatched.map(move |(_jk, (lk, lrow))| {
            let cells: Vec<Value> = lrow
                .iter()
                .cloned()
                .chain(std::iter::repeat_n(Value::None, right_width))
                .collect();
            emit(&out, &cells, Some(lk), None, id, &mut rep)
        }));
    }
    if matches!(kind, JoinKind::Right | JoinKind::Outer) {
        let unmatched = right.antijoin(left.map(|(jk, _)| jk).distinct());
        let out = output.clone();
        let mut rep = reporter;
        result = result.concat(unmatched.map(move |(_jk, (rk, rrow))| {
            let cells: Vec<Value> = std::iter::repeat_n(Value::None, left_width)
                .chain(rrow.iter().cloned())
                .collect();
            emit(&out, &cells, None, Some(rk), id, &mut rep)
        }));
    }
    Ok(result)
}

/// Re-keys a side by its join-key values; rows whose key is an error are dropped and logged.
pub(super) fn keyed<'s, T: EngineTime>(
    side: CollIn<'s, T>,
    keys: Vec<CompiledExpr>,
    mut reporter: Reporter,
) -> differential_dataflow::VecCollection<'s, T, (Row, (Key, Row)), crate::value::Diff> {
    side.flat_map(move |(key, row)| {
        let jk = eval_row(&keys, &row, &[Some(key)], &mut reporter);
        if jk.iter().any(Value::is_error) {
            reporter.report(format!(
                "join: the join key of row {key} is an error; the row is dropped"
            ));
            return None;
        }
        Some((jk, (key, row)))
    })
}

pub(super) fn emit(
    output: &[CompiledExpr],
    cells: &[Value],
    left: Option<Key>,
    right: Option<Key>,
    id: JoinId,
    reporter: &mut Reporter,
) -> (Key, Row) {
    let row = eval_row(output, cells, &[left, right], reporter);
    let key = match id {
        JoinId::Pair => Key::for_pair(left, right),
        JoinId::Left => left.unwrap_or_else(|| Key::for_pair(left, right)),
        JoinId::Right => right.unwrap_or_else(|| Key::for_pair(left, right)),
    };
    (key, row)
}
