// The crash suite's pipeline, run in a child process that the test SIGKILLs at random
// moments: streaming orders and customers (keyed) → totals per customer joined with the
// customer's region → a JSON Lines change log and a PostgreSQL snapshot table; the raw
// orders also go to a change log. Args: stateDir inDir outDir connectionString table threads.
import { join } from "node:path";
import * as tb from "tributary";

const [stateDir, inDir, outDir, connectionString, tableName, threads] = process.argv.slice(2);

const Order = tb.schema({ id: tb.types.int, customer: tb.types.str, amount: tb.types.int });
const Customer = tb.schema({ customer: tb.types.str, region: tb.types.str }, { primaryKey: ["customer"] });

const orders = tb.io.jsonlines.read(join(inDir, "orders"), {
  schema: Order,
  mode: "streaming",
  autocommitMs: 40,
  name: "orders",
});
const customers = tb.io.jsonlines.read(join(inDir, "customers"), {
  schema: Customer,
  mode: "streaming",
  autocommitMs: 40,
  name: "customers",
});
const totals = orders
  .groupBy(orders.customer)
  .reduce({ customer: orders.customer, total: tb.reducers.sum(orders.amount), n: tb.reducers.count() });
const report = totals
  .join(customers, totals.customer.eq(customers.customer))
  .select({ customer: tb.left.customer, region: tb.right.region, total: tb.left.total, n: tb.left.n });

tb.io.jsonlines.write(report, join(outDir, "report.jsonl"));
tb.io.jsonlines.write(orders, join(outDir, "orders.jsonl"));
tb.io.postgres.write(report, {
  connectionString,
  tableName,
  mode: "snapshot",
  primaryKey: ["customer"],
  init: "create_if_not_exists",
});

await tb.run({
  threads: Number(threads),
  persistence: tb.persistence.config({ backend: tb.persistence.fs(stateDir), snapshotIntervalMs: 150 }),
});
process.stdout.write("stopped\n");
