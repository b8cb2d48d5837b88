/**
 * Change-log files across restarts: a persisted pipeline writing CSV and JSON Lines logs is
 * stopped, its input grows, and a new run continues the same files — the header once, the
 * first run's changes kept, the new run's changes appended once, times never going back.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { THREADS, tmpDir } from "../helpers.js";
import { fold, type LoggedChange, readChanges, streamProblems, until } from "./support.js";

const Sale = tb.schema({ shop: tb.types.str, amount: tb.types.int });

/** The changes of a CSV change log (plain values, no quoting) and its header line. */
function readCsv(path: string): { header: string; changes: LoggedChange[]; headers: number } {
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "");
  const header = lines[0] ?? "";
  const names = header.split(",");
  const changes = lines.slice(1).map((line) => {
    const cells = line.split(",");
    const change: Record<string, unknown> = {};
    names.forEach((name, i) => {
      const cell = cells[i] ?? "";
      change[name] = name === "shop" ? cell : Number(cell);
    });
    return change as LoggedChange;
  });
  return { header, changes, headers: lines.filter((l) => l === header).length };
}

/** `shop,total,n,±1` of each change, sorted. */
const summary = (changes: readonly LoggedChange[]) =>
  changes.map((c) => `${c.shop},${c.total},${c.n},${c.diff > 0 ? "+" : "-"}`).sort();

describe.each(THREADS)("threads=%i", (threads) => {
  it("csv and jsonlines outputs continue their files across a restart", async () => {
    const root = tmpDir();
    const input = join(root, "in");
    mkdirSync(input);
    const csv = join(root, "totals.csv");
    const jsonl = join(root, "totals.jsonl");
    const persistence = tb.persistence.config({ backend: tb.persistence.fs(join(root, "state")) });
    const start = () => {
      const sales = tb.io.jsonlines.read(input, {
        schema: Sale,
        mode: "streaming",
        autocommitMs: 30,
        name: "sales",
      });
      const totals = sales
        .groupBy(sales.shop)
        .reduce({ shop: sales.shop, total: tb.reducers.sum(sales.amount), n: tb.reducers.count() });
      tb.io.csv.write(totals, csv);
      tb.io.jsonlines.write(totals, jsonl);
      return tb.start({ threads, persistence });
    };
    const folded = () => fold(readChanges(jsonl)).size;
    const has = (total: number) =>
      readChanges(jsonl).some((c) => c.shop === "x" && c.total === total);

    writeFileSync(join(input, "a.jsonl"), '{"shop":"x","amount":1}\n{"shop":"y","amount":2}\n');
    const first = start();
    await until(() => folded() === 2, "the first run's totals");
    await first.stop();
    const firstRun = readChanges(jsonl);
    const lastTime = Math.max(...firstRun.map((c) => c.time));

    appendFileSync(join(input, "a.jsonl"), '{"shop":"x","amount":10}\n');
    const second = start();
    await until(() => has(11), "the second run's change");
    await second.stop();

    const expected = ["x,1,1,+", "x,1,1,-", "x,11,2,+", "y,2,1,+"];
    const lines = readChanges(jsonl, true);
    expect(lines.slice(0, firstRun.length)).toEqual(firstRun);
    expect(summary(lines)).toEqual(expected);
    expect(streamProblems(lines)).toEqual([]);
    // The update is one time after the first run's times: retraction and insertion together.
    const update = lines.slice(firstRun.length);
    expect(update.length).toBe(2);
    expect(update[0]?.time).toBe(update[1]?.time);
    expect(update[0]?.time).toBeGreaterThan(lastTime);

    const table = readCsv(csv);
    expect(table.header).toBe("shop,total,n,time,diff");
    expect(table.headers).toBe(1);
    expect(summary(table.changes)).toEqual(expected);
    expect(streamProblems(table.changes)).toEqual([]);
    expect(table.changes.map((c) => [c.time, c.diff])).toEqual(lines.map((c) => [c.time, c.diff]));
  });
});
