/**
 * Functions under retractions and caching: deterministic functions are evaluated again for a
 * retraction, `deterministic: false` results are remembered so that a retraction retracts the
 * value that was emitted, and `cache: true` calls once per distinct arguments.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

const changing = () =>
  tb.debug.tableFromMarkdown(`
    id | x | __time__ | __diff__
    1  | 5 | 2        | 1
    2  | 7 | 2        | 1
    1  | 5 | 4        | -1
    3  | 9 | 4        | 1
    2  | 7 | 6        | -1
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("a non-deterministic function's retraction retracts the value it emitted", async () => {
    const t = changing();
    let counter = 0;
    const stamp = tb.udf((x: number) => x * 1000 + ++counter, {
      returns: tb.types.int,
      deterministic: false,
    });
    const changes = await tb.debug.computeChanges(t.select({ x: t.x, s: stamp(t.x) }), {
      threads,
    });
    // Three insertions, three calls; each retraction repeats its insertion's value.
    expect(counter).toBe(3);
    const inserted = new Map<number, unknown>();
    for (const c of changes) {
      if (c.__diff__ === 1) inserted.set(c.x as number, c.s);
      else expect(c.s).toBe(inserted.get(c.x as number));
    }
    expect(changes.filter((c) => c.__diff__ === -1)).toHaveLength(2);
    const live = await tb.debug.compute(t.select({ x: t.x, s: stamp(t.x) }), { threads });
    expect(live.map((r) => r.x)).toEqual([9]);
  });

  it("a deterministic function is called again for retractions", async () => {
    const t = changing();
    let calls = 0;
    const triple = tb.udf(
      (x: number) => {
        calls++;
        return x * 3;
      },
      { returns: tb.types.int },
    );
    expectChanges(await tb.debug.computeChanges(t.select({ y: triple(t.x) }), { threads }), [
      change({ y: 15 }, 2, 1),
      change({ y: 21 }, 2, 1),
      change({ y: 15 }, 4, -1),
      change({ y: 27 }, 4, 1),
      change({ y: 21 }, 6, -1),
    ]);
    expect(calls).toBe(5);
  });

  it("cache: true calls once per distinct arguments, across times", async () => {
    const t = tb.debug.tableFromMarkdown(`
      word | __time__
      a    | 2
      b    | 2
      a    | 2
      a    | 4
      c    | 4
      b    | 6
      a    | 6
    `);
    const seen: string[] = [];
    const tag = tb.udf(
      async (w: string) => {
        seen.push(w);
        await new Promise((r) => setTimeout(r, 5));
        return `<${w}>`;
      },
      { returns: tb.types.str, cache: true },
    );
    const rows = await tb.debug.compute(t.select({ t: tag(t.word) }), { threads });
    expectRows(
      rows.map((r) => r.t),
      ["<a>", "<b>", "<a>", "<a>", "<c>", "<b>", "<a>"],
    );
    expect([...seen].sort()).toEqual(["a", "b", "c"]);
  });

  it("without cache, equal arguments are computed for every row", async () => {
    const t = tb.debug.tableFromMarkdown(`
      word
      a
      a
      a
    `);
    let calls = 0;
    const tag = tb.udf(
      (w: string) => {
        calls++;
        return w;
      },
      { returns: tb.types.str },
    );
    await tb.debug.compute(t.select({ t: tag(t.word) }), { threads });
    expect(calls).toBe(3);
  });
});
