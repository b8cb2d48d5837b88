//! `sort`: `prev`/`next` pointers to the neighbouring rows in `key` order, per instance.
//!
//! A differential `reduce` per instance recomputes the instance's order whenever one of its
//! rows changes (O(rows of the instance) per change), and the links are joined back onto the
//! rows by id. Ties in `key` are broken by row id.

use std::sync::Arc;

use super::errors::Reporter;
use super::Coll;
use crate::error::EngineError;
use crate::expr::compile;
use crate::plan::Expr;
use crate::value::{Key, Row, Value};

/// The rows of `input` with two more columns, `prev` and `next` (pointers or `None`).
pub fn sort<'s>(
    input: Coll<'s>,
    key: &Expr,
    instance: Option<&Expr>,
    mut reporter: Reporter,
) -> Result<Coll<'s>, EngineError> {
    let key = compile(key)?;
    let instance = instance.map(compile).transpose()?;
    let entries = input.clone().map(move |(id, row)| {
        let order = key.eval(&row, &[Some(id)], &mut reporter.scratch);
        let group = match &instance {
            Some(e) => e.eval(&row, &[Some(id)], &mut reporter.scratch),
            None => Value::None,
        };
        reporter.flush_row(Some(id), &row);
        (group, (order, id))
    });
    let links = entries.reduce(
        |_group,
         members: &[(&(Value, Key), isize)],
         out: &mut Vec<((Key, Value, Value), isize)>| {
            let live: Vec<Key> = members
                .iter()
                .filter(|(_, count)| *count > 0)
                .map(|((_, id), _)| *id)
                .collect();
            for (i, id) in live.iter().enumerate() {
                let prev = i
                    .checked_sub(1)
                    .map_or(Value::None, |j| Value::Pointer(live[j]));
                let next = live.get(i + 1).map_or(Value::None, |k| Value::Pointer(*k));
                out.push(((*id, prev, next), 1));
            }
        },
    );
    let by_id = links.map(|(_group, (id, prev, next))| (id, (prev, next)));
    Ok(input.join_map(by_id, |id, row, (prev, next)| {
        let cells: Vec<Value> = row
            .iter()
            .cloned()
            .chain([prev.clone(), next.clone()])
            .collect();
        let out: Row = Arc::from(cells);
        (*id, out)
    }))
}
