//! Random transactions written to CSV read back to the same values.
