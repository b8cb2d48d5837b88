//! Values, row ids (`Key`) and rows: the data every operator moves.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::stable_hash::StableHasher;

/// A 128-bit row id. Stable across runs: derived from primary-key values or input position.
///
/// Packed to 8-byte alignment: a plain `u128` would make `Value` 16-byte aligned, so every row
/// (`Arc<[Value]>`, 16-byte header + 32 bytes per cell) would be an odd multiple of 16 bytes,
/// a size mimalloc cannot hand out aligned from its fast path. At alignment 8 a cell is
/// 24 bytes and rows take the allocator's ordinary path.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(C, packed(8))]
pub struct Key(pub u128);

impl Key {
    /// The id derived from a sequence of values (primary key, `withIdFrom`, group keys).
    /// `withIdFrom(cols)` and `groupBy(cols)` both use this, so they give the same ids.
    pub fn for_values(values: &[Value]) -> Key {
        let mut hasher = StableHasher::new();
        for value in values {
            value.hash_stable(&mut hasher);
        }
        Key(hasher.digest128())
    }

    /// The id of a row known by its position in an input (source seed + ordinal).
    pub fn for_position(seed: u64, position: u64) -> Key {
        let mut bytes = [0u8; 19];
        bytes[..3].copy_from_slice(b"pos");
        bytes[3..11].copy_from_slice(&seed.to_le_bytes());
        bytes[11..].copy_from_slice(&position.to_le_bytes());
        Key(xxhash_rust::xxh3::xxh3_128(&bytes))
    }

    /// The id of a join result row: a hash of both sides' ids (`None` for an unmatched side).
    pub fn for_pair(left: Option<Key>, right: Option<Key>) -> Key {
        let mut hasher = StableHasher::new();
        hasher.update(b"pair");
        for side in [left, right] {
            match side {
                Some(k) => {
                    hasher.update(&[1]);
                    hasher.update(&k.0.to_le_bytes());
                }
                None => hasher.update(&[0]),
            }
        }
        Key(hasher.digest128())
    }

    /// Derives a new id from this one and a salt (used by `concatReindex`).
    pub fn salted(self, salt: u64) -> Key {
        let mut hasher = StableHasher::new();
        hasher.update(b"salt");
        hasher.update(&salt.to_le_bytes());
        hasher.update(&self.0.to_le_bytes());
        Key(hasher.digest128())
    }

    /// The low 64 bits, used to route a row to a worker.
    pub fn route(self) -> u64 {
        self.0 as u64
    }

    /// Parses the 32-digit hexadecimal form produced by `Display`.
    pub fn parse_hex(text: &str) -> Option<Key> {
        let digits = text.strip_prefix('^').unwrap_or(text);
        u128::from_str_radix(digits, 16).ok().map(Key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "^{:032x}", { self.0 })
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&format!("{:032x}", { self.0 }))
        } else {
            serializer.serialize_u128(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            Key::parse_hex(&text).ok_or_else(|| serde::de::Error::custom("invalid row id"))
        } else {
            u128::deserialize(deserializer).map(Key)
        }
    }
}

/// One cell. Heap variants are reference-counted so rows clone cheaply.
///
/// `DateTime` is nanoseconds since the Unix epoch (UTC); `Duration` is nanoseconds.
/// `Json` holds canonical JSON text. `Tuple` holds tuples and arrays alike.
/// `Error` marks a cell whose computation failed; the message went to the error log.
#[derive(Clone, Serialize, Deserialize, Default)]
pub enum Value {
    /// Null / missing.
    #[default]
    None,
    /// A boolean.
    Bool(bool),
    /// A 64-bit signed integer.
    Int(i64),
    /// A 64-bit float (ordered with `total_cmp`).
    Float(f64),
    /// A UTF-8 string.
    Str(Arc<str>),
    /// Raw bytes.
    Bytes(Arc<[u8]>),
    /// Nanoseconds since the Unix epoch, UTC.
    DateTime(i64),
    /// A span of nanoseconds.
    Duration(i64),
    /// A JSON value in canonical text form.
    Json(Arc<str>),
    /// A row id.
    Pointer(Key),
    /// A tuple or an array.
    Tuple(Arc<[Value]>),
    /// A failed computation; the message is in the error log.
    Error,
}

