/**
 * Parsing of `select`/`reduce` arguments (positional columns and/or an object of named
 * expressions) and the static row types they produce.
 */
import type { ExprNode } from "./ast.js";
import { fail } from "./errors.js";
import { Expression, exprNode, toNode, type ValueOfExpr } from "./expression.js";

/** Named output expressions (`{ name: expression-or-value }`). */
export type NamedExprs = Record<string, unknown>;

/** Flattens an intersection for readable types. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The row type of named expressions. */
export type RowFromNamed<E> = { [K in keyof E]: ValueOfExpr<E[K]> };

/** A positional column argument (a column reference, possibly of an unrelated type). */
export type ColumnArg = Expression<unknown> & { readonly columnName: string };

/** The row entry of one positional column reference. */
export type ColumnEntry<E> = E extends {
  readonly columnName: infer N extends string;
  readonly __type: infer T;
}
  ? { [K in N]: T }
  : unknown;

/** The row type of positional column references. */
export type RowFromColumns<C extends readonly unknown[]> = C extends readonly [
  infer H,
  ...infer Rest,
]
  ? ColumnEntry<H> & RowFromColumns<Rest>
  : unknown;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || v instanceof Expression) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Turns select-style arguments into `[name, tree]` pairs; names must be unique. */
export function parseOutputs(
  args: readonly unknown[],
  operation: string,
  site: string | undefined,
): Array<[string, ExprNode]> {
  const out: Array<[string, ExprNode]> = [];
  args.forEach((arg, i) => {
    if (isPlainObject(arg)) {
      if (i !== args.length - 1) {
        fail("INVALID_ARGUMENT", `${operation}: named expressions must come last`, site);
      }
      for (const [name, value] of Object.entries(arg)) out.push([name, toNode(value)]);
      return;
    }
    if (arg instanceof Expression) {
      const node = arg[exprNode];
      if (node.k === "col") out.push([node.name, node]);
      else if (node.k === "id") out.push(["id", node]);
      else {
        fail(
          "INVALID_ARGUMENT",
          `${operation}: positional argument ${i + 1} is not a column; give it a name ({ name: expr })`,
          site,
        );
      }
      return;
    }
    fail(
      "INVALID_ARGUMENT",
      `${operation}: argument ${i + 1} must be a column or an object of named expressions`,
      site,
    );
  });
  const seen = new Set<string>();
  for (const [name] of out) {
    if (seen.has(name))
      fail("INVALID_ARGUMENT", `${operation}: duplicate output column "${name}"`, site);
    seen.add(name);
  }
  return out;
}

/** Splits trailing options (a plain object) from expression arguments. */
export function splitOptions<O extends object>(
  args: readonly unknown[],
): [unknown[], O | undefined] {
  const last = args[args.length - 1];
  if (args.length > 0 && isPlainObject(last)) return [args.slice(0, -1), last as O];
  return [[...args], undefined];
}

export { isPlainObject };
