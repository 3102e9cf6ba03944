//! sBG: the published fits of Fader & Hardie (2007), DERL against direct
//! summation, analytic gradient against finite differences, parameter recovery
//! and degenerate input.

use approx::assert_relative_eq;
use bellwether_clv::sbg::{log_likelihood_grad, Cohort, Sbg};
use bellwether_clv::simulate::Rng;
use bellwether_clv::ClvError;
use proptest::prelude::*;

/// Customers active at the start and after years 1–7 in the two segments of
/// Fader & Hardie (2007), "How to project customer retention", *Journal of
/// Interactive Marketing* 21(1) (cohorts of 1,000).
const REGULAR: [f64; 8] = [1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0];
const HIGH_END: [f64; 8] = [1000.0, 869.0, 743.0, 653.0, 593.0, 551.0, 517.0, 491.0];

/// Fits `active` and checks the parameters against values published to three
/// decimals.
fn check(active: &[f64], alpha: f64, beta: f64) -> Sbg {
    let fitted = Sbg::fit(&Cohort::from_counts(active).unwrap()).unwrap();
    let m = fitted.model;
    assert!((m.alpha - alpha).abs() < 6e-4, "{m:?}");
    assert!((m.beta - beta).abs() < 6e-4, "{m:?}");
    assert!(fitted
        .result
        .std_errors
        .iter()
        .all(|s| s.is_finite() && *s > 0.0));
    assert_eq!(fitted.result.n, active[0]);
    m
}

#[test]
fn published_fits() {
    // Published in F&H 2007: regular alpha = 0.704,
    // beta = 1.182; high end alpha = 0.668, beta = 3.806.
    let regular = check(&REGULAR, 0.704, 1.182);
    let high_end = check(&HIGH_END, 0.668, 3.806);
    // Retention rises with tenure, and the high-end segment retains better.
    for t in 1..12 {
        assert!(regular.retention_rate(t + 1) > regular.retention_rate(t));
        assert!(high_end.retention_rate(t) > regular.retention_rate(t));
    }
    // Shares give the same fit as counts.
    let shares: Vec<f64> = REGULAR.iter().map(|c| c / 1000.0).collect();
    let from_shares = Sbg::fit(&Cohort::from_shares(&shares, 1000.0).unwrap())
        .unwrap()
        .model;
    assert_relative_eq!(from_shares.alpha, regular.alpha, max_relative = 1e-6);
    assert_relative_eq!(from_shares.beta, regular.beta, max_relative = 1e-6);
    // The fitted curve reproduces the calibration data closely.
    let curve = regular.survival_curve(7);
    for (t, s) in curve.iter().enumerate() {
        assert!((s - REGULAR[t] / 1000.0).abs() < 0.01, "{t}: {s}");
    }
}

/// DERL by summing the discounted survival series directly.
fn derl_by_summation(m: &Sbg, d: f64, renewals: u32) -> f64 {
    let n = renewals + 1;
    let base = m.survival(n - 1);
    let (mut sum, mut s, mut discount) = (0.0, base, 1.0);
    for t in n..n + 100_000 {
        s *= m.retention_rate(t);
        sum += s / base * discount;
        discount /= 1.0 + d;
        if s / base * discount < 1e-18 * sum {
            break;
        }
    }
    sum
}

#[test]
fn derl_matches_direct_summation() {
    for m in [
        Sbg {
            alpha: 0.704,
            beta: 1.182,
        },
        Sbg {
            alpha: 0.668,
            beta: 3.806,
        },
        Sbg {
            alpha: 3.0,
            beta: 0.4,
        },
    ] {
        for d in [0.01, 0.1, 0.25, 2.0] {
            for renewals in [0, 1, 4, 20] {
                let closed = m.derl(d, renewals);
                let summed = derl_by_summation(&m, d, renewals);
                assert_relative_eq!(closed, summed, max_relative = 1e-10);
            }
        }
    }
    // d = 0: the undiscounted residual lifetime, finite only for alpha > 1.
    let m = Sbg {
        alpha: 3.0,
        beta: 0.4,
    };
    assert_relative_eq!(m.derl(0.0, 2), (0.4 + 2.0) / 2.0, max_relative = 1e-15);
    assert_relative_eq!(m.derl(1e-7, 2), m.derl(0.0, 2), max_relative = 1e-5);
    assert_eq!(
        Sbg {
            alpha: 0.7,
            beta: 1.2
        }
        .derl(0.0, 0),
        f64::INFINITY
    );
    assert!(m.derl(-0.1, 0).is_nan());
    // Renewing customers are more valuable: DERL rises with tenure.
    let regular = Sbg {
        alpha: 0.704,
        beta: 1.182,
    };
    assert!(regular.derl(0.1, 5) > regular.derl(0.1, 1));
}

#[test]
fn recovers_parameters_from_100k_simulated_customers() {
    let truth = Sbg {
        alpha: 0.7,
        beta: 1.2,
    };
    let mut rng = Rng::new(5);
    let periods = 10;
    let mut active = vec![0.0; periods + 1];
    for _ in 0..100_000 {
        let theta = rng.beta(truth.alpha, truth.beta);
        active[0] += 1.0;
        for t in 1..=periods {
            if rng.uniform() < theta {
                break;
            }
            active[t] += 1.0;
        }
    }
    let fitted = Sbg::fit(&Cohort::from_counts(&active).unwrap()).unwrap();
    let values = [truth.alpha, truth.beta];
    for (k, (name, value)) in fitted.result.params.iter().enumerate() {
        let z = (value - values[k]) / fitted.result.std_errors[k];
        assert!(z.abs() < 3.0, "{name}: {value} vs {} (z {z:.2})", values[k]);
    }
}

