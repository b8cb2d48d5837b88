/**
 * Functions and reductions: functions inside reducer arguments, functions over reduce
 * results, and `tb.reducers.stateful` custom reducers in JavaScript, with change streams.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

const sales = () =>
  tb.debug.tableFromMarkdown(`
    id | shop | amount | __time__ | __diff__
    1  | a    | 10     | 2        | 1
    2  | a    | 5      | 2        | 1
    3  | b    | 7      | 2        | 1
    4  | b    | 1      | 4        | 1
    1  | a    | 10     | 6        | -1
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("functions inside reducer arguments and over reduce results", async () => {
    const t = sales();
    const squared = tb.udf((x: number) => x * x, { returns: tb.types.int });
    const label = tb.udf((shop: string, total: number) => `${shop}:${total}`, {
      returns: tb.types.str,
    });
    const r = t.groupBy(t.shop).reduce({
      shop: t.shop,
      sq: tb.reducers.sum(squared(t.amount)),
      label: label(t.shop, tb.reducers.sum(t.amount)),
    });
    expect(r.dtypes()).toEqual({ shop: "Str", sq: "Int", label: "Str" });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ shop: "a", sq: 125, label: "a:15" }, 2, 1),
      change({ shop: "b", sq: 49, label: "b:7" }, 2, 1),
      change({ shop: "b", sq: 49, label: "b:7" }, 4, -1),
      change({ shop: "b", sq: 50, label: "b:8" }, 4, 1),
      change({ shop: "a", sq: 125, label: "a:15" }, 6, -1),
      change({ shop: "a", sq: 25, label: "a:5" }, 6, 1),
    ]);
  });

  it("tb.reducers.stateful folds each group's rows in JavaScript and follows retractions", async () => {
    const t = sales();
    const calls: number[] = [];
    const r = t.groupBy(t.shop).reduce({
      shop: t.shop,
      spread: tb.reducers.stateful(
        (state: { lo: number; hi: number } | null, x: number) => {
          calls.push(x);
          return state === null
            ? { lo: x, hi: x }
            : { lo: Math.min(state.lo, x), hi: Math.max(state.hi, x) };
        },
        { returns: tb.types.json as tb.TypeSpec<{ lo: number; hi: number }> },
        t.amount,
      ),
    });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ shop: "a", spread: { lo: 5, hi: 10 } }, 2, 1),
      change({ shop: "b", spread: { lo: 7, hi: 7 } }, 2, 1),
      change({ shop: "b", spread: { lo: 7, hi: 7 } }, 4, -1),
      change({ shop: "b", spread: { lo: 1, hi: 7 } }, 4, 1),
      change({ shop: "a", spread: { lo: 5, hi: 10 } }, 6, -1),
      change({ shop: "a", spread: { lo: 5, hi: 5 } }, 6, 1),
    ]);
    expect(calls.length).toBeGreaterThan(0);
  });

  it("a stateful reducer over several arguments, on a whole table", async () => {
    const t = sales();
    const r = t.reduce({
      weighted: tb.reducers.stateful(
        (s: number | null, amount: number, shop: string) =>
          (s ?? 0) + amount * (shop === "b" ? 2 : 1),
        { returns: tb.types.int },
        t.amount,
        t.shop,
      ),
    });
    expectRows(await tb.debug.compute(r, { threads }), [{ weighted: 5 + 7 * 2 + 1 * 2 }]);
  });
});
