//! The Kafka change-log sink: one JSON message per change (columns, `time`, `diff`), keyed by
//! a column's text when asked; each time's messages are flushed and their delivery confirmed
//! before the engine goes on. The `raw` format writes the text of the `data` column of each
//! insertion as is (for append-only tables: retractions are not written).

use std::sync::Mutex;
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use tributary_engine::connector::{Sink, SinkError};
use tributary_engine::{DType, Diff, Key, Row, Time};

use super::connect::topic_partitions;
use super::options::{base_config, KafkaSinkOptions};
use crate::sink::format::{write_json, write_json_str, write_text};

/// Collects the first failed delivery of the messages in flight.
#[derive(Default)]
struct DeliveryContext {
    failed: Mutex<Option<String>>,
}

impl ClientContext for DeliveryContext {}

impl ProducerContext for DeliveryContext {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((error, _)) = result {
            if let Ok(mut failed) = self.failed.lock() {
                failed.get_or_insert_with(|| error.to_string());
            }
        }
    }
}

/// Opens a Kafka sink for an output with these columns; waits up to `timeout_ms` for the
/// brokers to answer, then fails naming them.
pub fn open_kafka_sink(
    options: &KafkaSinkOptions<'_>,
    columns: &[String],
    dtypes: &[DType],
) -> Result<Box<dyn Sink>, SinkError> {
    let _ = dtypes;
    let name = format!("kafka topic `{}` on {}", options.topic, options.brokers);
    let fail = |message: String| SinkError {
        sink_name: name.clone(),
        message,
    };
    let raw = match options.format {
        "json" => None,
        "raw" => Some(
            columns
                .iter()
                .position(|c| c == "data")
                .ok_or_else(|| fail("the raw format writes a `data` column".into()))?,
        ),
        other => return Err(fail(format!("unknown format `{other}` (json | raw)"))),
    };
    let key = match options.key {
        None => None,
        Some(column) => Some(
            columns
                .iter()
                .position(|c| c == column)
                .ok_or_else(|| fail(format!("key column `{column}` is not a column")))?,
        ),
    };
    let mut config = base_config(options.brokers, options.settings);
    config
        .set("message.timeout.ms", options.timeout_ms.max(1).to_string())
        .set("queue.buffering.max.messages", "1000000")
        .set("linger.ms", "5");
    for (k, v) in options.settings {
        config.set(k, v);
    }
    let producer: BaseProducer<DeliveryContext> = config
        .create_with_context(DeliveryContext::default())
        .map_err(|e| fail(format!("cannot create a Kafka producer: {e}")))?;
    topic_partitions(producer.client(), options.brokers, None, options.timeout_ms).map_err(fail)?;
    let fields = columns
        .iter()
        .map(String::as_str)
        .chain(["time", "diff"])
        .enumerate()
        .map(|(i, name)| {
            let mut field = vec![if i == 0 { b'{' } else { b',' }];
            write_json_str(&mut field, name);
            field.push(b':');
            field
        })
        .collect();
    Ok(Box::new(KafkaSink {
        name,
        topic: options.topic.to_string(),
        producer,
        fields,
        key,
        raw,
        flush_timeout: Duration::from_millis(options.timeout_ms.max(1)) + Duration::from_secs(5),
        payload: Vec::with_capacity(256),
        key_text: Vec::new(),
    }))
}

/// Writes changes to one topic.
struct KafkaSink {
    name: String,
    topic: String,
    producer: BaseProducer<DeliveryContext>,
    /// `{"col1":`, `,"col2":`, …, `,"time":`, `,"diff":` prepared once.
    fields: Vec<Vec<u8>>,
    key: Option<usize>,
    /// Raw format: the column written as the payload.
    raw: Option<usize>,
    flush_timeout: Duration,
    payload: Vec<u8>,
    key_text: Vec<u8>,
}

impl KafkaSink {
    fn fail(&self, message: String) -> SinkError {
        SinkError {
            sink_name: self.name.clone(),
            message,
        }
    }

    fn encode(&mut self, time: Time, row: &Row, diff: Diff) {
        let n = self.fields.len() - 2;
        let payload = &mut self.payload;
        payload.clear();
        self.key_text.clear();
        if let Some(k) = self.key {
            write_text(&mut self.key_text, &row[k]);
        }
        if let Some(data) = self.raw {
            write_text(payload, &row[data]);
            return;
        }
        for (field, value) in self.fields.iter().zip(row.iter()) {
            payload.extend_from_slice(field);
            write_json(payload, value);
        }
        payload.extend_from_slice(&self.fields[n]);
        payload.extend_from_slice(time.to_string().as_bytes());
        payload.extend_from_slice(&self.fields[n + 1]);
        payload.extend_from_slice(diff.to_string().as_bytes());
        payload.push(b'}');
    }

    /// Queues the current payload, waiting for room when the local queue is full.
    fn send(&self) -> Result<(), SinkError> {
        loop {
            let mut record: BaseRecord<'_, [u8], [u8]> =
                BaseRecord::to(&self.topic).payload(&self.payload[..]);
            if self.key.is_some() {
                record = record.key(&self.key_text[..]);
            }
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                    self.producer.poll(Duration::from_millis(10));
                }
                Err((e, _)) => return Err(self.fail(format!("cannot send a message: {e}"))),
            }
        }
    }

    /// Waits until every queued message is delivered (or failed).
    fn confirm(&self) -> Result<(), SinkError> {
        let flushed = self.producer.flush(self.flush_timeout);
        let failed = self
            .producer
            .context()
            .failed
            .lock()
            .ok()
            .and_then(|mut f| f.take());
        if let Some(error) = failed {
            return Err(self.fail(format!("delivery failed: {error}")));
        }
        flushed.map_err(|e| self.fail(format!("delivery not confirmed: {e}")))
    }
}

impl Sink for KafkaSink {
    fn write_time(&mut self, time: Time, changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        let ordered = changes
            .iter()
            .filter(|c| c.2 < 0)
            .chain(changes.iter().filter(|c| c.2 >= 0));
        for (_, row, diff) in ordered {
            if self.raw.is_some() && *diff < 0 {
                continue;
            }
            self.encode(time, row, *diff);
            self.send()?;
        }
        self.confirm()
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.confirm()
    }
}
