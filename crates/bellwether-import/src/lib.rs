//! Reads a company's CSV exports (`customers.csv`, `transactions.csv`, `requests.csv`,
//! `collaborations.csv`, `requirements.csv`) into
//! Bellwether's domain types, with a diagnostic naming file, line, column and reason for every
//! row that cannot be imported.
//!
//! Files may be `,`, `;` or tab delimited (sniffed from the first lines), UTF-8 with or without
//! a byte-order mark, with quoted fields spanning lines; line numbers are the physical line where
//! a record starts. `;` files read `,` as the decimal mark. See [`number`] for the accepted number
//! forms and [`date`] for the accepted dates and the day/month order rule.
//!
//! This crate does no database work: it turns bytes into values and diagnostics.
//! Customers are read whole; transactions and requests are streamed row by row.

pub mod date;
mod diagnostic;
mod dialect;
mod header;
pub mod number;
mod source;
pub mod spreadsheet;

mod collaborations;
mod customers;
mod requests;
mod transactions;

use std::path::Path;

pub use collaborations::{read_collaborations, read_requirements};
pub use customers::{read_customers, read_customers_with};
pub use date::DateOrder;
pub use diagnostic::{
    write_rejects, ColumnUse, Diagnostic, FileReport, ImportError, Parsed, Rejected,
};
pub use dialect::{sniff, Dialect};
pub use requests::{read_requests, read_requests_with};
pub use source::{ReadOptions, DEFAULT_MAX_FIELD_BYTES, DEFAULT_MAX_LINE_BYTES};
pub use spreadsheet::{spreadsheet_safe, CsvWriter};
pub use transactions::{read_transactions, read_transactions_with};

/// Opens a file for one of the readers, naming the path if it cannot be opened.
pub fn open_file(path: &Path) -> Result<fs_err::File, ImportError> {
    fs_err::File::open(path).map_err(|error| {
        // `fs-err` already names the path; keep only the operating system's reason under ours.
        let raw = error
            .get_ref()
            .and_then(|inner| inner.source())
            .and_then(|inner| inner.downcast_ref::<std::io::Error>());
        let source = match raw {
            Some(raw) => std::io::Error::new(raw.kind(), raw.to_string()),
            None => error,
        };
        ImportError::Open {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// The name to use in diagnostics for a path: its last component, or the whole path.
pub fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}
