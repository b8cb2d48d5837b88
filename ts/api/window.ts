/**
 * `t.windowBy(time, { window, instance, behavior }).reduce({...})` and
 * `t.windowJoin(u, t.at, u.at, window, ...conditions, { how })`: window assignment is one
 * `WindowAssign` plan node (the input's columns plus `_start`, `_end`, `_instance`); the
 * reduce groups by `[_instance, _start, _end]`; with `keepResults` and a cutoff a
 * `WindowFreeze` node keeps the results of windows the engine has forgotten.
 */
import type { ExprNode, RefSource } from "./ast.js";
import { compile, tableScope } from "./compile.js";
import { type DType, dtypeName, optional, unoptional } from "./dtype.js";
import { callSite, fail } from "./errors.js";
import { type ExprLike, Expression, exprNode, toNode, wrap } from "./expression.js";
import { buildReduce } from "./groupby.js";
import { JoinResult } from "./join.js";
import { joinBehaviorJson } from "./join-behavior.js";
import {
  type JoinKind,
  PlanNode,
  type PlanValue,
  type PlanWindowBehavior,
  type PlanWindowSpec,
} from "./plan.js";
import type { Row } from "./schema.js";
import type {
  ColumnArg,
  NamedExprs,
  RowFromColumns,
  RowFromNamed,
  Simplify,
} from "./select-args.js";
import { isPlainObject } from "./select-args.js";
import type { Behavior, TimeLike, Window } from "./temporal.js";
import { makeTable, type Table } from "./table.js";
import { dateToNs, msToNs, NULL_DTYPE } from "./values.js";

/** Options of `windowBy`. */
export interface WindowByOptions {
  /** The window kind (`tb.temporal.tumbling(...)`, …). */
  window: Window;
  /** Windows are separate per value of this expression (`_instance`). */
  instance?: ExprLike<unknown>;
  /** Delay, cutoff and forgetting (`tb.temporal.commonBehavior(...)`, …). */
  behavior?: Behavior;
}

/** Options of `windowJoin` (last argument). */
export interface WindowJoinOptions {
  /** Which unmatched rows stay (default inner). */
  how?: "inner" | "left" | "right" | "outer";
  /**
   * `tb.temporal.commonBehavior(...)`: delay (from `_start`), cutoff (from `_end`) and
   * forgetting of each side's windowed rows, each side tracking its own greatest time seen.
   */
  behavior?: Behavior;
}

/** Columns a windowed table adds to its input. */
export interface WindowColumns {
  _start: unknown;
  _end: unknown;
  _instance: unknown;
}

type Axis = "Int" | "Float" | "DateTime";

function axisOf(dtype: DType, what: string, site: string | undefined): Axis {
  const base = unoptional(dtype);
  if (base === "Int" || base === "Float" || base === "DateTime") return base;
  return fail(
    "TYPE_MISMATCH",
    `${what}: the time column must be int, float or datetime, got ${dtypeName(dtype)}`,
    site,
  );
}

/** A length in the time column's unit (milliseconds become nanoseconds for datetimes). */
function lengthValue(v: number | bigint, axis: Axis): PlanValue {
  if (axis === "DateTime") return { Duration: msToNs(Number(v)) };
  if (axis === "Float") return { Float: Number(v) };
  if (typeof v === "bigint") return { Int: v };
  return Number.isInteger(v) ? { Int: v } : { Float: v };
}

function originValue(
  v: TimeLike | undefined,
  axis: Axis,
  site: string | undefined,
): PlanValue | undefined {
  if (v === undefined) return undefined;
  if (v instanceof Date) {
    if (axis !== "DateTime")
      fail("TYPE_MISMATCH", "windowBy: a Date origin needs a datetime time column", site);
    return { DateTime: dateToNs(v) };
  }
  if (axis === "DateTime") return { DateTime: msToNs(Number(v)) };
  return lengthValue(v, axis);
}

