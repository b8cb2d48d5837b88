/**
 * tb.io.kafka against a real Apache Kafka broker (KRaft, started from Maven Central jars by the
 * test): a 100k-message write→read round trip, partitions spread over workers, malformed
 * messages, csv/raw formats, startFrom, keyed writes with time/diff, committed offsets,
 * a broker restart mid-run, and unreachable brokers.
 */
import * as tb from "tributary";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnyRow, errorLogOf, THREADS } from "../helpers.js";
import { type KafkaBroker, startKafka } from "../support/kafka.js";
import { freePort } from "../support/postgres.js";

let kafka: KafkaBroker;

beforeAll(async () => {
  kafka = await startKafka(4);
}, 300_000);

afterAll(async () => {
  await kafka?.destroy();
});

const Item = tb.schema({ n: tb.types.int, word: tb.types.str });

/** Polls `probe` until it holds or the time is up. */
async function until(probe: () => boolean, what: () => string, ms = 45_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Writes rows `{ n, word: "w<n>" }` for n in [from, to) to `topic` (one run). */
async function produce(topic: string, from: number, to: number, key?: string): Promise<void> {
  const count = to - from;
  const n = new Float64Array(count);
  const word: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    n[i] = from + i;
    word[i] = `w${from + i}`;
  }
  tb.io.kafka.write(tb.debug.tableFromColumns(Item, { n, word }), {
    brokers: kafka.brokers,
    topic,
    ...(key !== undefined ? { key } : {}),
  });
  await tb.run({ threads: 1 });
}

/** Writes each string as one message, as is. */
async function produceRaw(topic: string, payloads: readonly string[]): Promise<void> {
  const Raw = tb.schema({ data: tb.types.str });
  tb.io.kafka.write(
    tb.debug.tableFromRows(
      Raw,
      payloads.map((data) => ({ data })),
    ),
    {
      brokers: kafka.brokers,
      topic,
      format: "raw",
    },
  );
  await tb.run({ threads: 1 });
}

/** Live totals of a streaming Kafka table of `Item`s: count and sum of `n`. */
function liveTotals(items: tb.Table<{ n: number; word: string }>) {
  const totals = items.reduce({
    count: tb.reducers.count(),
    sum: tb.reducers.sum(items.n),
    chars: tb.reducers.sum(items.word.str.len()),
  });
  const state = { count: 0, sum: 0, chars: 0 };
  tb.io.subscribe(totals, {
    onChange: ({ row, isAddition }) => {
      if (isAddition) Object.assign(state, row);
    },
  });
  return state;
}

/** Total length of the words `w<from>` … `w<to-1>`. */
function charsOf(from: number, to: number): number {
  let total = 0;
  for (let i = from; i < to; i++) total += 1 + String(i).length;
  return total;
}

const byN = (a: AnyRow, b: AnyRow) => Number(a.n) - Number(b.n);

