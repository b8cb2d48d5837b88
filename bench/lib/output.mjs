// Reads an engine's change-log CSV output (columns: the row's columns, then optionally `time`
// and `diff`) and reduces it to the final state, so outputs of different engines can be compared.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { hashCounts } from "./gen.mjs";

/** Splits one CSV line (RFC 4180 quoting). */
export function splitCsvLine(line) {
  if (!line.includes('"')) return line.split(",");
  const out = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The text of an output path: a file, or every file of a directory concatenated. */
function readOutput(path) {
  if (statSync(path).isDirectory()) {
    return readdirSync(path)
      .sort()
      .map((f) => readFileSync(join(path, f), "utf8"))
      .join("\n");
  }
  return readFileSync(path, "utf8");
}

/**
 * Final (word, count) state of a WordCount CSV change log: header names the columns `word` and
 * `count`, and optionally `diff` (default +1). Rows are summed by (word, count); those with a
 * positive net multiplicity form the final state. Returns `{ entries, rows, hash }`.
 */
export function wordCountState(path) {
  if (!existsSync(path)) throw new Error(`no output at ${path}`);
  const lines = readOutput(path)
    .split("\n")
    .filter((l) => l.length > 0);
  if (lines.length === 0) throw new Error(`empty output at ${path}`);
  const header = splitCsvLine(lines[0]).map((h) => h.trim());
  const iw = header.indexOf("word");
  const ic = header.indexOf("count");
  const id = header.indexOf("diff");
  if (iw < 0 || ic < 0) throw new Error(`output ${path} header lacks word/count: ${lines[0]}`);
  const net = new Map();
  let rows = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === lines[0]) continue; // header repeated by a multi-file output
    const f = splitCsvLine(lines[i]);
    const key = `${f[iw]}\u0000${Number(f[ic])}`;
    const d = id >= 0 ? Number(f[id]) : 1;
    net.set(key, (net.get(key) ?? 0) + d);
    rows++;
  }
  const entries = [];
  for (const [k, m] of net) {
    if (m <= 0) continue;
    const [w, c] = k.split("\u0000");
    for (let j = 0; j < m; j++) entries.push([w, Number(c)]);
  }
  return { entries, rows, hash: hashCounts(entries) };
}
