/**
 * Static-mode writers run with tb.run: csv and jsonlines change logs (the row, then `time` and
 * `diff`), null.write, and run() executing only the outputs declared since the previous run.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import {
  type AnyRow,
  canon,
  readCsv,
  readJsonLines,
  readLines,
  sortRows,
  THREADS,
  tmpDir,
  writeFile,
} from "../helpers.js";

const fixture = () =>
  tb.debug.tableFromMarkdown(`
    word  | n | __time__ | __diff__
    apple | 1 | 2        | 1
    pear  | 2 | 2        | 1
    apple | 3 | 4        | 1
    pear  | 2 | 6        | -1
  `);

const totals = () => {
  const t = fixture();
  return t.groupBy(t.word).reduce({ word: tb.this.word, total: tb.reducers.sum(tb.this.n) });
};

/**
 * Groups change-log records by their `time` column (which must be non-decreasing in file
 * order) and returns, per time ascending, the records without `time`, canonically sorted.
 */
function groupsByTime(records: readonly AnyRow[]): string[][] {
  const times = records.map((r) => Number(r.time));
  for (const t of times) expect(Number.isInteger(t), `time ${t} is an integer`).toBe(true);
  for (let i = 1; i < times.length; i++) {
    expect(times[i]!, "change-log lines are in time order").toBeGreaterThanOrEqual(times[i - 1]!);
  }
  const groups = new Map<number, AnyRow[]>();
  for (const r of records) {
    const { time, ...rest } = r;
    const key = Number(time);
    groups.set(key, [...(groups.get(key) ?? []), rest]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, rows]) => sortRows(rows).map(canon));
}

