/**
 * intervalJoin: pairs with lower <= u.at - t.at <= upper (bounds included) and equal keys, as
 * change streams for inner/left/right/outer, with rows arriving out of time order and
 * retractions of matched rows.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { type AnyChange, change, expectChanges, expectRows, THREADS } from "../helpers.js";

const left = () =>
  tb.debug.tableFromMarkdown(`
    k | at | a | __time__
    x | 10 | 1 | 2
    x | 20 | 2 | 2
    y | 10 | 3 | 4
    x | 30 | 4 | 6
  `);

const right = () =>
  tb.debug.tableFromMarkdown(`
    k | at | b | __time__ | __diff__
    x | 12 | p | 2        | 1
    x | 35 | q | 4        | 1
    y | 14 | s | 4        | 1
    x | 8  | r | 6        | 1
    x | 24 | z | 6        | 1
    x | 24 | z | 8        | -1
    x | 12 | p | 8        | -1
  `);

const c = (a: number | null, b: string | null, time: number, diff: 1 | -1): AnyChange =>
  change({ a, b }, time, diff);

/** The matched pairs, common to every kind of join. */
const MATCHED: AnyChange[] = [
  c(1, "p", 2, 1),
  c(3, "s", 4, 1),
  c(1, "r", 6, 1),
  c(2, "z", 6, 1),
  c(4, "q", 6, 1),
  c(2, "z", 8, -1),
  c(1, "p", 8, -1),
];

const LEFT_EXTRA: AnyChange[] = [c(2, null, 2, 1), c(2, null, 6, -1), c(2, null, 8, 1)];
const RIGHT_EXTRA: AnyChange[] = [c(null, "q", 4, 1), c(null, "q", 6, -1)];

describe.each(THREADS)("threads=%i", (threads) => {
  const run = async (how: "inner" | "left" | "right" | "outer") => {
    const t = left();
    const u = right();
    const joined = t
      .intervalJoin(u, t.at, u.at, tb.temporal.interval(-5, 5), t.k.eq(u.k), { how })
      .select({ a: tb.left.a, b: tb.right.b });
    return tb.debug.computeChanges(joined, { threads });
  };

  it("inner: pairs within the interval, out-of-order arrivals and retractions", async () => {
    expectChanges(await run("inner"), MATCHED);
  });

  it("left: unmatched left rows with nulls, retracted when a match arrives and back after", async () => {
    expectChanges(await run("left"), [...MATCHED, ...LEFT_EXTRA]);
  });

  it("right: unmatched right rows, retracted when a left row arrives later", async () => {
    expectChanges(await run("right"), [...MATCHED, ...RIGHT_EXTRA]);
  });

  it("outer: both sides' unmatched rows", async () => {
    expectChanges(await run("outer"), [...MATCHED, ...LEFT_EXTRA, ...RIGHT_EXTRA]);
  });

  it("without conditions, a wide interval matches across buckets; float bounds", async () => {
    const t = tb.debug.tableFromMarkdown(`
      at  | a
      0   | 1
      100 | 2
    `);
    const u = tb.debug.tableFromMarkdown(`
      at    | b
      -0.5  | m
      2.5   | n
      99.0  | o
      250.0 | w
    `);
    const joined = t
      .intervalJoin(u, t.at, u.at, tb.temporal.interval(-1, 2.5))
      .select({ a: tb.left.a, b: tb.right.b });
    expectRows(await tb.debug.compute(joined, { threads }), [
      { a: 1, b: "m" },
      { a: 1, b: "n" },
      { a: 2, b: "o" },
    ]);
  });

  it("datetime times with millisecond bounds; ids are pairs of row ids unless chosen", async () => {
    const schema = tb.schema({ name: tb.types.str, at: tb.types.datetime });
    const t = tb.debug.tableFromRows(schema, [
      { name: "a", at: new Date("2024-01-01T00:00:00Z") },
      { name: "b", at: new Date("2024-01-01T00:01:00Z") },
    ]);
    const u = tb.debug.tableFromRows(schema, [
      { name: "c", at: new Date("2024-01-01T00:00:03Z") },
      { name: "d", at: new Date("2024-01-01T00:00:59Z") },
    ]);
    const joined = t.intervalJoin(u, t.at, u.at, tb.temporal.interval(-2_000, 5_000), {
      how: "left",
      id: tb.left.id,
    });
    const rows = await tb.debug.compute(joined.select({ l: tb.left.name, r: tb.right.name }), {
      threads,
      withIds: true,
    });
    const ids = await tb.debug.compute(t, { threads, withIds: true });
    const idOf = (name: string) => ids.find((r) => r.name === name)!.id;
    expect(rows.map((r) => [r.l, r.r, r.id]).sort()).toEqual(
      [
        ["a", "c", idOf("a")],
        ["b", "d", idOf("b")],
      ].sort(),
    );
  });
});
