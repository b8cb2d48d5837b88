#!/usr/bin/env node
// The whole test suite: the engine's Rust tests, then the vitest suites against the addon.
// Ends with one line `N passed, N failed, N skipped` carrying the real counts of both.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env };
if (!env.CARGO_TARGET_DIR) env.CARGO_TARGET_DIR = join(env.HOME || root, ".cache", "tributary-target");
const extraArgs = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;

function step(title) {
  console.log(`\n=== ${title} ===`);
}

// 1. Keep the addon in step with the Rust sources (a no-op when nothing changed).
step("engine addon (cargo, release)");
const build = spawnSync(process.execPath, [join(root, "scripts", "install-native.mjs"), "--force"], {
  cwd: root,
  stdio: "inherit",
  env,
});
if (build.status !== 0) {
  console.error("the engine addon did not build");
  broken = true;
}

// 2. Rust unit tests.
if (!extraArgs.length) {
  step("Rust tests (cargo test --workspace)");
  const cargo = spawnSync("cargo", ["test", "--workspace", "--color", "never"], {
    cwd: root,
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(cargo.stdout ?? "");
  process.stderr.write(cargo.stderr ?? "");
  let sawResult = false;
  for (const match of (cargo.stdout ?? "").matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)) {
    sawResult = true;
    totals.passed += Number(match[1]);
    totals.failed += Number(match[2]);
    totals.skipped += Number(match[3]);
  }
  if (cargo.status !== 0 && !sawResult) {
    console.error("cargo test did not run (build failure?)");
    broken = true;
  } else if (cargo.status !== 0 && totals.failed === 0) {
    broken = true;
  }
}

// 3. Code checks, each counted as one test: formatting, clippy, the TypeScript compiler, biome.
if (!extraArgs.length) {
  step("code checks (cargo fmt, cargo clippy, tsc, biome)");
  const checks = [
    ["cargo fmt --check", "cargo", ["fmt", "--all", "--check"]],
    ["cargo clippy -D warnings", "cargo", ["clippy", "--workspace", "--all-targets", "--color", "never", "--", "-D", "warnings"]],
    ["tsc --noEmit", process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "tsconfig.json"]],
    ["biome lint", process.execPath, [join(root, "node_modules", "@biomejs", "biome", "bin", "biome"), "lint", "ts", "test", "examples", "bench", "scripts"]],
  ];
  for (const [name, command, args] of checks) {
    const check = spawnSync(command, args, { cwd: root, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (check.status === 0) {
      totals.passed += 1;
      console.log(`ok   ${name}`);
    } else {
      totals.failed += 1;
      console.log(`FAIL ${name}\n${(check.stdout ?? "").slice(-4000)}${(check.stderr ?? "").slice(-4000)}`);
    }
  }
}

// 4. vitest suites (JSON report for exact counts).
step("vitest");
const report = join(root, ".vitest-results.json");
rmSync(report, { force: true });
const vitestBin = join(root, "node_modules", "vitest", "vitest.mjs");
const vitest = spawnSync(
  process.execPath,
  [vitestBin, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...extraArgs],
  { cwd: root, stdio: "inherit", env },
);
if (existsSync(report)) {
  const results = JSON.parse(readFileSync(report, "utf8"));
  totals.passed += results.numPassedTests ?? 0;
  totals.failed += results.numFailedTests ?? 0;
  totals.skipped += (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
  // A test file that failed to load counts as a failure even though it has no test results.
  for (const file of results.testResults ?? []) {
    if (file.status === "failed" && (file.assertionResults ?? []).length === 0) {
      totals.failed += 1;
      console.error(`test file failed to load: ${file.name}: ${file.message ?? ""}`);
    }
  }
} else {
  console.error("vitest produced no report");
  broken = true;
}
if (vitest.status !== 0 && totals.failed === 0) broken = true;

if (broken && totals.failed === 0) totals.failed = 1;
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
