//! Expression compilation and evaluation (placeholder; being written).
