/**
 * Parsing of markdown fixtures (`tb.debug.tableFromMarkdown`) into typed static rows.
 *
 * Cells are trimmed; a cell reads as an int, a float, `true`/`false`, `null` (also an empty
 * cell), or else a string; a quoted cell (`"…"` or `'…'`) is always a string. `__time__` and
 * `__diff__` columns give each row's commit time (default 0) and diff (default 1). A first
 * column named `id` gives explicit row ids.
 */
import { fail } from "./errors.js";

/** A parsed cell (before typing). `raw` is the trimmed text; `quoted` when it was quoted. */
export interface MarkdownCell {
  value: null | boolean | number | bigint | string;
  raw: string;
  quoted: boolean;
}

/** A parsed fixture. */
export interface MarkdownTable {
  /** Data column names (without `id`, `__time__`, `__diff__`). */
  columns: string[];
  /** Rows in file order. */
  rows: Array<{
    cells: MarkdownCell[];
    id: MarkdownCell | undefined;
    time: number;
    diff: number;
    line: number;
  }>;
  /** Whether an `id` column was given. */
  hasId: boolean;
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$|^[+-]?(inf|Infinity|nan|NaN)$/;

/** Reads one cell. */
export function parseCell(text: string): MarkdownCell {
  const raw = text.trim();
  if (raw.length >= 2 && (raw[0] === '"' || raw[0] === "'") && raw[raw.length - 1] === raw[0]) {
    return { value: raw.slice(1, -1), raw, quoted: true };
  }
  if (raw === "" || raw === "null" || raw === "None") return { value: null, raw, quoted: false };
  if (raw === "true" || raw === "True") return { value: true, raw, quoted: false };
  if (raw === "false" || raw === "False") return { value: false, raw, quoted: false };
  if (INT.test(raw)) {
    const n = Number(raw);
    return { value: Number.isSafeInteger(n) ? n : BigInt(raw), raw, quoted: false };
  }
  if (FLOAT.test(raw)) {
    const lower = raw.toLowerCase().replace(/^[+]/, "");
    const value =
      lower === "nan" || lower === "-nan"
        ? Number.NaN
        : lower === "inf" || lower === "infinity"
          ? Number.POSITIVE_INFINITY
          : lower === "-inf" || lower === "-infinity"
            ? Number.NEGATIVE_INFINITY
            : Number(raw);
    return { value, raw, quoted: false };
  }
  return { value: raw, raw, quoted: false };
}

function splitRow(line: string): string[] {
  let text = line.trim();
  if (text.startsWith("|")) text = text.slice(1);
  if (text.endsWith("|") && !text.endsWith("\\|")) text = text.slice(0, -1);
  const cells: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if ((ch === '"' || ch === "'") && current.trim() === "") {
      quote = ch;
      current += ch;
    } else if (ch === "\\" && text[i + 1] === "|") {
      current += "|";
      i++;
    } else if (ch === "|") {
      cells.push(current);
      current = "";
    } else current += ch;
  }
  cells.push(current);
  return cells.map((c) => c.trim());
}

const SEPARATOR = /^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$/;

function integerOf(cell: MarkdownCell, what: string, line: number): number {
  if (typeof cell.value !== "number" || !Number.isInteger(cell.value)) {
    fail(
      "INVALID_ARGUMENT",
      `tableFromMarkdown: line ${line}: ${what} must be an integer, got "${cell.raw}"`,
    );
  }
  return cell.value;
}

/** Parses a markdown fixture. */
export function parseMarkdown(md: string): MarkdownTable {
  const lines = md
    .split(/\r?\n/)
    .map((text, i) => ({ text: text.trim(), line: i + 1 }))
    .filter((l) => l.text !== "" && !SEPARATOR.test(l.text));
  if (lines.length === 0) fail("INVALID_ARGUMENT", "tableFromMarkdown: no header line");
  const header = splitRow(lines[0]!.text);
  if (header.some((h) => h === ""))
    fail("INVALID_ARGUMENT", `tableFromMarkdown: empty column name in header "${lines[0]!.text}"`);
  if (new Set(header).size !== header.length)
    fail("INVALID_ARGUMENT", "tableFromMarkdown: duplicate column names");
  const hasId = header[0] === "id";
  const timeAt = header.indexOf("__time__");
  const diffAt = header.indexOf("__diff__");
  const dataAt = header
    .map((_, i) => i)
    .filter((i) => i !== timeAt && i !== diffAt && !(hasId && i === 0));
  const rows = lines.slice(1).map(({ text, line }) => {
    const cells = splitRow(text).map(parseCell);
    if (cells.length !== header.length) {
      fail(
        "INVALID_ARGUMENT",
        `tableFromMarkdown: line ${line} has ${cells.length} cells, the header has ${header.length}`,
      );
    }
    const time = timeAt >= 0 ? integerOf(cells[timeAt]!, "__time__", line) : 0;
    const diff = diffAt >= 0 ? integerOf(cells[diffAt]!, "__diff__", line) : 1;
    if (time < 0)
      fail("INVALID_ARGUMENT", `tableFromMarkdown: line ${line}: __time__ must not be negative`);
    if (diff !== 1 && diff !== -1)
      fail("INVALID_ARGUMENT", `tableFromMarkdown: line ${line}: __diff__ must be 1 or -1`);
    return {
      cells: dataAt.map((i) => cells[i]!),
      id: hasId ? cells[0] : undefined,
      time,
      diff,
      line,
    };
  });
  return { columns: dataAt.map((i) => header[i]!), rows, hasId };
}
