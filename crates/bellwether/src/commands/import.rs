//! `bellwether import DIR`: validate every file and write everything or nothing.
//!
//! The order of work is what makes the import atomic and the database safe:
//! 1. read the store without writing (or creating) anything, for the customers it knows;
//! 2. read and validate the files that fit in memory (configuration, customers, requests);
//! 3. if they have problems (and no `--skip-invalid`), only validate the transaction file, report
//!    every problem and stop: the database is untouched, not even created;
//! 4. otherwise stream the transaction file once, validating and writing in one database
//!    transaction that is invisible until commit; if a row is bad, roll it back (and delete a
//!    database this import created), so the store is byte-for-byte as it was.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use bellwether_core::{CollaborationPartner, Config, Customer, Request, Requirement, Transaction};
use bellwether_import::{Diagnostic, FileReport, ImportError, ReadOptions, Rejected};
use bellwether_store::{ImportSummary, ImportWriter, Store};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rustc_hash::FxHashSet;

use super::timing;
use crate::cli::ImportArgs;
use crate::format::grouped;

const CUSTOMERS: &str = "customers.csv";
const TRANSACTIONS: &str = "transactions.csv";
const REQUESTS: &str = "requests.csv";
const CONFIG: &str = "bellwether.toml";
const COLLABORATIONS: &str = "collaborations.csv";
const REQUIREMENTS: &str = "requirements.csv";

/// Rows handed from the reading thread to the writer at a time.
const BATCH_ROWS: usize = 20_000;

/// The files found in the import folder.
struct ImportPlan {
    customers: Option<PathBuf>,
    transactions: Option<PathBuf>,
    requests: Option<PathBuf>,
    config: Option<PathBuf>,
    collaborations: Option<PathBuf>,
    requirements: Option<PathBuf>,
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
            collaborations: existing(COLLABORATIONS),
            requirements: existing(REQUIREMENTS),
        };
        if plan.customers.is_none()
            && plan.transactions.is_none()
            && plan.requests.is_none()
            && plan.config.is_none()
            && plan.collaborations.is_none()
            && plan.requirements.is_none()
        {
            bail!(
                "{} holds none of {CUSTOMERS}, {TRANSACTIONS}, {REQUESTS}, {COLLABORATIONS}, {REQUIREMENTS}, {CONFIG}",
                dir.display()
            );
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
    /// The user glossary named by the configuration, checked.
    glossary_text: Option<String>,
    collaboration_partners: Vec<CollaborationPartner>,
    requirements: Vec<Requirement>,
    /// Stored collaborations and those of this import: what requirements may refer to.
    known_collaborations: FxHashSet<String>,
    /// Stored customers and valid customers of this import: what transactions may refer to.
    known_ids: FxHashSet<String>,
    /// The customers file could not be read at all, so unknown customers are not reported.
    customers_unusable: bool,
    /// The transaction file, read later as a stream.
    transactions: Option<PathBuf>,
}

impl Validation {
    fn n_rejected(&self) -> u64 {
        self.reports.iter().map(|report| report.n_rejected).sum()
    }

    fn is_clean(&self) -> bool {
        self.file_errors.is_empty() && self.n_rejected() == 0
    }

