#!/usr/bin/env node
// Makes sure the engine addon exists for this platform: uses a prebuilt binary when one is
// installed (npm/<platform> packages), otherwise builds it from source with cargo.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const force = process.argv.includes("--force");
const targets = {
  "linux-x64": "linux-x64-gnu",
  "linux-arm64": "linux-arm64-gnu",
  "darwin-arm64": "darwin-arm64",
  "darwin-x64": "darwin-x64",
  "win32-x64": "win32-x64-msvc",
};
const suffix = targets[`${process.platform}-${process.arch}`];
if (!suffix) {
  console.error(
    `tributary: no engine build for ${process.platform}-${process.arch}; supported: ${Object.values(targets).join(", ")}`,
  );
  process.exit(1);
}
const local = join(root, "native", `tributary.${suffix}.node`);

function hasPrebuilt() {
  try {
    createRequire(import.meta.url).resolve(`@tributary/${suffix}`);
    return true;
  } catch {
    return false;
  }
}

if (!force && process.env.TRIBUTARY_FORCE_BUILD !== "1" && hasPrebuilt()) {
  console.log(`tributary: using prebuilt engine @tributary/${suffix}`);
  process.exit(0);
}

const cargo = spawnSync("cargo", ["--version"], { encoding: "utf8" });
if (cargo.status !== 0) {
  console.error(
    "tributary: no prebuilt engine for this platform and no Rust toolchain to build it.\n" +
      "Install Rust (https://rustup.rs) and run `npm run build:native`.",
  );
  process.exit(1);
}

mkdirSync(join(root, "native"), { recursive: true });
const env = { ...process.env };
if (!env.CARGO_TARGET_DIR) {
  const home = env.HOME || env.USERPROFILE || root;
  env.CARGO_TARGET_DIR = join(home, ".cache", "tributary-target");
}
const napi = join(root, "node_modules", "@napi-rs", "cli", "dist", "cli.js");
const args = existsSync(napi)
  ? [napi, "build", "--platform", "--release", "--manifest-path", "bindings/Cargo.toml",
     "--package-json-path", "package.json", "--output-dir", "native", "--no-js", "--dts", "native.d.ts"]
  : null;
console.log(`tributary: building the engine from source (cargo, release; target dir ${env.CARGO_TARGET_DIR})`);
const result = args
  ? spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env })
  : spawnSync("cargo", ["build", "--release", "-p", "tributary-bindings"], { cwd: root, stdio: "inherit", env });
if (result.status !== 0) {
  console.error("tributary: building the engine failed (see the cargo output above).");
  process.exit(result.status ?? 1);
}
if (!existsSync(local)) {
  console.error(`tributary: the build finished but ${local} is missing.`);
  process.exit(1);
}
console.log(`tributary: engine built at ${local}`);
