//! The strict (all-arguments-evaluated) functions: their names, arities, null policy, and the
//! dispatch from a function to its implementation.

use crate::value::Value;

use super::{arith, cast, compare, datetime, strings, structure};

/// A strict function: every argument is evaluated before the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Func {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    Neg,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Not,
    IsNull,
    IsNotNull,
    Unwrap,
    MakeTuple,
    Get,
    AsString,
    PointerFrom,
    StrLower,
    StrUpper,
    StrLen,
    StrContains,
    StrStartsWith,
    StrEndsWith,
    StrReplace,
    StrSlice,
    StrSplit,
    StrStrip,
    StrParseInt,
    StrParseFloat,
    StrConcat,
    NumAbs,
    NumRound,
    NumFloor,
    NumCeil,
    DtFloor,
    DtRound,
    DtYear,
    DtMonth,
    DtDay,
    DtHour,
    DtMinute,
    DtSecond,
    DtMillisecond,
    DtMicrosecond,
    DtNanosecond,
    DtWeekday,
    DtTimestamp,
    DtStrftime,
    DtStrptime,
}

/// How a function treats `None` arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NullPolicy {
    /// `None` in any argument gives `None` without calling the function.
    Any,
    /// `None` in the first argument gives `None`; later (optional) arguments may be `None`.
    First,
    /// The function looks at `None` itself.
    Own,
}

impl Func {
    /// Looks a function up by its plan name.
    pub(crate) fn by_name(name: &str) -> Option<Func> {
        use Func::*;
        Some(match name {
            "add" => Add,
            "sub" => Sub,
            "mul" => Mul,
            "div" => Div,
            "floorDiv" => FloorDiv,
            "mod" => Mod,
            "pow" => Pow,
            "neg" => Neg,
            "eq" => Eq,
            "ne" => Ne,
            "lt" => Lt,
            "le" => Le,
            "gt" => Gt,
            "ge" => Ge,
            "not" => Not,
            "isNull" => IsNull,
            "isNotNull" => IsNotNull,
            "unwrap" => Unwrap,
            "makeTuple" => MakeTuple,
            "get" => Get,
            "asString" => AsString,
            "pointerFrom" => PointerFrom,
            "str.lower" => StrLower,
            "str.upper" => StrUpper,
            "str.len" => StrLen,
            "str.contains" => StrContains,
            "str.startsWith" => StrStartsWith,
            "str.endsWith" => StrEndsWith,
            "str.replace" => StrReplace,
            "str.slice" => StrSlice,
            "str.split" => StrSplit,
            "str.strip" => StrStrip,
            "str.parseInt" => StrParseInt,
            "str.parseFloat" => StrParseFloat,
            "str.concat" => StrConcat,
            "num.abs" => NumAbs,
            "num.round" => NumRound,
            "num.floor" => NumFloor,
            "num.ceil" => NumCeil,
            "dt.floor" => DtFloor,
            "dt.round" => DtRound,
            "dt.year" => DtYear,
            "dt.month" => DtMonth,
            "dt.day" => DtDay,
            "dt.hour" => DtHour,
            "dt.minute" => DtMinute,
            "dt.second" => DtSecond,
            "dt.millisecond" => DtMillisecond,
            "dt.microsecond" => DtMicrosecond,
            "dt.nanosecond" => DtNanosecond,
            "dt.weekday" => DtWeekday,
            "dt.timestamp" => DtTimestamp,
            "dt.strftime" => DtStrftime,
            "dt.strptime" => DtStrptime,
            _ => return None,
        })
    }

