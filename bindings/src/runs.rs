//! Running plans by id, so that `stopRun(id)` can reach a run started by `runPlan`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

static RUNS: LazyLock<Mutex<HashMap<u32, Arc<AtomicBool>>>> = LazyLock::new(Default::default);

/// A run's stop flag, registered under its id for as long as this value lives.
pub struct Registration {
    id: Option<u32>,
    flag: Arc<AtomicBool>,
}

impl Registration {
    /// The flag the engine watches.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            if let Ok(mut runs) = RUNS.lock() {
                runs.remove(&id);
            }
        }
    }
}

/// Registers a new run (under `id` when given).
pub fn register(id: Option<u32>) -> Registration {
    let flag = Arc::new(AtomicBool::new(false));
    if let (Some(id), Ok(mut runs)) = (id, RUNS.lock()) {
        runs.insert(id, flag.clone());
    }
    Registration { id, flag }
}

/// Sets the stop flag of run `id`, if it is running.
pub fn stop(id: u32) {
    if let Ok(runs) = RUNS.lock() {
        if let Some(flag) = runs.get(&id) {
            flag.store(true, Ordering::SeqCst);
        }
    }
}
