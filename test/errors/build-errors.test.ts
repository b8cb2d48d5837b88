/**
 * Mistakes in the program throw a tb.TributaryError while the pipeline is built: the error has
 * a code, names the column and points at the user's line (this file).
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { THREADS } from "../helpers.js";

const THIS_FILE = "build-errors.test.ts";

/** Runs `fn`, which must throw a TributaryError, and returns that error. */
function thrown(fn: () => unknown): tb.TributaryError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected a TributaryError to be thrown").toBeInstanceOf(tb.TributaryError);
  return caught as tb.TributaryError;
}

function expectBuildError(fn: () => unknown, code: string, column: string): tb.TributaryError {
  const err = thrown(fn);
  expect(err.code).toBe(code);
  expect(err.message).toContain(column);
  expect(err.message).toContain(THIS_FILE);
  expect(err).toBeInstanceOf(Error);
  return err;
}

/** An expression seen without its static type (to write mistakes TypeScript would reject). */
interface Untyped {
  add(other: unknown): unknown;
  str: { lower(): unknown };
}
const untyped = (e: unknown) => e as Untyped;

const people = () =>
  tb.debug.tableFromMarkdown(`
    name  | age
    alice | 30
  `);

describe.each(THREADS)("threads=%i", (threads) => {
  it("unknown column via col()", () => {
    const t = people();
    expectBuildError(() => t.select({ x: t.col("salary") }), "UNKNOWN_COLUMN", "salary");
  });

  it("unknown column via tb.this", () => {
    const t = people();
    expectBuildError(
      () => t.select({ x: (tb.this as unknown as Record<string, tb.Expression<unknown>>).salary! }),
      "UNKNOWN_COLUMN",
      "salary",
    );
  });

  it("unknown column in without and rename", () => {
    const t = people();
    expectBuildError(() => t.without("salary" as never), "UNKNOWN_COLUMN", "salary");
    expectBuildError(() => t.rename({ salary: "pay" } as never), "UNKNOWN_COLUMN", "salary");
  });

  it("type mismatch: adding a number to a str column", () => {
    const t = people();
    expectBuildError(
      () => t.select({ x: untyped(t.name).add(1) as tb.Expression<unknown> }),
      "TYPE_MISMATCH",
      "name",
    );
  });

  it("type mismatch: str.lower() on an int column", () => {
    const t = people();
    expectBuildError(
      () => t.select({ x: untyped(t.age).str.lower() as tb.Expression<unknown> }),
      "TYPE_MISMATCH",
      "age",
    );
  });

  it("a column of another table", () => {
    const t = people();
    const u = tb.debug.tableFromMarkdown(`
      salary
      10
    `);
    expectBuildError(() => t.select({ x: u.salary }), "DIFFERENT_TABLE", "salary");
    expectBuildError(() => t.filter(u.salary.gt(1)), "DIFFERENT_TABLE", "salary");
  });

  it("a correct pipeline after a failed one still runs", async () => {
    const t = people();
    thrown(() => t.select({ x: t.col("nope") }));
    expect(await tb.debug.compute(t.select({ n: t.name }), { threads })).toEqual([{ n: "alice" }]);
  });
  it("unknown column in groupBy and in a join condition", () => {
    const t = people();
    const u = tb.debug.tableFromMarkdown(`
      city
      rome
    `);
    expectBuildError(() => t.groupBy(t.col("salary")), "UNKNOWN_COLUMN", "salary");
    expectBuildError(
      () => t.join(u, t.col("town").eq(u.city)).select({ c: tb.right.city }),
      "UNKNOWN_COLUMN",
      "town",
    );
  });

  it("reduce output that is neither a grouping column nor a reducer", () => {
    const t = people();
    expectBuildError(
      () => t.groupBy(t.name).reduce({ name: tb.this.name, age: tb.this.age }),
      "NOT_GROUPED",
      "age",
    );
  });
  it("unknown column read as a property (plain JavaScript use)", () => {
    const t = people();
    expectBuildError(
      () => t.select({ x: (t as unknown as Record<string, tb.Expression<unknown>>).salary! }),
      "UNKNOWN_COLUMN",
      "salary",
    );
  });
  it("filter on a non-boolean column", () => {
    const t = people();
    expectBuildError(
      () => t.filter(t.name as unknown as tb.Expression<boolean>),
      "TYPE_MISMATCH",
      "name",
    );
  });

  it("concat of tables with different columns", () => {
    const t = people();
    const u = tb.debug.tableFromMarkdown(`
      name  | salary
      bob   | 10
    `);
    const err = thrown(() => t.concat(u));
    expect(err.message).toMatch(/age|salary/);
    expect(err.message).toContain(THIS_FILE);
  });

  it("a join condition that is not an equality", () => {
    const t = people();
    const u = tb.debug.tableFromMarkdown(`
      limit
      18
    `);
    const err = thrown(() => t.join(u, t.age.gt(u.limit)).select({ n: tb.left.name }));
    expect(err.message).toContain(THIS_FILE);
  });
});
