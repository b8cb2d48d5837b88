//! `tb.iterate`: the fixed point of named tables, built as a differential iterative scope
//! (timely `iterative` + differential `Variable`s) nested in the outer dataflow.
//!
//! Each variable `x` starts as its initial table; the body computes `f(x)`; the
//! difference `f(x) - initial` is fed back one round later, so round `r + 1` sees
//! `f` applied `r + 1` times. The result is consolidated before it is fed back (so
//! cancelling updates cannot circulate forever) and leaves the scope as the fixed point.
//! An iteration limit drops the feedback from round `limit - 1` on, which leaves exactly
//! `f` applied `limit` times. Everything stays incremental in outer time: a change of an
//! input at commit `t` re-runs only the rounds it affects.
//!
//! The body is built by [`build_generic`], shared with the outer dataflow; operators that depend
//! on outer time or on the host (sources, user functions, `sort`, `earliest`/`latest`,
//! nested iterations) are refused with a plan error naming them.

use std::collections::HashMap;

use differential_dataflow::operators::iterate::Variable;
use differential_dataflow::AsCollection;
use timely::dataflow::operators::vec::Filter;
use timely::order::Product;

use super::errors::ErrorBuffer;
use super::generic::build_generic;
use super::preaggregate::StampedRows;
use super::reduce::RowStream;
use super::{input_of, op_name};
use super::{Coll, CollIn};
use crate::error::EngineError;
use crate::plan::{Node, Op};
use crate::value::Time;

/// The timestamp inside an iteration: (commit time, round).
pub type Inner = Product<Time, u64>;

/// The results of the plan's `Iterate` nodes, by node index, for `IterateOutput` to read.
#[derive(Default)]
pub struct Iterated<'s> {
    results: HashMap<usize, Vec<Coll<'s>>>,
}

impl<'s> Iterated<'s> {
    /// Builds the `Iterate` node `node` (at plan index `index`) over the outer collections
    /// `colls`; returns its first variable's fixed point (the node's own collection).
    pub fn build(
        &mut self,
        index: usize,
        colls: &[Coll<'s>],
        node: &Node,
        errors: &ErrorBuffer,
    ) -> Result<Coll<'s>, EngineError> {
        let Op::Iterate {
            inputs,
            variables,
            body,
            results,
            limit,
        } = &node.op
        else {
            return Err(misplaced(&node.op));
        };
        check(inputs.len(), *variables, body, results, *limit)?;
        let outer: Vec<Coll<'s>> = inputs
            .iter()
            .map(|i| input_of(colls, *i).cloned())
            .collect::<Result<_, _>>()?;
        let fixed = iterate(outer, *variables, body, results, *limit, errors)?;
        let first = fixed[0].clone();
        self.results.insert(index, fixed);
        Ok(first)
    }

    /// Variable `index`'s fixed point from the `Iterate` node at plan index `iterate`.
    pub fn output(&self, iterate: usize, index: usize) -> Result<Coll<'s>, EngineError> {
        self.results
            .get(&iterate)
            .and_then(|r| r.get(index))
            .cloned()
            .ok_or_else(|| {
                EngineError::Plan(format!(
                    "iterate output {index} of node {iterate}, which is not an earlier iterate"
                ))
            })
    }
}

/// The error for an iterate-only operator met where it does not belong.
pub fn misplaced(op: &Op) -> EngineError {
    EngineError::Plan(format!(
        "{} is only valid as part of an iterate",
        op_name(op)
    ))
}

/// Checks an iterate's shape and that its body uses only operators that can run inside an
/// iteration, before anything is built.
fn check(
    inputs: usize,
    variables: usize,
    body: &[Node],
    results: &[usize],
    limit: Option<u64>,
) -> Result<(), EngineError> {
    if variables == 0 || variables > inputs || results.len() != variables {
        return Err(EngineError::Plan(format!(
            "iterate: {variables} variables, {inputs} inputs and {} results do not fit",
            results.len()
        )));
    }
    if limit == Some(0) {
        return Err(EngineError::Plan(
            "iterate: the iteration limit must be at least 1".into(),
        ));
    }
    if let Some(bad) = results.iter().find(|r| **r >= body.len()) {
        return Err(EngineError::Plan(format!(
            "iterate: result {bad} is not a body node"
        )));
    }
    for node in body {
        if let Op::IterateInput { index } = node.op {
            if index >= inputs {
                return Err(EngineError::Plan(format!(
                    "iterate: body reads input {index} of {inputs}"
                )));
            }
        } else if let Some(why) = unsupported(&node.op) {
            let at = node
                .trace
                .as_deref()
                .map(|t| format!(" (at {t})"))
                .unwrap_or_default();
            return Err(EngineError::Plan(format!(
                "{} is not supported inside iterate: {why}{at}",
                op_name(&node.op)
            )));
        }
    }
    Ok(())
}

