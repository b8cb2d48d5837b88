/**
 * select (object and positional), withColumns, without, rename, filter, col(), tb.this:
 * final tables and change streams, on 1 and 2 workers.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

const people = () =>
  tb.debug.tableFromMarkdown(`
    name  | age | score
    alice | 30  | 1.5
    bob   | 25  | 2.5
    carol | 35  | 4.25
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("select with named expressions", async () => {
    const t = people();
    const r = t.select({ who: t.name, next: t.age.add(1), double: t.score.mul(2) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { who: "alice", next: 31, double: 3 },
      { who: "bob", next: 26, double: 5 },
      { who: "carol", next: 36, double: 8.5 },
    ]);
  });

  it("select with positional columns keeps their names", async () => {
    const t = people();
    const r = t.select(t.name, t.score);
    expectRows(await tb.debug.compute(r, { threads }), [
      { name: "alice", score: 1.5 },
      { name: "bob", score: 2.5 },
      { name: "carol", score: 4.25 },
    ]);
  });

  it("select with tb.this and literals", async () => {
    const t = people();
    const r = t.select({ n: tb.this.name, one: tb.lit(1), tag: tb.lit("x") });
    expectRows(await tb.debug.compute(r, { threads }), [
      { n: "alice", one: 1, tag: "x" },
      { n: "bob", one: 1, tag: "x" },
      { n: "carol", one: 1, tag: "x" },
    ]);
  });

  it("select keeps row ids", async () => {
    const t = people();
    const before = await tb.debug.compute(t, { threads, withIds: true });
    const after = await tb.debug.compute(t.select({ name: t.name }), { threads, withIds: true });
    expectRows(
      after,
      before.map((r) => ({ id: r.id, name: r.name })),
    );
  });

  it("withColumns adds and replaces columns", async () => {
    const t = people();
    const r = t.withColumns({ old: t.age.gt(28), age: t.age.mul(10) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { name: "alice", age: 300, score: 1.5, old: true },
      { name: "bob", age: 250, score: 2.5, old: false },
      { name: "carol", age: 350, score: 4.25, old: true },
    ]);
  });

  it("without drops columns", async () => {
    const t = people();
    expectRows(await tb.debug.compute(t.without("score", "age"), { threads }), [
      { name: "alice" },
      { name: "bob" },
      { name: "carol" },
    ]);
    expectRows(await tb.debug.compute(t.without("age"), { threads }), [
      { name: "alice", score: 1.5 },
      { name: "bob", score: 2.5 },
      { name: "carol", score: 4.25 },
    ]);
  });

  it("rename renames columns and keeps the rest", async () => {
    const t = people();
    const r = t.rename({ name: "client", age: "years" });
    expectRows(await tb.debug.compute(r, { threads }), [
      { client: "alice", years: 30, score: 1.5 },
      { client: "bob", years: 25, score: 2.5 },
      { client: "carol", years: 35, score: 4.25 },
    ]);
    const renamed = r.select({ c: tb.this.client });
    expectRows(await tb.debug.compute(renamed, { threads }), [
      { c: "alice" },
      { c: "bob" },
      { c: "carol" },
    ]);
  });

  it("filter keeps rows whose condition is true", async () => {
    const t = people();
    expectRows(await tb.debug.compute(t.filter(t.age.ge(30)), { threads }), [
      { name: "alice", age: 30, score: 1.5 },
      { name: "carol", age: 35, score: 4.25 },
    ]);
    const chained = t.filter(tb.this.score.lt(4)).select({ n: tb.this.name });
    expectRows(await tb.debug.compute(chained, { threads }), [{ n: "alice" }, { n: "bob" }]);
  });

  it("col() reaches columns whose names clash with methods, and a data column called id", async () => {
    const S = tb.schema({ id: tb.types.int, filter: tb.types.str, select: tb.types.int });
    const t = tb.debug.tableFromRows(S, [
      { id: 7, filter: "a", select: 1 },
      { id: 8, filter: "b", select: 2 },
    ]);
    const r = t.select({ f: t.col("filter"), s: t.col("select").add(1), dataId: t.col("id") });
    expectRows(await tb.debug.compute(r, { threads }), [
      { f: "a", s: 2, dataId: 7 },
      { f: "b", s: 3, dataId: 8 },
    ]);
    const ids = await tb.debug.compute(t.select({ rid: t.id }), { threads });
    for (const row of ids) {
      expect(row.rid).not.toBe(7);
      expect(row.rid).not.toBe(8);
    }
    const withIds = await tb.debug.compute(t, { threads, withIds: true });
    expectRows(
      ids.map((r) => r.rid),
      withIds.map((r) => r.id),
    );
  });

  it("select over changes: updates are -1/+1 pairs at the same time", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | name  | age | __time__ | __diff__
      1  | alice | 30  | 2        | 1
      2  | bob   | 25  | 2        | 1
      1  | alice | 30  | 4        | -1
      1  | alice | 31  | 4        | 1
      2  | bob   | 25  | 6        | -1
    `);
    const r = t.select({ name: t.name, next: t.age.add(1) });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ name: "alice", next: 31 }, 2, 1),
      change({ name: "bob", next: 26 }, 2, 1),
      change({ name: "alice", next: 31 }, 4, -1),
      change({ name: "alice", next: 32 }, 4, 1),
      change({ name: "bob", next: 26 }, 6, -1),
    ]);
    expectRows(await tb.debug.compute(r, { threads }), [{ name: "alice", next: 32 }]);
  });

  it("a change that does not touch the selected columns emits nothing (consolidated)", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | name  | age | __time__ | __diff__
      1  | alice | 30  | 2        | 1
      1  | alice | 30  | 4        | -1
      1  | alice | 31  | 4        | 1
      1  | alice | 31  | 6        | -1
      1  | alicia | 31 | 6        | 1
    `);
    const r = t.select(t.name);
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ name: "alice" }, 2, 1),
      change({ name: "alice" }, 6, -1),
      change({ name: "alicia" }, 6, 1),
    ]);
  });

  it("filter over changes: rows enter and leave as their condition changes", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | name  | age | __time__ | __diff__
      1  | alice | 30  | 2        | 1
      2  | bob   | 17  | 2        | 1
      2  | bob   | 17  | 4        | -1
      2  | bob   | 18  | 4        | 1
      1  | alice | 30  | 6        | -1
      1  | alice | 12  | 6        | 1
      1  | alice | 12  | 8        | -1
    `);
    const adults = t.filter(t.age.ge(18));
    expectChanges(await tb.debug.computeChanges(adults, { threads }), [
      change({ name: "alice", age: 30 }, 2, 1),
      change({ name: "bob", age: 18 }, 4, 1),
      change({ name: "alice", age: 30 }, 6, -1),
    ]);
    expectRows(await tb.debug.compute(adults, { threads }), [{ name: "bob", age: 18 }]);
  });
  it("select mixes positional columns and named expressions", async () => {
    const t = people();
    const r = t.select(t.name, { twice: t.age.mul(2) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { name: "alice", twice: 60 },
      { name: "bob", twice: 50 },
      { name: "carol", twice: 70 },
    ]);
  });
});
