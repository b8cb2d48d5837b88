//! Arithmetic (`add sub mul div floorDiv mod pow neg`) on ints, floats, datetimes and
//! durations, and the `num.*` functions.
//!
//! int op int stays int (overflow is an error value), int op float is float, `div` is always
//! a float (or a duration for `duration / number`); `floorDiv` and `mod` round toward minus
//! infinity so that `a == b * floorDiv(a, b) + mod(a, b)`; dividing by zero is an error value.

use crate::value::Value;

use super::func::{fail, type_error, type_error2, Func};
use super::text::show;

/// The operator symbol used in messages.
fn symbol(f: Func) -> &'static str {
    match f {
        Func::Add => "+",
        Func::Sub => "-",
        Func::Mul => "*",
        Func::Div => "/",
        Func::FloorDiv => "//",
        Func::Mod => "%",
        _ => "**",
    }
}

fn overflow(f: Func, a: &Value, b: &Value, errors: &mut Vec<String>) -> Value {
    fail(
        errors,
        format!(
            "{}: integer overflow ({} {} {})",
            f.name(),
            show(a),
            symbol(f),
            show(b)
        ),
    )
}

fn by_zero(f: Func, a: &Value, b: &Value, errors: &mut Vec<String>) -> Value {
    let what = if f == Func::Mod { "modulo" } else { "division" };
    fail(
        errors,
        format!(
            "{}: {what} by zero ({} {} {})",
            f.name(),
            show(a),
            symbol(f),
            show(b)
        ),
    )
}

/// Applies a binary arithmetic function (arguments are neither null nor errors).
pub(crate) fn binary(f: Func, a: &Value, b: &Value, errors: &mut Vec<String>) -> Value {
    use Value::*;
    match (a, b) {
        (Int(x), Int(y)) => int_op(f, *x, *y, a, b, errors),
        (Int(x), Float(y)) => float_op(f, *x as f64, *y, a, b, errors),
        (Float(x), Int(y)) => float_op(f, *x, *y as f64, a, b, errors),
        (Float(x), Float(y)) => float_op(f, *x, *y, a, b, errors),
        (DateTime(_) | Duration(_), _) | (_, DateTime(_) | Duration(_)) => time_op(f, a, b, errors),
        (Str(x), Str(y)) if f == Func::Add => {
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Value::Str(s.into())
        }
        (Str(x), Int(n)) | (Int(n), Str(x)) if f == Func::Mul => {
            Value::Str(x.repeat((*n).max(0) as usize).into())
        }
        _ => type_error2(f, a, b, errors),
    }
}

/// Floor division of ints (rounds toward minus infinity); `None` on overflow.
pub(crate) fn floor_div_int(x: i64, y: i64) -> Option<i64> {
    let q = x.checked_div(y)?;
    if x % y != 0 && ((x < 0) != (y < 0)) {
        Some(q - 1)
    } else {
        Some(q)
    }
}

/// Modulo of ints with the sign of the divisor.
pub(crate) fn floor_mod_int(x: i64, y: i64) -> i64 {
    if y == -1 {
        return 0;
    }
    let r = x % y;
    if r != 0 && ((r < 0) != (y < 0)) {
        r + y
    } else {
        r
    }
}

/// Floor division and modulo of floats (Python's algorithm: exact `fmod`, then adjust).
pub(crate) fn floor_divmod_float(x: f64, y: f64) -> (f64, f64) {
    let mut m = x % y;
    let mut div = (x - m) / y;
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) {
            m += y;
            div -= 1.0;
        }
    } else {
        m = 0.0_f64.copysign(y);
    }
    let q = if div != 0.0 {
        let mut q = div.floor();
        if div - q > 0.5 {
            q += 1.0;
        }
        q
    } else {
        0.0_f64.copysign(x / y)
    };
    (q, m)
}

