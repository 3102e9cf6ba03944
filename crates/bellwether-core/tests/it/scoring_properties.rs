//! Properties of the strategic score that must hold for any customers and any configuration.

use std::collections::BTreeMap;

use bellwether_core::config::{AudienceConfig, InfluenceConfig, QuadrantConfig, ReputationConfig};
use bellwether_core::{
    score_customers, AttrValue, Config, Customer, CustomerRecord, PurchaseStats, Score,
};
use proptest::prelude::*;

/// A number that is often awkward: zero, negative, huge, not finite, or missing.
fn awkward_size() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        4 => (1.0..1e7f64).prop_map(|value| Some(value.round())),
        1 => Just(Some(0.0)),
        1 => Just(Some(-5.0)),
        1 => Just(Some(1e15)),
        1 => Just(Some(f64::NAN)),
        1 => Just(None),
    ]
}

fn record() -> impl Strategy<Value = CustomerRecord> {
    let industry = prop::sample::select(vec![
        Some("Banking"),
        Some("banking"),
        Some("Bakery"),
        Some("Retail"),
        Some(" "),
        None,
    ]);
    let country = prop::sample::select(vec![Some("US"), Some("ca"), Some("FR"), None]);
    let signals = (
        prop::option::of(0u32..20),
        prop::option::of(1u32..6),
        prop::option::of(1u32..100),
        prop::option::of(prop::sample::select(vec!["Oracle", "fiserv", "Temenos"])),
    );
    let stats = (0u64..30, 0.0..1.0f64, 0.0..1e4f64, 0.0..1e3f64);
    (
        industry,
        country,
        awkward_size(),
        awkward_size(),
        signals,
        stats,
    )
        .prop_map(
            |(
                industry,
                country,
                employees,
                annual_revenue,
                (awards, rating, rank, core_system),
                (n_transactions, coupon_fraction, total_amount, total_discount),
            )| {
                let mut customer = Customer {
                    industry: industry.map(str::to_string),
                    country: country.map(str::to_string),
                    employees,
                    annual_revenue,
                    ..Customer::default()
                };
                for (name, value) in [
                    ("industry_awards", awards),
                    ("analyst_rating", rating),
                    ("market_rank", rank),
                ] {
                    if let Some(value) = value {
                        customer
                            .attributes
                            .insert(name.to_string(), AttrValue::Number(f64::from(value)));
                    }
                }
                if let Some(core_system) = core_system {
                    customer.attributes.insert(
                        "core_system".to_string(),
                        AttrValue::Text(core_system.to_string()),
                    );
                }
                let n_coupon = (coupon_fraction * n_transactions as f64).floor() as u64;
                let stats = PurchaseStats {
                    n_transactions,
                    n_coupon,
                    total_amount,
                    total_discount: if n_transactions == 0 {
                        0.0
                    } else {
                        total_discount
                    },
                    ..PurchaseStats::default()
                };
                CustomerRecord { customer, stats }
            },
        )
}

fn records() -> impl Strategy<Value = Vec<CustomerRecord>> {
    prop::collection::vec(record(), 1..40).prop_map(|mut records| {
        for (index, record) in records.iter_mut().enumerate() {
            record.customer.customer_id = format!("c{index}");
        }
        records
    })
}

/// Any valid configuration: each criterion and signal on or off, any weights and thresholds.
fn config() -> impl Strategy<Value = Config> {
    let switches = prop::collection::vec(prop::bool::ANY, 8);
    let weights = (0.1..3.0f64, 0.1..3.0f64, -3.0..-0.1f64);
    let numbers = (
        0.0..=1.0f64,
        0.0..20.0f64,
        0.0..=1.0f64,
        0.0..=1.0f64,
        0.0..=1.0f64,
    );
    (switches, weights, numbers).prop_map(
        |(
            on,
            (awards, rating, rank),
            (criteria_weight, shrinkage, discount_penalty, fit, reputation),
        )| {
            let mut attributes = BTreeMap::new();
            if on[4] {
                attributes.insert(
                    "core_system".to_string(),
                    vec![
                        toml::Value::String("Oracle".into()),
                        toml::Value::String("Fiserv".into()),
                    ],
                );
            }
            let mut signals = BTreeMap::new();
            for (switch, name, weight) in [
                (on[5], "industry_awards", awards),
                (on[6], "analyst_rating", rating),
                (on[7], "market_rank", rank),
            ] {
                if switch {
                    signals.insert(name.to_string(), weight);
                }
            }
            let config = Config {
                audience: AudienceConfig {
                    industries: if on[0] {
                        vec!["Banking".into(), "Credit Unions".into()]
                    } else {
                        Vec::new()
                    },
                    countries: if on[1] {
                        vec!["US".into(), "CA".into()]
                    } else {
                        Vec::new()
                    },
                    employees: on[2].then_some([1_000.0, 100_000.0]),
                    annual_revenue: on[3].then_some([1e3, 1e6]),
                    attributes,
                    criteria_weight,
                },
                reputation: ReputationConfig { signals, shrinkage },
                influence: InfluenceConfig { discount_penalty },
                quadrants: QuadrantConfig { fit, reputation },
                collaboration: Default::default(),
                extra: BTreeMap::new(),
            };
            config
                .validate()
                .expect("generated configurations are valid");
            config
        },
    )
}

