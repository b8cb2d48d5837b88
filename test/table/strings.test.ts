/**
 * String (`str.*`), number (`num.*`) and `asString` functions.
 */

import * as tb from "tributary";
import { describe, it } from "vitest";
import { expectRows, THREADS } from "../helpers.js";

const Words = tb.schema({ k: tb.types.int, s: tb.types.str });

describe.each(THREADS)("threads=%i", (threads) => {
  it("lower, upper and len (in characters)", async () => {
    const t = tb.debug.tableFromRows(Words, [
      { k: 1, s: "Alice" },
      { k: 2, s: "héllo" },
      { k: 3, s: "" },
    ]);
    const r = t.select({ k: t.k, lo: t.s.str.lower(), up: t.s.str.upper(), n: t.s.str.len() });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, lo: "alice", up: "ALICE", n: 5 },
      { k: 2, lo: "héllo", up: "HÉLLO", n: 5 },
      { k: 3, lo: "", up: "", n: 0 },
    ]);
  });

  it("contains, startsWith, endsWith", async () => {
    const t = tb.debug.tableFromRows(Words, [
      { k: 1, s: "banana" },
      { k: 2, s: "cherry" },
    ]);
    const r = t.select({
      k: t.k,
      c: t.s.str.contains("nan"),
      sw: t.s.str.startsWith("ch"),
      ew: t.s.str.endsWith("na"),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, c: true, sw: false, ew: true },
      { k: 2, c: false, sw: true, ew: false },
    ]);
  });

  it("replace replaces every occurrence", async () => {
    const t = tb.debug.tableFromRows(Words, [
      { k: 1, s: "banana" },
      { k: 2, s: "kiwi" },
    ]);
    const r = t.select({ k: t.k, r: t.s.str.replace("a", "o") });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, r: "bonono" },
      { k: 2, r: "kiwi" },
    ]);
  });

  it("slice takes characters [start, end)", async () => {
    const t = tb.debug.tableFromRows(Words, [
      { k: 1, s: "hello" },
      { k: 2, s: "añbcd" },
    ]);
    const r = t.select({ k: t.k, r: t.s.str.slice(1, 3) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, r: "el" },
      { k: 2, r: "ñb" },
    ]);
  });

  it("split gives the parts; strip trims whitespace", async () => {
    const t = tb.debug.tableFromRows(Words, [
      { k: 1, s: "a,b,,c" },
      { k: 2, s: "  padded \t" },
    ]);
    const r = t.select({ k: t.k, parts: t.s.str.split(","), stripped: t.s.str.strip() });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, parts: ["a", "b", "", "c"], stripped: "a,b,,c" },
      { k: 2, parts: ["  padded \t"], stripped: "padded" },
    ]);
    const second = t.filter(t.k.eq(1)).select({ p: t.s.str.split(",").get(1) });
    expectRows(await tb.debug.compute(second, { threads }), [{ p: "b" }]);
  });

  it("parseInt and parseFloat", async () => {
    const t = tb.debug.tableFromRows(Words, [
      { k: 1, s: "42" },
      { k: 2, s: "-7" },
    ]);
    const r = t.select({ k: t.k, i: t.s.str.parseInt().add(1), f: t.s.str.parseFloat().div(4) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, i: 43, f: 10.5 },
      { k: 2, i: -6, f: -1.75 },
    ]);
  });

  it("concat joins strings", async () => {
    const S = tb.schema({ first: tb.types.str, last: tb.types.str });
    const t = tb.debug.tableFromRows(S, [
      { first: "Ada", last: "Lovelace" },
      { first: "Alan", last: "Turing" },
    ]);
    const r = t.select({ full: t.first.str.concat(" ", t.last) });
    expectRows(await tb.debug.compute(r, { threads }), [
      { full: "Ada Lovelace" },
      { full: "Alan Turing" },
    ]);
  });

  it("num.abs, num.round, num.floor, num.ceil", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | f     | i
      1 | 2.7   | -3
      2 | -2.3  | 4
      3 | 3.14259 | 0
    `);
    const r = t.select({
      k: t.k,
      absF: t.f.num.abs(),
      absI: t.i.num.abs(),
      round: t.f.num.round(),
      floor: t.f.num.floor(),
      ceil: t.f.num.ceil(),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, absF: 2.7, absI: 3, round: 3, floor: 2, ceil: 3 },
      { k: 2, absF: 2.3, absI: 4, round: -2, floor: -3, ceil: -2 },
      { k: 3, absF: 3.14259, absI: 0, round: 3, floor: 3, ceil: 4 },
    ]);
    const twoDigits = t.filter(t.k.eq(3)).select({ r: t.f.num.round(2) });
    expectRows(await tb.debug.compute(twoDigits, { threads }), [{ r: 3.14 }]);
  });

  it("asString renders values as strings", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | i   | f   | s
      1 | 42  | 2.5 | hi
      2 | -7  | 0.25 | yo
    `);
    const r = t.select({ k: t.k, i: t.i.asString(), f: t.f.asString(), s: t.s.asString() });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, i: "42", f: "2.5", s: "hi" },
      { k: 2, i: "-7", f: "0.25", s: "yo" },
    ]);
    const joined = t.select({ j: t.s.str.concat("-", t.i.asString()) });
    expectRows(await tb.debug.compute(joined, { threads }), [{ j: "hi-42" }, { j: "yo--7" }]);
  });
  it("slice with negative indices counts from the end; split without separator splits on whitespace", async () => {
    const t = tb.debug.tableFromRows(Words, [
      { k: 1, s: "hello" },
      { k: 2, s: " a  b\tc " },
    ]);
    const r = t.select({
      k: t.k,
      tail: t.s.str.slice(-3),
      mid: t.s.str.slice(1, -1),
      words: t.s.str.split(),
      stripped: t.s.str.strip(" ho"),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, tail: "llo", mid: "ell", words: ["hello"], stripped: "ell" },
      { k: 2, tail: "\tc ", mid: "a  b\tc", words: ["a", "b", "c"], stripped: "a  b\tc" },
    ]);
  });
  it("string functions on null give null", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | s
      1 | Abc
      2 | null
    `);
    const r = t.select({
      k: t.k,
      lo: t.s.str.lower(),
      n: t.s.str.len(),
      c: t.s.str.contains("b"),
      cat: t.s.str.concat("!"),
    });
    expectRows(await tb.debug.compute(r, { threads }), [
      { k: 1, lo: "abc", n: 3, c: true, cat: "Abc!" },
      { k: 2, lo: null, n: null, c: null, cat: null },
    ]);
  });
});
