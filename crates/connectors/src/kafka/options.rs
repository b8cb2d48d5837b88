//! Kafka connector options: parsed from the plan's JSON, turned into librdkafka settings.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;
use serde::Deserialize;

/// How message payloads are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KafkaFormat {
    /// One JSON object per message, fields matched to columns by name.
    Json,
    /// One CSV record per message, fields in column order.
    Csv,
    /// The payload as is, in column `data` (`str` or `bytes`).
    Raw,
}

/// Where a group without committed offsets starts reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StartFrom {
    /// The oldest retained message.
    Earliest,
    /// Only messages produced after the reader started.
    Latest,
}

/// Options of a Kafka source (the `options` of its `SourceSpec`; the topic is its `path`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KafkaSourceOptions {
    /// `host:port[,host:port…]`.
    pub brokers: String,
    /// Consumer group whose committed offsets are resumed and advanced.
    pub group_id: String,
    /// Payload format.
    pub format: KafkaFormat,
    /// Start position when the group has no committed offset.
    #[serde(default = "earliest")]
    pub start_from: StartFrom,
    /// How long to keep trying to reach the brokers at start (ms).
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_ms: u64,
    /// CSV field delimiter (one byte).
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Extra librdkafka settings (`security.protocol`, `ssl.ca.location`, …).
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
}

/// Options of a Kafka sink.
#[derive(Clone, Debug)]
pub struct KafkaSinkOptions<'a> {
    /// `host:port[,host:port…]`.
    pub brokers: &'a str,
    /// Target topic.
    pub topic: &'a str,
    /// Payload format (only `json`).
    pub format: &'a str,
    /// Column whose value (as text) is each message's key.
    pub key: Option<&'a str>,
    /// How long to keep trying to reach the brokers at start, and to wait for the delivery
    /// of one time's messages (ms).
    pub timeout_ms: u64,
    /// Extra librdkafka settings.
    pub settings: &'a BTreeMap<String, String>,
}

fn earliest() -> StartFrom {
    StartFrom::Earliest
}

/// Default time to reach the brokers at start (ms).
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 15_000;

fn default_connect_timeout() -> u64 {
    DEFAULT_CONNECT_TIMEOUT_MS
}

impl KafkaSourceOptions {
    /// Reads the options of a source spec.
    pub fn from_json(options: &serde_json::Value) -> Result<KafkaSourceOptions, String> {
        KafkaSourceOptions::deserialize(options).map_err(|e| format!("invalid Kafka options: {e}"))
    }

    /// The consumer's settings.
    pub(crate) fn consumer_config(&self) -> ClientConfig {
        let mut config = base_config(&self.brokers, &self.settings);
        config
            .set("group.id", &self.group_id)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", "false")
            .set("fetch.wait.max.ms", "100")
            .set(
                "auto.offset.reset",
                match self.start_from {
                    StartFrom::Earliest => "earliest",
                    StartFrom::Latest => "latest",
                },
            );
        for (key, value) in &self.settings {
            config.set(key, value);
        }
        config
    }
}

/// Settings shared by consumers and producers: the brokers, quick reconnection, no noise.
pub(crate) fn base_config(brokers: &str, settings: &BTreeMap<String, String>) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers)
        .set("reconnect.backoff.ms", "50")
        .set("reconnect.backoff.max.ms", "1000")
        .set("socket.connection.setup.timeout.ms", "5000")
        .set("log_level", "3");
    for (key, value) in settings {
        config.set(key, value);
    }
    config
}
