//! Connecting with bounded retries, and preparing the target table: create or replace it from
//! the output's schema, then check an existing table's columns (and key) before any write.

use std::str::FromStr;
use std::thread::sleep;
use std::time::Duration;

use ::postgres::config::Host;
use ::postgres::types::Type;
use ::postgres::{Client, Config, NoTls};
use tributary_engine::DType;

use super::types::{accepts, sql_type};
use super::{Init, Mode};

/// Connection attempts before giving up (backoff 100 ms, doubling, capped at 2 s).
const ATTEMPTS: u32 = 5;

/// `host:port` list of a connection config (never the password).
pub(crate) fn address(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => name.clone(),
            Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports = config.get_ports();
    let port = |i: usize| ports.get(i).or(ports.first()).copied().unwrap_or(5432);
    if hosts.is_empty() {
        return format!("localhost:{}", port(0));
    }
    hosts
        .iter()
        .enumerate()
        .map(|(i, h)| format!("{h}:{}", port(i)))
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses a connection string; the error never repeats the string (it may hold a password).
pub(crate) fn parse_config(connection_string: &str) -> Result<Config, String> {
    Config::from_str(connection_string).map_err(|e| format!("invalid connection string: {e}"))
}

/// Connects, retrying with exponential backoff; the error names the address.
pub(crate) fn connect(config: &Config, address: &str) -> Result<Client, String> {
    let mut delay = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        match config.connect(NoTls) {
            Ok(client) => return Ok(client),
            Err(e) if attempt >= ATTEMPTS => {
                return Err(format!(
                    "cannot connect to PostgreSQL at {address} after {ATTEMPTS} attempts: {e}"
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

/// Quotes an identifier (`"name"`, inner quotes doubled).
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes a possibly schema-qualified table name (`schema.table`).
pub(crate) fn quote_table(name: &str) -> String {
    match name.split_once('.') {
        Some((schema, table)) => format!("{}.{}", quote_ident(schema), quote_ident(table)),
        None => quote_ident(name),
    }
}

/// An output column as the table must have it.
pub(crate) struct Column<'a> {
    /// Column name.
    pub name: &'a str,
    /// Its dtype (`time`/`diff` are `Int`).
    pub dtype: DType,
}

/// Creates, replaces or checks the table, according to `init`, before any write.
pub(crate) fn prepare_table(
    client: &mut Client,
    table: &str,
    columns: &[Column<'_>],
    mode: Mode,
    primary_key: &[String],
    init: Init,
) -> Result<(), String> {
    let quoted = quote_table(table);
    let sql = |e: ::postgres::Error| format!("table `{table}`: {e}");
    let exists = table_exists(client, &quoted).map_err(sql)?;
    match init {
        Init::Replace => {
            client
                .batch_execute(&format!("DROP TABLE IF EXISTS {quoted}"))
                .map_err(sql)?;
            create_table(client, &quoted, columns, mode, primary_key).map_err(sql)?;
        }
        Init::CreateIfNotExists if !exists => {
            create_table(client, &quoted, columns, mode, primary_key).map_err(sql)?;
        }
        Init::Default if !exists => {
            return Err(format!(
                "table `{table}` does not exist (use init: \"create_if_not_exists\" to create it)"
            ))
        }
        _ => {}
    }
    check_columns(client, table, &quoted, columns)?;
    if mode == Mode::Snapshot {
        check_key(client, table, &quoted, primary_key)?;
    }
    Ok(())
}

fn table_exists(client: &mut Client, quoted: &str) -> Result<bool, ::postgres::Error> {
    let row = client.query_one("SELECT to_regclass($1)::oid", &[&quoted])?;
    Ok(row.get::<_, Option<u32>>(0).is_some())
}

fn create_table(
    client: &mut Client,
    quoted: &str,
    columns: &[Column<'_>],
    mode: Mode,
    primary_key: &[String],
) -> Result<(), ::postgres::Error> {
    let mut defs: Vec<String> = columns
        .iter()
        .map(|c| {
            let null = if c.dtype.is_optional() {
                ""
            } else {
                " NOT NULL"
            };
            format!("{} {}{null}", quote_ident(c.name), sql_type(&c.dtype))
        })
        .collect();
    if mode == Mode::Snapshot {
        let key: Vec<String> = primary_key.iter().map(|k| quote_ident(k)).collect();
        defs.push(format!("PRIMARY KEY ({})", key.join(", ")));
    }
    client.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {quoted} ({})",
        defs.join(", ")
    ))
}

/// Every output column must exist with an accepting type; extra table columns must be nullable
/// or have a default.
fn check_columns(
    client: &mut Client,
    table: &str,
    quoted: &str,
    columns: &[Column<'_>],
) -> Result<(), String> {
    let rows = client
        .query(
            "SELECT a.attname::text, a.atttypid, a.attnotnull AND NOT a.atthasdef \
             FROM pg_attribute a WHERE a.attrelid = to_regclass($1) \
             AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            &[&quoted],
        )
        .map_err(|e| format!("table `{table}`: {e}"))?;
    let existing: Vec<(String, u32, bool)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    for column in columns {
        let Some((_, oid, _)) = existing.iter().find(|(n, _, _)| n == column.name) else {
            return Err(format!(
                "schema mismatch: table `{table}` has no column `{}` (needs {})",
                column.name,
                sql_type(&column.dtype)
            ));
        };
        let ty = Type::from_oid(*oid);
        if !ty.as_ref().is_some_and(|t| accepts(&column.dtype, t)) {
            let name = ty.map_or_else(|| format!("oid {oid}"), |t| t.name().to_string());
            return Err(format!(
                "schema mismatch: column `{}` of table `{table}` has type {name}, \
                 which cannot hold {} values (expected {})",
                column.name,
                crate::dtype_name(&column.dtype),
                sql_type(&column.dtype)
            ));
        }
    }
    if let Some((name, _, _)) = existing
        .iter()
        .find(|(n, _, required)| *required && !columns.iter().any(|c| c.name == n))
    {
        return Err(format!(
            "schema mismatch: table `{table}` has a NOT NULL column `{name}` that the output lacks"
        ));
    }
    Ok(())
}

/// A snapshot output needs a unique index on exactly its primary-key columns.
fn check_key(
    client: &mut Client,
    table: &str,
    quoted: &str,
    primary_key: &[String],
) -> Result<(), String> {
    let rows = client
        .query(
            "SELECT ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) k \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k) \
             FROM pg_index i WHERE i.indrelid = to_regclass($1) AND i.indisunique",
            &[&quoted],
        )
        .map_err(|e| format!("table `{table}`: {e}"))?;
    let mut wanted: Vec<&str> = primary_key.iter().map(String::as_str).collect();
    wanted.sort_unstable();
    let found = rows.iter().any(|r| {
        let mut cols: Vec<String> = r.get(0);
        cols.sort_unstable();
        cols.iter().map(String::as_str).eq(wanted.iter().copied())
    });
    if found {
        Ok(())
    } else {
        Err(format!(
            "schema mismatch: table `{table}` has no primary key or unique index on ({})",
            primary_key.join(", ")
        ))
    }
}
