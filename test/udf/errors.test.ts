/**
 * Failing functions: a throw becomes an error value in that cell and an error-log entry with
 * the message and the row; retries (with backoff) recover from transient failures; a call
 * slower than timeoutMs fails. The other rows and the pipeline go on.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { errorLogOf, expectRows, isError, THREADS } from "../helpers.js";

const numbers = () =>
  tb.debug.tableFromMarkdown(`
    x
    1
    2
    3
    4
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("a throwing call gives an error value and a log entry; other rows flow", async () => {
    const t = numbers();
    const picky = tb.udf(
      (x: number) => {
        if (x === 3) throw new Error(`three is not allowed`);
        return x * 2;
      },
      { returns: tb.types.int, name: "picky" },
    );
    const r = t.select({ x: t.x, y: picky(t.x) });
    const rows = await tb.debug.compute(r, { threads });
    expect(rows.filter((row) => isError(row.y)).map((row) => row.x)).toEqual([3]);
    expectRows(
      rows.filter((row) => !isError(row.y)),
      [
        { x: 1, y: 2 },
        { x: 2, y: 4 },
        { x: 4, y: 8 },
      ],
    );
    const log = await errorLogOf([r], threads);
    expect(log).toHaveLength(1);
    expect(log[0]!.operator).toBe("udf");
    expect(String(log[0]!.message)).toMatch(/picky: Error: three is not allowed/);
    expect(String(log[0]!.row)).toMatch(/\[3\]/);
  });

  it("a batch function that throws fails the rows of its batch only", async () => {
    const t = numbers();
    const batchy = tb.udf(
      (xs: number[]) => {
        if (xs.includes(4)) throw new TypeError("bad batch");
        return xs.map((x) => x + 1);
      },
      { returns: tb.types.int, batch: { maxSize: 1 } },
    );
    const rows = await tb.debug.compute(t.select({ x: t.x, y: batchy(t.x) }), { threads });
    expectRows(
      rows.map((row) => ({ x: row.x, bad: isError(row.y) })),
      [
        { x: 1, bad: false },
        { x: 2, bad: false },
        { x: 3, bad: false },
        { x: 4, bad: true },
      ],
    );
  });

  it("a wrong result type or count is an error, not a crash", async () => {
    const t = numbers();
    const wrongType = tb.udf((x: number) => (x === 2 ? "two" : x) as number, {
      returns: tb.types.int,
    });
    const wrongCount = tb.udf((xs: number[]) => xs.slice(1), {
      returns: tb.types.int,
      batch: { maxSize: 10 },
    });
    const r = t.select({ x: t.x, a: wrongType(t.x), b: wrongCount(t.x) });
    const rows = await tb.debug.compute(r, { threads });
    expect(rows.filter((row) => isError(row.a)).map((row) => row.x)).toEqual([2]);
    expect(rows.every((row) => isError(row.b))).toBe(true);
    const log = await errorLogOf([r], threads);
    expect(log.some((e) => /not a value of type int/.test(String(e.message)))).toBe(true);
    expect(log.some((e) => /results for \d+ rows/.test(String(e.message)))).toBe(true);
  });

  it("retries recover from transient failures, with growing waits", async () => {
    const t = numbers();
    const attempts = new Map<number, number[]>();
    const flaky = tb.udf(
      async (x: number) => {
        const seen = attempts.get(x) ?? [];
        seen.push(Date.now());
        attempts.set(x, seen);
        if (seen.length < 3) throw new Error(`transient ${x}`);
        return x + 100;
      },
      { returns: tb.types.int, retries: 2, retryDelayMs: 20 },
    );
    const rows = await tb.debug.compute(t.select({ y: flaky(t.x) }), { threads });
    expectRows(rows, [{ y: 101 }, { y: 102 }, { y: 103 }, { y: 104 }]);
    for (const times of attempts.values()) {
      expect(times).toHaveLength(3);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(15);
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(35);
    }
  });

  it("after the last retry the failure is logged; sync functions retry too", async () => {
    const t = numbers();
    let calls = 0;
    const never = tb.udf(
      (x: number) => {
        calls++;
        if (x % 2 === 0) throw new Error("even");
        return x;
      },
      { returns: tb.types.int, retries: 1, retryDelayMs: 1 },
    );
    const r = t.select({ y: never(t.x) });
    const rows = await tb.debug.compute(r, { threads });
    expect(rows.filter((row) => isError(row.y))).toHaveLength(2);
    expect(calls).toBe(6);
  });

  it("a call slower than timeoutMs fails with a timeout message", async () => {
    const t = numbers();
    const slow = tb.udf(
      async (x: number) => {
        await new Promise((r) => setTimeout(r, x === 2 ? 2_000 : 1));
        return x;
      },
      { returns: tb.types.int, timeoutMs: 100 },
    );
    const r = t.select({ x: t.x, y: slow(t.x) });
    const started = Date.now();
    const rows = await tb.debug.compute(r, { threads });
    expect(Date.now() - started).toBeLessThan(1_900);
    expect(rows.filter((row) => isError(row.y)).map((row) => row.x)).toEqual([2]);
    const log = await errorLogOf([r], threads);
    expect(log.some((e) => /timed out after 100 ms/.test(String(e.message)))).toBe(true);
  });
});
