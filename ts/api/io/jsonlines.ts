/**
 * `tb.io.jsonlines`: reading and writing JSON Lines files.
 */
import type { Row, Schema } from "../schema.js";
import type { Table, TableLike } from "../table.js";
import { type CommonReadOptions, fileOutput, schemaColumns, sourceTable } from "./source.js";

/** Options of `tb.io.jsonlines.read`. */
export interface JsonLinesReadOptions<R extends Row> extends CommonReadOptions {
  /** Column names and types (read from the objects' fields). */
  schema: Schema<R>;
}

/** Reads JSON Lines files (a file or a directory). */
function read<R extends Row>(path: string, options: JsonLinesReadOptions<R>): Table<R> {
  const { schema, name, mode, autocommitMs, ...rest } = options;
  return sourceTable<R>(
    "jsonlines",
    path,
    schemaColumns(schema as Schema<Row>, "jsonlines"),
    { name, mode, autocommitMs },
    rest,
  );
}

/** Writes every change as one JSON object per line, with `time` and `diff`. */
function write(table: TableLike, path: string): void {
  fileOutput(table, "jsonlines", path);
}

/** JSON Lines connector. */
export const jsonlines = { read, write } as const;
