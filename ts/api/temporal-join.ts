/**
 * Temporal joins: `t.intervalJoin(u, t.at, u.at, tb.temporal.interval(lo, hi), ...)`,
 * `t.asofJoin(u, t.at, u.at, ...)` and `t.asofNowJoin(queries, ...)`. They return the same
 * `JoinResult` as ordinary joins (select with `tb.left`/`tb.right`, filter, groupBy, reduce).
 */
import type { Compiled } from "./ast.js";
import { compile, type Scope, tableScope } from "./compile.js";
import { type DType, dtypeName, unoptional } from "./dtype.js";
import { fail } from "./errors.js";
import { type Expression, type ExprLike, toNode } from "./expression.js";
import { type Interval, isInterval } from "./interval.js";
import { joinBehaviorJson } from "./join-behavior.js";
import { type JoinOptions, JoinResult } from "./join.js";
import type { JoinKind, PlanExpr, PlanNode, PlanValue, TemporalJoinSpec } from "./plan.js";
import type { Row } from "./schema.js";
import { splitOptions } from "./select-args.js";
import type { Behavior } from "./temporal.js";

/** How unmatched rows are kept. */
export type JoinHow = "inner" | "left" | "right" | "outer";

/** Options of a temporal join (last argument). */
export interface TemporalJoinOptions extends JoinOptions {
  /** Which unmatched rows are kept (with nulls on the other side); default `inner`. */
  how?: JoinHow;
  /**
   * `tb.temporal.commonBehavior({ delay, cutoff, keepResults })`: each side holds its rows
   * until its greatest time seen reaches `time + delay`, drops (and counts) rows whose
   * `time + cutoff` is at most its greatest time seen in earlier commits, and forgets rows past
   * that point (their results stay with `keepResults: true`, are retracted with `false`).
   */
  behavior?: Behavior;
}

/** Options of `asofJoin`. */
export interface AsofJoinOptions extends TemporalJoinOptions {
  /** Which row of the other side is closest: at or before (default), at or after, either. */
  direction?: "backward" | "forward" | "nearest";
}

/** Options of `asofNowJoin`: `how` is `inner` or `right` (unanswered queries kept). */
export interface AsofNowJoinOptions extends JoinOptions {
  /** `right` keeps queries without a matching row (left columns null). */
  how?: "inner" | "right";
}

const KINDS: Record<JoinHow, JoinKind> = {
  inner: "Inner",
  left: "Left",
  right: "Right",
  outer: "Outer",
};

function kindOf(how: unknown, operation: string, site: string | undefined): JoinKind {
  if (how === undefined) return "Inner";
  if (typeof how === "string" && how in KINDS) return KINDS[how as JoinHow];
  return fail(
    "INVALID_ARGUMENT",
    `${operation}: how must be "inner", "left", "right" or "outer", got ${JSON.stringify(how)}`,
    site,
  );
}

/** A scope over one side in which `tb.left` (or `tb.right`) means that side. */
function sideScope(node: PlanNode, side: "left" | "right", operation: string): Scope {
  const base = tableScope(node, operation);
  return {
    column: (src, name, site) => base.column(src === side ? "this" : src, name, site),
    id: (src, site) => base.id(src === side ? "this" : src, site),
  };
}

type TimeKind = "int" | "float" | "datetime" | "duration" | "any";

function timeKind(t: DType): TimeKind | undefined {
  switch (unoptional(t)) {
    case "Int":
      return "int";
    case "Float":
      return "float";
    case "DateTime":
      return "datetime";
    case "Duration":
      return "duration";
    case "Any":
      return "any";
    default:
      return undefined;
  }
}

interface TimePair {
  left: PlanExpr;
  right: PlanExpr;
  /** The kind both times have after conversion. */
  kind: TimeKind;
}

/** Compiles and checks the two time expressions (ints meeting floats become floats). */
function compileTimes(
  left: PlanNode,
  right: PlanNode,
  leftTime: unknown,
  rightTime: unknown,
  operation: string,
  site: string | undefined,
): TimePair {
  const one = (node: PlanNode, side: "left" | "right", expr: unknown): [Compiled, TimeKind] => {
    if (expr === undefined || expr === null) {
      fail("INVALID_ARGUMENT", `${operation}: the ${side} time expression is missing`, site);
    }
    const c = compile(toNode(expr), { scope: sideScope(node, side, operation), operation, site });
    const kind = timeKind(c.dtype);
    if (kind === undefined) {
      fail(
        "TYPE_MISMATCH",
        `${operation}: the ${side} time must be an int, float, datetime or duration expression, got ${dtypeName(c.dtype)}`,
        site,
      );
    }
    return [c, kind];
  };
  const [l, lk] = one(left, "left", leftTime);
  const [r, rk] = one(right, "right", rightTime);
  const numeric = (k: TimeKind): boolean => k === "int" || k === "float";
  const toFloat = (c: Compiled, k: TimeKind): PlanExpr =>
    k === "int" ? toFloatExpr(c.expr) : c.expr;
  if (lk === rk || lk === "any" || rk === "any") {
    return { left: l.expr, right: r.expr, kind: lk === "any" ? rk : lk };
  }
  if (numeric(lk) && numeric(rk)) {
    return { left: toFloat(l, lk), right: toFloat(r, rk), kind: "float" };
  }
  return fail(
    "TYPE_MISMATCH",
    `${operation}: cannot match times of type ${dtypeName(l.dtype)} (left) and ${dtypeName(r.dtype)} (right)`,
    site,
  );
}

