/**
 * Restart semantics: a streaming pipeline persisted to a state directory is stopped, its
 * input changes (appends, a new file, a rewrite, a deletion), and a new run continues from
 * the log: its outputs hold only the new changes, a keyed (PostgreSQL snapshot) output ends
 * exactly right, and a custom subject resumes after its offset. Also: a changed pipeline is
 * refused, a corrupted file is an error naming the source, a torn tail is dropped.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tb from "tributary";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { THREADS, tmpDir } from "../helpers.js";
import { type PostgresServer, startPostgres } from "../support/postgres.js";
import { filesUnder, fold, readChanges, rowKey, until } from "./support.js";

const Sale = tb.schema({ shop: tb.types.str, amount: tb.types.int });

let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(() => pg?.stop());

/** Declares the pipeline: totals per shop to a JSON Lines log (and optionally PostgreSQL). */
function pipeline(input: string, out: string, table?: string) {
  const sales = tb.io.jsonlines.read(input, { schema: Sale, mode: "streaming", autocommitMs: 30, name: "sales" });
  const totals = sales
    .groupBy(sales.shop)
    .reduce({ shop: sales.shop, total: tb.reducers.sum(sales.amount), n: tb.reducers.count() });
  tb.io.jsonlines.write(totals, out);
  if (table)
    tb.io.postgres.write(totals, {
      connectionString: pg.connectionString,
      tableName: table,
      mode: "snapshot",
      primaryKey: ["shop"],
      init: "create_if_not_exists",
    });
}

const persistence = (dir: string, snapshotIntervalMs = 100) =>
  tb.persistence.config({ backend: tb.persistence.fs(dir), snapshotIntervalMs });

const state = (path: string) => [...fold(readChanges(path)).entries()].sort();
const row = (shop: string, total: number, n: number) =>
  JSON.stringify([
    ["n", n],
    ["shop", shop],
    ["total", total],
  ]);

