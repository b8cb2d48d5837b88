/**
 * The HTTP side of `tb.io.http.restConnector`: a `ConnectorSubject` whose `run()` serves
 * requests while the pipeline runs. Each accepted request becomes one row (committed at
 * once) and waits, by its request id, for `answer()` or its timeout.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ErrorValue } from "../../decode.js";
import type { Row } from "../../schema.js";
import { ConnectorSubject } from "../custom.js";
import { type Checked, checkObject, queryToObject, type RequestColumns } from "./validate.js";

/** The column holding each request's id (the primary key of `queries`). */
export const REQUEST_ID = "requestId";

/** HTTP methods the connector can accept. */
export type RestMethod = "GET" | "POST";

/** Settings of the server (defaults applied). */
export interface ServerSettings {
  host: string;
  port: number;
  route: string;
  methods: readonly RestMethod[];
  maxBodyBytes: number;
  timeoutMs: number;
  columns: RequestColumns;
}

/** How often the server checks whether its pipeline has stopped (ms). */
const STOP_POLL_MS = 200;

/** A request waiting for its answer. */
interface Pending {
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

/** Serves the connector's route and turns requests into rows. */
export class RestSubject<Q extends Row = Row> extends ConnectorSubject<Q> {
  readonly #settings: ServerSettings;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #server: Server | undefined;
  #port: number | undefined;
  #commitScheduled = false;
  #answers = false;
  #halt: (() => void) | undefined;
  #listening!: Promise<number>;
  #listened: (port: number) => void = () => {};
  #listenFailed: (error: Error) => void = () => {};

  constructor(settings: ServerSettings) {
    super();
    this.#settings = settings;
    this.#resetListening();
  }

  /** The bound port while serving, else `undefined`. */
  get port(): number | undefined {
    return this.#port;
  }

  /** Resolves with the bound port once the server of the current (or next) run listens. */
  get listening(): Promise<number> {
    return this.#listening;
  }

  /** Serves until the pipeline stops, then closes the server. */
  async run(): Promise<void> {
    const server = createServer((req, res) => this.#handle(req, res));
    this.#server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.#settings.port, this.#settings.host, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (error) {
      const message = `tb.io.http.restConnector: cannot listen on ${this.#settings.host}:${this.#settings.port}: ${(error as Error).message}`;
      this.#listenFailed(new Error(message));
      this.#resetListening();
      this.#server = undefined;
      throw new Error(message);
    }
    this.#port = (server.address() as AddressInfo).port;
    this.#listened(this.#port);
    await new Promise<void>((resolve) => {
      this.#halt = resolve;
      const poll = setInterval(() => {
        // An empty commit is how a subject learns that its run has ended.
        if (!this.stopped) this.commit();
        if (this.stopped) resolve();
      }, STOP_POLL_MS);
      poll.unref();
      server.once("close", () => clearInterval(poll));
    });
    await this.#close(server);
  }

  /** From now on requests wait for `answer()`; before, they get 202 at once. */
  expectAnswers(): void {
    this.#answers = true;
  }

  /** Ends serving now (the pipeline has ended). */
  halt(): void {
    this.#halt?.();
  }

  /** Answers request `id` with `row` (minus the id column) unless it was answered already. */
  answer(id: number, row: Row): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    const { [REQUEST_ID]: _id, ...result } = row;
    const failed = Object.values(result).some((cell) => cell === ErrorValue);
    if (failed) {
      send(pending.res, 500, {
        error:
          "the pipeline could not compute the result of this request (see tb.globalErrorLog())",
        result,
      });
    } else {
      send(pending.res, 200, result);
    }
  }

  #resetListening(): void {
    this.#listening = new Promise<number>((resolve, reject) => {
      this.#listened = resolve;
      this.#listenFailed = reject;
    });
    // A failure is also thrown from run(); do not report it twice as unhandled.
    this.#listening.catch(() => {});
  }

  async #close(server: Server): Promise<void> {
    this.#halt = undefined;
    this.#port = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      send(pending.res, 503, { error: "the pipeline stopped before answering" });
      this.#pending.delete(id);
    }
    server.closeIdleConnections();
    setImmediate(() => server.closeAllConnections());
    await closed;
    if (this.#server === server) this.#server = undefined;
    this.#resetListening();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const { route, methods } = this.#settings;
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== route) {
      send(res, 404, { error: `no route ${url.pathname} (this server answers ${route})` });
      req.resume();
      return;
    }
    const method = (req.method ?? "GET").toUpperCase();
    if (!(methods as readonly string[]).includes(method)) {
      res.setHeader("Allow", methods.join(", "));
      send(res, 405, {
        error: `method ${method} is not allowed on ${route} (use ${methods.join(" or ")})`,
      });
      req.resume();
      return;
    }
    if (method === "GET") {
      this.#accept(
        checkObject(
          queryToObject(url.searchParams, this.#settings.columns),
          this.#settings.columns,
        ),
        res,
      );
      req.resume();
      return;
    }
    this.#readBody(req, res);
  }

  #readBody(req: IncomingMessage, res: ServerResponse): void {
    const limit = this.#settings.maxBodyBytes;
    const tooLarge = () => {
      res.setHeader("Connection", "close");
      send(res, 413, { error: `the body is larger than ${limit} bytes` });
      // Drain a little so the client can read the answer, then cut the connection.
      let drained = 0;
      req.removeAllListeners("data");
      req.on("data", (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > 4 * limit + 65_536) req.destroy();
      });
    };
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (over) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
      } catch (error) {
        send(res, 400, { error: `the body is not valid JSON: ${(error as Error).message}` });
        return;
      }
      this.#accept(checkObject(body, this.#settings.columns), res);
    });
  }

  #accept(checked: Checked, res: ServerResponse): void {
    if (!checked.ok) {
      send(res, 400, { error: checked.message });
      return;
    }
    if (this.stopped || this.#halt === undefined) {
      send(res, 503, { error: "the pipeline is not running" });
      return;
    }
    const id = this.#nextId++;
    if (!this.#answers) {
      // Nothing answers (no `respond`): acknowledge the row at once.
      this.next({ ...checked.row, [REQUEST_ID]: id } as Row as Q);
      this.#scheduleCommit();
      send(res, 202, { [REQUEST_ID]: id });
      return;
    }
    const timeoutMs = this.#settings.timeoutMs;
    const timer = setTimeout(() => {
      if (!this.#pending.delete(id)) return;
      send(res, 504, { error: `no result within ${timeoutMs} ms` });
    }, timeoutMs);
    this.#pending.set(id, { res, timer });
    res.on("close", () => {
      // The client went away before its answer: forget it.
      const pending = this.#pending.get(id);
      if (pending?.res === res && !res.writableEnded) {
        clearTimeout(pending.timer);
        this.#pending.delete(id);
      }
    });
    const row: Row = { ...checked.row, [REQUEST_ID]: id };
    this.next(row as Q);
    this.#scheduleCommit();
  }

  /** Commits at the end of this turn: requests that arrived together share one time. */
  #scheduleCommit(): void {
    if (this.#commitScheduled) return;
    this.#commitScheduled = true;
    setImmediate(() => {
      this.#commitScheduled = false;
      this.commit();
    });
  }
}

/** Writes a JSON answer. */
function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.writableEnded) return;
  const text = JSON.stringify(body, jsonCell);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** JSON for result cells: bigints as numbers (text when unsafe), bytes as arrays. */
function jsonCell(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Uint8Array) return Array.from(value);
  return value;
}
