//! Columnar encoding of one closed time's changes, for `tb.io.subscribe`'s `onBatch`: one
//! binary buffer that JavaScript reads as typed arrays without a per-cell parse.
//!
//! Layout (little-endian; every section starts at a multiple of 8 bytes):
//! - header: `u32 version (1)`, `u32 sink id`, `u32 rows`, `u32 columns`, `f64 time`;
//! - ids: `rows × 16` bytes (each id's `u128`);
//! - diffs: `rows × f64`;
//! - per column: `u32 kind`, `u32 payload bytes`, then the payload, padded to 8 bytes:
//!   - [`KIND_F64`]: `rows × f64` (every cell a float, or an int a JS number holds exactly);
//!   - [`KIND_STR`]: `(rows + 1) × u32` UTF-8 offsets, padded to 8, then the UTF-8 bytes;
//!   - [`KIND_ASCII`]: as [`KIND_STR`], every byte ASCII (JS decodes the text once and slices it);
//!   - [`KIND_BOOL`]: `rows` bytes of 0/1;
//!   - [`KIND_JSON`]: a JSON array of the cells in the tagged encoding of `encode.rs`
//!     (any other mix: nulls, errors, pointers, datetimes …).

use tributary_engine::{Diff, Key, Row, Time, Value};

use crate::encode::encode_value;

/// Format version written in the header.
pub const VERSION: u32 = 1;
/// A column of JS numbers.
pub const KIND_F64: u32 = 1;
/// A column of strings.
pub const KIND_STR: u32 = 2;
/// A column of booleans.
pub const KIND_BOOL: u32 = 3;
/// A column of strings whose bytes are all ASCII (byte offsets are also UTF-16 offsets).
pub const KIND_ASCII: u32 = 5;
/// Any other column, as tagged JSON.
pub const KIND_JSON: u32 = 4;

/// Largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Encodes the changes of `time` for subscriber `sink`, whose rows have `columns` cells.
pub fn encode_batch(
    sink: u32,
    time: Time,
    columns: usize,
    changes: &[(Key, Row, Diff)],
) -> Vec<u8> {
    let rows = changes.len();
    let mut out = Vec::with_capacity(24 + rows * (24 + columns * 12));
    push_u32(&mut out, VERSION);
    push_u32(&mut out, sink);
    push_u32(&mut out, rows as u32);
    push_u32(&mut out, columns as u32);
    out.extend_from_slice(&(time as f64).to_le_bytes());
    for (key, _, _) in changes {
        out.extend_from_slice(&key.0.to_le_bytes());
    }
    for (_, _, diff) in changes {
        out.extend_from_slice(&(*diff as f64).to_le_bytes());
    }
    for column in 0..columns {
        let cell = |n: usize| changes[n].1.get(column).unwrap_or(&Value::None);
        let kind = column_kind((0..rows).map(cell));
        let kind_at = out.len();
        push_u32(&mut out, kind);
        let length_at = out.len();
        push_u32(&mut out, 0);
        let start = out.len();
        match kind {
            KIND_F64 => (0..rows).for_each(|n| push_f64(&mut out, cell(n))),
            KIND_STR => {
                if push_strings(&mut out, (0..rows).map(cell)) {
                    out[kind_at..kind_at + 4].copy_from_slice(&KIND_ASCII.to_le_bytes());
                }
            }
            KIND_BOOL => {
                out.extend((0..rows).map(|n| u8::from(matches!(cell(n), Value::Bool(true)))))
            }
            _ => push_json(&mut out, (0..rows).map(cell)),
        }
        let length = (out.len() - start) as u32;
        out[length_at..length_at + 4].copy_from_slice(&length.to_le_bytes());
        pad8(&mut out);
    }
    out
}

