/**
 * Plan nodes of the id-based table operations: `flatten`, `updateRows`, `updateCells`,
 * `difference`, `intersect`, `restrict`, `having`, `ix`/`ixRef`, `split` and `sort`, and the
 * same-universe column access that lets `u.select(...)` use columns of `t.ix(u.ptr)`.
 * Every function returns a `PlanNode`; `table.ts` wraps it as a table.
 */
import { type ExprNode, sourcesOf } from "./ast.js";
import {
  compile,
  inheritedColumn,
  lookupColumn,
  requireBool,
  type Scope,
  tableScope,
} from "./compile.js";
import { assignable, type DType, dtypeName, isKind, optional, unify, unoptional } from "./dtype.js";
import { fail } from "./errors.js";
import { toNode } from "./expression.js";
import { type PlanExpr, PlanNode } from "./plan.js";

/**
 * Tables known to have exactly the ids of another table (an `ix` result has its indexer's
 * ids; a `sort` or `updateCells` result has its input's ids): table → representative.
 */
const universeOf = new WeakMap<PlanNode, PlanNode>();

/** The representative of a table's set of ids (itself unless registered). */
function root(node: PlanNode): PlanNode {
  let current = node;
  for (;;) {
    const next = universeOf.get(current);
    if (next === undefined) return current;
    current = next;
  }
}

/** Records that `node` has exactly the ids of `of`. */
function sameIds(node: PlanNode, of: PlanNode): void {
  universeOf.set(node, root(of));
}

/** Same ids as `input` everywhere `input` has a row (so an inner join by id keeps `input`). */
function coversIdsOf(other: PlanNode, input: PlanNode): boolean {
  const r = root(other);
  return r === root(input) || inheritedColumn(input, r, -1) !== undefined;
}

/** Gives a node the ids and the columns of `from` (filters and other subsets). */
function carryAll(node: PlanNode, from: PlanNode): PlanNode {
  node.carry = { from, map: from.columns.map((_, i) => i) };
  return node;
}

/** The single concrete table an expression refers to (for `ix`/`having` pointers). */
function tableOfPointer(node: ExprNode, operation: string, site: string | undefined): PlanNode {
  const tables = [...sourcesOf(node)];
  const concrete = tables.filter((s): s is PlanNode => typeof s !== "string");
  if (concrete.length !== 1 || tables.length !== 1) {
    fail(
      "INVALID_ARGUMENT",
      `${operation}: the pointer must be an expression over exactly one table (e.g. u.ptr), not tb.this/left/right`,
      site,
    );
  }
  return concrete[0]!;
}

/** Compiles a pointer expression over its own table and checks its type. */
function compilePointer(
  pointer: unknown,
  operation: string,
  site: string | undefined,
): { indexer: PlanNode; expr: PlanExpr; dtype: DType } {
  const node = toNode(pointer);
  const indexer = tableOfPointer(node, operation, site);
  const c = compile(node, { scope: tableScope(indexer, operation), operation, site });
  if (!isKind(c.dtype, "Pointer")) {
    fail(
      "TYPE_MISMATCH",
      `${operation}: expected a pointer expression, got ${dtypeName(c.dtype)}`,
      site,
    );
  }
  return { indexer, expr: c.expr, dtype: c.dtype };
}

/** The element type of a flattened column. */
function elementType(t: DType, site: string | undefined): DType {
  const u = unoptional(t);
  if (u === "Any" || u === "Json" || u === "Str") return u;
  if (typeof u === "object" && "Array" in u) return u.Array;
  if (typeof u === "object" && "Tuple" in u) {
    return u.Tuple.length === 0 ? "Any" : u.Tuple.reduce((a, b) => unify(a, b));
  }
  return fail(
    "TYPE_MISMATCH",
    `flatten: cannot flatten a column of type ${dtypeName(t)} (arrays, tuples, JSON arrays and strings only)`,
    site,
  );
}

