// The W3 suite (notes/benchmarks.md W3 (a)): single-change latency on large state. Each engine
// loads ROWS rows over KEYS keys into groupBy(k).reduce(count, sum), waits for quiescence, then
// receives CHANGES single-row changes (insert, key move, delete) 10 ms apart; the latency of a
// change is the time from its push to its key's output change at a subscribe callback.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { enginePaths } from "./engines.mjs";
import { machineFacts } from "./machine.mjs";
import { measure } from "./measure.mjs";

const KEYS = 1_000_000;

/** `k,v` rows with k = i mod KEYS, so that every key is present. Cached in bench/data. */
function ensureLoad(dataDir, rows) {
  const path = join(dataDir, `w3-load-n${rows}.csv`);
  if (existsSync(path)) return path;
  mkdirSync(dataDir, { recursive: true });
  const fd = openSync(`${path}.tmp`, "w");
  const lines = ["k,v"];
  for (let i = 0; i < rows; i++) {
    lines.push(`${i % KEYS},${i % 100}`);
    if (lines.length >= 100_000) {
      writeSync(fd, `${lines.join("\n")}\n`);
      lines.length = 0;
    }
  }
  if (lines.length) writeSync(fd, `${lines.join("\n")}\n`);
  closeSync(fd);
  // Renamed only once complete, so an interrupted generation is never taken for a finished file.
  renameSync(`${path}.tmp`, path);
  return path;
}

function stats(latencies) {
  const s = [...latencies].sort((a, b) => a - b);
  const at = (p) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : Number.NaN);
  return {
    answered: s.length,
    p50: at(0.5),
    p99: at(0.99),
    max: s.length ? s[s.length - 1] : Number.NaN,
  };
}

/** Runs the suite; returns `{ ok, summary }`. */
export async function runW3(root, opts, log) {
  const dataDir = join(root, "bench", "data");
  const load = ensureLoad(dataDir, opts.rows);
  const outDir = join(dataDir, "out");
  mkdirSync(outDir, { recursive: true });
  const results = [];
  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 === 0 ? opts.engines : [...opts.engines].reverse();
    for (const engine of order) {
      for (const threads of opts.threads) {
        const out = join(outDir, `w3-${engine}-t${threads}.json`);
        rmSync(out, { force: true });
        const [cmd, args, env] =
          engine === "tributary"
            ? [
                process.execPath,
                [
                  join(root, "bench", "w3", "tributary.mjs"),
                  load,
                  String(opts.rows),
                  String(threads),
                  String(opts.changes),
                  out,
                ],
                {},
              ]
            : [
                enginePaths(root).python,
                [
                  join(root, "bench", "w3", "pathway_w3.py"),
                  load,
                  String(opts.rows),
                  String(opts.changes),
                  out,
                ],
                { PATHWAY_THREADS: String(threads) },
              ];
        const m = await measure(cmd, args, { env, cwd: root, timeoutSec: 1800 });
        if (!existsSync(out)) {
          const why = m.stderr.trim().split("\n").slice(-4).join(" | ");
          log(`  ${engine} t${threads}: FAILED (${why.slice(0, 300)})`);
          results.push({ engine, threads, round, ok: false, error: why.slice(0, 500) });
          continue;
        }
        const r = JSON.parse(readFileSync(out, "utf8"));
        const s = stats(r.latencies);
        // Every change must reach the callback (a missing one is reported, not hidden).
        const ok = s.answered === opts.changes;
        log(
          `  ${engine} t${threads}: load ${r.loadSec.toFixed(1)} s, RSS after load ${r.rssMiBAfterLoad.toFixed(0)} MiB, at end ${(r.rssMiBAtEnd ?? Number.NaN).toFixed(0)} MiB, ` +
            `p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(2)} ms, answered ${s.answered}/${opts.changes}`,
        );
        results.push({
          engine,
          threads,
          round,
          ok,
          loadSec: r.loadSec,
          rssMiBAfterLoad: r.rssMiBAfterLoad,
          rssMiBAtEnd: r.rssMiBAtEnd,
          peakRssMiB: m.maxRssBytes / 2 ** 20,
          ...s,
        });
      }
    }
  }
  const facts = machineFacts(root, { pythonBin: enginePaths(root).python });
  return {
    ok: results.every((r) => r.ok),
    summary: {
      suite: "w3",
      rows: opts.rows,
      keys: KEYS,
      changes: opts.changes,
      note: opts.note,
      facts,
      results,
    },
  };
}

/** The report section of a W3 summary. */
export function w3Section(s) {
  const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "–");
  const out = ["## W3 single-change latency on large state", ""];
  out.push(
    `groupBy(k).reduce(count, sum) over ${s.rows} rows / ${s.keys} keys, then ${s.changes} single-row changes ` +
      "(insert, key move, delete) 10 ms apart; latency = push → the key's output change at a subscribe callback.",
  );
  if (s.note) out.push("", s.note);
  out.push(
    "",
    "| engine | workers | round | load s | RSS after load MiB | RSS at end MiB | p50 ms | p99 ms | max ms | answered |",
  );
  out.push("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of s.results) {
    if (!r.ok && r.error) {
      out.push(`| ${r.engine} | ${r.threads} | ${r.round} | failed | | | | | | |`);
      continue;
    }
    out.push(
      `| ${r.engine} | ${r.threads} | ${r.round} | ${f(r.loadSec, 1)} | ${f(r.rssMiBAfterLoad, 0)} | ${f(r.rssMiBAtEnd, 0)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${r.answered}/${s.changes} |`,
    );
  }
  out.push("");
  return out.join("\n");
}
