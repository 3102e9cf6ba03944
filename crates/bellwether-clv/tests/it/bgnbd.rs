//! BG/NBD: CDNOW golden values (lifetimes 0.11.3), gradient, recovery, robustness.
//!
//! The golden values come from lifetimes 0.11.3 (they agree with btyd and
//! pymc-marketing to the digits used; see `tests/data/cdnow/README.md`):
//!
//! ```python
//! from lifetimes import BetaGeoFitter
//! from lifetimes.datasets import load_cdnow_summary
//! d = load_cdnow_summary(index_col=[0])
//! bg = BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
//! print(bg.params_, bg.summary)  # r, alpha, a, b and their standard errors
//! print(bg.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86))
//! print(bg.conditional_probability_alive(2, 30.43, 38.86))
//! print(bg.conditional_expected_number_of_purchases_up_to_time(39, d["frequency"], d["recency"], d["T"]).sum())
//! ```

use approx::assert_relative_eq;
use bellwether_clv::bgnbd::{log_likelihood_grad, BgNbd};
use bellwether_clv::data::CompressedSummary;
use bellwether_clv::simulate::{self, Rng};
use bellwether_clv::ClvError;
use proptest::prelude::*;

use crate::cdnow_fixtures;

/// lifetimes' BetaGeoFitter on cdnow_customers_summary.csv.
const CDNOW: BgNbd = BgNbd {
    r: 0.242593,
    alpha: 4.41353,
    a: 0.792886,
    b: 2.42575,
};

pub fn cdnow_data() -> CompressedSummary {
    CompressedSummary::from_rows(
        cdnow_fixtures::summary()
            .into_iter()
            .map(|(_, x, t_x, t)| (x, t_x, t)),
    )
    .unwrap()
}

#[test]
fn cdnow_fit_matches_lifetimes() {
    let data = cdnow_data();
    assert_eq!(data.n(), 2357.0);
    let fit = BgNbd::fit(&data).unwrap();
    let m = fit.model;
    for (got, want) in [
        (m.r, CDNOW.r),
        (m.alpha, CDNOW.alpha),
        (m.a, CDNOW.a),
        (m.b, CDNOW.b),
    ] {
        assert_relative_eq!(got, want, max_relative = 1e-3);
    }
    assert!(
        (fit.result.log_likelihood - -9582.4256).abs() < 1e-3,
        "{}",
        fit.result.log_likelihood
    );
    assert!(fit.result.converged);
    assert_eq!(fit.result.n, 2357.0);
    assert_eq!(
        fit.result.params.iter().map(|p| p.0).collect::<Vec<_>>(),
        ["r", "alpha", "a", "b"]
    );
    // Standard errors as printed by lifetimes' `BetaGeoFitter.summary` (Quickstart docs).
    for (got, want) in fit
        .result
        .std_errors
        .iter()
        .zip([0.012557, 0.378221, 0.185719, 0.705345])
    {
        assert_relative_eq!(*got, want, max_relative = 1e-4);
    }
    assert_serialize(&fit);
}

fn assert_serialize<T: serde::Serialize>(_: &T) {}

#[test]
fn cdnow_predictions_match_lifetimes() {
    for (x, t_x, t, expected, alive) in [
        (2.0, 30.43, 38.86, 1.22591, 0.726609),
        (0.0, 0.0, 38.86, 0.194781, 1.0),
        (26.0, 30.86, 31.0, 20.7506, 0.96892),
        (5.0, 8.0, 38.86, 0.0437629, 0.0114946),
    ] {
        assert_relative_eq!(
            CDNOW.conditional_expected_purchases(39.0, x, t_x, t),
            expected,
            max_relative = 2e-5
        );
        assert_relative_eq!(
            CDNOW.probability_alive(x, t_x, t),
            alive,
            max_relative = 2e-5
        );
    }
    let total = CDNOW.expected_total(39.0, &cdnow_data());
    assert!((total - 1653.4).abs() < 0.1, "{total}");
}

