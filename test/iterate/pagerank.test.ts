/**
 * Pathway's integer PageRank on `tb.iterate` (5 rounds): start rank 6000, a vertex sends
 * `rank * 5 // (outDegree * 6)` along each out-edge, and its next rank is its inflow + 1000.
 * Checked against the same computation in plain JavaScript, from scratch and at every commit
 * while edges arrive and disappear.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { type AnyRow, replay, seededRandom, THREADS } from "../helpers.js";

type Edges = tb.Table<{ u: number; v: number }>;

/** PageRank over `edges` with `steps` rounds, as a Tributary pipeline. */
function pagerank(edges: Edges, steps: number) {
  const ends = edges.select({ node: edges.u }).concatReindex(edges.select({ node: edges.v }));
  const vertices = ends.groupBy(ends.node).reduce({ node: tb.this.node });
  const out = edges.groupBy(edges.u).reduce({ node: tb.this.u, degree: tb.reducers.count() });
  const degrees = vertices
    .joinLeft(out, vertices.node.eq(out.node), { id: tb.left.id })
    .select({ node: tb.left.node, degree: tb.coalesce(tb.right.degree, 0) });
  const start = degrees.select({ node: degrees.node, rank: tb.lit(6000) });
  const { ranks } = tb.iterate(
    ({ ranks }) => {
      const outflow = degrees.join(ranks, degrees.node.eq(ranks.node)).select({
        node: tb.left.node,
        flow: tb.ifElse(
          tb.left.degree.eq(0),
          0,
          tb.right.rank.mul(5).floorDiv(tb.left.degree.mul(6)),
        ),
      });
      const inflow = edges
        .join(outflow, edges.u.eq(outflow.node))
        .select({ node: tb.left.v, flow: tb.right.flow });
      const sums = inflow
        .groupBy(inflow.node)
        .reduce({ node: tb.this.node, flow: tb.reducers.sum(tb.this.flow) });
      return {
        ranks: vertices
          .joinLeft(sums, vertices.node.eq(sums.node), { id: tb.left.id })
          .select({ node: tb.left.node, rank: tb.coalesce(tb.right.flow, 0).add(1000) }),
      };
    },
    { ranks: start },
    { iterationLimit: steps },
  );
  return ranks;
}

/** The same PageRank in plain JavaScript. */
function reference(edges: ReadonlyArray<[number, number]>, steps: number): AnyRow[] {
  const degree = new Map<number, number>();
  for (const [u, v] of edges) {
    degree.set(u, (degree.get(u) ?? 0) + 1);
    if (!degree.has(v)) degree.set(v, 0);
  }
  let rank = new Map<number, number>([...degree.keys()].map((n) => [n, 6000]));
  for (let s = 0; s < steps; s++) {
    const next = new Map<number, number>([...degree.keys()].map((n) => [n, 1000]));
    for (const [u, v] of edges) {
      const d = degree.get(u)!;
      next.set(v, next.get(v)! + Math.floor((rank.get(u)! * 5) / (d * 6)));
    }
    rank = next;
  }
  return [...rank.entries()].map(([node, r]) => ({ node, rank: r }));
}

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

function sorted(rows: readonly AnyRow[]): AnyRow[] {
  return [...rows]
    .map((r) => ({ node: r.node, rank: r.rank }))
    .sort((a, b) => (a.node as number) - (b.node as number));
}
