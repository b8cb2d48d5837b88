//! The engine's host environment inside Node: which connector opens which source or sink.

use std::collections::HashMap;
use std::sync::Arc;

use tributary_engine::connector::{Sink, SinkError, SinkStart, SourceError, SourceReader};
use tributary_engine::plan::{Node, Output, SinkSpec, SourceSpec};
use tributary_engine::runtime::Environment;
use tributary_engine::udf::UdfRunner;

use crate::channel::{ChannelReader, NoShare};
use crate::sinks::{CollectSink, Collected, NullSink};
use crate::staged::StagedReader;
use crate::subscribe::{EventChannel, SubscribeSink};

/// Connectors available to plans run from Node.
#[derive(Default)]
pub struct NodeEnvironment {
    /// Changes gathered by `Collect` sinks.
    pub collected: Collected,
    /// The JS handler of subscribe events, when the run has subscribers.
    events: Option<EventChannel>,
    /// The run's user functions, when the plan has any.
    pub udfs: Option<Arc<dyn UdfRunner>>,
}

impl NodeEnvironment {
    /// An environment whose subscribe sinks send to `events` and whose user functions run on
    /// `udfs`.
    pub fn new(events: Option<EventChannel>, udfs: Option<Arc<dyn UdfRunner>>) -> NodeEnvironment {
        NodeEnvironment {
            collected: Collected::default(),
            events,
            udfs,
        }
    }
}

impl Environment for NodeEnvironment {
    fn udf_runner(&self) -> Option<Arc<dyn UdfRunner>> {
        self.udfs.clone()
    }

    fn open_source(
        &self,
        node: &Node,
        spec: &SourceSpec,
        worker: usize,
        peers: usize,
    ) -> Result<Box<dyn SourceReader>, SourceError> {
        match spec.kind.as_str() {
            "staged" => {
                let id = spec
                    .options
                    .get("stage")
                    .and_then(|c| c.as_u64())
                    .unwrap_or(0);
                Ok(Box::new(StagedReader::open(
                    &spec.name, id as u32, worker, peers,
                )?))
            }
            "custom" if worker > 0 => Ok(Box::new(NoShare)),
            "custom" => {
                let id = spec
                    .options
                    .get("channel")
                    .and_then(|c| c.as_u64())
                    .ok_or_else(|| SourceError {
                        source_name: spec.name.clone(),
                        message: "a custom source needs its channel".into(),
                    })?;
                let reader = ChannelReader::open(
                    &spec.name,
                    id as u32,
                    &node.columns,
                    &node.dtypes,
                    &spec.primary_key,
                )?;
                Ok(Box::new(reader))
            }
            "kafka" => tributary_connectors::open_kafka_source(
                spec,
                &node.columns,
                &node.dtypes,
                worker,
                peers,
            ),
            "csv" | "jsonlines" | "plaintext" => tributary_connectors::open_file_source(
                spec,
                &node.columns,
                &node.dtypes,
                worker,
                peers,
            ),
            "postgres" => tributary_connectors::open_postgres_source(
                spec,
                &node.columns,
                &node.dtypes,
                worker,
                peers,
            ),
            "fs" => tributary_connectors::open_fs_source(
                spec,
                &node.columns,
                &node.dtypes,
                worker,
                peers,
            ),
            other => Err(SourceError {
                source_name: spec.name.clone(),
                message: format!("unknown source kind `{other}`"),
            }),
        }
    }

    fn open_sink_at(
        &self,
        position: usize,
        output: &Output,
        node: &Node,
        start: SinkStart,
    ) -> Result<Box<dyn Sink>, SinkError> {
        match (&output.sink, start) {
            (SinkSpec::File { kind, path }, start) => {
                tributary_connectors::open_file_sink(kind, path, &node.columns, &node.dtypes, start)
            }
            (_, SinkStart::Fresh) => self.open_sink(position, output, node),
            (_, SinkStart::Resume(_)) => Err(SinkError {
                sink_name: format!("output #{position}"),
                message: "only file outputs continue across restarts".into(),
            }),
        }
    }

    fn open_sink(
        &self,
        position: usize,
        output: &Output,
        node: &Node,
    ) -> Result<Box<dyn Sink>, SinkError> {
        match &output.sink {
            SinkSpec::Collect { id, snapshot } => Ok(Box::new(CollectSink {
                id: *id,
                collected: self.collected.clone(),
                snapshot: snapshot.then(HashMap::new),
            })),
            SinkSpec::File { kind, path } => tributary_connectors::open_file_sink(
                kind,
                path,
                &node.columns,
                &node.dtypes,
                SinkStart::Fresh,
            ),
            SinkSpec::Null => Ok(Box::new(NullSink)),
            SinkSpec::Postgres {
                connection_string,
                table_name,
                mode,
                primary_key,
                init,
            } => tributary_connectors::open_postgres_sink(
                &tributary_connectors::PostgresSinkOptions {
                    connection_string,
                    table_name,
                    mode,
                    primary_key,
                    init,
                },
                &node.columns,
                &node.dtypes,
            ),
            SinkSpec::Kafka {
                brokers,
                topic,
                format,
                key,
                timeout_ms,
                settings,
            } => tributary_connectors::open_kafka_sink(
                &tributary_connectors::KafkaSinkOptions {
                    brokers,
                    topic,
                    format,
                    key: key.as_deref(),
                    timeout_ms: timeout_ms.unwrap_or(tributary_connectors::KAFKA_TIMEOUT_MS),
                    settings,
                },
                &node.columns,
                &node.dtypes,
            ),
            SinkSpec::Subscribe { id, columnar } => match &self.events {
                Some(channel) => Ok(Box::new(SubscribeSink {
                    id: *id,
                    channel: channel.clone(),
                    columns: columnar.then_some(node.columns.len()),
                })),
                None => Err(SinkError {
                    sink_name: format!("output #{position}"),
                    message: "a subscribe output needs an event handler".into(),
                }),
            },
        }
    }
}
