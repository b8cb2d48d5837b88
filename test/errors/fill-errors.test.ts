/**
 * Handling error values in the program: `fillError` replaces them, `isError` tests for them,
 * `removeErrors` drops rows that hold them — over time, with retractions.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

const divisions = () =>
  tb.debug.tableFromMarkdown(`
    a  | b | __time__ | __diff__
    6  | 3 | 2        | 1
    7  | 0 | 2        | 1
    7  | 0 | 4        | -1
    8  | 2 | 4        | 1
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("fillError replaces a failed division, and follows retractions", async () => {
    const t = divisions();
    const r = t.select({ a: t.a, q: t.a.div(t.b).fillError(-1) });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ a: 6, q: 2 }, 2, 1),
      change({ a: 7, q: -1 }, 2, 1),
      change({ a: 7, q: -1 }, 4, -1),
      change({ a: 8, q: 4 }, 4, 1),
    ]);
  });

  it("isError marks the failed cell and is itself never an error", async () => {
    const t = divisions();
    const r = t.select({ a: t.a, bad: t.a.div(t.b).isError() });
    expectRows(await tb.debug.compute(r, { threads }), [
      { a: 6, bad: false },
      { a: 8, bad: false },
    ]);
    const before = tb.debug.tableFromMarkdown(`
      a | b
      7 | 0
    `);
    const flagged = before.select({ bad: before.a.div(before.b).isError() });
    expect(await tb.debug.compute(flagged, { threads })).toEqual([{ bad: true }]);
  });

  it("removeErrors drops rows holding an error value, then restores the output when fixed", async () => {
    const t = divisions();
    const r = t.select({ a: t.a, q: t.a.floorDiv(t.b) }).removeErrors();
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ a: 6, q: 2 }, 2, 1),
      change({ a: 8, q: 4 }, 4, 1),
    ]);
  });

  it("fillError type-checks its replacement", () => {
    const t = divisions();
    expect(() => t.select({ q: t.a.div(t.b).fillError("none") })).toThrow(tb.TributaryError);
  });
});
