//! The `Udf` operator: hands the rows of each time to a user function in batches through a
//! [`UdfRunner`] and appends the results as a new last column.
//!
//! The worker never waits for a function: the operator keeps the capability of every time
//! whose rows are still out, returns, and is woken (a thread-safe activator) when a reply
//! arrives on its channel; several batches may be out at once, up to `max_in_flight`.
//! Deterministic functions without a cache take the lighter operator of `udf_fast.rs` (they
//! are simply called again for retractions). Non-deterministic ones
//! remember each result per (row id, arguments) and retract exactly what they emitted; their
//! times are processed in order so that a retraction always finds the value it retracts.

use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use differential_dataflow::AsCollection;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::{Exchange, ParallelizationContract};
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::{Capability, InputCapability};
use timely::dataflow::Stream;
use timely::progress::frontier::MutableAntichain;
use timely::scheduling::SyncActivator;

use super::errors::Reporter;
use super::ops::compile_all;
use super::udf_fast;
use super::udf_project::Projection;
use super::Coll;
use crate::error::EngineError;
use crate::expr::CompiledExpr;
use crate::plan::{Expr, UdfOptions};
use crate::udf::{UdfDecoder, UdfOutcome, UdfReply, UdfRunner};
use crate::value::{Diff, Key, Row, Time, Value};

/// The operator's output stream (before it becomes a collection).
type Updates<'s> = Stream<'s, Time, Vec<((Key, Row), Time, Diff)>>;

/// The argument values of one row.
type Args = Vec<Value>;

/// One row update waiting for its function result.
struct Item {
    key: Key,
    row: Row,
    args: Args,
    diff: Diff,
}

/// The rows of one time that are not finished yet.
struct Slot {
    /// Lets the operator emit at this time until every row of it is done.
    capability: Capability<Time>,
    /// Rows not yet handed to the function.
    pending: Vec<Item>,
    /// Batches of this time still out.
    in_flight: usize,
    /// Rows of this time waiting for a batch of another time with the same arguments.
    waiting: usize,
    /// Results ready to be emitted.
    ready: Vec<((Key, Row), Time, Diff)>,
    /// Non-deterministic functions: the time's rows were consolidated and retractions settled.
    settled: bool,
}

/// A batch handed to the runner.
struct Batch {
    time: Time,
    items: Vec<Item>,
    /// For each item, the index of its row in the call (equal arguments share a row when
    /// results are cached).
    positions: Vec<usize>,
    /// Rows in the call.
    rows: usize,
}

/// Appends `udf(args)` to every row of `input`.
pub fn udf<'s>(
    input: Coll<'s>,
    udf: u32,
    args: &[Expr],
    options: &UdfOptions,
    runner: Arc<dyn UdfRunner>,
    reporter: Reporter,
    projection: Projection,
) -> Result<Coll<'s>, EngineError> {
    let compiled = compile_all(args)?;
    if options.deterministic && !options.cache {
        // No routing, no memory: every worker calls the function on its own rows (a
        // retraction is evaluated again, wherever it is).
        let stream =
            udf_fast::operator(input, udf, compiled, options, runner, reporter, projection);
        return Ok(stream.as_collection());
    }
    // Equal arguments meet on one worker when results are cached (so the function runs once
    // per distinct arguments); a row and its retractions meet on one worker otherwise.
    let by_args = options.cache.then(|| compiled.clone());
    let mut scratch = Vec::new();
    let route = Exchange::new(move |update: &((Key, Row), Time, Diff)| {
        let (key, row) = &update.0;
        match &by_args {
            Some(exprs) => {
                let args: Args = exprs
                    .iter()
                    .map(|e| e.eval(row, &[Some(*key)], &mut scratch))
                    .collect();
                scratch.clear();
                Key::for_values(&args).route()
            }
            None => key.route(),
        }
    });
    let options = options.clone();
    let stream = operator(
        input, route, udf, compiled, options, runner, reporter, projection,
    );
    Ok(stream.as_collection())
}

