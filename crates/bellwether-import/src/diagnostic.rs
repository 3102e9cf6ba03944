//! What the readers report: per-row diagnostics, rejected rows, file reports and the error enum.

use std::fmt;
use std::path::PathBuf;

/// One problem found in a file, located by file name, physical line and field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file name as the caller gave it, e.g. `transactions.csv`.
    pub file: String,
    /// The 1-based physical line where the record starts (the header is line 1).
    pub line: u64,
    /// The 1-based field index, when the problem is in one field.
    pub column: Option<usize>,
    /// The header of that field as written in the file.
    pub column_name: Option<String>,
    /// What is wrong, lowercase, without a trailing period.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(
                formatter,
                "{}:{}:{}: {}",
                self.file, self.line, column, self.message
            ),
            None => write!(formatter, "{}:{}: {}", self.file, self.line, self.message),
        }
    }
}

impl std::error::Error for Diagnostic {}

/// A row that was not imported, with every problem found in it and its raw fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// The physical line where the row starts.
    pub line: u64,
    /// At least one diagnostic, in field order.
    pub diagnostics: Vec<Diagnostic>,
    /// The raw fields as read (invalid UTF-8 replaced by U+FFFD), to write a rejects file.
    pub record: Vec<String>,
}

/// How one canonical field was found in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnUse {
    /// The canonical field, e.g. `amount`.
    pub field: &'static str,
    /// The header as written in the file, e.g. `Total`.
    pub header: String,
    /// The 1-based field index.
    pub column: usize,
}

/// What reading one file produced, besides the rows handed to the caller.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FileReport {
    /// The file name as the caller gave it.
    pub file: String,
    /// The delimiter and number format that were detected.
    pub dialect: crate::Dialect,
    /// Rows accepted (handed to the caller).
    pub n_rows: u64,
    /// Rows rejected, counted even past the number kept in `rejected`.
    pub n_rejected: u64,
    /// The first rejected rows, at most [`crate::ReadOptions::max_rejected_kept`].
    pub rejected: Vec<Rejected>,
    /// Which column feeds which canonical field.
    pub columns: Vec<ColumnUse>,
    /// Headers that feed no field (for customers, these become attributes instead).
    pub ignored_columns: Vec<String>,
    /// Every header as written (trimmed), to write a rejects file with the same columns.
    pub headers: Vec<String>,
    /// The day/month order used for all-numeric dates.
    pub date_order: crate::DateOrder,
}

impl FileReport {
    /// Every kept diagnostic, in file order.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.rejected
            .iter()
            .flat_map(|rejected| rejected.diagnostics.iter())
    }

    /// Whether rows were rejected beyond those kept in `rejected`.
    pub fn is_truncated(&self) -> bool {
        self.n_rejected > self.rejected.len() as u64
    }
}

/// Writes rejected rows as a CSV file: the original header plus `line` and `problems` columns,
/// in the original file's delimiter, so the rows can be fixed and imported again; cells that a
/// spreadsheet would run as formulas are neutralised ([`crate::spreadsheet`]).
pub fn write_rejects(report: &FileReport, writer: impl std::io::Write) -> std::io::Result<()> {
    let mut csv_writer = crate::CsvWriter::from_builder(
        csv::WriterBuilder::new()
            .delimiter(report.dialect.delimiter)
            .flexible(true),
        writer,
    );
    let header = report
        .headers
        .iter()
        .map(String::as_str)
        .chain(["line", "problems"]);
    csv_writer.write_record(header)?;
    for rejected in &report.rejected {
        let problems: Vec<String> = rejected
            .diagnostics
            .iter()
            .map(|diagnostic| match &diagnostic.column_name {
                Some(name) => format!("{name}: {}", diagnostic.message),
                None => diagnostic.message.clone(),
            })
            .collect();
        let line = rejected.line.to_string();
        let problems = problems.join("; ");
        let fields = rejected
            .record
            .iter()
            .map(String::as_str)
            .chain([line.as_str(), problems.as_str()]);
        csv_writer.write_record(fields)?;
    }
    csv_writer.flush()
}

/// A file read whole into memory: the accepted rows and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    /// Accepted rows, in file order.
    pub rows: Vec<T>,
    /// Rejected rows and column mapping.
    pub report: FileReport,
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened.
    #[error("cannot open {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Reading failed part way through.
    #[error("cannot read {file} near line {line}")]
    Read {
        file: String,
        line: u64,
        #[source]
        source: std::io::Error,
    },
    /// The file as a whole is unusable: empty, not UTF-8 from the start, or missing a required column.
    #[error("{0}")]
    File(Diagnostic),
}

impl ImportError {
    /// The file-level diagnostic, when the error is one.
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            ImportError::File(diagnostic) => Some(diagnostic),
            ImportError::Open { .. } | ImportError::Read { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_and_without_column() {
        let mut diagnostic = Diagnostic {
            file: "transactions.csv".to_string(),
            line: 14,
            column: Some(3),
            column_name: Some("amount".to_string()),
            message: "cannot parse amount \"12,x\" as a number".to_string(),
        };
        assert_eq!(
            diagnostic.to_string(),
            "transactions.csv:14:3: cannot parse amount \"12,x\" as a number"
        );
        diagnostic.column = None;
        assert_eq!(
            diagnostic.to_string(),
            "transactions.csv:14: cannot parse amount \"12,x\" as a number"
        );
    }
}
