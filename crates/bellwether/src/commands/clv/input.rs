//! Reading the inputs of `clv fit` and `clv predict`: summary CSVs in lifetimes'
//! column names, BG/BB and sBG tables, or a transaction log to summarise first.
//!
//! Column names (case-sensitive) and their accepted aliases:
//!
//! - summary: `frequency`|`x`, `recency`|`t_x`, `T`, optional `monetary_value`|`zbar`,
//!   optional `weights`|`weight`, optional `customer_id`|`ID`|`id`;
//! - BG/BB: `frequency`|`x`, `recency`|`t_x`, `periods`|`n_periods`|`n`, optional `weights`;
//! - sBG: `active`.

use std::path::Path;

use anyhow::Context;
use bellwether_clv::data::validate_row;

use super::transactions::MAX_DIAGNOSTICS;
use super::InvalidData;

pub const ID_NAMES: &[&str] = &["customer_id", "ID", "id"];
pub const FREQUENCY_NAMES: &[&str] = &["frequency", "x"];
pub const RECENCY_NAMES: &[&str] = &["recency", "t_x"];
pub const AGE_NAMES: &[&str] = &["T"];
pub const MONETARY_NAMES: &[&str] = &["monetary_value", "zbar"];
pub const WEIGHT_NAMES: &[&str] = &["weights", "weight"];
pub const PERIOD_NAMES: &[&str] = &["periods", "n_periods", "n"];
pub const ACTIVE_NAMES: &[&str] = &["active"];

/// One numeric column to read: its accepted names and whether it must be there.
pub struct ColumnSpec {
    pub names: &'static [&'static str],
    pub required: bool,
}

/// Numeric columns read from a CSV, in the order of the specs.
pub struct NumericTable {
    pub columns: Vec<Option<Vec<f64>>>,
    /// The customer ids, when asked for and present.
    pub ids: Option<Vec<String>>,
    /// The line of each row, for error messages.
    pub lines: Vec<u64>,
}

/// Per-customer RFM rows, as read from a summary CSV or summarised from transactions.
pub struct SummaryTable {
    /// Customer ids; empty when the input had none (then rows are numbered from 1).
    pub ids: Vec<String>,
    pub frequency: Vec<f64>,
    pub recency: Vec<f64>,
    pub age: Vec<f64>,
    pub monetary: Option<Vec<f64>>,
    pub weights: Option<Vec<f64>>,
}

impl SummaryTable {
    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// The id of row `i`: its customer id, or its 1-based row number.
    pub fn id(&self, i: usize) -> String {
        self.ids
            .get(i)
            .cloned()
            .unwrap_or_else(|| (i + 1).to_string())
    }

    /// `(x, t_x, T, weight)` rows.
    pub fn weighted_rows(&self) -> impl Iterator<Item = (f64, f64, f64, f64)> + '_ {
        (0..self.len()).map(|i| {
            (
                self.frequency[i],
                self.recency[i],
                self.age[i],
                self.weights.as_ref().map_or(1.0, |w| w[i]),
            )
        })
    }
}

/// Which header names of `header` match `names`.
pub fn has_column(header: &[String], names: &[&str]) -> bool {
    header.iter().any(|h| names.contains(&h.as_str()))
}

