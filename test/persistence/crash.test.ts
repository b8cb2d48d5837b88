/**
 * The crash suite: a pipeline in a child process (streaming files → groupBy + join → JSON
 * Lines logs and a PostgreSQL snapshot table) is SIGKILLed at seeded random moments while its
 * input files are appended to, and restarted each time. At the end the change logs of all
 * runs (a time written again by a later run replaces the earlier copy) fold to the same state
 * as the uninterrupted result, every input row is in the logs, and the table is exact.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom, THREADS, tmpDir } from "../helpers.js";
import { type PostgresServer, startPostgres } from "../support/postgres.js";
import {
  combineRuns,
  filesUnder,
  fold,
  foldedRows,
  type LoggedChange,
  readChanges,
  sleep,
  startChild,
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
    const reports: LoggedChange[][] = [];
    const orders: LoggedChange[][] = [];
    const keep = (run: number) => {
      for (const [name, into] of [
        ["report", reports],
        ["orders", orders],
      ] as const) {
        const path = join(out, `${name}.jsonl`);
        if (!existsSync(path)) continue;
        copyFileSync(path, join(root, `${name}-${run}.jsonl`));
        into.push(readChanges(path));
      }
    };
    for (let i = 0; i < 3; i++) input.step();
    const ordersLog = join(out, "orders.jsonl");
    for (let run = 0; run < KILLS; run++) {
      rmSync(ordersLog, { force: true });
      rmSync(join(out, "report.jsonl"), { force: true });
      const { child, exited } = startChild(CHILD, args);
      // Most kills hit a running pipeline (its outputs are open), a few hit its start.
      const early = run % 5 === 4;
      if (!early) await until(() => existsSync(ordersLog), "the child's outputs", 30_000);
      const killAt = Date.now() + (early ? random() * 400 : 50 + random() * 900);
      while (Date.now() < killAt) {
        if (random() < 0.5) input.step();
        await sleep(10 + random() * 40);
      }
      child.kill("SIGKILL");
      expect(await exited).toBe(null);
      keep(run);
      if (random() < 0.5) input.step(); // input also changes while nothing runs
    }
    // The last run sees the rest of the input and is stopped cleanly once it has caught up.
    rmSync(ordersLog, { force: true });
    rmSync(join(out, "report.jsonl"), { force: true });
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
        foldedRows(readChanges(join(out, "report.jsonl")), ["customer", "region", "total", "n"])
          .length > 0 || expected.length === 0,
      "the last report log",
    );
    await sleep(300);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    keep(KILLS);
    if (process.env.TB_CRASH_DEBUG)
      console.log(
        orders.map((o) => o.length),
        reports.map((r) => r.length),
        filesUnder(join(root, "state")),
      );

    // The kills hit running pipelines: most killed runs had written output, and the state
    // was compacted into snapshots along the way.
    expect(orders.slice(0, -1).filter((log) => log.length > 0).length).toBeGreaterThanOrEqual(
      KILLS / 2,
    );
    expect(filesUnder(join(root, "state")).some((f) => f.endsWith(".snap"))).toBe(true);
    expect(foldedRows(combineRuns(reports), ["customer", "region", "total", "n"])).toEqual(
      expected,
    );
    expect(table_rows().map((r) => r.join(","))).toEqual(expected);
    // Every input row is in the change logs (at least once), and the orders log folds to
    // exactly the input.
    const logged = new Set(
      orders
        .flat()
        .filter((c) => c.diff === 1)
        .map((c) => c.id as number),
    );
    expect(input.ids.filter((id) => !logged.has(id))).toEqual([]);
    const finalOrders = fold(combineRuns(orders));
    expect([...finalOrders.values()].every((n) => n === 1)).toBe(true);
    expect(finalOrders.size).toBe(input.ids.length);
  }, 120_000);
});
