//! `cast(type)`, `asString` and conversion of values to JSON.
//!
//! `None` stays `None` whatever the target (casts keep optionality); casting to the type a
//! value already has is a no-op; a conversion that cannot be made is an error value.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeDelta, Utc};

use crate::value::{DType, Key, Value};

use super::func::fail;
use super::text::{format_float, quote, show};

/// A compiled cast target.
#[derive(Debug)]
pub(crate) struct Target(DType);

impl Target {
    /// Compiles a target type.
    pub(crate) fn new(to: &DType) -> Target {
        Target(to.clone())
    }

    /// True when casting `v` gives `v` back unchanged (including `None` and errors).
    pub(crate) fn is_noop_for(&self, v: &Value) -> bool {
        matches!(v, Value::None | Value::Error) || already(self.0.unoptional(), v)
    }

    /// Casts a value for which [`Target::is_noop_for`] is false.
    pub(crate) fn apply(&self, v: &Value, errors: &mut Vec<String>) -> Value {
        match cast(self.0.unoptional(), v) {
            Ok(out) => out,
            Err(message) => fail(errors, message),
        }
    }
}

/// True when `v` already has type `to` (containers are always re-checked).
fn already(to: &DType, v: &Value) -> bool {
    matches!(
        (to, v),
        (DType::Any, _)
            | (DType::Int, Value::Int(_))
            | (DType::Float, Value::Float(_))
            | (DType::Bool, Value::Bool(_))
            | (DType::Str, Value::Str(_))
            | (DType::Bytes, Value::Bytes(_))
            | (DType::DateTime, Value::DateTime(_))
            | (DType::Duration, Value::Duration(_))
            | (DType::Json, Value::Json(_))
            | (DType::Pointer, Value::Pointer(_))
    )
}

/// 2^63 as a float: the first float above every i64.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

fn cannot(to: &DType, v: &Value) -> String {
    format!(
        "cast: cannot convert {} {} to {}",
        super::type_name(v),
        show(v),
        to.name()
    )
}

/// Casts one value (recursing into containers). `Err` holds the message.
fn cast(to: &DType, v: &Value) -> Result<Value, String> {
    if matches!(v, Value::None | Value::Error) || already(to, v) {
        return Ok(v.clone());
    }
    if let Value::Json(text) = v {
        if !matches!(to, DType::Json) {
            return from_json(to, text, v);
        }
    }
    let bad = || cannot(to, v);
    Ok(match (to, v) {
        (DType::Optional(inner), _) => return cast(inner, v),
        (DType::Int, Value::Float(x)) => {
            let t = x.trunc();
            if (-TWO_63..TWO_63).contains(&t) {
                Value::Int(t as i64)
            } else {
                return Err(bad());
            }
        }
        (DType::Int, Value::Bool(b)) => Value::Int(*b as i64),
        (DType::Int, Value::Str(s)) => Value::Int(s.trim().parse().map_err(|_| bad())?),
        (DType::Float, Value::Int(i)) => Value::Float(*i as f64),
        (DType::Float, Value::Bool(b)) => Value::Float(*b as i64 as f64),
        (DType::Float, Value::Str(s)) => Value::Float(s.trim().parse().map_err(|_| bad())?),
        (DType::Bool, Value::Int(i)) => Value::Bool(*i != 0),
        (DType::Bool, Value::Float(x)) => Value::Bool(*x != 0.0),
        (DType::Bool, Value::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad()),
        },
        (DType::Str, _) => Value::Str(as_string(v).into()),
        (DType::Bytes, Value::Str(s)) => Value::Bytes(s.as_bytes().into()),
        (DType::DateTime, Value::Str(s)) => Value::DateTime(parse_datetime(s).ok_or_else(bad)?),
        (DType::Pointer, Value::Str(s)) => Value::Pointer(Key::parse_hex(s).ok_or_else(bad)?),
        (DType::Json, _) => Value::Json(to_json(v)?.to_string().into()),
        (DType::Array(item), Value::Tuple(items)) => {
            let out: Result<Vec<Value>, String> = items.iter().map(|x| cast(item, x)).collect();
            Value::Tuple(out?.into())
        }
        (DType::Tuple(types), Value::Tuple(items)) if types.len() == items.len() => {
            let out: Result<Vec<Value>, String> = types
                .iter()
                .zip(items.iter())
                .map(|(t, x)| cast(t, x))
                .collect();
            Value::Tuple(out?.into())
        }
        _ => return Err(bad()),
    })
}

