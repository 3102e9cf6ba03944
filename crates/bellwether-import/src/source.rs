//! The record loop shared by every file kind: encoding checks, dialect sniffing, header mapping,
//! the day/month order look-ahead, field-count checks and the collection of rejected rows.

use std::collections::VecDeque;
use std::io::{self, Read};

use csv::ByteRecord;

use chrono::NaiveDate;

use crate::date::{order_evidence, parse_date, DateOrder, OrderEvidence};
use crate::diagnostic::{Diagnostic, FileReport, ImportError, Rejected};
use crate::dialect::{
    decode_latin1, excel_separator_line, guess_encoding, is_utf16, sniff, Dialect,
};
use crate::header::{resolve_columns, ColumnMap, FieldSpec};
use crate::number::{decimal_mark_evidence, parse_number};
use crate::spreadsheet::unescape;

/// Choices a caller can make about how files are read; `Default` detects everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The delimiter and number format, or `None` to sniff them from the first lines.
    pub dialect: Option<Dialect>,
    /// The day/month order of all-numeric dates, or `None` to detect it per file (see below).
    ///
    /// Detection looks at the date column of the first `date_order_lookahead_rows` rows (all rows
    /// for customers): if some value there is only valid month-first (`12/25/2024`) and none is
    /// only valid day-first (`25/12/2024`), the whole file is read month-first; otherwise
    /// day-first. Dates after the look-ahead that are only valid in the other order are rejected.
    ///
    /// When `dialect` is `None`, the same rows also choose the decimal mark: if the amount column
    /// (`amount`, or `annual_revenue` for customers) has values whose only `,` is followed by other
    /// than three digits (`12,50`) and none whose only `.` is (`12.50`), `,` is the decimal mark,
    /// and the other way round; with no such value, or both kinds, the sniffed default stands
    /// (`,` for `;`-delimited files, `.` otherwise).
    pub date_order: Option<DateOrder>,
    /// How many rows of a streamed file are held back to detect the date order and decimal mark.
    pub date_order_lookahead_rows: usize,
    /// How many rejected rows are kept with their diagnostics; all are counted.
    pub max_rejected_kept: usize,
    /// The longest field accepted, in bytes; a longer one stops the file with a problem naming
    /// its line, its column and [`ReadOptions::field_limit_setting`].
    pub max_field_bytes: usize,
    /// The longest row accepted, in bytes (a line, or the lines of one record whose quoted field
    /// holds line breaks); a longer one stops the file the same way.
    pub max_line_bytes: usize,
    /// How the problem names the setting that raises `max_field_bytes`.
    pub field_limit_setting: String,
    /// How the problem names the setting that raises `max_line_bytes`.
    pub line_limit_setting: String,
}

/// The default longest field: 256 KiB, above the longest text field of the usual CRMs
/// (Salesforce's long text area holds 131,072 characters, HubSpot's 65,536).
pub const DEFAULT_MAX_FIELD_BYTES: usize = 256 << 10;
/// The default longest row: 1 MiB, room for several long text fields in one row.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            dialect: None,
            date_order: None,
            date_order_lookahead_rows: 50_000,
            max_rejected_kept: 10_000,
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            field_limit_setting: "`max_field_bytes` in the `[import]` section of bellwether.toml"
                .to_string(),
            line_limit_setting: "`max_line_bytes` in the `[import]` section of bellwether.toml"
                .to_string(),
        }
    }
}

/// Which rows are held back to detect the date order and decimal mark, and from which fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lookahead {
    pub rows: usize,
    pub bytes: usize,
    /// The index in the file's fields of the date whose day/month order is detected.
    pub date_field: usize,
    /// The index in the file's fields of the amount whose decimal mark is detected, if any.
    pub number_field: Option<usize>,
}

impl Lookahead {
    /// Every row: for files read whole into memory anyway.
    pub(crate) fn whole_file(date_field: usize, number_field: Option<usize>) -> Lookahead {
        Lookahead {
            rows: usize::MAX,
            bytes: usize::MAX,
            date_field,
            number_field,
        }
    }

