//! Sinks owned by the bindings: in-memory collection (for `tb.debug.*`) and the null sink.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tributary_engine::connector::{Sink, SinkError};
use tributary_engine::{Diff, Key, Row, Time};

/// Changes collected per `Collect` sink id.
pub type Collected = Arc<Mutex<BTreeMap<u32, Vec<(Key, Row, Time, Diff)>>>>;

/// Appends every change to the shared collection under its sink id; in snapshot mode keeps
/// only the final state (each live row once, with its multiplicity as the diff).
pub struct CollectSink {
    /// The sink id the TypeScript side asked for.
    pub id: u32,
    /// Where the changes go.
    pub collected: Collected,
    /// The live state, when only the final state is wanted.
    pub snapshot: Option<HashMap<(Key, Row), (Time, Diff)>>,
}

impl CollectSink {
    fn store(
        &self,
        changes: impl Iterator<Item = (Key, Row, Time, Diff)>,
    ) -> Result<(), SinkError> {
        let mut all = self.collected.lock().map_err(|_| SinkError {
            sink_name: format!("collect#{}", self.id),
            message: "the collection lock was poisoned".into(),
        })?;
        all.entry(self.id).or_default().extend(changes);
        Ok(())
    }
}

impl Sink for CollectSink {
    fn write_time(&mut self, time: Time, changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        let Some(state) = self.snapshot.as_mut() else {
            return self.store(
                changes
                    .iter()
                    .map(|(key, row, diff)| (*key, row.clone(), time, *diff)),
            );
        };
        for (key, row, diff) in changes {
            let entry = (*key, row.clone());
            let slot = state.entry(entry.clone()).or_insert((time, 0));
            slot.0 = time;
            slot.1 += diff;
            if slot.1 == 0 {
                state.remove(&entry);
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        if let Some(state) = self.snapshot.take() {
            self.store(
                state
                    .into_iter()
                    .map(|((key, row), (time, diff))| (key, row, time, diff)),
            )?;
        }
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
