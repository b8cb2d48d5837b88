/**
 * The `behavior` option of temporal joins (`intervalJoin`, `asofJoin`, `windowJoin`): delay,
 * cutoff and forgetting applied to each side's rows, converted to the time column's unit
 * (milliseconds become nanoseconds for datetime and duration times).
 */
import { fail } from "./errors.js";
import type { PlanValue, PlanWindowBehavior } from "./plan.js";
import type { Behavior } from "./temporal.js";
import { msToNs } from "./values.js";

/** The kind of a join's time column. */
export type JoinTimeKind = "int" | "float" | "datetime" | "duration" | "any";

function lengthIn(v: number | bigint, kind: JoinTimeKind): PlanValue {
  if (kind === "datetime" || kind === "duration") return { Duration: msToNs(Number(v)) };
  if (kind === "float") return { Float: Number(v) };
  if (typeof v === "bigint") return { Int: v };
  return Number.isInteger(v) ? { Int: v } : { Float: v };
}

function isBehavior(v: unknown): v is Behavior {
  return (
    typeof v === "object" &&
    v !== null &&
    "kind" in v &&
    ((v as { kind: unknown }).kind === "common" || (v as { kind: unknown }).kind === "exactlyOnce")
  );
}

/** The plan form of a join's behavior (`commonBehavior` only). */
export function joinBehaviorJson(
  behavior: unknown,
  kind: JoinTimeKind,
  operation: string,
  site: string | undefined,
): PlanWindowBehavior | undefined {
  if (behavior === undefined) return undefined;
  if (!isBehavior(behavior)) {
    return fail("INVALID_ARGUMENT", `${operation}: behavior must be tb.temporal.commonBehavior(...)`, site);
  }
  if (behavior.kind === "exactlyOnce") {
    return fail(
      "NOT_SUPPORTED",
      `${operation}: exactlyOnceBehavior applies to windowBy; temporal joins take commonBehavior`,
      site,
    );
  }
  return {
    delay: behavior.delay === undefined ? undefined : lengthIn(behavior.delay, kind),
    cutoff: behavior.cutoff === undefined ? undefined : lengthIn(behavior.cutoff, kind),
    keep_results: behavior.keepResults,
  };
}
