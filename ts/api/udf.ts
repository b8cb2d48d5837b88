/**
 * JavaScript functions in pipelines: `tb.udf(fn, { returns, ... })` and `tb.apply(fn, ...args)`.
 * A call builds an expression; the operation using it lowers it into a `Udf` plan node (see
 * `udf-lower.ts`) and the engine hands the rows to the function in batches (`udf-driver.ts`).
 */
import type { ExprNode } from "./ast.js";
import { callSite, fail } from "./errors.js";
import { Expression, type ExprLike, toNode } from "./expression.js";
import { foldFunction, registerFold } from "./fold.js";
import { type TypeSpec, types } from "./types.js";
import { registerUdfCall, UDF_CALL } from "./udf-registry.js";

/**
 * Batch mode: the function receives one array per argument and returns an array (or a typed
 * array such as `Float64Array`) of results.
 */
export interface UdfBatchOptions {
  /** Most rows per call (default 4096). */
  maxSize?: number;
}

/** Options of `tb.udf`. */
export interface UdfOptions<R> {
  /** The result type (`tb.types.*`); required, it types the column. */
  returns: TypeSpec<R>;
  /** Call the function on arrays of rows instead of one row at a time. */
  batch?: UdfBatchOptions;
  /** Remember results by arguments for the whole run (one call per distinct arguments). */
  cache?: boolean;
  /** Calls again after a throw or rejection, this many times, waiting longer each time. */
  retries?: number;
  /** First wait before a retry, in milliseconds (doubles each retry; default 50). */
  retryDelayMs?: number;
  /** An async call that takes longer than this fails (and may be retried). */
  timeoutMs?: number;
  /**
   * `false`: the function may give different results for the same arguments; results are
   * remembered per row so that a retraction retracts the value that was emitted.
   */
  deterministic?: boolean;
  /** A null argument gives a null result without calling the function. */
  propagateNull?: boolean;
  /** Most calls of an async function running at once (default 16). */
  concurrency?: number;
  /** Name used in error messages (default: the function's own name). */
  name?: string;
}

/** Arguments of a UDF call: an expression or a plain value per parameter. */
export type UdfArgs<A extends readonly unknown[]> = { [K in keyof A]: ExprLike<A[K]> };

/** Element types of a tuple of arrays (the per-row arguments of a batch function). */
export type ElementsOf<A extends readonly unknown[]> = {
  [K in keyof A]: A[K] extends readonly (infer E)[] ? E : never;
};

/** A user function made into an expression builder: call it with columns or values. */
export type Udf<A extends readonly unknown[], R> = ((...args: UdfArgs<A>) => Expression<R>) & {
  /** The options it was made with. */
  readonly options: Readonly<UdfOptions<R>>;
};

/** A registered user function (internal). */
export interface UdfDefinition {
  /** Process-unique id. */
  readonly id: number;
  /** The user's function. */
  readonly fn: (...args: never[]) => unknown;
  /** Its options. */
  readonly options: UdfOptions<unknown>;
  /** Batch mode. */
  readonly batch: boolean;
  /** Name for messages. */
  readonly name: string;
}

let nextId = 1;

/**
 * Definitions are not kept in a process-wide table: the plan node that calls a function holds
 * it, and each serialized `Udf` operation points back to it through this weak map, so a
 * definition (e.g. of a `tb.apply` in a loop) lives exactly as long as the tables using it.
 */
const definitionOfOp = new WeakMap<object, UdfDefinition>();

/** Records which function a serialized `Udf` operation calls (internal, for lowering). */
export function bindUdfOp(op: object, def: UdfDefinition): void {
  definitionOfOp.set(op, def);
}

/** The function a serialized `Udf` operation calls (used when a plan is run). */
export function udfOfOp(op: object): UdfDefinition | undefined {
  return definitionOfOp.get(op);
}

/** Functions of the runs in progress, with how many runs use each. */
const active = new Map<UdfDefinition, number>();

/** Marks `defs` as used by a run that starts; `releaseUdfs` undoes it when the run ends. */
export function acquireUdfs(defs: readonly UdfDefinition[]): void {
  for (const def of defs) active.set(def, (active.get(def) ?? 0) + 1);
}

/** The run that acquired `defs` ended: forgets them unless another run uses them. */
export function releaseUdfs(defs: readonly UdfDefinition[]): void {
  for (const def of defs) {
    const n = (active.get(def) ?? 1) - 1;
    if (n <= 0) active.delete(def);
    else active.set(def, n);
  }
}

/** How many function definitions the runs in progress hold (internal; tests). */
export function activeUdfCount(): number {
  return active.size;
}

function check(options: UdfOptions<unknown>, site: string | undefined): void {
  const count = (v: number | undefined, what: string, min: number): void => {
    if (v !== undefined && (!Number.isFinite(v) || v < min || !Number.isInteger(v))) {
      fail("INVALID_ARGUMENT", `tb.udf: ${what} must be an integer >= ${min}, got ${v}`, site);
    }
  };
  if (!options || typeof options !== "object" || !options.returns) {
    fail("INVALID_ARGUMENT", "tb.udf: give the result type, e.g. { returns: tb.types.int }", site);
  }
  count(options.batch?.maxSize, "batch.maxSize", 1);
  count(options.retries, "retries", 0);
  count(options.concurrency, "concurrency", 1);
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    fail("INVALID_ARGUMENT", `tb.udf: timeoutMs must be positive, got ${options.timeoutMs}`, site);
  }
}

