// B0 boundary cases. Usage: node bench/b0/cases.mjs CASE N JSONL_PATH SMALL_JSONL_PATH
// Prints one JSON line: { nsPerRow, detail } or { status, reason } when the case cannot run yet.

const [name, nArg, jsonlPath, smallPath] = process.argv.slice(2);
const N = Number(nArg);
const SMALL = 1000;

function out(obj) {
  console.log(JSON.stringify(obj));
}

/** ns per unit of work for `fn` run once over `n` units. */
function timeIt(fn, n) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / n;
}

/** Median ns per unit over 5 passes, after 2 warm-up passes (lets V8 optimise `fn`). */
function timeHot(fn, n) {
  fn();
  fn();
  const xs = [];
  for (let i = 0; i < 5; i++) xs.push(timeIt(fn, n));
  xs.sort((a, b) => a - b);
  return xs[2];
}

async function timeAsync(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0);
}

function makeRows(n) {
  const rows = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = { k: i, x: i + 0.5, s: `s${i % 1000}` };
  return rows;
}

async function loadTb() {
  return import("tributary");
}

function schemaOf(tb) {
  return tb.schema({ k: tb.types.int, x: tb.types.float, s: tb.types.str });
}

/** The trivial pipeline of every engine case: one expression per row. */
function trivial(_tb, t) {
  return t.select({ k: t.k, y: t.x.mul(2).add(1), s: t.s });
}

/** Marginal ns/row of an engine run: (T(N) - T(small)) / (N - small), after a warm-up run. */
async function marginal(runSized) {
  await runSized("small");
  const tSmall = await timeAsync(() => runSized("small"));
  const tBig = await timeAsync(() => runSized("big"));
  return {
    nsPerRow: (tBig - tSmall) / (N - SMALL),
    detail: { smallMs: tSmall / 1e6, bigMs: tBig / 1e6 },
  };
}

