/**
 * JavaScript functions in pipelines: per-row and batch functions in select/withColumns,
 * `tb.apply`, batch sizes, change streams over time, and functions inside filter, groupBy
 * keys, join conditions and selects over joins.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

const words = () =>
  tb.debug.tableFromMarkdown(`
    word    | n
    apple   | 1
    kiwi    | 2
    banana  | 3
    fig     | 4
    cherry  | 5
    plum    | 6
    mango   | 7
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("a per-row function fills a column, typed by `returns`", async () => {
    const t = words();
    const len = tb.udf((w: string) => w.length, { returns: tb.types.int });
    const shout = tb.udf((w: string, n: number) => `${w.toUpperCase()}${n}`, {
      returns: tb.types.str,
    });
    const r = t.select({ word: t.word, len: len(t.word), loud: shout(t.word, t.n) });
    expect(r.dtypes()).toEqual({ word: "Str", len: "Int", loud: "Str" });
    const rows = await tb.debug.compute(r, { threads });
    expectRows(rows, [
      { word: "apple", len: 5, loud: "APPLE1" },
      { word: "kiwi", len: 4, loud: "KIWI2" },
      { word: "banana", len: 6, loud: "BANANA3" },
      { word: "fig", len: 3, loud: "FIG4" },
      { word: "cherry", len: 6, loud: "CHERRY5" },
      { word: "plum", len: 4, loud: "PLUM6" },
      { word: "mango", len: 5, loud: "MANGO7" },
    ]);
  });

  it("batch functions get arrays of at most maxSize rows and return arrays", async () => {
    const t = words();
    const sizes: number[] = [];
    const double = tb.udf(
      (ns: number[]) => {
        sizes.push(ns.length);
        expect(Array.isArray(ns)).toBe(true);
        return ns.map((n) => n * 2 + 0.5);
      },
      { returns: tb.types.float, batch: { maxSize: 3 } },
    );
    const r = t.withColumns({ d: double(t.n) });
    const rows = await tb.debug.compute(r, { threads });
    expectRows(
      rows.map((row) => ({ n: row.n, d: row.d })),
      [1, 2, 3, 4, 5, 6, 7].map((n) => ({ n, d: n * 2 + 0.5 })),
    );
    expect(sizes.every((s) => s >= 1 && s <= 3)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(7);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
  });

  it("tb.apply runs a one-off function; results of any type come back", async () => {
    const t = words();
    const r = t.select({
      word: t.word,
      parts: tb.apply((w: string) => w.split("a"), t.word),
      obj: tb.apply((w: string, n: number) => n % 2 === 0 && w.length > 3, t.word, t.n),
    });
    const rows = await tb.debug.compute(r, { threads });
    const byWord = Object.fromEntries(rows.map((row) => [row.word, row]));
    expect(byWord.banana!.parts).toEqual(["b", "n", "n", ""]);
    expect(byWord.kiwi!.obj).toBe(true);
    expect(byWord.fig!.obj).toBe(false);
  });

  it("a function's column changes with its input over time", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | word  | __time__ | __diff__
      1  | one   | 2        | 1
      2  | two   | 2        | 1
      1  | one   | 4        | -1
      1  | uno   | 4        | 1
      2  | two   | 6        | -1
    `);
    const rev = tb.udf((w: string) => [...w].reverse().join(""), { returns: tb.types.str });
    const r = t.select({ r: rev(t.word) });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ r: "eno" }, 2, 1),
      change({ r: "owt" }, 2, 1),
      change({ r: "eno" }, 4, -1),
      change({ r: "onu" }, 4, 1),
      change({ r: "owt" }, 6, -1),
    ]);
  });

  it("functions work in filter, groupBy keys, join conditions and join selects", async () => {
    const t = words();
    const isLong = tb.udf((w: string) => w.length >= 5, { returns: tb.types.bool });
    const filtered = t.filter(isLong(t.word));
    expect(filtered.columnNames()).toEqual(["word", "n"]);
    expectRows(
      (await tb.debug.compute(filtered, { threads })).map((r) => r.word),
      ["apple", "banana", "cherry", "mango"],
    );

    const first = tb.udf((w: string) => w[0]!, { returns: tb.types.str });
    const key = first(t.word);
    const grouped = t.groupBy(key).reduce({ letter: key, total: tb.reducers.sum(t.n) });
    expectRows(await tb.debug.compute(grouped, { threads }), [
      { letter: "a", total: 1 },
      { letter: "k", total: 2 },
      { letter: "b", total: 3 },
      { letter: "f", total: 4 },
      { letter: "c", total: 5 },
      { letter: "p", total: 6 },
      { letter: "m", total: 7 },
    ]);

    const colours = tb.debug.tableFromMarkdown(`
      fruit  | colour
      APPLE  | red
      BANANA | yellow
      PLUM   | purple
    `);
    const upper = tb.udf((w: string) => w.toUpperCase(), { returns: tb.types.str });
    const joined = t
      .join(colours, upper(t.word).eq(colours.fruit))
      .select({ word: t.word, colour: colours.colour, tag: upper(tb.right.colour) });
    expectRows(await tb.debug.compute(joined, { threads }), [
      { word: "apple", colour: "red", tag: "RED" },
      { word: "banana", colour: "yellow", tag: "YELLOW" },
      { word: "plum", colour: "purple", tag: "PURPLE" },
    ]);
  });

  it("null arguments reach the function unless propagateNull is set", async () => {
    const t = tb.debug.tableFromMarkdown(`
      x
      1
      null
      3
    `);
    const calls: unknown[] = [];
    const plain = tb.udf(
      (x: number | null) => {
        calls.push(x);
        return x === null ? -1 : x * 10;
      },
      { returns: tb.types.int },
    );
    const skip = tb.udf((x: number) => x * 100, { returns: tb.types.int, propagateNull: true });
    const rows = await tb.debug.compute(t.select({ a: plain(t.x), b: skip(t.x) }), { threads });
    expectRows(rows, [
      { a: 10, b: 100 },
      { a: -1, b: null },
      { a: 30, b: 300 },
    ]);
    expect(calls).toContain(null);
  });
});
