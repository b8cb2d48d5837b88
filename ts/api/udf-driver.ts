/**
 * The JavaScript side of a user-function batch: decodes the argument columns the engine sent
 * (`udf-columns.ts`), calls the user's function (per row or per batch, sync or async, with
 * retries, timeouts and a concurrency bound; one JS call per batch either way), encodes the
 * results and answers with `udfReply`. Never throws: every failure becomes a per-row error
 * message for the engine.
 */
import type { NativeBinding, UdfDriver } from "./native.js";
import type { PlanJson } from "./plan.js";
import { planToJson } from "./plan.js";
import { acquireUdfs, releaseUdfs, type UdfDefinition, udfOfOp } from "./udf.js";
import { argumentsKey, DiskCache } from "./udf-cache.js";
import { decodeColumn, type Precomputed, type RowErrors, sendResults } from "./udf-columns.js";
import { DEFAULT_BATCH } from "./udf-lower.js";
import { encodeValue } from "./values.js";

/** Limits how many calls of one function run at once. */
class Gate {
  #active = 0;
  readonly #queue: Array<() => void> = [];
  constructor(readonly limit: number) {}
  acquire(): Promise<void> | undefined {
    if (this.#active < this.limit) {
      this.#active++;
      return undefined;
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }
  release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#active--;
  }
}

const gates = new WeakMap<UdfDefinition, Gate>();

