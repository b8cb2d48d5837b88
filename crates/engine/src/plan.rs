//! The plan: the operator graph that the TypeScript layer builds as plain data (JSON) and
//! hands to the engine once per run. Every worker builds the same dataflow from it.
//!
//! JSON form: serde's default (externally tagged enums, field names as written here).
//! Node ids are indices into `Plan::nodes`; a node refers only to earlier nodes.

use serde::{Deserialize, Serialize};

use crate::value::{DType, Time, Value};

/// A whole program: tables (nodes) and the outputs that consume them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    /// Tables in dependency order.
    pub nodes: Vec<Node>,
    /// Outputs; each reads one node.
    pub outputs: Vec<Output>,
}

/// One table of the program.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Node {
    /// The operator producing this table.
    pub op: Op,
    /// Column names, in row order (for error messages and writers).
    pub columns: Vec<String>,
    /// Column types, in row order.
    pub dtypes: Vec<DType>,
    /// Where the user built this table (`file:line:col`), for error messages.
    #[serde(default)]
    pub trace: Option<String>,
}

/// An operator. Expressions are evaluated over the operator's *evaluation row*:
/// for one-input operators that is the input row (ids: `[input id]`); for joins it is the
/// left row followed by the right row (ids: `[left id, right id]`); for group reductions
/// see [`Op::GroupBy`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Op {
    /// Rows given in the plan (markdown fixtures, `tableFromRows`).
    Static {
        /// The updates, in any order; times need not be distinct.
        rows: Vec<StaticRow>,
        /// Seed for position-derived ids (unique per static table).
        seed: u64,
    },
    /// A connector source (files now; more kinds later).
    Source {
        /// What to read and how.
        source: SourceSpec,
    },
    /// The global error log: columns `operator`, `message`, `row`, `trace` (all strings).
    ErrorLog,
    /// One expression per output column; ids unchanged.
    Select {
        /// Input node.
        input: usize,
        /// Output column expressions.
        exprs: Vec<Expr>,
    },
    /// Keeps rows whose predicate is `true`; an error value drops the row and logs it.
    Filter {
        /// Input node.
        input: usize,
        /// Boolean predicate.
        predicate: Expr,
    },
    /// Re-keys rows: new id = `Key::for_values(key exprs)` (`withIdFrom`).
    Reindex {
        /// Input node.
        input: usize,
        /// Expressions whose values derive the new id.
        keys: Vec<Expr>,
    },
    /// Group and reduce. Rows are grouped by `keys`; the result row id is
    /// `Key::for_values(group values)` (or the single row id for an empty `keys` with
    /// `whole_table`). `output` is evaluated over `[group values..., reducer results...]`.
    GroupBy {
        /// Input node.
        input: usize,
        /// Grouping expressions (evaluated over the input row).
        keys: Vec<Expr>,
        /// Reducers (their arguments are evaluated over the input row).
        reducers: Vec<ReducerSpec>,
        /// Output columns, over `[group values..., reducer results...]`.
        output: Vec<Expr>,
    },
    /// Equi-join. `left_keys[i]` is matched with `right_keys[i]` (values compared with `eq`).
    /// No keys means a cross join.
    Join {
        /// Left input node.
        left: usize,
        /// Right input node.
        right: usize,
        /// Inner, left, right or outer.
        kind: JoinKind,
        /// Key expressions over the left row.
        left_keys: Vec<Expr>,
        /// Key expressions over the right row.
        right_keys: Vec<Expr>,
        /// Output columns over `[left row..., right row...]` (an unmatched side is all `None`,
        /// its id `None`).
        output: Vec<Expr>,
        /// Which id the result rows get.
        id: JoinId,
    },
    /// Union of tables with disjoint ids.
    Concat {
        /// Input nodes (same columns).
        inputs: Vec<usize>,
    },
    /// Union with fresh ids: `old_id.salted(input index)`.
    ConcatReindex {
        /// Input nodes (same columns).
        inputs: Vec<usize>,
    },
    /// `flatten`: one row per element of column `column` (tuple/array, JSON array or
    /// string); other cells repeated; the element at position `i` of row `id` gets the id
    /// `Key::for_values([Pointer(id), Int(i)])`.
    Flatten {
        /// Input node.
        input: usize,
        /// The column flattened.
        column: usize,
    },
    /// `updateRows`: rows of `update` replace the rows of `input` with the same id and add
    /// the others (same columns, in the same order).
    UpdateRows {
        /// Input node.
        input: usize,
        /// The table whose rows win.
        update: usize,
    },
    /// `updateCells`: for ids present in both tables, column `c` takes `update`'s column
    /// `columns[c]` when that is given; rows of `update` with ids not in `input` are ignored.
    UpdateCells {
        /// Input node.
        input: usize,
        /// The table whose cells win.
        update: usize,
        /// For each column of `input`, the column of `update` that overwrites it.
        columns: Vec<Option<usize>>,
    },
    /// `difference`: rows of `input` whose id is not in `other`.
    Difference {
        /// Input node.
        input: usize,
        /// Table whose ids are removed.
        other: usize,
    },
    /// `intersect` / `restrict`: rows of `input` whose id is in every one of `others`.
    Intersect {
        /// Input node.
        input: usize,
        /// Tables whose ids are kept.
        others: Vec<usize>,
    },
    /// `having`: rows of `input` whose id is the value of `pointer` (evaluated over rows of
    /// `indexer`) in at least one row of `indexer`.
    Having {
        /// Input node.
        input: usize,
        /// The table holding the pointers.
        indexer: usize,
        /// Pointer expression over an `indexer` row.
        pointer: Expr,
    },
    /// `ix`: for every row of `indexer`, the row of `source` its `pointer` names, under the
    /// `indexer` row's id (columns of `source`). A missing target gives `None` cells when
    /// `optional`, else error cells and a log entry.
    Ix {
        /// The table whose rows are fetched.
        source: usize,
        /// The table holding the pointers (the result has its ids).
        indexer: usize,
        /// Pointer expression over an `indexer` row.
        pointer: Expr,
        /// Missing targets give `None` rows instead of errors.
        optional: bool,
    },
    /// Re-keys rows by a pointer value (`groupBy(..., { id })`): new id = value of
    /// `pointer`, cells = `exprs`; rows whose pointer is not a pointer are dropped and logged.
    Rekey {
        /// Input node.
        input: usize,
        /// The new id, a pointer expression over the input row.
        pointer: Expr,
        /// Output columns over the input row.
        exprs: Vec<Expr>,
    },
    /// `sort`: the input's columns plus `prev` and `next`, pointers to the neighbouring rows
    /// in `key` order (ties by id) among the rows with the same `instance` value (`None` at
    /// the ends).
    Sort {
        /// Input node.
        input: usize,
        /// Sort key over the input row.
        key: Expr,
        /// Instance (partition) expression; all rows form one instance when absent.
        #[serde(default)]
        instance: Option<Expr>,
    },
    /// A temporal join (`intervalJoin`, `asofJoin`, `asofNowJoin`): like [`Op::Join`] (same
    /// evaluation row, output and ids), with the time matching described by `temporal`.
    TemporalJoin {
        /// Left input node.
        left: usize,
        /// Right input node.
        right: usize,
        /// Inner, left, right or outer.
        kind: JoinKind,
        /// Equality key expressions over the left row.
        left_keys: Vec<Expr>,
        /// Equality key expressions over the right row.
        right_keys: Vec<Expr>,
        /// Output columns over `[left row..., right row...]`.
        output: Vec<Expr>,
        /// Which id the result rows get.
        id: JoinId,
        /// How times are matched.
        temporal: TemporalJoinSpec,
        /// Delay, cutoff and forgetting of each side's rows (`behavior` option); none: every
        /// row counts and is kept forever.
        #[serde(default)]
        behavior: Option<WindowBehavior>,
    },
    /// Appends the insertion time of each row (the commit time at which the row, as it is,
    /// was inserted) as a new last `Int` column; retractions carry the same stamp.
    StampTime {
        /// Input node.
        input: usize,
    },
    /// `windowBy`: every row once per window it belongs to, with the input's columns followed
    /// by `_start`, `_end` and `_instance`; every copy keeps its input row's id (copies of one
    /// row differ in their window cells). A `behavior` delays, drops late rows and forgets closed windows (see
    /// [`WindowBehavior`]). A reduce over this table keyed by `[_instance, _start, _end]` gets
    /// the ids that [`Op::WindowFreeze`] expects.
    WindowAssign {
        /// Input node.
        input: usize,
        /// Time expression over the input row (int, float or datetime).
        time: Expr,
        /// Instance expression; `None` cells when absent.
        #[serde(default)]
        instance: Option<Expr>,
        /// The kind of window.
        window: WindowSpec,
        /// Delay, cutoff and forgetting; none: every row counts, results update forever.
        #[serde(default)]
        behavior: Option<WindowBehavior>,
    },
    /// Hides the retractions that forgetting a closed window causes in a windowed reduce
    /// (`keepResults: true`): drops changes of row id `Key::for_values([_instance, _start,
    /// _end])` at the time `window` (a [`Op::WindowAssign`] node with a cutoff) forgets it.
    WindowFreeze {
        /// The windowed reduce's node.
        input: usize,
        /// The `WindowAssign` node whose forgetting is hidden.
        window: usize,
    },
    /// Calls a user function (`tb.udf`/`tb.apply`, run by the host through a
    /// [`crate::udf::UdfRunner`]) on `args` and appends its result as a new last column;
    /// ids unchanged. Rows whose call failed get an error value and an error-log entry.
    Udf {
        /// Input node.
        input: usize,
        /// The function's index in the run's list of functions.
        udf: u32,
        /// Argument expressions over the input row.
        args: Vec<Expr>,
        /// Batching, caching and retraction behaviour.
        #[serde(default)]
        options: UdfOptions,
        /// A select fused into the call: when set, the output row is these expressions over
        /// the input row with the function's result as one more last column (instead of the
        /// input row with the result appended).
        #[serde(default)]
        project: Option<Vec<Expr>>,
    },
    /// A user function folding each group's rows into a state, incrementally
    /// (`tb.reducers.stateful`, `deduplicate`): rows `[keys..., state]` with the ids of a
    /// [`Op::GroupBy`] over `keys`. The function (batch form) gets, per group, the last state
    /// (`None` at first), the added rows and the removed rows (argument tuples in `order`,
    /// ties by row id) and returns the new state; a function that is not `retractable` never
    /// gets removed rows: it folds the remaining rows again from `None` instead.
    FoldGroups {
        /// Input node.
        input: usize,
        /// Grouping expressions over the input row.
        keys: Vec<Expr>,
        /// The values handed over for each row (one tuple per row).
        args: Vec<Expr>,
        /// The order of a group's rows; none: by row id.
        #[serde(default)]
        order: Option<Expr>,
        /// The function's index in the run's list of functions.
        udf: u32,
        /// The function takes removed rows back out of a state.
        #[serde(default)]
        retractable: bool,
        /// Name, groups per call (`max_batch`), calls in flight.
        #[serde(default)]
        options: UdfOptions,
    },
    /// `tb.iterate`: the fixed point of `variables` tables. `inputs[..variables]` are the
    /// variables' initial values; the other inputs are outer tables the body reads. `body`
    /// is a nested node list (indices local to it) whose `IterateInput { index }` nodes
    /// stand for `inputs[index]` (a variable's value in the current round, or an outer
    /// table); `results[i]` is the body node giving variable `i`'s next value. With `limit`,
    /// the results after that many rounds (at least 1).
    Iterate {
        /// Outer input nodes: variables' initial values, then imported tables.
        inputs: Vec<usize>,
        /// How many of `inputs` are variables.
        variables: usize,
        /// The body, a node list of its own.
        body: Vec<Node>,
        /// For each variable, the body node giving its next value.
        results: Vec<usize>,
        /// Most rounds (`iterationLimit`); none: until the fixed point.
        #[serde(default)]
        limit: Option<u64>,
    },
    /// Inside an [`Op::Iterate`] body only: the enclosing iterate's input `index`.
    IterateInput {
        /// Index into the iterate's `inputs`.
        index: usize,
    },
    /// Variable `index`'s fixed point, from the [`Op::Iterate`] node `iterate`.
    IterateOutput {
        /// The `Iterate` node.
        iterate: usize,
        /// Which variable.
        index: usize,
    },
}

