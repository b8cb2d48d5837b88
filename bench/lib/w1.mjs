// The W1 WordCount throughput suite: generate, gate, time (interleaved), summarise.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  checkEngine,
  enginePaths,
  snapshotTributary,
  supportsThreads,
  w1Command,
} from "./engines.mjs";
import { ensureW1 } from "./gen.mjs";
import { machineFacts } from "./machine.mjs";
import { cpuJiffies, machineLoad, measure, waitQuiet } from "./measure.mjs";
import { wordCountState } from "./output.mjs";

const USER_HZ = 100;

/** Median of finite numbers (NaN when none). */
export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Runs one engine config on one input file, checks its output, returns the measurement. */
async function runOnce(root, cfg, file, outDir, log, tributaryModule) {
  const output = join(outDir, `${cfg.engine}-t${cfg.threads}-${file.lines}.csv`);
  rmSync(output, { recursive: true, force: true });
  const { cmd, args, env } = w1Command(cfg.engine, root, {
    input: file.path,
    output,
    threads: cfg.threads,
    tributaryModule,
  });
  const j0 = cpuJiffies();
  const h0 = process.cpuUsage();
  const m = await measure(cmd, args, { env, cwd: root });
  const h1 = process.cpuUsage(h0);
  const j1 = cpuJiffies();
  // Machine-wide busy CPU during the run minus the child's and the harness's own CPU = load from
  // other processes.
  const busySec = (j1.busy - j0.busy) / USER_HZ - (h1.user + h1.system) / 1e6;
  const otherCores = Math.max(0, (busySec - m.cpuSec) / m.wallSec);
  const stealCores = (j1.steal - j0.steal) / USER_HZ / m.wallSec;
  let hash = null;
  let error = null;
  if (m.ok) {
    try {
      hash = wordCountState(output).hash;
    } catch (e) {
      error = String(e.message);
    }
  } else {
    error = `exit ${m.code ?? m.signal}: ${m.stderr.trim().split("\n").slice(-5).join(" | ")}`;
  }
  rmSync(output, { recursive: true, force: true });
  let phases = null;
  const lastLine = m.stdout.trim().split("\n").pop();
  if (lastLine?.startsWith("{")) {
    try {
      phases = JSON.parse(lastLine).phases ?? null;
    } catch {
      // not ours
    }
  }
  const correct = hash === file.hash;
  if (!correct && !error) error = `output hash ${hash} != expected ${file.hash}`;
  const r = {
    engine: cfg.engine,
    threads: cfg.threads,
    lines: file.lines,
    wallSec: m.wallSec,
    cpuSec: m.cpuSec,
    userSec: m.userSec,
    sysSec: m.sysSec,
    maxRssBytes: m.maxRssBytes,
    otherCores,
    stealCores,
    correct,
    error,
    phases,
  };
  log(
    `  ${cfg.engine} t${cfg.threads} ${file.lines} lines: ${m.wallSec.toFixed(2)} s wall, ${m.cpuSec.toFixed(2)} s cpu, ` +
      `${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB, other load ${otherCores.toFixed(2)} cores, steal ${stealCores.toFixed(2)}${correct ? "" : ` FAILED: ${error}`}`,
  );
  return r;
}

/**
 * Runs the W1 suite. Options: engines, size, threads (array), rounds, smoke.
 * Returns `{ ok, summary }` where summary holds facts, gate, runs and aggregates.
 */
