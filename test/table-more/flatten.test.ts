/**
 * flatten: one row per element of an array/tuple/string column, other columns repeated,
 * ids derived from (row id, position), kept correct as rows change.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, errorLogOf, expectChanges, expectRows, THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("flattens an array column and follows updates and deletions", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | k | s     | __time__ | __diff__
      1  | x | a,b   | 2        | 1
      2  | y | c     | 2        | 1
      1  | x | a,b   | 4        | -1
      1  | x | d,e,f | 4        | 1
      2  | y | c     | 6        | -1
    `);
    const arrays = t.select({ k: t.k, xs: t.s.str.split(",") });
    const r = arrays.flatten(arrays.xs);
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ k: "x", xs: "a" }, 2, 1),
      change({ k: "x", xs: "b" }, 2, 1),
      change({ k: "y", xs: "c" }, 2, 1),
      change({ k: "x", xs: "a" }, 4, -1),
      change({ k: "x", xs: "b" }, 4, -1),
      change({ k: "x", xs: "d" }, 4, 1),
      change({ k: "x", xs: "e" }, 4, 1),
      change({ k: "x", xs: "f" }, 4, 1),
      change({ k: "y", xs: "c" }, 6, -1),
    ]);
    expect(r.dtypes().xs).toBe("Str");
  });

  it("the element at position i of row id gets the id pointerFrom(id, i)", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | s
      x | a,b
      y | c
    `);
    const arrays = t.select({ k: t.k, xs: t.s.str.split(",") });
    const r = arrays.flatten("xs");
    const expected = t.select({
      k: t.k,
      first: t.pointerFrom(t.id, 0),
      second: t.pointerFrom(t.id, 1),
    });
    const want = await tb.debug.compute(expected, { threads });
    const got = await tb.debug.compute(r, { threads, withIds: true });
    const x = want.find((w) => w.k === "x")!;
    const y = want.find((w) => w.k === "y")!;
    expectRows(got, [
      { id: x.first, k: "x", xs: "a" },
      { id: x.second, k: "x", xs: "b" },
      { id: y.first, k: "y", xs: "c" },
    ]);
  });

  it("flattens tuples and strings; null and empty values give no rows", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | a | b | w
      x | 1 | 2 | hi
      y | 3 | 4 | null
    `);
    const tuples = t.select({ k: t.k, pair: tb.makeTuple(t.a, t.b) });
    expectRows(await tb.debug.compute(tuples.flatten(tuples.pair), { threads }), [
      { k: "x", pair: 1 },
      { k: "x", pair: 2 },
      { k: "y", pair: 3 },
      { k: "y", pair: 4 },
    ]);
    const words = t.select({ k: t.k, w: t.w });
    expectRows(await tb.debug.compute(words.flatten(words.w), { threads }), [
      { k: "x", w: "h" },
      { k: "x", w: "i" },
    ]);
  });

  it("flattens JSON arrays into JSON values; a JSON object gives no rows and a log entry", async () => {
    const Doc = tb.schema({ k: tb.types.str, tags: tb.types.json });
    const t = tb.debug.tableFromRows(Doc, [
      { k: "x", tags: ["a", 1, { b: 2 }] },
      { k: "y", tags: { not: "an array" } },
      { k: "z", tags: [] },
    ]);
    const r = t.flatten(t.tags);
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: "x", tags: "a" },
      { k: "x", tags: 1 },
      { k: "x", tags: { b: 2 } },
    ]);
    const log = await errorLogOf([r], threads);
    const entries = log.filter((e) => e.operator === "flatten");
    expect(entries).toHaveLength(1);
    expect(String(entries[0]!.message)).toContain("not an array");
  });

  it("flatten of a non-collection column is a build error", () => {
    const t = tb.debug.tableFromMarkdown(`
      k | n
      x | 1
    `);
    expect(() => t.flatten(t.n)).toThrow(tb.TributaryError);
    expect(() => t.flatten(t.n)).toThrow(/cannot flatten a column of type int/);
  });
});
