//! The napi-rs addon: receives a plan from TypeScript, runs it on the engine off the JS thread,
//! and hands results back. Marshalling only; no dataflow logic lives here.

mod encode;
mod environment;
mod sinks;
pub mod udf;

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use tributary_engine::plan::Plan;
use tributary_engine::runtime::{self, RunOptions};
use tributary_engine::EngineError;

use crate::environment::NodeEnvironment;

/// The engine allocates and frees many small rows; mimalloc handles that far better than the
/// system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Options of `runPlan`.
#[napi(object)]
pub struct NativeRunOptions {
    /// Timely worker threads in this process.
    pub threads: u32,
}

/// The engine's version.
#[napi]
pub fn engine_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Runs a plan (JSON) to completion on a background thread; resolves with the collected
/// outputs as JSON (`{"collected": {"<id>": [[id, cells, time, diff], ...]}}`).
/// `udfs[i]` is the JS driver of the plan's user function `i` (see `udf.rs`).
#[napi(ts_return_type = "Promise<string>")]
pub fn run_plan<'env>(
    env: &'env Env,
    plan_json: String,
    options: NativeRunOptions,
    udfs: Option<Vec<Function<'env, udf::DriverArgs, Unknown<'static>>>>,
) -> Result<Object<'env>> {
    let plan: Plan = serde_json::from_str(&plan_json).map_err(|e| {
        Error::from_reason(format!("[TRIBUTARY_PLAN] the plan could not be read: {e}"))
    })?;
    let runner = match udfs {
        Some(udfs) if !udfs.is_empty() => Some(Arc::new(udf::NodeUdfRunner::new(&plan, udfs)?)),
        _ => None,
    };
    let (deferred, promise) = env.create_deferred()?;
    let threads = options.threads.max(1) as usize;
    std::thread::Builder::new()
        .name("tributary-run".into())
        .spawn(move || {
            let environment = Arc::new(NodeEnvironment {
                udfs: runner.map(|r| r as Arc<dyn tributary_engine::udf::UdfRunner>),
                ..NodeEnvironment::default()
            });
            let collected = environment.collected.clone();
            let outcome = runtime::run(Arc::new(plan), RunOptions { threads }, environment);
            match outcome {
                Ok(()) => {
                    // Encode here, off the JS thread; the resolver only hands the string over.
                    let json = encode::collected_to_json(&collected);
                    deferred.resolve(move |_env| Ok(json))
                }
                Err(error) => deferred.reject(Error::from_reason(format!(
                    "[{}] {error}",
                    error_code(&error)
                ))),
            }
        })
        .map_err(|e| {
            Error::from_reason(format!(
                "[TRIBUTARY_RUNTIME] could not start the engine thread: {e}"
            ))
        })?;
    Ok(promise)
}

/// The code carried in brackets at the start of a rejected run's message.
fn error_code(error: &EngineError) -> &'static str {
    match error {
        EngineError::Plan(_) => "TRIBUTARY_PLAN",
        EngineError::Source(_) => "TRIBUTARY_SOURCE",
        EngineError::Sink(_) => "TRIBUTARY_SINK",
        EngineError::Worker(_) => "TRIBUTARY_WORKER",
    }
}
