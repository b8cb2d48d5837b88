/**
 * Build-time errors (`TributaryError`) and the user call site they name.
 */

/** Codes carried by `TributaryError.code`. Engine errors keep the engine's own code. */
export type TributaryErrorCode =
  | "UNKNOWN_COLUMN"
  | "TYPE_MISMATCH"
  | "DIFFERENT_TABLE"
  | "INVALID_ARGUMENT"
  | "NOT_GROUPED"
  | "NOT_SUPPORTED"
  | "UNSUPPORTED_IN_ITERATE"
  | "NATIVE";

/** A mistake in the program (found while building the pipeline) or an engine failure. */
export class TributaryError extends Error {
  /** A stable machine-readable code, e.g. `UNKNOWN_COLUMN`. */
  readonly code: TributaryErrorCode | string;
  /** The user call site (`file:line:col`) the error is about, when known. */
  readonly callSite: string | undefined;

  constructor(code: TributaryErrorCode | string, message: string, callSite?: string) {
    super(callSite ? `${message} (at ${callSite})` : message);
    this.name = "TributaryError";
    this.code = code;
    this.callSite = callSite;
  }
}

const INTERNAL_FRAME = /[\\/](ts|dist)[\\/]api[\\/]/;
const FRAME_LOCATION = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/;

/**
 * The first stack frame outside the library (`file:line:col`), or `undefined`.
 * Library frames are those under `ts/api/` or `dist/api/`.
 */
export function callSite(): string | undefined {
  const previous = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = previous;
  for (const line of stack.split("\n").slice(1)) {
    const match = FRAME_LOCATION.exec(line.trim());
    if (!match) continue;
    let file = match[1]!;
    if (file.startsWith("file://")) file = decodeURIComponent(file.slice("file://".length));
    if (INTERNAL_FRAME.test(file) || file.startsWith("node:") || file.includes("node_modules")) {
      continue;
    }
    return `${file}:${match[2]}:${match[3]}`;
  }
  return undefined;
}

/** Throws a `TributaryError` naming the current user call site (or the given one). */
export function fail(code: TributaryErrorCode | string, message: string, site?: string): never {
  throw new TributaryError(code, message, site ?? callSite());
}

/**
 * Turns an engine rejection (`[CODE] message`) into a `TributaryError` with that code.
 */
export function fromNativeError(error: unknown): TributaryError {
  if (error instanceof TributaryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const match = /^\[([A-Z0-9_]+)\]\s*/.exec(message);
  const wrapped = match
    ? new TributaryError(match[1]!, message.slice(match[0].length))
    : new TributaryError("NATIVE", message);
  if (error instanceof Error) wrapped.cause = error;
  return wrapped;
}
