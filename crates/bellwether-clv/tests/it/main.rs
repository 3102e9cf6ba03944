//! The integration tests of bellwether-clv, one binary.

mod pareto_nbd;
