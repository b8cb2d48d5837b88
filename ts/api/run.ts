/**
 * Running plans: `tb.run()` executes the outputs declared since the last run; the debug
 * helpers run a plan with in-memory (`Collect`) outputs.
 */
import { fromNativeError } from "./errors.js";
import { startPendingSubjects } from "./io/custom.js";
import { loadNative, type NativeChange, type NativeRunResult } from "./native.js";
import { nativePersistence, type PersistenceConfig, setUdfCacheDir } from "./persistence.js";
import {
  buildPlan,
  type PendingOutput,
  type PlanJson,
  type PlanNode,
  planToJson,
  takePendingOutputs,
} from "./plan.js";
import { takeSubscribers } from "./subscribe.js";
import { type BoundUdfs, bindUdfs } from "./udf-driver.js";

/** Options of `tb.run`. */
export interface RunOptions {
  /** Worker threads (default: `TRIBUTARY_THREADS`, else 1). */
  threads?: number;
  /**
   * Progress reporting on stderr: `"dashboard"` (a live table of sources, outputs, latency and
   * errors), `"log"` (a line per second) or `"none"` (default).
   */
  monitoring?: "dashboard" | "log" | "none";
  /** Serve Prometheus metrics at `http://127.0.0.1:<metricsPort>/metrics` while running. */
  metricsPort?: number;
  /** Log what the sources read and resume after a restart (`tb.persistence.config(...)`). */
  persistence?: PersistenceConfig;
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
export async function runPlanJson(
  plan: PlanJson,
  threads: number,
  control: {
    runId?: number;
    onEvent?: (event: string | Buffer) => void;
    monitoring?: RunOptions["monitoring"];
    metricsPort?: number;
    persistence?: PersistenceConfig;
  } = {},
): Promise<NativeRunResult> {
  let raw: unknown;
  let udfs: BoundUdfs | undefined;
  try {
    const native = loadNative();
    udfs = bindUdfs(native, plan);
    const running = native.runPlan(
      planToJson(plan),
      {
        threads,
        ...(control.runId !== undefined ? { runId: control.runId } : {}),
        ...(control.monitoring !== undefined ? { monitoring: control.monitoring } : {}),
        ...(control.metricsPort !== undefined ? { metricsPort: control.metricsPort } : {}),
        ...(control.persistence ? { persistence: nativePersistence(control.persistence) } : {}),
      },
      control.onEvent ?? null,
      udfs.drivers.length > 0 ? udfs.drivers : null,
    );
    startPendingSubjects();
    raw = await running;
  } catch (error) {
    throw fromNativeError(error);
  } finally {
    udfs?.release();
  }
  const result = (typeof raw === "string" ? JSON.parse(raw) : raw) as NativeRunResult | null;
  return { collected: result?.collected ?? {} };
}

/** A pipeline started with `tb.start()`. */
export interface RunHandle {
  /** Asks the pipeline to stop: sources close, outputs are flushed; resolves when done. */
  stop(): Promise<void>;
  /** Resolves when the pipeline has ended (inputs exhausted or stopped); rejects on failure. */
  readonly done: Promise<void>;
}

let nextRunId = 1;

/**
 * Starts every output declared since the previous run/start (then forgets them) and returns
 * at once. Static pipelines end by themselves; streaming ones run until `stop()`.
 */
export function start(options: RunOptions = {}): RunHandle {
  const outputs = takePendingOutputs();
  const threads = resolveThreads(options.threads);
  const runId = nextRunId++;
  const subscriberIds = outputs.flatMap((o) =>
    typeof o.sink === "object" && "Subscribe" in o.sink ? [o.sink.Subscribe.id] : [],
  );
  const subscribers = takeSubscribers(subscriberIds);
  setUdfCacheDir(options.persistence);
  const done =
    outputs.length === 0
      ? Promise.resolve()
      : runPlanJson(buildPlan(outputs, { forceStatic: false }), threads, {
          runId,
          ...(options.monitoring !== undefined ? { monitoring: options.monitoring } : {}),
          ...(options.metricsPort !== undefined ? { metricsPort: options.metricsPort } : {}),
          ...(options.persistence ? { persistence: options.persistence } : {}),
          ...(subscribers ? { onEvent: subscribers.onEvent } : {}),
        }).then(() => subscribers?.ended);
  return {
    done,
    async stop() {
      if (outputs.length > 0) loadNative().stopRun(runId);
      await done;
    },
  };
}

/**
 * Executes every output declared since the previous run, then forgets them. Resolves when
 * every source is done (static) or after a stop: Ctrl-C (SIGINT) stops a run cleanly,
 * flushing its outputs.
 */
export async function run(options: RunOptions = {}): Promise<void> {
  const handle = start(options);
  const onSignal = () => {
    void handle.stop();
  };
  process.once("SIGINT", onSignal);
  try {
    await handle.done;
  } finally {
    process.removeListener("SIGINT", onSignal);
  }
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
