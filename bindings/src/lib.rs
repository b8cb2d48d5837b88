//! The napi-rs addon: receives a plan from TypeScript, runs it on the engine off the JS thread,
//! and hands results back. Marshalling only; no dataflow logic lives here.

mod allocator;
mod channel;
mod columnar;
mod encode;
mod environment;
mod monitor;
mod runs;
mod sinks;
mod staged;
mod subscribe;
pub mod udf;
mod udf_columns;

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use tributary_engine::plan::Plan;
use tributary_engine::runtime::{self, RunOptions, RunStats};
use tributary_engine::EngineError;

use crate::environment::NodeEnvironment;

/// The engine allocates and frees many small rows; mimalloc handles that far better than the
/// system allocator.
#[global_allocator]
static GLOBAL: allocator::EngineAllocator = allocator::EngineAllocator;

/// Options of `runPlan`.
#[napi(object)]
pub struct NativeRunOptions {
    /// Timely worker threads in this process.
    pub threads: u32,
    /// A caller-chosen id under which `stopRun` can stop this run.
    pub run_id: Option<u32>,
    /// `"dashboard"`, `"log"` or `"none"` (default).
    pub monitoring: Option<String>,
    /// Serve Prometheus metrics on 127.0.0.1 at this port while the run lasts.
    pub metrics_port: Option<u32>,
    /// Persist the sources' input and offsets (`tb.persistence.config`).
    pub persistence: Option<NativePersistence>,
}

/// Persistence settings of a run.
#[napi(object)]
pub struct NativePersistence {
    /// The state directory.
    pub dir: String,
    /// How often the log is consolidated into a snapshot (ms).
    pub snapshot_interval_ms: u32,
}

/// The directory the UDF layer may use for its on-disk cache when a run persists to `dir`
/// (`<dir>/udf-cache`).
#[napi]
pub fn persistence_udf_cache_dir(dir: String) -> String {
    tributary_engine::persist::udf_cache_dir(std::path::Path::new(&dir))
        .to_string_lossy()
        .into_owned()
}

/// Asks the run registered under `run_id` to stop: its sources close and its outputs are
/// flushed; the run's promise then resolves. Unknown ids are ignored.
#[napi]
pub fn stop_run(run_id: u32) {
    runs::stop(run_id);
}

/// The engine's version.
#[napi]
pub fn engine_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Runs a plan (JSON) to completion on a background thread; resolves with the collected
/// outputs as JSON (`{"collected": {"<id>": [[id, cells, time, diff], ...]}}`).
/// `on_event` receives subscribe events as JSON text (see `subscribe.rs`).
/// `udfs[i]` is the JS driver of the plan's user function `i` (see `udf.rs`).
#[napi(ts_return_type = "Promise<string>")]
pub fn run_plan<'env>(
    env: &'env Env,
    plan_json: String,
    options: NativeRunOptions,
    #[napi(ts_arg_type = "((event: string | Buffer) => void) | undefined | null")] on_event: Option<
        Function<'env, subscribe::Event, ()>,
    >,
    udfs: Option<Vec<Function<'env, udf::DriverArgs, Unknown<'static>>>>,
) -> Result<Object<'env>> {
    let plan: Plan = serde_json::from_str(&plan_json).map_err(|e| {
        Error::from_reason(format!("[TRIBUTARY_PLAN] the plan could not be read: {e}"))
    })?;
    let events = on_event
        .map(|f| subscribe::EventChannel::new(&f))
        .transpose()?;
    let runner = match udfs {
        Some(udfs) if !udfs.is_empty() => Some(Arc::new(udf::NodeUdfRunner::new(&plan, udfs)?)),
        _ => None,
    };
    let (deferred, promise) = env.create_deferred()?;
    let threads = options.threads.max(1) as usize;
    let registration = runs::register(options.run_id);
    let stop = registration.flag();
    let mode = monitor::Mode::parse(options.monitoring.as_deref())
        .map_err(|m| Error::from_reason(format!("[TRIBUTARY_OPTIONS] {m}")))?;
    let metrics_port = options
        .metrics_port
        .map(|p| {
            u16::try_from(p).map_err(|_| {
                Error::from_reason(format!("[TRIBUTARY_OPTIONS] metricsPort {p} is not a port"))
            })
        })
        .transpose()?;
    let persistence = options
        .persistence
        .map(|p| tributary_engine::persist::PersistConfig {
            dir: p.dir.into(),
            snapshot_interval_ms: u64::from(p.snapshot_interval_ms),
        });
    let stats = Arc::new(RunStats::for_plan(&plan));
    let monitor = monitor::start(stats.clone(), mode, metrics_port).map_err(|e| {
        Error::from_reason(format!(
            "[TRIBUTARY_OPTIONS] monitoring could not start: {e}"
        ))
    })?;
    std::thread::Builder::new()
        .name("tributary-run".into())
        .spawn(move || {
            let _registration = registration;
            let _monitor = monitor;
            let environment = Arc::new(NodeEnvironment::new(
                events,
                runner.map(|r| r as Arc<dyn tributary_engine::udf::UdfRunner>),
            ));
            let collected = environment.collected.clone();
            let outcome = runtime::run(
                Arc::new(plan),
                RunOptions {
                    threads,
                    stop,
                    stats: Some(stats),
                    persistence,
                },
                environment,
            );
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
        EngineError::Persistence(_) => "TRIBUTARY_PERSISTENCE",
    }
}
