/**
 * Expression semantics: numeric promotion, division, floor division and modulo toward minus
 * infinity, nulls, comparisons, boolean logic, laziness of and/or/ifElse/coalesce, null helpers
 * and casts.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { expectRows, isError, THREADS } from "../helpers.js";

describe.each(THREADS)("threads=%i", (threads) => {
  it("int op float gives float; int op int stays int", async () => {
    const t = tb.debug.tableFromMarkdown(`
      i | f
      1 | 0.5
      3 | 2.25
    `);
    const r = t.select({
      add: t.i.add(t.f),
      sub: t.i.sub(t.f),
      mul: t.i.mul(t.f),
      intAdd: t.i.add(2),
      intMul: t.i.mul(t.i),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { add: 1.5, sub: 0.5, mul: 0.5, intAdd: 3, intMul: 1 },
      { add: 5.25, sub: 0.75, mul: 6.75, intAdd: 5, intMul: 9 },
    ]);
    const s = t.select({ s: t.i.add(t.f).asString(), i: t.i.mul(2).asString() });
    const rows = await tb.debug.compute(s, { threads });
    expectRows(
      rows.map((r) => ({ i: r.i })),
      [{ i: "2" }, { i: "6" }],
    );
    expectRows(
      rows.map((r) => ({ s: Number(r.s) })),
      [{ s: 1.5 }, { s: 5.25 }],
    );
  });

  it("div always gives a float", async () => {
    const t = tb.debug.tableFromMarkdown(`
      a  | b
      7  | 2
      -7 | 2
      6  | 3
      1  | 4
    `);
    const r = t.select({ a: t.a, q: t.a.div(t.b) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { a: 7, q: 3.5 },
      { a: -7, q: -3.5 },
      { a: 6, q: 2 },
      { a: 1, q: 0.25 },
    ]);
  });

  it("floorDiv and mod round toward minus infinity (ints)", async () => {
    const t = tb.debug.tableFromMarkdown(`
      a  | b
      7  | 2
      -7 | 2
      7  | -2
      -7 | -2
      6  | 3
      0  | 5
    `);
    const r = t.select({ a: t.a, b: t.b, q: t.a.floorDiv(t.b), m: t.a.mod(t.b) });
    const rows = await tb.debug.compute(r, { threads });
    expectRows(rows, [
      { a: 7, b: 2, q: 3, m: 1 },
      { a: -7, b: 2, q: -4, m: 1 },
      { a: 7, b: -2, q: -4, m: -1 },
      { a: -7, b: -2, q: 3, m: -1 },
      { a: 6, b: 3, q: 2, m: 0 },
      { a: 0, b: 5, q: 0, m: 0 },
    ]);
    for (const row of rows) {
      const { a, b, q, m } = row as { a: number; b: number; q: number; m: number };
      expect(b * q + m).toBe(a);
    }
  });

  it("floorDiv and mod round toward minus infinity (floats)", async () => {
    const t = tb.debug.tableFromMarkdown(`
      a    | b
      7.5  | 2.0
      -7.5 | 2.0
      7.5  | -2.0
      -7.5 | -2.0
    `);
    const r = t.select({ a: t.a, q: t.a.floorDiv(t.b), m: t.a.mod(t.b) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { a: 7.5, q: 3, m: 1.5 },
      { a: -7.5, q: -4, m: 0.5 },
      { a: 7.5, q: -4, m: -0.5 },
      { a: -7.5, q: 3, m: -1.5 },
    ]);
  });

  it("pow and neg", async () => {
    const t = tb.debug.tableFromMarkdown(`
      a | f
      2 | 4.0
      3 | 9.0
    `);
    const r = t.select({ p: t.a.pow(10), r: t.f.pow(0.5), n: t.a.neg(), nf: t.f.neg() });
    expectRows(await tb.debug.compute(r, { threads }), [
      { p: 1024, r: 2, n: -2, nf: -4 },
      { p: 59049, r: 3, n: -3, nf: -9 },
    ]);
  });

  it("arithmetic with null gives null", async () => {
    const t = tb.debug.tableFromMarkdown(`
      a    | b
      1    | null
      null | 2
      null | null
      4    | 2
    `);
    const r = t.select({
      add: t.a.add(t.b),
      sub: t.a.sub(t.b),
      mul: t.a.mul(t.b),
      div: t.a.div(t.b),
      neg: t.a.neg(),
      plusOne: t.a.add(1),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { add: null, sub: null, mul: null, div: null, neg: -1, plusOne: 2 },
      { add: null, sub: null, mul: null, div: null, neg: null, plusOne: null },
      { add: null, sub: null, mul: null, div: null, neg: null, plusOne: null },
      { add: 6, sub: 2, mul: 8, div: 2, neg: -4, plusOne: 5 },
    ]);
  });

  it("eq and ne treat null as a value", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | a    | b
      1 | null | null
      2 | 1    | null
      3 | 1    | 1
      4 | 1    | 2
    `);
    const r = t.select({ k: t.k, eq: t.a.eq(t.b), ne: t.a.ne(t.b), isNullEq: t.a.eq(null) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, eq: true, ne: false, isNullEq: true },
      { k: 2, eq: false, ne: true, isNullEq: false },
      { k: 3, eq: true, ne: false, isNullEq: false },
      { k: 4, eq: false, ne: true, isNullEq: false },
    ]);
  });

  it("comparisons, including int against float and strings", async () => {
    const t = tb.debug.tableFromMarkdown(`
      i | f   | s
      2 | 2.5 | apple
      3 | 3.0 | pear
      4 | 3.5 | fig
    `);
    const r = t.select({
      i: t.i,
      lt: t.i.lt(t.f),
      le: t.i.le(t.f),
      gt: t.i.gt(t.f),
      ge: t.i.ge(t.f),
      eqf: t.i.eq(t.f),
      sLt: t.s.lt("banana"),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { i: 2, lt: true, le: true, gt: false, ge: false, eqf: false, sLt: true },
      { i: 3, lt: false, le: true, gt: false, ge: true, eqf: true, sLt: false },
      { i: 4, lt: false, le: false, gt: true, ge: true, eqf: false, sLt: false },
    ]);
  });

  it("and, or, not", async () => {
    const t = tb.debug.tableFromMarkdown(`
      a     | b
      true  | true
      true  | false
      false | true
      false | false
    `);
    const r = t.select({ a: t.a, b: t.b, and: t.a.and(t.b), or: t.a.or(t.b), not: t.a.not() });
    expectRows(await tb.debug.compute(r, { threads }), [
      { a: true, b: true, and: true, or: true, not: false },
      { a: true, b: false, and: false, or: true, not: false },
      { a: false, b: true, and: false, or: true, not: true },
      { a: false, b: false, and: false, or: false, not: true },
    ]);
  });

  it("ifElse, and, or and coalesce evaluate only what they need", async () => {
    const t = tb.debug.tableFromMarkdown(`
      a | b | x
      6 | 3 | 1
      5 | 0 | 2
    `);
    const r = t.select({
      a: t.a,
      safe: tb.ifElse(t.b.eq(0), 0, t.a.div(t.b)),
      andLazy: t.b.ne(0).and(t.a.div(t.b).gt(1)),
      orLazy: t.b.eq(0).or(t.a.div(t.b).gt(100)),
      coalesceLazy: tb.coalesce(t.x, t.a.div(t.b)),
    });
    const rows = await tb.debug.compute(r, { threads });
    for (const row of rows) {
      for (const v of Object.values(row)) expect(isError(v)).toBe(false);
    }
    expectRows(rows, [
      { a: 6, safe: 2, andLazy: true, orLazy: false, coalesceLazy: 1 },
      { a: 5, safe: 0, andLazy: false, orLazy: true, coalesceLazy: 2 },
    ]);
  });

  it("ifElse picks a branch per row", async () => {
    const t = tb.debug.tableFromMarkdown(`
      v
      -2
      0
      3
    `);
    const r = t.select({
      v: t.v,
      sign: tb.ifElse(t.v.gt(0), "pos", tb.ifElse(t.v.lt(0), "neg", "zero")),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { v: -2, sign: "neg" },
      { v: 0, sign: "zero" },
      { v: 3, sign: "pos" },
    ]);
  });

  it("isNull, isNotNull, fillNull and coalesce", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | a    | b
      1 | null | null
      2 | 5    | null
      3 | null | 7
    `);
    const r = t.select({
      k: t.k,
      isNull: t.a.isNull(),
      isNotNull: t.a.isNotNull(),
      filled: t.a.fillNull(-1),
      first: tb.coalesce(t.a, t.b, 0),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, isNull: true, isNotNull: false, filled: -1, first: 0 },
      { k: 2, isNull: false, isNotNull: true, filled: 5, first: 5 },
      { k: 3, isNull: true, isNotNull: false, filled: -1, first: 7 },
    ]);
  });

  it("cast between numbers and booleans", async () => {
    const t = tb.debug.tableFromMarkdown(`
      i | f    | b
      3 | 3.7  | true
      0 | -3.7 | false
    `);
    const r = t.select({
      i: t.i,
      iToF: t.i.cast(tb.types.float).div(2),
      fToI: t.f.cast(tb.types.int),
      bToI: t.b.cast(tb.types.int),
      iToB: t.i.cast(tb.types.bool),
      iToS: t.i.cast(tb.types.str),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { i: 3, iToF: 1.5, fToI: 3, bToI: 1, iToB: true, iToS: "3" },
      { i: 0, iToF: 0, fToI: -3, bToI: 0, iToB: false, iToS: "0" },
    ]);
  });

  it("tb.lit, tb.makeTuple, tb.unwrap and tb.require", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | a    | b
      1 | 10   | x
      2 | null | y
    `);
    const r = t.select({
      k: t.k,
      lit: tb.lit(42),
      tup: tb.makeTuple(t.k, t.b, tb.lit(true)),
      req: tb.require(t.b, t.a),
      req2: tb.require(t.k.mul(2), t.b),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, lit: 42, tup: [1, "x", true], req: "x", req2: 2 },
      { k: 2, lit: 42, tup: [2, "y", true], req: null, req2: 4 },
    ]);
    const u = t.filter(t.a.isNotNull()).select({ a: tb.unwrap(t.a).add(1) });
    expectRows(await tb.debug.compute(u, { threads }), [{ a: 11 }]);
  });

  it("get on tuples and JSON", async () => {
    const S = tb.schema({ k: tb.types.int, j: tb.types.json });
    const t = tb.debug.tableFromRows(S, [
      { k: 1, j: { name: "a", tags: ["x", "y"], n: 3 } },
      { k: 2, j: { name: "b", tags: ["z"], n: 4 } },
    ]);
    const r = t.select({
      k: t.k,
      name: t.j.get("name"),
      firstTag: t.j.get("tags").get(0),
      n: t.j.get("n"),
      second: tb.makeTuple(t.k, tb.lit("s")).get(1),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, name: "a", firstTag: "x", n: 3, second: "s" },
      { k: 2, name: "b", firstTag: "z", n: 4, second: "s" },
    ]);
  });
  it("cast and fillNull keep nulls apart from values", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | a
      1 | 3
      2 | null
    `);
    const r = t.select({ k: t.k, f: t.a.cast(tb.types.float), s: t.a.fillNull(0).mul(2) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, f: 3, s: 6 },
      { k: 2, f: null, s: 0 },
    ]);
  });
});
