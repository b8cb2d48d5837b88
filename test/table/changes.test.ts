/**
 * Change streams through chains of operators: reducers under retractions (argmin, countDistinct,
 * min/max), joins with several matches per key, concatReindex and withColumns over time.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, replay, THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("argmin/argmax move to another row when the extreme row is retracted", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | v | __time__ | __diff__
      a | 5 | 2        | 1
      a | 1 | 2        | 1
      a | 9 | 2        | 1
      a | 1 | 4        | -1
      a | 9 | 6        | -1
    `);
    const input = await tb.debug.computeChanges(t, { threads, withIds: true });
    const idOf = (v: number) => input.find((c) => c.v === v && c.__diff__ === 1)!.id;
    const r = t.groupBy(t.k).reduce({
      k: tb.this.k,
      lo: tb.reducers.argmin(tb.this.v),
      hi: tb.reducers.argmax(tb.this.v),
      min: tb.reducers.min(tb.this.v),
      max: tb.reducers.max(tb.this.v),
    });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ k: "a", lo: idOf(1), hi: idOf(9), min: 1, max: 9 }, 2, 1),
      change({ k: "a", lo: idOf(1), hi: idOf(9), min: 1, max: 9 }, 4, -1),
      change({ k: "a", lo: idOf(5), hi: idOf(9), min: 5, max: 9 }, 4, 1),
      change({ k: "a", lo: idOf(5), hi: idOf(9), min: 5, max: 9 }, 6, -1),
      change({ k: "a", lo: idOf(5), hi: idOf(5), min: 5, max: 5 }, 6, 1),
    ]);
  });

  it("countDistinct changes only when the set of values changes", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | v | __time__ | __diff__
      a | x | 2        | 1
      a | x | 4        | 1
      a | y | 6        | 1
      a | x | 8        | -1
      a | x | 10       | -1
    `);
    const r = t.groupBy(t.k).reduce({ k: tb.this.k, d: tb.reducers.countDistinct(tb.this.v) });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ k: "a", d: 1 }, 2, 1),
      change({ k: "a", d: 1 }, 6, -1),
      change({ k: "a", d: 2 }, 6, 1),
      change({ k: "a", d: 2 }, 10, -1),
      change({ k: "a", d: 1 }, 10, 1),
    ]);
  });

  it("a row moving between groups updates both groups at the same time", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | k | v | __time__ | __diff__
      1  | a | 1 | 2        | 1
      2  | a | 2 | 2        | 1
      3  | b | 4 | 2        | 1
      2  | a | 2 | 4        | -1
      2  | b | 2 | 4        | 1
    `);
    const r = t.groupBy(t.k).reduce({ k: tb.this.k, s: tb.reducers.sum(tb.this.v) });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ k: "a", s: 3 }, 2, 1),
      change({ k: "b", s: 4 }, 2, 1),
      change({ k: "a", s: 3 }, 4, -1),
      change({ k: "a", s: 1 }, 4, 1),
      change({ k: "b", s: 4 }, 4, -1),
      change({ k: "b", s: 6 }, 4, 1),
    ]);
  });

  it("sum of floats and avg over time", async () => {
    const t = tb.debug.tableFromMarkdown(`
      v    | __time__ | __diff__
      1.5  | 2        | 1
      2.5  | 2        | 1
      4.0  | 4        | 1
      1.5  | 6        | -1
    `);
    const r = t.reduce({ s: tb.reducers.sum(t.v), a: tb.reducers.avg(t.v) });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ s: 4, a: 2 }, 2, 1),
      change({ s: 4, a: 2 }, 4, -1),
      change({ s: 8, a: 8 / 3 }, 4, 1),
      change({ s: 8, a: 8 / 3 }, 6, -1),
      change({ s: 6.5, a: 3.25 }, 6, 1),
    ]);
  });

  it("a join with several matches per key: every pair appears and leaves", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | a  | __time__ | __diff__
      1 | l1 | 2        | 1
      1 | l2 | 2        | 1
      1 | l1 | 6        | -1
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | b  | __time__ | __diff__
      1 | r1 | 2        | 1
      1 | r2 | 4        | 1
    `);
    const r = t.join(u, t.k.eq(u.k)).select({ a: tb.left.a, b: tb.right.b });
    const changes = await tb.debug.computeChanges(r, { threads });
    expectChanges(changes, [
      change({ a: "l1", b: "r1" }, 2, 1),
      change({ a: "l2", b: "r1" }, 2, 1),
      change({ a: "l1", b: "r2" }, 4, 1),
      change({ a: "l2", b: "r2" }, 4, 1),
      change({ a: "l1", b: "r1" }, 6, -1),
      change({ a: "l1", b: "r2" }, 6, -1),
    ]);
    expectRows(replay(changes), await tb.debug.compute(r, { threads }));
  });

  it("joinOuter: retracting the only right match restores the unmatched left rows", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | a  | __time__ | __diff__
      1 | l1 | 2        | 1
      1 | l2 | 2        | 1
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | b  | __time__ | __diff__
      1 | r1 | 2        | 1
      1 | r1 | 4        | -1
    `);
    const r = t.joinOuter(u, t.k.eq(u.k)).select({ a: tb.left.a, b: tb.right.b });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ a: "l1", b: "r1" }, 2, 1),
      change({ a: "l2", b: "r1" }, 2, 1),
      change({ a: "l1", b: "r1" }, 4, -1),
      change({ a: "l2", b: "r1" }, 4, -1),
      change({ a: "l1", b: null }, 4, 1),
      change({ a: "l2", b: null }, 4, 1),
    ]);
  });

  it("concatReindex and withColumns pass retractions through", async () => {
    const t = tb.debug.tableFromMarkdown(`
      v | __time__ | __diff__
      1 | 2        | 1
      2 | 4        | 1
      1 | 6        | -1
    `);
    const r = t.concatReindex(t).withColumns({ w: tb.this.v.mul(10) });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ v: 1, w: 10 }, 2, 1),
      change({ v: 1, w: 10 }, 2, 1),
      change({ v: 2, w: 20 }, 4, 1),
      change({ v: 2, w: 20 }, 4, 1),
      change({ v: 1, w: 10 }, 6, -1),
      change({ v: 1, w: 10 }, 6, -1),
    ]);
  });

  it("a pipeline of filter, join, groupBy follows every input change", async () => {
    const orders = tb.debug.tableFromMarkdown(`
      id | customer | amount | __time__ | __diff__
      1  | alice    | 10     | 2        | 1
      2  | bob      | 20     | 2        | 1
      3  | alice    | 1      | 4        | 1
      1  | alice    | 10     | 6        | -1
      1  | alice    | 30     | 6        | 1
    `);
    const customers = tb.debug.tableFromMarkdown(`
      name  | vip   | __time__ | __diff__
      alice | true  | 2        | 1
      bob   | false | 2        | 1
    `);
    const big = orders.filter(orders.amount.ge(5));
    const r = big
      .join(customers, big.customer.eq(customers.name))
      .groupBy(tb.right.vip)
      .reduce({ vip: tb.right.vip, total: tb.reducers.sum(tb.left.amount) });
    const changes = await tb.debug.computeChanges(r, { threads });
    expectChanges(changes, [
      change({ vip: true, total: 10 }, 2, 1),
      change({ vip: false, total: 20 }, 2, 1),
      change({ vip: true, total: 10 }, 6, -1),
      change({ vip: true, total: 30 }, 6, 1),
    ]);
    const final = await tb.debug.compute(r, { threads });
    expectRows(final, [
      { vip: true, total: 30 },
      { vip: false, total: 20 },
    ]);
    expect(replay(changes)).toHaveLength(2);
  });
});
