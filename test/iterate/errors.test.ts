/**
 * `tb.iterate` refuses, at build time, what cannot run inside an iteration (JavaScript
 * functions, sort, earliest/latest, nested iterations), bad options and results whose schema
 * differs from the iterated table's, and tables of the body used outside the callback.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { THREADS } from "../helpers.js";

const table = () =>
  tb.debug.tableFromMarkdown(`
    k | x
    a | 1
    b | 2
  `);

/** The TributaryError thrown by `f`. */
function thrown(f: () => unknown): tb.TributaryError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(tb.TributaryError);
    return e as tb.TributaryError;
  }
  throw new Error("expected a TributaryError");
}

describe.each(THREADS)("threads=%i", (threads) => {
  it("a JavaScript function inside the callback is refused, naming the line", () => {
    const t = table();
    const double = tb.udf((x: number) => x * 2, { returns: tb.types.int });
    const e = thrown(() =>
      tb.iterate(({ t }) => ({ t: t.select({ k: t.k, x: double(t.x) }) }), { t }),
    );
    expect(e.code).toBe("UNSUPPORTED_IN_ITERATE");
    expect(e.message).toMatch(/JavaScript functions/);
    expect(e.message).toMatch(/errors\.test\.ts:\d+/);
  });

  it("sort, earliest/latest and nested iterate are refused", () => {
    const t = table();
    const sortErr = thrown(() =>
      tb.iterate(({ t }) => ({ t: t.sort({ key: t.x }).select({ k: tb.this.k, x: tb.this.x }) }), {
        t,
      }),
    );
    expect(sortErr.code).toBe("UNSUPPORTED_IN_ITERATE");
    expect(sortErr.message).toMatch(/sort is not supported inside the iterate callback/);
    const latest = thrown(() =>
      tb.iterate(
        ({ t }) => ({
          t: t.groupBy(t.k).reduce({ k: tb.this.k, x: tb.reducers.latest(tb.this.x) }),
        }),
        { t },
      ),
    );
    expect(latest.message).toMatch(/reducers\.latest depends on commit times/);
    const nested = thrown(() =>
      tb.iterate(({ t }) => ({ t: tb.iterate(({ u }) => ({ u }), { u: t }).u }), { t }),
    );
    expect(nested.message).toMatch(/nested tb\.iterate/);
  });

  it("bad options and mismatched results are refused", () => {
    const t = table();
    expect(
      thrown(() => tb.iterate(({ t }) => ({ t }), { t }, { iterationLimit: 0 })).message,
    ).toMatch(/iterationLimit must be an integer >= 1/);
    const renamed = thrown(() => tb.iterate(({ t }) => ({ t: t.rename({ x: "y" }) }), { t }));
    expect(renamed.code).toBe("TYPE_MISMATCH");
    const retyped = thrown(() =>
      tb.iterate(({ t }) => ({ t: t.withColumns({ x: t.x.cast(tb.types.str) }) }), { t }),
    );
    expect(retyped.message).toMatch(/column "x" of "t" is int in the iterated table but str/);
    const unknown = thrown(() =>
      tb.iterate(({ t }) => ({ u: t }) as unknown as { t: typeof t }, { t }),
    );
    expect(unknown.message).toMatch(/returned "u", which is not one of the iterated tables/);
  });

  it("a body table used outside the callback fails when the pipeline is built", async () => {
    const t = table();
    let leaked: tb.Table | undefined;
    tb.iterate(
      ({ t }) => {
        leaked = t.filter(t.x.gt(1));
        return { t };
      },
      { t },
    );
    await expect(tb.debug.compute(leaked!, { threads })).rejects.toThrow(
      /used outside the iterate callback/,
    );
  });

  it("an identity body returns its input", async () => {
    const t = table();
    const { t: same } = tb.iterate(({ t }) => ({ t }), { t });
    expect((await tb.debug.compute(same, { threads })).length).toBe(2);
  });
});
