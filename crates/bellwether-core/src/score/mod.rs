//! The strategic-customer score: fit, reputation, influence, quadrant, reasons.
//!
//! A strategic customer (Jon Fisher's design partner) both represents the product's target
//! audience and has an outstanding reputation in its own field; one that buys mostly with coupons
//! or discounts has little influence. Each customer gets:
//!
//! - **fit** in [0, 1]: `criteria_weight` × the stated criteria score ([`criteria`]) plus the rest ×
//!   typicality ([`typicality`]), the Gower similarity to the *core*: the customers whose criteria
//!   score is at least 0.999, or, when none is, the top tenth by criteria score (ties included).
//!   Unknown typicality counts 0.5. With no criterion configured, everyone meets the criteria (score
//!   1) and typicality is measured against the whole customer base.
//! - **reputation** in [0, 1]: the weighted mid-rank percentile of the reputation signals within
//!   the customer's own industry, shrunk toward 0.5 for small industries ([`reputation`]).
//! - **influence** in [0, 1]: one minus `discount_penalty` × coupon/discount dependence ([`influence`]).
//! - **strategic_score** $= \sqrt{\text{fit} \times \text{reputation}} \times \text{influence}$:
//!   the geometric mean is high only when both fit and reputation are.
//!
//! Scoring is pure and deterministic, and costs $O(n \log n)$: typicality compares each customer to
//! the core per feature through sorted values and counts, never pairwise.
//!
//! Each reason's `effect` is twice the pull of its signal on its component away from the neutral
//! 0.5, weighted by the signal's share of that component: the criteria reasons of one customer add
//! up to at most ±`criteria_weight`, the typicality reason to ±(1 − `criteria_weight`), reputation
//! to ±1, and coupon dependence is −2 × penalty × dependence.

mod criteria;
mod influence;
mod reputation;
mod text;
mod typicality;

use serde::{Deserialize, Serialize};

use crate::{Config, CustomerRecord};

use criteria::{AudienceCriteria, CriterionCheck, RangeCriterion};
use reputation::{Reputations, Signal};
use text::{format_list, format_number, format_percent};
use typicality::{Feature, LabelInterner, Typicality, MISSING_CATEGORY};

/// Criteria score at or above which a customer is in the core.
pub const CORE_CRITERIA_THRESHOLD: f64 = 0.999;

/// At most this many reasons are kept per customer.
pub const MAX_REASONS: usize = 6;

/// At most this many informational (zero-effect) reasons are kept per customer.
const MAX_INFORMATIONAL_REASONS: usize = 2;

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
    pub fn classify(fit: f64, reputation: f64, fit_threshold: f64, reputation_threshold: f64) -> Quadrant {
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
            criteria_weight: unit_or(config.audience.criteria_weight, defaults.audience.criteria_weight),
            shrinkage: if config.reputation.shrinkage.is_finite() && config.reputation.shrinkage >= 0.0 { config.reputation.shrinkage } else { defaults.reputation.shrinkage },
            discount_penalty: unit_or(config.influence.discount_penalty, defaults.influence.discount_penalty),
            fit_threshold: unit_or(config.quadrants.fit, defaults.quadrants.fit),
            reputation_threshold: unit_or(config.quadrants.reputation, defaults.quadrants.reputation),
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
    let meets: Vec<bool> = criteria_scores.iter().map(|score| *score >= CORE_CRITERIA_THRESHOLD).collect();
    if meets.iter().any(|member| *member) || criteria_scores.is_empty() {
        return (meets, CoreRule::MeetCriteria);
    }
    let mut sorted = criteria_scores.to_vec();
    sorted.sort_unstable_by(|left, right| right.total_cmp(left));
    let take = criteria_scores.len().div_ceil(10).max(1);
    let threshold = sorted[take - 1];
    (criteria_scores.iter().map(|score| *score >= threshold).collect(), CoreRule::BestTenth)
}

/// Everything computed over the whole population before scoring each customer.
struct Population<'a> {
    records: &'a [CustomerRecord],
    settings: Settings,
    criteria: AudienceCriteria,
    criteria_scores: Vec<f64>,
    core_rule: CoreRule,
    core_size: usize,
    features: Vec<Feature>,
    core: Vec<Option<typicality::CoreFeature>>,
    signals: Vec<Signal>,
    reputation_groups: Vec<u32>,
    group_names: Vec<String>,
    reputations: Reputations,
}

