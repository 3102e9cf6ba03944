//! Imports through the web app: the CSV files of an import folder, uploaded in one form
//! (or one API request), checked and written by the same use case as `bellwether import`
//! ([`bellwether_app::import`]): every problem reported with file, line and column, and
//! nothing written when any file is bad.
//!
//! Uploaded files are streamed to a private temporary folder under their canonical names
//! (`customers.csv`, …); the name a browser sends is only compared with those names, never
//! used as a path, so a crafted name cannot reach another file. An uploaded `bellwether.toml`
//! names no file of the server either: its glossary is the uploaded `glossary.toml` or the
//! stored one ([`bellwether_app::import::Origin::Upload`]).
//!
//! The CSRF token is checked before any file is read (the header, or a form field sent before
//! the files), and the whole upload is bounded by [`crate::ServerLimits::max_upload_bytes`].

use std::sync::Arc;

use axum::extract::multipart::{Field, Multipart};
use bellwether_app::import::{ImportOutcome, ImportPlan, UPLOAD_FILE_NAMES as FILE_NAMES};
use bellwether_store::{ImportSummary, Role};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

use crate::auth::{Credential, CurrentUser};
use crate::error::AppError;
use crate::{AppState, ServerLimits};

/// The longest CSRF field read (a token is 64 hex digits).
const MAX_CSRF_FIELD_BYTES: usize = 1024;

/// An upload saved to disk.
pub struct Upload {
    /// Holds the files; deleted when dropped.
    dir: tempfile::TempDir,
    /// The canonical names of the files received.
    pub files: Vec<&'static str>,
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

/// Streams every file of `multipart` to a temporary folder, after checking `user`'s CSRF token:
/// `header_token` when sent, else the `csrf` field, which must come before the files (the import
/// form puts it first), so a forged request is refused before any file is read. Other fields
/// are skipped unread.
pub async fn receive(
    mut multipart: Multipart,
    user: &CurrentUser,
    header_token: Option<&str>,
    limits: &ServerLimits,
) -> Result<Upload, AppError> {
    let mut csrf_checked = match (&user.credential, header_token) {
        (Credential::ApiToken, _) => true,
        (Credential::Session { .. }, Some(token)) => {
            user.check_csrf(Some(token))?;
            true
        }
        (Credential::Session { .. }, None) => false,
    };
    let dir = tempfile::Builder::new()
        .prefix("bellwether-upload-")
        .tempdir()
        .map_err(|e| AppError::internal(format!("cannot create a temporary folder: {e}")))?;
    let mut upload = Upload {
        dir,
        files: Vec::new(),
    };
    let too_large = |during: &str| {
        AppError::PayloadTooLarge(format!(
            "the upload is larger than the server's limit of {}{during}: raise it with `bellwether serve --max-upload-mib`",
            human_bytes(limits.max_upload_bytes)
        ))
    };
    // The file whose part was read last: where the size limit broke.
    let mut receiving: Option<&'static str> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => {
                // The body is read ahead: the limit broke in the last file started.
                let during = receiving
                    .map(|name| format!(" (while receiving {name})"))
                    .unwrap_or_default();
                return Err(upload_error(error, || too_large(&during)));
            }
        };
        match field.file_name().map(str::to_string) {
            Some(sent) if !sent.is_empty() => {
                if !csrf_checked {
                    return Err(AppError::Forbidden(
                        "missing or wrong CSRF token: send the `csrf` field before the files"
                            .to_string(),
                    ));
                }
                let Some(name) = canonical_name(&sent) else {
                    return Err(AppError::BadRequest(format!(
                        "`{sent}` is not an import file: name the files {}",
                        FILE_NAMES.join(", ")
                    )));
                };
                if upload.files.contains(&name) {
                    return Err(AppError::BadRequest(format!("{name} was sent twice")));
                }
                receiving = Some(name);
                let during = format!(" (while receiving {name})");
                save(field, &upload.dir.path().join(name), || too_large(&during)).await?;
                upload.files.push(name);
            }
            // An empty file input sends a part with an empty file name: nothing chosen.
            Some(_) => {}
            None if field.name() == Some("csrf") && !csrf_checked => {
                let token = read_small_field(field, || too_large("")).await?;
                user.check_csrf(token.as_deref())?;
                csrf_checked = true;
            }
            None => {}
        }
    }
    if !csrf_checked {
        user.check_csrf(None)?;
    }
    Ok(upload)
}

/// `1 GiB`, `512 KiB`, `100 bytes`.
fn human_bytes(bytes: usize) -> String {
    match bytes {
        _ if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) => format!("{} GiB", bytes >> 30),
        _ if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) => format!("{} MiB", bytes >> 20),
        _ if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) => format!("{} KiB", bytes >> 10),
        _ => format!("{bytes} bytes"),
    }
}

/// A multipart error: the size limit as 413 (`too_large`), anything else as 400.
fn upload_error(
    error: axum::extract::multipart::MultipartError,
    too_large: impl Fn() -> AppError,
) -> AppError {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        AppError::BadRequest(format!("cannot read the upload: {}", error.body_text()))
    }
}

/// The text of a short field, `None` when it is longer than [`MAX_CSRF_FIELD_BYTES`] or not
/// UTF-8.
async fn read_small_field(
    mut field: Field<'_>,
    too_large: impl Fn() -> AppError,
) -> Result<Option<String>, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| upload_error(e, &too_large))?
    {
        if bytes.len() + chunk.len() > MAX_CSRF_FIELD_BYTES {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8(bytes).ok())
}

async fn save(
    mut field: Field<'_>,
    path: &std::path::Path,
    too_large: impl Fn() -> AppError,
) -> Result<(), AppError> {
    let write_error =
        |e: std::io::Error| AppError::internal(format!("cannot save the upload: {e}"));
    let mut file = tokio::fs::File::create(path).await.map_err(write_error)?;
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| upload_error(e, &too_large))?
    {
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
    let plan = ImportPlan::from_upload(upload.dir.path(), state.limits.import.clone())
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
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
