//! Arithmetic and `num.*` tests, including the floorDiv/mod identity.

use super::*;
use crate::value::Value;

fn bin(f: &str, a: Expr, b: Expr) -> Expr {
    call(f, vec![a, b])
}

#[test]
fn int_ops_stay_int() {
    assert_eq!(ok(bin("add", int(2), int(3))), Value::Int(5));
    assert_eq!(ok(bin("sub", int(2), int(3))), Value::Int(-1));
    assert_eq!(ok(bin("mul", int(4), int(-3))), Value::Int(-12));
    assert_eq!(ok(bin("floorDiv", int(7), int(2))), Value::Int(3));
    assert_eq!(ok(bin("mod", int(7), int(2))), Value::Int(1));
    assert_eq!(ok(bin("pow", int(2), int(10))), Value::Int(1024));
    assert_eq!(ok(bin("pow", int(-1), int(1 << 40))), Value::Int(1));
    assert_eq!(ok(call("neg", vec![int(5)])), Value::Int(-5));
}

#[test]
fn mixed_and_float_ops() {
    assert_float(ok(bin("add", int(2), float(0.5))), 2.5);
    assert_float(ok(bin("mul", float(1.5), int(2))), 3.0);
    assert_float(ok(bin("div", int(7), int(2))), 3.5);
    assert_float(ok(bin("div", int(6), int(3))), 2.0);
    assert_float(ok(bin("pow", int(2), int(-1))), 0.5);
    assert_float(ok(bin("pow", float(4.0), float(0.5))), 2.0);
    assert_float(ok(call("neg", vec![float(1.5)])), -1.5);
}

#[test]
fn overflow_is_an_error_value() {
    let m = err(bin("add", int(i64::MAX), int(1)));
    assert!(m.starts_with("add: integer overflow"), "{m}");
    assert!(m.contains(&i64::MAX.to_string()), "{m}");
    assert!(err(bin("mul", int(i64::MAX), int(2))).contains("overflow"));
    assert!(err(bin("sub", int(i64::MIN), int(1))).contains("overflow"));
    assert!(err(bin("floorDiv", int(i64::MIN), int(-1))).contains("overflow"));
    assert_eq!(ok(bin("mod", int(i64::MIN), int(-1))), Value::Int(0));
    assert!(err(bin("pow", int(10), int(40))).starts_with("pow: integer overflow"));
    assert!(err(call("neg", vec![int(i64::MIN)])).contains("overflow"));
    assert!(err(call("num.abs", vec![int(i64::MIN)])).contains("overflow"));
}

#[test]
fn division_by_zero_messages() {
    assert_eq!(
        err(bin("div", int(7), int(0))),
        "div: division by zero (7 / 0)"
    );
    assert_eq!(
        err(bin("floorDiv", int(7), int(0))),
        "floorDiv: division by zero (7 // 0)"
    );
    assert_eq!(
        err(bin("mod", int(7), int(0))),
        "mod: modulo by zero (7 % 0)"
    );
    assert_eq!(
        err(bin("div", float(1.5), float(0.0))),
        "div: division by zero (1.5 / 0)"
    );
    assert!(err(bin("mod", float(1.5), int(0))).contains("by zero"));
    assert!(err(bin("pow", int(0), int(-1))).contains("zero to a negative power"));
    assert!(err(bin("pow", float(0.0), float(-2.0))).contains("zero to a negative power"));
}

#[test]
fn null_arithmetic_gives_null() {
    for f in ["add", "sub", "mul", "div", "floorDiv", "mod", "pow"] {
        assert_eq!(ok(bin(f, int(1), null())), Value::None, "{f}");
        assert_eq!(ok(bin(f, null(), float(1.0))), Value::None, "{f}");
    }
    // A null operand wins over a would-be division by zero.
    assert_eq!(ok(bin("div", null(), int(0))), Value::None);
    assert_eq!(ok(call("neg", vec![null()])), Value::None);
    assert_eq!(ok(call("num.abs", vec![null()])), Value::None);
}

#[test]
fn wrong_types_name_the_function_and_types() {
    let m = err(bin("add", int(1), b(true)));
    assert!(
        m.starts_with("add:") && m.contains("int") && m.contains("bool"),
        "{m}"
    );
    let m = err(bin("sub", s("a"), s("b")));
    assert!(m.contains("str"), "{m}");
    let m = err(call("neg", vec![s("x")]));
    assert!(m.starts_with("neg:") && m.contains("str"), "{m}");
    let m = err(call("num.floor", vec![s("x")]));
    assert!(m.starts_with("num.floor:"), "{m}");
}

#[test]
fn string_add_and_repeat() {
    assert_eq!(ok(bin("add", s("ab"), s("cd"))), sv("abcd"));
    assert_eq!(ok(bin("mul", s("ab"), int(3))), sv("ababab"));
    assert_eq!(ok(bin("mul", int(-1), s("ab"))), sv(""));
}

fn floor_div_mod(a: Value, b: Value) -> (Value, Value) {
    let row = [a, b];
    let q = ok_row(call("floorDiv", vec![col(0), col(1)]), &row);
    let r = ok_row(call("mod", vec![col(0), col(1)]), &row);
    (q, r)
}

