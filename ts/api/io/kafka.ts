/**
 * `tb.io.kafka`: reading a topic as a live table and writing a table's changes to a topic.
 */
import type { DType } from "../dtype.js";
import { callSite, fail } from "../errors.js";
import { declareOutput } from "../plan.js";
import type { Row, Schema } from "../schema.js";
import { nodeOf, type Table, type TableLike } from "../table.js";
import type { JsonValue } from "../types.js";
import { type ReadMode, sourceTable } from "./source.js";

/** How message payloads are read. */
export type KafkaFormat = "json" | "csv" | "raw";

/** Options of `tb.io.kafka.read`. */
export interface KafkaReadOptions<R extends Row, M extends boolean = false> {
  /** Bootstrap brokers: `"host:port"` or `"host:port,host:port"`. */
  brokers: string;
  /** The topic to read; its partitions are spread over the workers. */
  topic: string;
  /** Consumer group: reading resumes after its committed offsets (default `tributary-<name>`). */
  groupId?: string;
  /**
   * Column names and types. `json`: fields matched by name; `csv`: one record per message,
   * fields in column order; `raw`: one `data` column (`str` or `bytes`, the default schema).
   */
  schema?: Schema<R>;
  /** Payload format (default `json`). */
  format?: KafkaFormat;
  /** Where a group without committed offsets starts: `earliest` (default) or `latest`. */
  startFrom?: "earliest" | "latest";
  /** Stable name of the source (default `kafka:<topic>`). */
  name?: string;
  /** How often a commit closes (ms; default 1500). */
  autocommitMs?: number;
  /** Key columns (rows with the same key replace each other); default the schema's. */
  primaryKey?: readonly (keyof R & string)[];
  /** Adds a `_metadata` JSON column: `{ topic, partition, offset, key, timestamp }`. */
  withMetadata?: M;
  /** `streaming` (default) keeps reading; `static` reads what the topic holds now and stops. */
  mode?: ReadMode;
  /** How long to keep trying to reach the brokers at start (ms; default 15000). */
  connectTimeoutMs?: number;
  /** CSV field delimiter (default `,`). */
  delimiter?: string;
  /** Extra librdkafka settings (`security.protocol`, `ssl.ca.location`, …). */
  settings?: Readonly<Record<string, string>>;
}

/** The row type of a Kafka table: the schema's row, plus `_metadata` when asked. */
export type KafkaRow<R extends Row, M extends boolean> = M extends true
  ? R & { _metadata: JsonValue }
  : R;

const FORMATS: readonly string[] = ["json", "csv", "raw"];

/** Reads a Kafka topic as a live table. */
function read<R extends Row = { data: string }, M extends boolean = false>(
  options: KafkaReadOptions<R, M>,
): Table<KafkaRow<R, M>> {
  const site = callSite();
  const what = "io.kafka.read";
  if (typeof options !== "object" || options === null)
    fail("INVALID_ARGUMENT", `${what}: options are required`, site);
  const { brokers, topic, schema } = options;
  const format = options.format ?? "json";
  if (typeof brokers !== "string" || brokers === "")
    fail("INVALID_ARGUMENT", `${what}: brokers is required`, site);
  if (typeof topic !== "string" || topic === "")
    fail("INVALID_ARGUMENT", `${what}: topic is required`, site);
  if (!FORMATS.includes(format))
    fail("INVALID_ARGUMENT", `${what}: unknown format "${format}" (${FORMATS.join(" | ")})`, site);
  const startFrom = options.startFrom ?? "earliest";
  if (startFrom !== "earliest" && startFrom !== "latest")
    fail("INVALID_ARGUMENT", `${what}: startFrom must be "earliest" or "latest"`, site);
  if (!schema && format !== "raw")
    fail("INVALID_ARGUMENT", `${what}: the schema option is required for format "${format}"`, site);
  const names: string[] = schema ? [...schema.names] : ["data"];
  const dtypes: DType[] = schema ? [...schema.dtypes] : ["Str"];
  if (options.withMetadata) {
    names.push("_metadata");
    dtypes.push("Json");
  }
  const keyNames: readonly string[] = options.primaryKey ?? schema?.primaryKey ?? [];
  const primaryKey = keyNames.map((key) => {
    const i = names.indexOf(key);
    if (i < 0)
      fail(
        "UNKNOWN_COLUMN",
        `${what}: primary key column "${key}" is not in the schema (${names.join(", ")})`,
        site,
      );
    return i;
  });
  const name = options.name ?? `kafka:${topic}`;
  const connectorOptions: Record<string, unknown> = {
    brokers,
    groupId: options.groupId ?? `tributary-${name}`,
    format,
    startFrom,
    settings: { ...(options.settings ?? {}) },
  };
  if (options.connectTimeoutMs !== undefined)
    connectorOptions.connectTimeoutMs = Math.max(0, Math.round(options.connectTimeoutMs));
  if (options.delimiter !== undefined) connectorOptions.delimiter = options.delimiter;
  return sourceTable<KafkaRow<R, M>>(
    "kafka",
    topic,
    { names, dtypes, primaryKey },
    { name, mode: options.mode, autocommitMs: options.autocommitMs },
    connectorOptions,
  );
}

