// B0 UDF cases on Tributary. Usage: node bench/b0/udf_cases.mjs CASE N BIG_JSONL SMALL_JSONL [threads]
// Prints one JSON line: { nsPerRow, cpuNsPerRow, detail } (wall and CPU = user + system of all threads).
// CASE: js-num | js-str (bare JS loops) | num-expr | num-row | num-batch | str-expr | str-row | str-batch
// Engine cases: JSON lines {k, x, s} -> select one column -> null.write; ns/row is marginal:
// (T(N rows) - T(1000 rows)) / (N - 1000), after a warm-up run.

import { numFn, strFn, udfCases } from "./udf_functions.mjs";

const [name, nArg, bigPath, smallPath, threadsArg] = process.argv.slice(2);
const N = Number(nArg);
const SMALL = 1000;
const threads = Number(threadsArg ?? 1);

function timeHot(fn, n) {
  fn();
  fn();
  const xs = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    xs.push(Number(process.hrtime.bigint() - t0) / n);
  }
  xs.sort((a, b) => a - b);
  return xs[2];
}

/** Wall and CPU (user + system, all threads of the process) nanoseconds of `fn`. */
async function timeAsync(fn) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - t0);
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) * 1000 };
}

/** CPU nanoseconds per unit of a synchronous `fn` (median of 5 after 2 warm-ups). */
function cpuHot(fn, n) {
  fn();
  fn();
  const xs = [];
  for (let i = 0; i < 5; i++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    xs.push(((c.user + c.system) * 1000) / n);
  }
  xs.sort((a, b) => a - b);
  return xs[2];
}

const bare = {
  /** f(x) = x*2+1 per element of a Float64Array, results into a Float64Array. */
  "js-num": () => {
    const xs = new Float64Array(N).map((_, i) => i + 0.5);
    const ys = new Float64Array(N);
    const fns = [numFn, (x) => x * 2 + 1]; // two call targets: the call is not folded away
    const loop = () => {
      for (let i = 0; i < N; i++) ys[i] = fns[i & 1](xs[i]);
    };
    return { nsPerRow: timeHot(loop, N), cpuNsPerRow: cpuHot(loop, N) };
  },
  /** s.toUpperCase() per element of an array of strings, results into an array. */
  "js-str": () => {
    const xs = Array.from({ length: N }, (_, i) => `s${i % 1000}`);
    const ys = new Array(N);
    const fns = [strFn, (s) => s.toUpperCase()];
    const loop = () => {
      for (let i = 0; i < N; i++) ys[i] = fns[i & 1](xs[i]);
    };
    return { nsPerRow: timeHot(loop, N), cpuNsPerRow: cpuHot(loop, N) };
  },
};

async function engineCase(tb) {
  const S = tb.schema({ k: tb.types.int, x: tb.types.float, s: tb.types.str });
  const exprOf = udfCases(tb)[name];
  if (!exprOf) throw new Error(`unknown case ${name}`);
  const build = (t) => t.select({ y: exprOf(t) });
  // Correctness gate on the small file: every result as expected.
  const g = tb.io.jsonlines.read(smallPath, { schema: S, mode: "static" });
  const rows = await tb.debug.compute(g.select({ x: g.x, s: g.s, y: exprOf(g) }), { threads });
  const want = name.startsWith("num") ? (r) => numFn(r.x) : (r) => strFn(r.s);
  if (rows.length !== SMALL || rows.some((r) => r.y !== want(r))) throw new Error("wrong results");
  const run = async (path) => {
    const t = tb.io.jsonlines.read(path, { schema: S, mode: "static" });
    tb.io.null.write(build(t));
    await tb.run({ threads, monitoring: "none" });
  };
  await run(smallPath);
  const tSmall = await timeAsync(() => run(smallPath));
  const tBig = await timeAsync(() => run(bigPath));
  return {
    nsPerRow: (tBig.wall - tSmall.wall) / (N - SMALL),
    cpuNsPerRow: (tBig.cpu - tSmall.cpu) / (N - SMALL),
    detail: {
      smallMs: tSmall.wall / 1e6,
      bigMs: tBig.wall / 1e6,
      smallCpuMs: tSmall.cpu / 1e6,
      bigCpuMs: tBig.cpu / 1e6,
    },
  };
}

let result;
if (bare[name]) result = bare[name]();
else result = await engineCase(await import(process.env.TRIBUTARY_MODULE ?? "tributary"));
console.log(JSON.stringify(result));
