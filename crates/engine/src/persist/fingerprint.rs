//! The pipeline's fingerprint and the state directory's `meta.json`: the format version, the
//! worker count, a hash of the plan's operators and one hash per source. A state directory
//! written by another pipeline is refused with an error naming what changed.

use std::path::Path;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use super::frame::{self, FORMAT_VERSION};
use super::PersistError;
use crate::plan::{Node, Op, Plan, SinkSpec};

/// What `meta.json` records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// [`FORMAT_VERSION`] of the files.
    pub format_version: u32,
    /// Timely workers: each logs its own share, so the count cannot change.
    pub workers: usize,
    /// Hash of every operator and source (hex).
    pub pipeline: String,
    /// `(source name, hash of its spec and schema)`.
    pub sources: Vec<(String, String)>,
}

/// The JSON of a node without what may change between runs of the same pipeline: the
/// user's call site, the commit interval, and run-local handles of custom sources.
fn stable_json(node: &Node) -> String {
    let mut value = serde_json::to_value(node).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.remove("trace");
    }
    if let Some(source) = value.pointer_mut("/op/Source/source") {
        if let Some(map) = source.as_object_mut() {
            map.remove("autocommit_ms");
        }
        if let Some(options) = source
            .pointer_mut("/options")
            .and_then(|o| o.as_object_mut())
        {
            options.remove("channel");
            options.remove("stage");
        }
    }
    value.to_string()
}

fn hex(hash: u64) -> String {
    format!("{hash:016x}")
}

impl Meta {
    /// The meta of `plan` run on `workers` workers.
    pub fn of(plan: &Plan, workers: usize) -> Meta {
        let mut all = String::new();
        let mut sources = Vec::new();
        for node in &plan.nodes {
            let json = stable_json(node);
            if let Op::Source { source } = &node.op {
                sources.push((source.name.clone(), hex(xxh3_64(json.as_bytes()))));
            }
            all.push_str(&json);
            all.push('\n');
        }
        for output in &plan.outputs {
            let kind = match &output.sink {
                SinkSpec::Collect { .. } => "collect",
                SinkSpec::File { kind, .. } => kind.as_str(),
                SinkSpec::Null => "null",
                SinkSpec::Subscribe { .. } => "subscribe",
                SinkSpec::Postgres { mode, .. } => mode.as_str(),
                SinkSpec::Kafka { .. } => "kafka",
            };
            all.push_str(&format!("output {} {kind}\n", output.node));
        }
        Meta {
            format_version: FORMAT_VERSION,
            workers,
            pipeline: hex(xxh3_64(all.as_bytes())),
            sources,
        }
    }

    /// Checks `self` (this run) against the recorded meta of `dir`, or records it there when
    /// the directory is new.
    pub fn check_or_write(&self, dir: &Path) -> Result<(), PersistError> {
        let path = dir.join("meta.json");
        let io = |e: std::io::Error| PersistError::Io(format!("`{}`: {e}", path.display()));
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir).map_err(io)?;
                let json = serde_json::to_string_pretty(self).unwrap_or_default();
                return frame::write_atomic(&path, json.as_bytes()).map_err(io);
            }
            Err(e) => return Err(io(e)),
        };
        let old: Meta = serde_json::from_str(&text).map_err(|e| PersistError::Corrupt {
            source_name: "(pipeline)".into(),
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        if old.format_version != self.format_version {
            return Err(PersistError::Changed(format!(
                "the state was written with format version {}, this engine reads version {}",
                old.format_version, self.format_version
            )));
        }
        if old.workers != self.workers {
            return Err(PersistError::Changed(format!(
                "the state was written by {} workers, this run has {} (each worker logs its own share)",
                old.workers, self.workers
            )));
        }
        for (name, hash) in &self.sources {
            match old.sources.iter().find(|(n, _)| n == name) {
                None => {
                    return Err(PersistError::Changed(format!(
                        "source `{name}` is new (the state knows {})",
                        names(&old)
                    )))
                }
                Some((_, h)) if h != hash => {
                    return Err(PersistError::Changed(format!(
                        "source `{name}` changed (its format, path, schema or options)"
                    )))
                }
                _ => {}
            }
        }
        if let Some((name, _)) = old
            .sources
            .iter()
            .find(|(n, _)| !self.sources.iter().any(|(m, _)| m == n))
        {
            return Err(PersistError::Changed(format!(
                "source `{name}` is gone from the pipeline"
            )));
        }
        if old.pipeline != self.pipeline {
            return Err(PersistError::Changed(format!(
                "the operators or outputs reading sources {} changed",
                names(self)
            )));
        }
        Ok(())
    }
}

fn names(meta: &Meta) -> String {
    meta.sources
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
