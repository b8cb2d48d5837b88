/**
 * Pathway's integer PageRank, shared by the PageRank suites: the Tributary pipeline on
 * `tb.iterate` and the same computation in plain JavaScript.
 */
import * as tb from "tributary";
import type { AnyRow } from "../helpers.js";

/** An edge table. */
export type Edges = tb.Table<{ u: number; v: number }>;

/** PageRank over `edges` with `steps` rounds, as a Tributary pipeline. */
export function pagerank(edges: Edges, steps: number) {
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
export function reference(edges: ReadonlyArray<[number, number]>, steps: number): AnyRow[] {
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

/** Rows as `{ node, rank }` sorted by node (for comparison). */
export function sorted(rows: readonly AnyRow[]): AnyRow[] {
  return [...rows]
    .map((r) => ({ node: r.node, rank: r.rank }))
    .sort((a, b) => (a.node as number) - (b.node as number));
}