#[test]
fn unconditional_predictions_are_consistent() {
    // E[X(t)] = sum_k k P(X(t) = k), and the probabilities sum to 1.
    for t in [1.0, 10.0, 39.0, 78.0] {
        let probabilities: Vec<f64> = (0..400)
            .map(|k| CDNOW.probability_of_purchases(t, k))
            .collect();
        let total: f64 = probabilities.iter().sum();
        let mean: f64 = probabilities
            .iter()
            .enumerate()
            .map(|(k, p)| k as f64 * p)
            .sum();
        assert_relative_eq!(total, 1.0, max_relative = 1e-9);
        assert_relative_eq!(mean, CDNOW.expected_purchases(t), max_relative = 1e-7);
    }
    // A new customer is a customer with (0, 0, 0).
    assert_relative_eq!(
        CDNOW.conditional_expected_purchases(39.0, 0.0, 0.0, 0.0),
        CDNOW.expected_purchases(39.0),
        max_relative = 1e-12
    );
    // Expected purchases grow with t, also far out (2F1 near z = 1).
    let mut previous = 0.0;
    for t in [1.0, 100.0, 1e3, 1e4, 1e5, 1e6] {
        let e = CDNOW.expected_purchases(t);
        assert!(e.is_finite() && e > previous, "{t}: {e}");
        previous = e;
    }
}

#[test]
fn degenerate_data_are_clear_errors() {
    let no_repeat = CompressedSummary::from_rows([(0.0, 0.0, 10.0), (0.0, 0.0, 20.0)]).unwrap();
    assert!(matches!(
        BgNbd::fit(&no_repeat),
        Err(ClvError::NotIdentifiable { .. })
    ));
    let one = CompressedSummary::from_rows([(3.0, 5.0, 10.0)]).unwrap();
    assert!(matches!(
        BgNbd::fit(&one),
        Err(ClvError::NotIdentifiable { .. })
    ));
    let empty = CompressedSummary::from_rows([]).unwrap();
    assert!(matches!(
        BgNbd::fit(&empty),
        Err(ClvError::NotIdentifiable { .. })
    ));
    // Two customers: either a clear error or a finite fit, never a panic.
    let two = CompressedSummary::from_rows([(3.0, 5.0, 10.0), (0.0, 0.0, 10.0)]).unwrap();
    if let Ok(fit) = BgNbd::fit(&two) {
        assert!(fit.result.params.iter().all(|p| p.1.is_finite()));
    }
    // Huge T.
    let huge = CompressedSummary::from_rows([
        (3.0, 5.0, 1e6),
        (0.0, 0.0, 1e6),
        (1.0, 2.0, 1e6),
        (10.0, 9e5, 1e6),
    ])
    .unwrap();
    match BgNbd::fit(&huge) {
        Ok(fit) => assert!(fit.result.log_likelihood.is_finite()),
        Err(e) => assert!(matches!(
            e,
            ClvError::NotIdentifiable { .. } | ClvError::FitDidNotConverge { .. }
        )),
    }
    for t_cal in [0.0_f64, 1e-9, 1e6, 1e12] {
        let e = CDNOW.conditional_expected_purchases(39.0, 3.0, t_cal.min(5.0), t_cal);
        assert!(e.is_finite() && e >= 0.0, "{t_cal}: {e}");
    }
}

/// Simulates `n` customers with T uniform in [26, 39] (weeks) and fits.
fn simulate_and_fit(truth: BgNbd, n: usize, seed: u64) -> bellwether_clv::optim::Fitted<BgNbd> {
    let mut rng = Rng::new(seed);
    let ages: Vec<f64> = (0..n).map(|_| 26.0 + 13.0 * rng.uniform()).collect();
    let customers = simulate::bgnbd(truth, &ages, 0.0, &mut rng);
    let data = CompressedSummary::from_rows(customers.iter().map(|c| (c.x, c.t_x, c.t))).unwrap();
    BgNbd::fit(&data).unwrap()
}

