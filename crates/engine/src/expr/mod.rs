//! Expression compilation and evaluation: a plan [`Expr`] is compiled once per operator into
//! a tree of enum nodes ([`CompiledExpr`]) and evaluated per row without touching JavaScript.
//!
//! Conventions shared by every function:
//! - an `Error` argument propagates as `Value::Error` without a new message;
//! - a data problem gives `Value::Error` and pushes exactly one message naming the function and
//!   the offending values onto the caller's `errors` (e.g. `div: division by zero (7 / 0)`);
//! - a `None` data argument gives `None` (arithmetic, comparisons, `str.*`, `num.*`, `dt.*`,
//!   `not`, `str.concat` with a null anywhere); `eq`/`ne` treat `None` as a value.
//!
//! Decisions where the API is silent:
//! - `ifElse` with a `None` condition gives `None`; `and`/`or` follow SQL three-valued logic
//!   and stop at the first deciding operand (or the first error).
//! - `require(value, deps...)` evaluates the deps first and `value` only if none is `None`.
//! - `lt le gt ge`: ints/floats compare exactly; strings, bools, bytes, datetimes, durations,
//!   pointers and tuples (lexicographic, `None` first) among themselves; other mixes are error
//!   values. NaN compares false (and `ne` true), as in IEEE.
//! - Durations: `datetime - datetime = duration`, `datetime ± duration = datetime`,
//!   `duration * number = duration`, `duration / duration = float`, `duration / number =
//!   duration` (rounded to the nanosecond), `floorDiv(duration, duration) = int`,
//!   `floorDiv(duration, int) = duration`, `mod(duration, duration) = duration`.
//! - `add(str, str)` concatenates and `mul(str, int)` repeats (as in Pathway).
//! - `pow(int, negative int)` is a float; `pow(0, negative)` is an error value.
//! - `num.round` rounds halves away from zero; ints are unchanged unless `digits < 0`.
//! - `get` on a `None` container or key gives the default (or `None`).
//! - `str.split(s, sep?, maxsplit?)`, `str.strip(s, chars?)` and `str.replace(s, old, new,
//!   count?)` take Python-like optional arguments; `str.parseInt`/`str.parseFloat` trim
//!   whitespace first.
//! - `dt.timestamp(t, unit?)` is a float in `"s" | "ms" | "us" | "ns"`, default `"ms"`
//!   (JavaScript's `Date.getTime()`); `dt.weekday` is 0 for Monday; `dt.millisecond`,
//!   `dt.microsecond`, `dt.nanosecond` give the sub-second part; `dt.round` sends halves up.
//! - `cast`: `None` stays `None` for every target; `str -> json` makes a JSON string (it does
//!   not parse); `json -> int|float|str|bool` extracts (JSON `null` gives `None`, a mismatch
//!   is an error value); `str -> datetime` parses ISO 8601 (no zone = UTC); durations become
//!   integer nanoseconds in JSON.
//! - `asString`: see [`as_string`] (`null` for `None`, floats as JavaScript prints them).

use std::borrow::Cow;
use std::sync::Arc;

use crate::error::EngineError;
use crate::plan::Expr;
use crate::value::{Key, Value};

mod arith;
mod cast;
mod compare;
mod compile;
mod datetime;
mod func;
mod node;
mod strings;
mod structure;
mod text;

#[cfg(test)]
mod tests;

pub use cast::{as_string, to_json};
pub use compare::{compare_values, values_equal};
pub use text::{format_float, type_name};

/// A compiled expression, built once per operator, evaluated per row.
///
/// Cheap to clone (the tree is shared) and safe to share between workers.
#[derive(Clone, Debug)]
pub struct CompiledExpr {
    root: Arc<node::Node>,
}

/// Compiles a plan expression.
///
/// Fails with [`EngineError::Plan`] for an unknown function name, a wrong number of
/// arguments, or a bad literal parameter (an unknown `dt.timestamp` unit, an invalid
/// `strftime` format, a non-boolean `optional` flag, …).
pub fn compile(expr: &Expr) -> Result<CompiledExpr, EngineError> {
    let root = compile::compile_node(expr).map_err(EngineError::Plan)?;
    Ok(CompiledExpr {
        root: Arc::new(root),
    })
}

/// Compiles several expressions (e.g. the columns of a `select`).
pub fn compile_all(exprs: &[Expr]) -> Result<Vec<CompiledExpr>, EngineError> {
    exprs.iter().map(compile).collect()
}

impl CompiledExpr {
    /// Evaluates over the evaluation row. `ids[n]` is the id of input n (None for an
    /// unmatched join side).
    ///
    /// On a data problem returns `Value::Error` and pushes one human-readable message onto
    /// `errors`. An `Error` input simply propagates as `Value::Error` without a new message.
    pub fn eval(&self, row: &[Value], ids: &[Option<Key>], errors: &mut Vec<String>) -> Value {
        self.root.eval(row, ids, errors).into_owned()
    }

    /// Like [`CompiledExpr::eval`], but borrows the result when the expression is a column
    /// reference or a constant (no reference-count traffic for strings and tuples).
    pub fn eval_ref<'a>(
        &'a self,
        row: &'a [Value],
        ids: &[Option<Key>],
        errors: &mut Vec<String>,
    ) -> Cow<'a, Value> {
        self.root.eval(row, ids, errors)
    }

    /// Evaluates a predicate (filters, join conditions): `Some(true)` keeps the row,
    /// `Some(false)` drops it (also for `None`, as in SQL), and `None` means the row must be
    /// dropped and logged: the value was an error (its message is already in `errors`) or not
    /// a boolean (a message is pushed here).
    pub fn eval_predicate(
        &self,
        row: &[Value],
        ids: &[Option<Key>],
        errors: &mut Vec<String>,
    ) -> Option<bool> {
        let value = self.root.eval(row, ids, errors);
        match value.as_ref() {
            Value::Bool(b) => Some(*b),
            Value::None => Some(false),
            Value::Error => None,
            other => {
                errors.push(format!(
                    "filter: condition must be a bool, got {} {}",
                    type_name(other),
                    text::show(other)
                ));
                None
            }
        }
    }

    /// The constant this expression always evaluates to, if it is a literal.
    pub fn as_literal(&self) -> Option<&Value> {
        match self.root.as_ref() {
            node::Node::Lit(v) => Some(v),
            _ => None,
        }
    }

    /// The column this expression reads, if it is a plain column reference.
    pub fn as_column(&self) -> Option<usize> {
        match self.root.as_ref() {
            node::Node::Col(n) => Some(*n),
            _ => None,
        }
    }
}

/// The truth of a value for filters: `Bool(b)` is `Some(b)`, `None` is `Some(false)` (a
/// null condition drops the row, as in SQL), anything else (errors, other types) is `None`.
pub fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::None => Some(false),
        _ => None,
    }
}
