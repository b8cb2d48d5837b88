/**
 * tb.io.postgres.read against a real private PostgreSQL (wal_level=logical, started by the
 * test): static snapshots with every supported type, streaming reads that follow inserts,
 * updates, deletes and multi-statement transactions (checked on the change stream with times
 * and diffs), schema mismatches and unreachable servers rejecting run() before reading, bad
 * values as error cells, and a read → transform → write round trip.
 */
import * as tb from "tributary";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorLogOf, expectRows, isError, THREADS } from "../helpers.js";
import { freePort, type PostgresServer, startPostgres } from "../support/postgres.js";

let pg: PostgresServer;

beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);

afterAll(() => {
  pg?.stop();
});

const Item = tb.schema(
  {
    id: tb.types.int,
    name: tb.types.str,
    price: tb.types.float,
  },
  { primaryKey: ["id"] },
);

/** Polls `probe` until it holds or the time is up. */
async function until(probe: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const rows = (sql: string) => pg.query(sql).map((r) => r.join(","));

describe.each(THREADS)("threads=%i", (threads) => {
  it("static: reads a snapshot of the table with its column types", async () => {
    const table = `types_${threads}`;
    pg.exec(`
      CREATE TABLE ${table} (
        id bigint PRIMARY KEY, small smallint, n numeric, f real, ok boolean, name varchar(20),
        at timestamptz, day date, doc jsonb, raw bytea, note text, extra text);
      INSERT INTO ${table} VALUES
        (1, 7, 1.25, 0.5, true, 'a', '2024-01-02 03:04:05.5+00', '2024-03-01', '{"k":[1,2]}', '\\x0102', NULL, 'x'),
        (2, -3, -2, 8, false, 'b', '2024-01-02 05:04:05+02', '2024-03-02', '"s"', '\\x', 'hi', 'y');
    `);
    const Types = tb.schema(
      {
        id: tb.types.int,
        small: tb.types.int,
        n: tb.types.float,
        f: tb.types.float,
        ok: tb.types.bool,
        name: tb.types.str,
        at: tb.types.datetime,
        day: tb.types.datetime,
        doc: tb.types.json,
        raw: tb.types.bytes,
        note: tb.types.str.optional(),
      },
      { primaryKey: ["id"] },
    );
    const t = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: table,
      schema: Types,
      mode: "static",
    });
    const got = await tb.debug.compute(t, { threads });
    expectRows(got, [
      {
        id: 1,
        small: 7,
        n: 1.25,
        f: 0.5,
        ok: true,
        name: "a",
        at: new Date("2024-01-02T03:04:05.500Z"),
        day: new Date("2024-03-01T00:00:00Z"),
        doc: { k: [1, 2] },
        raw: new Uint8Array([1, 2]),
        note: null,
      },
      {
        id: 2,
        small: -3,
        n: -2,
        f: 8,
        ok: false,
        name: "b",
        at: new Date("2024-01-02T03:04:05Z"),
        day: new Date("2024-03-02T00:00:00Z"),
        doc: "s",
        raw: new Uint8Array([]),
        note: "hi",
      },
    ]);
    // Ids come from the primary key: the same as withIdFrom(id).
    const keyed = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: table,
      schema: tb.schema({ id: tb.types.int }, { primaryKey: ["id"] }),
      mode: "static",
    });
    const ids = await tb.debug.compute(keyed, { threads, withIds: true });
    const expected = await tb.debug.compute(
      tb.debug.tableFromRows(tb.schema({ id: tb.types.int }, { primaryKey: ["id"] }), [
        { id: 1 },
        { id: 2 },
      ]),
      { withIds: true },
    );
    expectRows(ids, expected);
  });

  it("static: a large snapshot arrives whole", async () => {
    const table = `big_${threads}`;
    const n = 50_000;
    pg.exec(`
      CREATE TABLE ${table} (id int PRIMARY KEY, name text, price float8);
      INSERT INTO ${table} SELECT g, 'item' || g, g * 0.5 FROM generate_series(1, ${n}) g;
    `);
    const t = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: table,
      schema: Item,
      mode: "static",
    });
    const totals = t.reduce({ count: tb.reducers.count(), total: tb.reducers.sum(t.price) });
    const started = performance.now();
    const got = await tb.debug.compute(totals, { threads });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `postgres snapshot: ${n} rows in ${seconds.toFixed(2)} s (${Math.round(n / seconds)} rows/s, threads=${threads})`,
    );
    expect(got).toEqual([{ count: n, total: (n * (n + 1)) / 4 }]);
  });

  it("streaming: inserts, updates, deletes and transactions arrive as changes", async () => {
    const table = `live_${threads}`;
    pg.exec(`
      CREATE TABLE ${table} (id int PRIMARY KEY, name text NOT NULL, price float8 NOT NULL);
      INSERT INTO ${table} VALUES (1, 'apple', 1.5), (2, 'pear', 2);
    `);
    const t = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: table,
      schema: Item,
      autocommitMs: 20,
    });
    const changes: Array<{ row: string; time: number; diff: 1 | -1 }> = [];
    const state = new Map<number, string>();
    tb.io.subscribe(t, {
      onChange: ({ row, time, isAddition }) => {
        const text = `${row.id}:${row.name}:${row.price}`;
        changes.push({ row: text, time, diff: isAddition ? 1 : -1 });
        if (isAddition) state.set(row.id, text);
        else if (state.get(row.id) === text) state.delete(row.id);
      },
    });
    const handle = tb.start({ threads });
    const timesOf = (texts: string[]) =>
      new Set(changes.filter((c) => texts.includes(`${c.diff}|${c.row}`)).map((c) => c.time));
    try {
      await until(() => state.size === 2, "the snapshot");
      pg.exec(`INSERT INTO ${table} VALUES (3, 'plum', 7)`);
      await until(() => state.has(3), "the insert");
      // synchronous_commit=on: the walsender sends only flushed WAL (the test server's default
      // is off, which adds up to wal_writer_delay = 200 ms).
      pg.exec(`SET synchronous_commit = on; UPDATE ${table} SET price = 2.5 WHERE id = 1`);
      const committed = performance.now(); // psql returns once the update is committed
      await until(() => state.get(1) === "1:apple:2.5", "the update");
      console.log(
        `postgres commit→output latency: ${(performance.now() - committed).toFixed(0)} ms`,
      );
      pg.exec(`DELETE FROM ${table} WHERE id = 2`);
      await until(() => !state.has(2), "the delete");
      pg.exec(`
        BEGIN;
        INSERT INTO ${table} VALUES (4, 'fig', 4);
        UPDATE ${table} SET name = 'prune' WHERE id = 3;
        UPDATE ${table} SET id = 5 WHERE id = 1;
        DELETE FROM ${table} WHERE id = 4;
        INSERT INTO ${table} VALUES (6, 'kiwi', 6);
        COMMIT;
      `);
      await until(() => state.has(6), "the transaction");
    } finally {
      await handle.stop();
    }
    expect([...state.values()].sort()).toEqual(["3:prune:7", "5:apple:2.5", "6:kiwi:6"]);
    // The snapshot is one commit.
    expect(timesOf(["1|1:apple:1.5", "1|2:pear:2"]).size).toBe(1);
    // The update is a retraction and an insertion at one time.
    expect(timesOf(["-1|1:apple:1.5", "1|1:apple:2.5"]).size).toBe(1);
    // The transaction's net changes arrive at one time (fig came and went inside it).
    const txn = ["-1|3:plum:7", "1|3:prune:7", "-1|1:apple:2.5", "1|5:apple:2.5", "1|6:kiwi:6"];
    expect(timesOf(txn).size).toBe(1);
    const txnTime = [...timesOf(txn)][0]!;
    const atTxn = changes
      .filter((c) => c.time === txnTime)
      .map((c) => `${c.diff}|${c.row}`)
      .sort();
    expect(atTxn).toEqual([...txn].sort());
    // Every change is in time order, each in its own commit after the snapshot.
    const times = changes.map((c) => c.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(new Set(times).size).toBe(5);
    // The temporary slot is gone with the run.
    await until(
      () => rows("SELECT count(*) FROM pg_replication_slots")[0] === "0",
      "the slot drop",
    );
  });

  it("streaming with a named slot and publication", async () => {
    const table = `named_${threads}`;
    pg.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, name text, price float8);
             INSERT INTO ${table} VALUES (1, 'a', 1);
             CREATE TABLE other_${threads} (id int PRIMARY KEY, name text, price float8);
             CREATE PUBLICATION pub_${threads} FOR TABLE other_${threads};`);
    const t = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: table,
      schema: Item,
      publicationName: `pub_${threads}`,
      slotName: `slot_${threads}`,
      autocommitMs: 20,
    });
    const seen: number[] = [];
    tb.io.subscribe(t, { onChange: ({ row, isAddition }) => isAddition && seen.push(row.id) });
    const handle = tb.start({ threads });
    try {
      await until(() => seen.includes(1), "the snapshot");
      const before = rows("SELECT pg_current_wal_insert_lsn()")[0];
      // The shared publication's other table is ignored.
      pg.exec(`INSERT INTO other_${threads} VALUES (7, 'x', 7)`);
      pg.exec(`INSERT INTO ${table} VALUES (2, 'b', 2)`);
      await until(() => seen.includes(2), "the insert");
      // The slot's confirmed position moves past the insert once the engine has taken it.
      await until(
        () =>
          rows(
            `SELECT confirmed_flush_lsn > '${before}' FROM pg_replication_slots WHERE slot_name = 'slot_${threads}'`,
          )[0] === "t",
        "the acknowledgement",
      );
    } finally {
      await handle.stop();
    }
    expect(seen).toEqual([1, 2]);
    expect(
      rows(
        `SELECT tablename FROM pg_publication_tables WHERE pubname = 'pub_${threads}' ORDER BY 1`,
      ),
    ).toEqual([table, `other_${threads}`].sort());
    pg.exec(`SELECT pg_drop_replication_slot('slot_${threads}')`);
  });

  it("streaming: unchanged TOASTed values are kept; REPLICA IDENTITY FULL works too", async () => {
    const table = `toast_${threads}`;
    pg.exec(`
      CREATE TABLE ${table} (id int PRIMARY KEY, body text NOT NULL, n int NOT NULL);
      ALTER TABLE ${table} ALTER body SET STORAGE EXTERNAL;
      INSERT INTO ${table} VALUES (1, repeat('x', 10000), 1);
    `);
    const Doc = tb.schema(
      { id: tb.types.int, body: tb.types.str, n: tb.types.int },
      { primaryKey: ["id"] },
    );
    const t = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: table,
      schema: Doc,
      autocommitMs: 20,
    });
    const live = new Map<number, string>();
    tb.io.subscribe(t, {
      onChange: ({ row, isAddition }) => {
        const text = `${row.body.length}:${row.n}`;
        if (isAddition) live.set(row.id, text);
        else if (live.get(row.id) === text) live.delete(row.id);
      },
    });
    const handle = tb.start({ threads });
    try {
      await until(() => live.get(1) === "10000:1", "the snapshot");
      // Only n changes: pgoutput sends the big body as "unchanged".
      pg.exec(`UPDATE ${table} SET n = 2 WHERE id = 1`);
      await until(() => live.get(1) === "10000:2", "the update keeping the body");
      pg.exec(`ALTER TABLE ${table} REPLICA IDENTITY FULL;
               INSERT INTO ${table} VALUES (2, 'short', 1);
               UPDATE ${table} SET n = 3 WHERE id = 2;
               DELETE FROM ${table} WHERE id = 1;`);
      await until(() => !live.has(1) && live.get(2) === "5:3", "the changes under FULL identity");
    } finally {
      await handle.stop();
    }
    expect([...live.entries()]).toEqual([[2, "5:3"]]);
  });

  it("a schema that does not match the table rejects run() before reading", async () => {
    const table = `mismatch_${threads}`;
    pg.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, name int, price float8);
             INSERT INTO ${table} VALUES (1, 2, 3);`);
    let read = 0;
    const t = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: table,
      schema: Item,
      mode: "static",
    });
    tb.io.subscribe(t, { onChange: () => read++ });
    await expect(tb.run({ threads })).rejects.toThrow(/column `name`.*integer.*str/);
    const missing = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: table,
      schema: tb.schema({ id: tb.types.int, nope: tb.types.str }, { primaryKey: ["id"] }),
    });
    tb.io.subscribe(missing, { onChange: () => read++ });
    await expect(tb.run({ threads })).rejects.toThrow(/no column `nope`/);
    const absent = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: "no_such_table",
      schema: Item,
    });
    tb.io.subscribe(absent, { onChange: () => read++ });
    await expect(tb.run({ threads })).rejects.toThrow(/no_such_table.*does not exist/);
    expect(read).toBe(0);
  });

  it("an unreachable server rejects run() naming host:port after retries", async () => {
    const port = await freePort();
    const t = tb.io.postgres.read({
      connectionString: `host=127.0.0.1 port=${port} user=postgres connect_timeout=1`,
      tableName: "x",
      schema: Item,
    });
    tb.io.null.write(t);
    const started = Date.now();
    await expect(tb.run({ threads })).rejects.toThrow(
      new RegExp(`127\\.0\\.0\\.1:${port}.*attempts`),
    );
    expect(Date.now() - started).toBeGreaterThan(1000); // it retried with backoff
  });

  it("bad values become error cells and log entries; the other rows flow", async () => {
    const table = `bad_${threads}`;
    pg.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, name text, price float8);
             INSERT INTO ${table} VALUES (1, NULL, 1), (2, 'ok', 2);`);
    const t = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: table,
      schema: Item,
      mode: "static",
    });
    const got = await tb.debug.compute(t, { threads });
    expect(got.length).toBe(2);
    expect(isError(got.find((r) => r.id === 1)?.name)).toBe(true);
    expect(got.find((r) => r.id === 2)).toEqual({ id: 2, name: "ok", price: 2 });
    const t2 = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: table,
      schema: Item,
      mode: "static",
    });
    const log = await errorLogOf([t2], threads);
    expect(log.map((l) => l.message)).toEqual([expect.stringMatching(/column `name`: NULL/)]);
  });

  it("round trip: read, transform, write a snapshot into another table", async () => {
    const source = `rt_src_${threads}`;
    const target = `rt_dst_${threads}`;
    pg.exec(`CREATE TABLE ${source} (id int PRIMARY KEY, name text, price float8);
             INSERT INTO ${source} VALUES (1, 'a', 1), (2, 'b', 2), (3, 'a', 4);`);
    const t = tb.io.postgres.read({
      connectionString: pg.connectionString,
      tableName: source,
      schema: Item,
      mode: "static",
    });
    const totals = t
      .groupBy(t.name)
      .reduce({ name: tb.this.name, total: tb.reducers.sum(tb.this.price) });
    tb.io.postgres.write(totals, {
      connectionString: pg.connectionString,
      tableName: target,
      mode: "snapshot",
      primaryKey: ["name"],
      init: "create_if_not_exists",
    });
    await tb.run({ threads });
    expect(rows(`SELECT name, total FROM ${target} ORDER BY name`)).toEqual(["a,5", "b,2"]);
  });
});