    /// The options' row count, and at most 16 MiB.
    pub(crate) fn streaming(
        options: &ReadOptions,
        date_field: usize,
        number_field: Option<usize>,
    ) -> Lookahead {
        Lookahead {
            rows: options.date_order_lookahead_rows,
            bytes: 16 << 20,
            date_field,
            number_field,
        }
    }
}

/// How much of the file is read up front to detect encoding and dialect.
const PREFETCH_BYTES: usize = 64 << 10;

/// A problem in one row, before it is turned into a [`Diagnostic`].
#[derive(Debug)]
pub(crate) struct Problem {
    /// 0-based field index, when the problem is in one field.
    pub column: Option<usize>,
    pub message: String,
}

/// One record under inspection: typed access to its mapped fields, and the problems found so far.
pub(crate) struct Row<'r> {
    record: &'r ByteRecord,
    /// The record's fields end to end, when they are valid UTF-8 together (checked once per record).
    whole: Option<&'r str>,
    map: &'r ColumnMap,
    fields: &'r [FieldSpec],
    /// The physical line where the record starts.
    pub line: u64,
    /// The day/month order of this file.
    pub date_order: DateOrder,
    /// Whether `,` is the decimal mark.
    pub decimal_comma: bool,
    /// Whether some field holds a NUL byte (checked once per record).
    has_nul: bool,
    problems: Vec<Problem>,
}

impl<'r> Row<'r> {
    /// The trimmed text of a field, `None` when its column is absent or the text is not UTF-8
    /// (which records a problem).
    pub(crate) fn text(&mut self, field: usize) -> Option<&'r str> {
        let column = self.map.field_columns[field]?;
        self.text_at(column)
    }

    /// The trimmed text of a field, `None` when it is absent, empty or not UTF-8.
    pub(crate) fn non_empty(&mut self, field: usize) -> Option<&'r str> {
        self.text(field).filter(|text| !text.is_empty())
    }

    /// The trimmed text at a 0-based column; `None` when the text is not UTF-8 (which records a problem).
    pub(crate) fn text_at(&mut self, column: usize) -> Option<&'r str> {
        // Fast path: the record as a whole is UTF-8 and the field starts and ends on characters.
        if let Some(text) = self
            .whole
            .and_then(|whole| whole.get(self.record.range(column)?))
        {
            return self.without_nul(column, unescape(trim(text)));
        }
        let bytes: &'r [u8] = self.record.get(column)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => self.without_nul(column, unescape(trim(text))),
            Err(_) => {
                let message = format!(
                    "file is not UTF-8 (looks like {}): this field reads {} in Latin-1; export it as UTF-8",
                    guess_encoding(bytes),
                    quote(decode_latin1(bytes).trim())
                );
                self.problems.push(Problem {
                    column: Some(column),
                    message,
                });
                None
            }
        }
    }

    /// `text`, unless it holds a NUL character: PostgreSQL cannot store one in text, and
    /// SQLite tools cut the text there, so it is refused in every database alike.
    fn without_nul(&mut self, column: usize, text: &'r str) -> Option<&'r str> {
        if !self.has_nul || !text.as_bytes().contains(&0) {
            return Some(text);
        }
        let message = format!(
            "contains a NUL character (byte 0, shown as ␀), which a database cannot store in text: {}; remove it from the export",
            quote(&text.replace('\0', "␀"))
        );
        self.problems.push(Problem {
            column: Some(column),
            message,
        });
        None
    }

    /// Records a problem in a field.
    pub(crate) fn problem(&mut self, field: usize, message: String) {
        let column = self.map.field_columns[field];
        self.problems.push(Problem { column, message });
    }

    /// Records a problem in the row as a whole.
    pub(crate) fn row_problem(&mut self, message: String) {
        self.problems.push(Problem {
            column: None,
            message,
        });
    }

    /// The text of a required field; an empty one records a problem.
    pub(crate) fn required(&mut self, field: usize) -> Option<&'r str> {
        let text = self.text(field)?;
        if text.is_empty() {
            self.problem(field, format!("{} is empty", self.fields[field].name));
            return None;
        }
        Some(text)
    }

    /// A number, `None` when the field is absent or empty, or bad (which records a problem).
    pub(crate) fn number(&mut self, field: usize) -> Option<f64> {
        let text = self.non_empty(field)?;
        match parse_number(text, self.decimal_comma) {
            Ok(value) => Some(value),
            Err(problem) => {
                let message = format!(
                    "cannot parse {} {} as a number{}",
                    self.fields[field].name,
                    quote(text),
                    problem.explanation()
                );
                self.problem(field, message);
                None
            }
        }
    }

    /// A number that may not be negative.
    pub(crate) fn non_negative_number(&mut self, field: usize, why: &str) -> Option<f64> {
        let value = self.number(field)?;
        if value < 0.0 {
            let text = self.text(field).unwrap_or_default();
            self.problem(
                field,
                format!(
                    "{} {} is negative{why}",
                    self.fields[field].name,
                    quote(text)
                ),
            );
            return None;
        }
        Some(value)
    }

    /// A date, `None` when the field is absent or empty, or bad (which records a problem).
    pub(crate) fn date(&mut self, field: usize) -> Option<NaiveDate> {
        let text = self.non_empty(field)?;
        match parse_date(text, self.date_order) {
            Ok(date) => Some(date),
            Err(problem) => {
                let message = format!(
                    "cannot parse {} {}{}",
                    self.fields[field].name,
                    quote(text),
                    problem.explanation()
                );
                self.problem(field, message);
                None
            }
        }
    }

    /// A date that must be present.
    pub(crate) fn required_date(&mut self, field: usize) -> Option<NaiveDate> {
        self.required(field)?;
        self.date(field)
    }

    /// Whether any problem was recorded.
    pub(crate) fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// Counts the double quotes passing through, to tell at the end of file whether a quote is still
