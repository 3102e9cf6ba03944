//! Strategic-customer scoring through the public API, on small fixtures checked by hand.

use bellwether_core::score::MAX_REASONS;
use bellwether_core::{
    score_customers, score_customers_with, AttrValue, Config, Customer, CustomerRecord,
    PurchaseStats, Quadrant, Score, ScoreOptions, Scoring,
};

/// Scores the records under a `bellwether.toml` text.
fn check(records: &[CustomerRecord], config_toml: &str) -> Vec<Score> {
    let config = Config::from_toml(config_toml).expect("the test configuration parses");
    let scores = score_customers(records, &config);
    assert_eq!(scores.len(), records.len());
    for (score, record) in scores.iter().zip(records) {
        assert_eq!(score.customer_id, record.customer.customer_id);
        assert_in_unit_range(score);
    }
    scores
}

fn assert_in_unit_range(score: &Score) {
    for (name, value) in [
        ("fit", score.fit),
        ("reputation", score.reputation),
        ("influence", score.influence),
        ("strategic_score", score.strategic_score),
        ("criteria_fit", score.criteria_fit),
        ("typicality", score.typicality),
        ("coupon_share", score.coupon_share),
        ("discount_share", score.discount_share),
    ] {
        assert!(
            value.is_finite() && (0.0..=1.0).contains(&value),
            "{name} = {value} for {}",
            score.customer_id
        );
    }
    assert!(score.reasons.len() <= bellwether_core::score::MAX_REASONS);
    for reason in &score.reasons {
        assert!(
            reason.effect.is_finite() && (-1.0..=1.0).contains(&reason.effect),
            "{reason:?}"
        );
        assert!(
            !reason.code.is_empty() && !reason.text.is_empty(),
            "{reason:?}"
        );
    }
}

/// A customer with an industry, a country, a size and numeric attributes.
fn customer(
    id: &str,
    industry: &str,
    country: &str,
    employees: f64,
    revenue: f64,
    attributes: &[(&str, f64)],
) -> CustomerRecord {
    let mut customer = Customer {
        customer_id: id.to_string(),
        industry: Some(industry.to_string()),
        country: Some(country.to_string()),
        employees: Some(employees),
        annual_revenue: Some(revenue),
        ..Customer::default()
    };
    for (name, value) in attributes {
        customer
            .attributes
            .insert((*name).to_string(), AttrValue::Number(*value));
    }
    CustomerRecord {
        customer,
        stats: PurchaseStats::default(),
    }
}

fn codes(score: &Score) -> Vec<&str> {
    score
        .reasons
        .iter()
        .map(|reason| reason.code.as_str())
        .collect()
}

fn reason_text<'a>(score: &'a Score, code: &str) -> &'a str {
    score
        .reasons
        .iter()
        .find(|reason| reason.code == code)
        .map(|reason| reason.text.as_str())
        .unwrap_or_else(|| panic!("no {code} in {:?}", score.reasons))
}

const BANKING: &str = r#"
[audience]
industries = ["Banking"]
countries = ["US", "CA"]
employees = [1000, 100000]
annual_revenue = [1e8, 5e10]
[reputation]
signals = { industry_awards = 1.0 }
shrinkage = 5
"#;

