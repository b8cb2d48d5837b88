/**
 * Shared parts of file readers and writers: the `Source` node and file outputs.
 */
import type { DType } from "../dtype.js";
import { callSite, fail } from "../errors.js";
import { declareOutput, PlanNode, type SourceSpec } from "../plan.js";
import type { Row, Schema } from "../schema.js";
import { makeTable, nodeOf, type Table, type TableLike } from "../table.js";

/** Read modes: `static` reads what exists and stops; `streaming` keeps watching. */
export type ReadMode = "static" | "streaming";

/** Options every reader takes. */
export interface CommonReadOptions {
  /** Stable name of the source (persistence, monitoring); default `<kind>:<path>`. */
  name?: string;
  /** Default `streaming`. */
  mode?: ReadMode;
  /** How often a streaming source closes a commit (ms; default 1500). */
  autocommitMs?: number;
}

/** Builds a `Source` table. */
export function sourceTable<R extends Row>(
  kind: string,
  path: string,
  columns: { names: readonly string[]; dtypes: readonly DType[]; primaryKey: number[] },
  common: CommonReadOptions,
  connectorOptions: Record<string, unknown>,
): Table<R> {
  const site = callSite();
  if (typeof path !== "string" || path === "")
    fail("INVALID_ARGUMENT", `io.${kind}.read: a path is required`, site);
  const mode = common.mode ?? "streaming";
  if (mode !== "static" && mode !== "streaming") {
    fail(
      "INVALID_ARGUMENT",
      `io.${kind}.read: mode must be "static" or "streaming", got "${String(mode)}"`,
      site,
    );
  }
  const options = { ...connectorOptions };
  const autocommit = common.autocommitMs;
  if (autocommit !== undefined && (!Number.isFinite(autocommit) || autocommit < 1)) {
    fail("INVALID_ARGUMENT", `io.${kind}.read: autocommitMs must be a positive number`, site);
  }
  const spec: Omit<SourceSpec, "mode"> = {
    name: common.name ?? `${kind}:${path}`,
    kind,
    path,
    primary_key: columns.primaryKey,
    options,
    ...(autocommit !== undefined ? { autocommit_ms: Math.round(autocommit) } : {}),
  };
  const node = new PlanNode(
    [...columns.names],
    [...columns.dtypes],
    [],
    (_ix, opts) => ({ Source: { source: { ...spec, mode: opts.forceStatic ? "static" : mode } } }),
    site,
    `io.${kind}.read`,
  );
  return makeTable<R>(node);
}

/** Column layout of a schema-driven reader. */
export function schemaColumns(
  schema: Schema<Row> | undefined,
  kind: string,
): {
  names: readonly string[];
  dtypes: readonly DType[];
  primaryKey: number[];
} {
  if (!schema) return fail("INVALID_ARGUMENT", `io.${kind}.read: the schema option is required`);
  return { names: schema.names, dtypes: schema.dtypes, primaryKey: schema.primaryKeyIndices() };
}

/** Declares a change-log file output. */
export function fileOutput(table: TableLike, kind: string, path: string): void {
  const site = callSite();
  const node = nodeOf(table, `io.${kind}.write`, site);
  if (typeof path !== "string" || path === "")
    fail("INVALID_ARGUMENT", `io.${kind}.write: a path is required`, site);
  declareOutput(node, { File: { kind, path } });
}
