// The Nexmark suite: generate the events once per size, gate every engine/query/worker count
// on the JavaScript reference result (bench/nexmark/gen.mjs), then time them interleaved
// (A B B A ...) over rounds. Metric: events per CPU-second (user + sys of the engine process),
// and the ratio tributary / pathway of that figure.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkEngine, enginePaths, snapshotTributary, suiteCommand } from "../lib/engines.mjs";
import { machineFacts } from "../lib/machine.mjs";
import { machineLoad, measure } from "../lib/measure.mjs";
import { splitCsvLine } from "../lib/output.mjs";
import { median } from "../lib/w1.mjs";
import { COLUMNS, ensureNexmark, hashRows, QUERIES } from "./gen.mjs";

export const NEXMARK_QUERIES = QUERIES;
const ENGINES = new Set(["tributary", "pathway"]);

function command(engine, root, { dir, query, output, threads, tributaryModule }) {
  return suiteCommand(engine, root, {
    tributary: "nexmark/tributary.mjs",
    pathway: "nexmark/pathway_nexmark.py",
    args: [dir, query, output],
    threads,
    tributaryModule,
  });
}

/** The final rows of a CSV change log (a file or a directory of parts), folded by `diff`. */
export function finalRows(path, query) {
  if (!existsSync(path)) throw new Error(`no output at ${path}`);
  const text = statSync(path).isDirectory()
    ? readdirSync(path)
        .sort()
        .map((f) => readFileSync(join(path, f), "utf8"))
        .join("\n")
    : readFileSync(path, "utf8");
  const lines = text.split("\n").filter((l) => l.length > 0);
  const header = splitCsvLine(lines[0]).map((h) => h.trim());
  const cols = COLUMNS[query].map((c) => header.indexOf(c));
  if (cols.some((i) => i < 0))
    throw new Error(`output ${path} header lacks ${COLUMNS[query]}: ${lines[0]}`);
  const iDiff = header.indexOf("diff");
  const net = new Map();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === lines[0]) continue;
    const f = splitCsvLine(lines[i]);
    const key = JSON.stringify(cols.map((c) => f[c]));
    net.set(key, (net.get(key) ?? 0) + (iDiff >= 0 ? Number(f[iDiff]) : 1));
  }
  const rows = [];
  for (const [k, m] of net) {
    const values = JSON.parse(k);
    for (let j = 0; j < m; j++)
      rows.push(Object.fromEntries(COLUMNS[query].map((c, n) => [c, values[n]])));
  }
  return { rows: rows.length, changes: lines.length - 1, hash: hashRows(query, rows) };
}

async function runOnce(root, cfg, file, outDir, log, tributaryModule) {
  const output = join(outDir, `nexmark-${cfg.engine}-${cfg.query}-t${cfg.threads}.csv`);
  rmSync(output, { recursive: true, force: true });
  const { cmd, args, env } = command(cfg.engine, root, {
    dir: file.dir,
    output,
    ...cfg,
    tributaryModule,
  });
  const m = await measure(cmd, args, { env, cwd: root, timeoutSec: 1800 });
  let state = null;
  let error = null;
  if (m.ok) {
    try {
      state = finalRows(output, cfg.query);
    } catch (e) {
      error = String(e.message);
    }
  } else error = `exit ${m.code ?? m.signal}: ${m.stderr.trim().split("\n").slice(-5).join(" | ")}`;
  rmSync(output, { recursive: true, force: true });
  const expected = file.hashes[cfg.query];
  const correct = state?.hash === expected;
  if (!correct && !error)
    error = `output hash ${state?.hash} (${state?.rows} rows) != expected ${expected} (${file.rows[cfg.query]} rows)`;
  log(
    `  ${cfg.engine} ${cfg.query} t${cfg.threads}: ${m.wallSec.toFixed(2)} s wall, ${m.cpuSec.toFixed(2)} s cpu, ` +
      `${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB${state ? `, ${state.rows} rows` : ""}${correct ? "" : ` FAILED: ${error}`}`,
  );
  return {
    ...cfg,
    events: file.events,
    wallSec: m.wallSec,
    cpuSec: m.cpuSec,
    maxRssBytes: m.maxRssBytes,
    rows: state?.rows ?? null,
    correct,
    error,
  };
}

