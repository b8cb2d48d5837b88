/**
 * PageRank on `tb.iterate` over a live source that queues many small commits at once (the
 * subject pushes every commit before the pipeline has finished the first): each commit must
 * still become its own time of the output, and the ranks after each time must equal the plain
 * JavaScript reference over the edges live at that commit.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { type AnyRow, seededRandom, THREADS } from "../helpers.js";
import { pagerank, reference, sorted } from "./pagerank-support.js";

type Edge = { id: number; u: number; v: number };
type Step = { add: Edge[]; remove: Edge[] };

const KeyedEdge = tb.schema(
  { id: tb.types.int, u: tb.types.int, v: tb.types.int },
  { primaryKey: ["id"] },
);

/** Pushes every step as one commit, synchronously (all commits queue up at once). */
class Steps extends tb.io.ConnectorSubject<Edge> {
  constructor(private readonly steps: readonly Step[]) {
    super();
  }
  run(): void {
    for (const step of this.steps) {
      for (const edge of step.add) this.next(edge);
      for (const edge of step.remove) this.delete(edge);
      this.commit();
    }
  }
}

/** `commits` steps over `nodes` vertices: new edges each step, some old ones removed. */
function steps(seed: number, nodes: number, commits: number, perCommit: number) {
  const next = seededRandom(seed);
  const live = new Map<number, Edge>();
  const taken = new Set<string>();
  const out: Step[] = [];
  const snapshots: Array<Array<[number, number]>> = [];
  let id = 0;
  for (let c = 0; c < commits; c++) {
    const add: Edge[] = [];
    const remove: Edge[] = [];
    for (let i = 0; i < perCommit; i++) {
      const u = Math.floor(next() * nodes);
      const v = Math.floor(next() * nodes);
      if (u === v || taken.has(`${u},${v}`)) continue;
      const edge = { id: id++, u, v };
      taken.add(`${u},${v}`);
      live.set(edge.id, edge);
      add.push(edge);
    }
    if (c % 3 === 2) {
      for (const edge of [...live.values()]) {
        if (next() < 0.05) {
          live.delete(edge.id);
          taken.delete(`${edge.u},${edge.v}`);
          remove.push(edge);
        }
      }
    }
    out.push({ add, remove });
    snapshots.push([...live.values()].map((e): [number, number] => [e.u, e.v]));
  }
  return { steps: out, snapshots };
}

/** Applies one time's changes to `state` (`node` -> `rank`). */
function apply(state: Map<number, number>, changes: readonly [AnyRow, boolean][]) {
  for (const [row] of changes.filter(([, add]) => !add)) {
    expect(state.get(row.node as number), `retracted rank of ${row.node}`).toBe(row.rank);
    state.delete(row.node as number);
  }
  for (const [row] of changes.filter(([, add]) => add)) {
    expect(state.has(row.node as number), `second rank for ${row.node}`).toBe(false);
    state.set(row.node as number, row.rank as number);
  }
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("60 queued commits: each is one output time equal to the reference at that commit", async () => {
    const { steps: plan, snapshots } = steps(11, 120, 60, 12);
    const raw = tb.io.custom.read(new Steps(plan), {
      schema: KeyedEdge,
      autocommitMs: 3_600_000,
    });
    const edges = raw.select({ u: raw.u, v: raw.v });
    const states: AnyRow[][] = [];
    const state = new Map<number, number>();
    let current: Array<[AnyRow, boolean]> = [];
    tb.io.subscribe(pagerank(edges, 5), {
      onChange: ({ row, isAddition }) => current.push([row, isAddition]),
      onTimeEnd: () => {
        apply(state, current);
        current = [];
        states.push([...state.entries()].map(([node, rank]) => ({ node, rank })));
      },
    });
    await tb.run({ threads });
    const expected = snapshots.map((live) => sorted(reference(live, 5)));
    expect(states.length).toBe(expected.length);
    states.forEach((ranks, commit) => {
      expect(sorted(ranks), `ranks after commit ${commit + 1}`).toEqual(expected[commit]);
    });
  });
});
