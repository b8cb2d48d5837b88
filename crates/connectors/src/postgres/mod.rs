//! PostgreSQL output (`tb.io.postgres.write`): connects with bounded retries, prepares the
//! table per `init` and checks its columns before any write, then writes each closed time
//! either as a change log (`stream_of_changes`) or as upserts/deletes (`snapshot`).
//! Type mapping: see [`types`]. Connections are unencrypted (no TLS).
//!
//! PostgreSQL input (`tb.io.postgres.read`): a snapshot, then logical replication changes
//! ([`open`], [`reader`], [`replication`], [`pgoutput`], [`wire`]; types: [`values`]).

mod catalog;
mod open;
mod pgoutput;
mod reader;
mod reader_stream;
mod replication;
mod sink;
mod slot;
mod snapshot;
mod table;
mod types;
mod values;
mod wire;

pub use open::open_postgres_source;

use tributary_engine::connector::{Sink, SinkError};
use tributary_engine::DType;

use table::{address, connect, parse_config, prepare_table, quote_ident, quote_table, Column};

/// How an output is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every change appended with `time` and `diff` columns.
    StreamOfChanges,
    /// The table mirrors the output: upsert by primary key, delete retracted keys.
    Snapshot,
}

/// What to do with the table before writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Init {
    /// The table must exist.
    Default,
    /// Create it from the output's schema when missing.
    CreateIfNotExists,
    /// Drop and re-create it.
    Replace,
}

/// Options of a PostgreSQL output, as the plan carries them.
#[derive(Clone, Debug)]
pub struct PostgresSinkOptions<'a> {
    /// libpq-style connection string.
    pub connection_string: &'a str,
    /// Target table, optionally `schema.table` (identifiers are case-sensitive).
    pub table_name: &'a str,
    /// `stream_of_changes` or `snapshot`.
    pub mode: &'a str,
    /// Primary-key column names (snapshot mode).
    pub primary_key: &'a [String],
    /// `default`, `create_if_not_exists` or `replace`.
    pub init: &'a str,
}

/// Opens a PostgreSQL sink for an output with these columns: connects (retrying a few times
/// with backoff), creates/replaces the table as asked, and checks its columns.
pub fn open_postgres_sink(
    options: &PostgresSinkOptions<'_>,
    columns: &[String],
    dtypes: &[DType],
) -> Result<Box<dyn Sink>, SinkError> {
    let table_name = options.table_name;
    let fail = |name: String, message: String| SinkError {
        sink_name: name,
        message,
    };
    let bare = format!("postgres table `{table_name}`");
    let mode = match options.mode {
        "stream_of_changes" => Mode::StreamOfChanges,
        "snapshot" => Mode::Snapshot,
        other => return Err(fail(bare, format!("unknown mode `{other}`"))),
    };
    let init = match options.init {
        "default" => Init::Default,
        "create_if_not_exists" => Init::CreateIfNotExists,
        "replace" => Init::Replace,
        other => return Err(fail(bare, format!("unknown init `{other}`"))),
    };
    let key = key_indices(mode, options.primary_key, columns).map_err(|m| fail(bare.clone(), m))?;
    let config = parse_config(options.connection_string).map_err(|m| fail(bare.clone(), m))?;
    let address = address(&config);
    let name = format!("postgres table `{table_name}` at {address}");
    let mut client = connect(&config, &address).map_err(|m| fail(name.clone(), m))?;
    let mut table_columns: Vec<Column<'_>> = columns
        .iter()
        .zip(dtypes)
        .map(|(name, dtype)| Column {
            name,
            dtype: dtype.clone(),
        })
        .collect();
    if mode == Mode::StreamOfChanges {
        for extra in ["time", "diff"] {
            if columns.iter().any(|c| c == extra) {
                return Err(fail(
                    name,
                    format!("a stream_of_changes output cannot have a column named `{extra}`"),
                ));
            }
            table_columns.push(Column {
                name: extra,
                dtype: DType::Int,
            });
        }
    }
    prepare_table(
        &mut client,
        table_name,
        &table_columns,
        mode,
        options.primary_key,
        init,
    )
    .map_err(|m| fail(name.clone(), m))?;
    let quoted = quote_table(table_name);
    let copy_types = if mode == Mode::StreamOfChanges {
        let cols: Vec<String> = table_columns.iter().map(|c| quote_ident(c.name)).collect();
        let probe = format!("SELECT {} FROM {quoted} LIMIT 0", cols.join(", "));
        let statement = client
            .prepare(&probe)
            .map_err(|e| fail(name.clone(), sink::describe(&e)))?;
        statement
            .columns()
            .iter()
            .map(|c| c.type_().clone())
            .collect()
    } else {
        Vec::new()
    };
    Ok(Box::new(sink::PostgresSink::new(
        name,
        client,
        quoted,
        columns.to_vec(),
        copy_types,
        mode,
        key,
    )))
}

/// Indices of the primary-key columns; snapshot mode needs at least one.
fn key_indices(
    mode: Mode,
    primary_key: &[String],
    columns: &[String],
) -> Result<Vec<usize>, String> {
    if mode == Mode::Snapshot && primary_key.is_empty() {
        return Err("snapshot mode needs a primaryKey".into());
    }
    primary_key
        .iter()
        .map(|k| {
            columns
                .iter()
                .position(|c| c == k)
                .ok_or_else(|| format!("primary key column `{k}` is not a column of the output"))
        })
        .collect()
}