/// The output stream of updates of the operator, input routed by `pact`.
#[allow(clippy::too_many_arguments)]
fn operator<'s, P>(
    input: Coll<'s>,
    pact: P,
    udf: u32,
    compiled: Vec<CompiledExpr>,
    options: UdfOptions,
    runner: Arc<dyn UdfRunner>,
    mut reporter: Reporter,
    mut projection: Projection,
) -> Updates<'s>
where
    P: ParallelizationContract<Time, Vec<((Key, Row), Time, Diff)>>,
{
    let scope = input.inner.scope();
    input
        .inner
        .unary_frontier::<CapacityContainerBuilder<Vec<((Key, Row), Time, Diff)>>, _, _, _>(
            pact,
            "Udf",
            move |_capability, info| {
                let activator = scope.worker().sync_activator_for(info.address.to_vec());
                let (sender, receiver) = channel();
                let mut state = UdfState {
                    udf,
                    runner,
                    options,
                    times: BTreeMap::new(),
                    batches: HashMap::new(),
                    next_batch: 0,
                    in_flight: 0,
                    cache: HashMap::new(),
                    memo: HashMap::new(),
                    awaited: HashMap::new(),
                    failed: HashMap::new(),
                    sender,
                    receiver,
                    activator,
                };
                move |(input, frontier), output| {
                    input.for_each(|capability, data| {
                        for ((key, row), time, diff) in data.drain(..) {
                            let args: Args = compiled
                                .iter()
                                .map(|e| e.eval(&row, &[Some(key)], &mut reporter.scratch))
                                .collect();
                            reporter.flush_row(Some(key), &row);
                            state.arrive(
                                &capability,
                                time,
                                Item {
                                    key,
                                    row,
                                    args,
                                    diff,
                                },
                            );
                        }
                    });
                    state.receive(&mut reporter);
                    state.dispatch(frontier, &mut reporter);
                    for slot in state.times.values_mut() {
                        if !slot.ready.is_empty() {
                            let mut session = output.session(&slot.capability);
                            session.give_iterator(slot.ready.drain(..).map(
                                |((key, row), time, diff)| {
                                    ((key, projection.extended(key, row)), time, diff)
                                },
                            ));
                        }
                    }
                    state
                        .times
                        .retain(|time, slot| slot.busy() || frontier.less_equal(time));
                }
            },
        )
}

impl Slot {
    fn busy(&self) -> bool {
        !self.pending.is_empty() || self.in_flight > 0 || self.waiting > 0 || !self.ready.is_empty()
    }
}

/// Everything one operator instance keeps.
struct UdfState {
    udf: u32,
    runner: Arc<dyn UdfRunner>,
    options: UdfOptions,
    times: BTreeMap<Time, Slot>,
    batches: HashMap<u64, Batch>,
    next_batch: u64,
    in_flight: usize,
    /// Results by arguments (`cache: true`).
    cache: HashMap<Args, Value>,
    /// `cache: true`: arguments out in a batch, with the rows (and their times) waiting for
    /// the same arguments.
    awaited: HashMap<Args, Vec<(Time, Item)>>,
    /// `cache: true`: messages of failed calls, until their waiting rows are answered.
    failed: HashMap<Args, String>,
    /// Non-deterministic functions: the values emitted per (row id, arguments), with counts.
    memo: HashMap<(Key, Args), Vec<(Value, Diff)>>,
    sender: Sender<(u64, UdfDecoder)>,
    receiver: Receiver<(u64, UdfDecoder)>,
    activator: SyncActivator,
}

impl UdfState {
    /// Files a newly arrived update under its time (settling it at once when no call is needed).
    fn arrive(&mut self, capability: &InputCapability<Time>, time: Time, item: Item) {
        let settled = self.without_call(&item);
        let slot = self.times.entry(time).or_insert_with(|| Slot {
            capability: capability.delayed(&time, 0),
            pending: Vec::new(),
            in_flight: 0,
            waiting: 0,
            ready: Vec::new(),
            settled: false,
        });
        if let Some(value) = settled {
            slot.ready.push(emit(&item, value, time));
        } else {
            slot.pending.push(item);
        }
    }

    /// The result of a row that needs no call: error or (with `propagate_null`) null
    /// arguments, cached arguments.
    fn without_call(&self, item: &Item) -> Option<Value> {
        if item.args.iter().any(Value::is_error) {
            return Some(Value::Error);
        }
        if self.options.propagate_null && item.args.iter().any(|a| matches!(a, Value::None)) {
            return Some(Value::None);
        }
        if self.options.cache {
            return self.cache.get(&item.args).cloned();
        }
        None
    }