/// Scores every customer against the configuration, in input order.
pub fn score_customers(records: &[CustomerRecord], config: &Config) -> Vec<Score> {
    let settings = Settings::new(config);
    let criteria = AudienceCriteria::new(&config.audience);
    let criteria_scores: Vec<f64> = records.iter().map(|record| criteria.score(&record.customer)).collect();
    let (in_core, core_rule) = select_core(&criteria_scores, criteria.n_criteria());
    let core_size = in_core.iter().filter(|member| **member).count();

    let mut industries = LabelInterner::default();
    let industry_ids = typicality::intern_labels(records.iter().map(|record| record.customer.industry.as_deref()), &mut industries);
    let attribute_names: Vec<&str> = config.audience.attributes.keys().map(String::as_str).collect();
    let features = typicality::build_features(records, &industry_ids, &attribute_names);
    let core = typicality::build_core(&features, &in_core);

    // Customers without an industry share the last group.
    let unknown_group = industries.len() as u32;
    let reputation_groups: Vec<u32> = industry_ids.iter().map(|id| if *id == MISSING_CATEGORY { unknown_group } else { *id }).collect();
    let mut group_names = industries.display.clone();
    group_names.push("customers without an industry".to_string());
    let signals: Vec<Signal> = config.reputation.signals.iter().filter(|(_, weight)| weight.is_finite() && **weight != 0.0).map(|(name, weight)| Signal { name: name.clone(), weight: *weight }).collect();
    let reputations = reputation::reputations(records, &reputation_groups, group_names.len(), &signals, settings.shrinkage);

    let population = Population { records, settings, criteria, criteria_scores, core_rule, core_size, features, core, signals, reputation_groups, group_names, reputations };
    (0..records.len()).map(|index| population.score(index)).collect()
}

impl Population<'_> {
    fn score(&self, index: usize) -> Score {
        let record = &self.records[index];
        let settings = &self.settings;
        let criteria_fit = self.criteria_scores[index];
        let typicality = typicality::typicality(&self.features, &self.core, index);
        let typicality_value = typicality.value.unwrap_or(0.5);
        let fit = (settings.criteria_weight * criteria_fit + (1.0 - settings.criteria_weight) * typicality_value).clamp(0.0, 1.0);
        let reputation = self.reputations.reputation[index];
        let influence = influence::influence(&record.stats, settings.discount_penalty);
        let strategic_score = ((fit * reputation).sqrt() * influence.influence).clamp(0.0, 1.0);

        let mut reasons = Vec::new();
        self.criteria_reasons(index, &mut reasons);
        self.typicality_reason(&typicality, &mut reasons);
        self.reputation_reasons(index, &mut reasons);
        influence_reasons(&record.stats, &influence, settings.discount_penalty, &mut reasons);

        let group = self.reputation_groups[index] as usize;
        Score {
            customer_id: record.customer.customer_id.clone(),
            fit,
            reputation,
            influence: influence.influence,
            strategic_score,
            quadrant: Quadrant::classify(fit, reputation, settings.fit_threshold, settings.reputation_threshold),
            reasons: select_reasons(reasons),
            criteria_fit,
            typicality: typicality_value,
            typicality_known: typicality.value.is_some(),
            reputation_known: !self.reputations.percentile[index].is_nan(),
            reputation_peers: self.reputations.peers_by_group[group],
            coupon_share: influence.coupon_share,
            discount_share: influence.discount_share,
        }
    }

    fn criteria_reasons(&self, index: usize, reasons: &mut Vec<Reason>) {
        let n_criteria = self.criteria.n_criteria();
        if n_criteria == 0 {
            reasons.push(reason("audience-unconfigured", 0.0, "no audience criteria configured: everyone fits them".to_string()));
            return;
        }
        let share = self.settings.criteria_weight / n_criteria as f64;
        self.criteria.check(&self.records[index].customer, |check| {
            let effect = share * (check.credit() - 0.5) * 2.0;
            let (code, text) = describe_criterion(&check, &self.criteria);
            reasons.push(reason(&code, effect, text));
        });
    }

    fn typicality_reason(&self, typicality: &Typicality, reasons: &mut Vec<Reason>) {
        let Some(value) = typicality.value else {
            reasons.push(reason("typicality-unknown", 0.0, "typicality unknown: nothing to compare with the audience, counted as 0.5".to_string()));
            return;
        };
        let effect = (1.0 - self.settings.criteria_weight) * (value - 0.5) * 2.0;
        let core = match self.core_rule {
            CoreRule::Everyone => format!("the {} customers", format_number(self.core_size as f64)),
            CoreRule::MeetCriteria => format!("the {} customers that meet the criteria", format_number(self.core_size as f64)),
            CoreRule::BestTenth => format!("the {} customers that best meet the criteria", format_number(self.core_size as f64)),
        };
        if value >= 0.5 {
            reasons.push(reason("typical-of-audience", effect, format!("{} similar to {core}", format_percent(value))));
        } else {
            let mut text = format!("only {} similar to {core}", format_percent(value));
            if let Some((feature, distance)) = typicality.least_alike {
                if distance >= 0.5 {
                    text.push_str(&format!(", least on {}", self.features[feature].name));
                }
            }
            reasons.push(reason("atypical-of-audience", effect, text));
        }
    }

    fn reputation_reasons(&self, index: usize, reasons: &mut Vec<Reason>) {
        if self.signals.is_empty() {
            reasons.push(reason("reputation-unconfigured", 0.0, "no reputation signals configured: reputation counted as 0.5".to_string()));
            return;
        }
        let attributes = &self.records[index].customer.attributes;
        let unknown: Vec<String> = self.signals.iter().filter(|signal| reputation::signal_value(attributes.get(&signal.name)).is_none()).map(|signal| signal.name.clone()).collect();
        let percentile = self.reputations.percentile[index];
        if percentile.is_nan() {
            reasons.push(reason("reputation-unknown", 0.0, format!("no reputation signal known ({}): reputation counted as 0.5", format_list(&unknown, 3))));
            return;
        }
        let group = self.reputation_groups[index] as usize;
        let peers = self.reputations.peers_by_group[group];
        let industry = &self.group_names[group];
        let effect = (self.reputations.reputation[index] - 0.5) * 2.0;
        let peers_text = format!("{} peers", format_number(peers as f64));
        if peers <= 1 {
            reasons.push(reason("reputation-no-peers", 0.0, format!("the only one of {industry} with reputation signals: reputation counted as 0.5")));
        } else if percentile >= 0.6 {
            let top = ((1.0 - percentile) * 100.0 - 1e-9).ceil().max(1.0);
            reasons.push(reason("reputation-top-in-industry", effect, format!("top {top:.0}% of {industry} by reputation signals ({peers_text})")));
        } else if percentile <= 0.4 {
            let bottom = (percentile * 100.0 - 1e-9).ceil().max(1.0);
            reasons.push(reason("reputation-bottom-in-industry", effect, format!("bottom {bottom:.0}% of {industry} by reputation signals ({peers_text})")));
        } else {
            reasons.push(reason("reputation-middle-in-industry", effect, format!("middle of {industry} by reputation signals ({peers_text})")));
        }
        if !unknown.is_empty() {
            reasons.push(reason("signal-unknown", 0.0, format!("{} unknown", format_list(&unknown, 3))));
        }
    }
}

