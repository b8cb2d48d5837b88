/**
 * `tb.io.custom.read` and `tb.io.ConnectorSubject`: sources written in JavaScript. A subject's
 * `run()` produces rows with `next(row)`, closes commits with `commit()` and ends with `close()`
 * (or by returning). Rows cross into the engine in batches.
 */
import { callSite, fail } from "../errors.js";
import { loadNative } from "../native.js";
import { PlanNode } from "../plan.js";
import type { Row, Schema } from "../schema.js";
import { makeTable, type Table } from "../table.js";
import { type CommonReadOptions, schemaColumns } from "./source.js";

/** Rows buffered in JS before they are pushed to the engine in one call. */
const FLUSH_ROWS = 1024;

/** Options of `tb.io.custom.read`. */
export interface CustomReadOptions<R extends Row> extends Omit<CommonReadOptions, "mode"> {
  /** Column names and types (read from each row object's fields). */
  schema: Schema<R>;
}

/**
 * A source written in JavaScript: extend it, implement `run()`, and call `next(row)` for each
 * row; `commit()` closes a commit (otherwise commits close every `autocommitMs`); `close()` or
 * returning from `run()` ends the source.
 */
export abstract class ConnectorSubject<R extends Row = Row> {
  #channel: number | undefined;
  #buffer: R[] = [];
  #closed = false;
  #flushScheduled = false;
  #detached = false;
  /** The offset given with the latest buffered row (sent after the rows). */
  #offset: { value: unknown } | undefined;

  /** True once the pipeline reading this subject has stopped: further rows are dropped. */
  get stopped(): boolean {
    return this.#detached;
  }

  /** Produces the rows; may be async. The source ends when it returns (or on `close()`). */
  abstract run(): void | Promise<void>;

  /**
   * Adds a row (ignored once the pipeline reading it has stopped). With persistence,
   * `offset` (any JSON value: a line number, a cursor, a message id…) is this subject's
   * position after the row; the engine logs it with the commit holding the row, and after a
   * restart `resumeOffset()` returns the last one logged.
   */
  next(row: R, options?: { offset?: unknown }): void {
    if (this.#detached) return;
    if (this.#closed) throw new Error("ConnectorSubject.next: the source is closed");
    this.#buffer.push(row);
    if (options?.offset !== undefined) this.#offset = { value: options.offset };
    if (this.#buffer.length >= FLUSH_ROWS) this.#flush();
    else this.#scheduleFlush();
  }

  /**
   * Deletes a row. The source must have a primary key (`primaryKey` in the schema): the row
   * with `row`'s key is removed, whatever its other cells; deleting an absent key does nothing.
   * On a source without a primary key the deletion is a data error (logged, nothing removed).
   */
  delete(row: R, options?: { offset?: unknown }): void {
    this.next({ ...row, $delete: true }, options);
  }

  /**
   * With persistence: resolves with the offset logged with the last row that a previous run
   * committed (`undefined` on a first run or without persistence). A subject that reads a
   * replayable input should call it at the start of `run()` and continue after that offset:
   * the rows up to it are replayed by the engine from its log.
   */
  async resumeOffset(): Promise<unknown> {
    for (;;) {
      if (this.#channel === undefined || this.#detached) return undefined;
      const text = loadNative().channelResumeOffset(this.#channel);
      if (typeof text === "string") return text === "null" ? undefined : JSON.parse(text);
      await new Promise((done) => setTimeout(done, 2));
    }
  }

  /** Closes the current commit: the rows given so far form one time. */
  commit(): void {
    if (this.#closed) return;
    this.#flush();
    if (this.#channel !== undefined && !loadNative().channelCommit(this.#channel)) this.#detach();
  }

  /** Ends the source: everything given so far is final. */
  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    if (this.#channel !== undefined && !loadNative().channelClose(this.#channel)) this.#detach();
  }

  /** @internal Connects the subject to a run's channel and runs it. */
  start(channel: number): void {
    this.#channel = channel;
    this.#closed = false;
    this.#detached = false;
    this.#buffer = [];
    this.#offset = undefined;
    Promise.resolve()
      .then(() => this.run())
      .catch((error: unknown) =>
        console.error("tributary: a ConnectorSubject's run() threw:", error),
      )
      .finally(() => this.close());
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#channel === undefined || this.#closed) return;
    if (this.#buffer.length > 0) {
      const rows = this.#buffer;
      this.#buffer = [];
      if (!loadNative().channelPush(this.#channel, JSON.stringify(rows, jsonCell))) this.#detach();
    }
    const offset = this.#offset;
    this.#offset = undefined;
    if (offset !== undefined && !this.#detached) {
      const json = JSON.stringify(offset.value, jsonCell) ?? "null";
      if (!loadNative().channelOffset(this.#channel, json)) this.#detach();
    }
  }

  #detach(): void {
    this.#detached = true;
    this.#buffer = [];
  }
}

/** JSON for cells: bigints as numbers, everything else as JSON does (Dates as ISO text). */
function jsonCell(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? Number(value) : value;
}

/** Subjects whose channels were opened by plan serialization and not yet started. */
const waiting = new Map<number, ConnectorSubject<Row>>();

/** Starts the subjects of the plan just serialized (call right after handing it to the engine). */
export function startPendingSubjects(): void {
  const subjects = [...waiting.entries()];
  waiting.clear();
  for (const [channel, subject] of subjects) subject.start(channel);
}

/** Reads rows produced by a `ConnectorSubject`. */
function read<R extends Row>(
  subject: ConnectorSubject<R>,
  options: CustomReadOptions<R>,
): Table<R> {
  const site = callSite();
  if (!(subject instanceof ConnectorSubject))
    fail("INVALID_ARGUMENT", "io.custom.read: the first argument must be a ConnectorSubject", site);
  const columns = schemaColumns(options.schema as Schema<Row>, "custom");
  const autocommit = options.autocommitMs;
  if (autocommit !== undefined && (!Number.isFinite(autocommit) || autocommit < 1))
    fail("INVALID_ARGUMENT", "io.custom.read: autocommitMs must be a positive number", site);
  const name = options.name ?? `custom:${subject.constructor.name}`;
  const node = new PlanNode(
    [...columns.names],
    [...columns.dtypes],
    [],
    (_ix, opts) => {
      const channel = loadNative().channelOpen();
      waiting.set(channel, subject as ConnectorSubject<Row>);
      return {
        Source: {
          source: {
            name,
            kind: "custom",
            path: "",
            mode: opts.forceStatic ? "static" : "streaming",
            primary_key: columns.primaryKey,
            options: { channel },
            ...(autocommit !== undefined ? { autocommit_ms: Math.round(autocommit) } : {}),
          },
        },
      };
    },
    site,
    "io.custom.read",
  );
  return makeTable<R>(node);
}

/** The custom-source connector. */
export const custom = { read } as const;
