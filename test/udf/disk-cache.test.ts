/**
 * The disk cache of `cache: true` functions (`setUdfCacheDirectory`, which `run()` calls with
 * the persistence directory): a second run in a fresh process reuses the results without
 * calling the function; new arguments are computed and added; failures are not cached; a
 * changed function starts afresh; without a directory nothing is written.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tmpDir } from "../helpers.js";

const dist = (file: string) => JSON.stringify(join(process.cwd(), "dist", "api", file));

/** Runs one pipeline in a fresh Node process; returns its calls and rows. */
function runChild(
  cacheDir: string | null,
  xs: number[],
  threads: number,
  body = "x * 2",
): { calls: number[]; rows: Array<{ x: number; y: unknown }> } {
  const script = `
    import * as tb from ${dist("index.js")};
    import { setUdfCacheDirectory } from ${dist("udf-cache.js")};
    setUdfCacheDirectory(${JSON.stringify(cacheDir ?? undefined)});
    const calls = [];
    const slow = tb.udf(
      (x) => { calls.push(x); if (x < 0) throw new Error("negative"); return ${body}; },
      { returns: tb.types.int, cache: true, name: "slow" },
    );
    const t = tb.debug.tableFromRows(tb.schema({ x: tb.types.int }), ${JSON.stringify(xs.map((x) => ({ x })))});
    const rows = await tb.debug.compute(t.select({ x: t.x, y: slow(t.x) }), { threads: ${threads} });
    console.log(JSON.stringify({
      calls: calls.sort((a, b) => a - b),
      rows: rows.map((r) => ({ x: r.x, y: r.y === tb.ErrorValue ? "error" : r.y })).sort((a, b) => a.x - b.x),
    }));
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}");
}

describe.each([1, 2])("threads=%i", (threads) => {
  it("a second run in a fresh process reuses the results on disk", () => {
    const dir = tmpDir();
    const first = runChild(dir, [1, 2, 3, 2], threads);
    expect(first.calls).toEqual([1, 2, 3]);
    expect(first.rows).toEqual([
      { x: 1, y: 2 },
      { x: 2, y: 4 },
      { x: 2, y: 4 },
      { x: 3, y: 6 },
    ]);
    expect(readdirSync(join(dir, "udf-cache")).length).toBe(1);
    const second = runChild(dir, [1, 2, 3, 2], threads);
    expect(second.calls).toEqual([]);
    expect(second.rows).toEqual(first.rows);
    // New arguments are computed (and remembered); known ones are not.
    const third = runChild(dir, [3, 4], threads);
    expect(third.calls).toEqual([4]);
    expect(third.rows).toEqual([
      { x: 3, y: 6 },
      { x: 4, y: 8 },
    ]);
    expect(runChild(dir, [4], threads).calls).toEqual([]);
  });

  it("failures are not cached; a changed function starts afresh", () => {
    const dir = tmpDir();
    const first = runChild(dir, [-1, 5], threads);
    expect(first.rows).toEqual([
      { x: -1, y: "error" },
      { x: 5, y: 10 },
    ]);
    const again = runChild(dir, [-1, 5], threads);
    expect(again.calls).toEqual([-1]);
    const changed = runChild(dir, [5], threads, "x * 3");
    expect(changed.calls).toEqual([5]);
    expect(changed.rows).toEqual([{ x: 5, y: 15 }]);
  });

  it("without a directory nothing is kept on disk", () => {
    const dir = tmpDir();
    runChild(null, [1, 2], threads);
    expect(runChild(null, [1, 2], threads).calls).toEqual([1, 2]);
    expect(existsSync(join(dir, "udf-cache"))).toBe(false);
  });
});
