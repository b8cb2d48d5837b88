//! Support for `deduplicate`: rows stamped with their insertion time, so that the TypeScript
//! layer can replay an instance's rows in arrival order (the acceptor is a JavaScript function
//! folded over that history by the user-function machinery).

use std::sync::Arc;

use differential_dataflow::AsCollection;
use timely::dataflow::operators::vec::Map;

use super::stamp::stamp_insertion_times;
use super::Coll;
use crate::value::{Row, Value};

/// The rows of `input` with one more `Int` column: the time the row was inserted (a
/// retraction carries the stamp of the insertion it cancels).
pub fn stamp_time<'s>(input: Coll<'s>) -> Coll<'s> {
    stamp_insertion_times(input.inner)
        .map(|((key, row, stamp), time, diff)| {
            let cells: Vec<Value> = row
                .iter()
                .cloned()
                .chain(std::iter::once(Value::Int(stamp as i64)))
                .collect();
            let stamped: Row = Arc::from(cells);
            ((key, stamped), time, diff)
        })
        .as_collection()
}
