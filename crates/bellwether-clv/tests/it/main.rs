//! The integration tests of bellwether-clv, one binary.

mod bgnbd;
mod cdnow_fixtures;
mod pareto_nbd;
mod summary;
