#!/usr/bin/env node
// Benchmark harness. Usage:
//   npm run bench -- --suite w1 --engines tributary,pathway,node [--size 20000000] [--threads 1,2] [--rounds 3]
//   npm run bench -- --suite b0 [--size 2000000]
//   npm run bench -- --suite w4 --engines tributary,pathway [--size 400000] [--modes batch,streaming,backfill] [--rounds 0: gate runs only]
//   node bench/run.mjs --suite w1 --engines tributary,node --size 20000 --rounds 1 --smoke
//   npm run bench -- --suite b0udf --engines tributary,pathway [--size 10000000] [--rounds 3]
//   npm run bench -- --suite nexmark --engines tributary,pathway [--size 1000000] [--queries q0,q1,q2,q3,q5,q7,q8] [--threads 1] [--rounds 1] [--merge 1: keep other engines' rows of nexmark.json]
//   npm run bench -- --suite report          (re-render REPORT.md from results/*.json + NOTES.md)
// Smoke mode only checks correctness (exit 0/1); it writes no results.
// --wait-quiet SEC: before each config of each round, wait up to SEC seconds for other load to stop.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runB0 } from "./lib/b0.mjs";
import { runB0Udf } from "./lib/b0udf.mjs";
import { renderReport } from "./lib/report.mjs";
import { w1Svg } from "./lib/svg.mjs";
import { runW1 } from "./lib/w1.mjs";
import { runW1Latency } from "./lib/w1lat.mjs";
import { runW3 } from "./lib/w3.mjs";
import { runW4, W4_MODES, w4Markdown } from "./w4/suite.mjs";
import { NEXMARK_QUERIES, runNexmark } from "./nexmark/suite.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function parseArgs(argv) {
  const o = {
    suite: "w1",
    engines: "tributary,pathway,node",
    threads: "1,2",
    rounds: "3",
    smoke: false,
    note: "",
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--smoke") o.smoke = true;
    else if (a === "--help" || a === "-h") o.help = true;
    else if (a.startsWith("--")) {
      const [k, v] = a.includes("=") ? a.slice(2).split("=", 2) : [a.slice(2), argv[++i]];
      o[k] = v;
    }
  }
  return o;
}

const a = parseArgs(process.argv.slice(2));
if (a.help) {
  console.log(
    readFileSync(fileURLToPath(import.meta.url), "utf8")
      .split("\n")
      .slice(1, 7)
      .join("\n"),
  );
  process.exit(0);
}
const log = (s) => console.error(`[bench] ${s}`);
const resultsDir = join(root, "bench", "results");
const rawDir = join(resultsDir, "raw");

