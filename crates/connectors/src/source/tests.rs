//! Tests of the file sources: formats, errors, directories and the worker split.

use std::collections::BTreeMap;

use serde_json::json;
use tributary_engine::connector::SourceStatus;
use tributary_engine::plan::SourceSpec;
use tributary_engine::{DType, ErrorEntry, Key, Value};

use crate::open_file_source;
use crate::testutil::TempDir;

fn spec(kind: &str, path: &str, options: serde_json::Value, primary_key: Vec<usize>) -> SourceSpec {
    SourceSpec {
        name: "src".into(),
        kind: kind.into(),
        path: path.into(),
        mode: "static".into(),
        primary_key,
        options,
        autocommit_ms: None,
    }
}

fn cols(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn opt(t: DType) -> DType {
    DType::Optional(Box::new(t))
}

type Rows = Vec<(Key, Vec<Value>)>;

/// Reads one worker's share to the end with small polls, checking the status protocol.
fn read_worker(
    spec: &SourceSpec,
    columns: &[String],
    dtypes: &[DType],
    worker: usize,
    peers: usize,
) -> (Rows, Vec<ErrorEntry>) {
    let mut reader = open_file_source(spec, columns, dtypes, worker, peers).unwrap();
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    loop {
        let before = out.len();
        let status = reader.poll(&mut out, &mut errors, 7).unwrap();
        assert!(out.len() - before <= 7);
        match status {
            SourceStatus::Finished => {
                assert_eq!(out.len(), before, "Finished comes with no rows");
                break;
            }
            SourceStatus::Data => assert!(out.len() > before, "Data comes with rows"),
            other => panic!("unexpected status {other:?}"),
        }
    }
    let rows = out
        .into_iter()
        .map(|(k, row, diff)| {
            assert_eq!(diff, 1);
            (k, row.to_vec())
        })
        .collect();
    (rows, errors)
}

fn read(spec: &SourceSpec, columns: &[String], dtypes: &[DType]) -> (Rows, Vec<ErrorEntry>) {
    read_worker(spec, columns, dtypes, 0, 1)
}

/// Reads with `peers` workers and checks that together they read exactly what one does.
fn check_split(spec: &SourceSpec, columns: &[String], dtypes: &[DType]) -> usize {
    let (whole, whole_errors) = read(spec, columns, dtypes);
    let expected: BTreeMap<Key, Vec<Value>> = whole.iter().cloned().collect();
    assert_eq!(expected.len(), whole.len(), "ids are unique");
    for peers in 2..=4 {
        let mut union = BTreeMap::new();
        let mut errors: Vec<ErrorEntry> = Vec::new();
        for worker in 0..peers {
            let (rows, errs) = read_worker(spec, columns, dtypes, worker, peers);
            errors.extend(errs);
            for (k, row) in rows {
                assert!(
                    union.insert(k, row).is_none(),
                    "duplicate row with {peers} workers"
                );
            }
        }
        assert_eq!(union, expected, "{peers} workers");
        let mut whole_errors = whole_errors.clone();
        errors.sort();
        whole_errors.sort();
        assert_eq!(errors, whole_errors, "{peers} workers");
    }
    whole.len()
}

#[test]
fn jsonlines_types_missing_fields_and_empty_lines() {
    let dir = TempDir::new();
    let path = dir.write(
        "a.jsonl",
        "{\"n\": 1, \"s\": \"x\", \"extra\": [1, {\"y\": 2}]}\n\n   \r\n{\"s\": \"y\", \"n\": 2.0, \"o\": 5}\r\n{\"n\": 3}",
    );
    let columns = cols(&["n", "s", "o"]);
    let dtypes = [DType::Int, opt(DType::Str), opt(DType::Int)];
    let (rows, errors) = read(
        &spec("jsonlines", &path, json!(null), vec![]),
        &columns,
        &dtypes,
    );
    let values: Vec<_> = rows.iter().map(|r| r.1.clone()).collect();
    assert_eq!(
        values,
        vec![
            vec![Value::Int(1), Value::str("x"), Value::None],
            vec![Value::Int(2), Value::str("y"), Value::Int(5)],
            vec![Value::Int(3), Value::None, Value::None],
        ]
    );
    assert!(errors.is_empty());
    let seed = xxhash_rust::xxh3::xxh3_64(path.as_bytes());
    assert_eq!(rows[0].0, Key::for_position(seed, 0));
    let second = "{\"n\": 1, \"s\": \"x\", \"extra\": [1, {\"y\": 2}]}\n\n   \r\n".len() as u64;
    assert_eq!(rows[1].0, Key::for_position(seed, second));
}

#[test]
fn jsonlines_bad_lines_and_cells() {
    let dir = TempDir::new();
    let path = dir.write("b.jsonl", "{\"n\": 1, \"s\": \"a\"}\n{not json\n{\"n\": \"two\", \"s\": \"b\"}\n{\"s\": \"c\"}\n[1]\n");
    let columns = cols(&["n", "s"]);
    let dtypes = [DType::Int, DType::Str];
    let (rows, errors) = read(
        &spec("jsonlines", &path, json!(null), vec![]),
        &columns,
        &dtypes,
    );
    let values: Vec<_> = rows.iter().map(|r| r.1.clone()).collect();
    assert_eq!(
        values,
        vec![
            vec![Value::Int(1), Value::str("a")],
            vec![Value::Error, Value::Error],
            vec![Value::Error, Value::str("b")],
            vec![Value::Error, Value::str("c")],
            vec![Value::Error, Value::Error],
        ]
    );
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(errors.iter().all(|e| e.operator == "jsonlines:src"));
    assert!(
        errors[0].message.starts_with("invalid JSON line"),
        "{}",
        errors[0].message
    );
    assert_eq!(errors[0].row, format!("{path}:2"));
    assert_eq!(errors[1].message, "column `n`: cannot read \"two\" as int");
    assert_eq!(errors[1].row, format!("{path}:3"));
    assert_eq!(errors[2].message, "column `n`: missing field");
    assert_eq!(errors[2].row, format!("{path}:4"));
    assert_eq!(errors[3].row, format!("{path}:5"));
}

#[test]
fn error_rows_have_absolute_lines_on_every_worker() {
    let dir = TempDir::new();
    let mut text = String::new();
    for i in 0..100 {
        if i % 10 == 7 {
            text.push_str("{\"n\": \"bad\"}\n");
        } else {
            text.push_str(&format!("{{\"n\": {i}}}\n"));
        }
    }
    let path = dir.write("c.jsonl", &text);
    let s = spec("jsonlines", &path, json!(null), vec![]);
    let (_, errors) = read_worker(&s, &cols(&["n"]), &[DType::Int], 1, 2);
    let rows: Vec<_> = errors.iter().map(|e| e.row.clone()).collect();
    assert_eq!(
        rows,
        [58, 68, 78, 88, 98].map(|n| format!("{path}:{n}")).to_vec()
    );
}

#[test]
fn jsonlines_primary_key_ids() {
    let dir = TempDir::new();
    let path = dir.write(
        "p.jsonl",
        "{\"k\": 1, \"v\": \"a\"}\n{\"k\": 2, \"v\": \"b\"}\n",
    );
    let (rows, _) = read(
        &spec("jsonlines", &path, json!(null), vec![0]),
        &cols(&["k", "v"]),
        &[DType::Int, DType::Str],
    );
    assert_eq!(rows[0].0, Key::for_values(&[Value::Int(1)]));
    assert_eq!(rows[1].0, Key::for_values(&[Value::Int(2)]));
    let (rows, _) = read(
        &spec("jsonlines", &path, json!(null), vec![1, 0]),
        &cols(&["k", "v"]),
        &[DType::Int, DType::Str],
    );
    assert_eq!(
        rows[1].0,
        Key::for_values(&[Value::str("b"), Value::Int(2)])
    );
}

#[test]
fn csv_quotes_newlines_and_header_mapping() {
    let dir = TempDir::new();
    let path = dir.write(
        "a.csv",
        "s,extra,n\r\n\"he said \"\"hi\"\"\",x,1\r\n\"two\nlines, and a comma\",y,2\r\n,z,3\r\n",
    );
    let columns = cols(&["n", "s"]);
    let dtypes = [DType::Int, opt(DType::Str)];
    let (rows, errors) = read(&spec("csv", &path, json!({}), vec![]), &columns, &dtypes);
    let values: Vec<_> = rows.iter().map(|r| r.1.clone()).collect();
    assert_eq!(
        values,
        vec![
            vec![Value::Int(1), Value::str("he said \"hi\"")],
            vec![Value::Int(2), Value::str("two\nlines, and a comma")],
            vec![Value::Int(3), Value::None],
        ]
    );
    assert!(errors.is_empty());
    let seed = xxhash_rust::xxh3::xxh3_64(path.as_bytes());
    assert_eq!(rows[0].0, Key::for_position(seed, 11));
}

#[test]
fn csv_options_and_errors() {
    let dir = TempDir::new();
    let path = dir.write("b.csv", "1;'a;b'\nx;c\n3\n");
    let s = spec(
        "csv",
        &path,
        json!({"delimiter": ";", "quote": "'", "header": false}),
        vec![],
    );
    let (rows, errors) = read(&s, &cols(&["n", "s"]), &[DType::Int, DType::Str]);
    let values: Vec<_> = rows.iter().map(|r| r.1.clone()).collect();
    assert_eq!(
        values,
        vec![
            vec![Value::Int(1), Value::str("a;b")],
            vec![Value::Error, Value::str("c")],
            vec![Value::Int(3), Value::Error],
        ]
    );
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].operator, "csv:src");
    assert_eq!(errors[0].message, "column `n`: cannot read x as int");
    assert_eq!(errors[0].row, format!("{path}:2"));
    assert_eq!(
        errors[1].message,
        "column `s`: the record has only 1 fields"
    );
    assert_eq!(errors[1].row, format!("{path}:3"));
}

