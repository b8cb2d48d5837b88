/**
 * The columnar layout of user-function batches on the JavaScript side: argument columns as
 * the engine sends them (numbers, one string + offsets, or JSON; a validity mask for nulls)
 * decoded into arrays, and results encoded for `udfReply` without a value object per row
 * (numbers as one `Float64Array`, strings as one joined string + lengths) when their type
 * allows it.
 */
import { decodeCell } from "./decode.js";
import { type DType, isOptional, unoptional } from "./dtype.js";
import type { NativeBinding, NativeCell, NativeUdfColumn } from "./native.js";
import type { PlanValue } from "./plan.js";
import { planToJson } from "./plan.js";
import { encodeValue } from "./values.js";

/** Failed rows: `[row, message]`. */
export type RowErrors = Array<[number, string]>;

/**
 * Decodes one argument column. `asArray`: a plain array even for numbers without nulls
 * (batch functions receive arrays); otherwise such a column stays a `Float64Array`.
 */
export function decodeColumn(
  column: NativeUdfColumn,
  rows: number,
  asArray: boolean,
): ArrayLike<unknown> {
  const { numbers, valid } = column;
  if (numbers !== undefined) {
    if (valid === undefined && !asArray) return numbers;
    const out: unknown[] = new Array(rows);
    if (valid === undefined) for (let i = 0; i < rows; i++) out[i] = numbers[i];
    else for (let i = 0; i < rows; i++) out[i] = valid[i] === 0 ? null : numbers[i];
    return out;
  }
  const { text, offsets } = column;
  if (text !== undefined && offsets !== undefined) {
    const out: unknown[] = new Array(rows);
    for (let i = 0; i < rows; i++) {
      out[i] =
        valid !== undefined && valid[i] === 0 ? null : text.slice(offsets[i], offsets[i + 1]);
    }
    return out;
  }
  const cells = JSON.parse(column.json ?? "[]") as NativeCell[];
  const out: unknown[] = cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    if (c !== null && typeof c === "object") out[i] = decodeCell(c);
  }
  return out;
}

/** Rows whose results come from the disk cache: their encoded values as JSON text. */
export type Precomputed = Map<number, string>;

/**
 * Encodes the results of a batch for the engine and sends them. `failed` marks the rows
 * that already failed (their value is ignored); `precomputed` holds rows answered from the
 * disk cache.
 */
export function sendResults(
  native: NativeBinding,
  token: number,
  dtype: DType,
  name: string,
  values: ArrayLike<unknown>,
  errors: RowErrors,
  precomputed?: Precomputed,
): void {
  const rows = values.length;
  const base = unoptional(dtype);
  const nullable = base === "Any" || isOptional(dtype);
  const failed = errors.length > 0 ? new Uint8Array(rows) : undefined;
  if (failed) for (const [i] of errors) failed[i] = 1;
  const errorsJson = errors.length > 0 ? JSON.stringify(errors) : null;
  if (!precomputed || precomputed.size === 0) {
    if (base === "Int" || base === "Float" || base === "Any") {
      const numbers = numberColumn(values, nullable, base === "Any", failed);
      if (numbers) {
        native.udfReply(token, numbers.values, null, errorsJson, numbers.valid ?? null);
        return;
      }
    }
    if (base === "Str" || base === "Any") {
      const text = textColumn(values, nullable, failed);
      if (text) {
        native.udfReply(token, null, null, errorsJson, text.valid ?? null, text.text, text.lengths);
        return;
      }
    }
  }
  const pieces: string[] = new Array(rows);
  let plain = true;
  const encoded: PlanValue[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const cached = precomputed?.get(i);
    if (cached !== undefined) {
      pieces[i] = cached;
      plain = false;
      continue;
    }
    if (failed?.[i] === 1) {
      encoded[i] = "None";
      continue;
    }
    try {
      encoded[i] = encodeValue(values[i], dtype, name);
    } catch (e) {
      encoded[i] = "None";
      errors.push([i, e instanceof Error ? e.message : String(e)]);
    }
  }
  let json: string;
  if (plain) {
    try {
      json = JSON.stringify(encoded);
    } catch {
      json = planToJson(encoded); // bigints
    }
  } else {
    for (let i = 0; i < rows; i++)
      if (pieces[i] === undefined) pieces[i] = planToJson(encoded[i] ?? "None");
    json = `[${pieces.join(",")}]`;
  }
  native.udfReply(token, null, json, errors.length > 0 ? JSON.stringify(errors) : null);
}

/** The results as numbers, or `undefined` when some result is not a number (or null). */
function numberColumn(
  values: ArrayLike<unknown>,
  nullable: boolean,
  finiteOnly: boolean,
  failed: Uint8Array | undefined,
): { values: Float64Array; valid?: Uint8Array } | undefined {
  const rows = values.length;
  if (values instanceof Float64Array && !finiteOnly) return { values };
  const out = new Float64Array(rows);
  let valid: Uint8Array | undefined;
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    if (typeof v === "number" && (!finiteOnly || Number.isFinite(v))) {
      out[i] = v;
      continue;
    }
    if ((v === null || v === undefined) && nullable) {
      valid ??= new Uint8Array(rows).fill(1);
      valid[i] = 0;
      continue;
    }
    if (failed?.[i] === 1) continue;
    return undefined;
  }
  return valid ? { values: out, valid } : { values: out };
}

/** The results as one string + lengths, or `undefined` when some result is not a string. */
function textColumn(
  values: ArrayLike<unknown>,
  nullable: boolean,
  failed: Uint8Array | undefined,
): { text: string; lengths: Uint32Array; valid?: Uint8Array } | undefined {
  if (!Array.isArray(values)) return undefined;
  const rows = values.length;
  const lengths = new Uint32Array(rows);
  let valid: Uint8Array | undefined;
  for (let i = 0; i < rows; i++) {
    const v: unknown = values[i];
    if (typeof v === "string") {
      lengths[i] = v.length;
      continue;
    }
    if ((v === null || v === undefined) && nullable) {
      valid ??= new Uint8Array(rows).fill(1);
      valid[i] = 0;
      continue;
    }
    if (failed?.[i] === 1) continue;
    return undefined;
  }
  // `join` writes null, undefined (and failed rows' values, whose lengths are 0) as "".
  if (failed) {
    const copy = values.slice();
    for (let i = 0; i < rows; i++) if (failed[i] === 1) copy[i] = "";
    return { text: copy.join(""), lengths, ...(valid ? { valid } : {}) };
  }
  return { text: values.join(""), lengths, ...(valid ? { valid } : {}) };
}
