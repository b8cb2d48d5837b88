//! Unit tests of expression compilation and evaluation, by function family.
