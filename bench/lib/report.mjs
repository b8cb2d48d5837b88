// Renders bench/results/REPORT.md from the suite summaries (bench/results/<suite>.json).
import { w1latSection } from "./w1lat.mjs";
import { w3Section } from "./w3.mjs";
import { nexmarkSection } from "../nexmark/suite.mjs";

const f2 = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const fM = (x) => (Number.isFinite(x) ? `${(x / 1e6).toFixed(2)}M` : "n/a");
const fMiB = (x) => (Number.isFinite(x) ? `${x.toFixed(0)}` : "n/a");

function factsSection(f) {
  return [
    "| fact | value |",
    "|---|---|",
    `| nproc | ${f.nproc} |`,
    `| CPU | ${f.cpuModel}${f.cpuMHz ? ` (${f.cpuMHz} MHz)` : ""} |`,
    `| memory | ${f.memGiB} GiB |`,
    `| kernel | ${f.kernel} |`,
    `| node | ${f.node} |`,
    `| rustc | ${f.rustc ?? "n/a"} |`,
    `| tributary | ${f.tributary}${f.tributaryAddon ? `; addon ${f.tributaryAddon}` : ""} |`,
    `| python / pathway | ${f.python ?? "n/a"} / ${f.pathway ?? "n/a"} |`,
    `| date | ${f.date} |`,
  ].join("\n");
}

