//! Tributary N-API bindings.