#[test]
fn a_top_bakery_has_an_outstanding_reputation_even_for_a_banking_audience() {
    // Twenty bakeries with 0..=19 awards, and banks with far more awards than any bakery.
    let mut records: Vec<CustomerRecord> = (0..20)
        .map(|awards| {
            customer(
                &format!("bakery-{awards}"),
                "Bakery",
                "FR",
                30.0,
                2e6,
                &[("industry_awards", awards as f64)],
            )
        })
        .collect();
    records.extend((0..10).map(|bank| {
        customer(
            &format!("bank-{bank}"),
            "Banking",
            "US",
            5_000.0,
            1e9,
            &[("industry_awards", 100.0 + bank as f64)],
        )
    }));
    let scores = check(&records, BANKING);
    let top_bakery = &scores[19];
    // Mid-rank percentile 19.5 / 20, shrunk by 20 / (20 + 5): 0.5 + 0.475 * 0.8 = 0.88.
    assert!(
        (top_bakery.reputation - 0.88).abs() < 1e-12,
        "{}",
        top_bakery.reputation
    );
    assert!(top_bakery.reputation > 0.8);
    assert_eq!(top_bakery.reputation_peers, 20);
    assert!(
        top_bakery.fit < 0.6,
        "a bakery does not represent a banking audience: {}",
        top_bakery.fit
    );
    assert_eq!(top_bakery.quadrant, Quadrant::Showcase);
    assert_eq!(
        reason_text(top_bakery, "reputation-top-in-industry"),
        "top 3% of Bakery by reputation signals (20 peers)"
    );
    assert_eq!(
        reason_text(top_bakery, "industry-mismatch"),
        "industry Bakery is outside the audience (Banking)"
    );
    // The worst bakery is at the bottom of ITS industry.
    assert!((scores[0].reputation - (0.5 + (0.5 / 20.0 - 0.5) * 0.8)).abs() < 1e-12);
    assert!(codes(&scores[0]).contains(&"reputation-bottom-in-industry"));
}

#[test]
fn three_customer_industry_percentiles_and_shrinkage_by_hand() {
    let config = "[reputation]\nsignals = { awards = 1.0, market_rank = -1.0 }\nshrinkage = 5\n";
    let records = [
        customer(
            "a",
            "Insurance",
            "US",
            100.0,
            1e7,
            &[("awards", 10.0), ("market_rank", 3.0)],
        ),
        customer(
            "b",
            "Insurance",
            "US",
            100.0,
            1e7,
            &[("awards", 20.0), ("market_rank", 1.0)],
        ),
        customer("c", "insurance", "US", 100.0, 1e7, &[("awards", 20.0)]),
    ];
    let scores = check(&records, config);
    // Awards 10, 20, 20 give mid-rank percentiles 1/6, 2/3, 2/3.
    // Ranks 3 and 1 (lower is better) give 1 - 3/4 = 1/4 and 1 - 1/4 = 3/4; c has no rank.
    // Equal weights: a = (1/6 + 1/4) / 2 = 5/24, b = (2/3 + 3/4) / 2 = 17/24, c = 2/3.
    // Three peers with shrinkage 5 keep 3/8 of the distance to 0.5.
    let shrink = |percentile: f64| 0.5 + (percentile - 0.5) * 3.0 / 8.0;
    assert!((scores[0].reputation - shrink(5.0 / 24.0)).abs() < 1e-12);
    assert!((scores[1].reputation - shrink(17.0 / 24.0)).abs() < 1e-12);
    assert!((scores[2].reputation - shrink(2.0 / 3.0)).abs() < 1e-12);
    assert_eq!(scores[2].reputation_peers, 3);
    assert_eq!(
        reason_text(&scores[2], "signal-unknown"),
        "market_rank unknown"
    );
}

#[test]
fn a_customer_far_larger_than_the_audience_is_not_typical_of_it() {
    // Fifty typical banks between 2,000 and 50,000 employees, and one a hundred times larger than all.
    let mut records: Vec<CustomerRecord> = (0..50)
        .map(|bank| {
            let employees = 2_000.0 + 960.0 * bank as f64;
            customer(
                &format!("bank-{bank}"),
                "Banking",
                "US",
                employees,
                employees * 2e5,
                &[],
            )
        })
        .collect();
    records.push(customer("giant", "Banking", "US", 5_000_000.0, 1e12, &[]));
    let scores = check(&records, BANKING);
    let giant = &scores[50];
    let typical = &scores[25];
    // The giant is at Gower distance 1 from every core member on both sizes, 0 on industry and
    // country: typicality 1 - 2/4.
    assert!(giant.typicality <= 0.5 + 1e-12, "{}", giant.typicality);
    assert!(typical.typicality > 0.75, "{}", typical.typicality);
    assert!(
        giant.fit < typical.fit - 0.3,
        "giant {} vs typical {}",
        giant.fit,
        typical.fit
    );
    assert!(giant.criteria_fit < 0.6);
    assert_eq!(
        reason_text(giant, "employees-above-range"),
        "employees 5,000,000, far above the audience range (1,000–100,000)"
    );
    assert!(codes(typical).contains(&"employees-in-range"));
}

