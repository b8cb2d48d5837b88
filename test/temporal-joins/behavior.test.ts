/**
 * Behaviors of temporal joins on change streams: each side tracks its own greatest time seen
 * (updated after each commit); a row whose time + cutoff is at most that time is late
 * (exactly at the edge too) and dropped; rows past the cutoff are forgotten one time unit after
 * the commit that passed them, their results kept (keepResults) or retracted; delay holds a
 * row until its side's greatest time reaches time + delay (flushed when the input ends);
 * rows out of time order; intervalJoin, asofJoin and windowJoin.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { type AnyChange, change, expectChanges, THREADS } from "../helpers.js";

const c = (a: number | null, b: string | null, time: number, diff: 1 | -1): AnyChange =>
  change({ a, b }, time, diff);

/** Left rows out of time order: 3 and 4 arrive late (1 + 6 and 2 + 6 <= 8), 5 is one unit in. */
const LEFT = `
  k | at | a | __time__
  x | 0  | 1 | 2
  x | 8  | 2 | 4
  x | 1  | 3 | 6
  x | 2  | 4 | 6
  x | 3  | 5 | 6
`;
/** Right rows: s (0 + 6 <= 9) arrives late. */
const RIGHT = `
  k | at | b | __time__
  x | 1  | p | 2
  x | 4  | q | 6
  x | 9  | r | 8
  x | 0  | s | 10
`;

