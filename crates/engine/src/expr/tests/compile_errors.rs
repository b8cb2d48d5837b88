//! Plan errors found at compile time.

use super::*;
use crate::error::EngineError;

fn plan_error(e: Expr) -> String {
    match compile(&e) {
        Err(EngineError::Plan(m)) => m,
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("{e:?} compiled"),
    }
}

#[test]
fn unknown_functions_and_arity() {
    assert!(plan_error(call("frobnicate", vec![])).contains("unknown function \"frobnicate\""));
    assert!(plan_error(call("add", vec![int(1)])).contains("add takes 2 argument(s), got 1"));
    assert!(plan_error(call("ifElse", vec![b(true), int(1)])).contains("ifElse"));
    assert!(plan_error(call("and", vec![])).contains("at least 1"));
    assert!(plan_error(call("str.slice", vec![s("a")])).contains("2 to 3"));
    // Errors inside nested arguments are found too.
    assert!(plan_error(call("add", vec![int(1), call("nope", vec![])])).contains("nope"));
    assert!(plan_error(Expr::Cast {
        to: crate::value::DType::Int,
        arg: Box::new(call("nope", vec![]))
    })
    .contains("nope"));
}

#[test]
fn bad_literal_parameters() {
    assert!(plan_error(call("dt.timestamp", vec![col(0), s("minutes")])).contains("unit"));
    assert!(plan_error(call("dt.timestamp", vec![col(0), col(1)])).contains("unit"));
    assert!(plan_error(call("dt.strftime", vec![col(0), s("%Q")])).contains("invalid format"));
    assert!(plan_error(call("dt.strptime", vec![col(0), s("%Y-%")])).contains("invalid format"));
    assert!(plan_error(call("str.parseInt", vec![col(0), int(1)])).contains("literal bool"));
    assert!(plan_error(call("str.parseFloat", vec![col(0), col(1)])).contains("literal bool"));
}
