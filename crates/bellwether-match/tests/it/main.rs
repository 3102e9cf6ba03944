//! Integration tests of the matcher: the held-out evaluation set of labelled request pairs.

mod demo;
mod eval;
