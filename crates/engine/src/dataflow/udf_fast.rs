//! The `Udf` operator for deterministic functions without a cache (the common case): no
//! routing, no hashing, no per-time consolidation. Arguments are evaluated straight into
//! column buffers as rows arrive, rows wait by index next to them, and one host call
//! ("crossing") may carry the rows of several times; each result goes into the output row
//! (the input row plus the result, or the fused select's columns) built once.
//!
//! A retraction is simply evaluated again (the function is deterministic). The worker never
//! waits for the host: capabilities of times with rows out are kept, and the operator is
//! woken when a reply arrives.

use std::collections::BTreeMap;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Capability;
use timely::dataflow::Stream;
use timely::progress::frontier::MutableAntichain;
use timely::scheduling::SyncActivator;

use super::errors::Reporter;
use super::udf_project::Projection;
use super::Coll;
use crate::expr::CompiledExpr;
use crate::plan::UdfOptions;
use crate::udf::{UdfDecoder, UdfOutcome, UdfReply, UdfRunner};
use crate::value::{Diff, Key, Row, Time, Value};

/// One output update.
type Update = ((Key, Row), Time, Diff);

/// The operator's output stream (before it becomes a collection).
pub type Updates<'s> = Stream<'s, Time, Vec<Update>>;

/// The rows of one time.
struct Slot {
    /// Lets the operator emit at this time until every row of it is done.
    capability: Capability<Time>,
    /// Rows not yet handed to the host, in arrival order.
    rows: Vec<(Key, Row, Diff)>,
    /// Their arguments, one buffer per argument (`columns[a][i]` belongs to `rows[i]`).
    columns: Vec<Vec<Value>>,
    /// Crossings holding rows of this time.
    in_flight: usize,
    /// Output updates ready to be emitted.
    ready: Vec<Update>,
}

impl Slot {
    fn busy(&self) -> bool {
        !self.rows.is_empty() || self.in_flight > 0 || !self.ready.is_empty()
    }
}

/// One crossing out at the host: its rows, by time segment.
struct Crossing {
    /// `(time, rows)`: the rows of the crossing are these runs, in order.
    segments: Vec<(Time, usize)>,
    rows: Vec<(Key, Row, Diff)>,
}

/// Everything one operator instance keeps.
struct FastUdf {
    udf: u32,
    runner: Arc<dyn UdfRunner>,
    name: String,
    propagate_null: bool,
    /// Rows per function call: rows of an open time go out once this many wait.
    call_rows: usize,
    /// Most rows per crossing.
    crossing_rows: usize,
    max_in_flight: usize,
    times: BTreeMap<Time, Slot>,
    /// Crossings out, by id (ids are handed out in order; few are out at once).
    out: Vec<(u64, Crossing)>,
    next_id: u64,
    /// Spare row buffers of finished crossings.
    spare: Vec<Vec<(Key, Row, Diff)>>,
    sender: Sender<(u64, UdfDecoder)>,
    receiver: Receiver<(u64, UdfDecoder)>,
    activator: SyncActivator,
    projection: Projection,
}

/// The operator's output stream: `udf(args)` for every row of `input`, shaped by `projection`.
#[allow(clippy::too_many_arguments)]
pub fn operator<'s>(
    input: Coll<'s>,
    udf: u32,
    compiled: Vec<CompiledExpr>,
    options: &UdfOptions,
    runner: Arc<dyn UdfRunner>,
    mut reporter: Reporter,
    projection: Projection,
) -> Updates<'s> {
    let scope = input.inner.scope();
    let call_rows = options.max_batch.max(1);
    let crossing_rows = options.crossing_rows.max(call_rows);
    let max_in_flight = options.max_in_flight.max(1);
    let name = options.name.clone();
    let propagate_null = options.propagate_null;
    let arity = compiled.len();
    input
        .inner
        .unary_frontier::<CapacityContainerBuilder<Vec<Update>>, _, _, _>(
            Pipeline,
            "Udf",
            move |_capability, info| {
                let activator = scope.worker().sync_activator_for(info.address.to_vec());
                let (sender, receiver) = channel();
                let mut state = FastUdf {
                    udf,
                    runner,
                    name,
                    propagate_null,
                    call_rows,
                    crossing_rows,
                    max_in_flight,
                    times: BTreeMap::new(),
                    out: Vec::new(),
                    next_id: 0,
                    spare: Vec::new(),
                    sender,
                    receiver,
                    activator,
                    projection,
                };
                let mut args: Vec<Value> = Vec::with_capacity(arity);
                move |(input, frontier), output| {
                    input.for_each(|capability, data| {
                        let mut current: Option<(Time, &mut Slot)> = None;
                        for ((key, row), time, diff) in data.drain(..) {
                            let slot = match current.take() {
                                Some((t, slot)) if t == time => slot,
                                _ => state.times.entry(time).or_insert_with(|| Slot {
                                    capability: capability.delayed(&time, 0),
                                    rows: Vec::new(),
                                    columns: (0..arity).map(|_| Vec::new()).collect(),
                                    in_flight: 0,
                                    ready: Vec::new(),
                                }),
                            };
                            args.clear();
                            args.extend(
                                compiled
                                    .iter()
                                    .map(|e| e.eval(&row, &[Some(key)], &mut reporter.scratch)),
                            );
                            reporter.flush_row(Some(key), &row);
                            let settled = if args.iter().any(Value::is_error) {
                                Some(Value::Error)
                            } else if state.propagate_null
                                && args.iter().any(|a| matches!(a, Value::None))
                            {
                                Some(Value::None)
                            } else {
                                None
                            };
                            match settled {
                                Some(value) => {
                                    let out = state.projection.row(key, &row, value);
                                    slot.ready.push(((key, out), time, diff));
                                }
                                None => {
                                    for (column, value) in
                                        slot.columns.iter_mut().zip(args.drain(..))
                                    {
                                        column.push(value);
                                    }
                                    slot.rows.push((key, row, diff));
                                }
                            }
                            current = Some((time, slot));
                        }
                    });
                    state.receive(&mut reporter);
                    state.dispatch(frontier);
                    for slot in state.times.values_mut() {
                        if !slot.ready.is_empty() {
                            let mut session = output.session(&slot.capability);
                            session.give_iterator(slot.ready.drain(..));
                        }
                    }
                    state
                        .times
                        .retain(|time, slot| slot.busy() || frontier.less_equal(time));
                }
            },
        )
}