#[test]
fn reasons_explain_matches_coupons_and_unknowns_in_plain_english() {
    let config = r#"
[audience]
industries = ["Banking", "Credit Unions"]
employees = [1000, 100000]
[audience.attributes]
core_system = ["Oracle", "Fiserv"]
[reputation]
signals = { industry_awards = 1.0, analyst_rating = 1.0 }
[influence]
discount_penalty = 0.5
"#;
    let mut coupon_hunter = customer(
        "hunter",
        "banking",
        "US",
        5_000.0,
        1e9,
        &[("industry_awards", 3.0)],
    );
    coupon_hunter
        .customer
        .attributes
        .insert("core_system".into(), AttrValue::Text("oracle".into()));
    coupon_hunter.stats = PurchaseStats {
        n_transactions: 50,
        n_coupon: 41,
        total_amount: 9_000.0,
        total_discount: 1_000.0,
        ..PurchaseStats::default()
    };
    let records = [
        coupon_hunter,
        customer(
            "peer",
            "Banking",
            "US",
            8_000.0,
            1e9,
            &[("industry_awards", 1.0), ("analyst_rating", 4.0)],
        ),
    ];
    let scores = check(&records, config);
    let hunter = &scores[0];
    // 41 of 50 purchases with a coupon: influence 1 - 0.5 * 0.82.
    assert!((hunter.coupon_share - 0.82).abs() < 1e-12);
    assert!((hunter.discount_share - 0.1).abs() < 1e-12);
    assert!((hunter.influence - 0.59).abs() < 1e-12);
    assert_eq!(
        reason_text(hunter, "coupon-dependence"),
        "82% of purchases used a coupon"
    );
    assert_eq!(
        reason_text(hunter, "industry-match"),
        "industry matches: banking"
    );
    assert_eq!(
        reason_text(hunter, "attribute-match"),
        "core_system matches: oracle"
    );
    assert_eq!(
        reason_text(hunter, "signal-unknown"),
        "analyst_rating unknown"
    );
    assert!(hunter.reputation_known);
    // Strongest first, informational last.
    let effects: Vec<f64> = hunter
        .reasons
        .iter()
        .map(|reason| reason.effect.abs())
        .collect();
    let n_effective = effects.iter().take_while(|effect| **effect > 0.0).count();
    assert!(
        effects[..n_effective]
            .windows(2)
            .all(|pair| pair[0] >= pair[1]),
        "{effects:?}"
    );
    assert!(effects[n_effective..].iter().all(|effect| *effect == 0.0));
    // A customer without transactions keeps full influence and says so neutrally.
    assert_eq!(scores[1].influence, 1.0);
    assert!(scores[1]
        .reasons
        .iter()
        .any(|reason| reason.code == "no-transactions" && reason.effect == 0.0));
}

#[test]
fn strategic_score_is_the_geometric_mean_times_influence() {
    let records: Vec<CustomerRecord> = (0..8)
        .map(|bank| {
            customer(
                &format!("bank-{bank}"),
                "Banking",
                "US",
                2_000.0 * (bank + 1) as f64,
                1e9,
                &[("industry_awards", bank as f64)],
            )
        })
        .collect();
    for score in check(&records, BANKING) {
        let expected = (score.fit * score.reputation).sqrt() * score.influence;
        assert!((score.strategic_score - expected).abs() < 1e-12);
        let expected_quadrant = match (score.fit >= 0.6, score.reputation >= 0.6) {
            (true, true) => Quadrant::Strategic,
            (false, true) => Quadrant::Showcase,
            (true, false) => Quadrant::Representative,
            (false, false) => Quadrant::Transactional,
        };
        assert_eq!(score.quadrant, expected_quadrant);
    }
}

