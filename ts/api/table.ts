/**
 * `Table<R>`: an immutable table of rows of type `R`, with typed column properties
 * (`t.amount`) and the relational operations that build new tables.
 */
import type { ExprNode } from "./ast.js";
import { compile, lookupColumn, requireBool, tableScope } from "./compile.js";
import { type DeduplicateOptions, deduplicateNode } from "./dedup.js";
import { type DType, dtypeName, unify } from "./dtype.js";
import { callSite, fail } from "./errors.js";
import {
  type ColumnExpression,
  columnRef,
  Expression,
  type ExprLike,
  exprNode,
  idRef,
  toNode,
  wrap,
} from "./expression.js";
import { buildReduce, type GroupByOptions, GroupedTable, groupExtras } from "./groupby.js";
import type { Interval } from "./interval.js";
import { type JoinOptions, JoinResult } from "./join.js";
import type { JoinKind } from "./plan.js";
import { PlanNode } from "./plan.js";
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
import {
  differenceNode,
  filterAcrossTables,
  flattenNode,
  havingNode,
  intersectNode,
  ixNode,
  selectAcrossTables,
  sortNode,
  updateCellsNode,
  updateRowsNode,
} from "./table-more.js";
import {
  type AsofJoinOptions,
  type AsofNowJoinOptions,
  asofJoinOf,
  asofNowJoinOf,
  intervalJoinOf,
  type TemporalJoinOptions,
} from "./temporal-join.js";
import type { Pointer } from "./types.js";
import { trimTo, UdfLowering } from "./udf-lower.js";
import type { Window } from "./temporal.js";
import { type WindowByOptions, WindowedTable, type WindowJoinOptions, WindowJoinResult } from "./window.js";

/** Options of `ix` and `ixRef`. */
export interface IxOptions {
  /** A missing target (or a null pointer) gives a row of nulls instead of error values. */
  optional?: boolean;
}

/** Options of `sort`. */
export interface SortOptions {
  /** The sort key (an expression over the table). */
  key: ExprLike<unknown>;
  /** Rows are sorted separately per value of this expression. */
  instance?: ExprLike<unknown>;
}

/** The type of one element of a flattened column's value. */
export type ElementOf<T> = T extends readonly (infer E)[]
  ? E
  : T extends string
    ? string
    : T extends null | undefined
      ? never
      : unknown;

/** The rows of `ix`: all columns nullable when `optional`. */
export type IxRow<R, O> = O extends { optional: true } ? { [K in keyof R]: R[K] | null } : R;

/** The key under which a table keeps its plan node. */
export const tableNode: unique symbol = Symbol("tributary.tableNode");

/** Anything that is a table (used where the row type does not matter). */
export interface TableLike {
  /** The plan node (internal). */
  readonly [tableNode]: PlanNode;
}

/** The row type of a table type. */
export type RowOfTable<T> = T extends { readonly __row: infer R } ? R : never;

/** Names that are never column properties (methods win; use `t.col(name)`). */
export type ReservedName = keyof TableBase<Row> | "then";

/** Typed column properties of a table with rows `R`. */
export type ColumnsOf<R> = {
  readonly [K in keyof R as K extends ReservedName ? never : K]: ColumnExpression<R[K], K & string>;
};

/** A table whose rows are `R`, with a property per column. */
export type Table<R extends Row = Row> = TableBase<R> & ColumnsOf<R>;

/** The row type after `rename(mapping)`. */
export type Renamed<R, M> = {
  [K in keyof R as K extends keyof M ? (M[K] extends string ? M[K] : K) : K]: R[K];
};

/** Property names that tools probe on any object; never treated as column references. */
const PROBED = new Set(["then", "toJSON", "asymmetricMatch", "nodeType", "tagName", "inspect"]);

const proxyHandler: ProxyHandler<TableBase<Row>> = {
  get(target, prop, receiver) {
    if (typeof prop === "string" && !(prop in target)) {
      const node = target[tableNode];
      if (node.indexOf(prop) >= 0 && prop !== "then") return columnRef(node, prop);
      // An unknown name becomes a reference that fails (UNKNOWN_COLUMN) where it is used,
      // so that plain JavaScript typos are reported with the column name and the call site.
      if (!PROBED.has(prop) && !/^[_$@]/.test(prop)) return columnRef(node, prop);
    }
    return Reflect.get(target, prop, receiver);
  },
  has(target, prop) {
    if (typeof prop === "string" && target[tableNode].indexOf(prop) >= 0) return true;
    return Reflect.has(target, prop);
  },
};

