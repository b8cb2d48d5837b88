/**
 * tb.debug.tableFromMarkdown and tableFromRows: cell types, quotes, nulls, explicit ids,
 * commits by `__time__`, `__diff__`, retraction of the latest live row, primary keys.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("reads ints, floats, booleans, null and strings; quotes keep strings", async () => {
    const t = tb.debug.tableFromMarkdown(`
      i  | f    | b     | s     | q     | n
      1  | 1.5  | true  | hello | "123" | null
      -2 | -0.5 | false | world | "a b" | 3
      3  | 2.0  | true  | x     | "true" | null
    `);
    const rows = await tb.debug.compute(t, { threads });
    expectRows(rows, [
      { i: 1, f: 1.5, b: true, s: "hello", q: "123", n: null },
      { i: -2, f: -0.5, b: false, s: "world", q: "a b", n: 3 },
      { i: 3, f: 2, b: true, s: "x", q: "true", n: null },
    ]);
    for (const row of rows) {
      expect(typeof row.i).toBe("number");
      expect(typeof row.f).toBe("number");
      expect(typeof row.b).toBe("boolean");
      expect(typeof row.s).toBe("string");
      expect(typeof row.q).toBe("string");
    }
    const typed = t.select({ half: t.i.div(2), quoted: t.q.str.len(), sum: t.n.add(1) });
    expectRows(await tb.debug.compute(typed, { threads }), [
      { half: 0.5, quoted: 3, sum: null },
      { half: -1, quoted: 3, sum: 4 },
      { half: 1.5, quoted: 4, sum: null },
    ]);
  });

  it("{ schema } fixes the column types", async () => {
    const S = tb.schema({ code: tb.types.str, x: tb.types.float, note: tb.types.str.optional() });
    const t = tb.debug.tableFromMarkdown(
      `
      code | x | note
      007  | 2 | null
      12   | 3 | hi
    `,
      { schema: S },
    );
    expectRows(await tb.debug.compute(t, { threads }), [
      { code: "007", x: 2, note: null },
      { code: "12", x: 3, note: "hi" },
    ]);
    const r = t.select({ c: t.code.str.len(), y: t.x.div(4) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { c: 3, y: 0.5 },
      { c: 2, y: 0.75 },
    ]);
  });

  it("rows without an id column get distinct ids; compute rows hold only the columns", async () => {
    const t = tb.debug.tableFromMarkdown(`
      name  | v
      alice | 1
      alice | 1
      bob   | 2
    `);
    const plain = await tb.debug.compute(t, { threads });
    expect(plain).toHaveLength(3);
    for (const row of plain) expect(Object.keys(row).sort()).toEqual(["name", "v"]);
    const withIds = await tb.debug.compute(t, { threads, withIds: true });
    for (const row of withIds) expect(Object.keys(row).sort()).toEqual(["id", "name", "v"]);
    expect(new Set(withIds.map((r) => JSON.stringify(r.id))).size).toBe(3);
  });

  it("an explicit id column gives the ids and is not a data column", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | v
      1  | a
      2  | b
    `);
    const u = tb.debug.tableFromMarkdown(`
      id | w
      2  | y
      1  | x
    `);
    const tr = await tb.debug.compute(t, { threads, withIds: true });
    const ur = await tb.debug.compute(u, { threads, withIds: true });
    expect(Object.keys(tr[0]!).sort()).toEqual(["id", "v"]);
    const byV = Object.fromEntries(tr.map((r) => [r.v, r.id]));
    const byW = Object.fromEntries(ur.map((r) => [r.w, r.id]));
    expect(byV.a).toEqual(byW.x);
    expect(byV.b).toEqual(byW.y);
    expect(byV.a).not.toEqual(byV.b);
    expectRows(await tb.debug.compute(t, { threads }), [{ v: "a" }, { v: "b" }]);
  });

  it("explicit ids are derived from the id values like withIdFrom", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | v
      1  | a
      2  | b
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | v
      1 | a
      2 | b
    `);
    const tr = await tb.debug.compute(t, { threads, withIds: true });
    const ur = await tb.debug.compute(u.withIdFrom(u.k).select({ v: tb.this.v }), {
      threads,
      withIds: true,
    });
    expectRows(tr, ur);
  });

  it("explicit ids make updates: -1 of the old row and +1 of the new one at the same time", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | v | __time__ | __diff__
      1  | a | 2        | 1
      2  | b | 2        | 1
      1  | a | 4        | -1
      1  | c | 4        | 1
    `);
    expectChanges(await tb.debug.computeChanges(t, { threads }), [
      change({ v: "a" }, 2, 1),
      change({ v: "b" }, 2, 1),
      change({ v: "a" }, 4, -1),
      change({ v: "c" }, 4, 1),
    ]);
    const withIds = await tb.debug.computeChanges(t, { threads, withIds: true });
    const idOf = (v: string, diff: number) =>
      withIds.find((c) => c.v === v && c.__diff__ === diff)!.id;
    expect(idOf("a", 1)).toEqual(idOf("a", -1));
    expect(idOf("c", 1)).toEqual(idOf("a", 1));
    expectRows(await tb.debug.compute(t, { threads }), [{ v: "c" }, { v: "b" }]);
  });

  it("rows sharing a __time__ form one commit; __diff__ defaults to 1", async () => {
    const t = tb.debug.tableFromMarkdown(`
      v | __time__
      1 | 2
      2 | 2
      3 | 4
    `);
    const changes = await tb.debug.computeChanges(t, { threads });
    expectChanges(changes, [
      change({ v: 1 }, 2, 1),
      change({ v: 2 }, 2, 1),
      change({ v: 3 }, 4, 1),
    ]);
    for (const c of changes) expect(Object.keys(c).sort()).toEqual(["__diff__", "__time__", "v"]);
  });

  it("a table without __time__ is one commit", async () => {
    const t = tb.debug.tableFromMarkdown(`
      v
      1
      2
      3
    `);
    const changes = await tb.debug.computeChanges(t, { threads });
    expect(changes).toHaveLength(3);
    expect(new Set(changes.map((c) => c.__time__)).size).toBe(1);
    for (const c of changes) expect(c.__diff__).toBe(1);
  });

  it("a -1 row retracts the latest live row with the same values", async () => {
    const t = tb.debug.tableFromMarkdown(`
      customer | amount | __time__ | __diff__
      alice    | 10     | 2        | 1
      alice    | 10     | 4        | 1
      alice    | 10     | 6        | -1
      bob      | 5      | 6        | 1
    `);
    const changes = await tb.debug.computeChanges(t, { threads, withIds: true });
    const at = (time: number, diff: number, who = "alice") =>
      changes.filter((c) => c.__time__ === time && c.__diff__ === diff && c.customer === who);
    expect(at(2, 1)).toHaveLength(1);
    expect(at(4, 1)).toHaveLength(1);
    expect(at(6, -1)).toHaveLength(1);
    expect(at(6, -1)[0]!.id).toEqual(at(4, 1)[0]!.id);
    expect(at(2, 1)[0]!.id).not.toEqual(at(4, 1)[0]!.id);
    const final = await tb.debug.compute(t, { threads, withIds: true });
    expectRows(final, [
      { id: at(2, 1)[0]!.id, customer: "alice", amount: 10 },
      { id: at(6, 1, "bob")[0]!.id, customer: "bob", amount: 5 },
    ]);
  });

  it("a row retracted in the commit after it appeared, then re-added", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | __time__ | __diff__
      a | 2        | 1
      a | 4        | -1
      a | 6        | 1
    `);
    expectChanges(await tb.debug.computeChanges(t, { threads }), [
      change({ k: "a" }, 2, 1),
      change({ k: "a" }, 4, -1),
      change({ k: "a" }, 6, 1),
    ]);
    expectRows(await tb.debug.compute(t, { threads }), [{ k: "a" }]);
  });

  it("tableFromRows with a primary key: ids derive from the key values", async () => {
    const S = tb.schema(
      { orderId: tb.types.int, customer: tb.types.str, amount: tb.types.float },
      { primaryKey: ["orderId"] },
    );
    const t = tb.debug.tableFromRows(S, [
      { orderId: 1, customer: "alice", amount: 2.5 },
      { orderId: 2, customer: "bob", amount: 4 },
    ]);
    const u = tb.debug.tableFromRows(S, [
      { orderId: 2, customer: "zed", amount: 1 },
      { orderId: 1, customer: "yan", amount: 1 },
    ]);
    const tr = await tb.debug.compute(t, { threads, withIds: true });
    const ur = await tb.debug.compute(u, { threads, withIds: true });
    expectRows(
      tr.map((r) => ({ id: r.id, k: r.orderId })),
      ur.map((r) => ({ id: r.id, k: r.orderId })),
    );
    const rekeyed = await tb.debug.compute(t.withIdFrom(t.orderId), { threads, withIds: true });
    expectRows(rekeyed, tr);
    expectRows(await tb.debug.compute(t, { threads }), [
      { orderId: 1, customer: "alice", amount: 2.5 },
      { orderId: 2, customer: "bob", amount: 4 },
    ]);
  });

  it("tableFromRows without a key: every row its own id", async () => {
    const S = tb.schema({ v: tb.types.int, s: tb.types.str.optional() });
    const t = tb.debug.tableFromRows(S, [
      { v: 1, s: null },
      { v: 1, s: null },
      { v: 2n as unknown as number, s: "x" },
    ]);
    const rows = await tb.debug.compute(t, { threads, withIds: true });
    expect(new Set(rows.map((r) => JSON.stringify(r.id))).size).toBe(3);
    expectRows(
      rows.map(({ v, s }) => ({ v, s })),
      [
        { v: 1, s: null },
        { v: 1, s: null },
        { v: 2, s: "x" },
      ],
    );
  });
  it("unquoted cells keep inner spaces; quotes give empty and padded strings", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | s
      1 | hello world
      2 | ""
      3 | "  padded  "
    `);
    expectRows(await tb.debug.compute(t, { threads }), [
      { k: 1, s: "hello world" },
      { k: 2, s: "" },
      { k: 3, s: "  padded  " },
    ]);
  });
});
