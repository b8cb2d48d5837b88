//! Persistence: every named source logs, per commit, the rows it fed and its reader's
//! offsets; a restarted run replays the log and the readers resume after their offsets.
//!
//! Layout of a state directory:
//! - `meta.json`: format version, worker count, pipeline and source fingerprints
//!   ([`fingerprint`]); a different pipeline is refused.
//! - `outputs.frontier`: the latest time every output has written ([`frontier`]).
//! - `sources/<name>-<hash>/w<share>-of-<shares>/`: one directory per source share (each
//!   worker logs its own share; keyed sources are read and logged by worker 0), holding log
//!   segments and a snapshot ([`share`]).
//! - `udf-cache/`: left to the UDF layer ([`udf_cache_dir`]).
//!
//! Times: replayed commits keep their original times (the new run's times, from the wall
//! clock, are later). A replayed time up to the outputs' frontier is not written to the
//! outputs again; later replayed times are, with the same changes as before (the inputs at
//! each time are the same), so change-log outputs see every change at least once and keyed
//! outputs end exactly as an uninterrupted run. A snapshot only ever covers times up to the
//! frontier, so consolidating it loses nothing the outputs still need.

pub mod codec;
pub mod fingerprint;
pub mod frame;
pub mod frontier;
pub mod share;
mod store;

pub use store::{SourceLog, Store};

use std::path::{Path, PathBuf};

/// How a run persists its state.
#[derive(Clone, Debug)]
pub struct PersistConfig {
    /// The state directory (created when missing).
    pub dir: PathBuf,
    /// How often the log is consolidated into a snapshot (ms).
    pub snapshot_interval_ms: u64,
}

/// The directory given to the UDF layer for its on-disk cache: `<state dir>/udf-cache`.
pub fn udf_cache_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("udf-cache")
}

/// Why persisted state cannot be used or written.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// The pipeline (or worker count, or format) differs from the one that wrote the state.
    #[error("persistence: the pipeline changed since the state was written: {0}; use a new persistence directory (or delete the old one) to start over")]
    Changed(String),
    /// A state file is damaged in a way that a crash cannot explain.
    #[error(
        "persistence: source `{source_name}`: file `{file}` is corrupted or truncated: {message}"
    )]
    Corrupt {
        /// The source whose state is damaged.
        source_name: String,
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing failed.
    #[error("persistence: {0}")]
    Io(String),
    /// The plan cannot be persisted as it is.
    #[error("persistence: {0}")]
    Plan(String),
}

#[cfg(test)]
mod tests;
