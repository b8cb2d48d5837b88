// Persistence benchmark: ingest N rows (default 1M) from streaming JSON Lines files into a
// groupBy with and without persistence, then restart twice and measure how long a restarted
// pipeline takes to answer a one-line append (replay + resume), and how big the state is.
// Usage: node bench/persistence/restart.mjs [rows] [--out bench/results/persistence.json]
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tb from "tributary";
import { machineFacts } from "../lib/machine.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2);
const rows = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const outIndex = args.indexOf("--out");
const outPath =
  outIndex >= 0 ? args[outIndex + 1] : join(root, "bench", "results", "persistence.json");
const threads = Number(process.env.TRIBUTARY_THREADS ?? 1);
const FILES = 4;
const KEYS = 1000;
const SNAPSHOT_MS = 1000;

const work = mkdtempSync(join(tmpdir(), "tb-bench-persist-"));
const input = join(work, "in");
mkdirSync(input);
for (let f = 0; f < FILES; f++) {
  const lines = [];
  for (let i = f; i < rows; i += FILES) lines.push(`{"k":${i % KEYS},"v":${i}}`);
  writeFileSync(join(input, `part-${f}.jsonl`), `${lines.join("\n")}\n`);
}
const Row = tb.schema({ k: tb.types.int, v: tb.types.int });

/** Total of `n` over the live rows of a JSON Lines change log. */
function countIn(path) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return 0;
  }
  let n = 0;
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      const c = JSON.parse(line);
      n += c.n * c.diff;
    } catch {}
  }
  return n;
}

function sizeOf(dir) {
  let bytes = 0;
  let files = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) {
      const sub = sizeOf(path);
      bytes += sub.bytes;
      files += sub.files;
    } else {
      bytes += st.size;
      files += 1;
    }
  }
  return { bytes, files };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts the pipeline; resolves once its output counts `target` rows, with the timings. */
async function runOnce(label, { state, target, append, hold = 0 }) {
  const out = join(work, `${label}.jsonl`);
  const t = tb.io.jsonlines.read(input, {
    schema: Row,
    mode: "streaming",
    autocommitMs: 100,
    name: "rows",
  });
  tb.io.jsonlines.write(t.groupBy(t.k).reduce({ k: t.k, n: tb.reducers.count() }), out);
  const started = performance.now();
  const handle = tb.start({
    threads,
    ...(state
      ? {
          persistence: tb.persistence.config({
            backend: tb.persistence.fs(state),
            snapshotIntervalMs: SNAPSHOT_MS,
          }),
        }
      : {}),
  });
  if (append) appendFileSync(join(input, "part-0.jsonl"), `{"k":1,"v":-1}\n`);
  // A restarted run writes only the new change: the appended row's group.
  const done = append
    ? () => readFileSync(out, "utf8").includes('"k":1,')
    : () => countIn(out) >= target;
  for (;;) {
    try {
      if (done()) break;
    } catch {}
    await sleep(5);
  }
  const ms = performance.now() - started;
  if (hold) await sleep(hold);
  const stopStart = performance.now();
  await handle.stop();
  return { ms: Math.round(ms), stopMs: Math.round(performance.now() - stopStart) };
}

const state = join(work, "state");
const cold = await runOnce("cold", { target: rows });
console.log(`ingest ${rows} rows without persistence: ${cold.ms} ms`);
const first = await runOnce("first", { state, target: rows });
const afterFirst = sizeOf(state);
console.log(
  `ingest with persistence: ${first.ms} ms; state ${afterFirst.bytes} bytes in ${afterFirst.files} files`,
);
// Restart 1: the log of the first run is replayed (held long enough for a snapshot).
const restart1 = await runOnce("restart1", { state, append: true, hold: 3 * SNAPSHOT_MS });
const afterSnapshot = sizeOf(state);
console.log(
  `restart (log replay): ${restart1.ms} ms; state after snapshot ${afterSnapshot.bytes} bytes in ${afterSnapshot.files} files`,
);
// Restart 2: from the snapshot.
const restart2 = await runOnce("restart2", { state, append: true });
console.log(`restart (snapshot): ${restart2.ms} ms`);

const result = {
  benchmark: "persistence-restart",
  rows,
  threads,
  files: FILES,
  keys: KEYS,
  snapshotIntervalMs: SNAPSHOT_MS,
  ingestMsWithoutPersistence: cold.ms,
  ingestMsWithPersistence: first.ms,
  stateBytesAfterIngest: afterFirst.bytes,
  stateFilesAfterIngest: afterFirst.files,
  inputBytes: sizeOf(input).bytes,
  restartFromLogMs: restart1.ms,
  stateBytesAfterSnapshot: afterSnapshot.bytes,
  stateFilesAfterSnapshot: afterSnapshot.files,
  restartFromSnapshotMs: restart2.ms,
  machine: machineFacts(root),
};
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${outPath}`);
rmSync(work, { recursive: true, force: true });
