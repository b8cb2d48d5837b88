//! What the reader learns from the catalog before reading: the table's OID, columns, primary
//! key and replica identity, checked against the schema; and the publication and replication
//! slot that streaming mode needs (created when absent).

use ::postgres::Client;
use tributary_engine::DType;

use super::table::quote_ident;
use super::values::accepts;

/// The table as the reader sees it, matched to the schema.
pub(crate) struct TableInfo {
    /// The table's OID (relation id in the replication stream).
    pub oid: u32,
    /// For each schema column, the type OID of the table column of that name.
    pub type_oids: Vec<u32>,
    /// Schema column indices forming the row key (the table's primary key), in key order.
    pub key: Vec<usize>,
    /// `pg_class.relreplident`: `d` default, `f` full, `i` index, `n` nothing.
    pub replica_identity: char,
}

/// Reads the table's description and checks it against the schema: every schema column must
/// exist with an accepted type. `schema_key` (schema column indices, may be empty) must be the
/// table's primary key when given.
pub(crate) fn inspect(
    client: &mut Client,
    table: &str,
    quoted: &str,
    columns: &[String],
    dtypes: &[DType],
    schema_key: &[usize],
) -> Result<TableInfo, String> {
    let sql = |e: ::postgres::Error| format!("table `{table}`: {e}");
    let row = client
        .query_one(
            "SELECT c.oid, c.relreplident::text FROM pg_class c WHERE c.oid = to_regclass($1)",
            &[&quoted],
        )
        .map_err(|_| format!("table `{table}` does not exist"))?;
    let oid: u32 = row.get(0);
    let replica_identity: String = row.get(1);
    let rows = client
        .query(
            "SELECT a.attname::text, a.atttypid, format_type(a.atttypid, a.atttypmod) \
             FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
            &[&oid],
        )
        .map_err(sql)?;
    let existing: Vec<(String, u32, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let mut type_oids = Vec::with_capacity(columns.len());
    for (name, dtype) in columns.iter().zip(dtypes) {
        let Some((_, type_oid, type_name)) = existing.iter().find(|(n, _, _)| n == name) else {
            let have: Vec<&str> = existing.iter().map(|(n, _, _)| n.as_str()).collect();
            return Err(format!(
                "schema mismatch: table `{table}` has no column `{name}` (it has: {})",
                have.join(", ")
            ));
        };
        if !accepts(dtype, *type_oid) {
            return Err(format!(
                "schema mismatch: column `{name}` of table `{table}` has type {type_name}, \
                 which cannot be read as {}",
                dtype.name()
            ));
        }
        type_oids.push(*type_oid);
    }
    let pk_rows = client
        .query(
            "SELECT a.attname::text FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = $1 AND i.indisprimary \
             ORDER BY array_position(i.indkey::int2[], a.attnum)",
            &[&oid],
        )
        .map_err(sql)?;
    let pk: Vec<String> = pk_rows.iter().map(|r| r.get(0)).collect();
    let mut key = Vec::with_capacity(pk.len());
    for name in &pk {
        match columns.iter().position(|c| c == name) {
            Some(i) => key.push(i),
            None => {
                return Err(format!(
                    "schema mismatch: the primary key column `{name}` of table `{table}` \
                     is not in the schema"
                ))
            }
        }
    }
    if !schema_key.is_empty() {
        let mut a = schema_key.to_vec();
        let mut b = key.clone();
        a.sort_unstable();
        b.sort_unstable();
        if a != b {
            let names = |ix: &[usize]| {
                ix.iter()
                    .map(|&i| columns[i].as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(format!(
                "schema mismatch: the schema's primary key ({}) is not the primary key of \
                 table `{table}` ({})",
                names(schema_key),
                if pk.is_empty() {
                    "none".to_string()
                } else {
                    pk.join(", ")
                }
            ));
        }
        // The schema's order gives the ids the user expects.
        key = schema_key.to_vec();
    }
    Ok(TableInfo {
        oid,
        type_oids,
        key,
        replica_identity: replica_identity.chars().next().unwrap_or('d'),
    })
}

/// Makes sure publication `name` exists and publishes `table` (creating or extending it).
pub(crate) fn ensure_publication(
    client: &mut Client,
    name: &str,
    table: &str,
    quoted: &str,
    oid: u32,
) -> Result<(), String> {
    let sql = |e: ::postgres::Error| format!("publication `{name}`: {e}");
    let exists = client
        .query_opt(
            "SELECT puballtables FROM pg_publication WHERE pubname = $1",
            &[&name],
        )
        .map_err(sql)?;
    let publication = quote_ident(name);
    match exists {
        None => client
            .batch_execute(&format!(
                "CREATE PUBLICATION {publication} FOR TABLE {quoted}"
            ))
            .map_err(sql)?,
        Some(row) if row.get::<_, bool>(0) => {}
        Some(_) => {
            let has = client
                .query_opt(
                    "SELECT 1 FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid \
                     WHERE p.pubname = $1 AND r.prrelid = $2",
                    &[&name, &oid],
                )
                .map_err(sql)?;
            if has.is_none() {
                client
                    .batch_execute(&format!(
                        "ALTER PUBLICATION {publication} ADD TABLE {quoted}"
                    ))
                    .map_err(|e| format!("publication `{name}` (adding `{table}`): {e}"))?;
            }
        }
    }
    Ok(())
}

/// Drops replication slot `name` if it exists (its position is of no use: every run reads a
/// fresh snapshot).
pub(crate) fn drop_slot_if_exists(client: &mut Client, name: &str) -> Result<(), String> {
    client
        .execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots \
             WHERE slot_name = $1",
            &[&name],
        )
        .map(|_| ())
        .map_err(|e| format!("replication slot `{name}`: {e}"))
}

/// Parses an LSN (`16/B374D848`).
pub(crate) fn parse_lsn(text: &str) -> Option<u64> {
    let (hi, lo) = text.split_once('/')?;
    Some((u64::from_str_radix(hi, 16).ok()? << 32) | u64::from_str_radix(lo, 16).ok()?)
}

/// Formats an LSN as PostgreSQL does.
pub(crate) fn format_lsn(lsn: u64) -> String {
    format!("{:X}/{:X}", lsn >> 32, lsn & 0xFFFF_FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsn_round_trip() {
        assert_eq!(parse_lsn("16/B374D848"), Some(0x16_B374_D848));
        assert_eq!(format_lsn(0x16_B374_D848), "16/B374D848");
        assert_eq!(parse_lsn("nope"), None);
    }
}
