/**
 * Static-mode readers: csv and jsonlines (a file or a directory, typed by a schema, primary
 * keys giving stable ids, optional columns) and plaintext.
 */
import { join } from "node:path";
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { expectRows, THREADS, tmpDir, writeFile } from "../helpers.js";

const People = tb.schema({ name: tb.types.str, age: tb.types.int, score: tb.types.float });
const Keyed = tb.schema(
  { key: tb.types.int, name: tb.types.str, score: tb.types.float },
  { primaryKey: ["key"] },
);

describe.each(THREADS)("threads=%i", (threads) => {
  it("csv: reads a file with a header, typed by the schema", async () => {
    const dir = tmpDir();
    const path = writeFile(
      join(dir, "people.csv"),
      'name,age,score\nalice,30,1.5\nbob,25,2\n"Smith, J",40,-0.25\n',
    );
    const t = tb.io.csv.read(path, { schema: People, mode: "static" });
    const rows = await tb.debug.compute(t, { threads });
    expectRows(rows, [
      { name: "alice", age: 30, score: 1.5 },
      { name: "bob", age: 25, score: 2 },
      { name: "Smith, J", age: 40, score: -0.25 },
    ]);
    const r = t.select({ name: t.name, older: t.age.add(1), half: t.score.div(2) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { name: "alice", older: 31, half: 0.75 },
      { name: "bob", older: 26, half: 1 },
      { name: "Smith, J", older: 41, half: -0.125 },
    ]);
  });

  it("csv: columns are matched by header name, not position", async () => {
    const dir = tmpDir();
    const path = writeFile(join(dir, "p.csv"), "score,name,age\n1.5,alice,30\n");
    const t = tb.io.csv.read(path, { schema: People, mode: "static" });
    expectRows(await tb.debug.compute(t, { threads }), [{ name: "alice", age: 30, score: 1.5 }]);
  });

  it("csv: reads every file of a directory", async () => {
    const dir = tmpDir();
    writeFile(join(dir, "in", "a.csv"), "name,age,score\nalice,30,1.5\nbob,25,2.5\n");
    writeFile(join(dir, "in", "b.csv"), "name,age,score\ncarol,35,4.5\n");
    const t = tb.io.csv.read(join(dir, "in"), { schema: People, mode: "static", name: "people" });
    expectRows(await tb.debug.compute(t, { threads }), [
      { name: "alice", age: 30, score: 1.5 },
      { name: "bob", age: 25, score: 2.5 },
      { name: "carol", age: 35, score: 4.5 },
    ]);
    const total = t.reduce({ n: tb.reducers.count(), s: tb.reducers.sum(t.age) });
    expectRows(await tb.debug.compute(total, { threads }), [{ n: 3, s: 90 }]);
  });

  it("csv: optional columns read empty cells as null", async () => {
    const S = tb.schema({
      name: tb.types.str,
      age: tb.types.int.optional(),
      score: tb.types.float.optional(),
    });
    const dir = tmpDir();
    const path = writeFile(join(dir, "p.csv"), "name,age,score\nalice,,1.5\nbob,25,\n");
    const t = tb.io.csv.read(path, { schema: S, mode: "static" });
    expectRows(await tb.debug.compute(t, { threads }), [
      { name: "alice", age: null, score: 1.5 },
      { name: "bob", age: 25, score: null },
    ]);
  });

  it("csv: a primary key gives ids derived from the key, stable across runs", async () => {
    const dir = tmpDir();
    const path = writeFile(join(dir, "k.csv"), "key,name,score\n1,alice,1.5\n2,bob,2.5\n");
    const t = tb.io.csv.read(path, { schema: Keyed, mode: "static" });
    const first = await tb.debug.compute(t, { threads, withIds: true });
    const second = await tb.debug.compute(t, { threads, withIds: true });
    expectRows(first, second);
    const fromRows = tb.debug.tableFromRows(Keyed, [
      { key: 2, name: "x", score: 0 },
      { key: 1, name: "y", score: 0 },
    ]);
    const expectedIds = await tb.debug.compute(fromRows, { threads, withIds: true });
    expectRows(
      first.map((r) => ({ id: r.id, key: r.key })),
      expectedIds.map((r) => ({ id: r.id, key: r.key })),
    );
    const rekeyed = await tb.debug.compute(t.withIdFrom(t.key), { threads, withIds: true });
    expectRows(rekeyed, first);
  });

  it("csv: the same key twice in one static file keeps the last row", async () => {
    const dir = tmpDir();
    const path = writeFile(
      join(dir, "k.csv"),
      "key,name,score\n1,alice,1.5\n2,bob,2.5\n1,alice,9.5\n",
    );
    const t = tb.io.csv.read(path, { schema: Keyed, mode: "static" });
    expectRows(await tb.debug.compute(t, { threads }), [
      { key: 1, name: "alice", score: 9.5 },
      { key: 2, name: "bob", score: 2.5 },
    ]);
  });

  it("csv: without a key, ids are distinct and stable across runs", async () => {
    const dir = tmpDir();
    const path = writeFile(join(dir, "p.csv"), "name,age,score\nalice,30,1.5\nalice,30,1.5\n");
    const t = tb.io.csv.read(path, { schema: People, mode: "static" });
    const first = await tb.debug.compute(t, { threads, withIds: true });
    const second = await tb.debug.compute(t, { threads, withIds: true });
    expect(new Set(first.map((r) => JSON.stringify(r.id))).size).toBe(2);
    expectRows(first, second);
  });

  it("csv: a static file is one commit", async () => {
    const dir = tmpDir();
    const path = writeFile(join(dir, "p.csv"), "name,age,score\nalice,30,1.5\nbob,25,2.5\n");
    const t = tb.io.csv.read(path, { schema: People, mode: "static" });
    const changes = await tb.debug.computeChanges(t, { threads });
    expect(changes).toHaveLength(2);
    expect(new Set(changes.map((c) => c.__time__)).size).toBe(1);
    for (const c of changes) expect(c.__diff__).toBe(1);
  });

  it("jsonlines: reads typed rows; missing and null optional fields are null", async () => {
    const S = tb.schema({
      name: tb.types.str,
      age: tb.types.int,
      score: tb.types.float,
      note: tb.types.str.optional(),
      tags: tb.types.json,
    });
    const dir = tmpDir();
    const path = writeFile(
      join(dir, "p.jsonl"),
      `${[
        JSON.stringify({ name: "alice", age: 30, score: 1.5, note: "hi", tags: { a: [1, 2] } }),
        JSON.stringify({ name: "bob", age: 25, score: 2.5, note: null, tags: ["x"] }),
        JSON.stringify({ name: "carol", age: 35, score: 0.5, tags: 7, extra: true }),
      ].join("\n")}\n`,
    );
    const t = tb.io.jsonlines.read(path, { schema: S, mode: "static" });
    expectRows(await tb.debug.compute(t, { threads }), [
      { name: "alice", age: 30, score: 1.5, note: "hi", tags: { a: [1, 2] } },
      { name: "bob", age: 25, score: 2.5, note: null, tags: ["x"] },
      { name: "carol", age: 35, score: 0.5, note: null, tags: 7 },
    ]);
    const r = t.select({ name: t.name, next: t.age.add(1), first: t.tags.get("a").get(0) });
    const rows = await tb.debug.compute(r.filter(tb.this.name.eq("alice")), { threads });
    expectRows(rows, [{ name: "alice", next: 31, first: 1 }]);
  });

  it("jsonlines: reads a directory; a primary key gives stable ids", async () => {
    const dir = tmpDir();
    writeFile(
      join(dir, "d", "1.jsonl"),
      `${JSON.stringify({ key: 1, name: "alice", score: 1.5 })}\n`,
    );
    writeFile(
      join(dir, "d", "2.jsonl"),
      `${JSON.stringify({ key: 2, name: "bob", score: 2.5 })}\n${JSON.stringify({ key: 3, name: "carol", score: 3.5 })}\n`,
    );
    const t = tb.io.jsonlines.read(join(dir, "d"), { schema: Keyed, mode: "static" });
    const rows = await tb.debug.compute(t, { threads, withIds: true });
    expectRows(
      rows.map(({ id: _id, ...rest }) => rest),
      [
        { key: 1, name: "alice", score: 1.5 },
        { key: 2, name: "bob", score: 2.5 },
        { key: 3, name: "carol", score: 3.5 },
      ],
    );
    const rekeyed = await tb.debug.compute(t.withIdFrom(t.key), { threads, withIds: true });
    expectRows(rekeyed, rows);
  });

  it("plaintext: one row per line, in a data column", async () => {
    const dir = tmpDir();
    const path = writeFile(join(dir, "lines.txt"), "first line\nsecond, with comma\n{not json}\n");
    const t = tb.io.plaintext.read(path, { mode: "static" });
    expectRows(await tb.debug.compute(t, { threads }), [
      { data: "first line" },
      { data: "second, with comma" },
      { data: "{not json}" },
    ]);
    const lens = t.select({ n: t.data.str.len() });
    expectRows(await tb.debug.compute(lens, { threads }), [{ n: 10 }, { n: 18 }, { n: 10 }]);
  });
  it("csv: CRLF line endings and a header-only file", async () => {
    const dir = tmpDir();
    const crlf = writeFile(
      join(dir, "crlf.csv"),
      "name,age,score\r\nalice,30,1.5\r\nbob,25,2.5\r\n",
    );
    const t = tb.io.csv.read(crlf, { schema: People, mode: "static" });
    expectRows(await tb.debug.compute(t, { threads }), [
      { name: "alice", age: 30, score: 1.5 },
      { name: "bob", age: 25, score: 2.5 },
    ]);
    const empty = writeFile(join(dir, "empty.csv"), "name,age,score\n");
    const e = tb.io.csv.read(empty, { schema: People, mode: "static" });
    expect(await tb.debug.compute(e, { threads })).toEqual([]);
  });

  it("csv: quoted fields may hold quotes and commas", async () => {
    const dir = tmpDir();
    const path = writeFile(join(dir, "q.csv"), 'name,age,score\n"say ""hi""",1,1.5\n"a,b",2,2.5\n');
    const t = tb.io.csv.read(path, { schema: People, mode: "static" });
    expectRows(await tb.debug.compute(t, { threads }), [
      { name: 'say "hi"', age: 1, score: 1.5 },
      { name: "a,b", age: 2, score: 2.5 },
    ]);
  });
  it("plaintext: reads every file of a directory; ids are stable across runs", async () => {
    const dir = tmpDir();
    writeFile(join(dir, "txt", "a.txt"), "one\ntwo\n");
    writeFile(join(dir, "txt", "b.txt"), "three\n");
    const t = tb.io.plaintext.read(join(dir, "txt"), { mode: "static" });
    expectRows(await tb.debug.compute(t, { threads }), [
      { data: "one" },
      { data: "two" },
      { data: "three" },
    ]);
    const first = await tb.debug.compute(t, { threads, withIds: true });
    const second = await tb.debug.compute(t, { threads, withIds: true });
    expect(new Set(first.map((r) => JSON.stringify(r.id))).size).toBe(3);
    expectRows(first, second);
  });
});
