// W4 PageRank on Tributary (tb.iterate, 5 rounds), through the public API only.
// Usage: node bench/w4/tributary.mjs INPUT.csv OUTPUT.csv MODE THREADS
//   MODE: batch (static CSV read) | streaming (a commit every 1000 edges) |
//         backfill (90% of the edges in one commit, then a commit every 1000 edges)
// Prints one JSON line on stdout with phase timings.
import { readFileSync } from "node:fs";

const t0 = performance.now();
const tb = await import(process.env.TRIBUTARY_MODULE ?? "tributary");
const [input, output, mode = "batch", threadsArg = "1"] = process.argv.slice(2);
const threads = Number(threadsArg);
const BATCH = 1000;
const Edge = tb.schema({ u: tb.types.int, v: tb.types.int });

/** Feeds the edges from memory, committing as the mode says. */
class Feed extends tb.io.ConnectorSubject {
  constructor(path, first) {
    super();
    this.path = path;
    this.first = first;
  }
  run() {
    const lines = readFileSync(this.path, "utf8").split("\n");
    let inCommit = 0;
    let first = this.first;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if (line.length === 0) continue;
      const comma = line.indexOf(",");
      this.next({ u: Number(line.slice(0, comma)), v: Number(line.slice(comma + 1)) });
      inCommit++;
      if (first > 0 ? inCommit >= first : inCommit >= BATCH) {
        this.commit();
        inCommit = 0;
        first = 0;
      }
    }
    if (inCommit > 0) this.commit();
  }
}

function readEdges() {
  if (mode === "batch") return tb.io.csv.read(input, { schema: Edge, mode: "static" });
  let first = 0;
  if (mode === "backfill") {
    const total = readFileSync(input, "utf8").split("\n").length - 2;
    first = Math.floor(total * 0.9);
  } else if (mode !== "streaming") throw new Error(`unknown mode ${mode}`);
  return tb.io.custom.read(new Feed(input, first), {
    schema: Edge,
    name: "w4-edges",
    autocommitMs: 3_600_000,
  });
}

const edges = readEdges();
const ends = edges.select({ node: edges.u }).concatReindex(edges.select({ node: edges.v }));
const vertices = ends.groupBy(ends.node).reduce({ node: tb.this.node });
const out = edges.groupBy(edges.u).reduce({ node: tb.this.u, degree: tb.reducers.count() });
const start = vertices.select({ node: vertices.node, rank: tb.lit(6000) });
/** One PageRank round. */
function step(ranks) {
  const outflow = out
    .join(ranks, out.node.eq(ranks.node))
    .select({ node: tb.left.node, flow: tb.right.rank.mul(5).floorDiv(tb.left.degree.mul(6)) });
  const inflow = edges
    .join(outflow, edges.u.eq(outflow.node))
    .select({ node: tb.left.v, flow: tb.right.flow });
  const sums = inflow
    .groupBy(inflow.node)
    .reduce({ node: tb.this.node, flow: tb.reducers.sum(tb.this.flow) });
  return vertices
    .joinLeft(sums, vertices.node.eq(sums.node), { id: tb.left.id })
    .select({ node: tb.left.node, rank: tb.coalesce(tb.right.flow, 0).add(1000) });
}
// W4_UNROLLED=1: the 5 rounds unrolled in JavaScript (as the Pathway program does), for
// comparison with tb.iterate.
let ranks = start;
if (process.env.W4_UNROLLED === "1") {
  for (let i = 0; i < 5; i++) ranks = step(ranks);
} else {
  ranks = tb.iterate(
    ({ ranks }) => ({ ranks: step(ranks) }),
    { ranks: start },
    { iterationLimit: 5 },
  ).ranks;
}
tb.io.csv.write(ranks, output);
const tBuilt = performance.now();
await tb.run({ threads, monitoring: "none" });
const tRun = performance.now();
console.log(JSON.stringify({ phases: { buildMs: tBuilt - t0, runMs: tRun - tBuilt } }));
