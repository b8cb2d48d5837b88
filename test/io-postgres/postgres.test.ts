/**
 * tb.io.postgres.write against a real private PostgreSQL (started by the test): snapshot upserts
 * and deletes per time, stream_of_changes with time/diff, init modes, the column check before
 * any write, unreachable servers, build-time option errors, and type mapping.
 */
import * as tb from "tributary";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { THREADS } from "../helpers.js";
import { freePort, type PostgresServer, startPostgres } from "../support/postgres.js";

let pg: PostgresServer;

beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);

afterAll(() => {
  pg?.stop();
});

/** Word totals over times 2, 4, 6: insert, update (apple), delete (pear). */
const totals = () => {
  const t = tb.debug.tableFromMarkdown(`
    word  | n | __time__ | __diff__
    apple | 1 | 2        | 1
    pear  | 2 | 2        | 1
    plum  | 7 | 2        | 1
    apple | 3 | 4        | 1
    pear  | 2 | 6        | -1
    fig   | 5 | 6        | 1
  `);
  return t.groupBy(t.word).reduce({ word: tb.this.word, total: tb.reducers.sum(tb.this.n) });
};

const rows = (sql: string) => pg.query(sql).map((r) => r.join(","));

describe.each(THREADS)("threads=%i", (threads) => {
  it("snapshot: the table holds exactly the final rows (insert, update, delete)", async () => {
    const table = `snap_${threads}`;
    tb.io.postgres.write(totals(), {
      connectionString: pg.connectionString,
      tableName: table,
      mode: "snapshot",
      primaryKey: ["word"],
      init: "create_if_not_exists",
    });
    await tb.run({ threads });
    expect(rows(`SELECT word, total FROM ${table} ORDER BY word`)).toEqual([
      "apple,4",
      "fig,5",
      "plum,7",
    ]);
    // The key is the table's primary key.
    expect(
      rows(
        `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '${table}'::regclass AND i.indisprimary`,
      ),
    ).toEqual(["word"]);
  });

  it("snapshot: an existing table (init default) is updated in place; other keys stay", async () => {
    const table = `snap_default_${threads}`;
    pg.exec(
      `CREATE TABLE ${table} (word TEXT PRIMARY KEY, total BIGINT NOT NULL);
       INSERT INTO ${table} VALUES ('apple', 100), ('kiwi', 9), ('pear', 50);`,
    );
    tb.io.postgres.write(totals(), {
      connectionString: pg.connectionString,
      tableName: table,
      mode: "snapshot",
      primaryKey: ["word"],
    });
    await tb.run({ threads });
    expect(rows(`SELECT word, total FROM ${table} ORDER BY word`)).toEqual([
      "apple,4",
      "fig,5",
      "kiwi,9",
      "plum,7",
    ]);
  });

  it("snapshot with a composite key: a -1/+1 pair within a time is one update", async () => {
    const table = `snap_composite_${threads}`;
    const t = tb.debug.tableFromMarkdown(`
      a | b | v   | __time__ | __diff__
      x | 1 | one | 2        | 1
      x | 2 | two | 2        | 1
      y | 1 | yo  | 2        | 1
      x | 1 | one | 4        | -1
      x | 1 | uno | 4        | 1
      y | 1 | yo  | 4        | -1
      y | 1 | hey | 6        | 1
      x | 2 | two | 6        | -1
    `);
    tb.io.postgres.write(t, {
      connectionString: pg.connectionString,
      tableName: table,
      mode: "snapshot",
      primaryKey: ["a", "b"],
      init: "replace",
    });
    await tb.run({ threads });
    expect(rows(`SELECT a, b, v FROM ${table} ORDER BY a, b`)).toEqual(["x,1,uno", "y,1,hey"]);
  });

  it("stream_of_changes: every change with its time and diff", async () => {
    const table = `changes_${threads}`;
    tb.io.postgres.write(totals(), {
      connectionString: pg.connectionString,
      tableName: table,
      mode: "stream_of_changes",
      init: "create_if_not_exists",
    });
    await tb.run({ threads });
    expect(rows(`SELECT word, total, time, diff FROM ${table} ORDER BY time, diff, word`)).toEqual([
      "apple,1,2,1",
      "pear,2,2,1",
      "plum,7,2,1",
      "apple,1,4,-1",
      "apple,4,4,1",
      "pear,2,6,-1",
      "fig,5,6,1",
    ]);
    // A second run appends to the existing table (init default).
    const t = tb.debug.tableFromMarkdown(`
      word | total
      kiwi | 3
    `);
    tb.io.postgres.write(t, { connectionString: pg.connectionString, tableName: table });
    await tb.run({ threads });
    expect(rows(`SELECT count(*), count(*) FILTER (WHERE word = 'kiwi') FROM ${table}`)).toEqual([
      "8,1",
    ]);
  });

  it("init replace drops the old table, whatever its columns", async () => {
    const table = `replaced_${threads}`;
    pg.exec(
      `DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (junk INT); INSERT INTO ${table} VALUES (1);`,
    );
    tb.io.postgres.write(totals(), {
      connectionString: pg.connectionString,
      tableName: table,
      mode: "snapshot",
      primaryKey: ["word"],
      init: "replace",
    });
    await tb.run({ threads });
    expect(rows(`SELECT word, total FROM ${table} ORDER BY word`)).toEqual([
      "apple,4",
      "fig,5",
      "plum,7",
    ]);
  });

  it("init default: a missing table is an error naming it", async () => {
    tb.io.postgres.write(totals(), {
      connectionString: pg.connectionString,
      tableName: `missing_${threads}`,
      mode: "snapshot",
      primaryKey: ["word"],
    });
    await expect(tb.run({ threads })).rejects.toThrow(
      new RegExp(`missing_${threads}.*does not exist`),
    );
  });

  it("a schema mismatch fails before any write, naming the table and column", async () => {
    const table = `mismatch_${threads}`;
    pg.exec(
      `CREATE TABLE ${table} (word TEXT PRIMARY KEY, total TEXT);
       INSERT INTO ${table} VALUES ('keep', 'me');`,
    );
    for (const init of ["default", "create_if_not_exists"] as const) {
      tb.io.postgres.write(totals(), {
        connectionString: pg.connectionString,
        tableName: table,
        mode: "snapshot",
        primaryKey: ["word"],
        init,
      });
      const failure = tb.run({ threads });
      await expect(failure).rejects.toThrow(/schema mismatch/);
      await expect(failure).rejects.toThrow(new RegExp(`column \`total\` of table \`${table}\``));
    }
    // A missing column and a missing time/diff column are named too.
    tb.io.postgres.write(totals(), {
      connectionString: pg.connectionString,
      tableName: table,
      mode: "stream_of_changes",
    });
    await expect(tb.run({ threads })).rejects.toThrow(/has no column `time`|column `total`/);
    expect(rows(`SELECT word, total FROM ${table}`)).toEqual(["keep,me"]);

    const noKey = `nokey_${threads}`;
    pg.exec(`CREATE TABLE ${noKey} (word TEXT, total BIGINT);`);
    tb.io.postgres.write(totals(), {
      connectionString: pg.connectionString,
      tableName: noKey,
      mode: "snapshot",
      primaryKey: ["word"],
    });
    await expect(tb.run({ threads })).rejects.toThrow(/no primary key or unique index on \(word\)/);
    expect(rows(`SELECT count(*) FROM ${noKey}`)).toEqual(["0"]);
  });

  it("an unreachable server: run() rejects after retries, naming the address, not the password", async () => {
    const port = await freePort();
    tb.io.postgres.write(totals(), {
      connectionString: `host=127.0.0.1 port=${port} user=postgres password=s3cr3t-pw dbname=postgres`,
      tableName: "nowhere",
      mode: "stream_of_changes",
      init: "create_if_not_exists",
    });
    const started = Date.now();
    const error: unknown = await tb.run({ threads }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toMatch(/after 5 attempts/);
    expect(message).not.toContain("s3cr3t-pw");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });
});

describe("types and options", () => {
  it("maps dtypes to SQL types and values round-trip", async () => {
    const S = tb.schema({
      id: tb.types.int,
      x: tb.types.float,
      s: tb.types.str,
      b: tb.types.bool,
      at: tb.types.datetime,
      d: tb.types.duration,
      j: tb.types.json,
      arr: tb.types.array(tb.types.int),
      raw: tb.types.bytes,
    });
    const t = tb.debug.tableFromRows(S, [
      {
        id: 1,
        x: 1.5,
        s: 'it\'s "q"',
        b: true,
        at: new Date("2024-05-06T07:08:09.123Z"),
        d: 90_000,
        j: { a: [1, null] },
        arr: [3, 4],
        raw: new Uint8Array([0, 255]),
      },
    ]);
    tb.io.postgres.write(t, {
      connectionString: pg.connectionString,
      tableName: "Typed",
      mode: "snapshot",
      primaryKey: ["id"],
      init: "replace",
    });
    await tb.run({ threads: 1 });
    expect(
      rows(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'Typed' ORDER BY ordinal_position`,
      ),
    ).toEqual([
      "id,bigint,NO",
      "x,double precision,NO",
      "s,text,NO",
      "b,boolean,NO",
      "at,timestamp with time zone,NO",
      "d,interval,NO",
      "j,jsonb,NO",
      "arr,jsonb,NO",
      "raw,bytea,NO",
    ]);
    expect(
      pg.query(
        `SET TIME ZONE 'UTC'; SELECT id, x, s, b, to_char(at, 'YYYY-MM-DD HH24:MI:SS.MS'), extract(epoch FROM d), j::text, arr::text, encode(raw, 'hex') FROM "Typed"`,
      ),
    ).toEqual([
      [
        "1",
        "1.5",
        'it\'s "q"',
        "t",
        "2024-05-06 07:08:09.123",
        "90.000000",
        '{"a": [1, null]}',
        "[3, 4]",
        "00ff",
      ],
    ]);
  });

  it("build-time errors: snapshot without primaryKey, unknown key column, reserved names", () => {
    const t = tb.debug.tableFromMarkdown(`
      word | total
      a    | 1
    `);
    const base = { connectionString: "host=127.0.0.1", tableName: "t" };
    expect(() => tb.io.postgres.write(t, { ...base, mode: "snapshot" })).toThrow(tb.TributaryError);
    expect(() => tb.io.postgres.write(t, { ...base, mode: "snapshot" })).toThrow(/primaryKey/);
    try {
      tb.io.postgres.write(t, { ...base, mode: "snapshot", primaryKey: ["nope"] });
      expect.unreachable("an unknown key column must throw");
    } catch (e) {
      expect(e).toBeInstanceOf(tb.TributaryError);
      expect((e as tb.TributaryError).code).toBe("UNKNOWN_COLUMN");
      expect((e as Error).message).toMatch(/"nope"/);
    }
    const withTime = t.select({ word: t.word, time: t.total });
    expect(() => tb.io.postgres.write(withTime, base)).toThrow(/"time"/);
  });

  it("100k rows in one time: snapshot upserts (new, then over existing keys) and COPY (throughput)", async () => {
    const S = tb.schema({ k: tb.types.int, v: tb.types.int, s: tb.types.str });
    const n = 100_000;
    const data = Array.from({ length: n }, (_, i) => ({ k: i, v: i * 2, s: `row ${i}` }));
    const t = tb.debug.tableFromRows(S, data);
    tb.io.postgres.write(t, {
      connectionString: pg.connectionString,
      tableName: "bulk_snapshot",
      mode: "snapshot",
      primaryKey: ["k"],
      init: "replace",
    });
    let started = performance.now();
    await tb.run({ threads: 2 });
    const snapshotSecs = (performance.now() - started) / 1000;
    expect(rows("SELECT count(*), sum(v) FROM bulk_snapshot")).toEqual([`${n},${n * (n - 1)}`]);

    const updated = tb.debug.tableFromRows(
      S,
      data.map((r) => ({ ...r, v: r.v + 1 })),
    );
    tb.io.postgres.write(updated, {
      connectionString: pg.connectionString,
      tableName: "bulk_snapshot",
      mode: "snapshot",
      primaryKey: ["k"],
    });
    started = performance.now();
    await tb.run({ threads: 2 });
    const updateSecs = (performance.now() - started) / 1000;
    expect(rows("SELECT count(*), sum(v) FROM bulk_snapshot")).toEqual([`${n},${n * n}`]);

    tb.io.postgres.write(t, {
      connectionString: pg.connectionString,
      tableName: "bulk_changes",
      mode: "stream_of_changes",
      init: "replace",
    });
    started = performance.now();
    await tb.run({ threads: 2 });
    const copySecs = (performance.now() - started) / 1000;
    expect(rows("SELECT count(*), sum(v) FROM bulk_changes")).toEqual([`${n},${n * (n - 1)}`]);
    console.log(
      `postgres.write 100k rows: snapshot inserts ${Math.round(n / snapshotSecs)} rows/s (${snapshotSecs.toFixed(2)} s), snapshot updates ${Math.round(n / updateSecs)} rows/s (${updateSecs.toFixed(2)} s), stream_of_changes ${Math.round(n / copySecs)} rows/s (${copySecs.toFixed(2)} s), end to end incl. engine`,
    );
  }, 120_000);
});
