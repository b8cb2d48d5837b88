/**
 * Expression functions: `tb.ifElse`, `tb.coalesce`, `tb.lit`, `tb.makeTuple`, `tb.unwrap`,
 * `tb.require`.
 */
import { callNode, Expression, type ExprLike, type NonNull, wrap } from "./expression.js";
import type { TypeSpec } from "./types.js";
import { encodeValue } from "./values.js";

/** `cond ? a : b`, evaluating only the branch taken. */
export function ifElse<A, B>(
  cond: ExprLike<boolean | null>,
  a: ExprLike<A>,
  b: ExprLike<B>,
): Expression<A | B> {
  return new Expression(callNode("ifElse", [cond, a, b]));
}

/** The first non-null argument. */
export function coalesce<T>(...args: ExprLike<T>[]): Expression<NonNull<T>> {
  return new Expression(callNode("coalesce", args));
}

/** A constant; with a type, the value is encoded as that type (`tb.lit(5, tb.types.float)`). */
export function lit<T>(value: T, type?: TypeSpec<T>): Expression<T> {
  if (type === undefined) return wrap<T>({ k: "lit", value });
  encodeValue(value, type.dtype, "tb.lit");
  return wrap<T>({ k: "lit", value, dtype: type.dtype });
}

/** A tuple of the values. */
export function makeTuple<const T extends readonly unknown[]>(
  ...args: { [K in keyof T]: ExprLike<T[K]> }
): Expression<{ -readonly [K in keyof T]: T[K] }> {
  return new Expression(callNode("makeTuple", args));
}

/** The value with null excluded (an error value when it is null). */
export function unwrap<T>(value: ExprLike<T>): Expression<NonNull<T>> {
  return new Expression(callNode("unwrap", [value]));
}

/** `value`, or null when any of `deps` is null (then `value` is not evaluated). */
export function require<T>(value: ExprLike<T>, ...deps: ExprLike<unknown>[]): Expression<T | null> {
  return new Expression(callNode("require", [value, ...deps]));
}
