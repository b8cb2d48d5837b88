//! Points on a window's time axis: the time column's numbers (integers, floats, or
//! nanoseconds for datetimes) with exact integer arithmetic where the column is integral.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::value::Value;

/// A time, a window bound or a window length.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub enum Point {
    /// An integer, a datetime or a duration (nanoseconds).
    I(i64),
    /// A float.
    F(f64),
}

impl Point {
    /// The point of a time cell or a parameter; `None` for other values.
    pub fn of(value: &Value) -> Option<Point> {
        match value {
            Value::Int(n) | Value::DateTime(n) | Value::Duration(n) => Some(Point::I(*n)),
            Value::Float(f) if f.is_finite() => Some(Point::F(*f)),
            _ => None,
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Point::I(n) => n as f64,
            Point::F(f) => f,
        }
    }

    /// `self + other`.
    pub fn add(self, other: Point) -> Point {
        match (self, other) {
            (Point::I(a), Point::I(b)) => Point::I(a.saturating_add(b)),
            _ => Point::F(self.as_f64() + other.as_f64()),
        }
    }

    /// `self - other`.
    pub fn sub(self, other: Point) -> Point {
        match (self, other) {
            (Point::I(a), Point::I(b)) => Point::I(a.saturating_sub(b)),
            _ => Point::F(self.as_f64() - other.as_f64()),
        }
    }

    /// `floor(self / step)` (step > 0).
    pub fn floor_div(self, step: Point) -> i64 {
        match (self, step) {
            (Point::I(a), Point::I(b)) => a.div_euclid(b),
            _ => (self.as_f64() / step.as_f64()).floor() as i64,
        }
    }

    /// `step * k`.
    pub fn times(step: Point, k: i64) -> Point {
        match step {
            Point::I(n) => Point::I(n.saturating_mul(k)),
            Point::F(f) => Point::F(f * k as f64),
        }
    }

    /// True when the point is greater than zero.
    pub fn is_positive(self) -> bool {
        match self {
            Point::I(n) => n > 0,
            Point::F(f) => f > 0.0,
        }
    }

    /// The cell for this point in a column whose times look like `like`.
    pub fn to_value(self, like: &Value) -> Value {
        match (like, self) {
            (Value::DateTime(_), Point::I(n)) => Value::DateTime(n),
            (Value::Float(_), p) => Value::Float(p.as_f64()),
            (_, Point::I(n)) => Value::Int(n),
            (_, Point::F(f)) => Value::Float(f),
        }
    }
}

impl PartialEq for Point {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Point {}

impl PartialOrd for Point {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Point {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Point::I(a), Point::I(b)) => a.cmp(b),
            _ => self.as_f64().total_cmp(&other.as_f64()),
        }
    }
}
