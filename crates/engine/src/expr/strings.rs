//! The `str.*` functions. Positions and lengths count characters (Unicode scalar values).

use crate::value::Value;

use super::func::{fail, Func};
use super::text::{quote, show};

/// The error for an argument that should have been a string (or another named type).
fn expected(f: Func, what: &str, v: &Value, errors: &mut Vec<String>) -> Value {
    fail(
        errors,
        format!(
            "{}: expected {what}, got {} {}",
            f.name(),
            super::type_name(v),
            show(v)
        ),
    )
}

/// An optional int parameter: absent or `None` gives `None`.
fn opt_int(f: Func, v: Option<&&Value>, errors: &mut Vec<String>) -> Result<Option<i64>, Value> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Int(i)) => Ok(Some(*i)),
        Some(other) => Err(expected(f, "an int", other, errors)),
    }
}

/// An optional string parameter: absent or `None` gives `None`.
fn opt_str<'a>(
    f: Func,
    v: Option<&&'a Value>,
    errors: &mut Vec<String>,
) -> Result<Option<&'a str>, Value> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(other) => Err(expected(f, "a str", other, errors)),
    }
}

/// Applies a `str.*` function (the first argument is not null; no argument is an error).
pub(crate) fn apply(f: Func, args: &[&Value], errors: &mut Vec<String>) -> Value {
    if f == Func::StrConcat {
        return concat(args, errors);
    }
    let s: &str = match args[0] {
        Value::Str(s) => s,
        other => return expected(f, "a str", other, errors),
    };
    let result = match f {
        Func::StrLower => Ok(Value::Str(s.to_lowercase().into())),
        Func::StrUpper => Ok(Value::Str(s.to_uppercase().into())),
        Func::StrLen => Ok(Value::Int(s.chars().count() as i64)),
        Func::StrContains | Func::StrStartsWith | Func::StrEndsWith => match args[1] {
            Value::Str(p) => Ok(Value::Bool(match f {
                Func::StrContains => s.contains(p.as_ref()),
                Func::StrStartsWith => s.starts_with(p.as_ref()),
                _ => s.ends_with(p.as_ref()),
            })),
            other => Err(expected(f, "a str", other, errors)),
        },
        Func::StrReplace => replace(s, args, errors),
        Func::StrSlice => slice(s, args, errors),
        Func::StrSplit => split(s, args, errors),
        Func::StrStrip => opt_str(f, args.get(1), errors).map(|chars| {
            let out = match chars {
                None => s.trim(),
                Some(set) => s.trim_matches(|c| set.contains(c)),
            };
            Value::Str(out.into())
        }),
        Func::StrParseInt => parse(f, s, args, errors, |t| {
            t.parse::<i64>().ok().map(Value::Int)
        }),
        _ => parse(f, s, args, errors, |t| {
            t.parse::<f64>().ok().map(Value::Float)
        }),
    };
    result.unwrap_or_else(|e| e)
}

fn concat(args: &[&Value], errors: &mut Vec<String>) -> Value {
    let mut out = String::new();
    for arg in args {
        match arg {
            Value::Str(s) => out.push_str(s),
            other => return expected(Func::StrConcat, "a str", other, errors),
        }
    }
    Value::Str(out.into())
}

fn replace(s: &str, args: &[&Value], errors: &mut Vec<String>) -> Result<Value, Value> {
    let f = Func::StrReplace;
    let (old, new) = match (args[1], args[2]) {
        (Value::None, _) | (_, Value::None) => return Ok(Value::None),
        (Value::Str(old), Value::Str(new)) => (old, new),
        (Value::Str(_), other) | (other, _) => return Err(expected(f, "a str", other, errors)),
    };
    let out = match opt_int(f, args.get(3), errors)? {
        Some(n) if n >= 0 => s.replacen(old.as_ref(), new, n as usize),
        _ => s.replace(old.as_ref(), new),
    };
    Ok(Value::Str(out.into()))
}

/// Resolves a JavaScript `slice` bound against a length.
fn js_bound(index: i64, len: usize) -> usize {
    let len_i = len as i64;
    if index < 0 {
        (index + len_i).max(0) as usize
    } else {
        index.min(len_i) as usize
    }
}

fn slice(s: &str, args: &[&Value], errors: &mut Vec<String>) -> Result<Value, Value> {
    let f = Func::StrSlice;
    let start = opt_int(f, args.get(1), errors)?.unwrap_or(0);
    let end = opt_int(f, args.get(2), errors)?;
    if s.is_ascii() {
        let len = s.len();
        let from = js_bound(start, len);
        let to = end.map_or(len, |e| js_bound(e, len));
        return Ok(Value::Str(if from < to { &s[from..to] } else { "" }.into()));
    }
    let len = s.chars().count();
    let from = js_bound(start, len);
    let to = end.map_or(len, |e| js_bound(e, len));
    if from >= to {
        return Ok(Value::str(""));
    }
    let out: String = s.chars().skip(from).take(to - from).collect();
    Ok(Value::Str(out.into()))
}

fn split(s: &str, args: &[&Value], errors: &mut Vec<String>) -> Result<Value, Value> {
    let f = Func::StrSplit;
    let sep = opt_str(f, args.get(1), errors)?;
    let max = opt_int(f, args.get(2), errors)?.filter(|m| *m >= 0);
    let parts: Vec<Value> = match sep {
        Some("") => {
            return Err(fail(errors, "str.split: empty separator".to_string()));
        }
        Some(sep) => match max {
            Some(m) => s.splitn(m as usize + 1, sep).map(Value::str).collect(),
            None => s.split(sep).map(Value::str).collect(),
        },
        None => split_whitespace(s, max),
    };
    Ok(Value::Tuple(parts.into()))
}

/// Splits on runs of whitespace, ignoring leading/trailing whitespace; after `max` splits
/// the rest (minus leading whitespace) is the last part.
fn split_whitespace(s: &str, max: Option<i64>) -> Vec<Value> {
    let Some(max) = max else {
        return s.split_whitespace().map(Value::str).collect();
    };
    let mut parts = Vec::new();
    let mut rest = s.trim_start();
    let mut splits = 0;
    while !rest.is_empty() {
        if splits == max {
            parts.push(Value::str(rest));
            break;
        }
        match rest.find(char::is_whitespace) {
            Some(at) => {
                parts.push(Value::str(&rest[..at]));
                rest = rest[at..].trim_start();
                splits += 1;
            }
            None => {
                parts.push(Value::str(rest));
                break;
            }
        }
    }
    parts
}

fn parse(
    f: Func,
    s: &str,
    args: &[&Value],
    errors: &mut Vec<String>,
    parser: impl Fn(&str) -> Option<Value>,
) -> Result<Value, Value> {
    if let Some(v) = parser(s.trim()) {
        return Ok(v);
    }
    if matches!(args.get(1), Some(Value::Bool(true))) {
        return Ok(Value::None);
    }
    let what = if f == Func::StrParseInt {
        "an int"
    } else {
        "a float"
    };
    Err(fail(
        errors,
        format!("{}: cannot parse {} as {what}", f.name(), quote(s)),
    ))
}
