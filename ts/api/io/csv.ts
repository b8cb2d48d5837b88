/**
 * `tb.io.csv`: reading and writing CSV files.
 */
import type { Row, Schema } from "../schema.js";
import type { Table, TableLike } from "../table.js";
import { type CommonReadOptions, fileOutput, schemaColumns, sourceTable } from "./source.js";

/** Options of `tb.io.csv.read`. */
export interface CsvReadOptions<R extends Row> extends CommonReadOptions {
  /** Column names and types (matched to the header by name). */
  schema: Schema<R>;
  /** Field delimiter (default `,`). */
  delimiter?: string;
  /** Quote character (default `"`). */
  quote?: string;
  /** Whether the first line is a header (default true). */
  header?: boolean;
}

/** Reads CSV files (a file or a directory). */
function read<R extends Row>(path: string, options: CsvReadOptions<R>): Table<R> {
  const { schema, name, mode, autocommitMs, ...csv } = options;
  return sourceTable<R>(
    "csv",
    path,
    schemaColumns(schema as Schema<Row>, "csv"),
    { name, mode, autocommitMs },
    csv,
  );
}

/** Writes every change as a CSV line: the row, then `time` and `diff`. */
function write(table: TableLike, path: string): void {
  fileOutput(table, "csv", path);
}

/** CSV connector. */
export const csv = { read, write } as const;
