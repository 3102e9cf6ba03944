//! BG/BB: the donation data of Fader, Hardie & Shang (2010), analytic gradient
//! against finite differences, parameter recovery and degenerate input.

use approx::assert_relative_eq;
use bellwether_clv::bgbb::{log_likelihood_grad, BgBb, BgBbData};
use bellwether_clv::simulate::Rng;
use bellwether_clv::special::ln_gamma;
use bellwether_clv::ClvError;
use proptest::prelude::*;

/// `(x, t_x, n, customers)` of the 11,104 first-time supporters of 1995 over
/// the 6 repeat-donation opportunities 1996–2001 (FHS 2010), as
/// shipped in lifetimes' `lifetimes/datasets/donations.csv` (columns
/// `frequency, recency, n, n_custs`; CamDavidsonPilon/lifetimes at commit
/// 5dbe04e). The counts add up to 11,104.
const DONATIONS: [(f64, f64, f64, f64); 22] = [
    (0.0, 0.0, 6.0, 3464.0),
    (1.0, 1.0, 6.0, 1091.0),
    (1.0, 2.0, 6.0, 277.0),
    (1.0, 3.0, 6.0, 129.0),
    (1.0, 4.0, 6.0, 78.0),
    (1.0, 5.0, 6.0, 119.0),
    (1.0, 6.0, 6.0, 129.0),
    (2.0, 2.0, 6.0, 613.0),
    (2.0, 3.0, 6.0, 255.0),
    (2.0, 4.0, 6.0, 155.0),
    (2.0, 5.0, 6.0, 173.0),
    (2.0, 6.0, 6.0, 234.0),
    (3.0, 3.0, 6.0, 322.0),
    (3.0, 4.0, 6.0, 181.0),
    (3.0, 5.0, 6.0, 225.0),
    (3.0, 6.0, 6.0, 357.0),
    (4.0, 4.0, 6.0, 240.0),
    (4.0, 5.0, 6.0, 284.0),
    (4.0, 6.0, 6.0, 512.0),
    (5.0, 5.0, 6.0, 335.0),
    (5.0, 6.0, 6.0, 728.0),
    (6.0, 6.0, 6.0, 1203.0),
];

fn donations() -> BgBbData {
    BgBbData::from_rows(DONATIONS).unwrap()
}

/// Simulates `customers` BG/BB customers over `n` opportunities, and their
/// transactions over the next `n_future`.
fn simulate(m: &BgBb, customers: usize, n: u32, n_future: u32, seed: u64) -> (BgBbData, f64, f64) {
    let mut rng = Rng::new(seed);
    let (mut future_total, mut future_squares) = (0.0, 0.0);
    let rows: Vec<(f64, f64, f64, f64)> = (0..customers)
        .map(|_| {
            let p = rng.beta(m.alpha, m.beta);
            let theta = rng.beta(m.gamma, m.delta);
            let (mut x, mut t_x, mut future) = (0, 0, 0.0);
            for t in 1..=n + n_future {
                // Dropout happens before each opportunity.
                if rng.uniform() < theta {
                    break;
                }
                if rng.uniform() < p {
                    if t <= n {
                        x += 1;
                        t_x = t;
                    } else {
                        future += 1.0;
                    }
                }
            }
            future_total += future;
            future_squares += future * future;
            (f64::from(x), f64::from(t_x), f64::from(n), 1.0)
        })
        .collect();
    (
        BgBbData::from_rows(rows).unwrap(),
        future_total,
        future_squares.sqrt(),
    )
}

#[test]
fn donations_golden() {
    let data = donations();
    assert_eq!(data.n(), 11_104.0);
    let fitted = BgBb::fit(&data).unwrap();
    let m = fitted.model;
    // Published to three decimals in FHS 2010.
    assert!((m.alpha - 1.204).abs() < 6e-4, "{m:?}");
    assert!((m.beta - 0.750).abs() < 6e-4, "{m:?}");
    assert!((m.gamma - 0.657).abs() < 6e-4, "{m:?}");
    assert!((m.delta - 2.783).abs() < 6e-4, "{m:?}");
    assert!(
        (fitted.result.log_likelihood + 33_225.6).abs() < 0.06,
        "{}",
        fitted.result.log_likelihood
    );
    assert!(fitted
        .result
        .std_errors
        .iter()
        .all(|s| s.is_finite() && *s > 0.0));
}

