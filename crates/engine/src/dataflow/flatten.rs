//! `flatten`: one output row per element of an array, tuple, JSON array or string column.
//!
//! The other columns are repeated. The id of the element at position `i` of the row with id
//! `id` is `Key::for_values([Pointer(id), Int(i)])`, i.e. what `pointerFrom(t.id, i)` gives,
//! so ids are stable and distinct per (row, position). A `None` cell gives no rows; a cell
//! that cannot be flattened (a number, a JSON object, an error value) gives no rows and an
//! error-log entry.

use std::sync::Arc;

use timely::dataflow::operators::vec::Map;

use differential_dataflow::AsCollection;

use super::errors::Reporter;
use super::{CollIn, EngineTime};
use crate::value::{Key, Value};

/// The elements of a flattenable value, or a message saying why it is not one.
pub fn elements(value: &Value) -> Result<Vec<Value>, String> {
    match value {
        Value::None => Ok(Vec::new()),
        Value::Tuple(items) => Ok(items.to_vec()),
        Value::Str(text) => Ok(text.chars().map(|c| Value::str(&c.to_string())).collect()),
        Value::Json(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Array(items)) => Ok(items
                .iter()
                .map(|item| Value::Json(item.to_string().into()))
                .collect()),
            Ok(_) => Err(format!("flatten: the JSON value {text} is not an array")),
            Err(e) => Err(format!("flatten: invalid JSON ({e})")),
        },
        Value::Error => Err("flatten: the value is an error; the row is dropped".into()),
        other => Err(format!("flatten: cannot flatten {other:?}")),
    }
}

/// The id of element `index` of the row `id`.
pub fn element_id(id: Key, index: usize) -> Key {
    Key::for_values(&[Value::Pointer(id), Value::Int(index as i64)])
}

/// Flattens column `column` of `input`. Errors are logged once, when the row is inserted.
pub fn flatten<'s, T: EngineTime>(
    input: CollIn<'s, T>,
    column: usize,
    mut reporter: Reporter,
) -> CollIn<'s, T> {
    input
        .inner
        .flat_map(move |((key, row), time, diff)| {
            let items = match row.get(column).map(elements) {
                Some(Ok(items)) => items,
                Some(Err(message)) => {
                    if diff > 0 {
                        reporter.report(format!("{message} (row {key})"));
                    }
                    Vec::new()
                }
                None => Vec::new(),
            };
            items
                .into_iter()
                .enumerate()
                .map(|(index, item)| {
                    let mut cells = row.to_vec();
                    cells[column] = item;
                    (
                        (element_id(key, index), Arc::from(cells)),
                        time.clone(),
                        diff,
                    )
                })
                .collect::<Vec<_>>()
        })
        .as_collection()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_of_each_kind() {
        let tuple = Value::Tuple(Arc::from(vec![Value::Int(1), Value::Int(2)]));
        assert_eq!(
            elements(&tuple).unwrap(),
            vec![Value::Int(1), Value::Int(2)]
        );
        assert_eq!(elements(&Value::str("ab")).unwrap().len(), 2);
        let json = Value::Json("[1,{\"a\":2}]".into());
        assert_eq!(
            elements(&json).unwrap(),
            vec![Value::Json("1".into()), Value::Json("{\"a\":2}".into())]
        );
        assert!(elements(&Value::Json("{}".into())).is_err());
        assert!(elements(&Value::Int(3)).is_err());
        assert!(elements(&Value::None).unwrap().is_empty());
    }

    #[test]
    fn element_ids_differ_by_position_and_row() {
        let a = Key(1);
        let b = Key(2);
        assert_ne!(element_id(a, 0), element_id(a, 1));
        assert_ne!(element_id(a, 0), element_id(b, 0));
        assert_eq!(element_id(a, 3), element_id(a, 3));
    }
}
