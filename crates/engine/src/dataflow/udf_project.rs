//! The output row of a `Udf` node: the input row with the function's result appended, or a
//! select fused into the node (expressions over that extended row) evaluated in one go, so a
//! `select` calling a function builds its output row once, without an intermediate row.

use super::errors::Reporter;
use crate::error::EngineError;
use crate::expr::{compile, CompiledExpr};
use crate::plan::Expr;
use crate::value::{Key, Row, Value};

/// One output column of a fused select.
enum Out {
    /// A column of the extended row, copied (the function's result is column `width`).
    Col(usize),
    /// Any other expression over the extended row.
    Expr(CompiledExpr),
}

/// Builds output rows of one `Udf` operator.
pub struct Projection {
    /// The fused select's columns (none: append the result).
    outs: Option<Vec<Out>>,
    /// Whether some column needs the extended row materialized.
    needs_row: bool,
    /// The extended row, reused across rows (only for `Out::Expr` columns).
    scratch: Vec<Value>,
    /// Files the fused select's expression errors (as the select's own operator would).
    reporter: Reporter,
}

impl Projection {
    /// A projection by `project` (none: the result is appended); `reporter` files its errors.
    pub fn new(project: Option<&[Expr]>, reporter: Reporter) -> Result<Self, EngineError> {
        let outs = match project {
            None => None,
            Some(exprs) => Some(
                exprs
                    .iter()
                    .map(|e| match e {
                        Expr::Col(i) => Ok(Out::Col(*i)),
                        other => compile(other).map(Out::Expr),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        let needs_row = outs
            .as_ref()
            .is_some_and(|outs| outs.iter().any(|o| matches!(o, Out::Expr(_))));
        Ok(Projection {
            outs,
            needs_row,
            scratch: Vec::new(),
            reporter,
        })
    }

    /// The output row of `input` (row id `key`) whose function result is `value`.
    pub fn row(&mut self, key: Key, input: &[Value], value: Value) -> Row {
        let Some(outs) = &self.outs else {
            return input
                .iter()
                .cloned()
                .chain(std::iter::once(value))
                .collect();
        };
        let width = input.len();
        if !self.needs_row {
            return outs
                .iter()
                .map(|o| match o {
                    Out::Col(i) if *i < width => input[*i].clone(),
                    Out::Col(i) if *i == width => value.clone(),
                    _ => Value::Error,
                })
                .collect();
        }
        self.scratch.clear();
        self.scratch.extend(input.iter().cloned());
        self.scratch.push(value);
        let scratch = &self.scratch;
        let reporter = &mut self.reporter;
        let out: Row = outs
            .iter()
            .map(|o| match o {
                Out::Col(i) => scratch.get(*i).cloned().unwrap_or(Value::Error),
                Out::Expr(e) => e.eval(scratch, &[Some(key)], &mut reporter.scratch),
            })
            .collect();
        self.reporter.flush_row(Some(key), &self.scratch);
        out
    }

    /// The output row for an already extended row (input cells plus the result).
    pub fn extended(&mut self, key: Key, extended: Row) -> Row {
        if self.outs.is_none() {
            return extended;
        }
        let Some((value, input)) = extended.split_last() else {
            return extended;
        };
        self.row(key, input, value.clone())
    }
}