/** The behavior as the engine takes it (exactly-once = delay to `_end + shift`, cutoff `shift`). */
function behaviorJson(
  behavior: Behavior | undefined,
  window: Window,
  axis: Axis,
  site: string | undefined,
): PlanWindowBehavior | undefined {
  if (behavior === undefined) return undefined;
  if (window.kind !== "tumbling" && window.kind !== "sliding") {
    fail(
      "NOT_SUPPORTED",
      `windowBy: behaviors apply to tumbling and sliding windows, not ${window.kind}`,
      site,
    );
  }
  if (behavior.kind === "exactlyOnce") {
    const delay = Number(window.duration) + Number(behavior.shift);
    return {
      delay: lengthValue(delay, axis),
      cutoff: lengthValue(behavior.shift, axis),
      keep_results: true,
    };
  }
  return {
    delay: behavior.delay === undefined ? undefined : lengthValue(behavior.delay, axis),
    cutoff: behavior.cutoff === undefined ? undefined : lengthValue(behavior.cutoff, axis),
    keep_results: behavior.keepResults,
  };
}

/** The `WindowAssign` node over `input`, and whether its reduce needs a freeze. */
export function assignNode(
  input: PlanNode,
  time: unknown,
  options: WindowByOptions,
  operation: string,
  site: string | undefined,
): { node: PlanNode; freeze: boolean } {
  const window = options?.window;
  if (window === undefined || typeof window !== "object" || !("kind" in window)) {
    fail(
      "INVALID_ARGUMENT",
      `${operation}: the window option is required (tb.temporal.tumbling({ duration }), …)`,
      site,
    );
  }
  const scope = tableScope(input, operation);
  const timeC = compile(toNode(time), { scope, operation, site });
  const axis = axisOf(timeC.dtype, operation, site);
  const instanceC =
    options.instance === undefined
      ? undefined
      : compile(toNode(options.instance), { scope, operation, site });
  let boundType: DType = unoptional(timeC.dtype);
  let probes: PlanNode | undefined;
  let spec: (ix: (n: PlanNode) => number) => PlanWindowSpec;
  let dtypes: DType[] = [...input.dtypes];
  switch (window.kind) {
    case "tumbling":
      spec = () => ({
        Tumbling: {
          duration: lengthValue(window.duration, axis),
          origin: originValue(window.origin, axis, site),
        },
      });
      break;
    case "sliding":
      spec = () => ({
        Sliding: {
          hop: lengthValue(window.hop, axis),
          duration: lengthValue(window.duration, axis),
          origin: originValue(window.origin, axis, site),
        },
      });
      break;
    case "session":
      spec = () => ({ Session: { max_gap: lengthValue(window.maxGap, axis) } });
      break;
    case "intervalsOver": {
      const at = window.at[exprNode];
      const src: RefSource | undefined = at.k === "col" ? at.src : undefined;
      if (!(src instanceof PlanNode)) {
        fail(
          "INVALID_ARGUMENT",
          "temporal.intervalsOver: at must be a column of the probe table (probes.t)",
          window.site,
        );
      }
      const probeNode = src;
      const atC = compile(at, {
        scope: tableScope(probeNode, "intervalsOver"),
        operation: "intervalsOver",
        site,
      });
      const probeAxis = axisOf(atC.dtype, "intervalsOver", window.site);
      if (probeAxis !== axis) {
        fail(
          "TYPE_MISMATCH",
          `intervalsOver: probe times are ${dtypeName(atC.dtype)} but row times are ${dtypeName(timeC.dtype)}`,
          site,
        );
      }
      probes = probeNode;
      boundType = unoptional(atC.dtype);
      if (window.isOuter) dtypes = dtypes.map(optional);
      spec = (ix) => ({
        IntervalsOver: {
          probes: ix(probeNode),
          at: atC.expr,
          lower: lengthValue(window.lowerBound, axis),
          upper: lengthValue(window.upperBound, axis),
          is_outer: window.isOuter,
        },
      });
      break;
    }
    default:
      return fail("INVALID_ARGUMENT", `${operation}: unknown window kind`, site);
  }
  const behavior = behaviorJson(options.behavior, window, axis, site);
  const instanceType: DType = instanceC ? instanceC.dtype : NULL_DTYPE;
  const node = new PlanNode(
    [...input.columns, "_start", "_end", "_instance"],
    [
      ...dtypes,
      boundType,
      boundType,
      window.kind === "intervalsOver" && window.isOuter ? optional(instanceType) : instanceType,
    ],
    probes ? [input, probes] : [input],
    (ix) => ({
      WindowAssign: {
        input: ix(input),
        time: timeC.expr,
        instance: instanceC?.expr,
        window: spec(ix),
        behavior,
      },
    }),
    site,
    operation,
  );
  // Every copy keeps its input row's id and cells, so the input's columns stay usable.
  node.carry = { from: input, map: input.columns.map((_, i) => i) };
  return { node, freeze: behavior?.cutoff !== undefined && behavior.keep_results };
}

