/**
 * Grouping and reduction: `t.groupBy(...).reduce({...})`, whole-table `t.reduce({...})`.
 * Output expressions may combine reducers and grouping expressions freely.
 */
import { type Compiled, type ExprNode, hasReducer } from "./ast.js";
import { type CompileContext, compile, exprKey, type Scope, udfTypeOnly } from "./compile.js";
import { type DType, dtypeName, isKind } from "./dtype.js";
import { callSite, fail } from "./errors.js";
import { toNode } from "./expression.js";
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
  /**
   * Row ids of the result taken from this pointer expression, which must be the only grouping
   * expression (or given alone: `groupBy({ id: t.ptr })` groups by it).
   */
  id?: unknown;
  /** Order of the values of `tuple`/`ndarray` reducers (ties by row id). */
  sortBy?: unknown;
}

/** What the `id` and `sortBy` options change in a reduction. */
export interface GroupExtras {
  /** Result ids are the (pointer) value of the first grouping expression. */
  idFromKey: boolean;
  /** Sort key of `tuple`/`ndarray` values. */
  sortBy: ExprNode | undefined;
}

/** Structural equality of expression trees (tables compared by identity). */
function sameTree(a: ExprNode, b: ExprNode): boolean {
  switch (a.k) {
    case "col":
      return b.k === "col" && a.src === b.src && a.name === b.name;
    case "id":
      return b.k === "id" && a.src === b.src;
    case "lit":
      return b.k === "lit" && Object.is(a.value, b.value);
    case "cast":
      return (
        b.k === "cast" && JSON.stringify(a.to) === JSON.stringify(b.to) && sameTree(a.arg, b.arg)
      );
    case "call":
    case "reducer": {
      if (b.k !== a.k) return false;
      const bf = b.k === "call" ? b.f : b.kind;
      const af = a.k === "call" ? a.f : a.kind;
      return (
        af === bf &&
        a.args.length === b.args.length &&
        a.args.every((x, i) => sameTree(x, b.args[i]!))
      );
    }
  }
}

/** Checks the `id`/`sortBy` options of `groupBy`; may add the id as the grouping key. */
export function groupExtras(
  keys: ExprNode[],
  options: GroupByOptions | undefined,
  site: string | undefined,
): GroupExtras {
  const sortBy = options?.sortBy === undefined ? undefined : toNode(options.sortBy);
  if (options?.id === undefined) return { idFromKey: false, sortBy };
  const id = toNode(options.id);
  if (keys.length === 0) keys.push(id);
  else if (keys.length > 1 || !sameTree(keys[0]!, id)) {
    fail(
      "INVALID_ARGUMENT",
      "groupBy: with the id option, group by that pointer expression alone (groupBy(t.ptr, { id: t.ptr }))",
      site,
    );
  }
  return { idFromKey: true, sortBy };
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
  extras: GroupExtras = { idFromKey: false, sortBy: undefined },
): PlanNode {
  const udfs = new UdfLowering(input, site);
  const base: CompileContext = { scope, operation: "groupBy", site, udf: udfs.handler };
  const keys = keyNodes.map((k) => compile(k, base));
  if (extras.idFromKey && !isKind(keys[0]!.dtype, "Pointer")) {
    fail(
      "TYPE_MISMATCH",
      `groupBy: the id option needs a pointer expression, got ${dtypeName(keys[0]!.dtype)}`,
      site,
    );
  }
  const sortBy = extras.sortBy === undefined ? undefined : compile(extras.sortBy, base).expr;
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
      const sorted = sortBy !== undefined && (node.kind === "tuple" || node.kind === "ndarray");
      const spec: ReducerSpec = {
        kind: node.kind,
        args: sorted ? [...rargs.map((a) => a.expr), sortBy] : rargs.map((a) => a.expr),
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
  if (extras.idFromKey) {
    if (!post.empty) {
      fail(
        "NOT_SUPPORTED",
        "reduce: functions over reduce results cannot be combined with groupBy's id option yet",
        site,
      );
    }
    // Reduce with the group's pointer as a last column, then re-key by it.
    const width = compiled.length;
    const grouped = new PlanNode(
      [...outputs.map(([name]) => name), "\u0000id"],
      [...compiled.map((c) => c.dtype), "Pointer"],
      [source],
      (ix) => ({
        GroupBy: {
          input: ix(source),
          keys: keys.map((k) => k.expr),
          reducers,
          output: [...compiled.map((c) => c.expr), { Col: 0 }],
        },
      }),
      site,
      "reduce",
    );
    return new PlanNode(
      outputs.map(([name]) => name),
      compiled.map((c) => c.dtype),
      [grouped],
      (ix) => ({
        Rekey: {
          input: ix(grouped),
          pointer: { Col: width },
          exprs: compiled.map((_, i) => ({ Col: i })),
        },
      }),
      site,
      "reduce",
    );
  }
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
  readonly #extras: GroupExtras | undefined;
  /** Phantom field carrying the input row type (never set). */
  declare readonly __row: R;

  /** @internal */
  constructor(input: PlanNode, scope: Scope, keys: readonly ExprNode[], extras?: GroupExtras) {
    this.#input = input;
    this.#scope = scope;
    this.#keys = keys;
    this.#extras = extras;
    // Check the keys now so that mistakes point at the groupBy call.
    const site = callSite();
    for (const k of keys) compile(k, { scope, operation: "groupBy", site, udf: udfTypeOnly });
  }

  /** One row per group; outputs may use reducers and grouping columns. */
  reduce<E extends NamedExprs>(exprs: E): Table<Simplify<RowFromNamed<E>>>;
  reduce<const C extends readonly ColumnArg[]>(...columns: C): Table<Simplify<RowFromColumns<C>>>;
  reduce(...args: unknown[]): Table<Row> {
    return makeTable(
      buildReduce(this.#input, this.#scope, this.#keys, args, callSite(), this.#extras),
    );
  }
}