/** Wraps a plan node as a table. */
export function makeTable<R extends Row>(node: PlanNode): Table<R> {
  return new TableBase<R>(node) as Table<R>;
}

/** The plan node of a table (throws a clear error for anything else). */
export function nodeOf(table: unknown, what: string, site?: string): PlanNode {
  if (table instanceof TableBase) return (table as TableLike)[tableNode];
  return fail("INVALID_ARGUMENT", `${what}: expected a table`, site);
}

function exprNodes(args: readonly unknown[]): ExprNode[] {
  return args.map(toNode);
}

function selectNode(
  input: PlanNode,

  outputs: Array<[string, ExprNode]>,
  operation: string,
  site: string | undefined,
): Table<Row> {
  const across = selectAcrossTables(input, outputs, operation, site);
  if (across) return makeTable(across);
  const udfs = new UdfLowering(input, site);
  const ctx = { scope: tableScope(input, operation), operation, site, udf: udfs.handler };
  const compiled = outputs.map(([, e]) => compile(e, ctx));
  if (!udfs.empty) {
    // The select runs inside the last function call's operator (one output row per row).
    const fused = udfs.finishSelect(
      outputs.map(([n]) => n),
      compiled.map((c) => c.dtype),
      compiled.map((c) => c.expr),
      operation,
    );
    return makeTable(fused);
  }
  const source = udfs.finish();
  const node = new PlanNode(
    outputs.map(([n]) => n),
    compiled.map((c) => c.dtype),
    [source],
    (ix) => ({ Select: { input: ix(source), exprs: compiled.map((c) => c.expr) } }),
    site,
    operation,
  );
  node.carry = { from: source, map: compiled.map((c) => ("Col" in c.expr ? c.expr.Col : -1)) };
  return makeTable(node);
}
function joinTables<L extends Row, R2 extends Row>(
  leftNode: PlanNode,
  other: TableLike,
  kind: JoinKind,
  args: readonly unknown[],
): JoinResult<L, R2> {
  const site = callSite();
  const right = nodeOf(other, "join", site);
  const [conditions, options] = splitOptions<JoinOptions>(args);
  return JoinResult.create<L, R2>(leftNode, right, kind, conditions, options ?? {}, site);
}

function concatTables<R extends Row>(
  first: PlanNode,
  others: readonly TableLike[],
  operation: "concat" | "concatReindex",
): Table<R> {
  const site = callSite();
  const inputs: PlanNode[] = [first];
  let dtypes: DType[] = [...first.dtypes];
  for (const other of others) {
    let node = nodeOf(other, operation, site);
    const names = [...node.columns].sort();
    const expected = [...first.columns].sort();
    if (names.join("\u0000") !== expected.join("\u0000")) {
      fail(
        "INVALID_ARGUMENT",
        `${operation}: tables must have the same columns (${first.columns.join(", ")} vs ${node.columns.join(", ")})`,
        site,
      );
    }
    if (node.columns.some((c, i) => c !== first.columns[i])) {
      const source = node;
      const exprs = first.columns.map((c) => ({ Col: source.indexOf(c) }));
      node = new PlanNode(
        first.columns,
        first.columns.map((c) => source.dtypes[source.indexOf(c)]!),
        [source],
        (ix) => ({ Select: { input: ix(source), exprs } }),
        site,
        operation,
      );
    }
    dtypes = dtypes.map((t, i) => {
      const u = unify(t, node.dtypes[i]!);
      if (u === "Any" && t !== "Any" && node.dtypes[i] !== "Any") {
        fail(
          "TYPE_MISMATCH",
          `${operation}: column "${first.columns[i]}" is ${dtypeName(t)} in one table and ${dtypeName(node.dtypes[i]!)} in another`,
          site,
        );
      }
      return u;
    });
    inputs.push(node);
  }
  const node = new PlanNode(
    first.columns,
    dtypes,
    inputs,
    (ix) =>
      operation === "concat"
        ? { Concat: { inputs: inputs.map(ix) } }
        : { ConcatReindex: { inputs: inputs.map(ix) } },
    site,
    operation,
  );
  return makeTable<R>(node);
}
/** The methods of every table. Column properties are added by a proxy (see `Table`). */
export class TableBase<R extends Row = Row> {
  /** The plan node (internal). */
  readonly [tableNode]: PlanNode;
  /** Phantom field carrying the row type (never set). */
  declare readonly __row: R;

