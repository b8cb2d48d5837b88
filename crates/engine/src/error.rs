//! Engine errors (typed, for the program and the run) and error-log entries (for bad data).

use serde::{Deserialize, Serialize};

/// One entry of the global error log: bad data never stops the pipeline, it lands here.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ErrorEntry {
    /// The operator or source that met the problem (e.g. `select`, `csv:orders`).
    pub operator: String,
    /// What went wrong, naming the column/value where known.
    pub message: String,
    /// The row concerned: its input position (`file:line`) for sources, its id and cells
    /// for operators.
    pub row: String,
    /// The user's call that built the operator or source (`file:line:col`), when known.
    pub trace: String,
}

/// Errors that end a run or reject a plan.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The plan is malformed (the TypeScript layer should have caught this).
    #[error("invalid plan: {0}")]
    Plan(String),
    /// A source failed fatally.
    #[error(transparent)]
    Source(#[from] crate::connector::SourceError),
    /// A sink failed fatally.
    #[error(transparent)]
    Sink(#[from] crate::connector::SinkError),
    /// The persisted state cannot be used (changed pipeline, corrupted or truncated file) or
    /// cannot be written.
    #[error(transparent)]
    Persistence(#[from] crate::persist::PersistError),
    /// Timely could not start or a worker panicked.
    #[error("worker failure: {0}")]
    Worker(String),
}
