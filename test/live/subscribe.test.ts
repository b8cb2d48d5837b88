/**
 * `tb.io.subscribe`: every change of a closed time, deletions first, then `onTimeEnd`, and
 * `onEnd` last — before `tb.run()` resolves. Also `tb.start()` handles.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { THREADS } from "../helpers.js";

type Event =
  | { kind: "change"; row: { k: string; total: number }; time: number; isAddition: boolean }
  | { kind: "timeEnd"; time: number }
  | { kind: "end" };

const KV = tb.schema({ k: tb.types.str, v: tb.types.int });

function totals() {
  const t = tb.debug.tableFromMarkdown(
    `
    k | v | __time__ | __diff__
    a | 1 | 2        | 1
    b | 2 | 2        | 1
    a | 1 | 4        | -1
    a | 5 | 4        | 1
    b | 2 | 6        | -1
  `,
    { schema: KV },
  );
  return t.groupBy(t.k).reduce({ k: t.k, total: tb.reducers.sum(t.v) });
}

function record(events: Event[]): tb.SubscribeCallbacks<{ k: string; total: number }> {
  return {
    onChange: ({ row, time, isAddition }) => events.push({ kind: "change", row, time, isAddition }),
    onTimeEnd: (time) => events.push({ kind: "timeEnd", time }),
    onEnd: () => events.push({ kind: "end" }),
  };
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("delivers each time's changes, deletions first, then onTimeEnd, then onEnd before run resolves", async () => {
    const events: Event[] = [];
    tb.io.subscribe(totals(), record(events));
    await tb.run({ threads });
    expect(events).toEqual([
      { kind: "change", row: { k: "a", total: 1 }, time: 2, isAddition: true },
      { kind: "change", row: { k: "b", total: 2 }, time: 2, isAddition: true },
      { kind: "timeEnd", time: 2 },
      { kind: "change", row: { k: "a", total: 1 }, time: 4, isAddition: false },
      { kind: "change", row: { k: "a", total: 5 }, time: 4, isAddition: true },
      { kind: "timeEnd", time: 4 },
      { kind: "change", row: { k: "b", total: 2 }, time: 6, isAddition: false },
      { kind: "timeEnd", time: 6 },
      { kind: "end" },
    ]);
  });

  it("gives each change the row's id, stable across runs", async () => {
    const first: string[] = [];
    const second: string[] = [];
    tb.io.subscribe(totals(), { onChange: ({ key }) => first.push(key) });
    await tb.run({ threads });
    tb.io.subscribe(totals(), { onChange: ({ key }) => second.push(key) });
    await tb.run({ threads });
    expect(first).toHaveLength(5);
    expect(new Set(first).size).toBe(2);
    expect(second).toEqual(first);
  });

  it("several subscribers in one run each see their own table", async () => {
    const a: Event[] = [];
    const b: number[] = [];
    const t = totals();
    tb.io.subscribe(t, record(a));
    tb.io.subscribe(
      t.filter(t.total.gt(1)),
      { onChange: ({ row, isAddition }) => b.push(isAddition ? row.total : -row.total) },
    );
    await tb.run({ threads });
    expect(a.filter((e) => e.kind === "change")).toHaveLength(5);
    expect(b).toEqual([2, 5, -2]);
  });

  it("a throwing callback is reported and the pipeline goes on", async () => {
    const seen: number[] = [];
    const original = console.error;
    const reported: unknown[] = [];
    console.error = (...args: unknown[]) => reported.push(args);
    try {
      tb.io.subscribe(totals(), {
        onChange: ({ time }) => {
          seen.push(time);
          if (time === 2) throw new Error("boom");
        },
      });
      await tb.run({ threads });
    } finally {
      console.error = original;
    }
    expect(seen).toEqual([2, 2, 4, 4, 6]);
    expect(reported.length).toBe(2);
  });

  it("tb.start returns a handle whose done resolves after the last event", async () => {
    const events: Event[] = [];
    tb.io.subscribe(totals(), record(events));
    const handle = tb.start({ threads });
    expect(events).toEqual([]);
    await handle.done;
    expect(events.at(-1)).toEqual({ kind: "end" });
    await handle.stop();
  });
});