/// open; also turns carriage returns into line feeds for files that end lines with `\r` alone
/// (classic Mac), whose line numbers would otherwise all be 1; and enforces the field and row
/// limits before the `csv` reader buffers a record, so a huge field costs no memory.
pub(crate) struct QuoteCounter<R> {
    inner: R,
    n_quotes: u64,
    carriage_returns_end_lines: bool,
    limits: SizeWatch,
}

/// Where the reader is in the CSV syntax, as far as the limits need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CsvState {
    /// At the start of a field.
    FieldStart,
    /// In a field that does not start with a quote.
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field (the end of it, or the first of `""`).
    QuoteInQuoted,
}

/// Lengths of the current field and record, checked against the limits.
struct SizeWatch {
    delimiter: u8,
    max_field_bytes: usize,
    max_line_bytes: usize,
    state: CsvState,
    /// The physical line being read (1-based) and the one where the current record starts.
    line: u64,
    record_line: u64,
    /// 0-based field of the current record.
    field: usize,
    field_bytes: usize,
    record_bytes: usize,
}

/// A field or row over its limit; carried inside an `io::Error` out of the `csv` reader.
#[derive(Debug)]
pub(crate) struct LimitExceeded {
    pub line: u64,
    pub column: usize,
    /// `true`: the field limit; `false`: the row limit.
    pub field: bool,
    pub limit: usize,
}

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.field { "field" } else { "row" };
        write!(formatter, "{what} longer than {} bytes", self.limit)
    }
}

impl std::error::Error for LimitExceeded {}

impl SizeWatch {
    fn new(delimiter: u8, options: &ReadOptions) -> SizeWatch {
        SizeWatch {
            delimiter,
            max_field_bytes: options.max_field_bytes,
            max_line_bytes: options.max_line_bytes,
            state: CsvState::FieldStart,
            line: 1,
            record_line: 1,
            field: 0,
            field_bytes: 0,
            record_bytes: 0,
        }
    }

