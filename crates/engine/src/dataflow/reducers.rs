//! The built-in reducers of `groupBy().reduce()`, computed from a group's accumulated values.

use std::sync::Arc;

use crate::error::EngineError;
use crate::plan::ReducerSpec;
use crate::value::{Diff, Key, Row, Time, Value};

/// What the reduce operator stores per input row: group values, reducer arguments, and
/// (only when some reducer needs them) the row id and insertion time. Rows whose stored
/// parts are equal consolidate, which is what makes `count`/`sum` cheap.
pub type GroupEntry = (Row, Row, Key, Time);

/// The arguments of a stored entry: inline when there is one (the common `sum`/`min`/`max`
/// case), so a group's entries do not each own a separate allocation.
#[derive(Clone, Debug)]
pub enum Args {
    /// No arguments (`count`).
    Empty,
    /// Exactly one argument.
    One(Value),
    /// Two or more arguments, shared with the row they came from.
    Many(Row),
}

impl Args {
    /// The arguments of `row`, inline when there are fewer than two.
    pub fn from_row(row: Row) -> Args {
        match &*row {
            [] => Args::Empty,
            [one] => Args::One(one.clone()),
            _ => Args::Many(row),
        }
    }

    /// The arguments as cells.
    pub fn as_slice(&self) -> &[Value] {
        match self {
            Args::Empty => &[],
            Args::One(value) => std::slice::from_ref(value),
            Args::Many(row) => row,
        }
    }
}

impl PartialEq for Args {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Args {}

impl PartialOrd for Args {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Args {
    /// As the argument rows compare, so entries sort as differential presents them.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

/// An entry without its group values (for operators that keep those once per group).
pub type ArgEntry = (Args, Key, Time);

/// What a reducer reads of a stored entry: its arguments, row id and insertion time.
pub trait EntryParts {
    /// The reducer arguments.
    fn args(&self) -> &[Value];
    /// The row id (default when no reducer needs it).
    fn id(&self) -> Key;
    /// The insertion time (0 when no reducer needs it).
    fn stamp(&self) -> Time;
}

impl EntryParts for GroupEntry {
    fn args(&self) -> &[Value] {
        &self.1
    }
    fn id(&self) -> Key {
        self.2
    }
    fn stamp(&self) -> Time {
        self.3
    }
}

impl EntryParts for ArgEntry {
    fn args(&self) -> &[Value] {
        self.0.as_slice()
    }
    fn id(&self) -> Key {
        self.1
    }
    fn stamp(&self) -> Time {
        self.2
    }
}

/// The kinds of reducer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Count,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
    ArgMin,
    ArgMax,
    Any,
    Unique,
    Tuple,
    SortedTuple,
    Earliest,
    Latest,
}

/// One reducer, bound to its arguments' positions in the stored argument row.
#[derive(Clone, Debug)]
pub struct Reducer {
    kind: Kind,
    arg: usize,
    skip_nones: bool,
    /// `tuple` with a second argument: values ordered by it (`groupBy(..., { sortBy })`).
    sort_by: bool,
}

impl Reducer {
    /// Binds `spec`, whose arguments start at `arg` in the argument row.
    pub fn new(spec: &ReducerSpec, arg: usize) -> Result<Reducer, EngineError> {
        let kind = match spec.kind.as_str() {
            "count" => Kind::Count,
            "countDistinct" => Kind::CountDistinct,
            "sum" => Kind::Sum,
            "avg" => Kind::Avg,
            "min" => Kind::Min,
            "max" => Kind::Max,
            "argmin" => Kind::ArgMin,
            "argmax" => Kind::ArgMax,
            "any" => Kind::Any,
            "unique" => Kind::Unique,
            "tuple" | "ndarray" => Kind::Tuple,
            "sortedTuple" => Kind::SortedTuple,
            "earliest" => Kind::Earliest,
            "latest" => Kind::Latest,
            other => return Err(EngineError::Plan(format!("unknown reducer `{other}`"))),
        };
        let wanted = if kind == Kind::Count { 0 } else { 1 };
        if spec.args.len() < wanted {
            return Err(EngineError::Plan(format!(
                "reducer `{}` needs an argument",
                spec.kind
            )));
        }
        Ok(Reducer {
            kind,
            arg,
            skip_nones: spec.skip_nones,
            sort_by: kind == Kind::Tuple && spec.args.len() > 1,
        })
    }

    /// Does the reducer need row ids?
    pub fn needs_id(&self) -> bool {
        matches!(
            self.kind,
            Kind::ArgMin | Kind::ArgMax | Kind::Tuple | Kind::Earliest | Kind::Latest
        )
    }

    /// Does the reducer need insertion times?
    pub fn needs_time(&self) -> bool {
        matches!(self.kind, Kind::Earliest | Kind::Latest)
    }

