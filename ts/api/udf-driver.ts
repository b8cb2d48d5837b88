/**
 * The JavaScript side of a user-function batch: decodes the argument columns the engine sent,
 * calls the user's function (per row or per batch, sync or async, with retries, timeouts and
 * a concurrency bound), encodes the results and answers with `udfReply`. Never throws: every
 * failure becomes a per-row error message for the engine.
 */
import { decodeCell } from "./decode.js";
import { type DType, unoptional } from "./dtype.js";
import type { NativeBinding, NativeCell, UdfDriver } from "./native.js";
import type { PlanJson, PlanValue } from "./plan.js";
import { planToJson } from "./plan.js";
import { type UdfDefinition, udfDefinition } from "./udf.js";
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

/** Decodes one argument column. */
function decodeColumn(column: Float64Array | string): ArrayLike<unknown> {
  if (typeof column !== "string") return column;
  const cells = JSON.parse(column) as NativeCell[];
  const out: unknown[] = cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    if (c !== null && typeof c === "object") out[i] = decodeCell(c);
  }
  return out;
}

type Errors = Array<[number, string]>;

/** Encodes results for the engine and sends them. */
function reply(
  native: NativeBinding,
  token: number,
  def: UdfDefinition,
  values: unknown[],
  errors: Errors,
): void {
  const dtype: DType = def.options.returns.dtype;
  const base = unoptional(dtype);
  const failed = new Set(errors.map(([i]) => i));
  if (base === "Int" || base === "Float") {
    let numeric = true;
    for (let i = 0; i < values.length; i++) {
      if (typeof values[i] !== "number" && !failed.has(i)) {
        numeric = false;
        break;
      }
    }
    if (numeric) {
      const numbers = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        numbers[i] = typeof v === "number" ? v : 0;
      }
      native.udfReply(token, numbers, null, errors.length ? JSON.stringify(errors) : null);
      return;
    }
  }
  const encoded: PlanValue[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    if (failed.has(i)) {
      encoded[i] = "None";
      continue;
    }
    try {
      encoded[i] = encodeValue(values[i], dtype, def.name);
    } catch (e) {
      encoded[i] = "None";
      errors.push([i, e instanceof Error ? e.message : String(e)]);
    }
  }
  let json: string;
  try {
    json = JSON.stringify(encoded);
  } catch {
    json = planToJson(encoded); // bigints
  }
  native.udfReply(token, null, json, errors.length ? JSON.stringify(errors) : null);
}

/** Runs a batch of a one-row-at-a-time function. */
function runRows(
  def: UdfDefinition,
  columns: ArrayLike<unknown>[],
  rows: number,
  done: (values: unknown[], errors: Errors) => void,
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
    for (let i = 0; i < rows; i++) {
      try {
        const r = plain ? callAt(i) : attempt(def, () => callAt(i));
        if (isThenable(r)) {
          const settled = plain ? attempt(def, () => r) : r;
          later.push(
            Promise.resolve(settled).then(
              (v) => {
                values[i] = v;
              },
              (e) => {
                errors.push([i, messageOf(e)]);
              },
            ),
          );
        } else values[i] = r;
      } catch (e) {
        errors.push([i, messageOf(e)]);
      }
    }
    if (later.length === 0) done(values, errors);
    else void Promise.all(later).then(() => done(values, errors));
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
  done: (values: unknown[], errors: Errors) => void,
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
    if (!Array.isArray(result) && !ArrayBuffer.isView(result)) {
      failAll(new TypeError(`a batch function must return an array, got ${typeof result}`));
      return;
    }
    const values = Array.from(result as ArrayLike<unknown>);
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

/** The driver of one function: what the engine calls with each batch. */
export function makeDriver(native: NativeBinding, def: UdfDefinition): UdfDriver {
  return (token, rows, columns) => {
    let decoded: ArrayLike<unknown>[];
    try {
      decoded = columns.map(decodeColumn);
    } catch (e) {
      failRows(native, token, rows, `the arguments could not be read: ${messageOf(e)}`);
      return;
    }
    const done = (values: unknown[], errors: Errors): void => {
      try {
        reply(native, token, def, values, errors);
      } catch (e) {
        const message = `the results could not be sent: ${messageOf(e)}`;
        failRows(native, token, rows, message);
      }
    };
    // Run in a macrotask of its own: the engine may keep the thread-safe queue full, and
    // Node drains that queue in one go; this lets timers and I/O run between batches.
    setImmediate(() => {
      if (def.batch) runBatch(def, decoded, rows, done);
      else runRows(def, decoded, rows, done);
    });
  };
}

/**
 * Prepares a plan's user functions for a run: renumbers the `Udf` nodes' functions 0.. in the
 * plan (in place) and returns their drivers in that order.
 */
export function bindUdfs(native: NativeBinding, plan: PlanJson): UdfDriver[] {
  const index = new Map<number, number>();
  const drivers: UdfDriver[] = [];
  for (const node of plan.nodes) {
    const op = node.op;
    if (typeof op !== "object" || !("Udf" in op)) continue;
    const id = op.Udf.udf;
    let k = index.get(id);
    if (k === undefined) {
      const def = udfDefinition(id);
      if (!def) throw new Error(`internal: unknown user function ${id}`);
      k = drivers.length;
      index.set(id, k);
      drivers.push(makeDriver(native, def));
    }
    op.Udf.udf = k;
  }
  return drivers;
}