impl Value {
    fn rank(&self) -> u8 {
        match self {
            Value::None => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Float(_) => 3,
            Value::Str(_) => 4,
            Value::Bytes(_) => 5,
            Value::DateTime(_) => 6,
            Value::Duration(_) => 7,
            Value::Json(_) => 8,
            Value::Pointer(_) => 9,
            Value::Tuple(_) => 10,
            Value::Error => 11,
        }
    }

    /// Builds a string value.
    pub fn str(text: &str) -> Value {
        Value::Str(Arc::from(text))
    }

    /// True for `Value::None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// True for `Value::Error`.
    pub fn is_error(&self) -> bool {
        matches!(self, Value::Error)
    }

    /// Feeds a platform-independent encoding of the value to a hasher (for row ids).
    pub fn hash_stable(&self, hasher: &mut StableHasher) {
        hasher.update(&[self.rank()]);
        match self {
            Value::None | Value::Error => {}
            Value::Bool(b) => hasher.update(&[*b as u8]),
            Value::Int(i) => hasher.update(&i.to_le_bytes()),
            Value::Float(f) => hasher.update(&f.to_bits().to_le_bytes()),
            Value::Str(s) | Value::Json(s) => {
                hasher.update(&(s.len() as u64).to_le_bytes());
                hasher.update(s.as_bytes());
            }
            Value::Bytes(b) => {
                hasher.update(&(b.len() as u64).to_le_bytes());
                hasher.update(b);
            }
            Value::DateTime(n) | Value::Duration(n) => hasher.update(&n.to_le_bytes()),
            Value::Pointer(k) => hasher.update(&k.0.to_le_bytes()),
            Value::Tuple(items) => {
                hasher.update(&(items.len() as u64).to_le_bytes());
                for item in items.iter() {
                    item.hash_stable(hasher);
                }
            }
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Float(a), Value::Float(b)) => a.total_cmp(b),
            (Value::Str(a), Value::Str(b)) | (Value::Json(a), Value::Json(b)) => cmp_shared(a, b),
            (Value::Bytes(a), Value::Bytes(b)) => cmp_shared(a, b),
            (Value::DateTime(a), Value::DateTime(b)) | (Value::Duration(a), Value::Duration(b)) => {
                a.cmp(b)
            }
            (Value::Pointer(a), Value::Pointer(b)) => a.cmp(b),
            (Value::Tuple(a), Value::Tuple(b)) => cmp_shared(a, b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// Compares reference-counted contents, equal without a look when both share one allocation
/// (common: a retraction and the row replacing it, a group's key in each of its results).
#[inline]
fn cmp_shared<T: Ord + ?Sized>(a: &Arc<T>, b: &Arc<T>) -> Ordering {
    if Arc::ptr_eq(a, b) {
        Ordering::Equal
    } else {
        a.cmp(b)
    }
}

/// In-memory hashing (hash maps, exchange routing): consistent with `Eq` (equal values write the
/// same words; floats by their bits, as `total_cmp` compares them) and deterministic, but not the
/// stable id form of [`Value::hash_stable`].
impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u8(self.rank());
        match self {
            Value::None | Value::Error => {}
            Value::Bool(b) => state.write_u8(u8::from(*b)),
            Value::Int(n) | Value::DateTime(n) | Value::Duration(n) => state.write_i64(*n),
            Value::Float(f) => state.write_u64(f.to_bits()),
            Value::Str(s) | Value::Json(s) => s.hash(state),
            Value::Bytes(b) => b.hash(state),
            Value::Pointer(k) => state.write_u128(k.0),
            Value::Tuple(items) => items.hash(state),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => write!(f, "None"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Bytes(b) => write!(f, "bytes({})", b.len()),
            Value::DateTime(n) => write!(f, "datetime({n})"),
            Value::Duration(n) => write!(f, "duration({n})"),
            Value::Json(s) => write!(f, "json({s})"),
            Value::Pointer(k) => write!(f, "{k}"),
            Value::Tuple(items) => f.debug_list().entries(items.iter()).finish(),
            Value::Error => write!(f, "Error"),
        }
    }
}

/// A row's cells, shared so that clones are cheap.
pub type Row = Arc<[Value]>;

/// A change multiplicity.
pub type Diff = isize;

/// A logical timestamp (milliseconds for live sources; fixture times in tests).
pub type Time = u64;

/// Column types, as declared by schemas and checked by the TypeScript layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DType {
    /// Any value (used where a type is not known statically).
    Any,
    /// 64-bit integer.
    Int,
    /// 64-bit float.
    Float,
    /// Boolean.
    Bool,
    /// UTF-8 string.
    Str,
    /// Bytes.
    Bytes,
    /// Datetime (UTC).
    DateTime,
    /// Duration.
    Duration,
    /// JSON value.
    Json,
    /// Row id.
    Pointer,
    /// Homogeneous array.
    Array(Box<DType>),
    /// Fixed-arity tuple.
    Tuple(Vec<DType>),
    /// Nullable version of a type.
    Optional(Box<DType>),
}

impl DType {
    /// True when the type admits `None`.
    pub fn is_optional(&self) -> bool {
        matches!(self, DType::Optional(_) | DType::Any)
    }

