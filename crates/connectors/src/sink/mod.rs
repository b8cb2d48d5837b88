//! Change-log file sinks: every change of a closed time as a line with the row's columns
//! plus `time` and `diff`; deletions of a time before its insertions; one flush per time.
//! With persistence they report their length ([`Sink::position`]) and continue a file cut
//! back to the recorded length on restart ([`SinkStart::Resume`]).

mod csv_sink;
pub(crate) mod format;
mod jsonl_sink;

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::path::Path;

use tributary_engine::connector::{Sink, SinkError, SinkStart};
use tributary_engine::{DType, Diff, Key, Row};

/// Opens a change-log file sink (`csv` or `jsonlines`) for an output with these columns.
///
/// Creates the parent directories and creates/truncates the file (`SinkStart::Fresh`); a CSV
/// file gets its header line (`col1,...,colN,time,diff`) right away. `SinkStart::Resume(n)`
/// cuts an existing file back to `n` bytes and appends after them (no second header); a
/// missing file is created as if fresh, a file shorter than `n` bytes is an error.
pub fn open_file_sink(
    kind: &str,
    path: &str,
    columns: &[String],
    dtypes: &[DType],
    start: SinkStart,
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
    // A file that is gone (or moved to a new path) starts over with the changes from here on.
    let start = match start {
        SinkStart::Resume(_) if !Path::new(path).exists() => SinkStart::Fresh,
        start => start,
    };
    let fresh = start == SinkStart::Fresh;
    let file = match start {
        SinkStart::Fresh => {
            File::create(path).map_err(|e| fail(format!("cannot create file: {e}")))?
        }
        SinkStart::Resume(length) => resume_file(path, length).map_err(fail)?,
    };
    if kind == "csv" {
        let sink =
            csv_sink::CsvSink::new(path, file, columns, fresh).map_err(|e| fail(e.to_string()))?;
        Ok(Box::new(sink))
    } else {
        Ok(Box::new(jsonl_sink::JsonLinesSink::new(
            path, file, columns,
        )))
    }
}

/// Opens the file an earlier run wrote, cut back to `length` bytes, positioned at its end.
fn resume_file(path: &str, length: u64) -> Result<File, String> {
    let persisted = "(persistence: the state recorded it at";
    let mut file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| format!("cannot continue the change log {persisted} {length} bytes): {e}"))?;
    let actual = file
        .metadata()
        .map_err(|e| format!("cannot read the file's length: {e}"))?
        .len();
    if actual < length {
        return Err(format!(
            "cannot continue the change log: the file has {actual} bytes {persisted}              {length}); was it truncated or replaced? Restore it, or start over with a new              persistence directory"
        ));
    }
    file.set_len(length)
        .and_then(|_| file.seek(SeekFrom::Start(length)))
        .map_err(|e| format!("cannot cut the file back to {length} bytes: {e}"))?;
    Ok(file)
}

/// The length of `file` once what was written to it is on disk.
fn durable_length(file: &File) -> std::io::Result<u64> {
    file.sync_data()?;
    Ok(file.metadata()?.len())
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
