//! The compiled expression tree and its evaluation, including the lazy control-flow forms
//! (`and`, `or`, `ifElse`, `coalesce`, `require`).

use std::borrow::Cow;
use std::sync::Arc;

use chrono::format::Item;

use crate::value::{Key, Value};

use super::cast::Target;
use super::func::{self, fail, Func};
use super::{datetime, text};

/// Calls with at most this many arguments evaluate them into a stack array.
const SMALL: usize = 4;

/// A compiled expression node.
#[derive(Debug)]
pub(crate) enum Node {
    /// A column of the evaluation row.
    Col(usize),
    /// The id of input `n`.
    Id(usize),
    /// A constant.
    Lit(Value),
    /// A strict one-argument function.
    Call1(Func, Box<Node>),
    /// A strict two-argument function.
    Call2(Func, Box<[Node; 2]>),
    /// A strict function of any arity.
    CallN(Func, Box<[Node]>),
    /// `dt.strftime` / `dt.strptime` with a literal format, parsed once.
    DtFormat {
        /// `DtStrftime` or `DtStrptime`.
        f: Func,
        /// The datetime (strftime) or text (strptime).
        arg: Box<Node>,
        /// The parsed format.
        items: Arc<[Item<'static>]>,
        /// The format text, for messages.
        fmt: Arc<str>,
    },
    /// Lazy n-ary conjunction (three-valued).
    And(Box<[Node]>),
    /// Lazy n-ary disjunction (three-valued).
    Or(Box<[Node]>),
    /// `ifElse(cond, then, else)`: evaluates only the branch taken.
    IfElse(Box<[Node; 3]>),
    /// First non-null argument, evaluated in order.
    Coalesce(Box<[Node]>),
    /// `fillError(value, replacement)`: the replacement (evaluated only then) when the value
    /// is an error.
    FillError(Box<[Node; 2]>),
    /// `isError(value)`: true when the value is an error (never itself an error).
    IsError(Box<Node>),
    /// `require(value, deps...)`: deps first; value only when none is null.
    Require(Box<Node>, Box<[Node]>),
    /// Conversion to a type.
    Cast(Box<Target>, Box<Node>),
}

impl Node {
    /// Evaluates an argument: columns and constants inline, anything else by recursion.
    #[inline(always)]
    fn arg<'a>(
        &'a self,
        row: &'a [Value],
        ids: &[Option<Key>],
        errors: &mut Vec<String>,
    ) -> Cow<'a, Value> {
        match self {
            Node::Lit(v) => Cow::Borrowed(v),
            Node::Col(n) if *n < row.len() => Cow::Borrowed(&row[*n]),
            _ => self.eval(row, ids, errors),
        }
    }

    /// Evaluates the node, borrowing columns and constants.
    pub(crate) fn eval<'a>(
        &'a self,
        row: &'a [Value],
        ids: &[Option<Key>],
        errors: &mut Vec<String>,
    ) -> Cow<'a, Value> {
        match self {
            Node::Col(n) => match row.get(*n) {
                Some(v) => Cow::Borrowed(v),
                None => Cow::Owned(fail(
                    errors,
                    format!("column {n} is out of range (row has {} columns)", row.len()),
                )),
            },
            Node::Id(n) => Cow::Owned(match ids.get(*n) {
                Some(Some(key)) => Value::Pointer(*key),
                _ => Value::None,
            }),
            Node::Lit(v) => Cow::Borrowed(v),
            Node::Call1(f, arg) => {
                let a = arg.arg(row, ids, errors);
                Cow::Owned(func::apply(*f, &[a.as_ref()], errors))
            }
            Node::Call2(f, args) => {
                let a = args[0].arg(row, ids, errors);
                let b = args[1].arg(row, ids, errors);
                if let Some(v) = func::fast2(*f, &a, &b) {
                    return Cow::Owned(v);
                }
                Cow::Owned(func::apply(*f, &[a.as_ref(), b.as_ref()], errors))
            }
            Node::CallN(f, args) if args.len() <= SMALL => {
                // Up to SMALL arguments live on the stack: no allocation per row.
                let mut values: [Cow<'a, Value>; SMALL] =
                    [const { Cow::Owned(Value::None) }; SMALL];
                for (slot, arg) in values.iter_mut().zip(args.iter()) {
                    *slot = arg.arg(row, ids, errors);
                }
                let refs: [&Value; SMALL] = [&values[0], &values[1], &values[2], &values[3]];
                Cow::Owned(func::apply(*f, &refs[..args.len()], errors))
            }
            Node::CallN(f, args) => {
                let values: Vec<Cow<'a, Value>> =
                    args.iter().map(|a| a.eval(row, ids, errors)).collect();
                let refs: Vec<&Value> = values.iter().map(|v| v.as_ref()).collect();
                Cow::Owned(func::apply(*f, &refs, errors))
            }
            Node::DtFormat { f, arg, items, fmt } => {
                let a = arg.arg(row, ids, errors);
                Cow::Owned(datetime::with_format(*f, a.as_ref(), items, fmt, errors))
            }
            Node::And(args) => Cow::Owned(logic(true, args, row, ids, errors)),
            Node::Or(args) => Cow::Owned(logic(false, args, row, ids, errors)),
            Node::IfElse(parts) => {
                let cond = parts[0].arg(row, ids, errors);
                match cond.as_ref() {
                    Value::Bool(true) => parts[1].arg(row, ids, errors),
                    Value::Bool(false) => parts[2].arg(row, ids, errors),
                    Value::None => Cow::Owned(Value::None),
                    Value::Error => Cow::Owned(Value::Error),
                    other => Cow::Owned(fail(
                        errors,
                        format!(
                            "ifElse: condition must be a bool, got {} {}",
                            super::type_name(other),
                            text::show(other)
                        ),
                    )),
                }
            }
            Node::Coalesce(args) => {
                for arg in args.iter() {
                    let v = arg.arg(row, ids, errors);
                    if !v.is_none() {
                        return v;
                    }
                }
                Cow::Owned(Value::None)
            }
            Node::IsError(value) => Cow::Owned(Value::Bool(value.arg(row, ids, errors).is_error())),
            Node::FillError(pair) => {
                let value = pair[0].arg(row, ids, errors);
                if value.is_error() {
                    pair[1].arg(row, ids, errors)
                } else {
                    value
                }
            }
            Node::Require(value, deps) => {
                for dep in deps.iter() {
                    match dep.eval(row, ids, errors).as_ref() {
                        Value::None => return Cow::Owned(Value::None),
                        Value::Error => return Cow::Owned(Value::Error),
                        _ => {}
                    }
                }
                value.eval(row, ids, errors)
            }
            Node::Cast(target, arg) => {
                let a = arg.arg(row, ids, errors);
                if target.is_noop_for(a.as_ref()) {
                    return a;
                }
                Cow::Owned(target.apply(a.as_ref(), errors))
            }
        }
    }
}

/// Three-valued `and` (`is_and`) / `or`, evaluating operands left to right and stopping at
/// the first deciding one (`false` for `and`, `true` for `or`) or at the first error.
fn logic(
    is_and: bool,
    args: &[Node],
    row: &[Value],
    ids: &[Option<Key>],
    errors: &mut Vec<String>,
) -> Value {
    let mut saw_null = false;
    for arg in args {
        match arg.arg(row, ids, errors).as_ref() {
            Value::Bool(b) => {
                if *b != is_and {
                    return Value::Bool(*b);
                }
            }
            Value::None => saw_null = true,
            Value::Error => return Value::Error,
            other => {
                return fail(
                    errors,
                    format!(
                        "{}: operands must be bool, got {} {}",
                        if is_and { "and" } else { "or" },
                        super::type_name(other),
                        text::show(other)
                    ),
                )
            }
        }
    }
    if saw_null {
        Value::None
    } else {
        Value::Bool(is_and)
    }
}
