/**
 * Async functions and the Node event loop: several calls run at once but never more than
 * `concurrency`; batch calls are bounded the same way; the event loop keeps ticking while a
 * function-heavy pipeline runs.
 */

import { join } from "node:path";
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { expectRows, THREADS, tmpDir, writeFile } from "../helpers.js";

const Nums = tb.schema({ x: tb.types.int });
const range = (n: number, times = 1) =>
  tb.debug.tableFromRows(
    Nums,
    Array.from({ length: n }, (_, i) => ({ x: i, __time__: 2 + 2 * (i % times) })),
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(THREADS)("threads=%i", (threads) => {
  it("async per-row calls overlap, bounded by concurrency", async () => {
    let active = 0;
    let peak = 0;
    const slow = tb.udf(
      async (x: number) => {
        active++;
        peak = Math.max(peak, active);
        await sleep(3);
        active--;
        return x + 1;
      },
      { returns: tb.types.int, concurrency: 4 },
    );
    const t = range(60, 3);
    const rows = await tb.debug.compute(t.select({ y: slow(t.x) }), { threads });
    expectRows(
      rows.map((r) => r.y),
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  });

  it("async batch calls are bounded too, and batches stay within maxSize", async () => {
    let active = 0;
    let peak = 0;
    const sizes: number[] = [];
    const slow = tb.udf(
      async (xs: number[]) => {
        active++;
        peak = Math.max(peak, active);
        sizes.push(xs.length);
        await sleep(5);
        active--;
        return xs.map((x) => x * 2);
      },
      { returns: tb.types.int, batch: { maxSize: 8 }, concurrency: 2 },
    );
    const t = range(100, 2);
    const rows = await tb.debug.compute(t.select({ y: slow(t.x) }), { threads });
    expect(rows).toHaveLength(100);
    expect(peak).toBeLessThanOrEqual(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it("the event loop stays responsive while a function-heavy pipeline runs", async () => {
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(Date.now()), 5);
    const heavy = tb.udf(
      (x: number) => {
        let h = x;
        for (let i = 0; i < 200; i++) h = (h * 31 + i) % 1_000_003;
        return h;
      },
      { returns: tb.types.int },
    );
    const waits = tb.udf(
      async (xs: number[]) => {
        await sleep(2);
        return xs.map((x) => x + 1);
      },
      { returns: tb.types.int, batch: { maxSize: 500 } },
    );
    const lines = ["x", ...Array.from({ length: 100_000 }, (_, i) => String(i))];
    const path = writeFile(join(tmpDir(), "numbers.csv"), `${lines.join("\n")}\n`);
    const t = tb.io.csv.read(path, { schema: Nums, mode: "static" });
    const r = t.select({ h: heavy(t.x), w: waits(t.x) }).reduce({ n: tb.reducers.count() });
    const running = tb.debug.compute(r, { threads });
    const started = Date.now();
    const rows = await running;
    const elapsed = Date.now() - started;
    clearInterval(timer);
    expect(rows).toEqual([{ n: 100_000 }]);
    const during = ticks.filter((t) => t >= started);
    // The timer keeps firing while the engine and the functions work: at least a tick per
    // 100 ms of run time, and no gap of more than 150 ms (a function's rows run in slices of
    // a few ms; one crossing of 16K rows of `heavy` held the loop for 100-190 ms here, and
    // over 400 ms on a loaded machine, before they did).
    expect(elapsed).toBeGreaterThan(100);
    expect(during.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 100));
    let gap = 0;
    for (let i = 1; i < during.length; i++) gap = Math.max(gap, during[i]! - during[i - 1]!);
    expect(gap).toBeLessThan(150);
  });
});