/** Options of `tb.io.kafka.write`. */
export interface KafkaWriteOptions {
  /** Bootstrap brokers: `"host:port"` or `"host:port,host:port"`. */
  brokers: string;
  /** Target topic. */
  topic: string;
  /**
   * `json` (the default): one object per change, the columns plus `time` and `diff`.
   * `raw`: the text of the `data` column of each insertion as is (append-only tables).
   */
  format?: "json" | "raw";
  /** Column whose value (as text) is each message's key. */
  key?: string;
  /** How long to wait for the brokers at start and for each time's delivery (ms; default 15000). */
  timeoutMs?: number;
  /** Extra librdkafka settings. */
  settings?: Readonly<Record<string, string>>;
}

/**
 * Writes every change of a table to a topic (executed by the next `tb.run`/`tb.start`); each
 * time's messages are delivered before the run goes on, and a failed delivery rejects it.
 */
function write(table: TableLike, options: KafkaWriteOptions): void {
  const site = callSite();
  const what = "io.kafka.write";
  const node = nodeOf(table, what, site);
  if (typeof options !== "object" || options === null)
    fail("INVALID_ARGUMENT", `${what}: options are required`, site);
  const { brokers, topic, key } = options;
  const format = options.format ?? "json";
  if (typeof brokers !== "string" || brokers === "")
    fail("INVALID_ARGUMENT", `${what}: brokers is required`, site);
  if (typeof topic !== "string" || topic === "")
    fail("INVALID_ARGUMENT", `${what}: topic is required`, site);
  if (format !== "json" && format !== "raw")
    fail("INVALID_ARGUMENT", `${what}: unknown format "${format}" (json | raw)`, site);
  if (format === "raw" && !node.columns.includes("data"))
    fail("UNKNOWN_COLUMN", `${what}: the raw format writes a "data" column`, site);
  if (key !== undefined && !node.columns.includes(key))
    fail(
      "UNKNOWN_COLUMN",
      `${what}: key column "${key}" is not a column of the table (${node.columns.join(", ")})`,
      site,
    );
  for (const reserved of format === "json" ? ["time", "diff"] : []) {
    if (node.columns.includes(reserved))
      fail(
        "INVALID_ARGUMENT",
        `${what}: messages carry a "${reserved}" field; rename the table's "${reserved}" column`,
        site,
      );
  }
  declareOutput(node, {
    Kafka: {
      brokers,
      topic,
      format,
      ...(key !== undefined ? { key } : {}),
      ...(options.timeoutMs !== undefined ? { timeout_ms: Math.round(options.timeoutMs) } : {}),
      settings: { ...(options.settings ?? {}) },
    },
  });
}

/** Kafka connector. */
export const kafka = { read, write } as const;
