/**
 * Loads the Rust addon and describes the calls the TypeScript layer makes into it.
 * This file is the whole contract between `ts/api` and `bindings/`.
 */

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Options of one run, as the engine reads them. */
export interface NativeRunOptions {
  /** Timely worker threads in this process. */
  threads: number;
  /** An id under which `stopRun` can stop the run. */
  runId?: number;
  /** `"dashboard"`, `"log"` or `"none"`. */
  monitoring?: string;
  /** Port of the Prometheus endpoint on 127.0.0.1. */
  metricsPort?: number;
  /** Persist to this directory, consolidating every `snapshotIntervalMs`. */
  persistence?: { dir: string; snapshotIntervalMs: number };
}

/**
 * One collected change as it crosses from the engine:
 * `[rowIdHex, cells, time, diff]`. Cells use the tagged encoding of `decodeCell`.
 */
export type NativeChange = [string, NativeCell[], number, number];

/** A cell as encoded by the engine (see `bindings/src/encode.rs`). */
export type NativeCell =
  | null
  | boolean
  | number
  | string
  | NativeCell[]
  | { $int: string }
  | { $float: string }
  | { $dt: string }
  | { $dur: string }
  | { $json: unknown }
  | { $ptr: string }
  | { $bytes: string }
  | { $error: true };

/** The result of a finished run. */
export interface NativeRunResult {
  /** Changes of each `Collect` sink, by sink id, in time order. */
  collected: Record<string, NativeChange[]>;
}

/**
 * One argument column of a user-function batch: `numbers` when every value is a number,
 * `text` + `offsets` (`rows + 1` UTF-16 offsets into `text`) when every value is a string,
 * else `json`, a JSON array of cells in the tagged encoding of `decodeCell`. `valid` (1 = a
 * value, 0 = null) is present when some row is null.
 */
export interface NativeUdfColumn {
  numbers?: Float64Array;
  text?: string;
  offsets?: Uint32Array;
  valid?: Uint8Array;
  json?: string;
}

/**
 * The driver of one user function, called by the engine (on the JS thread, never blocking
 * it) with a batch: an answer token, the row count, and one column per argument. It must
 * answer exactly once with `udfReply(token, ...)`.
 */
export type UdfDriver = (token: number, rows: number, columns: NativeUdfColumn[]) => void;

/** The functions the addon exports. */
export interface NativeBinding {
  /** The engine's version string. */
  engineVersion(): string;
  /**
   * Runs a plan (JSON of `crates/engine/src/plan.rs`) until its sources are exhausted.
   * Never blocks the Node thread; rejects with an `Error` whose message starts with a code
   * in brackets, e.g. `[TRIBUTARY_PLAN] ...`.
   */
  runPlan(
    planJson: string,
    options: NativeRunOptions,
    onEvent?: ((event: string | Buffer) => void) | null,
    udfs?: UdfDriver[] | null,
  ): Promise<string>;
  /** Asks the run started with `runId` to stop (sources close, outputs flush). */
  stopRun(runId: number): void;
  /** Turns columns into rows in Rust and keeps them; returns the stage id. */
  stageColumns(
    layoutJson: string,
    numbers: Float64Array[],
    texts: Buffer[],
    offsets: Uint32Array[],
  ): number;
  /** Forgets staged columns. */
  unstageColumns(stage: number): void;
  /** Opens the channel of a custom source; returns its id. */
  channelOpen(): number;
  /** Pushes rows (JSON array of objects) into a custom source; false once its run ended. */
  channelPush(channel: number, rowsJson: string): boolean;
  /** Closes the current commit of a custom source; false once its run ended. */
  channelCommit(channel: number): boolean;
  /** Ends a custom source; false once its run ended. */
  channelClose(channel: number): boolean;
  /** Records a custom source's offset (JSON) after the rows pushed so far. */
  channelOffset(channel: number, offsetJson: string): boolean;
  /** The offset (JSON) a resumed custom source continues after; undefined until known. */
  channelResumeOffset(channel: number): string | null | undefined;
  /** `<dir>/udf-cache`: the UDF layer's cache directory for a run persisting to `dir`. */
  persistenceUdfCacheDir(dir: string): string;
  /**
   * Answers a user-function batch: `numbers` (one per row, for number results), or `text`
   * (every string result concatenated) with `lengths` (UTF-16 units per row), or `json` (a
   * JSON array of plan values); `valid` (0 = null) goes with numbers and text; `errors` is a
   * JSON array of `[row, message]` pairs for the rows that failed. Returns at once; the engine
   * decodes off the JS thread.
   */
  udfReply(
    token: number,
    numbers: Float64Array | null,
    json: string | null,
    errors: string | null,
    valid?: Uint8Array | null,
    text?: string | null,
    lengths?: Uint32Array | null,
  ): void;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Platform suffixes (napi-rs convention) of the binaries we know how to build or ship. */
export const SUPPORTED_TARGETS: Record<string, string> = {
  "linux-x64": "linux-x64-gnu",
  "linux-arm64": "linux-arm64-gnu",
  "darwin-arm64": "darwin-arm64",
  "darwin-x64": "darwin-x64",
  "win32-x64": "win32-x64-msvc",
};

let cached: NativeBinding | undefined;

/** Loads the addon once; throws an error that says what is missing and how to fix it. */
export function loadNative(): NativeBinding {
  if (cached) return cached;
  const suffix = SUPPORTED_TARGETS[`${process.platform}-${process.arch}`];
  if (!suffix) {
    throw new Error(
      `[TRIBUTARY_NATIVE] no Tributary engine binary for ${process.platform}-${process.arch}. ` +
        `Supported targets: ${Object.values(SUPPORTED_TARGETS).join(", ")}.`,
    );
  }
  const require = createRequire(import.meta.url);
  const candidates = [
    join(here, "..", "..", "native", `tributary.${suffix}.node`),
    join(here, "..", "native", `tributary.${suffix}.node`),
  ];
  const tried: string[] = [];
  for (const file of candidates) {
    tried.push(file);
    if (existsSync(file)) {
      cached = require(file) as NativeBinding;
      return cached;
    }
  }
  const pkg = `@tributary/${suffix}`;
  try {
    cached = require(pkg) as NativeBinding;
    return cached;
  } catch {
    tried.push(pkg);
  }
  throw new Error(
    `[TRIBUTARY_NATIVE] the Tributary engine addon is not built for ${suffix}. ` +
      `Looked for: ${tried.join(", ")}. Run \`npm run build:native\` (needs a Rust toolchain, ` +
      `https://rustup.rs) or install the prebuilt package ${pkg}.`,
  );
}
