//! The `bellwether` command line.
fn main() {}
