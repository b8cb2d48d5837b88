//! `cast`, `asString` and JSON conversion tests.

use super::*;
use crate::expr::format_float;
use crate::value::{DType, Key, Value};

fn cast_to(to: DType, arg: Expr) -> Expr {
    Expr::Cast {
        to,
        arg: Box::new(arg),
    }
}

fn json(text: &str) -> Expr {
    lit(Value::Json(text.into()))
}

#[test]
fn numeric_casts() {
    assert_eq!(ok(cast_to(DType::Float, int(3))), Value::Float(3.0));
    assert_eq!(ok(cast_to(DType::Int, float(3.9))), Value::Int(3));
    assert_eq!(ok(cast_to(DType::Int, float(-3.9))), Value::Int(-3));
    assert!(err(cast_to(DType::Int, float(f64::NAN)))
        .starts_with("cast: cannot convert float NaN to int"));
    assert!(err(cast_to(DType::Int, float(1e300))).starts_with("cast:"));
    assert_eq!(ok(cast_to(DType::Int, b(true))), Value::Int(1));
    assert_eq!(ok(cast_to(DType::Bool, int(0))), Value::Bool(false));
    assert_eq!(ok(cast_to(DType::Bool, int(-2))), Value::Bool(true));
    assert_eq!(ok(cast_to(DType::Float, b(true))), Value::Float(1.0));
}

#[test]
fn string_casts() {
    assert_eq!(ok(cast_to(DType::Int, s(" 12 "))), Value::Int(12));
    assert_eq!(ok(cast_to(DType::Float, s("2.5"))), Value::Float(2.5));
    assert_eq!(ok(cast_to(DType::Bool, s("True"))), Value::Bool(true));
    assert_eq!(ok(cast_to(DType::Bool, s("false"))), Value::Bool(false));
    assert_eq!(
        err(cast_to(DType::Int, s("x1"))),
        "cast: cannot convert str \"x1\" to int"
    );
    assert!(err(cast_to(DType::Bool, s("yes"))).contains("to bool"));
    assert_eq!(ok(cast_to(DType::Str, int(5))), sv("5"));
    assert_eq!(ok(cast_to(DType::Str, float(1.5))), sv("1.5"));
    assert_eq!(ok(cast_to(DType::Str, b(false))), sv("false"));
    assert_eq!(
        ok(cast_to(DType::Bytes, s("ab"))),
        Value::Bytes(b"ab".to_vec().into())
    );
    assert_eq!(
        ok(cast_to(DType::DateTime, s("1970-01-01T00:00:01.5Z"))),
        Value::DateTime(1_500_000_000)
    );
    assert_eq!(
        ok(cast_to(DType::DateTime, s("1970-01-02"))),
        Value::DateTime(86_400_000_000_000)
    );
    let key = Key::for_values(&[Value::Int(1)]);
    assert_eq!(
        ok(cast_to(DType::Pointer, s(&key.to_string()))),
        Value::Pointer(key)
    );
}

#[test]
fn same_type_is_a_no_op_and_null_stays_null() {
    let row = [sv("shared")];
    assert_eq!(ok_row(cast_to(DType::Str, col(0)), &row), sv("shared"));
    assert_eq!(ok(cast_to(DType::Int, int(7))), Value::Int(7));
    assert_eq!(ok(cast_to(DType::Any, s("x"))), sv("x"));
    assert_eq!(
        ok(cast_to(DType::Optional(Box::new(DType::Int)), null())),
        Value::None
    );
    assert_eq!(
        ok(cast_to(DType::Optional(Box::new(DType::Int)), s("4"))),
        Value::Int(4)
    );
    assert_eq!(ok(cast_to(DType::Int, null())), Value::None);
    assert_eq!(ok(cast_to(DType::Json, null())), Value::None);
}

#[test]
fn json_extraction() {
    assert_eq!(ok(cast_to(DType::Int, json("5"))), Value::Int(5));
    assert_eq!(ok(cast_to(DType::Float, json("5"))), Value::Float(5.0));
    assert_eq!(ok(cast_to(DType::Float, json("2.5"))), Value::Float(2.5));
    assert_eq!(ok(cast_to(DType::Str, json("\"hi\""))), sv("hi"));
    assert_eq!(ok(cast_to(DType::Bool, json("true"))), Value::Bool(true));
    assert_eq!(ok(cast_to(DType::Int, json("null"))), Value::None);
    assert_eq!(
        err(cast_to(DType::Int, json("2.5"))),
        "cast: cannot convert json json 2.5 to int"
    );
    assert!(err(cast_to(DType::Str, json("3"))).contains("to str"));
    assert!(err(cast_to(DType::Bool, json("{\"a\":1}"))).contains("to bool"));
    assert_eq!(
        ok(cast_to(DType::Array(Box::new(DType::Int)), json("[1,2]"))),
        Value::Tuple(vec![Value::Int(1), Value::Int(2)].into())
    );
}

