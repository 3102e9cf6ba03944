//! Reading a transaction log (`customer_id,date,amount` CSV with a header) into
//! per-customer RFM summaries, fast.
//!
//! Rows stream through O(1)-per-customer summaries ([`OrderedDays`]), batched by
//! hash partition so each batch updates the summaries one cache-sized partition at
//! a time; two threads each take half of the file and their summaries are joined.
//! Ids of up to 7 bytes (most exports' ids) travel and compare as one integer ([`ShortKey`]).
//! Bad rows are reported as `file:line:column: reason` (up to
//! [`MAX_DIAGNOSTICS`] printed), and make the whole read fail.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hasher;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::Context;
use bellwether_clv::summary::{
    day_number, CustomerSummary, OrderedDays, SummaryBuilder, SummaryOptions, TimeUnit,
};
use hashbrown::HashTable;

use super::InvalidData;

/// How many row diagnostics are printed before the rest are only counted.
pub const MAX_DIAGNOSTICS: usize = 100;

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

/// Number of hash partitions of the customers: each holds about 1/256 of them, so
/// applying a batch of rows one partition at a time works in cache.
const PARTITIONS: usize = 256;

/// Rows buffered (per thread) before they are applied to the customers' summaries.
const BATCH_ROWS: usize = 1 << 19;

/// Bytes read from the file at a time by each thread.
const BLOCK_BYTES: usize = 4 << 20;

/// What one customer's rows add up to so far.
#[derive(Clone, Copy)]
enum Running {
    /// Rows in day order so far: an O(1) summary.
    Ordered(OrderedDays),
    /// A row came dated before the customer's last day: summarised in a second pass.
    Unordered,
}

/// A customer id of at most [`SHORT_ID_BYTES`] bytes packed into one integer (its bytes, and its
/// length in the top byte), so that finding it costs one comparison instead of a `memcmp`;
/// [`LONG_ID`] for longer ids, which are compared byte by byte.
type ShortKey = u64;

/// Ids up to this long are [`ShortKey`]s: up to 9,999,999 as numbers, or `C000001`.
const SHORT_ID_BYTES: usize = 7;

/// The [`ShortKey`] of every longer id (no short id has 0xFF as its length byte).
const LONG_ID: ShortKey = u64::MAX;

fn short_key(id: &[u8]) -> ShortKey {
    if id.len() > SHORT_ID_BYTES {
        return LONG_ID;
    }
    let mut key = (id.len() as u64) << 56;
    for (i, &byte) in id.iter().enumerate() {
        key |= u64::from(byte) << (8 * i);
    }
    key
}

/// The bytes of a short id.
fn short_id_bytes(key: ShortKey) -> ([u8; 8], usize) {
    (key.to_le_bytes(), (key >> 56) as usize)
}

/// The hash of a customer: of its short key, or of a long id's bytes.
fn hash_key(key: ShortKey, id: &[u8]) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    if key == LONG_ID {
        hasher.write(id);
    } else {
        hasher.write_u64(key);
    }
    hasher.finish()
}

/// The customers whose ids hash to one partition, with their ids back to back.
#[derive(Default)]
struct Partition {
    /// Customer numbers, hashed by id.
    table: HashTable<u32>,
    /// Each customer's [`ShortKey`].
    keys: Vec<ShortKey>,
    ids: Vec<u8>,
    id_ends: Vec<u32>,
    running: Vec<Running>,
    /// Byte offset in the file of each customer's first row: the order of first appearance.
    first_offset: Vec<u64>,
}

impl Partition {
    fn id(&self, customer: u32) -> &[u8] {
        let i = customer as usize;
        let start = if i == 0 {
            0
        } else {
            self.id_ends[i - 1] as usize
        };
        &self.ids[start..self.id_ends[i] as usize]
    }

