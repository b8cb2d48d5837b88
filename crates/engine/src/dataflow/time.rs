//! The timestamps the engine's operators are generic over: the outer commit time
//! ([`crate::value::Time`]) and the nested `Product<Time, u64>` of iterative scopes.

use std::hash::Hash;

use differential_dataflow::lattice::Lattice;
use timely::order::Product;
use timely::progress::Timestamp;

use crate::value::Time;

/// A timestamp an engine operator can run at: totally ordered within a scope's partial
/// order, a lattice (for arrangements) and hashable (local pre-aggregation keys on it).
pub trait EngineTime: Timestamp + Lattice + Hash {
    /// True when any two times are ordered (commit times; not `(commit, round)`): operators
    /// may then process complete times one after another instead of keeping histories.
    const TOTAL: bool;
}

impl EngineTime for Time {
    const TOTAL: bool = true;
}

impl EngineTime for Product<Time, u64> {
    const TOTAL: bool = false;
}
