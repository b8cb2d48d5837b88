/**
 * intervalsOver: one window [at + lowerBound, at + upperBound] per probe row.
 */
import * as tb from "tributary";
import { describe, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("gathers the rows inside each probe's interval, bounds included", async () => {
    const probes = tb.debug.tableFromMarkdown(`
      t
      10
      20
    `);
    const t = tb.debug.tableFromMarkdown(`
      t  | v
      8  | 1
      10 | 2
      12 | 3
      19 | 4
      25 | 5
    `);
    const r = t
      .windowBy(t.t, {
        window: tb.temporal.intervalsOver({ at: probes.t, lowerBound: -2, upperBound: 0, isOuter: false }),
      })
      .reduce({ start: tb.this._start, end: tb.this._end, s: tb.reducers.sum(t.v) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { start: 8, end: 10, s: 3 },
      { start: 18, end: 20, s: 4 },
    ]);
  });

  it("follows probes and rows as they come and go", async () => {
    const probes = tb.debug.tableFromMarkdown(`
      t  | __time__ | __diff__
      10 | 2        | 1
      20 | 4        | 1
      10 | 6        | -1
    `);
    const t = tb.debug.tableFromMarkdown(`
      t  | __time__ | __diff__
      9  | 2        | 1
      19 | 2        | 1
      18 | 4        | 1
    `);
    const r = t
      .windowBy(t.t, {
        window: tb.temporal.intervalsOver({ at: probes.t, lowerBound: -2, upperBound: 0, isOuter: false }),
      })
      .reduce({ start: tb.this._start, n: tb.reducers.count() });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ start: 8, n: 1 }, 2, 1),
      change({ start: 18, n: 2 }, 4, 1),
      change({ start: 8, n: 1 }, 6, -1),
    ]);
  });

  it("isOuter keeps empty windows, with null cells", async () => {
    const probes = tb.debug.tableFromMarkdown(`
      t
      10
      40
    `);
    const t = tb.debug.tableFromMarkdown(`
      t  | v
      9  | 1
    `);
    const r = t
      .windowBy(t.t, {
        window: tb.temporal.intervalsOver({ at: probes.t, lowerBound: -2, upperBound: 0 }),
      })
      .reduce({ start: tb.this._start, v: tb.reducers.max(tb.this.v) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { start: 8, v: 1 },
      { start: 38, v: null },
    ]);
  });
});
