//! Reading PostgreSQL values: which column types a schema type accepts (checked before
//! reading), and the conversion of a value's text form (as both the snapshot query and
//! `pgoutput` send it, with `DateStyle=ISO`, `TimeZone=UTC`) into an engine value.
//!
//! | schema type | column types                                        |
//! |-------------|-----------------------------------------------------|
//! | int         | `bigint`, `integer`, `smallint`, `oid`              |
//! | float       | `double precision`, `real`, `numeric`, integers     |
//! | bool        | `boolean`                                           |
//! | str         | `text`, `varchar`, `char`, `name`, `uuid`           |
//! | bytes       | `bytea`                                             |
//! | datetime    | `timestamptz`, `timestamp` (UTC wall time), `date`  |
//! | duration    | `bigint` (milliseconds)                             |
//! | json, arrays, tuples | `json`, `jsonb`                            |
//! | pointer     | `text`, `varchar` (`^hex` ids)                      |
//! | any         | every type (its text form, as a string)             |

use std::sync::Arc;

use tributary_engine::{DType, Key, Value};

use crate::convert::json::value_from_json;
use crate::convert::mismatch;
use crate::convert::time::parse_datetime_text;

/// Type OIDs this reader knows.
pub(crate) mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const JSON: u32 = 114;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const NUMERIC: u32 = 1700;
    pub const UUID: u32 = 2950;
    pub const JSONB: u32 = 3802;
}

/// True when a column of type `type_oid` can be read as `dtype`.
pub(crate) fn accepts(dtype: &DType, type_oid: u32) -> bool {
    use oid::*;
    let ok: &[u32] = match dtype.unoptional() {
        DType::Any => return true,
        DType::Int => &[INT8, INT4, INT2, OID],
        DType::Float => &[FLOAT8, FLOAT4, NUMERIC, INT8, INT4, INT2],
        DType::Bool => &[BOOL],
        DType::Str => &[TEXT, VARCHAR, BPCHAR, NAME, UUID],
        DType::Bytes => &[BYTEA],
        DType::DateTime => &[TIMESTAMPTZ, TIMESTAMP, DATE],
        DType::Duration => &[INT8],
        DType::Json | DType::Array(_) | DType::Tuple(_) => &[JSON, JSONB],
        DType::Pointer => &[TEXT, VARCHAR],
        DType::Optional(_) => return false,
    };
    ok.contains(&type_oid)
}

/// Converts a cell (`None` = SQL NULL) of a column of type `type_oid` to a value of `dtype`.
pub(crate) fn convert(text: Option<&str>, dtype: &DType, type_oid: u32) -> Result<Value, String> {
    let Some(text) = text else {
        return if dtype.is_optional() || matches!(dtype, DType::Any) {
            Ok(Value::None)
        } else {
            Err(format!(
                "NULL in a column of non-optional type {}",
                dtype.name()
            ))
        };
    };
    let inner = dtype.unoptional();
    let bad = || mismatch(text, inner);
    match inner {
        DType::Any | DType::Str => Ok(Value::Str(Arc::from(text))),
        DType::Int => text.parse::<i64>().map(Value::Int).map_err(|_| bad()),
        DType::Float => text.parse::<f64>().map(Value::Float).map_err(|_| bad()),
        DType::Bool => match text {
            "t" | "true" => Ok(Value::Bool(true)),
            "f" | "false" => Ok(Value::Bool(false)),
            _ => Err(bad()),
        },
        DType::Bytes => decode_bytea(text)
            .map(|b| Value::Bytes(b.into()))
            .ok_or_else(bad),
        DType::DateTime => {
            let trimmed = if type_oid == oid::TIMESTAMPTZ {
                strip_utc_offset(text)
            } else {
                text
            };
            fast_timestamp(trimmed)
                .or_else(|| parse_datetime_text(trimmed))
                .map(Value::DateTime)
                .ok_or_else(bad)
        }
        DType::Duration => text
            .parse::<i64>()
            .ok()
            .and_then(|ms| ms.checked_mul(1_000_000))
            .map(Value::Duration)
            .ok_or_else(bad),
        DType::Pointer => Key::parse_hex(text).map(Value::Pointer).ok_or_else(bad),
        DType::Json | DType::Array(_) | DType::Tuple(_) => {
            let json: serde_json::Value = serde_json::from_str(text).map_err(|_| bad())?;
            value_from_json(&json, inner)
        }
        DType::Optional(_) => unreachable!("unoptional"),
    }
}