#[test]
fn an_empty_configuration_treats_everyone_as_the_audience() {
    let records = [
        customer("a", "Banking", "US", 10.0, 1e6, &[]),
        customer("b", "Bakery", "FR", 1e4, 1e9, &[]),
    ];
    let scores = score_customers(&records, &Config::default());
    for score in &scores {
        assert_in_unit_range(score);
        assert_eq!(score.criteria_fit, 1.0);
        assert_eq!(score.reputation, 0.5);
        assert!(!score.reputation_known);
        assert!(score.typicality_known);
        let found = codes(score);
        assert!(
            found.contains(&"audience-unconfigured") && found.contains(&"reputation-unconfigured"),
            "{found:?}"
        );
    }
    // Two customers that differ on every feature: each is half like the pair (itself and the other).
    assert!((scores[0].typicality - 0.5).abs() < 1e-12);
    // The default configuration is the one of an empty file.
    assert_eq!(scores, check(&records, ""));
}

#[test]
fn nobody_meeting_the_criteria_falls_back_to_the_closest_tenth() {
    let records: Vec<CustomerRecord> = (0..20)
        .map(|index| {
            customer(
                &format!("c{index}"),
                "Retail",
                "FR",
                10.0 * (index + 1) as f64,
                1e6,
                &[],
            )
        })
        .collect();
    let scores = check(&records, BANKING);
    assert!(scores.iter().all(|score| score.criteria_fit < 0.999));
    let typicality_reason = scores[19]
        .reasons
        .iter()
        .find(|reason| reason.code.contains("typical"))
        .expect("a typicality reason");
    assert!(
        typicality_reason
            .text
            .contains("customers that best meet the criteria"),
        "{}",
        typicality_reason.text
    );
}

#[test]
fn bad_and_missing_values_stay_finite() {
    let mut records = vec![
        customer(
            "zero",
            "Banking",
            "US",
            0.0,
            0.0,
            &[("industry_awards", f64::NAN)],
        ),
        customer(
            "negative",
            "Banking",
            "US",
            -5.0,
            -1e9,
            &[("industry_awards", -3.0)],
        ),
        customer(
            "huge",
            "Banking",
            "US",
            f64::MAX,
            f64::INFINITY,
            &[("industry_awards", f64::MAX)],
        ),
        CustomerRecord {
            customer: Customer {
                customer_id: "blank".into(),
                industry: Some("  ".into()),
                ..Customer::default()
            },
            stats: PurchaseStats::default(),
        },
    ];
    records[0].stats = PurchaseStats {
        n_transactions: 3,
        n_coupon: 7,
        total_amount: f64::NAN,
        total_discount: -4.0,
        ..PurchaseStats::default()
    };
    records[1].stats = PurchaseStats {
        n_transactions: 2,
        n_coupon: 0,
        total_amount: -10.0,
        total_discount: f64::INFINITY,
        ..PurchaseStats::default()
    };
    let scores = check(&records, BANKING);
    assert!(!scores[3].typicality_known);
    assert_eq!(scores[3].typicality, 0.5);
    assert!(codes(&scores[3]).contains(&"typicality-unknown"));
    assert!(score_customers(&[], &Config::default()).is_empty());
}

