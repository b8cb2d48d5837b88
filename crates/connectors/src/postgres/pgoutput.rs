//! Decoding of the replication stream: `XLogData`/keepalive frames and the `pgoutput` logical
//! decoding messages inside them (protocol version 1: begin, commit, relation, insert, update,
//! delete, truncate; origin, type and message records are skipped).

use bytes::{Buf, BytesMut};

/// A cell of a replicated tuple.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Cell {
    /// SQL NULL.
    Null,
    /// An unchanged TOASTed value (not sent): keep the old one.
    Unchanged,
    /// The value's text form.
    Text(String),
}

/// A column of a replicated relation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RelColumn {
    /// Column name.
    pub name: String,
    /// Type OID.
    pub type_oid: u32,
}

/// The description of a table, sent before its first change in a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Relation {
    /// The table's OID.
    pub id: u32,
    /// Schema name.
    pub namespace: String,
    /// Table name.
    pub name: String,
    /// Columns in tuple order.
    pub columns: Vec<RelColumn>,
}

/// One `pgoutput` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Message {
    /// A transaction starts.
    Begin,
    /// The transaction ends; `end_lsn` is the position to acknowledge once it is processed.
    Commit {
        /// End of the commit record.
        end_lsn: u64,
    },
    /// A relation description.
    Relation(Relation),
    /// A new row.
    Insert {
        /// Relation OID.
        rel: u32,
        /// The row.
        new: Vec<Cell>,
    },
    /// A changed row: `old` is the old key (or whole row under REPLICA IDENTITY FULL) when
    /// the key changed or identity is full.
    Update {
        /// Relation OID.
        rel: u32,
        /// Old key/row, if sent.
        old: Option<Vec<Cell>>,
        /// The new row.
        new: Vec<Cell>,
    },
    /// A removed row, identified by its key (or whole old row).
    Delete {
        /// Relation OID.
        rel: u32,
        /// Old key/row.
        old: Vec<Cell>,
    },
    /// Tables emptied.
    Truncate {
        /// Relation OIDs.
        rels: Vec<u32>,
    },
    /// Anything else (origin, type, logical message).
    Other,
}

/// A frame of the replication copy stream.
#[derive(Debug)]
pub(crate) enum StreamFrame {
    /// WAL data: a `pgoutput` message.
    XLogData {
        /// The message bytes.
        data: BytesMut,
    },
    /// The server's keepalive; `reply` asks for a status update now.
    Keepalive {
        /// Whether the server wants an immediate reply.
        reply: bool,
    },
    /// Something unknown (ignored).
    Other,
}

/// A malformed message.
#[derive(Debug, thiserror::Error)]
#[error("malformed replication message: {0}")]
pub(crate) struct DecodeError(String);

fn need(buf: &BytesMut, n: usize, what: &str) -> Result<(), DecodeError> {
    if buf.len() < n {
        return Err(DecodeError(format!("truncated {what}")));
    }
    Ok(())
}

/// Splits a copy-data payload into its frame.
pub(crate) fn parse_frame(mut data: BytesMut) -> Result<StreamFrame, DecodeError> {
    if data.is_empty() {
        return Ok(StreamFrame::Other);
    }
    let tag = data.get_u8();
    match tag {
        b'w' => {
            need(&data, 24, "XLogData")?;
            let _start = data.get_u64();
            let _wal_end = data.get_u64();
            let _time = data.get_i64();
            Ok(StreamFrame::XLogData { data })
        }
        b'k' => {
            need(&data, 17, "keepalive")?;
            let _wal_end = data.get_u64();
            let _time = data.get_i64();
            let reply = data.get_u8() == 1;
            Ok(StreamFrame::Keepalive { reply })
        }
        _ => Ok(StreamFrame::Other),
    }
}

fn string(buf: &mut BytesMut) -> Result<String, DecodeError> {
    let end = buf
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| DecodeError("unterminated string".into()))?;
    let s = String::from_utf8_lossy(&buf[..end]).into_owned();
    buf.advance(end + 1);
    Ok(s)
}

fn tuple(buf: &mut BytesMut) -> Result<Vec<Cell>, DecodeError> {
    need(buf, 2, "tuple")?;
    let n = buf.get_i16().max(0) as usize;
    let mut cells = Vec::with_capacity(n);
    for _ in 0..n {
        need(buf, 1, "tuple cell")?;
        match buf.get_u8() {
            b'n' => cells.push(Cell::Null),
            b'u' => cells.push(Cell::Unchanged),
            kind @ (b't' | b'b') => {
                need(buf, 4, "tuple cell")?;
                let len = buf.get_i32().max(0) as usize;
                need(buf, len, "tuple cell")?;
                let bytes = buf.split_to(len);
                if kind == b'b' {
                    return Err(DecodeError("binary tuple cells are not supported".into()));
                }
                cells.push(Cell::Text(String::from_utf8_lossy(&bytes).into_owned()));
            }
            other => return Err(DecodeError(format!("unknown tuple cell kind {other}"))),
        }
    }
    Ok(cells)
}

