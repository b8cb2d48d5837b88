/**
 * Joins: `t.join(u, t.a.eq(u.b), …)` and the `JoinResult` that selects, filters, groups or
 * reduces over matched pairs.
 */
import { type Compiled, type ExprNode, type RefSource, sourcesOf } from "./ast.js";
import { compile, describeSource, lookupColumn, requireBool, type Scope } from "./compile.js";
import { type DType, dtypeName, optional, unify } from "./dtype.js";
import { callSite, fail } from "./errors.js";
import { Expression, type ExprLike, exprNode, toNode } from "./expression.js";
import { buildReduce, GroupedTable } from "./groupby.js";
import {
  type JoinId,
  type JoinKind,
  type PlanExpr,
  PlanNode,
  type PlanWindowBehavior,
  type TemporalJoinSpec,
} from "./plan.js";
import type { Row } from "./schema.js";
import {
  type ColumnArg,
  type NamedExprs,
  parseOutputs,
  type RowFromColumns,
  type RowFromNamed,
  type Simplify,
  splitOptions,
} from "./select-args.js";
import { makeTable, type Table } from "./table.js";
import { hasUdfCall } from "./udf-registry.js";
import { trimTo, UdfLowering } from "./udf-lower.js";

/** Options of a join (last argument). */
export interface JoinOptions {
  /** Which id result rows get: `tb.left.id` / `t.id` (left) or the right table's id. */
  id?: Expression<unknown>;
}

type Side = "left" | "right";

/** Where the left/right columns and ids live in the evaluation row. */
interface Layout {
  leftCol(i: number): PlanExpr;
  rightCol(j: number): PlanExpr;
  leftId: PlanExpr;
  rightId: PlanExpr;
}

const pairLayout = (nl: number): Layout => ({
  leftCol: (i) => ({ Col: i }),
  rightCol: (j) => ({ Col: nl + j }),
  leftId: { Id: 0 },
  rightId: { Id: 1 },
});

const flatLayout = (nl: number, nr: number): Layout => ({
  leftCol: (i) => ({ Col: i }),
  rightCol: (j) => ({ Col: nl + j }),
  leftId: { Col: nl + nr },
  rightId: { Col: nl + nr + 1 },
});

function sideOf(
  src: RefSource,
  left: PlanNode,
  right: PlanNode,
  name: string | undefined,
  operation: string,
  site: string | undefined,
): Side {
  if (src === "left" || src === "right") return src;
  if (src === "this") {
    if (name === undefined)
      fail(
        "INVALID_ARGUMENT",
        `${operation}: tb.this.id is ambiguous in a join; use tb.left.id or tb.right.id`,
        site,
      );
    const inLeft = left.indexOf(name) >= 0;
    const inRight = right.indexOf(name) >= 0;
    if (inLeft && inRight) {
      fail(
        "INVALID_ARGUMENT",
        `${operation}: column "${name}" exists on both sides; use tb.left.${name} or tb.right.${name}`,
        site,
      );
    }
    if (!inLeft && !inRight) {
      fail(
        "UNKNOWN_COLUMN",
        `${operation}: unknown column "${name}"; left has ${left.columns.join(", ")}; right has ${right.columns.join(", ")}`,
        site,
      );
    }
    return inLeft ? "left" : "right";
  }
  if (src === left && src === right) {
    fail(
      "INVALID_ARGUMENT",
      `${operation}: self-join references are ambiguous; use tb.left and tb.right`,
      site,
    );
  }
  if (src === left) return "left";
  if (src === right) return "right";
  return fail(
    "DIFFERENT_TABLE",
    `${operation}: the expression refers to ${describeSource(src)}, which is neither side of this join`,
    site,
  );
}

