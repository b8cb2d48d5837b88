/**
 * Randomized checks against brute-force answers: interval and as-of joins over a few hundred
 * rows with several keys, inserted over several commits with retractions; the final rows must
 * equal what a nested loop over the live rows gives.
 */

import * as tb from "tributary";
import { describe, it } from "vitest";
import { expectRows, THREADS } from "../helpers.js";

interface Rec {
  id: number;
  k: string;
  at: number;
  time: number;
  diff: 1 | -1;
}

/** A deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rows inserted at times 2..10, some retracted later (`distinct`: no two share a time). */
function updates(seed: number, n: number, distinct = false): Rec[] {
  const next = random(seed);
  const out: Rec[] = [];
  const used = new Set<number>();
  for (let id = 0; id < n; id++) {
    let at = Math.floor(next() * 400) - 100;
    while (distinct && used.has(at)) at += 1;
    used.add(at);
    const rec: Rec = {
      id,
      k: "abc"[Math.floor(next() * 3)]!,
      at,
      time: 2 + 2 * Math.floor(next() * 5),
      diff: 1,
    };
    out.push(rec);
    if (next() < 0.2)
      out.push({ ...rec, time: rec.time + 2 + 2 * Math.floor(next() * 3), diff: -1 });
  }
  return out;
}

function markdown(rows: Rec[]): string {
  return [
    "id | n | k | at | __time__ | __diff__",
    ...rows.map((r) => `${r.id} | ${r.id} | ${r.k} | ${r.at} | ${r.time} | ${r.diff}`),
  ].join("\n");
}

const live = (rows: Rec[]): Rec[] => {
  const gone = new Set(rows.filter((r) => r.diff < 0).map((r) => r.id));
  return rows.filter((r) => r.diff > 0 && !gone.has(r.id));
};

describe.each(THREADS)("threads=%i", (threads) => {
  const L = updates(7, 150);
  // Distinct right times: ties between right rows are broken by (hashed) row id, which a
  // nested loop over numbers cannot mirror.
  const R = updates(11, 150, true);
  const t = () => tb.debug.tableFromMarkdown(markdown(L));
  const u = () => tb.debug.tableFromMarkdown(markdown(R));

  it("intervalJoin (outer) equals the nested loop", async () => {
    const [lo, hi] = [-7, 12];
    const a = t();
    const b = u();
    const joined = a
      .intervalJoin(b, a.at, b.at, tb.temporal.interval(lo, hi), a.k.eq(b.k), { how: "outer" })
      .select({ l: tb.left.n, r: tb.right.n });
    const ls = live(L);
    const rs = live(R);
    const expected: Array<{ l: number | null; r: number | null }> = [];
    for (const l of ls) {
      for (const r of rs) {
        if (l.k === r.k && r.at - l.at >= lo && r.at - l.at <= hi)
          expected.push({ l: l.id, r: r.id });
      }
    }
    for (const l of ls)
      if (!expected.some((p) => p.l === l.id)) expected.push({ l: l.id, r: null });
    for (const r of rs)
      if (!expected.some((p) => p.r === r.id)) expected.push({ l: null, r: r.id });
    expectRows(await tb.debug.compute(joined, { threads }), expected);
  });

  it("asofJoin (left, backward and nearest) equals the nested loop", async () => {
    const ls = live(L);
    const rs = live(R);
    for (const direction of ["backward", "nearest"] as const) {
      const a = t();
      const b = u();
      const joined = a
        .asofJoin(b, a.at, b.at, a.k.eq(b.k), { how: "left", direction })
        .select({ l: tb.left.n, r: tb.right.n });
      const expected = ls.map((l) => {
        let best: Rec | undefined;
        const better = (r: Rec): boolean => {
          if (!best) return true;
          if (direction === "backward")
            return r.at > best.at || (r.at === best.at && r.id > best.id);
          const d = Math.abs(r.at - l.at);
          const e = Math.abs(best.at - l.at);
          if (d !== e) return d < e;
          if (r.at !== best.at) return r.at < best.at;
          // same time: backward side keeps the larger id, forward side the smaller one
          return r.at <= l.at ? r.id > best.id : r.id < best.id;
        };
        for (const r of rs) {
          if (r.k !== l.k) continue;
          if (direction === "backward" && r.at > l.at) continue;
          if (better(r)) best = r;
        }
        return { l: l.id, r: best ? best.id : null };
      });
      expectRows(await tb.debug.compute(joined, { threads }), expected);
    }
  });
});
