/**
 * Incremental per-group folds by a JavaScript function (`tb.reducers.stateful`,
 * `deduplicate`): a `FoldGroups` plan node keeps each group's last state in the engine and
 * hands the function only what changed — the state, the rows added and (for retractable
 * folds) the rows removed — in batches of groups.
 */
import type { ExprNode } from "./ast.js";
import type { DType } from "./dtype.js";
import type { PlanExpr } from "./plan.js";
import { PlanNode } from "./plan.js";
import { bindUdfOp, type UdfDefinition } from "./udf.js";

/** How a fold's function updates a group: the batch form the engine calls. */
export type FoldFunction = (
  states: readonly unknown[],
  added: readonly unknown[][][],
  removed: readonly unknown[][][],
) => unknown[];

/** A fold met as a reducer: its function (batch form) and whether it retracts. */
export interface FoldReducer {
  /** The registered batch function. */
  readonly def: UdfDefinition;
  /** The function takes removed rows out of a state (else groups that lose rows refold). */
  readonly retractable: boolean;
  /** The state's type. */
  readonly dtype: DType;
  /** Groups per call of the function (default 1024). */
  readonly maxGroups: number | undefined;
}

const foldOfNode = new WeakMap<ExprNode, FoldReducer>();

/** Marks a reducer node as a fold (internal). */
export function registerFold(node: ExprNode, fold: FoldReducer): void {
  foldOfNode.set(node, fold);
}

/** The fold a reducer node stands for, if it is one. */
export function foldOf(node: ExprNode): FoldReducer | undefined {
  return foldOfNode.get(node);
}

/**
 * The batch function of a fold from a per-row `combine` (and optional `retract`): for each
 * group, the removed rows are retracted from its state, then the added rows combined into it.
 */
export function foldFunction<S, A extends unknown[]>(
  combine: (state: S | null, ...values: A) => S,
  retract?: (state: S, ...values: A) => S,
): FoldFunction {
  return (states, added, removed) =>
    states.map((start, i) => {
      let state = (start ?? null) as S | null;
      if (retract) {
        for (const values of removed[i] ?? []) state = retract(state as S, ...(values as A));
      }
      for (const values of added[i] ?? []) state = combine(state, ...(values as A));
      return state;
    });
}

/** What a `FoldGroups` node folds. */
export interface FoldGroupsSpec {
  /** Grouping expressions over the input row, with their types. */
  keys: ReadonlyArray<{ expr: PlanExpr; dtype: DType }>;
  /** Per-row values handed to the function. */
  args: PlanExpr[];
  /** Order of a group's rows (ties by row id); none: by row id. */
  order: PlanExpr | undefined;
  /** The fold. */
  fold: FoldReducer;
  /** The API call, for error messages (`reducers.stateful`, `deduplicate`). */
  operation: string;
}

/** Groups per call of a fold's function. */
const GROUPS_PER_CALL = 1024;

/** Calls of one fold operator (per worker) out in JavaScript at once. */
const MAX_IN_FLIGHT = 8;

/** The node `[key0.., state]` with one row per group (the ids of a groupBy on the keys). */
export function foldGroupsNode(
  input: PlanNode,
  spec: FoldGroupsSpec,
  site: string | undefined,
): PlanNode {
  const { keys, args, order, fold, operation } = spec;
  return new PlanNode(
    [...keys.map((_, i) => `__key${i}`), "__state"],
    [...keys.map((k) => k.dtype), fold.dtype],
    [input],
    (ix) => {
      const op = {
        input: ix(input),
        keys: keys.map((k) => k.expr),
        args,
        order,
        udf: fold.def.id,
        retractable: fold.retractable,
        options: {
          name: `${operation} ${fold.def.name}`,
          max_batch: fold.maxGroups ?? GROUPS_PER_CALL,
          max_in_flight: MAX_IN_FLIGHT,
          deterministic: true,
          cache: false,
          propagate_null: false,
        },
      };
      bindUdfOp(op, fold.def);
      return { FoldGroups: op };
    },
    site,
    "stateful",
  );
}
