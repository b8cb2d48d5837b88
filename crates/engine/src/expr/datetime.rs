//! The `dt.*` functions over `DateTime` (nanoseconds since the epoch, UTC) values.
//!
//! `dt.timestamp(t, unit?)` gives a float in `unit` (`"s"`, `"ms"`, `"us"`, `"ns"`), by
//! default milliseconds, like JavaScript's `Date.getTime()`. `dt.strftime`/`dt.strptime` use
//! chrono format strings; text parsed without a time zone is UTC, without a time midnight.

use std::fmt::Write as _;

use chrono::format::{parse, Item, Parsed, StrftimeItems};
use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc};

use crate::value::Value;

use super::func::{fail, type_error, Func};
use super::text::{quote, show};

/// The UTC calendar view of a datetime value.
fn utc(ns: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(ns)
}

/// Applies a `dt.*` function (first argument not null; no argument an error).
pub(crate) fn apply(f: Func, args: &[&Value], errors: &mut Vec<String>) -> Value {
    match f {
        Func::DtFloor | Func::DtRound => return floor_round(f, args[0], args[1], errors),
        Func::DtStrftime | Func::DtStrptime => {
            let fmt = match args[1] {
                Value::Str(fmt) => fmt,
                other => return type_error(f, other, errors),
            };
            return match StrftimeItems::new(fmt).parse() {
                Ok(items) => with_format(f, args[0], &items, fmt, errors),
                Err(_) => fail(
                    errors,
                    format!("{}: invalid format {}", f.name(), quote(fmt)),
                ),
            };
        }
        _ => {}
    }
    let ns = match args[0] {
        Value::DateTime(ns) => *ns,
        other => return type_error(f, other, errors),
    };
    if f == Func::DtTimestamp {
        let unit = match args.get(1) {
            Some(Value::Str(u)) => u.as_ref(),
            _ => "ms",
        };
        let divisor = match unit {
            "s" => 1e9,
            "us" => 1e3,
            "ns" => 1.0,
            _ => 1e6,
        };
        return Value::Float(ns as f64 / divisor);
    }
    let t = utc(ns);
    Value::Int(match f {
        Func::DtYear => t.year() as i64,
        Func::DtMonth => t.month() as i64,
        Func::DtDay => t.day() as i64,
        Func::DtHour => t.hour() as i64,
        Func::DtMinute => t.minute() as i64,
        Func::DtSecond => t.second() as i64,
        Func::DtMillisecond => (t.nanosecond() / 1_000_000) as i64,
        Func::DtMicrosecond => (t.nanosecond() / 1_000) as i64,
        Func::DtNanosecond => t.nanosecond() as i64,
        _ => t.weekday().num_days_from_monday() as i64,
    })
}

/// `dt.floor` / `dt.round` of a datetime (or duration) to a multiple of a positive duration
/// (a `Duration` or an int of nanoseconds). Rounding sends halves up (toward the future).
fn floor_round(f: Func, t: &Value, d: &Value, errors: &mut Vec<String>) -> Value {
    let step = match d {
        Value::Duration(n) | Value::Int(n) => *n,
        other => return type_error(f, other, errors),
    };
    if step <= 0 {
        return fail(
            errors,
            format!(
                "{}: the duration must be positive, got {}",
                f.name(),
                show(d)
            ),
        );
    }
    let (ns, make): (i64, fn(i64) -> Value) = match t {
        Value::DateTime(ns) => (*ns, Value::DateTime),
        Value::Duration(ns) => (*ns, Value::Duration),
        other => return type_error(f, other, errors),
    };
    let (x, s) = (ns as i128, step as i128);
    let out = if f == Func::DtFloor {
        x - x.rem_euclid(s)
    } else {
        let shifted = x + s / 2;
        shifted - shifted.rem_euclid(s)
    };
    match i64::try_from(out) {
        Ok(v) => make(v),
        Err(_) => fail(
            errors,
            format!(
                "{}: result out of range ({}, {})",
                f.name(),
                show(t),
                show(d)
            ),
        ),
    }
}

/// `dt.strftime(t, fmt)` / `dt.strptime(s, fmt)` with an already parsed format.
pub(crate) fn with_format(
    f: Func,
    arg: &Value,
    items: &[Item<'_>],
    fmt: &str,
    errors: &mut Vec<String>,
) -> Value {
    match (f, arg) {
        (_, Value::Error) => Value::Error,
        (_, Value::None) => Value::None,
        (Func::DtStrftime, Value::DateTime(ns)) => {
            let mut out = String::new();
            match write!(out, "{}", utc(*ns).format_with_items(items.iter())) {
                Ok(()) => Value::Str(out.into()),
                Err(_) => fail(
                    errors,
                    format!(
                        "dt.strftime: cannot format {} with {}",
                        show(arg),
                        quote(fmt)
                    ),
                ),
            }
        }
        (Func::DtStrptime, Value::Str(text)) => match strptime(text, items) {
            Some(ns) => Value::DateTime(ns),
            None => fail(
                errors,
                format!(
                    "dt.strptime: cannot parse {} with format {}",
                    quote(text),
                    quote(fmt)
                ),
            ),
        },
        (_, other) => type_error(f, other, errors),
    }
}

/// Parses text to nanoseconds since the epoch: with the offset if the format has one, UTC
/// otherwise; a date without a time is midnight.
fn strptime(text: &str, items: &[Item<'_>]) -> Option<i64> {
    let mut parsed = Parsed::new();
    parse(&mut parsed, text, items.iter()).ok()?;
    if parsed.offset().is_some() {
        return parsed.to_datetime().ok()?.timestamp_nanos_opt();
    }
    let naive = match parsed.to_naive_datetime_with_offset(0) {
        Ok(naive) => naive,
        Err(_) => parsed.to_naive_date().ok()?.and_time(NaiveTime::MIN),
    };
    naive.and_utc().timestamp_nanos_opt()
}
