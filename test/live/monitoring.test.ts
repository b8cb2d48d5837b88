/**
 * Monitoring: Prometheus metrics while a pipeline runs, and the per-second log on stderr.
 */
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { writeFile, tmpDir } from "../helpers.js";

const Row = tb.schema({ word: tb.types.str, n: tb.types.int });

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

class Words extends tb.io.ConnectorSubject<{ word: string; n: number }> {
  async run(): Promise<void> {
    for (let i = 0; i < 50 && !this.stopped; i++) {
      this.next({ word: i % 3 === 0 ? "x" : "y", n: i });
      if (i === 7) this.next({ word: "bad", n: "NaN!" as unknown as number });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    while (!this.stopped) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("monitoring", () => {
  it("serves Prometheus counters of sources, outputs and errors while running", async () => {
    const port = await freePort();
    const words = tb.io.custom.read(new Words(), { schema: Row, name: "words", autocommitMs: 20 });
    const counts = words.groupBy(words.word).reduce({ word: words.word, total: tb.reducers.sum(words.n) });
    let changes = 0;
    tb.io.subscribe(counts, { onChange: () => changes++ });
    const handle = tb.start({ threads: 2, metricsPort: port });
    try {
      let text = "";
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => "");
        if (/tributary_source_rows_total\{source="words"\} 51\b/.test(text) && changes > 0) break;
      }
      expect(text).toMatch(/tributary_source_rows_total\{source="words"\} 51\b/);
      expect(text).toMatch(/tributary_output_changes_total\{output="subscribe#\d+"\} [1-9]/);
      expect(text).toMatch(/tributary_data_errors_total [1-9]/);
      const missing = await fetch(`http://127.0.0.1:${port}/other`);
      expect(missing.status).toBe(404);
    } finally {
      await handle.stop();
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('monitoring: "log" prints a progress line per second on stderr', () => {
    const dir = tmpDir();
    const data = writeFile(join(dir, "w.jsonl"), '{"word":"a","n":1}\n');
    const script = `
      import * as tb from ${JSON.stringify(join(process.cwd(), "dist", "api", "index.js"))};
      const S = tb.schema({ word: tb.types.str, n: tb.types.int });
      const t = tb.io.jsonlines.read(${JSON.stringify(data)}, { schema: S, mode: "streaming", name: "words" });
      tb.io.null.write(t);
      const handle = tb.start({ monitoring: "log" });
      setTimeout(() => handle.stop(), 2300);
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(child.status).toBe(0);
    const lines = child.stderr.split("\n").filter((l) => l.startsWith("tributary:"));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatch(/words 1 rows/);
    expect(lines.at(-1)).toMatch(/errors 0/);
  });
});
