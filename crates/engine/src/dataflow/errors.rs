//! The worker-local buffer where operators leave error-log entries for bad data.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use crate::error::ErrorEntry;
use crate::value::{Key, Value};

/// Error-log entries produced on this worker and not yet fed to the error-log table.
#[derive(Clone, Default)]
pub struct ErrorBuffer {
    entries: Rc<RefCell<Vec<ErrorEntry>>>,
    /// The run's counter of rows dropped as late by windows, when monitored.
    late: Option<Arc<AtomicU64>>,
}

impl ErrorBuffer {
    /// The same buffer, counting late window rows in `counter`.
    pub fn with_late_counter(mut self, counter: Arc<AtomicU64>) -> ErrorBuffer {
        self.late = Some(counter);
        self
    }

    /// The counter of late window rows, if the run keeps one.
    pub fn late_counter(&self) -> Option<Arc<AtomicU64>> {
        self.late.clone()
    }

    /// A reporter that tags entries with an operator name and the user's call site.
    pub fn reporter(&self, operator: &str, trace: Option<String>) -> Reporter {
        Reporter {
            buffer: self.clone(),
            operator: operator.to_string(),
            trace: trace.unwrap_or_default(),
            scratch: Vec::new(),
            row: String::new(),
        }
    }

    /// Adds entries (from sources).
    pub fn extend(&self, entries: impl IntoIterator<Item = ErrorEntry>) {
        self.entries.borrow_mut().extend(entries);
    }

    /// Takes every buffered entry.
    pub fn drain(&self) -> Vec<ErrorEntry> {
        std::mem::take(&mut *self.entries.borrow_mut())
    }

    /// True when nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.entries.borrow().is_empty()
    }
}

/// Collects expression error messages of one operator and files them as entries.
#[derive(Clone)]
pub struct Reporter {
    buffer: ErrorBuffer,
    operator: String,
    trace: String,
    /// Messages of the evaluation in progress; `flush` files them.
    pub scratch: Vec<String>,
    /// Description of the row being evaluated, for the entries `flush` files.
    row: String,
}

impl Reporter {
    /// Files the messages gathered in `scratch` for the row `key` with cells `cells`.
    pub fn flush_row(&mut self, key: Option<Key>, cells: &[Value]) {
        if self.scratch.is_empty() {
            return;
        }
        self.row = describe_row(key, cells);
        self.flush();
        self.row.clear();
    }

    /// Files the messages gathered in `scratch`.
    pub fn flush(&mut self) {
        if self.scratch.is_empty() {
            return;
        }
        let mut entries = self.buffer.entries.borrow_mut();
        for message in self.scratch.drain(..) {
            entries.push(ErrorEntry {
                operator: self.operator.clone(),
                message,
                row: self.row.clone(),
                trace: self.trace.clone(),
            });
        }
    }

    /// Files one message directly.
    pub fn report(&mut self, message: String) {
        self.scratch.push(message);
        self.flush();
    }
}

/// A short text form of a row for the error log: its id and cells, cut at 200 characters.
pub fn describe_row(key: Option<Key>, cells: &[Value]) -> String {
    let mut text = match key {
        Some(key) => format!("{key} {cells:?}"),
        None => format!("{cells:?}"),
    };
    if text.len() > 200 {
        let mut cut = 200;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}
