/**
 * Build-time errors of the temporal joins and deduplicate: wrong time types, mismatched time
 * kinds, bad intervals and options, each a TributaryError naming the user's line.
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

const sides = () => {
  const t = tb.debug.tableFromMarkdown(`
    k | at | name
    a | 1  | x
  `);
  const u = tb.debug.tableFromMarkdown(`
    k | at | when
    a | 2  | y
  `);
  return { t, u };
};

describe("temporal join build errors", () => {
  it("a string time column is a type mismatch at the user's line", () => {
    const { t, u } = sides();
    const err = thrown(() => t.intervalJoin(u, t.name, u.at, tb.temporal.interval(0, 1)));
    expect(err.code).toBe("TYPE_MISMATCH");
    expect(err.message).toContain("left time");
    expect(err.message).toContain("str");
    expect(err.message).toContain(THIS_FILE);
  });

  it("asofJoin: datetime against int times", () => {
    const { t } = sides();
    const schema = tb.schema({ k: tb.types.str, at: tb.types.datetime });
    const u = tb.debug.tableFromRows(schema, [{ k: "a", at: new Date(0) }]);
    const err = thrown(() => t.asofJoin(u, t.at, u.at, t.k.eq(u.k)));
    expect(err.code).toBe("TYPE_MISMATCH");
    expect(err.message).toContain("datetime");
    expect(err.message).toContain(THIS_FILE);
  });

  it("an interval with lower > upper, and a missing interval", () => {
    const err = thrown(() => tb.temporal.interval(5, 1));
    expect(err.code).toBe("INVALID_ARGUMENT");
    expect(err.message).toContain(THIS_FILE);
    const { t, u } = sides();
    const err2 = thrown(() =>
      t.intervalJoin(u, t.at, u.at, { lowerBound: 0 } as unknown as tb.Interval),
    );
    expect(err2.message).toContain("tb.temporal.interval");
    expect(err2.message).toContain(THIS_FILE);
  });

  it("bad how / direction options; asofNowJoin keeps only inner and right", () => {
    const { t, u } = sides();
    const how = thrown(() => t.asofJoin(u, t.at, u.at, { how: "sideways" as "inner" }));
    expect(how.code).toBe("INVALID_ARGUMENT");
    const direction = thrown(() => t.asofJoin(u, t.at, u.at, { direction: "up" as "forward" }));
    expect(direction.message).toContain("direction");
    const now = thrown(() => t.asofNowJoin(u, t.k.eq(u.k), { how: "left" as "right" }));
    expect(now.message).toContain('"right"');
    expect(now.message).toContain(THIS_FILE);
  });

  it("a condition that is not an equality", () => {
    const { t, u } = sides();
    const err = thrown(() =>
      t.intervalJoin(u, t.at, u.at, tb.temporal.interval(0, 1), t.k.ne(u.k)),
    );
    expect(err.code).toBe("INVALID_ARGUMENT");
    expect(err.message).toContain(THIS_FILE);
  });

  it("deduplicate without an acceptor, and with an unknown column", () => {
    const { t } = sides();
    const missing = thrown(() =>
      t.deduplicate({ value: t.at } as unknown as tb.DeduplicateOptions<number>),
    );
    expect(missing.code).toBe("INVALID_ARGUMENT");
    expect(missing.message).toContain(THIS_FILE);
    const unknown = thrown(() => t.deduplicate({ value: tb.this.nope, acceptor: () => true }));
    expect(unknown.code).toBe("UNKNOWN_COLUMN");
    expect(unknown.message).toContain(THIS_FILE);
  });
});
