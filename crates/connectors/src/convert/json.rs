//! JSON values to engine values by declared type. The scalar functions are shared with the
//! streaming row parser (`json_row`) so that both paths convert identically.

use std::sync::Arc;

use serde_json::Value as Json;
use tributary_engine::{DType, Key, Value};

use super::mismatch;
use super::time::{float_millis_to_nanos, millis_to_nanos, parse_datetime_text};

/// Converts a JSON value to a cell of type `dtype`.
///
/// Ints accept JSON integers and floats without a fraction; floats accept integers; datetimes
/// accept ISO 8601 text or milliseconds since the epoch; durations accept milliseconds;
/// `json` keeps any value (canonical text); arrays and tuples come from JSON arrays;
/// `null` is `None` for optional types (and `Json("null")` for a plain `json` column).
pub fn value_from_json(v: &Json, dtype: &DType) -> Result<Value, String> {
    match v {
        Json::Null => from_null(dtype),
        Json::Bool(b) => from_bool(*b, dtype),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                from_i64(i, dtype)
            } else if let Some(u) = n.as_u64() {
                from_u64(u, dtype)
            } else {
                from_f64(n.as_f64().unwrap_or(f64::NAN), dtype)
            }
        }
        Json::String(s) => from_str(s, dtype),
        Json::Array(items) => from_array(v, items, dtype),
        Json::Object(_) => match dtype {
            DType::Optional(inner) => value_from_json(v, inner),
            DType::Json | DType::Any => Ok(json_text(v)),
            _ => Err(mismatch(&v.to_string(), dtype)),
        },
    }
}

fn json_text(v: &Json) -> Value {
    Value::Json(Arc::from(v.to_string()))
}

fn from_array(whole: &Json, items: &[Json], dtype: &DType) -> Result<Value, String> {
    match dtype {
        DType::Optional(inner) => from_array(whole, items, inner),
        DType::Json => Ok(json_text(whole)),
        DType::Array(elem) => {
            let values = items
                .iter()
                .map(|item| value_from_json(item, elem))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| mismatch(&whole.to_string(), dtype))?;
            Ok(Value::Tuple(values.into()))
        }
        DType::Tuple(types) if types.len() == items.len() => {
            let values = items
                .iter()
                .zip(types)
                .map(|(item, t)| value_from_json(item, t))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| mismatch(&whole.to_string(), dtype))?;
            Ok(Value::Tuple(values.into()))
        }
        DType::Any => {
            let values = items
                .iter()
                .map(|item| value_from_json(item, &DType::Any))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Tuple(values.into()))
        }
        DType::Bytes => {
            let bytes = items
                .iter()
                .map(|item| item.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| mismatch(&whole.to_string(), dtype))?;
            Ok(Value::Bytes(bytes.into()))
        }
        _ => Err(mismatch(&whole.to_string(), dtype)),
    }
}

/// JSON `null` (or a missing field, for optional types).
pub(crate) fn from_null(dtype: &DType) -> Result<Value, String> {
    match dtype {
        DType::Optional(_) | DType::Any => Ok(Value::None),
        DType::Json => Ok(Value::Json(Arc::from("null"))),
        _ => Err(mismatch("null", dtype)),
    }
}

/// A JSON boolean.
pub(crate) fn from_bool(b: bool, dtype: &DType) -> Result<Value, String> {
    match dtype.unoptional() {
        DType::Bool | DType::Any => Ok(Value::Bool(b)),
        DType::Json => Ok(Value::Json(Arc::from(if b { "true" } else { "false" }))),
        _ => Err(mismatch(if b { "true" } else { "false" }, dtype)),
    }
}

