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
/// The one glossary an uploaded configuration may name, uploaded with it.
pub const GLOSSARY: &str = "glossary.toml";

/// Every file name an import folder may hold, in the order they are read.
pub const FILE_NAMES: [&str; 6] = [
    CONFIG,
    CUSTOMERS,
    TRANSACTIONS,
    REQUESTS,
    COLLABORATIONS,
    REQUIREMENTS,
];

/// Every file name an upload to the server may carry: the import folder's, and the glossary.
pub const UPLOAD_FILE_NAMES: [&str; 7] = [
    CONFIG,
    CUSTOMERS,
    TRANSACTIONS,
    REQUESTS,
    COLLABORATIONS,
    REQUIREMENTS,
    GLOSSARY,
];

/// The largest `bellwether.toml` or glossary read (both are a few kilobytes in practice).
pub const MAX_TOML_BYTES: u64 = 1 << 20;

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
    /// An uploaded `glossary.toml` (uploads only: a local configuration names its own file).
    pub glossary: Option<PathBuf>,
    /// Where the files come from, which decides what they may do.
    pub origin: Origin,
}

/// Where an import's files come from. The decision of the security model (ARCHITECTURE.md):
/// a local configuration belongs to the user who runs the command, as do the files it names; an
/// uploaded configuration names no file of the server.
#[derive(Debug, Clone, Default)]
pub enum Origin {
    /// A folder on the user's machine (`bellwether import DIR`): `[collaboration] glossary` is a
    /// path relative to `bellwether.toml`, and `[import]` sets the size limits.
    #[default]
    LocalFolder,
    /// Files uploaded to the server: `[collaboration] glossary` may only name the uploaded
    /// `glossary.toml` (or keep the stored glossary), and the limits are the server's (an
    /// uploaded `[import]` section may lower them, never raise them).
    Upload(ImportLimits),
}

/// Size limits of the CSV files of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLimits {
    pub max_field_bytes: usize,
    pub max_line_bytes: usize,
    /// How a problem names the setting that raises each limit.
    pub field_limit_setting: String,
    pub line_limit_setting: String,
}

impl Default for ImportLimits {
    fn default() -> Self {
        let defaults = ReadOptions::default();
        ImportLimits {
            max_field_bytes: defaults.max_field_bytes,
            max_line_bytes: defaults.max_line_bytes,
            field_limit_setting: defaults.field_limit_setting,
            line_limit_setting: defaults.line_limit_setting,
        }
    }
}

impl ImportLimits {
    /// The `[import]` section of `config` over these limits: `max_field_bytes`, `max_line_bytes`
    /// (positive integers); with `only_lower`, a value above the current limit is refused.
    fn with_section(&self, config: &Config, only_lower: bool) -> Result<ImportLimits, String> {
        let mut limits = self.clone();
        let Some(section) = config.extra.get("import") else {
            return Ok(limits);
        };
        let Some(table) = section.as_table() else {
            return Err("`import` must be a section ([import])".to_string());
        };
        for (key, value) in table {
            let (limit, current) = match key.as_str() {
                "max_field_bytes" => (&mut limits.max_field_bytes, self.max_field_bytes),
                "max_line_bytes" => (&mut limits.max_line_bytes, self.max_line_bytes),
                _ => {
                    return Err(format!(
                        "unknown key `import.{key}`: expected max_field_bytes or max_line_bytes"
                    ))
                }
            };
            let upper = if only_lower { current } else { usize::MAX };
            match value.as_integer() {
                Some(n) if n >= 1 && (n as u64) <= upper as u64 => *limit = n as usize,
                _ if only_lower => {
                    return Err(format!(
                    "invalid value for `import.{key}`: expected 1 to {upper} (the server's limit)"
                ))
                }
                _ => {
                    return Err(format!(
                        "invalid value for `import.{key}`: expected a positive number of bytes"
                    ))
                }
            }
        }
        Ok(limits)
    }
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
            glossary: None,
            origin: Origin::LocalFolder,
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