/// Extracts a typed value from JSON text (JSON `null` gives `None`).
fn from_json(to: &DType, text: &str, original: &Value) -> Result<Value, String> {
    let parsed: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("cast: invalid json {} ({e})", show(original)))?;
    json_to(to, &parsed).ok_or_else(|| cannot(to, original))
}

fn json_to(to: &DType, j: &serde_json::Value) -> Option<Value> {
    use serde_json::Value as J;
    if j.is_null() {
        return Some(Value::None);
    }
    Some(match (to.unoptional(), j) {
        (DType::Any | DType::Json, _) => Value::Json(j.to_string().into()),
        (DType::Int, J::Number(n)) => Value::Int(n.as_i64()?),
        (DType::Float, J::Number(n)) => Value::Float(n.as_f64()?),
        (DType::Bool, J::Bool(b)) => Value::Bool(*b),
        (DType::Str, J::String(s)) => Value::str(s),
        (DType::DateTime, J::String(s)) => Value::DateTime(parse_datetime(s)?),
        (DType::Array(item), J::Array(items)) => {
            let out: Option<Vec<Value>> = items.iter().map(|x| json_to(item, x)).collect();
            Value::Tuple(out?.into())
        }
        (DType::Tuple(types), J::Array(items)) if types.len() == items.len() => {
            let out: Option<Vec<Value>> = types
                .iter()
                .zip(items.iter())
                .map(|(t, x)| json_to(t, x))
                .collect();
            Value::Tuple(out?.into())
        }
        _ => return None,
    })
}

/// Parses an ISO 8601 datetime (`2024-05-01T12:00:00Z`, with an offset, without one = UTC,
/// or a plain date = midnight UTC) to nanoseconds since the epoch.
fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return t.timestamp_nanos_opt();
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return t.and_utc().timestamp_nanos_opt();
        }
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_nanos_opt()
}

/// The text form of a value (`asString`, `cast(str)`): ints in decimal, floats as
/// JavaScript's `String(x)`, strings as themselves, `true`/`false`, `null`, datetimes in
/// ISO 8601 UTC with `Z` (fraction only when non-zero), durations in ISO 8601 (`PT1.5S`),
/// pointers as `^hex`, JSON as its text, tuples as `(a, "b")`, bytes as UTF-8 (lossy).
pub fn as_string(v: &Value) -> String {
    match v {
        Value::None => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => format_float(*x),
        Value::Str(s) | Value::Json(s) => s.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::DateTime(ns) => {
            DateTime::<Utc>::from_timestamp_nanos(*ns).to_rfc3339_opts(SecondsFormat::AutoSi, true)
        }
        Value::Duration(ns) => TimeDelta::nanoseconds(*ns).to_string(),
        Value::Pointer(k) => k.to_string(),
        Value::Tuple(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|x| match x {
                    Value::Str(s) => quote(s),
                    other => as_string(other),
                })
                .collect();
            format!("({})", parts.join(", "))
        }
        Value::Error => "Error".to_string(),
    }
}

/// Converts a value to JSON: tuples become arrays, datetimes ISO 8601 strings, durations
/// integer nanoseconds, pointers `^hex` strings, JSON values themselves. Non-finite floats,
/// bytes and errors cannot be converted (`Err` holds the message).
pub fn to_json(v: &Value) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match v {
        Value::None => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(x) => {
            J::Number(serde_json::Number::from_f64(*x).ok_or_else(|| {
                format!("cast: cannot convert float {} to json", format_float(*x))
            })?)
        }
        Value::Str(s) => J::String(s.to_string()),
        Value::Json(text) => serde_json::from_str(text)
            .map_err(|e| format!("cast: invalid json {} ({e})", show(v)))?,
        Value::DateTime(_) | Value::Pointer(_) => J::String(as_string(v)),
        Value::Duration(ns) => J::from(*ns),
        Value::Tuple(items) => J::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Value::Bytes(_) | Value::Error => {
            return Err(format!(
                "cast: cannot convert {} to json",
                super::type_name(v)
            ))
        }
    })
}
