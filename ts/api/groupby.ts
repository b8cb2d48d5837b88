/**
 * Grouping and reduction: `t.groupBy(...).reduce({...})`, whole-table `t.reduce({...})`.
 * Output expressions may combine reducers and grouping expressions freely.
 */
import { type Compiled, type ExprNode, hasReducer } from "./ast.js";
import { type CompileContext, compile, exprKey, type Scope, udfTypeOnly } from "./compile.js";
import { type DType, dtypeName, isKind } from "./dtype.js";
import { callSite, fail } from "./errors.js";
import { PlanNode, type ReducerSpec } from "./plan.js";
import type { Row } from "./schema.js";
import {
  type ColumnArg,
  type NamedExprs,
  parseOutputs,
  type RowFromColumns,
  type RowFromNamed,
  type Simplify,
} from "./select-args.js";
import { makeTable, type Table } from "./table.js";
import { renumber, UdfLowering } from "./udf-lower.js";
import { hasUdfCall } from "./udf-registry.js";

/** Options of `groupBy` (last argument). */
export interface GroupByOptions {
  /** Extra grouping expression used to shard the groups (part of the group key). */
  instance?: unknown;
  /** Row ids of the result taken from this pointer expression (not supported yet). */
  id?: unknown;
  /** Order of values in `tuple` reducers (not supported yet). */
  sortBy?: unknown;
}

const NUMERIC_REDUCERS = new Set(["sum", "avg"]);

function checkReducer(kind: string, args: Compiled[], site: string | undefined): DType {
  const a = args[0]?.dtype ?? "Any";
  if (NUMERIC_REDUCERS.has(kind) && !isKind(a, "Int", "Float", "Duration")) {
    fail("TYPE_MISMATCH", `reducers.${kind}: cannot reduce a column of type ${dtypeName(a)}`, site);
  }
  switch (kind) {
    case "count":
    case "countDistinct":
      return "Int";
    case "avg":
      return isKind(a, "Duration") && a !== "Any" ? "Duration" : "Float";
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

/**
 * Builds the `GroupBy` node: keys are compiled in `scope` (the input), outputs over
 * `[group values..., reducer results...]`.
 */
export function buildReduce(
  input: PlanNode,
  scope: Scope,
  keyNodes: readonly ExprNode[],
  args: readonly unknown[],
  site: string | undefined,
): PlanNode {
  const udfs = new UdfLowering(input, site);
  const base: CompileContext = { scope, operation: "groupBy", site, udf: udfs.handler };
  const keys = keyNodes.map((k) => compile(k, base));
  const keyIndex = new Map(keys.map((k, i) => [exprKey(k.expr), i]));
  const reducers: ReducerSpec[] = [];
  const reducerIndex = new Map<string, number>();
  const reducerTypes: DType[] = [];
  const notGrouped = (what: string, s: string | undefined): never =>
    fail(
      "NOT_GROUPED",
      `reduce: ${what} is neither a grouping column nor inside a reducer; wrap it in a tb.reducers.* call or add it to groupBy(...)`,
      s ?? site,
    );
  const post = new UdfLowering(undefined, site);
  const ctx: CompileContext = {
    operation: "reduce",
    site,
    udf: post.handler,
    scope: {
      column: (_src, name, s) => notGrouped(`column "${name}"`, s),
      id: (_src, s) => notGrouped("the row id", s),
    },
    override(node) {
      if (node.k === "lit" || node.k === "reducer" || hasReducer(node)) return undefined;
      // Functions over group values run after the reduce, unless the call is a key itself.
      if (hasUdfCall(node) && !keyNodes.includes(node)) return undefined;
      const c = compile(node, { ...base, operation: "reduce" });
      const i = keyIndex.get(exprKey(c.expr));
      if (i !== undefined) return { expr: { Col: i }, dtype: keys[i]!.dtype };
      return undefined;
    },
    reducer(node) {
      const rs = node.site ?? site;
      if (node.args.some(hasReducer)) {
        fail("INVALID_ARGUMENT", `reducers.${node.kind}: reducers cannot be nested`, rs);
      }
      const rargs = node.args.map((a) =>
        compile(a, { ...base, operation: `reducers.${node.kind}` }),
      );
      const dtype = checkReducer(node.kind, rargs, rs);
      const spec: ReducerSpec = {
        kind: node.kind,
        args: rargs.map((a) => a.expr),
        skip_nones: node.skipNones,
      };
      const key = exprKey({
        Call: { f: spec.kind, args: [...spec.args, { Lit: { Bool: spec.skip_nones } }] },
      });
      let j = reducerIndex.get(key);
      if (j === undefined) {
        j = reducers.length;
        reducers.push(spec);
        reducerTypes.push(dtype);
        reducerIndex.set(key, j);
      }
      return { expr: { Col: keys.length + j }, dtype: reducerTypes[j]! };
    },
  };
  const outputs = parseOutputs(args, "reduce", site);
  const compiled = outputs.map(([, node]) => compile(node, ctx));
  const source = udfs.finish();
  if (!post.empty) {
    // Functions over reduce results: reduce to [group values..., reducer results...], append
    // the functions' columns, then select the outputs.
    const width = keys.length + reducers.length;
    const raw = new PlanNode(
      [...keys.map((_, i) => `__key${i}`), ...reducers.map((_, j) => `__reducer${j}`)],
      [...keys.map((k) => k.dtype), ...reducerTypes],
      [source],
      (ix) => ({
        GroupBy: {
          input: ix(source),
          keys: keys.map((k) => k.expr),
          reducers,
          output: Array.from({ length: width }, (_, i) => ({ Col: i })),
        },
      }),
      site,
      "reduce",
    );
    const lowered = post.finishOver(raw);
    const exprs = compiled.map((c) => renumber(c.expr, width));
    return new PlanNode(
      outputs.map(([name]) => name),
      compiled.map((c) => c.dtype),
      [lowered],
      (ix) => ({ Select: { input: ix(lowered), exprs } }),
      site,
      "reduce",
    );
  }
  return new PlanNode(
    outputs.map(([name]) => name),
    compiled.map((c) => c.dtype),
    [source],
    (ix) => ({
      GroupBy: {
        input: ix(source),
        keys: keys.map((k) => k.expr),
        reducers,
        output: compiled.map((c) => c.expr),
      },
    }),
    site,
    "reduce",
  );
}

/** A grouped table: call `reduce` to get one row per group. */
export class GroupedTable<R extends Row = Row> {
  readonly #input: PlanNode;
  readonly #scope: Scope;
  readonly #keys: readonly ExprNode[];
  /** Phantom field carrying the input row type (never set). */
  declare readonly __row: R;

  /** @internal */
  constructor(input: PlanNode, scope: Scope, keys: readonly ExprNode[]) {
    this.#input = input;
    this.#scope = scope;
    this.#keys = keys;
    // Check the keys now so that mistakes point at the groupBy call.
    const site = callSite();
    for (const k of keys) compile(k, { scope, operation: "groupBy", site, udf: udfTypeOnly });
  }

  /** One row per group; outputs may use reducers and grouping columns. */
  reduce<E extends NamedExprs>(exprs: E): Table<Simplify<RowFromNamed<E>>>;
  reduce<const C extends readonly ColumnArg[]>(...columns: C): Table<Simplify<RowFromColumns<C>>>;
  reduce(...args: unknown[]): Table<Row> {
    return makeTable(buildReduce(this.#input, this.#scope, this.#keys, args, callSite()));
  }
}