fn assert_scores_in_range(scores: &[Score]) -> Result<(), TestCaseError> {
    for score in scores {
        for value in [
            score.fit,
            score.reputation,
            score.influence,
            score.strategic_score,
            score.criteria_fit,
            score.typicality,
            score.coupon_share,
            score.discount_share,
        ] {
            prop_assert!(
                value.is_finite() && (0.0..=1.0).contains(&value),
                "{:?}",
                score
            );
        }
        prop_assert!(score.reasons.len() <= bellwether_core::score::MAX_REASONS);
        for reason in &score.reasons {
            prop_assert!(
                reason.effect.is_finite() && (-1.0..=1.0).contains(&reason.effect),
                "{:?}",
                reason
            );
        }
        let expected = (score.fit * score.reputation).sqrt() * score.influence;
        prop_assert!((score.strategic_score - expected).abs() < 1e-12);
    }
    Ok(())
}

proptest! {
    #[test]
    fn every_number_stays_in_the_unit_range(records in records(), config in config()) {
        let scores = score_customers(&records, &config);
        prop_assert_eq!(scores.len(), records.len());
        assert_scores_in_range(&scores)?;
        // Deterministic: the same input gives the same output.
        prop_assert_eq!(format!("{scores:?}"), format!("{:?}", score_customers(&records, &config)));
    }

    #[test]
    fn more_reputation_never_lowers_the_score(records in records(), config in config(), pick in any::<prop::sample::Index>(), raise in 1u32..10) {
        // Raise one customer's awards (a positive-weight signal when configured).
        let index = pick.index(records.len());
        let Some(AttrValue::Number(awards)) = records[index].customer.attributes.get("industry_awards").cloned() else {
            return Ok(());
        };
        let before = score_customers(&records, &config);
        let mut raised = records.clone();
        raised[index].customer.attributes.insert("industry_awards".into(), AttrValue::Number(awards + f64::from(raise)));
        let after = score_customers(&raised, &config);
        prop_assert!(after[index].reputation >= before[index].reputation - 1e-12, "{} -> {}", before[index].reputation, after[index].reputation);
        prop_assert!(after[index].strategic_score >= before[index].strategic_score - 1e-12, "{} -> {}", before[index].strategic_score, after[index].strategic_score);
        prop_assert_eq!(after[index].fit, before[index].fit);
    }

    #[test]
    fn coupons_and_discounts_never_raise_the_score(records in records(), config in config(), pick in any::<prop::sample::Index>(), more_coupons in 0u64..10, more_discount in 0.0..1e3f64) {
        let index = pick.index(records.len());
        let stats = records[index].stats;
        let before = score_customers(&records, &config);
        let mut discounted = records.clone();
        discounted[index].stats.n_coupon = (stats.n_coupon + more_coupons).min(stats.n_transactions);
        discounted[index].stats.total_discount = stats.total_discount + more_discount;
        let after = score_customers(&discounted, &config);
        prop_assert!(after[index].influence <= before[index].influence + 1e-12, "{} -> {}", before[index].influence, after[index].influence);
        prop_assert!(after[index].strategic_score <= before[index].strategic_score + 1e-12);
        // Nothing else about the customer changes.
        prop_assert_eq!((after[index].fit, after[index].reputation), (before[index].fit, before[index].reputation));
    }
}
