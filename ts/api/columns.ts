/**
 * `tb.debug.tableFromColumns`: a table handed to the engine as columns — numbers as typed
 * arrays, strings as one UTF-8 buffer plus offsets — turned into rows in Rust in one call,
 * with no JS object per row.
 */
import { type DType, unoptional } from "./dtype.js";
import { callSite, fail } from "./errors.js";
import { loadNative } from "./native.js";
import { PlanNode } from "./plan.js";
import type { Row, Schema } from "./schema.js";
import { makeTable, type Table } from "./table.js";

/** A numeric column: a typed array or plain numbers (`null`/`NaN` is null in optional columns). */
export type NumberColumn =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | ReadonlyArray<number | null>;

/** A column as `tableFromColumns` accepts it, by the column's type. */
export type ColumnData<V> = V extends string
  ? readonly string[]
  : V extends boolean
    ? ReadonlyArray<boolean> | Uint8Array
    : V extends number | null
      ? NumberColumn
      : never;

/** One column per schema column. */
export type ColumnsOf<R extends Row> = { [K in keyof R]: ColumnData<R[K]> };

let nextSeed = 1;
const staged = new FinalizationRegistry<number>((id) => {
  try {
    loadNative().unstageColumns(id);
  } catch {
    // The addon is gone at exit: nothing to free.
  }
});

function kindOf(dtype: DType): "number" | "bool" | "text" | undefined {
  const base = unoptional(dtype);
  if (base === "Int" || base === "Float") return "number";
  if (base === "Bool") return "bool";
  if (base === "Str") return "text";
  return undefined;
}

function toFloat64(values: ArrayLike<number | boolean | null>): Float64Array {
  if (values instanceof Float64Array) return values;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined ? Number.NaN : Number(v);
  }
  return out;
}

function toText(values: readonly string[]): { bytes: Buffer; offsets: Uint32Array } {
  const offsets = new Uint32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += Buffer.byteLength(values[i] ?? "", "utf8");
    offsets[i + 1] = total;
  }
  return { bytes: Buffer.from(values.join(""), "utf8"), offsets };
}

/**
 * A static table from columns: `{ k: Float64Array, s: string[] }`. Supports int, float, bool
 * and str columns (optional numbers: `null`/`NaN`). Ids come from the schema's primary key, or
 * from row positions.
 */
export function tableFromColumns<R extends Row>(
  schema: Schema<R>,
  columns: ColumnsOf<R>,
): Table<R> {
  const site = callSite();
  const data = columns as Record<string, ArrayLike<unknown> | undefined>;
  const numbers: Float64Array[] = [];
  const texts: Buffer[] = [];
  const offsets: Uint32Array[] = [];
  let rows: number | undefined;
  const layout = schema.names.map((name, i) => {
    const dtype = schema.dtypes[i]!;
    const kind = kindOf(dtype);
    if (!kind)
      fail(
        "NOT_SUPPORTED",
        `tableFromColumns: column "${name}" has a type columns cannot carry yet`,
        site,
      );
    const values = data[name];
    if (!values || typeof values.length !== "number")
      fail("INVALID_ARGUMENT", `tableFromColumns: column "${name}" is missing`, site);
    if (rows !== undefined && values.length !== rows)
      fail(
        "INVALID_ARGUMENT",
        `tableFromColumns: column "${name}" has ${values.length} values, not ${rows}`,
        site,
      );
    rows = values.length;
    if (kind === "text") {
      const { bytes, offsets: bounds } = toText(values as readonly string[]);
      texts.push(bytes);
      offsets.push(bounds);
      return { kind, slot: texts.length - 1, dtype };
    }
    numbers.push(toFloat64(values as ArrayLike<number | boolean | null>));
    return { kind, slot: numbers.length - 1, dtype };
  });
  const seed = 0x5ca1ab1e + nextSeed++;
  const layoutJson = JSON.stringify({
    rows: rows ?? 0,
    columns: layout,
    primary_key: schema.primaryKeyIndices(),
    seed,
  });
  const stage = loadNative().stageColumns(layoutJson, numbers, texts, offsets);
  const node = new PlanNode(
    [...schema.names],
    [...schema.dtypes],
    [],
    () => ({
      Source: {
        source: {
          name: `columns#${stage}`,
          kind: "staged",
          path: "",
          mode: "static",
          primary_key: schema.primaryKeyIndices(),
          options: { stage },
        },
      },
    }),
    site,
    "tableFromColumns",
  );
  // Tied to the plan node, not the table object: outputs and derived tables hold the node,
  // so the columns live as long as anything that could still run them (a table wrapper
  // dropped between `write(...)` and `run()` must not free them).
  staged.register(node, stage);
  return makeTable<R>(node);
}
