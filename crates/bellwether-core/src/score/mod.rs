//! The strategic-customer score: fit, reputation, influence, quadrant, reasons.
//!
//! A strategic customer (Jon Fisher's design partner) both represents the product's target
//! audience and has an outstanding reputation in its own field; one that buys mostly with coupons
//! or discounts has little influence. Each customer gets:
//!
//! - **fit** in [0, 1]: `criteria_weight` × the stated criteria score (module `criteria`) plus the
//!   rest × typicality (module `typicality`), the Gower similarity to the *core*: the customers
//!   whose criteria score is at least 0.999, or, when none is, the top tenth by criteria score
//!   (ties included). Unknown typicality counts 0.5. With no criterion configured, everyone meets
//!   the criteria (score 1) and typicality is measured against the whole customer base.
//! - **reputation** in [0, 1]: the weighted mid-rank percentile of the reputation signals within
//!   the customer's own industry, shrunk toward 0.5 for small industries (module `reputation`).
//! - **influence** in [0, 1]: one minus `discount_penalty` × coupon/discount dependence (module
//!   `influence`).
//! - **strategic_score** $= \sqrt{\text{fit} \times \text{reputation}} \times \text{influence}$:
//!   the geometric mean is high only when both fit and reputation are.
//!
//! Scoring is pure (no IO) and deterministic, and costs $O(n \log n)$: typicality compares each
//! customer to the core per feature through sorted values and counts, never pairwise. Large inputs
//! are spread over the machine's cores with scoped threads; the output does not depend on how many.
//!
//! Each score carries its strongest [`Reason`]s, at most [`MAX_REASONS`]; module `reasons` says how
//! their effects are scaled. Rendering them is most of the cost of scoring a large base:
//! [`score_customers_with`] can skip them.

mod criteria;
mod extract;
mod influence;
mod reasons;
mod reputation;
mod text;
mod typicality;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{Config, CustomerRecord};

use criteria::AudienceCriteria;
use reputation::{Reputations, Signal};
use text::format_number;
use typicality::{Feature, MISSING_CATEGORY};

/// Criteria score at or above which a customer is in the core.
pub const CORE_CRITERIA_THRESHOLD: f64 = 0.999;

/// At most this many reasons are kept per customer by default.
pub const MAX_REASONS: usize = 6;

/// How much [`score_customers_with`] explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreOptions {
    /// Reasons kept per customer; 0 skips them, which makes scoring a large base several times
    /// cheaper when only the numbers are needed (reasons are most of the cost and memory).
    pub max_reasons: usize,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        Self {
            max_reasons: MAX_REASONS,
        }
    }
}

/// Where a customer falls on the fit × reputation map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quadrant {
    /// Fit and reputation both high: the design partners to court.
    Strategic,
    /// Reputation high, fit low: lends credibility but does not represent the audience.
    Showcase,
    /// Fit high, reputation low: represents the audience without the name.
    Representative,
    /// Both low.
    Transactional,
}

impl Quadrant {
    /// The quadrant of a fit and a reputation against the thresholds (inclusive).
    pub fn classify(
        fit: f64,
        reputation: f64,
        fit_threshold: f64,
        reputation_threshold: f64,
    ) -> Quadrant {
        match (fit >= fit_threshold, reputation >= reputation_threshold) {
            (true, true) => Quadrant::Strategic,
            (false, true) => Quadrant::Showcase,
            (true, false) => Quadrant::Representative,
            (false, false) => Quadrant::Transactional,
        }
    }
}

/// One signal behind a score, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable identifier, usable as a translation key (e.g. `industry-match`).
    pub code: String,
    /// Signed strength: positive raises the score, negative lowers it, zero is informational (unknown).
    pub effect: f64,
    /// English rendering, e.g. "industry matches: Banking".
    pub text: String,
}

