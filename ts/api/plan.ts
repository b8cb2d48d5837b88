/**
 * The plan as data (`crates/engine/src/plan.rs` in serde's JSON form) and the process-wide
 * graph of tables that `tb.run()` and `tb.debug.*` serialize.
 */
import type { DType } from "./dtype.js";

/** A cell value in the plan (`Value` of `value.rs`). Integers may be bigints. */
export type PlanValue =
  | "None"
  | "Error"
  | { Int: number | bigint }
  | { Float: number }
  | { Str: string }
  | { Bool: boolean }
  | { Bytes: number[] }
  | { DateTime: number | bigint }
  | { Duration: number | bigint }
  | { Json: string }
  | { Pointer: string }
  | { Tuple: PlanValue[] };

/** An expression in the plan (`Expr`). */
export type PlanExpr =
  | { Col: number }
  | { Id: number }
  | { Lit: PlanValue }
  | { Call: { f: string; args: PlanExpr[] } }
  | { Cast: { to: DType; arg: PlanExpr } };

/** How a static row's id is given (`StaticId`). */
export type StaticId = { Position: number } | { Values: PlanValue[] };

/** One update of a static table. */
export interface StaticRow {
  id: StaticId;
  values: PlanValue[];
  time: number;
  diff: number;
}

/** A reducer (`ReducerSpec`). */
export interface ReducerSpec {
  kind: string;
  args: PlanExpr[];
  skip_nones: boolean;
}

/** What a source reads (`SourceSpec`). */
export interface SourceSpec {
  name: string;
  kind: string;
  path: string;
  mode: string;
  primary_key: number[];
  options: Record<string, unknown>;
  /** Streaming: how often a commit closes (ms). */
  autocommit_ms?: number;
}

/** Join kinds. */
export type JoinKind = "Inner" | "Left" | "Right" | "Outer";
/** Join id choices. */
export type JoinId = "Pair" | "Left" | "Right";

/** An operator (`Op`), inputs as node indices. */
export type PlanOp =
  | { Static: { rows: StaticRow[]; seed: number } }
  | { Source: { source: SourceSpec } }
  | "ErrorLog"
  | { Select: { input: number; exprs: PlanExpr[] } }
  | { Filter: { input: number; predicate: PlanExpr } }
  | { Reindex: { input: number; keys: PlanExpr[] } }
  | {
      GroupBy: { input: number; keys: PlanExpr[]; reducers: ReducerSpec[]; output: PlanExpr[] };
    }
  | {
      Join: {
        left: number;
        right: number;
        kind: JoinKind;
        left_keys: PlanExpr[];
        right_keys: PlanExpr[];
        output: PlanExpr[];
        id: JoinId;
      };
    }
  | { Concat: { inputs: number[] } }
  | { ConcatReindex: { inputs: number[] } }
  | { Flatten: { input: number; column: number } }
  | { UpdateRows: { input: number; update: number } }
  | { UpdateCells: { input: number; update: number; columns: Array<number | null> } }
  | { Difference: { input: number; other: number } }
  | { Intersect: { input: number; others: number[] } }
  | { Having: { input: number; indexer: number; pointer: PlanExpr } }
  | { Ix: { source: number; indexer: number; pointer: PlanExpr; optional: boolean } }
  | { Rekey: { input: number; pointer: PlanExpr; exprs: PlanExpr[] } }
  | { Sort: { input: number; key: PlanExpr; instance: PlanExpr | undefined } }
  | {
      Udf: {
        input: number;
        udf: number;
        args: PlanExpr[];
        options: PlanUdfOptions;
        /** A fused select: its columns over the input row plus the result (last column). */
        project?: PlanExpr[];
      };
    }
  | {
      FoldGroups: {
        input: number;
        keys: PlanExpr[];
        args: PlanExpr[];
        order: PlanExpr | undefined;
        udf: number;
        retractable: boolean;
        options: PlanUdfOptions;
      };
    }
  | {
      TemporalJoin: {
        left: number;
        right: number;
        kind: JoinKind;
        left_keys: PlanExpr[];
        right_keys: PlanExpr[];
        output: PlanExpr[];
        id: JoinId;
        temporal: TemporalJoinSpec;
        behavior?: PlanWindowBehavior | undefined;
      };
    }
  | { StampTime: { input: number } }
  | {
      WindowAssign: {
        input: number;
        time: PlanExpr;
        instance: PlanExpr | undefined;
        window: PlanWindowSpec;
        behavior: PlanWindowBehavior | undefined;
      };
    }
  | { WindowFreeze: { input: number; window: number } }
  | {
      Iterate: {
        inputs: number[];
        variables: number;
        body: PlanNodeJson[];
        results: number[];
        limit: number | null;
      };
    }
  | { IterateInput: { index: number } }
  | { IterateOutput: { iterate: number; index: number } };

