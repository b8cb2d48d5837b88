//! Tests of the change-log file sinks.

use std::sync::Arc;

use tributary_engine::connector::SinkStart;
use tributary_engine::{DType, Diff, Key, Row, Value};

use crate::open_file_sink;
use crate::testutil::TempDir;

fn change(values: Vec<Value>, diff: Diff) -> (Key, Row, Diff) {
    (Key::for_values(&values), values.into(), diff)
}

fn columns() -> (Vec<String>, Vec<DType>) {
    (
        vec!["name".into(), "n".into(), "x".into()],
        vec![
            DType::Str,
            DType::Int,
            DType::Optional(Box::new(DType::Float)),
        ],
    )
}

fn sample() -> Vec<(Key, Row, Diff)> {
    vec![
        change(
            vec![Value::str("plain"), Value::Int(1), Value::Float(0.5)],
            1,
        ),
        change(
            vec![
                Value::str("old, \"quoted\"\nline"),
                Value::Int(2),
                Value::None,
            ],
            -1,
        ),
        change(vec![Value::str("err"), Value::Error, Value::Float(2.0)], 1),
    ]
}

#[test]
fn csv_change_log() {
    let dir = TempDir::new();
    let path = dir
        .path()
        .join("out/nested/result.csv")
        .to_string_lossy()
        .into_owned();
    let (c, t) = columns();
    let mut sink = open_file_sink("csv", &path, &c, &t, SinkStart::Fresh).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "name,n,x,time,diff\n"
    );
    sink.write_time(2, &sample()).unwrap();
    sink.write_time(4, &[]).unwrap();
    sink.write_time(
        6,
        &[change(
            vec![Value::str("z"), Value::Int(-5), Value::Float(1e21)],
            1,
        )],
    )
    .unwrap();
    sink.finish().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "name,n,x,time,diff\n\
         \"old, \"\"quoted\"\"\nline\",2,,2,-1\n\
         plain,1,0.5,2,1\n\
         err,Error,2,2,1\n\
         z,-5,1e+21,6,1\n"
    );
    // The file is truncated when opened again.
    let mut again = open_file_sink("csv", &path, &c, &t, SinkStart::Fresh).unwrap();
    again.finish().unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "name,n,x,time,diff\n"
    );
}

#[test]
fn jsonlines_change_log() {
    let dir = TempDir::new();
    let path = dir
        .path()
        .join("result.jsonl")
        .to_string_lossy()
        .into_owned();
    let (c, t) = columns();
    let mut sink = open_file_sink("jsonlines", &path, &c, &t, SinkStart::Fresh).unwrap();
    sink.write_time(2, &sample()).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{\"name\":\"old, \\\"quoted\\\"\\nline\",\"n\":2,\"x\":null,\"time\":2,\"diff\":-1}\n\
         {\"name\":\"plain\",\"n\":1,\"x\":0.5,\"time\":2,\"diff\":1}\n\
         {\"name\":\"err\",\"n\":\"Error\",\"x\":2,\"time\":2,\"diff\":1}\n"
    );
    sink.finish().unwrap();
}

#[test]
fn rich_values() {
    let dir = TempDir::new();
    let path = dir.path().join("rich.jsonl").to_string_lossy().into_owned();
    let c = vec![
        "at".to_string(),
        "d".into(),
        "j".into(),
        "t".into(),
        "p".into(),
    ];
    let t = vec![
        DType::DateTime,
        DType::Duration,
        DType::Json,
        DType::Tuple(vec![DType::Int, DType::Str]),
        DType::Pointer,
    ];
    let key = Key(0xabc);
    let row = vec![
        Value::DateTime(1_704_164_645_123_000_000),
        Value::Duration(60_000_000_000),
        Value::Json(Arc::from(r#"{"a":[1,null]}"#)),
        Value::Tuple(vec![Value::Int(1), Value::str("x")].into()),
        Value::Pointer(key),
    ];
    let mut sink = open_file_sink("jsonlines", &path, &c, &t, SinkStart::Fresh).unwrap();
    sink.write_time(1, &[change(row.clone(), 1)]).unwrap();
    sink.finish().unwrap();
    let line = std::fs::read_to_string(&path).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(parsed["at"], "2024-01-02T03:04:05.123Z");
    assert_eq!(parsed["d"], 60000);
    assert_eq!(parsed["j"]["a"][0], 1);
    assert_eq!(parsed["t"], serde_json::json!([1, "x"]));
    assert_eq!(parsed["p"], key.to_string());

    let csv_path = dir.path().join("rich.csv").to_string_lossy().into_owned();
    let mut sink = open_file_sink("csv", &csv_path, &c, &t, SinkStart::Fresh).unwrap();
    sink.write_time(1, &[change(row, 1)]).unwrap();
    sink.finish().unwrap();
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let second = text.lines().nth(1).unwrap();
    assert_eq!(
        second,
        format!(
            "2024-01-02T03:04:05.123Z,60000,\"{{\"\"a\"\":[1,null]}}\",\"[1,\"\"x\"\"]\",{key},1,1"
        )
    );
}

#[test]
fn unknown_kind_fails() {
    let dir = TempDir::new();
    let path = dir.path().join("x").to_string_lossy().into_owned();
    assert!(open_file_sink("parquet", &path, &[], &[], SinkStart::Fresh).is_err());
}

#[test]
fn resumed_change_logs_cut_back_and_append() {
    let dir = TempDir::new();
    let (c, t) = columns();
    let one = |n: i64| {
        [change(
            vec![Value::str("a"), Value::Int(n), Value::Float(0.5)],
            1,
        )]
    };
    for kind in ["csv", "jsonlines"] {
        let path = dir
            .path()
            .join(format!("log.{kind}"))
            .to_string_lossy()
            .into_owned();
        let mut sink = open_file_sink(kind, &path, &c, &t, SinkStart::Fresh).unwrap();
        sink.write_time(1, &one(1)).unwrap();
        let at_one = sink.position().unwrap().unwrap();
        assert_eq!(at_one, std::fs::metadata(&path).unwrap().len());
        // Time 2 is written but its position never recorded (a crash): it is cut off.
        sink.write_time(2, &one(2)).unwrap();
        drop(sink);
        let mut sink = open_file_sink(kind, &path, &c, &t, SinkStart::Resume(at_one)).unwrap();
        assert_eq!(sink.position().unwrap(), Some(at_one));
        sink.write_time(2, &one(3)).unwrap();
        sink.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = if kind == "csv" {
            "name,n,x,time,diff\na,1,0.5,1,1\na,3,0.5,2,1\n"
        } else {
            "{\"name\":\"a\",\"n\":1,\"x\":0.5,\"time\":1,\"diff\":1}\n\
             {\"name\":\"a\",\"n\":3,\"x\":0.5,\"time\":2,\"diff\":1}\n"
        };
        assert_eq!(text, expected, "{kind}");
        // A file shorter than the recorded position is refused.
        let err = open_file_sink(kind, &path, &c, &t, SinkStart::Resume(1 << 20))
            .err()
            .unwrap();
        assert!(
            err.message.contains("truncated or replaced"),
            "{}",
            err.message
        );
    }
}
