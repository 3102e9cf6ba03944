//! Tests of the report's figures against hand-computed values on small fixtures, and of
//! the HTML in every language.

use bellwether_clv::simulate::Rng;
use bellwether_clv::summary::day_number;
use bellwether_core::Quadrant;
use bellwether_i18n::Locale;
use bellwether_report::{
    cohort_retention, compute, concentration, jump_ship, render_html, CustomerInput, Figures,
    ReportInput, ReportOptions,
};

fn day(year: i32, month: u32, day_of_month: u32) -> i32 {
    day_number(year, month, day_of_month).expect("a valid date")
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-12,
        "{actual} is not {expected}"
    );
}

#[test]
fn concentration_by_hand() {
    // Revenue 50, 30, 10, 10 of 100.
    let c = concentration(&["A", "B", "C", "D"], &[30.0, 50.0, 10.0, 10.0], 0.10);
    let shares: Vec<(usize, f64)> = c.top.iter().map(|t| (t.top, t.share)).collect();
    assert_eq!(shares.len(), 4);
    close(shares[0].1, 0.5);
    close(shares[1].1, 1.0);
    close(shares[3].1, 1.0);
    // HHI = 0.5² + 0.3² + 0.1² + 0.1² = 0.36.
    close(c.hhi, 0.36);
    close(c.hhi_points, 3600.0);
    // Gini: ascending 10, 10, 30, 50; 2 Σ i x / (n Σ x) − (n + 1) / n = 640 / 400 − 5 / 4.
    close(c.gini, 0.35);
    // The Lorenz curve at half the customers: the two smallest hold 20 of 100.
    assert_eq!(c.lorenz[50], [0.5, 0.2]);
    assert_eq!(c.lorenz[0], [0.0, 0.0]);
    assert_eq!(c.lorenz[100], [1.0, 1.0]);
    // More than 10 %: A and B, not C at exactly 10 %.
    let large: Vec<(&str, f64)> = c
        .large_customers
        .iter()
        .map(|l| (l.customer_id.as_str(), l.share))
        .collect();
    assert_eq!(large, [("B", 0.5), ("A", 0.3)]);
}

#[test]
fn cohort_retention_by_hand() {
    let days = vec![
        // Q1 2024 cohort, buys again in Q2 and Q4 (k = 1 and 3); two purchases in Q4.
        vec![
            day(2024, 1, 10),
            day(2024, 4, 5),
            day(2024, 10, 1),
            day(2024, 10, 2),
        ],
        // Q1 2024 cohort, never again.
        vec![day(2024, 2, 1)],
        // Q2 2024 cohort, twice in its first quarter, again in Q3.
        vec![day(2024, 5, 1), day(2024, 5, 20), day(2024, 7, 1)],
        // No purchase: in no cohort.
        vec![],
    ];
    let (cohorts, partial) = cohort_retention(&days, day(2024, 10, 2));
    assert!(partial, "October 2 does not end a quarter");
    assert_eq!(cohorts.len(), 2);
    assert_eq!(
        (cohorts[0].year, cohorts[0].quarter, cohorts[0].size),
        (2024, 1, 2)
    );
    assert_eq!(cohorts[0].retention, [1.0, 0.5, 0.0, 0.5]);
    assert_eq!(
        (cohorts[1].year, cohorts[1].quarter, cohorts[1].size),
        (2024, 2, 1)
    );
    assert_eq!(cohorts[1].retention, [1.0, 1.0, 0.0]);
    let (_, partial) = cohort_retention(&days, day(2024, 12, 31));
    assert!(!partial, "December 31 ends a quarter");
}

#[test]
fn jump_ship_by_hand() {
    let options = ReportOptions {
        leave_rate_other: 0.30,
        leave_rate_strategic: 0.05,
        ..ReportOptions::default()
    };
    let j = jump_ship(100.0, 400.0, &options);
    // 100 × 0.95 + 400 × 0.70 = 375; all at 30 %: 500 × 0.70 = 350.
    close(j.equity_kept, 375.0);
    close(j.equity_kept_without_strategic_loyalty, 350.0);
    close(j.strategic_difference, 25.0);
}

