/**
 * Schemas: named, typed columns and an optional primary key (`tb.schema`).
 */
import type { DType } from "./dtype.js";
import { fail } from "./errors.js";
import { TypeSpec, type ValueOf } from "./types.js";

/** A row as a plain object (column name → JS value). */
export type Row = Record<string, unknown>;

/** Column declarations of a schema. */
export type ColumnSpecs = Record<string, TypeSpec<unknown>>;

/** The row type described by column declarations. */
export type RowOfSpecs<C extends ColumnSpecs> = { [K in keyof C]: ValueOf<C[K]> };

/** Options of `tb.schema`. */
export interface SchemaOptions<K extends string = string> {
  /** Columns whose values derive the row ids. */
  primaryKey?: readonly K[];
}

/** A table schema: column names and types in order, plus the primary key. */
export class Schema<R extends Row = Row> {
  /** Column names, in order. */
  readonly names: readonly string[];
  /** Engine types, in column order. */
  readonly dtypes: readonly DType[];
  /** Primary-key column names (empty: ids from input positions). */
  readonly primaryKey: readonly string[];
  /** Phantom field carrying the row type (never set). */
  declare readonly __row: R;

  constructor(names: readonly string[], dtypes: readonly DType[], primaryKey: readonly string[]) {
    this.names = names;
    this.dtypes = dtypes;
    this.primaryKey = primaryKey;
  }

  /** The type of a column, or `undefined` when absent. */
  dtypeOf(name: string): DType | undefined {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : this.dtypes[i];
  }

  /** Indices of the primary-key columns. */
  primaryKeyIndices(): number[] {
    return this.primaryKey.map((k) => this.names.indexOf(k));
  }
}

/** Declares a schema: `tb.schema({ a: tb.types.int }, { primaryKey: ["a"] })`. */
export function schema<C extends ColumnSpecs, K extends keyof C & string = keyof C & string>(
  columns: C,
  options: SchemaOptions<K> = {},
): Schema<RowOfSpecs<C>> {
  const names = Object.keys(columns);
  const dtypes = names.map((name) => {
    const spec = columns[name];
    if (!(spec instanceof TypeSpec)) {
      fail("INVALID_ARGUMENT", `schema column "${name}" is not a tb.types.* type`);
    }
    return spec.dtype;
  });
  const primaryKey = [...(options.primaryKey ?? [])];
  for (const key of primaryKey) {
    if (!names.includes(key)) {
      fail(
        "UNKNOWN_COLUMN",
        `primary key column "${key}" is not in the schema (columns: ${names.join(", ")})`,
      );
    }
  }
  return new Schema<RowOfSpecs<C>>(names, dtypes, primaryKey);
}
