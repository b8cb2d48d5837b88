/**
 * The plan JSON built for representative programs: operators, expressions, dependency
 * order, outputs and serialization.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { buildPlan, declareOutput, planToJson, takePendingOutputs } from "../../ts/api/plan.js";
import { nodeOf } from "../../ts/api/table.js";

const orders = () =>
  tb.debug.tableFromMarkdown(`
    customer | amount | qty
    alice    | 10.5   | 1
    bob      | 3.0    | 2
  `);

function last(table: tb.TableLike) {
  const plan = tb.debug.planOf(table);
  return { plan, node: plan.nodes[plan.outputs[0]!.node]! };
}

describe("plan shape", () => {
  it("select: columns, expressions with function names and literals", () => {
    const t = orders();
    const r = t.select({
      c: t.customer,
      d: t.amount.mul(2),
      n: t.qty.add(1),
      low: t.customer.str.lower(),
    });
    const { plan, node } = last(r);
    expect(plan.nodes).toHaveLength(2);
    expect(node.op).toEqual({
      Select: {
        input: 0,
        exprs: [
          { Col: 0 },
          { Call: { f: "mul", args: [{ Col: 1 }, { Lit: { Int: 2 } }] } },
          { Call: { f: "add", args: [{ Col: 2 }, { Lit: { Int: 1 } }] } },
          { Call: { f: "str.lower", args: [{ Col: 0 }] } },
        ],
      },
    });
    expect(node.columns).toEqual(["c", "d", "n", "low"]);
    expect(node.dtypes).toEqual(["Str", "Float", "Int", "Str"]);
    expect(plan.outputs).toEqual([{ node: 1, sink: { Collect: { id: 0 } } }]);
  });

  it("positional select keeps names; t.id is Id(0)", () => {
    const t = orders();
    const { node } = last(t.select(t.customer, t.id, { x: tb.this.qty }));
    expect(node.columns).toEqual(["customer", "id", "x"]);
    expect(node.dtypes).toEqual(["Str", "Pointer", "Int"]);
    expect(node.op).toEqual({ Select: { input: 0, exprs: [{ Col: 0 }, { Id: 0 }, { Col: 2 }] } });
  });

  it("withColumns replaces in place and appends; without and rename keep order", () => {
    const t = orders();
    const w = t.withColumns({ qty: t.qty.mul(10), big: t.amount.gt(5) });
    expect(w.columnNames()).toEqual(["customer", "amount", "qty", "big"]);
    expect(w.without("amount").columnNames()).toEqual(["customer", "qty", "big"]);
    const r = t.rename({ customer: "client" });
    expect(r.columnNames()).toEqual(["client", "amount", "qty"]);
    expect(last(r).node.op).toEqual({
      Select: { input: 0, exprs: [{ Col: 0 }, { Col: 1 }, { Col: 2 }] },
    });
  });

  it("filter keeps columns; later references to the filtered table's parent still resolve", () => {
    const t = orders();
    const f = t.filter(t.amount.gt(5));
    const { plan, node } = last(f.select({ q: t.qty }));
    expect(plan.nodes[1]!.op).toEqual({
      Filter: {
        input: 0,
        predicate: { Call: { f: "gt", args: [{ Col: 1 }, { Lit: { Int: 5 } }] } },
      },
    });
    expect(node.op).toEqual({ Select: { input: 1, exprs: [{ Col: 2 }] } });
  });

  it("groupBy/reduce: keys, reducers, outputs over [keys..., reducers...]", () => {
    const t = orders();
    const r = t.groupBy(t.customer).reduce({
      customer: tb.this.customer,
      n: tb.reducers.count(),
      total: tb.reducers.sum(tb.this.amount),
      twice: tb.reducers.sum(tb.this.amount).mul(2),
      shout: tb.this.customer.str.upper(),
      items: tb.reducers.tuple(t.qty, { skipNones: true }),
    });
    const { node } = last(r);
    expect(node.op).toEqual({
      GroupBy: {
        input: 0,
        keys: [{ Col: 0 }],
        reducers: [
          { kind: "count", args: [], skip_nones: false },
          { kind: "sum", args: [{ Col: 1 }], skip_nones: false },
          { kind: "tuple", args: [{ Col: 2 }], skip_nones: true },
        ],
        output: [
          { Col: 0 },
          { Col: 1 },
          { Col: 2 },
          { Call: { f: "mul", args: [{ Col: 2 }, { Lit: { Int: 2 } }] } },
          { Call: { f: "str.upper", args: [{ Col: 0 }] } },
          { Col: 3 },
        ],
      },
    });
    expect(node.dtypes).toEqual(["Str", "Int", "Float", "Float", "Str", { Array: "Int" }]);
  });

  it("whole-table reduce has no keys", () => {
    const t = orders();
    const { node } = last(
      t.reduce({ total: tb.reducers.sum(t.qty), avg: tb.reducers.avg(t.amount) }),
    );
    expect(node.op).toMatchObject({ GroupBy: { keys: [], output: [{ Col: 0 }, { Col: 1 }] } });
    expect(node.dtypes).toEqual(["Int", "Float"]);
  });

  it("join: keys per side over each side's row, output over [left..., right...]", () => {
    const t = orders();
    const u = tb.debug.tableFromMarkdown(`
      name  | city
      alice | paris
    `);
    const j = t.joinLeft(u, u.name.eq(t.customer), { id: tb.left.id }).select({
      customer: tb.left.customer,
      city: tb.right.city,
      viaTable: u.city,
      rid: tb.right.id,
    });
    const { plan, node } = last(j);
    expect(plan.nodes).toHaveLength(3);
    expect(node.op).toEqual({
      Join: {
        left: 0,
        right: 1,
        kind: "Left",
        left_keys: [{ Col: 0 }],
        right_keys: [{ Col: 0 }],
        output: [{ Col: 0 }, { Col: 4 }, { Col: 4 }, { Id: 1 }],
        id: "Left",
      },
    });
    expect(node.dtypes).toEqual([
      "Str",
      { Optional: "Str" },
      { Optional: "Str" },
      { Optional: "Pointer" },
    ]);
  });

  it("join filter materializes the pairs, then selects from them", () => {
    const t = orders();
    const u = tb.debug.tableFromMarkdown("name | city\nalice | paris");
    const j = t
      .join(u, t.customer.eq(u.name))
      .filter(tb.right.city.ne("rome"))
      .select({ c: tb.left.customer, lid: tb.left.id });
    const { plan, node } = last(j);
    const ops = plan.nodes.map((n) => Object.keys(n.op as object)[0]);
    expect(ops).toEqual(["Static", "Static", "Join", "Filter", "Select"]);
    expect(plan.nodes[2]!.columns).toEqual([
      "left.customer",
      "left.amount",
      "left.qty",
      "right.name",
      "right.city",
      "left.id",
      "right.id",
    ]);
    expect(node.op).toEqual({ Select: { input: 3, exprs: [{ Col: 0 }, { Col: 5 }] } });
  });

  it("join groupBy reduces over the pairs", () => {
    const t = orders();
    const u = tb.debug.tableFromMarkdown("name | city\nalice | paris");
    const r = t
      .join(u, t.customer.eq(u.name))
      .groupBy(tb.right.city)
      .reduce({ city: tb.right.city, total: tb.reducers.sum(tb.left.amount) });
    const { node } = last(r);
    expect(node.op).toMatchObject({
      GroupBy: { keys: [{ Col: 4 }], output: [{ Col: 0 }, { Col: 1 }] },
    });
  });

  it("cross join without conditions", () => {
    const t = orders();
    const u = tb.debug.tableFromMarkdown("z\n1");
    const { node } = last(t.join(u).select({ z: u.z }));
    expect(node.op).toMatchObject({
      Join: { kind: "Inner", left_keys: [], right_keys: [], id: "Pair" },
    });
  });

  it("concat reorders columns by name; concatReindex; withIdFrom; pointerFrom", () => {
    const a = tb.debug.tableFromMarkdown("x | y\n1 | a");
    const b = tb.debug.tableFromMarkdown("y | x\nb | 2.5");
    const c = a.concat(b);
    const { plan, node } = last(c);
    expect(node.op).toEqual({ Concat: { inputs: [0, 2] } });
    expect(plan.nodes[2]!.op).toEqual({ Select: { input: 1, exprs: [{ Col: 1 }, { Col: 0 }] } });
    expect(node.dtypes).toEqual(["Float", "Str"]);
    expect(last(a.concatReindex(a)).node.op).toEqual({ ConcatReindex: { inputs: [0, 0] } });
    expect(last(a.withIdFrom(a.y, 1)).node.op).toEqual({
      Reindex: { input: 0, keys: [{ Col: 1 }, { Lit: { Int: 1 } }] },
    });
    const p = last(a.select({ p: a.pointerFrom(a.y) })).node;
    expect(p.op).toEqual({
      Select: { input: 0, exprs: [{ Call: { f: "pointerFrom", args: [{ Col: 1 }] } }] },
    });
    expect(p.dtypes).toEqual(["Pointer"]);
  });

  it("literals: datetimes, durations next to datetimes, tuples, json, null, non-finite", () => {
    const S = tb.schema({ at: tb.types.datetime, x: tb.types.float });
    const t = tb.debug.tableFromRows(S, [{ at: new Date(0), x: 1 }]);
    const { node } = last(
      t.select({
        later: t.at.add(1500),
        floor: t.at.dt.floor(60_000),
        d: t.at.lt(new Date(1000)),
        tup: tb.makeTuple(1, "a"),
        js: tb.lit({ a: 1 }),
        nul: t.x.fillNull(null),
        inf: t.x.add(Number.POSITIVE_INFINITY),
        ts: t.at.dt.timestamp(),
      }),
    );
    const exprs = (node.op as { Select: { exprs: unknown[] } }).Select.exprs;
    expect(exprs[0]).toEqual({
      Call: { f: "add", args: [{ Col: 0 }, { Lit: { Duration: 1_500_000_000 } }] },
    });
    expect(exprs[1]).toEqual({
      Call: { f: "dt.floor", args: [{ Col: 0 }, { Lit: { Duration: 60_000_000_000 } }] },
    });
    expect(exprs[2]).toEqual({
      Call: { f: "lt", args: [{ Col: 0 }, { Lit: { DateTime: 1_000_000_000 } }] },
    });
    expect(exprs[3]).toEqual({
      Call: { f: "makeTuple", args: [{ Lit: { Int: 1 } }, { Lit: { Str: "a" } }] },
    });
    expect(exprs[4]).toEqual({ Lit: { Json: '{"a":1}' } });
    expect(exprs[5]).toEqual({ Call: { f: "fillNull", args: [{ Col: 1 }, { Lit: "None" }] } });
    expect(exprs[6]).toEqual({
      Call: {
        f: "add",
        args: [{ Col: 1 }, { Cast: { to: "Float", arg: { Lit: { Str: "inf" } } } }],
      },
    });
    expect(exprs[7]).toEqual({
      Call: { f: "dt.timestamp", args: [{ Col: 0 }, { Lit: { Str: "ms" } }] },
    });
    expect(node.dtypes).toEqual([
      "DateTime",
      "DateTime",
      "Bool",
      { Tuple: ["Int", "Str"] },
      "Json",
      { Optional: "Float" },
      "Float",
      "Float",
    ]);
  });

  it("cast and tb.lit with a type", () => {
    const t = orders();
    const { node } = last(t.select({ s: t.qty.cast(tb.types.str), f: tb.lit(3, tb.types.float) }));
    expect((node.op as { Select: { exprs: unknown[] } }).Select.exprs).toEqual([
      { Cast: { to: "Str", arg: { Col: 2 } } },
      { Lit: { Float: 3 } },
    ]);
    expect(node.dtypes).toEqual(["Str", "Float"]);
  });

  it("numbers nodes in dependency order and shares common inputs", () => {
    const t = orders();
    const a = t.filter(t.qty.gt(1));
    const b = t.select({ q: t.qty });
    const plan = tb.debug.planOf(a, b);
    expect(plan.nodes).toHaveLength(3);
    expect(plan.outputs).toEqual([
      { node: 1, sink: { Collect: { id: 0 } } },
      { node: 2, sink: { Collect: { id: 1 } } },
    ]);
  });

  it("trace carries the user's call site", () => {
    const t = orders();
    const { node } = last(t.select({ c: t.customer }));
    expect(node.trace).toMatch(/test\/api-unit\/plan\.test\.ts:\d+:\d+$/);
  });

  it("serializes bigints as plain JSON integers", () => {
    expect(planToJson({ Int: 9007199254740993n, s: "x", a: [1, null] })).toBe(
      '{"Int":9007199254740993,"s":"x","a":[1,null]}',
    );
  });
});

describe("sources, sinks and pending outputs", () => {
  it("readers make Source nodes; writers declare outputs that the next run takes", () => {
    takePendingOutputs();
    const S = tb.schema({ k: tb.types.int, v: tb.types.str }, { primaryKey: ["k"] });
    const csv = tb.io.csv.read("/data/in.csv", { schema: S, delimiter: ";" });
    const lines = tb.io.plaintext.read("/data/log.txt", { mode: "static", name: "log" });
    const jl = tb.io.jsonlines.read("/data/in.jsonl", { schema: S, mode: "static" });
    tb.io.csv.write(csv, "/out/a.csv");
    tb.io.jsonlines.write(lines, "/out/b.jsonl");
    tb.io.null.write(jl);
    const outputs = takePendingOutputs();
    expect(takePendingOutputs()).toEqual([]);
    const plan = buildPlan(outputs, { forceStatic: false });
    expect(plan.nodes.map((n) => n.op)).toEqual([
      {
        Source: {
          source: {
            name: "csv:/data/in.csv",
            kind: "csv",
            path: "/data/in.csv",
            mode: "streaming",
            primary_key: [0],
            options: { delimiter: ";" },
          },
        },
      },
      {
        Source: {
          source: {
            name: "log",
            kind: "plaintext",
            path: "/data/log.txt",
            mode: "static",
            primary_key: [],
            options: {},
          },
        },
      },
      {
        Source: {
          source: {
            name: "jsonlines:/data/in.jsonl",
            kind: "jsonlines",
            path: "/data/in.jsonl",
            mode: "static",
            primary_key: [0],
            options: {},
          },
        },
      },
    ]);
    expect(plan.nodes[1]!.columns).toEqual(["data"]);
    expect(plan.outputs).toEqual([
      { node: 0, sink: { File: { kind: "csv", path: "/out/a.csv" } } },
      { node: 1, sink: { File: { kind: "jsonlines", path: "/out/b.jsonl" } } },
      { node: 2, sink: "Null" },
    ]);
    const forced = buildPlan(outputs, { forceStatic: true });
    expect(
      forced.nodes.map(
        (n) => (n.op as { Source: { source: { mode: string } } }).Source.source.mode,
      ),
    ).toEqual(["static", "static", "static"]);
  });

  it("the global error log is one ErrorLog node", () => {
    takePendingOutputs();
    const log = tb.globalErrorLog();
    expect(log.columnNames()).toEqual(["operator", "message", "row", "trace"]);
    declareOutput(nodeOf(log, "test"), "Null");
    declareOutput(nodeOf(tb.globalErrorLog(), "test"), "Null");
    const plan = buildPlan(takePendingOutputs(), { forceStatic: false });
    expect(plan.nodes).toEqual([
      {
        op: "ErrorLog",
        columns: ["operator", "message", "row", "trace"],
        dtypes: ["Str", "Str", "Str", "Str"],
        trace: null,
      },
    ]);
  });
});
