/**
 * A select that calls functions runs inside the last call's operator (no intermediate row):
 * several columns around the calls, expressions over their results, a filter after, changes
 * over time; small batch calls sharing one crossing still see at most `maxSize` rows.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, errorLogOf, expectChanges, expectRows, THREADS } from "../helpers.js";

const changing = () =>
  tb.debug.tableFromMarkdown(`
    id | name  | x  | __time__ | __diff__
    1  | ann   | 5  | 2        | 1
    2  | bob   | 7  | 2        | 1
    3  | cy    | 1  | 2        | 1
    1  | ann   | 5  | 4        | -1
    1  | ann   | 6  | 4        | 1
    4  | dee   | 9  | 4        | 1
    2  | bob   | 7  | 6        | -1
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("a select with calls, other columns and a filter after, over changes", async () => {
    const t = changing();
    let calls = 0;
    const double = tb.udf(
      (x: number) => {
        calls++;
        return x * 2;
      },
      { returns: tb.types.int },
    );
    const shout = tb.udf((ss: string[]) => ss.map((s) => s.toUpperCase()), {
      returns: tb.types.str,
      batch: { maxSize: 2 },
    });
    const d = double(t.x);
    const s = t.select({
      name: t.name,
      loud: shout(t.name),
      x: t.x,
      d,
      d1: d.add(1),
      sum: t.x.add(d),
    });
    const r = s.filter(s.d.gt(4));
    expect(r.dtypes()).toEqual({
      name: "Str",
      loud: "Str",
      x: "Int",
      d: "Int",
      d1: "Int",
      sum: "Int",
    });
    const changes = await tb.debug.computeChanges(r, { threads });
    const row = (name: string, x: number) => ({
      name,
      loud: name.toUpperCase(),
      x,
      d: 2 * x,
      d1: 2 * x + 1,
      sum: 3 * x,
    });
    expectChanges(changes, [
      change(row("ann", 5), 2, 1),
      change(row("bob", 7), 2, 1),
      change(row("ann", 5), 4, -1),
      change(row("ann", 6), 4, 1),
      change(row("dee", 9), 4, 1),
      change(row("bob", 7), 6, -1),
    ]);
    // One call per update (one call expression used in three columns runs once per row).
    expect(calls).toBe(7);
    const rows = await tb.debug.compute(r, { threads });
    expectRows(rows, [row("ann", 6), row("dee", 9)]);
  });

  it("columns of the input the select keeps still serve later operations", async () => {
    const t = changing();
    const inc = tb.udf((x: number) => x + 1, { returns: tb.types.int });
    const s = t.select({ name: t.name, y: inc(t.x) });
    const joined = s.join(t, s.id.eq(t.id)).select({ name: s.name, y: s.y, x: t.x });
    const rows = await tb.debug.compute(joined, { threads });
    expectRows(rows, [
      { name: "ann", y: 7, x: 6 },
      { name: "cy", y: 2, x: 1 },
      { name: "dee", y: 10, x: 9 },
    ]);
  });

  it("expression errors of the fused select are logged as the select's", async () => {
    const t = changing();
    const inc = tb.udf((x: number) => x + 1, { returns: tb.types.int });
    const r = t.select({ id: t.id, q: inc(t.x).floorDiv(t.x.sub(1)) });
    const rows = await tb.debug.compute(r, { threads });
    expect(rows).toHaveLength(3);
    const log = await errorLogOf([r], threads);
    expect(log).toHaveLength(1);
    expect(log[0]!.operator).toBe("select");
  });

  it("maxSize 1 calls share crossings but each call still gets one row", async () => {
    const n = 3000;
    const sizes: number[] = [];
    const one = tb.udf(
      (xs: number[]) => {
        sizes.push(xs.length);
        return xs.map((x) => x + 1);
      },
      { returns: tb.types.int, batch: { maxSize: 1 } },
    );
    const lines = [
      "x | __time__",
      ...Array.from({ length: n }, (_, i) => `${i} | ${2 + (i % 5) * 2}`),
    ];
    const t = tb.debug.tableFromMarkdown(lines.join("\n"));
    const rows = await tb.debug.compute(t.select({ x: t.x, y: one(t.x) }), { threads });
    expect(rows).toHaveLength(n);
    expect(rows.every((r) => r.y === (r.x as number) + 1)).toBe(true);
    expect(sizes).toHaveLength(n);
    expect(Math.max(...sizes)).toBe(1);
  });
});
