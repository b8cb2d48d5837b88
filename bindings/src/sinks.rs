//! Sinks owned by the bindings: in-memory collection (for `tb.debug.*`) and the null sink.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tributary_engine::connector::{Sink, SinkError};
use tributary_engine::{Diff, Key, Row, Time};

/// Changes collected per `Collect` sink id.
pub type Collected = Arc<Mutex<BTreeMap<u32, Vec<(Key, Row, Time, Diff)>>>>;

/// Appends every change to the shared collection under its sink id.
pub struct CollectSink {
    /// The sink id the TypeScript side asked for.
    pub id: u32,
    /// Where the changes go.
    pub collected: Collected,
}

impl Sink for CollectSink {
    fn write_time(&mut self, time: Time, changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        let mut all = self.collected.lock().map_err(|_| SinkError {
            sink_name: format!("collect#{}", self.id),
            message: "the collection lock was poisoned".into(),
        })?;
        let entry = all.entry(self.id).or_default();
        entry.extend(
            changes
                .iter()
                .map(|(key, row, diff)| (*key, row.clone(), time, *diff)),
        );
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Discards everything (`tb.io.null.write`).
pub struct NullSink;

impl Sink for NullSink {
    fn write_time(&mut self, _time: Time, _changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}