/** `t.flatten(t.col)`. */
export function flattenNode(input: PlanNode, column: unknown, site: string | undefined): PlanNode {
  const name = typeof column === "string" ? column : undefined;
  const c = name
    ? {
        expr: { Col: lookupColumn(input, name, "flatten", site) } as PlanExpr,
        dtype: "Any" as DType,
      }
    : compile(toNode(column), { scope: tableScope(input, "flatten"), operation: "flatten", site });
  if (!("Col" in c.expr)) {
    fail("INVALID_ARGUMENT", "flatten: expected a column of the table (e.g. t.tags)", site);
  }
  const index = c.expr.Col;
  const dtypes = [...input.dtypes];
  dtypes[index] = elementType(input.dtypes[index]!, site);
  return new PlanNode(
    input.columns,
    dtypes,
    [input],
    (ix) => ({ Flatten: { input: ix(input), column: index } }),
    site,
    "flatten",
  );
}

/** `other` with its columns in the order of `first` (same names required). */
function alignColumns(
  first: PlanNode,
  other: PlanNode,
  operation: string,
  site: string | undefined,
): PlanNode {
  const names = [...other.columns].sort().join("\u0000");
  if (names !== [...first.columns].sort().join("\u0000")) {
    fail(
      "INVALID_ARGUMENT",
      `${operation}: tables must have the same columns (${first.columns.join(", ")} vs ${other.columns.join(", ")})`,
      site,
    );
  }
  if (other.columns.every((c, i) => c === first.columns[i])) return other;
  const exprs = first.columns.map((c) => ({ Col: other.indexOf(c) }));
  const node = new PlanNode(
    first.columns,
    first.columns.map((c) => other.dtypes[other.indexOf(c)]!),
    [other],
    (ix) => ({ Select: { input: ix(other), exprs } }),
    site,
    operation,
  );
  node.carry = { from: other, map: exprs.map((e) => e.Col) };
  return node;
}

/** Unified column types of two aligned tables; incompatible types are a build error. */
function unifyColumns(
  a: PlanNode,
  b: PlanNode,
  operation: string,
  site: string | undefined,
): DType[] {
  return a.dtypes.map((t, i) => {
    const other = b.dtypes[i]!;
    const u = unify(t, other);
    if (u === "Any" && t !== "Any" && other !== "Any") {
      fail(
        "TYPE_MISMATCH",
        `${operation}: column "${a.columns[i]}" is ${dtypeName(t)} in one table and ${dtypeName(other)} in the other`,
        site,
      );
    }
    return u;
  });
}

/** `t.updateRows(u)`. */
export function updateRowsNode(
  input: PlanNode,
  other: PlanNode,
  site: string | undefined,
): PlanNode {
  const update = alignColumns(input, other, "updateRows", site);
  const dtypes = unifyColumns(input, update, "updateRows", site);
  return new PlanNode(
    input.columns,
    dtypes,
    [input, update],
    (ix) => ({ UpdateRows: { input: ix(input), update: ix(update) } }),
    site,
    "updateRows",
  );
}

/** `t.updateCells(u)`. */
export function updateCellsNode(
  input: PlanNode,
  update: PlanNode,
  site: string | undefined,
): PlanNode {
  for (const [j, name] of update.columns.entries()) {
    const i = input.indexOf(name);
    if (i < 0) {
      fail(
        "UNKNOWN_COLUMN",
        `updateCells: column "${name}" of the update is not a column of the table (columns: ${input.columns.join(", ")})`,
        site,
      );
    }
    if (!assignable(update.dtypes[j]!, input.dtypes[i]!)) {
      fail(
        "TYPE_MISMATCH",
        `updateCells: column "${name}" is ${dtypeName(input.dtypes[i]!)} but the update gives ${dtypeName(update.dtypes[j]!)}`,
        site,
      );
    }
  }
  const columns = input.columns.map((c) => {
    const j = update.indexOf(c);
    return j < 0 ? null : j;
  });
  const dtypes = input.dtypes.map((t, i) => {
    const j = columns[i];
    return j === null || j === undefined ? t : unify(t, update.dtypes[j]!);
  });
  const node = new PlanNode(
    input.columns,
    dtypes,
    [input, update],
    (ix) => ({ UpdateCells: { input: ix(input), update: ix(update), columns } }),
    site,
    "updateCells",
  );
  node.carry = { from: input, map: columns.map((j, i) => (j === null ? i : -1)) };
  sameIds(node, input);
  return node;
}

