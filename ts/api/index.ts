/**
 * Tributary: live data pipelines for TypeScript. `import * as tb from "tributary"`.
 */
import type { Row, Schema } from "./schema.js";
import type { RowOfTable, TableLike } from "./table.js";

export type { DType } from "./dtype.js";
export { debug, type ComputeOptions, type Change } from "./debug.js";
export { ErrorValue, type ErrorValueMarker, type CellValue } from "./decode.js";
export { globalErrorLog, type ErrorLogRow } from "./error-log.js";
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
export { GroupedTable, type GroupByOptions } from "./groupby.js";
export { io } from "./io/index.js";
export { JoinResult, type JoinOptions } from "./join.js";
export { reducers } from "./reducers.js";
export { left, right, thisTable as this, type DeferredTable } from "./refs.js";
export { run, type RunOptions } from "./run.js";
export { schema, Schema, type SchemaOptions } from "./schema.js";
export type { Table, ColumnsOf, TableLike } from "./table.js";
export { TableBase } from "./table.js";
export { types, TypeSpec, type JsonValue, type Pointer, type ValueOf } from "./types.js";

/** The row type of a schema or a table: `tb.RowOf<typeof Order>`. */
export type RowOf<X> = X extends Schema<infer R> ? R : X extends TableLike ? RowOfTable<X> : never;

export type { Row };