#[test]
fn csv_missing_columns() {
    let dir = TempDir::new();
    let path = dir.write("c.csv", "a\n1\n2\n");
    let columns = cols(&["a", "req", "maybe"]);
    let dtypes = [DType::Int, DType::Str, opt(DType::Float)];
    let s = spec("csv", &path, json!({}), vec![]);
    let (rows, errors) = read(&s, &columns, &dtypes);
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r.1[1] == Value::Error && r.1[2] == Value::None));
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].message,
        "column `req`: missing from the CSV header"
    );
    // Two workers: still one entry per file.
    let (_, e0) = read_worker(&s, &columns, &dtypes, 0, 2);
    let (_, e1) = read_worker(&s, &columns, &dtypes, 1, 2);
    assert_eq!(e0.len() + e1.len(), 1);
}

#[test]
fn directories_are_read_in_name_order() {
    let dir = TempDir::new();
    dir.write("b.txt", "b1\nb2\n");
    dir.write("a.txt", "a1\n\na2");
    dir.write(".hidden", "no\n");
    dir.write("sub/c.txt", "no\n");
    let root = dir.path().to_string_lossy().into_owned();
    let s = spec("plaintext", &root, json!(null), vec![]);
    let (rows, _) = read(&s, &cols(&["data"]), &[DType::Str]);
    let data: Vec<_> = rows.iter().map(|r| r.1[0].clone()).collect();
    assert_eq!(data, ["a1", "", "a2", "b1", "b2"].map(Value::str).to_vec());
    let seed_b = xxhash_rust::xxh3::xxh3_64(format!("{root}/b.txt").as_bytes());
    assert_eq!(rows[3].0, Key::for_position(seed_b, 0));
    assert_ne!(rows[0].0, rows[3].0);
    check_split(&s, &cols(&["data"]), &[DType::Str]);
}