/** The scope of expressions over a joined pair. */
function joinScope(
  left: PlanNode,
  right: PlanNode,
  kind: JoinKind,
  layout: Layout,
  operation: string,
): Scope {
  const leftOptional = kind === "Right" || kind === "Outer";
  const rightOptional = kind === "Left" || kind === "Outer";
  return {
    column(src, name, site) {
      const side = sideOf(src, left, right, name, operation, site);
      const node = side === "left" ? left : right;
      const i = lookupColumn(node, name, `${operation} (${side} side)`, site);
      const t = node.dtypes[i]!;
      if (side === "left")
        return { expr: layout.leftCol(i), dtype: leftOptional ? optional(t) : t };
      return { expr: layout.rightCol(i), dtype: rightOptional ? optional(t) : t };
    },
    id(src, site) {
      const side = sideOf(src, left, right, undefined, operation, site);
      const nullable = side === "left" ? leftOptional : rightOptional;
      return {
        expr: side === "left" ? layout.leftId : layout.rightId,
        dtype: nullable ? optional("Pointer") : "Pointer",
      };
    },
  };
}

/** A scope for one side's key expressions (over that side's row alone). */
function sideScope(node: PlanNode, side: Side, other: PlanNode, operation: string): Scope {
  const resolve = (src: RefSource, name: string | undefined, site: string | undefined): void => {
    const ok =
      src === side ||
      src === node ||
      (src === "this" && name !== undefined && node.indexOf(name) >= 0);
    if (!ok) {
      const s = sideOf(
        src,
        side === "left" ? node : other,
        side === "left" ? other : node,
        name,
        operation,
        site,
      );
      if (s !== side)
        fail(
          "INVALID_ARGUMENT",
          `${operation}: a join condition must compare a left expression with a right expression`,
          site,
        );
    }
  };
  return {
    column(src, name, site) {
      resolve(src, name, site);
      const i = lookupColumn(node, name, `${operation} (${side} side)`, site);
      return { expr: { Col: i }, dtype: node.dtypes[i]! };
    },
    id(src, site) {
      resolve(src, undefined, site);
      return { expr: { Id: 0 }, dtype: "Pointer" };
    },
  };
}

function sidesUsed(node: ExprNode, left: PlanNode, right: PlanNode): Set<Side | "?"> {
  const out = new Set<Side | "?">();
  for (const src of sourcesOf(node)) {
    if (src === "left" || (src === left && src !== right)) out.add("left");
    else if (src === "right" || (src === right && src !== left)) out.add("right");
    else out.add("?");
  }
  return out;
}

/** The result of a join, before its output columns are chosen. */
export class JoinResult<L extends Row = Row, R extends Row = Row> {
  readonly #left: PlanNode;
  readonly #right: PlanNode;
  readonly #kind: JoinKind;
  readonly #leftKeys: PlanExpr[];
  readonly #rightKeys: PlanExpr[];
  readonly #id: JoinId;
  readonly #site: string | undefined;
  /** The joined pairs as one table (all left columns, all right columns, both ids). */
  readonly #flat: PlanNode | undefined;
  /** The inputs the join reads: the sides, plus columns of functions in the conditions. */
  readonly #inputs: [PlanNode, PlanNode];
  /** How times are matched, for temporal joins (`intervalJoin`, `asofJoin`, `asofNowJoin`). */
  readonly #temporal: TemporalJoinSpec | undefined;
  /** Delay, cutoff and forgetting of a temporal join (`behavior` option). */
  readonly #behavior: PlanWindowBehavior | undefined;
  /** Phantom field carrying the row types (never set). */
  declare readonly __rows: [L, R];

  private constructor(
    left: PlanNode,
    right: PlanNode,
    kind: JoinKind,
    keys: [PlanExpr[], PlanExpr[]],
    id: JoinId,
    site: string | undefined,
    flat: PlanNode | undefined,
    inputs: [PlanNode, PlanNode] = [left, right],
    temporal: TemporalJoinSpec | undefined = undefined,
    behavior: PlanWindowBehavior | undefined = undefined,
  ) {
    this.#temporal = temporal;
    this.#behavior = behavior;
    this.#inputs = inputs;
    this.#left = left;
    this.#right = right;
    this.#kind = kind;
    this.#leftKeys = keys[0];
    this.#rightKeys = keys[1];
    this.#id = id;
    this.#site = site;
    this.#flat = flat;
  }

