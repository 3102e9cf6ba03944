//! Gamma-Gamma spend model and CLV: CDNOW golden values (lifetimes 0.11.3), gradient, recovery.
//!
//! ```python
//! from lifetimes import GammaGammaFitter
//! from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value
//! d = load_cdnow_summary_data_with_monetary_value()
//! r = d[d["frequency"] > 0]
//! gg = GammaGammaFitter().fit(r["frequency"], r["monetary_value"])
//! print(gg.params_, gg.summary)  # p, q, v and their standard errors
//! ```

use approx::assert_relative_eq;
use bellwether_clv::bgnbd::BgNbd;
use bellwether_clv::gamma_gamma::{
    customer_equity, customer_lifetime_value, log_likelihood_grad, ClvOptions, GammaGamma,
    SpendData,
};
use bellwether_clv::simulate::{self, Rng};
use bellwether_clv::ClvError;
use proptest::prelude::*;

use crate::cdnow_fixtures;

fn cdnow_spend() -> SpendData {
    let rows = cdnow_fixtures::summary_with_spend();
    let x: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let m: Vec<f64> = rows.iter().map(|r| r.4).collect();
    SpendData::new(&x, &m).unwrap()
}

#[test]
fn cdnow_fit_matches_lifetimes() {
    let data = cdnow_spend();
    assert_eq!(data.n(), 946.0);
    let fit = GammaGamma::fit(&data).unwrap();
    let m = fit.model;
    for (got, want) in [(m.p, 6.248805), (m.q, 3.744588), (m.v, 15.44774)] {
        assert_relative_eq!(got, want, max_relative = 1e-3);
    }
    // Standard errors as printed by lifetimes' `GammaGammaFitter.summary`.
    for (got, want) in fit
        .result
        .std_errors
        .iter()
        .zip([1.189687, 0.290166, 4.159994])
    {
        assert_relative_eq!(*got, want, max_relative = 1e-3);
    }
    // CDNOW's frequency and spend are nearly uncorrelated (r = 0.11): no warning.
    assert!(
        data.correlation().abs() < 0.3 && fit.result.warnings.is_empty(),
        "{}",
        data.correlation()
    );
    // lifetimes: conditional_expected_average_profit for customer 1 (x = 2, zbar = 22.35).
    let expected = m.conditional_expected_average_spend(2.0, 22.35);
    assert_relative_eq!(
        expected,
        (m.p * (m.v + 2.0 * 22.35)) / (m.p * 2.0 + m.q - 1.0),
        max_relative = 1e-12
    );
    assert!(expected > 22.35 && expected < m.p * m.v / (m.q - 1.0) + 1.0);
}

#[test]
fn correlated_spend_warns() {
    // Gamma-Gamma spend, but the customers who spend more also buy more often.
    let mut rng = Rng::new(5);
    let mut x: Vec<f64> = (0..2_000)
        .map(|_| 1.0 + (rng.uniform() * 10.0).floor())
        .collect();
    let mut m = simulate::gamma_gamma(
        GammaGamma {
            p: 6.0,
            q: 4.0,
            v: 15.0,
        },
        &x,
        &mut rng,
    );
    x.sort_by(f64::total_cmp);
    m.sort_by(f64::total_cmp);
    let data = SpendData::new(&x, &m).unwrap();
    assert!(data.correlation() > 0.3, "{}", data.correlation());
    let fit = GammaGamma::fit(&data).unwrap();
    assert_eq!(fit.result.warnings.len(), 1, "{:?}", fit.result.warnings);
    assert!(fit.result.warnings[0].contains("correlated"));
}

#[test]
fn degenerate_mixing_is_not_identifiable() {
    // Spend proportional to frequency with little noise: q and v run off to infinity.
    let x: Vec<f64> = (1..=200).map(|i| f64::from(i % 20 + 1)).collect();
    let m: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, x)| 10.0 * x + (i % 7) as f64)
        .collect();
    let result = GammaGamma::fit(&SpendData::new(&x, &m).unwrap());
    assert!(
        matches!(result, Err(ClvError::NotIdentifiable { .. })),
        "{result:?}"
    );
}

#[test]
fn bad_and_degenerate_input() {
    assert!(matches!(
        SpendData::new(&[1.0], &[0.0]),
        Err(ClvError::InvalidInput { row: 0, .. })
    ));
    assert!(matches!(
        SpendData::new(&[1.0, 2.0], &[1.0]),
        Err(ClvError::InvalidInput { .. })
    ));
    let only_zero = SpendData::new(&[0.0, 0.0], &[0.0, 0.0]).unwrap();
    assert!(matches!(
        GammaGamma::fit(&only_zero),
        Err(ClvError::NotIdentifiable { .. })
    ));
    let one = SpendData::new(&[2.0], &[5.0]).unwrap();
    assert!(matches!(
        GammaGamma::fit(&one),
        Err(ClvError::NotIdentifiable { .. })
    ));
}

