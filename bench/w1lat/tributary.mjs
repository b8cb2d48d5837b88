// W1 latency mode on Tributary: streaming JSON-lines read of FILE (fed by feeder.mjs), counts
// per word, and a columnar subscriber that records when each new count reaches JavaScript.
// Usage: node bench/w1lat/tributary.mjs FILE THREADS COMMIT_MS SECONDS EVENTS.json
// Stops after SECONDS and writes {word[], count[], at[]}: every (word, count) addition with the
// wall-clock millisecond at which the callback saw it, the commit time of its batch (the
// wall-clock millisecond its commit closed), and the process's CPU time over the run.
const tb = await import(process.env.TRIBUTARY_MODULE ?? "tributary");

const [file, threadsArg, commitArg, secondsArg, eventsPath] = process.argv.slice(2);
const { writeFileSync } = await import("node:fs");
const now = () => performance.timeOrigin + performance.now();

const t = tb.io.jsonlines.read(file, {
  schema: tb.schema({ word: tb.types.str }),
  mode: "streaming",
  autocommitMs: Number(commitArg),
  name: "words",
});
const counts = t.groupBy(t.word).reduce({ word: tb.this.word, count: tb.reducers.count() });
// The recorder keeps numbers only, in typed-array chunks outside the JS heap: a word becomes
// the index of its first sighting. Keeping every delivered string in growing JS arrays made
// the recorder itself the source of the tail (scavenges of 25-62 ms copying the retained
// strings at 500k words/s), which is not what a consumer of the counts pays.
const CHUNK = 1 << 20;
const wordIds = new Map();
const names = [];
const chunks = [];
let filled = CHUNK;
function record(id, count, at, time) {
  if (filled === CHUNK) {
    chunks.push({
      id: new Int32Array(CHUNK),
      count: new Float64Array(CHUNK),
      at: new Float64Array(CHUNK),
      commit: new Float64Array(CHUNK),
    });
    filled = 0;
  }
  const c = chunks[chunks.length - 1];
  c.id[filled] = id;
  c.count[filled] = count;
  c.at[filled] = at;
  c.commit[filled] = time;
  filled++;
}
tb.io.subscribe(counts, {
  onBatch: ({ time, length, diffs, columns }) => {
    const at = now();
    const { word, count } = columns;
    for (let i = 0; i < length; i++) {
      if (diffs[i] > 0) {
        let id = wordIds.get(word[i]);
        if (id === undefined) {
          id = names.length;
          names.push(word[i]);
          wordIds.set(word[i], id);
        }
        record(id, count[i], at, time);
      }
    }
  },
});
const cpu0 = process.cpuUsage();
const handle = tb.start({ threads: Number(threadsArg), monitoring: "none" });
await new Promise((resolve) => setTimeout(resolve, Number(secondsArg) * 1000));
await handle.stop();
const cpu = process.cpuUsage(cpu0);
const events = { word: [], count: [], at: [], commit: [] };
chunks.forEach((c, n) => {
  const used = n === chunks.length - 1 ? filled : CHUNK;
  for (let i = 0; i < used; i++) {
    events.word.push(names[c.id[i]]);
    events.count.push(c.count[i]);
    events.at.push(c.at[i]);
    events.commit.push(c.commit[i]);
  }
});
events.cpuMs = (cpu.user + cpu.system) / 1000;
events.seconds = Number(secondsArg);
writeFileSync(eventsPath, JSON.stringify(events));
