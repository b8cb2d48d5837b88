/**
 * Checks a request's fields against the connector's schema before they become a row, so that
 * a bad request gets a 400 naming the field instead of an error value inside the pipeline.
 */
import { type DType, dtypeName } from "../../dtype.js";

/** The outcome of checking a request: the row to push, or a message for the client. */
export type Checked = { ok: true; row: Record<string, unknown> } | { ok: false; message: string };

/** The columns a request must provide. */
export interface RequestColumns {
  /** Column names, in schema order. */
  names: readonly string[];
  /** Column types, in schema order. */
  dtypes: readonly DType[];
}

/**
 * Checks a parsed JSON body: an object with every non-optional column, each of the declared
 * type. Fields that are not columns are ignored.
 */
export function checkObject(body: unknown, columns: RequestColumns): Checked {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    return { ok: false, message: "the body must be a JSON object" };
  const fields = body as Record<string, unknown>;
  const row: Record<string, unknown> = {};
  for (const [i, name] of columns.names.entries()) {
    const dtype = columns.dtypes[i] ?? "Any";
    const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (value === undefined) {
      if (admitsNull(dtype)) {
        row[name] = null;
        continue;
      }
      return { ok: false, message: `missing field "${name}" (${dtypeName(dtype)})` };
    }
    const problem = checkValue(value, dtype, name);
    if (problem !== undefined) return { ok: false, message: problem };
    row[name] = value;
  }
  return { ok: true, row };
}

/**
 * Turns query parameters into a body: text columns keep the text; other columns read the
 * text as JSON when it parses (`?n=3&tags=["a"]`), else keep it (and fail the type check).
 */
export function queryToObject(
  params: URLSearchParams,
  columns: RequestColumns,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [i, name] of columns.names.entries()) {
    const text = params.get(name);
    if (text === null) continue;
    const dtype = columns.dtypes[i] ?? "Any";
    body[name] = keepsText(dtype) ? text : parseOrText(text);
  }
  return body;
}

function keepsText(dtype: DType): boolean {
  const inner = typeof dtype === "object" && "Optional" in dtype ? dtype.Optional : dtype;
  return inner === "Str" || inner === "DateTime" || inner === "Pointer";
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function admitsNull(dtype: DType): boolean {
  return dtype === "Any" || dtype === "Json" || (typeof dtype === "object" && "Optional" in dtype);
}

/** `undefined` when `value` fits `dtype`, else a message naming `path`. */
function checkValue(value: unknown, dtype: DType, path: string): string | undefined {
  if (value === null) {
    return admitsNull(dtype) ? undefined : `field "${path}" must be ${dtypeName(dtype)}, got null`;
  }
  if (typeof dtype === "object") {
    if ("Optional" in dtype) return checkValue(value, dtype.Optional, path);
    if (!Array.isArray(value)) return mismatch(path, dtype, value);
    if ("Array" in dtype) {
      for (const [i, item] of value.entries()) {
        const problem = checkValue(item, dtype.Array, `${path}[${i}]`);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    if (value.length !== dtype.Tuple.length)
      return `field "${path}" must be ${dtypeName(dtype)} (${dtype.Tuple.length} items), got ${value.length} items`;
    for (const [i, item] of value.entries()) {
      const problem = checkValue(item, dtype.Tuple[i] ?? "Any", `${path}[${i}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  return fitsScalar(value, dtype) ? undefined : mismatch(path, dtype, value);
}

function fitsScalar(value: unknown, dtype: DType & string): boolean {
  switch (dtype) {
    case "Any":
    case "Json":
      return true;
    case "Int":
      return typeof value === "number" && Number.isSafeInteger(value);
    case "Float":
    case "Duration":
      return typeof value === "number";
    case "Bool":
      return typeof value === "boolean";
    case "Str":
    case "Pointer":
      return typeof value === "string";
    case "DateTime":
      return (
        typeof value === "number" || (typeof value === "string" && !Number.isNaN(Date.parse(value)))
      );
    case "Bytes":
      return (
        typeof value === "string" ||
        (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255))
      );
    default:
      return false;
  }
}

function mismatch(path: string, dtype: DType, value: unknown): string {
  const shown = JSON.stringify(value) ?? String(value);
  const short = shown.length > 40 ? `${shown.slice(0, 37)}...` : shown;
  const kind = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  return `field "${path}" must be ${dtypeName(dtype)}, got ${kind} ${short}`;
}
