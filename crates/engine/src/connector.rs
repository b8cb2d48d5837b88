//! The traits through which the engine reads sources and writes sinks. Connectors and the
//! Node bindings implement them; the engine never does I/O itself.

use crate::error::ErrorEntry;
use crate::value::{Diff, Key, Row, Time};

/// What a source reports after a poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceStatus {
    /// Updates were produced and more may follow right away.
    Data,
    /// Updates were produced and the reader has read everything available now (a live source
    /// at the end of its input): the open commit need not wait for it.
    CaughtUp,
    /// The updates produced so far form a finished commit: close the current time.
    Commit,
    /// Nothing new right now (streaming sources); poll again later.
    Idle,
    /// The source is exhausted; everything it produced is final.
    Finished,
}

/// A reader of one share of a source. Each worker owns the readers of its share
/// (e.g. the files assigned to it); the engine polls them from the worker thread.
pub trait SourceReader: Send {
    /// Appends up to about `max` updates to `out`; bad input goes to `errors` as entries
    /// (and as error values in cells), never as a failure. `Err` is for fatal I/O problems.
    fn poll(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> Result<SourceStatus, SourceError>;

    /// Persistence: the reader's position after everything it has produced so far, as opaque
    /// bytes (a file offset, a Kafka offset per partition, a replication LSN…). The engine
    /// calls it when a commit closes and logs it together with the commit's rows; `None`
    /// (the default) means the reader cannot resume, so it is not persisted and reads its
    /// input from the start on every run.
    fn offsets(&self) -> Option<Vec<u8>> {
        None
    }

    /// Persistence: called once, before the first poll, when a previous run logged
    /// `offsets` for this reader. `live` holds the rows of this reader's share that are
    /// live after replaying the log (the engine has already fed them to the dataflow); a
    /// reader that must retract rows later (a file rewritten while the pipeline was down)
    /// can find them there. The reader continues right after `offsets`.
    fn resume(&mut self, offsets: &[u8], live: &[(Key, Row)]) -> Result<(), SourceError> {
        let _ = (offsets, live);
        Ok(())
    }
    /// Everything this reader has produced so far belongs to times at most `time`: the engine
    /// is closing `time` for this source (called before its input moves past `time`).
    /// Readers that acknowledge input upstream remember their position here.
    fn seal(&mut self, _time: Time) {}

    /// Every output has finished every time up to `time` (sinks have written and confirmed
    /// it): input sealed at those times has been taken by the engine and may be acknowledged
    /// upstream (e.g. Kafka offsets committed). Called as outputs progress and once more,
    /// with `Time::MAX`, after a closed or stopped source's last time is complete.
    fn committed(&mut self, _time: Time) {}

    /// Persistence: the run persists this reader's input and offsets (called once, before
    /// [`SourceReader::resume`] and the first poll, on the first run as on later ones). A
    /// reader that keeps state on a server for later runs (a replication slot) keeps it.
    fn persisting(&mut self) {}
}

/// A writer of one output. Sinks run on worker 0; they receive the consolidated changes of
/// each closed time, in time order.
pub trait Sink: Send {
    /// Writes the changes of one closed time (retractions before insertions within a key).
    fn write_time(&mut self, time: Time, changes: &[(Key, Row, Diff)]) -> Result<(), SinkError>;
    /// Called once after the last time, when the inputs are exhausted.
    fn finish(&mut self) -> Result<(), SinkError>;

    /// Persistence: how far the sink's output reaches after everything written so far (a
    /// file's length, flushed and synced), or `None` (the default) for a sink that cannot
    /// continue an earlier run's output. The engine records it with the outputs' frontier
    /// and reopens the sink with [`SinkStart::Resume`] at the recorded position.
    fn position(&mut self) -> Result<Option<u64>, SinkError> {
        Ok(None)
    }
}

/// Where a sink starts writing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SinkStart {
    /// From scratch (a file is created or truncated): always without persistence, and on
    /// the first run of a persisted pipeline.
    #[default]
    Fresh,
    /// Continuing an earlier run: cut the output back to this [`Sink::position`] (what the
    /// outputs had written when their frontier was last recorded) and append after it.
    Resume(u64),
}

/// A fatal source failure (the file vanished, the server refused us…).
#[derive(Debug, thiserror::Error)]
#[error("source `{source_name}`: {message}")]
pub struct SourceError {
    /// The source's name.
    pub source_name: String,
    /// What went wrong.
    pub message: String,
}

/// A fatal sink failure.
#[derive(Debug, thiserror::Error)]
#[error("output `{sink_name}`: {message}")]
pub struct SinkError {
    /// The sink's description (path, topic…).
    pub sink_name: String,
    /// What went wrong.
    pub message: String,
}