function w1Section(s) {
  const out = [];
  const full = s.files.full.lines;
  const pre = s.files.prefix.lines;
  out.push("## W1 WordCount throughput (file to counts, to completion)");
  out.push("");
  out.push(
    `Input: ${full.toLocaleString("en")} JSON lines \`{"word": "..."}\` (seed ${s.files.seed ?? 1}, 5000 random 7-letter words, uniform), ` +
      `generated once by \`bench/lib/gen.mjs\`. Each engine runs as a child process on the same file; configs are interleaved ` +
      `(round order A B C, then C B A, ...), ${s.opts.rounds} rounds; every figure is the median over rounds.`,
  );
  out.push("");
  out.push(
    `Per round and config three runs: a 1-line file (start-up), the ${pre.toLocaleString("en")}-line warm-up prefix, and the whole file. ` +
      `"words/s" = ${full.toLocaleString("en")} / wall time of the whole-file run (start-up included). ` +
      `"steady words/s" = ${(full - pre).toLocaleString("en")} / (T_full - T_prefix): the recorded ${(full - pre) / 1e6}M words with ` +
      "start-up and warm-up subtracted. CPU = user+sys of the child process tree (`/usr/bin/time`). " +
      "Peak RSS = max of the kernel's maxrss and a 50 ms sampler summing the RSS of the process tree.",
  );
  out.push("");
  const unavailable = Object.entries(s.engines).filter(([, v]) => !v.ok);
  for (const [e, v] of unavailable) out.push(`- **${e} not measured**: ${v.reason}`);
  const installs = Object.entries(s.engines).filter(([, v]) => v.installed);
  for (const [e, v] of installs)
    out.push(
      `- ${e}: one-time install of the venv took ${f2(v.seconds, 0)} s (not part of any timing).`,
    );
  out.push(
    `- Correctness gate (${s.gate.file.toLocaleString("en")} lines, every config, sorted (word,count) sha256 vs the generator's own counts): ` +
      `**${s.gate.ok ? "PASS" : "FAIL"}**${
        s.gate.ok
          ? ""
          : ` — ${s.gate.runs
              .filter((g) => !g.correct)
              .map((g) => `${g.engine}/t${g.threads}: ${g.error}`)
              .join("; ")}`
      }. ` +
      "Every timed run's output is checked the same way; failed runs are excluded.",
  );
  out.push("");
  out.push(
    "| engine | workers | words/s | steady words/s | words per CPU-s | steady words per CPU-s | wall s | CPU s | start-up s | peak RSS MiB | other load / steal (cores, max) |",
  );
  out.push("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of s.rows ?? []) {
    out.push(
      `| ${r.engine} | ${r.threads} | ${fM(r.wordsPerSec)} | ${fM(r.steadyWordsPerSec)} | ${fM(r.wordsPerCpuSec)} | ${fM(r.steadyWordsPerCpuSec)} | ` +
        `${f2(r.wallSec)} | ${f2(r.cpuSec)} | ${f2(r.startupSec)} | ${fMiB(r.maxRssMiB)} | ${f2(r.otherCoresMax)} / ${f2(r.stealCoresMax)} |`,
    );
  }
  out.push("");
  out.push(
    "Ratios computed in this run (tributary / peer, same worker count; > 1 means tributary is better, except RSS and start-up where < 1 is better):",
  );
  out.push("");
  out.push("| workers | peer | words/s | steady words/s | words per CPU-s | peak RSS | start-up |");
  out.push("|---|---|---|---|---|---|---|");
  for (const q of s.ratios ?? []) {
    out.push(
      `| ${q.threads} | ${q.peer}${q.peerThreads !== q.threads ? ` (${q.peerThreads} worker)` : ""} | ${f2(q.wordsPerSec)}x | ${f2(q.steadyWordsPerSec)}x | ` +
        `${f2(q.wordsPerCpuSec)}x | ${f2(q.rss)}x | ${f2(q.startup)}x |`,
    );
  }
  out.push("");
  const noisy = (s.rows ?? []).filter((r) => r.otherCoresMax > 0.25 || r.stealCoresMax > 0.1);
  out.push(
    `Machine load: loadavg ${s.loadBefore?.load1} before, ${s.loadAfter?.load1} after. ` +
      (noisy.length
        ? `**Overlap with other load**: during some runs other processes used up to ${f2(Math.max(...noisy.map((r) => r.otherCoresMax)))} cores ` +
          `and the hypervisor took up to ${f2(Math.max(...noisy.map((r) => r.stealCoresMax)))} cores (steal) ` +
          `(${noisy.map((r) => `${r.engine}/t${r.threads}`).join(", ")}); treat those rows with care.`
        : "No run overlapped with significant other load (< 0.25 cores of other processes and < 0.1 cores of steal on average during each run)."),
  );
  if (s.opts.waitQuiet > 0) {
    const w = s.waits ?? [];
    const waited = w.reduce((a, x) => a + x.waitedSec, 0);
    const stillBusy = w.filter((x) => x.busy >= 0.3).length;
    out.push(
      `Before each config the harness waited (up to ${s.opts.waitQuiet} s) for other processes to use < 0.3 cores: ` +
        `${f2(waited, 0)} s waited in total; ${stillBusy} of ${w.length} starts were still busy after the wait.`,
    );
    out.push("");
  }
  out.push("");
  if (s.phases?.length) {
    out.push(
      "### Where Tributary's time goes (W1 stages, warm-up prefix, median of 3 in one process)",
    );
    out.push("");
    out.push(
      "| workers | rows | parse only (read → filter none → null) | read → null.write (all rows to the output) | + groupBy/count → null | full W1 (+ csv.write) | parse ns/row | groupBy+count ns/row (full − parse) |",
    );
    out.push("|---|---|---|---|---|---|---|---|");
    for (const p of s.phases) {
      const ns = (ms) => (ms * 1e6) / p.lines;
      out.push(
        `| ${p.threads} | ${p.lines.toLocaleString("en")} | ${f2(p.ms.parse / 1000)} s | ${f2(p.ms.read / 1000)} s | ${f2(p.ms.groupby / 1000)} s | ` +
          `${f2(p.ms.full / 1000)} s | ${f2(ns(p.ms.parse), 0)} | ${f2(ns(p.ms.full - p.ms.parse), 0)} |`,
      );
    }
    out.push("");
  }
  out.push("![W1 chart](w1.svg)");
  out.push("");
  if (s.opts.note) out.push(`Note: ${s.opts.note}`, "");
  out.push("### Machine", "", factsSection(s.facts), "");
  return out.join("\n");
}

