// W1 latency mode: an open-loop feeder. Appends `{"word": ...}` lines to FILE at RATE words/s
// for SECONDS, whatever the engine does (it never waits for it), and records a sample of
// (word, running count, append time) for the latency check.
// Usage: node bench/w1lat/feeder.mjs FILE RATE SECONDS SAMPLES.json [SAMPLE_EVERY]
// Times are wall-clock milliseconds (performance.timeOrigin + performance.now()), the clock the
// engines' callbacks use too.
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { makeDictionary, mulberry32 } from "../lib/gen.mjs";

const [file, rateArg, secondsArg, samplesPath, everyArg] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const sampleEvery = Number(everyArg ?? 97);
if (!file || !(rate > 0) || !(seconds > 0) || !samplesPath) {
  console.error("usage: feeder.mjs FILE RATE SECONDS SAMPLES.json [SAMPLE_EVERY]");
  process.exit(2);
}

const rand = mulberry32(1);
const words = makeDictionary(rand);
const lines = words.map((w) => Buffer.from(`{"word":"${w}"}\n`));
const lineBytes = lines[0].length;
const counts = new Uint32Array(words.length);
const samples = { word: [], count: [], at: [] };
const now = () => performance.timeOrigin + performance.now();

const fd = openSync(file, "a");
const total = Math.round(rate * seconds);
const chunk = Buffer.alloc(Math.ceil(rate / 100) * lineBytes * 4 + lineBytes);
let written = 0;
let maxLagMs = 0;
const start = now();

/** Appends every word due by now in one write; samples some of them after the write returns. */
function tick() {
  const elapsed = now() - start;
  const due = Math.min(total, Math.floor((elapsed / 1000) * rate));
  const pending = [];
  let bytes = 0;
  let n = written;
  while (n < due && bytes + lineBytes <= chunk.length) {
    const w = Math.floor(rand() * words.length);
    lines[w].copy(chunk, bytes);
    bytes += lineBytes;
    counts[w]++;
    if (n % sampleEvery === 0) pending.push(w, counts[w]);
    n++;
  }
  if (bytes > 0) {
    let off = 0;
    while (off < bytes) off += writeSync(fd, chunk, off, bytes - off);
    const at = now();
    for (let i = 0; i < pending.length; i += 2) {
      samples.word.push(words[pending[i]]);
      samples.count.push(pending[i + 1]);
      samples.at.push(at);
    }
    written = n;
  }
  maxLagMs = Math.max(maxLagMs, ((due - written) / rate) * 1000);
  if (written >= total) {
    closeSync(fd);
    const seconds = (now() - start) / 1000;
    writeFileSync(
      samplesPath,
      JSON.stringify({ rate, written, seconds, maxFeederLagMs: maxLagMs, samples }),
    );
    return;
  }
  setTimeout(tick, 1);
}
tick();
