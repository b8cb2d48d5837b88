//! The `FoldGroups` operator: a user function folds each group's rows into a state,
//! incrementally (`tb.reducers.stateful`, `deduplicate`).
//!
//! Per group the operator keeps the last state the function returned. When a commit only
//! adds rows to a group, the function gets that state and the added rows; when it removes
//! rows, a retractable function gets the removed rows as well, any other function folds the
//! group's remaining rows again from an empty state. Work per commit is thus proportional to
//! what changed (plus, for non-retractable functions, to the groups that lost rows), not to
//! the size of the groups. Rows reach the function in `order` (ties by row id).
//!
//! Times are folded one after another, in order, because each state depends on the one
//! before; the groups changed at one time are handed over in batches of `max_batch` groups.

use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use differential_dataflow::consolidation::consolidate;
use differential_dataflow::AsCollection;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Capability;
use timely::progress::frontier::MutableAntichain;
use timely::scheduling::SyncActivator;

use super::errors::Reporter;
use super::ops::compile_all;
use super::Coll;
use crate::error::EngineError;
use crate::expr::CompiledExpr;
use crate::plan::{Expr, UdfOptions};
use crate::udf::{UdfDecoder, UdfOutcome, UdfReply, UdfRunner};
use crate::value::{Diff, Key, Row, Time, Value};

/// What a `FoldGroups` node computes (the plan's fields, compiled by the caller).
pub struct FoldSpec<'a> {
    /// Grouping expressions over an input row.
    pub keys: &'a [Expr],
    /// The values handed to the function for each row.
    pub args: &'a [Expr],
    /// The order of a group's rows; none: by row id.
    pub order: Option<&'a Expr>,
    /// The function's index in the run's list of functions.
    pub udf: u32,
    /// The function can take removed rows back out of a state.
    pub retractable: bool,
    /// Name, groups per call, calls in flight.
    pub options: &'a UdfOptions,
}

/// Where a row sorts within its group: `(order value, row id, argument values)`.
type Entry = (Value, Key, Row);

/// One group's memory.
struct Group {
    /// The grouping values (the first cells of the output row).
    keys: Row,
    /// Rows with their multiplicities (to fold the group again from scratch).
    rows: BTreeMap<Entry, Diff>,
    /// Total multiplicity of the group's rows.
    count: Diff,
    /// Rows whose arguments are errors (the state is an error while any is present).
    broken: Diff,
    /// The state the function last returned (`None` before the first call).
    state: Option<Value>,
    /// The output row last emitted.
    emitted: Option<Row>,
}

impl Group {
    /// The argument tuples of every row, in order, repeated by multiplicity.
    fn all_rows(&self) -> Vec<Value> {
        self.rows
            .iter()
            .flat_map(|((_, _, args), &n)| {
                std::iter::repeat_n(Value::Tuple(args.clone()), n.max(0) as usize)
            })
            .collect()
    }
}

/// A row's change within a group: `((entry, arguments are errors), diff)`.
type GroupChange = ((Entry, bool), Diff);

/// One update waiting for its time to be folded.
struct Change {
    group: Key,
    keys: Row,
    entry: Entry,
    broken: bool,
    diff: Diff,
}

/// A call of the function for one group.
struct Call {
    group: Key,
    state: Value,
    added: Vec<Value>,
    removed: Vec<Value>,
}

/// The time being folded: its capability and the calls still out.
struct Folding {
    capability: Capability<Time>,
    /// Calls not yet handed over.
    queued: Vec<Call>,
    /// Batches out, by batch id: the groups of each, in call order.
    out: HashMap<u64, Vec<Key>>,
}

/// Folds the groups of `input` with user function `spec.udf`; rows `[keys..., state]` with
/// the group ids of a `GroupBy` (`Key::for_values(keys)`).
pub fn fold_groups<'s>(
    input: Coll<'s>,
    spec: FoldSpec<'_>,
    runner: Arc<dyn UdfRunner>,
    mut reporter: Reporter,
) -> Result<Coll<'s>, EngineError> {
    let keys = compile_all(spec.keys)?;
    let args = compile_all(spec.args)?;
    let order = spec.order.map(crate::expr::compile).transpose()?;
    let udf = spec.udf;
    let retractable = spec.retractable;
    let options = spec.options.clone();
    let route_keys = keys.clone();
    let mut route_scratch = Vec::new();
    let route = Exchange::new(move |update: &((Key, Row), Time, Diff)| {
        let (key, row) = &update.0;
        let values: Vec<Value> = route_keys
            .iter()
            .map(|e| e.eval(row, &[Some(*key)], &mut route_scratch))
            .collect();
        route_scratch.clear();
        Key::for_values(&values).route()
    });
    let scope = input.inner.scope();
    let stream = input
        .inner
        .unary_frontier::<CapacityContainerBuilder<Vec<((Key, Row), Time, Diff)>>, _, _, _>(
            route,
            "FoldGroups",
            move |_capability, info| {
                let activator = scope.worker().sync_activator_for(info.address.to_vec());
                let (sender, receiver) = channel();
                let mut state = FoldState {
                    udf,
                    retractable,
                    options,
                    runner,
                    groups: HashMap::new(),
                    pending: BTreeMap::new(),
                    folding: None,
                    next_batch: 0,
                    sender,
                    receiver,
                    activator,
                };
                let evaluators = Evaluators { keys, args, order };
                move |(input, frontier), output| {
                    input.for_each(|capability, data| {
                        for ((key, row), time, diff) in data.drain(..) {
                            let change = evaluators.change(key, &row, diff, &mut reporter);
                            let (_, changes) = state
                                .pending
                                .entry(time)
                                .or_insert_with(|| (capability.delayed(&time, 0), Vec::new()));
                            changes.push(change);
                        }
                    });
                    let mut ready = Vec::new();
                    state.step(frontier, &mut reporter, &mut ready);
                    for (capability, updates) in ready {
                        output
                            .session(&capability)
                            .give_iterator(updates.into_iter());
                    }
                }
            },
        );
    Ok(stream.as_collection())
}

