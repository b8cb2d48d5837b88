/**
 * Running plans: `tb.run()` executes the outputs declared since the last run; the debug
 * helpers run a plan with in-memory (`Collect`) outputs.
 */
import { fromNativeError } from "./errors.js";
import { loadNative, type NativeChange, type NativeRunResult } from "./native.js";
import { bindUdfs } from "./udf-driver.js";
import {
  buildPlan,
  type PendingOutput,
  type PlanJson,
  type PlanNode,
  planToJson,
  takePendingOutputs,
} from "./plan.js";

/** Options of `tb.run`. */
export interface RunOptions {
  /** Worker threads (default: `TRIBUTARY_THREADS`, else 1). */
  threads?: number;
  /** Progress reporting (accepted; the engine reports nothing yet). */
  monitoring?: "dashboard" | "log" | "none";
}

/** The worker count to use: the option, else `TRIBUTARY_THREADS`, else 1. */
export function resolveThreads(threads: number | undefined): number {
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`threads must be a positive integer, got ${threads}`);
    return threads;
  }
  const env = Number.parseInt(process.env.TRIBUTARY_THREADS ?? "", 10);
  return Number.isInteger(env) && env >= 1 ? env : 1;
}

/** Runs a serialized plan on the engine; engine errors become `TributaryError`s. */
export async function runPlanJson(plan: PlanJson, threads: number): Promise<NativeRunResult> {
  let raw: unknown;
  try {
    const native = loadNative();
    const udfs = bindUdfs(native, plan);
    raw = await native.runPlan(planToJson(plan), { threads }, udfs.length > 0 ? udfs : null);
  } catch (error) {
    throw fromNativeError(error);
  }
  const result = (typeof raw === "string" ? JSON.parse(raw) : raw) as NativeRunResult | null;
  return { collected: result?.collected ?? {} };
}

/** Executes every output declared since the previous run, then forgets them. */
export async function run(options: RunOptions = {}): Promise<void> {
  const outputs = takePendingOutputs();
  const threads = resolveThreads(options.threads);
  if (outputs.length === 0) return;
  await runPlanJson(buildPlan(outputs, { forceStatic: false }), threads);
}

/**
 * Runs the given tables in static mode and returns each one's changes, or with `snapshot`
 * only their final state (consolidated by the engine: one entry per live row, its diff the
 * row's multiplicity).
 */
export async function collect(
  nodes: readonly PlanNode[],
  threads: number | undefined,
  snapshot = false,
): Promise<NativeChange[][]> {
  const outputs: PendingOutput[] = nodes.map((node, id) => ({
    node,
    sink: { Collect: { id, snapshot } },
  }));
  const result = await runPlanJson(
    buildPlan(outputs, { forceStatic: true }),
    resolveThreads(threads),
  );
  return nodes.map((_, id) => result.collected[String(id)] ?? []);
}
