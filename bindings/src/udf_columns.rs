//! Columnar layout of user-function batches across the boundary, built without a napi call per
//! value: numbers as one `Float64Array`, strings as one JS string plus `Uint32Array` offsets in
//! UTF-16 units (JS slices it), nulls as a validity mask (one byte per row, 0 = null), anything
//! else as one JSON text in the tagged encoding of `encode.rs`. Results come back the same way.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use tributary_engine::udf::UdfOutcome;
use tributary_engine::{DType, Value};

use crate::encode::encode_value;

/// Largest integer a JS number holds exactly.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// One argument column, encoded on the engine worker.
pub enum Column {
    /// Every value a number (ints within JS's exact range, floats) or null.
    Numbers {
        /// One number per row (0 where null).
        values: Vec<f64>,
        /// Present when some row is null: 1 = a value, 0 = null.
        valid: Option<Vec<u8>>,
    },
    /// Every value a string or null.
    Text {
        /// All strings, one after the other.
        text: String,
        /// `rows + 1` boundaries in UTF-16 code units.
        offsets: Vec<u32>,
        /// Present when some row is null.
        valid: Option<Vec<u8>>,
    },
    /// A JSON array in the tagged encoding.
    Json(String),
}

/// One argument column as JavaScript receives it (exactly one of `numbers`, `text` + `offsets`,
/// `json` is set; `valid` marks nulls).
#[napi(object)]
pub struct JsUdfColumn {
    /// Numbers, one per row.
    pub numbers: Option<Float64Array>,
    /// All strings of the column concatenated.
    pub text: Option<String>,
    /// `rows + 1` UTF-16 offsets into `text`.
    pub offsets: Option<Uint32Array>,
    /// 1 = a value, 0 = null (absent: no nulls).
    pub valid: Option<Uint8Array>,
    /// A JSON array of tagged cells.
    pub json: Option<String>,
}

impl Column {
    /// The JS form (runs on the JS thread: typed arrays take ownership of the vectors).
    pub fn into_js(self) -> JsUdfColumn {
        let empty = JsUdfColumn {
            numbers: None,
            text: None,
            offsets: None,
            valid: None,
            json: None,
        };
        match self {
            Column::Numbers { values, valid } => JsUdfColumn {
                numbers: Some(Float64Array::new(values)),
                valid: valid.map(Uint8Array::new),
                ..empty
            },
            Column::Text {
                text,
                offsets,
                valid,
            } => JsUdfColumn {
                text: Some(text),
                offsets: Some(Uint32Array::new(offsets)),
                valid: valid.map(Uint8Array::new),
                ..empty
            },
            Column::Json(json) => JsUdfColumn {
                json: Some(json),
                ..empty
            },
        }
    }
}

/// Encodes one argument column for JavaScript.
pub fn encode_column(values: &[Value]) -> Column {
    let mut numeric = true;
    let mut textual = true;
    let mut nulls = false;
    for v in values {
        match v {
            Value::None => nulls = true,
            Value::Int(i) if i.abs() <= MAX_SAFE_INTEGER => textual = false,
            Value::Float(_) => textual = false,
            Value::Str(_) => numeric = false,
            _ => {
                numeric = false;
                textual = false;
            }
        }
        if !numeric && !textual {
            break;
        }
    }
    let valid = || {
        nulls.then(|| {
            values
                .iter()
                .map(|v| u8::from(!matches!(v, Value::None)))
                .collect()
        })
    };
    if numeric {
        let numbers = values
            .iter()
            .map(|v| match v {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                _ => 0.0,
            })
            .collect();
        return Column::Numbers {
            values: numbers,
            valid: valid(),
        };
    }
    if textual {
        let bytes: usize = values
            .iter()
            .map(|v| match v {
                Value::Str(s) => s.len(),
                _ => 0,
            })
            .sum();
        let mut text = String::with_capacity(bytes);
        let mut offsets = Vec::with_capacity(values.len() + 1);
        let mut at: u32 = 0;
        offsets.push(0);
        for v in values {
            if let Value::Str(s) = v {
                text.push_str(s);
                at += utf16_len(s);
            }
            offsets.push(at);
        }
        return Column::Text {
            text,
            offsets,
            valid: valid(),
        };
    }
    let mut out = String::with_capacity(values.len() * 8 + 2);
    out.push('[');
    for (n, value) in values.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        encode_value(&mut out, value);
    }
    out.push(']');
    Column::Json(out)
}

/// Length of `s` in UTF-16 code units.
fn utf16_len(s: &str) -> u32 {
    if s.is_ascii() {
        s.len() as u32
    } else {
        s.chars().map(|c| c.len_utf16() as u32).sum()
    }
}

