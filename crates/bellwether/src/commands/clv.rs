//! `bellwether clv`: customer-lifetime-value summaries, fits and predictions.
//!
//! - `clv summary` turns a transaction log into lifetimes-style RFM rows;
//! - `clv fit` fits one model (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma, BG/BB, sBG);
//! - `clv predict` fits a transaction model and predicts each customer's purchases
//!   (and, with `--with-spend`, spend and CLV).
//!
//! Invalid data (bad rows, models the data cannot identify, fits that do not
//! converge) exit with code 1; usage errors with code 2.

mod input;
mod transactions;

use bellwether_store::Location;
use rayon::prelude::*;
use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use bellwether_clv::bgbb::{BgBb, BgBbData};
use bellwether_clv::bgnbd::BgNbd;
use bellwether_clv::data::CompressedSummary;
use bellwether_clv::gamma_gamma::{
    customer_lifetime_value, ClvOptions, GammaGamma, SpendData, TransactionModel,
};
use bellwether_clv::mbgnbd::MbgNbd;
use bellwether_clv::optim::FitResult;
use bellwether_clv::pareto_nbd::ParetoNbd;
use bellwether_clv::sbg::{Cohort, Sbg};
use bellwether_clv::summary::{SummaryBuilder, TimeUnit};
use bellwether_clv::ClvError;
use clap::{Args, Subcommand, ValueEnum};

use crate::format::{grouped, Align, Table};
use input::{ColumnSpec, SummaryTable};
use transactions::{Columns, Periods};

/// Customer-lifetime-value models: per-customer summaries, model fits and predictions.
#[derive(Debug, Args)]
pub struct ClvArgs {
    #[command(subcommand)]
    pub command: ClvCommand,
}

#[derive(Debug, Subcommand)]
pub enum ClvCommand {
    /// Summarise a transaction log per customer, as CSV with lifetimes' columns:
    /// customer_id, frequency, recency, T, monetary_value (and frequency_holdout,
    /// duration_holdout with --calibration-end). Purchases of one customer on one day
    /// count as one transaction; frequency counts repeat transactions.
    Summary(SummaryArgs),
    /// Fit a model by maximum likelihood and print its parameters, standard errors and
    /// log-likelihood.
    Fit(FitArgs),
    /// Fit a transaction model and predict each customer's probability of being alive
    /// and expected purchases over a horizon (and spend and CLV with --with-spend).
    Predict(PredictArgs),
}

/// How to read a transaction log and cut it into calibration and holdout periods.
#[derive(Debug, Args)]
pub struct PeriodArgs {
    /// Column of the customer id in a transaction log.
    #[arg(long, default_value = "customer_id")]
    pub customer_col: String,
    /// Column of the date (YYYY-MM-DD or YYYYMMDD) in a transaction log.
    #[arg(long, default_value = "date")]
    pub date_col: String,
    /// Column of the amount in a transaction log.
    #[arg(long, default_value = "amount")]
    pub amount_col: String,
    /// Unit of recency, T and horizons (a month is 30.4375 days). For a summary input, the
    /// unit its times are in.
    #[arg(long, value_enum, default_value_t = TimeUnitArg::Week)]
    pub time_unit: TimeUnitArg,
    /// Last day of the calibration period (inclusive); later purchases are holdout.
    /// Without it there is no holdout and calibration ends at --observation-end.
    #[arg(long, value_parser = parse_date_arg, value_name = "DATE")]
    pub calibration_end: Option<i32>,
    /// Last day of the data (inclusive); later rows are ignored [default: the last date in
    /// the file].
    #[arg(long, value_parser = parse_date_arg, value_name = "DATE")]
    pub observation_end: Option<i32>,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Transaction log: a CSV with a header and customer, date and amount columns.
    #[arg(long, value_name = "FILE")]
    pub transactions: PathBuf,
    /// Write the CSV here instead of to stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub periods: PeriodArgs,
}

