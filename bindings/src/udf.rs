//! User functions (`tb.udf`) across the boundary: one thread-safe function per UDF of a run.
//!
//! An engine worker hands a batch over with [`UdfRunner::call`]: its argument columns are
//! encoded on the worker in the columnar layout of `udf_columns.rs` and queued to the JS thread
//! without waiting. The JS driver (`ts/api/udf-driver.ts`) runs the user's function and answers
//! later with `udfReply(token, ...)`; the reply is decoded back into engine values on the
//! worker, not on the JS thread.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{LazyLock, Mutex};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use tributary_engine::plan::{Op, Plan};
use tributary_engine::udf::{UdfOutcome, UdfReply, UdfRunner};
use tributary_engine::{DType, Value};

use crate::udf_columns::{decode_numbers, decode_text, encode_column, Column, JsUdfColumn};

/// What one call carries to the JS thread.
pub struct UdfCall {
    token: u32,
    rows: usize,
    columns: Vec<Column>,
}

/// The arguments the JS driver receives: `(token, rows, columns)`.
pub type DriverArgs = FnArgs<(u32, u32, Vec<JsUdfColumn>)>;

/// The thread-safe handle of one driver (weak: it never keeps Node alive by itself; the run's
/// own promise does while the run lasts).
type Driver = ThreadsafeFunction<UdfCall, Unknown<'static>, DriverArgs, Status, false, true>;

/// A batch waiting for its JS reply.
struct Pending {
    reply: UdfReply,
    returns: DType,
}

/// Batches out in JavaScript, by token (all runs of the process).
static PENDING: LazyLock<Mutex<HashMap<u32, Pending>>> = LazyLock::new(Default::default);
static NEXT_TOKEN: AtomicU32 = AtomicU32::new(1);

fn take_pending(token: u32) -> Option<Pending> {
    PENDING.lock().ok()?.remove(&token)
}

/// Runs the user functions of one run through their drivers.
pub struct NodeUdfRunner {
    drivers: Vec<Driver>,
    returns: Vec<DType>,
}

impl NodeUdfRunner {
    /// Wraps the JS drivers (`udfs[i]` runs function `i` of the plan).
    pub fn new(plan: &Plan, udfs: Vec<Function<'_, DriverArgs, Unknown<'static>>>) -> Result<Self> {
        let mut returns = vec![DType::Any; udfs.len()];
        for node in &plan.nodes {
            if let Op::Udf { udf, options, .. } | Op::FoldGroups { udf, options, .. } = &node.op {
                let slot = returns.get_mut(*udf as usize).ok_or_else(|| {
                    Error::from_reason(format!(
                        "[TRIBUTARY_PLAN] the plan calls user function {udf} but only {} were given",
                        udfs.len()
                    ))
                })?;
                // A fused select's node ends with its own columns: the options name the type.
                *slot = match &options.returns {
                    Some(dtype) => dtype.clone(),
                    None => node.dtypes.last().cloned().unwrap_or(DType::Any),
                };
            }
        }
        let mut drivers = Vec::with_capacity(udfs.len());
        for function in udfs {
            let driver = function
                .build_threadsafe_function::<UdfCall>()
                .callee_handled::<false>()
                .weak::<true>()
                .build_callback(|ctx| {
                    let UdfCall {
                        token,
                        rows,
                        columns,
                    } = ctx.value;
                    let columns = columns.into_iter().map(Column::into_js).collect();
                    Ok(FnArgs::from((token, rows as u32, columns)))
                })?;
            drivers.push(driver);
        }
        Ok(NodeUdfRunner { drivers, returns })
    }
}

impl UdfRunner for NodeUdfRunner {
    fn call(&self, udf: u32, rows: usize, args: Vec<Vec<Value>>, reply: UdfReply) {
        let Some(driver) = self.drivers.get(udf as usize) else {
            reply.fail(format!("no JavaScript function number {udf}"));
            return;
        };
        let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
        let returns = self.returns[udf as usize].clone();
        let columns = args.iter().map(|c| encode_column(c)).collect();
        match PENDING.lock() {
            Ok(mut pending) => {
                pending.insert(token, Pending { reply, returns });
            }
            Err(_) => {
                reply.fail("the table of pending calls is poisoned".into());
                return;
            }
        }
        let call = UdfCall {
            token,
            rows,
            columns,
        };
        let status = driver.call_with_return_value(
            call,
            ThreadsafeFunctionCallMode::NonBlocking,
            move |result: Result<Unknown<'static>>, _env| {
                if let Err(error) = result {
                    if let Some(pending) = take_pending(token) {
                        pending
                            .reply
                            .fail(format!("the function driver threw: {}", error.reason));
                    }
                }
                Ok(())
            },
        );
        if status != Status::Ok {
            if let Some(pending) = take_pending(token) {
                pending
                    .reply
                    .fail(format!("could not call into JavaScript ({status})"));
            }
        }
    }
}

/// Answers a batch with one result per row: `numbers` (with `valid`, 0 = null), or `text`
/// (all strings concatenated) with `lengths` (UTF-16 units per row) and `valid`, or `json` (a
/// JSON array of values in the plan's value form); plus `errors`, a JSON array of
/// `[row, message]` pairs for rows that failed. Called by the JS driver; returns at once, the
/// decoding happens on the engine worker.
#[napi]
pub fn udf_reply(
    token: u32,
    numbers: Option<Float64Array>,
    json: Option<String>,
    errors: Option<String>,
    valid: Option<Uint8Array>,
    text: Option<String>,
    lengths: Option<Uint32Array>,
) {
    let Some(pending) = take_pending(token) else {
        return;
    };
    let numbers = numbers.map(|n| n.to_vec());
    let valid = valid.map(|v| v.to_vec());
    let lengths = lengths.map(|l| l.to_vec());
    let returns = pending.returns;
    pending.reply.send(Box::new(move || {
        let mut outcomes: Vec<UdfOutcome> = match (numbers, text, lengths, json) {
            (Some(numbers), ..) => decode_numbers(numbers, valid, &returns),
            (None, Some(text), Some(lengths), _) => decode_text(text, lengths, valid)?,
            (None, _, _, Some(json)) => serde_json::from_str::<Vec<Value>>(&json)
                .map_err(|e| format!("the results could not be read: {e}"))?
                .into_iter()
                .map(Ok)
                .collect(),
            _ => return Err("the function returned no results".into()),
        };
        if let Some(errors) = errors {
            let failed: Vec<(usize, String)> = serde_json::from_str(&errors)
                .map_err(|e| format!("the errors could not be read: {e}"))?;
            for (row, message) in failed {
                if let Some(slot) = outcomes.get_mut(row) {
                    *slot = Err(message);
                }
            }
        }
        Ok(outcomes)
    }));
}
