/**
 * `tb.temporal.interval(lower, upper)`: the time interval of `intervalJoin`, and the
 * `temporal` namespace entries this module contributes (`temporalJoinHelpers`).
 */
import { fail } from "./errors.js";

/** The interval of an interval join: `lowerBound <= right time - left time <= upperBound`. */
export interface Interval {
  /** Marks the object as an interval. */
  readonly kind: "interval";
  /** Smallest allowed difference (milliseconds for datetime times). */
  readonly lowerBound: number;
  /** Largest allowed difference (milliseconds for datetime times). */
  readonly upperBound: number;
}

/** An interval `[lowerBound, upperBound]` of time differences (bounds included). */
export function interval(lowerBound: number, upperBound: number): Interval {
  if (!Number.isFinite(lowerBound) || !Number.isFinite(upperBound)) {
    fail("INVALID_ARGUMENT", "temporal.interval: the bounds must be finite numbers");
  }
  if (lowerBound > upperBound) {
    fail(
      "INVALID_ARGUMENT",
      `temporal.interval: the lower bound ${lowerBound} exceeds the upper bound ${upperBound}`,
    );
  }
  return { kind: "interval", lowerBound, upperBound };
}

/** True for values made by `interval`. */
export function isInterval(value: unknown): value is Interval {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "interval" &&
    typeof (value as Interval).lowerBound === "number" &&
    typeof (value as Interval).upperBound === "number"
  );
}

/** What the temporal joins add to `tb.temporal` (merged with the windowing entries). */
export const temporalJoinHelpers = { interval } as const;