/// How the engine drives one user function.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct UdfOptions {
    /// The function's name, for error messages.
    pub name: String,
    /// Most rows handed over in one call of the host.
    pub max_batch: usize,
    /// Most rows handed to the host at once (it splits them into calls of at most
    /// `max_batch` rows), so that many small calls share one crossing; 0: `max_batch`.
    pub crossing_rows: usize,
    /// Most batches of one operator (per worker) waiting for results at once.
    pub max_in_flight: usize,
    /// Same arguments give the same result: retractions are re-evaluated. When false, results
    /// are remembered per (row id, arguments) so that a retraction retracts the same value.
    pub deterministic: bool,
    /// Remember results by arguments for the whole run (calls once per distinct arguments).
    pub cache: bool,
    /// A `None` argument gives a `None` result without calling the function.
    pub propagate_null: bool,
    /// The function's result type, when the node's last column is not the result (a fused
    /// projection); otherwise the node's last column type is used.
    pub returns: Option<DType>,
}

impl Default for UdfOptions {
    fn default() -> Self {
        UdfOptions {
            name: String::new(),
            max_batch: 1024,
            crossing_rows: 0,
            max_in_flight: 4,
            deterministic: true,
            cache: false,
            propagate_null: false,
            returns: None,
        }
    }
}