/// Decodes one `pgoutput` message.
pub(crate) fn decode(mut buf: BytesMut) -> Result<Message, DecodeError> {
    need(&buf, 1, "message")?;
    let tag = buf.get_u8();
    Ok(match tag {
        b'B' => Message::Begin,
        b'C' => {
            need(&buf, 25, "commit")?;
            let _flags = buf.get_u8();
            let _commit_lsn = buf.get_u64();
            let end_lsn = buf.get_u64();
            Message::Commit { end_lsn }
        }
        b'R' => {
            need(&buf, 4, "relation")?;
            let id = buf.get_u32();
            let namespace = string(&mut buf)?;
            let name = string(&mut buf)?;
            need(&buf, 3, "relation")?;
            let _identity = buf.get_u8();
            let n = buf.get_i16().max(0) as usize;
            let mut columns = Vec::with_capacity(n);
            for _ in 0..n {
                need(&buf, 1, "relation column")?;
                let _flags = buf.get_u8();
                let name = string(&mut buf)?;
                need(&buf, 8, "relation column")?;
                let type_oid = buf.get_u32();
                let _typmod = buf.get_i32();
                columns.push(RelColumn { name, type_oid });
            }
            Message::Relation(Relation {
                id,
                namespace,
                name,
                columns,
            })
        }
        b'I' => {
            need(&buf, 5, "insert")?;
            let rel = buf.get_u32();
            let _new = buf.get_u8();
            Message::Insert {
                rel,
                new: tuple(&mut buf)?,
            }
        }
        b'U' => {
            need(&buf, 5, "update")?;
            let rel = buf.get_u32();
            let mut kind = buf.get_u8();
            let mut old = None;
            if kind == b'K' || kind == b'O' {
                old = Some(tuple(&mut buf)?);
                need(&buf, 1, "update")?;
                kind = buf.get_u8();
            }
            if kind != b'N' {
                return Err(DecodeError("update without a new tuple".into()));
            }
            Message::Update {
                rel,
                old,
                new: tuple(&mut buf)?,
            }
        }
        b'D' => {
            need(&buf, 5, "delete")?;
            let rel = buf.get_u32();
            let _kind = buf.get_u8();
            Message::Delete {
                rel,
                old: tuple(&mut buf)?,
            }
        }
        b'T' => {
            need(&buf, 5, "truncate")?;
            let n = buf.get_i32().max(0) as usize;
            let _options = buf.get_u8();
            need(&buf, 4 * n, "truncate")?;
            Message::Truncate {
                rels: (0..n).map(|_| buf.get_u32()).collect(),
            }
        }
        _ => Message::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BufMut;

    fn text_tuple(out: &mut BytesMut, cells: &[Option<&str>]) {
        out.put_i16(cells.len() as i16);
        for cell in cells {
            match cell {
                None => out.put_u8(b'n'),
                Some(t) => {
                    out.put_u8(b't');
                    out.put_i32(t.len() as i32);
                    out.put_slice(t.as_bytes());
                }
            }
        }
    }

    #[test]
    fn decodes_relation_and_changes() {
        let mut b = BytesMut::new();
        b.put_u8(b'R');
        b.put_u32(42);
        b.put_slice(b"public\0items\0");
        b.put_u8(b'd');
        b.put_i16(2);
        b.put_u8(1);
        b.put_slice(b"id\0");
        b.put_u32(20);
        b.put_i32(-1);
        b.put_u8(0);
        b.put_slice(b"name\0");
        b.put_u32(25);
        b.put_i32(-1);
        let Message::Relation(rel) = decode(b).unwrap() else {
            panic!("not a relation")
        };
        assert_eq!(rel.name, "items");
        assert_eq!(rel.columns[1].type_oid, 25);

        let mut b = BytesMut::new();
        b.put_u8(b'U');
        b.put_u32(42);
        b.put_u8(b'K');
        text_tuple(&mut b, &[Some("1"), None]);
        b.put_u8(b'N');
        text_tuple(&mut b, &[Some("2"), Some("x")]);
        assert_eq!(
            decode(b).unwrap(),
            Message::Update {
                rel: 42,
                old: Some(vec![Cell::Text("1".into()), Cell::Null]),
                new: vec![Cell::Text("2".into()), Cell::Text("x".into())],
            }
        );

        let mut b = BytesMut::new();
        b.put_u8(b'C');
        b.put_u8(0);
        b.put_u64(7);
        b.put_u64(9);
        b.put_i64(0);
        assert_eq!(decode(b).unwrap(), Message::Commit { end_lsn: 9 });
    }

    #[test]
    fn rejects_truncated_messages() {
        let mut b = BytesMut::new();
        b.put_u8(b'I');
        b.put_u32(1);
        b.put_u8(b'N');
        b.put_i16(1);
        b.put_u8(b't');
        b.put_i32(10);
        assert!(decode(b).is_err());
    }
}
