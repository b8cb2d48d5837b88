//! Tributary connectors.
