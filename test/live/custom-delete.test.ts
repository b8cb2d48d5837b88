/**
 * `ConnectorSubject.delete(row)`: on a keyed custom source, removes the row with that key
 * (an update is `next` with the same key); without a primary key it is a logged data error.
 */
import * as tb from "tributary";
import { describe, expect, it } from "vitest";
import { errorLogOf, THREADS } from "../helpers.js";

type Item = { id: number; k: string; v: number };
type Step = { next?: Item[]; delete?: Item[] };

class Steps extends tb.io.ConnectorSubject<Item> {
  constructor(private readonly steps: Step[]) {
    super();
  }
  async run(): Promise<void> {
    for (const step of this.steps) {
      for (const row of step.next ?? []) this.next(row);
      for (const row of step.delete ?? []) this.delete(row);
      this.commit();
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  }
}

const Keyed = tb.schema(
  { id: tb.types.int, k: tb.types.str, v: tb.types.int },
  { primaryKey: ["id"] },
);
const Unkeyed = tb.schema({ id: tb.types.int, k: tb.types.str, v: tb.types.int });

describe.each(THREADS)("threads=%i", (threads) => {
  it("insert, key move and delete change the totals commit by commit", async () => {
    const items = tb.io.custom.read(
      new Steps([
        {
          next: [
            { id: 1, k: "a", v: 2 },
            { id: 2, k: "a", v: 3 },
          ],
        },
        { next: [{ id: 1, k: "b", v: 2 }] },
        { delete: [{ id: 2, k: "ignored", v: 0 }] },
        { delete: [{ id: 9, k: "absent", v: 0 }] },
      ]),
      { schema: Keyed, autocommitMs: 60_000 },
    );
    const totals = items.groupBy(items.k).reduce({ k: items.k, total: tb.reducers.sum(items.v) });
    const times: string[][] = [];
    let current: string[] = [];
    tb.io.subscribe(totals, {
      onChange: ({ row, isAddition }) =>
        current.push(`${isAddition ? "+" : "-"}${row.k}=${row.total}`),
      onTimeEnd: () => {
        times.push(current.sort());
        current = [];
      },
    });
    await tb.run({ threads });
    expect(times).toEqual([["+a=5"], ["+a=3", "+b=2", "-a=5"], ["-a=3"]]);
  });

  it("a delete on a source without a primary key is a logged data error and removes nothing", async () => {
    const items = tb.io.custom.read(
      new Steps([{ next: [{ id: 1, k: "a", v: 2 }] }, { delete: [{ id: 1, k: "a", v: 2 }] }]),
      { schema: Unkeyed, autocommitMs: 60_000 },
    );
    const seen: string[] = [];
    tb.io.subscribe(items, {
      onChange: ({ row, isAddition }) => seen.push(`${isAddition ? "+" : "-"}${row.k}`),
    });
    const logged = await errorLogOf([], threads);
    expect(seen).toEqual(["+a"]);
    expect(logged).toHaveLength(1);
    expect(String(logged[0]?.message)).toContain("delete() needs a source with a primary key");
  });
});
