/**
 * Shared helpers of the end-to-end suites: order-insensitive row comparison, change-stream
 * comparison grouped by time, temporary directories, stdout capture and the error log.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as tb from "tributary";
import { afterEach, expect } from "vitest";

/** The worker counts every suite runs with. */
export const THREADS = [1, 2] as const;

/** A row as the tests see it: column name to value. */
export type AnyRow = Record<string, unknown>;

/** A change as `tb.debug.computeChanges` returns it. */
export type AnyChange = AnyRow & { __time__: number; __diff__: number };

/** Marker used in canonical forms for an error cell. */
const ERROR_MARK = "<ErrorValue>";

/**
 * A canonical, deterministic string for any cell or row: object keys sorted, numbers keep
 * their sign (`-0` stays distinct from `0`), error values and dates get a marker.
 */
export function canon(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (value === tb.ErrorValue) return JSON.stringify(ERROR_MARK);
  if (typeof value === "number") {
    if (Object.is(value, -0)) return "-0";
    if (Number.isNaN(value)) return "NaN";
    return String(value);
  }
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  if (value instanceof Uint8Array) return `Bytes(${Array.from(value).join(",")})`;
  if (Array.isArray(value)) return `[${value.map(canon).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canon(v)}`).join(",")}}`;
  }
  return String(value);
}

/** Rows sorted by their canonical form (for order-insensitive comparison). */
export function sortRows<R>(rows: readonly R[]): R[] {
  return [...rows].sort((a, b) => {
    const ca = canon(a);
    const cb = canon(b);
    return ca < cb ? -1 : ca > cb ? 1 : 0;
  });
}

/** Asserts that two collections of rows are equal as multisets. */
export function expectRows(actual: readonly unknown[], expected: readonly unknown[]): void {
  expect(sortRows(actual).map(canon)).toEqual(sortRows(expected).map(canon));
}

/**
 * Asserts a change stream: the actual changes must come in non-decreasing `__time__` order
 * (as `computeChanges` promises) and, time by time, equal the expected ones as multisets.
 */
export function expectChanges(actual: readonly AnyChange[], expected: readonly AnyChange[]): void {
  const times = actual.map((c) => c.__time__);
  for (let i = 1; i < times.length; i++) {
    expect(times[i]!, `changes out of time order at index ${i}`).toBeGreaterThanOrEqual(
      times[i - 1]!,
    );
  }
  for (const c of actual) expect([1, -1]).toContain(c.__diff__);
  expect(byTime(actual)).toEqual(byTime(expected));
}

/** Changes grouped by time, each group sorted canonically (times ascending). */
export function byTime(changes: readonly AnyChange[]): Array<[number, string[]]> {
  const groups = new Map<number, AnyChange[]>();
  for (const c of changes) {
    const list = groups.get(c.__time__) ?? [];
    list.push(c);
    groups.set(c.__time__, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([time, list]) => [time, sortRows(list).map(canon)]);
}

/** Shorthand for one expected change. */
export function change(row: AnyRow, time: number, diff: 1 | -1): AnyChange {
  return { ...row, __time__: time, __diff__: diff };
}

/** Replays a change stream and returns the rows alive at the end (a multiset). */
export function replay(changes: readonly AnyChange[]): AnyRow[] {
  const counts = new Map<string, { row: AnyRow; n: number }>();
  for (const c of changes) {
    const { __time__: _t, __diff__: d, ...row } = c;
    const key = canon(row);
    const entry = counts.get(key) ?? { row, n: 0 };
    entry.n += d;
    counts.set(key, entry);
  }
  const out: AnyRow[] = [];
  for (const { row, n } of counts.values()) {
    expect(n, `negative multiplicity for ${canon(row)}`).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < n; i++) out.push(row);
  }
  return out;
}

const createdDirs: string[] = [];
afterEach(() => {
  while (createdDirs.length > 0) {
    rmSync(createdDirs.pop()!, { recursive: true, force: true });
  }
});

/** A fresh temporary directory, removed after the current test. */
export function tmpDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tributary-test-"));
  createdDirs.push(dir);
  return dir;
}

/** Writes a file (creating parent folders) and returns its path. */
export function writeFile(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** The non-empty lines of a text file. */
export function readLines(path: string): string[] {
  return readFileSync(path, "utf8")
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
}

/** Splits one CSV line into fields (RFC 4180 quotes, `""` inside quotes). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ",") {
      out.push(field);
      field = "";
    } else {
      field += ch;
    }
  }
  out.push(field);
  return out;
}

/** Reads a CSV file written by `tb.io.csv.write`: header and records as string maps. */
export function readCsv(path: string): {
  header: string[];
  records: Array<Record<string, string>>;
} {
  const [head, ...rest] = readLines(path);
  const header = parseCsvLine(head ?? "");
  const records = rest.map((line) => {
    const fields = parseCsvLine(line);
    return Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ""]));
  });
  return { header, records };
}

/** Reads a JSON-lines file: one object per non-empty line. */
export function readJsonLines(path: string): AnyRow[] {
  return readLines(path).map((l) => JSON.parse(l) as AnyRow);
}

/** Runs `fn` while capturing everything written to stdout (and console.log). */
export async function captureStdout(fn: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  const originalLog = console.log;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
  console.log = (...args: unknown[]) => {
    chunks.push(`${args.map((a) => (typeof a === "string" ? a : String(a))).join(" ")}\n`);
  };
  try {
    await fn();
  } finally {
    process.stdout.write = original;
    console.log = originalLog;
  }
  return chunks.join("");
}

/**
 * Runs the given tables' pipeline once (their rows go to `tb.io.null.write`) and returns the
 * rows of `tb.globalErrorLog()` of that run, read back from a JSON-lines change log.
 */
export async function errorLogOf(
  tables: ReadonlyArray<Parameters<typeof tb.io.null.write>[0]>,
  threads: number,
): Promise<AnyRow[]> {
  const dir = tmpDir();
  const path = join(dir, "errors.jsonl");
  for (const t of tables) tb.io.null.write(t);
  tb.io.jsonlines.write(tb.globalErrorLog(), path);
  await tb.run({ threads });
  const lines = readJsonLines(path);
  for (const l of lines) expect(l.diff, "the static error log only grows").toBe(1);
  return lines;
}

/** `true` when the value is an error cell. */
export function isError(value: unknown): boolean {
  return value === tb.ErrorValue;
}

/** A small seeded pseudo-random generator (mulberry32): numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