#[test]
fn recovers_parameters_from_100k_simulated_customers() {
    let truth = BgNbd {
        r: 0.25,
        alpha: 4.0,
        a: 0.8,
        b: 2.5,
    };
    let fit = simulate_and_fit(truth, 100_000, 7);
    let truth_values = [truth.r, truth.alpha, truth.a, truth.b];
    for (i, (name, value)) in fit.result.params.iter().enumerate() {
        let se = fit.result.std_errors[i];
        assert!(
            (value - truth_values[i]).abs() < 3.0 * se,
            "{name}: {value} ± {se} vs {}",
            truth_values[i]
        );
    }
}

#[test]
fn confidence_intervals_cover_the_truth() {
    let truth = BgNbd {
        r: 0.5,
        alpha: 5.0,
        a: 1.2,
        b: 3.0,
    };
    let truth_values = [truth.r, truth.alpha, truth.a, truth.b];
    let (mut covered, mut total) = (0, 0);
    for seed in 0..20 {
        let fit = simulate_and_fit(truth, 3_000, 100 + seed);
        for i in 0..4 {
            // Wald interval on the log scale, where the likelihood is closer to quadratic.
            let (value, se) = (fit.result.params[i].1, fit.result.std_errors[i]);
            let half = 1.96 * se / value;
            covered += usize::from((value.ln() - truth_values[i].ln()).abs() <= half);
            total += 1;
        }
    }
    let rate = covered as f64 / total as f64;
    assert!((0.85..=1.0).contains(&rate), "coverage {rate}");
}

fn arb_model() -> impl Strategy<Value = BgNbd> {
    (0.05..5.0f64, 0.1..50.0f64, 0.05..5.0f64, 0.05..10.0f64).prop_map(|(r, alpha, a, b)| BgNbd {
        r,
        alpha,
        a,
        b,
    })
}

fn arb_row() -> impl Strategy<Value = (f64, f64, f64)> {
    (0u32..40, 0.0..1.0f64, 0.0..100.0f64)
        .prop_map(|(x, u, t)| (f64::from(x), if x == 0 { 0.0 } else { u * t }, t))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn gradient_matches_finite_differences(m in arb_model(), rows in prop::collection::vec(arb_row(), 1..20)) {
        let data = CompressedSummary::from_rows(rows).unwrap();
        let (_, g) = log_likelihood_grad(m, &data);
        let p = [m.r, m.alpha, m.a, m.b];
        for i in 0..4 {
            let h = 1e-6 * p[i];
            let mut up = p;
            let mut down = p;
            up[i] += h;
            down[i] -= h;
            let ll = |q: [f64; 4]| log_likelihood_grad(BgNbd { r: q[0], alpha: q[1], a: q[2], b: q[3] }, &data).0;
            let fd = (ll(up) - ll(down)) / (2.0 * h);
            prop_assert!((fd - g[i]).abs() <= 1e-5 * (1.0 + g[i].abs()) + 1e-6 * ll(p).abs() / p[i], "{i}: {fd} vs {}", g[i]);
        }
    }

    #[test]
    fn predictions_are_probabilities_and_non_negative(m in arb_model(), (x, t_x, t) in arb_row(), horizon in 0.0..200.0f64) {
        let alive = m.probability_alive(x, t_x, t);
        prop_assert!((0.0..=1.0).contains(&alive));
        let e = m.conditional_expected_purchases(horizon, x, t_x, t);
        prop_assert!(e.is_finite() && e >= 0.0, "{e}");
        let e = m.expected_purchases(horizon);
        prop_assert!(e.is_finite() && e >= 0.0, "{e}");
        let p = m.probability_of_purchases(horizon, x as u32);
        prop_assert!((0.0..=1.0).contains(&p), "{p}");
    }
}

