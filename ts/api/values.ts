/**
 * Encoding JavaScript values as plan values (`PlanValue`), with or without a target type.
 */
import { type DType, dtypeName, unify, unoptional } from "./dtype.js";
import { fail } from "./errors.js";
import type { PlanValue } from "./plan.js";

/** The type of the `null` literal: unifies with anything into an optional type. */
export const NULL_DTYPE: DType = { Optional: "Any" };

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const NS_PER_MS = 1_000_000n;

function intValue(v: number | bigint, what: string): PlanValue {
  if (typeof v === "bigint") {
    if (v < I64_MIN || v > I64_MAX) fail("INVALID_ARGUMENT", `${what}: ${v} does not fit in int64`);
    return { Int: Number.isSafeInteger(Number(v)) ? Number(v) : v };
  }
  return { Int: Number.isSafeInteger(v) ? v : BigInt(v) };
}

/** Milliseconds (possibly fractional) as integer nanoseconds. */
export function msToNs(ms: number): bigint | number {
  const whole = Math.trunc(ms);
  const ns = BigInt(whole) * NS_PER_MS + BigInt(Math.round((ms - whole) * 1e6));
  return Number.isSafeInteger(Number(ns)) ? Number(ns) : ns;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A literal with the type inferred from the JS value. Non-finite floats are not values. */
export function encodeLiteral(v: unknown): { value: PlanValue; dtype: DType } {
  if (v === null || v === undefined) return { value: "None", dtype: NULL_DTYPE };
  switch (typeof v) {
    case "boolean":
      return { value: { Bool: v }, dtype: "Bool" };
    case "bigint":
      return { value: intValue(v, "literal"), dtype: "Int" };
    case "number":
      if (Number.isInteger(v) && Number.isSafeInteger(v))
        return { value: { Int: v }, dtype: "Int" };
      if (!Number.isFinite(v)) fail("INVALID_ARGUMENT", `non-finite number ${v} cannot be a value`);
      return { value: { Float: v }, dtype: "Float" };
    case "string":
      return { value: { Str: v }, dtype: "Str" };
  }
  if (v instanceof Date) return { value: { DateTime: dateToNs(v) }, dtype: "DateTime" };
  if (v instanceof Uint8Array) return { value: { Bytes: [...v] }, dtype: "Bytes" };
  if (Array.isArray(v)) {
    const items = v.map(encodeLiteral);
    const types = items.map((i) => i.dtype);
    const item = types.length === 0 ? "Any" : types.reduce(unify);
    const dtype: DType =
      item === "Any" && types.some((t) => t !== "Any") ? { Tuple: types } : { Array: item };
    return { value: { Tuple: items.map((i) => i.value) }, dtype };
  }
  if (isPlainObject(v)) return { value: { Json: JSON.stringify(v) }, dtype: "Json" };
  return fail("INVALID_ARGUMENT", `cannot use ${String(v)} as a value`);
}

/** A JS `Date` as nanoseconds since the epoch. */
export function dateToNs(d: Date): number | bigint {
  const ms = d.getTime();
  if (Number.isNaN(ms)) fail("INVALID_ARGUMENT", "invalid Date");
  return msToNs(ms);
}

function mismatch(v: unknown, dtype: DType, where: string): never {
  const shown = typeof v === "string" ? JSON.stringify(v) : String(v);
  return fail("TYPE_MISMATCH", `${where}: ${shown} is not a value of type ${dtypeName(dtype)}`);
}

/** Encodes a JS value as a value of the given column type (fixtures, `tableFromRows`). */
export function encodeValue(v: unknown, dtype: DType, where: string): PlanValue {
  if (v === null || v === undefined) {
    if (dtype === "Any" || (typeof dtype === "object" && "Optional" in dtype)) return "None";
    return mismatch(v, dtype, where);
  }
  const t = unoptional(dtype);
  if (typeof t === "object") {
    if (!Array.isArray(v)) return mismatch(v, dtype, where);
    if ("Array" in t) return { Tuple: v.map((item) => encodeValue(item, t.Array, where)) };
    if ("Tuple" in t) {
      if (v.length !== t.Tuple.length) return mismatch(v, dtype, where);
      return { Tuple: v.map((item, i) => encodeValue(item, t.Tuple[i]!, where)) };
    }
    return mismatch(v, dtype, where);
  }
  switch (t) {
    case "Any":
      return encodeLiteral(v).value;
    case "Int":
      if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) {
        return intValue(v, where);
      }
      return mismatch(v, dtype, where);
    case "Float":
      if (typeof v === "number") return { Float: v };
      if (typeof v === "bigint") return { Float: Number(v) };
      return mismatch(v, dtype, where);
    case "Bool":
      return typeof v === "boolean" ? { Bool: v } : mismatch(v, dtype, where);
    case "Str":
      return typeof v === "string" ? { Str: v } : mismatch(v, dtype, where);
    case "Bytes":
      if (v instanceof Uint8Array) return { Bytes: [...v] };
      if (typeof v === "string") return { Bytes: [...new TextEncoder().encode(v)] };
      return mismatch(v, dtype, where);
    case "DateTime":
      if (v instanceof Date) return { DateTime: dateToNs(v) };
      if (typeof v === "number") return { DateTime: msToNs(v) };
      if (typeof v === "string" && !Number.isNaN(Date.parse(v))) {
        return { DateTime: msToNs(Date.parse(v)) };
      }
      return mismatch(v, dtype, where);
    case "Duration":
      if (typeof v === "number") return { Duration: msToNs(v) };
      return mismatch(v, dtype, where);
    case "Json":
      return { Json: JSON.stringify(v) };
    case "Pointer":
      if (typeof v === "string" && /^\^?[0-9a-fA-F]{1,32}$/.test(v)) {
        return { Pointer: v.replace(/^\^/, "").toLowerCase().padStart(32, "0") };
      }
      return mismatch(v, dtype, where);
  }
}

/** The optional version of a literal's type (for `null` defaults). */
export function literalType(v: unknown): DType {
  return v === null || v === undefined ? NULL_DTYPE : encodeLiteral(v).dtype;
}
