/**
 * Resolves user expression trees against the table(s) an operation works on, producing plan
 * expressions and their inferred types.
 */
import type { Compiled, ExprNode, RefSource } from "./ast.js";
import { type DType, isKind, unoptional } from "./dtype.js";
import { fail } from "./errors.js";
import type { PlanExpr, PlanNode } from "./plan.js";
import { inferCall, inferCast } from "./typing.js";
import { UDF_CALL, udfCallInfo } from "./udf-registry.js";
import { encodeLiteral, encodeValue, msToNs } from "./values.js";

/** How column and id references are resolved in one operation. */
export interface Scope {
  /** Resolves `src.name`. */
  column(src: RefSource, name: string, site: string | undefined): Compiled;
  /** Resolves `src.id`. */
  id(src: RefSource, site: string | undefined): Compiled;
}

/** Everything `compile` needs. */
export interface CompileContext {
  /** Reference resolution. */
  scope: Scope;
  /** The operation, for messages (`select`, `filter`, …). */
  operation: string;
  /** Replaces a whole subtree (group keys in `reduce`); `undefined` to compile normally. */
  override?: (node: ExprNode) => Compiled | undefined;
  /** Handles reducers; absent outside `reduce`. */
  reducer?: (node: Extract<ExprNode, { k: "reducer" }>) => Compiled;
  /** The call site of the operation (fallback for messages). */
  site: string | undefined;
  /**
   * Handles user-function calls (`tb.udf`): the operation lowers them into a `Udf` node before
   * it and gets back a reference to the appended column. Absent where they are not supported.
   */
  udf?: (node: Extract<ExprNode, { k: "call" }>, ctx: CompileContext) => Compiled;
}

/** Describes a reference source for messages. */
export function describeSource(src: RefSource): string {
  if (typeof src === "string") return `tb.${src}`;
  return `the table built at ${src.trace ?? "an unknown place"} (columns: ${src.columns.join(", ")})`;
}

/** Looks a column up in a node; throws `UNKNOWN_COLUMN` naming the column and the columns. */
export function lookupColumn(
  node: PlanNode,
  name: string,
  operation: string,
  site: string | undefined,
): number {
  const i = node.indexOf(name);
  if (i < 0) {
    fail(
      "UNKNOWN_COLUMN",
      `${operation}: unknown column "${name}"; the table has columns: ${node.columns.join(", ") || "(none)"}`,
      site,
    );
  }
  return i;
}

/** A literal, with number-to-duration conversion where a duration is expected. */
function literal(value: unknown, wantDuration: boolean): Compiled {
  if (typeof value === "number" && !Number.isFinite(value)) {
    const text = Number.isNaN(value) ? "NaN" : value > 0 ? "inf" : "-inf";
    return { expr: { Cast: { to: "Float", arg: { Lit: { Str: text } } } }, dtype: "Float" };
  }
  if (wantDuration && typeof value === "number") {
    return { expr: { Lit: { Duration: msToNs(value) } }, dtype: "Duration" };
  }
  const { value: v, dtype } = encodeLiteral(value);
  return { expr: { Lit: v }, dtype };
}

const TIME_ARITH = new Set(["add", "sub"]);

/** Compiles an expression tree in a context. */
export function compile(node: ExprNode, ctx: CompileContext): Compiled {
  const replaced = ctx.override?.(node);
  if (replaced) return replaced;
  switch (node.k) {
    case "col":
      return ctx.scope.column(node.src, node.name, node.site ?? ctx.site);
    case "id":
      return ctx.scope.id(node.src, node.site ?? ctx.site);
    case "lit":
      if (node.dtype !== undefined) {
        return { expr: { Lit: encodeValue(node.value, node.dtype, "tb.lit") }, dtype: node.dtype };
      }
      return literal(node.value, false);
    case "cast": {
      const arg = compile(node.arg, ctx);
      return {
        expr: { Cast: { to: node.to, arg: arg.expr } },
        dtype: inferCast(arg.dtype, node.to),
      };
    }
    case "reducer":
      if (!ctx.reducer) {
        return fail(
          "INVALID_ARGUMENT",
          `${ctx.operation}: reducers.${node.kind} can only be used inside reduce()`,
          node.site ?? ctx.site,
        );
      }
      return ctx.reducer(node);
    case "call":
      return compileCall(node, ctx);
  }
}

function compileCall(node: Extract<ExprNode, { k: "call" }>, ctx: CompileContext): Compiled {
  if (node.f === UDF_CALL && udfCallInfo(node)) {
    if (ctx.udf) return ctx.udf(node, ctx);
    return fail(
      "INVALID_ARGUMENT",
      `${ctx.operation}: JavaScript functions (tb.udf/tb.apply) cannot be used here; compute them in a select or withColumns first`,
      node.site ?? ctx.site,
    );
  }
  const args: Array<Compiled | undefined> = node.args.map((a) =>
    a.k === "lit" && a.dtype === undefined ? undefined : compile(a, ctx),
  );
  // Literal numbers become durations next to datetimes/durations (`t.at.add(60_000)`).
  const timeContext =
    (TIME_ARITH.has(node.f) || node.f === "dt.floor" || node.f === "dt.round") &&
    args.some(
      (a) =>
        a !== undefined && isKind(a.dtype, "DateTime", "Duration") && unoptional(a.dtype) !== "Any",
    );
  const done = node.args.map((a, i): Compiled => {
    const c = args[i];
    if (c) return c;
    const lit = a as Extract<ExprNode, { k: "lit" }>;
    const dur = timeContext && (node.f.startsWith("dt.") ? i > 0 : true);
    return literal(lit.value, dur);
  });
  const dtype = inferCall(
    node.f,
    done.map((c) => c.dtype),
    node.site ?? ctx.site,
    node.args.map(describeNode),
  );
  return { expr: { Call: { f: node.f, args: done.map((c) => c.expr) } }, dtype };
}

