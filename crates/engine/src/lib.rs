//! Tributary's dataflow engine: values, plans, expressions and operators on timely and
//! differential dataflow. No Node and no I/O clients live here.

pub mod connector;
pub mod error;
pub mod expr;
pub mod plan;
pub mod stable_hash;
pub mod value;

pub use error::{EngineError, ErrorEntry};
pub use value::{DType, Diff, Key, Row, Time, Value};
pub mod dataflow;
pub mod persist;
pub mod runtime;
pub mod udf;