/// The BG/NBD log-likelihood of FHL (2005) eq. 6, customer by customer, for
/// checking the tabulated and threaded kernel.
fn reference_log_likelihood(m: BgNbd, rows: &[(f64, f64, f64)]) -> f64 {
    use bellwether_clv::special::{ln_beta, ln_gamma};
    let BgNbd { r, alpha, a, b } = m;
    rows.iter()
        .map(|&(x, t_x, t)| {
            let common = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() - ln_beta(a, b);
            let alive = ln_beta(a, b + x) - (r + x) * (alpha + t).ln();
            if x > 0.0 {
                let dead = ln_beta(a + 1.0, b + x - 1.0) - (r + x) * (alpha + t_x).ln();
                common + bellwether_clv::special::log_add_exp(alive, dead)
            } else {
                common + alive
            }
        })
        .sum()
}

/// Whole-day customers: long runs of equal x over few levels of T (the tabulated
/// path) and, with 300k customers, more than 80k unique rows (several threads).
pub fn whole_day_rows(n: usize, seed: u64) -> Vec<(f64, f64, f64)> {
    let mut rng = Rng::new(seed);
    let ages: Vec<f64> = (0..n)
        .map(|_| (1.0 + (rng.uniform() * 365.0).floor()).min(365.0))
        .collect();
    let truth = BgNbd {
        r: 0.8,
        alpha: 5.0,
        a: 0.8,
        b: 2.5,
    };
    simulate::bgnbd(truth, &ages, 0.0, &mut rng)
        .iter()
        .map(|c| (c.x, c.t_x.floor(), c.t))
        .collect()
}

#[test]
fn kernel_matches_the_reference_on_whole_day_data() {
    let rows = whole_day_rows(300_000, 5);
    let data = CompressedSummary::from_rows(rows.iter().copied()).unwrap();
    assert!(data.len() > 80_000, "{}", data.len());
    let runs: Vec<_> = data.x_groups().collect();
    assert!(
        runs[1].1.len() > 2 * data.t_levels().len(),
        "the tabulated path is exercised"
    );
    for m in [
        BgNbd {
            r: 0.8,
            alpha: 5.0,
            a: 0.8,
            b: 2.5,
        },
        BgNbd {
            r: 3.0,
            alpha: 0.5,
            a: 2.0,
            b: 0.3,
        },
    ] {
        let (ll, g) = log_likelihood_grad(m, &data);
        let reference = reference_log_likelihood(m, &rows);
        assert_relative_eq!(ll, reference, max_relative = 1e-11);
        let p = [m.r, m.alpha, m.a, m.b];
        for i in 0..4 {
            // A larger step than usual: the sum over 300k rows carries rounding noise.
            let h = 1e-4 * p[i];
            let (mut up, mut down) = (p, p);
            up[i] += h;
            down[i] -= h;
            let at = |q: [f64; 4]| BgNbd {
                r: q[0],
                alpha: q[1],
                a: q[2],
                b: q[3],
            };
            let fd = (reference_log_likelihood(at(up), &rows)
                - reference_log_likelihood(at(down), &rows))
                / (2.0 * h);
            assert!(
                (fd - g[i]).abs() < 1e-6 * g[i].abs() + 1e-7 * ll.abs() / p[i],
                "{i}: {fd} vs {}",
                g[i]
            );
        }
    }
}

/// E_{p ~ Beta(a, b)} f(p) by tanh-sinh quadrature (step 1/64, 801 nodes).
fn beta_expectation(a: f64, b: f64, f: impl Fn(f64) -> f64) -> f64 {
    use std::f64::consts::FRAC_PI_2;
    let h = 1.0 / 64.0;
    let ln_b = bellwether_clv::special::ln_beta(a, b);
    (-400..=400)
        .map(|k| {
            let t = f64::from(k) * h;
            let u = FRAC_PI_2 * t.sinh();
            let (p, q) = (
                1.0 / (1.0 + (-2.0 * u).exp()),
                1.0 / (1.0 + (2.0 * u).exp()),
            );
            if p <= 0.0 || q <= 0.0 {
                return 0.0;
            }
            let density = ((a - 1.0) * p.ln() + (b - 1.0) * q.ln() - ln_b).exp();
            h * FRAC_PI_2 * t.cosh() * 2.0 * p * q * density * f(p)
        })
        .sum()
}

