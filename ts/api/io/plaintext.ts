/**
 * `tb.io.plaintext`: one row per line, in a `data` column.
 */
import type { Table } from "../table.js";
import { type CommonReadOptions, sourceTable } from "./source.js";

/** Reads text files line by line (a file or a directory). */
function read(path: string, options: CommonReadOptions = {}): Table<{ data: string }> {
  const { name, mode, autocommitMs, ...rest } = options;
  return sourceTable<{ data: string }>(
    "plaintext",
    path,
    { names: ["data"], dtypes: ["Str"], primaryKey: [] },
    { name, mode, autocommitMs },
    rest,
  );
}

/** Plain-text connector. */
export const plaintext = { read } as const;