/// The compiled expressions of the node.
struct Evaluators {
    keys: Vec<CompiledExpr>,
    args: Vec<CompiledExpr>,
    order: Option<CompiledExpr>,
}

impl Evaluators {
    fn change(&self, key: Key, row: &Row, diff: Diff, reporter: &mut Reporter) -> Change {
        let ids = [Some(key)];
        let scratch = &mut reporter.scratch;
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|e| e.eval(row, &ids, scratch))
            .collect();
        let args: Vec<Value> = self
            .args
            .iter()
            .map(|e| e.eval(row, &ids, scratch))
            .collect();
        let order = match &self.order {
            Some(e) => e.eval(row, &ids, scratch),
            None => Value::None,
        };
        reporter.flush_row(Some(key), row);
        let broken = args.iter().any(Value::is_error);
        Change {
            group: Key::for_values(&keys),
            keys: Arc::from(keys),
            entry: (order, key, Arc::from(args)),
            broken,
            diff,
        }
    }
}

/// Everything one operator instance keeps.
struct FoldState {
    udf: u32,
    retractable: bool,
    options: UdfOptions,
    runner: Arc<dyn UdfRunner>,
    groups: HashMap<Key, Group>,
    /// Updates of times not folded yet.
    pending: BTreeMap<Time, (Capability<Time>, Vec<Change>)>,
    /// The time being folded.
    folding: Option<Folding>,
    next_batch: u64,
    sender: Sender<(u64, UdfDecoder)>,
    receiver: Receiver<(u64, UdfDecoder)>,
    activator: SyncActivator,
}

/// Output updates.
type Updates = Vec<((Key, Row), Time, Diff)>;

/// Output updates with the capability to send them at.
type Ready = Vec<(Capability<Time>, Updates)>;

impl FoldState {
    /// Takes replies, finishes the time being folded, and starts the next complete time.
    fn step(
        &mut self,
        frontier: &MutableAntichain<Time>,
        reporter: &mut Reporter,
        ready: &mut Ready,
    ) {
        loop {
            self.receive(reporter, ready);
            if self.folding.is_some() {
                self.send_queued();
                let done = self
                    .folding
                    .as_ref()
                    .is_some_and(|f| f.out.is_empty() && f.queued.is_empty());
                if !done {
                    return;
                }
                self.folding = None;
            }
            let Some((&time, _)) = self.pending.iter().next() else {
                return;
            };
            if frontier.less_equal(&time) {
                return;
            }
            let Some((capability, changes)) = self.pending.remove(&time) else {
                return;
            };
            let (updates, calls) = self.apply(time, changes);
            if !updates.is_empty() {
                ready.push((capability.clone(), updates));
            }
            self.folding = Some(Folding {
                capability,
                queued: calls,
                out: HashMap::new(),
            });
        }
    }

