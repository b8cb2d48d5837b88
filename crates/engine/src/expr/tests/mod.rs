//! Unit tests of expression compilation and evaluation, by function family.

use crate::plan::Expr;
use crate::value::{Key, Value};

use super::{compile, CompiledExpr};

mod arith;
mod cast;
mod compile_errors;
mod datetime;
mod logic;
mod strings;
mod structure;

/// A call expression.
pub(super) fn call(f: &str, args: Vec<Expr>) -> Expr {
    Expr::Call {
        f: f.to_string(),
        args,
    }
}

/// A literal.
pub(super) fn lit(v: Value) -> Expr {
    Expr::Lit(v)
}

/// An int literal.
pub(super) fn int(i: i64) -> Expr {
    lit(Value::Int(i))
}

/// A float literal.
pub(super) fn float(x: f64) -> Expr {
    lit(Value::Float(x))
}

/// A string literal.
pub(super) fn s(text: &str) -> Expr {
    lit(Value::str(text))
}

/// A bool literal.
pub(super) fn b(v: bool) -> Expr {
    lit(Value::Bool(v))
}

/// The null literal.
pub(super) fn null() -> Expr {
    lit(Value::None)
}

/// A column reference.
pub(super) fn col(n: usize) -> Expr {
    Expr::Col(n)
}

/// Compiles, panicking on a plan error.
pub(super) fn compiled(e: &Expr) -> CompiledExpr {
    compile(e).unwrap_or_else(|err| panic!("compile {e:?}: {err}"))
}

/// Evaluates over a row; returns the value and the messages.
pub(super) fn eval_row(e: &Expr, row: &[Value]) -> (Value, Vec<String>) {
    let mut errors = Vec::new();
    let ids = [Some(Key(7))];
    let v = compiled(e).eval(row, &ids, &mut errors);
    (v, errors)
}

/// Evaluates with no row and asserts no message was logged.
pub(super) fn ok(e: Expr) -> Value {
    ok_row(e, &[])
}

/// Evaluates over a row and asserts no message was logged.
pub(super) fn ok_row(e: Expr, row: &[Value]) -> Value {
    let (v, errors) = eval_row(&e, row);
    assert!(errors.is_empty(), "{e:?} logged {errors:?}");
    assert!(!v.is_error(), "{e:?} gave an error value");
    v
}

/// Evaluates, asserts an error value with exactly one message, returns the message.
pub(super) fn err(e: Expr) -> String {
    err_row(e, &[])
}

/// Like [`err`] over a row.
pub(super) fn err_row(e: Expr, row: &[Value]) -> String {
    let (v, errors) = eval_row(&e, row);
    assert!(v.is_error(), "{e:?} gave {v:?}, expected an error");
    assert_eq!(errors.len(), 1, "{e:?} logged {errors:?}");
    errors.into_iter().next().expect("one message")
}

/// Asserts a value is a float close to `expected`.
pub(super) fn assert_float(v: Value, expected: f64) {
    match v {
        Value::Float(x) => assert!(
            (x - expected).abs() <= 1e-9 * expected.abs().max(1.0),
            "{x} != {expected}"
        ),
        other => panic!("expected float {expected}, got {other:?}"),
    }
}

/// Shorthand for a string value.
pub(super) fn sv(text: &str) -> Value {
    Value::str(text)
}

#[test]
fn columns_ids_and_literals() {
    let row = [Value::Int(1), sv("x")];
    assert_eq!(ok_row(col(1), &row), sv("x"));
    assert_eq!(ok_row(Expr::Id(0), &row), Value::Pointer(Key(7)));
    assert_eq!(ok_row(Expr::Id(1), &row), Value::None);
    assert_eq!(ok(int(3)), Value::Int(3));
    let c = compiled(&col(1));
    assert_eq!(c.as_column(), Some(1));
    assert_eq!(compiled(&int(3)).as_literal(), Some(&Value::Int(3)));
    let msg = err_row(col(5), &row);
    assert!(msg.contains("column 5"), "{msg}");
}