  /** @internal Use the operations and `tb.debug`/`tb.io` readers to make tables. */
  constructor(node: PlanNode) {
    this[tableNode] = node;
    // biome-ignore lint/correctness/noConstructorReturn: column properties come from a proxy
    return new Proxy(this, proxyHandler as ProxyHandler<TableBase<R>>);
  }

  /** The row id (a pointer). For a data column called `id`, use `t.col("id")`. */
  get id(): ColumnExpression<Pointer, "id"> {
    return idRef(this[tableNode]);
  }

  /** A column by name (works for names that clash with methods). */
  col<K extends string>(name: K): ColumnExpression<K extends keyof R ? R[K] : unknown, K> {
    const node = this[tableNode];
    lookupColumn(node, name, "col", callSite());
    return columnRef(node, name);
  }

  /** Column names, in order. */
  columnNames(): string[] {
    return [...this[tableNode].columns];
  }

  /** Column types, by name (engine type names). */
  dtypes(): Record<string, DType> {
    const node = this[tableNode];
    return Object.fromEntries(node.columns.map((c, i) => [c, node.dtypes[i]!]));
  }

  /** New columns computed per row; ids unchanged. Positional columns keep their names. */
  select<E extends NamedExprs>(exprs: E): Table<Simplify<RowFromNamed<E>>>;
  select<const C extends readonly ColumnArg[]>(...columns: C): Table<Simplify<RowFromColumns<C>>>;
  select<const C extends readonly ColumnArg[], E extends NamedExprs>(
    ...args: [...C, E]
  ): Table<Simplify<RowFromColumns<C> & RowFromNamed<E>>>;
  select(...args: unknown[]): Table<Row> {
    const site = callSite();
    return selectNode(this[tableNode], parseOutputs(args, "select", site), "select", site);
  }

  /** Adds or replaces columns. */
  withColumns<E extends NamedExprs>(exprs: E): Table<Simplify<Omit<R, keyof E> & RowFromNamed<E>>> {
    const site = callSite();
    const input = this[tableNode];
    const added = parseOutputs([exprs], "withColumns", site);
    const outputs: Array<[string, ExprNode]> = input.columns.map((c) => {
      const replaced = added.find(([n]) => n === c);
      return [c, replaced ? replaced[1] : columnRef(input, c)[exprNode]];
    });
    for (const pair of added) if (!input.columns.includes(pair[0])) outputs.push(pair);
    return selectNode(this[tableNode], outputs, "withColumns", site) as Table<
      Simplify<Omit<R, keyof E> & RowFromNamed<E>>
    >;
  }

  /** Drops columns (by name or column reference). */
  without<K extends keyof R & string>(
    ...columns: Array<K | ColumnExpression<unknown, K>>
  ): Table<Simplify<Omit<R, K>>> {
    const site = callSite();
    const input = this[tableNode];
    const names = columns.map((c) => (typeof c === "string" ? c : c.columnName));
    for (const n of names) lookupColumn(input, n, "without", site);
    const outputs: Array<[string, ExprNode]> = input.columns
      .filter((c) => !(names as string[]).includes(c))
      .map((c) => [c, columnRef(input, c)[exprNode]]);
    return selectNode(this[tableNode], outputs, "without", site) as Table<Simplify<Omit<R, K>>>;
  }

  /** Renames columns: `{ oldName: "newName" }`. */
  rename<const M extends { readonly [K in keyof R]?: string }>(
    mapping: M,
  ): Table<Simplify<Renamed<R, M>>> {
    const site = callSite();
    const input = this[tableNode];
    const map = mapping as Record<string, string>;
    for (const old of Object.keys(map)) lookupColumn(input, old, "rename", site);
    const outputs: Array<[string, ExprNode]> = input.columns.map((c) => [
      map[c] ?? c,
      columnRef(input, c)[exprNode],
    ]);
    parseOutputs([Object.fromEntries(outputs.map(([n]) => [n, null]))], "rename", site);
    if (new Set(outputs.map(([n]) => n)).size !== outputs.length) {
      fail("INVALID_ARGUMENT", "rename: two columns would get the same name", site);
    }
    return selectNode(this[tableNode], outputs, "rename", site) as Table<Simplify<Renamed<R, M>>>;
  }

