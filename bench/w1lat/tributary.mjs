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
const events = { word: [], count: [], at: [], commit: [] };
tb.io.subscribe(counts, {
  onBatch: ({ time, length, diffs, columns }) => {
    const at = now();
    const { word, count } = columns;
    for (let i = 0; i < length; i++) {
      if (diffs[i] > 0) {
        events.word.push(word[i]);
        events.count.push(count[i]);
        events.at.push(at);
        events.commit.push(time);
      }
    }
  },
});
const cpu0 = process.cpuUsage();
const handle = tb.start({ threads: Number(threadsArg), monitoring: "none" });
await new Promise((resolve) => setTimeout(resolve, Number(secondsArg) * 1000));
await handle.stop();
const cpu = process.cpuUsage(cpu0);
events.cpuMs = (cpu.user + cpu.system) / 1000;
events.seconds = Number(secondsArg);
writeFileSync(eventsPath, JSON.stringify(events));