/** `t.difference(u)`. */
export function differenceNode(
  input: PlanNode,
  other: PlanNode,
  site: string | undefined,
): PlanNode {
  const node = new PlanNode(
    input.columns,
    input.dtypes,
    [input, other],
    (ix) => ({ Difference: { input: ix(input), other: ix(other) } }),
    site,
    "difference",
  );
  return carryAll(node, input);
}

/** `t.intersect(...others)` and `t.restrict(u)`. */
export function intersectNode(
  input: PlanNode,
  others: readonly PlanNode[],
  operation: "intersect" | "restrict",
  site: string | undefined,
): PlanNode {
  if (others.length === 0) fail("INVALID_ARGUMENT", `${operation}: give at least one table`, site);
  const node = new PlanNode(
    input.columns,
    input.dtypes,
    [input, ...others],
    (ix) => ({ Intersect: { input: ix(input), others: others.map(ix) } }),
    site,
    operation,
  );
  carryAll(node, input);
  if (operation === "restrict" && others.length === 1) sameIds(node, others[0]!);
  return node;
}

/** `t.having(u.ptr)`. */
export function havingNode(input: PlanNode, pointer: unknown, site: string | undefined): PlanNode {
  const { indexer, expr } = compilePointer(pointer, "having", site);
  const node = new PlanNode(
    input.columns,
    input.dtypes,
    [input, indexer],
    (ix) => ({ Having: { input: ix(input), indexer: ix(indexer), pointer: expr } }),
    site,
    "having",
  );
  return carryAll(node, input);
}

/** `t.ix(u.ptr, { optional })`: a table with `u`'s ids and `t`'s columns. */
export function ixNode(
  source: PlanNode,
  pointer: unknown,
  isOptional: boolean,
  site: string | undefined,
): PlanNode {
  const { indexer, expr } = compilePointer(pointer, "ix", site);
  const node = new PlanNode(
    source.columns,
    isOptional ? source.dtypes.map(optional) : source.dtypes,
    [source, indexer],
    (ix) => ({
      Ix: { source: ix(source), indexer: ix(indexer), pointer: expr, optional: isOptional },
    }),
    site,
    "ix",
  );
  sameIds(node, indexer);
  return node;
}

/** `t.sort({ key, instance })`: `t`'s columns plus `prev` and `next`. */
export function sortNode(
  input: PlanNode,
  key: unknown,
  instance: unknown,
  site: string | undefined,
): PlanNode {
  for (const name of ["prev", "next"]) {
    if (input.indexOf(name) >= 0) {
      fail(
        "INVALID_ARGUMENT",
        `sort: the table already has a column "${name}"; rename it first`,
        site,
      );
    }
  }
  const ctx = { scope: tableScope(input, "sort"), operation: "sort", site };
  const k = compile(toNode(key), ctx).expr;
  const inst = instance === undefined ? undefined : compile(toNode(instance), ctx).expr;
  const pointer: DType = { Optional: "Pointer" };
  const node = new PlanNode(
    [...input.columns, "prev", "next"],
    [...input.dtypes, pointer, pointer],
    [input],
    (ix) => ({ Sort: { input: ix(input), key: k, instance: inst } }),
    site,
    "sort",
  );
  node.carry = { from: input, map: [...input.columns.map((_, i) => i), -1, -1] };
  sameIds(node, input);
  return node;
}

/** `input` joined by id with the same-id tables an expression uses, and a scope over it. */
interface Widened {
  wide: PlanNode;
  scope: Scope;
}

/**
 * When the trees use columns of tables with the same ids as `input` (an `ix` result, a `sort`
 * result…), joins those tables to `input` by id into one wide node whose first columns are
 * `input`'s; `undefined` when they use no such table.
 */
