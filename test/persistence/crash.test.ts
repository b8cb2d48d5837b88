/**
 * The crash suite: a pipeline in a child process (streaming files → groupBy + join → JSON
 * Lines logs and a PostgreSQL snapshot table) is SIGKILLed at seeded random moments while its
 * input files are appended to, and restarted each time. The change logs are continued by each
 * restart (cut back to what the recorded output frontier covers): at the end the one file of
 * each log, written by all runs, folds to the uninterrupted result with every input row
 * exactly once, its times never go back, and the table is exact.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom, THREADS, tmpDir } from "../helpers.js";
import { type PostgresServer, startPostgres } from "../support/postgres.js";
import {
  fileSize,
  filesUnder,
  foldedRows,
  readChanges,
  sleep,
  startChild,
  streamProblems,
  until,
} from "./support.js";

const CHILD = fileURLToPath(new URL("./crash-child.mjs", import.meta.url));
const KILLS = 10;
const CUSTOMERS = ["ann", "bob", "cid", "dee", "eve", "fay"];
const REGIONS = ["north", "south", "east", "west"];

let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(() => pg?.stop());

/** The input being written: orders to three files, customer upserts to one, and the oracle. */
class Input {
  nextId = 0;
  readonly totals = new Map<string, { total: number; n: number }>();
  readonly regions = new Map<string, string>();
  readonly ids: number[] = [];
  constructor(
    readonly dir: string,
    readonly random: () => number,
  ) {
    mkdirSync(join(dir, "orders"), { recursive: true });
    mkdirSync(join(dir, "customers"), { recursive: true });
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }
  /** Appends a few input lines (orders, sometimes a customer's new region). */
  step(): void {
    const lines = 1 + Math.floor(this.random() * 4);
    let text = "";
    const file = join(this.dir, "orders", `o${Math.floor(this.random() * 3)}.jsonl`);
    for (let i = 0; i < lines; i++) {
      const customer = this.pick(CUSTOMERS);
      const amount = 1 + Math.floor(this.random() * 100);
      const id = this.nextId++;
      this.ids.push(id);
      text += `${JSON.stringify({ id, customer, amount })}\n`;
      const t = this.totals.get(customer) ?? { total: 0, n: 0 };
      this.totals.set(customer, { total: t.total + amount, n: t.n + 1 });
    }
    appendFileSync(file, text);
    if (this.random() < 0.3) {
      const customer = this.pick(CUSTOMERS.slice(0, 5)); // "fay" never gets a region
      const region = this.pick(REGIONS);
      this.regions.set(customer, region);
      appendFileSync(
        join(this.dir, "customers", "c.jsonl"),
        `${JSON.stringify({ customer, region })}\n`,
      );
    }
  }
  /** The report an uninterrupted run ends with: `customer,region,total,n`, sorted. */
  expected(): string[] {
    const out: string[] = [];
    for (const [customer, t] of this.totals) {
      const region = this.regions.get(customer);
      if (region !== undefined) out.push(`${customer},${region},${t.total},${t.n}`);
    }
    return out.sort();
  }
}

describe.each(THREADS)("threads=%i", (threads) => {
  it(`survives ${KILLS} SIGKILLs with nothing lost and an exact keyed table`, async () => {
    const root = tmpDir();
    const random = seededRandom(0x5eed + threads);
    const input = new Input(join(root, "in"), random);
    const out = join(root, "out");
    mkdirSync(out);
    const table = `crash_${threads}`;
    const args = [join(root, "state"), input.dir, out, pg.connectionString, table, String(threads)];
    const ordersLog = join(out, "orders.jsonl");
    const reportLog = join(out, "report.jsonl");
    let runsThatWrote = 0;
    for (let i = 0; i < 3; i++) input.step();
    for (let run = 0; run < KILLS; run++) {
      const before = fileSize(ordersLog);
      const { child, exited } = startChild(CHILD, args);
      // Most kills hit a running pipeline (it has written new output), a few hit its start.
      const early = run % 5 === 4;
      if (!early) {
        const deadline = Date.now() + 30_000;
        while (fileSize(ordersLog) <= before) {
          if (Date.now() > deadline) throw new Error("timed out waiting for the child's output");
          if (random() < 0.3) input.step();
          await sleep(20);
        }
      }
      const killAt = Date.now() + (early ? random() * 400 : 50 + random() * 900);
      while (Date.now() < killAt) {
        if (random() < 0.5) input.step();
        await sleep(10 + random() * 40);
      }
      child.kill("SIGKILL");
      expect(await exited).toBe(null);
      if (fileSize(ordersLog) > before) runsThatWrote++;
      if (random() < 0.5) input.step(); // input also changes while nothing runs
    }
    // The last run sees the rest of the input and is stopped cleanly once it has caught up.
    const { child, exited } = startChild(CHILD, args);
    for (let i = 0; i < 5; i++) {
      input.step();
      await sleep(30);
    }
    const expected = input.expected();
    const table_rows = () =>
      pg.query(`SELECT customer, region, total, n FROM ${table} ORDER BY customer`);
    await until(
      () => {
        try {
          return JSON.stringify(table_rows().map((r) => r.join(","))) === JSON.stringify(expected);
        } catch {
          return false; // the table may not exist yet
        }
      },
      "the PostgreSQL table to catch up",
      30_000,
    );
    await until(
      () =>
        JSON.stringify(foldedRows(readChanges(reportLog), ["customer", "region", "total", "n"])) ===
        JSON.stringify(expected),
      "the last report log",
    );
    await sleep(300);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    const orders = readChanges(ordersLog, true);
    const report = readChanges(reportLog, true);
    if (process.env.TB_CRASH_DEBUG)
      console.log(orders.length, report.length, runsThatWrote, filesUnder(join(root, "state")));

    // The kills hit running pipelines: most killed runs had written output, and the state
    // was compacted into snapshots along the way.
    expect(runsThatWrote).toBeGreaterThanOrEqual(KILLS / 2);
    expect(filesUnder(join(root, "state")).some((f) => f.endsWith(".snap"))).toBe(true);
    // One file per log across all runs: consistent streams that fold to the exact state.
    expect(streamProblems(report)).toEqual([]);
    expect(streamProblems(orders)).toEqual([]);
    expect(foldedRows(report, ["customer", "region", "total", "n"])).toEqual(expected);
    expect(table_rows().map((r) => r.join(","))).toEqual(expected);
    // Every input row is in the orders log exactly once (one insertion, nothing else).
    expect(orders.every((c) => c.diff === 1)).toBe(true);
    expect(orders.map((c) => c.id as number).sort((a, b) => a - b)).toEqual(input.ids);
  }, 120_000);
});