/// A seeded population bought from a BG/NBD-like process: (input, revenue per customer).
fn population(n: usize, seed: u64) -> ReportInput {
    let mut rng = Rng::new(seed);
    let start = day(2022, 1, 1);
    let end = day(2024, 12, 31);
    let mut customers = Vec::with_capacity(n);
    let mut histories = Vec::with_capacity(n);
    for i in 0..n {
        let quadrant = match i % 10 {
            0 => Quadrant::Strategic,
            1 | 2 => Quadrant::Showcase,
            3 => Quadrant::Representative,
            _ => Quadrant::Transactional,
        };
        let coupon_share = if i % 7 == 0 { 0.8 } else { 0.0 };
        customers.push(CustomerInput {
            customer_id: format!("C{i:05}"),
            segment: Some(["Banking", "Insurance", "Retail"][i % 3].to_string()),
            quadrant,
            fit: rng.uniform(),
            reputation: rng.uniform(),
            coupon_share,
            discount_share: 0.0,
            on_acquirer_stack: match i % 4 {
                0 => Some(true),
                1 => None,
                _ => Some(false),
            },
        });
        // Purchase rate per day and a death probability after each purchase.
        let rate = rng.gamma(0.9, 20.0);
        let p = rng.beta(1.0, 8.0);
        let spend = 200.0 + 800.0 * rng.uniform();
        let mut t = f64::from(start) + rng.uniform() * f64::from(end - start - 200);
        let mut history = vec![(t as i32, spend)];
        loop {
            if rng.uniform() < p {
                break;
            }
            t += rng.exponential(rate);
            if t > f64::from(end) {
                break;
            }
            history.push((t as i32, spend * (0.5 + rng.uniform())));
        }
        if i % 50 == 7 {
            history.clear();
        }
        histories.push(history);
    }
    ReportInput {
        customers,
        histories,
    }
}

fn figures() -> (ReportInput, Figures) {
    let input = population(1500, 7);
    let options = ReportOptions {
        bootstrap_draws: 60,
        acquirer: Some(bellwether_report::AcquirerSpec {
            column: "uses_oracle".to_string(),
            value: bellwether_report::options_value_true(),
        }),
        ..ReportOptions::default()
    };
    let figures = compute(input.clone(), &options).expect("the report computes");
    (input, figures)
}

#[test]
fn figures_agree_with_the_input() {
    let (input, f) = figures();
    let revenue: Vec<f64> = input
        .histories
        .iter()
        .map(|h| h.iter().map(|p| p.1).sum())
        .collect();
    let total: f64 = revenue.iter().sum();
    assert!((f.data.total_revenue - total).abs() < 1e-6 * total);
    assert_eq!(f.data.customers, 1500);
    assert_eq!(f.data.customers_with_purchases, 1500 - 30);
    assert_eq!(
        f.data.transactions,
        input.histories.iter().map(Vec::len).sum::<usize>()
    );

    // Top-1 share recomputed independently.
    let max = revenue.iter().copied().fold(0.0, f64::max);
    assert!((f.concentration.top[0].share - max / total).abs() < 1e-12);

    // Equity: the groups add up to the total, the interval brackets the estimate.
    let by_quadrant: f64 = f.equity.by_quadrant.iter().map(|g| g.equity).sum();
    let by_segment: f64 = f.equity.by_segment.iter().map(|g| g.equity).sum();
    assert!((by_quadrant - f.equity.total).abs() < 1e-6 * f.equity.total);
    assert!((by_segment - f.equity.total).abs() < 1e-6 * f.equity.total);
    let [low, high] = f.equity.interval.expect("an interval");
    assert!(
        low < f.equity.total && f.equity.total < high,
        "{low} {} {high}",
        f.equity.total
    );
    assert_eq!(f.equity.valid_draws, 60);

    // Strategic share of revenue, recomputed.
    let strategic: f64 = (0..1500).filter(|i| i % 10 == 0).map(|i| revenue[i]).sum();
    assert!((f.strategic.share_of_revenue - strategic / total).abs() < 1e-12);
    assert_eq!(f.strategic.customers, 150);
    // Strategic (i % 10 == 0) and coupon-heavy (i % 7 == 0): multiples of 70.
    assert_eq!(f.strategic.discount_heavy, 1500usize.div_ceil(70));

    // Jump-ship uses the strategic quadrant's equity.
    let strategic_equity = f.equity.by_quadrant[0].equity;
    assert!((f.jump_ship.equity_strategic - strategic_equity).abs() < 1e-6);
    assert!(
        (f.jump_ship.strategic_difference - strategic_equity * (0.30 - 0.05)).abs()
            < 1e-6 * f.equity.total
    );

    // Acquirer: every fourth customer is on the stack, every fourth unknown.
    let acquirer = f.acquirer.as_ref().expect("acquirer figures");
    assert_eq!(acquirer.customers, 375);
    assert_eq!(acquirer.unknown, 375);
    let on_stack: f64 = (0..1500).filter(|i| i % 4 == 0).map(|i| revenue[i]).sum();
    assert!((acquirer.share_of_revenue - on_stack / total).abs() < 1e-12);

    // Discount-heavy: every seventh customer.
    assert_eq!(f.discounts.heavy_customers, 1500usize.div_ceil(7));
    let heavy: f64 = (0..1500).filter(|i| i % 7 == 0).map(|i| revenue[i]).sum();
    assert!((f.discounts.share_of_revenue - heavy / total).abs() < 1e-12);

    // P(alive) bins count every customer with purchases once.
    let binned: usize = f
        .retention
        .p_alive_bins
        .iter()
        .map(|b| b.strategic + b.other)
        .sum();
    assert_eq!(binned, 1470);
    // Cohort sizes add up to the customers with purchases, and k = 0 is everyone.
    let sizes: usize = f.retention.cohorts.iter().map(|c| c.size).sum();
    assert_eq!(sizes, 1470);
    assert!(f.retention.cohorts.iter().all(|c| c.retention[0] == 1.0));

    // Three years of data allow a holdout check; the model tracks the actual count.
    let tracking = f.retention.tracking.as_ref().expect("a tracking plot");
    let error = tracking.holdout_expected / tracking.holdout_actual - 1.0;
    assert!(error.abs() < 0.25, "holdout error {error}");

    // The JSON has every section.
    let json = serde_json::to_value(&f).unwrap();
    for key in [
        "data",
        "equity",
        "retention",
        "concentration",
        "strategic",
        "jump_ship",
        "acquirer",
        "discounts",
        "method",
        "risks",
    ] {
        assert!(json.get(key).is_some(), "no `{key}` in the JSON");
    }
}

