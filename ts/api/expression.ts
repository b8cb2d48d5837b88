/**
 * Typed expressions (`Expression<T>`): methods build an expression tree that the engine
 * evaluates; `T` is the JavaScript type of the values.
 */
import { type ExprNode, isConcrete, type RefSource } from "./ast.js";
import { eagerType } from "./compile.js";
import type { DType } from "./dtype.js";
import { callSite } from "./errors.js";
import type { Pointer, TypeSpec } from "./types.js";

/** The key under which an expression keeps its tree (not a user-visible property). */
export const exprNode: unique symbol = Symbol("tributary.exprNode");

/** An expression, or a plain JS value used as a literal. */
export type ExprLike<T> = Expression<T> | Expression<unknown> | T;

/** `T` without `null`/`undefined`. */
export type NonNull<T> = Exclude<T, null | undefined>;
/** `R`, or `R | null` when either operand may be null. */
export type NullableIf<T, U, R> = null extends T ? R | null : null extends U ? R | null : R;
/** The JS result type of `add`/`sub`/… on `T` and `U`. */
export type ArithResult<T, U> = unknown extends T
  ? unknown
  : unknown extends U
    ? unknown
    : NonNull<T> extends Date
      ? NonNull<U> extends Date
        ? number
        : Date
      : NonNull<T> extends string
        ? string
        : number;
/** The JS type of `get(key)` on a `T`. */
export type GetResult<T, K> =
  NonNull<T> extends readonly unknown[]
    ? K extends keyof NonNull<T>
      ? NonNull<T>[K]
      : NonNull<T>[number]
    : unknown;
/** The JS type of an expression-like value. */
export type ValueOfExpr<E> = E extends Expression<infer T> ? T : E;

const typeCache = new WeakMap<ExprNode, DType>();

/** Builds a call node at the user's call site and type-checks it when it can already. */
export function callNode(f: string, args: readonly unknown[]): ExprNode {
  const node: ExprNode = { k: "call", f, args: args.map(toNode), site: callSite() };
  check(node);
  return node;
}

function check(node: ExprNode): void {
  if (isConcrete(node)) typeCache.set(node, eagerType(node, typeCache));
}

/** The tree of an expression-like value (plain values become literals). */
export function toNode(value: unknown): ExprNode {
  if (value instanceof Expression) return value[exprNode];
  return { k: "lit", value };
}

/** Wraps a tree. */
export function wrap<T>(node: ExprNode): Expression<T> {
  return new Expression<T>(node);
}

function call<R>(f: string, ...args: unknown[]): Expression<R> {
  return new Expression<R>(callNode(f, args));
}