#[test]
fn new_customer_expectation() {
    let m = BgBb {
        alpha: 1.204,
        beta: 0.750,
        gamma: 0.657,
        delta: 2.783,
    };
    // The closed form of FHS 2010, with log-gamma values.
    for n in [1u32, 5, 6, 100] {
        let nf = f64::from(n);
        let ratio = (ln_gamma(m.gamma + m.delta) + ln_gamma(1.0 + m.delta + nf)
            - ln_gamma(m.gamma + m.delta + nf)
            - ln_gamma(1.0 + m.delta))
        .exp();
        let expected = m.alpha / (m.alpha + m.beta) * m.delta / (m.gamma - 1.0) * (1.0 - ratio);
        assert_relative_eq!(m.expected_purchases(n), expected, max_relative = 1e-10);
        // A customer with no history is a new customer.
        assert_relative_eq!(
            m.conditional_expected_purchases(n, 0, 0, 0),
            expected,
            max_relative = 1e-10
        );
    }
    // Beyond 10,000 opportunities the closed form takes over; gamma = 1 is its
    // removable singularity.
    for gamma in [0.657, 1.0, 1.5] {
        let m = BgBb { gamma, ..m };
        let a = m.expected_purchases(10_000);
        let b = m.expected_purchases(10_001);
        assert!(b > a && b - a < 1.0 && b.is_finite(), "{gamma}: {a} {b}");
    }
    assert_eq!(m.expected_purchases(0), 0.0);
}

#[test]
fn predictions_for_the_donors() {
    let m = BgBb {
        alpha: 1.204,
        beta: 0.750,
        gamma: 0.657,
        delta: 2.783,
    };
    // A donor who gave every year is more likely alive, and expected to give
    // more, than one who stopped after 1996.
    let loyal = m.probability_alive(6, 6, 6);
    let lapsed = m.probability_alive(1, 1, 6);
    assert!(
        loyal > 0.9 && lapsed < 0.2 && lapsed > 0.0,
        "{loyal} {lapsed}"
    );
    let e_loyal = m.conditional_expected_purchases(5, 6, 6, 6);
    let e_lapsed = m.conditional_expected_purchases(5, 1, 1, 6);
    assert!(
        e_loyal > e_lapsed && e_lapsed > 0.0 && e_loyal < 5.0,
        "{e_loyal} {e_lapsed}"
    );
    // Expected transactions in 2002–2006 summed over the cohort lie below five
    // per surviving customer.
    let total = m.expected_total(5, &donations());
    assert!(total > 0.0 && total < 5.0 * 11_104.0, "{total}");
}

#[test]
fn recovers_parameters_from_100k_simulated_customers() {
    let truth = BgBb {
        alpha: 1.2,
        beta: 0.75,
        gamma: 0.66,
        delta: 2.8,
    };
    let (data, future, sigma) = simulate(&truth, 100_000, 8, 5, 11);
    let fitted = BgBb::fit(&data).unwrap();
    let values = [truth.alpha, truth.beta, truth.gamma, truth.delta];
    for (k, (name, value)) in fitted.result.params.iter().enumerate() {
        let z = (value - values[k]) / fitted.result.std_errors[k];
        assert!(z.abs() < 3.0, "{name}: {value} vs {} (z {z:.2})", values[k]);
    }
    // Conditional expectations add up to the simulated future transactions
    // (4 sigma, with the sum of squares as a generous variance bound).
    let expected = truth.expected_total(5, &data);
    assert!(
        (expected - future).abs() < 4.0 * sigma,
        "{expected} vs {future} (sigma {sigma})"
    );
    assert!(
        (expected - future).abs() < 0.02 * future,
        "{expected} vs {future}"
    );
}

