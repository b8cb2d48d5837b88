//! Value formatting for change-log files: JSON values and CSV cell text.
//!
//! Numbers print as JavaScript's `String(x)` would (`1`, `0.1`, `1e+21`, `1e-7`); datetimes as
//! ISO 8601 UTC with milliseconds; durations as milliseconds; pointers as `^hex`; tuples as
//! JSON arrays; bytes as (lossy) UTF-8 text; an error cell as the text `Error` (the JSON string
//! `"Error"`), so that it stays distinct from a null.

use std::io::Write;

use tributary_engine::Value;

use crate::convert::time::format_datetime;

const NANOS_PER_MILLI: i64 = 1_000_000;

/// Writes a float the way JavaScript's `String(x)` does (`NaN`, `Infinity` included).
pub(crate) fn write_js_float(out: &mut Vec<u8>, x: f64) {
    if x.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if x.is_infinite() {
        out.extend_from_slice(if x > 0.0 { b"Infinity" } else { b"-Infinity" });
    } else if x == 0.0 {
        out.push(b'0');
    } else if x.abs() >= 1e21 || x.abs() < 1e-6 {
        let start = out.len();
        let _ = write!(out, "{x:e}");
        if let Some(e) = out[start..].iter().position(|&b| b == b'e') {
            if out.get(start + e + 1) != Some(&b'-') {
                out.insert(start + e + 1, b'+');
            }
        }
    } else {
        let _ = write!(out, "{x}");
    }
}

/// Writes a duration (nanoseconds) as milliseconds: an integer when whole.
fn write_millis(out: &mut Vec<u8>, nanos: i64) {
    if nanos % NANOS_PER_MILLI == 0 {
        let _ = write!(out, "{}", nanos / NANOS_PER_MILLI);
    } else {
        write_js_float(out, nanos as f64 / NANOS_PER_MILLI as f64);
    }
}

/// Writes a JSON string literal.
pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str) {
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Writes a value as JSON.
pub(crate) fn write_json(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::None => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(x) if x.is_finite() => write_js_float(out, *x),
        Value::Float(_) => out.extend_from_slice(b"null"),
        Value::Str(s) => write_json_str(out, s),
        Value::Bytes(b) => write_json_str(out, &String::from_utf8_lossy(b)),
        Value::DateTime(n) => write_json_str(out, &format_datetime(*n)),
        Value::Duration(n) => write_millis(out, *n),
        Value::Json(text) => out.extend_from_slice(text.as_bytes()),
        Value::Pointer(k) => write_json_str(out, &k.to_string()),
        Value::Tuple(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(out, item);
            }
            out.push(b']');
        }
        Value::Error => out.extend_from_slice(b"\"Error\""),
    }
}

/// Writes a value as the text of one CSV cell (unquoted; the CSV writer quotes as needed).
pub(crate) fn write_text(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::None => {}
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(x) => write_js_float(out, *x),
        Value::Str(s) => out.extend_from_slice(s.as_bytes()),
        Value::Bytes(b) => out.extend_from_slice(b),
        Value::DateTime(n) => out.extend_from_slice(format_datetime(*n).as_bytes()),
        Value::Duration(n) => write_millis(out, *n),
        Value::Json(text) => out.extend_from_slice(text.as_bytes()),
        Value::Pointer(k) => {
            let _ = write!(out, "{k}");
        }
        Value::Tuple(_) => write_json(out, value),
        Value::Error => out.extend_from_slice(b"Error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn js(x: f64) -> String {
        let mut out = Vec::new();
        write_js_float(&mut out, x);
        String::from_utf8(out).unwrap()
    }

    fn json(v: &Value) -> String {
        let mut out = Vec::new();
        write_json(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn text(v: &Value) -> String {
        let mut out = Vec::new();
        write_text(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_like_javascript() {
        assert_eq!(js(1.0), "1");
        assert_eq!(js(-0.0), "0");
        assert_eq!(js(0.1), "0.1");
        assert_eq!(js(2.5), "2.5");
        assert_eq!(js(1e21), "1e+21");
        assert_eq!(js(1.5e-7), "1.5e-7");
        assert_eq!(js(123456789012.0), "123456789012");
        assert_eq!(js(0.000001), "0.000001");
        assert_eq!(js(f64::NAN), "NaN");
        assert_eq!(js(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn json_values() {
        assert_eq!(json(&Value::None), "null");
        assert_eq!(json(&Value::str("a\"b")), r#""a\"b""#);
        assert_eq!(json(&Value::Float(f64::NAN)), "null");
        assert_eq!(
            json(&Value::DateTime(1_500_000_000)),
            r#""1970-01-01T00:00:01.500Z""#
        );
        assert_eq!(json(&Value::Duration(2_000_000)), "2");
        assert_eq!(json(&Value::Duration(2_500_000)), "2.5");
        assert_eq!(json(&Value::Json(Arc::from(r#"{"a":1}"#))), r#"{"a":1}"#);
        assert_eq!(
            json(&Value::Tuple(
                vec![Value::Int(1), Value::str("x"), Value::None].into()
            )),
            r#"[1,"x",null]"#
        );
        assert_eq!(json(&Value::Error), r#""Error""#);
        let key = tributary_engine::Key(255);
        assert_eq!(json(&Value::Pointer(key)), format!("\"{key}\""));
    }

    #[test]
    fn text_values() {
        assert_eq!(text(&Value::None), "");
        assert_eq!(text(&Value::Bool(true)), "true");
        assert_eq!(text(&Value::Float(3.0)), "3");
        assert_eq!(
            text(&Value::Tuple(vec![Value::Int(1), Value::Float(0.5)].into())),
            "[1,0.5]"
        );
        assert_eq!(text(&Value::Error), "Error");
        assert_eq!(text(&Value::Bytes(Arc::from(&b"hi"[..]))), "hi");
    }
}