function b0Section(s) {
  const out = [];
  out.push("## B0 boundary costs (ns per row)");
  out.push("");
  out.push(
    `N = ${s.size.toLocaleString("en")} rows \`{k: int, x: float, s: str}\`. Each case runs in its own Node process; ` +
      "engine cases subtract a small warm run (start-up and thread spawn) so ns/row is the marginal cost per row. " +
      "Median of the rounds.",
  );
  out.push("");
  out.push("| case | what it measures | ns/row | status |");
  out.push("|---|---|---|---|");
  for (const c of s.cases) {
    out.push(
      `| ${c.name} | ${c.what} | ${c.status === "ok" ? f2(c.nsPerRow, 1) : "—"} | ${c.status === "ok" ? "measured" : c.status} |`,
    );
  }
  out.push("");
  out.push(
    "Known-bad reference (from the benchmark notes): about 450 ns per row when the engine makes one JS call per row " +
      "(one thread-safe-function round trip each). The per-row and batched plain-JS rows show the cost of the JS work itself; " +
      "the engine UDF rows show what crossing the boundary adds once UDFs exist.",
  );
  out.push("");
  if (s.facts) out.push("### Machine", "", factsSection(s.facts), "");
  return out.join("\n");
}

function b0UdfSection(s) {
  const out = [];
  out.push("## B0 user functions: overhead per row beyond the bare loop");
  out.push("");
  out.push(
    `N = ${s.size.toLocaleString("en")} JSON lines \`{k, x, s}\` read in static mode, one column selected, null output, ` +
      `${s.threads} worker(s). Numeric UDF \`x*2+1\`, string UDF \`s.toUpperCase()\` (Pathway: \`s.upper()\`), per row ` +
      "and batched (Tributary: default batch; Pathway: `pw.udf(max_batch_size=4096)`). Each case in its own process, " +
      `configs interleaved, ${s.rounds} round(s), median marginal ns/row. overhead = UDF pipeline - the same pipeline with ` +
      "the built-in expression - the bare loop calling the same function (JS for Tributary, Python for Pathway).",
  );
  out.push("");
  out.push(
    "Wall = elapsed time; CPU = user + system time of every thread of the process (engine workers and the JS or " +
      "Python thread), the robust figure on a loaded machine.",
  );
  out.push("");
  out.push(
    "| engine | workload | mode | UDF pipeline wall / CPU | built-in expr wall / CPU | bare loop wall / CPU | overhead wall | overhead CPU |",
  );
  out.push("|---|---|---|---|---|---|---|---|");
  for (const o of s.overheads) {
    out.push(
      `| ${o.engine} | ${o.workload} | ${o.mode} | ${f2(o.udf, 1)} / ${f2(o.cpuUdf, 1)} | ${f2(o.expr, 1)} / ${f2(o.cpuExpr, 1)} | ` +
        `${f2(o.bare, 1)} / ${f2(o.cpuBare, 1)} | ${f2(o.overhead, 1)} | ${f2(o.cpuOverhead, 1)} |`,
    );
  }
  out.push("");
  const errs = Object.entries(s.errors ?? {});
  for (const [id, e] of errs) out.push(`- ${id} failed: ${e}`);
  if (errs.length) out.push("");
  if (s.facts) out.push("### Machine", "", factsSection(s.facts), "");
  return out.join("\n");
}

/**
 * The whole report from `{ w1?, b0? }` summaries; `notes` (hand-written findings from
 * bench/results/NOTES.md) is placed after the introduction when given.
 */
export function renderReport(summaries, notes = "") {
  const out = ["# Tributary benchmark report", ""];
  out.push(
    "Generated by `npm run bench` (bench/run.mjs). Method: shared/notes/benchmarks.md. Figures are from one machine " +
      "shared with other work: compare ratios measured in the same run, not absolute numbers across machines.",
  );
  out.push("");
  if (notes.trim()) out.push(notes.trim(), "");
  if (summaries.w1) out.push(w1Section(summaries.w1));
  if (summaries.b0) out.push(b0Section(summaries.b0));
  if (summaries.w1lat) out.push(w1latSection(summaries.w1lat));
  if (summaries.w3) out.push(w3Section(summaries.w3));
  if (summaries.b0udf) out.push(b0UdfSection(summaries.b0udf));
  if (summaries.nexmark) out.push(nexmarkSection(summaries.nexmark));
  return `${out.join("\n")}\n`;
}