    /// The number of the customer with `key` (and, for a long id, bytes `id`), or `None`.
    fn find(&self, hash: u64, key: ShortKey, id: &[u8]) -> Option<u32> {
        self.table
            .find(hash, |&c| {
                self.keys[c as usize] == key && (key != LONG_ID || self.id(c) == id)
            })
            .copied()
    }

    fn insert(&mut self, hash: u64, key: ShortKey, id: &[u8], running: Running, offset: u64) {
        let customer = self.running.len() as u32;
        if key == LONG_ID {
            self.ids.extend_from_slice(id);
        } else {
            let (bytes, len) = short_id_bytes(key);
            self.ids.extend_from_slice(&bytes[..len]);
        }
        self.id_ends.push(self.ids.len() as u32);
        self.keys.push(key);
        self.running.push(running);
        self.first_offset.push(offset);
        let (ids, id_ends, keys) = (&self.ids, &self.id_ends, &self.keys);
        self.table.insert_unique(hash, customer, |&c| {
            let i = c as usize;
            let start = if i == 0 { 0 } else { id_ends[i - 1] as usize };
            hash_key(keys[i], &ids[start..id_ends[i] as usize])
        });
    }

    /// Adds one row of the customer with `key` (and, for a long id, bytes `id`).
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        hash: u64,
        key: ShortKey,
        id: &[u8],
        day: i32,
        amount: f64,
        offset: u64,
        calibration_end: Option<i32>,
    ) {
        match self.find(hash, key, id) {
            Some(customer) => {
                let running = &mut self.running[customer as usize];
                if let Running::Ordered(days) = running {
                    if days.push(day, amount, calibration_end).is_err() {
                        *running = Running::Unordered;
                    }
                }
            }
            None => self.insert(
                hash,
                key,
                id,
                Running::Ordered(OrderedDays::new(day, amount)),
                offset,
            ),
        }
    }

    /// Appends `later`, built over a later part of the file.
    fn append(&mut self, later: &Partition, calibration_end: Option<i32>) {
        for customer in 0..later.running.len() as u32 {
            let id = later.id(customer);
            let key = later.keys[customer as usize];
            let hash = hash_key(key, id);
            let next = later.running[customer as usize];
            match self.find(hash, key, id) {
                Some(mine) => {
                    let running = &mut self.running[mine as usize];
                    *running = match (*running, next) {
                        (Running::Ordered(mut days), Running::Ordered(later_days)) => {
                            match days.append(&later_days, calibration_end) {
                                Ok(()) => Running::Ordered(days),
                                Err(_) => Running::Unordered,
                            }
                        }
                        _ => Running::Unordered,
                    };
                }
                None => self.insert(hash, key, id, next, later.first_offset[customer as usize]),
            }
        }
    }
}

