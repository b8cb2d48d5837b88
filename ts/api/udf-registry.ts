/**
 * Which expression nodes are calls of user functions (`tb.udf`/`tb.apply`), and their result
 * types. Kept apart from `udf.ts` so that the expression compiler can recognise them without
 * importing the runtime side.
 */
import type { ExprNode } from "./ast.js";
import type { DType } from "./dtype.js";

/** The function name of user-function call nodes. */
export const UDF_CALL = "udf";

/** What the compiler needs to know about a user-function call. */
export interface UdfCallInfo {
  /** The declared result type. */
  readonly dtype: DType;
  /** Null arguments give null without a call (so the result may be null). */
  readonly propagateNull: boolean;
}

const calls = new WeakMap<ExprNode, UdfCallInfo>();

/** Marks `node` as a call of a user function. */
export function registerUdfCall(node: ExprNode, info: UdfCallInfo): void {
  calls.set(node, info);
}

/** The call info of a user-function call node, or `undefined`. */
export function udfCallInfo(node: ExprNode): UdfCallInfo | undefined {
  return node.k === "call" && node.f === UDF_CALL ? calls.get(node) : undefined;
}

/** True when the tree contains a user-function call. */
export function hasUdfCall(node: ExprNode): boolean {
  switch (node.k) {
    case "call":
      return udfCallInfo(node) !== undefined || node.args.some(hasUdfCall);
    case "reducer":
      return node.args.some(hasUdfCall);
    case "cast":
      return hasUdfCall(node.arg);
    default:
      return false;
  }
}
