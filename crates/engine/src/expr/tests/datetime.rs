//! `dt.*` tests and datetime/duration arithmetic.

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::value::Value;

const SEC: i64 = 1_000_000_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;

/// 2024-03-05T14:07:09.123456789Z in nanoseconds.
fn sample_ns() -> i64 {
    Utc.with_ymd_and_hms(2024, 3, 5, 14, 7, 9)
        .unwrap()
        .timestamp_nanos_opt()
        .unwrap()
        + 123_456_789
}

fn dt(ns: i64) -> Expr {
    lit(Value::DateTime(ns))
}

fn du(ns: i64) -> Expr {
    lit(Value::Duration(ns))
}

#[test]
fn components() {
    let t = sample_ns();
    let get = |f: &str| ok(call(f, vec![dt(t)]));
    assert_eq!(get("dt.year"), Value::Int(2024));
    assert_eq!(get("dt.month"), Value::Int(3));
    assert_eq!(get("dt.day"), Value::Int(5));
    assert_eq!(get("dt.hour"), Value::Int(14));
    assert_eq!(get("dt.minute"), Value::Int(7));
    assert_eq!(get("dt.second"), Value::Int(9));
    assert_eq!(get("dt.millisecond"), Value::Int(123));
    assert_eq!(get("dt.microsecond"), Value::Int(123_456));
    assert_eq!(get("dt.nanosecond"), Value::Int(123_456_789));
    assert_eq!(get("dt.weekday"), Value::Int(1)); // a Tuesday; Monday is 0
                                                  // Before the epoch.
    assert_eq!(ok(call("dt.year", vec![dt(-1)])), Value::Int(1969));
    assert_eq!(ok(call("dt.second", vec![dt(-1)])), Value::Int(59));
}

#[test]
fn timestamp_units() {
    let t = sample_ns();
    assert_float(ok(call("dt.timestamp", vec![dt(t)])), t as f64 / 1e6);
    assert_float(
        ok(call("dt.timestamp", vec![dt(t), s("ms")])),
        t as f64 / 1e6,
    );
    assert_float(
        ok(call("dt.timestamp", vec![dt(t), s("s")])),
        t as f64 / 1e9,
    );
    assert_float(
        ok(call("dt.timestamp", vec![dt(t), s("us")])),
        t as f64 / 1e3,
    );
    assert_float(ok(call("dt.timestamp", vec![dt(t), s("ns")])), t as f64);
    assert_eq!(
        ok(call("dt.timestamp", vec![dt(1_500_000)])),
        Value::Float(1.5)
    );
}

#[test]
fn floor_and_round() {
    let t = sample_ns();
    let hour_start = t - 7 * MIN - 9 * SEC - 123_456_789;
    assert_eq!(
        ok(call("dt.floor", vec![dt(t), du(HOUR)])),
        Value::DateTime(hour_start)
    );
    assert_eq!(
        ok(call("dt.floor", vec![dt(t), int(HOUR)])),
        Value::DateTime(hour_start)
    );
    assert_eq!(
        ok(call("dt.round", vec![dt(t), du(HOUR)])),
        Value::DateTime(hour_start)
    );
    assert_eq!(
        ok(call("dt.round", vec![dt(t), du(10 * MIN)])),
        Value::DateTime(hour_start + 10 * MIN)
    );
    // Halves round up; before the epoch floor goes down.
    assert_eq!(
        ok(call("dt.round", vec![dt(5), int(10)])),
        Value::DateTime(10)
    );
    assert_eq!(
        ok(call("dt.round", vec![dt(-5), int(10)])),
        Value::DateTime(0)
    );
    assert_eq!(
        ok(call("dt.floor", vec![dt(-5), int(10)])),
        Value::DateTime(-10)
    );
    assert_eq!(
        ok(call("dt.floor", vec![du(25), int(10)])),
        Value::Duration(20)
    );
    let m = err(call("dt.floor", vec![dt(t), du(0)]));
    assert!(
        m.starts_with("dt.floor: the duration must be positive"),
        "{m}"
    );
    assert!(err(call("dt.floor", vec![int(1), du(5)])).starts_with("dt.floor:"));
}

#[test]
fn strftime_and_strptime_round_trip() {
    let t = sample_ns();
    let fmt = "%Y-%m-%dT%H:%M:%S%.9f";
    let text = ok(call("dt.strftime", vec![dt(t), s(fmt)]));
    assert_eq!(text, sv("2024-03-05T14:07:09.123456789"));
    let back = ok(call("dt.strptime", vec![lit(text), s(fmt)]));
    assert_eq!(back, Value::DateTime(t));
    // Through the runtime (non-literal) format path too.
    let row = [Value::DateTime(t), sv("%d/%m/%Y %H:%M")];
    let text = ok_row(call("dt.strftime", vec![col(0), col(1)]), &row);
    assert_eq!(text, sv("05/03/2024 14:07"));
    let row2 = [text, sv("%d/%m/%Y %H:%M")];
    assert_eq!(
        ok_row(call("dt.strptime", vec![col(0), col(1)]), &row2),
        Value::DateTime(t - 9 * SEC - 123_456_789)
    );
    // Many instants, both directions.
    for k in -50i64..50 {
        let ns = k * 987_654_321_987 + 13;
        let text = ok(call("dt.strftime", vec![dt(ns), s(fmt)]));
        assert_eq!(
            ok(call("dt.strptime", vec![lit(text), s(fmt)])),
            Value::DateTime(ns)
        );
    }
}

