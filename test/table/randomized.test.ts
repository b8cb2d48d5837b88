/**
 * Seeded random change sequences checked against a JavaScript oracle: after every commit the
 * output changes replayed so far must equal the operator applied to the input alive at that
 * time (groupBy/reduce, filter, inner and left joins), on 1 and 2 workers.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import {
  type AnyChange,
  type AnyRow,
  canon,
  replay,
  seededRandom,
  sortRows,
  THREADS,
} from "../helpers.js";

interface Event {
  row: { k: string; v: number };
  time: number;
  diff: 1 | -1;
}

/** Random inserts and retractions of live rows over `commits` even times. */
function randomEvents(seed: number, commits: number, keys: number): Event[] {
  const next = seededRandom(seed);
  const live: Array<{ k: string; v: number }> = [];
  const events: Event[] = [];
  for (let c = 1; c <= commits; c++) {
    const time = 2 * c;
    const inserts = 1 + Math.floor(next() * 4);
    for (let i = 0; i < inserts; i++) {
      const row = { k: `k${Math.floor(next() * keys)}`, v: Math.floor(next() * 11) - 5 };
      live.push(row);
      events.push({ row, time, diff: 1 });
    }
    const deletes = Math.floor(next() * 3);
    for (let i = 0; i < deletes && live.length > 0; i++) {
      const [row] = live.splice(Math.floor(next() * live.length), 1);
      events.push({ row: row!, time, diff: -1 });
    }
  }
  return events;
}

function toMarkdown(events: readonly Event[]): string {
  const lines = ["k | v | __time__ | __diff__"];
  for (const e of events) lines.push(`${e.row.k} | ${e.row.v} | ${e.time} | ${e.diff}`);
  return lines.join("\n");
}

/** The input rows alive after `time`. */
function aliveAt(events: readonly Event[], time: number): Array<{ k: string; v: number }> {
  const out: Array<{ k: string; v: number }> = [];
  for (const e of events) {
    if (e.time > time) continue;
    if (e.diff === 1) out.push(e.row);
    else {
      const i = out.findIndex((r) => r.k === e.row.k && r.v === e.row.v);
      out.splice(i, 1);
    }
  }
  return out;
}

/**
 * Checks, for every commit time, that the changes up to that time replay to the oracle's
 * result on the input alive at that time.
 */
function checkEveryTime(
  changes: readonly AnyChange[],
  times: readonly number[],
  oracle: (time: number) => AnyRow[],
): void {
  for (const time of times) {
    const upTo = changes.filter((c) => c.__time__ <= time);
    expect(sortRows(replay(upTo)).map(canon), `state at time ${time}`).toEqual(
      sortRows(oracle(time)).map(canon),
    );
  }
}

function groupOracle(rows: ReadonlyArray<{ k: string; v: number }>): AnyRow[] {
  const groups = new Map<string, number[]>();
  for (const r of rows) groups.set(r.k, [...(groups.get(r.k) ?? []), r.v]);
  return [...groups.entries()].map(([k, vs]) => ({
    k,
    n: vs.length,
    s: vs.reduce((a, b) => a + b, 0),
    lo: Math.min(...vs),
    hi: Math.max(...vs),
    d: new Set(vs).size,
    sorted: [...vs].sort((a, b) => a - b),
  }));
}

const SEEDS = [1, 7, 42];

