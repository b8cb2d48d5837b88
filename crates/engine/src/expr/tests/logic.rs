//! Comparison, boolean logic, null handling and laziness tests.

use super::*;
use crate::value::Value;

fn div_by_zero() -> Expr {
    call("div", vec![int(1), int(0)])
}

#[test]
fn eq_and_ne_treat_null_as_a_value() {
    assert_eq!(ok(call("eq", vec![null(), null()])), Value::Bool(true));
    assert_eq!(ok(call("eq", vec![int(1), null()])), Value::Bool(false));
    assert_eq!(ok(call("ne", vec![null(), int(1)])), Value::Bool(true));
    assert_eq!(ok(call("ne", vec![null(), null()])), Value::Bool(false));
}

#[test]
fn ints_and_floats_compare_numerically() {
    assert_eq!(ok(call("eq", vec![int(1), float(1.0)])), Value::Bool(true));
    assert_eq!(ok(call("eq", vec![float(1.0), int(1)])), Value::Bool(true));
    assert_eq!(ok(call("eq", vec![int(1), float(1.5)])), Value::Bool(false));
    assert_eq!(ok(call("lt", vec![int(1), float(1.5)])), Value::Bool(true));
    assert_eq!(
        ok(call("gt", vec![float(-0.5), int(-1)])),
        Value::Bool(true)
    );
    assert_eq!(ok(call("le", vec![int(2), float(2.0)])), Value::Bool(true));
    assert_eq!(ok(call("ge", vec![int(2), float(2.5)])), Value::Bool(false));
    // Exact: 2^53 + 1 is not equal to the float 2^53.
    let big = (1i64 << 53) + 1;
    assert_eq!(
        ok(call("eq", vec![int(big), float((1i64 << 53) as f64)])),
        Value::Bool(false)
    );
    assert_eq!(
        ok(call("gt", vec![int(big), float((1i64 << 53) as f64)])),
        Value::Bool(true)
    );
    assert_eq!(
        ok(call("lt", vec![int(i64::MAX), float(1e19)])),
        Value::Bool(true)
    );
    // NaN is unordered and equal to nothing.
    assert_eq!(
        ok(call("eq", vec![float(f64::NAN), float(f64::NAN)])),
        Value::Bool(false)
    );
    assert_eq!(
        ok(call("lt", vec![float(f64::NAN), int(1)])),
        Value::Bool(false)
    );
    assert_eq!(
        ok(call("ge", vec![float(f64::NAN), int(1)])),
        Value::Bool(false)
    );
}

#[test]
fn ordering_of_other_types() {
    assert_eq!(ok(call("lt", vec![s("abc"), s("abd")])), Value::Bool(true));
    assert_eq!(ok(call("lt", vec![b(false), b(true)])), Value::Bool(true));
    let t1 = call("makeTuple", vec![int(1), s("b")]);
    let t2 = call("makeTuple", vec![float(1.0), s("c")]);
    assert_eq!(
        ok(call("lt", vec![t1.clone(), t2.clone()])),
        Value::Bool(true)
    );
    assert_eq!(
        ok(call(
            "eq",
            vec![
                call("makeTuple", vec![int(1)]),
                call("makeTuple", vec![float(1.0)])
            ]
        )),
        Value::Bool(true)
    );
    let dt = |n| lit(Value::DateTime(n));
    assert_eq!(ok(call("gt", vec![dt(5), dt(3)])), Value::Bool(true));
    let du = |n| lit(Value::Duration(n));
    assert_eq!(ok(call("le", vec![du(5), du(5)])), Value::Bool(true));
}

#[test]
fn comparisons_with_null_give_null() {
    for f in ["lt", "le", "gt", "ge"] {
        assert_eq!(ok(call(f, vec![int(1), null()])), Value::None, "{f}");
        assert_eq!(ok(call(f, vec![null(), s("a")])), Value::None, "{f}");
    }
}

#[test]
fn incompatible_ordering_is_an_error() {
    let m = err(call("lt", vec![int(1), s("a")]));
    assert_eq!(m, "lt: cannot compare int with str (1, \"a\")");
    assert!(err(call("ge", vec![lit(Value::DateTime(1)), int(1)])).starts_with("ge:"));
    // eq never fails: different types are simply unequal.
    assert_eq!(ok(call("eq", vec![int(1), s("1")])), Value::Bool(false));
}

#[test]
fn and_or_not_three_valued() {
    let t = || b(true);
    let f = || b(false);
    assert_eq!(ok(call("and", vec![t(), t(), t()])), Value::Bool(true));
    assert_eq!(ok(call("and", vec![t(), f()])), Value::Bool(false));
    assert_eq!(ok(call("and", vec![null(), f()])), Value::Bool(false));
    assert_eq!(ok(call("and", vec![null(), t()])), Value::None);
    assert_eq!(ok(call("or", vec![f(), f()])), Value::Bool(false));
    assert_eq!(ok(call("or", vec![null(), t()])), Value::Bool(true));
    assert_eq!(ok(call("or", vec![null(), f()])), Value::None);
    assert_eq!(ok(call("not", vec![t()])), Value::Bool(false));
    assert_eq!(ok(call("not", vec![null()])), Value::None);
    let m = err(call("and", vec![t(), int(1)]));
    assert!(m.starts_with("and:") && m.contains("int"), "{m}");
    assert!(err(call("not", vec![int(1)])).starts_with("not:"));
}

