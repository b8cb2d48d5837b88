/**
 * deduplicate: per instance, the latest row whose value the acceptor accepted (the first row
 * always is), replaced over time. A retracted input row is treated as if it had never arrived:
 * the instance's history is replayed without it.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, errorLogOf, expectChanges, isError, THREADS } from "../helpers.js";

const rows = () =>
  tb.debug.tableFromMarkdown(`
    k | v | __time__ | __diff__
    a | 1 | 2        | 1
    a | 5 | 4        | 1
    b | 2 | 5        | 1
    a | 3 | 6        | 1
    a | 7 | 8        | 1
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("per instance: a larger value replaces the kept row", async () => {
    const t = rows();
    const d = t.deduplicate({
      value: t.v,
      instance: t.k,
      acceptor: (next: number, prev: number) => next > prev,
    });
    expectChanges(await tb.debug.computeChanges(d, { threads }), [
      change({ k: "a", v: 1 }, 2, 1),
      change({ k: "a", v: 1 }, 4, -1),
      change({ k: "a", v: 5 }, 4, 1),
      change({ k: "b", v: 2 }, 5, 1),
      change({ k: "a", v: 5 }, 8, -1),
      change({ k: "a", v: 7 }, 8, 1),
    ]);
  });

  it("without instance: one row for the whole table; result ids are stable", async () => {
    const t = rows();
    const d = t.deduplicate({ value: t.v, acceptor: (next: number, prev: number) => next > prev });
    expectChanges(await tb.debug.computeChanges(d, { threads }), [
      change({ k: "a", v: 1 }, 2, 1),
      change({ k: "a", v: 1 }, 4, -1),
      change({ k: "a", v: 5 }, 4, 1),
      change({ k: "a", v: 5 }, 8, -1),
      change({ k: "a", v: 7 }, 8, 1),
    ]);
    const ids = new Set(
      (await tb.debug.computeChanges(d, { threads, withIds: true })).map((c) => c.id),
    );
    expect(ids.size).toBe(1);
  });

  it("the acceptor sees the kept value, not the previous row (change by at least 3)", async () => {
    const t = tb.debug.tableFromMarkdown(`
      v | __time__
      1 | 2
      2 | 4
      5 | 6
      6 | 8
      9 | 10
    `);
    const d = t.deduplicate({
      value: t.v,
      acceptor: (next: number, prev: number) => Math.abs(next - prev) >= 3,
    });
    expectChanges(await tb.debug.computeChanges(d, { threads }), [
      change({ v: 1 }, 2, 1),
      change({ v: 1 }, 6, -1),
      change({ v: 5 }, 6, 1),
      change({ v: 5 }, 10, -1),
      change({ v: 9 }, 10, 1),
    ]);
  });

  it("retracting input rows replays the history without them", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | v | __time__ | __diff__
      a | 1 | 2        | 1
      a | 5 | 4        | 1
      a | 3 | 6        | 1
      a | 7 | 8        | 1
      a | 7 | 10       | -1
      a | 1 | 12       | -1
      a | 5 | 14       | -1
      a | 3 | 16       | -1
    `);
    const d = t.deduplicate({
      value: t.v,
      instance: t.k,
      acceptor: (n: number, p: number) => n > p,
    });
    expectChanges(await tb.debug.computeChanges(d, { threads }), [
      change({ k: "a", v: 1 }, 2, 1),
      change({ k: "a", v: 1 }, 4, -1),
      change({ k: "a", v: 5 }, 4, 1),
      change({ k: "a", v: 5 }, 8, -1),
      change({ k: "a", v: 7 }, 8, 1),
      change({ k: "a", v: 7 }, 10, -1),
      change({ k: "a", v: 5 }, 10, 1),
      change({ k: "a", v: 5 }, 14, -1),
      change({ k: "a", v: 3 }, 14, 1),
      change({ k: "a", v: 3 }, 16, -1),
    ]);
  });

  it("an acceptor that throws gives an error and a log entry, the pipeline goes on", async () => {
    const t = rows();
    const d = t.deduplicate({
      value: t.v,
      instance: t.k,
      acceptor: (next: number) => {
        if (next === 5) throw new Error("no fives");
        return true;
      },
    });
    const final = await tb.debug.compute(d, { threads });
    expect(final.filter((r) => !isError(r.k)).map((r) => r.k)).toEqual(["b"]);
    expect(final.filter((r) => isError(r.k))).toHaveLength(1);
    const log = await errorLogOf([d], threads);
    expect(log.some((e) => String(e.message).includes("no fives"))).toBe(true);
  });
});