/// The scores of one customer, all in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub customer_id: String,
    pub fit: f64,
    pub reputation: f64,
    pub influence: f64,
    pub strategic_score: f64,
    pub quadrant: Quadrant,
    /// The strongest signals behind the score, strongest first.
    pub reasons: Vec<Reason>,
    /// Mean credit of the stated `[audience]` criteria (1 when none is configured).
    pub criteria_fit: f64,
    /// Gower similarity to the core of the audience; 0.5 when unknown.
    pub typicality: f64,
    /// Whether any feature could be compared with the core.
    pub typicality_known: bool,
    /// Whether the customer has at least one reputation signal.
    pub reputation_known: bool,
    /// Customers of the same industry (this one included) with at least one reputation signal.
    pub reputation_peers: u64,
    /// Share of transactions that carried a coupon.
    pub coupon_share: f64,
    /// Share of the list value (amount + discount) given as discount.
    pub discount_share: f64,
}

/// Configuration values made safe to compute with, even when `Config::validate` was skipped.
#[derive(Debug, Clone, Copy)]
struct Settings {
    criteria_weight: f64,
    shrinkage: f64,
    discount_penalty: f64,
    fit_threshold: f64,
    reputation_threshold: f64,
}

fn unit_or(value: f64, fallback: f64) -> f64 {
    if value.is_finite() {
        value.clamp(0.0, 1.0)
    } else {
        fallback
    }
}

impl Settings {
    fn new(config: &Config) -> Settings {
        let defaults = Config::default();
        Settings {
            criteria_weight: unit_or(
                config.audience.criteria_weight,
                defaults.audience.criteria_weight,
            ),
            shrinkage: if config.reputation.shrinkage.is_finite()
                && config.reputation.shrinkage >= 0.0
            {
                config.reputation.shrinkage
            } else {
                defaults.reputation.shrinkage
            },
            discount_penalty: unit_or(
                config.influence.discount_penalty,
                defaults.influence.discount_penalty,
            ),
            fit_threshold: unit_or(config.quadrants.fit, defaults.quadrants.fit),
            reputation_threshold: unit_or(
                config.quadrants.reputation,
                defaults.quadrants.reputation,
            ),
        }
    }
}

/// How the core of the audience was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CoreRule {
    /// No criterion is configured: everyone.
    Everyone,
    /// The customers that meet the criteria.
    MeetCriteria,
    /// Nobody meets them: the top tenth by criteria score.
    BestTenth,
}

/// The core: customers with a criteria score of at least [`CORE_CRITERIA_THRESHOLD`], or the top
/// tenth (at least one, ties included) when there are none.
fn select_core(criteria_scores: &[f64], n_criteria: usize) -> (Vec<bool>, CoreRule) {
    if n_criteria == 0 {
        return (vec![true; criteria_scores.len()], CoreRule::Everyone);
    }
    let meets: Vec<bool> = criteria_scores
        .iter()
        .map(|score| *score >= CORE_CRITERIA_THRESHOLD)
        .collect();
    if meets.iter().any(|member| *member) || criteria_scores.is_empty() {
        return (meets, CoreRule::MeetCriteria);
    }
    let mut sorted = criteria_scores.to_vec();
    sorted.sort_unstable_by(|left, right| right.total_cmp(left));
    let take = criteria_scores.len().div_ceil(10).max(1);
    let threshold = sorted[take - 1];
    (
        criteria_scores
            .iter()
            .map(|score| *score >= threshold)
            .collect(),
        CoreRule::BestTenth,
    )
}

/// Everything computed over the whole population before scoring each customer.
struct Population<'a> {
    records: &'a [CustomerRecord],
    settings: Settings,
    criteria: AudienceCriteria,
    criteria_scores: Vec<f64>,
    /// How reasons name the core, e.g. "the 1,234 customers that meet the criteria".
    core_description: String,
    features: Vec<Feature>,
    core: Vec<Option<typicality::CoreFeature>>,
    signals: Vec<Signal>,
    reputation_groups: Vec<u32>,
    group_names: Vec<String>,
    reputations: Reputations,
}

