//! Reading a transaction log (`customer_id,date,amount` CSV with a header) into
//! per-customer RFM summaries, fast.
//!
//! Two threads form a pipeline: one reads and parses the CSV into batches of
//! `(customer id bytes, day number, amount)` with reused buffers, the other
//! feeds them to [`SummaryBuilder`], which keeps each customer's distinct days.
//! Nothing is allocated per row except the first row of each customer.
//! Bad rows are reported as `file:line:column: reason` (up to
//! [`MAX_DIAGNOSTICS`] printed), and make the whole read fail.

use std::collections::HashMap;
use std::hash::Hasher;
use std::path::Path;
use std::sync::mpsc;

use anyhow::Context;
use bellwether_clv::summary::{
    day_number, CustomerSummary, SummaryBuilder, SummaryOptions, TimeUnit,
};

use super::InvalidData;

/// How many row diagnostics are printed before the rest are only counted.
pub const MAX_DIAGNOSTICS: usize = 100;

/// Rows handed from the parsing thread to the aggregating thread at a time.
const BATCH_ROWS: usize = 1 << 15;

/// The names of the three columns to read.
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    pub customer: &'a str,
    pub date: &'a str,
    pub amount: &'a str,
}

/// Calibration and holdout periods, as day numbers (see `summary::day_number`).
#[derive(Debug, Clone, Copy)]
pub struct Periods {
    pub time_unit: TimeUnit,
    /// `--calibration-end`: with it, the summary has holdout columns.
    pub calibration_end: Option<i32>,
    /// `--observation-end`: rows after it are ignored.
    pub observation_end: Option<i32>,
}

/// The summaries of a transaction log.
pub struct Summaries {
    /// One per customer whose first purchase is in calibration, in order of first
    /// appearance; `customer` indexes [`Self::names`].
    pub customers: Vec<CustomerSummary<u32>>,
    /// The customer ids.
    pub names: Names,
    /// Data rows read (header excluded).
    pub rows: usize,
    /// True when the summaries carry holdout counts.
    pub holdout: bool,
}

/// FxHash (rustc's hasher): customer ids come from the user's own file, so a
/// DoS-resistant hash buys nothing and costs much of the run time.
pub type FxBuild = rustc_hash::FxBuildHasher;

/// The customer ids of a summary, back to back.
#[derive(Default)]
pub struct Names {
    bytes: Vec<u8>,
    /// Id `i` is `bytes[ends[i - 1]..ends[i]]`.
    ends: Vec<usize>,
}

impl Names {
    fn push(&mut self, id: &[u8]) -> u32 {
        self.bytes.extend_from_slice(id);
        self.ends.push(self.bytes.len());
        (self.ends.len() - 1) as u32
    }

    /// The id numbered `number`.
    pub fn get(&self, number: u32) -> &[u8] {
        let i = number as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }
}

/// A customer's summary and the row of its first appearance.
type FirstSeen<'a> = (u32, CustomerSummary<&'a [u8]>);

/// Number of hash partitions of the rows: each holds about 1/256 of the customers,
/// so summarising one partition works in cache.
const PARTITIONS: usize = 256;

/// The rows of the customers whose id hashes to one partition, in file order.
#[derive(Default)]
struct Partition {
    ids: Vec<u8>,
    id_ends: Vec<u32>,
    days: Vec<i32>,
    amounts: Vec<f64>,
    /// Row number in the file (0-based, data rows only), to order customers by first appearance.
    rows: Vec<u32>,
}

impl Partition {
    fn push(&mut self, id: &[u8], day: i32, amount: f64, row: u32) {
        self.ids.extend_from_slice(id);
        self.id_ends.push(self.ids.len() as u32);
        self.days.push(day);
        self.amounts.push(amount);
        self.rows.push(row);
    }

