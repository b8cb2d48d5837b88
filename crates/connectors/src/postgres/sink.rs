//! The PostgreSQL sink: `stream_of_changes` appends each time's changes by binary COPY with
//! `time` and `diff`; `snapshot` applies each time in one transaction, deleting retracted keys
//! and upserting inserted rows with multi-row statements.

use std::collections::HashMap;

use ::postgres::binary_copy::BinaryCopyInWriter;
use ::postgres::types::{ToSql, Type};
use ::postgres::{Client, Statement};
use tributary_engine::connector::{Sink, SinkError};
use tributary_engine::{Diff, Key, Row, Time, Value};

use super::table::quote_ident;
use super::types::Cell;
use super::Mode;

/// PostgreSQL's limit on bind parameters per statement.
const MAX_PARAMS: usize = 65_535;
/// Rows per multi-row statement at most.
const MAX_ROWS: usize = 2_000;

/// Which statement a cached `Statement` is.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
enum Kind {
    Delete,
    Upsert,
}

/// Writes one output into one table over one connection.
pub(crate) struct PostgresSink {
    /// For error messages: `table \`t\` at host:port`.
    pub name: String,
    pub client: Client,
    /// The quoted table name.
    pub table: String,
    /// The output's column names.
    pub columns: Vec<String>,
    /// Column types of the COPY target (output columns, then `time`, `diff`).
    pub copy_types: Vec<Type>,
    pub mode: Mode,
    /// Indices of the primary-key columns.
    pub key: Vec<usize>,
    statements: HashMap<(Kind, usize), Statement>,
}

impl PostgresSink {
    /// A sink over a prepared table.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        name: String,
        client: Client,
        table: String,
        columns: Vec<String>,
        copy_types: Vec<Type>,
        mode: Mode,
        key: Vec<usize>,
    ) -> Self {
        PostgresSink {
            name,
            client,
            table,
            columns,
            copy_types,
            mode,
            key,
            statements: HashMap::new(),
        }
    }

    fn fail(&self, e: impl std::fmt::Display) -> SinkError {
        SinkError {
            sink_name: self.name.clone(),
            message: e.to_string(),
        }
    }

    fn write_changes(
        &mut self,
        time: Time,
        changes: &[(Key, Row, Diff)],
    ) -> Result<(), ::postgres::Error> {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|c| quote_ident(c))
            .chain(["time".to_string(), "diff".to_string()].map(|c| quote_ident(&c)))
            .collect();
        let sql = format!(
            "COPY {} ({}) FROM STDIN (FORMAT binary)",
            self.table,
            cols.join(", ")
        );
        let sink = self.client.copy_in(&sql)?;
        let mut writer = BinaryCopyInWriter::new(sink, &self.copy_types);
        let time = Value::Int(time as i64);
        for (_, row, diff) in changes
            .iter()
            .filter(|c| c.2 < 0)
            .chain(changes.iter().filter(|c| c.2 >= 0))
        {
            let diff = Value::Int(*diff as i64);
            let cells: Vec<Cell<'_>> = row.iter().chain([&time, &diff]).map(Cell).collect();
            let params: Vec<&(dyn ToSql + Sync)> =
                cells.iter().map(|c| c as &(dyn ToSql + Sync)).collect();
            writer.write(&params)?;
        }
        writer.finish()?;
        Ok(())
    }

    fn statement(&mut self, kind: Kind, rows: usize) -> Result<Statement, ::postgres::Error> {
        if let Some(s) = self.statements.get(&(kind, rows)) {
            return Ok(s.clone());
        }
        let width = match kind {
            Kind::Delete => self.key.len(),
            Kind::Upsert => self.columns.len(),
        };
        let tuples: Vec<String> = (0..rows)
            .map(|r| {
                let ps: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
                format!("({})", ps.join(", "))
            })
            .collect();
        let key: Vec<String> = self
            .key
            .iter()
            .map(|&i| quote_ident(&self.columns[i]))
            .collect();
        let sql = match kind {
            Kind::Delete => format!(
                "DELETE FROM {} WHERE ({}) IN ({})",
                self.table,
                key.join(", "),
                tuples.join(", ")
            ),
            Kind::Upsert => {
                let cols: Vec<String> = self.columns.iter().map(|c| quote_ident(c)).collect();
                let updates: Vec<String> = (0..self.columns.len())
                    .filter(|i| !self.key.contains(i))
                    .map(|i| format!("{0} = EXCLUDED.{0}", cols[i]))
                    .collect();
                let action = if updates.is_empty() {
                    "NOTHING".to_string()
                } else {
                    format!("UPDATE SET {}", updates.join(", "))
                };
                format!(
                    "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO {action}",
                    self.table,
                    cols.join(", "),
                    tuples.join(", "),
                    key.join(", ")
                )
            }
        };
        let statement = self.client.prepare(&sql)?;
        self.statements.insert((kind, rows), statement.clone());
        Ok(statement)
    }

    fn write_snapshot(&mut self, changes: &[(Key, Row, Diff)]) -> Result<(), ::postgres::Error> {
        let pk = |row: &Row| -> Key {
            let values: Vec<Value> = self.key.iter().map(|&i| row[i].clone()).collect();
            Key::for_values(&values)
        };
        let mut upserts: HashMap<Key, &Row> = HashMap::new();
        let mut deletes: HashMap<Key, &Row> = HashMap::new();
        for (_, row, diff) in changes {
            if *diff > 0 {
                upserts.insert(pk(row), row);
            } else if *diff < 0 {
                deletes.insert(pk(row), row);
            }
        }
        deletes.retain(|k, _| !upserts.contains_key(k));
        let delete_rows: Vec<Vec<&Value>> = deletes
            .values()
            .map(|row| self.key.iter().map(|&i| &row[i]).collect())
            .collect();
        let upsert_rows: Vec<Vec<&Value>> =
            upserts.values().map(|row| row.iter().collect()).collect();
        // One transaction per time: prepare statements first, then delete and upsert.
        let mut batches = Vec::new();
        let per_delete = (MAX_PARAMS / self.key.len().max(1)).clamp(1, MAX_ROWS);
        for chunk in delete_rows.chunks(per_delete) {
            batches.push((self.statement(Kind::Delete, chunk.len())?, chunk));
        }
        let per_upsert = (MAX_PARAMS / self.columns.len().max(1)).clamp(1, MAX_ROWS);
        for chunk in upsert_rows.chunks(per_upsert) {
            batches.push((self.statement(Kind::Upsert, chunk.len())?, chunk));
        }
        let mut tx = self.client.transaction()?;
        for (statement, chunk) in batches {
            let cells: Vec<Cell<'_>> = chunk.iter().flatten().map(|v| Cell(v)).collect();
            let params: Vec<&(dyn ToSql + Sync)> =
                cells.iter().map(|c| c as &(dyn ToSql + Sync)).collect();
            tx.execute(&statement, &params)?;
        }
        tx.commit()
    }
}

impl Sink for PostgresSink {
    fn write_time(&mut self, time: Time, changes: &[(Key, Row, Diff)]) -> Result<(), SinkError> {
        if changes.is_empty() {
            return Ok(());
        }
        let result = match self.mode {
            Mode::StreamOfChanges => self.write_changes(time, changes),
            Mode::Snapshot => self.write_snapshot(changes),
        };
        result.map_err(|e| self.fail(describe(&e)))
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// A PostgreSQL error with its server-side detail when there is one.
pub(crate) fn describe(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => match std::error::Error::source(e) {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    }
}