/// Scores every customer against the configuration, in input order, with up to
/// [`MAX_REASONS`] reasons each.
pub fn score_customers(records: &[CustomerRecord], config: &Config) -> Vec<Score> {
    score_customers_with(records, config, &ScoreOptions::default())
}

/// Scores every customer against the configuration, in input order.
pub fn score_customers_with(
    records: &[CustomerRecord],
    config: &Config,
    options: &ScoreOptions,
) -> Vec<Score> {
    Scoring::new(records, config).scores(options)
}

/// The population-wide part of scoring (criteria, the core, industry percentiles), computed once,
/// so that numbers can be scored for everyone and reasons written only for the customers shown.
///
/// Ranking a million customers to print twenty needs twenty sets of reasons, not a million: reasons
/// are most of the cost of scoring.
pub struct Scoring<'a> {
    population: Population<'a>,
}

impl<'a> Scoring<'a> {
    /// Prepares the population-wide statistics of `records` under `config`.
    pub fn new(records: &'a [CustomerRecord], config: &Config) -> Scoring<'a> {
        Scoring {
            population: prepare(records, config),
        }
    }

    /// Scores every customer, in input order, with up to `options.max_reasons` reasons each.
    pub fn scores(&self, options: &ScoreOptions) -> Vec<Score> {
        (0..self.population.records.len())
            .into_par_iter()
            .with_min_len(MIN_CUSTOMERS_PER_THREAD)
            .map_init(Vec::new, |found, index| {
                self.population.score(index, options.max_reasons, found)
            })
            .collect()
    }

    /// The reasons behind the score of the customer at `index` (as in the records), strongest first.
    pub fn reasons(&self, index: usize, max_reasons: usize) -> Vec<Reason> {
        if index >= self.population.records.len() {
            return Vec::new();
        }
        self.population
            .score(index, max_reasons, &mut Vec::new())
            .reasons
    }
}

fn prepare<'a>(records: &'a [CustomerRecord], config: &Config) -> Population<'a> {
    let settings = Settings::new(config);
    let criteria = AudienceCriteria::new(&config.audience);
    let attribute_names: Vec<&str> = config
        .audience
        .attributes
        .keys()
        .map(String::as_str)
        .collect();
    // Sorted by name, as the configuration's map keeps them.
    let signals: Vec<Signal> = config
        .reputation
        .signals
        .iter()
        .filter(|(_, weight)| weight.is_finite() && **weight != 0.0)
        .map(|(name, weight)| Signal {
            name: name.clone(),
            weight: *weight,
        })
        .collect();
    let signal_names: Vec<&str> = signals.iter().map(|signal| signal.name.as_str()).collect();
    let extracted = extract::extract(
        records,
        &criteria,
        &attribute_names,
        &signal_names,
        MIN_CUSTOMERS_PER_THREAD,
    );
    let extract::Extracted {
        criteria_scores,
        industry_ids,
        industries,
        features,
        signal_columns,
    } = extracted;
    let (in_core, core_rule) = select_core(&criteria_scores, criteria.n_criteria());
    let core_size = in_core.iter().filter(|member| **member).count();

    let core = typicality::build_core(&features, &in_core);

    // Customers without an industry share the last group.
    let unknown_group = u32::try_from(industries.len()).unwrap_or(MISSING_CATEGORY);
    let reputation_groups: Vec<u32> = industry_ids
        .iter()
        .map(|id| {
            if *id == MISSING_CATEGORY {
                unknown_group
            } else {
                *id
            }
        })
        .collect();
    let mut group_names = industries.display;
    group_names.push("customers without an industry".to_string());
    let reputations = reputation::reputations_from_columns(
        &signal_columns,
        &reputation_groups,
        group_names.len(),
        &signals,
        settings.shrinkage,
    );
    drop(signal_columns);

    let core_description = match core_rule {
        CoreRule::Everyone => format!("the {} customers", format_number(core_size as f64)),
        CoreRule::MeetCriteria => format!(
            "the {} customers that meet the criteria",
            format_number(core_size as f64)
        ),
        CoreRule::BestTenth => format!(
            "the {} customers that best meet the criteria",
            format_number(core_size as f64)
        ),
    };
    Population {
        records,
        settings,
        criteria,
        criteria_scores,
        core_description,
        features,
        core,
        signals,
        reputation_groups,
        group_names,
        reputations,
    }
}