/// Reads the numeric `specs` columns (and the ids when `with_ids`) of the CSV at `path`.
/// Every cell must parse as a number; errors name `file:line:column`.
pub fn read_numeric(
    path: &Path,
    specs: &[ColumnSpec],
    with_ids: bool,
) -> anyhow::Result<NumericTable> {
    let name = path.display().to_string();
    let file = fs_err::File::open(path)?;
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
        .map(|f| String::from_utf8_lossy(f.trim_ascii()).into_owned())
        .collect();
    let position = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let mut indexes = Vec::with_capacity(specs.len());
    for spec in specs {
        let index = position(spec.names);
        if index.is_none() && spec.required {
            return Err(InvalidData::new(format!(
                "{name} has no column `{}` (its columns: {})\n\nhint: a summary has the columns frequency, recency, T (and monetary_value), as written by `bellwether clv summary`",
                spec.names.join("` or `"),
                header.join(", ")
            ))
            .into());
        }
        indexes.push(index);
    }
    let id_index = if with_ids { position(ID_NAMES) } else { None };
    let needed = indexes
        .iter()
        .flatten()
        .chain(id_index.iter())
        .max()
        .map_or(0, |&i| i + 1);
    // A row takes at least two bytes per field: reserve for that many rows, so columns
    // never grow by copying (untouched capacity costs address space, not memory).
    let file_len = fs_err::metadata(path).map_or(0, |m| m.len());
    let capacity = usize::try_from(file_len / (2 * needed.max(1) as u64)).unwrap_or(0);
    let mut table = NumericTable {
        columns: indexes
            .iter()
            .map(|i| i.map(|_| Vec::with_capacity(capacity)))
            .collect(),
        ids: id_index.map(|_| Vec::new()),
        lines: Vec::with_capacity(capacity),
    };
    let mut diagnostics = Diagnostics::default();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => return Err(InvalidData::new(format!("{name}: {error}")).into()),
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record[0].trim_ascii().is_empty() {
            continue;
        }
        if record.len() < needed {
            diagnostics.push(format!(
                "{name}:{line}: expected at least {needed} fields, found {}",
                record.len()
            ));
            continue;
        }
        for (spec, (index, column)) in specs
            .iter()
            .zip(indexes.iter().zip(table.columns.iter_mut()))
        {
            let (Some(index), Some(column)) = (index, column) else {
                continue;
            };
            let text = record[*index].trim_ascii();
            match std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|v| v.is_finite())
            {
                Some(value) => column.push(value),
                None => {
                    diagnostics.push(format!(
                        "{name}:{line}:{}: cannot parse {} {:?} as a number",
                        index + 1,
                        spec.names[0],
                        String::from_utf8_lossy(text)
                    ));
                    column.push(f64::NAN);
                }
            }
        }
        if let (Some(index), Some(ids)) = (id_index, table.ids.as_mut()) {
            ids.push(String::from_utf8_lossy(record[index].trim_ascii()).into_owned());
        }
        table.lines.push(line);
    }
    diagnostics.finish(&name)?;
    Ok(table)
}

/// Row diagnostics: the first [`MAX_DIAGNOSTICS`] are printed, the rest counted.
#[derive(Default)]
pub struct Diagnostics {
    shown: Vec<String>,
    total: usize,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: String) {
        self.total += 1;
        if self.shown.len() < MAX_DIAGNOSTICS {
            self.shown.push(diagnostic);
        }
    }

    /// Prints the diagnostics and fails when there are any.
    pub fn finish(self, name: &str) -> anyhow::Result<()> {
        if self.total == 0 {
            return Ok(());
        }
        for diagnostic in &self.shown {
            eprintln!("error: {diagnostic}");
        }
        if self.total > self.shown.len() {
            eprintln!("… and {} more", self.total - self.shown.len());
        }
        Err(InvalidData::new(format!(
            "{} invalid row{} in {name}",
            self.total,
            if self.total == 1 { "" } else { "s" }
        ))
        .into())
    }
}

/// Reads a summary CSV (see the module docs) and checks each row.
pub fn read_summary(path: &Path, with_ids: bool) -> anyhow::Result<SummaryTable> {
    let specs = [
        ColumnSpec {
            names: FREQUENCY_NAMES,
            required: true,
        },
        ColumnSpec {
            names: RECENCY_NAMES,
            required: true,
        },
        ColumnSpec {
            names: AGE_NAMES,
            required: true,
        },
        ColumnSpec {
            names: MONETARY_NAMES,
            required: false,
        },
        ColumnSpec {
            names: WEIGHT_NAMES,
            required: false,
        },
    ];
    let table = read_numeric(path, &specs, with_ids)?;
    let [frequency, recency, age, monetary, weights]: [Option<Vec<f64>>; 5] = table
        .columns
        .try_into()
        .map_err(|_| anyhow::anyhow!("five columns were asked for"))?;
    let summary = SummaryTable {
        ids: table.ids.unwrap_or_default(),
        frequency: frequency.unwrap_or_default(),
        recency: recency.unwrap_or_default(),
        age: age.unwrap_or_default(),
        monetary,
        weights,
    };
    let name = path.display().to_string();
    let mut diagnostics = Diagnostics::default();
    for (i, (x, t_x, t, weight)) in summary.weighted_rows().enumerate() {
        if let Err(error) = validate_row(i, x, t_x, t, weight) {
            let reason = match error {
                bellwether_clv::ClvError::InvalidInput { reason, .. } => reason,
                other => other.to_string(),
            };
            diagnostics.push(format!(
                "{name}:{}: {reason} (frequency {x}, recency {t_x}, T {t})",
                table.lines[i]
            ));
        }
    }
    diagnostics.finish(&name)?;
    Ok(summary)
}