    /// The plan name, for messages.
    pub(crate) fn name(self) -> &'static str {
        use Func::*;
        match self {
            Add => "add",
            Sub => "sub",
            Mul => "mul",
            Div => "div",
            FloorDiv => "floorDiv",
            Mod => "mod",
            Pow => "pow",
            Neg => "neg",
            Eq => "eq",
            Ne => "ne",
            Lt => "lt",
            Le => "le",
            Gt => "gt",
            Ge => "ge",
            Not => "not",
            IsNull => "isNull",
            IsNotNull => "isNotNull",
            Unwrap => "unwrap",
            MakeTuple => "makeTuple",
            Get => "get",
            AsString => "asString",
            PointerFrom => "pointerFrom",
            StrLower => "str.lower",
            StrUpper => "str.upper",
            StrLen => "str.len",
            StrContains => "str.contains",
            StrStartsWith => "str.startsWith",
            StrEndsWith => "str.endsWith",
            StrReplace => "str.replace",
            StrSlice => "str.slice",
            StrSplit => "str.split",
            StrStrip => "str.strip",
            StrParseInt => "str.parseInt",
            StrParseFloat => "str.parseFloat",
            StrConcat => "str.concat",
            NumAbs => "num.abs",
            NumRound => "num.round",
            NumFloor => "num.floor",
            NumCeil => "num.ceil",
            DtFloor => "dt.floor",
            DtRound => "dt.round",
            DtYear => "dt.year",
            DtMonth => "dt.month",
            DtDay => "dt.day",
            DtHour => "dt.hour",
            DtMinute => "dt.minute",
            DtSecond => "dt.second",
            DtMillisecond => "dt.millisecond",
            DtMicrosecond => "dt.microsecond",
            DtNanosecond => "dt.nanosecond",
            DtWeekday => "dt.weekday",
            DtTimestamp => "dt.timestamp",
            DtStrftime => "dt.strftime",
            DtStrptime => "dt.strptime",
        }
    }

    /// Allowed argument counts (inclusive; `usize::MAX` for variadic).
    pub(crate) fn arity(self) -> (usize, usize) {
        use Func::*;
        match self {
            Add | Sub | Mul | Div | FloorDiv | Mod | Pow | Eq | Ne | Lt | Le | Gt | Ge => (2, 2),
            Neg | Not | IsNull | IsNotNull | Unwrap | AsString => (1, 1),
            MakeTuple => (0, usize::MAX),
            PointerFrom => (1, usize::MAX),
            StrConcat => (1, usize::MAX),
            Get => (2, 3),
            StrLower | StrUpper | StrLen => (1, 1),
            StrContains | StrStartsWith | StrEndsWith => (2, 2),
            StrReplace => (3, 4),
            StrSlice => (2, 3),
            StrSplit => (1, 3),
            StrStrip => (1, 2),
            StrParseInt | StrParseFloat => (1, 2),
            NumAbs | NumFloor | NumCeil => (1, 1),
            NumRound => (1, 2),
            DtFloor | DtRound => (2, 2),
            DtYear | DtMonth | DtDay | DtHour | DtMinute | DtSecond | DtMillisecond
            | DtMicrosecond | DtNanosecond | DtWeekday => (1, 1),
            DtTimestamp => (1, 2),
            DtStrftime | DtStrptime => (2, 2),
        }
    }

    /// How the function treats `None` arguments.
    pub(crate) fn null_policy(self) -> NullPolicy {
        use Func::*;
        match self {
            Eq | Ne | IsNull | IsNotNull | Unwrap | MakeTuple | PointerFrom | AsString | Get => {
                NullPolicy::Own
            }
            StrSlice | StrSplit | StrStrip | StrReplace | NumRound | StrParseInt
            | StrParseFloat | DtTimestamp => NullPolicy::First,
            _ => NullPolicy::Any,
        }
    }
}

/// Applies a strict function to evaluated arguments. Errors propagate silently; `None`
/// follows the function's [`NullPolicy`]; data problems push one message.
pub(crate) fn apply(f: Func, args: &[&Value], errors: &mut Vec<String>) -> Value {
    if args.iter().any(|a| a.is_error()) {
        return Value::Error;
    }
    match f.null_policy() {
        NullPolicy::Any if args.iter().any(|a| a.is_none()) => return Value::None,
        NullPolicy::First if args[0].is_none() => return Value::None,
        _ => {}
    }
    use Func::*;
    match f {
        Add | Sub | Mul | Div | FloorDiv | Mod | Pow => arith::binary(f, args[0], args[1], errors),
        Neg => arith::neg(args[0], errors),
        Eq => Value::Bool(compare::values_equal(args[0], args[1])),
        Ne => Value::Bool(!compare::values_equal(args[0], args[1])),
        Lt | Le | Gt | Ge => compare::order(f, args[0], args[1], errors),
        Not => match args[0] {
            Value::Bool(b) => Value::Bool(!b),
            other => type_error(f, other, errors),
        },
        IsNull => Value::Bool(args[0].is_none()),
        IsNotNull => Value::Bool(!args[0].is_none()),
        Unwrap => match args[0] {
            Value::None => fail(errors, "unwrap: value is null".to_string()),
            other => other.clone(),
        },
        MakeTuple => Value::Tuple(args.iter().map(|a| (*a).clone()).collect()),
        Get => structure::get(args, errors),
        AsString => Value::Str(cast::as_string(args[0]).into()),
        PointerFrom => structure::pointer_from(args),
        StrLower | StrUpper | StrLen | StrContains | StrStartsWith | StrEndsWith | StrReplace
        | StrSlice | StrSplit | StrStrip | StrParseInt | StrParseFloat | StrConcat => {
            strings::apply(f, args, errors)
        }
        NumAbs | NumRound | NumFloor | NumCeil => arith::num(f, args, errors),
        DtFloor | DtRound | DtYear | DtMonth | DtDay | DtHour | DtMinute | DtSecond
        | DtMillisecond | DtMicrosecond | DtNanosecond | DtWeekday | DtTimestamp | DtStrftime
        | DtStrptime => datetime::apply(f, args, errors),
    }
}

