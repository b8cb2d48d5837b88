// The W1 latency suite (notes/benchmarks.md W1 (b)): an open-loop feeder appends words to a file
// at fixed rates while an engine counts them in streaming mode; the latency of a word is the time
// from its append to the first output row whose count reaches its running count.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { enginePaths } from "./engines.mjs";
import { machineFacts } from "./machine.mjs";
import { machineLoad } from "./measure.mjs";

/** Seconds an engine gets to start before the feeder begins. */
const STARTUP_SEC = { tributary: 2, pathway: 10 };
/** Seconds after the feeder ends during which late outputs still count. */
const DRAIN_SEC = 3;
/** Samples of the first second are warm-up and left out of the percentiles. */
const WARMUP_MS = 1000;

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Percentile `p` (0..1) of sorted numbers. */
function pct(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/**
 * Latencies of the feeder's samples against the engine's output events: for each sampled
 * (word, count, at), the first event of that word with a count at least as high.
 */
export function latencies(feed, events) {
  const byWord = new Map();
  for (let i = 0; i < events.word.length; i++) {
    let list = byWord.get(events.word[i]);
    if (!list) {
      list = [];
      byWord.set(events.word[i], list);
    }
    list.push([events.count[i], events.at[i], events.commit?.[i]]);
  }
  for (const list of byWord.values()) list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const { word, count, at } = feed.samples;
  const start = at.length > 0 ? at[0] : 0;
  const kept = [];
  let missing = 0;
  for (let i = 0; i < word.length; i++) {
    const list = byWord.get(word[i]) ?? [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid][0] < count[i]) lo = mid + 1;
      else hi = mid;
    }
    if (lo === list.length) {
      missing++;
      continue;
    }
    // Counts of a word only grow, so the first event reaching the count is also the earliest.
    const first = list[lo][1];
    const commit = list[lo][2];
    if (at[i] - start >= WARMUP_MS)
      kept.push({
        at: at[i],
        latency: Math.max(0, first - at[i]),
        // Split (Tributary only): append → commit closed, commit closed → callback.
        toCommit: commit === undefined ? undefined : commit - at[i],
        toCallback: commit === undefined ? undefined : first - commit,
      });
  }
  const sorted = kept.map((k) => k.latency).sort((a, b) => a - b);
  const fifth = Math.max(1, Math.floor(kept.length / 5));
  const median = (xs) =>
    pct(
      [...xs].sort((a, b) => a - b),
      0.5,
    );
  const early = median(kept.slice(0, fifth).map((k) => k.latency));
  const late = median(kept.slice(-fifth).map((k) => k.latency));
  const p99 = pct(sorted, 0.99);
  const split = (field) => {
    const xs = kept.map((k) => k[field]).filter((x) => x !== undefined);
    if (xs.length === 0) return undefined;
    xs.sort((a, b) => a - b);
    return { p50: pct(xs, 0.5), p99: pct(xs, 0.99) };
  };
  return {
    appendToCommit: split("toCommit"),
    commitToCallback: split("toCallback"),
    samples: word.length,
    measured: kept.length,
    missing,
    p50: pct(sorted, 0.5),
    p95: pct(sorted, 0.95),
    p99,
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    earlyMedian: early,
    lateMedian: late,
    keptUp: missing === 0 && p99 < 1000 && !(late > 2 * early + 50),
  };
}

