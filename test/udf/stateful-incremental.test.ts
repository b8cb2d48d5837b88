/**
 * `tb.reducers.stateful` and `deduplicate` fold incrementally: the engine keeps each group's
 * state and hands JavaScript only the rows a commit changed (removed rows through `retract`,
 * or a refold of the group without it). Checked on change streams and on how often the user's
 * functions run.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, errorLogOf, expectChanges, isError, THREADS } from "../helpers.js";

/** `n` rows of two shops, one row per commit (times 2, 4, ...). */
function manyCommits(n: number) {
  const lines = ["id | shop | amount | __time__"];
  for (let i = 0; i < n; i++)
    lines.push(`${i} | ${i % 2 === 0 ? "a" : "b"} | ${i + 1} | ${2 * (i + 1)}`);
  return tb.debug.tableFromMarkdown(lines.join("\n"));
}

const sales = () =>
  tb.debug.tableFromMarkdown(`
    id | shop | amount | __time__ | __diff__
    1  | a    | 10     | 2        | 1
    2  | a    | 5      | 2        | 1
    3  | b    | 7      | 2        | 1
    4  | b    | 1      | 4        | 1
    1  | a    | 10     | 6        | -1
    5  | a    | 2      | 8        | 1
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("combines only the rows each commit adds (one call per row over 120 commits)", async () => {
    const t = manyCommits(120);
    let calls = 0;
    const r = t.groupBy(t.shop).reduce({
      shop: t.shop,
      total: tb.reducers.stateful(
        (s: number | null, x: number) => {
          calls += 1;
          return (s ?? 0) + x;
        },
        { returns: tb.types.int },
        t.amount,
      ),
    });
    const changes = await tb.debug.computeChanges(r, { threads });
    // A refold per commit would call combine 1 + 2 + ... + 60 times per shop (3660 in all).
    expect(calls).toBe(120);
    const last = (shop: string) =>
      changes.filter((c) => c.shop === shop && c.__diff__ > 0).at(-1)?.total;
    expect(last("a")).toBe(Array.from({ length: 60 }, (_, i) => 2 * i + 1).reduce((a, b) => a + b));
    expect(last("b")).toBe(Array.from({ length: 60 }, (_, i) => 2 * i + 2).reduce((a, b) => a + b));
    // Each commit replaces its shop's total: one retraction and one insertion after the first.
    expect(changes.length).toBe(2 + 2 * 118);
  });

  it("retract takes removed rows out of the state instead of folding the group again", async () => {
    const log: string[] = [];
    const t = sales();
    const r = t.groupBy(t.shop).reduce({
      shop: t.shop,
      total: tb.reducers.stateful(
        (s: number | null, x: number) => {
          log.push(`+${x}`);
          return (s ?? 0) + x;
        },
        {
          returns: tb.types.int,
          retract: (s: number, x: number) => {
            log.push(`-${x}`);
            return s - x;
          },
        },
        t.amount,
      ),
    });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ shop: "a", total: 15 }, 2, 1),
      change({ shop: "b", total: 7 }, 2, 1),
      change({ shop: "b", total: 7 }, 4, -1),
      change({ shop: "b", total: 8 }, 4, 1),
      change({ shop: "a", total: 15 }, 6, -1),
      change({ shop: "a", total: 5 }, 6, 1),
      change({ shop: "a", total: 5 }, 8, -1),
      change({ shop: "a", total: 7 }, 8, 1),
    ]);
    expect([...log].sort()).toEqual(["+1", "+10", "+2", "+5", "+7", "-10"].sort());
  });

  it("without retract a group that loses rows is folded again over the rows it has left", async () => {
    const seen: number[][] = [];
    let current: number[] = [];
    const t = sales();
    const r = t.groupBy(t.shop).reduce({
      shop: t.shop,
      values: tb.reducers.stateful(
        (s: number[] | null, x: number) => {
          if (s === null) {
            current = [];
            seen.push(current);
          }
          current.push(x);
          return [...(s ?? []), x];
        },
        { returns: tb.types.json as tb.TypeSpec<number[]> },
        t.amount,
      ),
    });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ shop: "a", values: [10, 5] }, 2, 1),
      change({ shop: "b", values: [7] }, 2, 1),
      change({ shop: "b", values: [7] }, 4, -1),
      change({ shop: "b", values: [7, 1] }, 4, 1),
      change({ shop: "a", values: [10, 5] }, 6, -1),
      change({ shop: "a", values: [5] }, 6, 1),
      change({ shop: "a", values: [5] }, 8, -1),
      change({ shop: "a", values: [5, 2] }, 8, 1),
    ]);
    // Folds from null: a at 2, b at 2, a again at 6 (after the removal); b at 4 and a at 8 add.
    expect(seen.length).toBe(3);
  });

  it("mixes with built-in reducers and other folds; rows arrive in sortBy order", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | shop | amount | at | __time__
      1  | a    | 10     | 3  | 2
      2  | a    | 5      | 1  | 2
      3  | b    | 7      | 2  | 2
      4  | a    | 1      | 9  | 4
    `);
    const joinText = (s: string | null, x: number) => (s === null ? `${x}` : `${s},${x}`);
    const r = t.groupBy(t.shop, { sortBy: t.at }).reduce({
      shop: t.shop,
      n: tb.reducers.count(),
      order: tb.reducers.stateful(joinText, { returns: tb.types.str }, t.amount),
      biggest: tb.reducers.stateful(
        (s: number | null, x: number) => Math.max(s ?? x, x),
        { returns: tb.types.int },
        t.amount,
      ),
      sum: tb.reducers.sum(t.amount),
    });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ shop: "a", n: 2, order: "5,10", biggest: 10, sum: 15 }, 2, 1),
      change({ shop: "b", n: 1, order: "7", biggest: 7, sum: 7 }, 2, 1),
      change({ shop: "a", n: 2, order: "5,10", biggest: 10, sum: 15 }, 4, -1),
      change({ shop: "a", n: 3, order: "5,10,1", biggest: 10, sum: 16 }, 4, 1),
    ]);
  });

  it("a throwing combine gives an error value and a log entry; the next change folds again", async () => {
    const t = sales();
    const r = t.groupBy(t.shop).reduce({
      shop: t.shop,
      total: tb.reducers.stateful(
        (s: number | null, x: number) => {
          if (x === 1) throw new Error("one is not allowed");
          return (s ?? 0) + x;
        },
        { returns: tb.types.int, name: "picky" },
        t.amount,
      ),
    });
    const changes = await tb.debug.computeChanges(r, { threads });
    const b = changes.filter((c) => c.shop === "b");
    expect(b.map((c) => [c.__time__, c.__diff__, isError(c.total) ? "error" : c.total])).toEqual([
      [2, 1, 7],
      [4, -1, 7],
      [4, 1, "error"],
    ]);
    const a = changes.filter((c) => c.shop === "a" && c.__diff__ > 0).map((c) => c.total);
    expect(a).toEqual([15, 5, 7]);
    const log = await errorLogOf([r], threads);
    expect(
      log.some(
        (e) =>
          String(e.message).includes("picky") && String(e.message).includes("one is not allowed"),
      ),
    ).toBe(true);
  });

  it("deduplicate offers each new row to the acceptor once (linear in the rows)", async () => {
    const lines = ["v | __time__"];
    for (let i = 0; i < 150; i++) lines.push(`${(i * 37) % 101} | ${2 * (i + 1)}`);
    const t = tb.debug.tableFromMarkdown(lines.join("\n"));
    let calls = 0;
    const d = t.deduplicate({
      value: t.v,
      acceptor: (next: number, prev: number) => {
        calls += 1;
        return next > prev;
      },
    });
    const changes = await tb.debug.computeChanges(d, { threads });
    expect(calls).toBe(149);
    let best = -1;
    const expected: Array<[number, number]> = [];
    for (let i = 0; i < 150; i++) {
      const v = (i * 37) % 101;
      if (v > best) {
        best = v;
        expected.push([2 * (i + 1), v]);
      }
    }
    expect(changes.filter((c) => c.__diff__ > 0).map((c) => [c.__time__, c.v])).toEqual(expected);
  });
});
