//! Importing a folder of CSV exports: validate every file and write everything or nothing.
//!
//! Shared by `bellwether import DIR` and the web app's import page, so both report the same
//! `file:line:column` problems and apply the same all-or-nothing rule. The order of work is what
//! makes the import atomic and the database safe:
//! 1. read the store (without writing) for the customers and collaborations it knows;
//! 2. read and validate the files that fit in memory (configuration, customers, requests,
//!    collaborations, requirements);
//! 3. if they have problems (and rows may not be skipped), only validate the transaction file,
//!    so every problem is reported, and stop: nothing is written;
//! 4. otherwise stream the transaction file once, validating and writing in one database
//!    transaction that is invisible until commit; if a row is bad, roll it back, so the store is
//!    as it was.
//!
//! Printing, progress bars and the rejects file's location stay with the callers, through
//! [`ImportProgress`] and the returned [`Validation`].

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bellwether_core::{CollaborationPartner, Config, Customer, Request, Requirement, Transaction};
use bellwether_import::{Diagnostic, FileReport, ImportError, ReadOptions, Rejected};
use bellwether_store::{ImportSummary, ImportWriter, Store};
use rustc_hash::FxHashSet;

use crate::AppError;

pub const CUSTOMERS: &str = "customers.csv";
pub const TRANSACTIONS: &str = "transactions.csv";
pub const REQUESTS: &str = "requests.csv";
pub const CONFIG: &str = "bellwether.toml";
pub const COLLABORATIONS: &str = "collaborations.csv";
pub const REQUIREMENTS: &str = "requirements.csv";

/// Every file name an import folder may hold, in the order they are read.
pub const FILE_NAMES: [&str; 6] = [
    CONFIG,
    CUSTOMERS,
    TRANSACTIONS,
    REQUESTS,
    COLLABORATIONS,
    REQUIREMENTS,
];

/// Rows handed from the reading thread to the writer at a time.
const BATCH_ROWS: usize = 20_000;

/// The files found in an import folder.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    pub customers: Option<PathBuf>,
    pub transactions: Option<PathBuf>,
    pub requests: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub collaborations: Option<PathBuf>,
    pub requirements: Option<PathBuf>,
}

