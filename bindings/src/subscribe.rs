//! `tb.io.subscribe`: changes of each closed time are sent to JavaScript as one JSON event
//! through a thread-safe function. A bounded queue makes a slow callback hold back the
//! engine instead of piling up memory.
//!
//! Events: `{"sink":<id>,"time":<t>,"changes":[[id, cells, time, diff], ...]}` per time (or,
//! for columnar subscribers, one binary buffer per time: see `columnar.rs`), and
//! `{"sink":<id>,"end":true}` once the inputs are exhausted.

use napi::bindgen_prelude::{Buffer, Either, Function};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use tributary_engine::connector::{Sink, SinkError};
use tributary_engine::{Diff, Key, Row, Time};

use crate::columnar::encode_batch;
use crate::encode::encode_change;

/// How many undelivered events may wait for the JS thread before the engine waits.
const QUEUE: usize = 64;

/// An event: JSON text, or a columnar batch.
pub type Event = Either<String, Buffer>;

type EventFn = ThreadsafeFunction<Event, (), Event, Status, false, false, QUEUE>;

/// The channel to the JS event handler of a run.
#[derive(Clone)]
pub struct EventChannel {
    function: std::sync::Arc<EventFn>,
}

impl EventChannel {
    /// Wraps the JS handler.
    pub fn new(handler: &Function<'_, Event, ()>) -> napi::Result<EventChannel> {
        let function = handler
            .build_threadsafe_function::<Event>()
            .callee_handled::<false>()
            .max_queue_size::<QUEUE>()
            .build()?;
        Ok(EventChannel {
            function: std::sync::Arc::new(function),
        })
    }

    fn send(&self, event: Event) -> Result<(), String> {
        match self
            .function
            .call(event, ThreadsafeFunctionCallMode::Blocking)
        {
            Status::Ok => Ok(()),
            status => Err(format!(
                "the JavaScript callback could not be called ({status})"
            )),
        }
    }
}

/// Sends an output's changes to the subscriber registered under `id`.
pub struct SubscribeSink {
    /// The subscriber's id on the JS side.
    pub id: u32,
    /// Where events go.
    pub channel: EventChannel,
    /// For columnar subscribers: the number of columns of the table.
    pub columns: Option<usize>,
}

impl SubscribeSink {
    fn fail(&self, message: String) -> SinkError {
        SinkError {
            sink_name: format!("subscribe#{}", self.id),
            message,
        }
    }
}

impl Sink for SubscribeSink {
    fn write_time(&mut self, time: Time, changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        if let Some(columns) = self.columns {
            let batch = encode_batch(self.id, time, columns, changes);
            return self
                .channel
                .send(Either::B(batch.into()))
                .map_err(|m| self.fail(m));
        }
        let mut event = format!("{{\"sink\":{},\"time\":{time},\"changes\":[", self.id);
        for (n, (key, row, diff)) in changes.iter().enumerate() {
            if n > 0 {
                event.push(',');
            }
            encode_change(&mut event, *key, row, time, *diff);
        }
        event.push_str("]}");
        self.channel
            .send(Either::A(event))
            .map_err(|m| self.fail(m))
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        let event = format!("{{\"sink\":{},\"end\":true}}", self.id);
        self.channel
            .send(Either::A(event))
            .map_err(|m| self.fail(m))
    }
}