    /// Follows `bytes`; an error when a field or the record grows past its limit.
    fn watch(&mut self, bytes: &[u8]) -> Result<(), LimitExceeded> {
        let mut at = 0;
        while at < bytes.len() {
            // Jump to the next byte that can change the state; the bytes before it only add length.
            let next = match self.state {
                CsvState::Quoted => memchr::memchr2(b'"', b'\n', &bytes[at..]),
                _ => memchr::memchr3(self.delimiter, b'\n', b'"', &bytes[at..]),
            };
            let run = next.unwrap_or(bytes.len() - at);
            if run > 0 {
                if self.state == CsvState::FieldStart || self.state == CsvState::QuoteInQuoted {
                    self.state = CsvState::Unquoted;
                }
                self.grow(run)?;
                at += run;
            }
            let Some(&byte) = bytes.get(at) else { break };
            at += 1;
            match (self.state, byte) {
                (CsvState::Quoted, b'"') => self.state = CsvState::QuoteInQuoted,
                (CsvState::Quoted, _) => self.line += 1,
                (CsvState::QuoteInQuoted, b'"') => self.state = CsvState::Quoted,
                (CsvState::FieldStart, b'"') => self.state = CsvState::Quoted,
                (_, b'"') => {}
                (_, b'\n') => {
                    self.line += 1;
                    self.record_line = self.line;
                    self.state = CsvState::FieldStart;
                    self.field = 0;
                    self.field_bytes = 0;
                    self.record_bytes = 0;
                    continue;
                }
                _ => {
                    // The delimiter, outside quotes.
                    self.state = CsvState::FieldStart;
                    self.field += 1;
                    self.field_bytes = 0;
                    self.record_bytes += 1;
                    continue;
                }
            }
            self.grow(1)?;
        }
        Ok(())
    }

    fn grow(&mut self, n: usize) -> Result<(), LimitExceeded> {
        self.field_bytes += n;
        self.record_bytes += n;
        let exceeded = |field, limit| LimitExceeded {
            line: self.record_line,
            column: self.field + 1,
            field,
            limit,
        };
        if self.field_bytes > self.max_field_bytes {
            return Err(exceeded(true, self.max_field_bytes));
        }
        if self.record_bytes > self.max_line_bytes {
            return Err(exceeded(false, self.max_line_bytes));
        }
        Ok(())
    }
}

impl<R: Read> Read for QuoteCounter<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let n_read = self.inner.read(buffer)?;
        if self.carriage_returns_end_lines {
            for byte in &mut buffer[..n_read] {
                if *byte == b'\r' {
                    *byte = b'\n';
                }
            }
        }
        self.n_quotes += buffer[..n_read]
            .iter()
            .filter(|&&byte| byte == b'"')
            .count() as u64;
        self.limits
            .watch(&buffer[..n_read])
            .map_err(io::Error::other)?;
        Ok(n_read)
    }
}

/// Quotes a value for a one-line message: escapes quotes, backslashes and line breaks as Rust
/// does, and shortens values longer than 60 characters with an ellipsis.
impl<'r> Row<'r> {
    /// The required customer id in `field`, with a problem recorded when `is_known_customer`
    /// refuses it. `last_known` remembers the last known customer, so runs of rows of one customer
    /// (sorted exports) skip the look-up.
    pub(crate) fn known_customer(
        &mut self,
        field: usize,
        is_known_customer: &dyn Fn(&str) -> bool,
        last_known: &mut String,
    ) -> Option<&'r str> {
        let customer_id = self.required(field)?;
        if customer_id != last_known.as_str() {
            if is_known_customer(customer_id) {
                last_known.clear();
                last_known.push_str(customer_id);
            } else {
                self.problem(
                    field,
                    format!(
                        "unknown customer_id {} (not in the customers file)",
                        quote(customer_id)
                    ),
                );
            }
        }
        Some(customer_id)
    }
}

