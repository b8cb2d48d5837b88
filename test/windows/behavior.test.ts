/**
 * Window behaviors on change streams: late rows exactly at the cutoff's edge, results kept or
 * retracted when a window closes, delay holding results until the greatest time seen reaches
 * `_start + delay` (and flushing at the end), exactly-once windows.
 */
import * as tb from "tributary";
import { describe, it } from "vitest";
import { change, expectChanges, THREADS } from "../helpers.js";

const FIXTURE = `
  t  | __time__
  1  | 2
  15 | 4
  4  | 4
  3  | 6
  14 | 6
`;

function windowed(behavior: tb.Behavior) {
  const t = tb.debug.tableFromMarkdown(FIXTURE);
  return t
    .windowBy(t.t, { window: tb.temporal.tumbling({ duration: 10 }), behavior })
    .reduce({ start: tb.this._start, n: tb.reducers.count() });
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("drops a row once an earlier commit reached _end + cutoff, never changing old results", async () => {
    // Window [0, 10) closes at 15: time 4 saw 15 but its own row 4 still counts (same
    // commit); row 3 at time 6 is late (15 <= 15) and dropped.
    const r = windowed(tb.temporal.commonBehavior({ cutoff: 5 }));
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ start: 0, n: 1 }, 2, 1),
      change({ start: 0, n: 1 }, 4, -1),
      change({ start: 0, n: 2 }, 4, 1),
      change({ start: 10, n: 1 }, 4, 1),
      change({ start: 10, n: 1 }, 6, -1),
      change({ start: 10, n: 2 }, 6, 1),
    ]);
  });

  it("accepts the same row when the cutoff is one unit longer", async () => {
    const r = windowed(tb.temporal.commonBehavior({ cutoff: 6 }));
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ start: 0, n: 1 }, 2, 1),
      change({ start: 0, n: 1 }, 4, -1),
      change({ start: 0, n: 2 }, 4, 1),
      change({ start: 10, n: 1 }, 4, 1),
      change({ start: 0, n: 2 }, 6, -1),
      change({ start: 0, n: 3 }, 6, 1),
      change({ start: 10, n: 1 }, 6, -1),
      change({ start: 10, n: 2 }, 6, 1),
    ]);
  });

  it("keepResults: false retracts a window's results once it is past its cutoff", async () => {
    const r = windowed(tb.temporal.commonBehavior({ cutoff: 5, keepResults: false }));
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ start: 0, n: 1 }, 2, 1),
      change({ start: 0, n: 1 }, 4, -1),
      change({ start: 0, n: 2 }, 4, 1),
      change({ start: 10, n: 1 }, 4, 1),
      change({ start: 0, n: 2 }, 6, -1),
      change({ start: 10, n: 1 }, 6, -1),
      change({ start: 10, n: 2 }, 6, 1),
    ]);
  });

  it("delay holds a window until the greatest time reaches _start + delay, then flushes at the end", async () => {
    const t = tb.debug.tableFromMarkdown(`
      t  | __time__
      1  | 2
      5  | 4
      10 | 6
      12 | 8
    `);
    const r = t
      .windowBy(t.t, {
        window: tb.temporal.tumbling({ duration: 10 }),
        behavior: tb.temporal.commonBehavior({ delay: 10 }),
      })
      .reduce({ start: tb.this._start, n: tb.reducers.count() });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ start: 0, n: 2 }, 6, 1),
      change({ start: 10, n: 2 }, 8, 1),
    ]);
  });

  it("a row one unit short of _start + delay does not release the window", async () => {
    const t = tb.debug.tableFromMarkdown(`
      t  | __time__
      1  | 2
      9  | 4
      10 | 6
    `);
    const r = t
      .windowBy(t.t, {
        window: tb.temporal.tumbling({ duration: 10 }),
        behavior: tb.temporal.commonBehavior({ delay: 10 }),
      })
      .reduce({ start: tb.this._start, n: tb.reducers.count() });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ start: 0, n: 2 }, 6, 1),
      change({ start: 10, n: 1 }, 6, 1),
    ]);
  });

  it("exactlyOnceBehavior emits each window once, when it closes", async () => {
    const t = tb.debug.tableFromMarkdown(`
      t  | __time__
      1  | 2
      5  | 4
      10 | 6
      3  | 8
      25 | 8
    `);
    const r = t
      .windowBy(t.t, {
        window: tb.temporal.tumbling({ duration: 10 }),
        behavior: tb.temporal.exactlyOnceBehavior(),
      })
      .reduce({ start: tb.this._start, n: tb.reducers.count() });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ start: 0, n: 2 }, 6, 1),
      change({ start: 10, n: 1 }, 8, 1),
      change({ start: 20, n: 1 }, 8, 1),
    ]);
  });

  it("behaviors work with sliding windows and instances", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | t  | __time__
      a | 1  | 2
      b | 20 | 4
      a | 2  | 6
    `);
    const r = t
      .windowBy(t.t, {
        window: tb.temporal.sliding({ hop: 5, duration: 10 }),
        instance: t.k,
        behavior: tb.temporal.commonBehavior({ cutoff: 0 }),
      })
      .reduce({ k: tb.this._instance, start: tb.this._start, n: tb.reducers.count() });
    // At time 6 the greatest earlier time is 20: windows ending at 5 and 10 are closed.
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ k: "a", start: -5, n: 1 }, 2, 1),
      change({ k: "a", start: 0, n: 1 }, 2, 1),
      change({ k: "b", start: 15, n: 1 }, 4, 1),
      change({ k: "b", start: 20, n: 1 }, 4, 1),
    ]);
  });
});
