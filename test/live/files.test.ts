/**
 * Live files: a streaming reader watches a directory; new files and appended lines update the
 * results commit by commit; a rewritten or deleted file retracts its old rows.
 */
import { appendFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { THREADS, tmpDir } from "../helpers.js";

const Sale = tb.schema({ shop: tb.types.str, amount: tb.types.int });

/** Polls `probe` until it holds or the time is up. */
async function until(probe: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("follows new files, appended lines, rewrites and deletions", async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "a.jsonl"), '{"shop":"x","amount":1}\n{"shop":"y","amount":2}\n');
    const sales = tb.io.jsonlines.read(dir, { schema: Sale, mode: "streaming", autocommitMs: 30 });
    const totals = sales.groupBy(sales.shop).reduce({ shop: sales.shop, total: tb.reducers.sum(sales.amount) });
    const state = new Map<string, number>();
    const times: number[] = [];
    tb.io.subscribe(totals, {
      onChange: ({ row, isAddition }) => {
        if (isAddition) state.set(row.shop, row.total);
        else if (state.get(row.shop) === row.total) state.delete(row.shop);
      },
      onTimeEnd: (time) => times.push(time),
    });
    const handle = tb.start({ threads });
    try {
      await until(() => state.get("x") === 1 && state.get("y") === 2, "the first file");
      appendFileSync(join(dir, "a.jsonl"), '{"shop":"x","amount":10}\n{"shop":"z",');
      await until(() => state.get("x") === 11, "the appended line");
      expect(state.has("z")).toBe(false); // the partial line waits for its newline
      appendFileSync(join(dir, "a.jsonl"), '"amount":7}\n');
      await until(() => state.get("z") === 7, "the completed line");
      writeFileSync(join(dir, "b.jsonl"), '{"shop":"y","amount":40}\n');
      await until(() => state.get("y") === 42, "the new file");
      rmSync(join(dir, "b.jsonl"));
      await until(() => state.get("y") === 2, "the deletion's retraction");
      writeFileSync(join(dir, "a.jsonl"), '{"shop":"x","amount":5}\n');
      await until(() => state.get("x") === 5 && !state.has("z") && !state.has("y"), "the rewrite");
    } finally {
      await handle.stop();
    }
    expect(times.length).toBeGreaterThanOrEqual(5);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(new Set(times).size).toBe(times.length);
  });

  it("a file source in static mode ends the run by itself", async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "a.jsonl"), '{"shop":"x","amount":1}\n');
    const sales = tb.io.jsonlines.read(dir, { schema: Sale, mode: "static" });
    let ended = false;
    tb.io.subscribe(sales, { onEnd: () => (ended = true) });
    await tb.run({ threads });
    expect(ended).toBe(true);
  });
});