const cases = {
  /** Plain JS: f(x) = x*2+1 called once per row over a Float64Array. */
  "js-call-per-row": async () => {
    const xs = new Float64Array(N).map((_, i) => i + 0.5);
    const ys = new Float64Array(N);
    const f = (x) => x * 2 + 1;
    const fns = [f, (x) => x * 2 + 1]; // two call targets keep the call site from being trivially folded
    const loop = () => {
      for (let i = 0; i < N; i++) ys[i] = fns[i & 1](xs[i]);
    };
    return { nsPerRow: timeHot(loop, N) };
  },
  /** Plain JS: one call over the whole batch (typed arrays). */
  "js-call-batched": async () => {
    const xs = new Float64Array(N).map((_, i) => i + 0.5);
    const ys = new Float64Array(N);
    const g = (a, b) => {
      for (let i = 0; i < a.length; i++) b[i] = a[i] * 2 + 1;
    };
    return { nsPerRow: timeHot(() => g(xs, ys), N) };
  },
  /** Native no-op call: JS -> addon -> JS (engineVersion), per call. */
  "noop-native-call": async () => {
    const { loadNative } = await import("../../dist/api/native.js");
    const nat = loadNative();
    const calls = Math.min(N, 2_000_000);
    const loop = () => {
      for (let i = 0; i < calls; i++) nat.engineVersion();
    };
    return { nsPerRow: timeHot(loop, calls) };
  },
  /** Building the JS objects alone (what a caller pays before tableFromRows). */
  "build-objects": async () => {
    makeRows(SMALL);
    return { nsPerRow: timeIt(() => makeRows(N), N) };
  },
  /** N JS objects -> tb.debug.tableFromRows -> select -> null.write. */
  "ingest-objects": async () => {
    const tb = await loadTb();
    const S = schemaOf(tb);
    const small = makeRows(SMALL);
    const big = makeRows(N);
    return marginal(async (which) => {
      const t = tb.debug.tableFromRows(S, which === "big" ? big : small);
      tb.io.null.write(trivial(tb, t));
      await tb.run({ threads: 1, monitoring: "none" });
    });
  },
  /** N JSON lines parsed in Rust -> select -> null.write. */
  "ingest-jsonl": async () => {
    const tb = await loadTb();
    const S = schemaOf(tb);
    return marginal(async (which) => {
      const t = tb.io.jsonlines.read(which === "big" ? jsonlPath : smallPath, {
        schema: S,
        mode: "static",
      });
      tb.io.null.write(trivial(tb, t));
      await tb.run({ threads: 1, monitoring: "none" });
    });
  },
  /** N JSON lines -> select -> tb.debug.compute: every output row crosses into JS as an object. */
  "emit-objects": async () => {
    const tb = await loadTb();
    const S = schemaOf(tb);
    let rows = 0;
    const r = await marginal(async (which) => {
      const t = tb.io.jsonlines.read(which === "big" ? jsonlPath : smallPath, {
        schema: S,
        mode: "static",
      });
      rows = (await tb.debug.compute(trivial(tb, t), { threads: 1 })).length;
    });
    if (rows !== N) throw new Error(`compute returned ${rows} rows, expected ${N}`);
    return r;
  },
  /** Engine UDF x*2+1, one row per call (batch size 1). */
  "udf-per-row": async () => {
    const tb = await loadTb();
    if (typeof tb.udf !== "function") return { status: "waits for UDFs (issue 5)" };
    const S = schemaOf(tb);
    const f = tb.udf((x) => x * 2 + 1, { returns: tb.types.float, batch: { maxSize: 1 } });
    return marginal(async (which) => {
      const t = tb.io.jsonlines.read(which === "big" ? jsonlPath : smallPath, {
        schema: S,
        mode: "static",
      });
      tb.io.null.write(t.select({ y: f(t.x) }));
      await tb.run({ threads: 1, monitoring: "none" });
    });
  },
  /** Engine UDF x*2+1 called per batch of rows (batching, issue 5). */
  "udf-batched": async () => {
    const tb = await loadTb();
    if (typeof tb.udf !== "function") return { status: "waits for UDF batching (issue 5)" };
    const S = schemaOf(tb);
    const f = tb.udf((xs) => xs.map((x) => x * 2 + 1), {
      returns: tb.types.float,
      batch: { maxSize: 4096 },
    });
    return marginal(async (which) => {
      const t = tb.io.jsonlines.read(which === "big" ? jsonlPath : smallPath, {
        schema: S,
        mode: "static",
      });
      tb.io.null.write(t.select({ y: f(t.x) }));
      await tb.run({ threads: 1, monitoring: "none" });
    });
  },
  /** N rows as columns (Float64Array numbers, strings as buffer + offsets) -> select -> null.write. */
  "ingest-columnar": async () => {
    const tb = await loadTb();
    const S = schemaOf(tb);
    const makeColumns = (n) => {
      const k = new Float64Array(n);
      const x = new Float64Array(n);
      const s = new Array(n);
      for (let i = 0; i < n; i++) {
        k[i] = i;
        x[i] = i + 0.5;
        s[i] = `s${i % 1000}`;
      }
      return { k, x, s };
    };
    const small = makeColumns(SMALL);
    const big = makeColumns(N);
    return marginal(async (which) => {
      const t = tb.debug.tableFromColumns(S, which === "big" ? big : small);
      tb.io.null.write(trivial(tb, t));
      await tb.run({ threads: 1, monitoring: "none" });
    });
  },
  /** N JSON lines -> select -> tb.io.subscribe onChange: one JS object per output row. */
  "emit-subscribe-objects": async () => {
    const tb = await loadTb();
    const S = schemaOf(tb);
    let rows = 0;
    let sum = 0;
    const r = await marginal(async (which) => {
      rows = 0;
      const t = tb.io.jsonlines.read(which === "big" ? jsonlPath : smallPath, {
        schema: S,
        mode: "static",
      });
      tb.io.subscribe(trivial(tb, t), {
        onChange: ({ row }) => {
          rows++;
          sum += row.y + row.s.length;
        },
      });
      await tb.run({ threads: 1, monitoring: "none" });
    });
    if (rows !== N || !Number.isFinite(sum))
      throw new Error(`subscribe saw ${rows} rows, expected ${N}`);
    return r;
  },
  /** N JSON lines -> select -> tb.io.subscribe onBatch: each time's rows as typed columns. */
  "emit-columnar": async () => {
    const tb = await loadTb();
    const S = schemaOf(tb);
    let rows = 0;
    let sum = 0;
    const r = await marginal(async (which) => {
      rows = 0;
      const t = tb.io.jsonlines.read(which === "big" ? jsonlPath : smallPath, {
        schema: S,
        mode: "static",
      });
      tb.io.subscribe(trivial(tb, t), {
        onBatch: ({ length, columns }) => {
          rows += length;
          const { y, s } = columns;
          for (let i = 0; i < length; i++) sum += y[i] + s[i].length;
        },
      });
      await tb.run({ threads: 1, monitoring: "none" });
    });
    if (rows !== N || !Number.isFinite(sum))
      throw new Error(`onBatch saw ${rows} rows, expected ${N}`);
    return r;
  },
};

const fn = cases[name];
if (!fn) {
  console.error(`unknown case ${name}; known: ${Object.keys(cases).join(", ")}`);
  process.exit(2);
}
try {
  out(await fn());
} catch (e) {
  out({ status: "error", reason: String(e?.message ?? e).slice(0, 300) });
  process.exitCode = 1;
}
