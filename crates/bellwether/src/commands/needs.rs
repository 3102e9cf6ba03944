//! `bellwether reach` and `bellwether demand`: requests matched to needs across languages.

use bellwether_store::Location;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use bellwether_app::collaboration::{requirement_reach, GlossaryOverride, NeedData};
use bellwether_match::{group_needs, reach_of, Generality, NeedMatcher};
use bellwether_store::Store;
use serde::Serialize;

use super::load_config;
use crate::cli::{DemandArgs, MatchArgs, OutputFormat, ReachArgs};
use crate::format::{money, terminal_safe, truncate, Align, Table};

/// Loads what matching needs, with the configuration and glossary the flags name.
async fn load(db: &Location, args: &MatchArgs, quiet: bool) -> anyhow::Result<NeedData> {
    let store = Store::open_existing_location(db).await?;
    let config = load_config(&store, &args.scoring, quiet).await?;
    let glossary = match &args.glossary {
        Some(path) => Some(GlossaryOverride {
            text: fs_err::read_to_string(path)?,
            name: path.display().to_string(),
        }),
        None => None,
    };
    let data = NeedData::load(&store, config, glossary).await;
    store.close().await;
    Ok(data?)
}

fn round(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

fn percent(value: f64) -> String {
    // `max` also turns -0.0 into 0.0, so nothing prints as "-0.0%".
    format!("{:.1}%", (value * 100.0).max(0.0))
}

/// One requirement's reach, as JSON and CSV show it.
#[derive(Debug, Serialize)]
struct RequirementReach<'a> {
    position: usize,
    text: &'a str,
    language: Option<String>,
    label: &'static str,
    n_customers: usize,
    n_requests: usize,
    audience_share: f64,
    revenue: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    customers: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
struct CollaborationReach<'a> {
    collaboration_id: &'a str,
    name: Option<&'a str>,
    partners: &'a [String],
    broadly_sellable_share: f64,
    generality_index: f64,
    requirements: Vec<RequirementReach<'a>>,
}

