/**
 * The disk cache of `cache: true` user functions. When a directory is set (the run's
 * persistence directory; `run()` calls `setUdfCacheDirectory`), results are kept in
 * `<dir>/udf-cache/<function>.jsonl` and reused by later runs, in this process or another:
 * the function is not called again for arguments it already answered. A function is known by
 * its name, source text, result type and mode, so editing its code starts a fresh cache.
 * Failed calls are never cached.
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { UdfDefinition } from "./udf.js";

let directory: string | undefined;

/**
 * Sets (or with `undefined` clears) the directory under which `cache: true` functions keep
 * their results (`<dir>/udf-cache`). Takes effect for runs started afterwards. Internal:
 * called by `run()` with the persistence directory.
 */
export function setUdfCacheDirectory(dir: string | undefined): void {
  directory = dir;
}

/** The directory set by `setUdfCacheDirectory`. */
export function udfCacheDirectory(): string | undefined {
  return directory;
}

/** The results of one function on disk, loaded into memory for a run. */
export class DiskCache {
  readonly #path: string;
  readonly #entries = new Map<string, string>();

  private constructor(path: string) {
    this.#path = path;
  }

  /** The cache of `def` for a run, or `undefined` when it has none. */
  static open(def: UdfDefinition): DiskCache | undefined {
    if (directory === undefined || def.options.cache !== true) return undefined;
    const dir = join(directory, "udf-cache");
    mkdirSync(dir, { recursive: true });
    const cache = new DiskCache(join(dir, `${functionKey(def)}.jsonl`));
    cache.#load();
    return cache;
  }

  /** Number of remembered results. */
  get size(): number {
    return this.#entries.size;
  }

  /** The encoded result (JSON of a plan value) for the arguments with this key. */
  get(key: string): string | undefined {
    return this.#entries.get(key);
  }

  /** Remembers results (`[key, JSON of the plan value]`) and appends them to the file. */
  add(entries: Array<[string, string]>): void {
    if (entries.length === 0) return;
    const lines: string[] = [];
    for (const [key, value] of entries) {
      if (this.#entries.has(key)) continue;
      this.#entries.set(key, value);
      lines.push(`${JSON.stringify(key)}\t${value}\n`);
    }
    if (lines.length > 0) appendFileSync(this.#path, lines.join(""));
  }

  #load(): void {
    if (!existsSync(this.#path)) return;
    const text = readFileSync(this.#path, "utf8");
    for (const line of text.split("\n")) {
      // A tab never occurs inside the JSON of the key, so the first one separates.
      const tab = line.indexOf("\t");
      if (tab < 0) continue; // an empty or torn last line
      try {
        const key = JSON.parse(line.slice(0, tab)) as unknown;
        if (typeof key === "string") this.#entries.set(key, line.slice(tab + 1));
      } catch {
        // a torn line: skip it
      }
    }
  }
}

/** A stable identity of a function across processes. */
function functionKey(def: UdfDefinition): string {
  const h = createHash("sha256");
  h.update(def.name);
  h.update("\0");
  h.update(String(def.fn));
  h.update("\0");
  h.update(JSON.stringify(def.options.returns.dtype));
  h.update(def.batch ? "\0batch" : "\0row");
  return `${def.name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40)}-${h.digest("hex").slice(0, 24)}`;
}

/** The cache key of one row's arguments. */
export function argumentsKey(args: readonly unknown[]): string {
  return JSON.stringify(args, (_k, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("base64") };
    if (typeof v === "number" && !Number.isFinite(v)) return `${v}`;
    return v;
  });
}
