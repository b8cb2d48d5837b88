//! The engine's host environment inside Node: which connector opens which source or sink.

use std::collections::HashMap;
use std::sync::Arc;

use tributary_engine::connector::{Sink, SinkError, SourceError, SourceReader};
use tributary_engine::plan::{Node, Output, SinkSpec, SourceSpec};
use tributary_engine::runtime::Environment;
use tributary_engine::udf::UdfRunner;

use crate::sinks::{CollectSink, Collected, NullSink};

/// Connectors available to plans run from Node.
#[derive(Default)]
pub struct NodeEnvironment {
    /// Changes gathered by `Collect` sinks.
    pub collected: Collected,
    /// The run's user functions, when the plan has any.
    pub udfs: Option<Arc<dyn UdfRunner>>,
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
            "csv" | "jsonlines" | "plaintext" => tributary_connectors::open_file_source(
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
            SinkSpec::File { kind, path } => {
                tributary_connectors::open_file_sink(kind, path, &node.columns, &node.dtypes)
            }
            SinkSpec::Null => Ok(Box::new(NullSink)),
            SinkSpec::Subscribe { .. } => Err(SinkError {
                sink_name: format!("output #{position}"),
                message: "subscribe is not supported by this engine build yet".into(),
            }),
        }
    }
}
