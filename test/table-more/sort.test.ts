/**
 * sort: prev/next pointers per instance, kept correct under insertions, deletions and key
 * updates; a randomized comparison with a from-scratch sort.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { type AnyRow, change, expectChanges, expectRows, THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("prev/next per instance follow insertions and deletions", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | k | g | __time__ | __diff__
      1  | 5 | a | 2        | 1
      2  | 3 | a | 2        | 1
      4  | 1 | b | 2        | 1
      3  | 9 | a | 4        | 1
      2  | 3 | a | 6        | -1
    `);
    const ids = await tb.debug.computeChanges(t, { threads, withIds: true });
    const p = (k: number) => ids.find((c) => c.k === k)!.id;
    const r = t.sort({ key: t.k, instance: t.g });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ k: 3, g: "a", prev: null, next: p(5) }, 2, 1),
      change({ k: 5, g: "a", prev: p(3), next: null }, 2, 1),
      change({ k: 1, g: "b", prev: null, next: null }, 2, 1),
      change({ k: 5, g: "a", prev: p(3), next: null }, 4, -1),
      change({ k: 5, g: "a", prev: p(3), next: p(9) }, 4, 1),
      change({ k: 9, g: "a", prev: p(5), next: null }, 4, 1),
      change({ k: 3, g: "a", prev: null, next: p(5) }, 6, -1),
      change({ k: 5, g: "a", prev: p(3), next: p(9) }, 6, -1),
      change({ k: 5, g: "a", prev: null, next: p(9) }, 6, 1),
    ]);
  });

  it("a key update moves the row; without instance all rows form one order", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | k | __time__ | __diff__
      1  | 1 | 2        | 1
      2  | 2 | 2        | 1
      3  | 3 | 2        | 1
      1  | 1 | 4        | -1
      1  | 4 | 4        | 1
    `);
    const ids = await tb.debug.compute(t.select({ k: t.k }), { threads, withIds: true });
    const byK = (k: number) => ids.find((x) => x.k === k)!.id;
    const r = t.sort({ key: t.k });
    // Ids of rows 2 and 3 never change; row 1 now has k = 4.
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 2, prev: null, next: byK(3) },
      { k: 3, prev: byK(2), next: byK(4) },
      { k: 4, prev: byK(3), next: null },
    ]);
    // The result keeps the table's ids, so its columns mix with the table's.
    const mixed = t.select({ k: t.k, hasNext: r.next.isNotNull() });
    expectRows(await tb.debug.compute(mixed, { threads }), [
      { k: 2, hasNext: true },
      { k: 3, hasNext: true },
      { k: 4, hasNext: false },
    ]);
  });

  it("ties in the key are ordered by row id", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | k
      1  | 7
      2  | 7
    `);
    const rows = await tb.debug.compute(t.sort({ key: t.k }), { threads, withIds: true });
    const [a, b] = [...rows].sort((x, y) => (String(x.id) < String(y.id) ? -1 : 1));
    expect(a!.prev).toBeNull();
    expect(a!.next).toBe(b!.id);
    expect(b!.prev).toBe(a!.id);
    expect(b!.next).toBeNull();
  });

  it("matches a from-scratch sort after random insertions and deletions", async () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const live = new Map<number, { k: number; g: string }>();
    const lines: string[] = [];
    let nextId = 1;
    for (let time = 2; time <= 40; time += 2) {
      for (let j = 0; j < 3; j++) {
        if (live.size > 0 && rand(3) === 0) {
          const ids = [...live.keys()];
          const id = ids[rand(ids.length)]!;
          const row = live.get(id)!;
          lines.push(`${id} | ${row.k} | ${row.g} | ${time} | -1`);
          live.delete(id);
        } else {
          const row = { k: rand(10), g: rand(2) === 0 ? "a" : "b" };
          lines.push(`${nextId} | ${row.k} | ${row.g} | ${time} | 1`);
          live.set(nextId++, row);
        }
      }
    }
    const t = tb.debug.tableFromMarkdown(`id | k | g | __time__ | __diff__\n${lines.join("\n")}`);
    const r = t.sort({ key: t.k, instance: t.g });
    const got = await tb.debug.compute(r, { threads, withIds: true });
    // From scratch: order by (k, id) within each g.
    const rows = got.map((x) => ({ id: String(x.id), k: x.k as number, g: x.g as string }));
    const expected: AnyRow[] = [];
    for (const g of ["a", "b"]) {
      const members = rows
        .filter((x) => x.g === g)
        .sort((x, y) => x.k - y.k || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
      members.forEach((m, i) => {
        expected.push({
          id: m.id,
          k: m.k,
          g,
          prev: i > 0 ? members[i - 1]!.id : null,
          next: i + 1 < members.length ? members[i + 1]!.id : null,
        });
      });
    }
    expect(got).toHaveLength(live.size);
    expectRows(got, expected);
  });

  it("sort on a table that already has a prev column is a build error", () => {
    const t = tb.debug.tableFromMarkdown(`
      prev | k
      1    | 2
    `);
    expect(() => t.sort({ key: t.k })).toThrow(/already has a column "prev"/);
  });
});
