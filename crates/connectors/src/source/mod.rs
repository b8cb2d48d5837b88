//! File sources (`csv`, `jsonlines`, `plaintext`): list the files, give each worker its share
//! of every file, and turn lines/records into rows.
//!
//! Sharing: every file is split by bytes; worker `w` of `p` reads the lines (CSV: records)
//! that start in `[w*len/p, (w+1)*len/p)`, so two workers share one big file and together
//! read each line exactly once. Row ids without a primary key are
//! `Key::for_position(xxh3(path), byte offset of the line/record start)`: stable across runs
//! and independent of the number of workers.
//!
//! Commits: a static source reports `Data` while it produced rows and `Finished` on the first
//! poll that finds nothing left (no commit per file). A `streaming` source ([`stream`]) never
//! finishes: it splits work by whole files, keeps watching for appended lines, new, changed
//! and deleted files, and reports `Idle` when there is nothing new.

mod chunk;
mod context;
mod csv_share;
mod fs;
mod line_share;
mod lines;
mod read_copy;
mod records;
mod split;
mod stream;
mod watch;

use std::path::Path;

use tributary_engine::connector::{SourceError, SourceReader, SourceStatus};
use tributary_engine::plan::SourceSpec;
use tributary_engine::{DType, Diff, ErrorEntry, Key, Row};

use context::{Ctx, FileEntry};
use csv_share::{CsvOptions, CsvShare};
use line_share::{LineFormat, LineShare};
use stream::StreamSource;

pub use fs::open_fs_source;

use crate::convert::json_row::JsonRowParser;

/// The file format of a source, with its settings.
enum Format {
    Csv(CsvOptions),
    Lines(LineFormat),
}

/// The share of the file being read.
enum Share {
    Csv(Box<CsvShare>),
    Lines(Box<LineShare>),
}

/// Reads one worker's share of every file of a file source, file after file.
struct FileSource {
    name: String,
    ctx: Ctx,
    format: Format,
    files: Vec<FileEntry>,
    next_file: usize,
    current: Option<Share>,
    worker: usize,
    peers: usize,
}

/// Opens the reader for worker `worker` of `peers` for a file source (csv, jsonlines, plaintext).
///
/// `spec.path` is a file or a directory (every regular, non-hidden file in it, by name).
/// Fails when the kind, options or primary key are invalid or the path cannot be listed.
pub fn open_file_source(
    spec: &SourceSpec,
    columns: &[String],
    dtypes: &[DType],
    worker: usize,
    peers: usize,
) -> Result<Box<dyn SourceReader>, SourceError> {
    let fail = |message: String| SourceError {
        source_name: spec.name.clone(),
        message,
    };
    if columns.len() != dtypes.len() {
        return Err(fail(format!(
            "{} columns but {} types",
            columns.len(),
            dtypes.len()
        )));
    }
    if let Some(&bad) = spec.primary_key.iter().find(|&&i| i >= columns.len()) {
        return Err(fail(format!("primary key column {bad} does not exist")));
    }
    let format = match spec.kind.as_str() {
        "csv" => Format::Csv(CsvOptions::from_json(&spec.options).map_err(fail)?),
        "jsonlines" => Format::Lines(LineFormat::Json(JsonRowParser::new(columns, dtypes))),
        "plaintext" => {
            let data = columns.iter().position(|c| c == "data");
            let data = data.or(if columns.len() == 1 { Some(0) } else { None });
            Format::Lines(LineFormat::Plain(data.ok_or_else(|| {
                fail("a plaintext source needs a `data` column".into())
            })?))
        }
        other => return Err(fail(format!("unknown file format `{other}`"))),
    };
    let ctx = Ctx {
        operator: format!("{}:{}", spec.kind, spec.name),
        columns: columns.to_vec(),
        dtypes: dtypes.to_vec(),
        primary_key: spec.primary_key.clone(),
    };
    let cannot_read = |e: std::io::Error| fail(format!("cannot read `{}`: {e}", spec.path));
    match spec.mode.as_str() {
        "static" => {}
        "streaming" => {
            let name = spec.name.clone();
            let source = StreamSource::new(name, ctx, format, &spec.path, worker, peers);
            return Ok(Box::new(source.map_err(cannot_read)?));
        }
        other => return Err(fail(format!("unknown read mode `{other}`"))),
    }
    let files = list_files(&spec.path).map_err(cannot_read)?;
    Ok(Box::new(FileSource {
        name: spec.name.clone(),
        ctx,
        format,
        files,
        next_file: 0,
        current: None,
        worker,
        peers: peers.max(1),
    }))
}

/// The files of `path`: itself if a file, else its regular non-hidden files sorted by name.
fn list_files(path: &str) -> std::io::Result<Vec<FileEntry>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_dir() {
        return Ok(vec![FileEntry::new(path.to_string())]);
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.')
            || !entry
                .path()
                .metadata()
                .map(|m| m.is_file())
                .unwrap_or(false)
        {
            continue;
        }
        names.push(name);
    }
    names.sort();
    Ok(names
        .into_iter()
        .map(|name| FileEntry::new(Path::new(path).join(name).to_string_lossy().into_owned()))
        .collect())
}

impl FileSource {
    fn open_next(&mut self, errors: &mut Vec<ErrorEntry>) -> Result<Share, SourceError> {
        let file = self.files[self.next_file].clone();
        self.next_file += 1;
        let shown = file.shown.clone();
        let share = match &self.format {
            Format::Csv(opts) => {
                CsvShare::open(&self.ctx, opts, file, self.worker, self.peers, errors)
                    .map(|s| Share::Csv(Box::new(s)))
            }
            Format::Lines(_) => {
                LineShare::open(file, self.worker, self.peers).map(|s| Share::Lines(Box::new(s)))
            }
        };
        share.map_err(|e| self.fail(format!("cannot read `{shown}`: {e}")))
    }

    fn fail(&self, message: String) -> SourceError {
        SourceError {
            source_name: self.name.clone(),
            message,
        }
    }
}

impl SourceReader for FileSource {
    fn poll(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> Result<SourceStatus, SourceError> {
        let max = max.max(1);
        let start = out.len();
        loop {
            let produced = out.len() - start;
            if produced >= max {
                return Ok(SourceStatus::Data);
            }
            if self.current.is_none() {
                if self.next_file >= self.files.len() {
                    return Ok(if produced > 0 {
                        SourceStatus::Data
                    } else {
                        SourceStatus::Finished
                    });
                }
                self.current = Some(self.open_next(errors)?);
            }
            let budget = max - produced;
            let done = match (self.current.as_mut(), &self.format) {
                (Some(Share::Csv(share)), _) => share.poll(&self.ctx, out, errors, budget),
                (Some(Share::Lines(share)), Format::Lines(format)) => {
                    share.poll(&self.ctx, format, out, errors, budget)
                }
                _ => unreachable!("share and format kinds always match"),
            };
            let done = done.map_err(|e| {
                let shown = &self.files[self.next_file - 1].shown;
                self.fail(format!("error reading `{shown}`: {e}"))
            })?;
            if done {
                self.current = None;
            }
        }
    }
}

impl SourceReader for StreamSource {
    fn poll(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> Result<SourceStatus, SourceError> {
        StreamSource::poll(self, out, errors, max)
    }

    fn offsets(&self) -> Option<Vec<u8>> {
        Some(self.offsets_state())
    }

    fn resume(&mut self, offsets: &[u8], live: &[(Key, Row)]) -> Result<(), SourceError> {
        self.resume_state(offsets, live)
    }
}

#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;
