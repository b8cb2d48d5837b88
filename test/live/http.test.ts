/**
 * `tb.io.http.restConnector`: requests become rows of `queries`, answers come from the
 * pipeline's result table by `requestId`; validation (400), size (413), timeout (504),
 * routing (404/405), concurrency, and a server that closes when the pipeline stops.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { THREADS } from "../helpers.js";

const Query = tb.schema({ user: tb.types.str, n: tb.types.int });
const Users = tb.schema({ name: tb.types.str, city: tb.types.str });

type Answer = { status: number; body: Record<string, unknown> };

async function post(port: number, path: string, body: unknown, method = "POST"): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(method === "GET" ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A connector whose answers double `n` and add the user's city from a static table. */
function doubling(
  options: { timeoutMs?: number; maxBodyBytes?: number; methods?: Array<"GET" | "POST"> } = {},
) {
  const connector = tb.io.http.restConnector({
    host: "127.0.0.1",
    port: 0,
    route: "/double",
    schema: Query,
    ...options,
  });
  const q = connector.queries;
  const users = tb.debug.tableFromMarkdown(
    `
    name  | city
    alice | Paris
    bob   | Lyon
  `,
    { schema: Users },
  );
  const asked = q.filter(q.n.ne(13)); // 13 is never answered (timeout test)
  const answers = asked.join(users, asked.user.eq(users.name)).select({
    requestId: tb.left.requestId,
    user: tb.left.user,
    doubled: tb.left.n.mul(2),
    city: tb.right.city,
  });
  connector.respond(answers);
  return connector;
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("answers each request with its row computed by the engine (select + join), and closes on stop", async () => {
    const connector = doubling();
    const handle = tb.start({ threads });
    const port = await connector.listening;
    expect(connector.port).toBe(port);
    const a = await post(port, "/double", { user: "alice", n: 21 });
    expect(a).toEqual({ status: 200, body: { user: "alice", doubled: 42, city: "Paris" } });
    const b = await post(port, "/double", { user: "bob", n: -4, extra: "ignored" });
    expect(b).toEqual({ status: 200, body: { user: "bob", doubled: -8, city: "Lyon" } });
    await handle.stop();
    expect(connector.port).toBeUndefined();
    await expect(
      fetch(`http://127.0.0.1:${port}/double`, { method: "POST", body: "{}" }),
    ).rejects.toThrow();
  });

  it("concurrent requests each get their own answer", async () => {
    const connector = tb.io.http.restConnector({
      host: "127.0.0.1",
      port: 0,
      route: "/q",
      schema: Query,
    });
    const q = connector.queries;
    connector.respond(q.select({ requestId: q.requestId, user: q.user, square: q.n.mul(q.n) }));
    const handle = tb.start({ threads });
    try {
      const port = await connector.listening;
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => post(port, "/q", { user: `u${i}`, n: i })),
      );
      answers.forEach((answer, i) => {
        expect(answer).toEqual({ status: 200, body: { user: `u${i}`, square: i * i } });
      });
    } finally {
      await handle.stop();
    }
  });

  it("rejects bad requests: 400 naming the field, 404, 405, 413, and 504 on timeout", async () => {
    const connector = doubling({ timeoutMs: 300, maxBodyBytes: 2048 });
    const handle = tb.start({ threads });
    try {
      const port = await connector.listening;
      const missing = await post(port, "/double", { user: "alice" });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatch(/"n"/);
      const wrong = await post(port, "/double", { user: "alice", n: "seven" });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error).toMatch(/"n" must be int/);
      const fraction = await post(port, "/double", { user: "alice", n: 1.5 });
      expect(fraction.status).toBe(400);
      const notJson = await post(port, "/double", "{oops");
      expect(notJson.status).toBe(400);
      expect(notJson.body.error).toMatch(/JSON/);
      const notObject = await post(port, "/double", [1, 2]);
      expect(notObject.status).toBe(400);
      expect((await post(port, "/elsewhere", { user: "alice", n: 1 })).status).toBe(404);
      const get = await fetch(`http://127.0.0.1:${port}/double?user=alice&n=1`);
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
      expect((await post(port, "/double", { user: "alice", n: 1 }, "PUT")).status).toBe(405);
      const big = await post(port, "/double", { user: "x".repeat(4096), n: 1 });
      expect(big.status).toBe(413);
      const started = Date.now();
      const timedOut = await post(port, "/double", { user: "alice", n: 13 });
      expect(timedOut.status).toBe(504);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      // The server keeps working after all of that.
      expect(await post(port, "/double", { user: "bob", n: 1 })).toEqual({
        status: 200,
        body: { user: "bob", doubled: 2, city: "Lyon" },
      });
    } finally {
      await handle.stop();
    }
  });

  it("GET reads the fields from query parameters when enabled; later updates are not sent", async () => {
    const connector = doubling({ methods: ["GET", "POST"] });
    const handle = tb.start({ threads });
    try {
      const port = await connector.listening;
      const viaGet = await fetch(`http://127.0.0.1:${port}/double?user=bob&n=5`);
      expect(viaGet.status).toBe(200);
      expect(await viaGet.json()).toEqual({ user: "bob", doubled: 10, city: "Lyon" });
      const bad = await fetch(`http://127.0.0.1:${port}/double?user=bob&n=five`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/"n"/);
    } finally {
      await handle.stop();
    }
  });

  it("answers with the first result even when the result row changes later (a running total)", async () => {
    const connector = tb.io.http.restConnector({
      host: "127.0.0.1",
      port: 0,
      route: "/sum",
      schema: Query,
    });
    const q = connector.queries;
    // Each query is answered with the total of all n so far for its user: later queries of the
    // same user change earlier results, which must not be re-sent.
    const totals = q.groupBy(q.user).reduce({ user: q.user, total: tb.reducers.sum(q.n) });
    const answers = q
      .join(totals, q.user.eq(totals.user))
      .select({ requestId: tb.left.requestId, total: tb.right.total });
    connector.respond(answers);
    const handle = tb.start({ threads });
    try {
      const port = await connector.listening;
      expect((await post(port, "/sum", { user: "a", n: 1 })).body).toEqual({ total: 1 });
      expect((await post(port, "/sum", { user: "a", n: 2 })).body).toEqual({ total: 3 });
      expect((await post(port, "/sum", { user: "b", n: 5 })).body).toEqual({ total: 5 });
    } finally {
      await handle.stop();
    }
  });
});

