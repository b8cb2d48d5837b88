/**
 * updateRows and updateCells on change streams where both the table and the update change.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("updateRows replaces rows by id and adds new ones, over time", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | v | __time__ | __diff__
      1  | a | 2        | 1
      2  | b | 2        | 1
      3  | c | 2        | 1
      2  | b | 6        | -1
    `);
    const u = tb.debug.tableFromMarkdown(`
      id | v | __time__ | __diff__
      2  | B | 4        | 1
      4  | D | 4        | 1
      2  | B | 8        | -1
    `);
    const r = t.updateRows(u);
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ v: "a" }, 2, 1),
      change({ v: "b" }, 2, 1),
      change({ v: "c" }, 2, 1),
      change({ v: "b" }, 4, -1),
      change({ v: "B" }, 4, 1),
      change({ v: "D" }, 4, 1),
      change({ v: "B" }, 8, -1),
    ]);
  });

  it("updateRows keeps the ids of both tables and aligns columns by name", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | k | n
      1  | a | 1
      2  | b | 2
    `);
    const u = tb.debug.tableFromMarkdown(`
      id | n  | k
      2  | 20 | B
      3  | 30 | C
    `);
    const r = t.updateRows(u);
    const rows = await tb.debug.compute(r, { threads, withIds: true });
    const tIds = await tb.debug.compute(t, { threads, withIds: true });
    const uIds = await tb.debug.compute(u, { threads, withIds: true });
    expectRows(rows, [tIds.find((x) => x.k === "a"), ...uIds]);
    expect(r.columnNames()).toEqual(["k", "n"]);
  });

  it("updateCells overwrites the given columns for ids in both tables, over time", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | v | n  | __time__ | __diff__
      1  | a | 10 | 2        | 1
      2  | b | 20 | 2        | 1
      3  | c | 30 | 2        | 1
      2  | b | 20 | 6        | -1
    `);
    const u = tb.debug.tableFromMarkdown(`
      id | n   | __time__ | __diff__
      2  | 200 | 4        | 1
      3  | 300 | 4        | 1
      5  | 500 | 4        | 1
      3  | 300 | 8        | -1
    `);
    const r = t.updateCells(u);
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ v: "a", n: 10 }, 2, 1),
      change({ v: "b", n: 20 }, 2, 1),
      change({ v: "c", n: 30 }, 2, 1),
      change({ v: "b", n: 20 }, 4, -1),
      change({ v: "b", n: 200 }, 4, 1),
      change({ v: "c", n: 30 }, 4, -1),
      change({ v: "c", n: 300 }, 4, 1),
      change({ v: "b", n: 200 }, 6, -1),
      change({ v: "c", n: 300 }, 8, -1),
      change({ v: "c", n: 30 }, 8, 1),
    ]);
  });

  it("updateCells keeps the table's ids; an update changing its value replaces the cell", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | v | n
      1  | a | 1
      2  | b | 2
    `);
    const u = tb.debug.tableFromMarkdown(`
      id | n | __time__ | __diff__
      1  | 5 | 2        | 1
      1  | 5 | 4        | -1
      1  | 6 | 4        | 1
    `);
    const r = t.updateCells(u);
    const ids = await tb.debug.compute(t, { threads, withIds: true });
    const idOf = (v: string) => ids.find((x) => x.v === v)!.id;
    expectRows(await tb.debug.compute(r, { threads, withIds: true }), [
      { id: idOf("a"), v: "a", n: 6 },
      { id: idOf("b"), v: "b", n: 2 },
    ]);
    // The result has the table's ids: the table's own columns can be mixed in.
    const mixed = t.select({ v: t.v, old: t.n, now: r.n });
    expectRows(await tb.debug.compute(mixed, { threads }), [
      { v: "a", old: 1, now: 6 },
      { v: "b", old: 2, now: 2 },
    ]);
  });
});
