//! What every file share needs to know: the source's columns and name, how to make row ids,
//! and how to word error-log entries.

use std::fs::File;
use std::path::PathBuf;

use tributary_engine::{DType, Diff, ErrorEntry, Key, Row, Value};

use super::split::count_newlines;

/// The source-level settings shared by the readers of every file.
pub(crate) struct Ctx {
    /// `<kind>:<source name>`, the operator named in error entries.
    pub operator: String,
    /// Column names of the source table.
    pub columns: Vec<String>,
    /// Column types of the source table.
    pub dtypes: Vec<DType>,
    /// Indices of primary-key columns (empty: ids from positions).
    pub primary_key: Vec<usize>,
}

/// One input file: its path, the name used in error entries, and the seed of its position ids.
#[derive(Clone, Debug)]
pub(crate) struct FileEntry {
    /// Where to open it.
    pub path: PathBuf,
    /// The path as the user gave it (joined with the file name for directories).
    pub shown: String,
    /// `xxh3(shown)`: seed of `Key::for_position`.
    pub seed: u64,
}

impl FileEntry {
    /// An entry for `shown` (the path as given or joined).
    pub(crate) fn new(shown: String) -> FileEntry {
        let seed = xxhash_rust::xxh3::xxh3_64(shown.as_bytes());
        FileEntry {
            path: PathBuf::from(&shown),
            shown,
            seed,
        }
    }
}

impl Ctx {
    /// An error entry for the given file and 1-based line (`row` = `path:line`; `trace`, the
    /// user's call site, is left for the engine to fill).
    pub(crate) fn entry(&self, message: String, file: &FileEntry, line: u64) -> ErrorEntry {
        ErrorEntry {
            operator: self.operator.clone(),
            message,
            row: format!("{}:{line}", file.shown),
            trace: String::new(),
        }
    }

    /// An error entry about column `col`.
    pub(crate) fn cell_entry(
        &self,
        col: usize,
        message: &str,
        file: &FileEntry,
        line: u64,
    ) -> ErrorEntry {
        self.entry(
            format!("column `{}`: {message}", self.columns[col]),
            file,
            line,
        )
    }

    /// Moves `cells` into a new row with its id (from the primary key, or else from
    /// `position`; also from `position` when a key cell is an error) and pushes it with diff +1.
    pub(crate) fn emit(
        &self,
        out: &mut Vec<(Key, Row, Diff)>,
        cells: &mut Vec<Value>,
        seed: u64,
        position: u64,
        pk_scratch: &mut Vec<Value>,
    ) {
        let key = if self.primary_key.is_empty()
            || self.primary_key.iter().any(|&i| cells[i].is_error())
        {
            Key::for_position(seed, position)
        } else if let [only] = self.primary_key[..] {
            Key::for_values(std::slice::from_ref(&cells[only]))
        } else {
            pk_scratch.clear();
            pk_scratch.extend(self.primary_key.iter().map(|&i| cells[i].clone()));
            Key::for_values(pk_scratch)
        };
        let row: Row = cells.drain(..).collect();
        out.push((key, row, 1));
    }
}

/// The number of lines before a share's first byte, counted only when an error needs it.
pub(crate) struct LineBase {
    begin: u64,
    known: Option<u64>,
}

impl LineBase {
    /// For a share starting at byte `begin`.
    pub(crate) fn new(begin: u64) -> LineBase {
        LineBase {
            begin,
            known: if begin == 0 { Some(0) } else { None },
        }
    }

    /// Lines before the share (0 if the file cannot be read again).
    pub(crate) fn get(&mut self, file: &FileEntry) -> u64 {
        if let Some(n) = self.known {
            return n;
        }
        let n = File::open(&file.path)
            .and_then(|mut f| count_newlines(&mut f, self.begin))
            .unwrap_or(0);
        self.known = Some(n);
        n
    }
}