async function runOne(root, dir, cfg, seconds, log) {
  const input = join(dir, `words-${cfg.engine}-${cfg.rate}-${cfg.commitMs}.jsonl`);
  const samplesPath = join(dir, "samples.json");
  const eventsPath = join(dir, "events.json");
  for (const p of [input, samplesPath, eventsPath]) rmSync(p, { force: true });
  writeFileSync(input, "");
  const startup = STARTUP_SEC[cfg.engine];
  const engineSeconds = startup + seconds + DRAIN_SEC;
  const engine =
    cfg.engine === "tributary"
      ? run(process.execPath, [
          join(root, "bench", "w1lat", "tributary.mjs"),
          input,
          String(cfg.threads),
          String(cfg.commitMs),
          String(engineSeconds),
          eventsPath,
        ])
      : run(
          enginePaths(root).python,
          [
            join(root, "bench", "w1lat", "pathway_latency.py"),
            input,
            String(cfg.commitMs),
            String(engineSeconds),
            eventsPath,
          ],
          { PATHWAY_THREADS: String(cfg.threads) },
        );
  await sleep(startup * 1000);
  const load = machineLoad();
  const feeder = await run(process.execPath, [
    join(root, "bench", "w1lat", "feeder.mjs"),
    input,
    String(cfg.rate),
    String(seconds),
    samplesPath,
  ]);
  const done = await engine;
  rmSync(input, { force: true });
  if (feeder.code !== 0 || done.code !== 0) {
    const why =
      feeder.code !== 0
        ? `feeder: ${feeder.stderr}`
        : `engine exit ${done.code ?? done.signal}: ${done.stderr}`;
    log(`  ${cfg.engine} rate=${cfg.rate} commit=${cfg.commitMs}: FAILED ${why.slice(-300)}`);
    return { ...cfg, ok: false, error: why.slice(-500) };
  }
  const feed = JSON.parse(readFileSync(samplesPath, "utf8"));
  const events = JSON.parse(readFileSync(eventsPath, "utf8"));
  const lat = latencies(feed, events);
  const r = {
    ...cfg,
    ok: true,
    offeredRate: feed.written / feed.seconds,
    maxFeederLagMs: feed.maxFeederLagMs,
    load,
    loadAfter: machineLoad(),
    engineCpuMs: events.cpuMs,
    engineSeconds: events.seconds,
    ...lat,
  };
  log(
    `  ${cfg.engine} t${cfg.threads} rate=${cfg.rate} commit=${cfg.commitMs}ms: p50 ${lat.p50?.toFixed(1)} p95 ${lat.p95?.toFixed(1)} ` +
      `p99 ${lat.p99?.toFixed(1)} ms, missing ${lat.missing}/${lat.samples}${lat.keptUp ? "" : " (NOT kept up)"}` +
      (lat.appendToCommit
        ? ` [append→commit p50 ${lat.appendToCommit.p50} p99 ${lat.appendToCommit.p99}; commit→callback p50 ${lat.commitToCallback.p50.toFixed(1)} p99 ${lat.commitToCallback.p99.toFixed(1)}]`
        : "") +
      (events.cpuMs ? ` cpu ${(events.cpuMs / 1000).toFixed(1)} s` : "") +
      ` load ${JSON.stringify(load)}`,
  );
  return r;
}

/** Runs the suite: every rate × commit interval × engine, interleaved (A B, then B A). */
export async function runW1Latency(root, opts, log) {
  const dir = join(root, "bench", "data", "out", "w1lat");
  mkdirSync(dir, { recursive: true });
  const results = [];
  let flip = false;
  for (const threads of opts.threads) {
    for (const commitMs of opts.commits) {
      for (const rate of opts.rates) {
        const engines = flip ? [...opts.engines].reverse() : opts.engines;
        flip = !flip;
        for (const engine of engines) {
          results.push(
            await runOne(root, dir, { engine, threads, commitMs, rate }, opts.seconds, log),
          );
        }
      }
    }
  }
  const highest = {};
  for (const r of results) {
    const k = `${r.engine} t${r.threads} commit ${r.commitMs}ms`;
    if (r.ok && r.keptUp) highest[k] = Math.max(highest[k] ?? 0, r.rate);
    else highest[k] ??= 0;
  }
  const facts = machineFacts(root, { pythonBin: enginePaths(root).python });
  const ok = results.every((r) => r.ok);
  return {
    ok,
    summary: { suite: "w1lat", seconds: opts.seconds, note: opts.note, facts, results, highest },
  };
}

/** The report section of a W1 latency summary. */
export function w1latSection(s) {
  const out = ["## W1 WordCount, latency mode", ""];
  out.push(
    `Open-loop feeder appending \`{"word"}\` lines to a watched file at each rate for ${s.seconds} s ` +
      "(first second left out); latency = append → first output row (at a subscribe callback) whose count " +
      "reaches the word's running count. Kept up = every sample answered, p99 < 1 s, no growing backlog.",
  );
  if (s.note) out.push("", s.note);
  out.push(
    "",
    "| engine | workers | commit | offered words/s | p50 ms | p95 ms | p99 ms | max ms | kept up |",
  );
  out.push("|---|---|---|---|---|---|---|---|---|");
  const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : "–");
  for (const r of s.results) {
    if (!r.ok) {
      out.push(`| ${r.engine} | ${r.threads} | ${r.commitMs} ms | ${r.rate} | failed | | | | no |`);
      continue;
    }
    out.push(
      `| ${r.engine} | ${r.threads} | ${r.commitMs} ms | ${Math.round(r.offeredRate)} | ${f(r.p50)} | ${f(r.p95)} | ` +
        `${f(r.p99)} | ${f(r.max)} | ${r.keptUp ? "yes" : `no (${r.missing} unanswered)`} |`,
    );
  }
  out.push("", "Highest rate kept up with:", "");
  for (const [k, v] of Object.entries(s.highest))
    out.push(`- ${k}: ${v ? `${v} words/s` : "none of the rates"}`);
  out.push("");
  return out.join("\n");
}
