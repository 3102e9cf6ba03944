//! `bellwether reach` and `bellwether demand`: requests matched to needs across languages.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use bellwether_core::{Collaboration, Config, CustomerRecord, Request, ScoreOptions, Scoring};
use bellwether_match::{
    generality_index, group_needs, matching_requests, reach_of, Audience, Generality, Glossary,
    GlossaryMatcher, GlossaryMatcherOptions, NeedMatcher, Reach, Representation,
};
use bellwether_store::Store;
use serde::Serialize;

use super::load_config;
use crate::cli::{DemandArgs, MatchArgs, OutputFormat, ReachArgs};
use crate::format::{money, truncate, Align, Table};

/// Everything matching needs: the matcher, the customers' fit and revenue, the requests.
struct NeedData {
    config: Config,
    matcher: GlossaryMatcher,
    records: Vec<CustomerRecord>,
    fit: Vec<f64>,
    revenue: Vec<f64>,
    requests: Vec<Request>,
    representations: Vec<Representation>,
    /// Customer position of each request.
    request_customers: Vec<usize>,
    collaborations: Vec<Collaboration>,
}

impl NeedData {
    async fn load(db: &Path, args: &MatchArgs, quiet: bool) -> anyhow::Result<NeedData> {
        let store = Store::open_existing(db).await?;
        let config = load_config(&store, &args.scoring, quiet).await?;
        let glossary = match &args.glossary {
            Some(path) => {
                let text = fs_err::read_to_string(path)?;
                Glossary::shipped_with(&text, &path.display().to_string())?
            }
            None => match store.setting("glossary").await? {
                Some(text) => Glossary::shipped_with(&text, "the glossary of the last import")?,
                None => Glossary::shipped(),
            },
        };
        let matcher = GlossaryMatcher::new(
            glossary,
            GlossaryMatcherOptions {
                threshold: config.collaboration.match_threshold,
                ..GlossaryMatcherOptions::default()
            },
        );
        let records = store.customer_records().await?;
        let requests = store.requests(None).await?;
        let collaborations = store.collaborations().await?;
        store.close().await;
        let scores = Scoring::new(&records, &config).scores(&ScoreOptions { max_reasons: 0 });
        let fit: Vec<f64> = scores.iter().map(|score| score.fit).collect();
        let revenue: Vec<f64> = records
            .iter()
            .map(|record| record.stats.total_amount)
            .collect();
        let position: HashMap<&str, usize> = records
            .iter()
            .enumerate()
            .map(|(index, record)| (record.customer.customer_id.as_str(), index))
            .collect();
        let request_customers = requests
            .iter()
            .map(|request| {
                position
                    .get(request.customer_id.as_str())
                    .copied()
                    .with_context(|| format!("request of unknown customer {}", request.customer_id))
            })
            .collect::<anyhow::Result<Vec<usize>>>()?;
        let texts: Vec<(&str, Option<&str>)> = requests
            .iter()
            .map(|request| (request.text.as_str(), request.language.as_deref()))
            .collect();
        let representations = matcher.represent_all(&texts);
        Ok(NeedData {
            config,
            matcher,
            records,
            fit,
            revenue,
            requests,
            representations,
            request_customers,
            collaborations,
        })
    }

    fn audience(&self) -> Audience<'_> {
        Audience {
            fit: &self.fit,
            revenue: &self.revenue,
        }
    }

    fn customer_ids(&self, positions: &[usize]) -> Vec<&str> {
        positions
            .iter()
            .map(|&position| self.records[position].customer.customer_id.as_str())
            .collect()
    }
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

pub async fn run_reach(db: &Path, args: &ReachArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let data = NeedData::load(db, &args.matching, quiet).await?;
    let Some(collaboration) = data
        .collaborations
        .iter()
        .find(|collaboration| collaboration.collaboration_id == args.collaboration_id)
    else {
        bail!(
            "no collaboration {} in {}\n\nhint: `bellwether collab list` shows the stored ones",
            args.collaboration_id,
            db.display()
        );
    };
    let partners: Vec<usize> = collaboration
        .customer_ids
        .iter()
        .filter_map(|customer_id| {
            data.records
                .iter()
                .position(|record| &record.customer.customer_id == customer_id)
        })
        .collect();
    let threshold = data.config.collaboration.broadly_sellable_share;
    let mut reaches: Vec<(Reach, Generality)> = Vec::new();
    for requirement in &collaboration.requirements {
        let query = data
            .matcher
            .represent(&requirement.text, requirement.language.as_deref());
        let matched = matching_requests(&data.matcher, &query, &data.representations);
        let reach = reach_of(
            &matched,
            &data.request_customers,
            &partners,
            data.audience(),
        );
        let generality = Generality::of(&reach, threshold);
        reaches.push((reach, generality));
    }
    let index = generality_index(&reaches);
    let rows: Vec<RequirementReach<'_>> = collaboration
        .requirements
        .iter()
        .zip(&reaches)
        .enumerate()
        .map(
            |(position, (requirement, (reach, generality)))| RequirementReach {
                position: position + 1,
                text: &requirement.text,
                language: requirement.language.clone().or_else(|| {
                    bellwether_match::detect(&requirement.text, None)
                        .map(|language| language.code().to_string())
                }),
                label: generality.label(),
                n_customers: reach.customers.len(),
                n_requests: reach.n_requests,
                audience_share: round(reach.fit_share),
                revenue: (reach.revenue * 100.0).round() / 100.0,
                customers: if args.format == OutputFormat::Json {
                    data.customer_ids(&reach.customers)
                } else {
                    Vec::new()
                },
            },
        )
        .collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        OutputFormat::Table => {
            writeln!(
                out,
                "{}  {}  (partners: {})",
                collaboration.collaboration_id,
                collaboration.name.as_deref().unwrap_or("(no name)"),
                collaboration.customer_ids.join(", ")
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
            let broad = reaches
                .iter()
                .filter(|(_, generality)| *generality == Generality::BroadlySellable)
                .count();
            writeln!(
                out,
                "\ngenerality index {index:.2}: {broad} of {} requirements broadly sellable (reach-weighted); \
                 broadly sellable = other customers holding at least {} of the fit-weighted audience",
                reaches.len(),
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
            let mut writer = csv::Writer::from_writer(&mut out);
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

pub async fn run_demand(db: &Path, args: &DemandArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let data = NeedData::load(db, &args.matching, quiet).await?;
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
            let mut writer = csv::Writer::from_writer(&mut out);
            for row in rows.iter().take(top) {
                writer.serialize(row)?;
            }
            writer.flush()?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
