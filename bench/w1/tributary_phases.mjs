// Where W1's time goes in Tributary: the same input through growing pipelines, each run
// separately in this process (after one warm-up run of the full pipeline on a tiny file):
//   parse     jsonlines.read -> filter(word == "") -> null  (reading + JSON parsing + row ids;
//             no row survives the filter, so nothing reaches the output)
//   read      jsonlines.read -> null.write                 (+ every row gathered at the output)
//   groupby   ... -> groupBy(word).reduce(count) -> null    (+ exchange, arrangement, reduce)
//   full      ... -> csv.write                               (+ output; W1 as benchmarked)
// Usage: node bench/w1/tributary_phases.mjs INPUT.jsonl OUTPUT.csv THREADS [ROUNDS] [PHASES]
// (PHASES: comma list, default all; handy under `perf record` to profile one phase.)
// Prints one JSON line: { parse: ms, read: ms, groupby: ms, full: ms } (medians).
const tb = await import(process.env.TRIBUTARY_MODULE ?? "tributary"); // see tributary.mjs

const [input, output, threadsArg, roundsArg, phasesArg] = process.argv.slice(2);
const threads = Number(threadsArg ?? 1);
const rounds = Number(roundsArg ?? 1);
const schema = tb.schema({ word: tb.types.str });

const pipelines = {
  parse: (path) => {
    const t = tb.io.jsonlines.read(path, { schema, mode: "static" });
    tb.io.null.write(t.filter(t.word.eq("")));
  },
  read: (path) => tb.io.null.write(tb.io.jsonlines.read(path, { schema, mode: "static" })),
  groupby: (path) => {
    const t = tb.io.jsonlines.read(path, { schema, mode: "static" });
    tb.io.null.write(t.groupBy(t.word).reduce({ word: tb.this.word, count: tb.reducers.count() }));
  },
  full: (path) => {
    const t = tb.io.jsonlines.read(path, { schema, mode: "static" });
    tb.io.csv.write(
      t.groupBy(t.word).reduce({ word: tb.this.word, count: tb.reducers.count() }),
      output,
    );
  },
};

async function timeRun(name, path) {
  const t0 = performance.now();
  pipelines[name](path);
  await tb.run({ threads, monitoring: "none" });
  return performance.now() - t0;
}

const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const res = {};
const chosen = phasesArg ? phasesArg.split(",") : Object.keys(pipelines);
const samples = Object.fromEntries(chosen.map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const name of chosen) samples[name].push(await timeRun(name, input));
}
for (const name of Object.keys(samples)) res[name] = med(samples[name]);
console.log(JSON.stringify(res));
