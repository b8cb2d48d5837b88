/**
 * Build-time errors of updateRows/updateCells/intersect/having: unknown columns, wrong
 * types, different columns, naming the user's line.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";

const THIS_FILE = "build-errors.test.ts";

function thrown(fn: () => unknown): tb.TributaryError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(tb.TributaryError);
  return caught as tb.TributaryError;
}

const base = () =>
  tb.debug.tableFromMarkdown(`
    k | n
    a | 1
  `);

describe("build errors", () => {
  it("updateCells with a column the table does not have", () => {
    const t = base();
    const u = tb.debug.tableFromMarkdown(`
      m
      2
    `);
    const err = thrown(() => t.updateCells(u));
    expect(err.code).toBe("UNKNOWN_COLUMN");
    expect(err.message).toContain('"m"');
    expect(err.message).toContain(THIS_FILE);
  });

  it("updateCells with a value of the wrong type", () => {
    const t = base();
    const u = tb.debug.tableFromMarkdown(`
      n
      two
    `);
    const err = thrown(() => t.updateCells(u));
    expect(err.code).toBe("TYPE_MISMATCH");
    expect(err.message).toContain('"n"');
  });

  it("updateRows with different columns or incompatible types", () => {
    const t = base();
    const other = tb.debug.tableFromMarkdown(`
      k | z
      b | 1
    `);
    expect(thrown(() => t.updateRows(other)).code).toBe("INVALID_ARGUMENT");
    const wrong = tb.debug.tableFromMarkdown(`
      k | n
      b | x
    `);
    const err = thrown(() => t.updateRows(wrong));
    expect(err.code).toBe("TYPE_MISMATCH");
    expect(err.message).toContain('"n"');
  });

  it("having and ix need a pointer over one concrete table", () => {
    const t = base();
    expect(thrown(() => t.having(tb.this.n)).code).toBe("INVALID_ARGUMENT");
    expect(thrown(() => t.having(t.n)).code).toBe("TYPE_MISMATCH");
    expect(thrown(() => t.intersect()).code).toBe("INVALID_ARGUMENT");
  });
});
