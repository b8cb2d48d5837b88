//! Tests of streaming file sources: appends (with partial lines), new, rewritten and deleted
//! files, the split of files between workers, and bounded polls.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::json;
use tributary_engine::connector::{SourceReader, SourceStatus};
use tributary_engine::plan::SourceSpec;
use tributary_engine::{DType, Diff, ErrorEntry, Key, Value};

use crate::open_file_source;
use crate::testutil::TempDir;

fn spec(kind: &str, path: &str, mode: &str, primary_key: Vec<usize>) -> SourceSpec {
    SourceSpec {
        name: "live".into(),
        kind: kind.into(),
        path: path.into(),
        mode: mode.into(),
        primary_key,
        options: json!(null),
        autocommit_ms: None,
    }
}

type Change = (Key, Vec<Value>, Diff);

/// A streaming reader under test, polled with a small `max`.
struct Live {
    reader: Box<dyn SourceReader>,
    max: usize,
    errors: Vec<ErrorEntry>,
    /// The consolidated state: id → (row, multiplicity).
    state: BTreeMap<Key, (Vec<Value>, Diff)>,
}

impl Live {
    fn open(
        spec: &SourceSpec,
        columns: &[&str],
        dtypes: &[DType],
        worker: usize,
        peers: usize,
    ) -> Live {
        let columns: Vec<String> = columns.iter().map(|s| s.to_string()).collect();
        let reader = open_file_source(spec, &columns, dtypes, worker, peers).unwrap();
        Live {
            reader,
            max: 7,
            errors: Vec::new(),
            state: BTreeMap::new(),
        }
    }

    /// One poll: checks the bound and the status protocol, applies the changes.
    fn poll_once(&mut self) -> (SourceStatus, Vec<Change>) {
        let mut out = Vec::new();
        let status = self
            .reader
            .poll(&mut out, &mut self.errors, self.max)
            .unwrap();
        assert!(
            out.len() <= self.max,
            "{} updates for max {}",
            out.len(),
            self.max
        );
        match status {
            SourceStatus::Data | SourceStatus::CaughtUp => {
                assert!(!out.is_empty(), "Data comes with updates")
            }
            SourceStatus::Idle => assert!(out.is_empty(), "Idle comes without updates"),
            other => panic!("a streaming source reported {other:?}"),
        }
        let changes: Vec<Change> = out
            .into_iter()
            .map(|(k, r, d)| (k, r.to_vec(), d))
            .collect();
        for (k, row, d) in &changes {
            let slot = self.state.entry(*k).or_insert_with(|| (row.clone(), 0));
            if *d > 0 {
                slot.0 = row.clone();
            } else {
                assert_eq!(&slot.0, row, "a retraction matches the row it retracts");
            }
            slot.1 += d;
            assert!(slot.1 == 0 || slot.1 == 1, "multiplicity {}", slot.1);
            if slot.1 == 0 {
                self.state.remove(k);
            }
        }
        (status, changes)
    }

    /// Polls until no update came for `quiet` (well past the scan interval); returns them all.
    fn settle(&mut self) -> Vec<Change> {
        let quiet = Duration::from_millis(40);
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut all = Vec::new();
        let mut last = Instant::now();
        while last.elapsed() < quiet {
            assert!(Instant::now() < deadline, "the source never went quiet");
            let (status, changes) = self.poll_once();
            if status == SourceStatus::Idle {
                std::thread::sleep(Duration::from_millis(1));
            } else {
                last = Instant::now();
            }
            all.extend(changes);
        }
        all
    }

    /// The values of column 0 of the current rows, sorted.
    fn firsts(&self) -> Vec<Value> {
        let mut v: Vec<Value> = self.state.values().map(|(r, _)| r[0].clone()).collect();
        v.sort();
        v
    }
}

fn strs(items: &[&str]) -> Vec<Value> {
    let mut v: Vec<Value> = items.iter().map(|s| Value::str(s)).collect();
    v.sort();
    v
}

fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        other => panic!("not a string: {other:?}"),
    }
}