/** A window kind (`WindowSpec` of `plan.rs`); numbers in the time column's unit. */
export type PlanWindowSpec =
  | { Tumbling: { duration: PlanValue; origin: PlanValue | undefined } }
  | { Sliding: { hop: PlanValue; duration: PlanValue; origin: PlanValue | undefined } }
  | { Session: { max_gap: PlanValue } }
  | {
      IntervalsOver: {
        probes: number;
        at: PlanExpr;
        lower: PlanValue;
        upper: PlanValue;
        is_outer: boolean;
      };
    };

/** Delay, cutoff and forgetting (`WindowBehavior` of `plan.rs`). */
export interface PlanWindowBehavior {
  delay: PlanValue | undefined;
  cutoff: PlanValue | undefined;
  keep_results: boolean;
}

/** How a temporal join matches times (`TemporalJoinSpec` of `plan.rs`). */
export type TemporalJoinSpec =
  | {
      Interval: { left_time: PlanExpr; right_time: PlanExpr; lower: PlanValue; upper: PlanValue };
    }
  | {
      Asof: {
        left_time: PlanExpr;
        right_time: PlanExpr;
        direction: "Backward" | "Forward" | "Nearest";
      };
    }
  | "AsofNow"
  | { Window: { left_time: PlanExpr; right_time: PlanExpr } };

/** How the engine drives a user function (`UdfOptions` of `plan.rs`). */
export interface PlanUdfOptions {
  name: string;
  max_batch: number;
  /** Most rows per crossing to JavaScript (split into calls of `max_batch`); 0: `max_batch`. */
  crossing_rows?: number;
  max_in_flight: number;
  deterministic: boolean;
  cache: boolean;
  propagate_null: boolean;
  /** The result type when the node's last column is not the result (fused select). */
  returns?: DType;
}

/** One table of a serialized plan. */
export interface PlanNodeJson {
  op: PlanOp;
  columns: string[];
  dtypes: DType[];
  trace: string | null;
}

/** Where an output's changes go (`SinkSpec`). */
export type SinkSpec =
  | { Collect: { id: number; snapshot?: boolean } }
  | { File: { kind: string; path: string } }
  | "Null"
  | { Subscribe: { id: number; columnar?: boolean } }
  | {
      Postgres: {
        connection_string: string;
        table_name: string;
        mode: string;
        primary_key: string[];
        init: string;
      };
    }
  | {
      Kafka: {
        brokers: string;
        topic: string;
        format: string;
        key?: string;
        timeout_ms?: number;
        settings?: Record<string, string>;
      };
    };

/** A serialized output. */
export interface PlanOutputJson {
  node: number;
  sink: SinkSpec;
}

/** A whole serialized plan. */
export interface PlanJson {
  nodes: PlanNodeJson[];
  outputs: PlanOutputJson[];
}

/** Options applied while serializing. */
export interface SerializeOptions {
  /** Force every source to `static` mode (`tb.debug.*`). */
  forceStatic: boolean;
}

/** Builds a node's operator once the indices of its inputs are known. */
export type OpBuilder = (index: (node: PlanNode) => number, options: SerializeOptions) => PlanOp;