/// A JSON integer that fits `i64`.
pub(crate) fn from_i64(i: i64, dtype: &DType) -> Result<Value, String> {
    match dtype.unoptional() {
        DType::Int | DType::Any => Ok(Value::Int(i)),
        DType::Float => Ok(Value::Float(i as f64)),
        DType::DateTime => millis_to_nanos(i)
            .map(Value::DateTime)
            .ok_or_else(|| mismatch(&i.to_string(), dtype)),
        DType::Duration => millis_to_nanos(i)
            .map(Value::Duration)
            .ok_or_else(|| mismatch(&i.to_string(), dtype)),
        DType::Json => Ok(Value::Json(Arc::from(i.to_string()))),
        _ => Err(mismatch(&i.to_string(), dtype)),
    }
}

/// A JSON integer above `i64::MAX`.
pub(crate) fn from_u64(u: u64, dtype: &DType) -> Result<Value, String> {
    match dtype.unoptional() {
        DType::Float | DType::Any => Ok(Value::Float(u as f64)),
        DType::DateTime | DType::Duration => from_f64(u as f64, dtype),
        DType::Json => Ok(Value::Json(Arc::from(u.to_string()))),
        _ => Err(mismatch(&u.to_string(), dtype)),
    }
}

/// 2^63: floats in `[-2^63, 2^63)` convert to `i64` exactly.
const I64_BOUND: f64 = 9_223_372_036_854_775_808.0;

/// A JSON number with a fraction or exponent.
pub(crate) fn from_f64(x: f64, dtype: &DType) -> Result<Value, String> {
    let shown = || serde_json::to_string(&x).unwrap_or_else(|_| x.to_string());
    match dtype.unoptional() {
        DType::Float | DType::Any => Ok(Value::Float(x)),
        DType::Int if x.fract() == 0.0 && (-I64_BOUND..I64_BOUND).contains(&x) => {
            Ok(Value::Int(x as i64))
        }
        DType::DateTime => float_millis_to_nanos(x)
            .map(Value::DateTime)
            .ok_or_else(|| mismatch(&shown(), dtype)),
        DType::Duration => float_millis_to_nanos(x)
            .map(Value::Duration)
            .ok_or_else(|| mismatch(&shown(), dtype)),
        DType::Json => Ok(Value::Json(Arc::from(shown()))),
        _ => Err(mismatch(&shown(), dtype)),
    }
}

