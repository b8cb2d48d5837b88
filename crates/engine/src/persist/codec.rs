//! The binary encoding of logged data: little-endian integers, length-prefixed byte strings,
//! and values tagged by kind. Decoding never panics: bad input is a [`CodecError`].

use std::sync::Arc;

use crate::value::{Diff, Key, Row, Time, Value};

/// The bytes ended early or held an unknown tag.
#[derive(Debug, thiserror::Error)]
#[error("malformed record: {0}")]
pub struct CodecError(pub &'static str);

/// Appends encoded data to a buffer.
#[derive(Default)]
pub struct Encoder {
    /// The bytes written so far.
    pub buf: Vec<u8>,
}

impl Encoder {
    /// Writes a `u8`.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    /// Writes a `u64`.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Writes an `i64`.
    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Writes a length-prefixed byte string.
    pub fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.buf.extend_from_slice(v);
    }
    /// Writes a value.
    pub fn value(&mut self, v: &Value) {
        match v {
            Value::None => self.u8(0),
            Value::Bool(b) => {
                self.u8(1);
                self.u8(*b as u8);
            }
            Value::Int(i) => {
                self.u8(2);
                self.i64(*i);
            }
            Value::Float(f) => {
                self.u8(3);
                self.u64(f.to_bits());
            }
            Value::Str(s) => {
                self.u8(4);
                self.bytes(s.as_bytes());
            }
            Value::Bytes(b) => {
                self.u8(5);
                self.bytes(b);
            }
            Value::DateTime(n) => {
                self.u8(6);
                self.i64(*n);
            }
            Value::Duration(n) => {
                self.u8(7);
                self.i64(*n);
            }
            Value::Json(s) => {
                self.u8(8);
                self.bytes(s.as_bytes());
            }
            Value::Pointer(k) => {
                self.u8(9);
                self.buf.extend_from_slice(&k.0.to_le_bytes());
            }
            Value::Tuple(items) => {
                self.u8(10);
                self.u64(items.len() as u64);
                for item in items.iter() {
                    self.value(item);
                }
            }
            Value::Error => self.u8(11),
        }
    }
    /// Writes an update: id, diff and row.
    pub fn update(&mut self, key: Key, row: &Row, diff: Diff) {
        self.buf.extend_from_slice(&key.0.to_le_bytes());
        self.i64(diff as i64);
        self.u64(row.len() as u64);
        for v in row.iter() {
            self.value(v);
        }
    }
}

/// Reads encoded data from a slice.
pub struct Decoder<'a> {
    data: &'a [u8],
}

impl<'a> Decoder<'a> {
    /// A decoder over `data`.
    pub fn new(data: &'a [u8]) -> Decoder<'a> {
        Decoder { data }
    }
    /// True when every byte was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if self.data.len() < n {
            return Err(CodecError("ends early"));
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }
    /// Reads a `u8`.
    pub fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.take(1)?[0])
    }
    /// Reads a `u64`.
    pub fn u64(&mut self) -> Result<u64, CodecError> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
    /// Reads an `i64`.
    pub fn i64(&mut self) -> Result<i64, CodecError> {
        Ok(self.u64()? as i64)
    }
    /// Reads a length (bounded by the bytes left, so garbage cannot allocate much).
    fn len(&mut self) -> Result<usize, CodecError> {
        let n = self.u64()?;
        if n > self.data.len() as u64 {
            return Err(CodecError("length past the end"));
        }
        Ok(n as usize)
    }
    /// Reads a length-prefixed byte string.
    pub fn bytes(&mut self) -> Result<&'a [u8], CodecError> {
        let n = self.len()?;
        self.take(n)
    }
    fn text(&mut self) -> Result<Arc<str>, CodecError> {
        std::str::from_utf8(self.bytes()?)
            .map(Arc::from)
            .map_err(|_| CodecError("bad UTF-8"))
    }
    /// Reads a value.
    pub fn value(&mut self) -> Result<Value, CodecError> {
        Ok(match self.u8()? {
            0 => Value::None,
            1 => Value::Bool(self.u8()? != 0),
            2 => Value::Int(self.i64()?),
            3 => Value::Float(f64::from_bits(self.u64()?)),
            4 => Value::Str(self.text()?),
            5 => Value::Bytes(Arc::from(self.bytes()?)),
            6 => Value::DateTime(self.i64()?),
            7 => Value::Duration(self.i64()?),
            8 => Value::Json(self.text()?),
            9 => Value::Pointer(self.key()?),
            10 => {
                let n = self.len()?;
                let items = (0..n)
                    .map(|_| self.value())
                    .collect::<Result<Vec<_>, _>>()?;
                Value::Tuple(Arc::from(items))
            }
            11 => Value::Error,
            _ => return Err(CodecError("unknown value tag")),
        })
    }
    fn key(&mut self) -> Result<Key, CodecError> {
        let b = self.take(16)?;
        Ok(Key(u128::from_le_bytes(b.try_into().expect("16 bytes"))))
    }
    /// Reads an update written by [`Encoder::update`].
    pub fn update(&mut self) -> Result<(Key, Row, Diff), CodecError> {
        let key = self.key()?;
        let diff = self.i64()? as Diff;
        let n = self.len()?;
        let row = (0..n).map(|_| self.value()).collect::<Result<Row, _>>()?;
        Ok((key, row, diff))
    }
}