    /// The type's name as the TypeScript schema spells it, e.g. `array(int).optional()`.
    pub fn name(&self) -> String {
        match self {
            DType::Any => "any".into(),
            DType::Int => "int".into(),
            DType::Float => "float".into(),
            DType::Bool => "bool".into(),
            DType::Str => "str".into(),
            DType::Bytes => "bytes".into(),
            DType::DateTime => "datetime".into(),
            DType::Duration => "duration".into(),
            DType::Json => "json".into(),
            DType::Pointer => "pointer".into(),
            DType::Array(inner) => format!("array({})", inner.name()),
            DType::Tuple(items) => {
                let names: Vec<String> = items.iter().map(DType::name).collect();
                format!("tuple({})", names.join(", "))
            }
            DType::Optional(inner) => format!("{}.optional()", inner.name()),
        }
    }

    /// The type without its `Optional` wrapper.
    pub fn unoptional(&self) -> &DType {
        match self {
            DType::Optional(inner) => inner.unoptional(),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_three_words_and_eight_byte_aligned() {
        // Rows are allocated per row; 16-byte alignment sends them down mimalloc's slow path.
        assert_eq!(std::mem::align_of::<Key>(), 8);
        assert_eq!(std::mem::align_of::<Value>(), 8);
        assert_eq!(std::mem::size_of::<Value>(), 24);
        let key = Key(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(Key::parse_hex(&key.to_string()), Some(key));
        assert!(Key(1) < Key(u128::MAX));
    }

    #[test]
    fn same_values_give_same_key() {
        let a = Key::for_values(&[Value::str("alice"), Value::Int(3)]);
        let b = Key::for_values(&[Value::str("alice"), Value::Int(3)]);
        let c = Key::for_values(&[Value::str("alice"), Value::Int(4)]);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn float_order_is_total() {
        let mut values = [
            Value::Float(2.0),
            Value::Float(f64::NAN),
            Value::Float(-1.0),
        ];
        values.sort();
        assert_eq!(values[0], Value::Float(-1.0));
    }

    #[test]
    fn key_hex_round_trip() {
        let key = Key::for_values(&[Value::Int(1)]);
        let text = serde_json::to_string(&key).unwrap();
        let back: Key = serde_json::from_str(&text).unwrap();
        assert_eq!(key, back);
    }
}
