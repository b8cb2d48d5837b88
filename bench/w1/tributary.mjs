// W1 WordCount on Tributary, through the public API only.
// Usage: node bench/w1/tributary.mjs INPUT.jsonl OUTPUT.csv THREADS
// Prints one JSON line on stdout with phase timings (import, plan build, run).
const t0 = performance.now();
// Self-reference: "tributary" resolves through package.json `exports` to dist/api. The harness
// may point TRIBUTARY_MODULE at a snapshot of the build instead (see bench/lib/engines.mjs).
const tb = await import(process.env.TRIBUTARY_MODULE ?? "tributary");
const tImport = performance.now();

const [input, output, threadsArg] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: tributary.mjs INPUT OUTPUT [THREADS]");
  process.exit(2);
}
const threads = Number(threadsArg ?? 1);

const t = tb.io.jsonlines.read(input, {
  schema: tb.schema({ word: tb.types.str }),
  mode: "static",
});
const counts = t.groupBy(t.word).reduce({ word: tb.this.word, count: tb.reducers.count() });
tb.io.csv.write(counts, output);
const tBuilt = performance.now();
await tb.run({ threads, monitoring: "none" });
const tRun = performance.now();

console.log(
  JSON.stringify({
    phases: { importMs: tImport - t0, buildMs: tBuilt - tImport, runMs: tRun - tBuilt },
  }),
);
