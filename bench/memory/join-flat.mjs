#!/usr/bin/env node
// Memory of a temporal join with a cutoff on an endless stream: rows with increasing int times
// come from a ConnectorSubject, are split into two sides (even / odd v) and interval-joined
// (`--join interval`, the default) or window-joined (`--join window`) with
// `commonBehavior({ cutoff })`; the process RSS is sampled every second. Rows past their cutoff
// are forgotten, so after warm-up the RSS must stay flat (`--no-cutoff`: it grows).
//
//   node bench/memory/join-flat.mjs [--seconds 45] [--rate 100000] [--threads 2] [--no-cutoff] [--join window]
//
// Exit code 0 when the max RSS of the last third of the samples (after warm-up) is at most
// 1.2x the max of the first third; prints the samples and the figure as JSON on the last line.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tb from "tributary";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const seconds = opt("seconds", 45);
const rate = opt("rate", 100_000);
const threads = opt("threads", 2);
const warmup = opt("warmup", 10);
const cutoff = !args.includes("--no-cutoff");
const windowLength = 100_000; // times are row numbers: the cutoff is about one second of rows
const joinKind = args.includes("--join") ? args[args.indexOf("--join") + 1] : "interval";

const dir = mkdtempSync(join(tmpdir(), "tributary-join-flat-"));
const path = join(dir, "events.csv");
writeFileSync(path, "t,v\n");

const schema = tb.schema({ t: tb.types.int, v: tb.types.int });
// `--source csv` appends to a CSV file read in streaming mode; the default is a
// ConnectorSubject fed from this process.
const useCsv = args.includes("--source") && args[args.indexOf("--source") + 1] === "csv";
let next = 0;
const tickMs = 50;
const perTick = Math.round((rate * tickMs) / 1000);
class Endless extends tb.io.ConnectorSubject {
  async run() {
    while (!this.stopped && !done) {
      for (let i = 0; i < perTick; i++) {
        this.next({ t: next, v: next % 2 });
        next += 1;
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
  }
}
let done = false;
const events = useCsv
  ? tb.io.csv.read(path, { schema, mode: "streaming", autocommitMs: 100, name: "events" })
  : tb.io.custom.read(new Endless(), { schema, autocommitMs: 100, name: "events" });
const behavior = cutoff ? { behavior: tb.temporal.commonBehavior({ cutoff: windowLength }) } : {};
const left = events.filter(events.v.eq(0)).select({ t: events.t, k: events.t.mod(1000) });
const right = events.filter(events.v.eq(1)).select({ t: events.t, k: events.t.add(1).mod(1000) });
const windows =
  joinKind === "window"
    ? left
        .windowJoin(right, left.t, right.t, tb.temporal.tumbling({ duration: 1000 }), left.k.eq(right.k), behavior)
        .select({ a: tb.left.t, b: tb.right.t })
    : left
        .intervalJoin(right, left.t, right.t, tb.temporal.interval(-10, 10), left.k.eq(right.k), behavior)
        .select({ a: tb.left.t, b: tb.right.t });
let results = 0;
tb.io.subscribe(windows, {
  onChange: ({ isAddition }) => {
    if (isAddition) results += 1;
  },
});
const handle = tb.start({ threads, monitoring: "none" });

const writer = setInterval(() => {
  if (!useCsv) return;
  let text = "";
  for (let i = 0; i < perTick; i++) {
    text += `${next},1\n`;
    next += 1;
  }
  appendFileSync(path, text);
}, tickMs);

const samples = [];
const started = Date.now();
await new Promise((resolve) => {
  const sampler = setInterval(() => {
    const s = (Date.now() - started) / 1000;
    samples.push({
      s: Math.round(s),
      rssMb: Math.round(process.memoryUsage().rss / 1e5) / 10,
      rows: next,
      results,
    });
    if (s >= seconds) {
      clearInterval(sampler);
      resolve();
    }
  }, 1000);
});
clearInterval(writer);
done = true;
await handle.stop();
rmSync(dir, { recursive: true, force: true });

const measured = samples.filter((x) => x.s > warmup);
const third = Math.max(1, Math.floor(measured.length / 3));
const firstMax = Math.max(...measured.slice(0, third).map((x) => x.rssMb));
const lastMax = Math.max(...measured.slice(-third).map((x) => x.rssMb));
const ratio = lastMax / firstMax;
for (const x of samples)
  console.log(
    `${String(x.s).padStart(4)} s  rss ${x.rssMb} MB  rows ${x.rows}  join results ${x.results}`,
  );
const flat = ratio <= 1.2;
console.log(
  JSON.stringify({
    join: joinKind,
    cutoff,
    threads,
    rate,
    seconds,
    rows: next,
    results,
    firstThirdMaxMb: firstMax,
    lastThirdMaxMb: lastMax,
    ratio: Math.round(ratio * 1000) / 1000,
    flat,
  }),
);
process.exit(flat || !cutoff ? 0 : 1);
