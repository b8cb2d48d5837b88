/**
 * `tb.io.postgres`: reading a PostgreSQL table (a snapshot, then its changes through logical
 * replication) and writing a table's changes into a PostgreSQL table.
 */
import { callSite, fail } from "../errors.js";
import { declareOutput } from "../plan.js";
import type { Row, Schema } from "../schema.js";
import { nodeOf, type Table, type TableLike } from "../table.js";
import { type CommonReadOptions, schemaColumns, sourceTable } from "./source.js";

/** Options of `tb.io.postgres.read`. */
export interface PostgresReadOptions<R extends Row> extends CommonReadOptions {
  /** libpq connection string: `host=... port=... user=... dbname=...` or `postgresql://...`. */
  connectionString: string;
  /** The table read, optionally `schema.table`; names are case-sensitive (always quoted). */
  tableName: string;
  /**
   * The columns read (a subset of the table's, by name) and their types; checked against the
   * table before reading. Row ids come from the table's primary key (a `primaryKey` given in
   * the schema must be that key).
   */
  schema: Schema<R>;
  /**
   * Streaming: the publication whose changes are read (default `tributary_<table>`); created
   * for the table when missing, extended with the table when it lacks it.
   */
  publicationName?: string;
  /**
   * Streaming: the replication slot's name (kept after the run). Default: a slot named by the
   * reader, dropped when the run ends — or, with persistence, kept (its name is in the state)
   * so that a restarted run continues from the logged position without a new snapshot.
   */
  slotName?: string;
  /**
   * Streaming: attempts to reconnect (with backoff, 100 ms doubling up to 2 s) when the
   * replication connection drops mid-run; the run then fails naming the address. Default 8.
   */
  reconnectAttempts?: number;
}

/**
 * Reads a PostgreSQL table: a consistent snapshot of its rows, then (streaming, the default)
 * every committed insert, update and delete, one transaction per commit. Streaming needs
 * `wal_level=logical`, a primary key on the table and REPLICA IDENTITY DEFAULT or FULL.
 */
function read<R extends Row>(options: PostgresReadOptions<R>): Table<R> {
  const site = callSite();
  const what = "io.postgres.read";
  if (typeof options !== "object" || options === null)
    fail("INVALID_ARGUMENT", `${what}: options are required`, site);
  const { connectionString, tableName, schema, name, mode, autocommitMs } = options;
  if (typeof connectionString !== "string" || connectionString === "")
    fail("INVALID_ARGUMENT", `${what}: connectionString is required`, site);
  if (typeof tableName !== "string" || tableName === "")
    fail("INVALID_ARGUMENT", `${what}: tableName is required`, site);
  return sourceTable<R>(
    "postgres",
    tableName,
    schemaColumns(schema as Schema<Row>, "postgres"),
    { name: name ?? `postgres:${tableName}`, mode, autocommitMs },
    {
      connection_string: connectionString,
      table_name: tableName,
      ...(options.publicationName ? { publication_name: options.publicationName } : {}),
      ...(options.slotName ? { slot_name: options.slotName } : {}),
      ...(options.reconnectAttempts !== undefined
        ? { reconnect_attempts: reconnectAttempts(options.reconnectAttempts) }
        : {}),
    },
  );
}

/** Checks `reconnectAttempts`: a whole number of at least 1. */
function reconnectAttempts(n: number): number {
  if (!Number.isInteger(n) || n < 1)
    fail(
      "INVALID_ARGUMENT",
      `io.postgres.read: reconnectAttempts must be a whole number ≥ 1, got ${n}`,
      callSite(),
    );
  return n;
}

/** How `tb.io.postgres.write` maps a table onto a PostgreSQL table. */
export type PostgresWriteMode = "stream_of_changes" | "snapshot";

/** What `tb.io.postgres.write` does with the target table before writing. */
export type PostgresInit = "default" | "create_if_not_exists" | "replace";

/** Options of `tb.io.postgres.write`. */
export interface PostgresWriteOptions {
  /** libpq connection string: `host=... port=... user=... dbname=...` or `postgresql://...`. */
  connectionString: string;
  /** Target table, optionally `schema.table`; names are case-sensitive (always quoted). */
  tableName: string;
  /**
   * `stream_of_changes` (default): every change is appended with `time` and `diff` columns.
   * `snapshot`: the table mirrors the current rows, upserted and deleted by `primaryKey`,
   * one transaction per time.
   */
  mode?: PostgresWriteMode;
  /** Key columns (required by `snapshot`). */
  primaryKey?: readonly string[];
  /**
   * `default`: the table must exist. `create_if_not_exists` / `replace`: (re)create it from
   * the table's schema. In every case the columns are checked before any write.
   */
  init?: PostgresInit;
}

const MODES: readonly string[] = ["stream_of_changes", "snapshot"];
const INITS: readonly string[] = ["default", "create_if_not_exists", "replace"];

/** Writes a table into PostgreSQL (executed by the next `tb.run`/`tb.start`). */
function write(table: TableLike, options: PostgresWriteOptions): void {
  const site = callSite();
  const node = nodeOf(table, "io.postgres.write", site);
  const what = "io.postgres.write";
  if (typeof options !== "object" || options === null)
    fail("INVALID_ARGUMENT", `${what}: options are required`, site);
  const { connectionString, tableName } = options;
  const mode = options.mode ?? "stream_of_changes";
  const init = options.init ?? "default";
  const primaryKey = [...(options.primaryKey ?? [])];
  if (typeof connectionString !== "string" || connectionString === "")
    fail("INVALID_ARGUMENT", `${what}: connectionString is required`, site);
  if (typeof tableName !== "string" || tableName === "")
    fail("INVALID_ARGUMENT", `${what}: tableName is required`, site);
  if (!MODES.includes(mode))
    fail("INVALID_ARGUMENT", `${what}: unknown mode "${mode}" (${MODES.join(" | ")})`, site);
  if (!INITS.includes(init))
    fail("INVALID_ARGUMENT", `${what}: unknown init "${init}" (${INITS.join(" | ")})`, site);
  if (mode === "snapshot" && primaryKey.length === 0)
    fail("INVALID_ARGUMENT", `${what}: snapshot mode needs a primaryKey`, site);
  for (const key of primaryKey) {
    if (!node.columns.includes(key))
      fail(
        "UNKNOWN_COLUMN",
        `${what}: primary key column "${key}" is not a column of the table (${node.columns.join(", ")})`,
        site,
      );
  }
  if (mode === "stream_of_changes") {
    for (const reserved of ["time", "diff"]) {
      if (node.columns.includes(reserved))
        fail(
          "INVALID_ARGUMENT",
          `${what}: stream_of_changes adds a "${reserved}" column; rename the table's "${reserved}" column`,
          site,
        );
    }
  }
  declareOutput(node, {
    Postgres: {
      connection_string: connectionString,
      table_name: tableName,
      mode,
      primary_key: primaryKey,
      init,
    },
  });
}

/** PostgreSQL connector. */
export const postgres = { read, write } as const;
