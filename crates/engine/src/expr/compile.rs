//! Compiles plan expressions into [`Node`] trees, checking function names, arities and
//! literal parameters once, up front.

use std::sync::Arc;

use chrono::format::StrftimeItems;

use crate::plan::Expr;
use crate::value::Value;

use super::cast::Target;
use super::func::Func;
use super::node::Node;

/// Units accepted by `dt.timestamp`.
pub(crate) const TIMESTAMP_UNITS: [&str; 4] = ["s", "ms", "us", "ns"];

/// Compiles one expression; the error text becomes an `EngineError::Plan`.
pub(crate) fn compile_node(expr: &Expr) -> Result<Node, String> {
    Ok(match expr {
        Expr::Col(n) => Node::Col(*n),
        Expr::Id(n) => Node::Id(*n),
        Expr::Lit(v) => Node::Lit(v.clone()),
        Expr::Cast { to, arg } => {
            Node::Cast(Box::new(Target::new(to)), Box::new(compile_node(arg)?))
        }
        Expr::Call { f, args } => compile_call(f, args)?,
    })
}

fn compile_args(args: &[Expr]) -> Result<Vec<Node>, String> {
    args.iter().map(compile_node).collect()
}

fn check_arity(name: &str, args: &[Expr], min: usize, max: usize) -> Result<(), String> {
    let n = args.len();
    if n < min || n > max {
        let expected = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(format!(
            "function {name} takes {expected} argument(s), got {n}"
        ));
    }
    Ok(())
}

fn compile_call(name: &str, args: &[Expr]) -> Result<Node, String> {
    match name {
        "and" | "or" => {
            check_arity(name, args, 1, usize::MAX)?;
            let nodes = compile_args(args)?.into_boxed_slice();
            return Ok(if name == "and" {
                Node::And(nodes)
            } else {
                Node::Or(nodes)
            });
        }
        "ifElse" => {
            check_arity(name, args, 3, 3)?;
            let [c, a, b]: [Node; 3] = compile_args(args)?
                .try_into()
                .map_err(|_| "ifElse: arity".to_string())?;
            return Ok(Node::IfElse(Box::new([c, a, b])));
        }
        "coalesce" | "fillNull" => {
            check_arity(name, args, 1, usize::MAX)?;
            return Ok(Node::Coalesce(compile_args(args)?.into_boxed_slice()));
        }
        "isError" => {
            check_arity(name, args, 1, 1)?;
            let [value]: [Node; 1] = compile_args(args)?
                .try_into()
                .map_err(|_| "isError: arity".to_string())?;
            return Ok(Node::IsError(Box::new(value)));
        }
        "fillError" => {
            check_arity(name, args, 2, 2)?;
            let [value, replacement]: [Node; 2] = compile_args(args)?
                .try_into()
                .map_err(|_| "fillError: arity".to_string())?;
            return Ok(Node::FillError(Box::new([value, replacement])));
        }
        "require" => {
            check_arity(name, args, 1, usize::MAX)?;
            let value = compile_node(&args[0])?;
            let deps = compile_args(&args[1..])?;
            return Ok(Node::Require(Box::new(value), deps.into_boxed_slice()));
        }
        _ => {}
    }
    let f = Func::by_name(name).ok_or_else(|| format!("unknown function {name:?}"))?;
    let (min, max) = f.arity();
    check_arity(name, args, min, max)?;
    check_literals(f, args)?;
    if matches!(f, Func::DtStrftime | Func::DtStrptime) {
        if let Expr::Lit(Value::Str(fmt)) = &args[1] {
            let items = StrftimeItems::new(fmt)
                .parse_to_owned()
                .map_err(|_| format!("{name}: invalid format {fmt:?}"))?;
            return Ok(Node::DtFormat {
                f,
                arg: Box::new(compile_node(&args[0])?),
                items: items.into(),
                fmt: Arc::clone(fmt),
            });
        }
    }
    let mut nodes = compile_args(args)?;
    Ok(match nodes.len() {
        1 => Node::Call1(f, Box::new(nodes.pop().expect("one argument"))),
        2 => {
            let b = nodes.pop().expect("two arguments");
            let a = nodes.pop().expect("two arguments");
            Node::Call2(f, Box::new([a, b]))
        }
        _ => Node::CallN(f, nodes.into_boxed_slice()),
    })
}

/// Checks parameters that must be literals.
fn check_literals(f: Func, args: &[Expr]) -> Result<(), String> {
    match f {
        Func::StrParseInt | Func::StrParseFloat => {
            if let Some(flag) = args.get(1) {
                if !matches!(flag, Expr::Lit(Value::Bool(_))) {
                    return Err(format!(
                        "{}: the optional flag must be a literal bool, got {flag:?}",
                        f.name()
                    ));
                }
            }
        }
        Func::DtTimestamp => {
            if let Some(unit) = args.get(1) {
                let ok = matches!(unit, Expr::Lit(Value::Str(u)) if TIMESTAMP_UNITS.contains(&u.as_ref()));
                if !ok {
                    return Err(format!(
                        "dt.timestamp: the unit must be one of \"s\", \"ms\", \"us\", \"ns\", got {unit:?}"
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}