fn append(path: &str, text: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn seed(path: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(path.as_bytes())
}

#[test]
fn appended_lines_and_partial_lines() {
    let dir = TempDir::new();
    let path = dir.write("a.txt", "a1\na2\n");
    let root = dir.path().to_string_lossy().into_owned();
    let mut live = Live::open(
        &spec("plaintext", &root, "streaming", vec![]),
        &["data"],
        &[DType::Str],
        0,
        1,
    );
    let got = live.settle();
    assert_eq!(got.len(), 2);
    assert_eq!(live.firsts(), strs(&["a1", "a2"]));
    assert_eq!(live.poll_once().0, SourceStatus::Idle);

    append(&path, "a3\npart");
    let got = live.settle();
    assert_eq!(
        got,
        vec![(Key::for_position(seed(&path), 6), vec![Value::str("a3")], 1)]
    );
    append(&path, "ial\n");
    let got = live.settle();
    assert_eq!(
        got,
        vec![(
            Key::for_position(seed(&path), 9),
            vec![Value::str("partial")],
            1
        )]
    );
    assert_eq!(live.firsts(), strs(&["a1", "a2", "a3", "partial"]));
}

#[test]
fn new_files_in_name_order() {
    let dir = TempDir::new();
    let root = dir.path().to_string_lossy().into_owned();
    let mut live = Live::open(
        &spec("plaintext", &root, "streaming", vec![]),
        &["data"],
        &[DType::Str],
        0,
        1,
    );
    assert!(live.settle().is_empty());
    dir.write("c.txt", "c1\n");
    dir.write("bb.txt", "b1\nb2\n");
    dir.write(".hidden", "no\n");
    dir.write("sub/d.txt", "no\n");
    let got = live.settle();
    let data: Vec<Value> = got.iter().map(|c| c.1[0].clone()).collect();
    assert_eq!(
        data,
        vec![Value::str("b1"), Value::str("b2"), Value::str("c1")]
    );
    assert!(got.iter().all(|c| c.2 == 1));
    // Ids are the static ones.
    let mut static_reader = Live::open(
        &spec("plaintext", &root, "static", vec![]),
        &["data"],
        &[DType::Str],
        0,
        1,
    );
    let mut out = Vec::new();
    while static_reader
        .reader
        .poll(&mut out, &mut Vec::new(), 100)
        .unwrap()
        != SourceStatus::Finished
    {}
    let ids: Vec<Key> = out.iter().map(|c| c.0).collect();
    assert_eq!(ids, got.iter().map(|c| c.0).collect::<Vec<_>>());
}

#[test]
fn rewritten_file_retracts_and_rereads() {
    let dir = TempDir::new();
    let path = dir.write("a.jsonl", "{\"n\": 1}\n{\"n\": 2}\n{\"n\": 3}\n");
    let mut live = Live::open(
        &spec("jsonlines", &path, "streaming", vec![]),
        &["n"],
        &[DType::Int],
        0,
        1,
    );
    live.settle();
    assert_eq!(
        live.firsts(),
        vec![Value::Int(1), Value::Int(2), Value::Int(3)]
    );
    let old: BTreeMap<Key, Vec<Value>> =
        live.state.iter().map(|(k, v)| (*k, v.0.clone())).collect();

    // A changed line in the middle (longer file): every old row out, the new content in.
    std::fs::write(&path, "{\"n\": 1}\n{\"n\": 20}\n{\"n\": 3}\n").unwrap();
    let got = live.settle();
    let minus: BTreeMap<Key, Vec<Value>> = got
        .iter()
        .filter(|c| c.2 < 0)
        .map(|c| (c.0, c.1.clone()))
        .collect();
    assert_eq!(minus, old);
    assert_eq!(got.iter().filter(|c| c.2 > 0).count(), 3);
    assert_eq!(
        live.firsts(),
        vec![Value::Int(1), Value::Int(3), Value::Int(20)]
    );
    // The unchanged first line keeps its id.
    assert!(live.state.contains_key(&Key::for_position(seed(&path), 0)));

    // Shrunk.
    std::fs::write(&path, "{\"n\": 7}\n").unwrap();
    live.settle();
    assert_eq!(live.firsts(), vec![Value::Int(7)]);

    // Replaced by a rename (new inode) with the same length and the same first line.
    let tmp = dir.write("tmp", "{\"n\": 8}\n");
    std::fs::rename(&tmp, &path).unwrap();
    live.settle();
    assert_eq!(live.firsts(), vec![Value::Int(8)]);
}

#[test]
fn deleted_files_retract_their_rows() {
    let dir = TempDir::new();
    let a = dir.write("a.txt", "a1\na2\n");
    dir.write("b.txt", "b1\n");
    let root = dir.path().to_string_lossy().into_owned();
    let mut live = Live::open(
        &spec("plaintext", &root, "streaming", vec![]),
        &["data"],
        &[DType::Str],
        0,
        1,
    );
    live.settle();
    std::fs::remove_file(&a).unwrap();
    let got = live.settle();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|c| c.2 == -1));
    assert_eq!(live.firsts(), strs(&["b1"]));
    // Back again: read from the start with the same ids.
    dir.write("a.txt", "a1\n");
    let got = live.settle();
    assert_eq!(
        got,
        vec![(Key::for_position(seed(&a), 0), vec![Value::str("a1")], 1)]
    );

    // A watched single file: deleted, then recreated.
    let mut single = Live::open(
        &spec("plaintext", &a, "streaming", vec![]),
        &["data"],
        &[DType::Str],
        0,
        1,
    );
    single.settle();
    assert_eq!(single.firsts(), strs(&["a1"]));
    std::fs::remove_file(&a).unwrap();
    single.settle();
    assert!(single.state.is_empty());
    dir.write("a.txt", "x\ny\n");
    single.settle();
    assert_eq!(single.firsts(), strs(&["x", "y"]));
}

