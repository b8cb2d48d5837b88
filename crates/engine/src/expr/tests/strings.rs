//! `str.*` tests.

use super::*;
use crate::value::Value;

fn tuple(items: &[&str]) -> Value {
    Value::Tuple(items.iter().map(|s| Value::str(s)).collect())
}

#[test]
fn case_len_and_search() {
    assert_eq!(ok(call("str.lower", vec![s("ÀbC")])), sv("àbc"));
    assert_eq!(ok(call("str.upper", vec![s("straße")])), sv("STRASSE"));
    assert_eq!(ok(call("str.len", vec![s("héllo")])), Value::Int(5));
    assert_eq!(ok(call("str.len", vec![s("")])), Value::Int(0));
    assert_eq!(
        ok(call("str.contains", vec![s("hello"), s("ell")])),
        Value::Bool(true)
    );
    assert_eq!(
        ok(call("str.startsWith", vec![s("hello"), s("he")])),
        Value::Bool(true)
    );
    assert_eq!(
        ok(call("str.endsWith", vec![s("hello"), s("he")])),
        Value::Bool(false)
    );
}

#[test]
fn replace_all_or_count() {
    assert_eq!(
        ok(call("str.replace", vec![s("a-b-c"), s("-"), s("+")])),
        sv("a+b+c")
    );
    assert_eq!(
        ok(call(
            "str.replace",
            vec![s("a-b-c"), s("-"), s("+"), int(1)]
        )),
        sv("a+b-c")
    );
    assert_eq!(
        ok(call(
            "str.replace",
            vec![s("a-b-c"), s("-"), s(""), int(-1)]
        )),
        sv("abc")
    );
    assert_eq!(
        ok(call("str.replace", vec![s("abc"), null(), s("x")])),
        Value::None
    );
}

#[test]
fn slice_like_javascript() {
    let sl = |start: i64, end: Option<i64>| {
        let mut args = vec![s("héllo"), int(start)];
        if let Some(e) = end {
            args.push(int(e));
        }
        ok(call("str.slice", args))
    };
    assert_eq!(sl(1, None), sv("éllo"));
    assert_eq!(sl(1, Some(3)), sv("él"));
    assert_eq!(sl(-3, None), sv("llo"));
    assert_eq!(sl(-3, Some(-1)), sv("ll"));
    assert_eq!(sl(3, Some(1)), sv(""));
    assert_eq!(sl(-100, Some(100)), sv("héllo"));
    assert_eq!(sl(10, None), sv(""));
    assert_eq!(
        ok(call("str.slice", vec![s("abcdef"), int(2), int(4)])),
        sv("cd")
    );
    assert_eq!(ok(call("str.slice", vec![s("abcdef"), int(-2)])), sv("ef"));
    assert_eq!(
        ok(call("str.slice", vec![s("abcdef"), int(2), null()])),
        sv("cdef")
    );
    assert!(err(call("str.slice", vec![s("abc"), s("1")])).starts_with("str.slice:"));
}

#[test]
fn split_and_strip() {
    assert_eq!(
        ok(call("str.split", vec![s("  a b\t c  ")])),
        tuple(&["a", "b", "c"])
    );
    assert_eq!(
        ok(call("str.split", vec![s("a,b,,c"), s(",")])),
        tuple(&["a", "b", "", "c"])
    );
    assert_eq!(
        ok(call("str.split", vec![s("a,b,c"), s(","), int(1)])),
        tuple(&["a", "b,c"])
    );
    assert_eq!(
        ok(call("str.split", vec![s("  a b  c "), null(), int(1)])),
        tuple(&["a", "b  c "])
    );
    assert_eq!(ok(call("str.split", vec![s("")])), tuple(&[]));
    assert_eq!(
        err(call("str.split", vec![s("abc"), s("")])),
        "str.split: empty separator"
    );
    assert_eq!(ok(call("str.strip", vec![s(" \t hi \n")])), sv("hi"));
    assert_eq!(ok(call("str.strip", vec![s("xxhixy"), s("xy")])), sv("hi"));
}

#[test]
fn parse_numbers() {
    assert_eq!(ok(call("str.parseInt", vec![s(" 42 ")])), Value::Int(42));
    assert_eq!(ok(call("str.parseInt", vec![s("-7")])), Value::Int(-7));
    assert_eq!(
        ok(call("str.parseFloat", vec![s("1.5e3")])),
        Value::Float(1500.0)
    );
    assert_eq!(
        err(call("str.parseInt", vec![s("4x")])),
        "str.parseInt: cannot parse \"4x\" as an int"
    );
    assert_eq!(
        err(call("str.parseFloat", vec![s("abc")])),
        "str.parseFloat: cannot parse \"abc\" as a float"
    );
    assert!(err(call("str.parseInt", vec![s("1.5")])).contains("as an int"));
    assert_eq!(
        ok(call("str.parseInt", vec![s("4x"), b(true)])),
        Value::None
    );
    assert_eq!(
        ok(call("str.parseFloat", vec![s("x"), b(true)])),
        Value::None
    );
    assert!(err(call("str.parseInt", vec![s("4x"), b(false)])).contains("cannot parse"));
    assert_eq!(ok(call("str.parseInt", vec![null()])), Value::None);
}

#[test]
fn concat_with_nulls_and_types() {
    assert_eq!(
        ok(call("str.concat", vec![s("a"), s("b"), s("c")])),
        sv("abc")
    );
    assert_eq!(
        ok(call("str.concat", vec![s("a"), null(), s("c")])),
        Value::None
    );
    let m = err(call("str.concat", vec![s("a"), int(1)]));
    assert_eq!(m, "str.concat: expected a str, got int 1");
}

#[test]
fn wrong_types_and_nulls() {
    let m = err(call("str.lower", vec![int(5)]));
    assert_eq!(m, "str.lower: expected a str, got int 5");
    assert!(err(call("str.contains", vec![s("a"), int(1)])).starts_with("str.contains:"));
    for f in [
        "str.lower",
        "str.upper",
        "str.len",
        "str.strip",
        "str.split",
    ] {
        assert_eq!(ok(call(f, vec![null()])), Value::None, "{f}");
    }
    assert_eq!(ok(call("str.contains", vec![null(), s("a")])), Value::None);
    assert_eq!(ok(call("str.contains", vec![s("a"), null()])), Value::None);
}

#[test]
fn long_strings_are_cut_in_messages() {
    let long = "x".repeat(500);
    let m = err(call("str.parseInt", vec![s(&long)]));
    assert!(m.len() < 200, "{m}");
}
