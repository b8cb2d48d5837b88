/**
 * asofNowJoin: each query is answered once against the table as it is at the query's time
 * (changes of that same time included); later changes of the table do not touch old answers;
 * a retracted query retracts exactly its answer.
 */

import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { type AnyChange, change, expectChanges, THREADS } from "../helpers.js";

const data = () =>
  tb.debug.tableFromMarkdown(`
    k | v | __time__ | __diff__
    x | 1 | 2        | 1
    x | 1 | 6        | -1
    x | 2 | 6        | 1
    y | 5 | 10       | 1
  `);

const queries = () =>
  tb.debug.tableFromMarkdown(`
    qid | k | __time__ | __diff__
    1   | x | 4        | 1
    2   | x | 6        | 1
    3   | y | 4        | 1
    1   | x | 8        | -1
  `);

const c = (qid: number, v: number | null, time: number, diff: 1 | -1): AnyChange =>
  change({ qid, v }, time, diff);

describe.each(THREADS)("threads=%i", (threads) => {
  it("inner: answers do not change when the table changes later", async () => {
    const t = data();
    const q = queries();
    const answers = t.asofNowJoin(q, t.k.eq(q.k)).select({ qid: tb.right.qid, v: tb.left.v });
    expectChanges(await tb.debug.computeChanges(answers, { threads }), [
      c(1, 1, 4, 1),
      c(2, 2, 6, 1),
      c(1, 1, 8, -1),
    ]);
  });

  it("right: unanswered queries get nulls, also kept when a row arrives later", async () => {
    const t = data();
    const q = queries();
    const answers = t
      .asofNowJoin(q, t.k.eq(q.k), { how: "right" })
      .select({ qid: tb.right.qid, v: tb.left.v });
    expectChanges(await tb.debug.computeChanges(answers, { threads }), [
      c(1, 1, 4, 1),
      c(3, null, 4, 1),
      c(2, 2, 6, 1),
      c(1, 1, 8, -1),
    ]);
  });

  it("several matching rows answer with several rows; id: tb.right.id keeps query ids", async () => {
    const t = tb.debug.tableFromMarkdown(`
      k | v | __time__
      x | 1 | 2
      x | 2 | 2
      z | 7 | 2
    `);
    const q = tb.debug.tableFromMarkdown(`
      qid | k | __time__
      1   | x | 4
      2   | z | 4
    `);
    const all = t.asofNowJoin(q, t.k.eq(q.k)).select({ qid: tb.right.qid, v: tb.left.v });
    expectChanges(await tb.debug.computeChanges(all, { threads }), [
      c(1, 1, 4, 1),
      c(1, 2, 4, 1),
      c(2, 7, 4, 1),
    ]);
    const one = t
      .asofNowJoin(q, t.k.eq(q.k), { id: tb.right.id })
      .filter(tb.right.qid.eq(2))
      .select({ qid: tb.right.qid, v: tb.left.v });
    const rows = await tb.debug.compute(one, { threads, withIds: true });
    const queryIds = await tb.debug.compute(q, { threads, withIds: true });
    expect(rows).toEqual([{ id: queryIds.find((r) => r.qid === 2)!.id, qid: 2, v: 7 }]);
  });
});
