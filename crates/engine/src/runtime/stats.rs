//! Live counters of a run, for monitoring: rows read per source, changes written per output,
//! output latency, data errors. Written by the workers, read by a monitor thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::plan::{Op, Plan, SinkSpec};

/// Counters of one source.
#[derive(Debug, Default)]
pub struct SourceCounters {
    /// The source's name.
    pub name: String,
    /// Updates read so far.
    pub rows: AtomicU64,
    /// Commit time of the last update read (ms), 0 before the first.
    pub last_time: AtomicU64,
}

/// Counters of one output.
#[derive(Debug, Default)]
pub struct OutputCounters {
    /// What the output is (kind and path).
    pub name: String,
    /// Changes written so far.
    pub changes: AtomicU64,
    /// The last time written.
    pub last_time: AtomicU64,
    /// Wall-clock ms between a commit's time and its output (last commit).
    pub latency_ms: AtomicU64,
}

/// The counters of a whole run.
#[derive(Debug, Default)]
pub struct RunStats {
    /// Per source node, in plan order.
    pub sources: Vec<SourceCounters>,
    /// Per output, in plan order.
    pub outputs: Vec<OutputCounters>,
    /// Data errors met (error-log entries).
    pub errors: AtomicU64,
    /// Rows dropped by windows because they arrived after their window's cutoff.
    pub late_rows: Arc<AtomicU64>,
}

impl RunStats {
    /// Counters for every source and output of `plan`.
    pub fn for_plan(plan: &Plan) -> RunStats {
        let sources = plan
            .nodes
            .iter()
            .filter_map(|node| match &node.op {
                Op::Source { source } => Some(SourceCounters {
                    name: source.name.clone(),
                    ..Default::default()
                }),
                _ => None,
            })
            .collect();
        let outputs = plan
            .outputs
            .iter()
            .map(|output| OutputCounters {
                name: match &output.sink {
                    SinkSpec::Collect { id, .. } => format!("collect#{id}"),
                    SinkSpec::File { kind, path } => format!("{kind}:{path}"),
                    SinkSpec::Null => "null".to_string(),
                    SinkSpec::Subscribe { id, .. } => format!("subscribe#{id}"),
                    SinkSpec::Postgres { table_name, .. } => format!("postgres:{table_name}"),
                    SinkSpec::Kafka { topic, .. } => format!("kafka:{topic}"),
                },
                ..Default::default()
            })
            .collect();
        RunStats {
            sources,
            outputs,
            errors: AtomicU64::new(0),
            late_rows: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Index of source node `node` among the plan's sources.
    pub fn source_slot(plan: &Plan, node: usize) -> usize {
        plan.nodes[..node]
            .iter()
            .filter(|n| matches!(n.op, Op::Source { .. }))
            .count()
    }

    /// Records `rows` updates read by source `slot` at `time`.
    pub fn read(&self, slot: usize, rows: u64, time: u64) {
        if let Some(source) = self.sources.get(slot) {
            source.rows.fetch_add(rows, Ordering::Relaxed);
            source.last_time.fetch_max(time, Ordering::Relaxed);
        }
    }

    /// Records `changes` written by output `slot` for `time`, `latency_ms` after it.
    pub fn wrote(&self, slot: usize, changes: u64, time: u64, latency_ms: u64) {
        if let Some(output) = self.outputs.get(slot) {
            output.changes.fetch_add(changes, Ordering::Relaxed);
            output.last_time.fetch_max(time, Ordering::Relaxed);
            output.latency_ms.store(latency_ms, Ordering::Relaxed);
        }
    }

    /// Records data errors.
    pub fn errors(&self, count: u64) {
        self.errors.fetch_add(count, Ordering::Relaxed);
    }
}
