//! `bellwether partners`: a set of design partners that covers the audience's segments.

use bellwether_store::Location;
use std::io::Write;
use std::process::ExitCode;

use bellwether_app::collaboration::{partner_set, PartnerSet};

use super::{load_config, Ranking, ReasonsFor};
use crate::cli::{OutputFormat, PartnersArgs};
use crate::format::{terminal_safe, truncate, Align, Table};
use bellwether_store::Store;

fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

pub async fn run(db: &Location, args: &PartnersArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing_location(db).await?;
    let config = load_config(&store, &args.scoring, quiet).await?;
    let records = store.customer_records().await?;
    store.close().await;
    let ranking = Ranking::new(
        records,
        &config,
        ReasonsFor::Shown {
            quadrant: None,
            top: 0,
        },
    );
    let set: PartnerSet = partner_set(
        &ranking.records,
        &ranking.scores,
        &config,
        args.k,
        &args.include,
        &args.exclude,
    )?;
    let rows = &set.partners;
    let uncovered = &set.uncovered;
    let audience_segments = set.audience_segments;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        OutputFormat::Table => {
            let mut table = Table::new(&[
                ("#", Align::Right),
                ("customer", Align::Left),
                ("name", Align::Left),
                ("segment", Align::Left),
                ("score", Align::Right),
                ("gain", Align::Right),
                ("why", Align::Left),
            ]);
            for row in rows {
                table.row(vec![
                    row.pick.to_string(),
                    row.customer_id.to_string(),
                    truncate(row.name.as_deref().unwrap_or("-"), 28),
                    row.segment.clone(),
                    format!("{:.3}", row.strategic_score),
                    format!("{:.4}", row.gain),
                    row.why.clone(),
                ]);
            }
            out.write_all(table.render().as_bytes())?;
            let covered = audience_segments - uncovered.len();
            writeln!(
                out,
                "\n{covered} of {audience_segments} audience segments have a partner of their own ({} of the fit-weighted audience); objective {:.4}",
                percent(set.covered_share),
                set.objective
            )?;
            if !uncovered.is_empty() {
                writeln!(out, "still uncovered, heaviest first:")?;
                for row in uncovered.iter().take(10) {
                    writeln!(
                        out,
                        "  {:<40} {:>6} of the audience ({} customers)",
                        terminal_safe(&row.segment),
                        percent(row.share),
                        row.n_audience
                    )?;
                }
                if uncovered.len() > 10 {
                    writeln!(out, "  … and {} more", uncovered.len() - 10)?;
                }
            }
            if !quiet {
                eprintln!("greedy on a monotone submodular objective: the set is worth at least 63% (1 - 1/e) of the best set of {} partners", set.k);
            }
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &set)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            let mut writer = bellwether_import::CsvWriter::from_writer(&mut out);
            for row in rows {
                writer.serialize(row)?;
            }
            writer.flush()?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
