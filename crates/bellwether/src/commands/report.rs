//! `bellwether report`: the acquisition due-diligence report, as HTML or JSON.
//!
//! The figures come from `bellwether_app::report_figures` (shared with the web app);
//! this module picks the format and language and writes the file.

use bellwether_store::Location;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use bellwether_i18n::{Locale, Messages};
use bellwether_report::ReportOptions;
use bellwether_store::Store;

use super::load_config;
use crate::cli::{ReportArgs, ReportFormat};

pub async fn run(db: &Location, args: &ReportArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let locale: Locale = args.lang.parse()?;
    let timings = std::env::var_os("BELLWETHER_TIMINGS").is_some();
    let started = Instant::now();
    let lap = |what: &str| {
        if timings {
            eprintln!("{what}: {:.2} s", started.elapsed().as_secs_f64());
        }
    };
    let store = Store::open_existing_location(db).await?;
    let config = load_config(&store, &args.scoring, quiet).await?;
    let options = ReportOptions::from_config(&config)
        .context("invalid [report] or [acquirer] section in bellwether.toml")?;
    struct Lap<'a>(&'a (dyn Fn(&str) + Sync));
    impl bellwether_app::Progress for Lap<'_> {
        fn done(&self, phase: &str) {
            (self.0)(phase);
        }
    }
    let figures = bellwether_app::report_figures(&store, &config, &options, &Lap(&lap)).await;
    store.close().await;
    let figures = figures?;

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