const stamp = new Date().toISOString().replace(/[:.]/g, "-");
let result;
if (a.suite === "w1") {
  const opts = {
    engines: a.engines.split(",").filter(Boolean),
    size: Number(a.size ?? (a.smoke ? 20000 : 20_000_000)),
    threads: a.threads.split(",").map(Number),
    rounds: Number(a.rounds),
    smoke: a.smoke,
    note: a.note,
    waitQuiet: Number(a["wait-quiet"] ?? 0),
  };
  result = await runW1(root, opts, log);
} else if (a.suite === "w1lat") {
  const opts = {
    engines: (a.engines === "tributary,pathway,node" ? "tributary,pathway" : a.engines)
      .split(",")
      .filter(Boolean),
    threads: (a.threads === "1,2" ? "1" : a.threads).split(",").map(Number),
    rates: (a.rates ?? (a.smoke ? "20000" : "100000,200000,500000,800000,1200000"))
      .split(",")
      .map(Number),
    commits: (a.commits ?? (a.smoke ? "20" : "20,100")).split(",").map(Number),
    seconds: Number(a.seconds ?? (a.smoke ? 2 : 8)),
    note: a.note,
  };
  result = await runW1Latency(root, opts, log);
} else if (a.suite === "w3") {
  const opts = {
    engines: (a.engines === "tributary,pathway,node" ? "tributary,pathway" : a.engines)
      .split(",")
      .filter(Boolean),
    threads: (a.threads === "1,2" ? "1" : a.threads).split(",").map(Number),
    rows: Number(a.size ?? (a.smoke ? 20000 : 10_000_000)),
    changes: Number(a.changes ?? (a.smoke ? 30 : 1000)),
    rounds: Number(a.smoke ? 1 : a.rounds === "3" ? 2 : a.rounds),
    note: a.note,
  };
  result = await runW3(root, opts, log);
} else if (a.suite === "w4") {
  const engines = a.engines === "tributary,pathway,node" ? "tributary,pathway" : a.engines;
  const opts = {
    engines: engines.split(",").filter(Boolean),
    size: Number(a.size ?? (a.smoke ? 4000 : 400_000)),
    modes: (a.modes ?? W4_MODES.join(",")).split(",").filter(Boolean),
    threads: a.threads.split(",").map(Number),
    rounds: Number(a.rounds),
    smoke: a.smoke,
    note: a.note,
  };
  result = await runW4(root, opts, log);
} else if (a.suite === "nexmark") {
  const engines = a.engines === "tributary,pathway,node" ? "tributary,pathway" : a.engines;
  const opts = {
    engines: engines.split(",").filter(Boolean),
    size: Number(a.size ?? (a.smoke ? 20000 : 1_000_000)),
    queries: (a.queries ?? NEXMARK_QUERIES.join(",")).split(",").filter(Boolean),
    threads: (a.threads === "1,2" ? "1" : a.threads).split(",").map(Number),
    rounds: Number(a.rounds === "3" ? 1 : a.rounds),
    smoke: a.smoke,
    note: a.note,
  };
  const previousPath = join(resultsDir, "nexmark.json");
  if (a.merge !== undefined && existsSync(previousPath)) {
    opts.previous = JSON.parse(readFileSync(previousPath, "utf8"));
  }
  result = await runNexmark(root, opts, log);
} else if (a.suite === "report") {
  result = { ok: true, summary: null }; // only re-render REPORT.md (e.g. after editing NOTES.md)
} else if (a.suite === "b0") {
  result = await runB0(
    root,
    { size: Number(a.size ?? (a.smoke ? 20000 : 2_000_000)), smoke: a.smoke, note: a.note },
    log,
  );
} else if (a.suite === "b0udf") {
  const engines = a.engines.split(",").filter((e) => e === "tributary" || e === "pathway");
  const size = Number(a.size ?? (a.smoke ? 20000 : 10_000_000));
  result = await runB0Udf(root, { size, rounds: Number(a.rounds), engines, note: a.note }, log);
} else {
  log(`unknown suite ${a.suite}`);
  process.exit(2);
}

if (a.smoke) {
  log(`smoke ${result.ok ? "PASS" : "FAIL"}`);
  process.exit(result.ok ? 0 : 1);
}

mkdirSync(rawDir, { recursive: true });
if (result.summary) {
  writeFileSync(join(rawDir, `${a.suite}-${stamp}.json`), JSON.stringify(result.summary, null, 2));
  writeFileSync(join(resultsDir, `${a.suite}.json`), JSON.stringify(result.summary, null, 2));
}
const summaries = {};
for (const s of ["w1", "b0", "b0udf", "w1lat", "w3", "w4", "nexmark"]) {
  const p = join(resultsDir, `${s}.json`);
  if (existsSync(p)) summaries[s] = JSON.parse(readFileSync(p, "utf8"));
}
if (summaries.w1) writeFileSync(join(resultsDir, "w1.svg"), w1Svg(summaries.w1));
const notesPath = join(resultsDir, "NOTES.md");
const notes = existsSync(notesPath) ? readFileSync(notesPath, "utf8") : "";
writeFileSync(join(resultsDir, "REPORT.md"), renderReport(summaries, notes));
if (summaries.w4) writeFileSync(join(resultsDir, "w4.md"), `${w4Markdown(summaries.w4)}\n`);
log(
  `wrote bench/results/REPORT.md${result.summary ? ` and raw/${a.suite}-${stamp}.json` : ""} (${result.ok ? "all runs correct" : "SOME RUNS FAILED"})`,
);
process.exit(result.ok ? 0 : 1);