describe.each(THREADS)("threads=%i", (threads) => {
  it("round trip: 100k messages written by kafka.write are read back by kafka.read", async () => {
    const topic = `round-trip-${threads}`;
    const total = 100_000;
    const t0 = performance.now();
    await produce(topic, 0, total);
    const wrote = performance.now() - t0;
    const items = tb.io.kafka.read({
      brokers: kafka.brokers,
      topic,
      groupId: `rt-${threads}`,
      schema: Item,
      autocommitMs: 100,
    });
    const state = liveTotals(items);
    const t1 = performance.now();
    const handle = tb.start({ threads });
    try {
      await until(
        () => state.count === total,
        () => `100k messages (read ${state.count} after writing them in ${wrote.toFixed(0)} ms)`,
      );
    } finally {
      await handle.stop();
    }
    const read = performance.now() - t1;
    console.log(
      `kafka threads=${threads}: wrote ${total} messages in ${wrote.toFixed(0)} ms ` +
        `(${Math.round(total / (wrote / 1000))}/s), read them in ${read.toFixed(0)} ms ` +
        `(${Math.round(total / (read / 1000))}/s)`,
    );
    expect(state).toEqual({
      count: total,
      sum: (total * (total - 1)) / 2,
      chars: charsOf(0, total),
    });
    // Content, row by row, through a static read.
    const rows = await tb.debug.compute(
      tb.io.kafka.read({ brokers: kafka.brokers, topic, schema: Item, mode: "static" }),
      { threads },
    );
    expect(rows.length).toBe(total);
    rows.sort(byN);
    expect(rows.every((r, i) => r.n === i && r.word === `w${i}`)).toBe(true);
  }, 120_000);

  it("partitions are spread over the workers and every message is read once", async () => {
    const topic = `parts-${threads}`;
    await produce(topic, 0, 2_000, "n");
    const rows = await tb.debug.compute(
      tb.io.kafka.read({
        brokers: kafka.brokers,
        topic,
        schema: Item,
        withMetadata: true,
        mode: "static",
      }),
      { threads },
    );
    expect(rows.length).toBe(2_000);
    const partitions = new Set(rows.map((r) => (r._metadata as { partition: number }).partition));
    expect([...partitions].sort()).toEqual([0, 1, 2, 3]);
    const keys = rows.map((r) => (r._metadata as { key: string }).key);
    expect(keys.every((k, i) => k === String(rows[i]!.n))).toBe(true);
    expect(new Set(rows.map((r) => r.n)).size).toBe(2_000);
  });

  it("a malformed message becomes error cells and an error-log row; the rest flows", async () => {
    const topic = `malformed-${threads}`;
    await produceRaw(topic, [
      '{"n": 1, "word": "a"}',
      "{not json",
      '{"n": "two", "word": "b"}',
      '{"n": 3, "word": "c"}',
    ]);
    const items = tb.io.kafka.read({
      brokers: kafka.brokers,
      topic,
      schema: Item,
      name: "bad",
      mode: "static",
    });
    const good = items.filter(items.n.gt(0));
    const rows: AnyRow[] = [];
    tb.io.subscribe(good, { onChange: ({ row }) => rows.push(row) });
    const log = await errorLogOf([items], threads);
    expect(rows.map((r) => r.word).sort()).toEqual(["a", "c"]);
    // The filter logs the two error rows it drops too; the source's own entries:
    const own = log.filter((e) => e.operator === "kafka:bad");
    const messages = own.map((e) => String(e.message)).sort();
    expect(messages.length).toBe(2);
    expect(messages[0]).toContain('column `n`: cannot read "two" as int');
    expect(messages[1]).toContain("invalid JSON message");
    expect(own.every((e) => /^malformed-\d:\d:\d+$/.test(String(e.row)))).toBe(true);
  });

  it("csv and raw formats", async () => {
    const topic = `formats-${threads}`;
    await produceRaw(topic, ["1,apple", '2,"b, c"', "x,bad"]);
    const csv = await tb.debug.compute(
      tb.io.kafka.read({ brokers: kafka.brokers, topic, schema: Item, format: "csv" }),
      { threads },
    );
    const fine = csv.filter((r) => (r.n as unknown) !== tb.ErrorValue).sort(byN);
    expect(fine).toEqual([
      { n: 1, word: "apple" },
      { n: 2, word: "b, c" },
    ]);
    expect(csv.length).toBe(3);
    const raw = await tb.debug.compute(
      tb.io.kafka.read({ brokers: kafka.brokers, topic, format: "raw" }),
      { threads },
    );
    expect(raw.map((r) => r.data).sort()).toEqual(['2,"b, c"', "1,apple", "x,bad"].sort());
    const Bytes = tb.schema({ data: tb.types.bytes });
    const bytes = await tb.debug.compute(
      tb.io.kafka.read({ brokers: kafka.brokers, topic, format: "raw", schema: Bytes }),
      { threads },
    );
    expect(bytes.map((r) => Buffer.from(r.data as Uint8Array).toString()).sort()).toEqual(
      ['2,"b, c"', "1,apple", "x,bad"].sort(),
    );
  });

  it("startFrom: earliest reads the backlog, latest only new messages", async () => {
    const topic = `start-${threads}`;
    await produce(topic, 0, 10);
    const read = (startFrom: "earliest" | "latest") =>
      liveTotals(
        tb.io.kafka.read({
          brokers: kafka.brokers,
          topic,
          schema: Item,
          startFrom,
          groupId: `start-${startFrom}-${threads}`,
          autocommitMs: 50,
        }),
      );
    const earliest = read("earliest");
    const latest = read("latest");
    const handle = tb.start({ threads });
    try {
      await until(
        () => earliest.count === 10,
        () => `the backlog (read ${earliest.count})`,
      );
      // Give the `latest` reader time to fetch its start offsets before new messages come.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(latest.count).toBe(0);
      await produce(topic, 10, 15);
      await until(
        () => earliest.count === 15 && latest.count === 5,
        () => `the new messages (read ${earliest.count} / ${latest.count})`,
      );
      expect(latest.sum).toBe(10 + 11 + 12 + 13 + 14);
    } finally {
      await handle.stop();
    }
  });

  it("offsets are committed: a new run of the same group resumes after what it read", async () => {
    const topic = `resume-${threads}`;
    const group = `resume-${threads}`;
    const open = () =>
      liveTotals(
        tb.io.kafka.read({
          brokers: kafka.brokers,
          topic,
          schema: Item,
          groupId: group,
          autocommitMs: 50,
        }),
      );
    await produce(topic, 0, 100);
    const first = open();
    let handle = tb.start({ threads });
    try {
      await until(
        () => first.count === 100,
        () => `the first run (read ${first.count})`,
      );
    } finally {
      await handle.stop();
    }
    await produce(topic, 100, 130);
    const second = open();
    handle = tb.start({ threads });
    try {
      await until(
        () => second.count === 30,
        () => `the second run (read ${second.count})`,
      );
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await handle.stop();
    }
    expect(second).toEqual({ count: 30, sum: (100 + 129) * 15, chars: charsOf(100, 130) });
  });

  it("kafka.write: a keyed change log with time and diff fields", async () => {
    const topic = `changes-${threads}`;
    const t = tb.debug.tableFromMarkdown(`
      word  | n | __time__ | __diff__
      apple | 1 | 2        | 1
      pear  | 2 | 2        | 1
      apple | 3 | 4        | 1
    `);
    const totals = t
      .groupBy(t.word)
      .reduce({ word: tb.this.word, total: tb.reducers.sum(tb.this.n) });
    tb.io.kafka.write(totals, { brokers: kafka.brokers, topic, key: "word" });
    await tb.run({ threads });
    const messages = await tb.debug.compute(
      tb.io.kafka.read({ brokers: kafka.brokers, topic, format: "raw", withMetadata: true }),
      { threads },
    );
    const seen = messages
      .map((m) => ({ key: (m._metadata as { key: string }).key, ...JSON.parse(String(m.data)) }))
      .sort((a, b) => a.time - b.time || a.diff - b.diff || a.word.localeCompare(b.word));
    expect(seen).toEqual([
      { key: "apple", word: "apple", total: 1, time: 2, diff: 1 },
      { key: "pear", word: "pear", total: 2, time: 2, diff: 1 },
      { key: "apple", word: "apple", total: 1, time: 4, diff: -1 },
      { key: "apple", word: "apple", total: 4, time: 4, diff: 1 },
    ]);
  });

  it("unreachable brokers: run() rejects naming the address", async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    tb.io.null.write(
      tb.io.kafka.read({
        brokers: address,
        topic: "nowhere",
        schema: Item,
        connectTimeoutMs: 1_000,
      }),
    );
    await expect(tb.run({ threads })).rejects.toThrow(address);
    tb.io.kafka.write(tb.debug.tableFromRows(Item, [{ n: 1, word: "a" }]), {
      brokers: address,
      topic: "nowhere",
      timeoutMs: 1_000,
    });
    await expect(tb.run({ threads })).rejects.toThrow(address);
  });
});

