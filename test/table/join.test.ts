/**
 * join, joinLeft, joinRight, joinOuter: one and several conditions, cross joins, result ids,
 * unmatched rows appearing and disappearing over time, and operations on a join result.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { change, expectChanges, expectRows, THREADS } from "../helpers.js";

const people = () =>
  tb.debug.tableFromMarkdown(`
    name  | city
    alice | paris
    bob   | rome
    carol | oslo
  `);

const cities = () =>
  tb.debug.tableFromMarkdown(`
    city   | country
    paris  | fr
    rome   | it
    rome   | va
    berlin | de
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("inner join on one condition, with duplicates on the right", async () => {
    const t = people();
    const u = cities();
    const r = t
      .join(u, t.city.eq(u.city))
      .select({ name: tb.left.name, country: tb.right.country });
    expectRows(await tb.debug.compute(r, { threads }), [
      { name: "alice", country: "fr" },
      { name: "bob", country: "it" },
      { name: "bob", country: "va" },
    ]);
  });

  it("conditions may be written with tb.left and tb.right; table columns select too", async () => {
    const t = people();
    const u = cities();
    const r = t
      .join(u, tb.left.city.eq(tb.right.city))
      .select({ name: t.name, city: tb.left.city, country: u.country });
    expectRows(await tb.debug.compute(r, { threads }), [
      { name: "alice", city: "paris", country: "fr" },
      { name: "bob", city: "rome", country: "it" },
      { name: "bob", city: "rome", country: "va" },
    ]);
  });

  it("joinLeft keeps unmatched left rows with nulls", async () => {
    const t = people();
    const u = cities();
    const r = t
      .joinLeft(u, t.city.eq(u.city))
      .select({ name: tb.left.name, country: tb.right.country });
    expectRows(await tb.debug.compute(r, { threads }), [
      { name: "alice", country: "fr" },
      { name: "bob", country: "it" },
      { name: "bob", country: "va" },
      { name: "carol", country: null },
    ]);
  });

  it("joinRight keeps unmatched right rows with nulls", async () => {
    const t = people();
    const u = cities();
    const r = t
      .joinRight(u, t.city.eq(u.city))
      .select({ name: tb.left.name, country: tb.right.country });
    expectRows(await tb.debug.compute(r, { threads }), [
      { name: "alice", country: "fr" },
      { name: "bob", country: "it" },
      { name: "bob", country: "va" },
      { name: null, country: "de" },
    ]);
  });

  it("joinOuter keeps unmatched rows of both sides", async () => {
    const t = people();
    const u = cities();
    const r = t.joinOuter(u, t.city.eq(u.city)).select({
      name: tb.left.name,
      lc: tb.left.city,
      rc: tb.right.city,
      country: tb.right.country,
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { name: "alice", lc: "paris", rc: "paris", country: "fr" },
      { name: "bob", lc: "rome", rc: "rome", country: "it" },
      { name: "bob", lc: "rome", rc: "rome", country: "va" },
      { name: "carol", lc: "oslo", rc: null, country: null },
      { name: null, lc: null, rc: "berlin", country: "de" },
    ]);
  });

  it("several conditions must all hold", async () => {
    const t = tb.debug.tableFromMarkdown(`
      a | b | x
      1 | 1 | p
      1 | 2 | q
      2 | 1 | r
    `);
    const u = tb.debug.tableFromMarkdown(`
      a | b | y
      1 | 1 | P
      1 | 2 | Q
      2 | 2 | S
    `);
    const inner = t.join(u, t.a.eq(u.a), t.b.eq(u.b)).select({ x: tb.left.x, y: tb.right.y });
    expectRows(await tb.debug.compute(inner, { threads }), [
      { x: "p", y: "P" },
      { x: "q", y: "Q" },
    ]);
    const outer = t.joinOuter(u, t.a.eq(u.a), t.b.eq(u.b)).select({ x: tb.left.x, y: tb.right.y });
    expectRows(await tb.debug.compute(outer, { threads }), [
      { x: "p", y: "P" },
      { x: "q", y: "Q" },
      { x: "r", y: null },
      { x: null, y: "S" },
    ]);
  });

  it("a join without conditions is a cross join", async () => {
    const t = tb.debug.tableFromMarkdown(`
      x
      1
      2
    `);
    const u = tb.debug.tableFromMarkdown(`
      y
      a
      b
      c
    `);
    const r = t.join(u).select({ x: tb.left.x, y: tb.right.y });
    expectRows(await tb.debug.compute(r, { threads }), [
      { x: 1, y: "a" },
      { x: 1, y: "b" },
      { x: 1, y: "c" },
      { x: 2, y: "a" },
      { x: 2, y: "b" },
      { x: 2, y: "c" },
    ]);
  });

  it("expressions over both sides in the result", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | price
      1 | 10
      2 | 20
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | qty
      1 | 3
      2 | 5
    `);
    const r = t
      .join(u, t.k.eq(u.k))
      .select({ k: tb.left.k, total: tb.left.price.mul(tb.right.qty) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, total: 30 },
      { k: 2, total: 100 },
    ]);
  });

  it("{ id: tb.left.id } gives result rows the left rows' ids", async () => {
    const t = people();
    const u = tb.debug.tableFromMarkdown(`
      city  | country
      paris | fr
      rome  | it
      oslo  | no
    `);
    const left = await tb.debug.compute(t, { threads, withIds: true });
    const r = t
      .join(u, t.city.eq(u.city), { id: tb.left.id })
      .select({ name: tb.left.name, country: tb.right.country });
    const rows = await tb.debug.compute(r, { threads, withIds: true });
    expectRows(
      rows.map((row) => ({ id: row.id, name: row.name })),
      left.map((row) => ({ id: row.id, name: row.name })),
    );
    const v = tb.debug.tableFromMarkdown(`
      city  | country
      paris | fr
      rome  | it
    `);
    const lj = t
      .joinLeft(v, t.city.eq(tb.right.city), { id: tb.left.id })
      .select({ name: tb.left.name, country: tb.right.country });
    const ljRows = await tb.debug.compute(lj, { threads, withIds: true });
    const countryOf: Record<string, string | null> = { alice: "fr", bob: "it", carol: null };
    expectRows(
      ljRows,
      left.map((row) => ({ id: row.id, name: row.name, country: countryOf[row.name as string] })),
    );
  });

  it("default join ids are distinct per pair and stable across runs", async () => {
    const t = people();
    const u = cities();
    const r = t
      .join(u, t.city.eq(u.city))
      .select({ name: tb.left.name, country: tb.right.country });
    const first = await tb.debug.compute(r, { threads, withIds: true });
    const second = await tb.debug.compute(r, { threads, withIds: true });
    expect(new Set(first.map((row) => JSON.stringify(row.id))).size).toBe(3);
    expectRows(first, second);
  });

  it("joinLeft over time: null row replaced when a match arrives, restored when it leaves", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | a | __time__ | __diff__
      1 | x | 2        | 1
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | b | __time__ | __diff__
      1 | y | 4        | 1
      1 | y | 6        | -1
    `);
    const r = t.joinLeft(u, t.k.eq(u.k)).select({ a: tb.left.a, b: tb.right.b });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ a: "x", b: null }, 2, 1),
      change({ a: "x", b: null }, 4, -1),
      change({ a: "x", b: "y" }, 4, 1),
      change({ a: "x", b: "y" }, 6, -1),
      change({ a: "x", b: null }, 6, 1),
    ]);
  });

  it("joinOuter over time: unmatched rows of both sides appear and disappear", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | a | __time__ | __diff__
      1 | x | 2        | 1
      2 | w | 8        | 1
      1 | x | 10       | -1
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | b | __time__ | __diff__
      2 | z | 2        | 1
      1 | y | 4        | 1
      1 | v | 6        | 1
    `);
    const r = t.joinOuter(u, t.k.eq(u.k)).select({ a: tb.left.a, b: tb.right.b });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ a: "x", b: null }, 2, 1),
      change({ a: null, b: "z" }, 2, 1),
      change({ a: "x", b: null }, 4, -1),
      change({ a: "x", b: "y" }, 4, 1),
      change({ a: "x", b: "v" }, 6, 1),
      change({ a: null, b: "z" }, 8, -1),
      change({ a: "w", b: "z" }, 8, 1),
      change({ a: "x", b: "y" }, 10, -1),
      change({ a: "x", b: "v" }, 10, -1),
      change({ a: null, b: "y" }, 10, 1),
      change({ a: null, b: "v" }, 10, 1),
    ]);
    expectRows(await tb.debug.compute(r, { threads }), [
      { a: "w", b: "z" },
      { a: null, b: "y" },
      { a: null, b: "v" },
    ]);
  });

  it("joinRight over time", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | a | __time__ | __diff__
      1 | x | 4        | 1
      1 | x | 6        | -1
      1 | x2 | 6       | 1
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | b | __time__ | __diff__
      1 | y | 2        | 1
    `);
    const r = t.joinRight(u, t.k.eq(u.k)).select({ a: tb.left.a, b: tb.right.b });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ a: null, b: "y" }, 2, 1),
      change({ a: null, b: "y" }, 4, -1),
      change({ a: "x", b: "y" }, 4, 1),
      change({ a: "x", b: "y" }, 6, -1),
      change({ a: "x2", b: "y" }, 6, 1),
    ]);
  });

  it("inner join over time", async () => {
    const t = tb.debug.tableFromMarkdown(`
      id | k | a | __time__ | __diff__
      1  | 1 | x | 2        | 1
      1  | 1 | x | 4        | -1
      1  | 2 | x | 4        | 1
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | b | __time__ | __diff__
      1 | p | 2        | 1
      2 | q | 2        | 1
    `);
    const r = t.join(u, t.k.eq(u.k)).select({ a: tb.left.a, b: tb.right.b });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ a: "x", b: "p" }, 2, 1),
      change({ a: "x", b: "p" }, 4, -1),
      change({ a: "x", b: "q" }, 4, 1),
    ]);
  });

  it("a join result can be filtered", async () => {
    const t = people();
    const u = cities();
    const r = t
      .join(u, t.city.eq(u.city))
      .filter(tb.right.country.ne("va"))
      .select({ name: tb.left.name, country: tb.right.country });
    expectRows(await tb.debug.compute(r, { threads }), [
      { name: "alice", country: "fr" },
      { name: "bob", country: "it" },
    ]);
  });

  it("a join result can be grouped and reduced", async () => {
    const orders = tb.debug.tableFromMarkdown(`
      customer | amount
      alice    | 10
      alice    | 5
      bob      | 7
      dave     | 1
    `);
    const customers = tb.debug.tableFromMarkdown(`
      name  | region
      alice | north
      bob   | south
      carol | north
    `);
    const byRegion = orders
      .join(customers, orders.customer.eq(customers.name))
      .groupBy(tb.right.region)
      .reduce({
        region: tb.right.region,
        total: tb.reducers.sum(tb.left.amount),
        n: tb.reducers.count(),
      });
    expectRows(await tb.debug.compute(byRegion, { threads }), [
      { region: "north", total: 15, n: 2 },
      { region: "south", total: 7, n: 1 },
    ]);
    const whole = orders
      .join(customers, orders.customer.eq(customers.name))
      .reduce({ total: tb.reducers.sum(tb.left.amount), n: tb.reducers.count() });
    expectRows(await tb.debug.compute(whole, { threads }), [{ total: 22, n: 3 }]);
  });

  it("a grouped join result follows changes on both sides", async () => {
    const orders = tb.debug.tableFromMarkdown(`
      customer | amount | __time__ | __diff__
      alice    | 10     | 2        | 1
      bob      | 7      | 4        | 1
    `);
    const customers = tb.debug.tableFromMarkdown(`
      id | name  | region | __time__ | __diff__
      1  | alice | north  | 2        | 1
      2  | bob   | north  | 2        | 1
      2  | bob   | north  | 6        | -1
      2  | bob   | south  | 6        | 1
    `);
    const r = orders
      .join(customers, orders.customer.eq(customers.name))
      .groupBy(tb.right.region)
      .reduce({ region: tb.right.region, total: tb.reducers.sum(tb.left.amount) });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ region: "north", total: 10 }, 2, 1),
      change({ region: "north", total: 10 }, 4, -1),
      change({ region: "north", total: 17 }, 4, 1),
      change({ region: "north", total: 17 }, 6, -1),
      change({ region: "north", total: 10 }, 6, 1),
      change({ region: "south", total: 7 }, 6, 1),
    ]);
  });
  it("positional select on a join result keeps the column names", async () => {
    const t = people();
    const u = cities();
    const r = t.join(u, t.city.eq(u.city)).select(tb.left.name, tb.right.country);
    expectRows(await tb.debug.compute(r, { threads }), [
      { name: "alice", country: "fr" },
      { name: "bob", country: "it" },
      { name: "bob", country: "va" },
    ]);
  });

  it("a cross join over time", async () => {
    const t = tb.debug.tableFromMarkdown(`
      x | __time__ | __diff__
      1 | 2        | 1
      2 | 4        | 1
    `);
    const u = tb.debug.tableFromMarkdown(`
      y | __time__ | __diff__
      a | 2        | 1
      a | 6        | -1
    `);
    const r = t.join(u).select({ x: tb.left.x, y: tb.right.y });
    expectChanges(await tb.debug.computeChanges(r, { threads }), [
      change({ x: 1, y: "a" }, 2, 1),
      change({ x: 2, y: "a" }, 4, 1),
      change({ x: 1, y: "a" }, 6, -1),
      change({ x: 2, y: "a" }, 6, -1),
    ]);
  });
  it("{ id: tb.right.id } gives result rows the right rows' ids", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | a
      1 | x
      2 | y
    `);
    const u = tb.debug.tableFromMarkdown(`
      k | b
      2 | q
      1 | p
      3 | r
    `);
    const right = await tb.debug.compute(u, { threads, withIds: true });
    const r = t
      .joinRight(u, t.k.eq(u.k), { id: tb.right.id })
      .select({ a: tb.left.a, b: tb.right.b });
    const rows = await tb.debug.compute(r, { threads, withIds: true });
    const aOf: Record<string, string | null> = { p: "x", q: "y", r: null };
    expectRows(
      rows,
      right.map((row) => ({ id: row.id, a: aOf[row.b as string], b: row.b })),
    );
  });
});
