/**
 * `tb.io.subscribe(table, { onBatch })`: each closed time's changes as one columnar batch
 * (numbers as Float64Array), the same changes, ids and order as the row-by-row form.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { THREADS } from "../helpers.js";

const KV = tb.schema({ k: tb.types.str, v: tb.types.int });

function totals() {
  const t = tb.debug.tableFromMarkdown(
    `
    k  | v | __time__ | __diff__
    a  | 1 | 2        | 1
    bé | 2 | 2        | 1
    a  | 1 | 4        | -1
    a  | 5 | 4        | 1
    bé | 2 | 6        | -1
  `,
    { schema: KV },
  );
  return t.groupBy(t.k).reduce({ k: t.k, total: tb.reducers.sum(t.v) });
}

type Seen = { key: string; k: string; total: number; time: number; isAddition: boolean };

describe.each(THREADS)("threads=%i", (threads) => {
  it("delivers one batch per time with typed number columns, deletions first", async () => {
    const batches: {
      time: number;
      diffs: number[];
      k: string[];
      total: number[];
      isTyped: boolean;
    }[] = [];
    tb.io.subscribe(totals(), {
      onBatch: (batch) => {
        batches.push({
          time: batch.time,
          diffs: Array.from(batch.diffs),
          k: Array.from(batch.columns.k),
          total: Array.from(batch.columns.total),
          isTyped: batch.columns.total instanceof Float64Array,
        });
      },
    });
    await tb.run({ threads });
    expect(batches).toEqual([
      { time: 2, diffs: [1, 1], k: ["a", "bé"], total: [1, 2], isTyped: true },
      { time: 4, diffs: [-1, 1], k: ["a", "a"], total: [1, 5], isTyped: true },
      { time: 6, diffs: [-1], k: ["bé"], total: [2], isTyped: true },
    ]);
  });

  it("gives the same changes and ids as the row-by-row subscriber", async () => {
    const rows: Seen[] = [];
    const columnar: Seen[] = [];
    const fromBatches: Seen[] = [];
    tb.io.subscribe(totals(), {
      onChange: ({ key, row, time, isAddition }) => rows.push({ key, ...row, time, isAddition }),
    });
    await tb.run({ threads });
    tb.io.subscribe(totals(), {
      onBatch: (batch) => {
        const ids = batch.ids();
        for (let i = 0; i < batch.length; i++) {
          fromBatches.push({
            key: ids[i] ?? "",
            k: batch.columns.k[i] ?? "",
            total: batch.columns.total[i] ?? Number.NaN,
            time: batch.time,
            isAddition: (batch.diffs[i] ?? 0) > 0,
          });
        }
      },
      onChange: ({ key, row, time, isAddition }) =>
        columnar.push({ key, ...row, time, isAddition }),
    });
    await tb.run({ threads });
    expect(rows).toHaveLength(5);
    expect(columnar).toEqual(rows);
    expect(fromBatches).toEqual(rows);
  });

  it("falls back to decoded arrays for nulls, errors, booleans, big ints and datetimes", async () => {
    const t = tb.debug.tableFromMarkdown(
      `
      a | b | __time__
      6 | 3 | 2
      1 | 0 | 2
    `,
      { schema: tb.schema({ a: tb.types.int, b: tb.types.int }) },
    );
    const out = t.select({
      ratio: t.a.div(t.b),
      maybe: tb.ifElse(t.b.eq(0), null, t.a),
      flag: t.a.gt(2),
      big: t.a.mul(2n ** 60n),
      at: tb.lit(new Date(0)),
    });
    const seen: Record<string, unknown[]> = {};
    tb.io.subscribe(out, {
      onBatch: (batch) => {
        for (const [name, column] of Object.entries(batch.columns)) {
          seen[name] = [...(seen[name] ?? []), ...Array.from(column as ArrayLike<unknown>)];
        }
      },
    });
    await tb.run({ threads });
    const order = seen.flag?.[0] === true ? [0, 1] : [1, 0];
    const pick = (name: string) => order.map((i) => seen[name]?.[i]);
    expect(pick("flag")).toEqual([true, false]);
    expect(pick("ratio")).toEqual([2, tb.ErrorValue]);
    expect(pick("maybe")).toEqual([6, null]);
    expect(pick("big")).toEqual([6n * 2n ** 60n, 2n ** 60n]);
    expect(pick("at")).toEqual([new Date(0), new Date(0)]);
  });

  it("carries a large time in one batch whose sums match the input", async () => {
    const n = 20_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const t = tb.debug.tableFromColumns(tb.schema({ x: tb.types.float }), { x });
    let count = 0;
    let sum = 0;
    let batches = 0;
    tb.io.subscribe(t.select({ y: t.x.mul(2) }), {
      onBatch: (batch) => {
        batches++;
        count += batch.length;
        batch.columns.y.forEach((y) => {
          sum += y;
        });
      },
    });
    await tb.run({ threads });
    expect(batches).toBe(1);
    expect(count).toBe(n);
    expect(sum).toBe(n * (n - 1));
  });
});
