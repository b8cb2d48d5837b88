/**
 * `t.deduplicate({ value, instance, acceptor })`: per instance, the latest row whose value the
 * acceptor accepted. Rows are stamped with their arrival time and a FoldGroups node keeps, per
 * instance, the kept value and its row's id: new rows are offered to the acceptor in arrival
 * order (ties by row id) against the kept value only; an instance that loses rows is folded
 * again over the rows it has left. The chosen row is then fetched by id.
 */
import { compile, tableScope } from "./compile.js";
import type { DType } from "./dtype.js";
import { fail } from "./errors.js";
import type { ExprLike } from "./expression.js";
import { toNode } from "./expression.js";
import { foldFunction, foldGroupsNode } from "./fold.js";
import { PlanNode } from "./plan.js";
import { makeTable } from "./table.js";
import { ixNode } from "./table-more.js";
import { TypeSpec } from "./types.js";
import { define } from "./udf.js";

/** Options of `deduplicate`. */
export interface DeduplicateOptions<V> {
  /** The value the acceptor compares. */
  value: ExprLike<V>;
  /** Rows are deduplicated separately per value of this expression (one result row each). */
  instance?: ExprLike<unknown>;
  /** `true` when `next` should replace the kept value `prev`; the first row is always kept. */
  acceptor: (next: V, prev: V) => boolean;
  /** Name used in error messages. */
  name?: string;
}

const OPERATION = "deduplicate";

/** The plan node of `input.deduplicate(options)`: `input`'s columns, one row per instance. */
export function deduplicateNode<V>(
  input: PlanNode,
  options: DeduplicateOptions<V>,
  site: string | undefined,
): PlanNode {
  if (typeof options !== "object" || options === null || typeof options.acceptor !== "function") {
    fail("INVALID_ARGUMENT", `${OPERATION}: expected { value, instance?, acceptor }`, site);
  }
  if (options.value === undefined) {
    fail("INVALID_ARGUMENT", `${OPERATION}: the value option is missing`, site);
  }
  const stampColumn = input.columns.length;
  const stamped = new PlanNode(
    [...input.columns, "__tb_arrival"],
    [...input.dtypes, "Int"],
    [input],
    (ix) => ({ StampTime: { input: ix(input) } }),
    site,
    OPERATION,
  );
  stamped.carry = { from: input, map: [...input.columns.map((_, i) => i), -1] };
  const ctx = { scope: tableScope(stamped, OPERATION), operation: OPERATION, site };
  const value = compile(toNode(options.value), ctx);
  const instance =
    options.instance === undefined ? undefined : compile(toNode(options.instance), ctx);
  const acceptor = options.acceptor;
  // The state of an instance: [kept value, id of the row that brought it].
  type Kept = [V, unknown];
  const keep = (kept: Kept | null, next: V, id: unknown): Kept =>
    kept === null || acceptor(next, kept[0]) ? [next, id] : kept;
  const dtype: DType = { Tuple: [value.dtype, "Pointer"] };
  const name = options.name ?? (acceptor.name || "acceptor");
  const def = define(
    foldFunction(keep) as (...args: never[]) => unknown,
    { returns: new TypeSpec(dtype), batch: { maxSize: 1024 }, name },
    site,
  );
  const folded = foldGroupsNode(
    stamped,
    {
      keys: instance ? [instance] : [],
      args: [value.expr, { Id: 0 }],
      order: { Col: stampColumn },
      fold: { def, retractable: false, dtype, maxGroups: undefined },
      operation: OPERATION,
    },
    site,
  );
  const kept = makeTable<{ __state: Kept }>(folded);
  const chosen = kept.select({ chosen: kept.__state.get(1) });
  return ixNode(input, chosen.chosen, false, site);
}