/// A JSON string.
pub(crate) fn from_str(s: &str, dtype: &DType) -> Result<Value, String> {
    match dtype.unoptional() {
        DType::Str | DType::Any => Ok(Value::Str(Arc::from(s))),
        DType::Bytes => Ok(Value::Bytes(Arc::from(s.as_bytes()))),
        DType::DateTime => parse_datetime_text(s)
            .map(Value::DateTime)
            .ok_or_else(|| mismatch(&quoted(s), dtype)),
        DType::Pointer => Key::parse_hex(s)
            .map(Value::Pointer)
            .ok_or_else(|| mismatch(&quoted(s), dtype)),
        DType::Json => Ok(Value::Json(Arc::from(quoted(s)))),
        _ => Err(mismatch(&quoted(s), dtype)),
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opt(t: DType) -> DType {
        DType::Optional(Box::new(t))
    }

    #[test]
    fn ints() {
        assert_eq!(value_from_json(&json!(12), &DType::Int), Ok(Value::Int(12)));
        assert_eq!(
            value_from_json(&json!(12.0), &DType::Int),
            Ok(Value::Int(12))
        );
        assert!(value_from_json(&json!(12.5), &DType::Int).is_err());
        assert!(value_from_json(&json!("12"), &DType::Int).is_err());
        assert!(value_from_json(&json!(u64::MAX), &DType::Int).is_err());
        assert!(value_from_json(&json!(null), &DType::Int).is_err());
        assert_eq!(
            value_from_json(&json!(null), &opt(DType::Int)),
            Ok(Value::None)
        );
        assert_eq!(
            value_from_json(&json!(3), &opt(DType::Int)),
            Ok(Value::Int(3))
        );
    }

    #[test]
    fn floats_bools_strings() {
        assert_eq!(
            value_from_json(&json!(2), &DType::Float),
            Ok(Value::Float(2.0))
        );
        assert_eq!(
            value_from_json(&json!(2.5), &DType::Float),
            Ok(Value::Float(2.5))
        );
        assert_eq!(
            value_from_json(&json!(true), &DType::Bool),
            Ok(Value::Bool(true))
        );
        assert!(value_from_json(&json!("true"), &DType::Bool).is_err());
        assert_eq!(
            value_from_json(&json!("hi"), &DType::Str),
            Ok(Value::str("hi"))
        );
        let err = value_from_json(&json!(5), &DType::Str).unwrap_err();
        assert_eq!(err, "cannot read 5 as str");
    }

    #[test]
    fn datetimes_and_durations() {
        assert_eq!(
            value_from_json(&json!(1500), &DType::DateTime),
            Ok(Value::DateTime(1_500_000_000))
        );
        assert_eq!(
            value_from_json(&json!("1970-01-01T00:00:01.5Z"), &DType::DateTime),
            Ok(Value::DateTime(1_500_000_000))
        );
        assert!(value_from_json(&json!("soon"), &DType::DateTime).is_err());
        assert_eq!(
            value_from_json(&json!(2.5), &DType::Duration),
            Ok(Value::Duration(2_500_000))
        );
        assert!(value_from_json(&json!("2s"), &DType::Duration).is_err());
    }

    #[test]
    fn json_pointer_bytes() {
        assert_eq!(
            value_from_json(&json!({"b": 1, "a": [1, 2.5]}), &DType::Json),
            Ok(Value::Json(Arc::from(r#"{"a":[1,2.5],"b":1}"#)))
        );
        assert_eq!(
            value_from_json(&json!(null), &DType::Json),
            Ok(Value::Json(Arc::from("null")))
        );
        assert_eq!(
            value_from_json(&json!(null), &opt(DType::Json)),
            Ok(Value::None)
        );
        assert_eq!(
            value_from_json(&json!("x"), &DType::Json),
            Ok(Value::Json(Arc::from("\"x\"")))
        );
        let key = Key::for_values(&[Value::Int(1)]);
        assert_eq!(
            value_from_json(&json!(key.to_string()), &DType::Pointer),
            Ok(Value::Pointer(key))
        );
        assert!(value_from_json(&json!("^zz"), &DType::Pointer).is_err());
        assert_eq!(
            value_from_json(&json!("ab"), &DType::Bytes),
            Ok(Value::Bytes(Arc::from(&b"ab"[..])))
        );
        assert_eq!(
            value_from_json(&json!([1, 255]), &DType::Bytes),
            Ok(Value::Bytes(Arc::from(&[1u8, 255][..])))
        );
    }

    #[test]
    fn arrays_and_tuples() {
        let arr = DType::Array(Box::new(DType::Float));
        assert_eq!(
            value_from_json(&json!([1, 2.5]), &arr),
            Ok(Value::Tuple(
                vec![Value::Float(1.0), Value::Float(2.5)].into()
            ))
        );
        let err = value_from_json(&json!([1, "x"]), &arr).unwrap_err();
        assert!(err.contains("array(float)"), "{err}");
        let tup = DType::Tuple(vec![DType::Int, DType::Str]);
        assert_eq!(
            value_from_json(&json!([1, "a"]), &tup),
            Ok(Value::Tuple(vec![Value::Int(1), Value::str("a")].into()))
        );
        assert!(value_from_json(&json!([1]), &tup).is_err());
        assert!(value_from_json(&json!(1), &arr).is_err());
    }

    #[test]
    fn any_maps_naturally() {
        assert_eq!(value_from_json(&json!(null), &DType::Any), Ok(Value::None));
        assert_eq!(value_from_json(&json!(1), &DType::Any), Ok(Value::Int(1)));
        assert_eq!(
            value_from_json(&json!([1, "a"]), &DType::Any),
            Ok(Value::Tuple(vec![Value::Int(1), Value::str("a")].into()))
        );
        assert_eq!(
            value_from_json(&json!({}), &DType::Any),
            Ok(Value::Json(Arc::from("{}")))
        );
    }
}
