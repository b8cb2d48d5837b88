/**
 * tb.debug.compute / computeChanges / computeAndPrint, `withIds`, and the
 * `TRIBUTARY_THREADS` default worker count.
 */

import { join } from "node:path";
import * as tb from "tributary";
import { afterEach, describe, expect, it } from "vitest";
import {
  captureStdout,
  change,
  expectChanges,
  expectRows,
  readJsonLines,
  replay,
  THREADS,
  tmpDir,
} from "../helpers.js";

const fixture = () =>
  tb.debug.tableFromMarkdown(`
    word  | n | __time__ | __diff__
    apple | 1 | 2        | 1
    pear  | 2 | 2        | 1
    apple | 3 | 4        | 1
    pear  | 2 | 6        | -1
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("compute returns the final rows; computeChanges the whole stream in time order", async () => {
    const t = fixture();
    const r = t.groupBy(t.word).reduce({ word: tb.this.word, total: tb.reducers.sum(tb.this.n) });
    expectRows(await tb.debug.compute(r, { threads }), [{ word: "apple", total: 4 }]);
    const changes = await tb.debug.computeChanges(r, { threads });
    expectChanges(changes, [
      change({ word: "apple", total: 1 }, 2, 1),
      change({ word: "pear", total: 2 }, 2, 1),
      change({ word: "apple", total: 1 }, 4, -1),
      change({ word: "apple", total: 4 }, 4, 1),
      change({ word: "pear", total: 2 }, 6, -1),
    ]);
    expectRows(replay(changes), await tb.debug.compute(r, { threads }));
  });

  it("withIds adds the row id to compute and computeChanges rows", async () => {
    const t = fixture();
    const rows = await tb.debug.compute(t, { threads, withIds: true });
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(["id", "n", "word"]);
    const changes = await tb.debug.computeChanges(t, { threads, withIds: true });
    for (const c of changes) {
      expect(Object.keys(c).sort()).toEqual(["__diff__", "__time__", "id", "n", "word"]);
    }
    const pear = changes.filter((c) => c.word === "pear");
    expect(pear).toHaveLength(2);
    expect(pear[0]!.id).toEqual(pear[1]!.id);
    const ids = new Set(rows.map((r) => JSON.stringify(r.id)));
    expect(ids.size).toBe(2);
    const none = await tb.debug.compute(t, { threads });
    for (const row of none) expect(row).not.toHaveProperty("id");
  });

  it("computeAndPrint prints a markdown table of the rows", async () => {
    const t = tb.debug.tableFromMarkdown(`
      fruit      | qty
      clementine | 7
      quince     | 11
    `);
    const out = await captureStdout(() => tb.debug.computeAndPrint(t, { threads }));
    const lines = out.split("\n").filter((l) => l.trim().length > 0);
    const header = lines.find((l) => l.includes("fruit"));
    expect(header, out).toBeDefined();
    expect(header!).toContain("|");
    expect(header!).toContain("qty");
    const rowLine = (word: string) => lines.find((l) => l.includes(word));
    expect(rowLine("clementine"), out).toBeDefined();
    expect(rowLine("clementine")!).toMatch(/\|\s*7\b/);
    expect(rowLine("quince")!).toMatch(/\|\s*11\b/);
    const dataLines = lines.filter((l) => l.includes("clementine") || l.includes("quince"));
    expect(dataLines).toHaveLength(2);
  });

  it("the same table can be computed again, with the same result", async () => {
    const t = fixture();
    const r = t.filter(t.n.gt(1));
    const first = await tb.debug.computeChanges(r, { threads, withIds: true });
    const second = await tb.debug.computeChanges(r, { threads, withIds: true });
    expectChanges(first, second);
  });

  it("an empty result is an empty array", async () => {
    const t = fixture();
    expect(await tb.debug.compute(t.filter(t.n.gt(100)), { threads })).toEqual([]);
    expect(await tb.debug.computeChanges(t.filter(t.n.gt(100)), { threads })).toEqual([]);
  });
  it("computations can run concurrently and do not block the event loop", async () => {
    const S = tb.schema({ k: tb.types.int, v: tb.types.int });
    const rows = Array.from({ length: 20000 }, (_, i) => ({ k: i % 100, v: i }));
    const big = tb.debug.tableFromRows(S, rows);
    const summed = big.reduce({ n: tb.reducers.count(), s: tb.reducers.sum(big.v) });
    const small = fixture();
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const [a, b] = await Promise.all([
      tb.debug.compute(summed, { threads }),
      tb.debug.compute(small.select({ w: small.word }), { threads }),
    ]);
    running = false;
    expectRows(a, [{ n: 20000, s: (19999 * 20000) / 2 }]);
    expectRows(b, [{ w: "apple" }, { w: "apple" }]);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe.each(["1", "2"])("TRIBUTARY_THREADS=%s", (value) => {
  const saved = process.env.TRIBUTARY_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.TRIBUTARY_THREADS;
    else process.env.TRIBUTARY_THREADS = saved;
  });

  it("sets the default worker count of compute*", async () => {
    process.env.TRIBUTARY_THREADS = value;
    const t = fixture();
    const r = t.groupBy(t.word).reduce({ word: tb.this.word, total: tb.reducers.sum(tb.this.n) });
    expectRows(await tb.debug.compute(r), [{ word: "apple", total: 4 }]);
    expectChanges(await tb.debug.computeChanges(t.select({ w: t.word })), [
      change({ w: "apple" }, 2, 1),
      change({ w: "pear" }, 2, 1),
      change({ w: "apple" }, 4, 1),
      change({ w: "pear" }, 6, -1),
    ]);
  });

  it("sets the default worker count of tb.run", async () => {
    process.env.TRIBUTARY_THREADS = value;
    const dir = tmpDir();
    const path = join(dir, "out.jsonl");
    const t = fixture();
    tb.io.jsonlines.write(
      t.groupBy(t.word).reduce({ word: tb.this.word, total: tb.reducers.sum(tb.this.n) }),
      path,
    );
    await tb.run();
    const lines = readJsonLines(path);
    expect(lines.reduce((acc, l) => acc + (l.diff as number), 0)).toBe(1);
    expect(lines).toHaveLength(5);
  });
});
