/**
 * Markdown fixtures: cell parsing, header/separator handling, ids, times, diffs and the
 * static rows they become in the plan.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { parseCell, parseMarkdown } from "../../ts/api/markdown.js";
import type { PlanOp, StaticRow } from "../../ts/api/plan.js";

function staticRows(table: tb.TableLike): { rows: StaticRow[]; seed: number; dtypes: unknown[] } {
  const plan = tb.debug.planOf(table);
  const node = plan.nodes[plan.outputs[0]!.node]!;
  const op = node.op as Extract<PlanOp, { Static: unknown }>;
  return { rows: op.Static.rows, seed: op.Static.seed, dtypes: node.dtypes };
}

describe("parseCell", () => {
  it("reads ints, floats, booleans, null and strings", () => {
    expect(parseCell(" 12 ").value).toBe(12);
    expect(parseCell("-3").value).toBe(-3);
    expect(parseCell("1.5").value).toBe(1.5);
    expect(parseCell("2.0").value).toBe(2);
    expect(parseCell("1e3").value).toBe(1000);
    expect(parseCell("true").value).toBe(true);
    expect(parseCell("false").value).toBe(false);
    expect(parseCell("null").value).toBe(null);
    expect(parseCell("").value).toBe(null);
    expect(parseCell("hello world").value).toBe("hello world");
    expect(parseCell("12abc").value).toBe("12abc");
  });

  it("keeps quoted cells as strings", () => {
    expect(parseCell('"123"')).toEqual({ value: "123", raw: '"123"', quoted: true });
    expect(parseCell("'true'").value).toBe("true");
    expect(parseCell('"null"').value).toBe("null");
    expect(parseCell('""').value).toBe("");
  });

  it("reads integers beyond 2^53 as bigints", () => {
    expect(parseCell("9007199254740993").value).toBe(9007199254740993n);
  });
});

describe("parseMarkdown", () => {
  it("splits columns, skips separator lines and blank lines", () => {
    const t = parseMarkdown(`
      | a | b   |
      |---|-----|
      | 1 | x y |

      | 2 | "|" |
    `);
    expect(t.columns).toEqual(["a", "b"]);
    expect(t.rows.map((r) => r.cells.map((c) => c.value))).toEqual([
      [1, "x y"],
      [2, "|"],
    ]);
    expect(t.hasId).toBe(false);
  });

  it("separates __time__, __diff__ and a leading id column", () => {
    const t = parseMarkdown(`
      id | v | __time__ | __diff__
      7  | a | 2        | 1
      7  | a | 4        | -1
    `);
    expect(t.columns).toEqual(["v"]);
    expect(t.hasId).toBe(true);
    expect(t.rows.map((r) => [r.id?.value, r.time, r.diff])).toEqual([
      [7, 2, 1],
      [7, 4, -1],
    ]);
  });

  it("rejects ragged rows and bad diffs", () => {
    expect(() => parseMarkdown("a | b\n1")).toThrow(/has 1 cells/);
    expect(() => parseMarkdown("a | __diff__\n1 | 2")).toThrow(/__diff__ must be 1 or -1/);
    expect(() => parseMarkdown("a | __time__\n1 | x")).toThrow(/__time__ must be an integer/);
  });
});

describe("tableFromMarkdown", () => {
  it("infers column types (int+float → float, nulls → optional, mixed → any)", () => {
    const t = tb.debug.tableFromMarkdown(`
      i | f   | n    | s | m
      1 | 1   | null | x | 1
      2 | 2.5 | 3    | y | z
    `);
    expect(t.dtypes()).toEqual({
      i: "Int",
      f: "Float",
      n: { Optional: "Int" },
      s: "Str",
      m: "Any",
    });
    const { rows } = staticRows(t);
    expect(rows[0]!.values).toEqual([{ Int: 1 }, { Float: 1 }, "None", { Str: "x" }, { Int: 1 }]);
    expect(rows[1]!.values).toEqual([
      { Int: 2 },
      { Float: 2.5 },
      { Int: 3 },
      { Str: "y" },
      { Str: "z" },
    ]);
  });

  it("gives each row its position and time 0 / diff 1 by default", () => {
    const { rows } = staticRows(tb.debug.tableFromMarkdown("a\n1\n2\n3"));
    expect(rows.map((r) => [r.id, r.time, r.diff])).toEqual([
      [{ Position: 0 }, 0, 1],
      [{ Position: 1 }, 0, 1],
      [{ Position: 2 }, 0, 1],
    ]);
  });

  it("a -1 row retracts the latest live row with the same values", () => {
    const { rows } = staticRows(
      tb.debug.tableFromMarkdown(`
        v | __time__ | __diff__
        a | 1        | 1
        a | 2        | 1
        b | 2        | 1
        a | 3        | -1
        a | 4        | -1
        a | 5        | 1
        a | 6        | -1
      `),
    );
    expect(rows.map((r) => r.id)).toEqual([
      { Position: 0 },
      { Position: 1 },
      { Position: 2 },
      { Position: 1 },
      { Position: 0 },
      { Position: 5 },
      { Position: 5 },
    ]);
  });

  it("retraction matching follows time order, not file order", () => {
    const { rows } = staticRows(
      tb.debug.tableFromMarkdown(`
        v | __time__ | __diff__
        a | 6        | -1
        a | 2        | 1
      `),
    );
    expect(rows.map((r) => r.id)).toEqual([{ Position: 1 }, { Position: 1 }]);
  });

  it("an id column gives StaticId::Values of that cell", () => {
    const { rows } = staticRows(
      tb.debug.tableFromMarkdown(`
        id | v
        10 | a
        x  | b
      `),
    );
    expect(rows.map((r) => r.id)).toEqual([{ Values: [{ Int: 10 }] }, { Values: [{ Str: "x" }] }]);
  });

  it("a schema fixes types, keeps unquoted text in str columns and keys rows by primary key", () => {
    const S = tb.schema(
      {
        code: tb.types.str,
        x: tb.types.float,
        note: tb.types.str.optional(),
        at: tb.types.datetime,
      },
      { primaryKey: ["code"] },
    );
    const t = tb.debug.tableFromMarkdown(
      `
      x | code | note | at
      1 | 007  | null | 2024-01-01T00:00:00Z
      `,
      { schema: S },
    );
    const { rows, dtypes } = staticRows(t);
    expect(dtypes).toEqual(["Str", "Float", { Optional: "Str" }, "DateTime"]);
    expect(rows[0]!.values).toEqual([
      { Str: "007" },
      { Float: 1 },
      "None",
      { DateTime: 1704067200000000000n },
    ]);
    expect(rows[0]!.id).toEqual({ Values: [{ Str: "007" }] });
  });

  it("rejects cells that do not fit the schema and column sets that differ", () => {
    const S = tb.schema({ a: tb.types.int });
    expect(() => tb.debug.tableFromMarkdown("a\nxyz", { schema: S })).toThrow(tb.TributaryError);
    expect(() => tb.debug.tableFromMarkdown("b\n1", { schema: S })).toThrow(
      /differ from the schema/,
    );
  });

  it("gives every static table its own seed", () => {
    const a = staticRows(tb.debug.tableFromMarkdown("a\n1"));
    const b = staticRows(tb.debug.tableFromMarkdown("a\n1"));
    expect(a.seed).not.toBe(b.seed);
  });
});

describe("tableFromRows", () => {
  it("encodes values by the schema and keys rows by the primary key", () => {
    const S = tb.schema(
      { k: tb.types.int, v: tb.types.float, tags: tb.types.array(tb.types.str), j: tb.types.json },
      { primaryKey: ["k"] },
    );
    const { rows } = staticRows(
      tb.debug.tableFromRows(S, [{ k: 1n, v: 2, tags: ["a"], j: { x: [1] } }]),
    );
    expect(rows).toEqual([
      {
        id: { Values: [{ Int: 1 }] },
        values: [{ Int: 1 }, { Float: 2 }, { Tuple: [{ Str: "a" }] }, { Json: '{"x":[1]}' }],
        time: 0,
        diff: 1,
      },
    ]);
  });

  it("rejects values of the wrong type", () => {
    const S = tb.schema({ k: tb.types.int });
    expect(() => tb.debug.tableFromRows(S, [{ k: 1.5 }])).toThrow(/not a value of type int/);
  });
});