/// Below this many customers per thread, scoring stays on the calling thread.
const MIN_CUSTOMERS_PER_THREAD: usize = 20_000;

impl<'a> Population<'a> {
    /// Scores customer `index`; `found` is scratch space for its findings.
    fn score(
        &'a self,
        index: usize,
        max_reasons: usize,
        found: &mut Vec<reasons::Pending<'a>>,
    ) -> Score {
        let record = &self.records[index];
        let settings = &self.settings;
        let criteria_fit = self.criteria_scores[index];
        let typicality = typicality::typicality(&self.features, &self.core, index);
        let typicality_value = typicality.value.unwrap_or(0.5);
        let fit = (settings.criteria_weight * criteria_fit
            + (1.0 - settings.criteria_weight) * typicality_value)
            .clamp(0.0, 1.0);
        let reputation = self.reputations.reputation[index];
        let influence = influence::influence(&record.stats, settings.discount_penalty);
        let strategic_score = ((fit * reputation).sqrt() * influence.influence).clamp(0.0, 1.0);

        let reasons = if max_reasons == 0 {
            Vec::new()
        } else {
            let facts = reasons::CustomerFacts {
                index,
                typicality,
                influence,
            };
            reasons::collect(self, &facts, found);
            let kept = reasons::select(found, max_reasons);
            found[..kept]
                .iter()
                .map(|pending| reasons::render(self, index, pending))
                .collect()
        };

        let group = self.reputation_groups[index] as usize;
        Score {
            customer_id: record.customer.customer_id.clone(),
            fit,
            reputation,
            influence: influence.influence,
            strategic_score,
            quadrant: Quadrant::classify(
                fit,
                reputation,
                settings.fit_threshold,
                settings.reputation_threshold,
            ),
            reasons,
            criteria_fit,
            typicality: typicality_value,
            typicality_known: typicality.value.is_some(),
            reputation_known: !self.reputations.percentile[index].is_nan(),
            reputation_peers: self.reputations.peers_by_group[group],
            coupon_share: influence.coupon_share,
            discount_share: influence.discount_share,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrants_split_on_inclusive_thresholds() {
        assert_eq!(Quadrant::classify(0.6, 0.6, 0.6, 0.6), Quadrant::Strategic);
        assert_eq!(Quadrant::classify(0.2, 0.9, 0.6, 0.6), Quadrant::Showcase);
        assert_eq!(
            Quadrant::classify(0.9, 0.2, 0.6, 0.6),
            Quadrant::Representative
        );
        assert_eq!(
            Quadrant::classify(0.59, 0.59, 0.6, 0.6),
            Quadrant::Transactional
        );
    }

    #[test]
    fn core_falls_back_to_the_best_tenth() {
        let (core, rule) = select_core(&[1.0, 0.5, 0.999], 2);
        assert_eq!(
            (core, rule),
            (vec![true, false, true], CoreRule::MeetCriteria)
        );
        // Nobody meets the criteria: the top tenth of 12 is the best 2, ties included.
        let scores = [0.1, 0.7, 0.2, 0.7, 0.3, 0.7, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
        let (core, rule) = select_core(&scores, 1);
        assert_eq!(rule, CoreRule::BestTenth);
        assert_eq!(core.iter().filter(|member| **member).count(), 3);
        let (core, rule) = select_core(&[0.2, 0.3], 0);
        assert_eq!((core, rule), (vec![true, true], CoreRule::Everyone));
    }
}
