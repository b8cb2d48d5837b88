/**
 * Lowering of user-function calls: while an operation compiles its expressions, every
 * `tb.udf` call met is turned into a `Udf` plan node over the operation's input that appends
 * the function's result as a new column; the call itself compiles to a reference to that
 * column. The engine thus never calls JavaScript from expression evaluation.
 */
import type { Compiled, ExprNode } from "./ast.js";
import { type CompileContext, compile } from "./compile.js";
import { type DType, isOptional, optional } from "./dtype.js";
import type { PlanExpr, PlanUdfOptions } from "./plan.js";
import { PlanNode } from "./plan.js";
import { bindUdfOp, type UdfDefinition, udfOf } from "./udf.js";
import { udfCallInfo } from "./udf-registry.js";

interface LoweredCall {
  def: UdfDefinition;
  args: PlanExpr[];
  dtype: DType;
  options: PlanUdfOptions;
}

/**
 * Default rows per call, for one-row-at-a-time functions (the batching is the engine's: one
 * JS call runs the loop over the batch) and batch functions without `maxSize`.
 */
export const DEFAULT_BATCH = 4096;

/**
 * Most rows per crossing to JavaScript (split there into calls of the batch size). With
 * `MAX_IN_FLIGHT` crossings out, one operator takes more rows per step than a source polls
 * (64K), so rows do not pile up in the engine while the function keeps pace.
 */
const CROSSING_ROWS = 16384;

/** Batches of one operator (per worker) out in JavaScript at once. */
const MAX_IN_FLIGHT = 8;

/**
 * Collects the user-function calls of one operation over `input`. Without `input` (the
 * operation's own output, not known yet: functions over reduce results), calls compile to
 * placeholder columns `-(k + 1)` that `finishOver` renumbers.
 */
export class UdfLowering {
  readonly #input: PlanNode | undefined;
  readonly #site: string | undefined;
  readonly #calls: LoweredCall[] = [];
  readonly #done = new Map<ExprNode, Compiled>();

  constructor(input: PlanNode | undefined, site: string | undefined) {
    this.#input = input;
    this.#site = site;
  }

  /** The `udf` hook of a `CompileContext`. */
  readonly handler = (node: Extract<ExprNode, { k: "call" }>, ctx: CompileContext): Compiled => {
    const known = this.#done.get(node);
    if (known) return known;
    const def = udfOf(node);
    const info = udfCallInfo(node);
    if (!def || !info) throw new Error("internal: not a user-function call");
    const args = node.args.map((a) => compile(a, ctx));
    const nullable = info.propagateNull && args.some((a) => isOptional(a.dtype));
    const dtype = nullable ? optional(info.dtype) : info.dtype;
    const col = this.#input
      ? this.#input.columns.length + this.#calls.length
      : -(this.#calls.length + 1);
    const o = def.options;
    this.#calls.push({
      def,
      args: args.map((a) => a.expr),
      dtype,
      options: {
        name: def.name,
        max_batch: o.batch?.maxSize ?? DEFAULT_BATCH,
        // Small calls share crossings: the driver splits a crossing into calls of `maxSize`.
        crossing_rows: Math.max(o.batch?.maxSize ?? DEFAULT_BATCH, CROSSING_ROWS),
        max_in_flight: MAX_IN_FLIGHT,
        deterministic: o.deterministic !== false,
        cache: o.cache === true,
        propagate_null: o.propagateNull === true,
      },
    });
    const compiled: Compiled = { expr: { Col: col }, dtype };
    this.#done.set(node, compiled);
    return compiled;
  };

  /** True when no call was lowered. */
  get empty(): boolean {
    return this.#calls.length === 0;
  }

  /** The input with one appended column per lowered call (the input itself when none). */
  finish(): PlanNode {
    if (!this.#input) throw new Error("internal: finish() of a placeholder lowering");
    return this.#chain(this.#input);
  }

  /**
   * A select over the input whose expressions call functions, fused into the last call: the
   * calls before it append their columns as usual, and the last `Udf` node outputs the
   * select's columns (`exprs` over the row with the call results appended) directly, so no
   * intermediate row is built for it.
   */
  finishSelect(
    columns: readonly string[],
    dtypes: readonly DType[],
    exprs: PlanExpr[],
    operation: string,
  ): PlanNode {
    const input = this.#input;
    if (!input || this.#calls.length === 0) throw new Error("internal: nothing to fuse");
    const last = this.#calls.length - 1;
    const prev = this.#chainUpTo(input, last);
    const call = this.#calls[last]!;
    const node = new PlanNode(
      columns,
      dtypes,
      [prev],
      (ix) => {
        const options = { ...call.options, returns: call.dtype };
        const udf = { input: ix(prev), udf: call.def.id, args: call.args, options, project: exprs };
        bindUdfOp(udf, call.def);
        return { Udf: udf };
      },
      this.#site,
      operation,
    );
    const width = prev.columns.length;
    node.carry = {
      from: prev,
      map: exprs.map((e) => ("Col" in e && e.Col < width ? e.Col : -1)),
    };
    return node;
  }

  /** Placeholder mode: the calls over `node`, their placeholder columns renumbered. */
  finishOver(node: PlanNode): PlanNode {
    const width = node.columns.length;
    for (const call of this.#calls) call.args = call.args.map((a) => renumber(a, width));
    return this.#chain(node);
  }

  #chain(input: PlanNode): PlanNode {
    return this.#chainUpTo(input, this.#calls.length);
  }

  /** The first `count` calls chained over `input`. */
  #chainUpTo(input: PlanNode, count: number): PlanNode {
    let node = input;
    this.#calls.slice(0, count).forEach((call, k) => {
      const prev = node;
      const next = new PlanNode(
        [...prev.columns, `__udf${input.uid}_${k}`],
        [...prev.dtypes, call.dtype],
        [prev],
        (ix) => {
          const udf = { input: ix(prev), udf: call.def.id, args: call.args, options: call.options };
          bindUdfOp(udf, call.def);
          return { Udf: udf };
        },
        this.#site,
        "udf",
      );
      next.carry = { from: prev, map: [...prev.columns.map((_, i) => i), -1] };
      node = next;
    });
    return node;
  }
}

/** Replaces placeholder columns `-(k + 1)` by `width + k`. */
export function renumber(expr: PlanExpr, width: number): PlanExpr {
  if ("Col" in expr) return expr.Col < 0 ? { Col: width - expr.Col - 1 } : expr;
  if ("Call" in expr) {
    return { Call: { f: expr.Call.f, args: expr.Call.args.map((a) => renumber(a, width)) } };
  }
  if ("Cast" in expr) return { Cast: { to: expr.Cast.to, arg: renumber(expr.Cast.arg, width) } };
  return expr;
}

/** A select over `node` keeping its first `width` columns (drops lowered columns). */
export function trimTo(node: PlanNode, width: number, site: string | undefined): PlanNode {
  if (node.columns.length === width) return node;
  const exprs: PlanExpr[] = node.columns.slice(0, width).map((_, i) => ({ Col: i }));
  const trimmed = new PlanNode(
    node.columns.slice(0, width),
    node.dtypes.slice(0, width),
    [node],
    (ix) => ({ Select: { input: ix(node), exprs } }),
    site,
    "select",
  );
  trimmed.carry = { from: node, map: exprs.map((_, i) => i) };
  return trimmed;
}
