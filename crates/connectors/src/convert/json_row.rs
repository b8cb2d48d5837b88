//! Streaming parse of one JSON object straight into a row's cells: no intermediate
//! `serde_json::Value` for scalar fields, no allocation per field name.

use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use tributary_engine::{DType, Value};

use super::json::{from_bool, from_f64, from_i64, from_null, from_str, from_u64, value_from_json};

/// Reads JSON objects into rows of fixed columns (fields matched by name).
pub(crate) struct JsonRowParser {
    names: Vec<String>,
    dtypes: Vec<DType>,
}

/// Where one parse puts its results; reused across lines to avoid allocation.
#[derive(Default)]
pub(crate) struct RowScratch {
    /// One cell per column (`None` where the field was absent).
    pub cells: Vec<Value>,
    /// Which columns had a field.
    pub seen: Vec<bool>,
    /// Cells whose value did not fit the type: (column, message).
    pub errors: Vec<(usize, String)>,
}

impl JsonRowParser {
    /// A parser for these columns.
    pub(crate) fn new(names: &[String], dtypes: &[DType]) -> Self {
        JsonRowParser {
            names: names.to_vec(),
            dtypes: dtypes.to_vec(),
        }
    }

    /// Parses `line` into `scratch` (reset first). `Err` means the line is not one JSON object;
    /// type mismatches land in `scratch.errors`, missing fields leave `seen` false.
    pub(crate) fn parse(
        &self,
        line: &[u8],
        scratch: &mut RowScratch,
    ) -> Result<(), serde_json::Error> {
        let n = self.names.len();
        scratch.cells.clear();
        scratch.cells.extend((0..n).map(|_| Value::None));
        scratch.seen.clear();
        scratch.seen.resize(n, false);
        scratch.errors.clear();
        // One UTF-8 check of the whole line (fast for ASCII) lets serde_json skip its
        // per-string checks; invalid UTF-8 goes the checked way for a precise error.
        match std::str::from_utf8(line) {
            Ok(text) => self.run(&mut serde_json::Deserializer::from_str(text), scratch),
            Err(_) => self.run(&mut serde_json::Deserializer::from_slice(line), scratch),
        }
    }

    fn run<'de, R: serde_json::de::Read<'de>>(
        &self,
        de: &mut serde_json::Deserializer<R>,
        scratch: &mut RowScratch,
    ) -> Result<(), serde_json::Error> {
        de.deserialize_map(RowVisitor {
            parser: self,
            scratch,
        })?;
        de.end()
    }
}

struct RowVisitor<'a> {
    parser: &'a JsonRowParser,
    scratch: &'a mut RowScratch,
}

impl<'de> Visitor<'de> for RowVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let names = &self.parser.names;
        while let Some(found) = map.next_key_seed(KeySeed { names })? {
            match found {
                Some(i) => {
                    let cell = map.next_value_seed(CellSeed {
                        dtype: &self.parser.dtypes[i],
                    })?;
                    self.scratch.seen[i] = true;
                    match cell {
                        Ok(value) => self.scratch.cells[i] = value,
                        Err(message) => {
                            self.scratch.cells[i] = Value::Error;
                            self.scratch.errors.retain(|(c, _)| *c != i);
                            self.scratch.errors.push((i, message));
                        }
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Maps a field name to its column index without allocating.
struct KeySeed<'a> {
    names: &'a [String],
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.names.iter().position(|name| name == key))
    }
}

/// Converts one field value by the column's type; a mismatch is `Ok(Err(message))`.
struct CellSeed<'a> {
    dtype: &'a DType,
}

type Cell = Result<Value, String>;

impl<'de> DeserializeSeed<'de> for CellSeed<'_> {
    type Value = Cell;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Cell, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed<'_> {
    type Value = Cell;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Cell, E> {
        Ok(from_bool(v, self.dtype))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Cell, E> {
        Ok(from_i64(v, self.dtype))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Cell, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => from_i64(i, self.dtype),
            Err(_) => from_u64(v, self.dtype),
        })
    }

    fn visit_f64<E>(self, v: f64) -> Result<Cell, E> {
        Ok(from_f64(v, self.dtype))
    }

    fn visit_str<E>(self, v: &str) -> Result<Cell, E> {
        Ok(from_str(v, self.dtype))
    }

    fn visit_unit<E>(self) -> Result<Cell, E> {
        Ok(from_null(self.dtype))
    }

    fn visit_none<E>(self) -> Result<Cell, E> {
        Ok(from_null(self.dtype))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Cell, A::Error> {
        let json = serde_json::Value::deserialize(SeqAccessDeserializer::new(seq))?;
        Ok(value_from_json(&json, self.dtype))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Cell, A::Error> {
        let json = serde_json::Value::deserialize(MapAccessDeserializer::new(map))?;
        Ok(value_from_json(&json, self.dtype))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn parser() -> JsonRowParser {
        JsonRowParser::new(
            &["a".into(), "b".into(), "c".into()],
            &[
                DType::Int,
                DType::Optional(Box::new(DType::Str)),
                DType::Json,
            ],
        )
    }

    #[test]
    fn reads_fields_by_name_and_ignores_others() {
        let mut s = RowScratch::default();
        parser()
            .parse(
                br#"{"z": [1, {"q": 2}], "c": {"y": 1, "x": [true]}, "a": 7}"#,
                &mut s,
            )
            .unwrap();
        assert_eq!(
            s.cells,
            vec![
                Value::Int(7),
                Value::None,
                Value::Json(Arc::from(r#"{"x":[true],"y":1}"#))
            ]
        );
        assert_eq!(s.seen, vec![true, false, true]);
        assert!(s.errors.is_empty());
    }

    #[test]
    fn type_mismatch_is_a_cell_error() {
        let mut s = RowScratch::default();
        parser()
            .parse(br#"{"a": "x", "b": "esc\"aped", "c": null}"#, &mut s)
            .unwrap();
        assert_eq!(s.cells[0], Value::Error);
        assert_eq!(s.cells[1], Value::str("esc\"aped"));
        assert_eq!(s.cells[2], Value::Json(Arc::from("null")));
        assert_eq!(s.errors, vec![(0, "cannot read \"x\" as int".to_string())]);
    }

    #[test]
    fn syntax_errors_fail_the_line() {
        let mut s = RowScratch::default();
        assert!(parser().parse(br#"{"a": 1"#, &mut s).is_err());
        assert!(parser().parse(br#"[1, 2]"#, &mut s).is_err());
        assert!(parser().parse(br#"{"a": 1} x"#, &mut s).is_err());
        assert!(parser().parse(b"  {\"a\": 1}  \r", &mut s).is_ok());
        assert!(parser().parse(b"{\"b\": \"\xff\"}", &mut s).is_err());
    }

    #[test]
    fn matches_value_from_json() {
        let cases = [
            (r#"{"a": 9007199254740993}"#, DType::Int),
            (r#"{"a": 18446744073709551615}"#, DType::Float),
            (r#"{"a": 1.5}"#, DType::Duration),
            (
                r#"{"a": [1, [2, 3]]}"#,
                DType::Tuple(vec![DType::Int, DType::Array(Box::new(DType::Int))]),
            ),
            (r#"{"a": 2.0}"#, DType::Json),
        ];
        for (line, dtype) in cases {
            let p = JsonRowParser::new(&["a".into()], std::slice::from_ref(&dtype));
            let mut s = RowScratch::default();
            p.parse(line.as_bytes(), &mut s).unwrap();
            let whole: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(
                Ok(s.cells[0].clone()),
                value_from_json(&whole["a"], &dtype),
                "{line}"
            );
        }
    }
}