export async function runW1(root, opts, log) {
  const dataDir = join(root, "bench", "data");
  const outDir = join(dataDir, "out");
  mkdirSync(outDir, { recursive: true });
  const files = ensureW1(dataDir, { size: opts.size, log });
  log(
    `input: ${files.full.path} (${files.full.lines} lines), warm-up prefix ${files.prefix.lines} lines`,
  );

  const engines = {};
  for (const e of opts.engines) {
    engines[e] = checkEngine(e, root, log);
    if (!engines[e].ok) log(`engine ${e} unavailable: ${engines[e].reason}`);
  }
  const configs = [];
  for (const e of opts.engines) {
    if (!engines[e].ok) continue;
    for (const t of opts.threads) {
      if (t > 1 && !supportsThreads(e)) continue;
      configs.push({ engine: e, threads: t });
    }
  }
  const facts = machineFacts(root, { pythonBin: enginePaths(root).python });
  let snap = null;
  if (engines.tributary?.ok && !opts.smoke) {
    snap = snapshotTributary(root);
    facts.tributaryAddon = `sha256 ${snap.addonSha256}…, built ${snap.addonMtime}`;
  }
  const tmod = snap?.module;

  // Correctness gate: every config on the gate file (the whole file in smoke mode, else the
  // warm-up prefix); the sorted (word,count) result must hash to the generator's own count.
  const gateFile = opts.smoke ? files.full : files.prefix;
  log(`correctness gate on ${gateFile.lines} lines`);
  const gate = [];
  for (const cfg of configs) gate.push(await runOnce(root, cfg, gateFile, outDir, log, tmod));
  const gateOk = gate.every((g) => g.correct);
  log(
    `gate: ${gateOk ? "PASS" : "FAIL"} (${gate.filter((g) => g.correct).length}/${gate.length} configs match sha256 ${gateFile.hash.slice(0, 16)}…)`,
  );
  const summary = {
    suite: "w1",
    opts,
    facts,
    engines,
    files,
    gate: { file: gateFile.lines, ok: gateOk, runs: gate },
  };
  const allAvailable = opts.engines.every((e) => engines[e].ok);
  if (opts.smoke) return { ok: gateOk && allAvailable && configs.length > 0, summary };

  const timed = configs.filter(
    (c) => gate.find((g) => g.engine === c.engine && g.threads === c.threads)?.correct,
  );
  const runs = [];
  const waits = [];
  const loadBefore = machineLoad();
  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 === 0 ? timed : [...timed].reverse();
    log(
      `round ${round + 1}/${opts.rounds}: ${order.map((c) => `${c.engine}/t${c.threads}`).join(" ")}`,
    );
    for (const cfg of order) {
      if (opts.waitQuiet > 0) {
        const q = await waitQuiet(opts.waitQuiet, 0.3, log);
        waits.push({ round, engine: cfg.engine, threads: cfg.threads, ...q });
      }
      for (const [kind, file] of [
        ["one", files.one],
        ["prefix", files.prefix],
        ["full", files.full],
      ]) {
        const r = await runOnce(root, cfg, file, outDir, log, tmod);
        runs.push({ round, kind, ...r });
      }
    }
  }
  summary.phases = await tributaryPhases(root, timed, files, log, tmod);
  summary.waits = waits;
  summary.loadBefore = loadBefore;
  summary.loadAfter = machineLoad();
  summary.runs = runs;
  summary.rows = aggregate(timed, runs, files);
  summary.ratios = ratios(summary.rows, opts.threads);
  return { ok: gateOk && runs.every((r) => r.correct), summary };
}

/**
 * Tributary's time split by pipeline stage (bench/w1/tributary_phases.mjs) on the warm-up
 * prefix, per worker count: parse-only, read-to-output, groupBy, full W1. Medians of 3 runs.
 */
async function tributaryPhases(root, configs, files, log, tributaryModule) {
  const out = [];
  for (const cfg of configs.filter((c) => c.engine === "tributary")) {
    const script = join(root, "bench", "w1", "tributary_phases.mjs");
    const output = join(root, "bench", "data", "out", "phases.csv");
    const m = await measure(
      process.execPath,
      [script, files.prefix.path, output, String(cfg.threads), "3"],
      {
        cwd: root,
        env: tributaryModule ? { TRIBUTARY_MODULE: tributaryModule } : {},
      },
    );
    rmSync(output, { force: true });
    try {
      const ms = JSON.parse(m.stdout.trim().split("\n").pop());
      out.push({ threads: cfg.threads, lines: files.prefix.lines, ms });
      log(`  tributary phases t${cfg.threads}: ${JSON.stringify(ms)}`);
    } catch {
      log(
        `  tributary phases t${cfg.threads} failed: ${m.stderr.trim().split("\n").slice(-3).join(" | ")}`,
      );
    }
  }
  return out;
}

