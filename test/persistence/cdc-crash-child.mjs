// The CDC crash suite's pipeline, run in a child process that the test SIGKILLs at random
// moments: a persisted streaming PostgreSQL read of a table (logical replication) → a JSON
// Lines change log and the sum of `v`. Args: stateDir connectionString table outDir threads.
import { join } from "node:path";
import * as tb from "tributary";

const [stateDir, connectionString, tableName, outDir, threads] = process.argv.slice(2);

const Item = tb.schema({ id: tb.types.int, v: tb.types.int }, { primaryKey: ["id"] });
const items = tb.io.postgres.read({
  connectionString,
  tableName,
  schema: Item,
  autocommitMs: 40,
  name: "items",
});
tb.io.jsonlines.write(items, join(outDir, "items.jsonl"));
tb.io.jsonlines.write(
  items.reduce({ total: tb.reducers.sum(items.v), n: tb.reducers.count() }),
  join(outDir, "sum.jsonl"),
);

await tb.run({
  threads: Number(threads),
  persistence: tb.persistence.config({
    backend: tb.persistence.fs(stateDir),
    snapshotIntervalMs: 150,
  }),
});
process.stdout.write("stopped\n");
