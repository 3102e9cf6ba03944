//! The integration tests of bellwether-core, in one binary.

mod scoring;
mod scoring_properties;