#[test]
fn error_inputs_propagate_silently() {
    let row = [Value::Error, Value::Int(2)];
    for f in [
        "add",
        "eq",
        "lt",
        "str.concat",
        "makeTuple",
        "pointerFrom",
        "get",
    ] {
        let (v, errors) = eval_row(&call(f, vec![col(0), col(1)]), &row);
        assert!(v.is_error(), "{f} gave {v:?}");
        assert!(errors.is_empty(), "{f} logged {errors:?}");
    }
    for f in [
        "neg",
        "isNull",
        "asString",
        "str.lower",
        "dt.year",
        "unwrap",
    ] {
        let (v, errors) = eval_row(&call(f, vec![col(0)]), &row);
        assert!(v.is_error() && errors.is_empty(), "{f}: {v:?} {errors:?}");
    }
    let (v, errors) = eval_row(
        &Expr::Cast {
            to: crate::value::DType::Int,
            arg: Box::new(col(0)),
        },
        &row,
    );
    assert!(v.is_error() && errors.is_empty());
}

#[test]
fn compiled_is_send_sync_clone() {
    fn check<T: Send + Sync + Clone>() {}
    check::<CompiledExpr>();
}

#[test]
fn predicate_and_truthy() {
    use super::truthy;
    assert_eq!(truthy(&Value::Bool(true)), Some(true));
    assert_eq!(truthy(&Value::None), Some(false));
    assert_eq!(truthy(&Value::Int(1)), None);
    let mut errors = Vec::new();
    let c = compiled(&call("gt", vec![col(0), int(1)]));
    assert_eq!(
        c.eval_predicate(&[Value::Int(2)], &[], &mut errors),
        Some(true)
    );
    assert_eq!(
        c.eval_predicate(&[Value::None], &[], &mut errors),
        Some(false)
    );
    assert_eq!(c.eval_predicate(&[sv("a")], &[], &mut errors), None);
    assert_eq!(errors.len(), 1);
    let c = compiled(&col(0));
    assert_eq!(c.eval_predicate(&[Value::Int(3)], &[], &mut errors), None);
    assert_eq!(errors.len(), 2);
}

/// Rough speed check: `cargo test --release -p tributary-engine expr::tests::speed -- --ignored --nocapture`.
#[test]
#[ignore]
fn speed() {
    let exprs = [
        ("col", col(0)),
        ("add(col, 1)", call("add", vec![col(0), int(1)])),
        (
            "gt(mul(col, 2.5), 100)",
            call("gt", vec![call("mul", vec![col(0), float(2.5)]), int(100)]),
        ),
        (
            "and(gt(col,1), lt(col,5e6))",
            call(
                "and",
                vec![
                    call("gt", vec![col(0), int(1)]),
                    call("lt", vec![col(0), int(5_000_000)]),
                ],
            ),
        ),
        ("eq(str col, lit)", call("eq", vec![col(1), s("word")])),
        (
            "str.slice(col, 1, 3)",
            call("str.slice", vec![col(1), int(1), int(3)]),
        ),
    ];
    let rows: Vec<[Value; 2]> = (0..1_000)
        .map(|i| [Value::Int(i), sv(if i % 2 == 0 { "word" } else { "other" })])
        .collect();
    let mut errors = Vec::new();
    let only = std::env::var("SPEED_ONLY").ok();
    let rounds = if only.is_some() { 50_000 } else { 10_000 };
    for (name, e) in exprs {
        if only.as_deref().is_some_and(|o| !name.starts_with(o)) {
            continue;
        }
        let c = compiled(&e);
        let start = std::time::Instant::now();
        let mut count = 0usize;
        for _ in 0..rounds {
            for row in &rows {
                if !c.eval(row, &[], &mut errors).is_none() {
                    count += 1;
                }
            }
        }
        let per = start.elapsed().as_nanos() as f64 / (rounds * rows.len()) as f64;
        println!("{name}: {per:.1} ns/row ({count})");
    }
}