    /// Summaries of this partition's customers, each with the row of its first appearance.
    fn summarise(&self, options: SummaryOptions) -> Vec<FirstSeen<'_>> {
        let mut builder: SummaryBuilder<&[u8], FxBuild> =
            SummaryBuilder::with_hasher(options, FxBuild::default());
        let mut first_rows: HashMap<&[u8], u32, FxBuild> = HashMap::default();
        let mut start = 0usize;
        for i in 0..self.days.len() {
            let end = self.id_ends[i] as usize;
            let id = &self.ids[start..end];
            start = end;
            // Amounts are checked finite by the parser, the one reason push fails.
            let _ = builder.push(&id, self.days[i], self.amounts[i]);
            first_rows.entry(id).or_insert(self.rows[i]);
        }
        builder
            .finish()
            .unwrap_or_default()
            .into_iter()
            .map(|summary| {
                (
                    first_rows
                        .get(summary.customer)
                        .copied()
                        .unwrap_or(u32::MAX),
                    summary,
                )
            })
            .collect()
    }
}

/// One batch of parsed rows; the buffers travel back to the parser for reuse.
#[derive(Default)]
struct Batch {
    ids: Vec<u8>,
    id_ends: Vec<u32>,
    days: Vec<i32>,
    amounts: Vec<f64>,
    /// Bytes of the file read up to the end of this batch.
    bytes_read: u64,
}

impl Batch {
    fn clear(&mut self) {
        self.ids.clear();
        self.id_ends.clear();
        self.days.clear();
        self.amounts.clear();
    }

    fn len(&self) -> usize {
        self.days.len()
    }
}

/// What the parsing thread found besides the rows.
struct ParseReport {
    rows: usize,
    last_day: Option<i32>,
    diagnostics: Vec<String>,
    /// Problems found; a row can have several.
    n_problems: usize,
    n_bad_rows: usize,
}