    /// Applies one time's changes to the groups; returns the updates that need no call
    /// (groups that emptied or hold error rows) and the calls to make.
    fn apply(&mut self, time: Time, changes: Vec<Change>) -> (Updates, Vec<Call>) {
        let mut by_group: BTreeMap<Key, (Row, Vec<GroupChange>)> = BTreeMap::new();
        for change in changes {
            by_group
                .entry(change.group)
                .or_insert_with(|| (change.keys.clone(), Vec::new()))
                .1
                .push(((change.entry, change.broken), change.diff));
        }
        let mut updates = Vec::new();
        let mut calls = Vec::new();
        for (id, (keys, mut entries)) in by_group {
            // Sorts by (order, row id, arguments) too: added rows reach the function in order.
            consolidate(&mut entries);
            if entries.is_empty() {
                continue;
            }
            let group = self.groups.entry(id).or_insert_with(|| Group {
                keys,
                rows: BTreeMap::new(),
                count: 0,
                broken: 0,
                state: None,
                emitted: None,
            });
            let mut added = Vec::new();
            let mut removed = Vec::new();
            for ((entry, broken), diff) in entries {
                group.count += diff;
                if broken {
                    group.broken += diff;
                    continue;
                }
                let list = if diff > 0 { &mut added } else { &mut removed };
                list.extend(std::iter::repeat_n(
                    Value::Tuple(entry.2.clone()),
                    diff.unsigned_abs(),
                ));
                let slot = group.rows.entry(entry.clone()).or_insert(0);
                *slot += diff;
                if *slot == 0 {
                    group.rows.remove(&entry);
                }
            }
            if group.count <= 0 {
                if let Some(old) = group.emitted.take() {
                    updates.push(((id, old), time, -1));
                }
                self.groups.remove(&id);
                continue;
            }
            if group.broken > 0 {
                // An error row makes the result an error until it is gone; then the group is
                // folded again from its rows.
                group.state = None;
                let row = output_row(&group.keys, Value::Error);
                replace(&mut updates, id, &mut group.emitted, row, time);
                continue;
            }
            let call = match &group.state {
                Some(state) if removed.is_empty() || self.retractable => Call {
                    group: id,
                    state: state.clone(),
                    added,
                    removed,
                },
                // New, failed or (non-retractable) shrunk: fold every row from scratch.
                _ => Call {
                    group: id,
                    state: Value::None,
                    added: group.all_rows(),
                    removed: Vec::new(),
                },
            };
            calls.push(call);
        }
        (updates, calls)
    }

    /// Hands queued calls to the runner while the in-flight bound allows.
    fn send_queued(&mut self) {
        let max_batch = self.options.max_batch.max(1);
        let max_in_flight = self.options.max_in_flight.max(1);
        let Some(folding) = self.folding.as_mut() else {
            return;
        };
        while !folding.queued.is_empty() && folding.out.len() < max_in_flight {
            let take = folding.queued.len().min(max_batch);
            let calls: Vec<Call> = folding.queued.split_off(folding.queued.len() - take);
            let mut states = Vec::with_capacity(take);
            let mut added = Vec::with_capacity(take);
            let mut removed = Vec::with_capacity(take);
            let mut groups = Vec::with_capacity(take);
            for call in calls {
                groups.push(call.group);
                states.push(call.state);
                added.push(Value::Tuple(Arc::from(call.added)));
                removed.push(Value::Tuple(Arc::from(call.removed)));
            }
            let id = self.next_batch;
            self.next_batch += 1;
            folding.out.insert(id, groups);
            let reply = UdfReply::new(id, self.sender.clone(), self.activator.clone());
            self.runner
                .call(self.udf, take, vec![states, added, removed], reply);
        }
    }

    /// Takes the replies that arrived: new states, and the output changes they cause.
    fn receive(&mut self, reporter: &mut Reporter, ready: &mut Ready) {
        while let Ok((id, decoder)) = self.receiver.try_recv() {
            let Some(folding) = self.folding.as_mut() else {
                continue;
            };
            let Some(groups) = folding.out.remove(&id) else {
                continue;
            };
            let outcomes: Vec<UdfOutcome> = match decoder() {
                Ok(outcomes) if outcomes.len() == groups.len() => outcomes,
                Ok(outcomes) => {
                    let message = format!(
                        "returned {} states for {} groups",
                        outcomes.len(),
                        groups.len()
                    );
                    vec![Err(message); groups.len()]
                }
                Err(message) => vec![Err(message); groups.len()],
            };
            let time = *folding.capability.time();
            let mut updates = Vec::new();
            for (id, outcome) in groups.into_iter().zip(outcomes) {
                let Some(group) = self.groups.get_mut(&id) else {
                    continue;
                };
                let value = match outcome {
                    Ok(value) => value,
                    Err(message) => {
                        let name = &self.options.name;
                        reporter.scratch.push(format!("{name}: {message}"));
                        reporter.flush_row(Some(id), &group.keys);
                        Value::Error
                    }
                };
                // A failed fold keeps no state: the next change folds the group again.
                group.state = (!value.is_error()).then(|| value.clone());
                let row = output_row(&group.keys, value);
                replace(&mut updates, id, &mut group.emitted, row, time);
            }
            if !updates.is_empty() {
                ready.push((folding.capability.clone(), updates));
            }
        }
    }
}

/// `[keys..., state]`.
fn output_row(keys: &Row, state: Value) -> Row {
    keys.iter().cloned().chain(std::iter::once(state)).collect()
}

/// Emits the change from the group's last output row to `row` (nothing when equal).
fn replace(updates: &mut Updates, id: Key, emitted: &mut Option<Row>, row: Row, time: Time) {
    if emitted.as_ref() == Some(&row) {
        return;
    }
    if let Some(old) = emitted.take() {
        updates.push(((id, old), time, -1));
    }
    updates.push(((id, row.clone()), time, 1));
    *emitted = Some(row);
}
