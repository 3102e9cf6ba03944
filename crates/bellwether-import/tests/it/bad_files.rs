//! The corpus of bad files: each `tests/data/bad/<kind>_<case>.csv` is read by the reader its
//! `<kind>` prefix names, and every diagnostic it produces, one Display line each, followed by a
//! `# rows: N, rejected: M` summary, must equal the sibling `.expected` file.
//!
//! Set `UPDATE_EXPECT=1` to rewrite the `.expected` files from the current output, then review the diff.

use std::fmt::Write as _;
use std::path::Path;

use bellwether_import::{FileReport, ImportError, ReadOptions};

use crate::{customers_from, data_dir, read_bytes, requests_from, transactions_from};

/// Renders what reading one corpus file produced.
fn render(path: &Path) -> String {
    let file_name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default()
        .to_string();
    let bytes = read_bytes(path);
    let options = ReadOptions::default();
    let outcome: Result<FileReport, ImportError> = if file_name.starts_with("customers") {
        customers_from(&bytes, &file_name, &options).map(|parsed| parsed.report)
    } else if file_name.starts_with("transactions") {
        transactions_from(&bytes, &file_name, &options).map(|(_, report)| report)
    } else if file_name.starts_with("requests") {
        requests_from(&bytes, &file_name, &options).map(|(_, report)| report)
    } else {
        panic!("corpus file {file_name} does not start with customers, transactions or requests");
    };
    let mut rendered = String::new();
    match outcome {
        Ok(report) => {
            for diagnostic in report.diagnostics() {
                writeln!(rendered, "{diagnostic}").unwrap_or_default();
            }
            writeln!(
                rendered,
                "# rows: {}, rejected: {}",
                report.n_rows, report.n_rejected
            )
            .unwrap_or_default();
        }
        Err(ImportError::File(diagnostic)) => {
            writeln!(rendered, "{diagnostic}").unwrap_or_default();
            writeln!(rendered, "# file refused").unwrap_or_default();
        }
        Err(other) => panic!("{file_name}: unexpected error {other}"),
    }
    rendered
}

/// Compares one corpus file with its expectation, or rewrites the expectation when asked.
fn check(input: &Path, expect: &Path) -> Result<(), String> {
    let actual = render(input);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs_err::write(expect, &actual).map_err(|error| error.to_string())?;
        return Ok(());
    }
    let expected = fs_err::read_to_string(expect).map_err(|error| error.to_string())?;
    if actual == expected {
        Ok(())
    } else {
        Err(format!(
            "{}:\n--- expected\n{expected}--- actual\n{actual}",
            input.display()
        ))
    }
}

#[test]
fn corpus_of_bad_files() {
    let directory = data_dir().join("bad");
    let mut inputs: Vec<_> = fs_err::read_dir(&directory)
        .unwrap_or_else(|error| panic!("{error}"))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|extension| extension == "csv"))
        .collect();
    inputs.sort();
    assert!(
        inputs.len() >= 10,
        "the corpus has only {} files",
        inputs.len()
    );
    let failures: Vec<String> = inputs
        .iter()
        .filter_map(|input| check(input, &input.with_extension("expected")).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus files differ:\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n")
    );
}