/// One update of a static table.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StaticRow {
    /// The row id: explicit, or derived from the row's position.
    pub id: StaticId,
    /// The cells.
    pub values: Vec<Value>,
    /// Commit time.
    pub time: Time,
    /// +1 / -1.
    pub diff: i64,
}

/// How a static row's id is given.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum StaticId {
    /// `Key::for_position(seed, n)`: a `-1` row names the position of the row it retracts.
    Position(u64),
    /// `Key::for_values(values)` (an explicit `id` column, or primary-key values).
    Values(Vec<Value>),
}

/// Kinds of join.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinKind {
    /// Matched pairs only.
    Inner,
    /// Plus unmatched left rows.
    Left,
    /// Plus unmatched right rows.
    Right,
    /// Plus unmatched rows of both sides.
    Outer,
}

/// Which id a join result row gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinId {
    /// `Key::for_pair(left id, right id)`.
    Pair,
    /// The left row's id (`{ id: tb.left.id }`).
    Left,
    /// The right row's id.
    Right,
}

/// A reducer and its arguments (evaluated over the input row).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReducerSpec {
    /// One of `count countDistinct sum avg min max argmin argmax any unique tuple sortedTuple
    /// earliest latest ndarray`.
    pub kind: String,
    /// Arguments: none for `count`; one value for most; `argmin`/`argmax` take the value
    /// compared and return the id of its row.
    pub args: Vec<Expr>,
    /// Skip `None` arguments (tuple/sortedTuple option).
    #[serde(default)]
    pub skip_nones: bool,
}

