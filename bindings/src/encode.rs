//! Encodes engine values for JavaScript: JSON with tags for what JSON cannot say
//! (`{"$dt": "<ns>"}`, `{"$ptr": "<hex>"}`, `{"$error": true}` …; see `ts/api/native.ts`).

use std::fmt::Write;

use base64::Engine as _;
use tributary_engine::{Diff, Key, Time, Value};

use crate::sinks::Collected;

/// Largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// `{"collected": {"<id>": [[id, cells, time, diff], ...]}}`.
pub fn collected_to_json(collected: &Collected) -> String {
    let all = collected
        .lock()
        .map(|guard| guard.clone())
        .unwrap_or_default();
    let mut out = String::from("{\"collected\":{");
    for (n, (id, changes)) in all.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        let _ = write!(out, "\"{id}\":[");
        for (m, (key, row, time, diff)) in changes.iter().enumerate() {
            if m > 0 {
                out.push(',');
            }
            encode_change(&mut out, *key, row, *time, *diff);
        }
        out.push(']');
    }
    out.push_str("}}");
    out
}

/// Appends one change as `[id, cells, time, diff]`.
pub fn encode_change(out: &mut String, key: Key, row: &[Value], time: Time, diff: Diff) {
    let _ = write!(out, "[\"{:032x}\",", { key.0 });
    encode_cells(out, row);
    let _ = write!(out, ",{time},{diff}]");
}

fn encode_cells(out: &mut String, cells: &[Value]) {
    out.push('[');
    for (n, cell) in cells.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        encode_value(out, cell);
    }
    out.push(']');
}

/// Appends one value in the tagged JSON encoding.
pub fn encode_value(out: &mut String, value: &Value) {
    match value {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) if i.abs() <= MAX_SAFE_INTEGER => {
            let _ = write!(out, "{i}");
        }
        Value::Int(i) => {
            let _ = write!(out, "{{\"$int\":\"{i}\"}}");
        }
        Value::Float(f) if f.is_finite() => {
            let _ = write!(out, "{f:?}");
        }
        Value::Float(f) => {
            let name = if f.is_nan() {
                "NaN"
            } else if *f > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            let _ = write!(out, "{{\"$float\":\"{name}\"}}");
        }
        Value::Str(s) => push_json_string(out, s),
        Value::Bytes(b) => {
            out.push_str("{\"$bytes\":\"");
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
            out.push_str("\"}");
        }
        Value::DateTime(ns) => {
            let _ = write!(out, "{{\"$dt\":\"{ns}\"}}");
        }
        Value::Duration(ns) => {
            let _ = write!(out, "{{\"$dur\":\"{ns}\"}}");
        }
        Value::Json(text) => {
            out.push_str("{\"$json\":");
            out.push_str(text);
            out.push('}');
        }
        Value::Pointer(key) => {
            let _ = write!(out, "{{\"$ptr\":\"{:032x}\"}}", { key.0 });
        }
        Value::Tuple(items) => encode_cells(out, items),
        Value::Error => out.push_str("{\"$error\":true}"),
    }
}

fn push_json_string(out: &mut String, text: &str) {
    match serde_json::to_string(text) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}
