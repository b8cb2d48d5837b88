/**
 * windowJoin: rows of two tables join when they fall in the same window (and match the
 * conditions); inner, left, right and outer forms; the result has the window's bounds.
 */
import * as tb from "tributary";
import { describe, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

function tables() {
  const t = tb.debug.tableFromMarkdown(`
    k | at | a
    x | 1  | a1
    y | 12 | a2
    z | 5  | a3
  `);
  const u = tb.debug.tableFromMarkdown(`
    k | at | b
    x | 3  | b1
    y | 5  | b2
    w | 25 | b3
  `);
  return { t, u };
}

describe.each(THREADS)("threads=%i", (threads) => {
  const window = () => tb.temporal.tumbling({ duration: 10 });

  it("inner: same key and same window", async () => {
    const { t, u } = tables();
    const r = t
      .windowJoin(u, t.at, u.at, window(), t.k.eq(u.k))
      .select({ a: t.a, b: u.b, start: tb.this._start, end: tb.this._end });
    expectRows(await tb.debug.compute(r, { threads }), [{ a: "a1", b: "b1", start: 0, end: 10 }]);
  });

  it("left, right and outer keep unmatched rows", async () => {
    const { t, u } = tables();
    const left = t
      .windowJoin(u, t.at, u.at, window(), t.k.eq(u.k), { how: "left" })
      .select({ a: t.a, b: u.b, start: tb.this._start });
    expectRows(await tb.debug.compute(left, { threads }), [
      { a: "a1", b: "b1", start: 0 },
      { a: "a2", b: null, start: 10 },
      { a: "a3", b: null, start: 0 },
    ]);
    const right = t
      .windowJoin(u, t.at, u.at, window(), t.k.eq(u.k), { how: "right" })
      .select({ a: tb.left.a, b: tb.right.b, start: tb.this._start });
    expectRows(await tb.debug.compute(right, { threads }), [
      { a: "a1", b: "b1", start: 0 },
      { a: null, b: "b2", start: 0 },
      { a: null, b: "b3", start: 20 },
    ]);
    const outer = t
      .windowJoin(u, t.at, u.at, window(), t.k.eq(u.k), { how: "outer" })
      .select({ a: t.a, b: u.b, start: tb.this._start });
    expectRows(await tb.debug.compute(outer, { threads }), [
      { a: "a1", b: "b1", start: 0 },
      { a: "a2", b: null, start: 10 },
      { a: "a3", b: null, start: 0 },
      { a: null, b: "b2", start: 0 },
      { a: null, b: "b3", start: 20 },
    ]);
  });

  it("without conditions pairs every row of a window; sliding windows pair per window", async () => {
    const { t, u } = tables();
    const cross = t.windowJoin(u, t.at, u.at, window()).select({ a: t.a, b: u.b });
    expectRows(await tb.debug.compute(cross, { threads }), [
      { a: "a1", b: "b1" },
      { a: "a1", b: "b2" },
      { a: "a3", b: "b1" },
      { a: "a3", b: "b2" },
    ]);
    const sliding = t
      .windowJoin(u, t.at, u.at, tb.temporal.sliding({ hop: 5, duration: 10 }), t.k.eq(u.k))
      .select({ a: t.a, b: u.b, start: tb.this._start });
    // x: 1 is in [-5, 5) and [0, 10); 3 too. y: 12 in [5, 15), [10, 20); 5 in [0, 10), [5, 15).
    expectRows(await tb.debug.compute(sliding, { threads }), [
      { a: "a1", b: "b1", start: -5 },
      { a: "a1", b: "b1", start: 0 },
      { a: "a2", b: "b2", start: 5 },
    ]);
  });

  it("a right row arriving later joins, and its retraction leaves", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | at | a  | __time__
      x | 1  | a1 | 2
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | at | b  | __time__ | __diff__
      x | 4  | b1 | 4        | 1
      x | 4  | b1 | 6        | -1
    `);
    const r = t
      .windowJoin(u, t.at, u.at, window(), t.k.eq(u.k), { how: "left" })
      .select({ a: t.a, b: u.b });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ a: "a1", b: null }, 2, 1),
      change({ a: "a1", b: null }, 4, -1),
      change({ a: "a1", b: "b1" }, 4, 1),
      change({ a: "a1", b: "b1" }, 6, -1),
      change({ a: "a1", b: null }, 6, 1),
    ]);
  });
});