/// The partition of a hash: the top bits of a second multiply, independent of the
/// bits the partition's own table uses.
fn partition_of(hash: u64) -> usize {
    (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize
}

/// Rows waiting to be applied to one partition.
#[derive(Default)]
struct Pending {
    /// The bytes of the rows' long ids; short ids travel in their key.
    ids: Vec<u8>,
    /// `(end of the id in ids, key or hash, day, amount, byte offset of the row)`: a row whose
    /// id takes no bytes in `ids` has a short id and carries its [`ShortKey`]; else it carries
    /// the long id's hash (ids are never empty: an empty id is a bad row).
    rows: Vec<(u32, u64, i32, f64, u64)>,
}

/// Per-customer summaries of the rows of one part of the file, in O(customers)
/// memory: rows are buffered in batches, split by partition, and applied one
/// partition at a time.
struct Aggregator {
    partitions: Vec<Partition>,
    pending: Vec<Pending>,
    pending_rows: usize,
    /// Rows after this day only count towards the file's last day.
    keep_until: Option<i32>,
    calibration_end: Option<i32>,
    last_day: Option<i32>,
}

impl Aggregator {
    fn new(options: SummaryOptions) -> Self {
        Self {
            partitions: (0..PARTITIONS).map(|_| Partition::default()).collect(),
            pending: (0..PARTITIONS).map(|_| Pending::default()).collect(),
            pending_rows: 0,
            keep_until: options.observation_end.or(options.calibration_end),
            calibration_end: options.calibration_end,
            last_day: None,
        }
    }

    fn push(&mut self, id: &[u8], day: i32, amount: f64, offset: u64) {
        self.last_day = Some(self.last_day.map_or(day, |d| d.max(day)));
        if self.keep_until.is_some_and(|end| day > end) {
            return;
        }
        let key = short_key(id);
        let hash = hash_key(key, id);
        let pending = &mut self.pending[partition_of(hash)];
        let word = if key == LONG_ID {
            pending.ids.extend_from_slice(id);
            hash
        } else {
            key
        };
        pending
            .rows
            .push((pending.ids.len() as u32, word, day, amount, offset));
        self.pending_rows += 1;
        if self.pending_rows >= BATCH_ROWS {
            self.flush();
        }
    }

    fn flush(&mut self) {
        for (partition, pending) in self.partitions.iter_mut().zip(&mut self.pending) {
            let mut start = 0usize;
            for &(end, word, day, amount, offset) in &pending.rows {
                let id = &pending.ids[start..end as usize];
                start = end as usize;
                let (hash, key) = if id.is_empty() {
                    (hash_key(word, id), word)
                } else {
                    (word, LONG_ID)
                };
                partition.apply(hash, key, id, day, amount, offset, self.calibration_end);
            }
            pending.ids.clear();
            pending.rows.clear();
        }
        self.pending_rows = 0;
    }

    /// Appends `later` (built over a later part of the file), partitions on two threads.
    fn append(&mut self, later: Aggregator) {
        let calibration_end = self.calibration_end;
        self.last_day = match (self.last_day, later.last_day) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let half = PARTITIONS / 2;
        let (mine_low, mine_high) = self.partitions.split_at_mut(half);
        let (later_low, later_high) = later.partitions.split_at(half);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for (mine, later) in mine_high.iter_mut().zip(later_high) {
                    mine.append(later, calibration_end);
                }
            });
            for (mine, later) in mine_low.iter_mut().zip(later_low) {
                mine.append(later, calibration_end);
            }
        });
    }
}

/// What parsing found besides the rows.
#[derive(Default)]
struct ParseReport {
    /// The last date field parsed and its day: logs come in date order, so most rows
    /// repeat the previous row's date.
    last_date: Vec<u8>,
    last_date_day: i32,
    rows: usize,
    /// Lines read (the header excluded), to number the next part's lines.
    lines: u64,
    /// `(line, message)`; lines are numbered within the part until the parts are joined.
    diagnostics: Vec<(u64, String)>,
    /// Problems found; a row can have several.
    n_problems: usize,
    n_bad_rows: usize,
}

impl ParseReport {
    fn bad(&mut self, line: u64, diagnostic: String) {
        self.n_problems += 1;
        if self.diagnostics.len() < MAX_DIAGNOSTICS {
            self.diagnostics.push((line, diagnostic));
        }
    }

