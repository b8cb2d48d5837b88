/**
 * `tb.io.http.restConnector`: serves an HTTP route while the pipeline runs. Each request is a
 * row of `queries` (its fields plus a `requestId` primary key, committed at once); `respond`
 * answers it with the first row of a result table that carries the same `requestId`.
 */
import { callSite, fail } from "../errors.js";
import { type Row, type Schema, schema as makeSchema } from "../schema.js";
import { subscribe } from "../subscribe.js";
import { nodeOf, type Table, type TableLike } from "../table.js";
import { TypeSpec } from "../types.js";
import { custom } from "./custom.js";
import { REQUEST_ID, type RestMethod, RestSubject } from "./http/server.js";

export type { RestMethod } from "./http/server.js";

/** Options of `tb.io.http.restConnector`. */
export interface RestConnectorOptions<R extends Row> {
  /** The address to bind (only this one), e.g. `"127.0.0.1"`. */
  host: string;
  /** The port; `0` picks a free one (see `connector.listening` / `connector.port`). */
  port: number;
  /** The path served, e.g. `"/query"`; other paths get 404. */
  route: string;
  /** The request fields: each column is a field of the JSON body (or a query parameter). */
  schema: Schema<R>;
  /** Accepted methods (default `["POST"]`); `GET` reads the fields from query parameters. */
  methods?: readonly RestMethod[];
  /** Largest accepted body in bytes (default 1 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** How long a request waits for its answer in ms (default 30 000); then 504. */
  timeoutMs?: number;
  /** The source's name (default `http:<host>:<port><route>`). */
  name?: string;
}

/** The row of `queries`: the request's fields and its id. */
export type QueryRow<R extends Row> = R & { requestId: number };

/** What `tb.io.http.restConnector` returns. */
export interface RestConnector<R extends Row> {
  /** One row per accepted request, keyed by its `requestId`. */
  readonly queries: Table<QueryRow<R>>;
  /**
   * Answers each request with the first row of `table` whose `requestId` is the request's:
   * the row without `requestId`, as JSON (200; 500 when a cell is an error value). Later
   * changes of that row are not sent (each request is answered once). Call it once, before
   * `tb.run()` / `tb.start()`. Without it, each request is acknowledged at once with 202
   * and `{ "requestId": n }` (ingestion only).
   */
  respond<T extends TableLike & { readonly __row: { requestId: unknown } }>(table: T): void;
  /** The bound port while the pipeline runs, else `undefined`. */
  readonly port: number | undefined;
  /** Resolves with the bound port once the server of the current (or next) run listens. */
  readonly listening: Promise<number>;
}

const METHODS: readonly RestMethod[] = ["GET", "POST"];

/** Serves `route` on `host:port` while the pipeline runs; see `RestConnector`. */
function restConnector<R extends Row>(options: RestConnectorOptions<R>): RestConnector<R> {
  const site = callSite();
  const what = "io.http.restConnector";
  const { host, port, route, schema } = options;
  if (typeof host !== "string" || host === "")
    fail("INVALID_ARGUMENT", `${what}: host is required`, site);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    fail(
      "INVALID_ARGUMENT",
      `${what}: port must be an integer in 0..65535, got ${String(port)}`,
      site,
    );
  if (typeof route !== "string" || !route.startsWith("/"))
    fail(
      "INVALID_ARGUMENT",
      `${what}: route must start with "/", got ${JSON.stringify(route)}`,
      site,
    );
  if (!schema || !Array.isArray(schema.names))
    fail("INVALID_ARGUMENT", `${what}: the schema option is required`, site);
  if (schema.names.includes(REQUEST_ID))
    fail(
      "INVALID_ARGUMENT",
      `${what}: the schema may not have a "${REQUEST_ID}" column (the connector adds it)`,
      site,
    );
  const methods = options.methods ?? ["POST"];
  if (methods.length === 0 || methods.some((m) => !METHODS.includes(m)))
    fail("INVALID_ARGUMENT", `${what}: methods must be a non-empty list of "GET" / "POST"`, site);
  const maxBodyBytes = positive(options.maxBodyBytes, 1024 * 1024, "maxBodyBytes", site);
  const timeoutMs = positive(options.timeoutMs, 30_000, "timeoutMs", site);

  const subject = new RestSubject<QueryRow<R>>({
    host,
    port,
    route,
    methods,
    maxBodyBytes,
    timeoutMs,
    columns: { names: schema.names, dtypes: schema.dtypes },
  });
  const specs: Record<string, TypeSpec<unknown>> = {};
  for (const [i, name] of schema.names.entries())
    specs[name] = new TypeSpec(schema.dtypes[i] ?? "Any");
  specs[REQUEST_ID] = new TypeSpec("Int");
  const querySchema = makeSchema(specs, { primaryKey: [REQUEST_ID] }) as unknown as Schema<
    QueryRow<R>
  >;
  const queries = custom.read<QueryRow<R>>(subject, {
    schema: querySchema,
    name: options.name ?? `http:${host}:${port}${route}`,
  });
  let responding = false;
  return {
    queries,
    respond(table) {
      const respondSite = callSite();
      const node = nodeOf(table, `${what}.respond`, respondSite);
      if (!node.columns.includes(REQUEST_ID))
        fail(
          "INVALID_ARGUMENT",
          `${what}.respond: the table needs a "${REQUEST_ID}" column to match results to requests (columns: ${node.columns.join(", ")})`,
          respondSite,
        );
      if (responding)
        fail("INVALID_ARGUMENT", `${what}.respond: already called for this connector`, respondSite);
      responding = true;
      subject.expectAnswers();
      subscribe(table as TableLike, {
        onChange: ({ row, isAddition }) => {
          if (!isAddition) return;
          const id = (row as Row)[REQUEST_ID];
          if (typeof id === "number" || typeof id === "bigint")
            subject.answer(Number(id), row as Row);
        },
        onEnd: () => subject.halt(),
      });
    },
    get port() {
      return subject.port;
    },
    get listening() {
      return subject.listening;
    },
  };
}

function positive(
  value: number | undefined,
  fallback: number,
  name: string,
  site: string | undefined,
): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    fail(
      "INVALID_ARGUMENT",
      `io.http.restConnector: ${name} must be a positive number, got ${String(value)}`,
      site,
    );
  return value;
}

/** The HTTP connectors. */
export const http = { restConnector } as const;
