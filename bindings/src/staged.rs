//! Columnar ingest: tables handed over as typed arrays (numbers as `Float64Array`, strings as
//! one UTF-8 buffer plus `Uint32Array` offsets) are turned into rows in Rust in one call and
//! kept until the table is dropped; the `staged` source reads them.

// The `#[napi]` entry points are only called from JavaScript, so test builds see them unused.
#![cfg_attr(test, allow(dead_code))]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Deserialize;
use tributary_engine::connector::{SourceError, SourceReader, SourceStatus};
use tributary_engine::{DType, Diff, ErrorEntry, Key, Row, Value};

type Rows = Arc<Vec<(Key, Row)>>;

static STAGED: LazyLock<Mutex<HashMap<u32, Rows>>> = LazyLock::new(Default::default);
static NEXT_STAGE: AtomicU32 = AtomicU32::new(1);

/// How one column is laid out in the arrays handed over.
#[derive(Deserialize)]
struct ColumnLayout {
    /// `number` (a `Float64Array`; `NaN` is null for optional columns), `bool` (a
    /// `Float64Array` of 0/1) or `text` (a buffer + offsets).
    kind: String,
    /// Index into the numbers or into the texts/offsets arrays.
    slot: usize,
    /// The column's type.
    dtype: DType,
}

#[derive(Deserialize)]
struct Layout {
    rows: usize,
    columns: Vec<ColumnLayout>,
    primary_key: Vec<usize>,
    seed: u64,
}

fn fail(message: String) -> Error {
    Error::from_reason(format!("[TRIBUTARY_INPUT] {message}"))
}

/// Converts columns to rows and keeps them under a new id (see `unstageColumns`).
#[napi]
pub fn stage_columns(
    layout_json: String,
    numbers: Vec<Float64Array>,
    texts: Vec<Buffer>,
    offsets: Vec<Uint32Array>,
) -> Result<u32> {
    let layout: Layout =
        serde_json::from_str(&layout_json).map_err(|e| fail(format!("bad layout: {e}")))?;
    let mut cells: Vec<Vec<Value>> = (0..layout.rows)
        .map(|_| Vec::with_capacity(layout.columns.len()))
        .collect();
    for (position, column) in layout.columns.iter().enumerate() {
        match column.kind.as_str() {
            "number" | "bool" => {
                let values = numbers
                    .get(column.slot)
                    .ok_or_else(|| fail(format!("column {position}: no numbers")))?;
                if values.len() != layout.rows {
                    return Err(fail(format!(
                        "column {position}: {} values for {} rows",
                        values.len(),
                        layout.rows
                    )));
                }
                for (row, value) in cells.iter_mut().zip(values.iter()) {
                    row.push(number_cell(*value, &column.dtype, &column.kind));
                }
            }
            "text" => {
                let (bytes, bounds) = (
                    texts
                        .get(column.slot)
                        .ok_or_else(|| fail(format!("column {position}: no text")))?,
                    offsets
                        .get(column.slot)
                        .ok_or_else(|| fail(format!("column {position}: no offsets")))?,
                );
                if bounds.len() != layout.rows + 1 {
                    return Err(fail(format!(
                        "column {position}: offsets do not match {} rows",
                        layout.rows
                    )));
                }
                let text = std::str::from_utf8(bytes)
                    .map_err(|e| fail(format!("column {position}: {e}")))?;
                for (row, pair) in cells.iter_mut().zip(bounds.windows(2)) {
                    let piece = text
                        .get(pair[0] as usize..pair[1] as usize)
                        .ok_or_else(|| fail(format!("column {position}: offsets out of range")))?;
                    row.push(Value::str(piece));
                }
            }
            other => return Err(fail(format!("column {position}: unknown kind `{other}`"))),
        }
    }
    let rows: Vec<(Key, Row)> = cells
        .into_iter()
        .enumerate()
        .map(|(position, values)| {
            let key = if layout.primary_key.is_empty() {
                Key::for_position(layout.seed, position as u64)
            } else {
                let key_values: Vec<Value> = layout
                    .primary_key
                    .iter()
                    .map(|&i| values[i].clone())
                    .collect();
                Key::for_values(&key_values)
            };
            (key, Row::from(values))
        })
        .collect();
    let id = NEXT_STAGE.fetch_add(1, Ordering::SeqCst);
    STAGED
        .lock()
        .map_err(|_| fail("staging lock poisoned".into()))?
        .insert(id, Arc::new(rows));
    Ok(id)
}

/// Forgets staged columns (their table is gone).
#[napi]
pub fn unstage_columns(id: u32) {
    if let Ok(mut staged) = STAGED.lock() {
        staged.remove(&id);
    }
}

fn number_cell(value: f64, dtype: &DType, kind: &str) -> Value {
    if value.is_nan() && dtype.is_optional() {
        return Value::None;
    }
    match (kind, dtype.unoptional()) {
        ("bool", _) => Value::Bool(value != 0.0),
        (_, DType::Int) if value.fract() == 0.0 && value.abs() < 9.2e18 => Value::Int(value as i64),
        (_, DType::Int) => Value::Error,
        _ => Value::Float(value),
    }
}

/// Reads worker `worker`'s stripe of a staged table.
pub struct StagedReader {
    rows: Rows,
    next: usize,
    step: usize,
}

impl StagedReader {
    /// The reader of stage `id` for worker `worker` of `peers`.
    pub fn open(
        name: &str,
        id: u32,
        worker: usize,
        peers: usize,
    ) -> std::result::Result<StagedReader, SourceError> {
        let rows = STAGED
            .lock()
            .ok()
            .and_then(|s| s.get(&id).cloned())
            .ok_or_else(|| SourceError {
                source_name: name.to_string(),
                message: format!("staged columns #{id} are gone (the table was dropped)"),
            })?;
        Ok(StagedReader {
            rows,
            next: worker,
            step: peers.max(1),
        })
    }
}

impl SourceReader for StagedReader {
    fn poll(
        &mut self,
        out: &mut Vec<(Key, Row, Diff)>,
        _errors: &mut Vec<ErrorEntry>,
        max: usize,
    ) -> std::result::Result<SourceStatus, SourceError> {
        while self.next < self.rows.len() && out.len() < max {
            let (key, row) = &self.rows[self.next];
            out.push((*key, row.clone(), 1));
            self.next += self.step;
        }
        Ok(if self.next < self.rows.len() {
            SourceStatus::Data
        } else {
            SourceStatus::Finished
        })
    }
}