    fn rejected(&self) -> impl Iterator<Item = (&FileReport, &Rejected)> {
        self.reports.iter().flat_map(|report| {
            report
                .rejected
                .iter()
                .map(move |rejected| (report, rejected))
        })
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
    timing("start");
    let plan = ImportPlan::from_dir(&args.dir)?;
    let (existing_ids, existing_collaborations) = stored_ids(db).await?;
    let mut validation = validate(&plan, existing_ids, quiet, args.skip_invalid)?;
    validate_collaborations(
        &plan,
        &mut validation,
        existing_collaborations,
        quiet,
        args.skip_invalid,
    );
    timing("validated customers and requests");

    if !validation.file_errors.is_empty() || (!validation.is_clean() && !args.skip_invalid) {
        // Something is already wrong: read the transaction file only to report its problems too.
        if let Some(path) = &validation.transactions.clone() {
            let is_known =
                |id: &str| validation.customers_unusable || validation.known_ids.contains(id);
            match read_file(path, quiet, |reader| {
                bellwether_import::read_transactions(reader, TRANSACTIONS, &is_known, &mut |_| {})
            }) {
                Ok(report) => validation.reports.push(report),
                Err(error) => validation.file_error(error),
            }
        }
        return Ok(refuse(db, &validation, args));
    }

    let written = write(db, &plan, &mut validation, quiet, args.skip_invalid).await?;
    timing("written");
    let Some(summary) = written else {
        // The transaction file had bad rows: the import was rolled back.
        return Ok(refuse(db, &validation, args));
    };
    if validation.n_rejected() > 0 {
        let rejects_path = args
            .rejects
            .clone()
            .unwrap_or_else(|| args.dir.join("rejects.csv"));
        print_problems(&validation, args.max_errors);
        write_rejects(&rejects_path, &validation)?;
        if !quiet {
            eprintln!(
                "wrote {} rejected rows with their reasons to {}",
                grouped(validation.n_rejected()),
                rejects_path.display()
            );
        }
    }
    if !quiet {
        eprintln!(
            "imported into {}: {} customers ({} new, {} updated), {} transactions, {} requests{}{}",
            db.display(),
            grouped(summary.customers_added + summary.customers_updated),
            grouped(summary.customers_added),
            grouped(summary.customers_updated),
            grouped(summary.transactions),
            grouped(summary.requests),
            if summary.collaborations + summary.requirements > 0 {
                format!(
                    ", {} collaborations, {} requirements",
                    grouped(summary.collaborations),
                    grouped(summary.requirements)
                )
            } else {
                String::new()
            },
            if summary.rejected > 0 {
                format!(", {} rows rejected", grouped(summary.rejected))
            } else {
                String::new()
            },
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Reports every problem and says that nothing was imported.
fn refuse(db: &Path, validation: &Validation, args: &ImportArgs) -> ExitCode {
    print_problems(validation, args.max_errors);
    let hint = if validation.file_errors.is_empty() && !args.skip_invalid {
        "\n\nhint: fix the rows, or pass --skip-invalid to import the valid rows and write the rejected ones to a rejects file"
    } else {
        ""
    };
    eprintln!(
        "error: nothing was imported; {} is unchanged{hint}",
        db.display()
    );
    ExitCode::from(1)
}

/// Removes a database file that a failed import was building, with its WAL companions.
fn remove_database(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(sibling_path(db, suffix));
    }
}

/// The customers and collaborations already stored, read without creating, migrating or locking
/// anything for writing.
async fn stored_ids(db: &Path) -> anyhow::Result<(FxHashSet<String>, FxHashSet<String>)> {
    let Some(store) = Store::open_read_only(db)
        .await
        .with_context(|| format!("cannot read {}", db.display()))?
    else {
        return Ok(Default::default());
    };
    let ids = store.customer_ids().await?;
    let collaborations = store.collaboration_ids().await?;
    store.close().await;
    Ok((
        ids.into_iter().collect(),
        collaborations.into_iter().collect(),
    ))
}

/// Reads and checks `collaborations.csv`, `requirements.csv` and the user glossary the
/// configuration names (all small, held in memory).
fn validate_collaborations(
    plan: &ImportPlan,
    validation: &mut Validation,
    stored: FxHashSet<String>,
    quiet: bool,
    skip_invalid: bool,
) {
    let options = read_options(skip_invalid);
    validation.known_collaborations = stored;
    if let Some(text) = &validation.config_text {
        let glossary = Config::from_toml(text)
            .ok()
            .and_then(|config| config.collaboration.glossary);
        if let (Some(name), Some(config_path)) = (glossary, &plan.config) {
            let path = config_path
                .parent()
                .unwrap_or_else(|| Path::new("."))
                .join(&name);
            match fs_err::read_to_string(&path) {
                Ok(text) => match bellwether_match::Glossary::shipped_with(&text, &name) {
                    Ok(_) => validation.glossary_text = Some(text),
                    Err(error) => validation.file_errors.push(format!("{CONFIG}: {error}")),
                },
                Err(error) => validation
                    .file_errors
                    .push(format!("{CONFIG}: collaboration.glossary: {error}")),
            }
        }
    }
    if let Some(path) = &plan.collaborations {
        let is_known =
            |id: &str| validation.customers_unusable || validation.known_ids.contains(id);
        match read_file(path, quiet, |reader| {
            bellwether_import::read_collaborations(reader, COLLABORATIONS, &options, &is_known)
        }) {
            Ok(parsed) => {
                validation
                    .known_collaborations
                    .extend(parsed.rows.iter().map(|row| row.collaboration_id.clone()));
                validation.collaboration_partners = parsed.rows;
                validation.reports.push(parsed.report);
            }
            Err(error) => validation.file_error(error),
        }
    }
    if let Some(path) = &plan.requirements {
        let is_known = |id: &str| validation.known_collaborations.contains(id);
        match read_file(path, quiet, |reader| {
            bellwether_import::read_requirements(reader, REQUIREMENTS, &options, &is_known)
        }) {
            Ok(parsed) => {
                validation.requirements = parsed.rows;
                validation.reports.push(parsed.report);
            }
            Err(error) => validation.file_error(error),
        }
    }
}

/// How files are read: with `--skip-invalid` every rejected row is kept for the rejects file.
fn read_options(skip_invalid: bool) -> ReadOptions {
    let defaults = ReadOptions::default();
    ReadOptions {
        max_rejected_kept: if skip_invalid {
            usize::MAX
        } else {
            defaults.max_rejected_kept
        },
        ..defaults
    }
}

/// Reads and checks the configuration, customers and requests (all held in memory).
fn validate(
    plan: &ImportPlan,
    known_ids: FxHashSet<String>,
    quiet: bool,
    skip_invalid: bool,
) -> anyhow::Result<Validation> {
    let options = read_options(skip_invalid);
    let mut validation = Validation {
        known_ids,
        transactions: plan.transactions.clone(),
        ..Validation::default()
    };

    if let Some(path) = &plan.config {
        let text = fs_err::read_to_string(path)?;
        match Config::from_toml(&text) {
            Ok(_) => validation.config_text = Some(text),
            Err(error) => validation.file_errors.push(format!("{CONFIG}: {error}")),
        }
    }

    if let Some(path) = &plan.customers {
        match read_file(path, quiet, |reader| {
            bellwether_import::read_customers_with(reader, CUSTOMERS, &options)
        }) {
            Ok(parsed) => {
                validation.known_ids.extend(
                    parsed
                        .rows
                        .iter()
                        .map(|customer| customer.customer_id.clone()),
                );
                validation.customers = parsed.rows;
                validation.reports.push(parsed.report);
            }
            Err(error) => {
                validation.customers_unusable = true;
                validation.file_error(error);
            }
        }
    }

    if let Some(path) = &plan.requests {
        let mut requests = Vec::new();
        // When the customers file is unusable, do not also flag every request as an unknown customer.
        let is_known =
            |id: &str| validation.customers_unusable || validation.known_ids.contains(id);
        let result = read_file(path, quiet, |reader| {
            bellwether_import::read_requests_with(
                reader,
                REQUESTS,
                &options,
                &is_known,
                &mut |request| requests.push(request),
            )
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
fn read_file<T>(
    path: &Path,
    quiet: bool,
    read: impl FnOnce(Box<dyn Read + '_>) -> Result<T, ImportError>,
) -> Result<T, ImportError> {
    let file = bellwether_import::open_file(path)?;
    let length = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
    let progress = progress_bar(length, &bellwether_import::display_name(path), quiet);
    let result = read(Box::new(
        progress.wrap_read(std::io::BufReader::with_capacity(1 << 20, file)),
    ));
    progress.finish_and_clear();
    result
}

fn progress_bar(length: u64, name: &str, quiet: bool) -> ProgressBar {
    // Small files finish before a bar is worth drawing; pipes and CI logs get none.
    if quiet || length < (8 << 20) || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let progress = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{msg:>16} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
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
    let diagnostics: Vec<&Diagnostic> = validation
        .reports
        .iter()
        .flat_map(FileReport::diagnostics)
        .collect();
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
        let files = validation
            .reports
            .iter()
            .filter(|report| report.n_rejected > 0)
            .count();
        eprintln!(
            "{} invalid rows in {files} file{}",
            grouped(n_rejected),
            if files == 1 { "" } else { "s" }
        );
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
        writer.write_record([
            report.file.clone(),
            rejected.line.to_string(),
            errors.join("; "),
            rejected.record.join(&delimiter),
        ])?;
    }
    writer.flush()?;
    let kept: u64 = validation
        .reports
        .iter()
        .map(|report| report.rejected.len() as u64)
        .sum();
    if kept < validation.n_rejected() {
        bail!(
            "more rows were rejected ({}) than could be written to {}",
            grouped(validation.n_rejected()),
            path.display()
        );
    }
    Ok(())
}

/// Writes everything in one database transaction, streaming the transaction file once.
///
/// Returns `None`, with the import rolled back, when the transaction file has bad rows and
/// `skip_invalid` is off; its report is added to `validation` either way.
async fn write(
    db: &Path,
    plan: &ImportPlan,
    validation: &mut Validation,
    quiet: bool,
    skip_invalid: bool,
) -> anyhow::Result<Option<ImportSummary>> {
    if db.exists() {
        let store = Store::open(db)
            .await
            .with_context(|| format!("cannot open {}", db.display()))?;
        let writer = store.begin_import(&plan_source(plan))?;
        let outcome = write_on_thread(writer, validation, quiet, skip_invalid).await;
        store.close().await;
        return outcome;
    }
    // A first import builds the database under a temporary name, without a journal, and renames
    // it into place once committed: faster, and a crash never leaves a half-written database.
    let building = sibling_path(db, ".importing");
    remove_database(&building);
    let writer = Store::begin_import_into_new_file(&building, &plan_source(plan))
        .await
        .with_context(|| format!("cannot create {}", building.display()))?;
    let outcome = write_on_thread(writer, validation, quiet, skip_invalid).await;
    match &outcome {
        Ok(Some(_)) => fs_err::rename(&building, db)?,
        Ok(None) | Err(_) => remove_database(&building),
    }
    outcome
}

/// Runs [`write_blocking`] on a blocking thread, handing `validation` there and back.
async fn write_on_thread(
    writer: ImportWriter,
    validation: &mut Validation,
    quiet: bool,
    skip_invalid: bool,
) -> anyhow::Result<Option<ImportSummary>> {
    let owned = std::mem::take(validation);
    let (outcome, owned) =
        tokio::task::spawn_blocking(move || write_blocking(writer, owned, quiet, skip_invalid))
            .await?;
    *validation = owned;
    outcome
}

/// `db` with `suffix` appended to its file name.
fn sibling_path(db: &Path, suffix: &str) -> PathBuf {
    let mut path = db.as_os_str().to_owned();
    path.push(suffix);
    PathBuf::from(path)
}

/// The bulk of the import, on a blocking thread: a reader thread parses the transaction file and
/// hands batches to this thread, which holds the only write connection.
fn write_blocking(
    mut writer: ImportWriter,
    mut validation: Validation,
    quiet: bool,
    skip_invalid: bool,
) -> (anyhow::Result<Option<ImportSummary>>, Validation) {
    let outcome = (|| {
        if let Some(text) = &validation.config_text {
            writer.set_setting("config", text)?;
        }
        writer.upsert_customers(&validation.customers)?;
        timing("customers upserted");
        if let Some(path) = validation.transactions.clone() {
            let known = std::mem::take(&mut validation.known_ids);
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Transaction>>(4);
            let reader = std::thread::spawn(move || {
                let mut batch = Vec::with_capacity(BATCH_ROWS);
                let is_known = |id: &str| known.contains(id);
                let options = read_options(skip_invalid);
                let result = read_file(&path, quiet, |reader| {
                    bellwether_import::read_transactions_with(
                        reader,
                        TRANSACTIONS,
                        &options,
                        &is_known,
                        &mut |transaction| {
                            batch.push(transaction);
                            if batch.len() == BATCH_ROWS {
                                // A closed channel means the writer failed; its error is reported instead.
                                let _ = sender.send(std::mem::replace(
                                    &mut batch,
                                    Vec::with_capacity(BATCH_ROWS),
                                ));
                            }
                        },
                    )
                });
                if !batch.is_empty() {
                    let _ = sender.send(batch);
                }
                result
            });
            for batch in receiver {
                writer.insert_transactions(&batch)?;
            }
            match reader
                .join()
                .map_err(|_| anyhow::anyhow!("the transaction reader panicked"))?
            {
                Ok(report) => validation.reports.push(report),
                Err(error) => {
                    validation.file_error(error);
                    return Ok(None);
                }
            }
            if validation.n_rejected() > 0 && !skip_invalid {
                return Ok(None);
            }
        }
        timing("transactions inserted");
        writer.insert_requests(&validation.requests)?;
        writer
            .replace_collaborations(&validation.collaboration_partners, &validation.requirements)?;
        if let Some(text) = &validation.glossary_text {
            writer.set_setting("glossary", text)?;
        }
        let summary = writer.commit(validation.n_rejected())?;
        timing("committed");
        Ok(Some(summary))
    })();
    (outcome, validation)
}

fn plan_source(plan: &ImportPlan) -> String {
    [
        &plan.customers,
        &plan.transactions,
        &plan.requests,
        &plan.config,
        &plan.collaborations,
        &plan.requirements,
    ]
    .into_iter()
    .flatten()
    .map(|path| path.display().to_string())
    .collect::<Vec<_>>()
    .join(", ")
}