/** Runs the suite. Options: engines, size (events), queries, threads, rounds, smoke. */
export async function runNexmark(root, opts, log) {
  const dataDir = join(root, "bench", "data");
  const outDir = join(dataDir, "out");
  mkdirSync(outDir, { recursive: true });
  const file = ensureNexmark(dataDir, opts.size, log);
  log(
    `input: ${file.dir} (${file.events} events: ${file.persons} persons, ${file.auctions} auctions, ${file.bids} bids)`,
  );
  const engines = {};
  for (const e of opts.engines) {
    engines[e] = ENGINES.has(e)
      ? checkEngine(e, root, log)
      : { ok: false, reason: "no Nexmark program" };
    if (!engines[e].ok) log(`engine ${e} unavailable: ${engines[e].reason}`);
  }
  const configs = [];
  for (const query of opts.queries)
    for (const engine of opts.engines) {
      if (!engines[engine].ok) continue;
      for (const threads of opts.threads) configs.push({ engine, query, threads });
    }
  const facts = machineFacts(root, { pythonBin: enginePaths(root).python });
  let tmod;
  if (engines.tributary?.ok && !opts.smoke) {
    const snap = snapshotTributary(root);
    facts.tributaryAddon = `sha256 ${snap.addonSha256}…, built ${snap.addonMtime}`;
    tmod = snap.module;
  }
  const loadBefore = machineLoad();
  log(`correctness gate: ${configs.length} configs`);
  const gate = [];
  for (const cfg of configs) gate.push(await runOnce(root, cfg, file, outDir, log, tmod));
  const gateOk = gate.length > 0 && gate.every((g) => g.correct);
  const summary = {
    suite: "nexmark",
    opts: { ...opts, previous: undefined },
    facts,
    engines,
    file,
    loadBefore,
    gate: { ok: gateOk, runs: gate },
  };
  if (opts.smoke) return { ok: gateOk, summary };
  // `--rounds 0`: the gate runs are the only (single-sample) timings.
  const runs = opts.rounds === 0 ? gate.map((g) => ({ round: 0, ...g })) : [];
  const timed = configs.filter(
    (c) =>
      gate.find((g) => g.engine === c.engine && g.query === c.query && g.threads === c.threads)
        ?.correct,
  );
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
        r.engine === cfg.engine && r.query === cfg.query && r.threads === cfg.threads && r.correct,
    );
    const cpuSec = median(mine.map((r) => r.cpuSec));
    return {
      ...cfg,
      rounds: mine.length,
      wallSec: median(mine.map((r) => r.wallSec)),
      cpuSec,
      eventsPerCpuSec: file.events / cpuSec,
      peakRssMiB: median(mine.map((r) => r.maxRssBytes / 2 ** 20)),
      outputRows: mine[0]?.rows ?? null,
    };
  });
  // `--merge`: keep the rows of engines not run now from the previous result of the same size
  // (engines timed in separate invocations, one after the other, on a loaded machine).
  const previous = opts.previous;
  if (previous?.rows && previous.file?.events === file.events) {
    const kept = previous.rows.filter((r) => !opts.engines.includes(r.engine));
    summary.rows = [...kept, ...summary.rows];
    summary.merged = {
      engines: [...new Set(kept.map((r) => r.engine))],
      loadBefore: previous.loadBefore,
      loadAfter: previous.loadAfter,
    };
  }
  summary.ratios = summary.rows
    .filter((r) => r.engine === "tributary")
    .map((t) => {
      const p = summary.rows.find(
        (r) => r.engine === "pathway" && r.query === t.query && r.threads === t.threads,
      );
      return {
        query: t.query,
        threads: t.threads,
        tributaryOverPathwayEventsPerCpuSec: p ? t.eventsPerCpuSec / p.eventsPerCpuSec : null,
      };
    });
  return { ok: gateOk && runs.every((r) => r.correct), summary };
}

const load = (l) => (l ? `${l.load1} ${l.load5} ${l.load15}` : "n/a");

/** The REPORT.md section of a Nexmark summary. */
export function nexmarkSection(s) {
  if (!s?.rows) return "";
  const f = s.file;
  const lines = [
    "## Nexmark (q0–q3, q5, q7, q8) vs Pathway",
    "",
    `Input: ${f.events.toLocaleString("en")} events of the standard Nexmark model (${f.persons} persons, ${f.auctions} auctions, ` +
      `${f.bids} bids; 10 events per ms of event time), generated by \`bench/nexmark/gen.mjs\`, read from JSON lines files ` +
      `(static mode); each query's final output is checked against a plain-JavaScript reference before timing. ` +
      `${s.opts.rounds === 0 ? "One timed run per config (the gate run)" : `Rounds: ${s.opts.rounds}, interleaved; medians`}. "events/cpu-s" = all ${f.events.toLocaleString("en")} events / ` +
      `(user + sys CPU seconds of the engine process, start-up included). Load average before/after: ` +
      `${load(s.loadBefore)} / ${load(s.loadAfter)}` +
      (s.merged
        ? `; ${s.merged.engines.join(", ")} timed in an earlier invocation (load ${load(s.merged.loadBefore)} / ${load(s.merged.loadAfter)})`
        : "") +
      ".",
    "",
    "| query | engine | workers | cpu s | wall s | events/cpu-s | peak RSS MiB | output rows |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of s.rows) {
    lines.push(
      `| ${r.query} | ${r.engine} | ${r.threads} | ${r.cpuSec.toFixed(2)} | ${r.wallSec.toFixed(2)} | ${Math.round(r.eventsPerCpuSec).toLocaleString("en")} | ${r.peakRssMiB.toFixed(0)} | ${r.outputRows} |`,
    );
  }
  lines.push("", "| query | workers | tributary / pathway (events per cpu-s) |", "|---|---|---|");
  for (const r of s.ratios)
    lines.push(
      `| ${r.query} | ${r.threads} | ${r.tributaryOverPathwayEventsPerCpuSec?.toFixed(2) ?? "n/a"} |`,
    );
  lines.push("");
  return lines.join("\n");
}