#[test]
fn floor_div_and_mod_round_toward_minus_infinity() {
    let cases = [
        (7, 2, 3, 1),
        (-7, 2, -4, 1),
        (7, -2, -4, -1),
        (-7, -2, 3, -1),
        (6, 3, 2, 0),
        (-6, 3, -2, 0),
        (0, -5, 0, 0),
    ];
    for (a, b, q, r) in cases {
        let (gq, gr) = floor_div_mod(Value::Int(a), Value::Int(b));
        assert_eq!((gq, gr), (Value::Int(q), Value::Int(r)), "{a} {b}");
    }
    let fcases = [
        (7.5, 2.0, 3.0, 1.5),
        (-7.5, 2.0, -4.0, 0.5),
        (7.5, -2.0, -4.0, -0.5),
        (-7.5, -2.0, 3.0, -1.5),
    ];
    for (a, b, q, r) in fcases {
        let (gq, gr) = floor_div_mod(Value::Float(a), Value::Float(b));
        assert_eq!((gq, gr), (Value::Float(q), Value::Float(r)), "{a} {b}");
    }
}

#[test]
fn floor_identity_over_a_grid_of_signs() {
    let ints = [-9i64, -7, -3, -2, -1, 0, 1, 2, 3, 7, 9, 100];
    for &a in &ints {
        for &d in ints.iter().filter(|d| **d != 0) {
            let (q, r) = floor_div_mod(Value::Int(a), Value::Int(d));
            let (Value::Int(q), Value::Int(r)) = (q, r) else {
                panic!("ints expected")
            };
            assert_eq!(d * q + r, a, "{a} {d}");
            assert!(r == 0 || (r < 0) == (d < 0), "sign of mod({a}, {d}) = {r}");
            assert!(r.abs() < d.abs());
        }
    }
    let floats = [-7.5, -3.25, -1.0, -0.5, 0.0, 0.5, 1.0, 2.75, 7.5, 10.0];
    for &a in &floats {
        for &d in floats.iter().filter(|d| **d != 0.0) {
            for (x, y) in [
                (Value::Float(a), Value::Float(d)),
                (Value::Float(a), Value::Int(d as i64)),
            ] {
                if matches!(y, Value::Int(0)) {
                    continue;
                }
                let dv = match y {
                    Value::Int(i) => i as f64,
                    Value::Float(f) => f,
                    _ => unreachable!(),
                };
                let (q, r) = floor_div_mod(x, y);
                let (Value::Float(q), Value::Float(r)) = (q, r) else {
                    panic!("floats expected")
                };
                assert!((dv * q + r - a).abs() < 1e-12, "{a} {dv}: {q} {r}");
                assert_eq!(q, q.floor());
                assert!(r == 0.0 || (r < 0.0) == (dv < 0.0), "mod({a}, {dv}) = {r}");
            }
        }
    }
}

#[test]
fn floor_identity_property_for_random_ints() {
    // xorshift64*: deterministic, no dependencies.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let c_div = compiled(&call("floorDiv", vec![col(0), col(1)]));
    let c_mod = compiled(&call("mod", vec![col(0), col(1)]));
    let mut errors = Vec::new();
    for i in 0..20_000 {
        let raw_a = next() as i64;
        let raw_b = next() as i64;
        // Mix magnitudes: full range, medium, small.
        let (a, bb) = match i % 3 {
            0 => (raw_a, raw_b >> 40),
            1 => (raw_a >> 20, raw_b >> 50),
            _ => (raw_a % 1000, raw_b % 17),
        };
        if bb == 0 {
            continue;
        }
        let row = [Value::Int(a), Value::Int(bb)];
        let q = c_div.eval(&row, &[], &mut errors);
        let r = c_mod.eval(&row, &[], &mut errors);
        let (Value::Int(q), Value::Int(r)) = (q, r) else {
            panic!("ints expected for {a} {bb}")
        };
        assert_eq!(
            (bb as i128) * (q as i128) + r as i128,
            a as i128,
            "{a} = {bb} * {q} + {r}"
        );
        assert!(r == 0 || (r < 0) == (bb < 0));
    }
    assert!(errors.is_empty());
}

#[test]
fn num_functions() {
    assert_eq!(ok(call("num.abs", vec![int(-3)])), Value::Int(3));
    assert_eq!(ok(call("num.abs", vec![float(-2.5)])), Value::Float(2.5));
    assert_eq!(ok(call("num.floor", vec![float(-2.5)])), Value::Float(-3.0));
    assert_eq!(ok(call("num.ceil", vec![float(-2.5)])), Value::Float(-2.0));
    assert_eq!(ok(call("num.floor", vec![int(4)])), Value::Int(4));
    assert_eq!(ok(call("num.ceil", vec![int(4)])), Value::Int(4));
    assert_eq!(ok(call("num.round", vec![float(2.5)])), Value::Float(3.0));
    assert_eq!(ok(call("num.round", vec![float(-2.5)])), Value::Float(-3.0));
    assert_eq!(ok(call("num.round", vec![float(0.49)])), Value::Float(0.0));
    assert_float(ok(call("num.round", vec![float(1.23456), int(2)])), 1.23);
    assert_float(ok(call("num.round", vec![float(-1.235), int(1)])), -1.2);
    assert_float(ok(call("num.round", vec![float(1250.0), int(-2)])), 1300.0);
    assert_eq!(ok(call("num.round", vec![int(7)])), Value::Int(7));
    assert_eq!(ok(call("num.round", vec![int(7), int(3)])), Value::Int(7));
    assert_eq!(
        ok(call("num.round", vec![int(1250), int(-2)])),
        Value::Int(1300)
    );
    assert_eq!(
        ok(call("num.round", vec![int(-1249), int(-2)])),
        Value::Int(-1200)
    );
    assert_eq!(
        ok(call("num.round", vec![int(-1250), int(-2)])),
        Value::Int(-1300)
    );
    assert!(err(call("num.round", vec![float(1.0), s("2")])).contains("digits"));
}
