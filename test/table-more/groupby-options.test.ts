/**
 * groupBy options `id` (result ids from a pointer expression) and `sortBy` (order of tuple
 * reducer values), on change streams.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("id: result rows get the ids the pointer names, and join back to that table", async () => {
    const owners = tb.debug.tableFromMarkdown(`
      id | name
      1  | ann
      2  | bob
    `);
    const items = tb.debug.tableFromMarkdown(`
      owner | v  | __time__ | __diff__
      1     | 10 | 2        | 1
      1     | 5  | 2        | 1
      2     | 7  | 4        | 1
      1     | 10 | 6        | -1
    `);
    const ptr = owners.pointerFrom(items.owner);
    const totals = items.groupBy(ptr, { id: ptr }).reduce({ total: tb.reducers.sum(tb.this.v) });
    expectChanges(await tb.debug.computeChanges(totals, { threads }), [
      change({ total: 15 }, 2, 1),
      change({ total: 7 }, 4, 1),
      change({ total: 15 }, 6, -1),
      change({ total: 5 }, 6, 1),
    ]);
    const ownerIds = await tb.debug.compute(owners, { threads, withIds: true });
    const idOf = (name: string) => ownerIds.find((o) => o.name === name)!.id;
    expectRows(await tb.debug.compute(totals, { threads, withIds: true }), [
      { id: idOf("ann"), total: 5 },
      { id: idOf("bob"), total: 7 },
    ]);
    const joined = owners
      .join(totals, owners.id.eq(totals.id))
      .select({ name: tb.left.name, total: tb.right.total });
    expectRows(await tb.debug.compute(joined, { threads }), [
      { name: "ann", total: 5 },
      { name: "bob", total: 7 },
    ]);
  });

  it("id alone groups by that pointer", async () => {
    const items = tb.debug.tableFromMarkdown(`
      owner | v
      1     | 1
      1     | 2
      2     | 3
    `);
    const ptr = items.pointerFrom(items.owner);
    const counts = items.groupBy({ id: ptr }).reduce({ n: tb.reducers.count() });
    const expected = items
      .groupBy(items.owner)
      .reduce({ id: items.pointerFrom(tb.this.owner), n: tb.reducers.count() });
    expectRows(
      await tb.debug.compute(counts, { threads, withIds: true }),
      await tb.debug.compute(expected, { threads }),
    );
  });

  it("sortBy orders tuple values and re-orders them as rows arrive", async () => {
    const t = tb.debug.tableFromMarkdown(`
      g | v | o | __time__ | __diff__
      a | x | 3 | 2        | 1
      a | y | 1 | 2        | 1
      b | z | 5 | 2        | 1
      a | w | 2 | 4        | 1
      a | y | 1 | 6        | -1
    `);
    const r = t.groupBy(t.g, { sortBy: t.o }).reduce({
      g: tb.this.g,
      vs: tb.reducers.tuple(tb.this.v),
      sorted: tb.reducers.sortedTuple(tb.this.v),
    });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ g: "a", vs: ["y", "x"], sorted: ["x", "y"] }, 2, 1),
      change({ g: "b", vs: ["z"], sorted: ["z"] }, 2, 1),
      change({ g: "a", vs: ["y", "x"], sorted: ["x", "y"] }, 4, -1),
      change({ g: "a", vs: ["y", "w", "x"], sorted: ["w", "x", "y"] }, 4, 1),
      change({ g: "a", vs: ["y", "w", "x"], sorted: ["w", "x", "y"] }, 6, -1),
      change({ g: "a", vs: ["w", "x"], sorted: ["w", "x"] }, 6, 1),
    ]);
  });

  it("id that is not the grouping expression, or not a pointer, is a build error", () => {
    const t = tb.debug.tableFromMarkdown(`
      a | b
      1 | 2
    `);
    expect(() => t.groupBy(t.a, { id: t.pointerFrom(t.b) })).toThrow(/group by that pointer/);
    expect(() => t.groupBy({ id: t.a }).reduce({ n: tb.reducers.count() })).toThrow(
      /needs a pointer expression/,
    );
  });
});