/** A windowed table: call `reduce` for one row per window (and instance). */
export class WindowedTable<R extends Row = Row> {
  readonly #node: PlanNode;
  readonly #freeze: boolean;
  /** Phantom field carrying the row type (never set). */
  declare readonly __row: R & WindowColumns;

  /** @internal */
  constructor(input: PlanNode, time: unknown, options: WindowByOptions, site: string | undefined) {
    const { node, freeze } = assignNode(input, time, options, "windowBy", site);
    this.#node = node;
    this.#freeze = freeze;
  }

  /** One row per window; `tb.this._start`, `_end`, `_instance` are the window's. */
  reduce<E extends NamedExprs>(exprs: E): Table<Simplify<RowFromNamed<E>>>;
  reduce<const C extends readonly ColumnArg[]>(...columns: C): Table<Simplify<RowFromColumns<C>>>;
  reduce(...args: unknown[]): Table<Row> {
    const site = callSite();
    const node = this.#node;
    const keys: ExprNode[] = ["_instance", "_start", "_end"].map((name) => ({
      k: "col",
      src: node,
      name,
    }));
    let result = buildReduce(node, tableScope(node, "reduce"), keys, args, site);
    if (this.#freeze) {
      const reduced = result;
      result = new PlanNode(
        reduced.columns,
        reduced.dtypes,
        [reduced, node],
        (ix) => ({ WindowFreeze: { input: ix(reduced), window: ix(node) } }),
        site,
        "windowBy",
      );
    }
    return makeTable(result);
  }
}

const KINDS: Record<string, JoinKind> = {
  inner: "Inner",
  left: "Left",
  right: "Right",
  outer: "Outer",
};

/** Replaces references to the joined tables by `tb.left`/`tb.right`; `tb.this._start/_end` by the window's. */
function retarget(node: ExprNode, left: PlanNode, right: PlanNode, kind: JoinKind): ExprNode {
  const side = (src: RefSource): RefSource =>
    src === left && src !== right ? "left" : src === right && src !== left ? "right" : src;
  switch (node.k) {
    case "col":
      if (node.src === "this" && (node.name === "_start" || node.name === "_end")) {
        const l: ExprNode = { k: "col", src: "left", name: node.name };
        const r: ExprNode = { k: "col", src: "right", name: node.name };
        if (kind === "Inner" || kind === "Left") return l;
        if (kind === "Right") return r;
        return { k: "call", f: "coalesce", args: [l, r] };
      }
      return { ...node, src: side(node.src) };
    case "id":
      return { ...node, src: side(node.src) };
    case "lit":
      return node;
    case "cast":
      return { ...node, arg: retarget(node.arg, left, right, kind) };
    case "call":
    case "reducer":
      return { ...node, args: node.args.map((a) => retarget(a, left, right, kind)) };
  }
}