/// An expression, compiled once by the engine and evaluated per row.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Expr {
    /// The evaluation row's column `n`.
    Col(usize),
    /// The id of input `n` of the evaluation row (0 for one-input operators; 0 = left,
    /// 1 = right in joins) as a `Value::Pointer` (or `None` for an unmatched join side).
    Id(usize),
    /// A constant.
    Lit(Value),
    /// A function applied to arguments. Names are the API's method names:
    /// `add sub mul div floorDiv mod pow neg eq ne lt le gt ge and or not isNull isNotNull
    /// fillNull coalesce ifElse require unwrap makeTuple get asString pointerFrom
    /// str.lower str.upper str.len str.contains str.startsWith str.endsWith str.replace
    /// str.slice str.split str.strip str.parseInt str.parseFloat str.concat
    /// num.abs num.round num.floor num.ceil
    /// dt.floor dt.round dt.year dt.month dt.day dt.hour dt.minute dt.second dt.timestamp
    /// dt.strftime dt.strptime`. Optional parameters are trailing literal arguments.
    Call {
        /// Function name.
        f: String,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// Conversion to a type (`cast`). Failing conversions give an error value.
    Cast {
        /// Target type.
        to: DType,
        /// Converted expression.
        arg: Box<Expr>,
    },
}

/// What a source reads.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SourceSpec {
    /// The source's stable name (persistence, monitoring, error log).
    pub name: String,
    /// Connector kind: `csv`, `jsonlines`, `plaintext`.
    pub kind: String,
    /// File or directory path.
    pub path: String,
    /// `static` or `streaming`.
    pub mode: String,
    /// Indices of primary-key columns; ids derive from their values. Empty: from position.
    #[serde(default)]
    pub primary_key: Vec<usize>,
    /// Connector options (csv delimiter, quote, header…), free-form.
    #[serde(default)]
    pub options: serde_json::Value,
    /// Streaming mode: how often a commit closes (ms); the run uses the shortest among its
    /// sources (default 1500).
    #[serde(default)]
    pub autocommit_ms: Option<u64>,
}

