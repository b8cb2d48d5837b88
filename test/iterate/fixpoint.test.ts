/**
 * `tb.iterate` fixed points on change streams: connected components by min-label propagation
 * (edges added and removed over time, labels retracting), transitive closure, and
 * `iterationLimit` (the body applied exactly that many times).
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

type Edges = tb.Table<{ u: number; v: number }>;

/** Labels (node, label) that flow along `edges` to the smallest reachable label. */
function propagateMin(edges: Edges, limit?: number) {
  const ends = edges.select({ node: edges.u }).concatReindex(edges.select({ node: edges.v }));
  const nodes = ends.groupBy(ends.node).reduce({ node: tb.this.node });
  const labels = nodes.select({ node: nodes.node, label: nodes.node });
  const { labels: fixed } = tb.iterate(
    ({ labels }) => {
      const offered = edges
        .join(labels, edges.u.eq(labels.node))
        .select({ node: tb.left.v, label: tb.right.label });
      const all = offered.concatReindex(labels);
      return {
        labels: all.groupBy(all.node).reduce({
          node: tb.this.node,
          label: tb.reducers.min(tb.this.label),
        }),
      };
    },
    { labels },
    limit === undefined ? {} : { iterationLimit: limit },
  );
  return fixed;
}

/** Both directions of every edge. */
function undirected(edges: Edges): Edges {
  return edges.concatReindex(edges.select({ u: edges.v, v: edges.u }));
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("connected components follow edges that arrive and disappear", async () => {
    const edges = tb.debug.tableFromMarkdown<{ u: number; v: number }>(`
      u | v | __time__ | __diff__
      1 | 2 | 2        | 1
      3 | 4 | 2        | 1
      2 | 3 | 4        | 1
      2 | 3 | 6        | -1
      5 | 4 | 8        | 1
    `);
    const labels = propagateMin(undirected(edges));
    expectChanges(await tb.debug.computeChanges(labels, { threads }), [
      change({ node: 1, label: 1 }, 2, 1),
      change({ node: 2, label: 1 }, 2, 1),
      change({ node: 3, label: 3 }, 2, 1),
      change({ node: 4, label: 3 }, 2, 1),
      change({ node: 3, label: 3 }, 4, -1),
      change({ node: 3, label: 1 }, 4, 1),
      change({ node: 4, label: 3 }, 4, -1),
      change({ node: 4, label: 1 }, 4, 1),
      change({ node: 3, label: 1 }, 6, -1),
      change({ node: 3, label: 3 }, 6, 1),
      change({ node: 4, label: 1 }, 6, -1),
      change({ node: 4, label: 3 }, 6, 1),
      change({ node: 5, label: 3 }, 8, 1),
    ]);
  });

  it("a node that loses its only edge leaves the result", async () => {
    const edges = tb.debug.tableFromMarkdown<{ u: number; v: number }>(`
      u | v | __time__ | __diff__
      1 | 2 | 2        | 1
      2 | 3 | 2        | 1
      1 | 2 | 4        | -1
    `);
    const labels = propagateMin(undirected(edges));
    expectChanges(await tb.debug.computeChanges(labels, { threads }), [
      change({ node: 1, label: 1 }, 2, 1),
      change({ node: 2, label: 1 }, 2, 1),
      change({ node: 3, label: 1 }, 2, 1),
      change({ node: 1, label: 1 }, 4, -1),
      change({ node: 2, label: 1 }, 4, -1),
      change({ node: 2, label: 2 }, 4, 1),
      change({ node: 3, label: 1 }, 4, -1),
      change({ node: 3, label: 2 }, 4, 1),
    ]);
  });

  it("transitive closure of a graph with a cycle", async () => {
    const edges = tb.debug.tableFromMarkdown(`
      a | b
      1 | 2
      2 | 3
      3 | 1
      3 | 4
      5 | 6
    `);
    const start = edges.groupBy(edges.a, edges.b).reduce({ a: tb.this.a, b: tb.this.b });
    const { reach } = tb.iterate(
      ({ reach }) => {
        const longer = reach
          .join(edges, reach.b.eq(edges.a))
          .select({ a: tb.left.a, b: tb.right.b });
        const all = reach.concatReindex(longer);
        return { reach: all.groupBy(all.a, all.b).reduce({ a: tb.this.a, b: tb.this.b }) };
      },
      { reach: start },
    );
    const expected = [];
    for (const a of [1, 2, 3]) for (const b of [1, 2, 3, 4]) expected.push({ a, b });
    expected.push({ a: 5, b: 6 });
    expectRows(await tb.debug.compute(reach, { threads }), expected);
  });

  it("iterationLimit applies the body exactly that many times", async () => {
    const chain = () =>
      tb.debug.tableFromMarkdown<{ u: number; v: number }>(`
        u | v
        1 | 2
        2 | 3
        3 | 4
        4 | 5
      `);
    const at = async (limit: number | undefined) =>
      (await tb.debug.compute(propagateMin(chain(), limit), { threads }))
        .map((r) => [r.node, r.label])
        .sort((x, y) => (x[0] as number) - (y[0] as number));
    expect(await at(1)).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 4],
    ]);
    expect(await at(2)).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 2],
      [5, 3],
    ]);
    expect(await at(undefined)).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
    ]);
  });

  it("iterationLimit holds as edges change over time", async () => {
    const edges = tb.debug.tableFromMarkdown<{ u: number; v: number }>(`
      u | v | __time__ | __diff__
      1 | 2 | 2        | 1
      2 | 3 | 2        | 1
      0 | 1 | 4        | 1
    `);
    const labels = propagateMin(edges, 1);
    expectChanges(await tb.debug.computeChanges(labels, { threads }), [
      change({ node: 1, label: 1 }, 2, 1),
      change({ node: 2, label: 1 }, 2, 1),
      change({ node: 3, label: 2 }, 2, 1),
      change({ node: 0, label: 0 }, 4, 1),
      change({ node: 1, label: 1 }, 4, -1),
      change({ node: 1, label: 0 }, 4, 1),
    ]);
  });

  it("tables the callback does not return are constants; two variables evolve together", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | x
      1  | 1
      2  | 40
    `);
    const steps = tb.debug.tableFromMarkdown(`
      id | s
      1  | 10
    `);
    const { a, b } = tb.iterate(
      ({ a, b, steps }) => {
        // a grows by 10 up to 30; b mirrors a's row 1 value into every row (capped).
        const grown = a
          .join(steps, { id: tb.left.id })
          .select({ x: tb.ifElse(tb.left.x.lt(30), tb.left.x.add(tb.right.s), tb.left.x) });
        const low = a.reduce({ x: tb.reducers.min(tb.this.x) });
        const mirrored = b.join(low, { id: tb.left.id }).select({ x: tb.right.x });
        return { a: grown, b: mirrored };
      },
      { a: t, b: t, steps },
    );
    expectRows(await tb.debug.compute(a, { threads }), [{ x: 31 }, { x: 40 }]);
    expectRows(await tb.debug.compute(b, { threads }), [{ x: 31 }, { x: 31 }]);
  });
});
