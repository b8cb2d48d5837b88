/**
 * Live input from JavaScript (`tb.io.custom.read` + `tb.io.ConnectorSubject`): rows pushed
 * while the pipeline runs flow through stateful operators commit by commit, explicit commits
 * close times, and `stop()` ends a live pipeline cleanly.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { THREADS } from "../helpers.js";

const Word = tb.schema({ word: tb.types.str, n: tb.types.int });

/** Sends the given batches, committing after each one, then ends. */
class Batches extends tb.io.ConnectorSubject<{ word: string; n: number }> {
  constructor(private readonly batches: Array<Array<{ word: string; n: number }>>) {
    super();
  }
  async run(): Promise<void> {
    for (const batch of this.batches) {
      for (const row of batch) this.next(row);
      this.commit();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Never ends by itself: produces a row every few ms until the pipeline stops. */
class Ticker extends tb.io.ConnectorSubject<{ word: string; n: number }> {
  sent = 0;
  private halted = false;
  async run(): Promise<void> {
    while (!this.halted && !this.stopped && this.sent < 10_000) {
      this.next({ word: this.sent % 2 === 0 ? "even" : "odd", n: 1 });
      this.sent += 1;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  halt(): void {
    this.halted = true;
  }
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("each commit of the subject becomes one time of the output, with retractions of old results", async () => {
    const words = tb.io.custom.read(
      new Batches([
        [
          { word: "a", n: 1 },
          { word: "b", n: 2 },
        ],
        [{ word: "a", n: 10 }],
        [{ word: "c", n: 5 }],
      ]),
      { schema: Word, autocommitMs: 60_000 },
    );
    const totals = words.groupBy(words.word).reduce({ word: words.word, total: tb.reducers.sum(words.n) });
    const times: Array<Array<[string, number, boolean]>> = [];
    let current: Array<[string, number, boolean]> = [];
    tb.io.subscribe(totals, {
      onChange: ({ row, isAddition }) => current.push([row.word, row.total, isAddition]),
      onTimeEnd: () => {
        times.push(current.sort());
        current = [];
      },
    });
    await tb.run({ threads });
    expect(times).toEqual([
      [
        ["a", 1, true],
        ["b", 2, true],
      ],
      [
        ["a", 1, false],
        ["a", 11, true],
      ],
      [["c", 5, true]],
    ]);
  });

  it("a live pipeline keeps updating until stop(), then flushes and ends", async () => {
    const ticker = new Ticker();
    const rows = tb.io.custom.read(ticker, { schema: Word, autocommitMs: 20 });
    const counts = rows.groupBy(rows.word).reduce({ word: rows.word, count: tb.reducers.count() });
    const latest = new Map<string, number>();
    let timesSeen = 0;
    let ended = false;
    tb.io.subscribe(counts, {
      onChange: ({ row, isAddition }) => {
        if (isAddition) latest.set(row.word, row.count);
      },
      onTimeEnd: () => {
        timesSeen += 1;
      },
      onEnd: () => {
        ended = true;
      },
    });
    const handle = tb.start({ threads });
    const deadline = Date.now() + 10_000;
    while (timesSeen < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(timesSeen).toBeGreaterThanOrEqual(3);
    ticker.halt();
    await handle.stop();
    expect(ended).toBe(true);
    const total = (latest.get("even") ?? 0) + (latest.get("odd") ?? 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(ticker.sent);
  });

  it("a row of the wrong type becomes an error value and an error-log entry", async () => {
    class Mixed extends tb.io.ConnectorSubject<{ word: string; n: number }> {
      run(): void {
        this.next({ word: "ok", n: 1 });
        this.next({ word: "bad", n: "seven" as unknown as number });
      }
    }
    const rows = tb.io.custom.read(new Mixed(), { schema: Word });
    const result = await tb.debug.compute(rows.select({ word: rows.word, n: rows.n }), { threads });
    const bad = result.find((r) => r.word === "bad");
    expect(result.find((r) => r.word === "ok")?.n).toBe(1);
    expect(bad?.n).toBe(tb.ErrorValue);
  });
});