#[test]
fn degenerate_input() {
    let not_identifiable = |active: &[f64]| {
        matches!(
            Sbg::fit(&Cohort::from_counts(active).unwrap()),
            Err(ClvError::NotIdentifiable { .. })
        )
    };
    assert!(not_identifiable(&[100.0, 100.0, 100.0]));
    assert!(not_identifiable(&[100.0, 60.0]));
    assert!(not_identifiable(&[100.0, 0.0, 0.0]));
    for bad in [
        &[100.0][..],
        &[100.0, 120.0],
        &[0.0, 0.0, 0.0],
        &[100.0, f64::NAN, 3.0],
        &[100.0, -1.0, -2.0],
    ] {
        assert!(
            matches!(Cohort::from_counts(bad), Err(ClvError::InvalidInput { .. })),
            "{bad:?}"
        );
    }
    assert!(Cohort::from_shares(&[1.0, 0.5], 0.0).is_err());
    assert!(Cohort::from_shares(&[], 10.0).is_err());
    // A single customer who churns in year 2: a clear error, or the homogeneous
    // limit (churn probability 1/2) with a warning.
    match Sbg::fit(&Cohort::from_counts(&[1.0, 1.0, 0.0, 0.0]).unwrap()) {
        Ok(f) => {
            assert!(f.result.values().iter().all(|v| v.is_finite() && *v > 0.0));
            assert!((f.model.alpha / (f.model.alpha + f.model.beta) - 0.5).abs() < 1e-3);
            assert_eq!(f.result.warnings.len(), 1, "{:?}", f.result.warnings);
        }
        Err(e) => assert!(matches!(
            e,
            ClvError::NotIdentifiable { .. } | ClvError::FitDidNotConverge { .. }
        )),
    }
    let m = Sbg {
        alpha: 0.7,
        beta: 1.2,
    };
    assert!(m.survival(1_000_000) > 0.0 && m.survival(1_000_000) < 1e-3);
    assert!(m.survival(u32::MAX) >= 0.0 && m.churn_probability(u32::MAX) >= 0.0);
    assert!(m.retention_rate(0).is_nan());
    assert_eq!(m.churn_probability(0), 0.0);
}

/// Relative accuracy of one log-likelihood evaluation (log-gamma and friends are good to about
/// 1e-14 each, summed over thousands of rows): the finite difference inherits this error times
/// |LL| / h, which a fixed tolerance ignored. BG/BB once failed by 1.6e-5 at h = 1e-4 on the
/// 11,104-customer donations data (LL about 3.3e4), within this rounding bound.
const FD_ROUNDING: f64 = 1e-13;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn gradient_matches_finite_differences(la in -3.0f64..3.0, lb in -3.0f64..3.0) {
        let cohort = Cohort::from_counts(&REGULAR).unwrap();
        let (value, grad) = log_likelihood_grad(Sbg { alpha: la.exp(), beta: lb.exp() }, &cohort);
        prop_assert!(value.is_finite());
        let theta = [la, lb];
        for k in 0..2 {
            // h = 1e-4: the fourth-order truncation error (~h^4) stays negligible while
            // rounding noise of the summed log-likelihood (~1e-10 on 1e4 customers)
            // over h stays below the tolerance.
            let h = 1e-4;
            let at = |d: f64| {
                let mut t = theta;
                t[k] += d;
                Sbg { alpha: t[0].exp(), beta: t[1].exp() }.log_likelihood(&cohort)
            };
            let fd = (8.0 * (at(h) - at(-h)) - (at(2.0 * h) - at(-2.0 * h))) / (12.0 * h);
            let analytic = grad[k] * theta[k].exp();
            prop_assert!((fd - analytic).abs() <= 1e-5 * (1.0 + analytic.abs()) + FD_ROUNDING * value.abs() / h, "k={} fd={} analytic={}", k, fd, analytic);
        }
    }

    #[test]
    fn curves_are_probabilities(la in -4.0f64..4.0, lb in -4.0f64..4.0, t in 0u32..500, d in 0.001f64..1.0, renewals in 0u32..100) {
        let m = Sbg { alpha: la.exp(), beta: lb.exp() };
        let s = m.survival(t);
        prop_assert!((0.0..=1.0).contains(&s));
        prop_assert!(m.survival(t + 1) <= s);
        let p = m.churn_probability(t + 1);
        prop_assert!((0.0..=1.0).contains(&p));
        let r = m.retention_rate(t + 1);
        prop_assert!(r > 0.0 && r < 1.0);
        let derl = m.derl(d, renewals);
        // Between the first discounted term and the undiscounted geometric bound.
        prop_assert!(derl.is_finite() && derl >= m.retention_rate(renewals + 1) * (1.0 - 1e-12), "{}", derl);
        prop_assert!(derl <= (1.0 + d) / d * (1.0 + 1e-9), "{}", derl);
    }
}
