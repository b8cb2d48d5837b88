//! The timestamps the engine's operators are generic over: the outer commit time
//! ([`crate::value::Time`]) and the nested `Product<Time, u64>` of iterative scopes.

use std::hash::Hash;

use differential_dataflow::lattice::Lattice;
use timely::progress::Timestamp;

/// A timestamp an engine operator can run at: totally ordered within a scope's partial
/// order, a lattice (for arrangements) and hashable (local pre-aggregation keys on it).
pub trait EngineTime: Timestamp + Lattice + Hash {}

impl<T: Timestamp + Lattice + Hash> EngineTime for T {}
