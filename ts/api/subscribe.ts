/**
 * `tb.io.subscribe`: JavaScript callbacks for every change of a table, delivered per closed
 * time (deletions first), then `onTimeEnd(time)`; `onEnd()` once the inputs are exhausted.
 * With `onBatch`, each time's changes arrive as one columnar batch (typed arrays).
 */
import { batchSink, type ColumnBatch, decodeColumnBatch } from "./column-batch.js";
import { type CellValue, decodeCell, decodeId } from "./decode.js";
import { callSite } from "./errors.js";
import type { NativeChange } from "./native.js";
import { declareOutput } from "./plan.js";
import type { Row } from "./schema.js";
import { nodeOf, type RowOfTable, type TableLike } from "./table.js";
import type { Pointer } from "./types.js";

/** One change as `onChange` sees it. */
export interface SubscribeChange<R> {
  /** The row's id. */
  key: Pointer;
  /** The row's cells. */
  row: R;
  /** The commit time of the change. */
  time: number;
  /** `true` for an insertion, `false` for a deletion. */
  isAddition: boolean;
}

/** The callbacks of `tb.io.subscribe`. */
export interface SubscribeCallbacks<R> {
  /** Called for every change of a closed time (deletions before insertions). */
  onChange?: (change: SubscribeChange<R>) => void;
  /**
   * Called once per closed time with all of its changes as columns (numbers as
   * `Float64Array`s): the fast path for large outputs. Makes the output columnar.
   */
  onBatch?: (batch: ColumnBatch<R>) => void;
  /** Called after the changes of each closed time. */
  onTimeEnd?: (time: number) => void;
  /** Called once when the table will not change any more. */
  onEnd?: () => void;
}

interface Subscriber {
  columns: readonly string[];
  callbacks: SubscribeCallbacks<Row>;
}

const subscribers = new Map<number, Subscriber>();
let nextId = 1;

/** Calls `callbacks` for the changes of `table` during the next `tb.run()` / `tb.start()`. */
export function subscribe<T extends TableLike>(
  table: T,
  callbacks: SubscribeCallbacks<RowOfTable<T>>,
): void {
  const node = nodeOf(table, "io.subscribe", callSite());
  const id = nextId++;
  subscribers.set(id, { columns: node.columns, callbacks: callbacks as SubscribeCallbacks<Row> });
  declareOutput(node, { Subscribe: { id, columnar: callbacks.onBatch !== undefined } });
}

/** An event as the engine sends it. */
type NativeEvent =
  | { sink: number; time: number; changes: NativeChange[] }
  | { sink: number; end: true };

/** The subscribers of one run: the engine's event handler and when they have all ended. */
export interface RunSubscribers {
  /** Receives the engine's events. */
  onEvent: (event: string | Buffer) => void;
  /** Resolves once every subscriber got `onEnd` (events may arrive after the run's result). */
  ended: Promise<void>;
}

/**
 * The event handling for a run whose outputs include the subscriber ids `ids`; it forgets
 * those subscribers (each belongs to one run). Exceptions thrown by a callback are reported on
 * stderr and do not stop the pipeline.
 */
export function takeSubscribers(ids: readonly number[]): RunSubscribers | undefined {
  const mine = new Map<number, Subscriber>();
  for (const id of ids) {
    const subscriber = subscribers.get(id);
    if (subscriber) mine.set(id, subscriber);
    subscribers.delete(id);
  }
  if (mine.size === 0) return undefined;
  let remaining = mine.size;
  let allEnded: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    allEnded = resolve;
  });
  const onEvent = (payload: string | Buffer) => {
    if (typeof payload !== "string") {
      const subscriber = mine.get(batchSink(payload));
      if (subscriber) guarded(() => deliverBatch(subscriber, payload));
      return;
    }
    const event = JSON.parse(payload) as NativeEvent;
    const subscriber = mine.get(event.sink);
    if (!subscriber) return;
    guarded(() => deliver(subscriber, event));
    if ("end" in event && --remaining === 0) allEnded();
  };
  return { onEvent, ended };
}

function deliver(subscriber: Subscriber, event: NativeEvent): void {
  const { callbacks, columns } = subscriber;
  if ("end" in event) {
    callbacks.onEnd?.();
    return;
  }
  if (callbacks.onChange) {
    for (const change of event.changes) {
      const row: Record<string, CellValue> = {};
      columns.forEach((column, i) => {
        row[column] = decodeCell(change[1][i] ?? null);
      });
      for (let n = 0; n < Math.abs(change[3]); n++) {
        guarded(() =>
          callbacks.onChange?.({
            key: decodeId(change[0]),
            row: row as Row,
            time: event.time,
            isAddition: change[3] > 0,
          }),
        );
      }
    }
  }
  callbacks.onTimeEnd?.(event.time);
}

function deliverBatch(subscriber: Subscriber, payload: Buffer): void {
  const { callbacks, columns } = subscriber;
  const batch = decodeColumnBatch(payload, columns);
  guarded(() => callbacks.onBatch?.(batch));
  if (callbacks.onChange) {
    const ids = batch.ids();
    const cells = columns.map((column) => batch.columns[column] as ArrayLike<CellValue>);
    for (let i = 0; i < batch.length; i++) {
      const row: Record<string, CellValue> = {};
      columns.forEach((column, c) => {
        row[column] = cells[c]?.[i] ?? null;
      });
      const diff = batch.diffs[i] ?? 0;
      for (let n = 0; n < Math.abs(diff); n++) {
        guarded(() =>
          callbacks.onChange?.({
            key: ids[i] as Pointer,
            row: row as Row,
            time: batch.time,
            isAddition: diff > 0,
          }),
        );
      }
    }
  }
  callbacks.onTimeEnd?.(batch.time);
}

function guarded(callback: () => void): void {
  try {
    callback();
  } catch (error) {
    console.error("tributary: a subscribe callback threw:", error);
  }
}
