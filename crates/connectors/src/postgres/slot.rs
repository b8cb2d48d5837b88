//! Where a PostgreSQL CDC reader's change stream comes from: a replication slot of the
//! reader's own. A first start creates it (permanent, so that the server keeps the changes
//! across a dropped connection and — with persistence — across restarts), imports its exported
//! snapshot for the initial read and starts replication at its consistent point; a later start
//! (after a restart or a dropped connection) continues the slot from an LSN. The reader's
//! persisted offsets name the slot and the LSN ([`Position`]).

use std::thread::sleep;
use std::time::Duration;

use ::postgres::{Client, Config};

use super::catalog::{drop_slot_if_exists, format_lsn, parse_lsn};
use super::replication::ReplicationStream;
use super::table::quote_ident;
use super::wire::ReplicationConnection;

/// Connection attempts when a stream starts (backoff 100 ms, doubling, at most 2 s).
const ATTEMPTS: u32 = 5;

/// How to reach the server and which slot and publication to use.
pub(crate) struct SlotSource {
    /// Connection settings.
    pub config: Config,
    /// `host:port`, for messages.
    pub address: String,
    /// The replication slot.
    pub slot: String,
    /// The publication replicated.
    pub publication: String,
    /// `BEGIN …` of the snapshot transaction and the cursor over the table.
    pub snapshot_sql: (String, String),
}

/// The persisted position of a CDC reader: its slot, whether the snapshot was read whole,
/// and the end LSN of the last transaction it emitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Position {
    /// The replication slot.
    pub slot: String,
    /// The initial snapshot was emitted whole (else a restart reads a new one).
    pub snapshot_done: bool,
    /// Every transaction whose commit ends at or before it has been emitted.
    pub lsn: u64,
}

/// Format byte of [`Position::encode`].
const VERSION: u8 = 1;

impl Position {
    /// `[version][snapshot_done][lsn u64 LE][slot UTF-8]`.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = vec![VERSION, u8::from(self.snapshot_done)];
        out.extend_from_slice(&self.lsn.to_le_bytes());
        out.extend_from_slice(self.slot.as_bytes());
        out
    }

    /// The inverse of [`Position::encode`].
    pub(crate) fn decode(bytes: &[u8]) -> Option<Position> {
        if bytes.len() < 10 || bytes[0] != VERSION {
            return None;
        }
        Some(Position {
            snapshot_done: bytes[1] != 0,
            lsn: u64::from_le_bytes(bytes[2..10].try_into().ok()?),
            slot: String::from_utf8(bytes[10..].to_vec()).ok()?,
        })
    }
}

impl SlotSource {
    /// Creates the slot afresh (dropping an old one of the same name), imports its snapshot
    /// into `client` (a transaction with the snapshot cursor declared) and starts replication
    /// at the slot's consistent point, which it returns with the stream.
    pub(crate) fn create(&self, client: &mut Client) -> Result<(ReplicationStream, u64), String> {
        let at = &self.address;
        // A slot of a killed run may stay active for a moment: retry dropping it.
        let mut delay = Duration::from_millis(100);
        for attempt in 1.. {
            match drop_slot_if_exists(client, &self.slot) {
                Ok(()) => break,
                Err(e) if attempt >= ATTEMPTS * 2 => return Err(format!("at {at}: {e}")),
                Err(_) => sleep(delay),
            }
            delay = (delay * 2).min(Duration::from_secs(1));
        }
        let mut repl = connect_replication(&self.config, at, ATTEMPTS)?;
        let created = repl
            .simple_query(&format!(
                "CREATE_REPLICATION_SLOT {} LOGICAL pgoutput EXPORT_SNAPSHOT",
                quote_ident(&self.slot)
            ))
            .map_err(|e| {
                format!(
                    "at {at}: cannot create replication slot `{}`: {e}",
                    self.slot
                )
            })?;
        let row = created
            .first()
            .ok_or_else(|| format!("at {at}: CREATE_REPLICATION_SLOT returned nothing"))?;
        let cell = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
        let start = parse_lsn(&cell(1))
            .ok_or_else(|| format!("at {at}: bad consistent point `{}`", cell(1)))?;
        // Import the slot's snapshot before the replication connection runs another command.
        let (begin, cursor) = &self.snapshot_sql;
        client
            .batch_execute(&format!(
                "{begin}; SET TRANSACTION SNAPSHOT '{}'; {cursor}",
                cell(2).replace('\'', "''")
            ))
            .map_err(|e| format!("at {at}: cannot import the slot's snapshot: {e}"))?;
        self.start(repl, start, start).map(|stream| (stream, start))
    }

