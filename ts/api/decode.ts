/**
 * Decoding of cells and changes as the engine sends them (tagged encoding of `native.ts`).
 */
import type { NativeCell } from "./native.js";
import type { JsonValue, Pointer } from "./types.js";

/** The type of the error value (`tb.ErrorValue`). */
export interface ErrorValueMarker {
  /** `value instanceof tb.ErrorValue` is true exactly for the error value. */
  [Symbol.hasInstance](value: unknown): boolean;
  /** Prints as `Error`. */
  toString(): string;
  /** JSON form: `{ "$error": true }`. */
  toJSON(): { $error: true };
}

/**
 * The error value: a cell whose computation failed holds this object (the message is in
 * `tb.globalErrorLog()`). Test with `cell === tb.ErrorValue` or `cell instanceof tb.ErrorValue`.
 */
export const ErrorValue: ErrorValueMarker = Object.freeze({
  [Symbol.hasInstance]: (value: unknown): boolean => value === ErrorValue,
  toString: () => "Error",
  toJSON: () => ({ $error: true as const }),
});

/** A decoded cell. */
export type CellValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Date
  | Uint8Array
  | Pointer
  | JsonValue
  | ErrorValueMarker
  | CellValue[];

const NS_PER_MS = 1_000_000n;

/** Decodes one cell. */
export function decodeCell(cell: NativeCell): CellValue {
  if (cell === null || typeof cell !== "object") return cell;
  if (Array.isArray(cell)) return cell.map(decodeCell);
  if ("$int" in cell) return BigInt(cell.$int);
  if ("$float" in cell) {
    const f = cell.$float.toLowerCase();
    if (f === "nan") return Number.NaN;
    if (f === "inf" || f === "+inf" || f === "infinity") return Number.POSITIVE_INFINITY;
    if (f === "-inf" || f === "-infinity") return Number.NEGATIVE_INFINITY;
    return Number(cell.$float);
  }
  if ("$dt" in cell) {
    const ns = BigInt(cell.$dt);
    // Floor division, so that instants before 1970 round toward the past.
    let ms = ns / NS_PER_MS;
    if (ns % NS_PER_MS !== 0n && ns < 0n) ms -= 1n;
    return new Date(Number(ms));
  }
  if ("$dur" in cell) return Number(BigInt(cell.$dur)) / 1e6;
  if ("$json" in cell) return cell.$json as JsonValue;
  if ("$ptr" in cell) return (cell.$ptr.startsWith("^") ? cell.$ptr : `^${cell.$ptr}`) as Pointer;
  if ("$bytes" in cell) return new Uint8Array(Buffer.from(cell.$bytes, "base64"));
  if ("$error" in cell) return ErrorValue;
  return cell as JsonValue;
}

/** Decodes a row id as sent by the engine (`"<hex>"` or `"^<hex>"`). */
export function decodeId(id: string): Pointer {
  return (id.startsWith("^") ? id : `^${id}`) as Pointer;
}