  /** Keeps the rows where `predicate` is true (an error value drops the row and logs it). */
  filter(predicate: ExprLike<boolean | null>): Table<R> {
    const site = callSite();
    const input = this[tableNode];
    const predicateNode = toNode(predicate);
    const across = filterAcrossTables(input, predicateNode, site);
    if (across) return makeTable<R>(across);
    const udfs = new UdfLowering(input, site);
    const c = compile(predicateNode, {
      scope: tableScope(input, "filter"),
      operation: "filter",
      site,
      udf: udfs.handler,
    });
    requireBool(c, "filter", site, predicateNode);
    const source = udfs.finish();
    const node = new PlanNode(
      source.columns,
      source.dtypes,
      [source],
      (ix) => ({ Filter: { input: ix(source), predicate: c.expr } }),
      site,
      "filter",
    );
    node.carry = { from: source, map: source.columns.map((_, i) => i) };
    return makeTable<R>(trimTo(node, input.columns.length, site));
  }

  /**
   * Drops the rows that hold an error value in any column (each error was already logged in
   * `tb.globalErrorLog()` where it arose).
   */
  removeErrors(): Table<R> {
    const site = callSite();
    const input = this[tableNode];
    const clean = input.columns.map((_, i) => ({
      Call: { f: "not", args: [{ Call: { f: "isError", args: [{ Col: i }] } }] },
    }));
    const predicate =
      clean.length === 0
        ? { Lit: { Bool: true } }
        : clean.length === 1
          ? clean[0]!
          : { Call: { f: "and", args: clean } };
    const node = new PlanNode(
      input.columns,
      input.dtypes,
      [input],
      (ix) => ({ Filter: { input: ix(input), predicate } }),
      site,
      "removeErrors",
    );
    node.carry = { from: input, map: input.columns.map((_, i) => i) };
    return makeTable<R>(node);
  }

  /** Groups rows by the given expressions; options last (`{ instance }`). */
  groupBy(...args: Array<ExprLike<unknown> | GroupByOptions>): GroupedTable<R> {
    const site = callSite();
    const [cols, options] = splitOptions<GroupByOptions>(args);
    const keys = exprNodes(cols);
    const extras = groupExtras(keys, options, site);
    if (options?.instance !== undefined) keys.push(toNode(options.instance));
    const input = this[tableNode];
    return new GroupedTable<R>(input, tableScope(input, "groupBy"), keys, extras);
  }

  /** Rows grouped into time windows: `.reduce({...})` gives one row per window (and instance). */
  windowBy(time: ExprLike<unknown>, options: WindowByOptions): WindowedTable<R> {
    return new WindowedTable<R>(this[tableNode], time, options, callSite());
  }

  /**
   * Joins rows of the two tables that fall in the same window; conditions after the window,
   * options last (`{ how, behavior }`). The result's `select` may use `tb.this._start`/`_end`.
   */
  windowJoin(
    other: TableLike,
    leftTime: ExprLike<unknown>,
    rightTime: ExprLike<unknown>,
    window: Window,
    ...rest: Array<Expression<unknown> | WindowJoinOptions>
  ): WindowJoinResult {
    const site = callSite();
    return new WindowJoinResult(
      this[tableNode],
      nodeOf(other, "windowJoin", site),
      leftTime,
      rightTime,
      window,
      [...rest],
      site,
    );
  }

  /** Reduces the whole table to one row. */
  reduce<E extends NamedExprs>(exprs: E): Table<Simplify<RowFromNamed<E>>> {
    const site = callSite();
    const input = this[tableNode];
    return makeTable(buildReduce(input, tableScope(input, "reduce"), [], [exprs], site));
  }

  /** Inner join; conditions are `a.eq(b)` (left expression, right expression); options last. */
  join<T extends TableLike>(
    other: T,
    ...conditions: Array<Expression<unknown> | JoinOptions>
  ): JoinResult<R, RowOfTable<T> & Row> {
    return joinTables(this[tableNode], other, "Inner", conditions);
  }
  /** Left outer join. */
  joinLeft<T extends TableLike>(
    other: T,
    ...conditions: Array<Expression<unknown> | JoinOptions>
  ): JoinResult<R, RowOfTable<T> & Row> {
    return joinTables(this[tableNode], other, "Left", conditions);
  }
  /** Right outer join. */
  joinRight<T extends TableLike>(
    other: T,
    ...conditions: Array<Expression<unknown> | JoinOptions>
  ): JoinResult<R, RowOfTable<T> & Row> {
    return joinTables(this[tableNode], other, "Right", conditions);
  }
  /** Full outer join. */
  joinOuter<T extends TableLike>(
    other: T,
    ...conditions: Array<Expression<unknown> | JoinOptions>
  ): JoinResult<R, RowOfTable<T> & Row> {
    return joinTables(this[tableNode], other, "Outer", conditions);
  }

