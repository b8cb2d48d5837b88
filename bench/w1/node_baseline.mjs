// W1 WordCount, plain Node baseline: stream the file in big chunks, split on newlines,
// JSON.parse each line, count in a Map, write `word,count,time,diff` CSV.
// Usage: node bench/w1/node_baseline.mjs INPUT.jsonl OUTPUT.csv
import { closeSync, openSync, readSync, writeFileSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node_baseline.mjs INPUT OUTPUT");
  process.exit(2);
}

const counts = new Map();
const fd = openSync(input, "r");
const buf = Buffer.allocUnsafe(1 << 22);
const dec = new StringDecoder("utf8");
let carry = "";
for (;;) {
  const n = readSync(fd, buf, 0, buf.length, null);
  if (n === 0) break;
  const text = carry + dec.write(buf.subarray(0, n));
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) break;
    if (nl > start) {
      const w = JSON.parse(text.slice(start, nl)).word;
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    start = nl + 1;
  }
  carry = text.slice(start);
}
carry += dec.end();
if (carry.trim().length > 0) {
  const w = JSON.parse(carry).word;
  counts.set(w, (counts.get(w) ?? 0) + 1);
}
closeSync(fd);

const out = ["word,count,time,diff"];
for (const [w, c] of counts) out.push(`${w},${c},0,1`);
writeFileSync(output, `${out.join("\n")}\n`);