    /// Checks one row's fields (`fields[i]` the field of column `columns[i]`, `None`
    /// when the row is too short) and hands a good row to `aggregator`.
    fn row(
        &mut self,
        fields: [&[u8]; 3],
        n_fields: usize,
        needed: usize,
        line: u64,
        offset: u64,
        columns: [usize; 3],
        aggregator: &mut Aggregator,
    ) {
        self.rows += 1;
        let problems_before = self.n_problems;
        if n_fields < needed {
            self.bad(
                line,
                format!(":{line}: expected at least {needed} fields, found {n_fields}"),
            );
            self.n_bad_rows += 1;
            return;
        }
        let [customer_col, date_col, amount_col] = columns;
        let customer = fields[0].trim_ascii();
        if customer.is_empty() {
            self.bad(
                line,
                format!(":{line}:{}: empty customer id", customer_col + 1),
            );
        }
        let parsed = if !self.last_date.is_empty() && fields[1] == self.last_date.as_slice() {
            Ok(self.last_date_day)
        } else {
            let parsed = parse_day(fields[1]);
            if let Ok(day) = parsed {
                self.last_date.clear();
                self.last_date.extend_from_slice(fields[1]);
                self.last_date_day = day;
            }
            parsed
        };
        let day = match parsed {
            Ok(day) => Some(day),
            Err(reason) => {
                self.bad(
                    line,
                    format!(
                        ":{line}:{}: cannot parse date {:?} ({reason})",
                        date_col + 1,
                        lossy(fields[1])
                    ),
                );
                None
            }
        };
        let amount = parse_amount(fields[2]);
        if amount.is_none() {
            self.bad(
                line,
                format!(
                    ":{line}:{}: cannot parse amount {:?} as a number",
                    amount_col + 1,
                    lossy(fields[2])
                ),
            );
        }
        if self.n_problems > problems_before {
            self.n_bad_rows += 1;
        }
        if let (Some(day), Some(amount), 0) = (day, amount, self.n_bad_rows) {
            aggregator.push(customer, day, amount, offset);
        }
    }
}

/// A double quote in the file: the fast splitter cannot handle quoted fields.
struct Quoted;

/// The header, the byte offset where data starts, and the indexes of the three columns.
struct Layout {
    columns: [usize; 3],
    needed: usize,
    data_start: u64,
    /// The file has no double quote in its first block (the header included).
    plain_header: bool,
}

fn layout(path: &Path, name: &str, columns: Columns<'_>) -> anyhow::Result<Layout> {
    let header = read_header(path)?;
    let find = |wanted: &str, flag: &str| -> anyhow::Result<usize> {
        header.iter().position(|h| h == wanted).ok_or_else(|| {
            InvalidData::new(format!(
                "{name} has no column `{wanted}` (its columns: {})\n\nhint: name the column with {flag}",
                header.join(", ")
            ))
            .into()
        })
    };
    let indexes = [
        find(columns.customer, "--customer-col")?,
        find(columns.date, "--date-col")?,
        find(columns.amount, "--amount-col")?,
    ];
    let mut file = fs_err::File::open(path)?;
    let mut first = vec![0u8; 1 << 16];
    let n = read_full(&mut file, &mut first)?;
    let first = &first[..n];
    let newline = memchr::memchr(b'\n', first);
    Ok(Layout {
        columns: indexes,
        needed: indexes.iter().max().map_or(0, |&i| i + 1),
        data_start: newline.map_or(n as u64, |i| i as u64 + 1),
        plain_header: newline.is_some() && memchr::memchr(b'"', first).is_none(),
    })
}