    /// Continues the slot from `lsn` (the server sends what follows it and what the slot has
    /// not confirmed), with `acked` already acknowledged; `attempts` connection attempts.
    pub(crate) fn resume(
        &self,
        lsn: u64,
        acked: u64,
        attempts: u32,
    ) -> Result<ReplicationStream, String> {
        // The slot of a killed run may stay active for a moment: retry starting too.
        let mut delay = Duration::from_millis(100);
        let mut attempt = 1;
        loop {
            let started = connect_replication(&self.config, &self.address, 1)
                .and_then(|repl| self.start(repl, lsn, acked));
            match started {
                Ok(stream) => return Ok(stream),
                Err(e) if attempt >= attempts => return Err(e),
                Err(_) => {
                    sleep(delay);
                    delay = (delay * 2).min(Duration::from_secs(2));
                    attempt += 1;
                }
            }
        }
    }

    fn start(
        &self,
        mut repl: ReplicationConnection,
        lsn: u64,
        acked: u64,
    ) -> Result<ReplicationStream, String> {
        repl.start_replication(&format!(
            "START_REPLICATION SLOT {} LOGICAL {} (proto_version '1', publication_names '{}')",
            quote_ident(&self.slot),
            format_lsn(lsn),
            quote_ident(&self.publication).replace('\'', "''")
        ))
        .map_err(|e| {
            format!(
                "at {}: cannot start replication from slot `{}`: {e}",
                self.address, self.slot
            )
        })?;
        Ok(ReplicationStream::start(repl, acked))
    }

    /// Drops the slot (best effort, for about a second while its connection winds down): a
    /// run without persistence leaves none behind.
    pub(crate) fn drop_slot(&self) {
        let Ok(mut client) = self.config.connect(::postgres::NoTls) else {
            return;
        };
        for _ in 0..10 {
            if drop_slot_if_exists(&mut client, &self.slot).is_ok() {
                return;
            }
            sleep(Duration::from_millis(100));
        }
    }
}

/// Connects a replication connection with `attempts` tries; the error names the address.
pub(crate) fn connect_replication(
    config: &Config,
    address: &str,
    attempts: u32,
) -> Result<ReplicationConnection, String> {
    let mut delay = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        match ReplicationConnection::connect(config) {
            Ok(conn) => return Ok(conn),
            Err(e) if attempt >= attempts => {
                return Err(format!(
                    "cannot open a replication connection to PostgreSQL at {address} \
                     after {attempts} attempts: {e}"
                ))
            }
            Err(_) => {
                sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(2));
                attempt += 1;
            }
        }
    }
}

/// A slot name unique enough for a reader of its own: `tributary_<16 hex digits>`.
pub(crate) fn fresh_slot_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut bytes = nanos.to_le_bytes().to_vec();
    bytes.extend_from_slice(&std::process::id().to_le_bytes());
    format!("tributary_{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes))
}

#[cfg(test)]
mod tests {
    use super::Position;

    #[test]
    fn position_round_trip() {
        let p = Position {
            slot: "tributary_00ff".into(),
            snapshot_done: true,
            lsn: 0x16_B374_D848,
        };
        assert_eq!(Position::decode(&p.encode()), Some(p));
        assert_eq!(Position::decode(b"\x02\x00"), None);
    }
}
