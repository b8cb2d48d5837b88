/**
 * concat (disjoint ids), concatReindex, withIdFrom and pointerFrom: rows, ids and changes.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("concat unions tables with disjoint ids and keeps the ids", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | v
      a | 1
      b | 2
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | v
      a | 1
      c | 3
    `);
    const r = t.concat(u);
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: "a", v: 1 },
      { k: "b", v: 2 },
      { k: "a", v: 1 },
      { k: "c", v: 3 },
    ]);
    const ids = [
      ...(await tb.debug.compute(t, { threads, withIds: true })),
      ...(await tb.debug.compute(u, { threads, withIds: true })),
    ];
    expectRows(await tb.debug.compute(r, { threads, withIds: true }), ids);
  });

  it("concat passes changes of every input through", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | __time__ | __diff__
      a | 2        | 1
      a | 6        | -1
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | __time__ | __diff__
      b | 4        | 1
      c | 6        | 1
    `);
    expectChanges(await tb.debug.computeChanges(t.concat(u), { threads }), [
      change({ k: "a" }, 2, 1),
      change({ k: "b" }, 4, 1),
      change({ k: "a" }, 6, -1),
      change({ k: "c" }, 6, 1),
    ]);
  });

  it("concatReindex gives fresh ids, even when a table is concatenated with itself", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | v
      a | 1
      b | 2
    `);
    const r = t.concatReindex(t);
    const rows = await tb.debug.compute(r, { threads, withIds: true });
    expectRows(
      rows.map(({ k, v }) => ({ k, v })),
      [
        { k: "a", v: 1 },
        { k: "b", v: 2 },
        { k: "a", v: 1 },
        { k: "b", v: 2 },
      ],
    );
    expect(new Set(rows.map((row) => JSON.stringify(row.id))).size).toBe(4);
    const again = await tb.debug.compute(r, { threads, withIds: true });
    expectRows(again, rows);
  });

  it("concatReindex of tables whose ids collide", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | v
      1  | 10
      2  | 20
    `);
    const u = tb.debug.tableFromMarkdown(`
      id | v
      1  | 30
    `);
    const both = t.concatReindex(u);
    const rows = await tb.debug.compute(both, { threads, withIds: true });
    expectRows(
      rows.map((r) => ({ v: r.v })),
      [{ v: 10 }, { v: 20 }, { v: 30 }],
    );
    expect(new Set(rows.map((r) => JSON.stringify(r.id))).size).toBe(3);
    const r = both.reduce({ n: tb.reducers.count(), s: tb.reducers.sum(tb.this.v) });
    expectRows(await tb.debug.compute(r, { threads }), [{ n: 3, s: 60 }]);
  });

  it("withIdFrom derives ids from values: equal values give equal ids across tables", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | v
      a | 1
      b | 2
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | w
      b | x
      a | y
    `);
    const tr = await tb.debug.compute(t.withIdFrom(t.k), { threads, withIds: true });
    const ur = await tb.debug.compute(u.withIdFrom(u.k), { threads, withIds: true });
    expectRows(
      tr.map((r) => ({ id: r.id, k: r.k })),
      ur.map((r) => ({ id: r.id, k: r.k })),
    );
    const plain = await tb.debug.compute(t, { threads, withIds: true });
    for (const row of tr) {
      expect(plain.find((p) => p.k === row.k)!.id).not.toEqual(row.id);
    }
  });

  it("pointerFrom computes the ids withIdFrom would give", async () => {
    const t = tb.debug.tableFromMarkdown(`
      a | b
      1 | x
      2 | y
    `);
    const viaPointer = await tb.debug.compute(
      t.select({ a: t.a, p1: t.pointerFrom(t.a), p2: t.pointerFrom(t.a, t.b) }),
      { threads },
    );
    const one = await tb.debug.compute(t.withIdFrom(t.a), { threads, withIds: true });
    const two = await tb.debug.compute(t.withIdFrom(t.a, t.b), { threads, withIds: true });
    expect(viaPointer).toHaveLength(2);
    for (const row of viaPointer) {
      expect(row.p1).toEqual(one.find((r) => r.a === row.a)!.id);
      expect(row.p2).toEqual(two.find((r) => r.a === row.a)!.id);
      expect(row.p1).not.toEqual(row.p2);
    }
  });

  it("rows can be joined on a pointer built with pointerFrom", async () => {
    const users = tb.debug.tableFromMarkdown(`
      name  | age
      alice | 30
      bob   | 40
    `);
    const keyed = users.withIdFrom(users.name);
    const visits = tb.debug.tableFromMarkdown(`
      who   | page
      alice | home
      bob   | faq
      alice | faq
    `);
    const withPtr = visits.select({ page: visits.page, user: keyed.pointerFrom(visits.who) });
    const r = withPtr
      .join(keyed, withPtr.user.eq(keyed.id))
      .select({ page: tb.left.page, age: tb.right.age });
    expectRows(await tb.debug.compute(r, { threads }), [
      { page: "home", age: 30 },
      { page: "faq", age: 40 },
      { page: "faq", age: 30 },
    ]);
  });

  it("withIdFrom over time: an update keeps the derived id", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | k | v | __time__ | __diff__
      1  | a | 1 | 2        | 1
      1  | a | 1 | 4        | -1
      1  | a | 5 | 4        | 1
    `);
    const changes = await tb.debug.computeChanges(t.withIdFrom(t.k), { threads, withIds: true });
    expectChanges(
      changes.map(
        ({ id: _id, ...rest }) => rest as typeof rest & { __time__: number; __diff__: number },
      ),
      [
        change({ k: "a", v: 1 }, 2, 1),
        change({ k: "a", v: 1 }, 4, -1),
        change({ k: "a", v: 5 }, 4, 1),
      ],
    );
    expect(new Set(changes.map((c) => JSON.stringify(c.id))).size).toBe(1);
  });
});