/// One logged commit of one source share: its time, its rows, and the reader's offsets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Commit {
    /// The time the rows were fed at.
    pub time: Time,
    /// The reader's position after the rows (`None`: the reader has none).
    pub offsets: Option<Vec<u8>>,
    /// The updates fed at `time`.
    pub updates: Vec<(Key, Row, Diff)>,
}

impl Commit {
    /// Encodes the commit.
    pub fn encode(&self, enc: &mut Encoder) {
        enc.u64(self.time);
        match &self.offsets {
            Some(o) => {
                enc.u8(1);
                enc.bytes(o);
            }
            None => enc.u8(0),
        }
        enc.u64(self.updates.len() as u64);
        for (k, r, d) in &self.updates {
            enc.update(*k, r, *d);
        }
    }

    /// Decodes a commit (all of `data`).
    pub fn decode(data: &[u8]) -> Result<Commit, CodecError> {
        let mut dec = Decoder::new(data);
        let time = dec.u64()?;
        let offsets = match dec.u8()? {
            0 => None,
            1 => Some(dec.bytes()?.to_vec()),
            _ => return Err(CodecError("bad offsets flag")),
        };
        let n = dec.u64()?;
        let mut updates = Vec::with_capacity(n.min(1 << 20) as usize);
        for _ in 0..n {
            updates.push(dec.update()?);
        }
        if !dec.is_empty() {
            return Err(CodecError("trailing bytes"));
        }
        Ok(Commit {
            time,
            offsets,
            updates,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_round_trip() {
        let row: Row = Row::from(vec![
            Value::None,
            Value::Bool(true),
            Value::Int(-3),
            Value::Float(1.5),
            Value::str("héllo"),
            Value::Bytes(Arc::from(&b"\x00\x01"[..])),
            Value::DateTime(7),
            Value::Duration(-7),
            Value::Json(Arc::from("{\"a\":1}")),
            Value::Pointer(Key(99)),
            Value::Tuple(Arc::from(vec![Value::Int(1), Value::str("x")])),
            Value::Error,
        ]);
        let commit = Commit {
            time: 42,
            offsets: Some(b"pos".to_vec()),
            updates: vec![(Key(5), row.clone(), 1), (Key(6), row, -1)],
        };
        let mut enc = Encoder::default();
        commit.encode(&mut enc);
        let back = Commit::decode(&enc.buf).unwrap();
        assert_eq!(back.time, 42);
        assert_eq!(back.offsets.as_deref(), Some(&b"pos"[..]));
        assert_eq!(back.updates.len(), 2);
        assert_eq!(back.updates[1].2, -1);
        assert!(Commit::decode(&enc.buf[..enc.buf.len() - 1]).is_err());
    }
}