/// An output of the program.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Output {
    /// The node whose changes are written.
    pub node: usize,
    /// Where they go.
    pub sink: SinkSpec,
}

/// Where an output's changes go.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum SinkSpec {
    /// Collected in memory and returned to the caller when the run ends (`tb.debug.*`).
    Collect {
        /// Caller's handle for the collected changes.
        id: u32,
        /// Keep only the final state: consolidated `(row, count)` pairs instead of the change
        /// log (`tb.debug.compute`).
        #[serde(default)]
        snapshot: bool,
    },
    /// A change-log file written by a connector (`csv`, `jsonlines`).
    File {
        /// Connector kind: `csv` or `jsonlines`.
        kind: String,
        /// Output path.
        path: String,
    },
    /// Discards everything (`tb.io.null.write`).
    Null,
    /// Calls back into JavaScript per time (`tb.io.subscribe`).
    Subscribe {
        /// Caller's handle for the callbacks.
        id: u32,
        /// Send each time's changes as one columnar buffer (`onBatch`) instead of JSON rows.
        #[serde(default)]
        columnar: bool,
    },
    /// A PostgreSQL table (`tb.io.postgres.write`).
    Postgres {
        /// libpq-style connection string (`host=... port=...` or `postgresql://...`).
        connection_string: String,
        /// Target table, optionally `schema.table`.
        table_name: String,
        /// `stream_of_changes` (append every change with `time`/`diff`) or `snapshot` (upsert).
        mode: String,
        /// Names of the primary-key columns (required by `snapshot`).
        #[serde(default)]
        primary_key: Vec<String>,
        /// `default` (table must exist), `create_if_not_exists` or `replace`.
        #[serde(default = "default_pg_init")]
        init: String,
    },
    /// A Kafka topic (`tb.io.kafka.write`): one JSON message per change with `time`/`diff`.
    Kafka {
        /// `host:port[,host:port…]`.
        brokers: String,
        /// Target topic.
        topic: String,
        /// Payload format (`json`).
        format: String,
        /// Column whose text is each message's key.
        #[serde(default)]
        key: Option<String>,
        /// How long to wait for the brokers at start and for each time's delivery (ms).
        #[serde(default)]
        timeout_ms: Option<u64>,
        /// Extra librdkafka settings.
        #[serde(default)]
        settings: std::collections::BTreeMap<String, String>,
    },
}

