// B0 for user functions: x*2+1 over N rows (default 1M), through the engine with
//   - the same expression in Rust (no JS function),
//   - a per-row function (the engine batches rows, 1024 per call),
//   - a batch function (arrays of up to 4096 rows),
//   - a batch function with batch size 1 (one boundary crossing per row),
// and the bare JS loop. Overhead per row = (T(pipeline with UDF) - T(pipeline without)) / N
// minus the bare JS loop's cost per row. Each figure is the median of 3 runs after a warm-up;
// a run's time is marginal: T(N rows) - T(1000 rows), so fixed start-up costs cancel.
//
// Usage: npm run build:ts && node bench/b0/udf.mjs [N] [threads]
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tb from "../../dist/api/index.js";

const N = Number(process.argv[2] ?? 1_000_000);
const threads = Number(process.argv[3] ?? 1);
const SMALL = 1000;

const dir = mkdtempSync(join(tmpdir(), "tb-b0-udf-"));
function csv(n) {
  const path = join(dir, `x-${n}.csv`);
  const lines = new Array(n + 1);
  lines[0] = "x";
  for (let i = 0; i < n; i++) lines[i + 1] = String(i + 0.5);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}
const MID = Math.max(SMALL * 10, Math.floor(N / 10));
const paths = { big: csv(N), mid: csv(MID), small: csv(SMALL) };
const S = tb.schema({ x: tb.types.float });

const perRow = tb.udf((x) => x * 2 + 1, { returns: tb.types.float });
const batched = tb.udf(
  (xs) => {
    const out = new Array(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = xs[i] * 2 + 1;
    return out;
  },
  { returns: tb.types.float, batch: { maxSize: 4096 } },
);
const single = tb.udf((xs) => [xs[0] * 2 + 1], {
  returns: tb.types.float,
  batch: { maxSize: 1 },
});

const pipelines = {
  "rust expression": (t) => t.select({ y: t.x.mul(2).add(1) }),
  "per-row udf": (t) => t.select({ y: perRow(t.x) }),
  "batch udf (4096)": (t) => t.select({ y: batched(t.x) }),
  "batch udf (size 1)": (t) => t.select({ y: single(t.x) }),
};

async function runOnce(build, which) {
  const t = tb.io.csv.read(paths[which], { schema: S, mode: "static" });
  tb.io.null.write(build(t));
  const t0 = process.hrtime.bigint();
  await tb.run({ threads });
  return Number(process.hrtime.bigint() - t0);
}

async function marginalNs(build, size) {
  const n = size === "big" ? N : MID;
  await runOnce(build, "small");
  const xs = [];
  for (let round = 0; round < 3; round++) {
    const small = await runOnce(build, "small");
    const big = await runOnce(build, size);
    xs.push((big - small) / (n - SMALL));
  }
  xs.sort((a, b) => a - b);
  return xs[1];
}

function bareLoop() {
  const xs = new Float64Array(N).map((_, i) => i + 0.5);
  const ys = new Float64Array(N);
  const fns = [(x) => x * 2 + 1, (x) => x * 2 + 1];
  const pass = () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) ys[i] = fns[i & 1](xs[i]);
    return Number(process.hrtime.bigint() - t0) / N;
  };
  pass();
  pass();
  const r = [pass(), pass(), pass()].sort((a, b) => a - b);
  return r[1];
}

const results = {};
for (const [name, build] of Object.entries(pipelines)) {
  // The size-1 case crosses the boundary once per row: measure it on fewer rows.
  results[name] = await marginalNs(build, name.includes("size 1") ? "mid" : "big");
}
const bare = bareLoop();
const base = results["rust expression"];
console.log(`B0 udf: x*2+1 over ${N} rows, ${threads} worker(s); ns/row (marginal, median of 3)`);
console.log(`  bare JS loop                 ${bare.toFixed(1)}`);
for (const [name, ns] of Object.entries(results)) {
  const overhead =
    name === "rust expression" ? "" : `  overhead beyond JS loop: ${(ns - base - bare).toFixed(1)}`;
  console.log(`  ${name.padEnd(28)} ${ns.toFixed(1)}${overhead}`);
}
