//! Opening a PostgreSQL source (`tb.io.postgres.read`): connect (with retries), check the
//! table against the schema, and — in streaming mode — make sure the publication exists,
//! create the replication slot exporting its snapshot, import that snapshot for the initial
//! read and start replication at the slot's consistent point. The snapshot and the change
//! stream therefore meet exactly: nothing is lost, nothing is read twice.

use std::thread::sleep;
use std::time::Duration;

use ::postgres::{Client, Config};
use tributary_engine::connector::{SourceError, SourceReader};
use tributary_engine::plan::SourceSpec;
use tributary_engine::{DType, Diff, ErrorEntry, Key, Row};

use super::catalog::{
    drop_slot_if_exists, ensure_publication, format_lsn, inspect, parse_lsn, TableInfo,
};
use super::reader::PostgresReader;
use super::replication::ReplicationStream;
use super::snapshot::Snapshot;
use super::table::{address, connect, parse_config, quote_ident, quote_table};
use super::wire::ReplicationConnection;

/// Connection attempts of the replication connection (backoff 100 ms, doubling, at most 2 s).
const ATTEMPTS: u32 = 5;

/// Session settings that fix the text forms of values.
const SESSION: &str = "SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; \
                       SET extra_float_digits = 3; SET bytea_output = 'hex'";

/// Opens worker `worker`'s reader of a PostgreSQL source. The whole table is read by worker 0
/// (the change stream is one ordered log); other workers get an empty share.
pub fn open_postgres_source(
    spec: &SourceSpec,
    columns: &[String],
    dtypes: &[DType],
    worker: usize,
    _peers: usize,
) -> Result<Box<dyn SourceReader>, SourceError> {
    let option = |key: &str| {
        spec.options
            .get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let table = option("table_name").unwrap_or_else(|| spec.path.clone());
    let fail = |message: String| SourceError {
        source_name: spec.name.clone(),
        message: format!("postgres table `{table}`: {message}"),
    };
    let streaming = match spec.mode.as_str() {
        "static" => false,
        "streaming" => true,
        other => return Err(fail(format!("unknown read mode `{other}`"))),
    };
    let connection_string =
        option("connection_string").ok_or_else(|| fail("a connectionString is required".into()))?;
    if worker != 0 {
        return Ok(Box::new(Empty));
    }
    let config = parse_config(&connection_string).map_err(fail)?;
    let address = address(&config);
    let fail_at = |message: String| fail(format!("at {address}: {message}"));
    let mut client = connect(&config, &address).map_err(fail)?;
    let quoted = quote_table(&table);
    let info = inspect(
        &mut client,
        &table,
        &quoted,
        columns,
        dtypes,
        &spec.primary_key,
    )
    .map_err(fail_at)?;
    client
        .batch_execute(SESSION)
        .map_err(|e| fail_at(e.to_string()))?;
    let select: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    let cursor = format!(
        "DECLARE tributary_snapshot NO SCROLL CURSOR FOR SELECT {} FROM {quoted}",
        select.join(", ")
    );
    let begin = "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY";
    let reader = |client: Client, info: TableInfo, stream: Option<ReplicationStream>| {
        PostgresReader::new(
            spec.name.clone(),
            table.clone(),
            columns.to_vec(),
            dtypes.to_vec(),
            info,
            Snapshot::new(client),
            stream,
        )
    };
    if !streaming {
        client
            .batch_execute(&format!("{begin}; {cursor}"))
            .map_err(|e| fail_at(e.to_string()))?;
        return Ok(Box::new(reader(client, info, None)));
    }
    if info.key.is_empty() {
        return Err(fail_at(
            "streaming needs a primary key on the table (updates and deletes are matched by it)"
                .into(),
        ));
    }
    if !matches!(info.replica_identity, 'd' | 'f') {
        return Err(fail_at(
            "streaming needs REPLICA IDENTITY DEFAULT (the primary key) or FULL".into(),
        ));
    }
    let bare = table.rsplit('.').next().unwrap_or(&table).to_string();
    let publication = option("publication_name").unwrap_or_else(|| format!("tributary_{bare}"));
    ensure_publication(&mut client, &publication, &table, &quoted, info.oid).map_err(fail_at)?;
    let (slot, temporary) = match option("slot_name") {
        Some(slot) => {
            drop_slot_if_exists(&mut client, &slot).map_err(fail_at)?;
            (slot, false)
        }
        None => (format!("tributary_{:016x}", random_u64()), true),
    };
    let mut repl = connect_replication(&config, &address).map_err(fail)?;
    let created = repl
        .simple_query(&format!(
            "CREATE_REPLICATION_SLOT {}{} LOGICAL pgoutput EXPORT_SNAPSHOT",
            quote_ident(&slot),
            if temporary { " TEMPORARY" } else { "" }
        ))
        .map_err(|e| fail_at(format!("cannot create replication slot `{slot}`: {e}")))?;
    let row = created
        .first()
        .ok_or_else(|| fail_at("CREATE_REPLICATION_SLOT returned nothing".into()))?;
    let cell = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
    let start = parse_lsn(&cell(1))
        .ok_or_else(|| fail_at(format!("bad consistent point `{}`", cell(1))))?;
    let snapshot_name = cell(2);
    // Import the slot's snapshot before the replication connection runs another command.
    client
        .batch_execute(&format!(
            "{begin}; SET TRANSACTION SNAPSHOT '{}'; {cursor}",
            snapshot_name.replace('\'', "''")
        ))
        .map_err(|e| fail_at(format!("cannot import the slot's snapshot: {e}")))?;
    repl.start_replication(&format!(
        "START_REPLICATION SLOT {} LOGICAL {} (proto_version '1', publication_names '{}')",
        quote_ident(&slot),
        format_lsn(start),
        quote_ident(&publication).replace('\'', "''")
    ))
    .map_err(|e| fail_at(format!("cannot start replication: {e}")))?;
    let stream = ReplicationStream::start(repl, start);
    Ok(Box::new(reader(client, info, Some(stream))))
}

/// Connects a replication connection with retries; the error names the address.
fn connect_replication(config: &Config, address: &str) -> Result<ReplicationConnection, String> {
    let mut delay = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        match ReplicationConnection::connect(config) {
            Ok(conn) => return Ok(conn),
            Err(e) if attempt >= ATTEMPTS => {
                return Err(format!(
                    "cannot open a replication connection to PostgreSQL at {address} \
                     after {ATTEMPTS} attempts: {e}"
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

/// A slot-name suffix unique enough for temporary slots.
fn random_u64() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut bytes = nanos.to_le_bytes().to_vec();
    bytes.extend_from_slice(&std::process::id().to_le_bytes());
    xxhash_rust::xxh3::xxh3_64(&bytes)
}

/// The share of a worker other than 0: nothing.
struct Empty;

impl SourceReader for Empty {
    fn poll(
        &mut self,
        _out: &mut Vec<(Key, Row, Diff)>,
        _errors: &mut Vec<ErrorEntry>,
        _max: usize,
    ) -> Result<tributary_engine::connector::SourceStatus, SourceError> {
        Ok(tributary_engine::connector::SourceStatus::Finished)
    }
}