#[test]
fn two_workers_split_whole_files() {
    let dir = TempDir::new();
    let root = dir.path().to_string_lossy().into_owned();
    let mut paths = Vec::new();
    for i in 0..24 {
        paths.push(dir.write(&format!("f{i:02}.txt"), format!("{i}-a\n{i}-b\n")));
    }
    let s = spec("plaintext", &root, "streaming", vec![]);
    let mut workers: Vec<Live> = (0..2)
        .map(|w| Live::open(&s, &["data"], &[DType::Str], w, 2))
        .collect();
    let check = |workers: &mut Vec<Live>, per_file: usize| {
        let mut union = BTreeMap::new();
        for w in workers.iter_mut() {
            w.settle();
            // Every file is read by one worker only.
            let files: std::collections::BTreeSet<String> = w
                .state
                .values()
                .map(|(r, _)| text(&r[0]).split('-').next().unwrap().to_string())
                .collect();
            assert!(!files.is_empty(), "both workers get files");
            for (k, v) in &w.state {
                assert!(union.insert(*k, v.clone()).is_none());
            }
            for f in files {
                let n = w
                    .state
                    .values()
                    .filter(|(r, _)| text(&r[0]).starts_with(&format!("{f}-")))
                    .count();
                assert_eq!(n, per_file);
            }
        }
        assert_eq!(union.len(), 24 * per_file);
    };
    check(&mut workers, 2);
    for p in &paths {
        append(p, "x-c\n");
    }
    // Appended lines go to the worker that owns the file (checked via the per-file count).
    for w in workers.iter_mut() {
        w.settle();
    }
    let total: usize = workers.iter().map(|w| w.state.len()).sum();
    assert_eq!(total, 72);
}

