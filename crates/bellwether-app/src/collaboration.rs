//! Design partners and co-design collaborations: the use cases behind `bellwether partners`,
//! `bellwether reach` and `bellwether demand`, and the web app's partners page.
//!
//! [`NeedData`] loads what matching needs (customers' fit and revenue, every request prepared
//! for the matcher); [`requirement_reach`] says, for each requirement of a collaboration, how
//! many other customers ask for the same thing; [`partner_set`] picks a balanced set of
//! design partners.

use std::collections::HashMap;

use bellwether_core::partners::PartnerSelection;
use bellwether_core::{
    select_partners, Collaboration, Config, CustomerRecord, PartnerOptions, Request, ScoreOptions,
    Scoring,
};
pub use bellwether_match::Generality;
use bellwether_match::{
    generality_index, matching_requests, reach_of, Audience, Glossary, GlossaryMatcher,
    GlossaryMatcherOptions, NeedMatcher, Reach, Representation,
};
use bellwether_store::Store;

use crate::AppError;

/// Everything matching needs: the matcher, the customers' fit and revenue, the requests.
pub struct NeedData {
    pub config: Config,
    pub matcher: GlossaryMatcher,
    pub records: Vec<CustomerRecord>,
    pub fit: Vec<f64>,
    pub revenue: Vec<f64>,
    pub requests: Vec<Request>,
    pub representations: Vec<Representation>,
    /// Customer position of each request.
    pub request_customers: Vec<usize>,
    pub collaborations: Vec<Collaboration>,
}

/// A glossary to match with instead of the stored or shipped one: its text and a name for errors.
pub struct GlossaryOverride {
    pub text: String,
    pub name: String,
}

impl NeedData {
    /// Loads the workspace's customers, requests and collaborations, scores the customers with
    /// `config` and prepares every request for matching (the glossary: `glossary`, else the one
    /// of the last import, else the shipped one).
    pub async fn load(
        store: &Store,
        config: Config,
        glossary: Option<GlossaryOverride>,
    ) -> Result<NeedData, AppError> {
        let glossary_error = |e: bellwether_match::MatchError| AppError::Input(e.to_string());
        let glossary = match glossary {
            Some(given) => {
                Glossary::shipped_with(&given.text, &given.name).map_err(glossary_error)?
            }
            None => match store.setting("glossary").await? {
                // Checked when it was imported; the reader may not be its author, so the message
                // quotes none of it.
                Some(text) => Glossary::shipped_with(&text, "the glossary of the last import")
                    .map_err(|_| {
                        AppError::Input(
                            "the glossary stored by the last import is invalid: import a corrected one"
                                .to_string(),
                        )
                    })?,
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
        tokio::task::spawn_blocking(move || {
            NeedData::prepare(config, matcher, records, requests, collaborations)
        })
        .await
        .map_err(|e| AppError::Task(e.to_string()))?
    }

    fn prepare(
        config: Config,
        matcher: GlossaryMatcher,
        records: Vec<CustomerRecord>,
        requests: Vec<Request>,
        collaborations: Vec<Collaboration>,
    ) -> Result<NeedData, AppError> {
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
                    .ok_or_else(|| {
                        AppError::Input(format!(
                            "request of unknown customer {}",
                            request.customer_id
                        ))
                    })
            })
            .collect::<Result<Vec<usize>, AppError>>()?;
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

    /// The customers' fit and revenue, as the reach computations take them.
    pub fn audience(&self) -> Audience<'_> {
        Audience {
            fit: &self.fit,
            revenue: &self.revenue,
        }
    }

    /// The `customer_id`s at `positions`.
    pub fn customer_ids(&self, positions: &[usize]) -> Vec<&str> {
        positions
            .iter()
            .map(|&position| self.records[position].customer.customer_id.as_str())
            .collect()
    }

    /// The stored collaboration `collaboration_id`.
    pub fn collaboration(&self, collaboration_id: &str) -> Option<&Collaboration> {
        self.collaborations
            .iter()
            .find(|collaboration| collaboration.collaboration_id == collaboration_id)
    }
}

/// How far one requirement of a collaboration reaches beyond its partners.
#[derive(Debug, Clone)]
pub struct RequirementReach {
    /// 1-based position in the collaboration.
    pub position: usize,
    pub text: String,
    /// The requirement's language as given, else as detected.
    pub language: Option<String>,
    pub reach: Reach,
    pub generality: Generality,
}

/// Every requirement of a collaboration with its reach, and the collaboration's generality index.
#[derive(Debug, Clone)]
pub struct CollaborationReach {
    pub requirements: Vec<RequirementReach>,
    /// Reach-weighted share of broadly sellable requirements (0 to 1).
    pub generality_index: f64,
    /// The share of the fit-weighted audience above which a requirement is broadly sellable.
    pub threshold: f64,
}

/// Matches each requirement of `collaboration` against every other customer's requests.
pub fn requirement_reach(data: &NeedData, collaboration: &Collaboration) -> CollaborationReach {
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
    let requirements: Vec<RequirementReach> = collaboration
        .requirements
        .iter()
        .enumerate()
        .map(|(index, requirement)| {
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
            RequirementReach {
                position: index + 1,
                text: requirement.text.clone(),
                language: requirement.language.clone().or_else(|| {
                    bellwether_match::detect(&requirement.text, None)
                        .map(|language| language.code().to_string())
                }),
                reach,
                generality,
            }
        })
        .collect();
    let pairs: Vec<(Reach, Generality)> = requirements
        .iter()
        .map(|r| (r.reach.clone(), r.generality))
        .collect();
    CollaborationReach {
        generality_index: generality_index(&pairs),
        requirements,
        threshold,
    }
}

