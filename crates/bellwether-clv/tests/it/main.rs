//! The integration tests of bellwether-clv, one binary.

mod bgbb;
mod bgnbd;
mod cdnow_fixtures;
mod gamma_gamma;
mod mbgnbd;
mod pareto_nbd;
mod sbg;
mod summary;
