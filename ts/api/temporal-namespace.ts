/**
 * `tb.temporal`: the time helpers. This branch contributes `interval` (temporal joins); the
 * windowing helpers (`tumbling`, `sliding`, `session`, behaviors) are merged in alongside.
 */
import { temporalJoinHelpers } from "./interval.js";

/** Time helpers: `tb.temporal.interval(lower, upper)`. */
export const temporal = { ...temporalJoinHelpers } as const;
