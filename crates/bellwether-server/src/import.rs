//! Imports through the web app: the CSV files of an import folder, uploaded in one form
//! (or one API request), checked and written by the same use case as `bellwether import`
//! ([`bellwether_app::import`]): every problem reported with file, line and column, and
//! nothing written when any file is bad.
//!
//! Uploaded files are streamed to a private temporary folder under their canonical names
//! (`customers.csv`, …); the name a browser sends is only compared with those names, never
//! used as a path, so a crafted name cannot reach another file.

use std::sync::Arc;

use axum::extract::multipart::{Field, Multipart};
use bellwether_app::import::{ImportOutcome, ImportPlan, FILE_NAMES};
use bellwether_store::{ImportSummary, Role};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

/// The largest upload accepted in one import (all files together).
pub const MAX_UPLOAD_BYTES: usize = 4 << 30;

/// An upload saved to disk, with the form's other fields.
pub struct Upload {
    /// Holds the files; deleted when dropped.
    dir: tempfile::TempDir,
    /// The canonical names of the files received.
    pub files: Vec<&'static str>,
    /// The form's CSRF token, if it sent one.
    pub csrf: Option<String>,
}

/// What an import did, as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// Whether anything was written: false when any file had a problem.
    pub imported: bool,
    /// The files received.
    pub files: Vec<String>,
    /// What was written (absent when nothing was).
    pub summary: Option<ImportCounts>,
    /// Rows rejected, in all files.
    pub rejected_rows: u64,
    /// Every problem, `file:line:column: reason`: at most the first 100 per file, then a line
    /// saying how many rows that file had rejected in all.
    pub problems: Vec<String>,
}

/// The rows an import wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportCounts {
    pub import_id: i64,
    pub customers_added: u64,
    pub customers_updated: u64,
    pub transactions: u64,
    pub requests: u64,
    pub collaborations: u64,
    pub requirements: u64,
}

impl From<&ImportSummary> for ImportCounts {
    fn from(summary: &ImportSummary) -> Self {
        ImportCounts {
            import_id: summary.import_id,
            customers_added: summary.customers_added,
            customers_updated: summary.customers_updated,
            transactions: summary.transactions,
            requests: summary.requests,
            collaborations: summary.collaborations,
            requirements: summary.requirements,
        }
    }
}

/// The canonical name of an uploaded file: its last path component must be one of
/// [`FILE_NAMES`] (compared without case).
fn canonical_name(sent: &str) -> Option<&'static str> {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or(sent).trim();
    FILE_NAMES
        .iter()
        .copied()
        .find(|name| name.eq_ignore_ascii_case(last))
}

/// Streams every file of `multipart` to a temporary folder; other fields are read as text.
pub async fn receive(mut multipart: Multipart) -> Result<Upload, AppError> {
    let dir = tempfile::Builder::new()
        .prefix("bellwether-upload-")
        .tempdir()
        .map_err(|e| AppError::internal(format!("cannot create a temporary folder: {e}")))?;
    let mut upload = Upload {
        dir,
        files: Vec::new(),
        csrf: None,
    };
    while let Some(field) = multipart.next_field().await.map_err(bad_upload)? {
        match field.file_name().map(str::to_string) {
            Some(sent) if !sent.is_empty() => {
                let Some(name) = canonical_name(&sent) else {
                    return Err(AppError::BadRequest(format!(
                        "`{sent}` is not an import file: name the files {}",
                        FILE_NAMES.join(", ")
                    )));
                };
                if upload.files.contains(&name) {
                    return Err(AppError::BadRequest(format!("{name} was sent twice")));
                }
                save(field, &upload.dir.path().join(name)).await?;
                upload.files.push(name);
            }
            // An empty file input sends a part with an empty file name: nothing chosen.
            Some(_) => {}
            None => {
                if field.name() == Some("csrf") {
                    upload.csrf = Some(field.text().await.map_err(bad_upload)?);
                }
            }
        }
    }
    Ok(upload)
}

fn bad_upload(error: axum::extract::multipart::MultipartError) -> AppError {
    AppError::BadRequest(format!("cannot read the upload: {}", error.body_text()))
}

async fn save(mut field: Field<'_>, path: &std::path::Path) -> Result<(), AppError> {
    let write_error =
        |e: std::io::Error| AppError::internal(format!("cannot save the upload: {e}"));
    let mut file = tokio::fs::File::create(path).await.map_err(write_error)?;
    while let Some(chunk) = field.chunk().await.map_err(bad_upload)? {
        file.write_all(&chunk).await.map_err(write_error)?;
    }
    file.flush().await.map_err(write_error)?;
    Ok(())
}

/// Imports `upload` for `user` (an analyst or admin whose CSRF token the caller checked), then
/// rescores the workspace. One import runs at a time.
pub async fn run(
    state: &AppState,
    user: &CurrentUser,
    upload: &Upload,
) -> Result<ImportReport, AppError> {
    user.require(Role::Analyst)?;
    if upload.files.is_empty() {
        return Err(AppError::BadRequest(format!(
            "choose at least one file: {}",
            FILE_NAMES.join(", ")
        )));
    }
    let _one_at_a_time = state.import_lock.lock().await;
    let plan =
        ImportPlan::from_dir(upload.dir.path()).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let outcome = bellwether_app::import::import_into_store(
        &state.store,
        Some(user.user.id),
        &plan,
        false,
        Arc::new(()),
    )
    .await
    .map_err(|e| match e {
        bellwether_app::AppError::Store(error) => AppError::Store(error),
        other => AppError::internal(other.to_string()),
    })?;
    let files = upload.files.iter().map(|f| f.to_string()).collect();
    Ok(match outcome {
        ImportOutcome::Imported {
            summary,
            validation,
        } => {
            crate::reload(state).await?;
            ImportReport {
                imported: true,
                files,
                summary: Some(ImportCounts::from(&summary)),
                rejected_rows: validation.n_rejected(),
                problems: problems(&validation),
            }
        }
        ImportOutcome::Refused { validation } => ImportReport {
            imported: false,
            files,
            summary: None,
            rejected_rows: validation.n_rejected(),
            problems: problems(&validation),
        },
    })
}

/// The problems an import report shows per file: the first ones say what is wrong, and a last
/// line says how many rows were rejected in all.
pub const MAX_PROBLEMS_PER_FILE: usize = 100;

/// The file errors, then at most [`MAX_PROBLEMS_PER_FILE`] row problems of each file.
fn problems(validation: &bellwether_app::import::Validation) -> Vec<String> {
    let mut problems = validation.file_errors.clone();
    for report in &validation.reports {
        for (shown, diagnostic) in report.diagnostics().enumerate() {
            if shown == MAX_PROBLEMS_PER_FILE {
                problems.push(format!(
                    "{}: only the first {MAX_PROBLEMS_PER_FILE} problems are shown; {} rows were rejected in all",
                    report.file, report.n_rejected
                ));
                break;
            }
            problems.push(diagnostic.to_string());
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_known_file_names_are_accepted_whatever_the_path() {
        assert_eq!(canonical_name("customers.csv"), Some("customers.csv"));
        assert_eq!(
            canonical_name("C:\\exports\\Customers.CSV"),
            Some("customers.csv")
        );
        assert_eq!(
            canonical_name("../../etc/transactions.csv"),
            Some("transactions.csv")
        );
        assert_eq!(canonical_name("../../etc/passwd"), None);
        assert_eq!(canonical_name("customers.csv.exe"), None);
        assert_eq!(canonical_name(""), None);
    }
}