    /// Takes the replies that arrived and emits their rows.
    fn receive(&mut self, reporter: &mut Reporter) {
        while let Ok((id, decoder)) = self.receiver.try_recv() {
            let Some(batch) = self.batches.remove(&id) else {
                continue;
            };
            self.in_flight -= 1;
            let outcomes: Vec<UdfOutcome> = match decoder() {
                Ok(outcomes) if outcomes.len() == batch.rows => outcomes,
                Ok(outcomes) => {
                    let message = format!(
                        "returned {} results for {} rows",
                        outcomes.len(),
                        batch.rows
                    );
                    vec![Err(message); batch.rows]
                }
                Err(message) => vec![Err(message); batch.rows],
            };
            let time = batch.time;
            let mut outcomes = outcomes;
            let shared = self.options.cache;
            let mut out = Vec::with_capacity(batch.items.len());
            for (item, position) in batch.items.into_iter().zip(batch.positions) {
                // Rows share a result only when cached arguments repeat within the batch.
                let outcome = if shared {
                    outcomes[position].clone()
                } else {
                    std::mem::replace(&mut outcomes[position], Ok(Value::None))
                };
                let value = match outcome {
                    Ok(value) => {
                        if self.options.cache {
                            self.cache.insert(item.args.clone(), value.clone());
                        }
                        value
                    }
                    Err(message) if self.options.cache && self.awaited.contains_key(&item.args) => {
                        // Failed calls are not cached; rows waiting for them fail alike.
                        self.failed.insert(item.args.clone(), message.clone());
                        self.report(reporter, &item, message)
                    }
                    Err(message) => self.report(reporter, &item, message),
                };
                if !self.options.deterministic && item.diff > 0 {
                    self.memo
                        .entry((item.key, item.args.clone()))
                        .or_default()
                        .push((value.clone(), item.diff));
                }
                out.push(emit(&item, value, time));
            }
            if let Some(slot) = self.times.get_mut(&time) {
                slot.in_flight -= 1;
                slot.ready.extend(out);
            }
            self.release_waiters(reporter);
        }
    }

    /// `cache: true`: answers the rows that waited for arguments whose batch came back.
    fn release_waiters(&mut self, reporter: &mut Reporter) {
        let done: Vec<Args> = self
            .awaited
            .keys()
            .filter(|args| self.cache.contains_key(*args) || self.failed.contains_key(*args))
            .cloned()
            .collect();
        for args in done {
            let waiters = self.awaited.remove(&args).unwrap_or_default();
            for (time, item) in waiters {
                let value = match self.cache.get(&args) {
                    Some(value) => value.clone(),
                    None => {
                        let message = self.failed.get(&args).cloned().unwrap_or_default();
                        self.report(reporter, &item, message)
                    }
                };
                if let Some(slot) = self.times.get_mut(&time) {
                    slot.waiting -= 1;
                    slot.ready.push(emit(&item, value, time));
                }
            }
        }
        self.failed.clear();
    }

    /// Files a failed call of `item` in the error log; its cell becomes an error value.
    fn report(&self, reporter: &mut Reporter, item: &Item, message: String) -> Value {
        let name = &self.options.name;
        reporter.scratch.push(if name.is_empty() {
            format!("udf: {message}")
        } else {
            format!("udf {name}: {message}")
        });
        reporter.flush_row(Some(item.key), &item.row);
        Value::Error
    }

    /// Hands pending rows to the runner: full batches at once, the rest of a time once the
    /// time is complete; non-deterministic functions one complete time after another.
    fn dispatch(&mut self, frontier: &MutableAntichain<Time>, reporter: &mut Reporter) {
        let times: Vec<Time> = self.times.keys().copied().collect();
        for time in times {
            let complete = !frontier.less_equal(&time);
            if !self.options.deterministic {
                if !complete {
                    break;
                }
                self.settle(time, reporter);
            }
            self.send_batches(time, complete);
            if !self.options.deterministic {
                let slot = &self.times[&time];
                if !slot.pending.is_empty() || slot.in_flight > 0 {
                    break;
                }
            }
        }
    }

