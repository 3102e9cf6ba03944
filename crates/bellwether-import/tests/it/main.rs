//! The integration tests of `bellwether-import`, as one test binary.

mod bad_files;
mod good_files;
mod round_trip;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use bellwether_core::{Customer, Request, Transaction};
use bellwether_import::{FileReport, ImportError, Parsed, ReadOptions};

/// The directory of test inputs.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
}

/// The customers every transaction and request file of the corpus may refer to.
pub fn known_customer(customer_id: &str) -> bool {
    [
        "C1",
        "C2",
        "C3",
        "0011x000003DGb2AAG",
        "0011x000003DGb3AAG",
        "5001",
        "5002",
    ]
    .contains(&customer_id)
}

/// Reads a test file's bytes, failing the test with the path if it is missing.
pub fn read_bytes(path: &Path) -> Vec<u8> {
    fs_err::read(path).unwrap_or_else(|error| panic!("{error}"))
}

/// Reads transactions from bytes with `options`, collecting the rows.
pub fn transactions_from(
    bytes: &[u8],
    file_name: &str,
    options: &ReadOptions,
) -> Result<(Vec<Transaction>, FileReport), ImportError> {
    let mut rows = Vec::new();
    let is_known: &dyn Fn(&str) -> bool = &known_customer;
    let report = bellwether_import::read_transactions_with(
        bytes,
        file_name,
        options,
        is_known,
        &mut |row| rows.push(row),
    )?;
    Ok((rows, report))
}

/// Reads requests from bytes with `options`, collecting the rows.
pub fn requests_from(
    bytes: &[u8],
    file_name: &str,
    options: &ReadOptions,
) -> Result<(Vec<Request>, FileReport), ImportError> {
    let mut rows = Vec::new();
    let is_known: &dyn Fn(&str) -> bool = &known_customer;
    let report =
        bellwether_import::read_requests_with(bytes, file_name, options, is_known, &mut |row| {
            rows.push(row)
        })?;
    Ok((rows, report))
}

/// Reads customers from bytes with `options`.
pub fn customers_from(
    bytes: &[u8],
    file_name: &str,
    options: &ReadOptions,
) -> Result<Parsed<Customer>, ImportError> {
    bellwether_import::read_customers_with(bytes, file_name, options)
}

/// The ids of a slice of customers, for compact assertions.
pub fn customer_ids(customers: &[Customer]) -> Vec<&str> {
    customers
        .iter()
        .map(|customer| customer.customer_id.as_str())
        .collect()
}

/// A set of ids, for `is_known_customer` closures over parsed customers.
pub fn id_set(customers: &[Customer]) -> HashSet<String> {
    customers
        .iter()
        .map(|customer| customer.customer_id.clone())
        .collect()
}