/** A short description of an expression for messages (`column "name"`, `literal 1`). */
export function describeNode(node: ExprNode): string {
  switch (node.k) {
    case "col":
      return `column "${node.name}"`;
    case "id":
      return "the row id";
    case "lit":
      return `literal ${typeof node.value === "string" ? JSON.stringify(node.value) : String(node.value)}`;
    case "call":
      return `${node.f}(${node.args.map(describeNode).join(", ")})`;
    case "cast":
      return `cast(${describeNode(node.arg)})`;
    case "reducer":
      return `reducers.${node.kind}(${node.args.map(describeNode).join(", ")})`;
  }
}

/** Compiles a list of trees. */
export function compileAll(nodes: readonly ExprNode[], ctx: CompileContext): Compiled[] {
  return nodes.map((n) => compile(n, ctx));
}

/** Checks that a compiled predicate is boolean. */
export function requireBool(
  c: Compiled,
  what: string,
  site: string | undefined,
  source?: ExprNode,
): void {
  if (!isKind(c.dtype, "Bool")) {
    const subject = source ? ` but ${describeNode(source)} is not` : "";
    fail("TYPE_MISMATCH", `${what}: expected a boolean expression${subject}`, site);
  }
}

/**
 * The index in `node` of column `col` of `ancestor`, when `node` derives from `ancestor` by
 * filters and selects that keep row ids and pass that column through; `undefined` otherwise.
 * With `col` = -1, only checks that the row ids are the same.
 */
export function inheritedColumn(
  node: PlanNode,
  ancestor: PlanNode,
  col: number,
): number | undefined {
  if (node === ancestor) return col;
  const carry = node.carry;
  if (!carry) return undefined;
  const j = inheritedColumn(carry.from, ancestor, col);
  if (j === undefined) return undefined;
  if (col === -1) return -1;
  const k = carry.map.indexOf(j);
  return k < 0 ? undefined : k;
}

/** The scope of a one-input operation over `node` (`tb.this` = `node`). */
export function tableScope(node: PlanNode, operation: string): Scope {
  const inherited = (src: RefSource, name: string | undefined): Compiled | undefined => {
    if (typeof src === "string" || src === node) return undefined;
    if (name === undefined) {
      return inheritedColumn(node, src, -1) === undefined
        ? undefined
        : { expr: { Id: 0 }, dtype: "Pointer" };
    }
    const i = src.indexOf(name);
    if (i < 0) return undefined;
    const k = inheritedColumn(node, src, i);
    return k === undefined ? undefined : { expr: { Col: k }, dtype: node.dtypes[k]! };
  };
  const check = (src: RefSource, site: string | undefined): void => {
    if (src === node || src === "this") return;
    if (src === "left" || src === "right") {
      fail(
        "INVALID_ARGUMENT",
        `${operation}: tb.${src} can only be used in joins; use tb.this`,
        site,
      );
    }
    fail(
      "DIFFERENT_TABLE",
      `${operation}: the expression refers to ${describeSource(src)}, not to the table this operation works on (columns: ${node.columns.join(", ")}); use tb.this or that table's own columns`,
      site,
    );
  };
  return {
    column(src, name, site) {
      const found = inherited(src, name);
      if (found) return found;
      check(src, site);
      const i = lookupColumn(node, name, operation, site);
      return { expr: { Col: i }, dtype: node.dtypes[i]! };
    },
    id(src, site) {
      const found = inherited(src, undefined);
      if (found) return found;
      check(src, site);
      return { expr: { Id: 0 }, dtype: "Pointer" };
    },
  };
}

/**
 * Types an expression whose references are all concrete, as soon as it is built, so that
 * mistakes are reported at the line that made them. Deferred references type as `Any`.
 */
export function eagerType(node: ExprNode, cache?: WeakMap<ExprNode, DType>): DType {
  const scope: Scope = {
    column(src, name, site) {
      if (typeof src === "string") return { expr: { Col: 0 }, dtype: "Any" };
      const i = lookupColumn(src, name, "column", site);
      return { expr: { Col: i }, dtype: src.dtypes[i]! };
    },
    id: () => ({ expr: { Id: 0 }, dtype: "Pointer" }),
  };
  const ctx: CompileContext = {
    scope,
    operation: "expression",
    site: undefined,
    override: (n) => {
      const known = n === node ? undefined : cache?.get(n);
      return known === undefined ? undefined : { expr: { Col: 0 }, dtype: known };
    },
    udf: udfTypeOnly,
    reducer: (r) => ({
      expr: { Col: 0 },
      dtype: reducerType(
        r.kind,
        r.args.map((a) => eagerType(a, cache)),
      ),
    }),
  };
  return compile(node, ctx).dtype;
}

/** Types a user-function call without lowering it (for checks made while building). */
export function udfTypeOnly(node: Extract<ExprNode, { k: "call" }>): Compiled {
  return { expr: { Col: 0 }, dtype: udfCallInfo(node)?.dtype ?? "Any" };
}

/** Result type of a reducer given its argument types. */
export function reducerType(kind: string, args: DType[]): DType {
  const a = args[0] ?? "Any";
  switch (kind) {
    case "count":
    case "countDistinct":
      return "Int";
    case "avg":
      return "Float";
    case "argmin":
    case "argmax":
      return "Pointer";
    case "tuple":
    case "sortedTuple":
    case "ndarray":
      return { Array: a };
    default:
      return a;
  }
}

/** Plan expressions equal as JSON (used to match group keys). */
export function exprKey(expr: PlanExpr): string {
  return JSON.stringify(expr, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
}