fn int_op(f: Func, x: i64, y: i64, a: &Value, b: &Value, errors: &mut Vec<String>) -> Value {
    let result = match f {
        Func::Add => x.checked_add(y),
        Func::Sub => x.checked_sub(y),
        Func::Mul => x.checked_mul(y),
        Func::Div => {
            if y == 0 {
                return by_zero(f, a, b, errors);
            }
            return Value::Float(x as f64 / y as f64);
        }
        Func::FloorDiv => {
            if y == 0 {
                return by_zero(f, a, b, errors);
            }
            floor_div_int(x, y)
        }
        Func::Mod => {
            if y == 0 {
                return by_zero(f, a, b, errors);
            }
            Some(floor_mod_int(x, y))
        }
        _ => return int_pow(x, y, a, b, errors),
    };
    match result {
        Some(v) => Value::Int(v),
        None => overflow(f, a, b, errors),
    }
}

fn int_pow(x: i64, y: i64, a: &Value, b: &Value, errors: &mut Vec<String>) -> Value {
    if y < 0 {
        if x == 0 {
            return fail(
                errors,
                format!("pow: zero to a negative power ({} ** {})", show(a), show(b)),
            );
        }
        return Value::Float((x as f64).powf(y as f64));
    }
    let result = match u32::try_from(y) {
        Ok(e) => x.checked_pow(e),
        Err(_) => match x {
            0 | 1 => Some(x),
            -1 => Some(if y % 2 == 0 { 1 } else { -1 }),
            _ => None,
        },
    };
    match result {
        Some(v) => Value::Int(v),
        None => overflow(Func::Pow, a, b, errors),
    }
}

fn float_op(f: Func, x: f64, y: f64, a: &Value, b: &Value, errors: &mut Vec<String>) -> Value {
    Value::Float(match f {
        Func::Add => x + y,
        Func::Sub => x - y,
        Func::Mul => x * y,
        Func::Div | Func::FloorDiv | Func::Mod if y == 0.0 => return by_zero(f, a, b, errors),
        Func::Div => x / y,
        Func::FloorDiv => floor_divmod_float(x, y).0,
        Func::Mod => floor_divmod_float(x, y).1,
        _ => {
            if x == 0.0 && y < 0.0 {
                return fail(
                    errors,
                    format!("pow: zero to a negative power ({} ** {})", show(a), show(b)),
                );
            }
            x.powf(y)
        }
    })
}

/// A float number of nanoseconds as a duration, if finite and in range.
fn ns_from_f64(ns: f64) -> Option<i64> {
    let r = ns.round();
    if r.is_finite() && r >= i64::MIN as f64 && r < i64::MAX as f64 {
        Some(r as i64)
    } else {
        None
    }
}

fn time_op(f: Func, a: &Value, b: &Value, errors: &mut Vec<String>) -> Value {
    use Value::{DateTime as Dt, Duration as Du, Float, Int};
    let result: Option<Value> = match (f, a, b) {
        (Func::Add, Dt(t), Du(d)) | (Func::Add, Du(d), Dt(t)) => t.checked_add(*d).map(Dt),
        (Func::Add, Du(x), Du(y)) => x.checked_add(*y).map(Du),
        (Func::Sub, Dt(x), Dt(y)) => x.checked_sub(*y).map(Du),
        (Func::Sub, Dt(t), Du(d)) => t.checked_sub(*d).map(Dt),
        (Func::Sub, Du(x), Du(y)) => x.checked_sub(*y).map(Du),
        (Func::Mul, Du(d), Int(n)) | (Func::Mul, Int(n), Du(d)) => d.checked_mul(*n).map(Du),
        (Func::Mul, Du(d), Float(x)) | (Func::Mul, Float(x), Du(d)) => {
            ns_from_f64(*d as f64 * x).map(Du)
        }
        (Func::Div | Func::FloorDiv | Func::Mod, Du(_), Du(0) | Int(0)) => {
            return by_zero(f, a, b, errors)
        }
        (Func::Div, Du(_), Float(y)) if *y == 0.0 => return by_zero(f, a, b, errors),
        (Func::Div, Du(x), Du(y)) => Some(Float(*x as f64 / *y as f64)),
        (Func::Div, Du(x), Int(y)) => ns_from_f64(*x as f64 / *y as f64).map(Du),
        (Func::Div, Du(x), Float(y)) => ns_from_f64(*x as f64 / y).map(Du),
        (Func::FloorDiv, Du(x), Du(y)) => floor_div_int(*x, *y).map(Int),
        (Func::FloorDiv, Du(x), Int(y)) => floor_div_int(*x, *y).map(Du),
        (Func::Mod, Du(x), Du(y)) => Some(Du(floor_mod_int(*x, *y))),
        _ => return type_error2(f, a, b, errors),
    };
    match result {
        Some(v) => v,
        None => fail(
            errors,
            format!(
                "{}: out of range ({} {} {})",
                f.name(),
                show(a),
                symbol(f),
                show(b)
            ),
        ),
    }
}

