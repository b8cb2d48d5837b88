//! Unit tests of message decoding and options (no broker needed).

use std::sync::Arc;

use tributary_engine::{DType, ErrorEntry, Value};

use super::decode::{Decoder, MessageAt};
use super::options::{KafkaFormat, KafkaSourceOptions, StartFrom};

fn at() -> MessageAt<'static> {
    MessageAt {
        topic: "t",
        partition: 2,
        offset: 7,
        key: Some(b"k1"),
        timestamp: Some(1000),
    }
}

fn decode(
    format: KafkaFormat,
    cols: &[(&str, DType)],
    payload: &[u8],
) -> (Vec<Value>, Vec<ErrorEntry>) {
    let names: Vec<String> = cols.iter().map(|c| c.0.to_string()).collect();
    let dtypes: Vec<DType> = cols.iter().map(|c| c.1.clone()).collect();
    let mut decoder = Decoder::new("kafka:s".into(), &names, &dtypes, format, b',').unwrap();
    let (mut cells, mut errors) = (Vec::new(), Vec::new());
    decoder.decode(payload, &at(), &mut cells, &mut errors);
    (cells, errors)
}

#[test]
fn json_messages_fill_columns_and_report_bad_ones() {
    let cols = [("a", DType::Int), ("b", DType::Str)];
    let (cells, errors) = decode(KafkaFormat::Json, &cols, br#"{"a": 1, "b": "x"}"#);
    assert_eq!(cells, vec![Value::Int(1), Value::str("x")]);
    assert!(errors.is_empty());
    let (cells, errors) = decode(KafkaFormat::Json, &cols, b"{not json");
    assert_eq!(cells, vec![Value::Error, Value::Error]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].row, "t:2:7");
    assert!(
        errors[0].message.contains("invalid JSON"),
        "{}",
        errors[0].message
    );
    let (cells, errors) = decode(KafkaFormat::Json, &cols, br#"{"a": "z"}"#);
    assert_eq!(cells, vec![Value::Error, Value::Error]);
    assert_eq!(errors.len(), 2);
}

#[test]
fn csv_and_raw_messages() {
    let cols = [("a", DType::Int), ("b", DType::Str)];
    let (cells, errors) = decode(KafkaFormat::Csv, &cols, b"5,\"hello, world\"");
    assert_eq!(cells, vec![Value::Int(5), Value::str("hello, world")]);
    assert!(errors.is_empty());
    let (cells, errors) = decode(KafkaFormat::Csv, &cols, b"5");
    assert_eq!(cells, vec![Value::Error, Value::Error]);
    assert!(errors[0].message.contains("expected 2 CSV fields, got 1"));
    let raw = [("data", DType::Bytes)];
    let (cells, _) = decode(KafkaFormat::Raw, &raw, b"\x00\x01");
    assert_eq!(cells, vec![Value::Bytes(Arc::from(&b"\x00\x01"[..]))]);
}

#[test]
fn metadata_column() {
    let cols = [("data", DType::Str), ("_metadata", DType::Json)];
    let (cells, errors) = decode(KafkaFormat::Raw, &cols, b"hi");
    assert!(errors.is_empty());
    assert_eq!(cells[0], Value::str("hi"));
    let Value::Json(meta) = &cells[1] else {
        panic!("{:?}", cells[1])
    };
    let meta: serde_json::Value = serde_json::from_str(meta).unwrap();
    assert_eq!(meta["partition"], 2);
    assert_eq!(meta["offset"], 7);
    assert_eq!(meta["key"], "k1");
    let (cells, errors) = decode(KafkaFormat::Json, &cols, br#"{"data": "x"}"#);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(cells[0], Value::str("x"));
}

#[test]
fn options_parse() {
    let json = serde_json::json!({"brokers": "h:1", "groupId": "g", "format": "csv", "startFrom": "latest"});
    let o = KafkaSourceOptions::from_json(&json).unwrap();
    assert_eq!(o.format, KafkaFormat::Csv);
    assert_eq!(o.start_from, StartFrom::Latest);
    assert!(KafkaSourceOptions::from_json(&serde_json::json!({"brokers": "h"})).is_err());
}