#[derive(Debug, Args)]
pub struct FitArgs {
    /// The model to fit.
    #[arg(long, value_enum)]
    pub model: ModelArg,
    /// The data: a summary CSV (frequency, recency, T, optional monetary_value and weights;
    /// aliases x, t_x, zbar), a transaction log (summarised first), for bgbb a CSV
    /// frequency, recency, periods, optional weights, for sbg a CSV with one column
    /// `active` (customers still active at the start and after each period, or their
    /// shares with a first row of 1 and --cohort-size) [default: the transactions in the
    /// workspace database].
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FitFormat::Table)]
    pub format: FitFormat,
    /// Size of the cohort, for an sBG input given as shares.
    #[arg(long)]
    pub cohort_size: Option<f64>,
    #[command(flatten)]
    pub periods: PeriodArgs,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The transaction model.
    #[arg(long, value_enum)]
    pub model: PredictModelArg,
    /// The data: a summary CSV (customer_id, frequency, recency, T, monetary_value) or a
    /// transaction log [default: the transactions in the workspace database].
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Prediction horizon, in --time-unit units after each customer's T.
    #[arg(long, value_name = "T")]
    pub horizon: f64,
    /// Write the CSV here instead of to stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also fit Gamma-Gamma on the repeat customers and add expected_spend and clv.
    #[arg(long)]
    pub with_spend: bool,
    /// Monthly discount rate of the CLV.
    #[arg(long, default_value_t = 0.01)]
    pub discount_rate: f64,
    /// Months the CLV sums over.
    #[arg(long, default_value_t = 12)]
    pub clv_months: u32,
    #[command(flatten)]
    pub periods: PeriodArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimeUnitArg {
    Day,
    Week,
    Month,
}

impl From<TimeUnitArg> for TimeUnit {
    fn from(value: TimeUnitArg) -> Self {
        match value {
            TimeUnitArg::Day => TimeUnit::Day,
            TimeUnitArg::Week => TimeUnit::Week,
            TimeUnitArg::Month => TimeUnit::Month,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FitFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// BG/NBD (Fader, Hardie & Lee 2005): r, alpha, a, b.
    Bgnbd,
    /// MBG/NBD (Batislam et al. 2007): r, alpha, a, b.
    Mbgnbd,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987): r, alpha, s, beta.
    Pnbd,
    /// Gamma-Gamma spend model (Fader, Hardie & Lee 2005): p, q, v.
    Gg,
    /// BG/BB for discrete opportunities (Fader, Hardie & Shang 2010): alpha, beta, gamma, delta.
    Bgbb,
    /// Shifted beta-geometric churn (Fader & Hardie 2007): alpha, beta.
    Sbg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PredictModelArg {
    Bgnbd,
    Mbgnbd,
    Pnbd,
}

impl From<PredictModelArg> for ModelArg {
    fn from(value: PredictModelArg) -> Self {
        match value {
            PredictModelArg::Bgnbd => ModelArg::Bgnbd,
            PredictModelArg::Mbgnbd => ModelArg::Mbgnbd,
            PredictModelArg::Pnbd => ModelArg::Pnbd,
        }
    }
}

impl ModelArg {
    /// The name on the command line and in JSON.
    fn name(self) -> &'static str {
        match self {
            ModelArg::Bgnbd => "bgnbd",
            ModelArg::Mbgnbd => "mbgnbd",
            ModelArg::Pnbd => "pnbd",
            ModelArg::Gg => "gg",
            ModelArg::Bgbb => "bgbb",
            ModelArg::Sbg => "sbg",
        }
    }

    /// The name in prose.
    fn label(self) -> &'static str {
        match self {
            ModelArg::Bgnbd => "BG/NBD",
            ModelArg::Mbgnbd => "MBG/NBD",
            ModelArg::Pnbd => "Pareto/NBD",
            ModelArg::Gg => "Gamma-Gamma",
            ModelArg::Bgbb => "BG/BB",
            ModelArg::Sbg => "sBG",
        }
    }
}

/// Bad input data or a model the data cannot fit: exit code 1.
#[derive(Debug)]
pub struct InvalidData(String);

impl InvalidData {
    pub fn new(message: String) -> InvalidData {
        InvalidData(message)
    }
}

impl fmt::Display for InvalidData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidData {}

pub async fn run(db: &Location, args: &ClvArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let result = match &args.command {
        ClvCommand::Summary(args) => summary(args, quiet),
        ClvCommand::Fit(args) => fit(db, args, quiet).await,
        ClvCommand::Predict(args) => predict(db, args, quiet).await,
    };
    match result {
        // `bellwether clv summary … | head` is not an error.
        Err(error)
            if error.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            Ok(ExitCode::SUCCESS)
        }
        Err(error) if error.chain().any(|cause| cause.is::<InvalidData>()) => {
            eprintln!("error: {error:#}");
            Ok(ExitCode::from(1))
        }
        other => other.map(|()| ExitCode::SUCCESS),
    }
}

