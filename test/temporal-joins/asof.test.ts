/**
 * asofJoin: each row with the other side's row closest in time (backward / forward / nearest),
 * as change streams: a closer row arriving later moves the match, retracting the matched row
 * moves it back; left/right/outer keep unmatched rows with nulls.
 */

import * as tb from "tributary";
import { describe, it } from "vitest";
import { type AnyChange, change, expectChanges, THREADS } from "../helpers.js";

const trades = () =>
  tb.debug.tableFromMarkdown(`
    k | at | a | __time__
    x | 10 | 1 | 2
    x | 20 | 2 | 2
    y | 30 | 9 | 2
    x | 5  | 3 | 4
  `);

const quotes = () =>
  tb.debug.tableFromMarkdown(`
    k | at | b | __time__ | __diff__
    x | 8  | p | 2        | 1
    x | 15 | q | 4        | 1
    x | 15 | q | 6        | -1
    x | 3  | r | 6        | 1
  `);

const c = (a: number | null, b: string | null, time: number, diff: 1 | -1): AnyChange =>
  change({ a, b }, time, diff);

type How = "inner" | "left" | "right" | "outer";
type Direction = "backward" | "forward" | "nearest";

describe.each(THREADS)("threads=%i", (threads) => {
  const run = async (how: How, direction: Direction) => {
    const t = trades();
    const u = quotes();
    const joined = t
      .asofJoin(u, t.at, u.at, t.k.eq(u.k), { how, direction })
      .select({ a: tb.left.a, b: tb.right.b });
    return tb.debug.computeChanges(joined, { threads });
  };

  it("backward inner: a closer earlier quote takes over, its retraction gives the match back", async () => {
    expectChanges(await run("inner", "backward"), [
      c(1, "p", 2, 1),
      c(2, "p", 2, 1),
      c(2, "p", 4, -1),
      c(2, "q", 4, 1),
      c(2, "q", 6, -1),
      c(2, "p", 6, 1),
      c(3, "r", 6, 1),
    ]);
  });

  it("backward left: rows without an earlier quote get nulls until one arrives", async () => {
    expectChanges(await run("left", "backward"), [
      c(1, "p", 2, 1),
      c(2, "p", 2, 1),
      c(9, null, 2, 1),
      c(2, "p", 4, -1),
      c(2, "q", 4, 1),
      c(3, null, 4, 1),
      c(2, "q", 6, -1),
      c(2, "p", 6, 1),
      c(3, null, 6, -1),
      c(3, "r", 6, 1),
    ]);
  });

  it("forward left: the first quote at or after the trade", async () => {
    expectChanges(await run("left", "forward"), [
      c(1, null, 2, 1),
      c(2, null, 2, 1),
      c(9, null, 2, 1),
      c(1, null, 4, -1),
      c(1, "q", 4, 1),
      c(3, "p", 4, 1),
      c(1, "q", 6, -1),
      c(1, null, 6, 1),
    ]);
  });

  it("nearest inner: the closest quote either way", async () => {
    expectChanges(await run("inner", "nearest"), [
      c(1, "p", 2, 1),
      c(2, "p", 2, 1),
      c(2, "p", 4, -1),
      c(2, "q", 4, 1),
      c(3, "p", 4, 1),
      c(2, "q", 6, -1),
      c(2, "p", 6, 1),
      c(3, "p", 6, -1),
      c(3, "r", 6, 1),
    ]);
  });

  it("backward right: each quote with the latest trade at or before it", async () => {
    expectChanges(await run("right", "backward"), [
      c(null, "p", 2, 1),
      c(null, "p", 4, -1),
      c(3, "p", 4, 1),
      c(1, "q", 4, 1),
      c(1, "q", 6, -1),
      c(null, "r", 6, 1),
    ]);
  });

  it("backward outer: both sides' matches (a pair found from both sides appears once)", async () => {
    expectChanges(await run("outer", "backward"), [
      c(1, "p", 2, 1),
      c(2, "p", 2, 1),
      c(9, null, 2, 1),
      c(null, "p", 2, 1),
      c(2, "p", 4, -1),
      c(null, "p", 4, -1),
      c(2, "q", 4, 1),
      c(3, null, 4, 1),
      c(3, "p", 4, 1),
      c(1, "q", 4, 1),
      c(2, "q", 6, -1),
      c(3, null, 6, -1),
      c(1, "q", 6, -1),
      c(2, "p", 6, 1),
      c(3, "r", 6, 1),
      c(null, "r", 6, 1),
    ]);
  });
});
