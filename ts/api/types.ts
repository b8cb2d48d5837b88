/**
 * Column types users declare (`tb.types.*`) and the JavaScript values they stand for.
 */
import type { DType } from "./dtype.js";

/** Any JSON value (the JS side of `tb.types.json`). */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

declare const pointerBrand: unique symbol;
/** A row id as JavaScript sees it: `"^"` followed by 32 hexadecimal digits. */
export type Pointer = string & { readonly [pointerBrand]: "Pointer" };

/** A column type; `T` is the JavaScript type of its values. */
export class TypeSpec<T> {
  /** The engine type. */
  readonly dtype: DType;
  /** Phantom field carrying `T` (never set). */
  declare readonly __value: T;

  constructor(dtype: DType) {
    this.dtype = dtype;
  }

  /** The nullable version of this type. */
  optional(): TypeSpec<T | null> {
    if (typeof this.dtype === "object" && "Optional" in this.dtype) return this;
    return new TypeSpec<T | null>(this.dtype === "Any" ? "Any" : { Optional: this.dtype });
  }

  /** A readable form, e.g. `TypeSpec(Int)`. */
  toString(): string {
    return `TypeSpec(${JSON.stringify(this.dtype)})`;
  }
}

/** The JavaScript value type of a `TypeSpec`. */
export type ValueOf<S> = S extends TypeSpec<infer T> ? T : never;

/** The built-in column types. */
export const types = {
  /** 64-bit integer (JS number; bigint accepted on input). */
  int: new TypeSpec<number>("Int"),
  /** 64-bit float. */
  float: new TypeSpec<number>("Float"),
  /** Boolean. */
  bool: new TypeSpec<boolean>("Bool"),
  /** UTF-8 string. */
  str: new TypeSpec<string>("Str"),
  /** Raw bytes. */
  bytes: new TypeSpec<Uint8Array>("Bytes"),
  /** Date and time, UTC (a `Date` in JS). */
  datetime: new TypeSpec<Date>("DateTime"),
  /** A span of time, in milliseconds in JS. */
  duration: new TypeSpec<number>("Duration"),
  /** Any JSON value. */
  json: new TypeSpec<JsonValue>("Json"),
  /** A row id. */
  pointer: new TypeSpec<Pointer>("Pointer"),
  /** Any value (no static checks). */
  any: new TypeSpec<unknown>("Any"),
  /** A homogeneous array. */
  array<T>(item: TypeSpec<T>): TypeSpec<T[]> {
    return new TypeSpec<T[]>({ Array: item.dtype });
  },
  /** A fixed-arity tuple. */
  tuple<const S extends readonly TypeSpec<unknown>[]>(
    ...items: S
  ): TypeSpec<{ -readonly [K in keyof S]: ValueOf<S[K]> }> {
    return new TypeSpec({ Tuple: items.map((t) => t.dtype) });
  },
} as const;

/** Maps an engine type back to a `TypeSpec` (for columns whose static type is inferred). */
export function specOf(dtype: DType): TypeSpec<unknown> {
  return new TypeSpec<unknown>(dtype);
}