  /** Union with tables of the same columns; ids must be disjoint. */
  concat(...others: TableLike[]): Table<R> {
    return concatTables<R>(this[tableNode], others, "concat");
  }

  /** Union with fresh ids (for tables whose ids may overlap). */
  concatReindex(...others: TableLike[]): Table<R> {
    return concatTables<R>(this[tableNode], others, "concatReindex");
  }

  /** Re-keys rows: the new id derives from the values (same ids as `groupBy` on them). */
  withIdFrom(...exprs: ExprLike<unknown>[]): Table<R> {
    const site = callSite();
    const input = this[tableNode];
    if (exprs.length === 0)
      fail("INVALID_ARGUMENT", "withIdFrom: give at least one expression", site);
    const ctx = { scope: tableScope(input, "withIdFrom"), operation: "withIdFrom", site };
    const keys = exprNodes(exprs).map((e) => compile(e, ctx).expr);
    const node = new PlanNode(
      input.columns,
      input.dtypes,
      [input],
      (ix) => ({ Reindex: { input: ix(input), keys } }),
      site,
      "withIdFrom",
    );
    return makeTable<R>(node);
  }

  /** The id that `withIdFrom(...exprs)` would give a row with these values. */
  pointerFrom(...exprs: ExprLike<unknown>[]): Expression<Pointer> {
    const site = callSite();
    return wrap<Pointer>({ k: "call", f: "pointerFrom", args: exprNodes(exprs), site });
  }

  /**
   * One row per element of `column` (an array, tuple, JSON array or string); the other columns
   * are repeated. The element at position `i` of row `id` gets the id `pointerFrom(id, i)`.
   * A null cell gives no rows.
   */
  flatten<K extends keyof R & string>(
    column: ColumnExpression<R[K], K> | K,
  ): Table<Simplify<Omit<R, K> & { [P in K]: ElementOf<R[K]> }>> {
    return makeTable(flattenNode(this[tableNode], column, callSite()));
  }

  /** Rows of `other` replace the rows of this table with the same id and add the others. */
  updateRows(other: Table<R> | TableLike): Table<R> {
    const site = callSite();
    return makeTable<R>(updateRowsNode(this[tableNode], nodeOf(other, "updateRows", site), site));
  }

  /**
   * For ids present in both tables, `other`'s columns overwrite this table's (its columns must
   * be columns of this table; its ids should be a subset of this table's; others are ignored).
   */
  updateCells(other: TableLike): Table<R> {
    const site = callSite();
    return makeTable<R>(updateCellsNode(this[tableNode], nodeOf(other, "updateCells", site), site));
  }

  /** The rows whose id is not in `other`. */
  difference(other: TableLike): Table<R> {
    const site = callSite();
    return makeTable<R>(differenceNode(this[tableNode], nodeOf(other, "difference", site), site));
  }

  /** The rows whose id is in every one of `others`. */
  intersect(...others: TableLike[]): Table<R> {
    const site = callSite();
    const nodes = others.map((o) => nodeOf(o, "intersect", site));
    return makeTable<R>(intersectNode(this[tableNode], nodes, "intersect", site));
  }

  /** The rows whose id is in `other` (whose ids should be a subset of this table's). */
  restrict(other: TableLike): Table<R> {
    const site = callSite();
    return makeTable<R>(
      intersectNode(this[tableNode], [nodeOf(other, "restrict", site)], "restrict", site),
    );
  }

  /**
   * The rows whose id is the value of each pointer (an expression over another table) in some
   * row of that table; with several pointers, the rows named by all of them.
   */
  having(...pointers: Array<Expression<Pointer | null> | Expression<unknown>>): Table<R> {
    const site = callSite();
    if (pointers.length === 0) fail("INVALID_ARGUMENT", "having: give at least one pointer", site);
    let node = this[tableNode];
    for (const pointer of pointers) node = havingNode(node, pointer, site);
    return makeTable<R>(node);
  }