impl FastUdf {
    /// Takes the replies that arrived and files their output rows under their times.
    fn receive(&mut self, reporter: &mut Reporter) {
        while let Ok((id, decoder)) = self.receiver.try_recv() {
            let Some(at) = self.out.iter().position(|(i, _)| *i == id) else {
                continue;
            };
            let (_, crossing) = self.out.swap_remove(at);
            let count = crossing.rows.len();
            let outcomes: Vec<UdfOutcome> = match decoder() {
                Ok(outcomes) if outcomes.len() == count => outcomes,
                Ok(outcomes) => {
                    let message = format!("returned {} results for {} rows", outcomes.len(), count);
                    vec![Err(message); count]
                }
                Err(message) => vec![Err(message); count],
            };
            let Crossing { segments, mut rows } = crossing;
            let mut results = rows.drain(..).zip(outcomes);
            for (time, n) in segments {
                let mut slot = self.times.get_mut(&time);
                if let Some(slot) = slot.as_mut() {
                    slot.in_flight -= 1;
                }
                for ((key, row, diff), outcome) in results.by_ref().take(n) {
                    let value = match outcome {
                        Ok(value) => value,
                        Err(message) => {
                            reporter.scratch.push(if self.name.is_empty() {
                                format!("udf: {message}")
                            } else {
                                format!("udf {}: {message}", self.name)
                            });
                            reporter.flush_row(Some(key), &row);
                            Value::Error
                        }
                    };
                    if let Some(slot) = slot.as_mut() {
                        let out = self.projection.row(key, &row, value);
                        slot.ready.push(((key, out), time, diff));
                    }
                }
            }
            drop(results);
            self.spare.push(rows);
        }
    }

    /// Hands waiting rows to the host while the in-flight bound allows: rows of complete
    /// times, and rows of open times once a whole call's worth waits; one crossing gathers
    /// rows of several times up to `crossing_rows`.
    fn dispatch(&mut self, frontier: &MutableAntichain<Time>) {
        while self.out.len() < self.max_in_flight {
            let mut rows = self.spare.pop().unwrap_or_default();
            let mut columns: Vec<Vec<Value>> = Vec::new();
            let mut segments = Vec::new();
            for (time, slot) in self.times.iter_mut() {
                let len = slot.rows.len();
                if len == 0 || (len < self.call_rows && frontier.less_equal(time)) {
                    continue;
                }
                let room = self.crossing_rows - rows.len();
                let take = len.min(room);
                if rows.is_empty() && take == len {
                    // The whole slot is the crossing so far: hand its buffers over as they are.
                    std::mem::swap(&mut rows, &mut slot.rows);
                    let arity = slot.columns.len();
                    columns = std::mem::replace(
                        &mut slot.columns,
                        (0..arity).map(|_| Vec::new()).collect(),
                    );
                    slot.in_flight += 1;
                    segments.push((*time, take));
                    if rows.len() >= self.crossing_rows {
                        break;
                    }
                    continue;
                }
                // From the back: taking from the front would move the whole backlog each time.
                let from = len - take;
                if columns.is_empty() {
                    columns = slot
                        .columns
                        .iter()
                        .map(|_| Vec::with_capacity(take))
                        .collect();
                }
                for (column, source) in columns.iter_mut().zip(slot.columns.iter_mut()) {
                    column.extend(source.drain(from..));
                }
                rows.extend(slot.rows.drain(from..));
                slot.in_flight += 1;
                segments.push((*time, take));
                if rows.len() >= self.crossing_rows {
                    break;
                }
            }
            if rows.is_empty() {
                self.spare.push(rows);
                return;
            }
            let id = self.next_id;
            self.next_id += 1;
            let count = rows.len();
            self.out.push((id, Crossing { segments, rows }));
            let reply = UdfReply::new(id, self.sender.clone(), self.activator.clone());
            self.runner.call(self.udf, count, columns, reply);
        }
    }
}
