/**
 * `t.deduplicate({ value, instance, acceptor })`: per instance, the latest row whose value the
 * acceptor accepted. Rows are stamped with their arrival time, each instance's history is
 * gathered in arrival order (ties by row id), and the JavaScript acceptor is folded over it by
 * the user-function machinery (batched over instances); the chosen row is then fetched by id.
 */
import { compile, tableScope } from "./compile.js";
import type { DType } from "./dtype.js";
import { fail } from "./errors.js";
import type { ExprLike } from "./expression.js";
import { toNode } from "./expression.js";
import { PlanNode } from "./plan.js";
import { makeTable } from "./table.js";
import { ixNode } from "./table-more.js";
import { types } from "./types.js";
import { udf } from "./udf.js";

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
  const keys = instance ? [instance.expr] : [];
  const history: DType = { Array: { Tuple: [value.dtype, "Pointer"] } };
  const group = new PlanNode(
    instance ? ["instance", "history"] : ["history"],
    instance ? [instance.dtype, history] : [history],
    [stamped],
    (ix) => ({
      GroupBy: {
        input: ix(stamped),
        keys,
        reducers: [
          {
            kind: "tuple",
            args: [
              { Call: { f: "makeTuple", args: [value.expr, { Id: 0 }] } },
              { Col: stampColumn },
            ],
            skip_nones: false,
          },
        ],
        output: [...keys.map((_, i) => ({ Col: i })), { Col: keys.length }],
      },
    }),
    site,
    OPERATION,
  );
  const acceptor = options.acceptor;
  const pick = udf(
    (entries: Array<[V, unknown]>): number => {
      let chosen = -1;
      let kept: V | undefined;
      entries.forEach(([next], i) => {
        if (chosen < 0 || acceptor(next, kept as V)) {
          chosen = i;
          kept = next;
        }
      });
      return chosen;
    },
    { returns: types.int, name: options.name ?? (acceptor.name || "acceptor") },
  );
  const groups = makeTable<{ history: Array<[V, unknown]> }>(group);
  const picked = groups.select({ history: groups.history, index: pick(groups.history) });
  const chosen = picked.select({ chosen: picked.history.get(picked.index).get(1) });
  return ixNode(input, chosen.chosen, false, site);
}
