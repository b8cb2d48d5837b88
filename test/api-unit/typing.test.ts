/**
 * Type inference: engine types of results (`Node.dtypes`) and the static TypeScript types of
 * rows (`tb.RowOf`).
 */

import * as tb from "tributary";
import { describe, expect, expectTypeOf, it } from "vitest";
import { unify } from "../../ts/api/dtype.js";
import { inferCall } from "../../ts/api/typing.js";

const S = tb.schema(
  {
    i: tb.types.int,
    f: tb.types.float,
    s: tb.types.str,
    b: tb.types.bool,
    at: tb.types.datetime,
    d: tb.types.duration,
    j: tb.types.json,
    p: tb.types.pointer,
    oi: tb.types.int.optional(),
    arr: tb.types.array(tb.types.float),
    tup: tb.types.tuple(tb.types.int, tb.types.str),
    raw: tb.types.bytes,
  },
  { primaryKey: ["i"] },
);
const table = () => tb.debug.tableFromRows(S, []);

describe("engine types of expressions", () => {
  it("arithmetic follows int/float promotion and optionality", () => {
    const t = table();
    const r = t.select({
      ii: t.i.mul(t.i),
      if: t.i.mul(t.f),
      div: t.i.div(2),
      fd: t.i.floorDiv(2),
      md: t.f.mod(2),
      pw: t.i.pow(2),
      neg: t.f.neg(),
      opt: t.oi.add(1),
      cat: t.s.add("x"),
      dt: t.at.sub(t.at),
      dtd: t.at.add(t.d),
      dd: t.d.mul(2),
    });
    expect(Object.values(r.dtypes())).toEqual([
      "Int",
      "Float",
      "Float",
      "Int",
      "Float",
      "Int",
      "Float",
      { Optional: "Int" },
      "Str",
      "Duration",
      "DateTime",
      "Duration",
    ]);
  });

  it("comparisons, logic, null tests, strings, numbers, datetimes", () => {
    const t = table();
    const r = t.select({
      eq: t.oi.eq(null),
      lt: t.oi.lt(3),
      and: t.b.and(t.i.gt(1)),
      isNull: t.oi.isNull(),
      len: t.s.str.len(),
      parts: t.s.str.split(","),
      pf: t.s.str.parseFloat(),
      has: t.s.str.contains("a"),
      round: t.f.num.round(1),
      abs: t.i.num.abs(),
      year: t.at.dt.year(),
      fmt: t.at.dt.strftime("%Y"),
      parsed: t.s.dt.strptime("%Y"),
      str: t.i.asString(),
      fill: t.oi.fillNull(0),
      fillF: t.oi.fillNull(0.5),
    });
    expect(Object.values(r.dtypes())).toEqual([
      "Bool",
      { Optional: "Bool" },
      "Bool",
      "Bool",
      "Int",
      { Array: "Str" },
      "Float",
      "Bool",
      "Float",
      "Int",
      "Int",
      "Str",
      "DateTime",
      "Str",
      "Int",
      "Float",
    ]);
  });

  it("functions: ifElse, coalesce, makeTuple, unwrap, require, get", () => {
    const t = table();
    const r = t.select({
      ie: tb.ifElse(t.b, t.i, t.f),
      co: tb.coalesce(t.oi, 0),
      co2: tb.coalesce(t.oi, t.oi),
      mt: tb.makeTuple(t.i, t.s),
      un: tb.unwrap(t.oi),
      rq: tb.require(t.i, t.oi),
      ga: t.arr.get(0),
      gt: t.tup.get(1),
      gj: t.j.get("k"),
      gd: t.arr.get(5, null),
    });
    expect(Object.values(r.dtypes())).toEqual([
      "Float",
      "Int",
      { Optional: "Int" },
      { Tuple: ["Int", "Str"] },
      "Int",
      { Optional: "Int" },
      "Float",
      "Any",
      "Json",
      { Optional: "Float" },
    ]);
  });

  it("reducers", () => {
    const t = table();
    const r = t.groupBy(t.s).reduce({
      s: tb.this.s,
      n: tb.reducers.count(),
      nd: tb.reducers.countDistinct(t.i),
      si: tb.reducers.sum(t.i),
      sf: tb.reducers.sum(t.f),
      avg: tb.reducers.avg(t.i),
      mn: tb.reducers.min(t.at),
      am: tb.reducers.argmax(t.f),
      tu: tb.reducers.sortedTuple(t.s),
      la: tb.reducers.latest(t.b),
    });
    expect(Object.values(r.dtypes())).toEqual([
      "Str",
      "Int",
      "Int",
      "Int",
      "Float",
      "Float",
      "DateTime",
      "Pointer",
      { Array: "Str" },
      "Bool",
    ]);
  });

  it("join sides become optional in outer joins", () => {
    const t = table();
    const u = tb.debug.tableFromMarkdown("s | v\na | 1");
    const r = t.joinOuter(u, t.s.eq(u.s)).select({ a: tb.left.i, b: tb.right.v });
    expect(r.dtypes()).toEqual({ a: { Optional: "Int" }, b: { Optional: "Int" } });
  });

  it("deferred references are checked when resolved", () => {
    const t = table();
    expect(() => t.select({ x: tb.this.s.str.lower() })).not.toThrow();
    expect(() => t.select({ x: tb.this.i.str.lower() })).toThrow(tb.TributaryError);
  });

  it("unify and inferCall rules", () => {
    expect(unify("Int", "Float")).toBe("Float");
    expect(unify({ Optional: "Any" }, "Str")).toEqual({ Optional: "Str" });
    expect(unify("Str", "Int")).toBe("Any");
    expect(unify({ Array: "Int" }, { Array: "Float" })).toEqual({ Array: "Float" });
    expect(inferCall("add", ["Any", "Int"], undefined)).toBe("Int");
    expect(inferCall("sub", ["DateTime", "DateTime"], undefined)).toBe("Duration");
    expect(inferCall("str.concat", ["Str", { Optional: "Str" }], undefined)).toEqual({
      Optional: "Str",
    });
    expect(() => inferCall("nope", [], undefined)).toThrow(/unknown function nope/);
  });
});