fn influence_reasons(stats: &crate::PurchaseStats, influence: &influence::Influence, penalty: f64, reasons: &mut Vec<Reason>) {
    if stats.n_transactions == 0 {
        reasons.push(reason("no-transactions", 0.0, "no transactions: influence not lowered".to_string()));
        return;
    }
    let dependence = influence.dependence();
    if dependence < 0.05 {
        return;
    }
    let effect = (-2.0 * penalty * dependence).max(-1.0);
    if influence.coupon_share >= influence.discount_share {
        reasons.push(reason("coupon-dependence", effect, format!("{} of purchases used a coupon", format_percent(influence.coupon_share))));
    } else {
        reasons.push(reason("discount-dependence", effect, format!("discounts were {} of the list value of purchases", format_percent(influence.discount_share))));
    }
}

fn describe_criterion(check: &CriterionCheck<'_>, criteria: &AudienceCriteria) -> (String, String) {
    match check {
        CriterionCheck::Industry { value, allowed } => describe_label("industry", *value, *allowed, &criteria.industries.display),
        CriterionCheck::Country { value, allowed } => describe_label("country", *value, *allowed, &criteria.countries.display),
        CriterionCheck::Attribute { criterion, value, allowed } => {
            let name = &criterion.name;
            match (value, allowed) {
                (Some(value), Some(true)) => ("attribute-match".into(), format!("{name} matches: {}", value.as_text().trim())),
                (Some(value), Some(false)) => ("attribute-mismatch".into(), format!("{name} {} is not among {}", value.as_text().trim(), format_list(&criterion.display, 3))),
                _ => ("attribute-unknown".into(), format!("{name} unknown")),
            }
        }
        CriterionCheck::Range { which, value, range, credit } => describe_range(*which, *value, *range, *credit),
    }
}

fn describe_label(name: &str, value: Option<&str>, allowed: Option<bool>, allowed_labels: &[String]) -> (String, String) {
    match (value, allowed) {
        (Some(value), Some(true)) => (format!("{name}-match"), format!("{name} matches: {value}")),
        (Some(value), Some(false)) => (format!("{name}-mismatch"), format!("{name} {value} is outside the audience ({})", format_list(allowed_labels, 3))),
        _ => (format!("{name}-unknown"), format!("{name} unknown")),
    }
}

