/**
 * Deferred table references: `tb.this`, `tb.left`, `tb.right`, resolved against the table(s)
 * of the operation they are used in.
 */
import { type ColumnExpression, columnRef, idRef } from "./expression.js";
import type { Pointer } from "./types.js";

/** A deferred reference: any property is a column of the table it will be resolved against. */
export type DeferredTable = {
  /** The row id. */
  readonly id: ColumnExpression<Pointer, "id">;
  /** A column by name (also for names that clash with `id`/`col`). */
  col(name: string): ColumnExpression<unknown>;
} & { readonly [column: string]: ColumnExpression<unknown> };

function deferred(which: "this" | "left" | "right"): DeferredTable {
  const base = {
    id: idRef(which),
    col: (name: string) => columnRef<unknown, string>(which, name),
  };
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (typeof prop !== "string" || prop in target || prop === "then") {
        return Reflect.get(target, prop, receiver);
      }
      return columnRef<unknown, string>(which, prop);
    },
  }) as DeferredTable;
}

/** The table being operated on. */
export const thisTable: DeferredTable = deferred("this");
/** The left side of a join. */
export const left: DeferredTable = deferred("left");
/** The right side of a join. */
export const right: DeferredTable = deferred("right");
