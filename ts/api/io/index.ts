/**
 * `tb.io`: connectors.
 */
import { callSite } from "../errors.js";
import { declareOutput } from "../plan.js";
import { nodeOf, type TableLike } from "../table.js";
import { csv } from "./csv.js";
import { fs } from "./fs.js";
import { ConnectorSubject, custom } from "./custom.js";
import { http } from "./http.js";
import { jsonlines } from "./jsonlines.js";
import { kafka } from "./kafka.js";
import { plaintext } from "./plaintext.js";
import { postgres } from "./postgres.js";
import { subscribe } from "../subscribe.js";

export type { CsvReadOptions } from "./csv.js";
export type { CustomReadOptions } from "./custom.js";
export { ConnectorSubject } from "./custom.js";
export type { JsonLinesReadOptions } from "./jsonlines.js";
export type { FsFormat, FsMetadata, FsReadOptions } from "./fs.js";
export type {
  PostgresInit,
  PostgresReadOptions,
  PostgresWriteMode,
  PostgresWriteOptions,
} from "./postgres.js";
export type { KafkaFormat, KafkaReadOptions, KafkaRow, KafkaWriteOptions } from "./kafka.js";
export type { CommonReadOptions, ReadMode } from "./source.js";

/** Discards a table's changes (forces it to be computed). */
function writeNull(table: TableLike): void {
  declareOutput(nodeOf(table, "io.null.write", callSite()), "Null");
}

/** The connectors. */
export const io = {
  csv,
  fs,
  jsonlines,
  plaintext,
  null: { write: writeNull },
  subscribe,
  custom,
  ConnectorSubject,
  http,
  postgres,
  kafka,
} as const;