    /// Non-deterministic functions, once per complete time: nets the time's updates and
    /// answers retractions from the remembered values.
    fn settle(&mut self, time: Time, reporter: &mut Reporter) {
        let Some(slot) = self.times.get_mut(&time) else {
            return;
        };
        if slot.settled {
            return;
        }
        slot.settled = true;
        let mut net: HashMap<(Key, Row), (Args, Diff)> = HashMap::new();
        for item in slot.pending.drain(..) {
            net.entry((item.key, item.row))
                .or_insert_with(|| (item.args, 0))
                .1 += item.diff;
        }
        for ((key, row), (args, diff)) in net {
            if diff == 0 {
                continue;
            }
            let item = Item {
                key,
                row,
                args,
                diff,
            };
            if diff > 0 {
                slot.pending.push(item);
                continue;
            }
            let mut left = -diff;
            let memo_key = (key, item.args.clone());
            let remembered = self.memo.get_mut(&memo_key);
            let mut found = Vec::new();
            if let Some(values) = remembered {
                while left > 0 {
                    let Some(last) = values.last_mut() else { break };
                    let take = last.1.min(left);
                    found.push((last.0.clone(), take));
                    last.1 -= take;
                    left -= take;
                    if last.1 == 0 {
                        values.pop();
                    }
                }
                if values.is_empty() {
                    self.memo.remove(&memo_key);
                }
            }
            if left > 0 {
                reporter.scratch.push(format!(
                    "udf {}: no remembered result to retract; the retraction uses an error value",
                    self.options.name
                ));
                reporter.flush_row(Some(key), &item.row);
                found.push((Value::Error, left));
            }
            for (value, count) in found {
                let mut out = emit(&item, value, time);
                out.2 = -count;
                slot.ready.push(out);
            }
        }
    }

    /// Sends the pending rows of `time` in batches while the in-flight bound allows.
    fn send_batches(&mut self, time: Time, complete: bool) {
        let call_rows = self.options.max_batch.max(1);
        let max_batch = self.options.crossing_rows.max(call_rows);
        let max_in_flight = self.options.max_in_flight.max(1);
        loop {
            if self.in_flight >= max_in_flight {
                return;
            }
            let Some(slot) = self.times.get_mut(&time) else {
                return;
            };
            let len = slot.pending.len();
            if len == 0 || (len < call_rows && !complete) {
                return;
            }
            // From the back: taking from the front would move the whole backlog per batch.
            let take = len.min(max_batch);
            let items: Vec<Item> = slot.pending.split_off(len - take);
            self.send(time, items);
        }
    }

    fn send(&mut self, time: Time, items: Vec<Item>) {
        let arity = items.first().map_or(0, |i| i.args.len());
        let mut columns: Vec<Vec<Value>> = (0..arity)
            .map(|_| Vec::with_capacity(items.len()))
            .collect();
        let mut positions = Vec::with_capacity(items.len());
        let mut sent = Vec::with_capacity(items.len());
        let mut seen: HashMap<Args, usize> = HashMap::new();
        let keep_args = self.options.cache || !self.options.deterministic;
        let mut rows = 0;
        for item in items {
            if self.options.cache {
                // Results that came back since the row arrived.
                if let Some(value) = self.cache.get(&item.args) {
                    let update = emit(&item, value.clone(), time);
                    if let Some(slot) = self.times.get_mut(&time) {
                        slot.ready.push(update);
                    }
                    continue;
                }
                // Arguments already out in another batch wait for that batch's result.
                if let Some(waiters) = self.awaited.get_mut(&item.args) {
                    waiters.push((time, item));
                    if let Some(slot) = self.times.get_mut(&time) {
                        slot.waiting += 1;
                    }
                    continue;
                }
                if let Some(&position) = seen.get(&item.args) {
                    positions.push(position);
                    sent.push(item);
                    continue;
                }
                seen.insert(item.args.clone(), rows);
            }
            let mut item = item;
            if keep_args {
                for (column, value) in columns.iter_mut().zip(&item.args) {
                    column.push(value.clone());
                }
            } else {
                // Only the cache and the memory of non-deterministic results need them later.
                for (column, value) in columns.iter_mut().zip(item.args.drain(..)) {
                    column.push(value);
                }
            }
            positions.push(rows);
            sent.push(item);
            rows += 1;
        }
        if rows == 0 {
            return;
        }
        for args in seen.into_keys() {
            self.awaited.insert(args, Vec::new());
        }
        let id = self.next_batch;
        self.next_batch += 1;
        self.in_flight += 1;
        if let Some(slot) = self.times.get_mut(&time) {
            slot.in_flight += 1;
        }
        self.batches.insert(
            id,
            Batch {
                time,
                items: sent,
                positions,
                rows,
            },
        );
        let reply = UdfReply::new(id, self.sender.clone(), self.activator.clone());
        self.runner.call(self.udf, rows, columns, reply);
    }
}

/// The output update of `item` with the function's `value` appended.
fn emit(item: &Item, value: Value, time: Time) -> ((Key, Row), Time, Diff) {
    let cells: Row = item
        .row
        .iter()
        .cloned()
        .chain(std::iter::once(value))
        .collect();
    ((item.key, cells), time, item.diff)
}
