//! The CSV change-log sink: header `col1,...,colN,time,diff`, then one record per change.

use std::fs::File;
use std::io;

use tributary_engine::connector::{Sink, SinkError};
use tributary_engine::{Diff, Key, Row, Time};

use super::deletions_first;
use super::format::write_text;

/// Writes changes as CSV records (quoted where needed), flushed once per time (the CSV
/// writer's own 1 MiB buffer is the only buffer).
pub(crate) struct CsvSink {
    path: String,
    writer: csv::Writer<File>,
    cell: Vec<u8>,
}

impl CsvSink {
    /// Wraps a file; a freshly created one (`fresh`) gets the header, a continued one has it.
    pub(crate) fn new(
        path: &str,
        file: File,
        columns: &[String],
        fresh: bool,
    ) -> io::Result<CsvSink> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(1 << 20)
            .from_writer(file);
        if fresh {
            let header = columns.iter().map(String::as_str).chain(["time", "diff"]);
            writer.write_record(header)?;
            writer.flush()?;
        }
        Ok(CsvSink {
            path: path.to_string(),
            writer,
            cell: Vec::with_capacity(64),
        })
    }

    fn fail(&self, e: impl std::fmt::Display) -> SinkError {
        SinkError {
            sink_name: self.path.clone(),
            message: e.to_string(),
        }
    }

    fn write_change(&mut self, time: Time, row: &Row, diff: Diff) -> csv::Result<()> {
        for value in row.iter() {
            self.cell.clear();
            write_text(&mut self.cell, value);
            self.writer.write_field(&self.cell)?;
        }
        self.writer.write_field(time.to_string())?;
        self.writer.write_field(diff.to_string())?;
        self.writer.write_record(None::<&[u8]>)
    }
}

impl Sink for CsvSink {
    fn write_time(&mut self, time: Time, changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        for (_, row, diff) in deletions_first(changes) {
            self.write_change(time, row, *diff)
                .map_err(|e| self.fail(e))?;
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
