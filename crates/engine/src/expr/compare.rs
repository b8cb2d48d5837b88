//! Equality (`eq`, `ne`) and ordering (`lt le gt ge`) of values.
//!
//! Ints and floats compare numerically and exactly (`1 eq 1.0`); `eq` treats null as a value
//! and never fails (values of different types are simply unequal); orderings between
//! incompatible types are error values. Floats follow IEEE: `NaN` equals nothing and is
//! neither less nor greater than anything.

use std::cmp::Ordering;

use crate::value::Value;

use super::func::{fail, Func};
use super::text::show;

/// 2^63 as a float: the first float above every i64.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// Exact comparison of an int with a float (`None` when the float is NaN).
pub(crate) fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= TWO_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_63 {
        return Some(Ordering::Greater);
    }
    let whole = f.trunc();
    Some(match i.cmp(&(whole as i64)) {
        Ordering::Equal => {
            let frac = f - whole;
            if frac > 0.0 {
                Ordering::Less
            } else if frac < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        other => other,
    })
}

/// Expression equality: numeric across ints and floats, element-wise for tuples, `None`
/// equal to `None`, values of other differing types unequal.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) => cmp_int_float(*x, *y) == Some(Ordering::Equal),
        (Value::Float(x), Value::Int(y)) => cmp_int_float(*y, *x) == Some(Ordering::Equal),
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| values_equal(p, q))
        }
        _ => a == b,
    }
}

/// Expression ordering. `Err(())` when the types cannot be ordered; `Ok(None)` when they can
/// but these values are unordered (a NaN is involved). Inside tuples, `None` sorts first.
#[allow(clippy::result_unit_err)]
pub fn compare_values(a: &Value, b: &Value) -> Result<Option<Ordering>, ()> {
    use Value::*;
    Ok(match (a, b) {
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (Int(x), Float(y)) => cmp_int_float(*x, *y),
        (Float(x), Int(y)) => cmp_int_float(*y, *x).map(Ordering::reverse),
        (Float(x), Float(y)) => x.partial_cmp(y),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Str(x), Str(y)) => Some(x.cmp(y)),
        (Bytes(x), Bytes(y)) => Some(x.cmp(y)),
        (DateTime(x), DateTime(y)) | (Duration(x), Duration(y)) => Some(x.cmp(y)),
        (Pointer(x), Pointer(y)) => Some(x.cmp(y)),
        (Tuple(x), Tuple(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                let ord = match (p, q) {
                    (None, None) => Some(Ordering::Equal),
                    (None, _) => Some(Ordering::Less),
                    (_, None) => Some(Ordering::Greater),
                    _ => compare_values(p, q)?,
                };
                match ord {
                    Some(Ordering::Equal) => continue,
                    other => return Ok(other),
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        _ => return Err(()),
    })
}

/// `lt le gt ge` over non-null, non-error arguments.
pub(crate) fn order(f: Func, a: &Value, b: &Value, errors: &mut Vec<String>) -> Value {
    match compare_values(a, b) {
        Ok(None) => Value::Bool(false),
        Ok(Some(ord)) => Value::Bool(match f {
            Func::Lt => ord == Ordering::Less,
            Func::Le => ord != Ordering::Greater,
            Func::Gt => ord == Ordering::Greater,
            _ => ord != Ordering::Less,
        }),
        Err(()) => fail(
            errors,
            format!(
                "{}: cannot compare {} with {} ({}, {})",
                f.name(),
                super::type_name(a),
                super::type_name(b),
                show(a),
                show(b)
            ),
        ),
    }
}
