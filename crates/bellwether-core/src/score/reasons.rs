//! Reasons: the strongest signals behind a score, in plain English with stable codes.
//!
//! Findings are first collected with their effect and no text; only the few that are kept get
//! put into words, which is most of the cost of scoring a million customers.
//!
//! Each `effect` is twice the change of its component that the finding causes compared with a
//! neutral one: for a criterion, $2w(G - G_{c_i = 0.5})$ with $G$ the geometric mean of the
//! credits and $w$ = `criteria_weight` (so a stated industry missed weighs heavily); for
//! typicality $2(1 - w)(t - 0.5)$; for reputation $2(r - 0.5)$; coupon or discount dependence is
//! $-2 \times \text{penalty} \times \text{dependence}$. Effects are clamped to [-1, 1]. Zero marks
//! an informational finding (something unknown).

use crate::model::PurchaseStats;

use super::criteria::{CreditProduct, CriterionCheck, RangeCriterion};
use super::influence::Influence;
use super::reputation::signal_value;
use super::text::{format_list, Percent, Thousands};
use super::{Population, Reason};

/// At most this many informational (zero-effect) reasons are kept per customer.
const MAX_INFORMATIONAL_REASONS: usize = 2;

/// Shares of coupon or discount use below this are not worth a reason.
const DEPENDENCE_WORTH_A_REASON: f64 = 0.05;

/// A reason found but not yet put into words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Finding<'a> {
    AudienceUnconfigured,
    Criterion(CriterionCheck<'a>),
    Typicality {
        value: f64,
        least_alike: Option<&'a str>,
    },
    TypicalityUnknown,
    ReputationUnconfigured,
    ReputationUnknown,
    ReputationNoPeers {
        group: usize,
    },
    Reputation {
        percentile: f64,
        group: usize,
    },
    SignalsUnknown,
    NoTransactions,
    CouponDependence {
        share: f64,
    },
    DiscountDependence {
        share: f64,
    },
}

/// A finding with its signed effect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pending<'a> {
    pub(crate) effect: f64,
    pub(crate) finding: Finding<'a>,
}

