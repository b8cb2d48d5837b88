//! One worker's share of a CSV file: the header maps fields to columns by name, each record
//! becomes a row. Row positions are record start offsets.

use std::fs::File;
use std::io;

use tributary_engine::{Diff, ErrorEntry, Key, Row, Value};

use super::context::{Ctx, FileEntry, LineBase};
use super::records::RecordReader;
use super::split::{next_record_start, raw_bounds};
use crate::convert::text::parse_text_cell;

/// CSV options from `SourceSpec.options`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CsvOptions {
    /// Field separator (default `,`).
    pub delimiter: u8,
    /// Quote character (default `"`).
    pub quote: u8,
    /// Whether the first record names the columns (default true).
    pub header: bool,
}

impl CsvOptions {
    /// Reads `{ delimiter, quote, header }` (all optional); each character must be one byte.
    pub(crate) fn from_json(options: &serde_json::Value) -> Result<CsvOptions, String> {
        let byte = |name: &str, default: u8| -> Result<u8, String> {
            match options.get(name) {
                None | Some(serde_json::Value::Null) => Ok(default),
                Some(serde_json::Value::String(s)) if s.len() == 1 => Ok(s.as_bytes()[0]),
                Some(other) => Err(format!(
                    "csv option `{name}` must be one ASCII character, got {other}"
                )),
            }
        };
        let header = match options.get("header") {
            None | Some(serde_json::Value::Null) => true,
            Some(serde_json::Value::Bool(b)) => *b,
            Some(other) => {
                return Err(format!(
                    "csv option `header` must be a boolean, got {other}"
                ))
            }
        };
        Ok(CsvOptions {
            delimiter: byte("delimiter", b',')?,
            quote: byte("quote", b'"')?,
            header,
        })
    }
}

/// Where a column's cells come from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Field {
    /// Field `i` of each record.
    At(usize),
    /// Not in the header: `None` for optional columns, else an error cell.
    Missing,
}

/// A file's header: where the records start and which field feeds each column.
#[derive(Clone, Debug)]
pub(crate) struct CsvHeader {
    /// Offset just past the header record (0 without a header).
    pub end: u64,
    /// The field of each column.
    pub fields: Vec<Field>,
}

impl CsvHeader {
    /// Reads the header of `f` within its first `len` bytes (fields by position when the
    /// options say there is none; no fields at all for an empty range).
    pub(crate) fn read(ctx: &Ctx, opts: &CsvOptions, f: &File, len: u64) -> io::Result<CsvHeader> {
        if !opts.header {
            let fields = (0..ctx.columns.len()).map(Field::At).collect();
            return Ok(CsvHeader { end: 0, fields });
        }
        let mut head = RecordReader::new(f.try_clone()?, 0, len, opts.delimiter, opts.quote)?;
        let names: Vec<String> = match head.next_record()? {
            Some(_) => (0..head.len())
                .map(|i| String::from_utf8_lossy(head.field(i)).trim().to_string())
                .collect(),
            None => Vec::new(),
        };
        let fields = ctx
            .columns
            .iter()
            .map(|c| {
                names
                    .iter()
                    .position(|n| n == c)
                    .map_or(Field::Missing, Field::At)
            })
            .collect();
        Ok(CsvHeader {
            end: head.offset(),
            fields,
        })
    }

    /// Logs the required columns the header lacks (as line 1 of `file`).
    pub(crate) fn log_missing(&self, ctx: &Ctx, file: &FileEntry, errors: &mut Vec<ErrorEntry>) {
        for (i, field) in self.fields.iter().enumerate() {
            if matches!(field, Field::Missing) && !ctx.dtypes[i].is_optional() {
                errors.push(ctx.cell_entry(i, "missing from the CSV header", file, 1));
            }
        }
    }
}

/// Reads one worker's records of one CSV file.
pub(crate) struct CsvShare {
    records: RecordReader,
    file: FileEntry,
    base: LineBase,
    fields: Vec<Field>,
    cells: Vec<Value>,
    pk: Vec<Value>,
}

impl CsvShare {
    /// File offset just past the last record read.
    pub(crate) fn position(&self) -> u64 {
        self.records.offset()
    }

    /// Opens worker `worker`'s share (of `peers`) of `file`. Every worker reads the header;
    /// worker 0 logs the columns it lacks (once per file).
    pub(crate) fn open(
        ctx: &Ctx,
        opts: &CsvOptions,
        file: FileEntry,
        worker: usize,
        peers: usize,
        errors: &mut Vec<ErrorEntry>,
    ) -> io::Result<CsvShare> {
        let mut f = File::open(&file.path)?;
        let len = f.metadata()?.len();
        let header = CsvHeader::read(ctx, opts, &f, len)?;
        if worker == 0 && len > 0 {
            header.log_missing(ctx, &file, errors);
        }
        let (lo, hi) = raw_bounds(len, worker, peers);
        let begin = next_record_start(&mut f, lo, len, opts.quote)?.max(header.end);
        let end = next_record_start(&mut f, hi, len, opts.quote)?.max(header.end);
        CsvShare::range(opts, f, file, begin, end, header.fields)
    }

    /// Reads the records of `[begin, end)` of `file` (opened as `f`), `begin` being a record
    /// start after the header, with the header's column mapping.
    pub(crate) fn range(
        opts: &CsvOptions,
        f: File,
        file: FileEntry,
        begin: u64,
        end: u64,
        fields: Vec<Field>,
    ) -> io::Result<CsvShare> {
        Ok(CsvShare {
            records: RecordReader::new(f, begin, end, opts.delimiter, opts.quote)?,
            file,
            base: LineBase::new(begin),
            fields,
            cells: Vec::new(),
            pk: Vec::new(),
        })
    }

    /// Appends up to `max` rows; true once the share is exhausted.
    pub(crate) fn poll(
        &mut self,
        ctx: &Ctx,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> io::Result<bool> {
        let mut produced = 0;
        while produced < max {
            let Some(at) = self.records.next_record()? else {
                return Ok(true);
            };
            let mut line = None;
            for (col, field) in self.fields.iter().enumerate() {
                let dtype = &ctx.dtypes[col];
                let cell = match *field {
                    Field::At(i) if i < self.records.len() => {
                        match std::str::from_utf8(self.records.field(i)) {
                            Ok(text) => parse_text_cell(text, dtype),
                            Err(_) => Err("invalid UTF-8".to_string()),
                        }
                    }
                    Field::At(_) if dtype.is_optional() => Ok(Value::None),
                    Field::At(_) => {
                        Err(format!("the record has only {} fields", self.records.len()))
                    }
                    Field::Missing if dtype.is_optional() => Ok(Value::None),
                    Field::Missing => Ok(Value::Error),
                };
                let value = cell.unwrap_or_else(|message| {
                    let n = *line.get_or_insert_with(|| self.base.get(&self.file) + at.line + 1);
                    errors.push(ctx.cell_entry(col, &message, &self.file, n));
                    Value::Error
                });
                self.cells.push(value);
            }
            ctx.emit(
                out,
                &mut self.cells,
                self.file.seed,
                at.offset,
                &mut self.pk,
            );
            produced += 1;
        }
        Ok(false)
    }
}
