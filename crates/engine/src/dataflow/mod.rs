//! Turns a [`Plan`] into a timely/differential dataflow, one collection per plan node.
//! Every worker calls [`build`] with the same plan and so builds the same dataflow.

mod dedup;
mod errors;
mod flatten;
mod fold_groups;
mod generic;
mod group_entries;
mod hash_reduce;
mod iterate;
mod ix;
mod join;
mod ops;
mod output;
mod preaggregate;
mod reduce;
mod reducers;
mod setops;
mod sort;
mod stamp;
mod temporal_join;
mod time;
mod udf;
mod udf_fast;
mod udf_project;
mod window;

use differential_dataflow::input::{Input as _, InputSession};
use differential_dataflow::VecCollection;
use timely::dataflow::operators::probe::Handle as ProbeHandle;
use timely::dataflow::operators::Probe;
use timely::dataflow::Scope;

use std::sync::Arc;

pub use errors::ErrorBuffer;
pub use output::{OutputContext, SinkOpener};
pub use time::EngineTime;

use crate::error::EngineError;
use crate::plan::{Node, Op, Plan};
use crate::udf::UdfRunner;
use crate::value::{Diff, Key, Row, Time};

/// A table inside the dataflow: `(row id, row)` updates.
pub type Coll<'s> = VecCollection<'s, Time, (Key, Row), Diff>;

/// A table inside the dataflow at any timestamp `T` (e.g. inside an iteration).
pub type CollIn<'s, T> = VecCollection<'s, T, (Key, Row), Diff>;

/// An input of the dataflow that the worker loop feeds.
pub type Input = InputSession<Time, (Key, Row), Diff>;

/// What the worker loop needs after building: the inputs it feeds and how to tell when the
/// dataflow is done.
pub struct Built {
    /// One input per `Static`/`Source` node, by node index.
    pub inputs: Vec<(usize, Input)>,
    /// The error log's input, when the plan reads the error log.
    pub error_input: Option<Input>,
    /// Probes on every node that does not depend on the error log (they must finish before
    /// the error log can close).
    pub data_probe: ProbeHandle<Time>,
    /// Probe on every output.
    pub output_probe: ProbeHandle<Time>,
}

/// Builds the dataflow of `plan` in `scope`. Errors met by operators go to `errors`.
pub fn build<'s>(
    scope: Scope<'s, Time>,
    plan: &Plan,
    errors: &ErrorBuffer,
    outputs: &mut OutputContext,
) -> Result<Built, EngineError> {
    build_with(scope, plan, errors, outputs, None)
}