describe("broker restart", () => {
  it("a live reader reconnects after the broker restarts and loses nothing", async () => {
    const topic = "restart";
    await produce(topic, 0, 1_000);
    const state = liveTotals(
      tb.io.kafka.read({
        brokers: kafka.brokers,
        topic,
        schema: Item,
        groupId: "restart",
        autocommitMs: 50,
      }),
    );
    const handle = tb.start({ threads: 2 });
    try {
      await until(
        () => state.count === 1_000,
        () => `the messages before the restart (read ${state.count})`,
      );
      const t0 = performance.now();
      await kafka.stop();
      await kafka.start();
      await produce(topic, 1_000, 2_000);
      await until(
        () => state.count === 2_000,
        () => `the messages after the restart (read ${state.count})`,
        120_000,
      );
      console.log(
        `kafka restart: all 2000 messages read ${(performance.now() - t0).toFixed(0)} ms after the stop`,
      );
    } finally {
      await handle.stop();
    }
    expect(state).toEqual({ count: 2_000, sum: (2_000 * 1_999) / 2, chars: charsOf(0, 2_000) });
  }, 240_000);
});

describe("options", () => {
  it("mistakes throw when the pipeline is built", () => {
    const brokers = "127.0.0.1:1";
    expect(() =>
      tb.io.kafka.read({ brokers, topic: "t", schema: Item, format: "xml" as "json" }),
    ).toThrow(/unknown format "xml"/);
    expect(() => tb.io.kafka.read({ brokers, topic: "t" })).toThrow(/schema option is required/);
    expect(() =>
      tb.io.kafka.read({ brokers, topic: "t", schema: Item, startFrom: "middle" as "latest" }),
    ).toThrow(/startFrom/);
    const t = tb.debug.tableFromRows(Item, [{ n: 1, word: "a" }]);
    expect(() => tb.io.kafka.write(t, { brokers, topic: "t", key: "nope" })).toThrow(
      /key column "nope"/,
    );
    expect(() => tb.io.kafka.write(t, { brokers, topic: "t", format: "raw" })).toThrow(
      /"data" column/,
    );
    expect(() => tb.io.kafka.write(t, { brokers, topic: "" })).toThrow(/topic is required/);
  });
});
