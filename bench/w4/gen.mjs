// W4 input: a seeded R-MAT edge list (CSV `u,v`) and the expected PageRank result, computed
// here in plain JavaScript (the correctness gate every engine's output must hash to).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mulberry32 } from "../lib/gen.mjs";

/** R-MAT quadrant probabilities (the Graph500 defaults). */
const RMAT = { a: 0.57, b: 0.19, c: 0.19 };

/** PageRank rounds, start rank, and the integer flow rule of Pathway's PageRank. */
export const STEPS = 5;
const START = 6000;

/** `edges` seeded R-MAT edges over 2^scale vertices (about 8 edges per vertex). */
export function rmat(edges, seed = 1) {
  const scale = Math.max(4, Math.ceil(Math.log2(edges / 8)));
  const rand = mulberry32(seed);
  const us = new Int32Array(edges);
  const vs = new Int32Array(edges);
  for (let e = 0; e < edges; e++) {
    let u = 0;
    let v = 0;
    for (let bit = scale - 1; bit >= 0; bit--) {
      const r = rand();
      if (r < RMAT.a) continue;
      if (r < RMAT.a + RMAT.b) v |= 1 << bit;
      else if (r < RMAT.a + RMAT.b + RMAT.c) u |= 1 << bit;
      else {
        u |= 1 << bit;
        v |= 1 << bit;
      }
    }
    us[e] = u;
    vs[e] = v;
  }
  return { us, vs, scale };
}

/** PageRank of an edge list (duplicates count as parallel edges), as `Map(node -> rank)`. */
export function pagerank(us, vs, steps = STEPS) {
  const degree = new Map();
  for (let e = 0; e < us.length; e++) {
    degree.set(us[e], (degree.get(us[e]) ?? 0) + 1);
    if (!degree.has(vs[e])) degree.set(vs[e], 0);
  }
  let rank = new Map([...degree.keys()].map((n) => [n, START]));
  for (let s = 0; s < steps; s++) {
    const next = new Map([...degree.keys()].map((n) => [n, 1000]));
    for (let e = 0; e < us.length; e++) {
      const u = us[e];
      next.set(vs[e], next.get(vs[e]) + Math.floor((rank.get(u) * 5) / (degree.get(u) * 6)));
    }
    rank = next;
  }
  return rank;
}

/** Canonical hash of a (node, rank) result: `node,rank\n` lines sorted by node, sha256 hex. */
export function hashRanks(entries) {
  const sorted = [...entries].sort((a, b) => a[0] - b[0]);
  const h = createHash("sha256");
  for (const [n, r] of sorted) h.update(`${n},${r}\n`);
  return h.digest("hex");
}

/** Generates (once) bench/data/w4-EDGES.csv and its meta (expected hash). */
export function ensureW4(dataDir, edges, log = () => {}) {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, `w4-${edges}.csv`);
  const metaPath = `${path}.meta.json`;
  if (existsSync(path) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, "utf8"));
    if (meta.version === 1) return { path, ...meta };
  }
  const t0 = performance.now();
  const { us, vs, scale } = rmat(edges, 1);
  const lines = ["u,v"];
  for (let e = 0; e < edges; e++) lines.push(`${us[e]},${vs[e]}`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  const ranks = pagerank(us, vs);
  const meta = { version: 1, edges, scale, seed: 1, vertices: ranks.size, hash: hashRanks(ranks) };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2));
  log(
    `generated ${path} (${edges} edges, ${ranks.size} vertices) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return { path, ...meta };
}