fn parse_date_arg(text: &str) -> Result<i32, String> {
    transactions::parse_day(text.as_bytes()).map_err(|reason| reason.to_string())
}

impl PeriodArgs {
    fn periods(&self) -> Periods {
        Periods {
            time_unit: self.time_unit.into(),
            calibration_end: self.calibration_end,
            observation_end: self.observation_end,
        }
    }

    fn columns(&self) -> Columns<'_> {
        Columns {
            customer: &self.customer_col,
            date: &self.date_col,
            amount: &self.amount_col,
        }
    }
}

/// Opens `--out FILE` or stdout, buffered.
fn output(out: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match out {
        Some(path) => Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            fs_err::File::create(path)?,
        )),
        None => Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout().lock(),
        )),
    })
}

/// Writes one CSV field, quoted when it needs to be.
fn write_field(out: &mut dyn Write, field: &[u8]) -> std::io::Result<()> {
    if field
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.write_all(b"\"")?;
        for &b in field {
            if b == b'"' {
                out.write_all(b"\"\"")?;
            } else {
                out.write_all(&[b])?;
            }
        }
        out.write_all(b"\"")
    } else {
        out.write_all(field)
    }
}

fn summary(args: &SummaryArgs, quiet: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    super::timing("start");
    let summaries = transactions::summarise(
        &args.transactions,
        args.periods.columns(),
        args.periods.periods(),
    )?;
    super::timing("summarised");
    let mut out = output(args.out.as_deref())?;
    out.write_all(b"customer_id,frequency,recency,T,monetary_value")?;
    out.write_all(if summaries.holdout {
        b",frequency_holdout,duration_holdout\n"
    } else {
        b"\n"
    })?;
    for customer in &summaries.customers {
        write_field(&mut out, summaries.names.get(customer.customer))?;
        write!(
            out,
            ",{},{},{},{}",
            customer.frequency, customer.recency, customer.age, customer.monetary_value
        )?;
        if summaries.holdout {
            write!(
                out,
                ",{},{}",
                customer.holdout_frequency.unwrap_or(0),
                customer.holdout_duration.unwrap_or(0.0)
            )?;
        }
        out.write_all(b"\n")?;
    }
    out.flush()?;
    super::timing("written");
    if !quiet {
        eprintln!(
            "summarised {} rows into {} customers in {:.2} s",
            grouped(summaries.rows as u64),
            grouped(summaries.customers.len() as u64),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// The RFM rows to fit on: `--input` (a summary or a transaction log) or the store.
async fn load_summary(
    db: &Location,
    input: Option<&Path>,
    periods: &PeriodArgs,
    with_ids: bool,
) -> anyhow::Result<SummaryTable> {
    let Some(path) = input else {
        return summarise_store(db, periods).await;
    };
    let header = transactions::read_header(path)?;
    if input::has_column(&header, input::FREQUENCY_NAMES) {
        return input::read_summary(path, with_ids);
    }
    if header.contains(&periods.date_col) && header.contains(&periods.customer_col) {
        let summaries = transactions::summarise(path, periods.columns(), periods.periods())?;
        let names = &summaries.names;
        return Ok(table_of(summaries.customers.iter().map(|c| {
            let id = String::from_utf8_lossy(names.get(c.customer)).into_owned();
            (id, c.frequency, c.recency, c.age, c.monetary_value)
        })));
    }
    Err(InvalidData::new(format!(
        "{} is neither a summary (columns frequency, recency, T) nor a transaction log (columns {}, {}, {}); its columns: {}\n\nhint: name the transaction columns with --customer-col, --date-col and --amount-col",
        path.display(),
        periods.customer_col,
        periods.date_col,
        periods.amount_col,
        header.join(", ")
    ))
    .into())
}

fn table_of(rows: impl Iterator<Item = (String, u32, f64, f64, f64)>) -> SummaryTable {
    let mut table = SummaryTable {
        ids: Vec::new(),
        frequency: Vec::new(),
        recency: Vec::new(),
        age: Vec::new(),
        monetary: Some(Vec::new()),
        weights: None,
    };
    for (id, frequency, recency, age, monetary) in rows {
        table.ids.push(id);
        table.frequency.push(f64::from(frequency));
        table.recency.push(recency);
        table.age.push(age);
        if let Some(m) = table.monetary.as_mut() {
            m.push(monetary);
        }
    }
    table
}

/// Summarises the transactions stored in the workspace database.
async fn summarise_store(db: &Location, periods: &PeriodArgs) -> anyhow::Result<SummaryTable> {
    use chrono::Datelike;
    let store = bellwether_store::Store::open_existing_location(db).await?;
    let options = transactions::builder_options(periods.periods())?;
    let mut builder = SummaryBuilder::<String>::new(options);
    let mut bad = 0usize;
    let rows = store
        .for_each_transaction(|customer_id, date, amount| {
            let day = date.num_days_from_ce() - 719_163;
            if builder.push(customer_id, day, amount).is_err() {
                bad += 1;
            }
        })
        .await;
    store.close().await;
    let rows = rows?;
    if bad > 0 {
        return Err(InvalidData::new(format!(
            "{bad} stored transactions have a non-finite amount"
        ))
        .into());
    }
    if rows == 0 {
        return Err(InvalidData::new(format!(
            "{} holds no transactions\n\nhint: import a transactions.csv, or pass --input FILE",
            db
        ))
        .into());
    }
    let customers = builder
        .finish()
        .map_err(|error| InvalidData::new(error.to_string()))?;
    Ok(table_of(customers.into_iter().map(|c| {
        (c.customer, c.frequency, c.recency, c.age, c.monetary_value)
    })))
}

/// Turns an engine error into an exit-1 error with a hint.
fn fit_error(model: ModelArg, error: ClvError) -> anyhow::Error {
    let message = match error {
        ClvError::NotIdentifiable { reason, .. } => format!(
            "cannot identify {} from these data: {reason}\n\nhint: the model needs several customers, some with repeat purchases",
            model.label()
        ),
        ClvError::FitDidNotConverge { iterations, reason, .. } => format!(
            "the {} fit did not converge after {iterations} iterations ({reason:?})\n\nhint: check the time unit and for outliers; a simpler model may suit these data",
            model.label()
        ),
        ClvError::InvalidInput { row, reason } => format!("invalid {} input at row {}: {reason}", model.label(), row + 1),
    };
    InvalidData::new(message).into()
}

fn compress(model: ModelArg, table: &SummaryTable) -> anyhow::Result<CompressedSummary> {
    CompressedSummary::from_columns(
        &table.frequency,
        &table.recency,
        &table.age,
        table.weights.as_deref(),
    )
    .map_err(|e| fit_error(model, e))
}

fn spend_data(table: &SummaryTable) -> anyhow::Result<SpendData> {
    let Some(monetary) = &table.monetary else {
        return Err(InvalidData::new(
            "Gamma-Gamma needs a monetary_value (or zbar) column\n\nhint: `bellwether clv summary` writes one".to_string(),
        )
        .into());
    };
    if table
        .weights
        .as_ref()
        .is_some_and(|w| w.iter().any(|&w| w != 1.0))
    {
        return Err(InvalidData::new(
            "Gamma-Gamma does not take weights: give one row per customer".to_string(),
        )
        .into());
    }
    SpendData::new(&table.frequency, monetary).map_err(|e| fit_error(ModelArg::Gg, e))
}

/// A fitted transaction model, for predictions.
enum Transactions {
    Bg(BgNbd),
    Mbg(MbgNbd),
    Pareto(ParetoNbd),
}

impl TransactionModel for Transactions {
    fn conditional_expected_purchases(&self, t: f64, x: f64, t_x: f64, t_cal: f64) -> f64 {
        match self {
            Transactions::Bg(m) => m.conditional_expected_purchases(t, x, t_x, t_cal),
            Transactions::Mbg(m) => m.conditional_expected_purchases(t, x, t_x, t_cal),
            Transactions::Pareto(m) => m.conditional_expected_purchases(t, x, t_x, t_cal),
        }
    }
}

impl Transactions {
    fn probability_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        match self {
            Transactions::Bg(m) => m.probability_alive(x, t_x, t),
            Transactions::Mbg(m) => m.probability_alive(x, t_x, t),
            Transactions::Pareto(m) => m.probability_alive(x, t_x, t),
        }
    }
}

fn fit_transactions(
    model: ModelArg,
    table: &SummaryTable,
) -> anyhow::Result<(Transactions, FitResult)> {
    let data = compress(model, table)?;
    super::timing("compressed");
    let fitted = match model {
        ModelArg::Bgnbd => BgNbd::fit(&data).map(|f| (Transactions::Bg(f.model), f.result)),
        ModelArg::Mbgnbd => MbgNbd::fit(&data).map(|f| (Transactions::Mbg(f.model), f.result)),
        ModelArg::Pnbd => ParetoNbd::fit(&data).map(|f| (Transactions::Pareto(f.model), f.result)),
        ModelArg::Gg | ModelArg::Bgbb | ModelArg::Sbg => {
            return Err(anyhow::anyhow!(
                "{} is not a transaction model",
                model.label()
            ))
        }
    };
    fitted.map_err(|e| fit_error(model, e))
}

async fn fit(db: &Location, args: &FitArgs, quiet: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let result = match args.model {
        ModelArg::Bgnbd | ModelArg::Mbgnbd | ModelArg::Pnbd => {
            super::timing("start");
            let table = load_summary(db, args.input.as_deref(), &args.periods, false).await?;
            super::timing("read");
            let fitted = fit_transactions(args.model, &table)?.1;
            super::timing("fitted");
            fitted
        }
        ModelArg::Gg => {
            let table = load_summary(db, args.input.as_deref(), &args.periods, false).await?;
            GammaGamma::fit(&spend_data(&table)?)
                .map_err(|e| fit_error(args.model, e))?
                .result
        }
        ModelArg::Bgbb => fit_bgbb(required_input(args)?)?,
        ModelArg::Sbg => fit_sbg(required_input(args)?, args.cohort_size)?,
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        FitFormat::Json => writeln!(out, "{}", fit_json(args.model, &result))?,
        FitFormat::Table => write!(out, "{}", fit_table(args.model, &result))?,
    }
    out.flush()?;
    if !quiet {
        for warning in &result.warnings {
            eprintln!("warning: {warning}");
        }
        eprintln!(
            "fitted {} in {:.2} s",
            args.model.label(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn required_input(args: &FitArgs) -> anyhow::Result<&Path> {
    args.input.as_deref().ok_or_else(|| {
        anyhow::anyhow!(
            "{} needs --input FILE: the workspace database holds transactions, not {}\n\nhint: see `bellwether clv fit --help` for the columns",
            args.model.label(),
            if args.model == ModelArg::Bgbb { "discrete-opportunity histories" } else { "cohort survival counts" }
        )
    })
}

/// Maps an engine error about row `row` of a table to its line in the file.
fn row_error(model: ModelArg, path: &Path, lines: &[u64], error: ClvError) -> anyhow::Error {
    match error {
        ClvError::InvalidInput { row, reason } => {
            let line = lines.get(row).map_or(String::new(), |l| format!(":{l}"));
            InvalidData::new(format!("{}{line}: {reason}", path.display())).into()
        }
        other => fit_error(model, other),
    }
}

fn fit_bgbb(path: &Path) -> anyhow::Result<FitResult> {
    let specs = [
        ColumnSpec {
            names: input::FREQUENCY_NAMES,
            required: true,
        },
        ColumnSpec {
            names: input::RECENCY_NAMES,
            required: true,
        },
        ColumnSpec {
            names: input::PERIOD_NAMES,
            required: true,
        },
        ColumnSpec {
            names: input::WEIGHT_NAMES,
            required: false,
        },
    ];
    let table = input::read_numeric(path, &specs, false)?;
    let column = |i: usize| table.columns[i].as_deref().unwrap_or(&[]);
    let (x, t_x, n) = (column(0), column(1), column(2));
    let weights = table.columns[3].as_deref();
    let rows = (0..x.len()).map(|i| (x[i], t_x[i], n[i], weights.map_or(1.0, |w| w[i])));
    let data =
        BgBbData::from_rows(rows).map_err(|e| row_error(ModelArg::Bgbb, path, &table.lines, e))?;
    Ok(BgBb::fit(&data)
        .map_err(|e| fit_error(ModelArg::Bgbb, e))?
        .result)
}

fn fit_sbg(path: &Path, cohort_size: Option<f64>) -> anyhow::Result<FitResult> {
    let specs = [ColumnSpec {
        names: input::ACTIVE_NAMES,
        required: true,
    }];
    let table = input::read_numeric(path, &specs, false)?;
    let active = table.columns[0].as_deref().unwrap_or(&[]);
    let first = active.first().copied().unwrap_or(0.0);
    let cohort = match cohort_size {
        Some(size) => Cohort::from_shares(active, size),
        None if first <= 1.0 && active.len() > 1 => {
            return Err(InvalidData::new(format!(
                "{} gives shares (its first row is {first}): the fit needs the cohort size\n\nhint: pass --cohort-size N, or give counts of active customers",
                path.display()
            ))
            .into())
        }
        None => Cohort::from_counts(active),
    };
    let cohort = cohort.map_err(|e| row_error(ModelArg::Sbg, path, &table.lines, e))?;
    Ok(Sbg::fit(&cohort)
        .map_err(|e| fit_error(ModelArg::Sbg, e))?
        .result)
}

/// A JSON number, or `null` when not finite.
fn json_number(value: f64) -> String {
    if value.is_finite() {
        serde_json::to_string(&value).unwrap_or_else(|_| "null".to_string())
    } else {
        "null".to_string()
    }
}

/// `{"model": .., "params": {..}, "log_likelihood": .., "std_errors": {..}, "n": .., ..}`,
/// with the parameters in the papers' order.
fn fit_json(model: ModelArg, result: &FitResult) -> String {
    let object = |values: &mut dyn Iterator<Item = (&str, f64)>| {
        let fields: Vec<String> = values
            .map(|(name, value)| format!("\"{name}\": {}", json_number(value)))
            .collect();
        format!("{{{}}}", fields.join(", "))
    };
    let params = object(&mut result.params.iter().map(|&(name, value)| (name, value)));
    let std_errors = object(
        &mut result
            .params
            .iter()
            .zip(&result.std_errors)
            .map(|(&(name, _), &se)| (name, se)),
    );
    let warnings = serde_json::to_string(&result.warnings).unwrap_or_else(|_| "[]".to_string());
    format!(
        "{{\n  \"model\": \"{}\",\n  \"params\": {params},\n  \"log_likelihood\": {},\n  \"std_errors\": {std_errors},\n  \"n\": {},\n  \"converged\": {},\n  \"iterations\": {},\n  \"warnings\": {warnings}\n}}",
        model.name(),
        json_number(result.log_likelihood),
        json_number(result.n),
        result.converged,
        result.iterations,
    )
}

/// Six significant digits, switching to exponents for very small or large values.
fn significant(value: f64) -> String {
    if !value.is_finite() {
        return "-".to_string();
    }
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-4..1e7).contains(&magnitude) {
        let decimals = if magnitude == 0.0 {
            0
        } else {
            (5 - magnitude.log10().floor() as i32).max(0) as usize
        };
        format!("{value:.decimals$}")
    } else {
        format!("{value:.5e}")
    }
}

/// A number of customers (a sum of weights): grouped digits when whole.
fn count(n: f64) -> String {
    if n.fract() == 0.0 && (0.0..1e18).contains(&n) {
        grouped(n as u64)
    } else {
        significant(n)
    }
}

fn fit_table(model: ModelArg, result: &FitResult) -> String {
    let mut table = Table::new(&[
        ("parameter", Align::Left),
        ("estimate", Align::Right),
        ("std. error", Align::Right),
    ]);
    for (&(name, value), &se) in result.params.iter().zip(&result.std_errors) {
        table.row(vec![name.to_string(), significant(value), significant(se)]);
    }
    let n = count(result.n);
    format!(
        "{} fit on {n} {}, converged in {} iterations\n\n{}\nlog-likelihood  {:.4}\n",
        model.label(),
        if model == ModelArg::Sbg {
            "cohort members"
        } else {
            "customers"
        },
        result.iterations,
        table.render(),
        result.log_likelihood
    )
}

/// One line of parameters, for stderr.
fn params_line(model: ModelArg, result: &FitResult) -> String {
    let params: Vec<String> = result
        .params
        .iter()
        .map(|(name, value)| format!("{name}={}", significant(*value)))
        .collect();
    format!(
        "{}: {} (log-likelihood {:.4}, n={})",
        model.label(),
        params.join(" "),
        result.log_likelihood,
        count(result.n)
    )
}

async fn predict(db: &Location, args: &PredictArgs, quiet: bool) -> anyhow::Result<()> {
    if !(args.horizon.is_finite() && args.horizon >= 0.0) {
        anyhow::bail!("--horizon must be a number >= 0, got {}", args.horizon);
    }
    if !(args.discount_rate.is_finite() && args.discount_rate > -1.0) {
        anyhow::bail!(
            "--discount-rate must be a number > -1, got {}",
            args.discount_rate
        );
    }
    let model = ModelArg::from(args.model);
    let table = load_summary(db, args.input.as_deref(), &args.periods, true).await?;
    let (transactions, result) = fit_transactions(model, &table)?;
    if !quiet {
        eprintln!("{}", params_line(model, &result));
        for warning in &result.warnings {
            eprintln!("warning: {warning}");
        }
    }
    let spend = if args.with_spend {
        let fitted =
            GammaGamma::fit(&spend_data(&table)?).map_err(|e| fit_error(ModelArg::Gg, e))?;
        if !quiet {
            eprintln!("{}", params_line(ModelArg::Gg, &fitted.result));
            for warning in &fitted.result.warnings {
                eprintln!("warning: {warning}");
            }
        }
        Some(fitted.model)
    } else {
        None
    };
    let clv_options = ClvOptions {
        months: args.clv_months,
        monthly_discount_rate: args.discount_rate,
        periods_per_month: TimeUnit::Month.days() / TimeUnit::from(args.periods.time_unit).days(),
    };

    let mut out = output(args.out.as_deref())?;
    out.write_all(b"customer_id,frequency,recency,T,p_alive,expected_purchases")?;
    out.write_all(if spend.is_some() {
        b",expected_spend,clv\n"
    } else {
        b"\n"
    })?;
    // Customers with the same (x, t_x, T) share their predictions: compute each
    // unique row once, on all cores.
    let mut index: HashMap<(u64, u64, u64), u32, transactions::FxBuild> = HashMap::default();
    let mut unique: Vec<(f64, f64, f64)> = Vec::new();
    let row_of: Vec<u32> = (0..table.len())
        .map(|i| {
            let (x, t_x, t) = (table.frequency[i], table.recency[i], table.age[i]);
            *index
                .entry((x.to_bits(), t_x.to_bits(), t.to_bits()))
                .or_insert_with(|| {
                    unique.push((x, t_x, t));
                    (unique.len() - 1) as u32
                })
        })
        .collect();
    drop(index);
    let with_spend = spend.is_some();
    let predictions = unique
        .par_iter()
        .with_min_len(1024)
        .map(|&(x, t_x, t)| {
            let clv = if with_spend {
                customer_lifetime_value(&transactions, x, t_x, t, 1.0, clv_options)
            } else {
                0.0
            };
            (
                transactions.probability_alive(x, t_x, t),
                transactions.conditional_expected_purchases(args.horizon, x, t_x, t),
                clv,
            )
        })
        .collect::<Vec<_>>();
    let mut total_purchases = 0.0;
    let mut total_clv = 0.0;
    for i in 0..table.len() {
        let (x, t_x, t) = (table.frequency[i], table.recency[i], table.age[i]);
        let (p_alive, expected, clv_per_spend) = predictions[row_of[i] as usize];
        let weight = table.weights.as_ref().map_or(1.0, |w| w[i]);
        total_purchases += weight * expected;
        write_field(&mut out, table.id(i).as_bytes())?;
        write!(out, ",{x},{t_x},{t},{p_alive},{expected}")?;
        if let Some(gg) = &spend {
            let m = table.monetary.as_ref().map_or(0.0, |m| m[i]);
            let expected_spend = gg.conditional_expected_average_spend(x, m);
            let clv = expected_spend * clv_per_spend;
            total_clv += weight * clv;
            write!(out, ",{expected_spend},{clv}")?;
        }
        out.write_all(b"\n")?;
    }
    out.flush()?;
    if !quiet {
        let mut line = format!(
            "{} customers: {} expected purchases in the next {} {}",
            grouped(table.len() as u64),
            significant(total_purchases),
            args.horizon,
            match args.periods.time_unit {
                TimeUnitArg::Day => "days",
                TimeUnitArg::Week => "weeks",
                TimeUnitArg::Month => "months",
            }
        );
        if spend.is_some() {
            line.push_str(&format!(
                ", CLV over {} months {}",
                args.clv_months,
                significant(total_clv)
            ));
        }
        eprintln!("{line}");
    }
    Ok(())
}
