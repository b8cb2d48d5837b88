/**
 * Decoding of engine cells and changes, value encoding, and the rows `compute*` build.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { formatCell, formatTable } from "../../ts/api/debug.js";
import { decodeCell, decodeId } from "../../ts/api/decode.js";
import { encodeLiteral, encodeValue, msToNs } from "../../ts/api/values.js";

describe("decodeCell", () => {
  it("passes plain JSON through", () => {
    expect(decodeCell(null)).toBe(null);
    expect(decodeCell(true)).toBe(true);
    expect(decodeCell(-1.5)).toBe(-1.5);
    expect(decodeCell("x")).toBe("x");
    expect(decodeCell([1, "a", [null]])).toEqual([1, "a", [null]]);
  });

  it("decodes tagged values", () => {
    expect(decodeCell({ $int: "9223372036854775807" })).toBe(9223372036854775807n);
    expect(decodeCell({ $float: "NaN" })).toBeNaN();
    expect(decodeCell({ $float: "inf" })).toBe(Number.POSITIVE_INFINITY);
    expect(decodeCell({ $float: "-inf" })).toBe(Number.NEGATIVE_INFINITY);
    expect(decodeCell({ $dt: "1704067200000000000" })).toEqual(new Date("2024-01-01T00:00:00Z"));
    expect(decodeCell({ $dt: "-1500000" })).toEqual(new Date(-2));
    expect(decodeCell({ $dur: "1500000" })).toBe(1.5);
    expect(decodeCell({ $json: { a: [1, null] } })).toEqual({ a: [1, null] });
    expect(decodeCell({ $json: null })).toBe(null);
    expect(decodeCell({ $ptr: "00ff" })).toBe("^00ff");
    expect(decodeCell({ $bytes: "AQID" })).toEqual(new Uint8Array([1, 2, 3]));
    expect(decodeCell([{ $int: "1" }, { $error: true }])).toEqual([1n, tb.ErrorValue]);
  });

  it("error cells are tb.ErrorValue, by identity and instanceof", () => {
    const cell = decodeCell({ $error: true });
    expect(cell).toBe(tb.ErrorValue);
    expect(cell instanceof tb.ErrorValue).toBe(true);
    expect({} instanceof tb.ErrorValue).toBe(false);
    expect(String(tb.ErrorValue)).toBe("Error");
  });

  it("row ids get the ^ prefix once", () => {
    expect(decodeId("0a")).toBe("^0a");
    expect(decodeId("^0a")).toBe("^0a");
  });
});

describe("value encoding", () => {
  it("infers literal types", () => {
    expect(encodeLiteral(3)).toEqual({ value: { Int: 3 }, dtype: "Int" });
    expect(encodeLiteral(3.5)).toEqual({ value: { Float: 3.5 }, dtype: "Float" });
    expect(encodeLiteral(2n ** 60n)).toEqual({ value: { Int: 2n ** 60n }, dtype: "Int" });
    expect(encodeLiteral(null)).toEqual({ value: "None", dtype: { Optional: "Any" } });
    expect(encodeLiteral([1, 2.5])).toEqual({
      value: { Tuple: [{ Int: 1 }, { Float: 2.5 }] },
      dtype: { Array: "Float" },
    });
    expect(encodeLiteral([1, "a"]).dtype).toEqual({ Tuple: ["Int", "Str"] });
    expect(encodeLiteral(new Uint8Array([7]))).toEqual({ value: { Bytes: [7] }, dtype: "Bytes" });
    expect(() => encodeLiteral(Symbol("x"))).toThrow(tb.TributaryError);
  });

  it("encodes by column type", () => {
    expect(encodeValue(2, "Float", "t")).toEqual({ Float: 2 });
    expect(encodeValue(null, { Optional: "Int" }, "t")).toBe("None");
    expect(encodeValue(1.5, "Duration", "t")).toEqual({ Duration: 1_500_000 });
    expect(encodeValue("^00AB", "Pointer", "t")).toEqual({
      Pointer: "000000000000000000000000000000ab",
    });
    expect(encodeValue([1, "x"], { Tuple: ["Int", "Str"] }, "t")).toEqual({
      Tuple: [{ Int: 1 }, { Str: "x" }],
    });
    expect(() => encodeValue(null, "Int", "t")).toThrow(/not a value of type int/);
    expect(() => encodeValue("1", "Int", "t")).toThrow(tb.TributaryError);
    expect(() => encodeValue(2n ** 64n, "Int", "t")).toThrow(/int64/);
  });

  it("converts milliseconds to nanoseconds exactly", () => {
    expect(msToNs(1)).toBe(1_000_000);
    expect(msToNs(1704067200000)).toBe(1704067200000000000n);
    expect(msToNs(0.25)).toBe(250_000);
  });
});

describe("printing", () => {
  it("formats cells and sorted markdown tables", () => {
    expect(formatCell(null)).toBe("null");
    expect(formatCell(new Date(0))).toBe("1970-01-01T00:00:00.000Z");
    expect(formatCell(tb.ErrorValue)).toBe("Error");
    expect(formatCell([1, "a"])).toBe('[1,"a"]');
    expect(formatCell(5n)).toBe("5");
    expect(
      formatTable(
        ["k", "v"],
        [
          { k: "b", v: 2 },
          { k: "a", v: 10 },
        ],
      ),
    ).toBe("k | v\na | 10\nb | 2");
  });
});
