/**
 * A persisted run keeps `cache: true` function results in `<state dir>/udf-cache`: a later run
 * with the same persistence directory, in a fresh process, does not call the function again.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tmpDir } from "../helpers.js";

const dist = JSON.stringify(join(process.cwd(), "dist", "api", "index.js"));

/** Runs a persisted pipeline over `input` in a fresh Node process; returns the calls made. */
function runChild(state: string, input: string, output: string, threads: number): number[] {
  const script = `
    import * as tb from ${dist};
    import { writeFileSync } from "node:fs";
    const calls = [];
    const twice = tb.udf((x) => { calls.push(x); return x * 2; }, { returns: tb.types.int, cache: true, name: "twice" });
    const t = tb.io.jsonlines.read(${JSON.stringify(input)}, { schema: tb.schema({ x: tb.types.int }), mode: "static", name: "xs" });
    tb.io.jsonlines.write(t.select({ x: t.x, y: twice(t.x) }), ${JSON.stringify(output)});
    await tb.run({ threads: ${threads}, persistence: tb.persistence.config({ backend: tb.persistence.fs(${JSON.stringify(state)}) }) });
    console.log(JSON.stringify(calls.sort((a, b) => a - b)));
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop() ?? "[]");
}

describe.each([1, 2])("threads=%i", (threads) => {
  it("a second persisted run answers from the cache in the state directory", () => {
    const dir = tmpDir();
    const input = join(dir, "xs.jsonl");
    writeFileSync(input, '{"x":1}\n{"x":2}\n{"x":3}\n');
    const state = join(dir, "state");
    expect(runChild(state, input, join(dir, "a.jsonl"), threads)).toEqual([1, 2, 3]);
    expect(readdirSync(join(state, "udf-cache")).length).toBe(1);
    expect(runChild(state, input, join(dir, "b.jsonl"), threads)).toEqual([]);
  });
});
