/**
 * The Kafka crash suite: a pipeline in a child process (a streaming Kafka topic with 4
 * partitions → sums per customer → JSON Lines change logs and a PostgreSQL snapshot table,
 * with persistence) is SIGKILLed at seeded random moments while the test produces messages,
 * and restarted each time (a few times after rewinding the consumer group's committed offsets
 * to the start of the topic). The logged Kafka offsets make each restart continue where the
 * replayed log ends: at the end the change logs of all runs fold to the expected sums, every
 * produced message is in them, none is counted twice, and the table is exact.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tb from "tributary";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom, THREADS, tmpDir } from "../helpers.js";
import { type KafkaBroker, startKafka } from "../support/kafka.js";
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

const CHILD = fileURLToPath(new URL("./kafka-crash-child.mjs", import.meta.url));
const KILLS = 10;
const CUSTOMERS = ["ann", "bob", "cid", "dee", "eve", "fay"];
const Order = tb.schema({ id: tb.types.int, customer: tb.types.str, amount: tb.types.int });

let kafka: KafkaBroker;
let pg: PostgresServer;
beforeAll(async () => {
  [kafka, pg] = await Promise.all([startKafka(4), startPostgres()]);
}, 300_000);
afterAll(async () => {
  pg?.stop();
  await kafka?.destroy();
});

/** The orders produced to the topic (keyed by id, so spread over the partitions) and the oracle. */
class Producer {
  nextId = 0;
  readonly totals = new Map<string, { total: number; n: number }>();
  readonly ids: number[] = [];
  constructor(
    readonly topic: string,
    readonly random: () => number,
  ) {}
  /** Produces a few orders in one batch. */
  async step(): Promise<void> {
    const count = 1 + Math.floor(this.random() * 8);
    const rows: Array<{ id: number; customer: string; amount: number }> = [];
    for (let i = 0; i < count; i++) {
      const customer = CUSTOMERS[Math.floor(this.random() * CUSTOMERS.length)] as string;
      const amount = 1 + Math.floor(this.random() * 100);
      const id = this.nextId++;
      rows.push({ id, customer, amount });
      this.ids.push(id);
      const t = this.totals.get(customer) ?? { total: 0, n: 0 };
      this.totals.set(customer, { total: t.total + amount, n: t.n + 1 });
    }
    tb.io.kafka.write(tb.debug.tableFromRows(Order, rows), {
      brokers: kafka.brokers,
      topic: this.topic,
      key: "id",
    });
    await tb.run({ threads: 1 });
  }
  /** The sums an uninterrupted run ends with: `customer,total,n`, sorted. */
  expected(): string[] {
    return [...this.totals].map(([customer, t]) => `${customer},${t.total},${t.n}`).sort();
  }
}

describe.each(THREADS)("threads=%i", (threads) => {
  it(`survives ${KILLS} SIGKILLs: every produced message counted exactly once`, async () => {
    const root = tmpDir();
    const random = seededRandom(0xca1f + threads);
    const topic = `crash-orders-${threads}`;
    kafka.createTopic(topic, 4);
    const producer = new Producer(topic, random);
    const out = join(root, "out");
    mkdirSync(out);
    const table = `kafka_crash_${threads}`;
    const args = [
      join(root, "state"),
      kafka.brokers,
      topic,
      out,
      pg.connectionString,
      table,
      String(threads),
    ];
    const totals: LoggedChange[][] = [];
    const orders: LoggedChange[][] = [];
    const keep = (run: number) => {
      for (const [name, into] of [
        ["totals", totals],
        ["orders", orders],
      ] as const) {
        const path = join(out, `${name}.jsonl`);
        if (!existsSync(path)) continue;
        copyFileSync(path, join(root, `${name}-${run}.jsonl`));
        into.push(readChanges(path));
      }
    };
    const clear = () => {
      rmSync(join(out, "orders.jsonl"), { force: true });
      rmSync(join(out, "totals.jsonl"), { force: true });
    };
    for (let i = 0; i < 3; i++) await producer.step();
    let rewinds = 0;
    for (let run = 0; run < KILLS; run++) {
      clear();
      const { child, exited } = startChild(CHILD, args);
      // Most kills hit a running pipeline (its outputs are open), a few hit its start.
      const early = run % 5 === 4;
      if (!early)
        await until(() => existsSync(join(out, "orders.jsonl")), "the child's outputs", 30_000);
      const killAt = Date.now() + (early ? random() * 400 : 100 + random() * 900);
      while (Date.now() < killAt) {
        if (random() < 0.6) await producer.step();
        await sleep(5 + random() * 30);
      }
      child.kill("SIGKILL");
      expect(await exited).toBe(null);
      keep(run);
      if (random() < 0.5) await producer.step(); // messages also arrive while nothing runs
      // The logged offsets win over the group's: rewound group offsets must not make the
      // restarted run read again what the log replays.
      if (run % 4 === 1) {
        kafka.rewindGroup(`crash-${topic}`, topic);
        rewinds++;
      }
    }
    // The last run sees the rest and is stopped cleanly once it has caught up.
    clear();
    const { child, exited } = startChild(CHILD, args);
    for (let i = 0; i < 5; i++) {
      await producer.step();
      await sleep(20);
    }
    const expected = producer.expected();
    const tableRows = () => pg.query(`SELECT customer, total, n FROM ${table} ORDER BY customer`);
    await until(
      () => {
        try {
          return JSON.stringify(tableRows().map((r) => r.join(","))) === JSON.stringify(expected);
        } catch {
          return false; // the table may not exist yet
        }
      },
      "the PostgreSQL table to catch up",
      30_000,
    );
    await until(
      () => fold(readChanges(join(out, "orders.jsonl"))).size > 0,
      "the last orders log",
      30_000,
    );
    await sleep(300);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    keep(KILLS);
    if (process.env.TB_CRASH_DEBUG)
      console.log(
        producer.ids.length,
        orders.map((o) => o.length),
        totals.map((r) => r.length),
      );

    expect(rewinds).toBeGreaterThanOrEqual(2);
    // The kills hit running pipelines, and the state was compacted along the way.
    expect(orders.slice(0, -1).filter((log) => log.length > 0).length).toBeGreaterThanOrEqual(
      KILLS / 2,
    );
    expect(filesUnder(join(root, "state")).some((f) => f.endsWith(".snap"))).toBe(true);
    expect(foldedRows(combineRuns(totals), ["customer", "total", "n"])).toEqual(expected);
    expect(tableRows().map((r) => r.join(","))).toEqual(expected);
    // Every produced message is in the change logs, and the orders log folds to exactly the
    // produced messages, each once (a message read twice would count 2 or appear twice).
    const logged = new Set(
      orders
        .flat()
        .filter((c) => c.diff === 1)
        .map((c) => c.id as number),
    );
    expect(producer.ids.filter((id) => !logged.has(id))).toEqual([]);
    const finalOrders = fold(combineRuns(orders));
    expect([...finalOrders.values()].every((n) => n === 1)).toBe(true);
    expect(finalOrders.size).toBe(producer.ids.length);
    // Across all runs, no message was emitted at two different times (read twice).
    const firstTime = new Map<number, number>();
    for (const c of combineRuns(orders).filter((c) => c.diff === 1)) {
      const id = c.id as number;
      expect(firstTime.get(id) ?? c.time).toBe(c.time);
      firstTime.set(id, c.time);
    }
  }, 180_000);
});
