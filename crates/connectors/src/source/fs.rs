//! The whole-file source (`tb.io.fs.read`): one row per file, its content in `data` (bytes,
//! or a string for `plaintext_by_file`) and, when asked, a `_metadata` JSON column
//! (`path`, `size`, `modified_at`, `created_at`: seconds since the epoch).
//!
//! Files are found under the path (itself if a file; else every non-hidden regular file in the
//! directory and its non-hidden subdirectories) and shared among workers by `xxh3(path)`.
//! The row id is `Key::for_values([path])`. Static mode reads each file once; streaming mode
//! rescans (using the same [`Stat`] comparison as the line readers' watcher): a new file adds
//! a row, a changed file (size, mtime or inode) retracts its row and adds the new one, a
//! deleted file retracts its row.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use tributary_engine::connector::{SourceError, SourceReader, SourceStatus};
use tributary_engine::plan::SourceSpec;
use tributary_engine::{DType, Diff, ErrorEntry, Key, Row, Value};

use super::stream::MIN_SCAN;
use super::watch::Stat;

/// The longest time between two scans, however slow they are.
const MAX_SCAN: Duration = Duration::from_secs(1);
/// Scans may take at most 1/SCAN_SHARE of the time.
const SCAN_SHARE: u32 = 20;

/// What is known of one of this worker's files.
struct Seen {
    stat: Stat,
    row: Option<Row>,
}

/// One worker's reader of a whole-file source.
struct FsSource {
    operator: String,
    root: PathBuf,
    shown_root: String,
    data_col: usize,
    data_is_str: bool,
    meta_col: Option<usize>,
    width: usize,
    streaming: bool,
    worker: u64,
    peers: u64,
    seen: HashMap<String, Seen>,
    /// Files to (re)read or retract, by shown path.
    queue: VecDeque<String>,
    scanned_once: bool,
    next_scan: Instant,
}

/// Opens worker `worker`'s share of a whole-file source. Its columns: `data` (bytes or str)
/// and optionally `_metadata` (json).
pub fn open_fs_source(
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
    let data_col = columns
        .iter()
        .position(|c| c == "data")
        .ok_or_else(|| fail("an fs source needs a `data` column".into()))?;
    let data_is_str = match dtypes[data_col].unoptional() {
        DType::Bytes => false,
        DType::Str => true,
        other => {
            return Err(fail(format!(
                "`data` must be bytes or str, not {}",
                other.name()
            )))
        }
    };
    let meta_col = columns.iter().position(|c| c == "_metadata");
    let streaming = match spec.mode.as_str() {
        "static" => false,
        "streaming" => true,
        other => return Err(fail(format!("unknown read mode `{other}`"))),
    };
    std::fs::metadata(&spec.path).map_err(|e| fail(format!("cannot read `{}`: {e}", spec.path)))?;
    Ok(Box::new(FsSource {
        operator: format!("fs:{}", spec.name),
        root: PathBuf::from(&spec.path),
        shown_root: spec.path.clone(),
        data_col,
        data_is_str,
        meta_col,
        width: columns.len(),
        streaming,
        worker: worker as u64,
        peers: peers.max(1) as u64,
        seen: HashMap::new(),
        queue: VecDeque::new(),
        scanned_once: false,
        next_scan: Instant::now(),
    }))
}

impl FsSource {
    /// Lists this worker's files (path shown, metadata), sorted by path.
    fn list(&self) -> Vec<(String, Stat)> {
        let mut found = Vec::new();
        match std::fs::metadata(&self.root) {
            Ok(m) if m.is_file() => found.push((self.shown_root.clone(), Stat::of(&m))),
            Ok(m) if m.is_dir() => walk(&self.root, Path::new(&self.shown_root), &mut found),
            _ => {}
        }
        found.retain(|(shown, _)| {
            xxhash_rust::xxh3::xxh3_64(shown.as_bytes()) % self.peers == self.worker
        });
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    }

    /// Queues new, changed and vanished files.
    fn scan(&mut self) {
        let listed = self.list();
        let mut present = std::collections::HashSet::with_capacity(listed.len());
        for (shown, stat) in listed {
            let changed = self.seen.get(&shown).is_none_or(|s| s.stat != stat);
            if changed && !self.queue.contains(&shown) {
                self.queue.push_back(shown.clone());
            }
            present.insert(shown);
        }
        for shown in self.seen.keys() {
            if !present.contains(shown) && !self.queue.contains(shown) {
                self.queue.push_back(shown.clone());
            }
        }
    }

    /// Re-reads (or retracts) one queued file.
    fn refresh(
        &mut self,
        shown: String,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
    ) {
        let key = Key::for_values(&[Value::str(&shown)]);
        let now = std::fs::metadata(&shown).ok().filter(|m| m.is_file());
        if let Some(old) = self.seen.remove(&shown).and_then(|s| s.row) {
            out.push((key, old, -1));
        }
        let Some(meta) = now else {
            return;
        };
        let stat = Stat::of(&meta);
        let row = match std::fs::read(&shown) {
            Ok(bytes) => Some(self.row(&shown, &meta, bytes, errors)),
            Err(e) => {
                errors.push(self.entry(&shown, format!("cannot read the file: {e}")));
                None
            }
        };
        if let Some(row) = &row {
            out.push((key, row.clone(), 1));
        }
        self.seen.insert(shown, Seen { stat, row });
    }