#[test]
fn polls_stay_bounded() {
    let dir = TempDir::new();
    let text: String = (0..1000).map(|i| format!("line {i}\n")).collect();
    let path = dir.write("big.txt", &text);
    let mut live = Live::open(
        &spec("plaintext", &path, "streaming", vec![]),
        &["data"],
        &[DType::Str],
        0,
        1,
    );
    live.max = 13;
    let got = live.settle();
    assert_eq!(got.len(), 1000);
    // A rewrite: 1000 retractions and 1001 insertions, still at most 13 per poll.
    let text: String = (0..1001)
        .map(|i| format!("line {i}\n"))
        .collect::<String>()
        .replace("line 5\n", "LINE 5\n");
    std::fs::write(&path, text).unwrap();
    let got = live.settle();
    assert_eq!(got.iter().filter(|c| c.2 < 0).count(), 1000);
    assert_eq!(got.iter().filter(|c| c.2 > 0).count(), 1001);
    assert_eq!(live.state.len(), 1001);
}

#[test]
fn csv_header_records_and_primary_keys() {
    let dir = TempDir::new();
    let path = dir.write("a.csv", "id,te");
    let s = spec("csv", &path, "streaming", vec![0]);
    let dtypes = [DType::Int, DType::Optional(Box::new(DType::Str))];
    let mut live = Live::open(&s, &["id", "text"], &dtypes, 0, 1);
    assert!(live.settle().is_empty());
    append(&path, "xt\n1,one\n2,\"two\nlines");
    live.settle();
    assert_eq!(live.firsts(), vec![Value::Int(1)]);
    append(&path, "\"\n3,three\n");
    live.settle();
    assert_eq!(
        live.firsts(),
        vec![Value::Int(1), Value::Int(2), Value::Int(3)]
    );
    let two = &live.state[&Key::for_values(&[Value::Int(2)])].0;
    assert_eq!(two[1], Value::str("two\nlines"));
    // Rewritten with another header order: the keyed rows are retracted and inserted again.
    std::fs::write(&path, "text,id\nuno,1\ndos,2\n").unwrap();
    let got = live.settle();
    assert_eq!(got.iter().filter(|c| c.2 < 0).count(), 3);
    assert_eq!(live.firsts(), vec![Value::Int(1), Value::Int(2)]);
    assert_eq!(
        live.state[&Key::for_values(&[Value::Int(1)])].0[1],
        Value::str("uno")
    );
    assert!(live.errors.is_empty(), "{:?}", live.errors);
}

#[test]
fn unknown_mode_fails() {
    let dir = TempDir::new();
    let path = dir.write("a.txt", "x\n");
    let columns = vec!["data".to_string()];
    assert!(open_file_source(
        &spec("plaintext", &path, "sometimes", vec![]),
        &columns,
        &[DType::Str],
        0,
        1
    )
    .is_err());
    assert!(open_file_source(
        &spec("plaintext", "/nonexistent/dir", "streaming", vec![]),
        &columns,
        &[DType::Str],
        0,
        1
    )
    .is_err());
}

/// An append-only file never retracts anything, however the scans interleave with the
/// writes (a scan in the middle of a write can see its new mtime with the old size).
#[test]
fn appends_racing_the_scans_never_retract() {
    let dir = TempDir::new();
    let path = dir.write("grow.txt", "");
    let root = dir.path().to_string_lossy().into_owned();
    let mut live = Live::open(
        &spec("plaintext", &root, "streaming", vec![]),
        &["data"],
        &[DType::Str],
        0,
        1,
    );
    live.max = 1 << 16;
    const WRITES: usize = 10_000;
    const LINES: usize = 16;
    let writer = std::thread::spawn({
        let path = path.clone();
        move || {
            let line = format!("{}\n", "x".repeat(255));
            let chunk = line.repeat(LINES);
            for _ in 0..WRITES {
                append(&path, &chunk);
                std::thread::sleep(Duration::from_micros(300));
            }
        }
    });
    let mut added = 0;
    while !writer.is_finished() {
        let (status, changes) = live.poll_once();
        for (_, _, diff) in &changes {
            assert!(*diff > 0, "an append-only file retracted a row");
            added += diff;
        }
        if status == SourceStatus::Idle {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    writer.join().unwrap();
    for (_, _, diff) in live.settle() {
        assert!(diff > 0, "an append-only file retracted a row");
        added += diff;
    }
    assert_eq!(added, (WRITES * LINES) as Diff);
}
