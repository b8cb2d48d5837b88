/**
 * Static types of user functions: argument and result types flow from the function and
 * `returns` into the expressions and table rows; mismatches fail to compile; misuse is
 * reported at build time.
 */
import * as tb from "tributary";
import { describe, expect, expectTypeOf, it } from "vitest";

const S = tb.schema({ title: tb.types.str, n: tb.types.int });
const table = () => tb.debug.tableFromRows(S, [{ title: "Hello World", n: 2 }]);

describe("udf typing", () => {
  it("row functions: arguments from the parameters, result from `returns`", () => {
    const t = table();
    const slug = tb.udf((title: string) => title.toLowerCase().replace(/\W+/g, "-"), {
      returns: tb.types.str,
    });
    const r = t.select({
      slug: slug(t.title),
      len: tb.udf((s: string) => s.length, { returns: tb.types.int })(t.title),
    });
    expectTypeOf(slug(t.title)).toEqualTypeOf<tb.Expression<string>>();
    expectTypeOf<tb.RowOf<typeof r>>().toEqualTypeOf<{ slug: string; len: number }>();
    expect(r.dtypes()).toEqual({ slug: "Str", len: "Int" });
    // @ts-expect-error a number column is not a string argument
    slug(5);
    // @ts-expect-error the result type must match `returns`
    tb.udf((title: string) => title.length, { returns: tb.types.str });
  });

  it("batch functions: per-row argument types are the array element types", () => {
    const t = table();
    const embed = tb.udf(async (texts: string[]) => texts.map((x) => [x.length, 1]), {
      returns: tb.types.array(tb.types.float),
      batch: { maxSize: 16 },
    });
    expectTypeOf(embed).parameter(0).toEqualTypeOf<tb.ExprLike<string>>();
    expectTypeOf(embed(t.title)).toEqualTypeOf<tb.Expression<number[]>>();
    expect(t.select({ v: embed(t.title) }).dtypes()).toEqual({ v: { Array: "Float" } });
  });

  it("tb.apply infers the result from the function; its column type is Any", () => {
    const t = table();
    const e = tb.apply(async (w: string, k: number) => w.repeat(k), t.title, t.n);
    expectTypeOf(e).toEqualTypeOf<tb.Expression<string>>();
    expect(t.select({ e }).dtypes()).toEqual({ e: "Any" });
  });

  it("misuse fails at build time with a clear error", () => {
    const t = table();
    const f = tb.udf((a: string, b: number) => a + b, { returns: tb.types.str });
    // @ts-expect-error wrong number of arguments
    expect(() => f(t.title)).toThrow(/called with 1 argument\(s\) but the function takes 2/);
    expect(() =>
      tb.udf((a: string[]) => a, { returns: tb.types.str, batch: { maxSize: 0 } }),
    ).toThrow(/batch.maxSize must be an integer >= 1/);
    expect(() =>
      // @ts-expect-error `returns` is required
      tb.udf((a: string) => a, {}),
    ).toThrow(/give the result type/);
    const g = tb.udf((a: string) => a, { returns: tb.types.str });
    expect(() => t.withIdFrom(g(t.title))).toThrow(/cannot be used here/);
  });
});
