/**
 * Static tables given in the program: markdown fixtures and `tableFromRows`.
 */
import { type DType, dtypeName, isNullType, optional, unify, unoptional } from "./dtype.js";
import { callSite, fail } from "./errors.js";
import { type MarkdownCell, parseMarkdown } from "./markdown.js";
import { PlanNode, type PlanValue, planToJson, type StaticId, type StaticRow } from "./plan.js";
import type { Row, Schema } from "./schema.js";
import { makeTable, type Table } from "./table.js";
import { encodeLiteral, encodeValue } from "./values.js";

let nextSeed = 1;

/** A row before ids are assigned. */
interface PendingRow {
  values: PlanValue[];
  explicitId: StaticId | undefined;
  time: number;
  diff: number;
}

/**
 * Assigns ids: explicit ones are kept; otherwise a `+1` row gets its row number as position
 * and a `-1` row reuses the position of the latest live `+1` row with the same values.
 */
function assignIds(rows: PendingRow[]): StaticRow[] {
  const order = rows.map((r, i) => ({ r, i })).sort((a, b) => a.r.time - b.r.time || a.i - b.i);
  const live = new Map<string, number[]>();
  const out: StaticRow[] = new Array(rows.length);
  for (const { r, i } of order) {
    let id = r.explicitId;
    if (!id) {
      const key = planToJson(r.values);
      const stack = live.get(key) ?? [];
      if (r.diff > 0) {
        stack.push(i);
        live.set(key, stack);
        id = { Position: i };
      } else {
        const position = stack.pop();
        id = { Position: position ?? i };
      }
    }
    out[i] = { id, values: r.values, time: r.time, diff: r.diff };
  }
  return out;
}

function staticNode(
  columns: string[],
  dtypes: DType[],
  rows: StaticRow[],
  site: string | undefined,
): PlanNode {
  const seed = nextSeed++;
  return new PlanNode(columns, dtypes, [], () => ({ Static: { rows, seed } }), site, "static");
}

function cellKind(cell: MarkdownCell): DType {
  const v = cell.value;
  if (v === null) return { Optional: "Any" };
  if (typeof v === "boolean") return "Bool";
  if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) return "Int";
  if (typeof v === "number") return "Float";
  return "Str";
}

function inferColumn(cells: MarkdownCell[]): DType {
  const kinds = cells.map(cellKind);
  const nonNull = kinds.filter((k) => !isNullType(k));
  if (nonNull.length === 0) return "Any";
  const base = nonNull.reduce(unify);
  if (base === "Any") return "Any";
  return nonNull.length < kinds.length ? optional(base) : base;
}

/** A cell read as a JS value of the column's type. */
function typedCell(cell: MarkdownCell, dtype: DType, where: string): unknown {
  if (cell.value === null && !cell.quoted) return null;
  const t = unoptional(dtype);
  if (t === "Str") return cell.quoted ? cell.value : cell.raw;
  if (t === "Any") return cell.value;
  if (t === "Json" || (typeof t === "object" && ("Array" in t || "Tuple" in t))) {
    try {
      return JSON.parse(cell.quoted ? String(cell.value) : cell.raw);
    } catch {
      if (t === "Json") return cell.value;
      return fail("INVALID_ARGUMENT", `${where}: "${cell.raw}" is not a JSON array`);
    }
  }
  if (t === "Float" && typeof cell.value === "bigint") return Number(cell.value);
  if (t === "DateTime" && typeof cell.value === "string") return cell.value;
  return cell.value;
}

function checkFinite(values: PlanValue[], where: string): void {
  for (const v of values) {
    if (typeof v === "object" && "Float" in v && !Number.isFinite(v.Float)) {
      fail(
        "INVALID_ARGUMENT",
        `${where}: non-finite floats (${v.Float}) are not supported in static tables`,
      );
    }
  }
}

/** Options of `tableFromMarkdown`. */
export interface MarkdownOptions<R extends Row> {
  /** Fixes column types (and the primary key) instead of inferring them. */
  schema?: Schema<R>;
}

/** A static table from a markdown fixture. */
export function tableFromMarkdown<R extends Row = Record<string, unknown>>(
  md: string,
  options: MarkdownOptions<R> = {},
): Table<R> {
  const site = callSite();
  const parsed = parseMarkdown(md);
  const schema = options.schema;
  let columns = parsed.columns;
  let dtypes: DType[];
  let positions: number[];
  if (schema) {
    const missing = schema.names.filter((n) => !columns.includes(n));
    const extra = columns.filter((c) => !schema.names.includes(c));
    if (missing.length > 0 || extra.length > 0) {
      fail(
        "UNKNOWN_COLUMN",
        `tableFromMarkdown: the fixture's columns (${columns.join(", ")}) differ from the schema's (${schema.names.join(", ")})`,
        site,
      );
    }
    positions = schema.names.map((n) => columns.indexOf(n));
    columns = [...schema.names];
    dtypes = [...schema.dtypes];
  } else {
    positions = columns.map((_, i) => i);
    dtypes = positions.map((p) => inferColumn(parsed.rows.map((r) => r.cells[p]!)));
  }
  const pk = schema?.primaryKeyIndices() ?? [];
  const pending = parsed.rows.map((row): PendingRow => {
    const where = `tableFromMarkdown line ${row.line}`;
    const values = positions.map((p, i) => {
      const col = columns[i]!;
      const v = typedCell(row.cells[p]!, dtypes[i]!, `${where}, column "${col}"`);
      return encodeValue(v, dtypes[i]!, `${where}, column "${col}" (${dtypeName(dtypes[i]!)})`);
    });
    checkFinite(values, where);
    let explicitId: StaticId | undefined;
    if (row.id) explicitId = { Values: [encodeLiteral(row.id.value).value] };
    else if (pk.length > 0) explicitId = { Values: pk.map((i) => values[i]!) };
    return { values, explicitId, time: row.time, diff: row.diff };
  });
  return makeTable<R>(staticNode(columns, dtypes, assignIds(pending), site));
}

/** A row for `tableFromRows`: the schema's columns, plus optional `__time__`/`__diff__`. */
export type InputRow<R extends Row> = {
  [K in keyof R]: R[K] extends number
    ? number | bigint
    : R[K] extends number | null
      ? number | bigint | null
      : R[K];
} & { __time__?: number; __diff__?: 1 | -1 };

/** A static table from JS objects (ids from the schema's primary key, else positions). */
export function tableFromRows<R extends Row>(
  schema: Schema<R>,
  rows: ReadonlyArray<InputRow<R>>,
): Table<R> {
  const site = callSite();
  const pk = schema.primaryKeyIndices();
  const pending = rows.map((row, n): PendingRow => {
    const obj = row as Record<string, unknown>;
    const values = schema.names.map((name, i) =>
      encodeValue(obj[name], schema.dtypes[i]!, `tableFromRows row ${n}, column "${name}"`),
    );
    checkFinite(values, `tableFromRows row ${n}`);
    const time = typeof obj.__time__ === "number" ? obj.__time__ : 0;
    const diff = obj.__diff__ === -1 ? -1 : 1;
    const explicitId: StaticId | undefined =
      pk.length > 0 ? { Values: pk.map((i) => values[i]!) } : undefined;
    return { values, explicitId, time, diff };
  });
  return makeTable<R>(staticNode([...schema.names], [...schema.dtypes], assignIds(pending), site));
}