fn pending(effect: f64, finding: Finding<'_>) -> Pending<'_> {
    let effect = if effect.is_finite() {
        effect.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    Pending { effect, finding }
}

/// The per-customer facts that findings are drawn from.
pub(crate) struct CustomerFacts {
    pub(crate) index: usize,
    pub(crate) typicality: super::typicality::Typicality,
    pub(crate) influence: Influence,
}

/// Collects every finding for one customer into `found` (cleared first).
pub(crate) fn collect<'a>(
    population: &'a Population<'a>,
    facts: &CustomerFacts,
    found: &mut Vec<Pending<'a>>,
) {
    found.clear();
    let index = facts.index;
    let record = &population.records[index];
    let settings = &population.settings;

    if population.criteria.n_criteria() == 0 {
        found.push(pending(0.0, Finding::AudienceUnconfigured));
    } else {
        // A criterion's effect: how much fit would move had its credit been the neutral 0.5.
        let first = found.len();
        let mut credits = CreditProduct::default();
        population.criteria.check(&record.customer, |check| {
            credits.add(check.credit());
            found.push(pending(0.0, Finding::Criterion(check)));
        });
        let score = credits.geometric_mean();
        for pending in &mut found[first..] {
            if let Finding::Criterion(check) = pending.finding {
                let effect = 2.0
                    * settings.criteria_weight
                    * (score - credits.with_replaced(check.credit(), 0.5));
                pending.effect = if effect.is_finite() {
                    effect.clamp(-1.0, 1.0)
                } else {
                    0.0
                };
            }
        }
    }

    match facts.typicality.value {
        Some(value) => {
            let least_alike = facts
                .typicality
                .least_alike
                .filter(|(_, distance)| *distance >= 0.5)
                .map(|(feature, _)| population.features[feature].name.as_str());
            found.push(pending(
                (1.0 - settings.criteria_weight) * (value - 0.5) * 2.0,
                Finding::Typicality { value, least_alike },
            ));
        }
        None => found.push(pending(0.0, Finding::TypicalityUnknown)),
    }

    let reputations = &population.reputations;
    if population.signals.is_empty() {
        found.push(pending(0.0, Finding::ReputationUnconfigured));
    } else if reputations.percentile[index].is_nan() {
        found.push(pending(0.0, Finding::ReputationUnknown));
    } else {
        let group = population.reputation_groups[index] as usize;
        if reputations.peers_by_group[group] <= 1 {
            found.push(pending(0.0, Finding::ReputationNoPeers { group }));
        } else {
            found.push(pending(
                (reputations.reputation[index] - 0.5) * 2.0,
                Finding::Reputation {
                    percentile: reputations.percentile[index],
                    group,
                },
            ));
        }
        if usize::from(reputations.n_known[index]) < population.signals.len() {
            found.push(pending(0.0, Finding::SignalsUnknown));
        }
    }

    influence_findings(
        &record.stats,
        &facts.influence,
        settings.discount_penalty,
        found,
    );
}

fn influence_findings(
    stats: &PurchaseStats,
    influence: &Influence,
    penalty: f64,
    found: &mut Vec<Pending<'_>>,
) {
    if stats.n_transactions == 0 {
        found.push(pending(0.0, Finding::NoTransactions));
        return;
    }
    let dependence = influence.dependence();
    if dependence < DEPENDENCE_WORTH_A_REASON {
        return;
    }
    let effect = -2.0 * penalty * dependence;
    if influence.coupon_share >= influence.discount_share {
        found.push(pending(
            effect,
            Finding::CouponDependence {
                share: influence.coupon_share,
            },
        ));
    } else {
        found.push(pending(
            effect,
            Finding::DiscountDependence {
                share: influence.discount_share,
            },
        ));
    }
}

/// Sorts the findings strongest first and returns how many to keep, at most `max_reasons`: the
/// strongest effective ones, then up to [`MAX_INFORMATIONAL_REASONS`] informational ones (more
/// when there is room).
pub(crate) fn select(found: &mut [Pending<'_>], max_reasons: usize) -> usize {
    // Stable: equal strengths keep the order in which they were found.
    found.sort_by(|left, right| {
        (left.effect == 0.0)
            .cmp(&(right.effect == 0.0))
            .then(right.effect.abs().total_cmp(&left.effect.abs()))
    });
    let n_effective = found
        .iter()
        .take_while(|pending| pending.effect != 0.0)
        .count();
    let n_informational = found.len() - n_effective;
    let reserved = n_informational
        .min(MAX_INFORMATIONAL_REASONS)
        .min(max_reasons);
    let keep_effective = n_effective.min(max_reasons - reserved);
    let keep_informational = n_informational.min(max_reasons - keep_effective);
    // Moves the kept informational findings right after the kept effective ones.
    found[keep_effective..].rotate_left(n_effective - keep_effective);
    keep_effective + keep_informational
}

/// Puts a finding into words.
pub(crate) fn render(population: &Population<'_>, index: usize, pending: &Pending<'_>) -> Reason {
    let (code, text): (&'static str, String) = match pending.finding {
        Finding::AudienceUnconfigured => (
            "audience-unconfigured",
            "no audience criteria configured: everyone meets them".into(),
        ),
        Finding::Criterion(check) => describe_criterion(&check, population),
        Finding::Typicality { value, least_alike } => {
            let core = &population.core_description;
            if value >= 0.5 {
                (
                    "typical-of-audience",
                    format!("{} similar to {core}", Percent(value)),
                )
            } else {
                let least = least_alike
                    .map(|name| format!(", least on {name}"))
                    .unwrap_or_default();
                (
                    "atypical-of-audience",
                    format!("only {} similar to {core}{least}", Percent(value)),
                )
            }
        }
        Finding::TypicalityUnknown => (
            "typicality-unknown",
            "typicality unknown: nothing to compare with the audience, counted as 0.5".into(),
        ),
        Finding::ReputationUnconfigured => (
            "reputation-unconfigured",
            "no reputation signals configured: reputation counted as 0.5".into(),
        ),
        Finding::ReputationUnknown => {
            let names: Vec<&str> = population
                .signals
                .iter()
                .map(|signal| signal.name.as_str())
                .collect();
            (
                "reputation-unknown",
                format!(
                    "no reputation signal known ({}): reputation counted as 0.5",
                    format_list(&names, 3)
                ),
            )
        }
        Finding::ReputationNoPeers { group } => (
            "reputation-no-peers",
            format!(
                "the only one of {} with reputation signals: reputation counted as 0.5",
                population.group_names[group]
            ),
        ),
        Finding::Reputation { percentile, group } => describe_reputation(
            percentile,
            &population.group_names[group],
            population.reputations.peers_by_group[group],
        ),
        Finding::SignalsUnknown => {
            let attributes = &population.records[index].customer.attributes;
            let unknown: Vec<&str> = population
                .signals
                .iter()
                .filter(|signal| signal_value(attributes.get(&signal.name)).is_none())
                .map(|signal| signal.name.as_str())
                .collect();
            (
                "signal-unknown",
                format!("{} unknown", format_list(&unknown, 3)),
            )
        }
        Finding::NoTransactions => (
            "no-transactions",
            "no transactions: influence not lowered".into(),
        ),
        Finding::CouponDependence { share } => (
            "coupon-dependence",
            format!("{} of purchases used a coupon", Percent(share)),
        ),
        Finding::DiscountDependence { share } => (
            "discount-dependence",
            format!(
                "discounts were {} of the list value of purchases",
                Percent(share)
            ),
        ),
    };
    Reason {
        code: code.to_string(),
        effect: pending.effect,
        text,
    }
}

fn describe_reputation(percentile: f64, industry: &str, peers: u64) -> (&'static str, String) {
    let peers = Thousands(peers as f64);
    if percentile >= 0.6 {
        let top = ((1.0 - percentile) * 100.0 - 1e-9).ceil().max(1.0) as i64;
        (
            "reputation-top-in-industry",
            format!("top {top}% of {industry} by reputation signals ({peers} peers)"),
        )
    } else if percentile <= 0.4 {
        let bottom = (percentile * 100.0 - 1e-9).ceil().max(1.0) as i64;
        (
            "reputation-bottom-in-industry",
            format!("bottom {bottom}% of {industry} by reputation signals ({peers} peers)"),
        )
    } else {
        (
            "reputation-middle-in-industry",
            format!("middle of {industry} by reputation signals ({peers} peers)"),
        )
    }
}

fn describe_criterion(
    check: &CriterionCheck<'_>,
    population: &Population<'_>,
) -> (&'static str, String) {
    let criteria = &population.criteria;
    match check {
        CriterionCheck::Industry { value, allowed } => describe_label(
            LabelCriterion::Industry,
            *value,
            *allowed,
            &criteria.industries.display,
        ),
        CriterionCheck::Country { value, allowed } => describe_label(
            LabelCriterion::Country,
            *value,
            *allowed,
            &criteria.countries.display,
        ),
        CriterionCheck::Attribute {
            criterion,
            value,
            allowed,
        } => {
            let name = &criterion.name;
            match (value, allowed) {
                (Some(value), Some(true)) => (
                    "attribute-match",
                    format!("{name} matches: {}", value.as_text().trim()),
                ),
                (Some(value), Some(false)) => (
                    "attribute-mismatch",
                    format!(
                        "{name} {} is not among {}",
                        value.as_text().trim(),
                        format_list(&criterion.display, 3)
                    ),
                ),
                _ => ("attribute-unknown", format!("{name} unknown")),
            }
        }
        CriterionCheck::Range {
            which,
            value,
            range,
            credit,
        } => describe_range(*which, *value, *range, *credit),
    }
}

/// The categorical criteria named in reasons, with their stable codes.
#[derive(Debug, Clone, Copy)]
enum LabelCriterion {
    Industry,
    Country,
}

fn describe_label(
    which: LabelCriterion,
    value: Option<&str>,
    allowed: Option<bool>,
    allowed_labels: &[String],
) -> (&'static str, String) {
    let (name, codes) = match which {
        LabelCriterion::Industry => (
            "industry",
            ["industry-match", "industry-mismatch", "industry-unknown"],
        ),
        LabelCriterion::Country => (
            "country",
            ["country-match", "country-mismatch", "country-unknown"],
        ),
    };
    match (value, allowed) {
        (Some(value), Some(true)) => (codes[0], format!("{name} matches: {value}")),
        (Some(value), Some(false)) => (
            codes[1],
            format!(
                "{name} {value} is outside the audience ({})",
                format_list(allowed_labels, 3)
            ),
        ),
        _ => (codes[2], format!("{name} unknown")),
    }
}

pub(crate) fn describe_range(
    which: RangeCriterion,
    value: Option<f64>,
    range: [f64; 2],
    credit: f64,
) -> (&'static str, String) {
    let label = which.label();
    let [unknown, below, above, within] = which.codes();
    let Some(value) = value else {
        return (unknown, format!("{label} unknown"));
    };
    let (low, high) = (Thousands(range[0]), Thousands(range[1]));
    let value_text = Thousands(value);
    let degree = if credit >= 0.8 {
        "slightly "
    } else if credit < 0.2 {
        "far "
    } else {
        ""
    };
    if value.max(0.0) < range[0] {
        (
            below,
            format!("{label} {value_text}, {degree}below the audience range ({low}–{high})"),
        )
    } else if value > range[1] {
        (
            above,
            format!("{label} {value_text}, {degree}above the audience range ({low}–{high})"),
        )
    } else {
        (
            within,
            format!("{label} {value_text}, within the audience range ({low}–{high})"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::criteria::range_credit;

    #[test]
    fn selection_keeps_the_strongest_then_a_few_unknowns() {
        let effects = [0.1, -0.5, 0.0, 0.3, -0.05, 0.2, 0.0, 0.0, 0.15, -0.9];
        let mut found: Vec<Pending<'_>> = effects
            .iter()
            .map(|effect| Pending {
                effect: *effect,
                finding: Finding::NoTransactions,
            })
            .collect();
        let kept = select(&mut found, 6);
        let kept_effects: Vec<f64> = found[..kept].iter().map(|pending| pending.effect).collect();
        assert_eq!(kept_effects, [-0.9, -0.5, 0.3, 0.2, 0.0, 0.0]);
        // With few effective findings, more informational ones fit.
        let mut found: Vec<Pending<'_>> = [0.0, 0.4, 0.0, 0.0]
            .iter()
            .map(|effect| Pending {
                effect: *effect,
                finding: Finding::NoTransactions,
            })
            .collect();
        assert_eq!(select(&mut found.clone(), 6), 4);
        assert_eq!(select(&mut found.clone(), 1), 1);
        assert_eq!(select(&mut found, 0), 0);
    }

    #[test]
    fn range_reasons_name_the_direction_and_the_distance() {
        let range = [1_000.0, 100_000.0];
        let (code, text) = describe_range(
            RangeCriterion::Employees,
            Some(250_000.0),
            range,
            range_credit(250_000.0, range),
        );
        assert_eq!(code, "employees-above-range");
        assert_eq!(
            text,
            "employees 250,000, above the audience range (1,000–100,000)"
        );
        let (_, text) = describe_range(
            RangeCriterion::Employees,
            Some(10_000_000.0),
            range,
            range_credit(10_000_000.0, range),
        );
        assert_eq!(
            text,
            "employees 10,000,000, far above the audience range (1,000–100,000)"
        );
        let (_, text) = describe_range(
            RangeCriterion::Employees,
            Some(110_000.0),
            range,
            range_credit(110_000.0, range),
        );
        assert_eq!(
            text,
            "employees 110,000, slightly above the audience range (1,000–100,000)"
        );
        let (code, text) =
            describe_range(RangeCriterion::AnnualRevenue, Some(-3.0), [1e8, 5e10], 0.0);
        assert_eq!(code, "annual-revenue-below-range");
        assert_eq!(
            text,
            "annual revenue -3, far below the audience range (100,000,000–50,000,000,000)"
        );
    }

    #[test]
    fn reputation_reasons_say_where_in_the_industry() {
        // The best of 12 with mid-ranks sits at 11.5 / 12: within the top 5%.
        assert_eq!(
            describe_reputation(11.5 / 12.0, "Bakery", 12).1,
            "top 5% of Bakery by reputation signals (12 peers)"
        );
        assert_eq!(
            describe_reputation(0.95, "Bakery", 1200).1,
            "top 5% of Bakery by reputation signals (1,200 peers)"
        );
        assert_eq!(
            describe_reputation(0.1, "Bakery", 12).0,
            "reputation-bottom-in-industry"
        );
        assert_eq!(
            describe_reputation(0.5, "Bakery", 12).0,
            "reputation-middle-in-industry"
        );
    }
}
