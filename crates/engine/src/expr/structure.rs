//! Structured values: `get` on tuples, arrays and JSON, and `pointerFrom`.

use crate::value::{Key, Value};

use super::func::{fail, Func};
use super::text::show;

/// `pointerFrom(args...)`: the id `withIdFrom(args...)` would give.
pub(crate) fn pointer_from(args: &[&Value]) -> Value {
    let key = match args {
        [one] => Key::for_values(std::slice::from_ref(*one)),
        many => {
            let owned: Vec<Value> = many.iter().map(|v| (*v).clone()).collect();
            Key::for_values(&owned)
        }
    };
    Value::Pointer(key)
}

/// Normalises an index that may count from the end.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if index < 0 { index + len } else { index };
    (0..len).contains(&i).then_some(i as usize)
}

/// `get(x, indexOrKey, default?)`.
///
/// Tuples take an int index (negative from the end; out of range is an error value unless a
/// default is given). JSON takes an int index or a string key; the result stays JSON and a
/// missing entry gives the default (or `None`). A `None` container or key gives the default.
pub(crate) fn get(args: &[&Value], errors: &mut Vec<String>) -> Value {
    let (x, key) = (args[0], args[1]);
    let default = args.get(2).map(|v| (*v).clone());
    if x.is_none() || key.is_none() {
        return default.unwrap_or(Value::None);
    }
    match (x, key) {
        (Value::Tuple(items), Value::Int(i)) => match resolve_index(*i, items.len()) {
            Some(at) => items[at].clone(),
            None => match default {
                Some(d) => d,
                None => fail(
                    errors,
                    format!(
                        "get: index {i} out of range for a tuple of length {}",
                        items.len()
                    ),
                ),
            },
        },
        (Value::Json(text), Value::Int(_) | Value::Str(_)) => {
            let parsed: serde_json::Value = match serde_json::from_str(text) {
                Ok(v) => v,
                Err(e) => return fail(errors, format!("get: invalid json {} ({e})", show(x))),
            };
            let found = match (&parsed, key) {
                (serde_json::Value::Array(items), Value::Int(i)) => {
                    resolve_index(*i, items.len()).map(|at| &items[at])
                }
                (serde_json::Value::Object(map), Value::Str(k)) => map.get(k.as_ref()),
                _ => None,
            };
            match found {
                Some(v) => Value::Json(v.to_string().into()),
                None => default.unwrap_or(Value::None),
            }
        }
        _ => fail(
            errors,
            format!(
                "{}: cannot index {} with {} ({}, {})",
                Func::Get.name(),
                super::type_name(x),
                super::type_name(key),
                show(x),
                show(key)
            ),
        ),
    }
}