    /// Computes the reducer over a group's entries (sorted, with positive multiplicities).
    pub fn compute<E: EntryParts>(&self, group: &[(&E, Diff)], errors: &mut Vec<String>) -> Value {
        let values = group
            .iter()
            .filter(|(_, diff)| *diff > 0)
            .map(|(entry, diff)| (entry, *diff));
        match self.kind {
            Kind::Count => Value::Int(values.map(|(_, d)| d as i64).sum()),
            Kind::CountDistinct => {
                let mut distinct: Vec<&Value> = values.map(|(e, _)| &e.args()[self.arg]).collect();
                distinct.sort();
                distinct.dedup();
                Value::Int(distinct.len() as i64)
            }
            Kind::Sum => {
                self.sum(values.map(|(e, d)| (&e.args()[self.arg], d)), errors)
                    .0
            }
            Kind::Avg => {
                let (total, count) =
                    self.sum(values.map(|(e, d)| (&e.args()[self.arg], d)), errors);
                match total {
                    Value::Int(i) if count > 0 => Value::Float(i as f64 / count as f64),
                    Value::Float(f) if count > 0 => Value::Float(f / count as f64),
                    Value::Error => Value::Error,
                    _ => Value::None,
                }
            }
            Kind::Min | Kind::Max => {
                let present = values
                    .map(|(e, _)| &e.args()[self.arg])
                    .filter(|v| !v.is_none());
                let chosen = if self.kind == Kind::Min {
                    present.min()
                } else {
                    present.max()
                };
                chosen.cloned().unwrap_or(Value::None)
            }
            Kind::ArgMin | Kind::ArgMax => {
                let present = values
                    .map(|(e, _)| (&e.args()[self.arg], e.id()))
                    .filter(|(v, _)| !v.is_none());
                let chosen = if self.kind == Kind::ArgMin {
                    present.min()
                } else {
                    present.max_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(&a.1)))
                };
                chosen
                    .map(|(_, id)| Value::Pointer(id))
                    .unwrap_or(Value::None)
            }
            Kind::Any => values
                .map(|(e, _)| e.args()[self.arg].clone())
                .next()
                .unwrap_or(Value::None),
            Kind::Unique => {
                let mut distinct: Vec<&Value> = values.map(|(e, _)| &e.args()[self.arg]).collect();
                distinct.dedup();
                distinct.sort();
                distinct.dedup();
                match distinct.as_slice() {
                    [] => Value::None,
                    [one] => (*one).clone(),
                    _ => {
                        errors.push(format!(
                            "unique: the group has {} distinct values",
                            distinct.len()
                        ));
                        Value::Error
                    }
                }
            }
            Kind::Tuple | Kind::SortedTuple => {
                let none = Value::None;
                let mut items: Vec<(&Value, Key, &Value, Diff)> = values
                    .map(|(e, d)| {
                        let order = if self.sort_by {
                            &e.args()[self.arg + 1]
                        } else {
                            &none
                        };
                        (order, e.id(), &e.args()[self.arg], d)
                    })
                    .filter(|(_, _, v, _)| !(self.skip_nones && v.is_none()))
                    .collect();
                if self.kind == Kind::Tuple {
                    items.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(b.2)));
                } else {
                    items.sort_by(|a, b| a.2.cmp(b.2));
                }
                let mut out = Vec::new();
                for (_, _, value, diff) in items {
                    for _ in 0..diff {
                        out.push(value.clone());
                    }
                }
                Value::Tuple(Arc::from(out))
            }
            Kind::Earliest | Kind::Latest => {
                let timed = values.map(|(e, _)| (e.stamp(), e.id(), &e.args()[self.arg]));
                let chosen = if self.kind == Kind::Earliest {
                    timed.min()
                } else {
                    timed.max()
                };
                chosen.map(|(_, _, v)| v.clone()).unwrap_or(Value::None)
            }
        }
    }

    /// Sums numbers with multiplicities; returns the total and the count of summed values.
    fn sum<'a>(
        &self,
        values: impl Iterator<Item = (&'a Value, Diff)>,
        errors: &mut Vec<String>,
    ) -> (Value, i64) {
        let mut int_total: i64 = 0;
        let mut float_total: f64 = 0.0;
        let mut is_float = false;
        let mut count: i64 = 0;
        for (value, diff) in values {
            match value {
                Value::None => continue,
                Value::Int(i) => match i
                    .checked_mul(diff as i64)
                    .and_then(|x| int_total.checked_add(x))
                {
                    Some(total) => int_total = total,
                    None => {
                        errors.push("sum: integer overflow".to_string());
                        return (Value::Error, 0);
                    }
                },
                Value::Float(f) => {
                    is_float = true;
                    float_total += f * diff as f64;
                }
                Value::Error => return (Value::Error, 0),
                other => {
                    errors.push(format!("sum: cannot add a non-number ({other:?})"));
                    return (Value::Error, 0);
                }
            }
            count += diff as i64;
        }
        if is_float {
            (Value::Float(float_total + int_total as f64), count)
        } else {
            (Value::Int(int_total), count)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: &[Value]) -> Row {
        Arc::from(values.to_vec())
    }

    #[test]
    fn inline_arguments_order_as_their_rows() {
        let rows = [
            row(&[]),
            row(&[Value::Int(2)]),
            row(&[Value::Int(1), Value::str("b")]),
            row(&[Value::Int(1), Value::str("a")]),
            row(&[Value::str("x")]),
        ];
        for a in &rows {
            for b in &rows {
                let (x, y) = (Args::from_row(a.clone()), Args::from_row(b.clone()));
                assert_eq!(x.cmp(&y), a.cmp(b), "{a:?} vs {b:?}");
                assert_eq!(x.as_slice(), &a[..]);
            }
        }
        assert!(matches!(Args::from_row(rows[1].clone()), Args::One(_)));
        assert!(matches!(Args::from_row(rows[0].clone()), Args::Empty));
    }
}
