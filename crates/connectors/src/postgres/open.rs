//! Opening a PostgreSQL source (`tb.io.postgres.read`): connect (with retries), check the
//! table against the schema, and — in streaming mode — make sure the publication exists and
//! choose the reader's replication slot. The reader creates the slot (exporting its snapshot
//! for the initial read, so that the snapshot and the change stream meet exactly) or, with
//! persistence, continues it from the logged LSN on its first poll ([`super::slot`]).

use tributary_engine::connector::{SourceError, SourceReader};
use tributary_engine::plan::SourceSpec;
use tributary_engine::{DType, Diff, ErrorEntry, Key, Row};

use super::catalog::{ensure_publication, inspect, TableInfo};
use super::reader::{PostgresReader, Start};
use super::slot::{fresh_slot_name, SlotSource};
use super::snapshot::Snapshot;
use super::table::{address, connect, parse_config, quote_ident, quote_table};

/// Reconnection attempts after the replication connection drops mid-run (default).
const RECONNECT_ATTEMPTS: u32 = 8;

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
    let reader = |info: TableInfo, start: Start| {
        PostgresReader::new(
            spec.name.clone(),
            table.clone(),
            columns.to_vec(),
            dtypes.to_vec(),
            info,
            start,
        )
    };
    if !streaming {
        client
            .batch_execute(&format!("{begin}; {cursor}"))
            .map_err(|e| fail_at(e.to_string()))?;
        return Ok(Box::new(reader(info, Start::Static(Snapshot::new(client)))));
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
    let named = option("slot_name");
    let reconnect_attempts = spec
        .options
        .get("reconnect_attempts")
        .and_then(|v| v.as_u64())
        .map_or(RECONNECT_ATTEMPTS, |n| n.clamp(1, 1000) as u32);
    let source = SlotSource {
        config,
        address,
        slot: named.clone().unwrap_or_else(fresh_slot_name),
        publication,
        snapshot_sql: (begin.to_string(), cursor),
    };
    Ok(Box::new(reader(
        info,
        Start::Streaming {
            client: Box::new(client),
            source: Box::new(source),
            named: named.is_some(),
            reconnect_attempts,
        },
    )))
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
