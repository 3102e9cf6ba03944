//! `bellwether import DIR`: validate every file, then write everything or nothing.
//!
//! The order of work is what makes the import atomic and the database safe:
//! 1. read the store without writing (or creating) anything, for the customers it knows;
//! 2. read and validate every file, collecting every problem;
//! 3. stop there when a file has problems (unless `--skip-invalid`): the database is untouched;
//! 4. otherwise write in one database transaction, reading the large transaction file a
//!    second time as a stream so it never has to fit in memory.

use std::collections::HashSet;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use bellwether_core::{Config, Customer, Request, Transaction};
use bellwether_import::{Diagnostic, FileReport, ImportError, Rejected};
use bellwether_store::{ImportSummary, ImportWriter, Store};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::ImportArgs;
use crate::format::grouped;

const CUSTOMERS: &str = "customers.csv";
const TRANSACTIONS: &str = "transactions.csv";
const REQUESTS: &str = "requests.csv";
const CONFIG: &str = "bellwether.toml";

/// Rows handed from the reading thread to the writer at a time.
const BATCH_ROWS: usize = 20_000;

/// The files found in the import folder.
struct ImportPlan {
    customers: Option<PathBuf>,
    transactions: Option<PathBuf>,
    requests: Option<PathBuf>,
    config: Option<PathBuf>,
}

impl ImportPlan {
    fn from_dir(dir: &Path) -> anyhow::Result<ImportPlan> {
        if !dir.is_dir() {
            bail!("{} is not a folder\n\nhint: `bellwether import DIR` reads {CUSTOMERS}, {TRANSACTIONS}, {REQUESTS} and {CONFIG} from DIR", dir.display());
        }
        let existing = |name: &str| Some(dir.join(name)).filter(|path| path.is_file());
        let plan = ImportPlan {
            customers: existing(CUSTOMERS),
            transactions: existing(TRANSACTIONS),
            requests: existing(REQUESTS),
            config: existing(CONFIG),
        };
        if plan.customers.is_none() && plan.transactions.is_none() && plan.requests.is_none() && plan.config.is_none() {
            bail!("{} holds none of {CUSTOMERS}, {TRANSACTIONS}, {REQUESTS}, {CONFIG}", dir.display());
        }
        Ok(plan)
    }
}

/// Everything validation found, file by file.
#[derive(Default)]
struct Validation {
    /// Problems with a whole file (cannot open, missing column, bad configuration).
    file_errors: Vec<String>,
    reports: Vec<FileReport>,
    customers: Vec<Customer>,
    requests: Vec<Request>,
    config_text: Option<String>,
    n_transactions: u64,
}

impl Validation {
    fn n_rejected(&self) -> u64 {
        self.reports.iter().map(|report| report.n_rejected).sum()
    }

    fn is_clean(&self) -> bool {
        self.file_errors.is_empty() && self.n_rejected() == 0
    }

    fn rejected(&self) -> impl Iterator<Item = (&FileReport, &Rejected)> {
        self.reports.iter().flat_map(|report| report.rejected.iter().map(move |rejected| (report, rejected)))
    }

    fn file_error(&mut self, error: ImportError) {
        let text = match error.diagnostic() {
            Some(diagnostic) => diagnostic.to_string(),
            None => format!("{:#}", anyhow::Error::from(error)),
        };
        self.file_errors.push(text);
    }
}

