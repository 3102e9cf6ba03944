//! `bellwether report`: the acquisition due-diligence report, as HTML or JSON.
//!
//! Loads customers and scores from the store, reads the stored transactions into
//! per-customer histories (the store's bulk path), and hands both to `bellwether-report`, which computes and
//! renders without IO.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use bellwether_core::{ScoreOptions, Scoring};
use bellwether_i18n::{Locale, Messages};
use bellwether_report::{CustomerInput, ReportInput, ReportOptions};
use bellwether_store::Store;

use super::load_config;
use crate::cli::{ReportArgs, ReportFormat};

pub async fn run(db: &Path, args: &ReportArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let locale: Locale = args.lang.parse()?;
    let timings = std::env::var_os("BELLWETHER_TIMINGS").is_some();
    let started = Instant::now();
    let lap = |what: &str| {
        if timings {
            eprintln!("{what}: {:.2} s", started.elapsed().as_secs_f64());
        }
    };
    let store = Store::open_existing(db).await?;
    let config = load_config(&store, &args.scoring, quiet).await?;
    let options = ReportOptions::from_config(&config)
        .context("invalid [report] or [acquirer] section in bellwether.toml")?;
    // Both reads run on blocking threads; overlapping them keeps the two cores busy while
    // one of them merges its rows.
    let (records, histories) = tokio::join!(store.customer_records(), store.purchase_histories());
    store.close().await;
    let records = records?;
    let histories = histories?;
    lap("loaded customers and transactions");
    let scores = Scoring::new(&records, &config).scores(&ScoreOptions { max_reasons: 0 });
    lap("scored");
    // Both reads follow `customers.id`; a concurrent import between them would break that.
    let same_customers = histories.customer_ids.len() == records.len()
        && histories
            .customer_ids
            .iter()
            .zip(&records)
            .all(|(id, record)| *id == record.customer.customer_id);
    if !same_customers {
        anyhow::bail!("the store changed while the report was reading it; run the report again");
    }
    let histories = histories.histories;
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
    let figures = bellwether_report::compute(
        ReportInput {
            customers,
            histories,
        },
        &options,
    )?;
    lap("computed figures");
    let text = match args.format {
        ReportFormat::Json => {
            let mut json = serde_json::to_string_pretty(&figures)?;
            json.push('\n');
            json
        }
        ReportFormat::Html => bellwether_report::render_html(&figures, locale)?,
    };
    lap("rendered");
    match &args.out {
        Some(path) => {
            fs_err::write(path, text.as_bytes())?;
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
    }
    if !quiet {
        let messages = Messages::new(locale)?;
        let interval = match figures.equity.interval {
            Some([low, high]) => messages.get(
                "equity-interval",
                &[
                    ("level", &messages.percent(figures.equity.interval_level, 0)),
                    ("low", &messages.currency(low, &options.currency)),
                    ("high", &messages.currency(high, &options.currency)),
                ],
            ),
            None => messages.get("equity-no-interval", &[]),
        };
        eprintln!(
            "{}",
            messages.get(
                "cli-report-summary",
                &[
                    (
                        "equity",
                        &messages.currency(figures.equity.total, &options.currency)
                    ),
                    ("interval", &interval),
                    (
                        "share",
                        &messages.percent(figures.strategic.share_of_equity, 1)
                    ),
                ],
            )
        );
        if let Some(path) = &args.out {
            let format = match args.format {
                ReportFormat::Json => "JSON",
                ReportFormat::Html => "HTML",
            };
            eprintln!(
                "{}",
                messages.get(
                    "cli-report-written",
                    &[("format", format), ("path", &path.display().to_string())],
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
