/**
 * Lifetime of function definitions: `tb.apply` in a loop of runs keeps nothing once each run
 * has ended (the process-wide count of definitions stays bounded, and the definitions
 * themselves are collected), while a table reused in a later run still finds its functions.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { activeUdfCount } from "../../ts/api/udf.js";
import { THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("tb.apply defined in a loop of runs: the registry stays bounded", async () => {
    const before = activeUdfCount();
    const counts: number[] = [];
    for (let round = 0; round < 30; round++) {
      const t = tb.debug.tableFromMarkdown(`
        x
        1
        2
      `);
      const r = t.select({ y: tb.apply((x: number) => x + round, t.x) });
      const rows = await tb.debug.compute(r, { threads });
      expect(rows.map((row) => row.y as number).sort((a, b) => a - b)).toEqual([
        1 + round,
        2 + round,
      ]);
      counts.push(activeUdfCount());
    }
    expect(Math.max(...counts)).toBe(before);
  });

  it("a table is run twice: its functions are still there for the second run", async () => {
    const t = tb.debug.tableFromMarkdown(`
      x
      3
    `);
    const r = t.select({ y: tb.apply((x: number) => x * 10, t.x) });
    expect(await tb.debug.compute(r, { threads })).toEqual([{ y: 30 }]);
    expect(await tb.debug.compute(r, { threads })).toEqual([{ y: 30 }]);
  });
});

describe("garbage collection", () => {
  it("definitions of finished runs are collected", () => {
    const dist = JSON.stringify(join(process.cwd(), "dist", "api", "index.js"));
    const script = `
      import * as tb from ${dist};
      const refs = [];
      for (let round = 0; round < 20; round++) {
        const fn = (x) => x + round;
        refs.push(new WeakRef(fn));
        const t = tb.debug.tableFromMarkdown("x\\n1\\n2\\n");
        await tb.debug.compute(t.select({ y: tb.apply(fn, t.x) }));
      }
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 10));
        globalThis.gc();
      }
      console.log(JSON.stringify({ alive: refs.filter((r) => r.deref() !== undefined).length }));
    `;
    const child = spawnSync(
      process.execPath,
      ["--expose-gc", "--input-type=module", "-e", script],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(child.stderr).toBe("");
    const { alive } = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as {
      alive: number;
    };
    // All but possibly the last one (which may still be referenced from the last run's frames).
    expect(alive).toBeLessThanOrEqual(1);
  });
});
