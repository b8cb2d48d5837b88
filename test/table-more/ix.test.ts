/**
 * ix and ixRef: rows fetched by pointer, with the pointer-holding table's ids, used in that
 * table's select; optional lookups, missing targets, targets arriving and leaving over time.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, errorLogOf, expectChanges, expectRows, THREADS } from "../helpers.js";

const names = () =>
  tb.debug.tableFromMarkdown(`
    id | name  | __time__ | __diff__
    1  | one   | 2        | 1
    2  | two   | 2        | 1
    3  | three | 6        | 1
    1  | one   | 10       | -1
    1  | uno   | 10       | 1
  `);

const refs = () =>
  tb.debug.tableFromMarkdown(`
    ref | __time__ | __diff__
    1   | 2        | 1
    3   | 4        | 1
    2   | 8        | 1
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("optional ix gives null until the target arrives and follows its updates", async () => {
    const t = names();
    const u = refs();
    const r = t.ix(t.pointerFrom(u.ref), { optional: true });
    const out = u.select({ ref: u.ref, name: r.name });
    expectChanges(await tb.debug.computeChanges(out, { threads }), [
      change({ ref: 1, name: "one" }, 2, 1),
      change({ ref: 3, name: null }, 4, 1),
      change({ ref: 3, name: null }, 6, -1),
      change({ ref: 3, name: "three" }, 6, 1),
      change({ ref: 2, name: "two" }, 8, 1),
      change({ ref: 1, name: "one" }, 10, -1),
      change({ ref: 1, name: "uno" }, 10, 1),
    ]);
    expect(r.dtypes().name).toEqual({ Optional: "Str" });
  });

  it("the ix result has the ids of the pointer-holding table", async () => {
    const t = names();
    const u = refs();
    const r = t.ix(t.pointerFrom(u.ref), { optional: true });
    const ids = (await tb.debug.compute(r, { threads, withIds: true })).map((x) => x.id);
    const uIds = (await tb.debug.compute(u, { threads, withIds: true })).map((x) => x.id);
    expect([...ids].sort()).toEqual([...uIds].sort());
  });

  it("a missing target without optional is an error value and a log entry", async () => {
    const t = names();
    const u = refs();
    const out = u.select({ ref: u.ref, name: t.ix(t.pointerFrom(u.ref)).name });
    expectChanges(await tb.debug.computeChanges(out, { threads }), [
      change({ ref: 1, name: "one" }, 2, 1),
      change({ ref: 3, name: tb.ErrorValue }, 4, 1),
      change({ ref: 3, name: tb.ErrorValue }, 6, -1),
      change({ ref: 3, name: "three" }, 6, 1),
      change({ ref: 2, name: "two" }, 8, 1),
      change({ ref: 1, name: "one" }, 10, -1),
      change({ ref: 1, name: "uno" }, 10, 1),
    ]);
    const log = await errorLogOf([out], threads);
    // Logged once, for ref 3 while its target is missing; never for rows that are found.
    const entries = log.filter((e) => e.operator === "ix");
    expect(entries).toHaveLength(1);
    expect(String(entries[0]!.message)).toContain("not in the table");
  });

  it("ix on the table's own pointer column (parent lookups)", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | name | parent
      1  | root | null
      2  | kid  | 1
      3  | leaf | 2
    `);
    const withPtr = t.select({
      name: t.name,
      up: tb.ifElse(t.parent.isNull(), null, t.pointerFrom(t.parent)),
    });
    const parent = withPtr.ix(withPtr.up, { optional: true });
    const out = withPtr.select({ name: withPtr.name, parentName: parent.name });
    expectRows(await tb.debug.compute(out, { threads }), [
      { name: "root", parentName: null },
      { name: "kid", parentName: "root" },
      { name: "leaf", parentName: "kid" },
    ]);
  });

  it("ixRef looks rows up by the values their ids derive from", async () => {
    const scores = tb.debug.tableFromMarkdown(`
      who   | score | __time__ | __diff__
      alice | 1     | 2        | 1
      bob   | 2     | 2        | 1
      bob   | 2     | 6        | -1
      bob   | 5     | 6        | 1
    `);
    const keyed = scores.withIdFrom(scores.who);
    const q = tb.debug.tableFromMarkdown(`
      asker | __time__
      bob   | 4
      alice | 4
      bob   | 8
    `);
    const out = q.select({ asker: q.asker, score: keyed.ixRef(q.asker).score });
    expectChanges(await tb.debug.computeChanges(out, { threads }), [
      change({ asker: "bob", score: 2 }, 4, 1),
      change({ asker: "alice", score: 1 }, 4, 1),
      change({ asker: "bob", score: 2 }, 6, -1),
      change({ asker: "bob", score: 5 }, 6, 1),
      change({ asker: "bob", score: 5 }, 8, 1),
    ]);
  });

  it("a filter may use the columns of an ix result of the same table", async () => {
    const t = names();
    const u = refs();
    const r = t.ix(t.pointerFrom(u.ref), { optional: true });
    const known = u.filter(r.name.isNotNull());
    expectChanges(await tb.debug.computeChanges(known, { threads }), [
      change({ ref: 1 }, 2, 1),
      change({ ref: 3 }, 6, 1),
      change({ ref: 2 }, 8, 1),
    ]);
    const ids = await tb.debug.compute(u, { threads, withIds: true });
    expectRows(await tb.debug.compute(known, { threads, withIds: true }), ids);
  });

  it("ix with a non-pointer expression is a build error", () => {
    const t = names();
    const u = refs();
    expect(() => t.ix(u.ref)).toThrow(tb.TributaryError);
    expect(() => t.ix(u.ref)).toThrow(/expected a pointer expression/);
    expect(() => t.ixRef()).toThrow(/give at least one value/);
  });
});
