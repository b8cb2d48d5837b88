/**
 * The Kafka crash suite: a pipeline in a child process (a streaming Kafka topic with 4
 * partitions → sums per customer → JSON Lines change logs and a PostgreSQL snapshot table,
 * with persistence) is SIGKILLed at seeded random moments while the test produces messages,
 * and restarted each time (a few times after rewinding the consumer group's committed offsets
 * to the start of the topic). The logged Kafka offsets make each restart continue where the
 * replayed log ends, and each restart continues the change-log files where the recorded output
 * frontier left them: at the end the one file of each log folds to the expected sums, every
 * produced message is in it exactly once, and the table is exact.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tb from "tributary";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom, THREADS, tmpDir } from "../helpers.js";
import { type KafkaBroker, startKafka } from "../support/kafka.js";
import { type PostgresServer, startPostgres } from "../support/postgres.js";
import {
  fileSize,
  filesUnder,
  fold,
  foldedRows,
  readChanges,
  sleep,
  startChild,
  streamProblems,
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
    const ordersLog = join(out, "orders.jsonl");
    const totalsLog = join(out, "totals.jsonl");
    let runsThatWrote = 0;
    for (let i = 0; i < 3; i++) await producer.step();
    let rewinds = 0;
    for (let run = 0; run < KILLS; run++) {
      const before = fileSize(ordersLog);
      const { child, exited } = startChild(CHILD, args);
      // Most kills hit a running pipeline (it has written new output), a few hit its start.
      const early = run % 5 === 4;
      if (!early) {
        const deadline = Date.now() + 30_000;
        while (fileSize(ordersLog) <= before) {
          if (Date.now() > deadline) throw new Error("timed out waiting for the child's output");
          if (random() < 0.3) await producer.step();
          await sleep(20);
        }
      }
      const killAt = Date.now() + (early ? random() * 400 : 100 + random() * 900);
      while (Date.now() < killAt) {
        if (random() < 0.6) await producer.step();
        await sleep(5 + random() * 30);
      }
      child.kill("SIGKILL");
      expect(await exited).toBe(null);
      if (fileSize(ordersLog) > before) runsThatWrote++;
      if (random() < 0.5) await producer.step(); // messages also arrive while nothing runs
      // The logged offsets win over the group's: rewound group offsets must not make the
      // restarted run read again what the log replays.
      if (run % 4 === 1) {
        kafka.rewindGroup(`crash-${topic}`, topic);
        rewinds++;
      }
    }
    // The last run sees the rest and is stopped cleanly once it has caught up.
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
      () => fold(readChanges(ordersLog)).size === producer.ids.length,
      "the last orders log",
      30_000,
    );
    await sleep(300);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    const orders = readChanges(ordersLog, true);
    const totals = readChanges(totalsLog, true);
    if (process.env.TB_CRASH_DEBUG)
      console.log(producer.ids.length, orders.length, totals.length, runsThatWrote);

    expect(rewinds).toBeGreaterThanOrEqual(2);
    // The kills hit running pipelines, and the state was compacted along the way.
    expect(runsThatWrote).toBeGreaterThanOrEqual(KILLS / 2);
    expect(filesUnder(join(root, "state")).some((f) => f.endsWith(".snap"))).toBe(true);
    // One file per log across all runs: consistent streams that fold to the exact state.
    expect(streamProblems(totals)).toEqual([]);
    expect(streamProblems(orders)).toEqual([]);
    expect(foldedRows(totals, ["customer", "total", "n"])).toEqual(expected);
    expect(tableRows().map((r) => r.join(","))).toEqual(expected);
    // Every produced message is in the orders log exactly once (a message read twice, or a
    // time written twice, would appear twice).
    expect(orders.every((c) => c.diff === 1)).toBe(true);
    expect(orders.map((c) => c.id as number).sort((a, b) => a - b)).toEqual(producer.ids);
  }, 180_000);
});