/// `neg(x)` for ints, floats and durations.
pub(crate) fn neg(a: &Value, errors: &mut Vec<String>) -> Value {
    match a {
        Value::Int(x) => match x.checked_neg() {
            Some(v) => Value::Int(v),
            None => fail(errors, format!("neg: integer overflow (-({x}))")),
        },
        Value::Float(x) => Value::Float(-x),
        Value::Duration(x) => match x.checked_neg() {
            Some(v) => Value::Duration(v),
            None => fail(errors, format!("neg: duration out of range (-({x}))")),
        },
        other => type_error(Func::Neg, other, errors),
    }
}

/// `num.abs`, `num.round`, `num.floor`, `num.ceil`.
pub(crate) fn num(f: Func, args: &[&Value], errors: &mut Vec<String>) -> Value {
    match (f, args[0]) {
        (Func::NumAbs, Value::Int(x)) => match x.checked_abs() {
            Some(v) => Value::Int(v),
            None => fail(errors, format!("num.abs: integer overflow (abs({x}))")),
        },
        (Func::NumAbs, Value::Float(x)) => Value::Float(x.abs()),
        (Func::NumAbs, Value::Duration(x)) => match x.checked_abs() {
            Some(v) => Value::Duration(v),
            None => fail(errors, format!("num.abs: duration out of range (abs({x}))")),
        },
        (Func::NumFloor | Func::NumCeil, Value::Int(x)) => Value::Int(*x),
        (Func::NumFloor, Value::Float(x)) => Value::Float(x.floor()),
        (Func::NumCeil, Value::Float(x)) => Value::Float(x.ceil()),
        (Func::NumRound, x @ (Value::Int(_) | Value::Float(_))) => {
            let digits = match args.get(1) {
                None | Some(Value::None) => 0,
                Some(Value::Int(d)) => *d,
                Some(other) => {
                    return fail(
                        errors,
                        format!(
                            "num.round: digits must be an int, got {} {}",
                            super::type_name(other),
                            show(other)
                        ),
                    )
                }
            };
            round(x, digits, errors)
        }
        (_, other) => type_error(f, other, errors),
    }
}

/// Rounds half away from zero to `digits` decimal places (negative: to tens, hundreds…).
fn round(x: &Value, digits: i64, errors: &mut Vec<String>) -> Value {
    match x {
        Value::Int(v) if digits >= 0 => Value::Int(*v),
        Value::Int(v) => {
            if digits < -18 {
                return Value::Int(0);
            }
            let p = 10_i64.pow((-digits) as u32);
            let (q, r) = (v / p, v % p);
            let q = if 2 * r.unsigned_abs() >= p as u64 {
                q + v.signum()
            } else {
                q
            };
            match q.checked_mul(p) {
                Some(out) => Value::Int(out),
                None => fail(
                    errors,
                    format!("num.round: integer overflow ({v}, {digits})"),
                ),
            }
        }
        Value::Float(v) => {
            if digits == 0 {
                return Value::Float(v.round());
            }
            if !(-300..=300).contains(&digits) || !v.is_finite() {
                return Value::Float(if digits < -300 { 0.0 } else { *v });
            }
            let p = 10_f64.powi(digits.unsigned_abs() as i32);
            let out = if digits > 0 {
                let scaled = v * p;
                if !scaled.is_finite() {
                    *v
                } else {
                    scaled.round() / p
                }
            } else {
                (v / p).round() * p
            };
            Value::Float(out)
        }
        _ => unreachable!("round is only called with numbers"),
    }
}
