/**
 * Pathway's integer PageRank on `tb.iterate` (5 rounds): start rank 6000, a vertex sends
 * `rank * 5 // (outDegree * 6)` along each out-edge, and its next rank is its inflow + 1000.
 * Checked against the same computation in plain JavaScript, from scratch and at every commit
 * while edges arrive and disappear.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { replay, seededRandom, THREADS } from "../helpers.js";
import { pagerank, reference, sorted } from "./pagerank-support.js";

/** Random distinct edges, streamed in commits; some are removed in later commits. */
function history(seed: number, nodes: number, commits: number, perCommit: number) {
  const next = seededRandom(seed);
  const live = new Map<string, [number, number]>();
  const lines: string[] = [];
  const snapshots: Array<[number, Array<[number, number]>]> = [];
  for (let c = 1; c <= commits; c++) {
    const time = 2 * c;
    for (let i = 0; i < perCommit; i++) {
      const u = Math.floor(next() * nodes);
      const v = Math.floor(next() * nodes);
      const key = `${u},${v}`;
      if (u === v || live.has(key)) continue;
      live.set(key, [u, v]);
      lines.push(`${u} | ${v} | ${time} | 1`);
    }
    if (c > 1) {
      for (const [key, [u, v]] of [...live.entries()]) {
        if (next() < 0.15) {
          live.delete(key);
          lines.push(`${u} | ${v} | ${time} | -1`);
        }
      }
    }
    snapshots.push([time, [...live.values()]]);
  }
  const markdown = `u | v | __time__ | __diff__\n${lines.join("\n")}`;
  return { markdown, snapshots };
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("matches the JavaScript reference on a fixed graph", async () => {
    const edges = tb.debug.tableFromMarkdown<{ u: number; v: number }>(`
      u | v
      1 | 2
      1 | 3
      2 | 3
      3 | 1
      4 | 3
      3 | 5
    `);
    const expected = reference(
      [
        [1, 2],
        [1, 3],
        [2, 3],
        [3, 1],
        [4, 3],
        [3, 5],
      ],
      5,
    );
    const rows = await tb.debug.compute(pagerank(edges, 5), { threads });
    expect(rows.length).toBe(5);
    expect(sorted(rows)).toEqual(sorted(expected));
  });

  it("stays equal to the reference at every commit while edges come and go", async () => {
    const { markdown, snapshots } = history(7, 40, 5, 60);
    const edges = tb.debug.tableFromMarkdown<{ u: number; v: number }>(markdown);
    const changes = await tb.debug.computeChanges(pagerank(edges, 5), { threads });
    for (const [time, live] of snapshots) {
      const state = replay(changes.filter((c) => c.__time__ <= time));
      expect(sorted(state), `ranks after commit ${time}`).toEqual(sorted(reference(live, 5)));
    }
    expect(new Set(changes.map((c) => c.__time__)).size).toBe(snapshots.length);
  });
});