  /** @internal Builds a join from conditions and options. */
  static create<L extends Row, R extends Row>(
    left: PlanNode,
    right: PlanNode,
    kind: JoinKind,
    conditions: readonly unknown[],
    options: JoinOptions,
    site: string | undefined,
    temporal?: TemporalJoinSpec,
    behavior?: PlanWindowBehavior,
  ): JoinResult<L, R> {
    const leftKeys: PlanExpr[] = [];
    const rightKeys: PlanExpr[] = [];
    const leftUdfs = new UdfLowering(left, site);
    const rightUdfs = new UdfLowering(right, site);
    conditions.forEach((cond, n) => {
      const node = cond instanceof Expression ? cond[exprNode] : undefined;
      if (node?.k !== "call" || node.f !== "eq" || node.args.length !== 2) {
        fail(
          "INVALID_ARGUMENT",
          `join: condition ${n + 1} must be an equality a.eq(b) between a left and a right expression`,
          site,
        );
      }
      let [a, b] = node.args as [ExprNode, ExprNode];
      const sa = sidesUsed(a, left, right);
      const sb = sidesUsed(b, left, right);
      if (
        left !== right &&
        sa.has("right") &&
        !sa.has("left") &&
        sb.has("left") &&
        !sb.has("right")
      )
        [a, b] = [b, a];
      const ca: Compiled = compile(a, {
        scope: sideScope(left, "left", right, "join"),
        operation: "join",
        site: node.site ?? site,
        udf: leftUdfs.handler,
      });
      const cb: Compiled = compile(b, {
        scope: sideScope(right, "right", left, "join"),
        operation: "join",
        site: node.site ?? site,
        udf: rightUdfs.handler,
      });
      if (unify(ca.dtype, cb.dtype) === "Any" && ca.dtype !== "Any" && cb.dtype !== "Any") {
        fail(
          "TYPE_MISMATCH",
          `join: cannot match ${dtypeName(ca.dtype)} with ${dtypeName(cb.dtype)} in condition ${n + 1}`,
          node.site ?? site,
        );
      }
      leftKeys.push(ca.expr);
      rightKeys.push(cb.expr);
    });
    let id: JoinId = "Pair";
    if (options.id !== undefined) {
      const node = options.id instanceof Expression ? options.id[exprNode] : undefined;
      if (node?.k !== "id")
        fail("INVALID_ARGUMENT", "join: the id option must be tb.left.id or tb.right.id", site);
      id = sideOf(node.src, left, right, undefined, "join", site) === "left" ? "Left" : "Right";
    }
    const inputs: [PlanNode, PlanNode] = [leftUdfs.finish(), rightUdfs.finish()];
    return new JoinResult<L, R>(
      left,
      right,
      kind,
      [leftKeys, rightKeys],
      id,
      site,
      undefined,
      inputs,
      temporal,
      behavior,
    );
  }

