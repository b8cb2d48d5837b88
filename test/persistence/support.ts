/**
 * Helpers of the persistence suites: waiting for a condition, reading a JSON Lines change log
 * (a torn last line ignored), folding changes into a final state, and the state files.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Polls `probe` until it holds or the time is up. */
export async function until(probe: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A change as a JSON Lines output writes it. */
export type LoggedChange = Record<string, unknown> & { time: number; diff: number };

/**
 * The complete lines of a change log (a last line cut short by a kill is left out; `strict`
 * throws on any line that does not parse instead).
 */
export function readChanges(path: string, strict = false): LoggedChange[] {
  if (!existsSync(path)) return [];
  const out: LoggedChange[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as LoggedChange);
    } catch {
      if (strict) throw new Error(`${path}: a torn line in the change log: ${line}`);
      // a torn last line
    }
  }
  return out;
}

/** The size of a file in bytes (0 when missing). */
export function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/**
 * What is wrong with a change stream read in file order: a time lower than the one before it
 * (a time written again after a later one), or a row retracted below zero (a change missing
 * or counted twice). Empty when the stream is consistent.
 */
export function streamProblems(changes: readonly LoggedChange[]): string[] {
  const problems: string[] = [];
  const state = new Map<string, number>();
  let last = Number.NEGATIVE_INFINITY;
  for (const [i, c] of changes.entries()) {
    if (c.time < last) problems.push(`line ${i + 1}: time ${c.time} after ${last}`);
    last = Math.max(last, c.time);
    const key = rowKey(c);
    const n = (state.get(key) ?? 0) + c.diff;
    if (n < 0) problems.push(`line ${i + 1}: ${key} retracted below zero`);
    if (n === 0) state.delete(key);
    else state.set(key, n);
  }
  return problems;
}

/** The row of a change without `time` and `diff`, as canonical text. */
export function rowKey(change: LoggedChange): string {
  const { time: _t, diff: _d, ...row } = change;
  return JSON.stringify(
    Object.keys(row)
      .sort()
      .map((k) => [k, row[k]]),
  );
}

/** Applies changes: the multiset of live rows (canonical text → count), zero counts dropped. */
export function fold(changes: readonly LoggedChange[]): Map<string, number> {
  const state = new Map<string, number>();
  for (const c of changes) {
    const key = rowKey(c);
    const n = (state.get(key) ?? 0) + c.diff;
    if (n === 0) state.delete(key);
    else state.set(key, n);
  }
  return state;
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out.sort();
}

/** The rows a change log folds to, as sorted `a,b,c` lines of `columns` (`NEGATIVE` marks a count below 0). */
export function foldedRows(changes: readonly LoggedChange[], columns: readonly string[]): string[] {
  const out: string[] = [];
  for (const [key, count] of fold(changes)) {
    const row = Object.fromEntries(JSON.parse(key) as Array<[string, unknown]>);
    for (let i = 0; i < count; i++) out.push(columns.map((c) => row[c]).join(","));
    if (count < 0) out.push(`NEGATIVE ${key}`);
  }
  return out.sort();
}

/** Starts `script` in a child Node process; `exited` resolves with its exit code (stderr shown on failure). */
export function startChild(
  script: string,
  args: string[],
): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      if (code !== 0 && code !== null) console.error(`${script} exited ${code}: ${stderr}`);
      resolve(code);
    }),
  );
  return { child, exited };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