/** Per-config medians over rounds. */
function aggregate(configs, runs, files) {
  const steadyLines = files.full.lines - files.prefix.lines;
  return configs.map((cfg) => {
    const mine = runs.filter(
      (r) => r.engine === cfg.engine && r.threads === cfg.threads && r.correct,
    );
    const byRound = new Map();
    for (const r of mine) {
      if (!byRound.has(r.round)) byRound.set(r.round, {});
      byRound.get(r.round)[r.kind] = r;
    }
    const per = [...byRound.values()].filter((x) => x.full);
    const full = per.map((x) => x.full);
    const steadyWps = per
      .filter((x) => x.prefix)
      .map((x) => steadyLines / (x.full.wallSec - x.prefix.wallSec));
    const steadyWpc = per
      .filter((x) => x.prefix)
      .map((x) => steadyLines / (x.full.cpuSec - x.prefix.cpuSec));
    const phaseRun = full.map((r) => r.phases?.runMs).filter((x) => x != null);
    return {
      engine: cfg.engine,
      threads: cfg.threads,
      rounds: per.length,
      wallSec: median(full.map((r) => r.wallSec)),
      cpuSec: median(full.map((r) => r.cpuSec)),
      wordsPerSec: median(full.map((r) => files.full.lines / r.wallSec)),
      wordsPerCpuSec: median(full.map((r) => files.full.lines / r.cpuSec)),
      steadyWordsPerSec: median(steadyWps),
      steadyWordsPerCpuSec: median(steadyWpc),
      prefixWallSec: median(per.map((x) => x.prefix?.wallSec)),
      startupSec: median(per.map((x) => x.one?.wallSec)),
      startupCpuSec: median(per.map((x) => x.one?.cpuSec)),
      maxRssMiB: Math.max(...full.map((r) => r.maxRssBytes)) / 2 ** 20,
      medianRssMiB: median(full.map((r) => r.maxRssBytes)) / 2 ** 20,
      // Load estimates of runs shorter than 2 s are dominated by 10 ms jiffy granularity.
      otherCoresMax: Math.max(0, ...mine.filter((r) => r.wallSec >= 2).map((r) => r.otherCores)),
      stealCoresMax: Math.max(
        0,
        ...mine.filter((r) => r.wallSec >= 2).map((r) => r.stealCores ?? 0),
      ),
      engineRunMs: phaseRun.length ? median(phaseRun) : null,
    };
  });
}

/** tributary/pathway and tributary/node ratios per thread count, from the rows of this run. */
function ratios(rows, threads) {
  const out = [];
  const find = (e, t) => rows.find((r) => r.engine === e && r.threads === t);
  for (const t of threads) {
    const tr = find("tributary", t);
    if (!tr) continue;
    for (const peer of ["pathway", "node"]) {
      const p = find(peer, t) ?? (peer === "node" ? find("node", 1) : undefined);
      if (!p) continue;
      out.push({
        threads: t,
        peer,
        peerThreads: p.threads,
        wordsPerSec: tr.wordsPerSec / p.wordsPerSec,
        steadyWordsPerSec: tr.steadyWordsPerSec / p.steadyWordsPerSec,
        wordsPerCpuSec: tr.wordsPerCpuSec / p.wordsPerCpuSec,
        rss: tr.maxRssMiB / p.maxRssMiB,
        startup: tr.startupSec / p.startupSec,
      });
    }
  }
  return out;
}
