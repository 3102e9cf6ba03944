//! `bellwether rank`: the ranking as a table, JSON or CSV.

use bellwether_store::Location;
use std::io::Write;
use std::process::ExitCode;

use bellwether_core::Quadrant;

use super::{rank_store, RankedCustomer, Ranking, ReasonsFor};
use crate::cli::{OutputFormat, RankArgs};
use crate::format::{truncate, Align, Table};

pub async fn run(db: &Location, args: &RankArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let top = args.top.unwrap_or(if args.format == OutputFormat::Table {
        20
    } else {
        usize::MAX
    });
    let quadrant = args.quadrant.map(Into::into);
    let ranking = rank_store(
        db,
        &args.scoring,
        quiet,
        ReasonsFor::Shown { quadrant, top },
    )
    .await?;
    let rows = ranking.ranked(quadrant).take(top);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        OutputFormat::Table => {
            out.write_all(render_table(rows).as_bytes())?;
            if !quiet {
                eprintln!("{}", quadrant_summary(&ranking));
            }
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &rows.collect::<Vec<_>>())?;
            writeln!(out)?;
        }
        OutputFormat::Csv => write_csv(&mut out, rows)?,
    }
    out.flush()?;
    // The process ends here: freeing a million records one by one took longer than scoring them.
    std::mem::forget(ranking);
    Ok(ExitCode::SUCCESS)
}

/// The human-readable ranking table.
pub fn render_table<'a>(rows: impl Iterator<Item = RankedCustomer<'a>>) -> String {
    let mut table = Table::new(&[
        ("#", Align::Right),
        ("customer", Align::Left),
        ("name", Align::Left),
        ("industry", Align::Left),
        ("quadrant", Align::Left),
        ("score", Align::Right),
        ("fit", Align::Right),
        ("rep", Align::Right),
        ("infl", Align::Right),
        ("main reason", Align::Left),
    ]);
    for row in rows {
        let reason = row.reasons.first().map(|reason| {
            let sign = if reason.effect > 0.0 {
                "+"
            } else if reason.effect < 0.0 {
                "-"
            } else {
                "?"
            };
            format!("{sign} {}", reason.text)
        });
        table.row(vec![
            row.rank.to_string(),
            row.customer_id.to_string(),
            truncate(row.name.unwrap_or("-"), 28),
            truncate(row.industry.unwrap_or("-"), 16),
            quadrant_name(row.quadrant).to_string(),
            format!("{:.3}", row.strategic_score),
            format!("{:.2}", row.fit),
            format!("{:.2}", row.reputation),
            format!("{:.2}", row.influence),
            truncate(&reason.unwrap_or_default(), 60),
        ]);
    }
    table.render()
}

pub fn quadrant_name(quadrant: Quadrant) -> &'static str {
    match quadrant {
        Quadrant::Strategic => "strategic",
        Quadrant::Showcase => "showcase",
        Quadrant::Representative => "representative",
        Quadrant::Transactional => "transactional",
    }
}

/// "3,000 customers: 41 strategic, 212 showcase, …".
pub fn quadrant_summary(ranking: &Ranking) -> String {
    let count = |quadrant| {
        ranking
            .scores
            .iter()
            .filter(|score| score.quadrant == quadrant)
            .count() as u64
    };
    format!(
        "{} customers: {} strategic, {} showcase, {} representative, {} transactional",
        crate::format::grouped(ranking.scores.len() as u64),
        crate::format::grouped(count(Quadrant::Strategic)),
        crate::format::grouped(count(Quadrant::Showcase)),
        crate::format::grouped(count(Quadrant::Representative)),
        crate::format::grouped(count(Quadrant::Transactional)),
    )
}

fn write_csv<'a>(
    out: impl Write,
    rows: impl Iterator<Item = RankedCustomer<'a>>,
) -> anyhow::Result<()> {
    let mut writer = bellwether_import::CsvWriter::from_writer(out);
    writer.write_record([
        "rank",
        "customer_id",
        "name",
        "industry",
        "country",
        "strategic_score",
        "fit",
        "reputation",
        "influence",
        "quadrant",
        "criteria_fit",
        "typicality",
        "reputation_known",
        "coupon_share",
        "discount_share",
        "reasons",
    ])?;
    for row in rows {
        let reasons: Vec<&str> = row
            .reasons
            .iter()
            .map(|reason| reason.text.as_str())
            .collect();
        writer.write_record([
            row.rank.to_string(),
            row.customer_id.to_string(),
            row.name.unwrap_or_default().to_string(),
            row.industry.unwrap_or_default().to_string(),
            row.country.unwrap_or_default().to_string(),
            row.strategic_score.to_string(),
            row.fit.to_string(),
            row.reputation.to_string(),
            row.influence.to_string(),
            quadrant_name(row.quadrant).to_string(),
            row.criteria_fit.to_string(),
            row.typicality.to_string(),
            row.reputation_known.to_string(),
            row.coupon_share.to_string(),
            row.discount_share.to_string(),
            reasons.join("; "),
        ])?;
    }
    writer.flush()?;
    Ok(())
}