/** The result of `windowJoin`, before its output columns are chosen. */
export class WindowJoinResult {
  readonly #join: JoinResult;
  readonly #left: PlanNode;
  readonly #right: PlanNode;
  readonly #kind: JoinKind;

  /** @internal */
  constructor(
    left: PlanNode,
    right: PlanNode,
    leftTime: unknown,
    rightTime: unknown,
    window: Window,
    rest: unknown[],
    site: string | undefined,
  ) {
    const last = rest[rest.length - 1];
    const options: WindowJoinOptions = isPlainObject(last) ? (rest.pop() as WindowJoinOptions) : {};
    const kind = KINDS[options.how ?? "inner"];
    if (kind === undefined)
      fail(
        "INVALID_ARGUMENT",
        `windowJoin: how must be inner, left, right or outer, got ${String(options.how)}`,
        site,
      );
    if (window?.kind !== "tumbling" && window?.kind !== "sliding") {
      fail("NOT_SUPPORTED", "windowJoin: only tumbling and sliding windows are supported", site);
    }
    this.#left = left;
    this.#right = right;
    this.#kind = kind;
    const l = assignNode(left, leftTime, { window }, "windowJoin", site).node;
    const r = assignNode(right, rightTime, { window }, "windowJoin", site).node;
    const conditions: Expression<unknown>[] = [
      wrap({
        k: "call",
        f: "eq",
        args: [
          { k: "col", src: "left", name: "_start" },
          { k: "col", src: "right", name: "_start" },
        ],
      }),
      wrap({
        k: "call",
        f: "eq",
        args: [
          { k: "col", src: "left", name: "_end" },
          { k: "col", src: "right", name: "_end" },
        ],
      }),
      ...rest.map((c) => wrap(retarget(toNode(c), left, right, kind))),
    ];
    if (options.behavior === undefined) {
      this.#join = JoinResult.create(l, r, kind, conditions, {}, site);
    } else {
      const timeOf = (node: PlanNode, expr: unknown) =>
        compile(toNode(expr), { scope: tableScope(node, "windowJoin"), operation: "windowJoin", site });
      const lt = timeOf(left, leftTime);
      const rt = timeOf(right, rightTime);
      const axis = axisOf(lt.dtype, "windowJoin", site);
      const kinds = { Int: "int", Float: "float", DateTime: "datetime" } as const;
      const behavior = joinBehaviorJson(options.behavior, kinds[axis], "windowJoin", site);
      const temporal = { Window: { left_time: lt.expr, right_time: rt.expr } };
      this.#join = JoinResult.create(l, r, kind, conditions, {}, site, temporal, behavior);
    }
  }

  /** Output columns: `tb.left.x`, `tb.right.y`, the joined tables' columns, `tb.this._start`/`_end`. */
  select<E extends NamedExprs>(exprs: E): Table<Simplify<RowFromNamed<E>>>;
  select<const C extends readonly ColumnArg[]>(...columns: C): Table<Simplify<RowFromColumns<C>>>;
  select(...args: unknown[]): Table<Row> {
    const named: Record<string, Expression<unknown>> = {};
    for (const arg of args) {
      if (isPlainObject(arg)) {
        for (const [name, value] of Object.entries(arg)) {
          named[name] = wrap(retarget(toNode(value), this.#left, this.#right, this.#kind));
        }
      } else if (arg instanceof Expression && arg[exprNode].k === "col") {
        const node = arg[exprNode];
        named[node.k === "col" ? node.name : "id"] = wrap(
          retarget(node, this.#left, this.#right, this.#kind),
        );
      } else {
        fail(
          "INVALID_ARGUMENT",
          "windowJoin select: arguments must be columns or named expressions",
          callSite(),
        );
      }
    }
    return this.#join.select(named) as Table<Row>;
  }
}
