// B0 user-function overhead, paired within one process (Tributary only). Usage:
//   node bench/b0/udf_paired.mjs [rows=2000000] [rounds=12] [threads=1]
// The suite's `b0udf` cases run each pipeline in its own process on JSON lines, where the JSON
// parse dominates and the run-to-run spread on this VM (±150–300 ns/row) hides a 50 ns effect.
// Here the input is staged as columns (`tb.debug.tableFromColumns`, no parse), and the pipeline
// with the built-in expression and the one with the batched function alternate in one process,
// so each pair runs under the same conditions; the figure is the median of the paired
// differences (wall ns/row). Prints one JSON line.

import { numFn, strFn, udfCases } from "./udf_functions.mjs";

const N = Number(process.argv[2] ?? 2_000_000);
const ROUNDS = Number(process.argv[3] ?? 12);
const threads = Number(process.argv[4] ?? 1);
const tb = await import(process.env.TRIBUTARY_MODULE ?? "tributary");

const cases = udfCases(tb);
// Each pair stages only its own column: the 2M strings of the string pair are created when it
// starts, so they are not in the JS heap while the numeric pair runs (a live array of 2M
// strings made each full GC there take ~120 ms, charged to whichever run triggered it).
const k = new Float64Array(N).map((_, i) => i);
const pairs = {
  num: {
    schema: tb.schema({ k: tb.types.int, x: tb.types.float }),
    column: () => ({ x: new Float64Array(N).map((_, i) => i + 0.5) }),
    expr: cases["num-expr"],
    udf: cases["num-batch"],
    bare: (c) => (i) => numFn(c.x[i]),
  },
  str: {
    schema: tb.schema({ k: tb.types.int, s: tb.types.str }),
    column: () => ({ s: Array.from({ length: N }, (_, i) => `s${i % 1000}`) }),
    expr: cases["str-expr"],
    udf: cases["str-batch"],
    bare: (c) => (i) => strFn(c.s[i]),
  },
};

/** Wall ns per row of one run of `select({ y: exprOf(t) })` over the staged columns. */
async function runOnce(schema, columns, exprOf) {
  const t = tb.debug.tableFromColumns(schema, { k, ...columns });
  tb.io.null.write(t.select({ y: exprOf(t) }));
  const t0 = process.hrtime.bigint();
  await tb.run({ threads, monitoring: "none" });
  return Number(process.hrtime.bigint() - t0) / N;
}

/** Wall ns per row of the bare JS loop (median of 5 after 2 warm-ups). */
function bareLoop(fn) {
  const out = new Array(N);
  const times = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) out[i] = fn(i);
    if (r >= 2) times.push(Number(process.hrtime.bigint() - t0) / N);
  }
  return median(times);
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
};

const result = { rows: N, rounds: ROUNDS, threads };
for (const [kind, pair] of Object.entries(pairs)) {
  const { schema, expr, udf } = pair;
  const columns = pair.column();
  // Correctness first: the function's results equal the built-in expression's.
  const first = Object.fromEntries(
    Object.entries({ k, ...columns }).map(([name, col]) => [name, col.slice(0, 1000)]),
  );
  const small = tb.debug.tableFromColumns(schema, first);
  const got = await tb.debug.compute(small.select({ a: expr(small), b: udf(small) }), { threads });
  if (got.length !== 1000 || got.some((r) => r.a !== r.b)) throw new Error(`${kind}: wrong results`);
  await runOnce(schema, columns, expr);
  await runOnce(schema, columns, udf);
  const exprNs = [];
  const udfNs = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first, so a drift in machine speed does not favour one side.
    if (r % 2 === 0) {
      exprNs.push(await runOnce(schema, columns, expr));
      udfNs.push(await runOnce(schema, columns, udf));
    } else {
      udfNs.push(await runOnce(schema, columns, udf));
      exprNs.push(await runOnce(schema, columns, expr));
    }
  }
  const paired = median(udfNs.map((u, i) => u - exprNs[i]));
  const bareNs = bareLoop(pair.bare(columns));
  result[kind] = {
    exprNs: median(exprNs),
    udfNs: median(udfNs),
    pairedDifferenceNs: paired,
    bareLoopNs: bareNs,
    overheadNs: paired - bareNs,
    exprSamples: exprNs.map(Math.round),
    udfSamples: udfNs.map(Math.round),
  };
}
console.log(JSON.stringify(result));
