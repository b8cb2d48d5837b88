//! Text helpers for expressions: type names and value previews for error messages, and the
//! JavaScript-style number formatting used by `asString`.

use crate::value::Value;

/// The name of a value's type as used in error messages (`int`, `str`, `datetime`, …).
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::None => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Str(_) => "str",
        Value::Bytes(_) => "bytes",
        Value::DateTime(_) => "datetime",
        Value::Duration(_) => "duration",
        Value::Json(_) => "json",
        Value::Pointer(_) => "pointer",
        Value::Tuple(_) => "tuple",
        Value::Error => "error",
    }
}

/// Longest string preview put into an error message.
const PREVIEW_CHARS: usize = 60;

/// A short, readable rendering of a value for error messages (strings quoted and cut).
pub(crate) fn show(v: &Value) -> String {
    match v {
        Value::Str(s) => quote(s),
        Value::Json(s) => format!("json {}", cut(s)),
        Value::Float(f) => format_float(*f),
        Value::None => "null".to_string(),
        Value::DateTime(_) | Value::Duration(_) => super::cast::as_string(v),
        other => {
            let text = format!("{other:?}");
            cut(&text).into_owned()
        }
    }
}

/// A quoted, shortened string for messages.
pub(crate) fn quote(s: &str) -> String {
    format!("{:?}", cut(s).as_ref())
}

fn cut(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(PREVIEW_CHARS) {
        None => std::borrow::Cow::Borrowed(s),
        Some((at, _)) => std::borrow::Cow::Owned(format!("{}…", &s[..at])),
    }
}

/// Formats a float the way JavaScript's `String(x)` does: `1.5`, `1` (no `.0`), `1e+21`,
/// `1e-7`, `NaN`, `Infinity`, `-Infinity`; negative zero prints as `0`.
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    // Shortest round-trip digits in scientific form, e.g. "-1.2345e-7".
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci
        .split_once('e')
        .expect("scientific format has an exponent");
    let exp: i32 = exp.parse().expect("exponent is an integer");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp + 1;
    let mut out = String::with_capacity(24);
    out.push_str(sign);
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
    out
}
