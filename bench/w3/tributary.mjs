// W3 (a) single-change latency on large state, Tributary: groupBy(k).reduce(count, sum) over a
// static CSV load, then single-row changes (insert, key move, delete) pushed one at a time through
// a keyed ConnectorSubject 10 ms apart; latency = push → the change's key at a subscribe callback.
// Usage: node bench/w3/tributary.mjs LOAD.csv ROWS THREADS CHANGES OUT.json
import { readFileSync, writeFileSync } from "node:fs";

const tb = await import(process.env.TRIBUTARY_MODULE ?? "tributary");
const [csv, rowsArg, threadsArg, changesArg, outPath] = process.argv.slice(2);
const rows = Number(rowsArg);
const changes = Number(changesArg);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rssMiB = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;

let loadedAt = 0;
let rssAfterLoad = 0;
/** RSS once every change is answered: the state, without the load's transient buffers. */
let rssAtEnd = 0;
let signalLoaded;
const loaded = new Promise((resolve) => {
  signalLoaded = resolve;
});
const waiting = new Map(); // key -> push time
const latencies = [];

class Changes extends tb.io.ConnectorSubject {
  async run() {
    await loaded;
    await sleep(1000);
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let i = 0; i < changes; i++) {
      const id = Math.floor(i / 3);
      const key = rand() % 1_000_000;
      const op = i % 3;
      if (op === 2) {
        this.delete({ id, k: this.lastKey, v: 1 });
        waiting.set(this.lastKey, now());
      } else {
        this.next({ id, k: key, v: 1 });
        waiting.set(key, now());
        this.lastKey = key;
      }
      this.commit();
      await sleep(10);
    }
    await sleep(2000);
    rssAtEnd = rssMiB();
  }
}

const base = tb.io.csv.read(csv, {
  schema: tb.schema({ k: tb.types.int, v: tb.types.int }),
  mode: "static",
});
const pushed = tb.io.custom.read(new Changes(), {
  schema: tb.schema({ id: tb.types.int, k: tb.types.int, v: tb.types.int }, { primaryKey: ["id"] }),
});
const all = base.concatReindex(pushed.select({ k: pushed.k, v: pushed.v }));
const stats = all
  .groupBy(all.k)
  .reduce({ k: tb.this.k, count: tb.reducers.count(), total: tb.reducers.sum(tb.this.v) });
let total = 0;
const t0 = now();
tb.io.subscribe(stats, {
  onBatch: ({ length, diffs, columns }) => {
    const at = now();
    const { k, count } = columns;
    for (let i = 0; i < length; i++) {
      if (!loadedAt) total += diffs[i] * count[i];
      const pushedAt = waiting.get(k[i]);
      if (pushedAt !== undefined) {
        latencies.push(at - pushedAt);
        waiting.delete(k[i]);
      }
    }
    if (!loadedAt && total === rows) {
      loadedAt = at;
      rssAfterLoad = rssMiB();
      signalLoaded();
    }
  },
});
await tb.run({ threads: Number(threadsArg), monitoring: "none" });
writeFileSync(
  outPath,
  JSON.stringify({
    loadSec: (loadedAt - t0) / 1000,
    rssMiBAfterLoad: rssAfterLoad,
    rssMiBAtEnd: rssAtEnd,
    latencies,
  }),
);
