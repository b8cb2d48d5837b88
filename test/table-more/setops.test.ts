/**
 * difference, intersect, restrict and having: rows kept or dropped by id, on change streams
 * where both inputs gain and lose rows over time.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

const left = () =>
  tb.debug.tableFromMarkdown(`
    id | v | __time__ | __diff__
    1  | a | 2        | 1
    2  | b | 2        | 1
    3  | c | 2        | 1
    2  | b | 6        | -1
  `);

const right = () =>
  tb.debug.tableFromMarkdown(`
    id | w | __time__ | __diff__
    2  | x | 2        | 1
    3  | y | 4        | 1
    1  | z | 8        | 1
    3  | y | 10       | -1
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("difference keeps the rows whose id is not in the other table, over time", async () => {
    const r = left().difference(right());
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ v: "a" }, 2, 1),
      change({ v: "c" }, 2, 1),
      change({ v: "c" }, 4, -1),
      change({ v: "a" }, 8, -1),
      change({ v: "c" }, 10, 1),
    ]);
  });

  it("difference keeps ids and columns of the left table", async () => {
    const t = left();
    const r = t.difference(right());
    const rows = await tb.debug.compute(r, { threads, withIds: true });
    const all = await tb.debug.compute(t, { threads, withIds: true });
    expectRows(
      rows,
      all.filter((row) => row.v === "c"),
    );
  });

  it("intersect keeps the rows whose id is in the other table, over time", async () => {
    const r = left().intersect(right());
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ v: "b" }, 2, 1),
      change({ v: "c" }, 4, 1),
      change({ v: "b" }, 6, -1),
      change({ v: "a" }, 8, 1),
      change({ v: "c" }, 10, -1),
    ]);
  });

  it("intersect with several tables needs the id in all of them", async () => {
    const third = tb.debug.tableFromMarkdown(`
      id | u | __time__ | __diff__
      1  | q | 2        | 1
      3  | q | 2        | 1
      3  | q | 12       | -1
    `);
    const r = left().intersect(right(), third);
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ v: "c" }, 4, 1),
      change({ v: "a" }, 8, 1),
      change({ v: "c" }, 10, -1),
    ]);
  });

  it("restrict keeps the rows of the ids of a subset table", async () => {
    const t = left();
    const subset = t.filter(t.v.ne("a")).select({ up: t.v.str.upper() });
    const r = t.restrict(subset);
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ v: "b" }, 2, 1),
      change({ v: "c" }, 2, 1),
      change({ v: "b" }, 6, -1),
    ]);
    // The restricted table has the ids of the subset: its columns can be used together.
    const both = subset.select({ up: subset.up, v: r.v });
    expectRows(await tb.debug.compute(both, { threads }), [{ up: "C", v: "c" }]);
  });

  it("having keeps the rows pointed to by another table, while some pointer remains", async () => {
    const t = left();
    const refs = tb.debug.tableFromMarkdown(`
      ref | __time__ | __diff__
      1   | 2        | 1
      1   | 4        | 1
      3   | 4        | 1
      1   | 6        | -1
      1   | 8        | -1
      7   | 8        | 1
    `);
    const r = t.having(t.pointerFrom(refs.ref));
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ v: "a" }, 2, 1),
      change({ v: "c" }, 4, 1),
      change({ v: "a" }, 8, -1),
    ]);
  });

  it("having with several pointers keeps the rows named by all of them", async () => {
    const t = left();
    const a = tb.debug.tableFromMarkdown(`
      ref | __time__
      1   | 2
      2   | 2
      3   | 4
    `);
    const b = tb.debug.tableFromMarkdown(`
      ref | __time__ | __diff__
      2   | 2        | 1
      3   | 2        | 1
      3   | 8        | -1
    `);
    const r = t.having(t.pointerFrom(a.ref), t.pointerFrom(b.ref));
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ v: "b" }, 2, 1),
      change({ v: "c" }, 4, 1),
      change({ v: "b" }, 6, -1),
      change({ v: "c" }, 8, -1),
    ]);
  });

  it("having with a null pointer selects nothing for that row", async () => {
    const t = left();
    const refs = tb.debug.tableFromMarkdown(`
      ref
      1
      null
    `);
    const ptr = tb.ifElse(refs.ref.isNull(), null, t.pointerFrom(refs.ref));
    const r = t.having(ptr);
    expectRows(await tb.debug.compute(r, { threads }), [{ v: "a" }]);
  });

  it("split gives the rows where the condition holds and where it does not", async () => {
    const t = tb.debug.tableFromMarkdown(`
      n  | __time__ | __diff__
      1  | 2        | 1
      5  | 2        | 1
      8  | 4        | 1
      5  | 6        | -1
    `);
    const [big, small] = t.split(t.n.gt(4));
    expectChanges(await tb.debug.computeChanges(big, { threads }), [
      change({ n: 5 }, 2, 1),
      change({ n: 8 }, 4, 1),
      change({ n: 5 }, 6, -1),
    ]);
    expectChanges(await tb.debug.computeChanges(small, { threads }), [change({ n: 1 }, 2, 1)]);
    const ids = await tb.debug.compute(t, { threads, withIds: true });
    const both = [
      ...(await tb.debug.compute(big, { threads, withIds: true })),
      ...(await tb.debug.compute(small, { threads, withIds: true })),
    ];
    expectRows(both, ids);
    expect(both).toHaveLength(2);
  });
});