/// [`build`], with the runner of the plan's user functions (`Udf` nodes need one).
pub fn build_with<'s>(
    scope: Scope<'s, Time>,
    plan: &Plan,
    errors: &ErrorBuffer,
    outputs: &mut OutputContext,
    udfs: Option<Arc<dyn UdfRunner>>,
) -> Result<Built, EngineError> {
    let mut colls: Vec<Coll<'s>> = Vec::with_capacity(plan.nodes.len());
    let mut inputs = Vec::new();
    let mut error_input = None;
    let depends_on_log = error_log_dependents(plan);
    let data_probe = ProbeHandle::new();
    let output_probe = ProbeHandle::new();
    let mut marks: std::collections::HashMap<usize, window::Marks<'s>> = Default::default();
    let mut iterated = iterate::Iterated::default();
    for (index, node) in plan.nodes.iter().enumerate() {
        let coll = match &node.op {
            Op::WindowAssign {
                input,
                time,
                instance,
                window: spec,
                behavior,
            } => {
                let reporter = errors.reporter(op_name(&node.op), node.trace.clone());
                let probes = match spec {
                    crate::plan::WindowSpec::IntervalsOver { probes, .. } => {
                        Some(input_of(&colls, *probes)?.clone())
                    }
                    _ => None,
                };
                let inputs = window::WindowInputs {
                    input: input_of(&colls, *input)?.clone(),
                    width: plan.nodes[*input].columns.len(),
                    probes,
                };
                let (coll, forgotten) = window::window_assign(
                    inputs,
                    time,
                    instance.as_ref(),
                    spec,
                    behavior.as_ref(),
                    reporter,
                    errors.late_counter(),
                )?;
                if let Some(forgotten) = forgotten {
                    marks.insert(index, forgotten);
                }
                coll
            }
            Op::WindowFreeze { input, window } => {
                let results = input_of(&colls, *input)?.clone();
                match marks.get(window) {
                    Some(forgotten) => window::freeze(results, forgotten.clone()),
                    None => results,
                }
            }
            Op::Static { .. } | Op::Source { .. } => {
                let (input, coll) = scope.new_collection::<(Key, Row), Diff>();
                inputs.push((index, input));
                coll
            }
            Op::ErrorLog => {
                if error_input.is_some() {
                    return Err(EngineError::Plan("the error log appears twice".into()));
                }
                let (input, coll) = scope.new_collection::<(Key, Row), Diff>();
                error_input = Some(input);
                coll
            }
            Op::FoldGroups {
                input,
                keys,
                args,
                order,
                udf,
                retractable,
                options,
            } => {
                let runner = udfs.clone().ok_or_else(|| {
                    EngineError::Plan("the plan calls user functions but none were given".into())
                })?;
                let reporter = errors.reporter(op_name(&node.op), node.trace.clone());
                let spec = fold_groups::FoldSpec {
                    keys,
                    args,
                    order: order.as_ref(),
                    udf: *udf,
                    retractable: *retractable,
                    options,
                };
                let input = input_of(&colls, *input)?.clone();
                fold_groups::fold_groups(input, spec, runner, reporter)?
            }
            Op::Udf {
                input,
                udf,
                args,
                options,
                project,
            } => {
                let runner = udfs.clone().ok_or_else(|| {
                    EngineError::Plan("the plan calls user functions but none were given".into())
                })?;
                let reporter = errors.reporter(op_name(&node.op), node.trace.clone());
                let projection = udf_project::Projection::new(
                    project.as_deref(),
                    errors.reporter("select", node.trace.clone()),
                )?;
                let input = input_of(&colls, *input)?.clone();
                udf::udf(input, *udf, args, options, runner, reporter, projection)?
            }
            Op::Iterate { .. } => iterated.build(index, &colls, node, errors)?,
            Op::IterateOutput { iterate, index } => iterated.output(*iterate, *index)?,
            _ => build_operator(&colls, plan, node, errors)?,
        };
        if !depends_on_log[index] {
            coll.inner.clone().probe_with(&data_probe);
        }
        colls.push(coll);
    }
    for (position, output) in plan.outputs.iter().enumerate() {
        let coll = colls
            .get(output.node)
            .ok_or_else(|| EngineError::Plan(format!("output reads unknown node {}", output.node)))?
            .clone();
        outputs.attach(
            position,
            output,
            &plan.nodes[output.node],
            coll,
            &output_probe,
        )?;
    }
    Ok(Built {
        inputs,
        error_input,
        data_probe,
        output_probe,
    })
}

fn input_of<'a, 's>(colls: &'a [Coll<'s>], index: usize) -> Result<&'a Coll<'s>, EngineError> {
    colls.get(index).ok_or_else(|| {
        EngineError::Plan(format!("node reads node {index}, which is not before it"))
    })
}

/// Builds an operator of the outer dataflow: the commit-time-only ones here, every other
/// one through the dispatch shared with iteration bodies ([`generic::build_generic`]).
fn build_operator<'s>(
    colls: &[Coll<'s>],
    plan: &Plan,
    node: &Node,
    errors: &ErrorBuffer,
) -> Result<Coll<'s>, EngineError> {
    let reporter = || errors.reporter(op_name(&node.op), node.trace.clone());
    Ok(match &node.op {
        Op::Sort {
            input,
            key,
            instance,
        } => sort::sort(
            input_of(colls, *input)?.clone(),
            key,
            instance.as_ref(),
            reporter(),
        )?,
        Op::TemporalJoin {
            left,
            right,
            kind,
            left_keys,
            right_keys,
            output,
            id,
            temporal,
            behavior,
        } => temporal_join::temporal_join(
            join::JoinInputs {
                left: input_of(colls, *left)?.clone(),
                right: input_of(colls, *right)?.clone(),
                left_width: plan.nodes[*left].columns.len(),
                right_width: plan.nodes[*right].columns.len(),
            },
            temporal_join::JoinSpec {
                kind: *kind,
                left_keys,
                right_keys,
                output,
                id: *id,
            },
            temporal,
            behavior
                .as_ref()
                .map(|b| temporal_join::Behave::new(b, errors.late_counter()))
                .transpose()?
                .as_ref(),
            reporter(),
        )?,
        Op::StampTime { input } => dedup::stamp_time(input_of(colls, *input)?.clone()),
        Op::Static { .. }
        | Op::Source { .. }
        | Op::ErrorLog
        | Op::Udf { .. }
        | Op::FoldGroups { .. }
        | Op::WindowAssign { .. }
        | Op::WindowFreeze { .. } => {
            unreachable!("inputs, user functions and windows are built by `build`")
        }
        Op::Iterate { .. } | Op::IterateOutput { .. } | Op::IterateInput { .. } => {
            return Err(iterate::misplaced(&node.op))
        }
        _ => generic::build_generic(colls, &plan.nodes, node, errors, &|rows| {
            Ok(stamp::stamp_insertion_times(rows))
        })?,
    })
}

