// The engines the W1 suite can run: how to check that each is available, and the command line
// of one run. Every engine reads INPUT (JSON lines) and writes OUTPUT (CSV change log).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

export const PATHWAY_VERSION = "0.33.0";

/** Paths used by the engines, relative to the repository root. */
export function enginePaths(root) {
  return {
    venv: join(root, "bench", ".venv"),
    python: join(root, "bench", ".venv", "bin", "python"),
    tributaryDist: join(root, "dist", "api", "index.js"),
    tributaryAddon: join(root, "native", "tributary.linux-x64-gnu.node"),
  };
}

/**
 * Creates bench/.venv with Pathway if it is missing. Returns `{ ok, seconds, reason }`.
 * One-time cost (a ~100 MB wheel plus dependencies), recorded in the report.
 */
export function ensurePathway(root, log) {
  const p = enginePaths(root);
  const check = () => {
    try {
      const v = execFileSync(
        p.python,
        ["-c", "import importlib.metadata as m; print(m.version('pathway'))"],
        {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
        },
      ).trim();
      return v;
    } catch {
      return null;
    }
  };
  if (existsSync(p.python)) {
    const v = check();
    if (v) return { ok: true, seconds: 0, version: v };
  }
  const t0 = performance.now();
  log(`creating ${p.venv} and installing pathway==${PATHWAY_VERSION} (one-time, several minutes)`);
  try {
    if (!existsSync(p.python))
      execFileSync("python3.11", ["-m", "venv", p.venv], { stdio: "inherit" });
    execFileSync(join(p.venv, "bin", "pip"), ["install", "-q", `pathway==${PATHWAY_VERSION}`], {
      stdio: "inherit",
      timeout: 1800_000,
    });
  } catch (e) {
    return {
      ok: false,
      seconds: (performance.now() - t0) / 1000,
      reason: `pip install failed: ${e.message}`,
    };
  }
  const v = check();
  const seconds = (performance.now() - t0) / 1000;
  return v
    ? { ok: true, seconds, version: v, installed: true }
    : { ok: false, seconds, reason: "pathway not importable after install" };
}

/**
 * Copies the current Tributary build (dist/api, the addon, package.json) to
 * bench/data/tributary-snapshot, so that a rebuild by someone else during a long benchmark
 * cannot mix two engine versions. Returns `{ module, addonSha256, addonMtime }`; `module` is
 * the snapshot's entry point, passed to the W1 program as TRIBUTARY_MODULE.
 */
export function snapshotTributary(root) {
  const p = enginePaths(root);
  const snap = join(root, "bench", "data", "tributary-snapshot");
  rmSync(snap, { recursive: true, force: true });
  mkdirSync(join(snap, "native"), { recursive: true });
  cpSync(join(root, "dist", "api"), join(snap, "dist", "api"), { recursive: true });
  cpSync(p.tributaryAddon, join(snap, "native", "tributary.linux-x64-gnu.node"));
  writeFileSync(join(snap, "package.json"), readFileSync(join(root, "package.json")));
  const addon = readFileSync(join(snap, "native", "tributary.linux-x64-gnu.node"));
  return {
    module: join(snap, "dist", "api", "index.js"),
    addonSha256: createHash("sha256").update(addon).digest("hex").slice(0, 16),
    addonMtime: statSync(p.tributaryAddon).mtime.toISOString(),
  };
}

/** Whether an engine can run here: `{ ok, reason }`. */
export function checkEngine(name, root, log) {
  const p = enginePaths(root);
  if (name === "node") return { ok: true };
  if (name === "tributary") {
    if (!existsSync(p.tributaryDist))
      return { ok: false, reason: "dist/api/index.js missing (run `npm run build:ts`)" };
    if (!existsSync(p.tributaryAddon))
      return { ok: false, reason: "native addon missing (run `npm run build:native`)" };
    return { ok: true };
  }
  if (name === "pathway") return ensurePathway(root, log);
  return { ok: false, reason: `unknown engine ${name}` };
}

/** Whether an engine has a multi-worker mode (the Node baseline is single-threaded). */
export function supportsThreads(name) {
  return name !== "node";
}

/** `{ cmd, args, env }` of one W1 run (`tributaryModule`: a snapshot's entry point, optional). */
export function w1Command(name, root, { input, output, threads, tributaryModule }) {
  const p = enginePaths(root);
  switch (name) {
    case "tributary":
      return {
        cmd: process.execPath,
        args: [join(root, "bench", "w1", "tributary.mjs"), input, output, String(threads)],
        env: tributaryModule ? { TRIBUTARY_MODULE: tributaryModule } : {},
      };
    case "pathway":
      return {
        cmd: p.python,
        args: [join(root, "bench", "w1", "pathway_wordcount.py"), input, output],
        env: { PATHWAY_THREADS: String(threads), PATHWAY_PROCESSES: "1" },
      };
    case "node":
      return {
        cmd: process.execPath,
        args: [join(root, "bench", "w1", "node_baseline.mjs"), input, output],
        env: {},
      };
    default:
      throw new Error(`unknown engine ${name}`);
  }
}

/**
 * `{ cmd, args, env }` of one run of a Tributary-vs-Pathway suite: `tributary` (a script path
 * under bench/) runs under this Node with `args` and the worker count, `pathway` under the venv's
 * Python with `args` and `PATHWAY_THREADS`; `tributaryModule` swaps the loaded build (A/B runs).
 */
export function suiteCommand(engine, root, { tributary, pathway, args, threads, tributaryModule }) {
  if (engine === "tributary") {
    return {
      cmd: process.execPath,
      args: [join(root, "bench", tributary), ...args, String(threads)],
      env: tributaryModule ? { TRIBUTARY_MODULE: tributaryModule } : {},
    };
  }
  return {
    cmd: enginePaths(root).python,
    args: [join(root, "bench", pathway), ...args],
    env: { PATHWAY_THREADS: String(threads), PATHWAY_PROCESSES: "1" },
  };
}