#[test]
fn conditional_expectation_matches_quadrature() {
    // E[X(t) | x, t_x, T] = P(alive) E[(1 - ((alpha+T)/(alpha+T+p t))^{r+x}) / p], p ~ Beta(a, b+x):
    // an independent check of the 2F1 closed form over wide parameter ranges.
    let mut rng = Rng::new(2);
    let mut log_uniform = |lo: f64, hi: f64| (lo.ln() + rng.uniform() * (hi / lo).ln()).exp();
    for _ in 0..300 {
        let m = BgNbd {
            r: log_uniform(0.05, 20.0),
            alpha: log_uniform(0.1, 1e3),
            a: log_uniform(0.3, 20.0),
            b: log_uniform(0.3, 20.0),
        };
        let t_cal = log_uniform(0.1, 1e3);
        let x = (log_uniform(1.0, 50.0) - 1.0).floor();
        let t_x = if x > 0.0 {
            t_cal * log_uniform(1e-3, 1.0)
        } else {
            0.0
        };
        let t = log_uniform(0.1, 1e4);
        let rx = m.r + x;
        let reference = m.probability_alive(x, t_x, t_cal)
            * beta_expectation(m.a, m.b + x, |p| {
                -(-(rx * (p * t / (m.alpha + t_cal)).ln_1p())).exp_m1() / p
            });
        let got = m.conditional_expected_purchases(t, x, t_x, t_cal);
        assert_relative_eq!(got, reference, max_relative = 1e-8);
    }
}

#[test]
fn coarse_to_fine_fit_reaches_the_direct_optimum() {
    use bellwether_clv::bgnbd::BgNbdObjective;
    use bellwether_clv::optim::{fit_log_space, MinimizeOptions};
    // CDNOW-like customers in days, T up to two years.
    let truth = BgNbd {
        r: 0.243,
        alpha: 30.9,
        a: 0.793,
        b: 2.426,
    };
    let mut rng = Rng::new(9);
    let ages: Vec<f64> = (0..200_000)
        .map(|_| (1.0 + (rng.uniform() * 730.0).floor()).min(730.0))
        .collect();
    let customers = simulate::bgnbd(truth, &ages, 0.0, &mut rng);
    let data =
        CompressedSummary::from_rows(customers.iter().map(|c| (c.x, c.t_x.floor(), c.t))).unwrap();
    let coarse = data.coarsen(100).len();
    assert!(
        coarse * 2 < data.len(),
        "coarse path: {coarse} of {}",
        data.len()
    );
    let warm = BgNbd::fit(&data).unwrap();
    let objective = BgNbdObjective { data: &data };
    let names = ["r", "alpha", "a", "b"];
    let direct = fit_log_space(
        "bg_nbd",
        &names,
        &objective,
        &[vec![0.0; 4]],
        data.n(),
        MinimizeOptions::default(),
    )
    .unwrap();
    for (w, d) in warm.result.params.iter().zip(&direct.params) {
        assert_relative_eq!(w.1, d.1, max_relative = 1e-5);
    }
    assert!(
        (warm.result.log_likelihood - direct.log_likelihood).abs()
            < 1e-6 * direct.log_likelihood.abs()
    );
    for (w, d) in warm.result.std_errors.iter().zip(&direct.std_errors) {
        assert_relative_eq!(*w, *d, max_relative = 1e-4);
    }
}

#[test]
fn extreme_counts_stay_finite() {
    // k = u32::MAX needs neither O(k) memory nor O(k) time; x in the millions
    // falls back from the 2F1 series to quadrature.
    assert!(CDNOW.probability_of_purchases(39.0, u32::MAX) < 1e-12);
    for x in [1e4, 1e7] {
        let e = CDNOW.conditional_expected_purchases(39.0, x, 38.86, 38.86);
        assert!(e.is_finite() && e > 0.0, "{x}: {e}");
    }
    let e = CDNOW.conditional_expected_purchases(39.0, 1e7, 38.86, 38.86);
    // About 39 weeks at the customer's rate (x / T per week), discounted by dropout.
    assert!(e < 1e7 * 39.0 / 38.86 && e > 1.0, "{e}");
}
