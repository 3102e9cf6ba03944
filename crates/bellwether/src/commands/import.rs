//! `bellwether import DIR`: validate every file and write everything or nothing.
//!
//! The use case is `bellwether_app::import`, shared with the web app; this command adds
//! progress bars, the rejects file, and the fast path for a first import into a new file.

use bellwether_store::Location;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use bellwether_app::import::{ImportOutcome, ImportPlan, ImportProgress, StoredIds, Validation};
use bellwether_store::Store;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::timing;
use crate::cli::ImportArgs;
use crate::format::grouped;

pub async fn run(db: &Location, args: &ImportArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    timing("start");
    let plan = ImportPlan::from_dir(&args.dir)?;
    let stored = stored_ids(db).await?;
    let progress: Arc<dyn ImportProgress> = Arc::new(TerminalProgress::new(quiet));
    let validation =
        bellwether_app::import::validate(&plan, stored, args.skip_invalid, &*progress)?;
    if validation.must_refuse(args.skip_invalid) {
        return Ok(refuse(db, &validation, args));
    }

    let outcome = write(db, &plan, validation, args.skip_invalid, progress).await?;
    timing("written");
    let (summary, validation) = match outcome {
        ImportOutcome::Imported {
            summary,
            validation,
        } => (summary, validation),
        // The transaction file had bad rows: the import was rolled back.
        ImportOutcome::Refused { validation } => return Ok(refuse(db, &validation, args)),
    };
    if validation.n_rejected() > 0 {
        let rejects_path = args
            .rejects
            .clone()
            .unwrap_or_else(|| args.dir.join("rejects.csv"));
        print_problems(&validation, args.max_errors);
        let file = fs_err::File::create(&rejects_path)?;
        bellwether_app::import::write_rejects(std::io::BufWriter::new(file), &validation)
            .with_context(|| format!("cannot write {}", rejects_path.display()))?;
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
            db,
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
fn refuse(db: &Location, validation: &Validation, args: &ImportArgs) -> ExitCode {
    print_problems(validation, args.max_errors);
    let hint = if validation.file_errors.is_empty() && !args.skip_invalid {
        "\n\nhint: fix the rows, or pass --skip-invalid to import the valid rows and write the rejected ones to a rejects file"
    } else {
        ""
    };
    eprintln!("error: nothing was imported; {} is unchanged{hint}", db);
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
async fn stored_ids(db: &Location) -> anyhow::Result<StoredIds> {
    let Some(store) = Store::open_read_only_location(db)
        .await
        .with_context(|| format!("cannot read {}", db))?
    else {
        return Ok(StoredIds::default());
    };
    let ids = StoredIds::read(&store).await;
    store.close().await;
    Ok(ids?)
}

/// Progress bars on a terminal for files large enough to be worth one, and the phases' timings.
struct TerminalProgress {
    quiet: bool,
    bars: Mutex<Vec<(String, ProgressBar)>>,
}

impl TerminalProgress {
    fn new(quiet: bool) -> TerminalProgress {
        TerminalProgress {
            quiet,
            bars: Mutex::new(Vec::new()),
        }
    }
}

impl ImportProgress for TerminalProgress {
    fn reading(
        &self,
        name: &str,
        length: u64,
        reader: Box<dyn Read + Send>,
    ) -> Box<dyn Read + Send> {
        // Small files finish before a bar is worth drawing; pipes and CI logs get none.
        if self.quiet || length < (8 << 20) || !std::io::stderr().is_terminal() {
            return reader;
        }
        let progress = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{msg:>16} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        progress.set_style(style);
        progress.set_message(name.to_string());
        let wrapped = progress.wrap_read(reader);
        self.bars
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.to_string(), progress));
        Box::new(wrapped)
    }

    fn finished_reading(&self, name: &str) {
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        bars.retain(|(bar_name, bar)| {
            if bar_name == name {
                bar.finish_and_clear();
            }
            bar_name != name
        });
    }

    fn phase(&self, name: &str) {
        timing(name);
    }
}

fn print_problems(validation: &Validation, max_errors: usize) {
    let mut shown = 0;
    for error in &validation.file_errors {
        eprintln!("error: {error}");
        shown += 1;
    }
    let diagnostics: Vec<_> = validation.diagnostics().collect();
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

/// Writes everything in one database transaction, streaming the transaction file once.
async fn write(
    db: &Location,
    plan: &ImportPlan,
    validation: Validation,
    skip_invalid: bool,
    progress: Arc<dyn ImportProgress>,
) -> anyhow::Result<ImportOutcome> {
    let path = match db {
        Location::Sqlite(path) if !path.exists() => path,
        // An existing file, or PostgreSQL: one database transaction in the live database.
        _ => return write_into_existing(db, plan, validation, skip_invalid, progress).await,
    };
    // A first import builds the database under a temporary name, without a journal, and renames
    // it into place once committed: faster, and a crash never leaves a half-written database.
    let building = sibling_path(path, ".importing");
    remove_database(&building);
    let writer = Store::begin_import_into_new_file(&building, &plan.source())
        .await
        .with_context(|| format!("cannot create {}", building.display()))?;
    let outcome = bellwether_app::import::write(writer, validation, skip_invalid, progress).await;
    match &outcome {
        Ok(ImportOutcome::Imported { .. }) => {
            if let Err(error) = fs_err::rename(&building, path) {
                remove_database(&building);
                return Err(error.into());
            }
        }
        Ok(ImportOutcome::Refused { .. }) | Err(_) => remove_database(&building),
    }
    Ok(outcome?)
}

/// Writes into an existing database in one transaction that others do not see until it commits.
async fn write_into_existing(
    db: &Location,
    plan: &ImportPlan,
    validation: Validation,
    skip_invalid: bool,
    progress: Arc<dyn ImportProgress>,
) -> anyhow::Result<ImportOutcome> {
    let store = Store::open_location(db)
        .await
        .with_context(|| format!("cannot open {db}"))?;
    let writer = store.begin_import(&plan.source())?;
    let outcome = bellwether_app::import::write(writer, validation, skip_invalid, progress).await;
    store.close().await;
    Ok(outcome?)
}

/// `db` with `suffix` appended to its file name.
fn sibling_path(db: &Path, suffix: &str) -> PathBuf {
    let mut path = db.as_os_str().to_owned();
    path.push(suffix);
    PathBuf::from(path)
}
