// Seeded input generation for the benchmark suites (W1 WordCount, B0 boundary).
// Files are generated once into bench/data and reused; a `.meta.json` next to each file records
// how it was made and the hash of the expected WordCount result.
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

/**
 * mulberry32: a small, fast, seeded 32-bit PRNG. Returns a function giving floats in [0, 1).
 * Deterministic across Node versions (integer arithmetic only).
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The W1 dictionary: `size` distinct random 7-letter lowercase words drawn from `rand`. */
export function makeDictionary(rand, size = 5000, len = 7) {
  const seen = new Set();
  const words = [];
  while (words.length < size) {
    let w = "";
    for (let i = 0; i < len; i++) w += String.fromCharCode(97 + Math.floor(rand() * 26));
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}

/** Canonical hash of a WordCount result: lines `word,count\n` sorted by word, sha256 hex. */
export function hashCounts(entries) {
  const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const h = createHash("sha256");
  for (const [w, c] of sorted) h.update(`${w},${c}\n`);
  return h.digest("hex");
}

/** Writes `buf[0..len)` fully to fd. */
function writeAll(fd, buf, len) {
  let off = 0;
  while (off < len) off += writeSync(fd, buf, off, len - off);
}

/**
 * Generates the W1 input of `size` lines (and the files for its warm-up prefix and a 1-line
 * start-up probe) unless they already exist. Returns
 * `{ full, prefix, one, meta }` where each of full/prefix/one is `{ path, lines, hash }`.
 */
export function ensureW1(
  dataDir,
  { size, seed = 1, dictSize = 5000, prefixLines, log = () => {} },
) {
  mkdirSync(dataDir, { recursive: true });
  const pre = prefixLines ?? Math.floor(size / 5);
  const base = `w1-seed${seed}-d${dictSize}-n${size}`;
  const metaPath = join(dataDir, `${base}.meta.json`);
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, "utf8"));
    if (
      meta.prefix.lines === pre &&
      [meta.full, meta.prefix, meta.one].every((f) => existsSync(f.path))
    )
      return meta;
  }
  const t0 = performance.now();
  const rand = mulberry32(seed);
  const dict = makeDictionary(rand, dictSize);
  const lineBufs = dict.map((w) => Buffer.from(`{"word": "${w}"}\n`));
  const counts = new Uint32Array(dictSize);
  const fullPath = join(dataDir, `${base}.jsonl`);
  const prefixPath = join(dataDir, `${base}.prefix${pre}.jsonl`);
  const onePath = join(dataDir, `w1-seed${seed}-one.jsonl`);
  const chunk = Buffer.allocUnsafe(1 << 22);
  const fdFull = openSync(`${fullPath}.tmp`, "w");
  const fdPre = openSync(`${prefixPath}.tmp`, "w");
  let len = 0;
  let prefixCounts = null;
  const flush = (toPrefix) => {
    writeAll(fdFull, chunk, len);
    if (toPrefix) writeAll(fdPre, chunk, len);
    len = 0;
  };
  for (let i = 0; i < size; i++) {
    if (i === pre) {
      flush(true);
      prefixCounts = counts.slice();
    }
    const k = Math.floor(rand() * dictSize);
    counts[k]++;
    const b = lineBufs[k];
    if (len + b.length > chunk.length) flush(i < pre);
    b.copy(chunk, len);
    len += b.length;
  }
  flush(size <= pre);
  if (!prefixCounts) prefixCounts = counts.slice();
  closeSync(fdFull);
  closeSync(fdPre);
  renameSync(`${fullPath}.tmp`, fullPath);
  renameSync(`${prefixPath}.tmp`, prefixPath);
  writeFileSync(onePath, lineBufs[0]);
  const entries = (cs) => dict.map((w, i) => [w, cs[i]]).filter(([, c]) => c > 0);
  const meta = {
    workload: "w1",
    seed,
    dictSize,
    generator:
      "mulberry32(seed); dictionary = first 5000 distinct 7-letter words; word = dict[floor(rand()*5000)]",
    full: { path: fullPath, lines: size, hash: hashCounts(entries(counts)) },
    prefix: {
      path: prefixPath,
      lines: Math.min(pre, size),
      hash: hashCounts(entries(prefixCounts)),
    },
    one: { path: onePath, lines: 1, hash: hashCounts([[dict[0], 1]]) },
    generatedInSec: (performance.now() - t0) / 1000,
  };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2));
  log(`generated ${fullPath} (${size} lines) in ${meta.generatedInSec.toFixed(1)} s`);
  return meta;
}

/**
 * Generates the B0 input: `n` JSON lines `{"k": i, "x": i + 0.5, "s": "s<i%1000>"}` (ints, floats
 * and short strings), unless it exists. Returns its path.
 */
export function ensureB0(dataDir, n) {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, `b0-n${n}.jsonl`);
  if (existsSync(path)) return path;
  const fd = openSync(`${path}.tmp`, "w");
  let parts = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const line = `{"k": ${i}, "x": ${i}.5, "s": "s${i % 1000}"}\n`;
    parts.push(line);
    bytes += line.length;
    if (bytes > 1 << 22) {
      const b = Buffer.from(parts.join(""));
      writeAll(fd, b, b.length);
      parts = [];
      bytes = 0;
    }
  }
  const b = Buffer.from(parts.join(""));
  writeAll(fd, b, b.length);
  closeSync(fd);
  renameSync(`${path}.tmp`, path);
  return path;
}