function expectGroups(records: readonly AnyRow[], expected: readonly AnyRow[][]): void {
  expect(groupsByTime(records)).toEqual(expected.map((g) => sortRows(g).map(canon)));
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("csv.write: header of columns then time and diff; updates are -1/+1 at one time", async () => {
    const dir = tmpDir();
    const path = join(dir, "out.csv");
    tb.io.csv.write(totals(), path);
    await tb.run({ threads });
    const { header, records } = readCsv(path);
    expect(header).toEqual(["word", "total", "time", "diff"]);
    expectGroups(records, [
      [
        { word: "apple", total: "1", diff: "1" },
        { word: "pear", total: "2", diff: "1" },
      ],
      [
        { word: "apple", total: "1", diff: "-1" },
        { word: "apple", total: "4", diff: "1" },
      ],
      [{ word: "pear", total: "2", diff: "-1" }],
    ]);
  });

  it("jsonlines.write: one object per change with time and diff", async () => {
    const dir = tmpDir();
    const path = join(dir, "out.jsonl");
    tb.io.jsonlines.write(totals(), path);
    await tb.run({ threads });
    const records = readJsonLines(path);
    for (const r of records)
      expect(Object.keys(r).sort()).toEqual(["diff", "time", "total", "word"]);
    expectGroups(records, [
      [
        { word: "apple", total: 1, diff: 1 },
        { word: "pear", total: 2, diff: 1 },
      ],
      [
        { word: "apple", total: 1, diff: -1 },
        { word: "apple", total: 4, diff: 1 },
      ],
      [{ word: "pear", total: 2, diff: -1 }],
    ]);
  });

  it("jsonlines.write keeps value types: floats, booleans, nulls, strings", async () => {
    const t = tb.debug.tableFromMarkdown(`
      s     | f   | b     | o
      a     | 1.5 | true  | null
      "x y" | 2.25 | false | 3
    `);
    const dir = tmpDir();
    const path = join(dir, "out.jsonl");
    tb.io.jsonlines.write(t, path);
    await tb.run({ threads });
    const records = readJsonLines(path);
    expectGroups(records, [
      [
        { s: "a", f: 1.5, b: true, o: null, diff: 1 },
        { s: "x y", f: 2.25, b: false, o: 3, diff: 1 },
      ],
    ]);
  });

  it("csv read, transform, csv write, read back", async () => {
    const dir = tmpDir();
    const input = writeFile(
      join(dir, "in.csv"),
      "name,age,score\nalice,30,1.25\nbob,17,2.5\ncarol,35,4.75\n",
    );
    const S = tb.schema({ name: tb.types.str, age: tb.types.int, score: tb.types.float });
    const t = tb.io.csv.read(input, { schema: S, mode: "static" });
    const adults = t.filter(t.age.ge(18)).select({ name: t.name, double: t.score.mul(2) });
    const out = join(dir, "out.csv");
    tb.io.csv.write(adults, out);
    await tb.run({ threads });
    const { header, records } = readCsv(out);
    expect(header).toEqual(["name", "double", "time", "diff"]);
    expectGroups(records, [
      [
        { name: "alice", double: "2.5", diff: "1" },
        { name: "carol", double: "9.5", diff: "1" },
      ],
    ]);
  });

  it("one run executes every declared output; null.write discards", async () => {
    const dir = tmpDir();
    const t = fixture();
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.csv");
    tb.io.jsonlines.write(t.select({ word: t.word }), a);
    tb.io.csv.write(t.select({ n: t.n }), b);
    tb.io.null.write(t);
    await tb.run({ threads });
    expect(readJsonLines(a)).toHaveLength(4);
    expect(readLines(b)).toHaveLength(5);
  });

  it("null.write alone runs to the end", async () => {
    const t = fixture();
    tb.io.null.write(t.groupBy(t.word).reduce({ word: tb.this.word, c: tb.reducers.count() }));
    await tb.run({ threads });
  });

  it("run forgets the outputs it executed", async () => {
    const dir = tmpDir();
    const first = join(dir, "first.jsonl");
    const second = join(dir, "second.jsonl");
    const t = fixture();
    tb.io.jsonlines.write(t, first);
    await tb.run({ threads });
    expect(readJsonLines(first)).toHaveLength(4);
    rmSync(first);
    tb.io.jsonlines.write(t.select({ word: t.word }), second);
    await tb.run({ threads });
    expect(existsSync(first)).toBe(false);
    expect(readJsonLines(second)).toHaveLength(4);
  });
  it("csv.write quotes fields so that commas, quotes and newlines read back exactly", async () => {
    const S = tb.schema({ s: tb.types.str, n: tb.types.int });
    const t = tb.debug.tableFromRows(S, [
      { s: "a,b", n: 1 },
      { s: 'say "hi"', n: 2 },
      { s: "plain", n: 3 },
    ]);
    const dir = tmpDir();
    const path = join(dir, "out.csv");
    tb.io.csv.write(t, path);
    await tb.run({ threads });
    const { header, records } = readCsv(path);
    expect(header).toEqual(["s", "n", "time", "diff"]);
    expectGroups(records, [
      [
        { s: "a,b", n: "1", diff: "1" },
        { s: 'say "hi"', n: "2", diff: "1" },
        { s: "plain", n: "3", diff: "1" },
      ],
    ]);
  });

  it("jsonlines.write escapes strings and writes JSON and tuple values as JSON", async () => {
    const S = tb.schema({ s: tb.types.str, j: tb.types.json });
    const t = tb.debug.tableFromRows(S, [
      { s: 'quote " and \\ backslash, ünï', j: { a: [1, 2], b: null } },
      { s: "line\nbreak", j: "text" },
    ]);
    const dir = tmpDir();
    const path = join(dir, "out.jsonl");
    tb.io.jsonlines.write(
      t.select({ s: t.s, j: t.j, pair: tb.makeTuple(t.s.str.len(), tb.lit("x")) }),
      path,
    );
    await tb.run({ threads });
    expectGroups(readJsonLines(path), [
      [
        { s: 'quote " and \\ backslash, ünï', j: { a: [1, 2], b: null }, pair: [28, "x"], diff: 1 },
        { s: "line\nbreak", j: "text", pair: [10, "x"], diff: 1 },
      ],
    ]);
  });
});