fn default_pg_init() -> String {
    "default".into()
}

/// How a temporal join matches times.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum TemporalJoinSpec {
    /// Pairs with `lower <= right time - left time <= upper`.
    Interval {
        /// Time expression over the left row.
        left_time: Expr,
        /// Time expression over the right row.
        right_time: Expr,
        /// Lower bound of the difference (same kind as the times: int, float, or a duration
        /// for datetimes).
        lower: Value,
        /// Upper bound of the difference.
        upper: Value,
    },
    /// For each row, the row of the other side with the closest time in `direction`.
    Asof {
        /// Time expression over the left row.
        left_time: Expr,
        /// Time expression over the right row.
        right_time: Expr,
        /// Which neighbour counts as closest.
        direction: AsofDirection,
    },
    /// Each right (query) row is answered once against the left table as it is at the
    /// query's time; later changes of the left table do not change old answers.
    AsofNow,
    /// `windowJoin` with a behavior: both sides are windowed rows (`..., _start, _end,
    /// _instance`) and pairs are matched on the keys alone (which include the window bounds);
    /// the behavior delays by `_start`, cuts off by `_end` and tracks the rows' times.
    Window {
        /// Time expression over the left (windowed) row.
        left_time: Expr,
        /// Time expression over the right (windowed) row.
        right_time: Expr,
    },
}

/// Which neighbour an as-of join picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AsofDirection {
    /// The latest row of the other side at or before the row's time.
    Backward,
    /// The earliest row of the other side at or after the row's time.
    Forward,
    /// The closest row either way (ties: the earlier one).
    Nearest,
}

/// The kind of a window (`tb.temporal.*`). Numbers are in the time column's unit: the
/// column's own numbers, or nanoseconds (`Duration`/`DateTime` values) for datetimes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum WindowSpec {
    /// [`origin + k*duration`, `+ duration`).
    Tumbling {
        /// Window length.
        duration: Value,
        /// Alignment point (0 when absent).
        #[serde(default)]
        origin: Option<Value>,
    },
    /// [`origin + k*hop`, `+ duration`); a row belongs to every window covering it.
    Sliding {
        /// Distance between window starts.
        hop: Value,
        /// Window length.
        duration: Value,
        /// Alignment point (0 when absent).
        #[serde(default)]
        origin: Option<Value>,
    },
    /// Rows of one instance less than `max_gap` apart share a window; `_start`/`_end` are
    /// its first and last time.
    Session {
        /// The gap that separates sessions.
        max_gap: Value,
    },
    /// One window [`at + lower`, `at + upper`] per row of `probes`.
    IntervalsOver {
        /// The node holding the probe rows.
        probes: usize,
        /// Probe time expression over a `probes` row.
        at: Expr,
        /// Offset of the window start from the probe time.
        lower: Value,
        /// Offset of the window end from the probe time.
        upper: Value,
        /// Windows without rows still appear (with `None` cells).
        #[serde(default)]
        is_outer: bool,
    },
}

/// When window results appear and when windows are closed (`commonBehavior`).
/// "The greatest time seen" is the greatest time value of the window's input over all workers.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct WindowBehavior {
    /// A window's rows are held until the greatest time seen reaches `_start + delay`
    /// (and flushed when the input ends).
    #[serde(default)]
    pub delay: Option<Value>,
    /// A row is late for a window when `_end + cutoff` is at most the greatest time seen in
    /// earlier commits: it is dropped and counted; the window's state is then forgotten.
    #[serde(default)]
    pub cutoff: Option<Value>,
    /// Keep a forgotten window's results (`true`) or retract them (`false`).
    #[serde(default = "default_keep_results")]
    pub keep_results: bool,
}

fn default_keep_results() -> bool {
    true
}
