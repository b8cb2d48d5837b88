// The W4 PageRank suite: generate the R-MAT graph, gate every engine/mode/worker count on the
// expected ranks, then time them interleaved (A B B A ...) over rounds and summarise medians.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkEngine, enginePaths, snapshotTributary, suiteCommand } from "../lib/engines.mjs";
import { machineFacts } from "../lib/machine.mjs";
import { machineLoad, measure } from "../lib/measure.mjs";
import { splitCsvLine } from "../lib/output.mjs";
import { median } from "../lib/w1.mjs";
import { ensureW4, hashRanks } from "./gen.mjs";

/** The modes of notes/benchmarks.md: batch, streaming (1000 edges/commit), backfill. */
export const W4_MODES = ["batch", "streaming", "backfill"];
const W4_ENGINES = new Set(["tributary", "pathway"]);

/** `{ cmd, args, env }` of one W4 run. */
function w4Command(engine, root, { input, output, mode, threads, tributaryModule }) {
  return suiteCommand(engine, root, {
    tributary: "w4/tributary.mjs",
    pathway: "w4/pathway_pagerank.py",
    args: [input, output, mode],
    threads,
    tributaryModule,
  });
}

/** Final (node, rank) state of a CSV change log (columns node, rank and optionally diff). */
export function rankState(path) {
  if (!existsSync(path)) throw new Error(`no output at ${path}`);
  const text = statSync(path).isDirectory()
    ? readdirSync(path)
        .sort()
        .map((f) => readFileSync(join(path, f), "utf8"))
        .join("\n")
    : readFileSync(path, "utf8");
  const lines = text.split("\n").filter((l) => l.length > 0);
  const header = splitCsvLine(lines[0]).map((h) => h.trim());
  const [iNode, iRank, iDiff] = ["node", "rank", "diff"].map((c) => header.indexOf(c));
  if (iNode < 0 || iRank < 0) throw new Error(`output ${path} header lacks node/rank: ${lines[0]}`);
  const net = new Map();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === lines[0]) continue;
    const f = splitCsvLine(lines[i]);
    const key = `${Number(f[iNode])},${Number(f[iRank])}`;
    net.set(key, (net.get(key) ?? 0) + (iDiff >= 0 ? Number(f[iDiff]) : 1));
  }
  const entries = [];
  for (const [k, m] of net) for (let j = 0; j < m; j++) entries.push(k.split(",").map(Number));
  return { entries, changes: lines.length - 1, hash: hashRanks(entries) };
}

async function runOnce(root, cfg, file, outDir, log, tributaryModule) {
  const output = join(outDir, `w4-${cfg.engine}-${cfg.mode}-t${cfg.threads}.csv`);
  rmSync(output, { recursive: true, force: true });
  const { cmd, args, env } = w4Command(cfg.engine, root, {
    input: file.path,
    output,
    ...cfg,
    tributaryModule,
  });
  const m = await measure(cmd, args, { env, cwd: root, timeoutSec: 1800 });
  let state = null;
  let error = null;
  if (m.ok) {
    try {
      state = rankState(output);
    } catch (e) {
      error = String(e.message);
    }
  } else error = `exit ${m.code ?? m.signal}: ${m.stderr.trim().split("\n").slice(-5).join(" | ")}`;
  rmSync(output, { recursive: true, force: true });
  const correct = state?.hash === file.hash;
  if (!correct && !error) error = `output hash ${state?.hash} != expected ${file.hash}`;
  log(
    `  ${cfg.engine} ${cfg.mode} t${cfg.threads} ${file.edges} edges: ${m.wallSec.toFixed(2)} s wall, ` +
      `${m.cpuSec.toFixed(2)} s cpu, ${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB` +
      `${state ? `, ${state.changes} output changes` : ""}${correct ? "" : ` FAILED: ${error}`}`,
  );
  return {
    ...cfg,
    edges: file.edges,
    wallSec: m.wallSec,
    cpuSec: m.cpuSec,
    maxRssBytes: m.maxRssBytes,
    changes: state?.changes ?? null,
    correct,
    error,
  };
}

/**
 * Runs W4. Options: engines, size (edges), modes, threads, rounds, smoke.
 * Returns `{ ok, summary }`.
 */
