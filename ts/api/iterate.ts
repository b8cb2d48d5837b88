/**
 * `tb.iterate(fn, tables, { iterationLimit })`: the fixed point of named tables.
 *
 * `fn` is called once, on placeholder tables with the same schemas as `tables`; the tables it
 * returns (a subset of the names, same schemas) are the next values of those tables. The
 * engine runs the body in a differential iterative scope until nothing changes (or for
 * `iterationLimit` rounds) and keeps the result up to date as the inputs change.
 * Named tables that `fn` does not return, and any outer table the body reads, are constants
 * of the iteration.
 */
import { type DType, dtypeName } from "./dtype.js";
import { callSite, fail } from "./errors.js";
import { PlanNode, type PlanNodeJson, type PlanOp } from "./plan.js";
import type { Row } from "./schema.js";
import { makeTable, nodeOf, type RowOfTable, type Table, type TableLike } from "./table.js";

/** Options of `tb.iterate`. */
export interface IterateOptions {
  /** Most rounds: the result is the body applied this many times (at least 1). */
  iterationLimit?: number;
}

/** Named tables given to `tb.iterate`. */
export type IterateTables = Record<string, TableLike>;

/** A table with the same rows as `T`. */
export type SameTable<T> = Table<RowOfTable<T> & Row>;

/**
 * A table with the columns of `T`. Column types are checked when `tb.iterate` runs the
 * callback (join and reducer results are often typed `unknown` here).
 */
export type RowsLike<T> = TableLike & { readonly __row: { [K in keyof RowOfTable<T>]: unknown } };

/** What the body may return: some of the named tables, each with its schema. */
export type IterateBodyResult<T extends IterateTables> = { [K in keyof T]?: RowsLike<T[K]> };

/** What `tb.iterate` returns: the fixed point of every table the body returned. */
export type IterateResult<T extends IterateTables, R> = {
  [K in keyof R & keyof T]: SameTable<T[K]>;
};

/** Operators the engine can run inside an iteration (plan op names). */
const SUPPORTED = new Set([
  "Select",
  "Filter",
  "Reindex",
  "GroupBy",
  "Join",
  "Concat",
  "ConcatReindex",
  "Flatten",
  "UpdateRows",
  "UpdateCells",
  "Difference",
  "Intersect",
  "Having",
  "Ix",
  "Rekey",
]);

/** Reducers that depend on commit times and so cannot run inside an iteration. */
const TIME_REDUCERS = new Set(["earliest", "latest"]);

/** The plan op name of a serialized op (`"ErrorLog"` or the single key). */
function opName(op: PlanOp): string {
  return typeof op === "string" ? op : Object.keys(op)[0]!;
}

/** True when a placeholder type accepts the values of a result type. */
function accepts(placeholder: DType, result: DType): boolean {
  if (dtypeName(placeholder) === dtypeName(result)) return true;
  if (placeholder === "Any") return true;
  return typeof placeholder === "object" && "Optional" in placeholder
    ? accepts(placeholder.Optional, result)
    : false;
}

/**
 * The fixed point of `tables` under `fn`:
 * `tb.iterate(({ ranks }) => ({ ranks: step(ranks) }), { ranks }, { iterationLimit: 5 })`.
 */
