/**
 * `tb.temporal`: window kinds (`tumbling`, `sliding`, `session`, `intervalsOver`) and window
 * behaviors (`commonBehavior`, `exactlyOnceBehavior`). Lengths are milliseconds for datetime
 * time columns and plain numbers for numeric ones.
 */
import { temporalJoinHelpers } from "./interval.js";
import { callSite, fail } from "./errors.js";
import { Expression } from "./expression.js";

/** A time, a length or an origin as users give it. */
export type TimeLike = number | bigint | Date;

/** Fixed windows of one length, back to back. */
export interface TumblingWindow {
  readonly kind: "tumbling";
  readonly duration: number | bigint;
  readonly origin: TimeLike | undefined;
  readonly site: string | undefined;
}

/** Fixed windows starting every `hop`. */
export interface SlidingWindow {
  readonly kind: "sliding";
  readonly hop: number | bigint;
  readonly duration: number | bigint;
  readonly origin: TimeLike | undefined;
  readonly site: string | undefined;
}

/** Rows less than `maxGap` apart share a window. */
export interface SessionWindow {
  readonly kind: "session";
  readonly maxGap: number | bigint;
  readonly site: string | undefined;
}

/** One window [`at + lowerBound`, `at + upperBound`] per row of `at`'s table. */
export interface IntervalsOverWindow {
  readonly kind: "intervalsOver";
  readonly at: Expression<unknown>;
  readonly lowerBound: number | bigint;
  readonly upperBound: number | bigint;
  readonly isOuter: boolean;
  readonly site: string | undefined;
}

/** Any window kind. */
export type Window = TumblingWindow | SlidingWindow | SessionWindow | IntervalsOverWindow;

/** Delay, cutoff and whether results of closed windows stay. */
export interface CommonBehavior {
  readonly kind: "common";
  readonly delay: number | bigint | undefined;
  readonly cutoff: number | bigint | undefined;
  readonly keepResults: boolean;
}

/** Each window's result emitted once, when the window closes (`_end + shift`). */
export interface ExactlyOnceBehavior {
  readonly kind: "exactlyOnce";
  readonly shift: number | bigint;
}

/** Any behavior. */
export type Behavior = CommonBehavior | ExactlyOnceBehavior;

function length(
  value: unknown,
  what: string,
  site: string | undefined,
  positive: boolean,
): number | bigint {
  if (value === undefined || value === null) {
    fail("INVALID_ARGUMENT", `${what} is required`, site);
  }
  if (typeof value !== "number" && typeof value !== "bigint") {
    fail("INVALID_ARGUMENT", `${what} must be a number (milliseconds for datetime columns)`, site);
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    fail("INVALID_ARGUMENT", `${what} must be finite`, site);
  }
  if (positive && !(value > 0)) fail("INVALID_ARGUMENT", `${what} must be positive`, site);
  return value;
}

function origin(value: unknown, what: string, site: string | undefined): TimeLike | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date || typeof value === "bigint") return value;
  return length(value, what, site, false);
}

/** Tumbling windows [`origin + k*duration`, `+ duration`). */
export function tumbling(options: {
  duration: number | bigint;
  origin?: TimeLike;
}): TumblingWindow {
  const site = callSite();
  return {
    kind: "tumbling",
    duration: length(options?.duration, "temporal.tumbling: duration", site, true),
    origin: origin(options?.origin, "temporal.tumbling: origin", site),
    site,
  };
}

/** Sliding windows [`origin + k*hop`, `+ duration`); a row is in every window covering it. */
export function sliding(options: {
  hop: number | bigint;
  duration: number | bigint;
  origin?: TimeLike;
}): SlidingWindow {
  const site = callSite();
  return {
    kind: "sliding",
    hop: length(options?.hop, "temporal.sliding: hop", site, true),
    duration: length(options?.duration, "temporal.sliding: duration", site, true),
    origin: origin(options?.origin, "temporal.sliding: origin", site),
    site,
  };
}

/** Session windows: rows less than `maxGap` apart (per instance) share a window. */
export function session(options: { maxGap: number | bigint }): SessionWindow {
  const site = callSite();
  return {
    kind: "session",
    maxGap: length(options?.maxGap, "temporal.session: maxGap", site, true),
    site,
  };
}

/** One window [`at + lowerBound`, `at + upperBound`] per row of `at`'s table. */
export function intervalsOver(options: {
  at: Expression<unknown>;
  lowerBound: number | bigint;
  upperBound: number | bigint;
  isOuter?: boolean;
}): IntervalsOverWindow {
  const site = callSite();
  if (!(options?.at instanceof Expression)) {
    fail(
      "INVALID_ARGUMENT",
      "temporal.intervalsOver: at must be a column of the probe table",
      site,
    );
  }
  const lowerBound = length(options.lowerBound, "temporal.intervalsOver: lowerBound", site, false);
  const upperBound = length(options.upperBound, "temporal.intervalsOver: upperBound", site, false);
  if (upperBound < lowerBound) {
    fail("INVALID_ARGUMENT", "temporal.intervalsOver: upperBound is below lowerBound", site);
  }
  return {
    kind: "intervalsOver",
    at: options.at,
    lowerBound,
    upperBound,
    isOuter: options.isOuter ?? true,
    site,
  };
}

/**
 * `delay`: hold a window's results until the greatest time seen reaches `_start + delay`;
 * `cutoff`: drop rows arriving once the greatest time seen in earlier commits reached
 * `_end + cutoff`, and forget such windows; `keepResults: false` retracts their results.
 */
export function commonBehavior(
  options: { delay?: number | bigint; cutoff?: number | bigint; keepResults?: boolean } = {},
): CommonBehavior {
  const site = callSite();
  const delay =
    options.delay === undefined
      ? undefined
      : length(options.delay, "commonBehavior: delay", site, false);
  const cutoff =
    options.cutoff === undefined
      ? undefined
      : length(options.cutoff, "commonBehavior: cutoff", site, false);
  if (options.keepResults === false && cutoff === undefined) {
    fail("INVALID_ARGUMENT", "commonBehavior: keepResults: false needs a cutoff", site);
  }
  return { kind: "common", delay, cutoff, keepResults: options.keepResults ?? true };
}

/** Each window's result once, when the greatest time seen reaches `_end + shift`. */
export function exactlyOnceBehavior(
  options: { shift?: number | bigint } = {},
): ExactlyOnceBehavior {
  const site = callSite();
  const shift =
    options.shift === undefined
      ? 0
      : length(options.shift, "exactlyOnceBehavior: shift", site, false);
  return { kind: "exactlyOnce", shift };
}

/** The `tb.temporal` namespace. */
export const temporal = {
  ...temporalJoinHelpers,
  tumbling,
  sliding,
  session,
  intervalsOver,
  commonBehavior,
  exactlyOnceBehavior,
} as const;