#[test]
fn recovers_parameters() {
    let truth = GammaGamma {
        p: 6.0,
        q: 4.0,
        v: 15.0,
    };
    let mut rng = Rng::new(3);
    let x: Vec<f64> = (0..100_000)
        .map(|_| 1.0 + (rng.uniform() * 10.0).floor())
        .collect();
    let m = simulate::gamma_gamma(truth, &x, &mut rng);
    let fit = GammaGamma::fit(&SpendData::new(&x, &m).unwrap()).unwrap();
    for (i, want) in [truth.p, truth.q, truth.v].into_iter().enumerate() {
        let (name, value) = fit.result.params[i];
        let se = fit.result.std_errors[i];
        assert!(
            (value - want).abs() < 3.0 * se,
            "{name}: {value} ± {se} vs {want}"
        );
    }
}

#[test]
fn clv_sums_discounted_monthly_increments() {
    let bg = BgNbd {
        r: 0.242593,
        alpha: 4.41353,
        a: 0.792886,
        b: 2.42575,
    };
    let options = ClvOptions {
        months: 12,
        monthly_discount_rate: 0.01,
        periods_per_month: 4.345,
    };
    let clv = customer_lifetime_value(&bg, 2.0, 30.43, 38.86, 30.0, options);
    let mut manual = 0.0;
    for i in 1..=12 {
        let t = f64::from(i) * 4.345;
        let step = bg.conditional_expected_purchases(t, 2.0, 30.43, 38.86)
            - bg.conditional_expected_purchases(t - 4.345, 2.0, 30.43, 38.86);
        manual += 30.0 * step / 1.01_f64.powi(i);
    }
    assert_relative_eq!(clv, manual, max_relative = 1e-12);
    // Undiscounted CLV is spend times E[X(12 months)].
    let flat = ClvOptions {
        monthly_discount_rate: 0.0,
        ..options
    };
    assert_relative_eq!(
        customer_lifetime_value(&bg, 2.0, 30.43, 38.86, 30.0, flat),
        30.0 * bg.conditional_expected_purchases(12.0 * 4.345, 2.0, 30.43, 38.86),
        max_relative = 1e-12
    );
    let equity = customer_equity(
        &bg,
        &[(2.0, 30.43, 38.86, 30.0), (0.0, 0.0, 38.86, 20.0)],
        options,
    );
    assert_relative_eq!(
        equity,
        clv + customer_lifetime_value(&bg, 0.0, 0.0, 38.86, 20.0, options),
        max_relative = 1e-12
    );
}

#[test]
fn clv_works_with_pareto_nbd_too() {
    // The CDNOW Pareto/NBD estimates (README of the reference data).
    let pnbd = bellwether_clv::pareto_nbd::ParetoNbd {
        r: 0.553276,
        alpha: 10.5776,
        s: 0.606214,
        beta: 11.6679,
    };
    let flat = ClvOptions {
        months: 12,
        monthly_discount_rate: 0.0,
        periods_per_month: 4.345,
    };
    let expected = pnbd.conditional_expected_purchases(12.0 * 4.345, 2.0, 30.43, 38.86);
    assert!(expected > 0.0 && expected.is_finite());
    assert_relative_eq!(
        customer_lifetime_value(&pnbd, 2.0, 30.43, 38.86, 30.0, flat),
        30.0 * expected,
        max_relative = 1e-12
    );
    // Discounting lowers the value.
    let discounted = ClvOptions {
        monthly_discount_rate: 0.01,
        ..flat
    };
    assert!(customer_lifetime_value(&pnbd, 2.0, 30.43, 38.86, 30.0, discounted) < 30.0 * expected);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn gradient_matches_finite_differences(
        p in 0.1..20.0f64, q in 0.1..20.0f64, v in 0.1..100.0f64,
        rows in prop::collection::vec((1u32..30, 0.5..500.0f64), 1..20),
    ) {
        let x: Vec<f64> = rows.iter().map(|r| f64::from(r.0)).collect();
        let m: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let data = SpendData::new(&x, &m).unwrap();
        let (value, g) = log_likelihood_grad(GammaGamma { p, q, v }, &data);
        let params = [p, q, v];
        for i in 0..3 {
            let h = 1e-6 * params[i];
            let (mut up, mut down) = (params, params);
            up[i] += h;
            down[i] -= h;
            let ll = |k: [f64; 3]| log_likelihood_grad(GammaGamma { p: k[0], q: k[1], v: k[2] }, &data).0;
            let fd = (ll(up) - ll(down)) / (2.0 * h);
            prop_assert!((fd - g[i]).abs() <= 1e-5 * (1.0 + g[i].abs()) + 1e-6 * value.abs() / params[i], "{i}: {fd} vs {}", g[i]);
        }
    }

    #[test]
    fn expected_spend_is_positive(p in 0.1..20.0f64, q in 0.1..20.0f64, v in 0.1..100.0f64, x in 0.0..50.0f64, m in 0.0..1e4f64) {
        let e = GammaGamma { p, q, v }.conditional_expected_average_spend(x, m);
        prop_assert!(e > 0.0 && !e.is_nan());
    }
}
