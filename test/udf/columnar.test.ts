/**
 * The columnar boundary of user functions: numbers and strings cross as typed arrays and one
 * string + offsets, nulls as a validity mask, results come back the same way; unicode text,
 * nulls in arguments and results, untyped (`tb.apply`) results, typed arrays returned by
 * batch functions, and large batches keep their values exactly.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { expectRows, THREADS } from "../helpers.js";

const S = tb.schema({ s: tb.types.str.optional(), x: tb.types.float.optional() });
const table = () =>
  tb.debug.tableFromRows(S, [
    { s: "plain", x: 1.5 },
    { s: "é😀 ünï", x: null },
    { s: null, x: -2 },
    { s: "", x: 0 },
    { s: 'tab\tnew\nline"q"', x: 1e300 },
  ]);

describe.each(THREADS)("threads=%i", (threads) => {
  it("strings (unicode, empty, null) and numbers (null) cross both ways, per row", async () => {
    const t = table();
    const seen: unknown[] = [];
    const echo = tb.udf(
      (s: string | null) => {
        seen.push(s);
        return s === null ? null : `<${s}>`;
      },
      { returns: tb.types.str.optional() },
    );
    const half = tb.udf((x: number | null) => (x === null ? null : x / 2), {
      returns: tb.types.float.optional(),
    });
    const rows = await tb.debug.compute(t.select({ s: t.s, e: echo(t.s), h: half(t.x) }), {
      threads,
    });
    expectRows(rows, [
      { s: "plain", e: "<plain>", h: 0.75 },
      { s: "é😀 ünï", e: "<é😀 ünï>", h: null },
      { s: null, e: null, h: -1 },
      { s: "", e: "<>", h: 0 },
      { s: 'tab\tnew\nline"q"', e: '<tab\tnew\nline"q">', h: 5e299 },
    ]);
    expect(seen).toContain(null);
    expect(seen).toContain("é😀 ünï");
  });

  it("batch functions get plain arrays with nulls and may return typed arrays", async () => {
    const t = table();
    const kinds: string[] = [];
    const lens = tb.udf(
      (ss: Array<string | null>) => {
        kinds.push(Array.isArray(ss) ? "array" : typeof ss);
        return ss.map((s) => (s === null ? null : [...s].length));
      },
      { returns: tb.types.int.optional(), batch: {} },
    );
    const twice = tb.udf((xs: Array<number | null>) => Float64Array.from(xs, (x) => (x ?? 0) * 2), {
      returns: tb.types.float,
      batch: { maxSize: 2 },
    });
    const rows = await tb.debug.compute(t.select({ s: t.s, n: lens(t.s), d: twice(t.x) }), {
      threads,
    });
    expectRows(rows, [
      { s: "plain", n: 5, d: 3 },
      { s: "é😀 ünï", n: 6, d: 0 },
      { s: null, n: null, d: -4 },
      { s: "", n: 0, d: 0 },
      { s: 'tab\tnew\nline"q"', n: 15, d: 2e300 },
    ]);
    expect(new Set(kinds)).toEqual(new Set(["array"]));
  });

  it("untyped results (tb.apply) keep ints, floats, strings and mixed values apart", async () => {
    const t = table();
    const rows = await tb.debug.compute(
      t.select({
        s: t.s,
        n: tb.apply((s: string | null) => (s === null ? null : s.length), t.s),
        f: tb.apply((x: number | null) => (x === null ? null : x + 0.25), t.x),
        u: tb.apply((s: string | null) => s?.toUpperCase() ?? null, t.s),
        m: tb.apply((s: string | null) => (s === "" ? 7 : s), t.s),
      }),
      { threads },
    );
    const plain = rows.find((r) => r.s === "plain")!;
    expect(plain).toEqual({ s: "plain", n: 5, f: 1.75, u: "PLAIN", m: "plain" });
    const empty = rows.find((r) => r.s === "")!;
    expect(empty).toEqual({ s: "", n: 0, f: 0.25, u: "", m: 7 });
    const nul = rows.find((r) => r.s === null)!;
    expect(nul).toEqual({ s: null, n: null, f: -1.75, u: null, m: null });
  });

  it("a wrong result type fails only its own cell, also in the fast paths", async () => {
    const t = table();
    // Deliberately wrong results for one row each (hidden from the type checker).
    const bad = tb.udf((s: string | null) => (s === "" ? 42 : (s ?? "null")) as string, {
      returns: tb.types.str,
    });
    const badNum = tb.udf((x: number | null) => (x === -2 ? "no" : (x ?? 0)) as number, {
      returns: tb.types.float,
    });
    const rows = await tb.debug.compute(t.select({ s: t.s, b: bad(t.s), c: badNum(t.x) }), {
      threads,
    });
    const empty = rows.find((r) => r.s === "")!;
    expect(empty.b).toBe(tb.ErrorValue);
    expect(rows.find((r) => r.s === "plain")!.b).toBe("plain");
    expect(rows.find((r) => r.s === null)!.c).toBe(tb.ErrorValue);
    expect(rows.find((r) => r.s === "plain")!.c).toBe(1.5);
  });

  it("large inputs cross in large batches, every row exactly once", async () => {
    const N = 20_000;
    const Nums = tb.schema({ i: tb.types.int, w: tb.types.str });
    const t = tb.debug.tableFromColumns(Nums, {
      i: Float64Array.from({ length: N }, (_, i) => i),
      w: Array.from({ length: N }, (_, i) => `w${i % 97}ü`),
    });
    const sizes: number[] = [];
    const f = tb.udf(
      (is: number[], ws: string[]) => {
        sizes.push(is.length);
        return is.map((i, k) => `${i}:${ws[k]}`);
      },
      { returns: tb.types.str, batch: {} },
    );
    const g = tb.udf((i: number) => i * 3, { returns: tb.types.int });
    const r = t.select({ i: t.i, v: f(t.i, t.w), m: g(t.i) });
    const rows = await tb.debug.compute(r, { threads });
    expect(rows).toHaveLength(N);
    for (const row of rows) {
      const i = row.i as number;
      expect(row.v).toBe(`${i}:w${i % 97}ü`);
      expect(row.m).toBe(i * 3);
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(N);
    expect(Math.max(...sizes)).toBeGreaterThan(1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4096);
  });
});
