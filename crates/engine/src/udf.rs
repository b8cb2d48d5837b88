//! The boundary to user functions (`tb.udf`): the engine hands batches of arguments to a
//! [`UdfRunner`] that the host (the Node bindings, or a test) implements, and receives the
//! results later through a [`UdfReply`]. The engine never waits for a reply: the operator that
//! sent the batch is woken when the reply arrives.

use std::sync::mpsc::Sender;

use timely::scheduling::SyncActivator;

use crate::value::Value;

/// The result of one row: its value, or the message of the failure.
pub type UdfOutcome = Result<Value, String>;

/// Turns a host's reply into per-row outcomes. Runs on the engine worker that sent the batch,
/// so decoding costs nothing on the host's (JavaScript) thread. An `Err` fails the whole batch.
pub type UdfDecoder = Box<dyn FnOnce() -> Result<Vec<UdfOutcome>, String> + Send>;

/// Runs user functions for the engine.
pub trait UdfRunner: Send + Sync + 'static {
    /// Starts calling function `udf` on a batch of `rows` rows and returns at once. `args`
    /// holds one column per argument, each with one value per row. `reply` must be answered
    /// exactly once, from any thread, with one outcome per row (dropping it unanswered fails
    /// the batch).
    fn call(&self, udf: u32, rows: usize, args: Vec<Vec<Value>>, reply: UdfReply);
}

/// The channel on which an operator receives `(batch id, decoder)` replies.
pub type ReplySender = Sender<(u64, UdfDecoder)>;

/// Where the result of one batch goes: a channel to the operator plus a thread-safe wake-up.
pub struct UdfReply {
    inner: Option<(u64, ReplySender, SyncActivator)>,
}

impl UdfReply {
    /// A reply slot for batch `batch` of an operator.
    pub fn new(batch: u64, sender: ReplySender, activator: SyncActivator) -> Self {
        UdfReply {
            inner: Some((batch, sender, activator)),
        }
    }

    /// Delivers the batch's result (decoded on the engine worker).
    pub fn send(mut self, decoder: UdfDecoder) {
        self.deliver(decoder);
    }

    /// Fails the whole batch with one message.
    pub fn fail(self, message: String) {
        self.send(Box::new(move || Err(message)));
    }

    fn deliver(&mut self, decoder: UdfDecoder) {
        if let Some((batch, sender, activator)) = self.inner.take() {
            // A closed channel or activator means the run is over: nothing is waiting.
            if sender.send((batch, decoder)).is_ok() {
                let _ = activator.activate();
            }
        }
    }
}

impl Drop for UdfReply {
    fn drop(&mut self) {
        self.deliver(Box::new(|| {
            Err("the function was never called (the host is shutting down)".to_string())
        }));
    }
}