pub async fn run(db: &Path, args: &ImportArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let plan = ImportPlan::from_dir(&args.dir)?;
    let existing_ids = stored_customer_ids(db).await?;
    let validation = validate(&plan, existing_ids, quiet)?;

    if !validation.is_clean() {
        print_problems(&validation, args.max_errors);
        if !validation.file_errors.is_empty() || !args.skip_invalid {
            let hint = if validation.file_errors.is_empty() {
                "\n\nhint: fix the rows, or pass --skip-invalid to import the valid rows and write the rejected ones to a rejects file"
            } else {
                ""
            };
            eprintln!("error: nothing was imported; {} is unchanged{hint}", db.display());
            return Ok(ExitCode::from(1));
        }
        let rejects_path = args.rejects.clone().unwrap_or_else(|| args.dir.join("rejects.csv"));
        write_rejects(&rejects_path, &validation)?;
        if !quiet {
            eprintln!("wrote {} rejected rows with their reasons to {}", grouped(validation.n_rejected()), rejects_path.display());
        }
    }

    let summary = write(db, &plan, validation, quiet).await?;
    if !quiet {
        eprintln!(
            "imported into {}: {} customers ({} new, {} updated), {} transactions, {} requests{}",
            db.display(),
            grouped(summary.customers_added + summary.customers_updated),
            grouped(summary.customers_added),
            grouped(summary.customers_updated),
            grouped(summary.transactions),
            grouped(summary.requests),
            if summary.rejected > 0 { format!(", {} rows rejected", grouped(summary.rejected)) } else { String::new() },
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The customers already stored, read without creating, migrating or locking anything for writing.
async fn stored_customer_ids(db: &Path) -> anyhow::Result<HashSet<String>> {
    let Some(store) = Store::open_read_only(db).await.with_context(|| format!("cannot read {}", db.display()))? else {
        return Ok(HashSet::new());
    };
    let ids = store.customer_ids().await?;
    store.close().await;
    Ok(ids.into_iter().collect())
}

fn validate(plan: &ImportPlan, mut known_ids: HashSet<String>, quiet: bool) -> anyhow::Result<Validation> {
    let mut validation = Validation::default();

    if let Some(path) = &plan.config {
        let text = fs_err::read_to_string(path)?;
        match Config::from_toml(&text) {
            Ok(_) => validation.config_text = Some(text),
            Err(error) => validation.file_errors.push(format!("{CONFIG}: {error}")),
        }
    }

    let mut customers_unusable = false;
    if let Some(path) = &plan.customers {
        match read_file(path, quiet, |reader| bellwether_import::read_customers(reader, CUSTOMERS)) {
            Ok(parsed) => {
                known_ids.extend(parsed.rows.iter().map(|customer| customer.customer_id.clone()));
                validation.customers = parsed.rows;
                validation.reports.push(parsed.report);
            }
            Err(error) => {
                customers_unusable = true;
                validation.file_error(error);
            }
        }
    }
    // When the customers file is unusable, do not also flag every transaction as an unknown customer.
    let is_known = |id: &str| customers_unusable || known_ids.contains(id);

    if let Some(path) = &plan.transactions {
        let result = read_file(path, quiet, |reader| {
            bellwether_import::read_transactions(reader, TRANSACTIONS, &is_known, &mut |_| {})
        });
        match result {
            Ok(report) => {
                validation.n_transactions = report.n_rows;
                validation.reports.push(report);
            }
            Err(error) => validation.file_error(error),
        }
    }

    if let Some(path) = &plan.requests {
        let mut requests = Vec::new();
        let result = read_file(path, quiet, |reader| {
            bellwether_import::read_requests(reader, REQUESTS, &is_known, &mut |request| requests.push(request))
        });
        match result {
            Ok(report) => {
                validation.requests = requests;
                validation.reports.push(report);
            }
            Err(error) => validation.file_error(error),
        }
    }
    Ok(validation)
}

/// Opens `path` and hands it to `read`, with a progress bar on a terminal.
fn read_file<T>(path: &Path, quiet: bool, read: impl FnOnce(Box<dyn Read + '_>) -> Result<T, ImportError>) -> Result<T, ImportError> {
    let file = bellwether_import::open_file(path)?;
    let length = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
    let progress = progress_bar(length, &bellwether_import::display_name(path), quiet);
    let result = read(Box::new(progress.wrap_read(std::io::BufReader::with_capacity(1 << 20, file))));
    progress.finish_and_clear();
    result
}

fn progress_bar(length: u64, name: &str, quiet: bool) -> ProgressBar {
    // Small files finish before a bar is worth drawing; pipes and CI logs get none.
    if quiet || length < (8 << 20) || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let progress = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{msg:>16} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    progress.set_style(style);
    progress.set_message(name.to_string());
    progress
}

fn print_problems(validation: &Validation, max_errors: usize) {
    let mut shown = 0;
    for error in &validation.file_errors {
        eprintln!("error: {error}");
        shown += 1;
    }
    let diagnostics: Vec<&Diagnostic> = validation.reports.iter().flat_map(FileReport::diagnostics).collect();
    for diagnostic in diagnostics.iter().take(max_errors.saturating_sub(shown)) {
        eprintln!("error: {diagnostic}");
        shown += 1;
    }
    let total = validation.file_errors.len() + diagnostics.len();
    if total > shown {
        eprintln!("… and {} more", grouped((total - shown) as u64));
    }
    let n_rejected = validation.n_rejected();
    if n_rejected > 0 {
        let files = validation.reports.iter().filter(|report| report.n_rejected > 0).count();
        eprintln!("{} invalid rows in {files} file{}", grouped(n_rejected), if files == 1 { "" } else { "s" });
    }
}

/// Writes `file,line,errors,record`: where each rejected row was, why, and its raw fields.
fn write_rejects(path: &Path, validation: &Validation) -> anyhow::Result<()> {
    let file = fs_err::File::create(path)?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(file));
    writer.write_record(["file", "line", "errors", "record"])?;
    for (report, rejected) in validation.rejected() {
        let errors: Vec<String> = rejected
            .diagnostics
            .iter()
            .map(|diagnostic| match &diagnostic.column_name {
                Some(column) => format!("{column}: {}", diagnostic.message),
                None => diagnostic.message.clone(),
            })
            .collect();
        let delimiter = char::from(report.dialect.delimiter).to_string();
        writer.write_record([report.file.clone(), rejected.line.to_string(), errors.join("; "), rejected.record.join(&delimiter)])?;
    }
    writer.flush()?;
    let kept: u64 = validation.reports.iter().map(|report| report.rejected.len() as u64).sum();
    if kept < validation.n_rejected() {
        bail!("more rows were rejected ({}) than could be written to {}", grouped(validation.n_rejected()), path.display());
    }
    Ok(())
}

/// Writes everything in one database transaction.
async fn write(db: &Path, plan: &ImportPlan, validation: Validation, quiet: bool) -> anyhow::Result<ImportSummary> {
    let store = Store::open(db).await.with_context(|| format!("cannot open {}", db.display()))?;
    let mut known: HashSet<String> = store.customer_ids().await?.into_iter().collect();
    known.extend(validation.customers.iter().map(|customer| customer.customer_id.clone()));
    let writer = store.begin_import(&plan_source(plan))?;
    let transactions = plan.transactions.clone();
    let summary = tokio::task::spawn_blocking(move || write_blocking(writer, transactions, validation, known, quiet)).await??;
    store.close().await;
    Ok(summary)
}

/// The bulk of the import, on a blocking thread: a reader thread streams the transaction file
/// a second time and hands batches to this thread, which holds the only write connection.
fn write_blocking(
    mut writer: ImportWriter,
    transactions: Option<PathBuf>,
    validation: Validation,
    known: HashSet<String>,
    quiet: bool,
) -> anyhow::Result<ImportSummary> {
    if let Some(text) = &validation.config_text {
        writer.set_setting("config", text)?;
    }
    writer.upsert_customers(&validation.customers)?;
    if let Some(path) = transactions {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Transaction>>(4);
        let reader = std::thread::spawn(move || {
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            let is_known = |id: &str| known.contains(id);
            let result = read_file(&path, quiet, |reader| {
                bellwether_import::read_transactions(reader, TRANSACTIONS, &is_known, &mut |transaction| {
                    batch.push(transaction);
                    if batch.len() == BATCH_ROWS {
                        // A closed channel means the writer failed; its error is reported instead.
                        let _ = sender.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS)));
                    }
                })
            });
            if !batch.is_empty() {
                let _ = sender.send(batch);
            }
            result
        });
        let mut written = 0_u64;
        for batch in receiver {
            written += batch.len() as u64;
            writer.insert_transactions(&batch)?;
        }
        let report = reader.join().map_err(|_| anyhow::anyhow!("the transaction reader panicked"))??;
        if written != validation.n_transactions || report.n_rows != written {
            bail!("{TRANSACTIONS} changed while it was being imported; nothing was imported");
        }
    }
    writer.insert_requests(&validation.requests)?;
    Ok(writer.commit(validation.n_rejected())?)
}

fn plan_source(plan: &ImportPlan) -> String {
    [&plan.customers, &plan.transactions, &plan.requests, &plan.config]
        .into_iter()
        .flatten()
        .map(|path| path.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
