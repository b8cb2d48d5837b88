/**
 * Mistakes in windowed programs are TributaryErrors at build time, pointing at the user's line.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";

function thrown(f: () => unknown): tb.TributaryError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(tb.TributaryError);
    return error as tb.TributaryError;
  }
  throw new Error("expected a TributaryError");
}

describe("window build errors", () => {
  const t = tb.debug.tableFromMarkdown(`
    name | t
    a    | 1
  `);

  it("rejects a time column that is not a number or a datetime", () => {
    const error = thrown(() => t.windowBy(t.name, { window: tb.temporal.tumbling({ duration: 10 }) }));
    expect(error.code).toBe("TYPE_MISMATCH");
    expect(error.message).toContain("int, float or datetime, got str");
    expect(error.message).toContain("errors.test.ts");
  });

  it("rejects a window without a duration, at the line that made it", () => {
    const error = thrown(() => tb.temporal.tumbling({} as never));
    expect(error.message).toContain("duration is required");
    expect(error.message).toContain("errors.test.ts");
    expect(thrown(() => tb.temporal.sliding({ duration: 10 } as never)).message).toContain("hop is required");
    expect(thrown(() => tb.temporal.session({ maxGap: 0 })).message).toContain("positive");
  });

  it("rejects windowBy without a window, and behaviors on session windows", () => {
    expect(thrown(() => t.windowBy(t.t, {} as never)).message).toContain("window option is required");
    const error = thrown(() =>
      t.windowBy(t.t, {
        window: tb.temporal.session({ maxGap: 3 }),
        behavior: tb.temporal.commonBehavior({ cutoff: 1 }),
      }),
    );
    expect(error.code).toBe("NOT_SUPPORTED");
  });

  it("rejects unknown columns in the reduce", () => {
    const w = t.windowBy(t.t, { window: tb.temporal.tumbling({ duration: 10 }) });
    expect(thrown(() => w.reduce({ x: tb.reducers.sum(tb.this.nope) })).code).toBe("UNKNOWN_COLUMN");
  });
});