    /// The files uploaded to `dir` under their canonical names ([`UPLOAD_FILE_NAMES`]), with
    /// the server's `limits`.
    pub fn from_upload(dir: &Path, limits: ImportLimits) -> Result<ImportPlan, AppError> {
        let mut plan = ImportPlan::from_dir(dir)?;
        plan.glossary = Some(dir.join(GLOSSARY)).filter(|path| path.is_file());
        plan.origin = Origin::Upload(limits);
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
            &self.glossary,
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
    /// Whether the store holds a glossary from an earlier import.
    pub has_glossary: bool,
}

impl StoredIds {
    /// Reads them from `store`.
    pub async fn read(store: &Store) -> Result<StoredIds, AppError> {
        let customers = store.customer_ids().await?;
        let (collaborations, has_glossary) = if store.has_schema().await? {
            (
                store.collaboration_ids().await?,
                store.setting("glossary").await?.is_some(),
            )
        } else {
            (Vec::new(), false)
        };
        Ok(StoredIds {
            customers: customers.into_iter().collect(),
            collaborations: collaborations.into_iter().collect(),
            has_glossary,
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
    /// How the CSV files are read (size limits from the configuration or the server).
    read_options: ReadOptions,
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
fn read_options(skip_invalid: bool, limits: &ImportLimits) -> ReadOptions {
    let defaults = ReadOptions::default();
    ReadOptions {
        max_rejected_kept: if skip_invalid {
            usize::MAX
        } else {
            defaults.max_rejected_kept
        },
        max_field_bytes: limits.max_field_bytes,
        max_line_bytes: limits.max_line_bytes,
        field_limit_setting: limits.field_limit_setting.clone(),
        line_limit_setting: limits.line_limit_setting.clone(),
        ..defaults
    }
}

/// The text of a small file (a configuration or a glossary), refused past [`MAX_TOML_BYTES`] so
/// a device or a huge file is never read whole; the error names the file, never its content.
fn read_small_text(path: &Path) -> Result<String, String> {
    let file = fs_err::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_TOML_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_TOML_BYTES {
        return Err(format!(
            "{} is larger than {} KiB",
            bellwether_import::display_name(path),
            MAX_TOML_BYTES >> 10
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| format!("{} is not UTF-8", bellwether_import::display_name(path)))
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
        stored.has_glossary,
        progress,
    );
    progress.phase("validated customers and requests");
    if validation.must_refuse(skip_invalid) {
        if let Some(path) = &validation.transactions.clone() {
            let is_known =
                |id: &str| validation.customers_unusable || validation.known_ids.contains(id);
            let options = validation.read_options.clone();
            match read_file(path, progress, |reader| {
                bellwether_import::read_transactions_with(
                    reader,
                    TRANSACTIONS,
                    &options,
                    &is_known,
                    &mut |_| {},
                )
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
    let mut validation = Validation {
        known_ids,
        transactions: plan.transactions.clone(),
        ..Validation::default()
    };
    let (mut limits, only_lower) = match &plan.origin {
        Origin::LocalFolder => (ImportLimits::default(), false),
        Origin::Upload(limits) => (limits.clone(), true),
    };

    if let Some(path) = &plan.config {
        // Problems quote the configuration: its author is the one importing it.
        match read_small_text(path).map(|text| (Config::from_toml(&text), text)) {
            Ok((Ok(config), text)) => {
                let report_options = bellwether_report::ReportOptions::from_config(&config);
                match (limits.with_section(&config, only_lower), report_options) {
                    (Ok(section_limits), Ok(_)) => {
                        limits = section_limits;
                        validation.config_text = Some(text);
                    }
                    (Err(error), _) => validation.file_errors.push(format!("{CONFIG}: {error}")),
                    (_, Err(error)) => validation.file_errors.push(format!("{CONFIG}: {error}")),
                }
            }
            Ok((Err(error), _)) => validation.file_errors.push(format!("{CONFIG}: {error}")),
            Err(error) => validation.file_errors.push(format!("{CONFIG}: {error}")),
        }
    }
    validation.read_options = read_options(skip_invalid, &limits);
    let options = validation.read_options.clone();

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

/// The glossary file an import reads, if any, following the rule of the plan's [`Origin`].
fn glossary_path(
    plan: &ImportPlan,
    named: Option<&str>,
    stored_glossary: bool,
) -> Result<Option<PathBuf>, String> {
    match (&plan.origin, named) {
        (Origin::LocalFolder, Some(name)) => Ok(plan.config.as_ref().map(|config_path| {
            config_path
                .parent()
                .unwrap_or_else(|| Path::new("."))
                .join(name)
        })),
        (Origin::LocalFolder, None) => Ok(None),
        (Origin::Upload(_), Some(GLOSSARY)) => match &plan.glossary {
            Some(path) => Ok(Some(path.clone())),
            // The glossary of an earlier import stays.
            None if stored_glossary => Ok(None),
            None => Err(format!(
                "collaboration.glossary names {GLOSSARY}, which was not uploaded with it and is not in the store: upload it too"
            )),
        },
        (Origin::Upload(_), Some(name)) => Err(format!(
            "collaboration.glossary is {name:?}, but an uploaded configuration may not name a file on the server: upload the glossary as {GLOSSARY} with it and write `glossary = \"{GLOSSARY}\"`, or leave the setting out to keep the stored glossary"
        )),
        (Origin::Upload(_), None) if plan.glossary.is_some() => Err(format!(
            "{GLOSSARY} was uploaded but no uploaded configuration names it: add `glossary = \"{GLOSSARY}\"` to the [collaboration] section of {CONFIG}"
        )),
        (Origin::Upload(_), None) => Ok(None),
    }
}

/// Reads and checks `collaborations.csv`, `requirements.csv` and the user glossary the
/// configuration names (all small, held in memory).
fn validate_collaborations(
    plan: &ImportPlan,
    validation: &mut Validation,
    stored: FxHashSet<String>,
    stored_glossary: bool,
    progress: &dyn ImportProgress,
) {
    let options = validation.read_options.clone();
    validation.known_collaborations = stored;
    let named = validation
        .config_text
        .as_deref()
        .and_then(|text| Config::from_toml(text).ok())
        .and_then(|config| config.collaboration.glossary);
    // An upload whose configuration is refused still may not carry a glossary nobody names.
    let config_refused = plan.config.is_some() && validation.config_text.is_none();
    match glossary_path(plan, named.as_deref(), stored_glossary) {
        Ok(Some(path)) => {
            let name = named.unwrap_or_else(|| GLOSSARY.to_string());
            // The glossary is the importer's own (a local file, or one uploaded with the
            // configuration), so a problem may quote it.
            match read_small_text(&path) {
                Ok(text) => match bellwether_match::Glossary::shipped_with(&text, &name) {
                    Ok(_) => validation.glossary_text = Some(text),
                    Err(error) => validation.file_errors.push(format!("{CONFIG}: {error}")),
                },
                Err(error) => validation
                    .file_errors
                    .push(format!("{CONFIG}: collaboration.glossary: {error}")),
            }
        }
        Ok(None) => {}
        Err(_) if config_refused => {}
        Err(error) => validation.file_errors.push(format!("{CONFIG}: {error}")),
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
        let validation_options = validation.read_options.clone();
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Transaction>>(4);
        let read_result = std::thread::scope(|scope| {
            let reader = scope.spawn(move || {
                let mut batch = Vec::with_capacity(BATCH_ROWS);
                let is_known = |id: &str| known.contains(id);
                let options = validation_options;
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
    // Rejected rows are the user's data: formulas in them are neutralised like every CSV cell.
    let mut writer = bellwether_import::CsvWriter::from_writer(writer);
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