#[test]
fn the_bootstrap_is_seeded() {
    let input = population(400, 3);
    let options = ReportOptions {
        bootstrap_draws: 30,
        ..ReportOptions::default()
    };
    let a = compute(input.clone(), &options).unwrap();
    let b = compute(input.clone(), &options).unwrap();
    assert_eq!(a.equity.interval, b.equity.interval);
    let other_seed = ReportOptions { seed: 9, ..options };
    let c = compute(input, &other_seed).unwrap();
    assert_ne!(a.equity.interval, c.equity.interval);
    assert_eq!(a.equity.total, c.equity.total);
}

#[test]
fn no_purchases_is_an_error() {
    let mut input = population(10, 1);
    for history in &mut input.histories {
        history.clear();
    }
    let error = compute(input, &ReportOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "no customer has a purchase: the report needs a transaction history"
    );
}

const CHARTS: [&str; 8] = [
    "equity-quadrant",
    "equity-segment",
    "cohorts",
    "p-alive",
    "tracking",
    "lorenz",
    "quadrants",
    "jump-ship",
];

#[test]
fn html_in_every_language() {
    let (_, f) = figures();
    for locale in Locale::ALL {
        let html = render_html(&f, locale).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains(&format!("<html lang=\"{}\">", locale.tag())));
        for chart in CHARTS {
            assert!(
                html.contains(&format!("data-chart=\"{chart}\"")),
                "no {chart} chart in {locale}"
            );
        }
        // A missing message renders as `{key}`.
        assert!(
            !html.contains("{report-") && !html.contains("{chart-"),
            "{locale}"
        );
        let braces = html.matches('{').count();
        let css_braces = html
            .split("<style>")
            .nth(1)
            .and_then(|s| s.split("</style>").next())
            .map_or(0, |css| css.matches('{').count());
        assert_eq!(braces, css_braces, "a message is missing in {locale}");
        // No external resource: the only URL is the SVG namespace.
        let without_namespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(!without_namespace.contains("http:") && !without_namespace.contains("https:"));
        assert!(!html.contains("src="));
        match locale {
            Locale::Fr => assert!(html.contains('\u{202F}'), "French grouping"),
            Locale::It => assert!(html.contains("Sintesi")),
            Locale::Et => assert!(html.contains("Kokkuvõte")),
            Locale::En => assert!(html.contains("Executive summary")),
        }
    }
}

/// Issue 14, finding 5: past its deadline the computation stops with `TimeBudget`, also in the
/// middle of the bootstrap, so the threads of a stopped report are freed.
#[test]
fn the_computation_stops_at_its_deadline() {
    use std::time::{Duration, Instant};
    let input = population(1500, 7);
    let past = ReportOptions {
        deadline: Some(Instant::now()),
        ..ReportOptions::default()
    };
    assert!(matches!(
        compute(input.clone(), &past),
        Err(bellwether_report::ReportError::TimeBudget)
    ));
    // The largest bootstrap the caps allow, stopped soon after it starts.
    let options = ReportOptions {
        bootstrap_draws: 2_000,
        bootstrap_customers: 2_000,
        ..ReportOptions::default()
    };
    let started = Instant::now();
    let soon = ReportOptions {
        deadline: Some(started + Duration::from_millis(300)),
        ..options
    };
    let result = compute(input, &soon);
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(bellwether_report::ReportError::TimeBudget)),
        "{:?}",
        result.map(|_| ())
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "stopped after {elapsed:?}"
    );
}
