/**
 * Bad data is data: unparsable input, wrong types and failing expressions become error values
 * in their cells and rows of tb.globalErrorLog(), while the other rows flow on.
 */
import { join } from "node:path";
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import {
  type AnyRow,
  change,
  errorLogOf,
  expectChanges,
  expectRows,
  isError,
  THREADS,
  tmpDir,
  writeFile,
} from "../helpers.js";

const People = tb.schema({ name: tb.types.str, age: tb.types.int, score: tb.types.float });

const hasError = (row: AnyRow) => Object.values(row).some(isError);
const clean = (rows: readonly AnyRow[]) => rows.filter((r) => !hasError(r));
const dirty = (rows: readonly AnyRow[]) => rows.filter(hasError);

function expectLogged(log: readonly AnyRow[], pattern: RegExp): void {
  expect(log.length, "the error log has entries").toBeGreaterThan(0);
  for (const entry of log) {
    expect(typeof entry.message).toBe("string");
    expect(typeof entry.operator).toBe("string");
  }
  const messages = log.map((e) => String(e.message));
  expect(
    messages.some((m) => pattern.test(m)),
    `no message matches ${pattern}: ${messages.join(" | ")}`,
  ).toBe(true);
}

const divisions = () =>
  tb.debug.tableFromMarkdown(`
    k | a  | b
    1 | 6  | 3
    2 | 5  | 0
    3 | -7 | 2
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("a malformed jsonlines line becomes an error row and a log entry; other rows flow", async () => {
    const dir = tmpDir();
    const path = writeFile(
      join(dir, "p.jsonl"),
      `${[
        JSON.stringify({ name: "alice", age: 30, score: 1.5 }),
        '{"name": "bob", "age": ',
        JSON.stringify({ name: "carol", age: 35, score: 4.5 }),
      ].join("\n")}\n`,
    );
    const t = tb.io.jsonlines.read(path, { schema: People, mode: "static" });
    const rows = await tb.debug.compute(t, { threads });
    expectRows(clean(rows), [
      { name: "alice", age: 30, score: 1.5 },
      { name: "carol", age: 35, score: 4.5 },
    ]);
    expect(dirty(rows)).toHaveLength(1);
    const summary = t.reduce({ n: tb.reducers.count() });
    expectRows(await tb.debug.compute(summary, { threads }), [{ n: 3 }]);
    const log = await errorLogOf([t], threads);
    expect(log).toHaveLength(1);
    expectLogged(log, /./);
  });

  it("a jsonlines value of the wrong type is an error cell, the rest of the row is kept", async () => {
    const dir = tmpDir();
    const path = writeFile(
      join(dir, "p.jsonl"),
      `${[
        JSON.stringify({ name: "alice", age: "thirty", score: 1.5 }),
        JSON.stringify({ name: "bob", age: 25, score: 2.5 }),
      ].join("\n")}\n`,
    );
    const t = tb.io.jsonlines.read(path, { schema: People, mode: "static" });
    const rows = await tb.debug.compute(t, { threads });
    expectRows(clean(rows), [{ name: "bob", age: 25, score: 2.5 }]);
    const alice = rows.find((r) => r.name === "alice");
    expect(alice).toBeDefined();
    expect(alice!.age).toBe(tb.ErrorValue);
    expect(alice!.score).toBe(1.5);
    const log = await errorLogOf([t], threads);
    expectLogged(log, /age|thirty/i);
  });

  it("an unparsable csv cell is an error value in that cell and a log entry", async () => {
    const dir = tmpDir();
    const path = writeFile(
      join(dir, "p.csv"),
      "name,age,score\nalice,30,1.5\nbob,xx,2.5\ncarol,35,oops\n",
    );
    const t = tb.io.csv.read(path, { schema: People, mode: "static" });
    const rows = await tb.debug.compute(t, { threads });
    expectRows(clean(rows), [{ name: "alice", age: 30, score: 1.5 }]);
    const bob = rows.find((r) => r.name === "bob")!;
    expect(bob.age).toBe(tb.ErrorValue);
    expect(bob.score).toBe(2.5);
    const carol = rows.find((r) => r.name === "carol")!;
    expect(carol.age).toBe(35);
    expect(carol.score).toBe(tb.ErrorValue);
    const older = t.select({ name: t.name, next: t.age.add(1) });
    const olderRows = await tb.debug.compute(older, { threads });
    expect(olderRows.find((r) => r.name === "alice")!.next).toBe(31);
    expect(olderRows.find((r) => r.name === "bob")!.next).toBe(tb.ErrorValue);
    expect(olderRows.find((r) => r.name === "carol")!.next).toBe(36);
    const log = await errorLogOf([t], threads);
    expect(log.length).toBeGreaterThanOrEqual(2);
    expectLogged(log, /xx|age/i);
  });

  it("division by zero is an error value in that cell and a log entry", async () => {
    const t = divisions();
    const r = t.select({
      k: t.k,
      q: t.a.div(t.b),
      fq: t.a.floorDiv(t.b),
      m: t.a.mod(t.b),
      next: t.a.div(t.b).add(1),
      fine: t.a.add(t.b),
    });
    const rows = await tb.debug.compute(r, { threads });
    expect(rows).toHaveLength(3);
    const byK = Object.fromEntries(rows.map((row) => [row.k as number, row]));
    expect(byK[1]).toEqual({ k: 1, q: 2, fq: 2, m: 0, next: 3, fine: 9 });
    expect(byK[3]).toEqual({ k: 3, q: -3.5, fq: -4, m: 1, next: -2.5, fine: -5 });
    for (const col of ["q", "fq", "m", "next"]) {
      expect((byK[2] as AnyRow)[col], col).toBe(tb.ErrorValue);
    }
    expect(byK[2]!.fine).toBe(5);
    const log = await errorLogOf([r], threads);
    expect(log.length).toBeGreaterThanOrEqual(3);
    expectLogged(log, /zero/i);
  });

  it("a filter whose condition is an error drops the row and logs it", async () => {
    const t = divisions();
    const r = t.filter(t.a.div(t.b).gt(0)).select({ k: t.k });
    expectRows(await tb.debug.compute(r, { threads }), [{ k: 1 }]);
    const log = await errorLogOf([r], threads);
    expect(log.length).toBeGreaterThanOrEqual(1);
    expectLogged(log, /zero/i);
  });

  it("lazy expressions that avoid the failing branch log nothing", async () => {
    const t = divisions();
    const r = t.select({
      safe: tb.ifElse(t.b.eq(0), 0, t.a.div(t.b)),
      c: tb.coalesce(t.k, t.a.div(t.b)),
      both: t.b.ne(0).and(t.a.div(t.b).gt(0)),
    });
    const rows = await tb.debug.compute(r, { threads });
    for (const row of rows) expect(hasError(row)).toBe(false);
    expect(await errorLogOf([r], threads)).toEqual([]);
  });

  it("failing parse, unwrap and unique give error values", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k
      1
      2
    `);
    const S = tb.schema({ k: tb.types.int, s: tb.types.str, o: tb.types.int.optional() });
    const u = tb.debug.tableFromRows(S, [
      { k: 1, s: "12", o: 4 },
      { k: 2, s: "abc", o: null },
    ]);
    const r = u.select({ k: u.k, p: u.s.str.parseInt(), w: tb.unwrap(u.o) });
    const rows = await tb.debug.compute(r, { threads });
    const byK = Object.fromEntries(rows.map((row) => [row.k as number, row]));
    expect(byK[1]).toEqual({ k: 1, p: 12, w: 4 });
    expect(byK[2]!.p).toBe(tb.ErrorValue);
    expect(byK[2]!.w).toBe(tb.ErrorValue);
    const uniq = t.reduce({ u: tb.reducers.unique(t.k), n: tb.reducers.count() });
    const ur = await tb.debug.compute(uniq, { threads });
    expect(ur).toHaveLength(1);
    expect(ur[0]!.u).toBe(tb.ErrorValue);
    expect(ur[0]!.n).toBe(2);
    const log = await errorLogOf([r, uniq], threads);
    expect(log.length).toBeGreaterThanOrEqual(3);
  });

  it("an error value does not stop later operators: groupBy over an error cell", async () => {
    const t = divisions();
    const r = t
      .select({ g: t.k.mod(2), q: t.a.div(t.b) })
      .groupBy(tb.this.g)
      .reduce({ g: tb.this.g, n: tb.reducers.count() });
    expectRows(await tb.debug.compute(r, { threads }), [
      { g: 1, n: 2 },
      { g: 0, n: 1 },
    ]);
  });
  it("a float division by zero is an error value too", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | a   | b
      1 | 1.5 | 0.5
      2 | 1.5 | 0.0
    `);
    const rows = await tb.debug.compute(t.select({ k: t.k, q: t.a.div(t.b) }), { threads });
    const byK = Object.fromEntries(rows.map((row) => [row.k as number, row]));
    expect(byK[1]!.q).toBe(3);
    expect(byK[2]!.q).toBe(tb.ErrorValue);
  });

  it("error cells over time: an update that fixes the row retracts the error row", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | a | b | __time__ | __diff__
      1  | 6 | 2 | 2        | 1
      1  | 6 | 2 | 4        | -1
      1  | 6 | 0 | 4        | 1
      1  | 6 | 0 | 6        | -1
      1  | 6 | 3 | 6        | 1
    `);
    const r = t.select({ q: t.a.div(t.b) });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ q: 3 }, 2, 1),
      change({ q: 3 }, 4, -1),
      change({ q: tb.ErrorValue }, 4, 1),
      change({ q: tb.ErrorValue }, 6, -1),
      change({ q: 2 }, 6, 1),
    ]);
  });

  it("a join on an error key drops the row and logs it", async () => {
    const t = divisions();
    const u = tb.debug.tableFromMarkdown(`
      q   | label
      2.0 | two
      2.5 | five-halves
    `);
    const r = t.join(u, t.a.div(t.b).eq(u.q)).select({ k: tb.left.k, label: tb.right.label });
    expectRows(await tb.debug.compute(r, { threads }), [{ k: 1, label: "two" }]);
    const log = await errorLogOf([r], threads);
    expectLogged(log, /zero/i);
  });

  it("a reducer over an error value gives an error value, other groups are fine", async () => {
    const t = divisions();
    const r = t
      .select({ g: t.k.eq(2), q: t.a.div(t.b) })
      .groupBy(tb.this.g)
      .reduce({ g: tb.this.g, s: tb.reducers.sum(tb.this.q), n: tb.reducers.count() });
    const rows = await tb.debug.compute(r, { threads });
    const bad = rows.find((row) => row.g === true)!;
    const good = rows.find((row) => row.g === false)!;
    expect(rows).toHaveLength(2);
    expect(bad.s).toBe(tb.ErrorValue);
    expect(bad.n).toBe(1);
    expect(good).toEqual({ g: false, s: -1.5, n: 2 });
  });
  it("the error log is a table with operator, message and row columns", async () => {
    const t = divisions();
    const r = t.select({ q: t.a.div(t.b) });
    const log = await errorLogOf([r], threads);
    expect(log).toHaveLength(1);
    expect(Object.keys(log[0]!)).toEqual(expect.arrayContaining(["operator", "message", "row"]));
    expect(log[0]!.message).toMatch(/zero/i);
  });
});