/// One design partner of a [`PartnerSet`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct PartnerRow {
    pub pick: usize,
    pub customer_id: String,
    pub name: Option<String>,
    pub segment: String,
    pub segment_share: f64,
    pub strategic_score: f64,
    pub included: bool,
    pub gain: f64,
    pub own_segment_gain: f64,
    pub neighbour_gain: f64,
    pub new_segment: bool,
    pub why: String,
}

/// A segment of the audience left without a partner of its own.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UncoveredRow {
    pub segment: String,
    pub share: f64,
    pub n_audience: usize,
}

/// A balanced set of design partners.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PartnerSet {
    pub k: usize,
    pub objective: f64,
    pub covered_share: f64,
    pub audience_segments: usize,
    pub partners: Vec<PartnerRow>,
    pub uncovered: Vec<UncoveredRow>,
}

fn round(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

/// Picks `k` design partners (at least every `include`d one, none `exclude`d) that cover the
/// target audience's segments: greedy on a monotone submodular objective, so the set is worth
/// at least 1 − 1/e of the best set of its size.
pub fn partner_set(
    records: &[CustomerRecord],
    scores: &[bellwether_core::Score],
    config: &Config,
    k: usize,
    include: &[String],
    exclude: &[String],
) -> Result<PartnerSet, AppError> {
    let position: HashMap<&str, usize> = records
        .iter()
        .enumerate()
        .map(|(index, record)| (record.customer.customer_id.as_str(), index))
        .collect();
    let mut unknown = Vec::new();
    let mut positions = |ids: &[String]| -> Vec<usize> {
        ids.iter()
            .filter_map(|id| {
                let found = position.get(id.as_str()).copied();
                if found.is_none() {
                    unknown.push(id.clone());
                }
                found
            })
            .collect()
    };
    let include_positions = positions(include);
    let exclude_positions = positions(exclude);
    if !unknown.is_empty() {
        return Err(AppError::Input(format!(
            "unknown customer_id {}",
            unknown.join(", ")
        )));
    }
    if let Some(both) = include.iter().find(|id| exclude.contains(id)) {
        return Err(AppError::Input(format!(
            "{both} is both included and excluded"
        )));
    }
    let options = PartnerOptions {
        k: k.max(include_positions.len()),
        include: include_positions,
        exclude: exclude_positions,
        audience_fit: config.quadrants.fit,
    };
    let selection = select_partners(records, scores, &options);
    let partners = partner_rows(records, scores, &selection);
    let uncovered = selection
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
    Ok(PartnerSet {
        k: options.k,
        objective: round(selection.objective),
        covered_share: round(selection.covered_weight),
        audience_segments,
        partners,
        uncovered,
    })
}

fn partner_rows(
    records: &[CustomerRecord],
    scores: &[bellwether_core::Score],
    selection: &PartnerSelection,
) -> Vec<PartnerRow> {
    selection
        .picks
        .iter()
        .enumerate()
        .map(|(position, pick)| {
            let record = &records[pick.customer_idx];
            let score = &scores[pick.customer_idx];
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
                customer_id: record.customer.customer_id.clone(),
                name: record.customer.name.clone(),
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

/// What to add to a collaboration (creating it when new), as the CLI's `collab add` and the web
/// app's form give it.
#[derive(Debug, Clone, Default)]
pub struct CollaborationAddition {
    pub collaboration_id: String,
    pub name: Option<String>,
    /// `YYYY-MM-DD`.
    pub started: Option<String>,
    /// Partner customers to add.
    pub customer_ids: Vec<String>,
    /// Requirements to append, in order.
    pub requirements: Vec<String>,
    /// The requirements' language, when known (en, fr, it, et).
    pub language: Option<String>,
}

/// Whether [`add_to_collaboration`] created the collaboration or extended an existing one.
pub use bellwether_store::EditOutcome as AddOutcome;

/// Checks `addition` and adds it to the store, with its audit entry under `user_id` (`None`: the
/// command line), in one transaction. An empty id or requirement, a bad date, a new
/// collaboration without partners, or an unknown partner (`StoreError::UnknownCustomer`) are
/// refused with a reason, and nothing is written.
pub async fn add_to_collaboration(
    store: &Store,
    user_id: Option<i64>,
    addition: &CollaborationAddition,
) -> Result<AddOutcome, AppError> {
    let id = addition.collaboration_id.trim();
    if id.is_empty() {
        return Err(AppError::Input("the collaboration_id is empty".to_string()));
    }
    let started = addition
        .started
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(|text| {
            bellwether_store::parse_date(text).ok_or_else(|| {
                AppError::Input(format!("started {text:?} is not a YYYY-MM-DD date"))
            })
        })
        .transpose()?;
    if let Some(empty) = addition
        .requirements
        .iter()
        .position(|text| text.trim().is_empty())
    {
        return Err(AppError::Input(format!(
            "requirement {} is empty",
            empty + 1
        )));
    }
    let existing = store.collaboration(id).await?;
    if existing.is_none() && addition.customer_ids.is_empty() {
        return Err(AppError::Conflict(format!(
            "collaboration {id} is new: give at least one partner"
        )));
    }
    let language = addition
        .language
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string);
    let collaboration = Collaboration {
        collaboration_id: id.to_string(),
        name: addition
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string),
        started,
        customer_ids: addition.customer_ids.clone(),
        requirements: addition
            .requirements
            .iter()
            .map(|text| bellwether_core::Requirement {
                collaboration_id: id.to_string(),
                text: text.trim().to_string(),
                language: language.clone(),
            })
            .collect(),
    };
    Ok(store.add_to_collaboration(&collaboration, user_id).await?)
}
