/**
 * Tumbling windows: assignment with and without instance, retractions moving rows between
 * windows, datetime (milliseconds), float and origin-shifted time axes.
 */
import * as tb from "tributary";
import { describe, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("counts and sums per window as rows arrive and leave", async () => {
    const t = tb.debug.tableFromMarkdown(`
      t  | v | __time__ | __diff__
      1  | 1 | 2        | 1
      5  | 2 | 2        | 1
      12 | 3 | 4        | 1
      5  | 2 | 6        | -1
    `);
    const r = t.windowBy(t.t, { window: tb.temporal.tumbling({ duration: 10 }) }).reduce({
      start: tb.this._start,
      end: tb.this._end,
      n: tb.reducers.count(),
      s: tb.reducers.sum(tb.this.v),
    });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ start: 0, end: 10, n: 2, s: 3 }, 2, 1),
      change({ start: 10, end: 20, n: 1, s: 3 }, 4, 1),
      change({ start: 0, end: 10, n: 2, s: 3 }, 6, -1),
      change({ start: 0, end: 10, n: 1, s: 1 }, 6, 1),
    ]);
  });

  it("keeps windows apart per instance", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | t  | v | __time__
      a | 1  | 1 | 2
      b | 3  | 2 | 2
      a | 14 | 3 | 4
      b | 9  | 4 | 4
    `);
    const r = t
      .windowBy(t.t, { window: tb.temporal.tumbling({ duration: 10 }), instance: t.k })
      .reduce({ k: tb.this._instance, start: tb.this._start, s: tb.reducers.sum(t.v) });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ k: "a", start: 0, s: 1 }, 2, 1),
      change({ k: "b", start: 0, s: 2 }, 2, 1),
      change({ k: "a", start: 10, s: 3 }, 4, 1),
      change({ k: "b", start: 0, s: 2 }, 4, -1),
      change({ k: "b", start: 0, s: 6 }, 4, 1),
    ]);
  });

  it("a row whose time changes moves to another window at the same commit", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | t  | __time__ | __diff__
      1  | 5  | 2        | 1
      2  | 7  | 2        | 1
      1  | 5  | 4        | -1
      1  | 15 | 4        | 1
    `);
    const r = t
      .windowBy(t.t, { window: tb.temporal.tumbling({ duration: 10 }) })
      .reduce({ start: tb.this._start, n: tb.reducers.count() });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ start: 0, n: 2 }, 2, 1),
      change({ start: 0, n: 2 }, 4, -1),
      change({ start: 0, n: 1 }, 4, 1),
      change({ start: 10, n: 1 }, 4, 1),
    ]);
  });

  it("datetime columns take milliseconds, and an origin shifts the windows", async () => {
    const schema = tb.schema({ t: tb.types.datetime, v: tb.types.int });
    const t = tb.debug.tableFromMarkdown(
      `
      t     | v
      1000  | 1
      59999 | 2
      61000 | 3
    `,
      { schema },
    );
    const plain = t.windowBy(t.t, { window: tb.temporal.tumbling({ duration: 60_000 }) }).reduce({
      start: tb.this._start,
      end: tb.this._end,
      s: tb.reducers.sum(t.v),
    });
    expectRows(await tb.debug.compute(plain, { threads }), [
      { start: new Date(0), end: new Date(60_000), s: 3 },
      { start: new Date(60_000), end: new Date(120_000), s: 3 },
    ]);
    const shifted = t
      .windowBy(t.t, { window: tb.temporal.tumbling({ duration: 60_000, origin: new Date(30_000) }) })
      .reduce({ start: tb.this._start, s: tb.reducers.sum(t.v) });
    expectRows(await tb.debug.compute(shifted, { threads }), [
      { start: new Date(-30_000), s: 1 },
      { start: new Date(30_000), s: 5 },
    ]);
  });

  it("float time columns get float bounds", async () => {
    const t = tb.debug.tableFromMarkdown(`
      t    | v
      0.5  | 1
      1.25 | 2
      2.75 | 3
    `);
    const r = t
      .windowBy(t.t, { window: tb.temporal.tumbling({ duration: 1.5 }) })
      .reduce({ start: tb.this._start, end: tb.this._end, s: tb.reducers.sum(t.v) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { start: 0, end: 1.5, s: 3 },
      { start: 1.5, end: 3, s: 3 },
    ]);
  });
});