#[test]
fn to_json() {
    assert_eq!(ok(cast_to(DType::Json, int(5))), Value::Json("5".into()));
    assert_eq!(
        ok(cast_to(DType::Json, s("a\"b"))),
        Value::Json("\"a\\\"b\"".into())
    );
    assert_eq!(
        ok(cast_to(
            DType::Json,
            call("makeTuple", vec![int(1), float(1.5), null(), b(true)])
        )),
        Value::Json("[1,1.5,null,true]".into())
    );
    assert_eq!(
        ok(cast_to(DType::Json, lit(Value::DateTime(0)))),
        Value::Json("\"1970-01-01T00:00:00Z\"".into())
    );
    assert_eq!(
        ok(cast_to(DType::Json, json("{\"a\":1}"))),
        Value::Json("{\"a\":1}".into())
    );
    assert!(err(cast_to(DType::Json, float(f64::INFINITY))).contains("json"));
}

#[test]
fn container_casts() {
    let t = call("makeTuple", vec![s("1"), s("2")]);
    assert_eq!(
        ok(cast_to(DType::Array(Box::new(DType::Int)), t.clone())),
        Value::Tuple(vec![Value::Int(1), Value::Int(2)].into())
    );
    assert_eq!(
        ok(cast_to(
            DType::Tuple(vec![DType::Int, DType::Float]),
            t.clone()
        )),
        Value::Tuple(vec![Value::Int(1), Value::Float(2.0)].into())
    );
    assert!(err(cast_to(DType::Tuple(vec![DType::Int]), t)).contains("tuple(int)"));
    assert!(err(cast_to(
        DType::Array(Box::new(DType::Int)),
        call("makeTuple", vec![s("x")])
    ))
    .contains("to int"));
    assert!(err(cast_to(DType::Duration, int(1))).contains("to duration"));
}

#[test]
fn as_string_forms() {
    let a = |e: Expr| ok(call("asString", vec![e]));
    assert_eq!(a(int(-5)), sv("-5"));
    assert_eq!(a(float(1.5)), sv("1.5"));
    assert_eq!(a(float(2.0)), sv("2"));
    assert_eq!(a(s("x")), sv("x"));
    assert_eq!(a(b(true)), sv("true"));
    assert_eq!(a(null()), sv("null"));
    assert_eq!(a(lit(Value::DateTime(0))), sv("1970-01-01T00:00:00Z"));
    assert_eq!(
        a(lit(Value::DateTime(1_500_000_000))),
        sv("1970-01-01T00:00:01.500Z")
    );
    assert_eq!(a(lit(Value::Duration(1_500_000_000))), sv("PT1.5S"));
    assert_eq!(
        a(lit(Value::Pointer(Key(255)))),
        sv(&format!("^{:032x}", 255))
    );
    assert_eq!(a(json("{\"a\":[1]}")), sv("{\"a\":[1]}"));
    assert_eq!(a(call("makeTuple", vec![int(1), s("b")])), sv("(1, \"b\")"));
}

#[test]
fn javascript_float_format() {
    let cases = [
        (1.5, "1.5"),
        (-0.0, "0"),
        (100.0, "100"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e21, "1e+21"),
        (1.5e21, "1.5e+21"),
        (1e20, "100000000000000000000"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (-1.25e-9, "-1.25e-9"),
        (123456.789, "123456.789"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
        (5e-324, "5e-324"),
        (f64::MAX, "1.7976931348623157e+308"),
    ];
    for (x, text) in cases {
        assert_eq!(format_float(x), text, "{x:e}");
    }
}

#[test]
fn datetime_text_round_trip() {
    for k in -20i64..20 {
        let ns = k * 123_456_789_123_457 + k;
        let text = ok(call("asString", vec![lit(Value::DateTime(ns))]));
        assert!(
            matches!(&text, Value::Str(t) if t.ends_with('Z')),
            "{text:?}"
        );
        assert_eq!(ok(cast_to(DType::DateTime, lit(text))), Value::DateTime(ns));
    }
}

#[test]
fn eval_ref_borrows_columns() {
    let row = [sv("shared")];
    let c = compiled(&col(0));
    let mut errors = Vec::new();
    let v = c.eval_ref(&row, &[], &mut errors);
    assert!(matches!(v, std::borrow::Cow::Borrowed(_)));
    let c = compiled(&call("coalesce", vec![null(), col(0)]));
    assert!(matches!(
        c.eval_ref(&row, &[], &mut errors),
        std::borrow::Cow::Borrowed(_)
    ));
}