#[test]
fn degenerate_input() {
    let none = BgBbData::from_rows([(0.0, 0.0, 6.0, 10.0), (0.0, 0.0, 4.0, 1.0)]).unwrap();
    assert!(matches!(
        BgBb::fit(&none),
        Err(ClvError::NotIdentifiable { .. })
    ));
    let empty = BgBbData::from_rows([]).unwrap();
    assert!(matches!(
        BgBb::fit(&empty),
        Err(ClvError::NotIdentifiable { .. })
    ));
    let one = BgBbData::from_rows([(2.0, 3.0, 6.0, 1.0)]).unwrap();
    match BgBb::fit(&one) {
        Ok(f) => assert!(f.result.values().iter().all(|v| v.is_finite() && *v > 0.0)),
        Err(e) => assert!(matches!(
            e,
            ClvError::NotIdentifiable { .. } | ClvError::FitDidNotConverge { .. }
        )),
    }
    for bad in [
        (2.0, 1.0, 6.0, 1.0),
        (1.0, 7.0, 6.0, 1.0),
        (0.0, 2.0, 6.0, 1.0),
        (1.5, 2.0, 6.0, 1.0),
        (1.0, 1.0, 6.0, -1.0),
    ] {
        assert!(matches!(
            BgBbData::from_rows([(0.0, 0.0, 6.0, 1.0), bad]),
            Err(ClvError::InvalidInput { row: 1, .. })
        ));
    }
    assert!(BgBbData::from_columns(&[1.0], &[1.0, 2.0], &[6.0], None).is_err());
    // Many opportunities: finite and in range.
    let m = BgBb {
        alpha: 1.2,
        beta: 0.75,
        gamma: 0.66,
        delta: 2.8,
    };
    for &(x, t_x, n) in &[
        (0u32, 0u32, 100_000u32),
        (5000, 90_000, 100_000),
        (100_000, 100_000, 100_000),
    ] {
        assert!(m.log_likelihood_row(x, t_x, n).is_finite());
        let p = m.probability_alive(x, t_x, n);
        assert!((0.0..=1.0).contains(&p), "{p}");
        let e = m.conditional_expected_purchases(52, x, t_x, n);
        assert!(e.is_finite() && e >= 0.0, "{e}");
    }
    assert!(m.probability_alive(3, 2, 6).is_nan());
}

/// Relative accuracy of one log-likelihood evaluation (log-gamma and friends are good to about
/// 1e-14 each, summed over thousands of rows): the finite difference inherits this error times
/// |LL| / h, which a fixed tolerance ignored. BG/BB once failed by 1.6e-5 at h = 1e-4 on the
/// 11,104-customer donations data (LL about 3.3e4), within this rounding bound.
const FD_ROUNDING: f64 = 1e-13;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn gradient_matches_finite_differences(
        la in -2.0f64..3.0, lb in -2.0f64..3.0, lg in -2.0f64..3.0, ld in -2.0f64..3.0,
    ) {
        let data = BgBbData::from_rows(DONATIONS.iter().copied().chain([(3.0, 9.0, 12.0, 5.0), (0.0, 0.0, 1.0, 7.0)])).unwrap();
        let theta = [la, lb, lg, ld];
        let model = |t: [f64; 4]| BgBb { alpha: t[0].exp(), beta: t[1].exp(), gamma: t[2].exp(), delta: t[3].exp() };
        let (value, grad) = log_likelihood_grad(model(theta), &data);
        prop_assert!(value.is_finite());
        for k in 0..4 {
            // h = 1e-4: the fourth-order truncation error (~h^4) stays negligible while
            // rounding noise of the summed log-likelihood (~1e-10 on 1e4 customers)
            // over h stays below the tolerance.
            let h = 1e-4;
            let at = |d: f64| {
                let mut t = theta;
                t[k] += d;
                model(t).log_likelihood(&data)
            };
            let fd = (8.0 * (at(h) - at(-h)) - (at(2.0 * h) - at(-2.0 * h))) / (12.0 * h);
            let analytic = grad[k] * theta[k].exp();
            prop_assert!((fd - analytic).abs() <= 1e-5 * (1.0 + analytic.abs()) + FD_ROUNDING * value.abs() / h, "k={} fd={} analytic={}", k, fd, analytic);
        }
    }

    #[test]
    fn probabilities_and_expectations_are_in_range(
        la in -3.0f64..3.0, lb in -3.0f64..3.0, lg in -3.0f64..3.0, ld in -3.0f64..3.0,
        n in 0u32..60, tx_share in 0.0f64..=1.0, x_share in 0.0f64..=1.0, n_future in 0u32..50,
    ) {
        let m = BgBb { alpha: la.exp(), beta: lb.exp(), gamma: lg.exp(), delta: ld.exp() };
        let t_x = (tx_share * f64::from(n)).floor() as u32;
        let x = if t_x == 0 { 0 } else { ((x_share * f64::from(t_x)).floor() as u32).max(1) };
        let p = m.probability_alive(x, t_x, n);
        prop_assert!((0.0..=1.0).contains(&p), "{}", p);
        let e = m.conditional_expected_purchases(n_future, x, t_x, n);
        prop_assert!(e.is_finite() && e >= 0.0 && e <= f64::from(n_future) + 1e-9, "{}", e);
    }
}
