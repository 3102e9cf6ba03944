//! CSV that a spreadsheet opens without running anything: OWASP's "CSV Injection" guidance.
//!
//! Excel, LibreOffice and Google Sheets read a cell that begins with `=`, `+`, `-` or `@` as a
//! formula (`=HYPERLINK(…)`, `=cmd|…`), and some strip a leading tab or carriage return first.
//! Every CSV file Bellwether writes goes through [`CsvWriter`], which prefixes such a cell with a
//! single quote (and the `csv` crate quotes it when needed), so the spreadsheet shows the text.
//! A cell that is a plain number (`-12.5`, `+3`, `-1e-3`) is left alone: numeric columns stay
//! numbers, and a number is not a formula.
//! The fullwidth forms (`＝`, `＋`, `－`, `＠`), which some spreadsheets fold to ASCII, are
//! neutralised too.
//!
//! The readers undo the prefix ([`unescape`]), so a file Bellwether wrote imports back to the
//! same values.

use std::borrow::Cow;
use std::io::Write;

use serde::Serialize;

/// Whether a cell beginning with `c` would be read as a formula.
fn is_formula_start(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}'
    )
}

/// Whether `cell` is a plain decimal number, which a spreadsheet reads as a number.
fn is_plain_number(cell: &str) -> bool {
    cell.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        && cell.bytes().any(|b| b.is_ascii_digit())
        && cell.parse::<f64>().is_ok()
}

/// `cell`, prefixed with `'` when a spreadsheet would read it as a formula.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(first) if is_formula_start(first) && !is_plain_number(cell) => {
            Cow::Owned(format!("'{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// The value of a cell that [`spreadsheet_safe`] may have prefixed: a `'` followed by a formula
/// character is dropped.
pub fn unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.chars().next().is_some_and(is_formula_start) => rest,
        _ => cell,
    }
}

/// A `csv::Writer` whose every cell goes through [`spreadsheet_safe`]: the one way Bellwether
/// writes CSV.
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
    /// Whether `serialize` has written the header row.
    wrote_header: bool,
}

impl<W: Write> CsvWriter<W> {
    /// A comma-separated writer.
    pub fn from_writer(writer: W) -> CsvWriter<W> {
        CsvWriter::from_builder(&csv::WriterBuilder::new(), writer)
    }

    /// A writer with the builder's settings (delimiter, flexibility…).
    pub fn from_builder(builder: &csv::WriterBuilder, writer: W) -> CsvWriter<W> {
        CsvWriter {
            inner: builder.from_writer(writer),
            wrote_header: false,
        }
    }

    /// Writes one record, each cell made safe.
    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        for cell in record {
            self.inner
                .write_field(spreadsheet_safe(cell.as_ref()).as_bytes())?;
        }
        self.inner.write_record(None::<&[u8]>)
    }

    /// Writes a struct as one record (its field names as the header before the first one), each
    /// cell made safe.
    pub fn serialize<S: Serialize>(&mut self, row: S) -> csv::Result<()> {
        let mut buffer = csv::WriterBuilder::new()
            .has_headers(!self.wrote_header)
            .from_writer(Vec::new());
        buffer.serialize(row)?;
        let bytes = buffer
            .into_inner()
            .map_err(|error| csv::Error::from(error.into_error()))?;
        self.wrote_header = true;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes.as_slice());
        for record in reader.records() {
            self.write_record(&record?)?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_prefixed_and_numbers_are_not() {
        for cell in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1+1",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "＝1+1",
            "-",
            "-inf",
            "+",
        ] {
            assert_eq!(spreadsheet_safe(cell), format!("'{cell}"), "{cell:?}");
            assert_eq!(unescape(&spreadsheet_safe(cell)), cell);
        }
        for cell in [
            "-12.5", "+3", "-1e-3", "0.25", "Acme", "a=b", "", "'quoted", "1-2",
        ] {
            assert_eq!(spreadsheet_safe(cell), cell, "{cell:?}");
            assert_eq!(unescape(cell), cell);
        }
    }

    #[test]
    fn the_writer_neutralises_records_and_serialized_rows() {
        #[derive(Serialize)]
        struct Row {
            name: &'static str,
            value: f64,
        }
        let mut writer = CsvWriter::from_writer(Vec::new());
        writer.write_record(["id", "text"]).unwrap();
        writer.write_record(["C1", "=1+2"]).unwrap();
        writer
            .serialize(Row {
                name: "@evil",
                value: -2.5,
            })
            .unwrap();
        writer
            .serialize(Row {
                name: "ok",
                value: 3.0,
            })
            .unwrap();
        writer.flush().unwrap();
        let text = String::from_utf8(writer.inner.into_inner().unwrap()).unwrap();
        assert_eq!(text, "id,text\nC1,'=1+2\nname,value\n'@evil,-2.5\nok,3.0\n");
    }
}
