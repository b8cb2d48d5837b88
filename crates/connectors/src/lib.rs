//! Tributary connectors: file sources (`csv`, `jsonlines`, `plaintext`) behind the engine's
//! `SourceReader` trait, change-log file sinks (`csv`, `jsonlines`) behind its `Sink` trait,
//! Kafka (`kafka`) sources and sinks, a PostgreSQL sink, and the cell parsing helpers other
//! connectors reuse.

mod convert;
mod kafka;
mod postgres;
mod sink;
mod source;
#[cfg(test)]
mod testutil;

pub use convert::dtype_name;
pub use convert::json::value_from_json;
pub use convert::text::parse_text_cell;
pub use kafka::{
    open_kafka_sink, open_kafka_source, KafkaSinkOptions, KafkaSourceOptions, KAFKA_TIMEOUT_MS,
};
pub use postgres::{open_postgres_sink, open_postgres_source, PostgresSinkOptions};
pub use sink::open_file_sink;
pub use source::{open_file_source, open_fs_source};
