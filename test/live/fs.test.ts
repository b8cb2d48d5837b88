/**
 * tb.io.fs.read: one row per file (bytes or text, with metadata), static and streaming — a new
 * file adds a row, a changed file retracts its old row and adds the new one, a deleted file
 * retracts its row.
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { errorLogOf, expectRows, isError, THREADS, tmpDir } from "../helpers.js";

/** Polls `probe` until it holds or the time is up. */
async function until(probe: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Replaces a file atomically (a hidden temporary file renamed over it), as editors do. */
function put(dir: string, name: string, text: string): void {
  writeFileSync(join(dir, `.${name}.tmp`), text);
  renameSync(join(dir, `.${name}.tmp`), join(dir, name));
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("static binary: one row per file, with metadata, subdirectories included", async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "a.bin"), Buffer.from([0, 1, 255]));
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "b.txt"), "hello");
    writeFileSync(join(dir, ".hidden"), "no");
    const files = tb.io.fs.read(dir, { format: "binary", withMetadata: true, mode: "static" });
    const got = await tb.debug.compute(files, { threads });
    const mtime = (p: string) => Math.floor(statSync(p).mtimeMs / 1000);
    expectRows(
      got.map((r) => {
        const m = r._metadata as { path: string; size: number; modified_at: number };
        return { data: r.data, path: m.path, size: m.size, modified_at: m.modified_at };
      }),
      [
        {
          data: new Uint8Array([0, 1, 255]),
          path: join(dir, "a.bin"),
          size: 3,
          modified_at: mtime(join(dir, "a.bin")),
        },
        {
          data: new Uint8Array(Buffer.from("hello")),
          path: join(dir, "sub", "b.txt"),
          size: 5,
          modified_at: mtime(join(dir, "sub", "b.txt")),
        },
      ],
    );
  });

  it("static plaintext_by_file: text rows; invalid UTF-8 is an error cell and a log entry", async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "a.txt"), "line 1\nline 2\n");
    writeFileSync(join(dir, "b.txt"), Buffer.from([0xff, 0xfe]));
    const files = tb.io.fs.read(dir, { format: "plaintext_by_file", mode: "static" });
    const got = await tb.debug.compute(files, { threads });
    expect(got.length).toBe(2);
    expect(got.filter((r) => r.data === "line 1\nline 2\n").length).toBe(1);
    expect(got.filter((r) => isError(r.data)).length).toBe(1);
    const again = tb.io.fs.read(dir, { format: "plaintext_by_file", mode: "static" });
    const log = await errorLogOf([again], threads);
    expect(log.map((l) => [l.message, l.row])).toEqual([
      ["column `data`: the file is not valid UTF-8", join(dir, "b.txt")],
    ]);
  });

  it("a single file path reads that file", async () => {
    const dir = tmpDir();
    const path = join(dir, "only.txt");
    writeFileSync(path, "just me");
    const got = await tb.debug.compute(
      tb.io.fs.read(path, { format: "plaintext_by_file", mode: "static" }),
      {
        threads,
      },
    );
    expect(got).toEqual([{ data: "just me" }]);
  });

  it("streaming: new, changed and deleted files give additions and retractions", async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "a.txt"), "one");
    const files = tb.io.fs.read(dir, {
      format: "plaintext_by_file",
      withMetadata: true,
      mode: "streaming",
      autocommitMs: 20,
    });
    const changes: Array<{ text: string; time: number }> = [];
    const state = new Map<string, string>();
    tb.io.subscribe(files, {
      onChange: ({ row, time, isAddition }) => {
        const name = (row._metadata as { path: string }).path.slice(dir.length + 1);
        changes.push({ text: `${isAddition ? "+" : "-"}${name}=${row.data}`, time });
        if (isAddition) state.set(name, row.data);
        else if (state.get(name) === row.data) state.delete(name);
      },
    });
    const handle = tb.start({ threads });
    try {
      await until(() => state.get("a.txt") === "one", "the first file");
      put(dir, "b.txt", "two");
      await until(() => state.get("b.txt") === "two", "the new file");
      put(dir, "a.txt", "one, changed");
      await until(() => state.get("a.txt") === "one, changed", "the change");
      rmSync(join(dir, "b.txt"));
      await until(() => !state.has("b.txt"), "the deletion");
    } finally {
      await handle.stop();
    }
    expect(changes.map((c) => c.text)).toEqual([
      "+a.txt=one",
      "+b.txt=two",
      "-a.txt=one",
      "+a.txt=one, changed",
      "-b.txt=two",
    ]);
    // The change of a.txt is a retraction and an addition at the same time.
    expect(changes[2]!.time).toBe(changes[3]!.time);
    const times = changes.map((c) => c.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});