/// Results sent back as numbers (with an optional validity mask), as values of `returns`.
pub fn decode_numbers(
    numbers: Vec<f64>,
    valid: Option<Vec<u8>>,
    returns: &DType,
) -> Vec<UdfOutcome> {
    let base = returns.unoptional();
    numbers
        .into_iter()
        .enumerate()
        .map(|(i, x)| match &valid {
            Some(valid) if valid.get(i) == Some(&0) => Ok(Value::None),
            _ => number_value(x, base),
        })
        .collect()
}

/// Results sent back as one string plus per-row lengths in UTF-16 units.
pub fn decode_text(
    text: String,
    lengths: Vec<u32>,
    valid: Option<Vec<u8>>,
) -> std::result::Result<Vec<UdfOutcome>, String> {
    let units: u64 = lengths.iter().map(|&l| u64::from(l)).sum();
    let is_null = |i: usize| valid.as_ref().is_some_and(|v| v.get(i) == Some(&0));
    let mut out = Vec::with_capacity(lengths.len());
    if units == text.len() as u64 {
        // Every character is ASCII: UTF-16 units are bytes.
        let mut at = 0usize;
        for (i, &len) in lengths.iter().enumerate() {
            let end = at + len as usize;
            out.push(if is_null(i) {
                Ok(Value::None)
            } else {
                Ok(Value::str(&text[at..end]))
            });
            at = end;
        }
        return Ok(out);
    }
    let mut chars = text.char_indices().peekable();
    for (i, &len) in lengths.iter().enumerate() {
        let start = chars.peek().map_or(text.len(), |&(b, _)| b);
        let mut left = len;
        while left > 0 {
            let Some((_, c)) = chars.next() else {
                return Err("the string results are shorter than their lengths".into());
            };
            let n = c.len_utf16() as u32;
            if n > left {
                return Err("a string result ends inside a surrogate pair".into());
            }
            left -= n;
        }
        let end = chars.peek().map_or(text.len(), |&(b, _)| b);
        out.push(if is_null(i) {
            Ok(Value::None)
        } else {
            Ok(Value::str(&text[start..end]))
        });
    }
    Ok(out)
}

/// A JS number as a value of the function's declared result type (`Any`: an int when it is
/// a whole number in JS's exact range, as for literals).
pub fn number_value(x: f64, returns: &DType) -> UdfOutcome {
    match returns {
        DType::Int => {
            if x.fract() == 0.0 && x.abs() <= MAX_SAFE_INTEGER as f64 {
                Ok(Value::Int(x as i64))
            } else {
                Err(format!("returned {x}, which is not an int"))
            }
        }
        DType::Any if x.fract() == 0.0 && x.abs() <= MAX_SAFE_INTEGER as f64 => {
            Ok(Value::Int(x as i64))
        }
        DType::Duration => Ok(Value::Duration((x * 1e6).round() as i64)),
        DType::DateTime => Ok(Value::DateTime((x * 1e6).round() as i64)),
        _ => Ok(Value::Float(x)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_columns_carry_utf16_offsets_and_nulls() {
        let values = vec![
            Value::str("ab"),
            Value::None,
            Value::str("é😀"),
            Value::str(""),
        ];
        let Column::Text {
            text,
            offsets,
            valid,
        } = encode_column(&values)
        else {
            panic!("expected a text column");
        };
        assert_eq!(text, "abé😀");
        assert_eq!(offsets, vec![0, 2, 2, 5, 5]);
        assert_eq!(valid, Some(vec![1, 0, 1, 1]));
    }

    #[test]
    fn numbers_and_mixed_columns() {
        let nums = encode_column(&[Value::Int(3), Value::Float(0.5)]);
        assert!(matches!(nums, Column::Numbers { valid: None, .. }));
        let mixed = encode_column(&[Value::Int(3), Value::str("x")]);
        assert!(matches!(mixed, Column::Json(_)));
        let big = encode_column(&[Value::Int(1 << 60)]);
        assert!(matches!(big, Column::Json(_)));
    }

    #[test]
    fn text_results_split_by_utf16_lengths() {
        let ascii = decode_text("abcd".into(), vec![1, 0, 3], Some(vec![1, 0, 1])).unwrap();
        assert_eq!(
            ascii,
            vec![Ok(Value::str("a")), Ok(Value::None), Ok(Value::str("bcd"))]
        );
        let wide = decode_text("é😀x".into(), vec![3, 1], None).unwrap();
        assert_eq!(wide, vec![Ok(Value::str("é😀")), Ok(Value::str("x"))]);
        assert!(decode_text("😀".into(), vec![1, 1], None).is_err());
    }

    #[test]
    fn numbers_follow_the_declared_type() {
        let out = decode_numbers(vec![2.0, 2.5, 7.0], Some(vec![1, 1, 0]), &DType::Any);
        assert_eq!(
            out,
            vec![Ok(Value::Int(2)), Ok(Value::Float(2.5)), Ok(Value::None)]
        );
        assert!(number_value(2.5, &DType::Int).is_err());
    }
}
