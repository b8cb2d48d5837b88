// Facts about the machine and the software versions, recorded with every benchmark run.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

function tryRun(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 60_000,
      ...opts,
    }).trim();
  } catch {
    return null;
  }
}

/** nproc, CPU model, memory, kernel, and versions of node, rustc, tributary (git), pathway. */
export function machineFacts(root, { pythonBin } = {}) {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown";
  const mhz = /cpu MHz\s*:\s*(.*)/.exec(cpuinfo)?.[1];
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const facts = {
    nproc: Number(tryRun("nproc", [])) || cpus().length,
    cpuModel: model,
    cpuMHz: mhz ? Number(mhz) : null,
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: tryRun("uname", ["-r"]),
    node: process.version,
    rustc: tryRun("rustc", ["--version"]),
    tributary: `${pkg.version} (git ${tryRun("git", ["-C", root, "rev-parse", "--short", "HEAD"]) ?? "?"})`,
    python: null,
    pathway: null,
    date: new Date().toISOString(),
  };
  if (pythonBin && existsSync(pythonBin)) {
    facts.python = tryRun(pythonBin, ["--version"]);
    facts.pathway = tryRun(pythonBin, [
      "-c",
      "import importlib.metadata as m; print(m.version('pathway'))",
    ]);
  }
  return facts;
}
