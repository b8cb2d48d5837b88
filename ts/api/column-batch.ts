/**
 * Columnar batches: the changes of one closed time as the engine sends them to a columnar
 * subscriber (`tb.io.subscribe(table, { onBatch })`), read as typed arrays without a per-cell
 * parse. The binary layout is written by `bindings/src/columnar.rs`.
 */
import { type CellValue, decodeCell } from "./decode.js";
import type { NativeCell } from "./native.js";
import type { Row } from "./schema.js";
import type { Pointer } from "./types.js";

/** A column of a batch: numbers arrive as a `Float64Array`, other types as arrays. */
export type BatchColumn<V> = V extends number ? Float64Array | readonly V[] : readonly V[];

/** The changes of one closed time, by column. Row `i` of every column is change `i`. */
export interface ColumnBatch<R> {
  /** The commit time of these changes. */
  time: number;
  /** How many changes the batch holds. */
  length: number;
  /** `diffs[i]` is +1 for an insertion, -1 for a deletion (or a multiple). Deletions come first. */
  diffs: Float64Array;
  /** The row ids (decoded on first call). */
  ids(): Pointer[];
  /**
   * The cells by column. A number column whose cells are all numbers is a `Float64Array`;
   * columns with nulls, error values or other types are arrays of decoded cells.
   */
  columns: { readonly [K in keyof R]: BatchColumn<R[K]> };
}

const VERSION = 1;
const KIND_F64 = 1;
const KIND_STR = 2;
const KIND_BOOL = 3;
const KIND_ASCII = 5;

/** The sink id a columnar event is addressed to. */
export function batchSink(buffer: Buffer): number {
  return buffer.readUInt32LE(4);
}

/** Reads one columnar event of a table with `columnNames`. */
export function decodeColumnBatch(
  buffer: Buffer,
  columnNames: readonly string[],
): ColumnBatch<Row> {
  if (buffer.readUInt32LE(0) !== VERSION) {
    throw new Error(
      `tributary: columnar batch version ${buffer.readUInt32LE(0)} is not ${VERSION}`,
    );
  }
  const rows = buffer.readUInt32LE(8);
  const columnCount = buffer.readUInt32LE(12);
  const time = buffer.readDoubleLE(16);
  const idsAt = 24;
  const diffsAt = idsAt + rows * 16;
  const diffs = float64s(buffer, diffsAt, rows);
  let at = diffsAt + rows * 8;
  const columns: Record<string, unknown> = {};
  for (let c = 0; c < columnCount; c++) {
    const kind = buffer.readUInt32LE(at);
    const bytes = buffer.readUInt32LE(at + 4);
    const payload = at + 8;
    columns[columnNames[c] ?? `column${c}`] = readColumn(buffer, kind, payload, bytes, rows);
    at = payload + align8(bytes);
  }
  let ids: Pointer[] | undefined;
  return {
    time,
    length: rows,
    diffs,
    ids: () => {
      ids ??= readIds(buffer, idsAt, rows);
      return ids;
    },
    columns: columns as ColumnBatch<Row>["columns"],
  };
}

function readColumn(
  buffer: Buffer,
  kind: number,
  at: number,
  bytes: number,
  rows: number,
): unknown {
  switch (kind) {
    case KIND_F64:
      return float64s(buffer, at, rows);
    case KIND_STR: {
      const offsets = at;
      const text = at + align8((rows + 1) * 4);
      const strings = new Array<string>(rows);
      let start = buffer.readUInt32LE(offsets);
      for (let i = 0; i < rows; i++) {
        const end = buffer.readUInt32LE(offsets + (i + 1) * 4);
        strings[i] = buffer.toString("utf8", text + start, text + end);
        start = end;
      }
      return strings;
    }
    case KIND_ASCII: {
      // One decode of the whole text, then slices: byte offsets are character offsets here.
      const text = at + align8((rows + 1) * 4);
      const base = buffer.readUInt32LE(at);
      const all = buffer.toString("latin1", text + base, text + buffer.readUInt32LE(at + rows * 4));
      const offsets = new Uint32Array(rows + 1);
      for (let i = 0; i <= rows; i++) offsets[i] = buffer.readUInt32LE(at + i * 4) - base;
      const strings = new Array<string>(rows);
      for (let i = 0; i < rows; i++) strings[i] = all.slice(offsets[i], offsets[i + 1]);
      return strings;
    }
    case KIND_BOOL: {
      const flags = new Array<boolean>(rows);
      for (let i = 0; i < rows; i++) flags[i] = buffer[at + i] === 1;
      return flags;
    }
    default: {
      const cells = JSON.parse(buffer.toString("utf8", at, at + bytes)) as NativeCell[];
      return cells.map((cell): CellValue => decodeCell(cell));
    }
  }
}

/** A `Float64Array` over `count` numbers at `at`, copied only when the memory is unaligned. */
function float64s(buffer: Buffer, at: number, count: number): Float64Array {
  const offset = buffer.byteOffset + at;
  if (offset % 8 === 0) return new Float64Array(buffer.buffer, offset, count);
  const copy = new Float64Array(count);
  for (let i = 0; i < count; i++) copy[i] = buffer.readDoubleLE(at + i * 8);
  return copy;
}

function readIds(buffer: Buffer, at: number, rows: number): Pointer[] {
  const ids = new Array<Pointer>(rows);
  for (let i = 0; i < rows; i++) {
    // The id's u128 is little-endian; its hex form is most significant byte first.
    const bytes = buffer.subarray(at + i * 16, at + i * 16 + 16);
    ids[i] = `^${Buffer.from(bytes).reverse().toString("hex")}` as Pointer;
  }
  return ids;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