/// Reads until `buffer` is full or the file ends; the number of bytes read.
fn read_full(file: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The byte where the second part of the file starts: just after the first newline
/// at or after the middle of the data, or `None` when the file is small.
fn split_point(path: &Path, data_start: u64, len: u64) -> anyhow::Result<Option<u64>> {
    if len - data_start < 1 << 20 {
        return Ok(None);
    }
    let middle = data_start + (len - data_start) / 2;
    let mut file = fs_err::File::open(path)?;
    file.seek(SeekFrom::Start(middle))?;
    let mut probe = vec![0u8; 1 << 16];
    let n = read_full(&mut file, &mut probe)?;
    Ok(memchr::memchr(b'\n', &probe[..n]).map(|i| middle + i as u64 + 1))
}

/// Parses the rows in bytes `[start, end)` of the file (whole lines) with a plain
/// comma splitter, into `aggregator`. Fails with [`Quoted`] at the first double quote.
fn parse_plain(
    path: &Path,
    layout: &Layout,
    start: u64,
    end: u64,
    aggregator: &mut Aggregator,
) -> anyhow::Result<Result<ParseReport, Quoted>> {
    let mut file = fs_err::File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let mut report = ParseReport::default();
    let mut buffer = vec![0u8; BLOCK_BYTES];
    // Bytes of the buffer holding a partial line carried over from the last block.
    let mut carried = 0usize;
    // File offset of buffer[0].
    let mut buffer_offset = start;
    let mut remaining = end - start;
    loop {
        if carried == buffer.len() {
            buffer.resize(buffer.len() * 2, 0);
        }
        let want = (buffer.len() - carried).min(usize::try_from(remaining).unwrap_or(usize::MAX));
        let n = read_full(&mut file, &mut buffer[carried..carried + want])?;
        remaining -= n as u64;
        let filled = carried + n;
        let at_end = n == 0 || remaining == 0;
        if memchr::memchr(b'"', &buffer[carried..filled]).is_some() {
            return Ok(Err(Quoted));
        }
        // Whole lines only, unless this is the end.
        let complete = if at_end {
            filled
        } else {
            match memchr::memrchr(b'\n', &buffer[..filled]) {
                Some(i) => i + 1,
                None => {
                    carried = filled;
                    continue;
                }
            }
        };
        let mut line_start = 0usize;
        while line_start < complete {
            let line_end = memchr::memchr(b'\n', &buffer[line_start..complete])
                .map_or(complete, |i| line_start + i);
            report.lines += 1;
            let line = &buffer[line_start..line_end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if !line.trim_ascii().is_empty() {
                let mut fields: [&[u8]; 3] = [b""; 3];
                let mut n_fields = 0usize;
                for (i, field) in line.split(|&b| b == b',').enumerate() {
                    n_fields = i + 1;
                    for (slot, &column) in fields.iter_mut().zip(&layout.columns) {
                        if column == i {
                            *slot = field;
                        }
                    }
                    if n_fields >= layout.needed {
                        // Count the rest only when the row is short (an error).
                        break;
                    }
                }
                report.row(
                    fields,
                    n_fields,
                    layout.needed,
                    report.lines,
                    buffer_offset + line_start as u64,
                    layout.columns,
                    aggregator,
                );
            }
            line_start = line_end + 1;
        }
        if at_end {
            break;
        }
        buffer.copy_within(complete..filled, 0);
        carried = filled - complete;
        buffer_offset += complete as u64;
    }
    aggregator.flush();
    Ok(Ok(report))
}

/// Parses the whole file with the CSV reader (quoted fields allowed), into `aggregator`.
fn parse_csv(
    path: &Path,
    name: &str,
    layout: &Layout,
    aggregator: &mut Aggregator,
) -> anyhow::Result<ParseReport> {
    let file = fs_err::File::open(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let mut record = csv::ByteRecord::new();
    let mut report = ParseReport::default();
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
        let position = record
            .position()
            .cloned()
            .unwrap_or_else(csv::Position::new);
        if record.len() == 1 && record[0].trim_ascii().is_empty() {
            continue; // a blank line
        }
        let field = |i: usize| record.get(i).unwrap_or(b"");
        let [c, d, a] = layout.columns;
        // Physical lines, where the record starts (the header is line 1).
        report.row(
            [field(c), field(d), field(a)],
            record.len(),
            layout.needed,
            position.line(),
            position.byte(),
            layout.columns,
            aggregator,
        );
    }
    aggregator.flush();
    Ok(report)
}

/// Summarises the transaction log at `path`. Fails with [`InvalidData`] on bad rows.
///
/// Rows stream through: memory holds O(1) per customer, not the rows. A file
/// without double quotes is split in two at a line break and parsed on two threads
/// (a quoted field could hide a line break, so a quote anywhere means one thread and
/// the CSV reader). A customer whose rows are not in day order is summarised
/// exactly in a second pass over the file, keeping only that customer's rows.
pub fn summarise(path: &Path, columns: Columns<'_>, periods: Periods) -> anyhow::Result<Summaries> {
    let mut options = builder_options(periods)?;
    let name = path.display().to_string();
    let layout = layout(path, &name, columns)?;
    let len = fs_err::metadata(path)?.len();
    let (mut aggregator, report) = parse(path, &name, &layout, len, options)?;
    crate::commands::timing("parsed");
    if report.n_bad_rows > 0 {
        for (_, diagnostic) in &report.diagnostics {
            eprintln!("error: {name}{diagnostic}");
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
    // Calibration ends on the file's last day unless given.
    if options.calibration_end.is_none() {
        options.calibration_end = aggregator.last_day;
    }
    let Some(calibration_end) = options.calibration_end else {
        return Ok(Summaries {
            customers: Vec::new(),
            names: Names::default(),
            rows: report.rows,
            holdout,
        });
    };
    let holdout_duration = match (periods.calibration_end, options.observation_end) {
        (None, _) => None,
        // An open holdout runs to the last date of the file.
        (Some(_), Some(OPEN_END)) | (Some(_), None) => {
            let end = aggregator
                .last_day
                .unwrap_or(calibration_end)
                .max(calibration_end);
            Some(f64::from(end - calibration_end) / periods.time_unit.days())
        }
        (Some(_), Some(observation_end)) => {
            Some(f64::from(observation_end - calibration_end) / periods.time_unit.days())
        }
    };
    let unordered = second_pass(path, &name, &layout, &aggregator, options)?;
    crate::commands::timing("second pass");
    // (first offset, partition, customer): sorted, the order of first appearance.
    let n_customers = aggregator.partitions.iter().map(|p| p.running.len()).sum();
    let id_bytes: usize = aggregator.partitions.iter().map(|p| p.ids.len()).sum();
    let mut order: Vec<(u64, u32, u32)> = Vec::with_capacity(n_customers);
    for (p, partition) in aggregator.partitions.iter_mut().enumerate() {
        partition.table = HashTable::new();
        order.extend(
            partition
                .first_offset
                .iter()
                .enumerate()
                .map(|(customer, &offset)| (offset, p as u32, customer as u32)),
        );
        partition.first_offset = Vec::new();
    }
    // Each partition lists its customers in order of first appearance already, so
    // `order` is 256 sorted runs: the stable sort merges runs rather than sorting.
    order.sort_by_key(|&(offset, _, _)| offset);
    crate::commands::timing("ordered");
    // The customers in order, gathered on two threads (each half of `order`): the
    // reads jump between partitions, so two cores overlap their cache misses.
    // The first half's vectors are sized for both halves, so appending the second half later
    // neither reallocates nor faults in a second copy.
    let gather = |order: &[(u64, u32, u32)], capacity: usize, name_capacity: usize| {
        let mut names = Names {
            bytes: Vec::with_capacity(name_capacity),
            ends: Vec::with_capacity(capacity),
        };
        let mut customers = Vec::with_capacity(capacity);
        for &(_, p, customer) in order {
            let partition = &aggregator.partitions[p as usize];
            let id = partition.id(customer);
            let summary = match partition.running[customer as usize] {
                Running::Ordered(days) => {
                    days.summary((), calibration_end, periods.time_unit, holdout_duration)
                }
                Running::Unordered => unordered.get(id).cloned().map(|mut s| {
                    s.holdout_duration = holdout_duration;
                    if holdout_duration.is_none() {
                        s.holdout_frequency = None;
                    }
                    s
                }),
            };
            if let Some(s) = summary {
                customers.push(CustomerSummary {
                    customer: names.push(id),
                    frequency: s.frequency,
                    recency: s.recency,
                    age: s.age,
                    monetary_value: s.monetary_value,
                    first_day: s.first_day,
                    holdout_frequency: s.holdout_frequency,
                    holdout_duration: s.holdout_duration,
                });
            }
        }
        (customers, names)
    };
    let (first_half, second_half) = order.split_at(order.len() / 2);
    let ((mut customers, mut names), (later_customers, later_names)) =
        std::thread::scope(|scope| {
            let later = scope.spawn(|| gather(second_half, second_half.len(), id_bytes / 2 + 64));
            let first = gather(first_half, order.len(), id_bytes + 64);
            let later = later
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (first, later)
        });
    // Number the later half's customers after the first half's.
    let shift = names.ends.len() as u32;
    let byte_shift = names.bytes.len();
    customers.extend(later_customers.into_iter().map(|mut c| {
        c.customer += shift;
        c
    }));
    names.bytes.extend_from_slice(&later_names.bytes);
    names
        .ends
        .extend(later_names.ends.iter().map(|end| end + byte_shift));
    Ok(Summaries {
        customers,
        names,
        rows: report.rows,
        holdout,
    })
}

/// Parses the file into per-customer summaries: on two threads when it has no
/// double quote and is big enough to split, else with the CSV reader.
fn parse(
    path: &Path,
    name: &str,
    layout: &Layout,
    len: u64,
    options: SummaryOptions,
) -> anyhow::Result<(Aggregator, ParseReport)> {
    let csv_reader = || -> anyhow::Result<(Aggregator, ParseReport)> {
        let mut aggregator = Aggregator::new(options);
        let report = parse_csv(path, name, layout, &mut aggregator)?;
        Ok((aggregator, report))
    };
    if !layout.plain_header {
        return csv_reader();
    }
    let split = split_point(path, layout.data_start, len)?;
    let parts: Vec<(u64, u64)> = match split {
        Some(split) if split < len => vec![(layout.data_start, split), (split, len)],
        _ => vec![(layout.data_start, len)],
    };
    let results: Vec<anyhow::Result<(Aggregator, Result<ParseReport, Quoted>)>> =
        std::thread::scope(|scope| {
            let workers: Vec<_> = parts
                .iter()
                .map(|&(start, end)| {
                    scope.spawn(move || {
                        let mut aggregator = Aggregator::new(options);
                        let report = parse_plain(path, layout, start, end, &mut aggregator)?;
                        Ok((aggregator, report))
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a CSV parsing thread panicked")))
                })
                .collect()
        });
    crate::commands::timing("parts parsed");
    let mut joined: Option<(Aggregator, ParseReport)> = None;
    for result in results {
        let (aggregator, report) = match result? {
            (aggregator, Ok(report)) => (aggregator, report),
            (_, Err(Quoted)) => return csv_reader(),
        };
        joined = Some(match joined {
            None => (aggregator, report),
            Some((mut first, mut first_report)) => {
                // Number the later part's lines after the earlier part's.
                let shift = first_report.lines;
                for (line, diagnostic) in report.diagnostics {
                    if first_report.diagnostics.len() < MAX_DIAGNOSTICS {
                        let renumbered = diagnostic.replacen(
                            &format!(":{line}"),
                            &format!(":{}", line + shift),
                            1,
                        );
                        first_report.diagnostics.push((line + shift, renumbered));
                    }
                }
                first_report.rows += report.rows;
                first_report.lines += report.lines;
                first_report.n_problems += report.n_problems;
                first_report.n_bad_rows += report.n_bad_rows;
                if first_report.n_bad_rows == 0 {
                    first.append(aggregator);
                }
                (first, first_report)
            }
        });
    }
    let (aggregator, mut report) =
        joined.ok_or_else(|| anyhow::anyhow!("no part of {name} was read"))?;
    // Lines are numbered from the header (line 1).
    for (line, diagnostic) in &mut report.diagnostics {
        *diagnostic = diagnostic.replacen(&format!(":{line}"), &format!(":{}", *line + 1), 1);
        *line += 1;
    }
    Ok((aggregator, report))
}

/// Summaries of the customers whose rows were not in day order, from a second
/// read of the file that keeps only their rows.
fn second_pass(
    path: &Path,
    name: &str,
    layout: &Layout,
    aggregator: &Aggregator,
    options: SummaryOptions,
) -> anyhow::Result<HashMap<Vec<u8>, CustomerSummary<()>, FxBuild>> {
    let mut wanted: HashMap<Vec<u8>, (), FxBuild> = HashMap::default();
    for partition in &aggregator.partitions {
        for (customer, running) in partition.running.iter().enumerate() {
            if matches!(running, Running::Unordered) {
                wanted.insert(partition.id(customer as u32).to_vec(), ());
            }
        }
    }
    let mut out = HashMap::default();
    if wanted.is_empty() {
        return Ok(out);
    }
    let mut builder: SummaryBuilder<Vec<u8>, FxBuild> =
        SummaryBuilder::with_hasher(options, FxBuild::default());
    let file = fs_err::File::open(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let mut record = csv::ByteRecord::new();
    let [c, d, a] = layout.columns;
    while reader
        .read_byte_record(&mut record)
        .with_context(|| format!("cannot read {name} again"))?
    {
        let Some(id) = record.get(c).map(<[u8]>::trim_ascii) else {
            continue;
        };
        if !wanted.contains_key(id) {
            continue;
        }
        // The first pass checked every row.
        let (Some(Ok(day)), Some(Some(amount))) = (
            record.get(d).map(parse_day),
            record.get(a).map(parse_amount),
        ) else {
            continue;
        };
        let _ = builder.push(id, day, amount);
    }
    for summary in builder.finish().unwrap_or_default() {
        let CustomerSummary {
            customer,
            frequency,
            recency,
            age,
            monetary_value,
            first_day,
            holdout_frequency,
            holdout_duration,
        } = summary;
        out.insert(
            customer,
            CustomerSummary {
                customer: (),
                frequency,
                recency,
                age,
                monetary_value,
                first_day,
                holdout_frequency,
                holdout_duration,
            },
        );
    }
    Ok(out)
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

fn lossy(field: &[u8]) -> String {
    String::from_utf8_lossy(field).into_owned()
}

/// Parses `YYYY-MM-DD` (or `YYYY/MM/DD`, optionally followed by `T` or a space and a
/// time, which is ignored) and `YYYYMMDD` to days since 1970-01-01.
pub fn parse_day(field: &[u8]) -> Result<i32, Cow<'static, str>> {
    const FORMAT: Cow<'static, str> = Cow::Borrowed("expected YYYY-MM-DD or YYYYMMDD");
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
    day_number(year as i32, month, day)
        .ok_or_else(|| bellwether_import::date::no_such_day_reason(year, month, day).into())
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
    fn short_keys_round_trip_and_differ_by_length() {
        for id in [&b"7"[..], b"C0001", b"1234567", "é1".as_bytes(), b"a\0"] {
            let key = short_key(id);
            assert_ne!(key, LONG_ID);
            let (bytes, len) = short_id_bytes(key);
            assert_eq!(&bytes[..len], id);
        }
        // A trailing NUL byte is part of the id: the length tells them apart.
        assert_ne!(short_key(b"a"), short_key(b"a\0"));
        assert_eq!(short_key(b"12345678"), LONG_ID);
        assert_ne!(
            hash_key(short_key(b"42"), b"42"),
            hash_key(short_key(b"43"), b"43")
        );
    }

    #[test]
    fn dates() {
        assert_eq!(parse_day(b"1970-01-01"), Ok(0));
        assert_eq!(parse_day(b"19970930"), parse_day(b"1997-09-30"));
        assert_eq!(parse_day(b" 1997/09/30 "), parse_day(b"1997-09-30"));
        assert_eq!(parse_day(b"1997-09-30T12:00:00Z"), parse_day(b"1997-09-30"));
        assert_eq!(
            parse_day(b"1997-02-29"),
            Err("February 1997 has 28 days".into())
        );
        assert_eq!(
            parse_day(b"1997-13-01"),
            Err("there is no month 13; months run from 1 to 12".into())
        );
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