  #joinNode(
    columns: string[],
    dtypes: DType[],
    output: PlanExpr[],
    site: string | undefined,
  ): PlanNode {
    const { Join } = {
      Join: {
        kind: this.#kind,
        left_keys: this.#leftKeys,
        right_keys: this.#rightKeys,
        id: this.#id,
      },
    };
    const [left, right] = this.#inputs;
    const temporal = this.#temporal;
    const behavior = this.#behavior;
    return new PlanNode(
      columns,
      dtypes,
      [left, right],
      (ix) =>
        temporal
          ? {
              TemporalJoin: {
                left: ix(left),
                right: ix(right),
                ...Join,
                output,
                temporal,
                ...(behavior ? { behavior } : {}),
              },
            }
          : { Join: { left: ix(left), right: ix(right), ...Join, output } },
      site,
      "join",
    );
  }

  /** The joined pairs as one table (built once per result). */
  #flatten(): PlanNode {
    if (this.#flat) return this.#flat;
    const nl = this.#inputs[0].columns.length;
    const scope = joinScope(this.#left, this.#right, this.#kind, pairLayout(nl), "join");
    const leftCols = this.#left.columns.map((c) => scope.column("left", c, this.#site));
    const rightCols = this.#right.columns.map((c) => scope.column("right", c, this.#site));
    const ids = [scope.id("left", this.#site), scope.id("right", this.#site)];
    const all = [...leftCols, ...rightCols, ...ids];
    const names = [
      ...this.#left.columns.map((c) => `left.${c}`),
      ...this.#right.columns.map((c) => `right.${c}`),
      "left.id",
      "right.id",
    ];
    return this.#joinNode(
      names,
      all.map((c) => c.dtype),
      all.map((c) => c.expr),
      this.#site,
    );
  }

  #scope(operation: string): Scope {
    const nl = this.#left.columns.length;
    const layout = this.#flat
      ? flatLayout(nl, this.#right.columns.length)
      : pairLayout(this.#inputs[0].columns.length);
    return joinScope(this.#left, this.#right, this.#kind, layout, operation);
  }

  /** Output columns over matched pairs (`tb.left.x`, `tb.right.y`, or the tables' own columns). */
  select<E extends NamedExprs>(exprs: E): Table<Simplify<RowFromNamed<E>>>;
  select<const C extends readonly ColumnArg[]>(...columns: C): Table<Simplify<RowFromColumns<C>>>;
  select(...args: unknown[]): Table<Row> {
    const site = callSite();
    const outputs = parseOutputs(args, "join select", site);
    if (!this.#flat && outputs.some(([, e]) => hasUdfCall(e))) {
      // Functions run over the joined pairs as one table.
      const flat = this.#withFlat();
      return (flat.select as (...a: unknown[]) => Table<Row>).apply(flat, args);
    }
    const udfs = this.#flat ? new UdfLowering(this.#flat, site) : undefined;
    const ctx = {
      scope: this.#scope("join select"),
      operation: "join select",
      site,
      udf: udfs?.handler,
    };
    const compiled = outputs.map(([, e]) => compile(e, ctx));
    const names = outputs.map(([n]) => n);
    const dtypes = compiled.map((c) => c.dtype);
    const exprs = compiled.map((c) => c.expr);
    if (!this.#flat || !udfs) return makeTable(this.#joinNode(names, dtypes, exprs, site));
    const input = udfs.finish();
    return makeTable(
      new PlanNode(
        names,
        dtypes,
        [input],
        (ix) => ({ Select: { input: ix(input), exprs } }),
        site,
        "select",
      ),
    );
  }

  /** Keeps the pairs where `predicate` is true. */
  filter(predicate: ExprLike<boolean | null>): JoinResult<L, R> {
    const site = callSite();
    const [flatInput, flat] = this.#flatScope("join filter");
    const predicateNode = toNode(predicate);
    const udfs = new UdfLowering(flatInput, site);
    const c = compile(predicateNode, {
      scope: flat,
      operation: "join filter",
      site,
      udf: udfs.handler,
    });
    requireBool(c, "join filter", site, predicateNode);
    const input = udfs.finish();
    const filtered = new PlanNode(
      input.columns,
      input.dtypes,
      [input],
      (ix) => ({ Filter: { input: ix(input), predicate: c.expr } }),
      site,
      "filter",
    );
    return new JoinResult<L, R>(
      this.#left,
      this.#right,
      this.#kind,
      [this.#leftKeys, this.#rightKeys],
      this.#id,
      this.#site,
      trimTo(filtered, flatInput.columns.length, site),
      this.#inputs,
      this.#temporal,
      this.#behavior,
    );
  }

  /** The same join, with its pairs materialized as one table. */
  #withFlat(): JoinResult<L, R> {
    return new JoinResult<L, R>(
      this.#left,
      this.#right,
      this.#kind,
      [this.#leftKeys, this.#rightKeys],
      this.#id,
      this.#site,
      this.#flatten(),
      this.#inputs,
      this.#temporal,
      this.#behavior,
    );
  }

  #flatScope(operation: string): [PlanNode, Scope] {
    const input = this.#flatten();
    const layout = flatLayout(this.#left.columns.length, this.#right.columns.length);
    return [input, joinScope(this.#left, this.#right, this.#kind, layout, operation)];
  }

  /** Groups the pairs. */
  groupBy(...keys: ExprLike<unknown>[]): GroupedTable<Row> {
    const [cols] = splitOptions(keys);
    const [input, scope] = this.#flatScope("groupBy");
    return new GroupedTable<Row>(input, scope, cols.map(toNode));
  }

  /** Reduces all pairs to one row. */
  reduce<E extends NamedExprs>(exprs: E): Table<Simplify<RowFromNamed<E>>> {
    const site = callSite();
    const [input, scope] = this.#flatScope("reduce");
    return makeTable(buildReduce(input, scope, [], [exprs], site));
  }
}
