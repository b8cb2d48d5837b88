//! `makeTuple`, `get` and `pointerFrom` tests.

use super::*;
use crate::value::{Key, Value};

fn json(text: &str) -> Expr {
    lit(Value::Json(text.into()))
}

fn tuple3() -> Expr {
    call("makeTuple", vec![int(1), s("b"), null()])
}

#[test]
fn make_tuple_and_get_by_index() {
    assert_eq!(
        ok(tuple3()),
        Value::Tuple(vec![Value::Int(1), sv("b"), Value::None].into())
    );
    assert_eq!(
        ok(call("makeTuple", vec![])),
        Value::Tuple(Vec::new().into())
    );
    assert_eq!(ok(call("get", vec![tuple3(), int(0)])), Value::Int(1));
    assert_eq!(ok(call("get", vec![tuple3(), int(-2)])), sv("b"));
    assert_eq!(ok(call("get", vec![tuple3(), int(2)])), Value::None);
    assert_eq!(
        err(call("get", vec![tuple3(), int(3)])),
        "get: index 3 out of range for a tuple of length 3"
    );
    assert!(err(call("get", vec![tuple3(), int(-4)])).contains("out of range"));
    assert_eq!(ok(call("get", vec![tuple3(), int(5), s("d")])), sv("d"));
    assert_eq!(ok(call("get", vec![null(), int(0)])), Value::None);
    assert_eq!(ok(call("get", vec![null(), int(0), int(9)])), Value::Int(9));
    assert!(
        err(call("get", vec![tuple3(), s("a")])).starts_with("get: cannot index tuple with str")
    );
    assert!(err(call("get", vec![int(1), int(0)])).starts_with("get:"));
}

#[test]
fn get_on_json() {
    let doc = || json("{\"a\":{\"b\":[10,20,30]},\"s\":\"x\",\"n\":null}");
    let a = call("get", vec![doc(), s("a")]);
    assert_eq!(ok(a.clone()), Value::Json("{\"b\":[10,20,30]}".into()));
    let arr = call("get", vec![a, s("b")]);
    assert_eq!(
        ok(call("get", vec![arr.clone(), int(1)])),
        Value::Json("20".into())
    );
    assert_eq!(
        ok(call("get", vec![arr.clone(), int(-1)])),
        Value::Json("30".into())
    );
    assert_eq!(ok(call("get", vec![arr.clone(), int(7)])), Value::None);
    assert_eq!(ok(call("get", vec![arr, s("x")])), Value::None);
    assert_eq!(
        ok(call("get", vec![doc(), s("s")])),
        Value::Json("\"x\"".into())
    );
    assert_eq!(
        ok(call("get", vec![doc(), s("n")])),
        Value::Json("null".into())
    );
    assert_eq!(ok(call("get", vec![doc(), s("missing")])), Value::None);
    assert_eq!(
        ok(call("get", vec![doc(), s("missing"), int(0)])),
        Value::Int(0)
    );
    assert!(err(call("get", vec![json("{bad"), s("a")])).starts_with("get: invalid json"));
}

#[test]
fn pointer_from_matches_key_for_values() {
    let one = ok(call("pointerFrom", vec![s("alice")]));
    assert_eq!(one, Value::Pointer(Key::for_values(&[sv("alice")])));
    let two = ok(call("pointerFrom", vec![s("alice"), int(3)]));
    assert_eq!(
        two,
        Value::Pointer(Key::for_values(&[sv("alice"), Value::Int(3)]))
    );
    let with_null = ok(call("pointerFrom", vec![null(), int(3)]));
    assert_eq!(
        with_null,
        Value::Pointer(Key::for_values(&[Value::None, Value::Int(3)]))
    );
}
