// The Kafka crash suite's pipeline, run in a child process that the test SIGKILLs at random
// moments: a streaming Kafka topic of orders (json, 4 partitions) → totals per customer → a
// JSON Lines change log and a PostgreSQL snapshot table; the raw orders also go to a change
// log. Args: stateDir brokers topic outDir connectionString table threads.
import { join } from "node:path";
import * as tb from "tributary";

const [stateDir, brokers, topic, outDir, connectionString, tableName, threads] =
  process.argv.slice(2);

const Order = tb.schema({ id: tb.types.int, customer: tb.types.str, amount: tb.types.int });

const orders = tb.io.kafka.read({
  brokers,
  topic,
  groupId: `crash-${topic}`,
  schema: Order,
  format: "json",
  startFrom: "earliest",
  autocommitMs: 40,
  name: "orders",
});
const totals = orders
  .groupBy(orders.customer)
  .reduce({
    customer: orders.customer,
    total: tb.reducers.sum(orders.amount),
    n: tb.reducers.count(),
  });

tb.io.jsonlines.write(totals, join(outDir, "totals.jsonl"));
tb.io.jsonlines.write(orders, join(outDir, "orders.jsonl"));
tb.io.postgres.write(totals, {
  connectionString,
  tableName,
  mode: "snapshot",
  primaryKey: ["customer"],
  init: "create_if_not_exists",
});

await tb.run({
  threads: Number(threads),
  persistence: tb.persistence.config({
    backend: tb.persistence.fs(stateDir),
    snapshotIntervalMs: 150,
  }),
});
process.stdout.write("stopped\n");
