/**
 * Eager commits: a commit that holds data closes as soon as its sources have caught up, so live
 * rows reach the outputs without waiting for `autocommitMs` (here 10 minutes, far longer than
 * any test runs: with commits on wall-clock boundaries only, nothing below could complete).
 * Each step waits for the previous step's output before feeding more, so the expected change
 * streams, one time per step, are deterministic.
 */
import { appendFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { THREADS, tmpDir } from "../helpers.js";

const LONG_COMMIT_MS = 600_000;
const Word = tb.schema({ word: tb.types.str, n: tb.types.int });

/** Polls `probe` until it holds or the time is up (a hang would be the failure, not slowness). */
async function until(probe: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Records each output time's changes as sorted `±word=total` strings. */
function recorder(table: tb.Table<{ word: string; total: number }>) {
  const times: Array<{ time: number; changes: string[] }> = [];
  let current: string[] = [];
  tb.io.subscribe(table, {
    onChange: ({ row, isAddition }) =>
      current.push(`${isAddition ? "+" : "-"}${row.word}=${row.total}`),
    onTimeEnd: (time) => {
      times.push({ time, changes: current.sort() });
      current = [];
    },
  });
  return times;
}

/** Pushes each batch without ever calling `commit()`, waiting for its output before the next. */
class Stepped extends tb.io.ConnectorSubject<{ word: string; n: number }> {
  constructor(
    private readonly batches: Array<Array<{ word: string; n: number }>>,
    private readonly seen: () => number,
  ) {
    super();
  }
  async run(): Promise<void> {
    for (const [i, batch] of this.batches.entries()) {
      for (const row of batch) this.next(row);
      await until(() => this.seen() > i, `the output of batch ${i}`);
    }
  }
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("rows of an idle custom source reach the output without commit() or autocommitMs", async () => {
    let times: Array<{ time: number; changes: string[] }> = [];
    const subject = new Stepped(
      [
        [
          { word: "a", n: 1 },
          { word: "b", n: 2 },
        ],
        [{ word: "a", n: 10 }],
        [{ word: "c", n: 5 }],
      ],
      () => times.length,
    );
    const words = tb.io.custom.read(subject, { schema: Word, autocommitMs: LONG_COMMIT_MS });
    const totals = words
      .groupBy(words.word)
      .reduce({ word: words.word, total: tb.reducers.sum(words.n) });
    times = recorder(totals);
    await tb.run({ threads });
    expect(times.map((t) => t.changes)).toEqual([["+a=1", "+b=2"], ["+a=11", "-a=1"], ["+c=5"]]);
    const stamps = times.map((t) => t.time);
    expect([...stamps].sort((x, y) => x - y)).toEqual(stamps);
    expect(new Set(stamps).size).toBe(stamps.length);
  });

  it("lines appended to a watched file show up commit by commit while the file stays open", async () => {
    const dir = tmpDir();
    const path = join(dir, "words.jsonl");
    writeFileSync(path, '{"word":"a","n":1}\n{"word":"b","n":2}\n');
    const words = tb.io.jsonlines.read(path, {
      schema: Word,
      mode: "streaming",
      autocommitMs: LONG_COMMIT_MS,
    });
    const totals = words
      .groupBy(words.word)
      .reduce({ word: words.word, total: tb.reducers.sum(words.n) });
    const times = recorder(totals);
    const handle = tb.start({ threads });
    try {
      await until(() => times.length >= 1, "the first lines");
      appendFileSync(path, '{"word":"a","n":10}\n{"word":"c",');
      await until(() => times.length >= 2, "the appended line");
      appendFileSync(path, '"n":5}\n');
      await until(() => times.length >= 3, "the completed line");
      // Replaced in one step (a new file renamed over it), so the rewrite is seen whole.
      writeFileSync(join(dir, ".next"), '{"word":"c","n":7}\n');
      renameSync(join(dir, ".next"), path);
      await until(() => times.length >= 4, "the rewrite");
    } finally {
      await handle.stop();
    }
    expect(times.map((t) => t.changes)).toEqual([
      ["+a=1", "+b=2"],
      ["+a=11", "-a=1"],
      ["+c=5"],
      // The rewrite retracts every row read before (from the reader's copy) and adds the new one.
      ["+c=7", "-a=11", "-b=2", "-c=5"],
    ]);
    const stamps = times.map((t) => t.time);
    expect([...stamps].sort((x, y) => x - y)).toEqual(stamps);
    expect(new Set(stamps).size).toBe(stamps.length);
  });
});