pub(crate) fn quote(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// Trims whitespace, with a fast path for the usual field that needs none.
fn trim(text: &str) -> &str {
    let bytes = text.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// A file opened for reading: the CSV reader positioned after the header.
pub(crate) struct Source<R: Read> {
    reader: csv::Reader<QuoteCounter<io::Chain<io::Cursor<Vec<u8>>, R>>>,
    pub dialect: Dialect,
    /// Trimmed headers as written.
    pub headers: Vec<String>,
    /// The physical line of the header: 1, or 2 after an Excel `sep=` line.
    pub header_line: u64,
    pub file_name: String,
}

/// A file-level error at a line and optional 0-based column.
fn file_error(
    file_name: &str,
    line: u64,
    column: Option<usize>,
    column_name: Option<String>,
    message: String,
) -> ImportError {
    ImportError::File(Diagnostic {
        file: file_name.to_string(),
        line,
        column: column.map(|c| c + 1),
        column_name,
        message,
    })
}

/// Turns a `csv` error into an [`ImportError`]; `csv` only fails on IO when reading bytes flexibly.
/// A field or row over its limit becomes a problem at its line and column, naming the setting
/// that raises the limit.
fn read_error(file_name: &str, line: u64, error: csv::Error, options: &ReadOptions) -> ImportError {
    let source = match error.into_kind() {
        csv::ErrorKind::Io(source) => source,
        other => io::Error::other(format!("{other:?}")),
    };
    if let Some(exceeded) = source
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitExceeded>())
    {
        let (what, setting) = if exceeded.field {
            ("field", &options.field_limit_setting)
        } else {
            ("row", &options.line_limit_setting)
        };
        let message = format!(
            "{what} is longer than the limit of {} bytes, so the file was not read further; shorten it, or raise {setting}",
            exceeded.limit
        );
        return file_error(
            file_name,
            exceeded.line,
            Some(exceeded.column - 1),
            None,
            message,
        );
    }
    ImportError::Read {
        file: file_name.to_string(),
        line,
        source,
    }
}

/// Reads the first bytes, checks the encoding, sniffs the dialect and reads the header.
pub(crate) fn open_source<R: Read>(
    mut reader: R,
    file_name: &str,
    options: &ReadOptions,
) -> Result<Source<R>, ImportError> {
    let mut prefetch = Vec::with_capacity(PREFETCH_BYTES);
    (&mut reader)
        .take(PREFETCH_BYTES as u64)
        .read_to_end(&mut prefetch)
        .map_err(|source| ImportError::Read {
            file: file_name.to_string(),
            line: 1,
            source,
        })?;
    if is_utf16(&prefetch) {
        let message = format!(
            "file is not UTF-8 (looks like {}); export it as UTF-8",
            guess_encoding(&prefetch)
        );
        return Err(file_error(file_name, 1, Some(0), None, message));
    }
    if prefetch.starts_with(b"\xEF\xBB\xBF") {
        prefetch.drain(..3);
    }
    if prefetch.iter().all(u8::is_ascii_whitespace) {
        return Err(file_error(
            file_name,
            1,
            None,
            None,
            "file is empty".to_string(),
        ));
    }
    let carriage_returns_end_lines = prefetch.contains(&b'\r') && !prefetch.contains(&b'\n');
    if carriage_returns_end_lines {
        for byte in &mut prefetch {
            if *byte == b'\r' {
                *byte = b'\n';
            }
        }
    }
    let dialect = options.dialect.unwrap_or_else(|| sniff(&prefetch));
    let has_separator_line = excel_separator_line(&prefetch).is_some();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(dialect.delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(PREFETCH_BYTES)
        .from_reader(QuoteCounter {
            inner: io::Cursor::new(prefetch).chain(reader),
            n_quotes: 0,
            carriage_returns_end_lines,
            limits: SizeWatch::new(dialect.delimiter, options),
        });
    let mut header_record = ByteRecord::new();
    let mut has_header = reader
        .read_byte_record(&mut header_record)
        .map_err(|error| read_error(file_name, 1, error, options))?;
    if has_header && has_separator_line {
        has_header = reader
            .read_byte_record(&mut header_record)
            .map_err(|error| read_error(file_name, 2, error, options))?;
    }
    if !has_header {
        return Err(file_error(
            file_name,
            1,
            None,
            None,
            "file is empty".to_string(),
        ));
    }
    let header_line = header_record
        .position()
        .map_or(1, |position| position.line());
    let mut headers = Vec::with_capacity(header_record.len());
    for (column, bytes) in header_record.iter().enumerate() {
        match std::str::from_utf8(bytes) {
            Ok(text) => headers.push(text.trim().to_string()),
            Err(_) => {
                let message = format!(
                    "file is not UTF-8 (looks like {}): this header reads {} in Latin-1; export it as UTF-8",
                    guess_encoding(bytes),
                    quote(decode_latin1(bytes).trim())
                );
                return Err(file_error(
                    file_name,
                    header_line,
                    Some(column),
                    None,
                    message,
                ));
            }
        }
    }
    Ok(Source {
        reader,
        dialect,
        headers,
        header_line,
        file_name: file_name.to_string(),
    })
}

/// Maps the header to `fields`, or says which required columns are missing.
pub(crate) fn map_columns<R: Read>(
    source: &Source<R>,
    fields: &[FieldSpec],
) -> Result<ColumnMap, ImportError> {
    resolve_columns(&source.headers, fields).map_err(|missing| {
        let names = missing.join(", ");
        let plural = if missing.len() == 1 {
            "column"
        } else {
            "columns"
        };
        const MAX_SHOWN: usize = 12;
        let mut found = source
            .headers
            .iter()
            .take(MAX_SHOWN)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        if source.headers.len() > MAX_SHOWN {
            found.push_str(&format!(" and {} more", source.headers.len() - MAX_SHOWN));
        }
        let message = format!("missing required {plural} {names} (the header has: {found})");
        file_error(&source.file_name, source.header_line, None, None, message)
    })
}

/// What the look-ahead found in the date and number columns.
#[derive(Debug, Default)]
struct Votes {
    n_day_first_only: u64,
    n_month_first_only: u64,
    n_decimal_comma: u64,
    n_decimal_point: u64,
}

impl Votes {
    fn count(
        &mut self,
        record: &ByteRecord,
        date_column: Option<usize>,
        number_column: Option<usize>,
    ) {
        let text_at = |column: Option<usize>| {
            column
                .and_then(|column| record.get(column))
                .and_then(|bytes| std::str::from_utf8(bytes).ok())
        };
        if let Some(text) = text_at(date_column) {
            match order_evidence(text) {
                OrderEvidence::DayFirstOnly => self.n_day_first_only += 1,
                OrderEvidence::MonthFirstOnly => self.n_month_first_only += 1,
                OrderEvidence::Neutral | OrderEvidence::Ambiguous => {}
            }
        }
        if let Some(text) = text_at(number_column) {
            match decimal_mark_evidence(text) {
                Some(',') => self.n_decimal_comma += 1,
                Some(_) => self.n_decimal_point += 1,
                None => {}
            }
        }
    }

    /// Whether more rows cannot change the decisions.
    fn is_settled(&self, date_column: Option<usize>, number_column: Option<usize>) -> bool {
        let order_settled = date_column.is_none() || self.n_day_first_only > 0;
        let decimal_settled =
            number_column.is_none() || (self.n_decimal_comma > 0 && self.n_decimal_point > 0);
        order_settled && decimal_settled
    }

    /// Month-first when some value is only valid month-first and none only day-first.
    fn date_order(&self) -> DateOrder {
        if self.n_month_first_only > 0 && self.n_day_first_only == 0 {
            DateOrder::MonthFirst
        } else {
            DateOrder::DayFirst
        }
    }

    /// The decimal mark when the values agree on one, `None` when they say nothing or disagree.
    fn decimal_comma(&self) -> Option<bool> {
        match (self.n_decimal_comma, self.n_decimal_point) {
            (0, 0) => None,
            (_, 0) => Some(true),
            (0, _) => Some(false),
            _ => None,
        }
    }
}

/// Where rejected rows go: kept up to a cap, all counted.
struct RejectSink<'s> {
    file_name: &'s str,
    headers: &'s [String],
    max_kept: usize,
    kept: Vec<Rejected>,
    n_total: u64,
}

impl RejectSink<'_> {
    fn reject(&mut self, record: &ByteRecord, line: u64, problems: Vec<Problem>) {
        self.n_total += 1;
        if self.kept.len() >= self.max_kept {
            return;
        }
        let diagnostics = problems
            .into_iter()
            .map(|problem| Diagnostic {
                file: self.file_name.to_string(),
                line,
                column: problem.column.map(|column| column + 1),
                column_name: problem
                    .column
                    .and_then(|column| self.headers.get(column).cloned()),
                message: problem.message,
            })
            .collect();
        let record = record
            .iter()
            .map(|field| String::from_utf8_lossy(field).into_owned())
            .collect();
        self.kept.push(Rejected {
            line,
            diagnostics,
            record,
        });
    }
}