fn describe_range(which: RangeCriterion, value: Option<f64>, range: [f64; 2], credit: f64) -> (String, String) {
    let code = which.code();
    let label = which.label();
    let Some(value) = value else {
        return (format!("{code}-unknown"), format!("{label} unknown"));
    };
    let range_text = format!("{}–{}", format_number(range[0]), format_number(range[1]));
    let value_text = format_number(value);
    let degree = if credit >= 0.8 {
        "slightly "
    } else if credit < 0.2 {
        "far "
    } else {
        ""
    };
    if value.max(0.0) < range[0] {
        (format!("{code}-below-range"), format!("{label} {value_text}, {degree}below the audience range ({range_text})"))
    } else if value > range[1] {
        (format!("{code}-above-range"), format!("{label} {value_text}, {degree}above the audience range ({range_text})"))
    } else {
        (format!("{code}-in-range"), format!("{label} {value_text}, within the audience range ({range_text})"))
    }
}

fn reason(code: &str, effect: f64, text: String) -> Reason {
    let effect = if effect.is_finite() { effect.clamp(-1.0, 1.0) } else { 0.0 };
    Reason { code: code.to_string(), effect, text }
}

/// Keeps the strongest reasons, strongest first, with room for a few informational ones at the end.
fn select_reasons(reasons: Vec<Reason>) -> Vec<Reason> {
    let (mut effective, informational): (Vec<Reason>, Vec<Reason>) = reasons.into_iter().partition(|reason| reason.effect != 0.0);
    effective.sort_by(|left, right| right.effect.abs().total_cmp(&left.effect.abs()));
    let n_informational = informational.len().min(MAX_INFORMATIONAL_REASONS);
    effective.truncate(MAX_REASONS - n_informational);
    let room = MAX_REASONS - effective.len();
    effective.extend(informational.into_iter().take(room));
    effective
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrants_split_on_inclusive_thresholds() {
        assert_eq!(Quadrant::classify(0.6, 0.6, 0.6, 0.6), Quadrant::Strategic);
        assert_eq!(Quadrant::classify(0.2, 0.9, 0.6, 0.6), Quadrant::Showcase);
        assert_eq!(Quadrant::classify(0.9, 0.2, 0.6, 0.6), Quadrant::Representative);
        assert_eq!(Quadrant::classify(0.59, 0.59, 0.6, 0.6), Quadrant::Transactional);
    }

    #[test]
    fn core_falls_back_to_the_best_tenth() {
        let (core, rule) = select_core(&[1.0, 0.5, 0.999], 2);
        assert_eq!((core, rule), (vec![true, false, true], CoreRule::MeetCriteria));
        // Nobody meets the criteria: the top tenth of 12 is the best 2, ties included.
        let scores = [0.1, 0.7, 0.2, 0.7, 0.3, 0.7, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
        let (core, rule) = select_core(&scores, 1);
        assert_eq!(rule, CoreRule::BestTenth);
        assert_eq!(core.iter().filter(|member| **member).count(), 3);
        let (core, rule) = select_core(&[0.2, 0.3], 0);
        assert_eq!((core, rule), (vec![true, true], CoreRule::Everyone));
    }

    #[test]
    fn reasons_are_sorted_by_strength_and_capped() {
        let reasons: Vec<Reason> = [0.1, -0.5, 0.0, 0.3, -0.05, 0.2, 0.0, 0.0, 0.15, -0.9].iter().enumerate().map(|(index, effect)| reason(&format!("r{index}"), *effect, String::new())).collect();
        let selected = select_reasons(reasons);
        let effects: Vec<f64> = selected.iter().map(|reason| reason.effect).collect();
        assert_eq!(effects, [-0.9, -0.5, 0.3, 0.2, 0.0, 0.0]);
        assert_eq!(selected[4].code, "r2");
    }

    #[test]
    fn range_reasons_name_the_direction_and_the_distance() {
        let range = [1_000.0, 100_000.0];
        let (code, text) = describe_range(RangeCriterion::Employees, Some(250_000.0), range, criteria::range_credit(250_000.0, range));
        assert_eq!(code, "employees-above-range");
        assert_eq!(text, "employees 250,000, above the audience range (1,000–100,000)");
        let (_, text) = describe_range(RangeCriterion::Employees, Some(10_000_000.0), range, criteria::range_credit(10_000_000.0, range));
        assert_eq!(text, "employees 10,000,000, far above the audience range (1,000–100,000)");
        let (code, text) = describe_range(RangeCriterion::AnnualRevenue, Some(-3.0), [1e8, 5e10], 0.0);
        assert_eq!(code, "annual-revenue-below-range");
        assert_eq!(text, "annual revenue -3, far below the audience range (100,000,000–50,000,000,000)");
    }
}
