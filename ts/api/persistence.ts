/**
 * `tb.persistence`: where a run keeps the log of what its sources read (and their offsets),
 * so that a restarted pipeline continues where it stopped, even after a crash.
 *
 * ```ts
 * await tb.run({ persistence: tb.persistence.config({ backend: tb.persistence.fs("./state") }) });
 * ```
 */

import { resolve } from "node:path";
import { loadNative } from "./native.js";
import { setUdfCacheDirectory } from "./udf-cache.js";

/** A persistence backend: the local file system. */
export interface FsBackend {
  /** Backend kind. */
  readonly kind: "fs";
  /** The state directory (absolute). */
  readonly dir: string;
}

/** The persistence settings of a run (`tb.persistence.config(...)`). */
export interface PersistenceConfig {
  /** Where the state lives. */
  readonly backend: FsBackend;
  /** How often the log is consolidated into a snapshot (ms). */
  readonly snapshotIntervalMs: number;
}

/** Options of `tb.persistence.config`. */
export interface PersistenceOptions {
  /** Where the state lives: `tb.persistence.fs(dir)`. */
  backend: FsBackend;
  /** How often the log is consolidated into a snapshot, in ms (default 10 000). */
  snapshotIntervalMs?: number;
}

/** The file-system backend: state in `dir` (created when missing). */
function fs(dir: string): FsBackend {
  if (typeof dir !== "string" || dir === "")
    throw new TypeError("persistence.fs: the directory must be a non-empty string");
  return { kind: "fs", dir: resolve(dir) };
}

/** Persistence settings for `tb.run`/`tb.start` (`{ persistence }`). */
function config(options: PersistenceOptions): PersistenceConfig {
  const backend = options?.backend;
  if (backend?.kind !== "fs")
    throw new TypeError("persistence.config: `backend` must be tb.persistence.fs(dir)");
  const interval = options.snapshotIntervalMs ?? 10_000;
  if (!Number.isFinite(interval) || interval < 1)
    throw new RangeError(
      `persistence.config: snapshotIntervalMs must be positive, got ${interval}`,
    );
  return { backend, snapshotIntervalMs: Math.round(interval) };
}

/** The engine's form of the settings (part of the native run options). */
export function nativePersistence(config: PersistenceConfig): {
  dir: string;
  snapshotIntervalMs: number;
} {
  return {
    dir: config.backend.dir,
    snapshotIntervalMs: Math.min(config.snapshotIntervalMs, 2 ** 31),
  };
}

let udfCache: string | undefined;

/**
 * The directory the UDF layer may use for its on-disk cache during the current persisted
 * run (`<state dir>/udf-cache`, as the engine defines it), or `undefined` when the run does
 * not persist. Set by `tb.run`/`tb.start` before the pipeline starts.
 */
export function udfCacheDir(): string | undefined {
  return udfCache;
}

/** @internal Called by run/start. */
export function setUdfCacheDir(config: PersistenceConfig | undefined): void {
  udfCache = config ? loadNative().persistenceUdfCacheDir(config.backend.dir) : undefined;
  // `cache: true` functions keep their results in `<state dir>/udf-cache` too.
  setUdfCacheDirectory(config?.backend.dir);
}

/** The persistence namespace (`tb.persistence`). */
export const persistence = { config, fs, udfCacheDir } as const;