#[test]
fn bad_specs_fail() {
    let dir = TempDir::new();
    let path = dir.write("x", "");
    let c = cols(&["data"]);
    let t = [DType::Str];
    assert!(open_file_source(&spec("parquet", &path, json!(null), vec![]), &c, &t, 0, 1).is_err());
    assert!(open_file_source(
        &spec("csv", "/nonexistent/x.csv", json!(null), vec![]),
        &c,
        &t,
        0,
        1
    )
    .is_err());
    assert!(open_file_source(
        &spec("csv", &path, json!({"delimiter": ";;"}), vec![]),
        &c,
        &t,
        0,
        1
    )
    .is_err());
    assert!(open_file_source(&spec("csv", &path, json!(null), vec![3]), &c, &t, 0, 1).is_err());
    let (rows, errors) = read(&spec("csv", &path, json!(null), vec![]), &c, &t);
    assert!(rows.is_empty() && errors.is_empty());
}

/// Deterministic pseudo-random numbers for generated files.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn split_jsonlines_and_plaintext_exactly() {
    let dir = TempDir::new();
    let mut rng = Lcg(7);
    for (i, lines) in [0usize, 1, 2, 3, 5, 17, 400].into_iter().enumerate() {
        for trailing_newline in [true, false] {
            let mut text = String::new();
            for l in 0..lines {
                let word: String = (0..rng.next(30))
                    .map(|_| (b'a' + rng.next(26) as u8) as char)
                    .collect();
                match rng.next(10) {
                    0 => text.push('\n'),
                    1 => text.push_str("{broken\n"),
                    _ => {}
                }
                text.push_str(&format!("{{\"word\": \"{word}\", \"n\": {l}}}"));
                if l + 1 < lines || trailing_newline {
                    text.push('\n');
                }
            }
            let path = dir.write(&format!("f{i}-{trailing_newline}.jsonl"), &text);
            let columns = cols(&["word", "n"]);
            let dtypes = [DType::Str, DType::Int];
            let n = check_split(
                &spec("jsonlines", &path, json!(null), vec![]),
                &columns,
                &dtypes,
            );
            assert!(n >= lines);
            check_split(
                &spec("plaintext", &path, json!(null), vec![]),
                &cols(&["data"]),
                &[DType::Str],
            );
        }
    }
}

#[test]
fn split_csv_exactly() {
    let dir = TempDir::new();
    let mut rng = Lcg(11);
    for (i, records) in [0usize, 1, 2, 3, 6, 23, 300].into_iter().enumerate() {
        for crlf in [false, true] {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut text = format!("id,text{nl}");
            for r in 0..records {
                let cell = match rng.next(4) {
                    0 => "plain".to_string(),
                    1 => "\"with \"\"quotes\"\" and, comma\"".to_string(),
                    2 => format!("\"multi{nl}line{nl}{nl}cell\""),
                    _ => String::new(),
                };
                text.push_str(&format!("{r},{cell}{nl}"));
                if rng.next(8) == 0 {
                    text.push_str(nl);
                }
            }
            let path = dir.write(&format!("f{i}-{crlf}.csv"), &text);
            let columns = cols(&["id", "text"]);
            let dtypes = [DType::Int, opt(DType::Str)];
            let n = check_split(&spec("csv", &path, json!(null), vec![]), &columns, &dtypes);
            assert_eq!(n, records);
        }
    }
}