function gateOf(def: UdfDefinition): Gate {
  let gate = gates.get(def);
  if (!gate) {
    gate = new Gate(def.options.concurrency ?? 16);
    gates.set(def, gate);
  }
  return gate;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === "object" || typeof v === "function") &&
    typeof (v as { then?: unknown }).then === "function"
  );
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `threw ${String(e)}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function withTimeout(p: PromiseLike<unknown>, ms: number | undefined): Promise<unknown> {
  if (ms === undefined) return Promise.resolve(p);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(p), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Calls `thunk` under the function's retry and timeout policy. Returns the value directly
 * when the first attempt is synchronous and succeeds.
 */
function attempt(def: UdfDefinition, thunk: () => unknown): unknown {
  const retries = def.options.retries ?? 0;
  const delay = def.options.retryDelayMs ?? 50;
  const run = async (first: unknown, firstError: unknown, failed: boolean): Promise<unknown> => {
    let error = firstError;
    let tries = 0;
    if (!failed) {
      try {
        return await withTimeout(first as PromiseLike<unknown>, def.options.timeoutMs);
      } catch (e) {
        error = e;
      }
    }
    while (tries < retries) {
      await sleep(delay * 2 ** tries);
      tries++;
      try {
        const r = thunk();
        return isThenable(r) ? await withTimeout(r, def.options.timeoutMs) : r;
      } catch (e) {
        error = e;
      }
    }
    throw error;
  };
  let first: unknown;
  try {
    first = thunk();
  } catch (e) {
    if (retries === 0) throw e;
    return run(undefined, e, true);
  }
  return isThenable(first) ? run(first, undefined, false) : first;
}

type Errors = RowErrors;

/** Runs a batch of a one-row-at-a-time function. */
function runRows(
  def: UdfDefinition,
  columns: ArrayLike<unknown>[],
  rows: number,
  done: (values: ArrayLike<unknown>, errors: Errors) => void,
): void {
  const fn = def.fn as (...args: unknown[]) => unknown;
  const values: unknown[] = new Array(rows);
  const errors: Errors = [];
  const arity = columns.length;
  const argsAt = (i: number): unknown[] => {
    const args = new Array(arity);
    for (let a = 0; a < arity; a++) args[a] = columns[a]![i];
    return args;
  };
  const c0 = columns[0];
  const c1 = columns[1];
  // Direct calls for the common arities: no argument array per row.
  const callAt: (i: number) => unknown =
    arity === 0
      ? () => fn()
      : arity === 1
        ? (i) => fn(c0![i])
        : arity === 2
          ? (i) => fn(c0![i], c1![i])
          : (i) => fn(...argsAt(i));
  const isAsync = def.fn.constructor.name === "AsyncFunction";
  if (!isAsync) {
    const plain = (def.options.retries ?? 0) === 0;
    const later: Array<Promise<void>> = [];
    // A crossing runs for at most SLICE_MS at a time (the clock is read every SLICE_CHECK
    // rows) and queues its remaining rows behind the other batches: an expensive function
    // would otherwise hold the event loop for its whole crossing.
    const runFrom = (begin: number): void => {
      const start = performance.now();
      let i = begin;
      while (i < rows) {
        try {
          const r = plain ? callAt(i) : attempt(def, () => callAt(i));
          if (isThenable(r)) {
            const at = i;
            const settled = plain ? attempt(def, () => r) : r;
            later.push(
              Promise.resolve(settled).then(
                (v) => {
                  values[at] = v;
                },
                (e) => {
                  errors.push([at, messageOf(e)]);
                },
              ),
            );
          } else values[i] = r;
        } catch (e) {
          errors.push([i, messageOf(e)]);
        }
        i++;
        if (i % SLICE_CHECK === 0 && i < rows && performance.now() - start >= SLICE_MS) {
          schedule(() => runFrom(i));
          return;
        }
      }
      if (later.length === 0) done(values, errors);
      else void Promise.all(later).then(() => done(values, errors));
    };
    runFrom(0);
    return;
  }
  const gate = gateOf(def);
  const one = async (i: number): Promise<void> => {
    const wait = gate.acquire();
    if (wait) await wait;
    try {
      values[i] = await attempt(def, () => callAt(i));
    } catch (e) {
      errors.push([i, messageOf(e)]);
    } finally {
      gate.release();
    }
  };
  const all: Array<Promise<void>> = [];
  for (let i = 0; i < rows; i++) all.push(one(i));
  void Promise.all(all).then(() => done(values, errors));
}

/** Runs one call of a batch function. */
function runBatch(
  def: UdfDefinition,
  columns: ArrayLike<unknown>[],
  rows: number,
  done: (values: ArrayLike<unknown>, errors: Errors) => void,
): void {
  const fn = def.fn as (...args: unknown[]) => unknown;
  const arrays = columns.map((c) => (Array.isArray(c) ? c : Array.from(c)));
  const failAll = (e: unknown): void => {
    const message = messageOf(e);
    done(
      new Array(rows).fill(null),
      Array.from({ length: rows }, (_, i): [number, string] => [i, message]),
    );
  };
  const accept = (result: unknown): void => {
    const arrayLike =
      Array.isArray(result) || (ArrayBuffer.isView(result) && !(result instanceof DataView));
    if (!arrayLike) {
      failAll(new TypeError(`a batch function must return an array, got ${typeof result}`));
      return;
    }
    const values = result as ArrayLike<unknown>;
    if (values.length !== rows) {
      failAll(new RangeError(`returned ${values.length} results for ${rows} rows`));
      return;
    }
    done(values, []);
  };
  const gate = gateOf(def);
  const go = (): void => {
    let r: unknown;
    try {
      r = attempt(def, () => fn(...arrays));
    } catch (e) {
      gate.release();
      failAll(e);
      return;
    }
    if (!isThenable(r)) {
      gate.release();
      accept(r);
      return;
    }
    Promise.resolve(r).then(
      (v) => {
        gate.release();
        accept(v);
      },
      (e) => {
        gate.release();
        failAll(e);
      },
    );
  };
  const wait = gate.acquire();
  if (wait) void wait.then(go);
  else go();
}

/** Answers a batch whose every row failed with `message`. */
function failRows(native: NativeBinding, token: number, rows: number, message: string): void {
  const errors = Array.from({ length: rows }, (_, i): [number, string] => [i, message]);
  native.udfReply(
    token,
    null,
    JSON.stringify(new Array(rows).fill("None")),
    JSON.stringify(errors),
  );
}

/**
 * Calls the function on the rows of one crossing: per row, or as batch calls of at most
 * `batch.maxSize` rows each (many small calls share one crossing from the engine).
 */
function runAny(
  def: UdfDefinition,
  columns: ArrayLike<unknown>[],
  rows: number,
  done: (values: ArrayLike<unknown>, errors: Errors) => void,
): void {
  if (!def.batch) {
    runRows(def, columns, rows, done);
    return;
  }
  const size = def.options.batch?.maxSize ?? DEFAULT_BATCH;
  if (rows <= size) {
    runBatch(def, columns, rows, done);
    return;
  }
  const values: unknown[] = new Array(rows);
  const errors: Errors = [];
  let left = Math.ceil(rows / size);
  for (let start = 0; start < rows; start += size) {
    const end = Math.min(rows, start + size);
    const part = columns.map((c) => Array.prototype.slice.call(c, start, end) as unknown[]);
    runBatch(def, part, end - start, (partValues, partErrors) => {
      for (let i = 0; i < end - start; i++) values[start + i] = partValues[i];
      for (const [i, message] of partErrors) errors.push([start + i, message]);
      left--;
      if (left === 0) done(values, errors);
    });
  }
}

/**
 * A batch with a disk cache: rows whose arguments are on disk are answered from it, the
 * function runs on the others only, and their successful results are added to the disk.
 */
function runCached(
  def: UdfDefinition,
  disk: DiskCache,
  columns: ArrayLike<unknown>[],
  rows: number,
  done: (values: ArrayLike<unknown>, errors: Errors, precomputed: Precomputed) => void,
): void {
  const keys: string[] = new Array(rows);
  const precomputed: Precomputed = new Map();
  const misses: number[] = [];
  for (let i = 0; i < rows; i++) {
    const key = argumentsKey(columns.map((c) => c[i]));
    keys[i] = key;
    const hit = disk.get(key);
    if (hit !== undefined) precomputed.set(i, hit);
    else misses.push(i);
  }
  const values: unknown[] = new Array(rows);
  if (misses.length === 0) {
    done(values, [], precomputed);
    return;
  }
  const sub = columns.map((c) => misses.map((i) => c[i]));
  runAny(def, sub, misses.length, (subValues, subErrors) => {
    const errors: Errors = subErrors.map(([j, message]) => [misses[j]!, message]);
    const failed = new Set(subErrors.map(([j]) => j));
    const fresh: Array<[string, string]> = [];
    for (let j = 0; j < misses.length; j++) {
      const i = misses[j]!;
      values[i] = subValues[j];
      if (failed.has(j)) continue;
      try {
        fresh.push([
          keys[i]!,
          planToJson(encodeValue(subValues[j], def.options.returns.dtype, def.name)),
        ]);
      } catch {
        // not a value of the result type: reported when the results are sent, never cached
      }
    }
    try {
      disk.add(fresh);
    } catch {
      // a full or read-only disk loses the cache entries, not the results
    }
    done(values, errors, precomputed);
  });
}

/** Batches waiting for the JS thread (all functions, all runs), in arrival order. */
const queue: Array<() => void> = [];
let draining = false;

/** Longest stretch of batches (or of one batch's rows) run before timers and I/O get their turn. */
const SLICE_MS = 4;

/** How many rows of a one-row-at-a-time function run between two looks at the clock. */
const SLICE_CHECK = 64;

/**
 * Runs `task` in a later macrotask. The engine may keep the thread-safe queue full and Node
 * drains that queue in one go; batches therefore run from this queue in slices of a few
 * milliseconds, each slice its own `setImmediate`, so timers and I/O run between slices.
 */
function schedule(task: () => void): void {
  queue.push(task);
  if (!draining) {
    draining = true;
    setImmediate(drain);
  }
}

function drain(): void {
  const start = performance.now();
  let head = 0;
  while (head < queue.length) {
    const task = queue[head++]!;
    try {
      task();
    } catch {
      // tasks answer their batch themselves; nothing to do here
    }
    if (performance.now() - start >= SLICE_MS) break;
  }
  queue.splice(0, head);
  if (queue.length > 0) setImmediate(drain);
  else draining = false;
}

/** The driver of one function: what the engine calls with each batch. */
export function makeDriver(native: NativeBinding, def: UdfDefinition): UdfDriver {
  const disk = DiskCache.open(def);
  const dtype = def.options.returns.dtype;
  // Batch functions receive arrays; the disk cache picks rows out of arrays too.
  const asArrays = def.batch || disk !== undefined;
  return (token, rows, columns) => {
    let decoded: ArrayLike<unknown>[];
    try {
      decoded = columns.map((c) => decodeColumn(c, rows, asArrays));
    } catch (e) {
      failRows(native, token, rows, `the arguments could not be read: ${messageOf(e)}`);
      return;
    }
    const done = (values: ArrayLike<unknown>, errors: Errors, precomputed?: Precomputed): void => {
      try {
        sendResults(native, token, dtype, def.name, values, errors, precomputed);
      } catch (e) {
        const message = `the results could not be sent: ${messageOf(e)}`;
        failRows(native, token, rows, message);
      }
    };
    schedule(() => {
      if (disk) runCached(def, disk, decoded, rows, done);
      else runAny(def, decoded, rows, done);
    });
  };
}

/** The user functions of one run, bound to the plan; `release` when the run has ended. */
export interface BoundUdfs {
  /** The drivers, in the plan's numbering. */
  readonly drivers: UdfDriver[];
  /** Forgets the run's functions (call once, when the run has ended). */
  release(): void;
}

/**
 * Prepares a plan's user functions for a run: renumbers the functions of the `Udf` and
 * `FoldGroups` nodes 0.. in the
 * plan (in place) and returns their drivers in that order.
 */
export function bindUdfs(native: NativeBinding, plan: PlanJson): BoundUdfs {
  const index = new Map<UdfDefinition, number>();
  const drivers: UdfDriver[] = [];
  const defs: UdfDefinition[] = [];
  for (const node of plan.nodes) {
    const op = node.op;
    if (typeof op !== "object") continue;
    const call = "Udf" in op ? op.Udf : "FoldGroups" in op ? op.FoldGroups : undefined;
    if (call === undefined) continue;
    const def = udfOfOp(call);
    if (!def) throw new Error(`internal: unknown user function ${call.udf}`);
    let k = index.get(def);
    if (k === undefined) {
      k = drivers.length;
      index.set(def, k);
      defs.push(def);
      drivers.push(makeDriver(native, def));
    }
    call.udf = k;
  }
  acquireUdfs(defs);
  let released = false;
  return {
    drivers,
    release: () => {
      if (released) return;
      released = true;
      releaseUdfs(defs);
    },
  };
}
