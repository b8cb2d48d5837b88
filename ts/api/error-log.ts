/**
 * `tb.globalErrorLog()`: the table of problems met on data (parse failures, wrong types,
 * failed expressions), one row per problem.
 */
import { PlanNode } from "./plan.js";
import { makeTable, type Table } from "./table.js";

/**
 * A row of the error log: the operator or source that met the problem, what went wrong, the
 * row concerned (`file:line` for input, id and cells for operators) and the user's call site.
 */
export type ErrorLogRow = { operator: string; message: string; row: string; trace: string };

let node: PlanNode | undefined;

/** The global error log (the same table every call). */
export function globalErrorLog(): Table<ErrorLogRow> {
  node ??= new PlanNode(
    ["operator", "message", "row", "trace"],
    ["Str", "Str", "Str", "Str"],
    [],
    () => "ErrorLog",
    undefined,
    "errorLog",
  );
  return makeTable<ErrorLogRow>(node);
}
