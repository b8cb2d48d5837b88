// The B0 boundary suite: each case of bench/b0/cases.mjs in its own Node process, a few rounds,
// median ns/row; derived rows (emit overhead) computed from the medians.
import { join } from "node:path";
import { enginePaths } from "./engines.mjs";
import { ensureB0 } from "./gen.mjs";
import { machineFacts } from "./machine.mjs";
import { measure } from "./measure.mjs";
import { median } from "./w1.mjs";

const CASES = [
  ["noop-native-call", "one JS -> addon call returning a string (engineVersion), per call"],
  ["js-call-per-row", "plain JS loop calling f(x)=x*2+1 once per row (Float64Array)"],
  ["js-call-batched", "plain JS: one call computing x*2+1 over the whole array"],
  ["build-objects", "building N `{k,x,s}` JS objects (caller side, before ingest)"],
  ["ingest-objects", "N JS objects via tb.debug.tableFromRows -> select -> null.write"],
  ["ingest-jsonl", "N JSON lines parsed in Rust (tb.io.jsonlines.read) -> select -> null.write"],
  ["ingest-columnar", "N rows as columnar typed arrays -> select -> null.write"],
  [
    "emit-objects",
    "JSON lines -> select -> tb.debug.compute (every row crosses to JS as an object)",
  ],
  [
    "emit-subscribe-objects",
    "JSON lines -> select -> tb.io.subscribe onChange (one JS object per output row)",
  ],
  [
    "emit-columnar",
    "JSON lines -> select -> tb.io.subscribe onBatch (each time's rows as typed columns)",
  ],
  ["udf-per-row", "engine calls a JS UDF x*2+1 once per row"],
  ["udf-batched", "engine calls a JS UDF x*2+1 once per batch"],
];

/** Runs the B0 suite; returns `{ ok, summary }`. */
export async function runB0(root, { size, smoke, note, rounds = smoke ? 1 : 3 }, log) {
  const dataDir = join(root, "bench", "data");
  const big = ensureB0(dataDir, size);
  const small = ensureB0(dataDir, 1000);
  const script = join(root, "bench", "b0", "cases.mjs");
  const cases = [];
  for (const [name, what] of CASES) {
    const samples = [];
    let status = "ok";
    let reason = null;
    let detail = null;
    for (let r = 0; r < rounds; r++) {
      const m = await measure(process.execPath, [script, name, String(size), big, small], {
        cwd: root,
        timeoutSec: 900,
      });
      const line = m.stdout.trim().split("\n").pop() ?? "";
      let res;
      try {
        res = JSON.parse(line);
      } catch {
        res = {
          status: "error",
          reason: (m.stderr.trim().split("\n").slice(-3).join(" | ") || `exit ${m.code}`).slice(
            0,
            300,
          ),
        };
      }
      if (res.status) {
        status = res.status;
        reason = res.reason ?? null;
        break;
      }
      samples.push(res.nsPerRow);
      detail = res.detail ?? detail;
    }
    const c = { name, what, status, reason, nsPerRow: median(samples), samples, detail };
    log(
      `  ${name}: ${status === "ok" ? `${c.nsPerRow.toFixed(1)} ns/row` : `${status}${reason ? `: ${reason}` : ""}`}`,
    );
    cases.push(c);
  }
  const get = (n) => cases.find((c) => c.name === n);
  const eo = get("emit-objects");
  const ij = get("ingest-jsonl");
  if (eo.status === "ok" && ij.status === "ok") {
    cases.push({
      name: "emit-objects overhead",
      what: "emit-objects minus ingest-jsonl: the cost of handing each output row to JS as an object",
      status: "ok",
      nsPerRow: eo.nsPerRow - ij.nsPerRow,
    });
  }
  for (const [emit, label] of [
    ["emit-subscribe-objects", "objects through subscribe"],
    ["emit-columnar", "columns through subscribe onBatch"],
  ]) {
    const e = get(emit);
    if (e.status === "ok" && ij.status === "ok") {
      cases.push({
        name: `${emit} overhead`,
        what: `${emit} minus ingest-jsonl: the cost of handing each output row to JS as ${label}`,
        status: "ok",
        nsPerRow: e.nsPerRow - ij.nsPerRow,
      });
    }
  }
  const facts = machineFacts(root, { pythonBin: enginePaths(root).python });
  const engineCases = [
    "ingest-objects",
    "ingest-jsonl",
    "emit-objects",
    "emit-subscribe-objects",
    "emit-columnar",
  ];
  const ok = engineCases.every((n) => get(n).status === "ok");
  return { ok, summary: { suite: "b0", size, rounds, note, facts, cases } };
}
