/**
 * PostgreSQL CDC when the server goes away mid-run: a streaming read survives a restart of the
 * server (`pg_ctl restart -m fast` drops the replication connection): the reader reconnects
 * with backoff and continues after the last transaction it emitted — every change before,
 * during and after the restart once. With the server gone for good, the run rejects after
 * `reconnectAttempts` attempts with an error naming the address.
 */
import * as tb from "tributary";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { THREADS } from "../helpers.js";
import { type PostgresServer, startPostgres } from "../support/postgres.js";

let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(() => pg?.stop());

const Item = tb.schema({ id: tb.types.int, v: tb.types.int }, { primaryKey: ["id"] });

async function until(probe: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("reconnects after a server restart: nothing lost, nothing twice", async () => {
    const table = `reconnect_${threads}`;
    pg.exec(
      `CREATE TABLE ${table} (id bigint PRIMARY KEY, v bigint NOT NULL); INSERT INTO ${table} VALUES (0, 0);`,
    );
    const changes: string[] = [];
    const items = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: table,
      schema: Item,
      autocommitMs: 20,
      reconnectAttempts: 40, // a restart on a loaded machine may take seconds
    });
    tb.io.subscribe(items, {
      onChange: ({ row, isAddition }) => {
        changes.push(`${row.id}:${row.v}:${isAddition ? "+" : "-"}`);
      },
    });
    const handle = tb.start({ threads });
    const live = () => {
      const state = new Map<string, number>();
      for (const c of changes) {
        const [id, v, sign] = c.split(":");
        const key = `${id}:${v}`;
        state.set(key, (state.get(key) ?? 0) + (sign === "+" ? 1 : -1));
      }
      return [...state]
        .filter(([, n]) => n !== 0)
        .map(([k, n]) => `${k}x${n}`)
        .sort();
    };
    try {
      await until(() => changes.length === 1, "the snapshot");
      for (let i = 1; i <= 20; i++) pg.exec(`INSERT INTO ${table} VALUES (${i}, ${i});`);
      await until(() => changes.length === 21, "the first changes");
      pg.restart();
      // Changes while the reader reconnects, then after.
      pg.exec(`UPDATE ${table} SET v = v + 100 WHERE id <= 5; DELETE FROM ${table} WHERE id = 20;`);
      for (let i = 21; i <= 30; i++) pg.exec(`INSERT INTO ${table} VALUES (${i}, ${i});`);
      const expected = pg
        .query(`SELECT id, v FROM ${table}`)
        .map(([id, v]) => `${id}:${v}x1`)
        .sort();
      await until(
        () => JSON.stringify(live()) === JSON.stringify(expected),
        "the changes after the restart",
      );
    } finally {
      await handle.stop();
    }
    // Every change once: 21 rows, 6 updates (ids 0–5, 2 changes each), 1 delete, 10 inserts.
    expect(changes.length).toBe(21 + 12 + 1 + 10);
    expect(new Set(changes).size).toBe(changes.length);
  }, 60_000);

  it("rejects naming the address once the reconnection attempts are used up", async () => {
    const table = `gone_${threads}`;
    pg.exec(
      `CREATE TABLE ${table} (id bigint PRIMARY KEY, v bigint NOT NULL); INSERT INTO ${table} VALUES (1, 1);`,
    );
    let seen = 0;
    const items = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: table,
      schema: Item,
      autocommitMs: 20,
      reconnectAttempts: 2,
    });
    tb.io.subscribe(items, {
      onChange: () => {
        seen++;
      },
    });
    const handle = tb.start({ threads });
    const outcome = handle.done.then(
      () => "resolved",
      (e: Error) => e,
    );
    try {
      await until(() => seen === 1, "the snapshot");
      pg.halt();
      const error = await outcome;
      expect(error).toBeInstanceOf(Error);
      expect(String((error as Error).message)).toMatch(
        new RegExp(`127\\.0\\.0\\.1:${pg.port}.*2 reconnection attempts failed`),
      );
    } finally {
      pg.start();
    }
  }, 60_000);
});