#[test]
fn strptime_zones_and_dates() {
    let with_zone = ok(call(
        "dt.strptime",
        vec![s("2024-03-05 16:07:09 +0200"), s("%Y-%m-%d %H:%M:%S %z")],
    ));
    let utc = Utc.with_ymd_and_hms(2024, 3, 5, 14, 7, 9).unwrap();
    assert_eq!(
        with_zone,
        Value::DateTime(utc.timestamp_nanos_opt().unwrap())
    );
    let date_only = ok(call("dt.strptime", vec![s("2024-03-05"), s("%Y-%m-%d")]));
    let midnight = NaiveDate::from_ymd_opt(2024, 3, 5)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    assert_eq!(
        date_only,
        Value::DateTime(midnight.timestamp_nanos_opt().unwrap())
    );
    let m = err(call("dt.strptime", vec![s("yesterday"), s("%Y-%m-%d")]));
    assert_eq!(
        m,
        "dt.strptime: cannot parse \"yesterday\" with format \"%Y-%m-%d\""
    );
    assert_eq!(ok(call("dt.strptime", vec![null(), s("%Y")])), Value::None);
    let row = [sv("2024"), sv("%Q")];
    assert!(err_row(call("dt.strptime", vec![col(0), col(1)]), &row).contains("invalid format"));
}

#[test]
fn wrong_types_and_nulls() {
    let m = err(call("dt.year", vec![int(5)]));
    assert!(m.starts_with("dt.year:") && m.contains("int"), "{m}");
    assert!(err(call("dt.strftime", vec![s("x"), s("%Y")])).starts_with("dt.strftime:"));
    assert_eq!(ok(call("dt.hour", vec![null()])), Value::None);
    assert_eq!(ok(call("dt.floor", vec![null(), du(5)])), Value::None);
    assert_eq!(ok(call("dt.strftime", vec![null(), s("%Y")])), Value::None);
}

#[test]
fn datetime_and_duration_arithmetic() {
    let t = sample_ns();
    assert_eq!(
        ok(call("sub", vec![dt(t), dt(t - HOUR)])),
        Value::Duration(HOUR)
    );
    assert_eq!(
        ok(call("add", vec![dt(t), du(HOUR)])),
        Value::DateTime(t + HOUR)
    );
    assert_eq!(
        ok(call("add", vec![du(HOUR), dt(t)])),
        Value::DateTime(t + HOUR)
    );
    assert_eq!(
        ok(call("sub", vec![dt(t), du(HOUR)])),
        Value::DateTime(t - HOUR)
    );
    assert_eq!(ok(call("add", vec![du(1), du(2)])), Value::Duration(3));
    assert_eq!(ok(call("sub", vec![du(1), du(2)])), Value::Duration(-1));
    assert_eq!(
        ok(call("mul", vec![du(MIN), int(3)])),
        Value::Duration(3 * MIN)
    );
    assert_eq!(
        ok(call("mul", vec![int(3), du(MIN)])),
        Value::Duration(3 * MIN)
    );
    assert_eq!(
        ok(call("mul", vec![du(10), float(1.5)])),
        Value::Duration(15)
    );
    assert_eq!(ok(call("div", vec![du(HOUR), du(MIN)])), Value::Float(60.0));
    assert_eq!(ok(call("div", vec![du(10), int(4)])), Value::Duration(3)); // 2.5 rounds away
    assert_eq!(
        ok(call("floorDiv", vec![du(HOUR), du(7 * MIN)])),
        Value::Int(8)
    );
    assert_eq!(
        ok(call("floorDiv", vec![du(-7), int(2)])),
        Value::Duration(-4)
    );
    assert_eq!(
        ok(call("mod", vec![du(HOUR), du(7 * MIN)])),
        Value::Duration(4 * MIN)
    );
    assert_eq!(ok(call("neg", vec![du(5)])), Value::Duration(-5));
    assert_eq!(ok(call("num.abs", vec![du(-5)])), Value::Duration(5));
    assert!(err(call("div", vec![du(5), du(0)])).starts_with("div: division by zero"));
    assert!(err(call("floorDiv", vec![du(5), int(0)])).contains("by zero"));
    assert!(err(call("add", vec![dt(t), dt(t)])).starts_with("add: unsupported"));
    assert!(err(call("add", vec![dt(i64::MAX), du(1)])).contains("out of range"));
    assert!(err(call("mul", vec![du(i64::MAX), int(2)])).contains("out of range"));
}