#[test]
fn and_or_are_lazy() {
    assert_eq!(
        ok(call("and", vec![b(false), div_by_zero()])),
        Value::Bool(false)
    );
    assert_eq!(
        ok(call("or", vec![b(true), div_by_zero()])),
        Value::Bool(true)
    );
    // The error is reached when it is needed, and logged once.
    assert!(err(call("and", vec![b(true), div_by_zero()])).starts_with("div:"));
    assert!(err(call("or", vec![div_by_zero(), b(true)])).starts_with("div:"));
}

#[test]
fn if_else_evaluates_only_the_branch_taken() {
    assert_eq!(
        ok(call("ifElse", vec![b(true), int(1), div_by_zero()])),
        Value::Int(1)
    );
    assert_eq!(
        ok(call("ifElse", vec![b(false), div_by_zero(), int(2)])),
        Value::Int(2)
    );
    assert_eq!(
        ok(call("ifElse", vec![null(), int(1), int(2)])),
        Value::None
    );
    assert!(err(call("ifElse", vec![b(true), div_by_zero(), int(2)])).starts_with("div:"));
    assert!(err(call("ifElse", vec![int(1), int(1), int(2)])).starts_with("ifElse:"));
    // Borrowing through the branch works for columns.
    let row = [Value::Bool(true), sv("yes"), sv("no")];
    assert_eq!(
        ok_row(call("ifElse", vec![col(0), col(1), col(2)]), &row),
        sv("yes")
    );
}

#[test]
fn coalesce_and_fill_null() {
    assert_eq!(
        ok(call("coalesce", vec![null(), int(2), div_by_zero()])),
        Value::Int(2)
    );
    assert_eq!(ok(call("coalesce", vec![null(), null()])), Value::None);
    assert_eq!(ok(call("fillNull", vec![null(), s("x")])), sv("x"));
    assert_eq!(ok(call("fillNull", vec![int(1), s("x")])), Value::Int(1));
    assert!(err(call("coalesce", vec![null(), div_by_zero(), int(1)])).starts_with("div:"));
}

#[test]
fn null_checks_require_and_unwrap() {
    assert_eq!(ok(call("isNull", vec![null()])), Value::Bool(true));
    assert_eq!(ok(call("isNull", vec![int(0)])), Value::Bool(false));
    assert_eq!(ok(call("isNotNull", vec![int(0)])), Value::Bool(true));
    assert_eq!(
        ok(call("require", vec![int(1), int(2), s("a")])),
        Value::Int(1)
    );
    assert_eq!(
        ok(call("require", vec![div_by_zero(), int(2), null()])),
        Value::None
    );
    assert_eq!(ok(call("require", vec![int(5)])), Value::Int(5));
    assert_eq!(ok(call("unwrap", vec![int(5)])), Value::Int(5));
    assert_eq!(err(call("unwrap", vec![null()])), "unwrap: value is null");
}

#[test]
fn fast_path_agrees_with_general_path() {
    use crate::expr::func::{apply, fast2, Func};
    let values = [
        Value::Int(0),
        Value::Int(-3),
        Value::Int(7),
        Value::Int(i64::MAX),
        Value::Int((1 << 53) + 1),
        Value::Float(0.0),
        Value::Float(-2.5),
        Value::Float(7.0),
        Value::Float(9_007_199_254_740_992.0),
        Value::Float(f64::NAN),
        Value::Float(f64::INFINITY),
        sv("a"),
        sv("b"),
    ];
    let funcs = [
        Func::Add,
        Func::Sub,
        Func::Mul,
        Func::Div,
        Func::Eq,
        Func::Ne,
        Func::Lt,
        Func::Le,
        Func::Gt,
        Func::Ge,
    ];
    let same = |p: &Value, q: &Value| match (p, q) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits() || x == y,
        _ => p == q,
    };
    let mut checked = 0;
    for f in funcs {
        for a in &values {
            for b in &values {
                if let Some(fast) = fast2(f, a, b) {
                    let mut errors = Vec::new();
                    let slow = apply(f, &[a, b], &mut errors);
                    assert!(errors.is_empty());
                    assert!(
                        same(&fast, &slow),
                        "{f:?} {a:?} {b:?}: {fast:?} vs {slow:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "{checked}");
}

#[test]
fn fill_error_replaces_only_errors_and_is_lazy() {
    let (value, messages) = eval_row(&call("fillError", vec![div_by_zero(), int(0)]), &[]);
    assert_eq!(value, Value::Int(0));
    assert_eq!(
        messages.len(),
        1,
        "the division still logs its own error once"
    );
    let (value, messages) = eval_row(&call("fillError", vec![int(5), div_by_zero()]), &[]);
    assert_eq!(value, Value::Int(5));
    assert!(
        messages.is_empty(),
        "the replacement is not evaluated: {messages:?}"
    );
    assert_eq!(ok(call("fillError", vec![null(), int(1)])), Value::None);
}

#[test]
fn is_error_is_never_an_error() {
    let (value, _) = eval_row(&call("isError", vec![div_by_zero()]), &[]);
    assert_eq!(value, Value::Bool(true));
    assert_eq!(ok(call("isError", vec![int(1)])), Value::Bool(false));
    assert_eq!(ok(call("isError", vec![null()])), Value::Bool(false));
}