/// Why an operator cannot run inside an iteration, or `None` when it can.
pub fn unsupported(op: &Op) -> Option<&'static str> {
    match op {
        Op::Select { .. }
        | Op::Filter { .. }
        | Op::Reindex { .. }
        | Op::Join { .. }
        | Op::Concat { .. }
        | Op::ConcatReindex { .. }
        | Op::Flatten { .. }
        | Op::UpdateRows { .. }
        | Op::UpdateCells { .. }
        | Op::Difference { .. }
        | Op::Intersect { .. }
        | Op::Having { .. }
        | Op::Ix { .. }
        | Op::Rekey { .. }
        | Op::IterateInput { .. } => None,
        Op::GroupBy { reducers, .. } => reducers
            .iter()
            .any(|r| matches!(r.kind.as_str(), "earliest" | "latest"))
            .then_some("earliest/latest depend on commit times"),
        Op::Static { .. } | Op::Source { .. } | Op::ErrorLog => {
            Some("inputs cannot be created inside the iteration")
        }
        Op::Udf { .. } | Op::FoldGroups { .. } => {
            Some("JavaScript functions cannot run inside the iteration")
        }
        Op::Sort { .. } => Some("sort is built for commit times only"),
        Op::Iterate { .. } | Op::IterateOutput { .. } => Some("iterations cannot be nested"),
        #[allow(unreachable_patterns)]
        _ => Some("this operator is built for commit times only"),
    }
}

/// Builds the iterative scope; returns each variable's fixed point in the outer scope.
fn iterate<'s>(
    inputs: Vec<Coll<'s>>,
    variables: usize,
    body: &[Node],
    results: &[usize],
    limit: Option<u64>,
    errors: &ErrorBuffer,
) -> Result<Vec<Coll<'s>>, EngineError> {
    let outer = inputs[0].inner.scope();
    outer.iterative::<u64, _, _>(|inner| {
        let step = Product::new(0, 1);
        let mut loops = Vec::with_capacity(variables);
        let mut entered = Vec::with_capacity(inputs.len());
        for (position, input) in inputs.into_iter().enumerate() {
            let initial: CollIn<'_, Inner> = input.enter(inner);
            if position < variables {
                let (variable, previous) = Variable::new(inner, step);
                entered.push(previous.concat(initial.clone()));
                loops.push((variable, initial));
            } else {
                entered.push(initial);
            }
        }
        let mut colls: Vec<CollIn<'_, Inner>> = Vec::with_capacity(body.len());
        for node in body {
            let coll = match &node.op {
                Op::IterateInput { index } => entered[*index].clone(),
                _ => build_generic(&colls, body, node, errors, &refuse_stamps)?,
            };
            colls.push(coll);
        }
        let mut fixed = Vec::with_capacity(variables);
        for ((variable, initial), result) in loops.into_iter().zip(results) {
            let result = colls[*result].clone().consolidate();
            let next = result.clone().concat(initial.negate());
            let next = match limit {
                Some(limit) => next
                    .inner
                    .filter(move |(_, time, _)| time.inner + 1 < limit)
                    .as_collection(),
                None => next,
            };
            variable.set(next);
            fixed.push(result.leave(outer));
        }
        Ok(fixed)
    })
}

/// `earliest`/`latest` inside an iteration: refused (they depend on commit times).
fn refuse_stamps<'s>(_: RowStream<'s, Inner>) -> Result<StampedRows<'s, Inner>, EngineError> {
    Err(EngineError::Plan(
        "reduce: earliest/latest are not supported inside iterate".into(),
    ))
}