/// The operator's name as the error log shows it.
pub fn op_name(op: &Op) -> &'static str {
    match op {
        Op::Static { .. } => "static",
        Op::Source { .. } => "source",
        Op::ErrorLog => "error_log",
        Op::Select { .. } => "select",
        Op::Filter { .. } => "filter",
        Op::Reindex { .. } => "with_id_from",
        Op::GroupBy { .. } => "reduce",
        Op::Join { .. } => "join",
        Op::Concat { .. } => "concat",
        Op::ConcatReindex { .. } => "concat_reindex",
        Op::Flatten { .. } => "flatten",
        Op::UpdateRows { .. } => "update_rows",
        Op::UpdateCells { .. } => "update_cells",
        Op::Difference { .. } => "difference",
        Op::Intersect { .. } => "intersect",
        Op::Having { .. } => "having",
        Op::Ix { .. } => "ix",
        Op::Rekey { .. } => "with_id",
        Op::Sort { .. } => "sort",
        Op::Udf { .. } => "udf",
        Op::FoldGroups { .. } => "stateful",
        Op::TemporalJoin { temporal, .. } => temporal_join::op_name(temporal),
        Op::StampTime { .. } => "deduplicate",
        Op::WindowAssign { .. } => "window_by",
        Op::WindowFreeze { .. } => "window_freeze",
        Op::Iterate { .. } => "iterate",
        Op::IterateInput { .. } => "iterate_input",
        Op::IterateOutput { .. } => "iterate_output",
    }
}

/// For each node: does it (transitively) read the error log?
fn error_log_dependents(plan: &Plan) -> Vec<bool> {
    let mut depends = vec![false; plan.nodes.len()];
    for (index, node) in plan.nodes.iter().enumerate() {
        depends[index] = match &node.op {
            Op::ErrorLog => true,
            Op::Static { .. } | Op::Source { .. } | Op::IterateInput { .. } => false,
            Op::IterateOutput { iterate, .. } => depends.get(*iterate).copied().unwrap_or(false),
            Op::Iterate { inputs, .. } => inputs
                .iter()
                .any(|i| depends.get(*i).copied().unwrap_or(false)),
            Op::Select { input, .. }
            | Op::Filter { input, .. }
            | Op::Reindex { input, .. }
            | Op::Udf { input, .. }
            | Op::FoldGroups { input, .. }
            | Op::GroupBy { input, .. } => depends.get(*input).copied().unwrap_or(false),
            Op::Flatten { input, .. }
            | Op::Rekey { input, .. }
            | Op::Sort { input, .. }
            | Op::StampTime { input } => depends.get(*input).copied().unwrap_or(false),
            Op::UpdateRows {
                input,
                update: other,
            }
            | Op::UpdateCells {
                input,
                update: other,
                ..
            }
            | Op::Difference { input, other }
            | Op::Having {
                input,
                indexer: other,
                ..
            }
            | Op::Ix {
                source: input,
                indexer: other,
                ..
            } => {
                depends.get(*input).copied().unwrap_or(false)
                    || depends.get(*other).copied().unwrap_or(false)
            }
            Op::Intersect { input, others } => std::iter::once(input)
                .chain(others.iter())
                .any(|i| depends.get(*i).copied().unwrap_or(false)),
            Op::Join { left, right, .. } | Op::TemporalJoin { left, right, .. } => {
                depends.get(*left).copied().unwrap_or(false)
                    || depends.get(*right).copied().unwrap_or(false)
            }
            Op::Concat { inputs } | Op::ConcatReindex { inputs } => inputs
                .iter()
                .any(|i| depends.get(*i).copied().unwrap_or(false)),
            Op::WindowAssign { input, window, .. } => {
                let probes = match window {
                    crate::plan::WindowSpec::IntervalsOver { probes, .. } => Some(*probes),
                    _ => None,
                };
                std::iter::once(*input)
                    .chain(probes)
                    .any(|i| depends.get(i).copied().unwrap_or(false))
            }
            Op::WindowFreeze { input, window } => {
                depends.get(*input).copied().unwrap_or(false)
                    || depends.get(*window).copied().unwrap_or(false)
            }
        };
    }
    depends
}
