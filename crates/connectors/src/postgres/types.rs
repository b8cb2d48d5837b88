//! Column types of PostgreSQL outputs: the SQL type created for each dtype, the existing column
//! types accepted for it, and the binary encoding of a cell for a given column type.
//!
//! | dtype            | created as         | also accepted                |
//! |------------------|--------------------|------------------------------|
//! | int              | `BIGINT`           | `INTEGER`, `SMALLINT` (range-checked) |
//! | float            | `DOUBLE PRECISION` | `REAL`                       |
//! | str              | `TEXT`             | `VARCHAR`, `CHAR`            |
//! | bool             | `BOOLEAN`          |                              |
//! | bytes            | `BYTEA`            |                              |
//! | datetime         | `TIMESTAMPTZ`      | `TIMESTAMP` (UTC wall time)  |
//! | duration         | `INTERVAL` (µs)    | `BIGINT` (milliseconds)      |
//! | json, any        | `JSONB`            | `JSON`                       |
//! | pointer          | `TEXT`             |                              |
//! | arrays, tuples   | `JSONB`            | `JSON`                       |
//!
//! Optional dtypes give nullable columns; others `NOT NULL`. Error cells are written as NULL.

use std::error::Error;

use ::postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use bytes::{BufMut, BytesMut};
use tributary_engine::{DType, Value};

use crate::sink::format::write_json;

/// Microseconds from the Unix epoch to PostgreSQL's epoch (2000-01-01 UTC).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// The SQL type created for a dtype (without nullability).
pub(crate) fn sql_type(dtype: &DType) -> &'static str {
    match dtype.unoptional() {
        DType::Int => "BIGINT",
        DType::Float => "DOUBLE PRECISION",
        DType::Bool => "BOOLEAN",
        DType::Str | DType::Pointer => "TEXT",
        DType::Bytes => "BYTEA",
        DType::DateTime => "TIMESTAMPTZ",
        DType::Duration => "INTERVAL",
        DType::Json | DType::Any | DType::Array(_) | DType::Tuple(_) => "JSONB",
        DType::Optional(_) => unreachable!("unoptional"),
    }
}

/// True when an existing column of type `ty` can hold cells of `dtype`.
pub(crate) fn accepts(dtype: &DType, ty: &Type) -> bool {
    let ok: &[Type] = match dtype.unoptional() {
        DType::Int => &[Type::INT8, Type::INT4, Type::INT2],
        DType::Float => &[Type::FLOAT8, Type::FLOAT4],
        DType::Bool => &[Type::BOOL],
        DType::Str => &[Type::TEXT, Type::VARCHAR, Type::BPCHAR],
        DType::Pointer => &[Type::TEXT, Type::VARCHAR],
        DType::Bytes => &[Type::BYTEA],
        DType::DateTime => &[Type::TIMESTAMPTZ, Type::TIMESTAMP],
        DType::Duration => &[Type::INTERVAL, Type::INT8],
        DType::Json | DType::Any | DType::Array(_) | DType::Tuple(_) => &[Type::JSONB, Type::JSON],
        DType::Optional(_) => return false,
    };
    ok.contains(ty)
}

/// A cell bound as a statement parameter or a binary COPY field.
#[derive(Debug)]
pub(crate) struct Cell<'a>(pub &'a Value);

/// A cell that does not fit its column.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {what} into a {ty} column")]
struct Unfit {
    what: String,
    ty: String,
}

fn unfit(value: &Value, ty: &Type) -> Box<dyn Error + Sync + Send> {
    let mut text = Vec::new();
    write_json(&mut text, value);
    Box::new(Unfit {
        what: String::from_utf8_lossy(&text).into_owned(),
        ty: ty.name().to_string(),
    })
}

fn json_text(value: &Value) -> Vec<u8> {
    match value {
        Value::Json(text) => text.as_bytes().to_vec(),
        other => {
            let mut out = Vec::new();
            write_json(&mut out, other);
            out
        }
    }
}

impl ToSql for Cell<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        let v = self.0;
        match (v, ty) {
            (Value::None | Value::Error, _) => return Ok(IsNull::Yes),
            (_, t) if *t == Type::JSONB => {
                out.put_u8(1);
                out.put_slice(&json_text(v));
            }
            (_, t) if *t == Type::JSON => out.put_slice(&json_text(v)),
            (Value::Int(i), t) if *t == Type::INT8 => out.put_i64(*i),
            (Value::Int(i), t) if *t == Type::INT4 => {
                out.put_i32(i32::try_from(*i).map_err(|_| unfit(v, ty))?)
            }
            (Value::Int(i), t) if *t == Type::INT2 => {
                out.put_i16(i16::try_from(*i).map_err(|_| unfit(v, ty))?)
            }
            (Value::Float(x), t) if *t == Type::FLOAT8 => out.put_f64(*x),
            (Value::Float(x), t) if *t == Type::FLOAT4 => out.put_f32(*x as f32),
            (Value::Bool(b), t) if *t == Type::BOOL => out.put_u8(u8::from(*b)),
            (Value::Str(s), _) => out.put_slice(s.as_bytes()),
            (Value::Pointer(k), _) => out.put_slice(k.to_string().as_bytes()),
            (Value::Bytes(b), t) if *t == Type::BYTEA => out.put_slice(b),
            (Value::DateTime(ns), _) => out.put_i64(ns.div_euclid(1000) - PG_EPOCH_MICROS),
            (Value::Duration(ns), t) if *t == Type::INT8 => out.put_i64(ns.div_euclid(1_000_000)),
            (Value::Duration(ns), t) if *t == Type::INTERVAL => {
                out.put_i64(ns.div_euclid(1000));
                out.put_i32(0);
                out.put_i32(0);
            }
            _ => return Err(unfit(v, ty)),
        }
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(v: Value, ty: Type) -> Vec<u8> {
        let mut out = BytesMut::new();
        Cell(&v).to_sql(&ty, &mut out).unwrap();
        out.to_vec()
    }

    #[test]
    fn encodes_timestamps_from_the_pg_epoch() {
        let ns = 946_684_800_000_000_000 + 1_500;
        assert_eq!(
            encode(Value::DateTime(ns), Type::TIMESTAMPTZ),
            1i64.to_be_bytes()
        );
    }

    #[test]
    fn encodes_json_with_the_jsonb_version_byte() {
        let v = Value::Tuple(vec![Value::Int(1), Value::str("a")].into());
        assert_eq!(encode(v, Type::JSONB), b"\x01[1,\"a\"]");
    }

    #[test]
    fn rejects_out_of_range_ints() {
        let mut out = BytesMut::new();
        assert!(Cell(&Value::Int(1 << 40))
            .to_sql(&Type::INT4, &mut out)
            .is_err());
    }

    #[test]
    fn maps_dtypes_to_sql() {
        assert_eq!(sql_type(&DType::Optional(Box::new(DType::Int))), "BIGINT");
        assert!(accepts(&DType::Duration, &Type::INTERVAL));
        assert!(!accepts(&DType::Str, &Type::INT8));
    }
}