export function iterate<T extends IterateTables, R extends IterateBodyResult<T>>(
  fn: (tables: T) => R,
  tables: T,
  options: IterateOptions = {},
): IterateResult<T, R> {
  const site = callSite();
  const limit = options.iterationLimit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    fail("INVALID_ARGUMENT", `iterate: iterationLimit must be an integer >= 1, got ${limit}`, site);
  }
  const names = Object.keys(tables);
  if (names.length === 0) fail("INVALID_ARGUMENT", "iterate: no tables given", site);
  const initial = new Map<string, PlanNode>();
  const placeholders = new Map<PlanNode, string>();
  const arg: Record<string, TableLike> = {};
  for (const name of names) {
    const node = nodeOf(tables[name], `iterate (table "${name}")`, site);
    initial.set(name, node);
    const placeholder = new PlanNode(
      node.columns,
      node.dtypes,
      [],
      () =>
        fail(
          "INVALID_ARGUMENT",
          `iterate: a table computed from the iterated table "${name}" is used outside the iterate callback; use the tables tb.iterate returns`,
          site,
        ),
      site,
      "iterate",
    );
    placeholders.set(placeholder, name);
    arg[name] = makeTable(placeholder);
  }
  const returned = fn(arg as T) as Record<string, TableLike | undefined>;
  if (returned === null || typeof returned !== "object") {
    fail("INVALID_ARGUMENT", "iterate: the callback must return an object of tables", site);
  }
  const variables = Object.keys(returned).filter((n) => returned[n] !== undefined);
  if (variables.length === 0) {
    fail("INVALID_ARGUMENT", "iterate: the callback returned no tables", site);
  }
  const resultNodes = variables.map((name) => {
    if (!initial.has(name)) {
      fail(
        "INVALID_ARGUMENT",
        `iterate: the callback returned "${name}", which is not one of the iterated tables (${names.join(", ")})`,
        site,
      );
    }
    return conform(
      name,
      initial.get(name)!,
      nodeOf(returned[name], `iterate result "${name}"`, site),
      site,
    );
  });

  // Which nodes depend on a placeholder (the body); the others are constants of the loop.
  const inBody = new Map<PlanNode, boolean>();
  const dependsOnLoop = (root: PlanNode): boolean => {
    const stack: PlanNode[] = [root];
    while (stack.length > 0) {
      const node = stack[stack.length - 1]!;
      if (inBody.has(node)) {
        stack.pop();
        continue;
      }
      if (placeholders.has(node)) {
        inBody.set(node, true);
        stack.pop();
        continue;
      }
      const pending = node.inputs.filter((i) => !inBody.has(i));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      inBody.set(
        node,
        node.inputs.some((i) => inBody.get(i)),
      );
      stack.pop();
    }
    return inBody.get(root)!;
  };

  // Outer inputs: the variables' initial tables, then imported tables.
  const inputs: PlanNode[] = variables.map((n) => initial.get(n)!);
  const inputIndex = new Map<PlanNode, number>();
  const importOf = (outer: PlanNode): number => {
    let i = inputIndex.get(outer);
    if (i === undefined) {
      i = inputs.length;
      inputs.push(outer);
      inputIndex.set(outer, i);
    }
    return i;
  };
  const body: PlanNodeJson[] = [];
  const local = new Map<PlanNode, number>();
  const inputNode = (index: number, like: PlanNode): number => {
    body.push({
      op: { IterateInput: { index } },
      columns: [...like.columns],
      dtypes: [...like.dtypes],
      trace: like.trace ?? null,
    });
    return body.length - 1;
  };
  const numberLeaf = (node: PlanNode): number => {
    const name = placeholders.get(node);
    let index: number;
    if (name !== undefined) {
      const variable = variables.indexOf(name);
      index = variable >= 0 ? variable : importOf(initial.get(name)!);
    } else {
      index = importOf(node);
    }
    const at = inputNode(index, node);
    local.set(node, at);
    return at;
  };
  const lookup = (node: PlanNode): number => {
    const i = local.get(node);
    if (i === undefined) throw new Error(`internal: iterate body node ${node.uid} not numbered`);
    return i;
  };
  const visit = (root: PlanNode): void => {
    const stack: Array<{ node: PlanNode; next: number }> = [{ node: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (local.has(top.node)) {
        stack.pop();
        continue;
      }
      if (placeholders.has(top.node) || !dependsOnLoop(top.node)) {
        numberLeaf(top.node);
        stack.pop();
        continue;
      }
      if (top.next < top.node.inputs.length) {
        stack.push({ node: top.node.inputs[top.next++]!, next: 0 });
        continue;
      }
      stack.pop();
      checkSupported(top.node);
      const op = top.node.build(lookup, { forceStatic: false });
      checkOp(top.node, op);
      local.set(top.node, body.length);
      body.push({
        op,
        columns: [...top.node.columns],
        dtypes: [...top.node.dtypes],
        trace: top.node.trace ?? null,
      });
    }
  };
  for (const node of resultNodes) visit(node);
  const results = resultNodes.map(lookup);

  const iterateNode = new PlanNode(
    initial.get(variables[0]!)!.columns,
    initial.get(variables[0]!)!.dtypes,
    inputs,
    (ix) => ({
      Iterate: {
        inputs: inputs.map(ix),
        variables: variables.length,
        body,
        results,
        limit: limit ?? null,
      },
    }),
    site,
    "iterate",
  );
  const out: Record<string, TableLike> = {};
  variables.forEach((name, index) => {
    const like = initial.get(name)!;
    const node = new PlanNode(
      like.columns,
      like.dtypes,
      [iterateNode],
      (ix) => ({ IterateOutput: { iterate: ix(iterateNode), index } }),
      site,
      "iterate",
    );
    out[name] = makeTable(node);
  });
  return out as IterateResult<T, R>;
}