#[test]
fn scores_serialize_to_json_with_the_documented_keys() {
    let records = [customer(
        "c-1",
        "Banking",
        "US",
        5_000.0,
        1e9,
        &[("industry_awards", 2.0)],
    )];
    let scores = check(&records, BANKING);
    let json = serde_json::to_value(&scores[0]).unwrap();
    for key in [
        "customer_id",
        "strategic_score",
        "fit",
        "reputation",
        "influence",
        "quadrant",
        "reasons",
        "criteria_fit",
        "typicality",
        "reputation_known",
        "coupon_share",
        "discount_share",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
    assert_eq!(json["customer_id"], "c-1");
    assert!(["strategic", "showcase", "representative", "transactional"]
        .contains(&json["quadrant"].as_str().unwrap()));
    let reason = &json["reasons"][0];
    assert!(
        reason["code"].is_string() && reason["effect"].is_number() && reason["text"].is_string(),
        "{reason}"
    );
    let back: Score = serde_json::from_value(json).unwrap();
    assert_eq!(
        (back.customer_id.as_str(), back.quadrant, back.reasons.len()),
        ("c-1", scores[0].quadrant, scores[0].reasons.len())
    );
}

#[test]
fn scoring_without_reasons_gives_the_same_numbers() {
    let records: Vec<CustomerRecord> = (0..30)
        .map(|index| {
            customer(
                &format!("c{index}"),
                ["Banking", "Bakery"][index % 2],
                "US",
                100.0 * (index + 1) as f64,
                1e8,
                &[("industry_awards", (index % 7) as f64)],
            )
        })
        .collect();
    let config = Config::from_toml(BANKING).unwrap();
    let full = score_customers(&records, &config);
    let bare = score_customers_with(&records, &config, &ScoreOptions { max_reasons: 0 });
    for (full, bare) in full.iter().zip(&bare) {
        assert!(bare.reasons.is_empty());
        assert_eq!(
            Score {
                reasons: Vec::new(),
                ..full.clone()
            },
            *bare
        );
    }
}

#[test]
fn reasons_on_demand_match_the_full_scoring() {
    let records = synthetic(3_000);
    let config = Config::from_toml(BANKING).unwrap();
    let full = score_customers(&records, &config);
    let scoring = Scoring::new(&records, &config);
    let bare = scoring.scores(&ScoreOptions { max_reasons: 0 });
    for index in [0, 1, 17, 1_234, 2_999] {
        assert!(!full[index].reasons.is_empty());
        assert_eq!(
            scoring.reasons(index, MAX_REASONS),
            full[index].reasons,
            "customer {index}"
        );
        assert_eq!(bare[index].strategic_score, full[index].strategic_score);
    }
    assert_eq!(scoring.reasons(records.len(), MAX_REASONS), Vec::new());
}

/// Deterministic synthetic customers (a linear congruential sequence), for size checks.
pub(crate) fn synthetic(n: usize) -> Vec<CustomerRecord> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|index| {
            let employees = 10f64.powf(next() * 6.0).round();
            let mut record = customer(
                &format!("S{index}"),
                ["Banking", "Credit Unions", "Bakery", "Retail", "Insurance"]
                    [(next() * 5.0) as usize],
                ["US", "CA", "FR"][(next() * 3.0) as usize],
                employees,
                employees * 1e5 * (0.5 + next()),
                &[("industry_awards", (next() * 20.0).floor())],
            );
            if next() > 0.5 {
                record.customer.attributes.insert(
                    "analyst_rating".into(),
                    AttrValue::Number((next() * 5.0).ceil()),
                );
            }
            let n_transactions = (next() * 20.0) as u64;
            record.stats = PurchaseStats {
                n_transactions,
                n_coupon: (next() * n_transactions as f64) as u64,
                total_amount: 100.0 * n_transactions as f64,
                total_discount: 10.0 * n_transactions as f64 * next(),
                ..PurchaseStats::default()
            };
            record
        })
        .collect()
}

#[test]
fn two_hundred_thousand_customers_are_scored() {
    let records = synthetic(200_000);
    let config = Config::from_toml(&BANKING.replace(
        "signals = { industry_awards = 1.0 }",
        "signals = { industry_awards = 1.0, analyst_rating = 2.0 }",
    ))
    .unwrap();
    let scores = score_customers(&records, &config);
    assert_eq!(scores.len(), records.len());
    assert!(scores
        .iter()
        .all(|score| (0.0..=1.0).contains(&score.strategic_score)));
    assert!(scores
        .iter()
        .any(|score| score.quadrant == Quadrant::Strategic));
    // The parallel pass keeps input order.
    assert!(scores
        .iter()
        .zip(&records)
        .all(|(score, record)| score.customer_id == record.customer.customer_id));
}