    fn row(
        &self,
        shown: &str,
        meta: &std::fs::Metadata,
        bytes: Vec<u8>,
        errors: &mut Vec<ErrorEntry>,
    ) -> Row {
        let mut cells = vec![Value::None; self.width];
        cells[self.data_col] = if self.data_is_str {
            match String::from_utf8(bytes) {
                Ok(text) => Value::Str(Arc::from(text)),
                Err(_) => {
                    errors.push(
                        self.entry(shown, "column `data`: the file is not valid UTF-8".into()),
                    );
                    Value::Error
                }
            }
        } else {
            Value::Bytes(Arc::from(bytes))
        };
        if let Some(col) = self.meta_col {
            cells[col] = Value::Json(Arc::from(metadata_json(shown, meta)));
        }
        cells.into_iter().collect()
    }

    fn entry(&self, shown: &str, message: String) -> ErrorEntry {
        ErrorEntry {
            operator: self.operator.clone(),
            message,
            row: shown.to_string(),
            trace: String::new(),
        }
    }
}

/// The `_metadata` JSON of a file.
fn metadata_json(shown: &str, meta: &std::fs::Metadata) -> String {
    let secs = |t: std::io::Result<std::time::SystemTime>| {
        t.ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(serde_json::Value::Null, |d| d.as_secs().into())
    };
    serde_json::json!({
        "path": shown,
        "size": meta.len(),
        "modified_at": secs(meta.modified()),
        "created_at": secs(meta.created()),
    })
    .to_string()
}

/// Collects the non-hidden regular files under `dir` (recursively).
fn walk(dir: &Path, shown: &Path, found: &mut Vec<(String, Stat)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let shown_path = shown.join(&name);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => {
                found.push((shown_path.to_string_lossy().into_owned(), Stat::of(&m)))
            }
            Ok(m) if m.is_dir() => walk(&path, &shown_path, found),
            _ => {}
        }
    }
}

impl SourceReader for FsSource {
    fn poll(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> Result<SourceStatus, SourceError> {
        let start = out.len();
        if self.queue.is_empty()
            && (!self.scanned_once || (self.streaming && Instant::now() >= self.next_scan))
        {
            let began = Instant::now();
            self.scan();
            self.scanned_once = true;
            let wait = (began.elapsed() * SCAN_SHARE)
                .clamp(MIN_SCAN.max(Duration::from_millis(20)), MAX_SCAN);
            self.next_scan = Instant::now() + wait;
        }
        while out.len() - start < max.max(1) {
            let Some(shown) = self.queue.pop_front() else {
                break;
            };
            self.refresh(shown, out, errors);
        }
        let produced = out.len() > start;
        Ok(match (produced, self.streaming, self.queue.is_empty()) {
            (true, _, _) => SourceStatus::Data,
            (false, false, true) => SourceStatus::Finished,
            (false, true, true) => SourceStatus::Idle,
            (false, _, false) => SourceStatus::Data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    fn spec(path: &str, mode: &str) -> SourceSpec {
        SourceSpec {
            name: "files".into(),
            kind: "fs".into(),
            path: path.into(),
            mode: mode.into(),
            primary_key: vec![],
            options: serde_json::Value::Null,
            autocommit_ms: None,
        }
    }

    fn drain(reader: &mut dyn SourceReader) -> Vec<(Vec<Value>, Diff)> {
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        for _ in 0..10 {
            if reader.poll(&mut out, &mut errors, 100).unwrap() == SourceStatus::Finished {
                break;
            }
        }
        out.into_iter().map(|(_, r, d)| (r.to_vec(), d)).collect()
    }

    #[test]
    fn static_rows_per_file_shared_by_workers() {
        let dir = TempDir::new();
        let root = dir.path().to_string_lossy().into_owned();
        for i in 0..6 {
            dir.write(&format!("d/f{i}"), format!("file {i}"));
        }
        let cols = ["data".to_string()];
        let mut all = Vec::new();
        for worker in 0..2 {
            let mut r =
                open_fs_source(&spec(&root, "static"), &cols, &[DType::Str], worker, 2).unwrap();
            all.extend(drain(r.as_mut()));
        }
        let mut texts: Vec<String> = all
            .iter()
            .map(|(row, d)| match (&row[0], d) {
                (Value::Str(s), 1) => s.to_string(),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        texts.sort();
        assert_eq!(
            texts,
            (0..6).map(|i| format!("file {i}")).collect::<Vec<_>>()
        );
    }

    #[test]
    fn streaming_retracts_changed_and_deleted_files() {
        let dir = TempDir::new();
        let root = dir.path().to_string_lossy().into_owned();
        let a = dir.write("a", "one");
        let cols = ["data".to_string(), "_metadata".to_string()];
        let dtypes = [DType::Bytes, DType::Json];
        let mut r = open_fs_source(&spec(&root, "streaming"), &cols, &dtypes, 0, 1).unwrap();
        let first = drain(r.as_mut());
        assert_eq!(first.len(), 1);
        let Value::Json(meta) = &first[0].0[1] else {
            panic!("no metadata")
        };
        assert!(meta.contains("\"size\":3"), "{meta}");
        std::fs::write(&a, "three").unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        let changed = drain(r.as_mut());
        let diffs: Vec<(Value, Diff)> = changed
            .iter()
            .map(|(row, d)| (row[0].clone(), *d))
            .collect();
        assert_eq!(
            diffs,
            vec![
                (Value::Bytes(Arc::from(&b"one"[..])), -1),
                (Value::Bytes(Arc::from(&b"three"[..])), 1)
            ]
        );
        std::fs::remove_file(&a).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        let gone = drain(r.as_mut());
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].1, -1);
    }
}
