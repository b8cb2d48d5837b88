// The B0 user functions, shared by `udf_cases.mjs` (one case per process) and
// `udf_paired.mjs` (paired in one process): the numeric `x * 2 + 1` and the string
// `s.toUpperCase()`, each per row and batched, plus the built-in expressions they replace.

/** The per-row functions as plain JavaScript. */
export const numFn = (x) => x * 2 + 1;
export const strFn = (s) => s.toUpperCase();

/** The functions as `tb.udf`s and the built-in expressions, by case name. */
export function udfCases(tb) {
  const numRow = tb.udf(numFn, { returns: tb.types.float });
  const numBatch = tb.udf(
    (xs) => {
      const out = new Array(xs.length);
      for (let i = 0; i < xs.length; i++) out[i] = xs[i] * 2 + 1;
      return out;
    },
    { returns: tb.types.float, batch: {} },
  );
  const strRow = tb.udf(strFn, { returns: tb.types.str });
  const strBatch = tb.udf(
    (ss) => {
      const out = new Array(ss.length);
      for (let i = 0; i < ss.length; i++) out[i] = ss[i].toUpperCase();
      return out;
    },
    { returns: tb.types.str, batch: {} },
  );
  return {
    "num-expr": (t) => t.x.mul(2).add(1),
    "num-row": (t) => numRow(t.x),
    "num-batch": (t) => numBatch(t.x),
    "str-expr": (t) => t.s.str.upper(),
    "str-row": (t) => strRow(t.s),
    "str-batch": (t) => strBatch(t.s),
  };
}
