/**
 * The PostgreSQL CDC crash suite: a persisted streaming read of a table (→ a JSON Lines change
 * log and a sum) runs in a child process that is SIGKILLed at seeded random moments while the
 * test inserts, updates and deletes rows, and is restarted each time. A restart continues the
 * replication slot from the logged LSN without a new snapshot; at the end the one change log
 * (continued by every run) folds to exactly the rows of the table, with no change missing or
 * counted twice, and the server keeps one slot.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom, THREADS, tmpDir } from "../helpers.js";
import { type PostgresServer, startPostgres } from "../support/postgres.js";
import {
  fileSize,
  foldedRows,
  readChanges,
  sleep,
  startChild,
  streamProblems,
  until,
} from "./support.js";

const CHILD = fileURLToPath(new URL("./cdc-crash-child.mjs", import.meta.url));
const KILLS = 8;

let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(() => pg?.stop());

/** Random transactions on the table: inserts, updates and deletes, one to three statements. */
class Writer {
  nextId = 0;
  readonly live: number[] = [];
  statements = 0;
  constructor(
    readonly table: string,
    readonly random: () => number,
  ) {}
  step(): void {
    const sql: string[] = [];
    const count = 1 + Math.floor(this.random() * 3);
    for (let i = 0; i < count; i++) {
      const r = this.random();
      const v = Math.floor(this.random() * 1000);
      if (r < 0.5 || this.live.length < 3) {
        const id = this.nextId++;
        this.live.push(id);
        sql.push(`INSERT INTO ${this.table} VALUES (${id}, ${v});`);
      } else {
        const at = Math.floor(this.random() * this.live.length);
        const id = this.live[at] as number;
        if (r < 0.8) sql.push(`UPDATE ${this.table} SET v = ${v} WHERE id = ${id};`);
        else {
          this.live.splice(at, 1);
          sql.push(`DELETE FROM ${this.table} WHERE id = ${id};`);
        }
      }
    }
    this.statements += sql.length;
    pg.exec(`BEGIN; ${sql.join(" ")} COMMIT;`);
  }
}

describe.each(THREADS)("threads=%i", (threads) => {
  it(`survives ${KILLS} SIGKILLs: the change log folds to the table, nothing twice`, async () => {
    const root = tmpDir();
    const random = seededRandom(0xcdc + threads);
    const table = `cdc_crash_${threads}`;
    pg.exec(`CREATE TABLE ${table} (id bigint PRIMARY KEY, v bigint NOT NULL);`);
    const slotCount = () => Number(pg.query("SELECT count(*) FROM pg_replication_slots")[0]?.[0]);
    const slotsBefore = slotCount();
    const writer = new Writer(table, random);
    for (let i = 0; i < 20; i++) writer.step(); // the initial snapshot
    const out = join(root, "out");
    mkdirSync(out);
    const log = join(out, "items.jsonl");
    const args = [join(root, "state"), pg.connectionString, table, out, String(threads)];
    const started = Date.now();
    let runsThatWrote = 0;
    for (let run = 0; run < KILLS; run++) {
      const before = fileSize(log);
      const { child, exited } = startChild(CHILD, args);
      const early = run % 4 === 3; // a few kills hit a run's start
      if (!early) {
        const deadline = Date.now() + 30_000;
        while (fileSize(log) <= before) {
          if (Date.now() > deadline) throw new Error("timed out waiting for the child's output");
          if (random() < 0.3) writer.step();
          await sleep(20);
        }
      }
      const killAt = Date.now() + (early ? random() * 400 : 50 + random() * 700);
      while (Date.now() < killAt) {
        if (random() < 0.6) writer.step();
        await sleep(10 + random() * 30);
      }
      child.kill("SIGKILL");
      expect(await exited).toBe(null);
      if (fileSize(log) > before) runsThatWrote++;
      if (random() < 0.5) writer.step(); // changes also happen while nothing runs
    }
    const { child, exited } = startChild(CHILD, args);
    for (let i = 0; i < 5; i++) {
      writer.step();
      await sleep(20);
    }
    const tableRows = () =>
      pg.query(`SELECT id, v FROM ${table} ORDER BY id`).map((r) => r.join(","));
    const expected = tableRows().sort();
    await until(
      () => JSON.stringify(foldedRows(readChanges(log), ["id", "v"])) === JSON.stringify(expected),
      "the change log to reach the table",
      30_000,
    );
    await sleep(200);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    const changes = readChanges(log, true);
    const sums = readChanges(join(out, "sum.jsonl"), true);
    if (process.env.TB_CRASH_DEBUG)
      console.log(writer.statements, changes.length, runsThatWrote, Date.now() - started);

    expect(runsThatWrote).toBeGreaterThanOrEqual(KILLS / 2);
    expect(streamProblems(changes)).toEqual([]);
    expect(foldedRows(changes, ["id", "v"])).toEqual(expected);
    expect(streamProblems(sums)).toEqual([]);
    const total = expected.reduce((s, r) => s + Number(r.split(",")[1]), 0);
    expect(foldedRows(sums, ["total", "n"])).toEqual([`${total},${expected.length}`]);
    // Every restart continued the one slot (kept for the next run) instead of making another.
    expect(slotCount()).toBe(slotsBefore + 1);
  }, 240_000);
});
