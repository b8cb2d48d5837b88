/**
 * `tb.debug`: fixtures (`tableFromMarkdown`, `tableFromRows`) and running tables to get
 * their rows (`compute`, `computeAndPrint`, `computeChanges`).
 */
import { type CellValue, decodeCell, decodeId, ErrorValue } from "./decode.js";
import type { NativeChange } from "./native.js";
import { buildPlan, type PlanJson, planToJson } from "./plan.js";
import { collect } from "./run.js";
import type { Row } from "./schema.js";
import { tableFromColumns } from "./columns.js";
import { tableFromMarkdown, tableFromRows } from "./static.js";
import { nodeOf, type RowOfTable, type TableLike } from "./table.js";
import type { Pointer } from "./types.js";

/** Options of the `compute*` helpers. */
export interface ComputeOptions {
  /** Worker threads (default: `TRIBUTARY_THREADS`, else 1). */
  threads?: number;
  /** Add each row's id as `id`. */
  withIds?: boolean;
}

/** A change as returned by `computeChanges`. */
export type Change<R> = R & { __time__: number; __diff__: 1 | -1 };

function toRow(
  columns: readonly string[],
  change: NativeChange,
  withIds: boolean,
): Record<string, CellValue> {
  const row: Record<string, CellValue> = {};
  columns.forEach((c, i) => {
    row[c] = decodeCell(change[1][i] ?? null);
  });
  if (withIds) row.id = decodeId(change[0]);
  return row;
}

async function changesOf(
  table: TableLike,
  options: ComputeOptions,
  snapshot = false,
): Promise<[readonly string[], NativeChange[]]> {
  const node = nodeOf(table, "compute");
  const [changes] = await collect([node], options.threads, snapshot);
  return [node.columns, changes ?? []];
}

/** The final rows of a table (static run); any order. */
export async function compute<T extends TableLike>(
  table: T,
  options: ComputeOptions & { withIds: true },
): Promise<Array<RowOfTable<T> & { id: Pointer }>>;
export async function compute<T extends TableLike>(
  table: T,
  options?: ComputeOptions,
): Promise<Array<RowOfTable<T>>>;
export async function compute(table: TableLike, options: ComputeOptions = {}): Promise<Row[]> {
  // The engine consolidates: one entry per live row, its multiplicity as the diff.
  const [columns, state] = await changesOf(table, options, true);
  const rows: Row[] = [];
  for (const entry of state) {
    for (let i = 0; i < entry[3]; i++) rows.push(toRow(columns, entry, options.withIds ?? false));
  }
  return rows;
}

/** Every change of a table, in time order, with `__time__` and `__diff__`. */
export async function computeChanges<T extends TableLike>(
  table: T,
  options: ComputeOptions & { withIds: true },
): Promise<Array<Change<RowOfTable<T> & { id: Pointer }>>>;
export async function computeChanges<T extends TableLike>(
  table: T,
  options?: ComputeOptions,
): Promise<Array<Change<RowOfTable<T>>>>;
export async function computeChanges(
  table: TableLike,
  options: ComputeOptions = {},
): Promise<Row[]> {
  const [columns, changes] = await changesOf(table, options);
  const ordered = changes.map((c, i) => ({ c, i })).sort((a, b) => a.c[2] - b.c[2] || a.i - b.i);
  return ordered.map(({ c }) => ({
    ...toRow(columns, c, options.withIds ?? false),
    __time__: c[2],
    __diff__: c[3] > 0 ? 1 : -1,
  }));
}

/** Formats a cell for printing. */
export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (v instanceof Date) return v.toISOString();
  if (v instanceof ErrorValue) return "Error";
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "object") return planToJson(v);
  return String(v);
}

/** Formats rows as a markdown table (rows sorted for a stable output). */
export function formatTable(
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
): string {
  const body = rows.map((r) => columns.map((c) => formatCell(r[c])));
  body.sort((a, b) => a.join("\u0000").localeCompare(b.join("\u0000")));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join(" | ")
      .trimEnd();
  return [line(columns), ...body.map(line)].join("\n");
}

/** Prints a table's final rows as markdown. */
export async function computeAndPrint(
  table: TableLike,
  options: ComputeOptions = {},
): Promise<void> {
  const rows = await compute(table, options);
  const columns = [...(options.withIds ? ["id"] : []), ...nodeOf(table, "computeAndPrint").columns];
  console.log(formatTable(columns, rows));
}

/** The plan that `compute` would send for these tables (for inspection and tests). */
export function planOf(...tables: TableLike[]): PlanJson {
  return buildPlan(
    tables.map((t, id) => ({ node: nodeOf(t, "planOf"), sink: { Collect: { id } } })),
    { forceStatic: true },
  );
}

/** The debug helpers. */
export const debug = {
  tableFromMarkdown,
  tableFromRows,
  tableFromColumns,
  compute,
  computeAndPrint,
  computeChanges,
  planOf,
} as const;
