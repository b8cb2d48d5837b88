//! One Kafka message to one row: JSON objects, CSV records or raw payloads, plus an optional
//! `_metadata` column (topic, partition, offset, key, timestamp). A message that does not
//! fit becomes error cells and error-log entries, never a failure.

use std::sync::Arc;

use tributary_engine::{DType, ErrorEntry, Value};

use super::options::KafkaFormat;
use crate::convert::json_row::{JsonRowParser, RowScratch};
use crate::convert::text::parse_text_cell;

/// The column that receives message metadata when the schema has it.
pub(crate) const METADATA_COLUMN: &str = "_metadata";

/// Where a message came from (for metadata, ids and error entries).
pub(crate) struct MessageAt<'a> {
    /// Topic.
    pub topic: &'a str,
    /// Partition.
    pub partition: i32,
    /// Offset within the partition.
    pub offset: i64,
    /// Message key, if any.
    pub key: Option<&'a [u8]>,
    /// Broker or producer timestamp (ms), if any.
    pub timestamp: Option<i64>,
}

/// Turns payloads into cells for fixed columns.
pub(crate) struct Decoder {
    operator: String,
    columns: Vec<String>,
    dtypes: Vec<DType>,
    format: KafkaFormat,
    json: JsonRowParser,
    delimiter: u8,
    /// Index of the `_metadata` column.
    metadata: Option<usize>,
    /// Index of the `data` column (raw format).
    data: Option<usize>,
    scratch: RowScratch,
}

impl Decoder {
    /// A decoder for these columns; fails when the format cannot fill them.
    pub(crate) fn new(
        operator: String,
        columns: &[String],
        dtypes: &[DType],
        format: KafkaFormat,
        delimiter: u8,
    ) -> Result<Decoder, String> {
        let metadata = columns.iter().position(|c| c == METADATA_COLUMN);
        let data = columns.iter().position(|c| c == "data");
        if format == KafkaFormat::Raw {
            let others = columns.len() - usize::from(metadata.is_some());
            if data.is_none() || others != 1 {
                return Err("the raw format reads one column, `data` (plus `_metadata`)".into());
            }
        }
        Ok(Decoder {
            operator,
            columns: columns.to_vec(),
            dtypes: dtypes.to_vec(),
            format,
            json: JsonRowParser::new(columns, dtypes),
            delimiter,
            metadata,
            data,
            scratch: RowScratch::default(),
        })
    }

    /// Decodes one payload into `cells` (cleared first), pushing entries for what failed.
    pub(crate) fn decode(
        &mut self,
        payload: &[u8],
        at: &MessageAt<'_>,
        cells: &mut Vec<Value>,
        errors: &mut Vec<ErrorEntry>,
    ) {
        let n = self.columns.len();
        cells.clear();
        match self.format {
            KafkaFormat::Json => self.decode_json(payload, at, cells, errors),
            KafkaFormat::Csv => self.decode_csv(payload, at, cells, errors),
            KafkaFormat::Raw => {
                cells.resize(n, Value::None);
                let data = self.data.unwrap_or(0);
                cells[data] = match self.dtypes[data].clone() {
                    DType::Bytes => Value::Bytes(Arc::from(payload)),
                    DType::Optional(inner) if *inner == DType::Bytes => {
                        Value::Bytes(Arc::from(payload))
                    }
                    _ => Value::Str(Arc::from(String::from_utf8_lossy(payload).as_ref())),
                };
            }
        }
        if let Some(m) = self.metadata {
            cells[m] = metadata_value(at);
        }
    }

    fn decode_json(
        &mut self,
        payload: &[u8],
        at: &MessageAt<'_>,
        cells: &mut Vec<Value>,
        errors: &mut Vec<ErrorEntry>,
    ) {
        let n = self.columns.len();
        let scratch = &mut self.scratch;
        match self.json.parse(payload, scratch) {
            Ok(()) => {
                for (col, message) in scratch.errors.drain(..) {
                    errors.push(cell_entry(&self.operator, &self.columns[col], &message, at));
                }
                for i in 0..n {
                    if !scratch.seen[i] && !self.dtypes[i].is_optional() && Some(i) != self.metadata
                    {
                        scratch.cells[i] = Value::Error;
                        let column = &self.columns[i];
                        errors.push(cell_entry(&self.operator, column, "missing field", at));
                    }
                }
                cells.append(&mut scratch.cells);
            }
            Err(e) => {
                cells.resize(n, Value::Error);
                errors.push(entry(
                    &self.operator,
                    format!("invalid JSON message: {e}"),
                    at,
                ));
            }
        }
    }

    fn decode_csv(
        &mut self,
        payload: &[u8],
        at: &MessageAt<'_>,
        cells: &mut Vec<Value>,
        errors: &mut Vec<ErrorEntry>,
    ) {
        let n = self.columns.len();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(self.delimiter)
            .flexible(true)
            .from_reader(payload);
        let mut record = csv::ByteRecord::new();
        let read = reader.read_byte_record(&mut record);
        let expected = n - usize::from(self.metadata.is_some());
        match read {
            Ok(true) if record.len() == expected => {
                let mut fields = record.iter();
                for i in 0..n {
                    if Some(i) == self.metadata {
                        cells.push(Value::None);
                        continue;
                    }
                    let field = fields.next().unwrap_or_default();
                    let cell = match std::str::from_utf8(field) {
                        Ok(text) => parse_text_cell(text, &self.dtypes[i]),
                        Err(_) => Err("invalid UTF-8".to_string()),
                    };
                    cells.push(cell.unwrap_or_else(|message| {
                        errors.push(cell_entry(&self.operator, &self.columns[i], &message, at));
                        Value::Error
                    }));
                }
            }
            Ok(found) => {
                let got = if found { record.len() } else { 0 };
                cells.resize(n, Value::Error);
                errors.push(entry(
                    &self.operator,
                    format!("expected {expected} CSV fields, got {got}"),
                    at,
                ));
            }
            Err(e) => {
                cells.resize(n, Value::Error);
                errors.push(entry(
                    &self.operator,
                    format!("invalid CSV message: {e}"),
                    at,
                ));
            }
        }
    }
}

/// `{"topic", "partition", "offset", "key", "timestamp"}` as a JSON cell.
fn metadata_value(at: &MessageAt<'_>) -> Value {
    let json = serde_json::json!({
        "topic": at.topic,
        "partition": at.partition,
        "offset": at.offset,
        "key": at.key.map(|k| String::from_utf8_lossy(k).into_owned()),
        "timestamp": at.timestamp,
    });
    Value::Json(Arc::from(json.to_string().as_str()))
}

/// An entry about a whole message; its row is `topic:partition:offset`.
fn entry(operator: &str, message: String, at: &MessageAt<'_>) -> ErrorEntry {
    ErrorEntry {
        operator: operator.to_string(),
        message,
        row: format!("{}:{}:{}", at.topic, at.partition, at.offset),
        trace: String::new(),
    }
}

/// An entry about one column of a message.
fn cell_entry(operator: &str, column: &str, message: &str, at: &MessageAt<'_>) -> ErrorEntry {
    entry(operator, format!("column `{column}`: {message}"), at)
}