/// Reads every record after the header, checks its field count, hands it to `parse_row` and the
/// value it returns to `on_row`; rows with problems are rejected instead.
///
/// The first rows are held back until `lookahead` has settled the date order and decimal mark.
/// The last record is rejected when it holds a line break and the file has an odd number of
/// double quotes: a quote opened there was never closed. (A stray quote inside an unquoted field
/// elsewhere, with a legitimate multi-line last record, would be misread the same way.)
pub(crate) fn stream<R: Read, T>(
    mut source: Source<R>,
    map: &ColumnMap,
    fields: &[FieldSpec],
    options: &ReadOptions,
    lookahead: Lookahead,
    mut parse_row: impl FnMut(&mut Row<'_>) -> Option<T>,
    mut on_row: impl FnMut(T),
) -> Result<FileReport, ImportError> {
    let n_headers = source.headers.len();
    let file_name = source.file_name.clone();
    let headers = std::mem::take(&mut source.headers);
    let mut sink = RejectSink {
        file_name: &file_name,
        headers: &headers,
        max_kept: options.max_rejected_kept,
        kept: Vec::new(),
        n_total: 0,
    };
    let mut n_rows = 0_u64;

    // Hold back the first rows until the date order and the decimal mark are known.
    let mut held_back: Vec<ByteRecord> = Vec::new();
    let file_name = file_name.as_str();
    let date_column =
        map.field_columns[lookahead.date_field].filter(|_| options.date_order.is_none());
    let number_column = lookahead
        .number_field
        .and_then(|field| map.field_columns[field])
        .filter(|_| options.dialect.is_none());
    let mut votes = Votes::default();
    if date_column.is_some() || number_column.is_some() {
        let mut n_bytes = 0;
        while held_back.len() < lookahead.rows
            && n_bytes < lookahead.bytes
            && !votes.is_settled(date_column, number_column)
        {
            let mut record = ByteRecord::new();
            let line = source.reader.position().line();
            if !source
                .reader
                .read_byte_record(&mut record)
                .map_err(|error| read_error(file_name, line, error, options))?
            {
                break;
            }
            votes.count(&record, date_column, number_column);
            n_bytes += record.as_slice().len();
            held_back.push(record);
        }
    }
    let date_order = options.date_order.unwrap_or_else(|| votes.date_order());
    source.dialect.decimal_comma = votes
        .decimal_comma()
        .unwrap_or(source.dialect.decimal_comma);

    let decimal_comma = source.dialect.decimal_comma;
    let mut handle = |record: &ByteRecord, sink: &mut RejectSink<'_>| {
        let starts_with_data = record.get(0).is_some_and(|first| {
            first
                .first()
                .is_some_and(|&byte| !byte.is_ascii_whitespace())
        });
        if !starts_with_data
            && record
                .iter()
                .all(|field| field.iter().all(u8::is_ascii_whitespace))
        {
            // A blank row, as spreadsheets write them (`,,,`): not data, not a problem.
            return;
        }
        let line = record.position().map_or(0, |position| position.line());
        let whole = std::str::from_utf8(record.as_slice()).ok();
        let mut row = Row {
            record,
            whole,
            map,
            fields,
            line,
            date_order,
            decimal_comma,
            has_nul: record.as_slice().contains(&0),
            problems: Vec::new(),
        };
        if let Some(message) = field_count_problem(record, n_headers) {
            row.row_problem(message);
            sink.reject(record, line, row.problems);
            return;
        }
        let value = parse_row(&mut row);
        match value {
            Some(value) if !row.has_problems() => {
                n_rows += 1;
                on_row(value);
            }
            _ => {
                if row.problems.is_empty() {
                    row.row_problem("row rejected".to_string());
                }
                sink.reject(record, line, row.problems);
            }
        }
    };
    // Each record is handled once the next one is read, so the last one can be checked for a
    // quote that is never closed (the `csv` crate then silently ends the field at the end of file).
    let mut held_back = VecDeque::from(held_back);
    let mut next_record =
        |record: &mut ByteRecord, reader: &mut csv::Reader<_>| -> Result<bool, ImportError> {
            if let Some(held) = held_back.pop_front() {
                *record = held;
                return Ok(true);
            }
            let line = reader.position().line();
            reader
                .read_byte_record(record)
                .map_err(|error| read_error(file_name, line, error, options))
        };
    let mut current = ByteRecord::new();
    let mut next = ByteRecord::new();
    if next_record(&mut current, &mut source.reader)? {
        loop {
            if !next_record(&mut next, &mut source.reader)? {
                break;
            }
            handle(&current, &mut sink);
            std::mem::swap(&mut current, &mut next);
        }
        let ends_in_quotes = source.reader.get_ref().n_quotes % 2 == 1;
        let spanning_column = current.iter().position(|field| field.contains(&b'\n'));
        match spanning_column {
            Some(column) if ends_in_quotes => {
                let line = current.position().map_or(0, |position| position.line());
                // The position is past the file's final newline, which the open quote swallowed.
                let ends_with_newline = current
                    .iter()
                    .next_back()
                    .is_some_and(|field| field.ends_with(b"\n"));
                let end_line = source.reader.position().line() - u64::from(ends_with_newline);
                let message = format!(
                    "unterminated quoted field: its opening quote is never closed, so lines {line} to {end_line} were read as one row"
                );
                sink.reject(
                    &current,
                    line,
                    vec![Problem {
                        column: Some(column),
                        message,
                    }],
                );
            }
            _ => handle(&current, &mut sink),
        }
    }

    let columns = map.uses(fields, &headers);
    let ignored_columns = map
        .other_columns
        .iter()
        .map(|&column| headers[column].clone())
        .collect();
    Ok(FileReport {
        file: file_name.to_string(),
        dialect: source.dialect,
        n_rows,
        n_rejected: sink.n_total,
        rejected: sink.kept,
        columns,
        ignored_columns,
        headers,
        date_order,
    })
}

/// The problem with a record's number of fields, if any; extra fields are tolerated when empty.
fn field_count_problem(record: &ByteRecord, n_headers: usize) -> Option<String> {
    let n_fields = record.len();
    let extra_are_empty = || {
        record
            .iter()
            .skip(n_headers)
            .all(|field| field.iter().all(u8::is_ascii_whitespace))
    };
    if n_fields == n_headers || (n_fields > n_headers && extra_are_empty()) {
        return None;
    }
    let spans_lines = record.iter().any(|field| field.contains(&b'\n'));
    let hint = if spans_lines {
        "; a quoted field spans several lines, check for an unbalanced quote"
    } else {
        ""
    };
    Some(format!(
        "expected {n_headers} fields as in the header, found {n_fields}{hint}"
    ))
}
