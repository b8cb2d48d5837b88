//! CSV cells (text) to engine values by declared type.

use std::sync::Arc;

use tributary_engine::{DType, Key, Value};

use super::json::value_from_json;
use super::mismatch;
use super::time::{float_millis_to_nanos, millis_to_nanos, parse_datetime_text};

/// Converts one CSV cell to a value of type `dtype`.
///
/// Optional types read an empty cell as `None`; ints accept integer text; floats any number;
/// bools `true/false/True/False/TRUE/FALSE/1/0`; datetimes ISO 8601 text (or milliseconds since
/// the epoch); durations milliseconds; `bytes` the UTF-8 bytes of the text; pointers the `^hex`
/// form; `json`, arrays and tuples parse the cell as JSON. `any` keeps the text as a string.
/// Surrounding spaces are ignored for every type except `str`, `bytes` and `any`.
pub fn parse_text_cell(text: &str, dtype: &DType) -> Result<Value, String> {
    match dtype {
        DType::Optional(inner) => {
            if text.is_empty() {
                Ok(Value::None)
            } else {
                parse_text_cell(text, inner)
            }
        }
        DType::Any | DType::Str => Ok(Value::Str(Arc::from(text))),
        DType::Bytes => Ok(Value::Bytes(Arc::from(text.as_bytes()))),
        DType::Int => text
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| mismatch(text, dtype)),
        DType::Float => text
            .trim()
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| mismatch(text, dtype)),
        DType::Bool => match text.trim() {
            "true" | "True" | "TRUE" | "1" => Ok(Value::Bool(true)),
            "false" | "False" | "FALSE" | "0" => Ok(Value::Bool(false)),
            _ => Err(mismatch(text, dtype)),
        },
        DType::DateTime => {
            let trimmed = text.trim();
            let nanos = match trimmed.parse::<i64>() {
                Ok(ms) => millis_to_nanos(ms),
                Err(_) => parse_datetime_text(trimmed),
            };
            nanos
                .map(Value::DateTime)
                .ok_or_else(|| mismatch(text, dtype))
        }
        DType::Duration => {
            let trimmed = text.trim();
            let nanos = match trimmed.parse::<i64>() {
                Ok(ms) => millis_to_nanos(ms),
                Err(_) => trimmed.parse::<f64>().ok().and_then(float_millis_to_nanos),
            };
            nanos
                .map(Value::Duration)
                .ok_or_else(|| mismatch(text, dtype))
        }
        DType::Pointer => Key::parse_hex(text.trim())
            .map(Value::Pointer)
            .ok_or_else(|| mismatch(text, dtype)),
        DType::Json | DType::Array(_) | DType::Tuple(_) => {
            let json: serde_json::Value =
                serde_json::from_str(text).map_err(|_| mismatch(text, dtype))?;
            value_from_json(&json, dtype).map_err(|_| mismatch(text, dtype))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(t: DType) -> DType {
        DType::Optional(Box::new(t))
    }

    #[test]
    fn scalars() {
        assert_eq!(parse_text_cell("12", &DType::Int), Ok(Value::Int(12)));
        assert_eq!(parse_text_cell(" -3 ", &DType::Int), Ok(Value::Int(-3)));
        assert_eq!(
            parse_text_cell("12.5", &DType::Int),
            Err("cannot read 12.5 as int".into())
        );
        assert!(parse_text_cell("", &DType::Int).is_err());
        assert_eq!(parse_text_cell("2", &DType::Float), Ok(Value::Float(2.0)));
        assert_eq!(
            parse_text_cell("1e3", &DType::Float),
            Ok(Value::Float(1000.0))
        );
        assert!(parse_text_cell("abc", &DType::Float).is_err());
        for (t, b) in [
            ("true", true),
            ("True", true),
            ("1", true),
            ("false", false),
            ("False", false),
            ("0", false),
        ] {
            assert_eq!(parse_text_cell(t, &DType::Bool), Ok(Value::Bool(b)));
        }
        assert!(parse_text_cell("yes", &DType::Bool).is_err());
        assert_eq!(
            parse_text_cell(" a b ", &DType::Str),
            Ok(Value::str(" a b "))
        );
        assert_eq!(parse_text_cell("", &DType::Str), Ok(Value::str("")));
        assert_eq!(
            parse_text_cell("ab", &DType::Bytes),
            Ok(Value::Bytes(Arc::from(&b"ab"[..])))
        );
    }

    #[test]
    fn optionals() {
        assert_eq!(parse_text_cell("", &opt(DType::Int)), Ok(Value::None));
        assert_eq!(parse_text_cell("", &opt(DType::Str)), Ok(Value::None));
        assert_eq!(parse_text_cell("4", &opt(DType::Int)), Ok(Value::Int(4)));
        let err = parse_text_cell("x", &opt(DType::Int)).unwrap_err();
        assert_eq!(err, "cannot read x as int");
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_text_cell("1970-01-01T00:00:02Z", &DType::DateTime),
            Ok(Value::DateTime(2_000_000_000))
        );
        assert_eq!(
            parse_text_cell("2000", &DType::DateTime),
            Ok(Value::DateTime(2_000_000_000))
        );
        assert!(parse_text_cell("noon", &DType::DateTime).is_err());
        assert_eq!(
            parse_text_cell("1500", &DType::Duration),
            Ok(Value::Duration(1_500_000_000))
        );
        assert_eq!(
            parse_text_cell("0.5", &DType::Duration),
            Ok(Value::Duration(500_000))
        );
        assert!(parse_text_cell("1h", &DType::Duration).is_err());
    }

    #[test]
    fn structured() {
        assert_eq!(
            parse_text_cell(r#"{"a": [1, 2]}"#, &DType::Json),
            Ok(Value::Json(Arc::from(r#"{"a":[1,2]}"#)))
        );
        assert!(parse_text_cell("{oops", &DType::Json).is_err());
        let arr = DType::Array(Box::new(DType::Int));
        assert_eq!(
            parse_text_cell("[1,2]", &arr),
            Ok(Value::Tuple(vec![Value::Int(1), Value::Int(2)].into()))
        );
        assert!(parse_text_cell("[1,\"a\"]", &arr).is_err());
        let tup = DType::Tuple(vec![DType::Str, DType::Bool]);
        assert_eq!(
            parse_text_cell(r#"["a", true]"#, &tup),
            Ok(Value::Tuple(
                vec![Value::str("a"), Value::Bool(true)].into()
            ))
        );
        let key = Key::for_values(&[Value::str("k")]);
        assert_eq!(
            parse_text_cell(&key.to_string(), &DType::Pointer),
            Ok(Value::Pointer(key))
        );
        assert!(parse_text_cell("^xyz", &DType::Pointer).is_err());
    }
}
