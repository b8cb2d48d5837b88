//! Change-log file sinks: every change of a closed time as a line with the row's columns
//! plus `time` and `diff`; deletions of a time before its insertions; one flush per time.

mod csv_sink;
pub(crate) mod format;
mod jsonl_sink;

use std::fs::File;
use std::path::Path;

use tributary_engine::connector::{Sink, SinkError};
use tributary_engine::{DType, Diff, Key, Row};

/// Opens a change-log file sink (`csv` or `jsonlines`) for an output with these columns.
///
/// Creates the parent directories and creates/truncates the file. A CSV file gets its header
/// line (`col1,...,colN,time,diff`) right away.
pub fn open_file_sink(
    kind: &str,
    path: &str,
    columns: &[String],
    dtypes: &[DType],
) -> Result<Box<dyn Sink>, SinkError> {
    let _ = dtypes;
    let fail = |message: String| SinkError {
        sink_name: path.to_string(),
        message,
    };
    if kind != "csv" && kind != "jsonlines" {
        return Err(fail(format!("unknown file format `{kind}`")));
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| fail(format!("cannot create `{}`: {e}", parent.display())))?;
    }
    let file = File::create(path).map_err(|e| fail(format!("cannot create file: {e}")))?;
    if kind == "csv" {
        let sink = csv_sink::CsvSink::new(path, file, columns).map_err(|e| fail(e.to_string()))?;
        Ok(Box::new(sink))
    } else {
        Ok(Box::new(jsonl_sink::JsonLinesSink::new(
            path, file, columns,
        )))
    }
}

/// The changes of one time, deletions first (each group in its given order).
fn deletions_first(changes: &[(Key, Row, Diff)]) -> impl Iterator<Item = &(Key, Row, Diff)> {
    changes
        .iter()
        .filter(|c| c.2 < 0)
        .chain(changes.iter().filter(|c| c.2 >= 0))
}

#[cfg(test)]
mod tests;
