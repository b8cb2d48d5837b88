/**
 * groupBy().reduce() and whole-table reduce: every reducer supported now, several grouping
 * columns, expressions over reducers, group results over time, and group ids.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { type AnyRow, change, expectChanges, expectRows, THREADS } from "../helpers.js";

const sales = () =>
  tb.debug.tableFromMarkdown(`
    k | v  | w   | c
    a | 3  | 1.5 | x
    a | 1  | 2.5 | y
    a | 5  | 0.5 | x
    b | 10 | 4.0 | z
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("count, countDistinct, sum, avg, min, max", async () => {
    const t = sales();
    const r = t.groupBy(t.k).reduce({
      k: tb.this.k,
      n: tb.reducers.count(),
      distinct: tb.reducers.countDistinct(tb.this.c),
      sumV: tb.reducers.sum(tb.this.v),
      sumW: tb.reducers.sum(t.w),
      avg: tb.reducers.avg(tb.this.v),
      min: tb.reducers.min(tb.this.v),
      max: tb.reducers.max(tb.this.v),
      minC: tb.reducers.min(tb.this.c),
      maxC: tb.reducers.max(tb.this.c),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      {
        k: "a",
        n: 3,
        distinct: 2,
        sumV: 9,
        sumW: 4.5,
        avg: 3,
        min: 1,
        max: 5,
        minC: "x",
        maxC: "y",
      },
      {
        k: "b",
        n: 1,
        distinct: 1,
        sumV: 10,
        sumW: 4,
        avg: 10,
        min: 10,
        max: 10,
        minC: "z",
        maxC: "z",
      },
    ]);
  });

  it("argmin and argmax give the id of the row with the extreme value", async () => {
    const t = sales();
    const input = await tb.debug.compute(t, { threads, withIds: true });
    const idOf = (k: string, v: number) => input.find((r) => r.k === k && r.v === v)!.id;
    const r = t.groupBy(t.k).reduce({
      k: tb.this.k,
      lo: tb.reducers.argmin(tb.this.v),
      hi: tb.reducers.argmax(tb.this.v),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: "a", lo: idOf("a", 1), hi: idOf("a", 5) },
      { k: "b", lo: idOf("b", 10), hi: idOf("b", 10) },
    ]);
  });

  it("any, unique, tuple and sortedTuple", async () => {
    const t = sales();
    const r = t.groupBy(t.k).reduce({
      k: tb.this.k,
      any: tb.reducers.any(tb.this.c),
      uniq: tb.reducers.unique(tb.this.k),
      tup: tb.reducers.tuple(tb.this.v),
      sorted: tb.reducers.sortedTuple(tb.this.v),
      sortedC: tb.reducers.sortedTuple(tb.this.c),
    });
    const rows = (await tb.debug.compute(r, { threads })) as AnyRow[];
    const a = rows.find((row) => row.k === "a")!;
    const b = rows.find((row) => row.k === "b")!;
    expect(rows).toHaveLength(2);
    expect(["x", "y"]).toContain(a.any);
    expect(b.any).toBe("z");
    expect(a.uniq).toBe("a");
    expect(b.uniq).toBe("b");
    expect([...(a.tup as number[])].sort((p, q) => p - q)).toEqual([1, 3, 5]);
    expect(b.tup).toEqual([10]);
    expect(a.sorted).toEqual([1, 3, 5]);
    expect(b.sorted).toEqual([10]);
    expect(a.sortedC).toEqual(["x", "x", "y"]);
  });

  it("earliest and latest follow processing time, also under retractions", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | v | __time__ | __diff__
      a | 1 | 2        | 1
      a | 2 | 4        | 1
      b | 9 | 4        | 1
      a | 3 | 6        | 1
      a | 3 | 8        | -1
    `);
    const r = t.groupBy(t.k).reduce({
      k: tb.this.k,
      first: tb.reducers.earliest(tb.this.v),
      last: tb.reducers.latest(tb.this.v),
    });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ k: "a", first: 1, last: 1 }, 2, 1),
      change({ k: "a", first: 1, last: 1 }, 4, -1),
      change({ k: "a", first: 1, last: 2 }, 4, 1),
      change({ k: "b", first: 9, last: 9 }, 4, 1),
      change({ k: "a", first: 1, last: 2 }, 6, -1),
      change({ k: "a", first: 1, last: 3 }, 6, 1),
      change({ k: "a", first: 1, last: 3 }, 8, -1),
      change({ k: "a", first: 1, last: 2 }, 8, 1),
    ]);
  });

  it("several grouping columns", async () => {
    const t = tb.debug.tableFromMarkdown(`
      city  | kind | n
      paris | a    | 1
      paris | a    | 2
      paris | b    | 4
      rome  | a    | 8
    `);
    const r = t.groupBy(t.city, t.kind).reduce({
      city: tb.this.city,
      kind: tb.this.kind,
      total: tb.reducers.sum(tb.this.n),
      rows: tb.reducers.count(),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { city: "paris", kind: "a", total: 3, rows: 2 },
      { city: "paris", kind: "b", total: 4, rows: 1 },
      { city: "rome", kind: "a", total: 8, rows: 1 },
    ]);
  });

  it("expressions over reducers and grouping columns", async () => {
    const t = sales();
    const r = t.groupBy(t.k).reduce({
      key: tb.this.k.str.upper(),
      mean: tb.reducers.sum(tb.this.v).div(tb.reducers.count()),
      spread: tb.reducers.max(tb.this.v).sub(tb.reducers.min(tb.this.v)),
      big: tb.reducers.sum(tb.this.v).gt(9),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { key: "A", mean: 3, spread: 4, big: false },
      { key: "B", mean: 10, spread: 0, big: true },
    ]);
  });

  it("whole-table reduce gives one row", async () => {
    const t = sales();
    const r = t.reduce({
      n: tb.reducers.count(),
      total: tb.reducers.sum(t.v),
      top: tb.reducers.max(tb.this.v),
      kinds: tb.reducers.countDistinct(t.k),
    });
    expectRows(await tb.debug.compute(r, { threads }), [{ n: 4, total: 19, top: 10, kinds: 2 }]);
  });

  it("a group's row is updated by -1/+1 at the time its input changes and disappears with its last row", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | v | __time__ | __diff__
      a | 1 | 2        | 1
      b | 5 | 2        | 1
      a | 2 | 4        | 1
      b | 5 | 6        | -1
      a | 1 | 6        | -1
      a | 2 | 8        | -1
    `);
    const r = t.groupBy(t.k).reduce({
      k: tb.this.k,
      n: tb.reducers.count(),
      s: tb.reducers.sum(tb.this.v),
    });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ k: "a", n: 1, s: 1 }, 2, 1),
      change({ k: "b", n: 1, s: 5 }, 2, 1),
      change({ k: "a", n: 1, s: 1 }, 4, -1),
      change({ k: "a", n: 2, s: 3 }, 4, 1),
      change({ k: "b", n: 1, s: 5 }, 6, -1),
      change({ k: "a", n: 2, s: 3 }, 6, -1),
      change({ k: "a", n: 1, s: 2 }, 6, 1),
      change({ k: "a", n: 1, s: 2 }, 8, -1),
    ]);
    expectRows(await tb.debug.compute(r, { threads }), []);
  });

  it("a change that leaves a group's result unchanged emits nothing", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | v | __time__ | __diff__
      a | 1 | 2        | 1
      a | 5 | 2        | 1
      a | 3 | 4        | 1
      a | 3 | 6        | -1
    `);
    const r = t.groupBy(t.k).reduce({ k: tb.this.k, lo: tb.reducers.min(tb.this.v) });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [change({ k: "a", lo: 1 }, 2, 1)]);
  });

  it("whole-table reduce over time: updated, then gone with the last row", async () => {
    const t = tb.debug.tableFromMarkdown(`
      v | __time__ | __diff__
      1 | 2        | 1
      5 | 2        | 1
      2 | 4        | 1
      5 | 6        | -1
      1 | 6        | -1
      2 | 8        | -1
    `);
    const r = t.reduce({ n: tb.reducers.count(), s: tb.reducers.sum(t.v) });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ n: 2, s: 6 }, 2, 1),
      change({ n: 2, s: 6 }, 4, -1),
      change({ n: 3, s: 8 }, 4, 1),
      change({ n: 3, s: 8 }, 6, -1),
      change({ n: 1, s: 2 }, 6, 1),
      change({ n: 1, s: 2 }, 8, -1),
    ]);
  });

  it("group ids: withIdFrom(cols) gives the ids of groupBy(cols), stable across updates", async () => {
    const t = tb.debug.tableFromMarkdown(`
      city  | kind | n
      paris | a    | 1
      paris | b    | 4
      rome  | a    | 8
    `);
    const grouped = t.groupBy(t.city, t.kind).reduce({
      city: tb.this.city,
      kind: tb.this.kind,
      total: tb.reducers.sum(tb.this.n),
    });
    const rekeyed = t.withIdFrom(t.city, t.kind);
    const g = await tb.debug.compute(grouped, { threads, withIds: true });
    const w = await tb.debug.compute(rekeyed, { threads, withIds: true });
    expectRows(
      g.map((r) => ({ id: r.id, city: r.city, kind: r.kind })),
      w.map((r) => ({ id: r.id, city: r.city, kind: r.kind })),
    );
    const single = await tb.debug.compute(
      t.groupBy(t.city).reduce({ city: tb.this.city, n: tb.reducers.count() }),
      { threads, withIds: true },
    );
    const viaPointer = await tb.debug.compute(
      t.select({ city: t.city, p: t.pointerFrom(t.city) }),
      { threads },
    );
    for (const row of viaPointer) {
      expect(single.find((s) => s.city === row.city)!.id).toEqual(row.p);
    }

    const changing = tb.debug.tableFromMarkdown(`
      k | v | __time__ | __diff__
      a | 1 | 2        | 1
      a | 2 | 4        | 1
      a | 1 | 6        | -1
    `);
    const changes = await tb.debug.computeChanges(
      changing.groupBy(changing.k).reduce({ k: tb.this.k, s: tb.reducers.sum(tb.this.v) }),
      { threads, withIds: true },
    );
    expect(changes).toHaveLength(5);
    const ids = new Set(changes.map((c) => JSON.stringify(c.id)));
    expect(ids.size).toBe(1);
  });
  it("groupBy with tb.this, reducers over expressions", async () => {
    const t = sales();
    const r = t.groupBy(tb.this.k).reduce({
      k: tb.this.k,
      doubled: tb.reducers.sum(tb.this.v.mul(2)),
      bigOnes: tb.reducers.sum(tb.ifElse(tb.this.v.gt(2), 1, 0)),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: "a", doubled: 18, bigOnes: 2 },
      { k: "b", doubled: 20, bigOnes: 1 },
    ]);
  });

  it("whole-table reduce of an empty table has no row", async () => {
    const t = sales();
    const r = t.filter(t.v.gt(100)).reduce({ n: tb.reducers.count() });
    expect(await tb.debug.compute(r, { threads })).toEqual([]);
  });
  it("avg of ints is a float; tuple can skip nulls", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | v    | o
      a | 1    | 5
      a | 2    | null
      b | 7    | null
    `);
    const r = t.groupBy(t.k).reduce({
      k: tb.this.k,
      avg: tb.reducers.avg(tb.this.v),
      all: tb.reducers.sortedTuple(tb.this.o),
      some: tb.reducers.sortedTuple(tb.this.o, { skipNones: true }),
      n: tb.reducers.count(),
    });
    const rows = await tb.debug.compute(r, { threads });
    const a = rows.find((row) => row.k === "a")!;
    const b = rows.find((row) => row.k === "b")!;
    expect(a.avg).toBe(1.5);
    expect(b.avg).toBe(7);
    expect(a.some).toEqual([5]);
    expect(b.some).toEqual([]);
    expect(a.all).toHaveLength(2);
    expect(a.all).toContain(null);
    expect(a.all).toContain(5);
    expect(b.all).toEqual([null]);
    expect(a.n).toBe(2);
  });
});
