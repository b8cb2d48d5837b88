/**
 * Tributary: live data pipelines for TypeScript. `import * as tb from "tributary"`.
 */
import type { Row, Schema } from "./schema.js";
import type { RowOfTable, TableLike } from "./table.js";

export { type Change, type ComputeOptions, debug } from "./debug.js";
export { type CellValue, ErrorValue, type ErrorValueMarker } from "./decode.js";
export type { DeduplicateOptions } from "./dedup.js";
export type { DType } from "./dtype.js";
export { type ErrorLogRow, globalErrorLog } from "./error-log.js";
export { TributaryError, type TributaryErrorCode } from "./errors.js";
export {
  ColumnExpression,
  DateTimeNamespace,
  Expression,
  type ExprLike,
  NumberNamespace,
  StringNamespace,
} from "./expression.js";
export { coalesce, ifElse, lit, makeTuple, require, unwrap } from "./functions.js";
export { type GroupByOptions, GroupedTable } from "./groupby.js";
export type { Interval } from "./interval.js";
export { io } from "./io/index.js";
export {
  type IterateBodyResult,
  type IterateOptions,
  type IterateResult,
  type IterateTables,
  iterate,
} from "./iterate.js";
export { type JoinOptions, JoinResult } from "./join.js";
export {
  type FsBackend,
  type PersistenceConfig,
  type PersistenceOptions,
  persistence,
} from "./persistence.js";
export { reducers } from "./reducers.js";
export { type DeferredTable, left, right, thisTable as this } from "./refs.js";
export { type RunHandle, type RunOptions, run, start } from "./run.js";
export type { BatchColumn, ColumnBatch } from "./column-batch.js";
export type { SubscribeCallbacks, SubscribeChange } from "./subscribe.js";
export { Schema, type SchemaOptions, schema } from "./schema.js";
export type {
  ColumnsOf,
  ElementOf,
  IxOptions,
  IxRow,
  SortOptions,
  Table,
  TableLike,
} from "./table.js";
export { TableBase } from "./table.js";
export type {
  AsofJoinOptions,
  AsofNowJoinOptions,
  JoinHow,
  TemporalJoinOptions,
} from "./temporal-join.js";
export {
  type Behavior,
  type CommonBehavior,
  type ExactlyOnceBehavior,
  type IntervalsOverWindow,
  type SessionWindow,
  type SlidingWindow,
  type TumblingWindow,
  temporal,
  type Window,
} from "./temporal.js";
export {
  type WindowByOptions,
  WindowedTable,
  type WindowJoinOptions,
  WindowJoinResult,
} from "./window.js";
export { type JsonValue, type Pointer, TypeSpec, types, type ValueOf } from "./types.js";
export {
  apply,
  type ElementsOf,
  type Udf,
  type UdfArgs,
  type UdfBatchOptions,
  type UdfOptions,
  udf,
} from "./udf.js";

/** The row type of a schema or a table: `tb.RowOf<typeof Order>`. */
export type RowOf<X> = X extends Schema<infer R> ? R : X extends TableLike ? RowOfTable<X> : never;

export type { Row };
