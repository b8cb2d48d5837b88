//! The operators that run at any timestamp: one dispatch shared by the outer dataflow
//! (commit times) and the body of an iteration (`(commit time, round)`).
//!
//! Operators that exist only at commit times (inputs, user functions, `sort`, windows,
//! temporal joins, `deduplicate`, iterations) are built by `build` in `mod.rs` and refused
//! here with a plan error naming them.

use super::errors::ErrorBuffer;
use super::iterate::unsupported;
use super::preaggregate::StampedRows;
use super::reduce::{self, RowStream};
use super::{flatten, ix, join, op_name, ops, setops};
use super::{CollIn, EngineTime};
use crate::error::EngineError;
use crate::plan::{Node, Op};

/// How a `groupBy` gives rows their insertion times when `earliest`/`latest` need them:
/// stamps them (commit times) or refuses (inside an iteration).
pub type Stamper<'a, 's, T> =
    &'a dyn Fn(RowStream<'s, T>) -> Result<StampedRows<'s, T>, EngineError>;

/// Builds `node` over the earlier collections `colls` of the same scope; `nodes` is the node
/// list `colls` was built from (for input widths).
pub fn build_generic<'s, T: EngineTime>(
    colls: &[CollIn<'s, T>],
    nodes: &[Node],
    node: &Node,
    errors: &ErrorBuffer,
    stamp: Stamper<'_, 's, T>,
) -> Result<CollIn<'s, T>, EngineError> {
    let reporter = errors.reporter(op_name(&node.op), node.trace.clone());
    let get = |index: usize| {
        colls.get(index).cloned().ok_or_else(|| {
            EngineError::Plan(format!("node reads node {index}, which is not before it"))
        })
    };
    let all = |inputs: &[usize]| {
        inputs
            .iter()
            .map(|i| get(*i))
            .collect::<Result<Vec<_>, _>>()
    };
    let width = |index: usize| nodes.get(index).map_or(0, |n| n.columns.len());
    Ok(match &node.op {
        Op::Select { input, exprs } => ops::select(get(*input)?, exprs, reporter)?,
        Op::Filter { input, predicate } => ops::filter(get(*input)?, predicate, reporter)?,
        Op::Reindex { input, keys } => ops::reindex(get(*input)?, keys, reporter)?,
        Op::GroupBy {
            input,
            keys,
            reducers,
            output,
        } => reduce::group_by_in(
            get(*input)?,
            reduce::GroupShape {
                input_width: width(*input),
                keys,
                specs: reducers,
                output,
            },
            reporter,
            stamp,
        )?,
        Op::Join {
            left,
            right,
            kind,
            left_keys,
            right_keys,
            output,
            id,
        } => join::join(
            join::JoinInputs {
                left: get(*left)?,
                right: get(*right)?,
                left_width: width(*left),
                right_width: width(*right),
            },
            *kind,
            left_keys,
            right_keys,
            output,
            *id,
            reporter,
        )?,
        Op::Concat { inputs } => ops::concat(all(inputs)?, false),
        Op::ConcatReindex { inputs } => ops::concat(all(inputs)?, true),
        Op::Flatten { input, column } => flatten::flatten(get(*input)?, *column, reporter),
        Op::UpdateRows { input, update } => setops::update_rows(get(*input)?, get(*update)?),
        Op::UpdateCells {
            input,
            update,
            columns,
        } => setops::update_cells(get(*input)?, get(*update)?, columns.clone()),
        Op::Difference { input, other } => setops::difference(get(*input)?, get(*other)?),
        Op::Intersect { input, others } => setops::intersect(get(*input)?, all(others)?),
        Op::Having {
            input,
            indexer,
            pointer,
        } => setops::having(get(*input)?, get(*indexer)?, pointer, reporter)?,
        Op::Ix {
            source,
            indexer,
            pointer,
            optional,
        } => ix::ix(
            ix::IxInputs {
                source: get(*source)?,
                source_width: width(*source),
                indexer: get(*indexer)?,
            },
            pointer,
            *optional,
            reporter,
        )?,
        Op::Rekey {
            input,
            pointer,
            exprs,
        } => ix::rekey(get(*input)?, pointer, exprs, reporter)?,
        other => {
            let why = unsupported(other).unwrap_or("it has no generic form");
            return Err(EngineError::Plan(format!(
                "{} is not supported inside iterate: {why}",
                op_name(other)
            )));
        }
    })
}