/** Registers a user function (internal: `tb.udf`, folds). */
export function define(
  fn: (...args: never[]) => unknown,
  options: UdfOptions<unknown>,
  site: string | undefined,
): UdfDefinition {
  if (typeof fn !== "function") fail("INVALID_ARGUMENT", "tb.udf: expected a function", site);
  check(options, site);
  const def: UdfDefinition = {
    id: nextId++,
    fn,
    options: { ...options },
    batch: options.batch !== undefined,
    name: options.name ?? (fn.name || "anonymous"),
  };
  return def;
}

function callExpression<R>(
  def: UdfDefinition,
  args: readonly unknown[],
  site?: string,
): Expression<R> {
  const expected = def.fn.length;
  if (def.fn.length > 0 && args.length !== expected) {
    fail(
      "INVALID_ARGUMENT",
      `${def.name}: called with ${args.length} argument(s) but the function takes ${expected}`,
      site,
    );
  }
  const node: ExprNode = { k: "call", f: UDF_CALL, args: args.map(toNode), site };
  registerUdfCall(node, {
    dtype: def.options.returns.dtype,
    propagateNull: def.options.propagateNull === true,
  });
  udfOfNode.set(node, def);
  return new Expression<R>(node);
}

const udfOfNode = new WeakMap<ExprNode, UdfDefinition>();

/** The user function called by a call node (internal, for lowering). */
export function udfOf(node: ExprNode): UdfDefinition | undefined {
  return udfOfNode.get(node);
}

/**
 * Makes a JavaScript function usable in pipelines. Without `batch` it is called once per row
 * (sync or async); with `batch` it receives one array per argument and returns an array.
 */
export function udf<A extends unknown[], R>(
  fn: (...args: A) => NoInfer<R> | Promise<NoInfer<R>>,
  options: UdfOptions<R> & { batch?: undefined },
): Udf<A, R>;
export function udf<A extends unknown[][], R>(
  fn: (...args: A) => ArrayLike<NoInfer<R>> | Promise<ArrayLike<NoInfer<R>>>,
  options: UdfOptions<R> & { batch: UdfBatchOptions },
): Udf<ElementsOf<A>, R>;
export function udf(
  fn: (...args: never[]) => unknown,
  options: UdfOptions<unknown>,
): Udf<unknown[], unknown> {
  const def = define(fn, options, callSite());
  const call = (...args: unknown[]): Expression<unknown> => callExpression(def, args, callSite());
  return Object.assign(call, { options: def.options }) as Udf<unknown[], unknown>;
}

/** Calls `fn` on each row's values of `args` (a one-off `tb.udf`; the column is untyped). */
export function apply<A extends unknown[], R>(
  fn: (...args: A) => R | Promise<R>,
  ...args: UdfArgs<A>
): Expression<Awaited<R>> {
  const site = callSite();
  const def = define(fn as (...args: never[]) => unknown, { returns: types.any }, site);
  return callExpression<Awaited<R>>(def, args, site);
}

/** Options of `tb.reducers.stateful`. */
export interface StatefulOptions<S, A extends unknown[] = unknown[]> {
  /** The result type. */
  returns: TypeSpec<S>;
  /**
   * Takes one row's values back out of a state (the inverse of `combine`). With it, a group
   * that loses rows is updated from its state; without it, such a group is folded again
   * from `null` over its remaining rows.
   */
  retract?: (state: S, ...values: A) => NoInfer<S>;
  /** Most groups per call of the combining function's batch (default 1024). */
  maxGroups?: number;
  /** Name used in error messages. */
  name?: string;
}

/**
 * A custom reducer in JavaScript: each group's state is `combine(state, ...values)` folded
 * over its rows from `null`. The engine keeps every group's state: a commit that adds rows
 * to a group combines just those rows into the state it has (in row-id order, or the
 * groupBy's `sortBy` order); rows removed are taken out with `retract` when given, else the
 * group is folded again over its remaining rows. Groups are handed over in batches.
 */
export function stateful<S, A extends unknown[]>(
  combine: (state: S | null, ...values: A) => NoInfer<S>,
  options: StatefulOptions<S, A>,
  ...args: UdfArgs<A>
): Expression<S> {
  const site = callSite();
  if (typeof combine !== "function") {
    fail("INVALID_ARGUMENT", "reducers.stateful: expected a combine function", site);
  }
  if (options?.retract !== undefined && typeof options.retract !== "function") {
    fail("INVALID_ARGUMENT", "reducers.stateful: retract must be a function", site);
  }
  if (!options || typeof options !== "object" || !options.returns) {
    fail(
      "INVALID_ARGUMENT",
      "reducers.stateful: give the result type, e.g. { returns: tb.types.int }",
      site,
    );
  }
  const name = options.name ?? (combine.name || "stateful");
  const def = define(
    foldFunction(combine, options.retract) as (...args: never[]) => unknown,
    { returns: options.returns, batch: { maxSize: options.maxGroups ?? 1024 }, name },
    site,
  );
  const node: ExprNode = {
    k: "reducer",
    kind: "stateful",
    args: args.map(toNode),
    skipNones: false,
    site,
  };
  registerFold(node, {
    def,
    retractable: options.retract !== undefined,
    dtype: options.returns.dtype,
    maxGroups: options.maxGroups,
  });
  return new Expression<S>(node);
}