function intervalJoined(how: "inner" | "left", behavior: tb.Behavior) {
  const t = tb.debug.tableFromMarkdown(LEFT);
  const u = tb.debug.tableFromMarkdown(RIGHT);
  return t
    .intervalJoin(u, t.at, u.at, tb.temporal.interval(-2, 2), t.k.eq(u.k), { how, behavior })
    .select({ a: tb.left.a, b: tb.right.b });
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("intervalJoin cutoff: late rows (at the edge too) are dropped, results kept", async () => {
    const r = intervalJoined("inner", tb.temporal.commonBehavior({ cutoff: 6 }));
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      c(1, "p", 2, 1),
      c(5, "q", 6, 1),
      c(5, "p", 6, 1),
      c(2, "r", 8, 1),
    ]);
  });

  it("intervalJoin without a behavior pairs every row (the same fixture)", async () => {
    const t = tb.debug.tableFromMarkdown(LEFT);
    const u = tb.debug.tableFromMarkdown(RIGHT);
    const r = t
      .intervalJoin(u, t.at, u.at, tb.temporal.interval(-2, 2), t.k.eq(u.k))
      .select({ a: tb.left.a, b: tb.right.b });
    const changes = await tb.debug.computeChanges(r, { threads });
    expect(changes.length).toBeGreaterThan(4);
    expect(changes.some((x) => x.a === 3)).toBe(true);
  });

  it("intervalJoin keepResults: false retracts results one unit after the commit that passed the cutoff", async () => {
    // After time 4 the left side has seen 8: row 1 (0 + 6 <= 8) is forgotten at 5. After time 8
    // the right side has seen 9: p (1 + 6 <= 9) is forgotten at 9.
    const r = intervalJoined("inner", tb.temporal.commonBehavior({ cutoff: 6, keepResults: false }));
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      c(1, "p", 2, 1),
      c(1, "p", 5, -1),
      c(5, "q", 6, 1),
      c(5, "p", 6, 1),
      c(2, "r", 8, 1),
      c(5, "p", 9, -1),
    ]);
  });

  it("intervalJoin left: forgetting neither retracts results nor adds unmatched rows", async () => {
    const r = intervalJoined("left", tb.temporal.commonBehavior({ cutoff: 6 }));
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      c(1, "p", 2, 1),
      c(2, null, 4, 1),
      c(5, "q", 6, 1),
      c(5, "p", 6, 1),
      c(2, null, 8, -1),
      c(2, "r", 8, 1),
    ]);
  });

  it("intervalJoin delay holds rows until their side reaches time + delay, then flushes at the end", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | at | a | __time__
      x | 0  | 1 | 2
      x | 5  | 2 | 4
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | at | b | __time__
      x | 1  | p | 2
      x | 4  | o | 4
      x | 6  | q | 6
    `);
    // Left 1 (0 + 3) and right p (1 + 3 = 4, reached exactly) are released at 4; o (4 + 3 = 7)
    // is one unit short at 6 and, like 2 and q, waits for the end of the input.
    const r = t
      .intervalJoin(u, t.at, u.at, tb.temporal.interval(-2, 2), t.k.eq(u.k), {
        behavior: tb.temporal.commonBehavior({ delay: 3 }),
      })
      .select({ a: tb.left.a, b: tb.right.b });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      c(1, "p", 4, 1),
      c(2, "o", 6, 1),
      c(2, "q", 6, 1),
    ]);
  });

  describe("asofJoin", () => {
    const run = (how: "inner" | "left", keepResults: boolean) => {
      const t = tb.debug.tableFromMarkdown(`
        a | at | __time__
        1 | 5  | 2
        2 | 20 | 6
      `);
      const u = tb.debug.tableFromMarkdown(`
        b | at | __time__
        p | 3  | 2
        q | 18 | 4
        r | 4  | 8
        s | 19 | 8
      `);
      return t
        .asofJoin(u, t.at, u.at, { how, behavior: tb.temporal.commonBehavior({ cutoff: 10, keepResults }) })
        .select({ a: tb.left.a, b: tb.right.b });
    };

    it("keeps the answers of forgotten rows; r (4 + 10 <= 18) is late; s re-answers 2", async () => {
      expectChanges(await tb.debug.computeChanges(run("inner", true), { threads }), [
        c(1, "p", 2, 1),
        c(2, "q", 6, 1),
        c(2, "q", 8, -1),
        c(2, "s", 8, 1),
      ]);
    });

    it("left: forgetting p (at 5) does not turn row 1 into an unmatched row", async () => {
      expectChanges(await tb.debug.computeChanges(run("left", true), { threads }), [
        c(1, "p", 2, 1),
        c(2, "q", 6, 1),
        c(2, "q", 8, -1),
        c(2, "s", 8, 1),
      ]);
    });

    it("keepResults: false retracts the answer of a forgotten row", async () => {
      expectChanges(await tb.debug.computeChanges(run("inner", false), { threads }), [
        c(1, "p", 2, 1),
        c(1, "p", 5, -1),
        c(2, "q", 6, 1),
        c(2, "q", 8, -1),
        c(2, "s", 8, 1),
      ]);
    });
  });

  describe("windowJoin", () => {
    const run = (keepResults: boolean) => {
      const t = tb.debug.tableFromMarkdown(`
        a | at | __time__
        1 | 1  | 2
        2 | 15 | 4
        3 | 3  | 6
      `);
      const u = tb.debug.tableFromMarkdown(`
        b | at | __time__
        p | 2  | 2
        q | 8  | 6
        r | 12 | 6
      `);
      return t
        .windowJoin(u, t.at, u.at, tb.temporal.tumbling({ duration: 10 }), {
          behavior: tb.temporal.commonBehavior({ cutoff: 0, keepResults }),
        })
        .select({ a: tb.left.a, b: tb.right.b, start: tb.this._start });
    };

    it("cuts off by _end per side: left window [0, 10) closes at 15, so 3 is late and q finds no partner", async () => {
      expectChanges(await tb.debug.computeChanges(run(true), { threads }), [
        change({ a: 1, b: "p", start: 0 }, 2, 1),
        change({ a: 2, b: "r", start: 10 }, 6, 1),
      ]);
    });

    it("keepResults: false retracts the pairs of a closed window", async () => {
      expectChanges(await tb.debug.computeChanges(run(false), { threads }), [
        change({ a: 1, b: "p", start: 0 }, 2, 1),
        change({ a: 1, b: "p", start: 0 }, 5, -1),
        change({ a: 2, b: "r", start: 10 }, 6, 1),
      ]);
    });
  });

  it("exactlyOnceBehavior is for windowBy, not temporal joins", () => {
    const t = tb.debug.tableFromMarkdown(LEFT);
    const u = tb.debug.tableFromMarkdown(RIGHT);
    expect(() =>
      t.intervalJoin(u, t.at, u.at, tb.temporal.interval(-2, 2), {
        behavior: tb.temporal.exactlyOnceBehavior(),
      }),
    ).toThrow(/exactlyOnceBehavior/);
  });
});
