/**
 * `tb.debug.tableFromColumns`: columnar ingest (typed arrays, strings as buffer + offsets)
 * gives the same table as row objects, with stable ids.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { expectRows, THREADS } from "../helpers.js";

const S = tb.schema({ k: tb.types.int, x: tb.types.float, s: tb.types.str, ok: tb.types.bool });
const Keyed = tb.schema({ k: tb.types.int, s: tb.types.str }, { primaryKey: ["k"] });

describe.each(THREADS)("threads=%i", (threads) => {
  it("reads typed arrays and strings, including non-ASCII text", async () => {
    const t = tb.debug.tableFromColumns(S, {
      k: new Float64Array([1, 2, 3]),
      x: [0.5, -1.25, 3],
      s: ["a", "żółw", ""],
      ok: [true, false, true],
    });
    expectRows(await tb.debug.compute(t, { threads }), [
      { k: 1, x: 0.5, s: "a", ok: true },
      { k: 2, x: -1.25, s: "żółw", ok: false },
      { k: 3, x: 3, s: "", ok: true },
    ]);
  });

  it("flows through operators like any table", async () => {
    const n = 10_000;
    const k = new Float64Array(n);
    const s: string[] = [];
    for (let i = 0; i < n; i++) {
      k[i] = i;
      s.push(`w${i % 7}`);
    }
    const t = tb.debug.tableFromColumns(tb.schema({ k: tb.types.int, s: tb.types.str }), { k, s });
    const counts = t.groupBy(t.s).reduce({ s: t.s, n: tb.reducers.count(), total: tb.reducers.sum(t.k) });
    const rows = await tb.debug.compute(counts, { threads });
    expect(rows).toHaveLength(7);
    expect(rows.reduce((a, r) => a + r.n, 0)).toBe(n);
    expect(rows.reduce((a, r) => a + r.total, 0)).toBe((n * (n - 1)) / 2);
  });

  it("primary keys give the same ids as tableFromRows", async () => {
    const a = tb.debug.tableFromColumns(Keyed, { k: [7, 8], s: ["x", "y"] });
    const b = tb.debug.tableFromRows(Keyed, [
      { k: 7, s: "x" },
      { k: 8, s: "y" },
    ]);
    const ids = async (t: typeof a) =>
      (await tb.debug.compute(t, { threads, withIds: true })).map((r) => `${r.k}:${r.id}`).sort();
    expect(await ids(a)).toEqual(await ids(b));
  });

  it("null in an optional number column, and errors for bad input", () => {
    const O = tb.schema({ x: tb.types.float.optional() });
    expect(() => tb.debug.tableFromColumns(O, { x: [1, null] })).not.toThrow();
    expect(() => tb.debug.tableFromColumns(S, { k: [1], x: [1, 2], s: ["a"], ok: [true] })).toThrow(
      tb.TributaryError,
    );
    const J = tb.schema({ j: tb.types.json });
    expect(() => tb.debug.tableFromColumns(J, { j: [] as never })).toThrow(/cannot carry/);
  });
});
