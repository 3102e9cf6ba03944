//! Use cases over a workspace store, shared by the CLI (`crates/bellwether`) and the
//! web app (`crates/bellwether-server`), so neither holds logic the other lacks.
//!
//! Each use case reads the store, calls the pure crates (core, report) and returns
//! values; printing, HTTP and flags stay with the callers.

pub mod collaboration;
pub mod import;

use bellwether_core::{Config, ScoreOptions, Scoring};
use bellwether_report::{CustomerInput, Figures, ReportInput, ReportOptions};
use bellwether_store::Store;

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] bellwether_store::StoreError),
    #[error(transparent)]
    Report(#[from] bellwether_report::ReportError),
    #[error("the store changed while the report was reading it; run the report again")]
    StoreChanged,
    #[error("the work failed: {0}")]
    Task(String),
    /// The user's input cannot be used (not a folder, no known file…); the text says why.
    #[error("{0}")]
    Input(String),
    /// The input is well formed but conflicts with the stored state (e.g. an addition without
    /// partners to a collaboration that does not exist yet); the text says why.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The `bellwether.toml` stored by the last import, or `None` when no import stored one.
pub async fn stored_config(store: &Store) -> Result<Option<Config>, AppError> {
    match store.setting("config").await? {
        // The reader may not be the one who imported it: the message quotes none of its text.
        Some(text) => Config::from_toml(&text).map(Some).map_err(|e| {
            AppError::Input(format!(
                "the bellwether.toml stored by the last import is invalid ({}): import a corrected one",
                e.without_excerpt(&text)
            ))
        }),
        None => Ok(None),
    }
}

/// The phases of [`report_figures`], for callers that time them.
pub trait Progress {
    fn done(&self, phase: &str);
}

impl Progress for () {
    fn done(&self, _: &str) {}
}

/// The due-diligence report's figures for the stored workspace: loads customers and
/// their purchase histories (the store's bulk paths, overlapped), scores them with
/// `config`, and computes the figures on a blocking thread.
pub async fn report_figures(
    store: &Store,
    config: &Config,
    options: &ReportOptions,
    progress: &(dyn Progress + Sync),
) -> Result<Figures, AppError> {
    let (records, histories) = tokio::join!(store.customer_records(), store.purchase_histories());
    let (records, histories) = (records?, histories?);
    progress.done("loaded customers and transactions");
    let scores = Scoring::new(&records, config).scores(&ScoreOptions { max_reasons: 0 });
    progress.done("scored");
    // Both reads follow `customers.id`; a concurrent import between them would break that.
    let same_customers = histories.customer_ids.len() == records.len()
        && histories
            .customer_ids
            .iter()
            .zip(&records)
            .all(|(id, record)| *id == record.customer.customer_id);
    if !same_customers {
        return Err(AppError::StoreChanged);
    }
    let customers: Vec<CustomerInput> = records
        .iter()
        .zip(&scores)
        .map(|(record, score)| CustomerInput {
            customer_id: record.customer.customer_id.clone(),
            segment: record.customer.industry.clone(),
            quadrant: score.quadrant,
            fit: score.fit,
            reputation: score.reputation,
            coupon_share: score.coupon_share,
            discount_share: score.discount_share,
            on_acquirer_stack: options.acquirer.as_ref().and_then(|spec| {
                record
                    .customer
                    .attributes
                    .get(&spec.column)
                    .map(|value| value.as_text() == spec.value.as_text())
            }),
        })
        .collect();
    drop(scores);
    drop(records);
    let input = ReportInput {
        customers,
        histories: histories.histories,
    };
    let options = options.clone();
    let figures = tokio::task::spawn_blocking(move || bellwether_report::compute(input, &options))
        .await
        .map_err(|e| AppError::Task(e.to_string()))??;
    progress.done("computed figures");
    Ok(figures)
}
