//! BG/NBD: the beta-geometric/negative-binomial model of Fader, Hardie & Lee
//! (2005), "Counting your customers the easy way: an alternative to the
//! Pareto/NBD model", *Marketing Science* 24(2):275–284.
//!
//! While active, a customer buys as a Poisson process with rate
//! $\lambda \sim \mathrm{Gamma}(r, \alpha)$; after each repeat purchase they drop out
//! with probability $p \sim \mathrm{Beta}(a, b)$. The likelihood of one customer with
//! $x$ repeat purchases, the last at $t_x$, observed for $T$ (FHL 2005, eq. 6) is
//!
//! $$
//! L(r, \alpha, a, b \mid x, t_x, T) =
//! \frac{B(a, b + x)}{B(a, b)} \frac{\Gamma(r + x)\, \alpha^r}{\Gamma(r)\,(\alpha + T)^{r + x}}
//! + \delta_{x > 0} \frac{B(a + 1, b + x - 1)}{B(a, b)}
//!   \frac{\Gamma(r + x)\, \alpha^r}{\Gamma(r)\,(\alpha + t_x)^{r + x}},
//! $$
//!
//! computed as $\ln L = A_1 + A_2 + \ln(e^{A_3} + \delta_{x>0} e^{A_4})$ with
//! $A_1 = \ln\Gamma(r+x) - \ln\Gamma(r) + r \ln\alpha$,
//! $A_2 = \ln\Gamma(a+b) + \ln\Gamma(b+x) - \ln\Gamma(b) - \ln\Gamma(a+b+x)$,
//! $A_3 = -(r+x)\ln(\alpha+T)$ and
//! $A_4 = \ln a - \ln(b+x-1) - (r+x)\ln(\alpha+t_x)$ (as in lifetimes).
//! The log-likelihood is the weighted sum over customers. No parameter defaults:
//! the fit starts from all ones (lifetimes' start) and falls back to
//! moment-based starts.

use serde::Serialize;

use crate::data::CompressedSummary;
use crate::error::ClvError;
use crate::optim::{fit_log_space, Fitted, MinimizeOptions, Objective};
use crate::special::{digamma, ln_beta, ln_gamma, ln_hyp2f1};

const MODEL: &str = "bg_nbd";

/// BG/NBD parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

/// The negative BG/NBD log-likelihood over a [`CompressedSummary`], in
/// `theta = ln(r, alpha, a, b)`, with its analytic gradient.
pub struct BgNbdObjective<'a> {
    pub data: &'a CompressedSummary,
}

impl Objective for BgNbdObjective<'_> {
    fn dim(&self) -> usize {
        4
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let p = [theta[0].exp(), theta[1].exp(), theta[2].exp(), theta[3].exp()];
        let (ll, g) = log_likelihood_grad(BgNbd { r: p[0], alpha: p[1], a: p[2], b: p[3] }, self.data);
        for i in 0..4 {
            grad[i] = -g[i] * p[i];
        }
        -ll
    }
}

/// Log-likelihood and its gradient in the natural parameters `(r, alpha, a, b)`.
/// Returns a non-finite value outside the parameter space.
pub fn log_likelihood_grad(m: BgNbd, data: &CompressedSummary) -> (f64, [f64; 4]) {
    let BgNbd { r, alpha, a, b } = m;
    if !(r > 0.0 && alpha > 0.0 && a > 0.0 && b > 0.0 && r.is_finite() && alpha.is_finite() && a.is_finite() && b.is_finite())
    {
        return (f64::NEG_INFINITY, [f64::NAN; 4]);
    }
    let (ln_alpha, ln_a) = (alpha.ln(), a.ln());
    let (lg_r, lg_b, lg_ab) = (ln_gamma(r), ln_gamma(b), ln_gamma(a + b));
    let (dg_r, dg_b, dg_ab) = (digamma(r), digamma(b), digamma(a + b));
    let (xs, txs, ts, ws) = (data.x(), data.t_x(), data.t(), data.weights());
    let mut ll = 0.0;
    let mut g = [0.0; 4];
    let mut current_x = f64::NAN;
    // Terms that depend on x only; rows are sorted by x.
    let (mut base, mut d_r_base, mut d_a_base, mut d_b_base, mut ln_bx1, mut inv_bx1) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for i in 0..xs.len() {
        let x = xs[i];
        if x != current_x {
            current_x = x;
            let (lg_abx, dg_abx) = (ln_gamma(a + b + x), digamma(a + b + x));
            base = ln_gamma(r + x) - lg_r + r * ln_alpha + lg_ab + ln_gamma(b + x) - lg_b - lg_abx;
            d_r_base = digamma(r + x) - dg_r + ln_alpha;
            d_a_base = dg_ab - dg_abx;
            d_b_base = dg_ab + digamma(b + x) - dg_b - dg_abx;
            if x > 0.0 {
                ln_bx1 = (b + x - 1.0).ln();
                inv_bx1 = 1.0 / (b + x - 1.0);
            }
        }
        let w = ws[i];
        let rx = r + x;
        let ln_at = (alpha + ts[i]).ln();
        let a3 = -rx * ln_at;
        if x > 0.0 {
            let ln_atx = (alpha + txs[i]).ln();
            let a4 = ln_a - ln_bx1 - rx * ln_atx;
            // pi4 = e^{A4} / (e^{A3} + e^{A4}).
            let (lse, pi4) = if a4 > a3 {
                let e = (a3 - a4).exp();
                (a4 + e.ln_1p(), 1.0 / (1.0 + e))
            } else {
                let e = (a4 - a3).exp();
                (a3 + e.ln_1p(), e / (1.0 + e))
            };
            let pi3 = 1.0 - pi4;
            ll += w * (base + lse);
            g[0] += w * (d_r_base - pi3 * ln_at - pi4 * ln_atx);
            g[1] += w * (r / alpha - rx * (pi3 / (alpha + ts[i]) + pi4 / (alpha + txs[i])));
            g[2] += w * (d_a_base + pi4 / a);
            g[3] += w * (d_b_base - pi4 * inv_bx1);
        } else {
            ll += w * (base + a3);
            g[0] += w * (d_r_base - ln_at);
            g[1] += w * (r / alpha - rx / (alpha + ts[i]));
            g[2] += w * d_a_base;
            g[3] += w * d_b_base;
        }
    }
    (ll, g)
}

