/**
 * Build-time errors: codes, messages naming the column/operation, and the user's call site.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { fromNativeError } from "../../ts/api/errors.js";

const THIS_FILE = "test/api-unit/errors.test.ts";

function thrown(fn: () => unknown): tb.TributaryError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(tb.TributaryError);
    return error as tb.TributaryError;
  }
  throw new Error("expected a TributaryError");
}

/** The line of this file from which `expectError` was called. */
function callerLine(): number {
  const frames = (new Error().stack ?? "").split("\n").filter((l) => l.includes(THIS_FILE));
  const match = /:(\d+):\d+\)?$/.exec(frames[2] ?? "");
  return Number(match?.[1]);
}

/**
 * Asserts the code, that the message names `what`, and that its call site is in this file,
 * within the few lines of the `expectError` call (the formatter may wrap the call).
 */
function expectError(fn: () => unknown, code: string, what: string): void {
  const line = callerLine();
  const err = thrown(fn);
  expect(err.code).toBe(code);
  expect(err.message).toContain(what);
  expect(err.callSite).toContain(THIS_FILE);
  const at = Number(/:(\d+):\d+$/.exec(err.callSite ?? "")?.[1]);
  expect(at).toBeGreaterThanOrEqual(line);
  expect(at).toBeLessThanOrEqual(line + 4);
  expect(err.message).toContain(`(at ${err.callSite})`);
}

const people = () =>
  tb.debug.tableFromMarkdown(`
    name  | age | score
    alice | 30  | 1.5
  `);

describe("build-time errors", () => {
  it("unknown column in select, filter, groupBy, reduce and t.col", () => {
    const t = people();
    expectError(() => t.select({ x: tb.this.nmae }), "UNKNOWN_COLUMN", '"nmae"');
    expectError(() => t.filter(tb.this.agee.gt(1)), "UNKNOWN_COLUMN", '"agee"');
    expectError(() => t.groupBy(tb.this.nope), "UNKNOWN_COLUMN", '"nope"');
    expectError(() => t.col("missing"), "UNKNOWN_COLUMN", '"missing"');
    expectError(() => t.without("zzz"), "UNKNOWN_COLUMN", '"zzz"');
    expectError(() => t.rename({ zzz: "a" } as never), "UNKNOWN_COLUMN", '"zzz"');
  });

  it("type mismatches name the operation and the columns", () => {
    const t = people();
    expectError(
      () => t.age.str.lower(),
      "TYPE_MISMATCH",
      'str.lower: cannot apply to (column "age" (int))',
    );
    expectError(() => t.name.add(1), "TYPE_MISMATCH", 'column "name" (str), literal 1 (int)');
    expectError(() => t.select({ x: tb.this.name.sub(tb.this.age) }), "TYPE_MISMATCH", '"name"');
    expectError(() => t.filter(t.age), "TYPE_MISMATCH", "filter");
    expectError(() => t.name.lt(t.age), "TYPE_MISMATCH", "lt");
    expectError(() => t.reduce({ s: tb.reducers.sum(t.name) }), "TYPE_MISMATCH", "reducers.sum");
    expectError(() => tb.ifElse(t.age, 1, 2), "TYPE_MISMATCH", "ifElse");
  });

  it("columns of other tables and deferred references out of place", () => {
    const t = people();
    const u = people();
    expectError(() => t.select({ x: u.name }), "DIFFERENT_TABLE", "columns: name, age, score");
    expectError(() => t.select({ x: tb.left.name }), "INVALID_ARGUMENT", "tb.left");
    const s = t.select({ n: t.name });
    expectError(() => s.select({ a: t.age }), "DIFFERENT_TABLE", "select");
  });

  it("reduce: non-grouped columns and reducers outside reduce", () => {
    const t = people();
    expectError(() => t.groupBy(t.name).reduce({ a: tb.this.age }), "NOT_GROUPED", 'column "age"');
    expectError(() => t.select({ n: tb.reducers.count() }), "INVALID_ARGUMENT", "reducers.count");
    expectError(
      () => t.reduce({ n: tb.reducers.sum(tb.reducers.count()) }),
      "INVALID_ARGUMENT",
      "nested",
    );
  });

  it("joins: conditions must be equalities across sides; key types must match", () => {
    const t = people();
    const u = tb.debug.tableFromMarkdown("who | n\nalice | 1");
    expectError(() => t.join(u, t.age.gt(u.n)), "INVALID_ARGUMENT", "a.eq(b)");
    expectError(
      () => t.join(u, t.name.eq(t.name)),
      "INVALID_ARGUMENT",
      "left expression with a right",
    );
    expectError(() => t.join(u, t.name.eq(u.n)), "TYPE_MISMATCH", 'column "n" (int)');
    expectError(() => t.join(u).select({ x: tb.this.zzz }), "UNKNOWN_COLUMN", '"zzz"');
    expectError(() => t.join(t).select({ x: t.name }), "INVALID_ARGUMENT", "self-join");
  });

  it("select argument shapes", () => {
    const t = people();
    expectError(() => t.select(t.age.add(1) as never), "INVALID_ARGUMENT", "give it a name");
    expectError(
      () => t.select(t.age, { age: t.age }),
      "INVALID_ARGUMENT",
      'duplicate output column "age"',
    );
    expectError(
      () => t.concat(tb.debug.tableFromMarkdown("x\n1")),
      "INVALID_ARGUMENT",
      "same columns",
    );
  });

  it("engine rejections keep their code", () => {
    const e = fromNativeError(new Error("[TRIBUTARY_PLAN] invalid plan: node 3"));
    expect(e).toBeInstanceOf(tb.TributaryError);
    expect(e.code).toBe("TRIBUTARY_PLAN");
    expect(e.message).toBe("invalid plan: node 3");
    expect(fromNativeError(new Error("boom")).code).toBe("NATIVE");
  });
});