/// `2024-01-02 03:04:05.5+00` → `2024-01-02 03:04:05.5` (the session's zone is UTC).
fn strip_utc_offset(text: &str) -> &str {
    text.strip_suffix("+00").unwrap_or(text)
}

/// Parses PostgreSQL's ISO output `YYYY-MM-DD[ HH:MM:SS[.ffffff]]` (UTC) into nanoseconds
/// since the epoch without a general-purpose parser; `None` for anything else.
fn fast_timestamp(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut nanos = 0i64;
    if b.len() > 10 {
        if b.len() < 19 || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if hh > 23 || mm > 59 || ss > 60 {
            return None;
        }
        nanos = ((hh * 60 + mm) * 60 + ss) * 1_000_000_000;
        if b.len() > 19 {
            if b[19] != b'.' || b.len() > 29 || b.len() == 20 {
                return None;
            }
            let frac = num(20..b.len())?;
            nanos += frac * 10i64.pow((29 - b.len()) as u32);
        }
    }
    // Days from the civil date (proleptic Gregorian), after H. Hinnant.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days.checked_mul(86_400_000_000_000)?.checked_add(nanos)
}

/// Decodes `bytea` hex output (`\x0a1b…`).
fn decode_bytea(text: &str) -> Option<Vec<u8>> {
    let hex = text.strip_prefix("\\x")?;
    if hex.len() % 2 != 0 {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16);
    hex.as_bytes()
        .chunks(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_text_forms() {
        assert_eq!(
            convert(Some("42"), &DType::Int, oid::INT4),
            Ok(Value::Int(42))
        );
        assert_eq!(
            convert(Some("1.5"), &DType::Float, oid::NUMERIC),
            Ok(Value::Float(1.5))
        );
        assert_eq!(
            convert(Some("t"), &DType::Bool, oid::BOOL),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            convert(Some("\\x0aff"), &DType::Bytes, oid::BYTEA),
            Ok(Value::Bytes(vec![10u8, 255].into()))
        );
        assert_eq!(
            convert(
                Some("1970-01-01 00:00:01.5+00"),
                &DType::DateTime,
                oid::TIMESTAMPTZ
            ),
            Ok(Value::DateTime(1_500_000_000))
        );
        assert_eq!(
            convert(Some("{\"a\": 1}"), &DType::Json, oid::JSONB),
            Ok(Value::Json("{\"a\":1}".into()))
        );
        let opt = DType::Optional(Box::new(DType::Int));
        assert_eq!(convert(None, &opt, oid::INT8), Ok(Value::None));
        assert!(convert(None, &DType::Int, oid::INT8).is_err());
        assert!(convert(Some("infinity"), &DType::DateTime, oid::TIMESTAMP).is_err());
    }

    #[test]
    fn fast_timestamps_agree_with_the_general_parser() {
        for text in [
            "1970-01-01",
            "2024-02-29 23:59:59",
            "1999-12-31 00:00:00.5",
            "2038-01-19 03:14:07.123456",
            "1900-03-01 12:00:00.000001",
        ] {
            assert_eq!(fast_timestamp(text), parse_datetime_text(text), "{text}");
        }
        assert_eq!(fast_timestamp("infinity"), None);
        assert_eq!(fast_timestamp("2024-13-01"), None);
    }

    #[test]
    fn checks_column_types() {
        assert!(accepts(&DType::Float, oid::NUMERIC));
        assert!(accepts(&DType::Optional(Box::new(DType::Str)), oid::UUID));
        assert!(!accepts(&DType::Int, oid::TEXT));
        assert!(!accepts(&DType::Bool, oid::INT4));
    }
}
