//! Kafka: a streaming source (`tb.io.kafka.read`) whose partitions are spread over the
//! workers, and a change-log sink (`tb.io.kafka.write`), both on librdkafka (`rdkafka`).
//!
//! Source: worker `w` of `p` reads the partitions `i` with `i % p == w` (manual assignment,
//! no group rebalancing); it starts at the group's committed offsets (else `startFrom`) and
//! commits offsets back to the broker only once every output has finished the time that
//! contains them ([`SourceReader::committed`](tributary_engine::connector::SourceReader)).
//! With persistence the offsets logged with each commit win: a restarted run seeks its
//! partitions to them (the others start as above), so replayed messages are not read again.
//! Row ids without a primary key are `Key::for_position(xxh3("topic:partition"), offset)`.
//!
//! Sink: every change becomes one JSON message (the columns, `time`, `diff`), keyed by a
//! column when asked; each time is flushed and its delivery reports awaited before the
//! engine goes on, so a failed delivery fails the run.

mod connect;
mod decode;
mod group_offsets;
mod options;
mod reader;
mod resume;
mod writer;

pub use options::{
    KafkaSinkOptions, KafkaSourceOptions, DEFAULT_CONNECT_TIMEOUT_MS as KAFKA_TIMEOUT_MS,
};
pub use reader::open_kafka_source;
pub use writer::open_kafka_sink;

#[cfg(test)]
mod tests;