/** String functions (`e.str.*`). */
export class StringNamespace<T> {
  readonly #e: Expression<unknown>;
  constructor(e: Expression<unknown>) {
    this.#e = e;
  }
  /** Lower case. */
  lower(): Expression<NullableIf<T, never, string>> {
    return call("str.lower", this.#e);
  }
  /** Upper case. */
  upper(): Expression<NullableIf<T, never, string>> {
    return call("str.upper", this.#e);
  }
  /** Length in characters. */
  len(): Expression<NullableIf<T, never, number>> {
    return call("str.len", this.#e);
  }
  /** True when `sub` occurs. */
  contains(sub: ExprLike<string>): Expression<NullableIf<T, never, boolean>> {
    return call("str.contains", this.#e, sub);
  }
  /** True when the string starts with `prefix`. */
  startsWith(prefix: ExprLike<string>): Expression<NullableIf<T, never, boolean>> {
    return call("str.startsWith", this.#e, prefix);
  }
  /** True when the string ends with `suffix`. */
  endsWith(suffix: ExprLike<string>): Expression<NullableIf<T, never, boolean>> {
    return call("str.endsWith", this.#e, suffix);
  }
  /** Replaces every occurrence of `from` by `to`. */
  replace(from: ExprLike<string>, to: ExprLike<string>): Expression<NullableIf<T, never, string>> {
    return call("str.replace", this.#e, from, to);
  }
  /** Characters `[start, end)` (negative counts from the end). */
  slice(start: ExprLike<number>, end?: ExprLike<number>): Expression<NullableIf<T, never, string>> {
    return end === undefined
      ? call("str.slice", this.#e, start)
      : call("str.slice", this.#e, start, end);
  }
  /** Splits on `separator` (on whitespace when omitted). */
  split(separator?: ExprLike<string>): Expression<NullableIf<T, never, string[]>> {
    return separator === undefined
      ? call("str.split", this.#e)
      : call("str.split", this.#e, separator);
  }
  /** Removes leading and trailing whitespace (or the given characters). */
  strip(chars?: ExprLike<string>): Expression<NullableIf<T, never, string>> {
    return chars === undefined ? call("str.strip", this.#e) : call("str.strip", this.#e, chars);
  }
  /** Parses an integer: an error value when it does not parse, or null with `{ optional: true }`. */
  parseInt(options: { optional?: boolean } = {}): Expression<NullableIf<T, never, number>> {
    return options.optional ? call("str.parseInt", this.#e, true) : call("str.parseInt", this.#e);
  }
  /** Parses a float: an error value when it does not parse, or null with `{ optional: true }`. */
  parseFloat(options: { optional?: boolean } = {}): Expression<NullableIf<T, never, number>> {
    return options.optional
      ? call("str.parseFloat", this.#e, true)
      : call("str.parseFloat", this.#e);
  }
  /** Concatenates this string with others. */
  concat(...others: ExprLike<string | null>[]): Expression<NullableIf<T, never, string>> {
    return call("str.concat", this.#e, ...others);
  }
}

/** Numeric functions (`e.num.*`). */
export class NumberNamespace<T> {
  readonly #e: Expression<unknown>;
  constructor(e: Expression<unknown>) {
    this.#e = e;
  }
  /** Absolute value. */
  abs(): Expression<T> {
    return call("num.abs", this.#e);
  }
  /** Rounds to `digits` decimals (0 when omitted). */
  round(digits?: ExprLike<number>): Expression<T> {
    return digits === undefined ? call("num.round", this.#e) : call("num.round", this.#e, digits);
  }
  /** Rounds down. */
  floor(): Expression<T> {
    return call("num.floor", this.#e);
  }
  /** Rounds up. */
  ceil(): Expression<T> {
    return call("num.ceil", this.#e);
  }
}

/** Units of `dt.timestamp`. */
export type TimestampUnit = "s" | "ms" | "us" | "ns";

/** Datetime functions (`e.dt.*`). Durations are milliseconds. */
export class DateTimeNamespace<T> {
  readonly #e: Expression<unknown>;
  constructor(e: Expression<unknown>) {
    this.#e = e;
  }
  /** Rounds down to a multiple of `duration` (ms) since the epoch. */
  floor(duration: ExprLike<number>): Expression<T> {
    return call("dt.floor", this.#e, duration);
  }
  /** Rounds to the nearest multiple of `duration` (ms). */
  round(duration: ExprLike<number>): Expression<T> {
    return call("dt.round", this.#e, duration);
  }
  /** Year (UTC). */
  year(): Expression<NullableIf<T, never, number>> {
    return call("dt.year", this.#e);
  }
  /** Month 1–12 (UTC). */
  month(): Expression<NullableIf<T, never, number>> {
    return call("dt.month", this.#e);
  }
  /** Day of the month 1–31 (UTC). */
  day(): Expression<NullableIf<T, never, number>> {
    return call("dt.day", this.#e);
  }
  /** Hour 0–23 (UTC). */
  hour(): Expression<NullableIf<T, never, number>> {
    return call("dt.hour", this.#e);
  }
  /** Minute 0–59. */
  minute(): Expression<NullableIf<T, never, number>> {
    return call("dt.minute", this.#e);
  }
  /** Second 0–59. */
  second(): Expression<NullableIf<T, never, number>> {
    return call("dt.second", this.#e);
  }
  /** Milliseconds within the second, 0–999. */
  millisecond(): Expression<NullableIf<T, never, number>> {
    return call("dt.millisecond", this.#e);
  }
  /** Microseconds within the second. */
  microsecond(): Expression<NullableIf<T, never, number>> {
    return call("dt.microsecond", this.#e);
  }
  /** Nanoseconds within the second. */
  nanosecond(): Expression<NullableIf<T, never, number>> {
    return call("dt.nanosecond", this.#e);
  }
  /** Day of the week, 0 = Monday … 6 = Sunday (UTC). */
  weekday(): Expression<NullableIf<T, never, number>> {
    return call("dt.weekday", this.#e);
  }
  /** Time since the epoch as a float in `unit` (milliseconds by default, like `Date#getTime`). */
  timestamp(unit: TimestampUnit = "ms"): Expression<NullableIf<T, never, number>> {
    return call("dt.timestamp", this.#e, unit);
  }
  /** Formats with a strftime pattern (`%Y-%m-%d`). */
  strftime(format: ExprLike<string>): Expression<NullableIf<T, never, string>> {
    return call("dt.strftime", this.#e, format);
  }
  /** Parses a string with a strftime pattern into a datetime. */
  strptime(format: ExprLike<string>): Expression<NullableIf<T, never, Date>> {
    return call("dt.strptime", this.#e, format);
  }
}

/** A value computed per row by the engine. Build with methods, never JS operators. */
export class Expression<T> {
  /** Phantom field carrying `T` (never set). */
  declare readonly __type: T;
  /** The expression tree. */
  readonly [exprNode]: ExprNode;

  constructor(node: ExprNode) {
    this[exprNode] = node;
  }

  /** `this + other` (numbers, strings, datetime + duration). */
  add<U>(other: ExprLike<U>): Expression<NullableIf<T, U, ArithResult<T, U>>> {
    return call("add", this, other);
  }
  /** `this - other`. */
  sub<U>(other: ExprLike<U>): Expression<NullableIf<T, U, ArithResult<T, U>>> {
    return call("sub", this, other);
  }
  /** `this * other`. */
  mul<U>(other: ExprLike<U>): Expression<NullableIf<T, U, number>> {
    return call("mul", this, other);
  }
  /** `this / other`, always a float. */
  div<U>(other: ExprLike<U>): Expression<NullableIf<T, U, number>> {
    return call("div", this, other);
  }
  /** Division rounded toward minus infinity. */
  floorDiv<U>(other: ExprLike<U>): Expression<NullableIf<T, U, number>> {
    return call("floorDiv", this, other);
  }
  /** Remainder with the sign of the divisor (`a = b*floorDiv(a,b) + mod(a,b)`). */
  mod<U>(other: ExprLike<U>): Expression<NullableIf<T, U, number>> {
    return call("mod", this, other);
  }
  /** `this ** other`. */
  pow<U>(other: ExprLike<U>): Expression<NullableIf<T, U, number>> {
    return call("pow", this, other);
  }
  /** `-this`. */
  neg(): Expression<T> {
    return call("neg", this);
  }
  /** Equality (null equals null). */
  eq(other: ExprLike<unknown>): Expression<boolean> {
    return call("eq", this, other);
  }
  /** Inequality. */
  ne(other: ExprLike<unknown>): Expression<boolean> {
    return call("ne", this, other);
  }
  /** `this < other`. */
  lt<U>(other: ExprLike<U>): Expression<NullableIf<T, U, boolean>> {
    return call("lt", this, other);
  }
  /** `this <= other`. */
  le<U>(other: ExprLike<U>): Expression<NullableIf<T, U, boolean>> {
    return call("le", this, other);
  }
  /** `this > other`. */
  gt<U>(other: ExprLike<U>): Expression<NullableIf<T, U, boolean>> {
    return call("gt", this, other);
  }
  /** `this >= other`. */
  ge<U>(other: ExprLike<U>): Expression<NullableIf<T, U, boolean>> {
    return call("ge", this, other);
  }
  /** Logical and (evaluates `other` only when needed). */
  and<U>(other: ExprLike<U>): Expression<NullableIf<T, U, boolean>> {
    return call("and", this, other);
  }
  /** Logical or (evaluates `other` only when needed). */
  or<U>(other: ExprLike<U>): Expression<NullableIf<T, U, boolean>> {
    return call("or", this, other);
  }
  /** Logical not. */
  not(): Expression<NullableIf<T, never, boolean>> {
    return call("not", this);
  }
  /** True when the value is null. */
  isNull(): Expression<boolean> {
    return call("isNull", this);
  }
  /** True when the value is not null. */
  isNotNull(): Expression<boolean> {
    return call("isNotNull", this);
  }
  /** Converts to another type (an error value when the conversion fails). */
  cast<V>(type: TypeSpec<V>): Expression<null extends T ? V | null : V> {
    const node: ExprNode = { k: "cast", to: type.dtype, arg: this[exprNode], site: callSite() };
    check(node);
    return new Expression(node);
  }
  /** Replaces null by `value`. */
  fillNull<U>(value: ExprLike<U>): Expression<NonNull<T> | U> {
    return call("fillNull", this, value);
  }
  /** Replaces an error value (a failed parse or computation) by `value`. */
  fillError<U>(value: ExprLike<U>): Expression<T | U> {
    return call("fillError", this, value);
  }
  /** True when the value is an error value (never itself an error). */
  isError(): Expression<boolean> {
    return call("isError", this);
  }
  /** The value as a string. */
  asString(): Expression<NullableIf<T, never, string>> {
    return call("asString", this);
  }
  /** An element of a tuple, array or JSON value (`defaultValue` when absent). */
  get<K extends number | string>(key: ExprLike<K>): Expression<GetResult<T, K>>;
  get<K extends number | string, D>(
    key: ExprLike<K>,
    defaultValue: ExprLike<D>,
  ): Expression<GetResult<T, K> | D>;
  get(key: unknown, ...rest: unknown[]): Expression<unknown> {
    return call("get", this, key, ...rest);
  }
  /** String functions. */
  get str(): StringNamespace<T> {
    return new StringNamespace(this);
  }
  /** Numeric functions. */
  get num(): NumberNamespace<T> {
    return new NumberNamespace(this);
  }
  /** Datetime functions. */
  get dt(): DateTimeNamespace<T> {
    return new DateTimeNamespace(this);
  }
}

/** A reference to a column (`t.amount`, `tb.this.amount`); `N` is the column name. */
export class ColumnExpression<T, N extends string = string> extends Expression<T> {
  /** The column name. */
  readonly columnName: N;

  constructor(node: ExprNode, name: N) {
    super(node);
    this.columnName = name;
  }
}

/** A reference to column `name` of `src`. */
export function columnRef<T, N extends string>(src: RefSource, name: N): ColumnExpression<T, N> {
  return new ColumnExpression<T, N>({ k: "col", src, name }, name);
}

/** The row-id reference of a table (`t.id`). */
export function idRef(src: RefSource): ColumnExpression<Pointer, "id"> {
  return new ColumnExpression<Pointer, "id">({ k: "id", src }, "id");
}