/// Reads the header of `path` (first CSV record), trimmed.
pub fn read_header(path: &Path) -> anyhow::Result<Vec<String>> {
    let file = fs_err::File::open(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(file);
    let mut record = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .with_context(|| format!("cannot read {}", path.display()))?
    {
        return Err(InvalidData::new(format!("{} is empty", path.display())).into());
    }
    Ok(record
        .iter()
        .map(|field| String::from_utf8_lossy(field.trim_ascii()).into_owned())
        .collect())
}

/// Reserves the partitions' room for the whole file, estimated from its size and
/// the first batch: growing by doubling would copy every row and fault in twice the
/// memory.
fn reserve(partitions: &mut [Partition], first: &Batch, file_len: u64) {
    let rows = first.len() as f64;
    let estimated_rows = file_len as f64 / first.bytes_read as f64 * rows;
    // About 1 % for the spread of a hash partition of 40,000 rows, and some margin.
    let per_partition = (estimated_rows / partitions.len() as f64 * 1.05 + 64.0) as usize;
    let id_bytes = (first.ids.len() as f64 / rows * per_partition as f64) as usize + 64;
    for partition in partitions {
        partition.ids.reserve(id_bytes);
        partition.id_ends.reserve(per_partition);
        partition.days.reserve(per_partition);
        partition.amounts.reserve(per_partition);
        partition.rows.reserve(per_partition);
    }
}

/// Summarises the transaction log at `path`. Fails with [`InvalidData`] on bad rows.
pub fn summarise(path: &Path, columns: Columns<'_>, periods: Periods) -> anyhow::Result<Summaries> {
    let mut options = builder_options(periods)?;
    let mut partitions: Vec<Partition> = (0..PARTITIONS).map(|_| Partition::default()).collect();
    let file_len = fs_err::metadata(path)?.len();
    let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(4);
    let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
    let report = std::thread::scope(|scope| {
        let parser = scope.spawn(move || parse_file(path, columns, &full_tx, &empty_rx));
        let mut row = 0u32;
        for batch in full_rx {
            if row == 0 && batch.bytes_read > 0 {
                reserve(&mut partitions, &batch, file_len);
            }
            let mut start = 0usize;
            for i in 0..batch.len() {
                let end = batch.id_ends[i] as usize;
                let id = &batch.ids[start..end];
                start = end;
                let mut hasher = rustc_hash::FxHasher::default();
                hasher.write(id);
                // The top bits of a second multiply: independent of the bits the
                // partition's own hash tables use.
                let p = (hasher.finish().wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize;
                partitions[p].push(id, batch.days[i], batch.amounts[i], row);
                row = row.saturating_add(1);
            }
            let _ = empty_tx.send(batch);
        }
        parser
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the CSV parsing thread panicked")))
    })?;
    if report.rows >= u32::MAX as usize {
        return Err(InvalidData::new(format!(
            "{} has more than {} rows",
            path.display(),
            u32::MAX - 1
        ))
        .into());
    }
    if report.n_bad_rows > 0 {
        for diagnostic in &report.diagnostics {
            eprintln!("error: {diagnostic}");
        }
        if report.n_problems > report.diagnostics.len() {
            eprintln!(
                "… and {} more",
                report.n_problems - report.diagnostics.len()
            );
        }
        return Err(InvalidData::new(format!(
            "{} invalid row{} in {}\n\nhint: dates are YYYY-MM-DD or YYYYMMDD, amounts plain numbers such as 12.50",
            report.n_bad_rows,
            if report.n_bad_rows == 1 { "" } else { "s" },
            path.display()
        ))
        .into());
    }
    let holdout = periods.calibration_end.is_some();
    // Every partition must end calibration on the same day: the file's last day by default.
    if options.calibration_end.is_none() {
        options.calibration_end = report.last_day;
        if options.calibration_end.is_none() {
            return Ok(Summaries {
                customers: Vec::new(),
                names: Names::default(),
                rows: report.rows,
                holdout,
            });
        }
    }
    // Summarise the partitions on two threads, then order customers by first appearance.
    let partitions = &partitions;
    let halves: Vec<Vec<FirstSeen<'_>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|half| {
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for partition in partitions.iter().skip(half).step_by(2) {
                        out.extend(partition.summarise(options));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let mut ordered: Vec<FirstSeen<'_>> = halves.into_iter().flatten().collect();
    ordered.sort_unstable_by_key(|(first_row, _)| *first_row);
    let mut names = Names::default();
    let mut customers: Vec<CustomerSummary<u32>> = ordered
        .into_iter()
        .map(|(_, s)| CustomerSummary {
            customer: names.push(s.customer),
            frequency: s.frequency,
            recency: s.recency,
            age: s.age,
            monetary_value: s.monetary_value,
            first_day: s.first_day,
            holdout_frequency: s.holdout_frequency,
            holdout_duration: s.holdout_duration,
        })
        .collect();
    if let (Some(calibration_end), None) = (periods.calibration_end, periods.observation_end) {
        // The holdout ran to the last date of the file.
        let end = report
            .last_day
            .unwrap_or(calibration_end)
            .max(calibration_end);
        let duration = f64::from(end - calibration_end) / periods.time_unit.days();
        for customer in &mut customers {
            customer.holdout_duration = Some(duration);
        }
    }
    Ok(Summaries {
        customers,
        names,
        rows: report.rows,
        holdout,
    })
}

/// Far beyond any date the parser accepts (year 9999), yet safe to subtract from.
const OPEN_END: i32 = i32::MAX / 2;

pub(super) fn builder_options(periods: Periods) -> anyhow::Result<SummaryOptions> {
    let (calibration_end, observation_end) = match (
        periods.calibration_end,
        periods.observation_end,
    ) {
        (None, observation) => (observation, None),
        (Some(calibration), Some(observation)) if observation < calibration => {
            anyhow::bail!("--observation-end precedes --calibration-end\n\nhint: the holdout runs from the day after --calibration-end to --observation-end")
        }
        (Some(calibration), observation) => {
            (Some(calibration), Some(observation.unwrap_or(OPEN_END)))
        }
    };
    Ok(SummaryOptions {
        time_unit: periods.time_unit,
        calibration_end,
        observation_end,
    })
}

/// The parsing thread: CSV records to batches; bad rows to diagnostics.
fn parse_file(
    path: &Path,
    columns: Columns<'_>,
    full: &mpsc::SyncSender<Batch>,
    empty: &mpsc::Receiver<Batch>,
) -> anyhow::Result<ParseReport> {
    let file = fs_err::File::open(path)?;
    let name = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let mut record = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .with_context(|| format!("cannot read {name}"))?
    {
        return Err(InvalidData::new(format!("{name} is empty")).into());
    }
    let header: Vec<String> = record
        .iter()
        .map(|field| String::from_utf8_lossy(field.trim_ascii()).into_owned())
        .collect();
    let find = |wanted: &str, flag: &str| -> anyhow::Result<usize> {
        header.iter().position(|h| h == wanted).ok_or_else(|| {
            InvalidData::new(format!(
                "{name} has no column `{wanted}` (its columns: {})\n\nhint: name the column with {flag}",
                header.join(", ")
            ))
            .into()
        })
    };
    let customer_col = find(columns.customer, "--customer-col")?;
    let date_col = find(columns.date, "--date-col")?;
    let amount_col = find(columns.amount, "--amount-col")?;

    let mut report = ParseReport {
        rows: 0,
        last_day: None,
        diagnostics: Vec::new(),
        n_problems: 0,
        n_bad_rows: 0,
    };
    let mut batch = Batch::default();
    let mut last_day = i32::MIN;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                let at = error
                    .position()
                    .map_or(String::new(), |p| format!(":{}", p.line()));
                return Err(InvalidData::new(format!("{name}{at}: {error}")).into());
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record[0].trim_ascii().is_empty() {
            continue; // a blank line
        }
        report.rows += 1;
        let problems_before = report.n_problems;
        let parsed = parse_row(
            &record,
            &name,
            line,
            [customer_col, date_col, amount_col],
            &mut report,
        );
        if report.n_problems > problems_before {
            report.n_bad_rows += 1;
        }
        let Some((day, value)) = parsed else { continue };
        if report.n_bad_rows > 0 {
            continue; // the read will fail; only keep looking for errors
        }
        let customer = record[customer_col].trim_ascii();
        last_day = last_day.max(day);
        batch.ids.extend_from_slice(customer);
        batch.id_ends.push(batch.ids.len() as u32);
        batch.days.push(day);
        batch.amounts.push(value);
        if batch.len() == BATCH_ROWS || batch.ids.len() > 1 << 30 {
            batch.bytes_read = reader.position().byte();
            let mut next = empty.try_recv().unwrap_or_default();
            next.clear();
            if full.send(std::mem::replace(&mut batch, next)).is_err() {
                break;
            }
        }
    }
    if batch.len() > 0 {
        let _ = full.send(batch);
    }
    report.last_day = (last_day != i32::MIN).then_some(last_day);
    Ok(report)
}

/// The day and amount of one record, or `None` after reporting its problems.
/// `columns` are the indexes of the customer, date and amount.
fn parse_row(
    record: &csv::ByteRecord,
    name: &str,
    line: u64,
    columns: [usize; 3],
    report: &mut ParseReport,
) -> Option<(i32, f64)> {
    let [customer_col, date_col, amount_col] = columns;
    let needed = customer_col.max(date_col).max(amount_col) + 1;
    if record.len() < needed {
        report.bad(format!(
            "{name}:{line}: expected at least {needed} fields, found {}",
            record.len()
        ));
        return None;
    }
    if record[customer_col].trim_ascii().is_empty() {
        report.bad(format!(
            "{name}:{line}:{}: empty customer id",
            customer_col + 1
        ));
    }
    let date = &record[date_col];
    let day = match parse_day(date) {
        Ok(day) => Some(day),
        Err(reason) => {
            report.bad(format!(
                "{name}:{line}:{}: cannot parse date {:?} ({reason})",
                date_col + 1,
                lossy(date)
            ));
            None
        }
    };
    let amount = &record[amount_col];
    let value = parse_amount(amount);
    if value.is_none() {
        report.bad(format!(
            "{name}:{line}:{}: cannot parse amount {:?} as a number",
            amount_col + 1,
            lossy(amount)
        ));
    }
    if record[customer_col].trim_ascii().is_empty() {
        return None;
    }
    Some((day?, value?))
}

impl ParseReport {
    fn bad(&mut self, diagnostic: String) {
        self.n_problems += 1;
        if self.diagnostics.len() < MAX_DIAGNOSTICS {
            self.diagnostics.push(diagnostic);
        }
    }
}

fn lossy(field: &[u8]) -> String {
    String::from_utf8_lossy(field).into_owned()
}

/// Parses `YYYY-MM-DD` (or `YYYY/MM/DD`, optionally followed by `T` or a space and a
/// time, which is ignored) and `YYYYMMDD` to days since 1970-01-01.
pub fn parse_day(field: &[u8]) -> Result<i32, &'static str> {
    const FORMAT: &str = "expected YYYY-MM-DD or YYYYMMDD";
    let field = field.trim_ascii();
    let digits = |bytes: &[u8]| -> Option<u32> {
        bytes.iter().try_fold(0u32, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    };
    let (year, month, day) = if field.len() >= 10
        && (field[4] == b'-' || field[4] == b'/')
        && field[7] == field[4]
        && (field.len() == 10 || field[10] == b'T' || field[10] == b' ')
    {
        (
            digits(&field[0..4]),
            digits(&field[5..7]),
            digits(&field[8..10]),
        )
    } else if field.len() == 8 {
        (
            digits(&field[0..4]),
            digits(&field[4..6]),
            digits(&field[6..8]),
        )
    } else {
        return Err(FORMAT);
    };
    let (Some(year), Some(month), Some(day)) = (year, month, day) else {
        return Err(FORMAT);
    };
    day_number(year as i32, month, day).ok_or("no such day")
}

/// Parses a decimal number; plain `[-+]digits[.digits]` with at most 15 digits
/// takes an exact fast path (the mantissa and the power of ten are exact
/// doubles, so one division rounds correctly), anything else `str::parse`.
/// Non-finite values are refused.
pub fn parse_amount(field: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let field = field.trim_ascii();
    let (negative, body) = match field.first() {
        Some(b'-') => (true, &field[1..]),
        Some(b'+') => (false, &field[1..]),
        _ => (false, field),
    };
    let mut mantissa: u64 = 0;
    let mut n_digits = 0usize;
    let mut n_decimals = 0usize;
    let mut seen_point = false;
    let mut fast = !body.is_empty();
    for &b in body {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
                n_digits += 1;
                n_decimals += usize::from(seen_point);
            }
            b'.' if !seen_point => seen_point = true,
            _ => {
                fast = false;
                break;
            }
        }
    }
    if fast && n_digits > 0 && n_digits <= 15 {
        let value = mantissa as f64 / POW10[n_decimals];
        return Some(if negative { -value } else { value });
    }
    std::str::from_utf8(field)
        .ok()?
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_day(b"1970-01-01"), Ok(0));
        assert_eq!(parse_day(b"19970930"), parse_day(b"1997-09-30"));
        assert_eq!(parse_day(b" 1997/09/30 "), parse_day(b"1997-09-30"));
        assert_eq!(parse_day(b"1997-09-30T12:00:00Z"), parse_day(b"1997-09-30"));
        assert_eq!(parse_day(b"1997-02-29"), Err("no such day"));
        assert!(parse_day(b"1997-9-30").is_err());
        assert!(parse_day(b"yesterday").is_err());
        assert!(parse_day(b"1997-09-3x").is_err());
    }

    #[test]
    fn amounts() {
        for text in [
            "0",
            "12.5",
            "-3.25",
            "+7",
            "29.33",
            "0.1",
            "123456789012345",
            "1e3",
            "1234567890123456789.5",
            ".5",
            "5.",
        ] {
            assert_eq!(
                parse_amount(text.as_bytes()),
                text.parse::<f64>().ok(),
                "{text}"
            );
        }
        for text in ["", "-", ".", "lots", "1.2.3", "inf", "NaN", "12,5"] {
            assert_eq!(parse_amount(text.as_bytes()), None, "{text}");
        }
    }
}