pub async fn run_reach(db: &Location, args: &ReachArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let data = load(db, &args.matching, quiet).await?;
    let Some(collaboration) = data.collaboration(&args.collaboration_id) else {
        bail!(
            "no collaboration {} in {}\n\nhint: `bellwether collab list` shows the stored ones",
            args.collaboration_id,
            db
        );
    };
    let figures = requirement_reach(&data, collaboration);
    let threshold = figures.threshold;
    let index = figures.generality_index;
    let rows: Vec<RequirementReach<'_>> = figures
        .requirements
        .iter()
        .map(|requirement| RequirementReach {
            position: requirement.position,
            text: &requirement.text,
            language: requirement.language.clone(),
            label: requirement.generality.label(),
            n_customers: requirement.reach.customers.len(),
            n_requests: requirement.reach.n_requests,
            audience_share: round(requirement.reach.fit_share),
            revenue: (requirement.reach.revenue * 100.0).round() / 100.0,
            customers: if args.format == OutputFormat::Json {
                data.customer_ids(&requirement.reach.customers)
            } else {
                Vec::new()
            },
        })
        .collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        OutputFormat::Table => {
            writeln!(
                out,
                "{}  {}  (partners: {})",
                terminal_safe(&collaboration.collaboration_id),
                terminal_safe(collaboration.name.as_deref().unwrap_or("(no name)")),
                terminal_safe(&collaboration.customer_ids.join(", "))
            )?;
            let mut table = Table::new(&[
                ("#", Align::Right),
                ("requirement", Align::Left),
                ("lang", Align::Left),
                ("customers", Align::Right),
                ("audience", Align::Right),
                ("revenue", Align::Right),
                ("label", Align::Left),
            ]);
            for row in &rows {
                table.row(vec![
                    row.position.to_string(),
                    truncate(row.text, 56),
                    row.language.clone().unwrap_or_else(|| "?".into()),
                    row.n_customers.to_string(),
                    percent(row.audience_share),
                    money(row.revenue),
                    row.label.to_string(),
                ]);
            }
            out.write_all(table.render().as_bytes())?;
            let broad = figures
                .requirements
                .iter()
                .filter(|requirement| requirement.generality == Generality::BroadlySellable)
                .count();
            writeln!(
                out,
                "\ngenerality index {index:.2}: {broad} of {} requirements broadly sellable (reach-weighted); \
                 broadly sellable = other customers holding at least {} of the fit-weighted audience",
                figures.requirements.len(),
                percent(threshold)
            )?;
        }
        OutputFormat::Json => {
            let json = CollaborationReach {
                collaboration_id: &collaboration.collaboration_id,
                name: collaboration.name.as_deref(),
                partners: &collaboration.customer_ids,
                broadly_sellable_share: threshold,
                generality_index: round(index),
                requirements: rows,
            };
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            let mut writer = bellwether_import::CsvWriter::from_writer(&mut out);
            writer.write_record([
                "collaboration_id",
                "position",
                "text",
                "language",
                "label",
                "n_customers",
                "n_requests",
                "audience_share",
                "revenue",
            ])?;
            for row in &rows {
                writer.write_record([
                    collaboration.collaboration_id.as_str(),
                    &row.position.to_string(),
                    row.text,
                    row.language.as_deref().unwrap_or(""),
                    row.label,
                    &row.n_customers.to_string(),
                    &row.n_requests.to_string(),
                    &row.audience_share.to_string(),
                    &row.revenue.to_string(),
                ])?;
            }
            writer.flush()?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One need of `bellwether demand`.
#[derive(Debug, Serialize)]
struct DemandRow {
    rank: usize,
    need: String,
    concepts: String,
    n_requests: usize,
    n_customers: usize,
    audience_share: f64,
    revenue: f64,
    languages: String,
    example: String,
}

pub async fn run_demand(db: &Location, args: &DemandArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let data = load(db, &args.matching, quiet).await?;
    let groups = group_needs(&data.matcher, &data.representations);
    let concepts = data.matcher.glossary().concepts();
    let mut rows: Vec<DemandRow> = groups
        .iter()
        .map(|group| {
            let reach = reach_of(
                &group.members,
                &data.request_customers,
                &[],
                data.audience(),
            );
            // The label: the strongest concepts' labels, else the first request's words.
            let strong: Vec<&str> = group
                .concepts
                .iter()
                .filter(|(concept, count)| {
                    concepts[*concept as usize].weight >= 1.0 && *count * 2 >= group.members.len()
                })
                .map(|(concept, _)| concepts[*concept as usize].label.as_str())
                .collect();
            let example = data.requests[group.leader].text.replace(['\n', '\r'], " ");
            let need = if strong.is_empty() {
                match group.concepts.first() {
                    Some((concept, _)) => concepts[*concept as usize].label.clone(),
                    None => format!("\"{}\"", truncate(&example, 40)),
                }
            } else {
                strong.join(" + ")
            };
            let mut languages: Vec<&str> = group
                .members
                .iter()
                .filter_map(|&member| data.representations[member].language)
                .map(|language| language.code())
                .collect();
            languages.sort_unstable();
            languages.dedup();
            DemandRow {
                rank: 0,
                need,
                concepts: group
                    .concepts
                    .iter()
                    .take(6)
                    .map(|(concept, _)| data.matcher.concept_label(*concept))
                    .collect::<Vec<_>>()
                    .join(" "),
                n_requests: group.members.len(),
                n_customers: reach.customers.len(),
                audience_share: round(reach.fit_share),
                revenue: (reach.revenue * 100.0).round() / 100.0,
                languages: languages.join(" "),
                example,
            }
        })
        .collect();
    rows.sort_by(|left, right| {
        right
            .audience_share
            .total_cmp(&left.audience_share)
            .then(right.n_requests.cmp(&left.n_requests))
            .then(left.need.cmp(&right.need))
    });
    for (position, row) in rows.iter_mut().enumerate() {
        row.rank = position + 1;
    }
    let top = args.top.unwrap_or(if args.format == OutputFormat::Table {
        20
    } else {
        usize::MAX
    });
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        OutputFormat::Table => {
            let mut table = Table::new(&[
                ("#", Align::Right),
                ("need", Align::Left),
                ("requests", Align::Right),
                ("customers", Align::Right),
                ("audience", Align::Right),
                ("revenue", Align::Right),
                ("languages", Align::Left),
                ("example", Align::Left),
            ]);
            for row in rows.iter().take(top) {
                table.row(vec![
                    row.rank.to_string(),
                    truncate(&row.need, 36),
                    row.n_requests.to_string(),
                    row.n_customers.to_string(),
                    percent(row.audience_share),
                    money(row.revenue),
                    row.languages.clone(),
                    truncate(&row.example, 50),
                ]);
            }
            out.write_all(table.render().as_bytes())?;
            if !quiet {
                eprintln!(
                    "{} requests grouped into {} needs across languages",
                    crate::format::grouped(data.requests.len() as u64),
                    crate::format::grouped(rows.len() as u64)
                );
            }
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &rows.iter().take(top).collect::<Vec<_>>())?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            let mut writer = bellwether_import::CsvWriter::from_writer(&mut out);
            for row in rows.iter().take(top) {
                writer.serialize(row)?;
            }
            writer.flush()?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
