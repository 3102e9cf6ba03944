//! `bellwether partners`: a set of design partners that covers the audience's segments.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use bellwether_core::partners::PartnerSelection;
use bellwether_core::{select_partners, PartnerOptions};
use serde::Serialize;

use super::{load_config, Ranking, ReasonsFor};
use crate::cli::{OutputFormat, PartnersArgs};
use crate::format::{truncate, Align, Table};
use bellwether_store::Store;

/// One partner of the set, as JSON and CSV show it.
#[derive(Debug, Serialize)]
struct PartnerRow<'a> {
    pick: usize,
    customer_id: &'a str,
    name: Option<&'a str>,
    segment: String,
    segment_share: f64,
    strategic_score: f64,
    included: bool,
    gain: f64,
    own_segment_gain: f64,
    neighbour_gain: f64,
    new_segment: bool,
    why: String,
}

/// One segment left without a partner.
#[derive(Debug, Serialize)]
struct UncoveredRow {
    segment: String,
    share: f64,
    n_audience: usize,
}

#[derive(Debug, Serialize)]
struct PartnersJson<'a> {
    k: usize,
    objective: f64,
    covered_share: f64,
    audience_segments: usize,
    partners: Vec<PartnerRow<'a>>,
    uncovered: Vec<UncoveredRow>,
}

fn round(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

pub async fn run(db: &Path, args: &PartnersArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing(db).await?;
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
    let position_of = |customer_id: &str| {
        ranking
            .records
            .iter()
            .position(|record| record.customer.customer_id == customer_id)
    };
    let mut unknown = Vec::new();
    let mut positions = |ids: &[String]| -> Vec<usize> {
        ids.iter()
            .filter_map(|id| {
                let position = position_of(id);
                if position.is_none() {
                    unknown.push(id.clone());
                }
                position
            })
            .collect()
    };
    let include = positions(&args.include);
    let exclude = positions(&args.exclude);
    if !unknown.is_empty() {
        bail!("unknown customer_id {}", unknown.join(", "));
    }
    if let Some(both) = args.include.iter().find(|id| args.exclude.contains(id)) {
        bail!("{both} is both included and excluded");
    }
    let options = PartnerOptions {
        k: args.k.max(include.len()),
        include,
        exclude,
        audience_fit: config.quadrants.fit,
    };
    let selection = select_partners(&ranking.records, &ranking.scores, &options);
    let rows = partner_rows(&ranking, &selection);
    let uncovered: Vec<UncoveredRow> = selection
        .uncovered
        .iter()
        .map(|&segment| UncoveredRow {
            segment: selection.segments[segment].segment.to_string(),
            share: round(selection.segments[segment].weight),
            n_audience: selection.segments[segment].n_audience,
        })
        .collect();
    let audience_segments = selection
        .segments
        .iter()
        .filter(|segment| segment.weight > 0.0)
        .count();
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
            for row in &rows {
                table.row(vec![
                    row.pick.to_string(),
                    row.customer_id.to_string(),
                    truncate(row.name.unwrap_or("-"), 28),
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
                percent(selection.covered_weight),
                selection.objective
            )?;
            if !uncovered.is_empty() {
                writeln!(out, "still uncovered, heaviest first:")?;
                for row in uncovered.iter().take(10) {
                    writeln!(
                        out,
                        "  {:<40} {:>6} of the audience ({} customers)",
                        row.segment,
                        percent(row.share),
                        row.n_audience
                    )?;
                }
                if uncovered.len() > 10 {
                    writeln!(out, "  … and {} more", uncovered.len() - 10)?;
                }
            }
            if !quiet {
                eprintln!("greedy on a monotone submodular objective: the set is worth at least 63% (1 - 1/e) of the best set of {} partners", options.k);
            }
        }
        OutputFormat::Json => {
            let json = PartnersJson {
                k: options.k,
                objective: round(selection.objective),
                covered_share: round(selection.covered_weight),
                audience_segments,
                partners: rows,
                uncovered,
            };
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            let mut writer = csv::Writer::from_writer(&mut out);
            for row in &rows {
                writer.serialize(row)?;
            }
            writer.flush()?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn partner_rows<'a>(ranking: &'a Ranking, selection: &PartnerSelection) -> Vec<PartnerRow<'a>> {
    selection
        .picks
        .iter()
        .enumerate()
        .map(|(position, pick)| {
            let record = &ranking.records[pick.customer_idx];
            let score = &ranking.scores[pick.customer_idx];
            let segment = &selection.segments[pick.segment_idx];
            let mut why = Vec::new();
            if pick.included {
                why.push("signed already (--include)".to_string());
            }
            if pick.new_segment {
                why.push(format!(
                    "first partner of its segment ({} of the audience)",
                    percent(segment.weight)
                ));
            } else {
                why.push("its segment already has a partner".to_string());
            }
            if pick.neighbour_gain > 0.0 {
                why.push(format!(
                    "+{:.4} from neighbouring segments",
                    pick.neighbour_gain
                ));
            }
            PartnerRow {
                pick: position + 1,
                customer_id: &record.customer.customer_id,
                name: record.customer.name.as_deref(),
                segment: segment.segment.to_string(),
                segment_share: round(segment.weight),
                strategic_score: round(score.strategic_score),
                included: pick.included,
                gain: round(pick.gain),
                own_segment_gain: round(pick.own_segment_gain),
                neighbour_gain: round(pick.neighbour_gain),
                new_segment: pick.new_segment,
                why: why.join("; "),
            }
        })
        .collect()
}