impl ImportPlan {
    /// The known files in `dir`; an error when `dir` is not a folder or holds none of them.
    pub fn from_dir(dir: &Path) -> Result<ImportPlan, AppError> {
        if !dir.is_dir() {
            return Err(AppError::Input(format!(
                "{} is not a folder\n\nhint: `bellwether import DIR` reads {CUSTOMERS}, {TRANSACTIONS}, {REQUESTS} and {CONFIG} from DIR",
                dir.display()
            )));
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
        if plan.files().next().is_none() {
            return Err(AppError::Input(format!(
                "{} holds none of {}",
                dir.display(),
                FILE_NAMES.join(", ")
            )));
        }
        Ok(plan)
    }

    /// The files of the plan.
    pub fn files(&self) -> impl Iterator<Item = &PathBuf> {
        [
            &self.customers,
            &self.transactions,
            &self.requests,
            &self.config,
            &self.collaborations,
            &self.requirements,
        ]
        .into_iter()
        .flatten()
    }

    /// What the import record in the store says the import came from.
    pub fn source(&self) -> String {
        self.files()
            .map(|path| path.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Hooks for callers that show progress or time the phases; every method has a no-op default.
pub trait ImportProgress: Send + Sync {
    /// Wraps the reader of the file `name` (`length` bytes), e.g. to draw a progress bar.
    fn reading(
        &self,
        name: &str,
        length: u64,
        reader: Box<dyn Read + Send>,
    ) -> Box<dyn Read + Send> {
        let _ = (name, length);
        reader
    }

    /// The file `name` has been read.
    fn finished_reading(&self, name: &str) {
        let _ = name;
    }

    /// A phase of the import is over.
    fn phase(&self, name: &str) {
        let _ = name;
    }
}

impl ImportProgress for () {}

/// The customers and collaborations a store already holds: what the files may refer to.
#[derive(Debug, Clone, Default)]
pub struct StoredIds {
    pub customers: FxHashSet<String>,
    pub collaborations: FxHashSet<String>,
}

impl StoredIds {
    /// Reads them from `store`.
    pub async fn read(store: &Store) -> Result<StoredIds, AppError> {
        let customers = store.customer_ids().await?;
        let collaborations = if store.has_schema().await? {
            store.collaboration_ids().await?
        } else {
            Vec::new()
        };
        Ok(StoredIds {
            customers: customers.into_iter().collect(),
            collaborations: collaborations.into_iter().collect(),
        })
    }
}

/// Everything validation found, file by file, and the valid rows held in memory.
#[derive(Debug, Default)]
pub struct Validation {
    /// Problems with a whole file (cannot open, missing column, bad configuration).
    pub file_errors: Vec<String>,
    pub reports: Vec<FileReport>,
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
    /// Rows rejected in every file.
    pub fn n_rejected(&self) -> u64 {
        self.reports.iter().map(|report| report.n_rejected).sum()
    }

    /// No file problem and no rejected row.
    pub fn is_clean(&self) -> bool {
        self.file_errors.is_empty() && self.n_rejected() == 0
    }

    /// Whether the import must stop without writing: a file is unusable, or rows are bad and
    /// may not be skipped.
    pub fn must_refuse(&self, skip_invalid: bool) -> bool {
        !self.file_errors.is_empty() || (!self.is_clean() && !skip_invalid)
    }

    /// Every rejected row with the report of its file.
    pub fn rejected(&self) -> impl Iterator<Item = (&FileReport, &Rejected)> {
        self.reports.iter().flat_map(|report| {
            report
                .rejected
                .iter()
                .map(move |rejected| (report, rejected))
        })
    }

    /// Every problem as one line of text: file errors first, then the kept row diagnostics.
    pub fn problems(&self) -> impl Iterator<Item = String> + '_ {
        self.file_errors.iter().cloned().chain(
            self.reports
                .iter()
                .flat_map(FileReport::diagnostics)
                .map(Diagnostic::to_string),
        )
    }

    /// All kept row diagnostics, in file order.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.reports.iter().flat_map(FileReport::diagnostics)
    }

    /// Rows rejected beyond the diagnostics kept in memory.
    pub fn n_rejected_kept(&self) -> u64 {
        self.reports
            .iter()
            .map(|report| report.rejected.len() as u64)
            .sum()
    }

    fn file_error(&mut self, error: ImportError) {
        let text = match error.diagnostic() {
            Some(diagnostic) => diagnostic.to_string(),
            None => error_chain(&error),
        };
        self.file_errors.push(text);
    }
}

/// `error: cause: cause…`, the way the command line prints errors.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What became of an import.
#[derive(Debug)]
pub enum ImportOutcome {
    /// Everything (or, with skipping, every valid row) was written.
    Imported {
        summary: ImportSummary,
        validation: Validation,
    },
    /// Nothing was written; `validation` says why.
    Refused { validation: Validation },
}

/// How files are read: with `skip_invalid` every rejected row is kept for the rejects file.
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

/// Steps 2 and 3: reads and checks every file held in memory; when the import must be refused
/// (see [`Validation::must_refuse`]), also checks the transaction file, so every problem is
/// reported at once.
pub fn validate(
    plan: &ImportPlan,
    stored: StoredIds,
    skip_invalid: bool,
    progress: &dyn ImportProgress,
) -> Result<Validation, AppError> {
    let mut validation = validate_in_memory_files(plan, stored.customers, skip_invalid, progress)?;
    validate_collaborations(
        plan,
        &mut validation,
        stored.collaborations,
        skip_invalid,
        progress,
    );
    progress.phase("validated customers and requests");
    if validation.must_refuse(skip_invalid) {
        if let Some(path) = &validation.transactions.clone() {
            let is_known =
                |id: &str| validation.customers_unusable || validation.known_ids.contains(id);
            match read_file(path, progress, |reader| {
                bellwether_import::read_transactions(reader, TRANSACTIONS, &is_known, &mut |_| {})
            }) {
                Ok(report) => validation.reports.push(report),
                Err(error) => validation.file_error(error),
            }
        }
    }
    Ok(validation)
}

/// The whole use case on an open store: validate, then write in one transaction or refuse.
/// The audit log names `user_id` (`None`: the command line).
pub async fn import_into_store(
    store: &Store,
    user_id: Option<i64>,
    plan: &ImportPlan,
    skip_invalid: bool,
    progress: Arc<dyn ImportProgress>,
) -> Result<ImportOutcome, AppError> {
    let stored = StoredIds::read(store).await?;
    let plan_for_thread = plan.clone();
    let progress_for_thread = progress.clone();
    let validation = tokio::task::spawn_blocking(move || {
        validate(
            &plan_for_thread,
            stored,
            skip_invalid,
            progress_for_thread.as_ref(),
        )
    })
    .await
    .map_err(|e| AppError::Task(e.to_string()))??;
    if validation.must_refuse(skip_invalid) {
        return Ok(ImportOutcome::Refused { validation });
    }
    let mut writer = store.begin_import(&plan.source())?;
    writer.on_behalf_of(user_id);
    write(writer, validation, skip_invalid, progress).await
}

/// Step 4: writes `validation`'s rows and streams the transaction file in one database
/// transaction, on a blocking thread. Refused (and rolled back) when the transaction file has bad
/// rows and `skip_invalid` is off.
pub async fn write(
    writer: ImportWriter,
    validation: Validation,
    skip_invalid: bool,
    progress: Arc<dyn ImportProgress>,
) -> Result<ImportOutcome, AppError> {
    tokio::task::spawn_blocking(move || {
        write_blocking(writer, validation, skip_invalid, &*progress)
    })
    .await
    .map_err(|e| AppError::Task(e.to_string()))?
}

/// Reads and checks the configuration, customers and requests (all held in memory).
fn validate_in_memory_files(
    plan: &ImportPlan,
    known_ids: FxHashSet<String>,
    skip_invalid: bool,
    progress: &dyn ImportProgress,
) -> Result<Validation, AppError> {
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
        match read_file(path, progress, |reader| {
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
        let result = read_file(path, progress, |reader| {
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

/// Reads and checks `collaborations.csv`, `requirements.csv` and the user glossary the
/// configuration names (all small, held in memory).
fn validate_collaborations(
    plan: &ImportPlan,
    validation: &mut Validation,
    stored: FxHashSet<String>,
    skip_invalid: bool,
    progress: &dyn ImportProgress,
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
        match read_file(path, progress, |reader| {
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
        match read_file(path, progress, |reader| {
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

/// Opens `path` and hands it to `read`, through the caller's progress wrapper.
fn read_file<T>(
    path: &Path,
    progress: &dyn ImportProgress,
    read: impl FnOnce(Box<dyn Read + Send>) -> Result<T, ImportError>,
) -> Result<T, ImportError> {
    let file = bellwether_import::open_file(path)?;
    let length = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
    let name = bellwether_import::display_name(path);
    let reader = progress.reading(
        &name,
        length,
        Box::new(std::io::BufReader::with_capacity(1 << 20, file)),
    );
    let result = read(reader);
    progress.finished_reading(&name);
    result
}

/// The bulk of the import, on a blocking thread: a reader thread parses the transaction file and
/// hands batches to this thread, which holds the only write connection.
fn write_blocking(
    mut writer: ImportWriter,
    mut validation: Validation,
    skip_invalid: bool,
    progress: &dyn ImportProgress,
) -> Result<ImportOutcome, AppError> {
    if let Some(text) = &validation.config_text {
        writer.set_setting("config", text)?;
    }
    writer.upsert_customers(&validation.customers)?;
    progress.phase("customers upserted");
    if let Some(path) = validation.transactions.clone() {
        let known = std::mem::take(&mut validation.known_ids);
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Transaction>>(4);
        let read_result = std::thread::scope(|scope| {
            let reader = scope.spawn(move || {
                let mut batch = Vec::with_capacity(BATCH_ROWS);
                let is_known = |id: &str| known.contains(id);
                let options = read_options(skip_invalid);
                let result = read_file(&path, progress, |reader| {
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
            let mut write_result = Ok(());
            for batch in receiver {
                if write_result.is_ok() {
                    write_result = writer.insert_transactions(&batch);
                }
            }
            let read_result = reader
                .join()
                .map_err(|_| AppError::Task("the transaction reader panicked".to_string()))?;
            write_result?;
            Ok::<_, AppError>(read_result)
        })?;
        match read_result {
            Ok(report) => validation.reports.push(report),
            Err(error) => {
                validation.file_error(error);
                return Ok(ImportOutcome::Refused { validation });
            }
        }
        if validation.n_rejected() > 0 && !skip_invalid {
            return Ok(ImportOutcome::Refused { validation });
        }
    }
    progress.phase("transactions inserted");
    writer.insert_requests(&validation.requests)?;
    writer.replace_collaborations(&validation.collaboration_partners, &validation.requirements)?;
    if let Some(text) = &validation.glossary_text {
        writer.set_setting("glossary", text)?;
    }
    let summary = writer.commit(validation.n_rejected())?;
    progress.phase("committed");
    Ok(ImportOutcome::Imported {
        summary,
        validation,
    })
}

/// Writes `file,line,errors,record`: where each rejected row was, why, and its raw fields.
///
/// Fails when more rows were rejected than were kept in memory to write.
pub fn write_rejects(writer: impl std::io::Write, validation: &Validation) -> Result<(), AppError> {
    let mut writer = csv::Writer::from_writer(writer);
    let csv_error = |e: csv::Error| AppError::Input(format!("cannot write the rejects file: {e}"));
    writer
        .write_record(["file", "line", "errors", "record"])
        .map_err(csv_error)?;
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
        writer
            .write_record([
                report.file.clone(),
                rejected.line.to_string(),
                errors.join("; "),
                rejected.record.join(&delimiter),
            ])
            .map_err(csv_error)?;
    }
    writer.flush()?;
    if validation.n_rejected_kept() < validation.n_rejected() {
        return Err(AppError::Input(format!(
            "more rows were rejected ({}) than could be kept for the rejects file",
            validation.n_rejected()
        )));
    }
    Ok(())
}