function widen(
  input: PlanNode,
  trees: readonly ExprNode[],
  operation: string,
  site: string | undefined,
): Widened | undefined {
  const foreign: PlanNode[] = [];
  for (const e of trees) {
    for (const src of sourcesOf(e)) {
      if (typeof src === "string" || src === input || foreign.includes(src)) continue;
      if (inheritedColumn(input, src, -1) !== undefined) continue;
      if (!coversIdsOf(src, input)) return undefined;
      foreign.push(src);
    }
  }
  if (foreign.length === 0) return undefined;
  let wide = input;
  const offsets = new Map<PlanNode, number>();
  for (const other of foreign) {
    const left = wide;
    offsets.set(other, left.columns.length);
    const exprs: PlanExpr[] = [
      ...left.columns.map((_, i) => ({ Col: i })),
      ...other.columns.map((_, i) => ({ Col: left.columns.length + i })),
    ];
    wide = new PlanNode(
      [...left.columns, ...other.columns.map((c) => `${other.uid}.${c}`)],
      [...left.dtypes, ...other.dtypes],
      [left, other],
      (ix) => ({
        Join: {
          left: ix(left),
          right: ix(other),
          kind: "Inner",
          left_keys: [{ Id: 0 }],
          right_keys: [{ Id: 0 }],
          output: exprs,
          id: "Left",
        },
      }),
      site,
      operation,
    );
  }
  const base = tableScope(input, operation);
  const scope: Scope = {
    column(src, name, s) {
      const offset = typeof src === "string" ? undefined : offsets.get(src);
      if (offset === undefined || typeof src === "string") return base.column(src, name, s);
      const i = lookupColumn(src, name, operation, s);
      return { expr: { Col: offset + i }, dtype: src.dtypes[i]! };
    },
    id(src, s) {
      if (typeof src !== "string" && offsets.has(src)) return { expr: { Id: 0 }, dtype: "Pointer" };
      return base.id(src, s);
    },
  };
  return { wide, scope };
}

/**
 * A `select` over `input` whose expressions also use columns of tables with the same ids
 * (an `ix` result, a `sort` result…): joins them to `input` by id first. `undefined` when
 * the expressions use no such table (the plain select applies).
 */
export function selectAcrossTables(
  input: PlanNode,
  outputs: ReadonlyArray<readonly [string, ExprNode]>,
  operation: string,
  site: string | undefined,
): PlanNode | undefined {
  const widened = widen(
    input,
    outputs.map(([, e]) => e),
    operation,
    site,
  );
  if (!widened) return undefined;
  const { wide, scope } = widened;
  const compiled = outputs.map(([, e]) => compile(e, { scope, operation, site }));
  const node = new PlanNode(
    outputs.map(([n]) => n),
    compiled.map((c) => c.dtype),
    [wide],
    (ix) => ({ Select: { input: ix(wide), exprs: compiled.map((c) => c.expr) } }),
    site,
    operation,
  );
  node.carry = {
    from: input,
    map: compiled.map((c) =>
      "Col" in c.expr && c.expr.Col < input.columns.length ? c.expr.Col : -1,
    ),
  };
  return node;
}

/**
 * A `filter` of `input` whose predicate uses columns of tables with the same ids (see
 * `selectAcrossTables`); `undefined` when it uses no such table.
 */
export function filterAcrossTables(
  input: PlanNode,
  predicate: ExprNode,
  site: string | undefined,
): PlanNode | undefined {
  const widened = widen(input, [predicate], "filter", site);
  if (!widened) return undefined;
  const { wide, scope } = widened;
  const c = compile(predicate, { scope, operation: "filter", site });
  requireBool(c, "filter", site, predicate);
  const kept = new PlanNode(
    wide.columns,
    wide.dtypes,
    [wide],
    (ix) => ({ Filter: { input: ix(wide), predicate: c.expr } }),
    site,
    "filter",
  );
  const exprs = input.columns.map((_, i) => ({ Col: i }));
  const node = new PlanNode(
    input.columns,
    input.dtypes,
    [kept],
    (ix) => ({ Select: { input: ix(kept), exprs } }),
    site,
    "filter",
  );
  return carryAll(node, input);
}
