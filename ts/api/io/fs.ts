/**
 * `tb.io.fs`: one row per file, its whole content in `data` (and, when asked, its metadata).
 */
import type { DType } from "../dtype.js";
import { callSite, fail } from "../errors.js";
import type { Table } from "../table.js";
import type { JsonValue } from "../types.js";
import { type CommonReadOptions, sourceTable } from "./source.js";

/** How a file's content is read: raw bytes, or UTF-8 text (invalid text is an error value). */
export type FsFormat = "binary" | "plaintext_by_file";

/** The `_metadata` column: path, size in bytes, modification and creation times (seconds). */
export interface FsMetadata {
  path: string;
  size: number;
  modified_at: number | null;
  created_at: number | null;
}

/** Options of `tb.io.fs.read`. */
export interface FsReadOptions<F extends FsFormat, M extends boolean> extends CommonReadOptions {
  /** `binary` (default): `data` is a `Uint8Array`; `plaintext_by_file`: a string. */
  format?: F;
  /** Adds a `_metadata` JSON column ({@link FsMetadata}). */
  withMetadata?: M;
}

/** The row type of `tb.io.fs.read`. */
export type FsRow<F extends FsFormat, M extends boolean> = {
  data: F extends "plaintext_by_file" ? string : Uint8Array;
} & (M extends true ? { _metadata: JsonValue } : Record<never, never>);

/**
 * Reads whole files (a file, or a directory and its subdirectories; hidden entries skipped):
 * one row per file, id derived from its path. Streaming (the default) also follows new,
 * changed (retract + add) and deleted (retract) files.
 */
function read<F extends FsFormat = "binary", M extends boolean = false>(
  path: string,
  options: FsReadOptions<F, M> = {},
): Table<FsRow<F, M>> {
  const { name, mode, autocommitMs } = options;
  const format: FsFormat = options.format ?? "binary";
  if (format !== "binary" && format !== "plaintext_by_file")
    fail(
      "INVALID_ARGUMENT",
      `io.fs.read: format must be "binary" or "plaintext_by_file", got "${String(format)}"`,
      callSite(),
    );
  const names = ["data"];
  const dtypes: DType[] = [format === "binary" ? "Bytes" : "Str"];
  if (options.withMetadata) {
    names.push("_metadata");
    dtypes.push("Json");
  }
  return sourceTable<FsRow<F, M>>(
    "fs",
    path,
    { names, dtypes, primaryKey: [] },
    { name, mode, autocommitMs },
    { format },
  );
}

/** Whole-file connector. */
export const fs = { read } as const;
