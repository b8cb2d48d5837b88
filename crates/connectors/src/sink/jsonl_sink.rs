//! The JSON Lines change-log sink: one object per change with the columns, `time` and `diff`.

use std::fs::File;
use std::io::{BufWriter, Write};

use tributary_engine::connector::{Sink, SinkError};
use tributary_engine::{Diff, Key, Row, Time};

use super::deletions_first;
use super::format::{write_json, write_json_str};

/// Writes changes as JSON objects, one per line, flushed once per time.
pub(crate) struct JsonLinesSink {
    path: String,
    writer: BufWriter<File>,
    /// `{"col1":`, `,"col2":`, … prepared once.
    keys: Vec<Vec<u8>>,
    line: Vec<u8>,
}

impl JsonLinesSink {
    /// Wraps a file (freshly created, or continued after its recorded length).
    pub(crate) fn new(path: &str, file: File, columns: &[String]) -> JsonLinesSink {
        let keys = columns
            .iter()
            .map(String::as_str)
            .chain(["time", "diff"])
            .enumerate()
            .map(|(i, name)| {
                let mut key = vec![if i == 0 { b'{' } else { b',' }];
                write_json_str(&mut key, name);
                key.push(b':');
                key
            })
            .collect();
        JsonLinesSink {
            path: path.to_string(),
            writer: BufWriter::with_capacity(1 << 20, file),
            keys,
            line: Vec::with_capacity(256),
        }
    }

    fn fail(&self, e: impl std::fmt::Display) -> SinkError {
        SinkError {
            sink_name: self.path.clone(),
            message: e.to_string(),
        }
    }
}

impl Sink for JsonLinesSink {
    fn write_time(&mut self, time: Time, changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        let n = self.keys.len() - 2;
        for (_, row, diff) in deletions_first(changes) {
            let line = &mut self.line;
            line.clear();
            for (key, value) in self.keys.iter().zip(row.iter()) {
                line.extend_from_slice(key);
                write_json(line, value);
            }
            line.extend_from_slice(&self.keys[n]);
            line.extend_from_slice(time.to_string().as_bytes());
            line.extend_from_slice(&self.keys[n + 1]);
            line.extend_from_slice(diff.to_string().as_bytes());
            line.extend_from_slice(b"}\n");
            self.writer.write_all(line).map_err(|e| SinkError {
                sink_name: self.path.clone(),
                message: e.to_string(),
            })?;
        }
        self.writer.flush().map_err(|e| self.fail(e))
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.writer.flush().map_err(|e| self.fail(e))
    }

    fn position(&mut self) -> Result<Option<u64>, SinkError> {
        self.writer.flush().map_err(|e| self.fail(e))?;
        super::durable_length(self.writer.get_ref())
            .map(Some)
            .map_err(|e| self.fail(e))
    }
}
