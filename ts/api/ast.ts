/**
 * The expression tree users build with methods (before it is resolved against a table).
 */
import type { DType } from "./dtype.js";
import type { PlanExpr, PlanNode } from "./plan.js";

/** What a column reference points at: a concrete table or a deferred `tb.this/left/right`. */
export type RefSource = PlanNode | "this" | "left" | "right";

/** A node of the user-level expression tree. */
export type ExprNode =
  | { readonly k: "col"; readonly src: RefSource; readonly name: string; readonly site?: string }
  | { readonly k: "id"; readonly src: RefSource; readonly site?: string }
  | { readonly k: "lit"; readonly value: unknown; readonly dtype?: DType }
  | {
      readonly k: "call";
      readonly f: string;
      readonly args: readonly ExprNode[];
      readonly site?: string;
    }
  | { readonly k: "cast"; readonly to: DType; readonly arg: ExprNode; readonly site?: string }
  | {
      readonly k: "reducer";
      readonly kind: string;
      readonly args: readonly ExprNode[];
      readonly skipNones: boolean;
      readonly site?: string;
    };

/** An expression resolved against a table: plan form and inferred type. */
export interface Compiled {
  expr: PlanExpr;
  dtype: DType;
}

/** True when the tree contains a reducer. */
export function hasReducer(node: ExprNode): boolean {
  switch (node.k) {
    case "reducer":
      return true;
    case "call":
      return node.args.some(hasReducer);
    case "cast":
      return hasReducer(node.arg);
    default:
      return false;
  }
}

/** True when every reference in the tree is to a concrete table (no `tb.this` etc.). */
export function isConcrete(node: ExprNode): boolean {
  switch (node.k) {
    case "col":
    case "id":
      return typeof node.src !== "string";
    case "lit":
      return true;
    case "call":
      return node.args.every(isConcrete);
    case "cast":
      return isConcrete(node.arg);
    case "reducer":
      return false;
  }
}

/** Every reference source used in the tree. */
export function sourcesOf(node: ExprNode, into: Set<RefSource> = new Set()): Set<RefSource> {
  switch (node.k) {
    case "col":
    case "id":
      into.add(node.src);
      break;
    case "call":
    case "reducer":
      for (const a of node.args) sourcesOf(a, into);
      break;
    case "cast":
      sourcesOf(node.arg, into);
      break;
  }
  return into;
}