let nextNodeId = 0;

/** A table in the process-wide graph. Immutable once made. */
export class PlanNode {
  /** Process-unique id (creation order). */
  readonly uid: number = nextNodeId++;

  constructor(
    /** Column names, in order. */
    readonly columns: readonly string[],
    /** Column types, in order. */
    readonly dtypes: readonly DType[],
    /** Input tables. */
    readonly inputs: readonly PlanNode[],
    /** Produces the operator JSON. */
    readonly build: OpBuilder,
    /** The user call site that made this table. */
    readonly trace: string | undefined,
    /** Short operator name for messages (`select`, `join`, …). */
    readonly operation: string,
  ) {
    this.carry = undefined;
  }

  /**
   * When this table has the same row ids as `from` (filter, select) and passes some of its
   * columns through unchanged: `map[k]` is the index in `from` of this table's column `k`
   * (or -1). Lets expressions refer to columns of an ancestor table.
   */
  carry: { readonly from: PlanNode; readonly map: readonly number[] } | undefined;

  /** Index of a column or -1. */
  indexOf(name: string): number {
    return this.columns.indexOf(name);
  }
}

/** An output not yet run. */
export interface PendingOutput {
  node: PlanNode;
  sink: SinkSpec;
}

/**
 * Numbers the nodes reachable from the outputs in dependency order and serializes them.
 */
export function buildPlan(outputs: readonly PendingOutput[], options: SerializeOptions): PlanJson {
  const order: PlanNode[] = [];
  const index = new Map<PlanNode, number>();
  const visiting = new Set<PlanNode>();
  const visit = (root: PlanNode): void => {
    // Iterative post-order walk (deep pipelines must not overflow the stack).
    const stack: Array<{ node: PlanNode; next: number }> = [{ node: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (index.has(top.node)) {
        stack.pop();
        continue;
      }
      visiting.add(top.node);
      if (top.next < top.node.inputs.length) {
        const child = top.node.inputs[top.next++]!;
        if (!index.has(child) && !visiting.has(child)) stack.push({ node: child, next: 0 });
        continue;
      }
      visiting.delete(top.node);
      index.set(top.node, order.length);
      order.push(top.node);
      stack.pop();
    }
  };
  for (const output of outputs) visit(output.node);
  const lookup = (node: PlanNode): number => {
    const i = index.get(node);
    if (i === undefined) throw new Error(`internal: node ${node.uid} was not numbered`);
    return i;
  };
  const nodes = order.map(
    (node): PlanNodeJson => ({
      op: node.build(lookup, options),
      columns: [...node.columns],
      dtypes: [...node.dtypes],
      trace: node.trace ?? null,
    }),
  );
  return {
    nodes,
    outputs: outputs.map((o) => ({ node: lookup(o.node), sink: o.sink })),
  };
}

/** Marks a bigint inside JSON text so that it can be turned into a bare integer. */
const BIGINT_MARK = "\u0000bigint:";
const BIGINT_TEXT = /"\\u0000bigint:(-?\d+)"/g;

/** JSON text of a plan; bigints are written as plain JSON integers (native JSON.stringify). */
export function planToJson(value: unknown): string {
  let marked = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") {
      marked = true;
      return `${BIGINT_MARK}${v.toString()}`;
    }
    if (typeof v === "number" && !Number.isFinite(v)) {
      throw new Error(`internal: non-finite number ${v} in plan`);
    }
    return v;
  });
  if (text === undefined) return "null";
  return marked ? text.replace(BIGINT_TEXT, "$1") : text;
}

const pending: PendingOutput[] = [];

/** Declares an output to be executed by the next `tb.run()`. */
export function declareOutput(node: PlanNode, sink: SinkSpec): void {
  pending.push({ node, sink });
}

/** Removes and returns every output declared since the last run. */
export function takePendingOutputs(): PendingOutput[] {
  return pending.splice(0, pending.length);
}