describe.each(THREADS)("threads=%i", (threads) => {
  it.each(SEEDS)("groupBy/reduce matches the oracle after every commit (seed %i)", async (seed) => {
    const events = randomEvents(seed, 12, 4);
    const times = [...new Set(events.map((e) => e.time))];
    const t = tb.debug.tableFromMarkdown(toMarkdown(events));
    const r = t.groupBy(t.k).reduce({
      k: tb.this.k,
      n: tb.reducers.count(),
      s: tb.reducers.sum(tb.this.v),
      lo: tb.reducers.min(tb.this.v),
      hi: tb.reducers.max(tb.this.v),
      d: tb.reducers.countDistinct(tb.this.v),
      sorted: tb.reducers.sortedTuple(tb.this.v),
    });
    const changes = await tb.debug.computeChanges(r, { threads });
    checkEveryTime(changes, times, (time) => groupOracle(aliveAt(events, time)));
    expect(sortRows(await tb.debug.compute(r, { threads })).map(canon)).toEqual(
      sortRows(groupOracle(aliveAt(events, Math.max(...times)))).map(canon),
    );
  });

  it.each(SEEDS)(
    "filter and select match the oracle after every commit (seed %i)",
    async (seed) => {
      const events = randomEvents(seed + 100, 10, 3);
      const times = [...new Set(events.map((e) => e.time))];
      const t = tb.debug.tableFromMarkdown(toMarkdown(events));
      const r = t.filter(t.v.gt(0)).select({ k: t.k, w: t.v.mul(3) });
      const changes = await tb.debug.computeChanges(r, { threads });
      checkEveryTime(changes, times, (time) =>
        aliveAt(events, time)
          .filter((row) => row.v > 0)
          .map((row) => ({ k: row.k, w: row.v * 3 })),
      );
    },
  );

  it.each(SEEDS)(
    "inner and left joins match the oracle after every commit (seed %i)",
    async (seed) => {
      const left = randomEvents(seed + 200, 8, 4);
      const right = randomEvents(seed + 300, 8, 4);
      const times = [...new Set([...left, ...right].map((e) => e.time))].sort((a, b) => a - b);
      const t = tb.debug.tableFromMarkdown(toMarkdown(left));
      const u = tb.debug.tableFromMarkdown(toMarkdown(right));
      const inner = t.join(u, t.k.eq(u.k)).select({ k: tb.left.k, a: tb.left.v, b: tb.right.v });
      const leftJoin = t
        .joinLeft(u, t.k.eq(u.k))
        .select({ k: tb.left.k, a: tb.left.v, b: tb.right.v });
      const innerOracle = (time: number) => {
        const out: AnyRow[] = [];
        for (const l of aliveAt(left, time)) {
          for (const r of aliveAt(right, time))
            if (l.k === r.k) out.push({ k: l.k, a: l.v, b: r.v });
        }
        return out;
      };
      const leftOracle = (time: number) => {
        const rs = aliveAt(right, time);
        const out: AnyRow[] = [];
        for (const l of aliveAt(left, time)) {
          const matches = rs.filter((r) => r.k === l.k);
          if (matches.length === 0) out.push({ k: l.k, a: l.v, b: null });
          for (const r of matches) out.push({ k: l.k, a: l.v, b: r.v });
        }
        return out;
      };
      checkEveryTime(await tb.debug.computeChanges(inner, { threads }), times, innerOracle);
      checkEveryTime(await tb.debug.computeChanges(leftJoin, { threads }), times, leftOracle);
    },
  );

  it("a larger table: groupBy over 5000 rows from tableFromRows", async () => {
    const next = seededRandom(99);
    const S = tb.schema({ k: tb.types.int, v: tb.types.int });
    const rows = Array.from({ length: 5000 }, () => ({
      k: Math.floor(next() * 50),
      v: Math.floor(next() * 1000) - 500,
    }));
    const t = tb.debug.tableFromRows(S, rows);
    const r = t.groupBy(t.k).reduce({
      k: tb.this.k,
      n: tb.reducers.count(),
      s: tb.reducers.sum(tb.this.v),
    });
    const expected = new Map<number, { k: number; n: number; s: number }>();
    for (const row of rows) {
      const g = expected.get(row.k) ?? { k: row.k, n: 0, s: 0 };
      g.n += 1;
      g.s += row.v;
      expected.set(row.k, g);
    }
    expect(sortRows(await tb.debug.compute(r, { threads })).map(canon)).toEqual(
      sortRows([...expected.values()]).map(canon),
    );
  });
});