  /**
   * The rows of this table named by `pointer`, an expression over another table `u`: the result
   * has `u`'s ids (one row per row of `u`), so its columns can be used in `u.select(...)`.
   */
  ix<O extends IxOptions>(
    pointer: Expression<Pointer | null> | Expression<unknown>,
    options?: O,
  ): Table<Simplify<IxRow<R, O>>> {
    return makeTable(ixNode(this[tableNode], pointer, options?.optional === true, callSite()));
  }

  /** `ix(pointerFrom(...values))`: rows looked up by the values their ids derive from. */
  ixRef(...args: Array<ExprLike<unknown> | IxOptions>): Table<R> {
    const site = callSite();
    const [values, options] = splitOptions<IxOptions>(args);
    if (values.length === 0) fail("INVALID_ARGUMENT", "ixRef: give at least one value", site);
    const pointer = wrap<Pointer>({ k: "call", f: "pointerFrom", args: exprNodes(values), site });
    return makeTable<R>(ixNode(this[tableNode], pointer, options?.optional === true, site));
  }

  /** `[rows where condition is true, rows where it is false]` (null and errors in neither). */
  split(condition: ExprLike<boolean | null>): [Table<R>, Table<R>] {
    const negated = wrap<boolean | null>({ k: "call", f: "not", args: [toNode(condition)] });
    return [this.filter(condition), this.filter(negated)];
  }

  /**
   * Adds `prev` and `next`: pointers to the neighbouring rows in `key` order (ties by id)
   * among the rows of the same `instance`; null at the ends.
   */
  sort(options: SortOptions): Table<Simplify<R & { prev: Pointer | null; next: Pointer | null }>> {
    const site = callSite();
    return makeTable(sortNode(this[tableNode], options.key, options.instance, site));
  }

  /**
   * Interval join: pairs with `lower <= otherTime - selfTime <= upper` and equal conditions;
   * options last (`{ how: "inner" | "left" | "right" | "outer", id }`).
   */
  intervalJoin<T extends TableLike>(
    other: T,
    selfTime: ExprLike<unknown>,
    otherTime: ExprLike<unknown>,
    interval: Interval,
    ...conditions: Array<Expression<unknown> | TemporalJoinOptions>
  ): JoinResult<R, RowOfTable<T> & Row> {
    const site = callSite();
    const right = nodeOf(other, "intervalJoin", site);
    return intervalJoinOf(this[tableNode], right, selfTime, otherTime, interval, conditions, site);
  }

  /**
   * As-of join: each row with the row of `other` (equal conditions) whose time is closest at or
   * before (`direction: "backward"`, default), at or after (`"forward"`) or either way (`"nearest"`).
   */
  asofJoin<T extends TableLike>(
    other: T,
    selfTime: ExprLike<unknown>,
    otherTime: ExprLike<unknown>,
    ...conditions: Array<Expression<unknown> | AsofJoinOptions>
  ): JoinResult<R, RowOfTable<T> & Row> {
    const site = callSite();
    const right = nodeOf(other, "asofJoin", site);
    return asofJoinOf(this[tableNode], right, selfTime, otherTime, conditions, site);
  }

  /**
   * As-of-now join: each row of `queries` (the right side) is answered once, against this
   * table as it is when the query arrives; later changes of this table leave old answers alone.
   */
  asofNowJoin<T extends TableLike>(
    queries: T,
    ...conditions: Array<Expression<unknown> | AsofNowJoinOptions>
  ): JoinResult<R, RowOfTable<T> & Row> {
    const site = callSite();
    const right = nodeOf(queries, "asofNowJoin", site);
    return asofNowJoinOf(this[tableNode], right, conditions, site);
  }

  /**
   * Per instance, the latest row whose `value` the `acceptor(next, prev)` accepted (the first
   * row is always accepted); one row per instance, replaced over time.
   */
  deduplicate<V>(options: DeduplicateOptions<V>): Table<R> {
    const site = callSite();
    return makeTable(deduplicateNode(this[tableNode], options, site));
  }

  /** A short description, e.g. `Table(customer: str, amount: float)`. */
  toString(): string {
    const node = this[tableNode];
    return `Table(${node.columns.map((c, i) => `${c}: ${dtypeName(node.dtypes[i]!)}`).join(", ")})`;
  }
}

export { Expression };
