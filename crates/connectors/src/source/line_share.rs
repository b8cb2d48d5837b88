//! One worker's share of a line-based file: `jsonlines` (one JSON object per line) or
//! `plaintext` (one row `{ data }` per line). Row positions are line start offsets.

use std::fs::File;
use std::io;
use std::sync::Arc;

use tributary_engine::{Diff, ErrorEntry, Key, Row, Value};

use super::context::{Ctx, FileEntry, LineBase};
use super::lines::LineReader;
use super::split::{next_line_start, raw_bounds};
use crate::convert::json_row::{JsonRowParser, RowScratch};

/// How a line becomes a row.
pub(crate) enum LineFormat {
    /// A JSON object, fields matched to columns by name.
    Json(JsonRowParser),
    /// The whole line as a string in column `data` (index given).
    Plain(usize),
}

/// Reads one worker's lines of one file.
pub(crate) struct LineShare {
    reader: LineReader,
    file: FileEntry,
    base: LineBase,
    scratch: RowScratch,
    pk: Vec<Value>,
}

impl LineShare {
    /// Opens worker `worker`'s share (of `peers`) of `file`.
    pub(crate) fn open(file: FileEntry, worker: usize, peers: usize) -> io::Result<LineShare> {
        let mut f = File::open(&file.path)?;
        let len = f.metadata()?.len();
        let (lo, hi) = raw_bounds(len, worker, peers);
        let begin = next_line_start(&mut f, lo, len)?;
        let end = next_line_start(&mut f, hi, len)?;
        LineShare::range(f, file, begin, end)
    }

    /// Reads the lines of `[begin, end)` of `file` (opened as `f`); `begin` must be a line start.
    pub(crate) fn range(f: File, file: FileEntry, begin: u64, end: u64) -> io::Result<LineShare> {
        Ok(LineShare {
            reader: LineReader::new(f, begin, end)?,
            file,
            base: LineBase::new(begin),
            scratch: RowScratch::default(),
            pk: Vec::new(),
        })
    }

    /// File offset just past the last line read.
    pub(crate) fn position(&self) -> u64 {
        self.reader.position()
    }

    /// Appends up to `max` rows; true once the share is exhausted.
    pub(crate) fn poll(
        &mut self,
        ctx: &Ctx,
        format: &LineFormat,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> io::Result<bool> {
        let n = ctx.columns.len();
        let mut produced = 0;
        while produced < max {
            let Some(line) = self.reader.next_line()? else {
                return Ok(true);
            };
            let scratch = &mut self.scratch;
            match format {
                LineFormat::Json(parser) => {
                    if line.bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    match parser.parse(line.bytes, scratch) {
                        Ok(()) => {
                            let missing =
                                (0..n).any(|i| !scratch.seen[i] && !ctx.dtypes[i].is_optional());
                            if missing || !scratch.errors.is_empty() {
                                let at = self.base.get(&self.file) + line.index + 1;
                                for (col, message) in scratch.errors.drain(..) {
                                    errors.push(ctx.cell_entry(col, &message, &self.file, at));
                                }
                                for i in 0..n {
                                    if !scratch.seen[i] && !ctx.dtypes[i].is_optional() {
                                        scratch.cells[i] = Value::Error;
                                        errors.push(ctx.cell_entry(
                                            i,
                                            "missing field",
                                            &self.file,
                                            at,
                                        ));
                                    }
                                }
                            }
                        }
                        Err(e) => {
                            let at = self.base.get(&self.file) + line.index + 1;
                            scratch.cells.clear();
                            scratch.cells.resize(n, Value::Error);
                            errors.push(ctx.entry(
                                format!("invalid JSON line: {e}"),
                                &self.file,
                                at,
                            ));
                        }
                    }
                }
                LineFormat::Plain(data) => {
                    scratch.cells.clear();
                    scratch.cells.extend((0..n).map(|_| Value::None));
                    let text = String::from_utf8_lossy(line.bytes);
                    scratch.cells[*data] = Value::Str(Arc::from(text.as_ref()));
                }
            }
            ctx.emit(
                out,
                &mut scratch.cells,
                self.file.seed,
                line.offset,
                &mut self.pk,
            );
            produced += 1;
        }
        Ok(false)
    }
}