export async function runW4(root, opts, log) {
  const dataDir = join(root, "bench", "data");
  const outDir = join(dataDir, "out");
  mkdirSync(outDir, { recursive: true });
  const file = ensureW4(dataDir, opts.size, log);
  log(
    `input: ${file.path} (${file.edges} edges, ${file.vertices} vertices, R-MAT scale ${file.scale})`,
  );
  const engines = {};
  for (const e of opts.engines) {
    engines[e] = W4_ENGINES.has(e)
      ? checkEngine(e, root, log)
      : { ok: false, reason: "no W4 program" };
    if (!engines[e].ok) log(`engine ${e} unavailable: ${engines[e].reason}`);
  }
  const configs = [];
  for (const mode of opts.modes) {
    for (const engine of opts.engines) {
      if (!engines[engine].ok) continue;
      for (const threads of opts.threads) configs.push({ engine, mode, threads });
    }
  }
  const facts = machineFacts(root, { pythonBin: enginePaths(root).python });
  let tmod;
  if (engines.tributary?.ok && !opts.smoke) {
    const snap = snapshotTributary(root);
    facts.tributaryAddon = `sha256 ${snap.addonSha256}…, built ${snap.addonMtime}`;
    tmod = snap.module;
  }
  log(`correctness gate: ${configs.length} configs`);
  const gate = [];
  for (const cfg of configs) gate.push(await runOnce(root, cfg, file, outDir, log, tmod));
  const gateOk = gate.length > 0 && gate.every((g) => g.correct);
  const summary = { suite: "w4", opts, facts, engines, file, gate: { ok: gateOk, runs: gate } };
  if (opts.smoke) return { ok: gateOk, summary };

  // `--rounds 0`: the gate runs are the only (single-sample) timings, for a loaded machine.
  const runs = opts.rounds === 0 ? gate.map((g) => ({ round: 0, ...g })) : [];
  const timed = configs.filter(
    (c) =>
      gate.find((g) => g.engine === c.engine && g.mode === c.mode && g.threads === c.threads)
        ?.correct,
  );
  summary.loadBefore = machineLoad();
  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 === 0 ? timed : [...timed].reverse();
    log(`round ${round + 1}/${opts.rounds}`);
    for (const cfg of order)
      runs.push({ round, ...(await runOnce(root, cfg, file, outDir, log, tmod)) });
  }
  summary.loadAfter = machineLoad();
  summary.runs = runs;
  summary.rows = timed.map((cfg) => {
    const mine = runs.filter(
      (r) =>
        r.engine === cfg.engine && r.mode === cfg.mode && r.threads === cfg.threads && r.correct,
    );
    const wallSec = median(mine.map((r) => r.wallSec));
    return {
      ...cfg,
      rounds: mine.length,
      wallSec,
      cpuSec: median(mine.map((r) => r.cpuSec)),
      edgesPerSec: file.edges / wallSec,
      peakRssMiB: median(mine.map((r) => r.maxRssBytes / 2 ** 20)),
    };
  });
  summary.ratios = summary.rows
    .filter((r) => r.engine === "tributary")
    .map((t) => {
      const p = summary.rows.find(
        (r) => r.engine === "pathway" && r.mode === t.mode && r.threads === t.threads,
      );
      return {
        mode: t.mode,
        threads: t.threads,
        tributaryOverPathwayWall: p ? t.wallSec / p.wallSec : null,
      };
    });
  return { ok: gateOk && runs.every((r) => r.correct), summary };
}

/** Markdown table of a W4 summary (for REPORT.md / the final report). */
export function w4Markdown(summary) {
  if (!summary?.rows) return "";
  const lines = [
    `### W4 PageRank (${summary.file.edges} edges, ${summary.file.vertices} vertices, 5 rounds)`,
    "",
    "| mode | engine | workers | wall s (median) | cpu s | edges/s | peak RSS MiB |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of summary.rows) {
    lines.push(
      `| ${r.mode} | ${r.engine} | ${r.threads} | ${r.wallSec.toFixed(2)} | ${r.cpuSec.toFixed(2)} | ${Math.round(r.edgesPerSec)} | ${r.peakRssMiB.toFixed(0)} |`,
    );
  }
  lines.push("", "| mode | workers | tributary / pathway (wall) |", "|---|---|---|");
  for (const r of summary.ratios)
    lines.push(`| ${r.mode} | ${r.threads} | ${r.tributaryOverPathwayWall?.toFixed(2) ?? "n/a"} |`);
  return lines.join("\n");
}