/** Checks a result's schema against its table's and reorders its columns if needed. */
function conform(
  name: string,
  like: PlanNode,
  result: PlanNode,
  site: string | undefined,
): PlanNode {
  const same =
    result.columns.length === like.columns.length &&
    like.columns.every((c) => result.columns.includes(c));
  if (!same) {
    fail(
      "TYPE_MISMATCH",
      `iterate: the callback's "${name}" has columns (${result.columns.join(", ")}), the iterated table has (${like.columns.join(", ")})`,
      site,
    );
  }
  like.columns.forEach((c, i) => {
    const t = result.dtypes[result.indexOf(c)]!;
    if (!accepts(like.dtypes[i]!, t)) {
      fail(
        "TYPE_MISMATCH",
        `iterate: column "${c}" of "${name}" is ${dtypeName(like.dtypes[i]!)} in the iterated table but ${dtypeName(t)} in the callback's result`,
        site,
      );
    }
  });
  if (like.columns.every((c, i) => result.columns[i] === c)) return result;
  const exprs = like.columns.map((c) => ({ Col: result.indexOf(c) }));
  return new PlanNode(
    like.columns,
    like.dtypes,
    [result],
    (ix) => ({ Select: { input: ix(result), exprs } }),
    site,
    "iterate",
  );
}

/** Refuses nodes that cannot run inside an iteration before they are serialized. */
function checkSupported(node: PlanNode): void {
  if (node.operation === "udf") {
    fail(
      "UNSUPPORTED_IN_ITERATE",
      "iterate: JavaScript functions (tb.udf/tb.apply) cannot be used inside the iterate callback; compute them before or after the iteration",
      node.trace,
    );
  }
}

/** Refuses operators the engine cannot run inside an iteration. */
function checkOp(node: PlanNode, op: PlanOp): void {
  const name = opName(op);
  if (name === "Udf") {
    // A select calling a function is fused into its `Udf` node (operation "select").
    fail(
      "UNSUPPORTED_IN_ITERATE",
      "iterate: JavaScript functions (tb.udf/tb.apply) cannot be used inside the iterate callback; compute them before or after the iteration",
      node.trace,
    );
  }
  if (name === "GroupBy" && typeof op === "object" && "GroupBy" in op) {
    const bad = op.GroupBy.reducers.find((r) => TIME_REDUCERS.has(r.kind));
    if (bad) {
      fail(
        "UNSUPPORTED_IN_ITERATE",
        `iterate: reducers.${bad.kind} depends on commit times and cannot be used inside the iterate callback`,
        node.trace,
      );
    }
    return;
  }
  if (!SUPPORTED.has(name)) {
    const what = name.startsWith("Iterate") ? "a nested tb.iterate" : node.operation;
    fail(
      "UNSUPPORTED_IN_ITERATE",
      `iterate: ${what} is not supported inside the iterate callback (supported: select, withColumns, filter, without, rename, joins, groupBy/reduce, concat, concatReindex, flatten, withIdFrom, updateRows, updateCells, difference, intersect, restrict, having, ix)`,
      node.trace,
    );
  }
}