/// The densest kind that holds every cell of a column.
fn column_kind<'a>(mut cells: impl Iterator<Item = &'a Value> + Clone) -> u32 {
    let numeric = |v: &Value| match v {
        Value::Float(_) => true,
        Value::Int(i) => i.abs() <= MAX_SAFE_INTEGER,
        _ => false,
    };
    if cells.clone().all(numeric) {
        KIND_F64
    } else if cells.clone().all(|v| matches!(v, Value::Str(_))) {
        KIND_STR
    } else if cells.all(|v| matches!(v, Value::Bool(_))) {
        KIND_BOOL
    } else {
        KIND_JSON
    }
}

fn push_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn push_f64(out: &mut Vec<u8>, cell: &Value) {
    let number = match cell {
        Value::Float(f) => *f,
        Value::Int(i) => *i as f64,
        _ => f64::NAN,
    };
    out.extend_from_slice(&number.to_le_bytes());
}

/// Writes offsets and text; `true` when every byte of the text is ASCII.
fn push_strings<'a>(out: &mut Vec<u8>, cells: impl Iterator<Item = &'a Value> + Clone) -> bool {
    let mut offset = 0u32;
    push_u32(out, 0);
    for cell in cells.clone() {
        if let Value::Str(s) = cell {
            offset += s.len() as u32;
        }
        push_u32(out, offset);
    }
    pad8(out);
    let text_start = out.len();
    for cell in cells {
        if let Value::Str(s) = cell {
            out.extend_from_slice(s.as_bytes());
        }
    }
    out[text_start..].is_ascii()
}

fn push_json<'a>(out: &mut Vec<u8>, cells: impl Iterator<Item = &'a Value>) {
    let mut text = String::from("[");
    for (n, cell) in cells.enumerate() {
        if n > 0 {
            text.push(',');
        }
        encode_value(&mut text, cell);
    }
    text.push(']');
    out.extend_from_slice(text.as_bytes());
}

fn pad8(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn numbers_strings_and_mixed_columns_get_their_kinds() {
        let row = |i: i64, s: &str, b: Option<bool>| -> Row {
            Arc::from(vec![
                Value::Int(i),
                Value::Str(s.into()),
                b.map(Value::Bool).unwrap_or(Value::None),
            ])
        };
        let changes = vec![
            (Key(1), row(7, "ab", Some(true)), 1),
            (Key(2), row(-3, "é", None), -1),
        ];
        let bytes = encode_batch(9, 4, 3, &changes);
        assert_eq!(u32_at(&bytes, 0), VERSION);
        assert_eq!(u32_at(&bytes, 4), 9);
        assert_eq!(u32_at(&bytes, 8), 2);
        let diffs = 24 + 32;
        assert_eq!(
            f64::from_le_bytes(bytes[diffs + 8..diffs + 16].try_into().unwrap()),
            -1.0
        );
        let first = diffs + 16;
        assert_eq!(u32_at(&bytes, first), KIND_F64);
        assert_eq!(u32_at(&bytes, first + 4), 16);
        assert_eq!(
            f64::from_le_bytes(bytes[first + 16..first + 24].try_into().unwrap()),
            -3.0
        );
        let second = first + 8 + 16;
        assert_eq!(u32_at(&bytes, second), KIND_STR, "\"é\" is not ASCII");
        // offsets 0, 2, 4 ("é" is two bytes), padded to 16, then "abé"
        assert_eq!(u32_at(&bytes, second + 16), 4);
        assert_eq!(&bytes[second + 24..second + 28], "abé".as_bytes());
        let third = second + 8 + 24;
        assert_eq!(u32_at(&bytes, third), KIND_JSON);
        assert_eq!(&bytes[third + 8..third + 19], b"[true,null]");
        assert!(bytes.len().is_multiple_of(8));
        let ascii = vec![(Key(1), row(1, "ab", None), 1)];
        let bytes = encode_batch(1, 1, 3, &ascii);
        assert_eq!(u32_at(&bytes, 24 + 16 + 8 + 8 + 8), KIND_ASCII);
    }
}