describe("static row types", () => {
  it("RowOf of a schema", () => {
    type Row = tb.RowOf<typeof S>;
    expectTypeOf<Row["i"]>().toEqualTypeOf<number>();
    expectTypeOf<Row["at"]>().toEqualTypeOf<Date>();
    expectTypeOf<Row["oi"]>().toEqualTypeOf<number | null>();
    expectTypeOf<Row["j"]>().toEqualTypeOf<tb.JsonValue>();
    expectTypeOf<Row["p"]>().toEqualTypeOf<tb.Pointer>();
    expectTypeOf<Row["arr"]>().toEqualTypeOf<number[]>();
    expectTypeOf<Row["tup"]>().toEqualTypeOf<[number, string]>();
    expectTypeOf<Row["raw"]>().toEqualTypeOf<Uint8Array>();
  });

  it("column properties and results of operations are typed", () => {
    const t = table();
    expectTypeOf(t.f).toEqualTypeOf<tb.ColumnExpression<number, "f">>();
    expectTypeOf(t.id).toEqualTypeOf<tb.ColumnExpression<tb.Pointer, "id">>();
    const r = t.select({
      d: t.f.mul(2),
      c: t.s.str.upper(),
      n: t.oi.add(1),
      ok: t.i.gt(1),
      lit: 5,
    });
    type R = tb.RowOf<typeof r>;
    expectTypeOf<R>().toEqualTypeOf<{
      d: number;
      c: string;
      n: number | null;
      ok: boolean;
      lit: number;
    }>();
    const pos = t.select(t.s, t.at);
    expectTypeOf<tb.RowOf<typeof pos>>().toEqualTypeOf<{ s: string; at: Date }>();
    const w = t
      .withColumns({ s: t.i, extra: t.b })
      .without("raw", "arr", "tup", "j", "p", "d", "oi", "f");
    expectTypeOf<tb.RowOf<typeof w>>().toEqualTypeOf<{
      i: number;
      b: boolean;
      at: Date;
      s: number;
      extra: boolean;
    }>();
    const ren = t.select(t.i, t.s).rename({ s: "name" });
    expectTypeOf<tb.RowOf<typeof ren>>().toEqualTypeOf<{ i: number; name: string }>();
    const g = t
      .groupBy(t.s)
      .reduce({ s: t.s, total: tb.reducers.sum(t.f), all: tb.reducers.tuple(t.i) });
    expectTypeOf<tb.RowOf<typeof g>>().toEqualTypeOf<{ s: string; total: number; all: number[] }>();
  });

  it("compute returns typed rows", () => {
    const t = table().select({ s: tb.this.s });
    type Rows = Awaited<ReturnType<typeof tb.debug.compute<typeof t>>>;
    expectTypeOf<Rows>().toEqualTypeOf<Array<{ s: unknown }>>();
  });
});