describe("restConnector without respond", () => {
  it("acknowledges each request with 202 and its requestId; the rows reach the pipeline", async () => {
    const connector = tb.io.http.restConnector({
      host: "127.0.0.1",
      port: 0,
      route: "/in",
      schema: Query,
    });
    const seen: Array<{ user: string; n: number; requestId: number }> = [];
    tb.io.subscribe(connector.queries, {
      onChange: ({ row, isAddition }) => {
        if (isAddition) seen.push(row);
      },
    });
    const handle = tb.start({ threads: 2 });
    const port = await connector.listening;
    const first = await post(port, "/in", { user: "a", n: 1 });
    const second = await post(port, "/in", { user: "b", n: 2 });
    expect(first).toEqual({ status: 202, body: { requestId: 1 } });
    expect(second).toEqual({ status: 202, body: { requestId: 2 } });
    const deadline = Date.now() + 5_000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await handle.stop();
    expect(seen.sort((x, y) => x.requestId - y.requestId)).toEqual([
      { user: "a", n: 1, requestId: 1 },
      { user: "b", n: 2, requestId: 2 },
    ]);
    // Without a respond table the server learns of the stop by polling (within ~200 ms).
    const closing = Date.now() + 2_000;
    while (connector.port !== undefined && Date.now() < closing)
      await new Promise((r) => setTimeout(r, 10));
    expect(connector.port).toBeUndefined();
  });
});

describe("restConnector options", () => {
  it("rejects a schema with a requestId column and a respond table without one", () => {
    expect(() =>
      tb.io.http.restConnector({
        host: "127.0.0.1",
        port: 0,
        route: "/x",
        schema: tb.schema({ requestId: tb.types.int }),
      }),
    ).toThrow(/requestId/);
    const connector = tb.io.http.restConnector({
      host: "127.0.0.1",
      port: 0,
      route: "/x",
      schema: Query,
    });
    const q = connector.queries;
    // @ts-expect-error: the result must carry requestId
    expect(() => connector.respond(q.select({ user: q.user }))).toThrow(/requestId/);
    expect(() =>
      tb.io.http.restConnector({ host: "127.0.0.1", port: 0, route: "x", schema: Query }),
    ).toThrow(/route/);
  });

  it("latency of sequential requests on one worker", async () => {
    const connector = tb.io.http.restConnector({
      host: "127.0.0.1",
      port: 0,
      route: "/q",
      schema: Query,
    });
    const q = connector.queries;
    connector.respond(q.select({ requestId: q.requestId, m: q.n.add(1) }));
    const handle = tb.start({ threads: 1 });
    const times: number[] = [];
    try {
      const port = await connector.listening;
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        const answer = await post(port, "/q", { user: "u", n: i });
        times.push(performance.now() - t0);
        expect(answer.body).toEqual({ m: i + 1 });
      }
    } finally {
      await handle.stop();
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length * 0.5)] ?? 0;
    const p99 = times[Math.floor(times.length * 0.99)] ?? 0;
    console.log(
      `restConnector latency over 200 sequential requests: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`,
    );
    expect(p50).toBeLessThan(500);
  });
});
