// The B0 UDF suite: a numeric UDF (x*2+1) and a string UDF (s.toUpperCase()) over N rows, per
// row and batched, on Tributary and on Pathway (Python UDFs), each case in its own process,
// interleaved (round order forward, then backward, ...). Overhead per row beyond the bare loop
// = T(pipeline with the UDF) - T(same pipeline with the built-in expression) - T(bare loop calling
// the same function), all marginal ns/row.
import { join } from "node:path";
import { enginePaths } from "./engines.mjs";
import { ensureB0 } from "./gen.mjs";
import { machineFacts } from "./machine.mjs";
import { measure } from "./measure.mjs";
import { median } from "./w1.mjs";

const CASES = [
  "bare-num",
  "bare-str",
  "num-expr",
  "num-row",
  "num-batch",
  "str-expr",
  "str-row",
  "str-batch",
];
const JS_BARE = { "bare-num": "js-num", "bare-str": "js-str" };
const PY_BARE = { "bare-num": "py-num", "bare-str": "py-str" };

async function runCase(root, engine, name, size, big, small, threads) {
  const last = (m) => {
    const line = m.stdout.trim().split("\n").pop() ?? "";
    try {
      return JSON.parse(line);
    } catch {
      throw new Error(
        (m.stderr.trim().split("\n").slice(-3).join(" | ") || `exit ${m.code}`).slice(0, 300),
      );
    }
  };
  if (engine === "tributary") {
    const script = join(root, "bench", "b0", "udf_cases.mjs");
    const c = JS_BARE[name] ?? name;
    const m = await measure(
      process.execPath,
      [script, c, String(size), big, small, String(threads)],
      { cwd: root, timeoutSec: 1200 },
    );
    return last(m);
  }
  const py = enginePaths(root).python;
  const script = join(root, "bench", "b0", "pathway_udf.py");
  const env = { ...process.env, PATHWAY_THREADS: String(threads) };
  if (PY_BARE[name]) {
    const m = await measure(py, [script, PY_BARE[name], big, String(Math.min(size, 2_000_000))], {
      cwd: root,
      env,
      timeoutSec: 1200,
    });
    return last(m);
  }
  const mSmall = await measure(py, [script, name, small], { cwd: root, env, timeoutSec: 1200 });
  const mBig = await measure(py, [script, name, big], { cwd: root, env, timeoutSec: 3600 });
  const s = last(mSmall);
  const b = last(mBig);
  return {
    nsPerRow: ((b.ms - s.ms) * 1e6) / (size - 1000),
    cpuNsPerRow: ((b.cpuMs - s.cpuMs) * 1e6) / (size - 1000),
    detail: { smallMs: s.ms, bigMs: b.ms, smallCpuMs: s.cpuMs, bigCpuMs: b.cpuMs },
  };
}

/** Runs the suite; returns `{ ok, summary }`. */
export async function runB0Udf(root, { size, rounds, engines, threads = 1, note }, log) {
  const dataDir = join(root, "bench", "data");
  const big = ensureB0(dataDir, size);
  const small = ensureB0(dataDir, 1000);
  const configs = engines.flatMap((engine) => CASES.map((name) => ({ engine, name })));
  const samples = new Map(configs.map((c) => [`${c.engine}/${c.name}`, []]));
  const cpuSamples = new Map(configs.map((c) => [`${c.engine}/${c.name}`, []]));
  const errors = {};
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? configs : [...configs].reverse();
    for (const { engine, name } of order) {
      const id = `${engine}/${name}`;
      if (errors[id]) continue;
      try {
        const res = await runCase(root, engine, name, size, big, small, threads);
        samples.get(id).push(res.nsPerRow);
        cpuSamples.get(id).push(res.cpuNsPerRow);
        log(
          `  round ${r + 1} ${id}: ${res.nsPerRow.toFixed(1)} ns/row wall, ${res.cpuNsPerRow.toFixed(1)} CPU ns/row`,
        );
      } catch (e) {
        errors[id] = String(e.message ?? e);
        log(`  ${id}: error ${errors[id]}`);
      }
    }
  }
  const cases = configs.map(({ engine, name }) => {
    const id = `${engine}/${name}`;
    return {
      engine,
      name,
      nsPerRow: median(samples.get(id)),
      cpuNsPerRow: median(cpuSamples.get(id)),
      samples: samples.get(id),
      cpuSamples: cpuSamples.get(id),
      error: errors[id] ?? null,
    };
  });
  const find = (engine, name) => cases.find((c) => c.engine === engine && c.name === name) ?? {};
  const overheads = [];
  for (const engine of engines) {
    for (const kind of ["num", "str"]) {
      for (const mode of ["row", "batch"]) {
        const udf = find(engine, `${kind}-${mode}`);
        const expr = find(engine, `${kind}-expr`);
        const bareNs = find(engine, `bare-${kind}`);
        overheads.push({
          engine,
          workload: kind,
          mode,
          udf: udf.nsPerRow,
          expr: expr.nsPerRow,
          bare: bareNs.nsPerRow,
          overhead: udf.nsPerRow - expr.nsPerRow - bareNs.nsPerRow,
          cpuUdf: udf.cpuNsPerRow,
          cpuExpr: expr.cpuNsPerRow,
          cpuBare: bareNs.cpuNsPerRow,
          cpuOverhead: udf.cpuNsPerRow - expr.cpuNsPerRow - bareNs.cpuNsPerRow,
        });
      }
    }
  }
  const facts = machineFacts(root, { pythonBin: enginePaths(root).python });
  const ok = Object.keys(errors).length === 0;
  return {
    ok,
    summary: { suite: "b0udf", size, rounds, threads, note, facts, cases, overheads, errors },
  };
}
