/**
 * Sliding windows: a row belongs to every window covering it; retractions leave all of them.
 */
import * as tb from "tributary";
import { describe, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("puts a row in every window that covers it and retracts it from all", async () => {
    const t = tb.debug.tableFromMarkdown(`
      t  | __time__ | __diff__
      3  | 2        | 1
      7  | 2        | 1
      12 | 4        | 1
      7  | 6        | -1
    `);
    const r = t
      .windowBy(t.t, { window: tb.temporal.sliding({ hop: 5, duration: 10 }) })
      .reduce({ start: tb.this._start, end: tb.this._end, n: tb.reducers.count() });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ start: -5, end: 5, n: 1 }, 2, 1),
      change({ start: 0, end: 10, n: 2 }, 2, 1),
      change({ start: 5, end: 15, n: 1 }, 2, 1),
      change({ start: 5, end: 15, n: 1 }, 4, -1),
      change({ start: 5, end: 15, n: 2 }, 4, 1),
      change({ start: 10, end: 20, n: 1 }, 4, 1),
      change({ start: 0, end: 10, n: 2 }, 6, -1),
      change({ start: 0, end: 10, n: 1 }, 6, 1),
      change({ start: 5, end: 15, n: 2 }, 6, -1),
      change({ start: 5, end: 15, n: 1 }, 6, 1),
    ]);
  });

  it("keeps instances apart and honours an origin", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | t
      a | 4
      a | 6
      b | 6
    `);
    const r = t
      .windowBy(t.t, {
        window: tb.temporal.sliding({ hop: 4, duration: 8, origin: 1 }),
        instance: t.k,
      })
      .reduce({ k: tb.this._instance, start: tb.this._start, n: tb.reducers.count() });
    // Windows start at 1 + 4k: [-3, 5) and [1, 9) cover 4; [1, 9) and [5, 13) cover 6.
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: "a", start: -3, n: 1 },
      { k: "a", start: 1, n: 2 },
      { k: "a", start: 5, n: 1 },
      { k: "b", start: 1, n: 1 },
      { k: "b", start: 5, n: 1 },
    ]);
  });
});