/** Runs the pipeline until its log folds to `expected`, then stops it. */
async function runUntil(
  threads: number,
  paths: { input: string; out: string; state: string },
  expected: Array<[string, number]>,
  table?: string,
) {
  pipeline(paths.input, paths.out, table);
  const handle = tb.start({ threads, persistence: persistence(paths.state) });
  try {
    await until(
      () => JSON.stringify(state(paths.out)) === JSON.stringify(expected),
      `output ${JSON.stringify(expected)}, have ${JSON.stringify(state(paths.out))}`,
    );
  } finally {
    await handle.stop();
  }
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("continues after a stop: only new changes are written, the keyed table is exact", async () => {
    const root = tmpDir();
    const input = join(root, "in");
    const paths = { input, out: join(root, "out1.jsonl"), state: join(root, "state") };
    mkdirSync(input);
    writeFileSync(join(input, "a.jsonl"), '{"shop":"x","amount":1}\n{"shop":"y","amount":2}\n');
    writeFileSync(join(input, "b.jsonl"), '{"shop":"y","amount":5}\n');
    const table = `restart_${threads}`;
    await runUntil(threads, paths, [[row("x", 1, 1), 1], [row("y", 7, 2), 1]], table);

    // While stopped: an append, a new file, a rewritten file.
    appendFileSync(join(input, "a.jsonl"), '{"shop":"x","amount":10}\n');
    writeFileSync(join(input, "c.jsonl"), '{"shop":"z","amount":3}\n');
    writeFileSync(join(input, "b.jsonl"), '{"shop":"z","amount":4}\n');
    const out2 = join(root, "out2.jsonl");
    pipeline(input, out2, table);
    const handle = tb.start({ threads, persistence: persistence(paths.state) });
    try {
      // The second log holds only what changed: x 1→11, y 7→2 (b rewritten), z new.
      await until(() => {
        const s = fold([...readChanges(paths.out), ...readChanges(out2)]);
        return s.size === 3 && s.get(row("x", 11, 2)) === 1 && s.get(row("y", 2, 1)) === 1 && s.get(row("z", 7, 2)) === 1;
      }, "the combined state");
    } finally {
      await handle.stop();
    }
    const second = readChanges(out2);
    // Nothing of the first run is written again; its rows are retracted once each.
    const firstRows = [row("x", 1, 1), row("y", 7, 2)];
    const added = second.filter((c) => c.diff === 1).map(rowKey);
    expect(added.filter((k) => firstRows.includes(k))).toEqual([]);
    const removed = second.filter((c) => c.diff === -1).map(rowKey);
    expect(removed.filter((k) => firstRows.includes(k)).sort()).toEqual([...firstRows].sort());
    const rows = pg.query(`SELECT shop, total, n FROM ${table} ORDER BY shop`).map((r) => r.join(","));
    expect(rows).toEqual(["x,11,2", "y,2,1", "z,7,2"]);
  });

  it("a changed pipeline is refused, naming the source", async () => {
    const root = tmpDir();
    const input = join(root, "in");
    mkdirSync(input);
    writeFileSync(join(input, "a.jsonl"), '{"shop":"x","amount":1}\n');
    const paths = { input, out: join(root, "out.jsonl"), state: join(root, "state") };
    await runUntil(threads, paths, [[row("x", 1, 1), 1]]);
    const Other = tb.schema({ shop: tb.types.str, amount: tb.types.float });
    const sales = tb.io.jsonlines.read(input, { schema: Other, mode: "streaming", name: "sales" });
    tb.io.jsonlines.write(sales, join(root, "other.jsonl"));
    await expect(tb.run({ threads, persistence: persistence(paths.state) })).rejects.toThrow(
      /pipeline changed.*source `sales` changed/,
    );
    // Same source, different operators.
    const again = tb.io.jsonlines.read(input, { schema: Sale, mode: "streaming", name: "sales" });
    tb.io.jsonlines.write(again.filter(again.amount.gt(0)), join(root, "other.jsonl"));
    await expect(tb.run({ threads, persistence: persistence(paths.state) })).rejects.toThrow(
      /pipeline changed.*operators or outputs reading sources `sales`/,
    );
  });

  it("a corrupted log is an error naming the source; a torn tail is dropped", async () => {
    const root = tmpDir();
    const input = join(root, "in");
    mkdirSync(input);
    writeFileSync(join(input, "a.jsonl"), '{"shop":"x","amount":1}\n');
    const paths = { input, out: join(root, "out.jsonl"), state: join(root, "state") };
    // A long snapshot interval keeps everything in one segment.
    pipeline(input, paths.out);
    const handle = tb.start({ threads, persistence: persistence(paths.state, 3_600_000) });
    await until(() => state(paths.out).length === 1, "the first row");
    appendFileSync(join(input, "a.jsonl"), '{"shop":"x","amount":2}\n');
    await until(() => JSON.stringify(state(paths.out)) === JSON.stringify([[row("x", 3, 2), 1]]), "the second row");
    await handle.stop();
    const segments = filesUnder(paths.state).filter((f) => f.endsWith(".log"));
    const size = (f: string) => readFileSync(f).length;
    const segment = segments.sort((a, b) => size(b) - size(a))[0];
    expect(segment).toBeDefined();
    const good = readFileSync(segment!);

    // A torn tail (a frame cut short by a crash): dropped, the run goes on.
    writeFileSync(segment!, Buffer.concat([good, Buffer.from([200, 0, 0, 0, 1, 2, 3])]));
    appendFileSync(join(input, "a.jsonl"), '{"shop":"x","amount":4}\n');
    const out2 = join(root, "out2.jsonl");
    pipeline(input, out2);
    const again = tb.start({ threads, persistence: persistence(paths.state, 3_600_000) });
    await until(() => fold(readChanges(out2)).get(row("x", 7, 3)) === 1, "the run after a torn tail");
    await again.stop();

    // A flipped byte inside the first frame, with frames after it: corruption.
    const now = readFileSync(segment!);
    now[9 + 12 + 2] = (now[9 + 12 + 2] ?? 0) ^ 0xff;
    writeFileSync(segment!, now);
    pipeline(input, join(root, "out3.jsonl"));
    await expect(tb.run({ threads, persistence: persistence(paths.state, 3_600_000) })).rejects.toThrow(
      /source `sales`: file `.*seg-\d+\.log` is corrupted or truncated/,
    );
  });

  it("a custom subject resumes after the offset logged with its last row", async () => {
    const root = tmpDir();
    const Item = tb.schema({ n: tb.types.int });
    const seen: number[][] = [];
    class Counter extends tb.io.ConnectorSubject<{ n: number }> {
      constructor(private readonly upto: number) {
        super();
      }
      async run() {
        const from = ((await this.resumeOffset()) as number | undefined) ?? 0;
        seen.push([from]);
        for (let n = from; n < this.upto; n++) this.next({ n }, { offset: n + 1 });
        this.commit();
        // Commits tell the subject when its run has ended (then `stopped` turns true).
        while (!this.stopped) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          this.commit();
        }
      }
    }
    const out = join(root, "out.jsonl");
    const run = async (upto: number, path: string) => {
      const items = tb.io.custom.read(new Counter(upto), { schema: Item, name: "counter", autocommitMs: 20 });
      tb.io.jsonlines.write(items.reduce({ total: tb.reducers.sum(items.n), rows: tb.reducers.count() }), path);
      const handle = tb.start({ threads, persistence: persistence(join(root, "state")) });
      const total = (upto * (upto - 1)) / 2;
      await until(() => fold(readChanges(path)).has(JSON.stringify([["rows", upto], ["total", total]])), `sum ${total}`);
      await handle.stop();
    };
    await run(5, out);
    await run(10, join(root, "out2.jsonl"));
    expect(seen).toEqual([[0], [5]]);
  });
});
