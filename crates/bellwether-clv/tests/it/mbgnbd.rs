//! MBG/NBD: CDNOW golden values (lifetimes 0.11.3), gradient, recovery.
//!
//! ```python
//! from lifetimes import ModifiedBetaGeoFitter
//! from lifetimes.datasets import load_cdnow_summary
//! d = load_cdnow_summary(index_col=[0])
//! mbg = ModifiedBetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
//! print(mbg.params_, mbg.summary)
//! ```

use approx::assert_relative_eq;
use bellwether_clv::data::CompressedSummary;
use bellwether_clv::mbgnbd::{log_likelihood_grad, MbgNbd};
use bellwether_clv::simulate::{self, Rng};
use bellwether_clv::ClvError;
use proptest::prelude::*;

use crate::bgnbd::cdnow_data;

#[test]
fn cdnow_fit_matches_lifetimes() {
    let fit = MbgNbd::fit(&cdnow_data()).unwrap();
    let m = fit.model;
    for (got, want) in [
        (m.r, 0.524838),
        (m.alpha, 6.18299),
        (m.a, 0.891356),
        (m.b, 1.614),
    ] {
        assert_relative_eq!(got, want, max_relative = 1e-3);
    }
    assert!(
        (fit.result.log_likelihood - -9582.1327).abs() < 1e-3,
        "{}",
        fit.result.log_likelihood
    );
    assert_eq!(fit.result.model, "mbg_nbd");
}

#[test]
fn predictions_are_consistent() {
    let m = MbgNbd {
        r: 0.524838,
        alpha: 6.18299,
        a: 0.891356,
        b: 1.614,
    };
    for t in [1.0, 39.0, 78.0] {
        let probabilities: Vec<f64> = (0..400).map(|k| m.probability_of_purchases(t, k)).collect();
        let mean: f64 = probabilities
            .iter()
            .enumerate()
            .map(|(k, p)| k as f64 * p)
            .sum();
        assert_relative_eq!(probabilities.iter().sum::<f64>(), 1.0, max_relative = 1e-9);
        assert_relative_eq!(mean, m.expected_purchases(t), max_relative = 1e-7);
    }
    assert_relative_eq!(
        m.conditional_expected_purchases(39.0, 0.0, 0.0, 0.0),
        m.expected_purchases(39.0),
        max_relative = 1e-12
    );
    // Unlike the BG/NBD, a customer without repeat purchases may be inactive.
    assert!(m.probability_alive(0.0, 0.0, 38.86) < 1.0);
    let total = m.expected_total(39.0, &cdnow_data());
    assert!((1400.0..1900.0).contains(&total), "{total}");
}

#[test]
fn degenerate_data_are_clear_errors() {
    let no_repeat = CompressedSummary::from_rows([(0.0, 0.0, 10.0), (0.0, 0.0, 20.0)]).unwrap();
    assert!(matches!(
        MbgNbd::fit(&no_repeat),
        Err(ClvError::NotIdentifiable { .. })
    ));
    let one = CompressedSummary::from_rows([(3.0, 5.0, 10.0)]).unwrap();
    assert!(matches!(
        MbgNbd::fit(&one),
        Err(ClvError::NotIdentifiable { .. })
    ));
}

#[test]
fn recovers_parameters_from_100k_simulated_customers() {
    let truth = MbgNbd {
        r: 0.5,
        alpha: 6.0,
        a: 0.9,
        b: 1.6,
    };
    let mut rng = Rng::new(11);
    let ages: Vec<f64> = (0..100_000).map(|_| 26.0 + 13.0 * rng.uniform()).collect();
    let customers = simulate::mbgnbd(truth, &ages, 0.0, &mut rng);
    let data = CompressedSummary::from_rows(customers.iter().map(|c| (c.x, c.t_x, c.t))).unwrap();
    let fit = MbgNbd::fit(&data).unwrap();
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

fn arb_model() -> impl Strategy<Value = MbgNbd> {
    (0.05..5.0f64, 0.1..50.0f64, 0.05..5.0f64, 0.05..10.0f64).prop_map(|(r, alpha, a, b)| MbgNbd {
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
        let (value, g) = log_likelihood_grad(m, &data);
        let p = [m.r, m.alpha, m.a, m.b];
        for i in 0..4 {
            let h = 1e-6 * p[i];
            let (mut up, mut down) = (p, p);
            up[i] += h;
            down[i] -= h;
            let ll = |q: [f64; 4]| log_likelihood_grad(MbgNbd { r: q[0], alpha: q[1], a: q[2], b: q[3] }, &data).0;
            let fd = (ll(up) - ll(down)) / (2.0 * h);
            prop_assert!((fd - g[i]).abs() <= 1e-5 * (1.0 + g[i].abs()) + 1e-6 * value.abs() / p[i], "{i}: {fd} vs {}", g[i]);
        }
    }

    #[test]
    fn predictions_are_probabilities_and_non_negative(m in arb_model(), (x, t_x, t) in arb_row(), horizon in 0.0..200.0f64) {
        prop_assert!((0.0..=1.0).contains(&m.probability_alive(x, t_x, t)));
        let e = m.conditional_expected_purchases(horizon, x, t_x, t);
        prop_assert!(e.is_finite() && e >= 0.0, "{e}");
        let e = m.expected_purchases(horizon);
        prop_assert!(e.is_finite() && e >= 0.0, "{e}");
        prop_assert!((0.0..=1.0).contains(&m.probability_of_purchases(horizon, x as u32)));
    }
}

#[test]
fn kernel_matches_the_reference_on_whole_day_data() {
    use bellwether_clv::special::{ln_beta, ln_gamma, log_add_exp};
    let rows = crate::bgnbd::whole_day_rows(300_000, 6);
    let data = CompressedSummary::from_rows(rows.iter().copied()).unwrap();
    let m = MbgNbd {
        r: 0.8,
        alpha: 5.0,
        a: 0.8,
        b: 2.5,
    };
    let MbgNbd { r, alpha, a, b } = m;
    let reference: f64 = rows
        .iter()
        .map(|&(x, t_x, t)| {
            let common = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() - ln_beta(a, b);
            let alive = ln_beta(a, b + x + 1.0) - (r + x) * (alpha + t).ln();
            let dead = ln_beta(a + 1.0, b + x) - (r + x) * (alpha + t_x).ln();
            common + log_add_exp(alive, dead)
        })
        .sum();
    assert_relative_eq!(
        log_likelihood_grad(m, &data).0,
        reference,
        max_relative = 1e-11
    );
}