/// Checks that a data set can identify a 4-parameter BTYD model.
pub(crate) fn check_identifiable(model: &'static str, data: &CompressedSummary) -> Result<(), ClvError> {
    let fail = |reason: &str| Err(ClvError::NotIdentifiable { model, reason: reason.to_string() });
    if data.n() < 2.0 || data.len() < 2 {
        return fail("needs at least two customers with different (x, t_x, T)");
    }
    if data.total_frequency() == 0.0 {
        return fail("no customer made a repeat purchase");
    }
    Ok(())
}

/// Log-space starting points: all ones (lifetimes' start), then moment-based
/// guesses from the mean purchase rate.
pub(crate) fn starts(data: &CompressedSummary) -> Vec<Vec<f64>> {
    let mean_t = data.mean_t().max(1e-9);
    let rate = (data.total_frequency() / data.n() / mean_t).max(1e-9);
    // r / alpha = rate with r = 1, then with r = 0.5 and a sticky population.
    vec![
        vec![0.0; 4],
        vec![0.0, (1.0 / rate).ln(), 0.0, 0.0],
        vec![0.5_f64.ln(), (0.5 / rate).ln(), 0.5_f64.ln(), 2.0_f64.ln()],
        vec![0.1_f64.ln(), (0.1 / rate).ln(), 2.0_f64.ln(), 10.0_f64.ln()],
    ]
}

/// Evaluates `f(a)`, replacing it near the removable singularity a = 1 by the
/// mean of the values at 1 ± 1e-7.
pub(crate) fn around_a_equals_one(a: f64, f: impl Fn(f64) -> f64) -> f64 {
    if (a - 1.0).abs() < 1e-7 {
        0.5 * (f(1.0 - 1e-7) + f(1.0 + 1e-7))
    } else {
        f(a)
    }
}

/// `1 - ratio^{k} 2F1(h1, h2; h3; z)`, computed in log space; clamped to [0, 1].
pub(crate) fn one_minus_scaled_hyp2f1(k: f64, ln_ratio: f64, h1: f64, h2: f64, h3: f64, z: f64) -> f64 {
    let (ln_f, sign) = ln_hyp2f1(h1, h2, h3, z);
    1.0 - sign * (k * ln_ratio + ln_f).exp()
}

impl BgNbd {
    /// Fits by maximum likelihood with default options.
    pub fn fit(data: &CompressedSummary) -> Result<Fitted<BgNbd>, ClvError> {
        Self::fit_with(data, MinimizeOptions::default())
    }

    /// Fits by maximum likelihood. Errors: [`ClvError::NotIdentifiable`] with
    /// fewer than two distinct rows, no repeat purchases or a Hessian that is not
    /// positive definite; [`ClvError::FitDidNotConverge`].
    pub fn fit_with(data: &CompressedSummary, options: MinimizeOptions) -> Result<Fitted<BgNbd>, ClvError> {
        check_identifiable(MODEL, data)?;
        let objective = BgNbdObjective { data };
        let result = fit_log_space(MODEL, &["r", "alpha", "a", "b"], &objective, &starts(data), data.n(), options)?;
        let v = result.values();
        Ok(Fitted { model: BgNbd { r: v[0], alpha: v[1], a: v[2], b: v[3] }, result })
    }

    /// Sum of log-likelihoods over the customers of `data`.
    pub fn log_likelihood(&self, data: &CompressedSummary) -> f64 {
        log_likelihood_grad(*self, data).0
    }

