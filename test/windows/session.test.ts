/**
 * Session windows: rows less than maxGap apart share a session; a bridging row merges two
 * sessions and its retraction splits them again.
 */
import * as tb from "tributary";
import { describe, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("merges sessions when a row bridges them and splits them when it leaves", async () => {
    const t = tb.debug.tableFromMarkdown(`
      t  | __time__ | __diff__
      1  | 2        | 1
      3  | 2        | 1
      10 | 4        | 1
      6  | 6        | 1
      6  | 8        | -1
    `);
    const r = t
      .windowBy(t.t, { window: tb.temporal.session({ maxGap: 5 }) })
      .reduce({ start: tb.this._start, end: tb.this._end, n: tb.reducers.count() });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ start: 1, end: 3, n: 2 }, 2, 1),
      change({ start: 10, end: 10, n: 1 }, 4, 1),
      change({ start: 1, end: 3, n: 2 }, 6, -1),
      change({ start: 10, end: 10, n: 1 }, 6, -1),
      change({ start: 1, end: 10, n: 4 }, 6, 1),
      change({ start: 1, end: 10, n: 4 }, 8, -1),
      change({ start: 1, end: 3, n: 2 }, 8, 1),
      change({ start: 10, end: 10, n: 1 }, 8, 1),
    ]);
  });

  it("rows exactly maxGap apart are separate sessions; instances are separate", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | t  | v
      a | 0  | 1
      a | 5  | 2
      a | 9  | 3
      b | 2  | 4
      b | 4  | 5
    `);
    const r = t
      .windowBy(t.t, { window: tb.temporal.session({ maxGap: 5 }), instance: t.k })
      .reduce({
        k: tb.this._instance,
        start: tb.this._start,
        end: tb.this._end,
        s: tb.reducers.sum(t.v),
      });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: "a", start: 0, end: 0, s: 1 },
      { k: "a", start: 5, end: 9, s: 5 },
      { k: "b", start: 2, end: 4, s: 9 },
    ]);
  });
});
