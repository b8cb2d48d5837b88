/**
 * Reducers (`tb.reducers.*`), used inside `reduce({...})`.
 */
import type { ExprNode } from "./ast.js";
import { callSite } from "./errors.js";
import { Expression, type ExprLike, toNode } from "./expression.js";
import type { Pointer } from "./types.js";
import { stateful } from "./udf.js";

/** Options of `tuple`/`sortedTuple`. */
export interface TupleReducerOptions {
  /** Leave out null values. */
  skipNones?: boolean;
}

function reducer<T>(kind: string, args: unknown[], skipNones = false): Expression<T> {
  const node: ExprNode = {
    k: "reducer",
    kind,
    args: args.map(toNode),
    skipNones,
    site: callSite(),
  };
  return new Expression<T>(node);
}

/** The reducers. */
export const reducers = {
  /** A custom reducer in JavaScript (`combine(state, ...values)` folded over each group). */
  stateful,
  /** Number of rows. */
  count: (): Expression<number> => reducer("count", []),
  /** Number of distinct values. */
  countDistinct: (value: ExprLike<unknown>): Expression<number> =>
    reducer("countDistinct", [value]),
  /** Sum (int for ints, float for floats). */
  sum: <T>(value: ExprLike<T>): Expression<T> => reducer("sum", [value]),
  /** Mean, a float. */
  avg: (value: ExprLike<unknown>): Expression<number> => reducer("avg", [value]),
  /** Smallest value. */
  min: <T>(value: ExprLike<T>): Expression<T> => reducer("min", [value]),
  /** Largest value. */
  max: <T>(value: ExprLike<T>): Expression<T> => reducer("max", [value]),
  /** Id of the row with the smallest value. */
  argmin: (value: ExprLike<unknown>): Expression<Pointer> => reducer("argmin", [value]),
  /** Id of the row with the largest value. */
  argmax: (value: ExprLike<unknown>): Expression<Pointer> => reducer("argmax", [value]),
  /** Any one of the values (deterministic for the same input). */
  any: <T>(value: ExprLike<T>): Expression<T> => reducer("any", [value]),
  /** The value shared by every row of the group (an error value when they differ). */
  unique: <T>(value: ExprLike<T>): Expression<T> => reducer("unique", [value]),
  /** All values (in row-id order). */
  tuple: <T>(value: ExprLike<T>, options: TupleReducerOptions = {}): Expression<T[]> =>
    reducer("tuple", [value], options.skipNones ?? false),
  /** All values, sorted. */
  sortedTuple: <T>(value: ExprLike<T>, options: TupleReducerOptions = {}): Expression<T[]> =>
    reducer("sortedTuple", [value], options.skipNones ?? false),
  /** The value that arrived first. */
  earliest: <T>(value: ExprLike<T>): Expression<T> => reducer("earliest", [value]),
  /** The value that arrived last. */
  latest: <T>(value: ExprLike<T>): Expression<T> => reducer("latest", [value]),
  /** All values as an array (numbers). */
  ndarray: <T>(value: ExprLike<T>): Expression<T[]> => reducer("ndarray", [value]),
} as const;