    /// E[X(t)] for a randomly chosen new customer (FHL 2005, eq. 9):
    /// $\frac{a+b-1}{a-1}\left[1 - \left(\frac{\alpha}{\alpha+t}\right)^r
    /// {}_2F_1\!\left(r, b; a+b-1; \frac{t}{\alpha+t}\right)\right]$.
    pub fn expected_purchases(&self, t: f64) -> f64 {
        if !(t > 0.0) {
            return 0.0;
        }
        let BgNbd { r, alpha, b, .. } = *self;
        let z = t / (alpha + t);
        let value = around_a_equals_one(self.a, |a| {
            (a + b - 1.0) / (a - 1.0) * one_minus_scaled_hyp2f1(r, (alpha / (alpha + t)).ln(), r, b, a + b - 1.0, z)
        });
        clean(value)
    }

    /// E[X(t) | x, t_x, T]: expected purchases in the next `t` for a customer
    /// with history (x, t_x, T) (FHL 2005, eq. 10):
    ///
    /// $$\frac{\frac{a+b+x-1}{a-1}\left[1 - \left(\frac{\alpha+T}{\alpha+T+t}\right)^{r+x}
    /// {}_2F_1\!\left(r+x, b+x; a+b+x-1; \frac{t}{\alpha+T+t}\right)\right]}
    /// {1 + \delta_{x>0} \frac{a}{b+x-1} \left(\frac{\alpha+T}{\alpha+t_x}\right)^{r+x}}.$$
    pub fn conditional_expected_purchases(&self, t: f64, x: f64, t_x: f64, t_cal: f64) -> f64 {
        if !(t > 0.0) {
            return 0.0;
        }
        let BgNbd { r, alpha, b, .. } = *self;
        let z = t / (alpha + t_cal + t);
        let ln_ratio = ((alpha + t_cal) / (alpha + t_cal + t)).ln();
        let value = around_a_equals_one(self.a, |a| {
            (a + b + x - 1.0) / (a - 1.0) * one_minus_scaled_hyp2f1(r + x, ln_ratio, r + x, b + x, a + b + x - 1.0, z)
        });
        clean(value * self.probability_alive(x, t_x, t_cal))
    }

    /// P(alive | x, t_x, T) (FHL 2005, eq. 11):
    /// $\left[1 + \delta_{x>0}\frac{a}{b+x-1}\left(\frac{\alpha+T}{\alpha+t_x}\right)^{r+x}\right]^{-1}$.
    pub fn probability_alive(&self, x: f64, t_x: f64, t_cal: f64) -> f64 {
        if x <= 0.0 {
            return 1.0;
        }
        let BgNbd { r, alpha, a, b } = *self;
        let ln_odds = a.ln() - (b + x - 1.0).ln() + (r + x) * ((alpha + t_cal).ln() - (alpha + t_x).ln());
        logistic_of_minus(ln_odds)
    }

    /// P(X(t) = k) for a randomly chosen new customer (FHL 2005, eq. 8).
    pub fn probability_of_purchases(&self, t: f64, k: u32) -> f64 {
        let t = if t > 0.0 { t } else { 0.0 };
        let BgNbd { r, alpha, a, b } = *self;
        let kf = f64::from(k);
        let ln_bab = ln_beta(a, b);
        let nb = neg_binomial_ln_pmfs(r, alpha, t, k);
        let alive = (ln_beta(a, b + kf) - ln_bab + nb[k as usize]).exp();
        let dead = if k > 0 {
            let below: f64 = nb[..k as usize].iter().map(|l| l.exp()).sum();
            (ln_beta(a + 1.0, b + kf - 1.0) - ln_bab).exp() * (1.0 - below).max(0.0)
        } else {
            0.0
        };
        clean((alive + dead).min(1.0))
    }

    /// Sum over the customers of `data` of E[X(t) | x, t_x, T], e.g. expected
    /// holdout purchases when every customer's holdout lasts `t`.
    pub fn expected_total(&self, t: f64, data: &CompressedSummary) -> f64 {
        data.rows().map(|row| row.weight * self.conditional_expected_purchases(t, row.x, row.t_x, row.t)).sum()
    }
}

/// ln P(N = j), j = 0..=k, for N ~ NB(r, alpha/(alpha+t)), the Gamma(r, alpha)
/// mixture of Poisson(lambda t).
pub(crate) fn neg_binomial_ln_pmfs(r: f64, alpha: f64, t: f64, k: u32) -> Vec<f64> {
    let ln_p0 = r * (alpha / (alpha + t)).ln();
    let ln_q = (t / (alpha + t)).ln();
    let lg_r = ln_gamma(r);
    (0..=k)
        .map(|j| {
            let j = f64::from(j);
            if j == 0.0 {
                ln_p0
            } else {
                ln_gamma(r + j) - lg_r - ln_gamma(j + 1.0) + ln_p0 + j * ln_q
            }
        })
        .collect()
}

/// 1 / (1 + e^{u}), stable for large |u|.
pub(crate) fn logistic_of_minus(u: f64) -> f64 {
    if u > 0.0 {
        let e = (-u).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + u.exp())
    }
}

/// Non-negative, NaN-free expectation: rounding below zero becomes 0.
pub(crate) fn clean(value: f64) -> f64 {
    if value.is_nan() {
        f64::NAN
    } else {
        value.max(0.0)
    }
}