/** Milliseconds as a duration in nanoseconds (exact for whole milliseconds). */
function msToNanos(ms: number): number | bigint {
  const whole = Math.trunc(ms);
  const nanos = BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
  return nanos >= BigInt(Number.MIN_SAFE_INTEGER) && nanos <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(nanos)
    : nanos;
}

function toFloatExpr(e: PlanExpr): PlanExpr {
  return { Cast: { to: { Optional: "Float" }, arg: e } };
}

/** `t.intervalJoin(u, t.at, u.at, tb.temporal.interval(lo, hi), ...conditions, options)`. */
export function intervalJoinOf<L extends Row, R extends Row>(
  left: PlanNode,
  right: PlanNode,
  leftTime: unknown,
  rightTime: unknown,
  range: Interval,
  args: readonly unknown[],
  site: string | undefined,
): JoinResult<L, R> {
  const operation = "intervalJoin";
  if (!isInterval(range)) {
    fail(
      "INVALID_ARGUMENT",
      `${operation}: the fourth argument must be tb.temporal.interval(lower, upper)`,
      site,
    );
  }
  const [conditions, options = {}] = splitOptions<TemporalJoinOptions>(args);
  const kind = kindOf(options.how, operation, site);
  const times = compileTimes(left, right, leftTime, rightTime, operation, site);
  const { lowerBound: lo, upperBound: hi } = range;
  let bounds: [PlanValue, PlanValue];
  let { left: lt, right: rt } = times;
  if (times.kind === "datetime" || times.kind === "duration") {
    bounds = [{ Duration: msToNanos(lo) }, { Duration: msToNanos(hi) }];
  } else if (times.kind === "int" && Number.isInteger(lo) && Number.isInteger(hi)) {
    bounds = [{ Int: lo }, { Int: hi }];
  } else {
    if (times.kind === "int") [lt, rt] = [toFloatExpr(lt), toFloatExpr(rt)];
    bounds = [{ Float: lo }, { Float: hi }];
  }
  const temporal: TemporalJoinSpec = {
    Interval: { left_time: lt, right_time: rt, lower: bounds[0], upper: bounds[1] },
  };
  const behavior = joinBehaviorJson(options.behavior, times.kind, operation, site);
  return JoinResult.create<L, R>(left, right, kind, conditions, { id: options.id }, site, temporal, behavior);
}

/** `t.asofJoin(u, t.at, u.at, ...conditions, options)`. */
export function asofJoinOf<L extends Row, R extends Row>(
  left: PlanNode,
  right: PlanNode,
  leftTime: unknown,
  rightTime: unknown,
  args: readonly unknown[],
  site: string | undefined,
): JoinResult<L, R> {
  const operation = "asofJoin";
  const [conditions, options = {}] = splitOptions<AsofJoinOptions>(args);
  const kind = kindOf(options.how, operation, site);
  const directions = { backward: "Backward", forward: "Forward", nearest: "Nearest" } as const;
  const direction = options.direction ?? "backward";
  if (!(direction in directions)) {
    fail(
      "INVALID_ARGUMENT",
      `${operation}: direction must be "backward", "forward" or "nearest", got ${JSON.stringify(direction)}`,
      site,
    );
  }
  const times = compileTimes(left, right, leftTime, rightTime, operation, site);
  const temporal: TemporalJoinSpec = {
    Asof: { left_time: times.left, right_time: times.right, direction: directions[direction] },
  };
  const behavior = joinBehaviorJson(options.behavior, times.kind, operation, site);
  return JoinResult.create<L, R>(left, right, kind, conditions, { id: options.id }, site, temporal, behavior);
}

/** `t.asofNowJoin(queries, ...conditions, options)`: `t` is asked, `queries` ask. */
export function asofNowJoinOf<L extends Row, R extends Row>(
  left: PlanNode,
  right: PlanNode,
  args: readonly unknown[],
  site: string | undefined,
): JoinResult<L, R> {
  const operation = "asofNowJoin";
  const [conditions, options = {}] = splitOptions<AsofNowJoinOptions>(args);
  const how: unknown = options.how ?? "inner";
  if (how !== "inner" && how !== "right") {
    fail(
      "INVALID_ARGUMENT",
      `${operation}: how must be "inner" or "right" (the queries are the right side; "right" keeps unanswered queries), got ${JSON.stringify(how)}`,
      site,
    );
  }
  return JoinResult.create<L, R>(
    left,
    right,
    how === "right" ? "Right" : "Inner",
    conditions,
    { id: options.id },
    site,
    "AsofNow",
  );
}

/** Exported for type positions: an expression usable as a time. */
export type TimeExpr = ExprLike<unknown> | Expression<unknown>;