/// Records a message and returns the error value.
pub(crate) fn fail(errors: &mut Vec<String>, message: String) -> Value {
    errors.push(message);
    Value::Error
}

/// The error for an argument of a type the function does not take.
pub(crate) fn type_error(f: Func, v: &Value, errors: &mut Vec<String>) -> Value {
    fail(
        errors,
        format!(
            "{}: unsupported argument type {} ({})",
            f.name(),
            super::type_name(v),
            super::text::show(v)
        ),
    )
}

/// The error for a pair of argument types the function does not take.
pub(crate) fn type_error2(f: Func, a: &Value, b: &Value, errors: &mut Vec<String>) -> Value {
    fail(
        errors,
        format!(
            "{}: unsupported argument types {} and {} ({}, {})",
            f.name(),
            super::type_name(a),
            super::type_name(b),
            super::text::show(a),
            super::text::show(b)
        ),
    )
}

/// The common two-argument cases (int/float arithmetic and comparisons, string equality)
/// without the general dispatch; `None` means "take the general path".
#[inline(always)]
pub(crate) fn fast2(f: Func, a: &Value, b: &Value) -> Option<Value> {
    use Func::*;
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            let (x, y) = (*x, *y);
            Some(match f {
                Add => Value::Int(x.checked_add(y)?),
                Sub => Value::Int(x.checked_sub(y)?),
                Mul => Value::Int(x.checked_mul(y)?),
                Eq => Value::Bool(x == y),
                Ne => Value::Bool(x != y),
                Lt => Value::Bool(x < y),
                Le => Value::Bool(x <= y),
                Gt => Value::Bool(x > y),
                Ge => Value::Bool(x >= y),
                _ => return None,
            })
        }
        (Value::Float(x), Value::Float(y)) => {
            let (x, y) = (*x, *y);
            match f {
                Eq => Some(Value::Bool(x == y)),
                Ne => Some(Value::Bool(x != y)),
                Lt => Some(Value::Bool(x < y)),
                Le => Some(Value::Bool(x <= y)),
                Gt => Some(Value::Bool(x > y)),
                Ge => Some(Value::Bool(x >= y)),
                _ => fast_float(f, x, y),
            }
        }
        (Value::Int(x), Value::Float(y)) => match f {
            Eq | Ne | Lt | Le | Gt | Ge => fast_order(f, super::compare::cmp_int_float(*x, *y)),
            _ => fast_float(f, *x as f64, *y),
        },
        (Value::Float(x), Value::Int(y)) => match f {
            Eq | Ne | Lt | Le | Gt | Ge => fast_order(
                f,
                super::compare::cmp_int_float(*y, *x).map(std::cmp::Ordering::reverse),
            ),
            _ => fast_float(f, *x, *y as f64),
        },
        (Value::Str(x), Value::Str(y)) => match f {
            Eq => Some(Value::Bool(x == y)),
            Ne => Some(Value::Bool(x != y)),
            _ => None,
        },
        _ => None,
    }
}

/// A comparison from an ordering (`None`: unordered, only `ne` holds).
#[inline(always)]
fn fast_order(f: Func, ord: Option<std::cmp::Ordering>) -> Option<Value> {
    use std::cmp::Ordering::*;
    Some(Value::Bool(match (f, ord) {
        (Func::Ne, o) => o != Some(Equal),
        (_, None) => false,
        (Func::Eq, Some(o)) => o == Equal,
        (Func::Lt, Some(o)) => o == Less,
        (Func::Le, Some(o)) => o != Greater,
        (Func::Gt, Some(o)) => o == Greater,
        (_, Some(o)) => o != Less,
    }))
}

/// Float arithmetic that cannot fail.
#[inline(always)]
fn fast_float(f: Func, x: f64, y: f64) -> Option<Value> {
    Some(Value::Float(match f {
        Func::Add => x + y,
        Func::Sub => x - y,
        Func::Mul => x * y,
        Func::Div if y != 0.0 => x / y,
        _ => return None,
    }))
}
