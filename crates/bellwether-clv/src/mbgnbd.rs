//! MBG/NBD: the modified BG/NBD of Batislam, Denizel & Filiztekin (2007),
//! "Empirical validation and comparison of models for customer base analysis",
//! *International Journal of Research in Marketing* 24(3):201–209.
//!
//! As the BG/NBD ([`crate::bgnbd`]), but a customer may also drop out right after
//! the first purchase, so customers with no repeat purchase can be inactive. The
//! likelihood of one customer is
//!
//! $$
//! L(r, \alpha, a, b \mid x, t_x, T) =
//! \frac{B(a, b + x + 1)}{B(a, b)} \frac{\Gamma(r + x)\, \alpha^r}{\Gamma(r)\,(\alpha + T)^{r + x}}
//! + \frac{B(a + 1, b + x)}{B(a, b)}
//!   \frac{\Gamma(r + x)\, \alpha^r}{\Gamma(r)\,(\alpha + t_x)^{r + x}},
//! $$
//!
//! computed as $\ln L = A_1 + A_2 + \ln(e^{A_3} + e^{A_4})$ with
//! $A_1 = \ln\Gamma(r+x) - \ln\Gamma(r) + r \ln\alpha$,
//! $A_2 = \ln\Gamma(a+b) + \ln\Gamma(b+x+1) - \ln\Gamma(b) - \ln\Gamma(a+b+x+1)$,
//! $A_3 = -(r+x)\ln(\alpha+T)$ and $A_4 = \ln a - \ln(b+x) - (r+x)\ln(\alpha+t_x)$.
//! Predictions follow lifetimes' `ModifiedBetaGeoFitter`.

use serde::Serialize;

use crate::bgnbd::{around_a_equals_one, check_identifiable, clean, logistic_of_minus, neg_binomial_ln_pmfs, one_minus_scaled_hyp2f1, starts};
use crate::data::CompressedSummary;
use crate::error::ClvError;
use crate::optim::{fit_log_space, Fitted, MinimizeOptions, Objective};
use crate::special::{digamma, ln_beta, ln_gamma};

const MODEL: &str = "mbg_nbd";

/// MBG/NBD parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct MbgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

/// The negative MBG/NBD log-likelihood in `theta = ln(r, alpha, a, b)`.
pub struct MbgNbdObjective<'a> {
    pub data: &'a CompressedSummary,
}

impl Objective for MbgNbdObjective<'_> {
    fn dim(&self) -> usize {
        4
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let p = [theta[0].exp(), theta[1].exp(), theta[2].exp(), theta[3].exp()];
        let (ll, g) = log_likelihood_grad(MbgNbd { r: p[0], alpha: p[1], a: p[2], b: p[3] }, self.data);
        for i in 0..4 {
            grad[i] = -g[i] * p[i];
        }
        -ll
    }
}

/// Log-likelihood and its gradient in the natural parameters `(r, alpha, a, b)`.
pub fn log_likelihood_grad(m: MbgNbd, data: &CompressedSummary) -> (f64, [f64; 4]) {
    let MbgNbd { r, alpha, a, b } = m;
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
    let (mut base, mut d_r_base, mut d_a_base, mut d_b_base, mut ln_bx, mut inv_bx) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for i in 0..xs.len() {
        let x = xs[i];
        if x != current_x {
            current_x = x;
            let (lg_abx1, dg_abx1) = (ln_gamma(a + b + x + 1.0), digamma(a + b + x + 1.0));
            base = ln_gamma(r + x) - lg_r + r * ln_alpha + lg_ab + ln_gamma(b + x + 1.0) - lg_b - lg_abx1;
            d_r_base = digamma(r + x) - dg_r + ln_alpha;
            d_a_base = dg_ab - dg_abx1;
            d_b_base = dg_ab + digamma(b + x + 1.0) - dg_b - dg_abx1;
            ln_bx = (b + x).ln();
            inv_bx = 1.0 / (b + x);
        }
        let w = ws[i];
        let rx = r + x;
        let ln_at = (alpha + ts[i]).ln();
        let ln_atx = (alpha + txs[i]).ln();
        let a3 = -rx * ln_at;
        let a4 = ln_a - ln_bx - rx * ln_atx;
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
        g[3] += w * (d_b_base - pi4 * inv_bx);
    }
    (ll, g)
}

impl MbgNbd {
    /// Fits by maximum likelihood with default options.
    pub fn fit(data: &CompressedSummary) -> Result<Fitted<MbgNbd>, ClvError> {
        Self::fit_with(data, MinimizeOptions::default())
    }

    /// Fits by maximum likelihood; errors as [`crate::bgnbd::BgNbd::fit_with`].
    pub fn fit_with(data: &CompressedSummary, options: MinimizeOptions) -> Result<Fitted<MbgNbd>, ClvError> {
        check_identifiable(MODEL, data)?;
        let objective = MbgNbdObjective { data };
        let result = fit_log_space(MODEL, &["r", "alpha", "a", "b"], &objective, &starts(data), data.n(), options)?;
        let v = result.values();
        Ok(Fitted { model: MbgNbd { r: v[0], alpha: v[1], a: v[2], b: v[3] }, result })
    }

    /// Sum of log-likelihoods over the customers of `data`.
    pub fn log_likelihood(&self, data: &CompressedSummary) -> f64 {
        log_likelihood_grad(*self, data).0
    }

    /// E[X(t)] for a new customer:
    /// $\frac{b}{a-1}\left[1 - \left(\frac{\alpha}{\alpha+t}\right)^r
    /// {}_2F_1\!\left(r, b+1; a+b; \frac{t}{\alpha+t}\right)\right]$.
    pub fn expected_purchases(&self, t: f64) -> f64 {
        if !(t > 0.0) {
            return 0.0;
        }
        let MbgNbd { r, alpha, b, .. } = *self;
        let z = t / (alpha + t);
        let value = around_a_equals_one(self.a, |a| {
            b / (a - 1.0) * one_minus_scaled_hyp2f1(r, (alpha / (alpha + t)).ln(), r, b + 1.0, a + b, z)
        });
        clean(value)
    }

    /// E[X(t) | x, t_x, T]:
    ///
    /// $$\frac{\frac{a+b+x}{a-1}\left[1 - \left(\frac{\alpha+T}{\alpha+T+t}\right)^{r+x}
    /// {}_2F_1\!\left(r+x, b+x+1; a+b+x; \frac{t}{\alpha+T+t}\right)\right]}
    /// {1 + \frac{a}{b+x} \left(\frac{\alpha+T}{\alpha+t_x}\right)^{r+x}}.$$
    pub fn conditional_expected_purchases(&self, t: f64, x: f64, t_x: f64, t_cal: f64) -> f64 {
        if !(t > 0.0) {
            return 0.0;
        }
        let MbgNbd { r, alpha, b, .. } = *self;
        let z = t / (alpha + t_cal + t);
        let ln_ratio = ((alpha + t_cal) / (alpha + t_cal + t)).ln();
        let value = around_a_equals_one(self.a, |a| {
            (a + b + x) / (a - 1.0) * one_minus_scaled_hyp2f1(r + x, ln_ratio, r + x, b + x + 1.0, a + b + x, z)
        });
        clean(value * self.probability_alive(x, t_x, t_cal))
    }

    /// P(alive | x, t_x, T) =
    /// $\left[1 + \frac{a}{b+x}\left(\frac{\alpha+T}{\alpha+t_x}\right)^{r+x}\right]^{-1}$.
    pub fn probability_alive(&self, x: f64, t_x: f64, t_cal: f64) -> f64 {
        let MbgNbd { r, alpha, a, b } = *self;
        let ln_odds = a.ln() - (b + x).ln() + (r + x) * ((alpha + t_cal).ln() - (alpha + t_x).ln());
        logistic_of_minus(ln_odds)
    }

    /// P(X(t) = k) for a new customer:
    /// $\frac{B(a,b+k+1)}{B(a,b)} \mathrm{NB}(k) + \frac{B(a+1,b+k)}{B(a,b)}
    /// \left[1 - \sum_{j<k} \mathrm{NB}(j)\right]$, with
    /// $\mathrm{NB}(j) = \frac{\Gamma(r+j)}{\Gamma(r) j!}\left(\frac{\alpha}{\alpha+t}\right)^r
    /// \left(\frac{t}{\alpha+t}\right)^j$ (alive with k purchases, or dropped out at
    /// the k-th, the first purchase counting as the 0-th).
    pub fn probability_of_purchases(&self, t: f64, k: u32) -> f64 {
        let t = if t > 0.0 { t } else { 0.0 };
        let MbgNbd { r, alpha, a, b } = *self;
        let kf = f64::from(k);
        let ln_bab = ln_beta(a, b);
        let nb = neg_binomial_ln_pmfs(r, alpha, t, k);
        let alive = (ln_beta(a, b + kf + 1.0) - ln_bab + nb[k as usize]).exp();
        let below: f64 = nb[..k as usize].iter().map(|l| l.exp()).sum();
        let dead = (ln_beta(a + 1.0, b + kf) - ln_bab).exp() * (1.0 - below).max(0.0);
        clean((alive + dead).min(1.0))
    }

    /// Sum over the customers of `data` of E[X(t) | x, t_x, T].
    pub fn expected_total(&self, t: f64, data: &CompressedSummary) -> f64 {
        data.rows().map(|row| row.weight * self.conditional_expected_purchases(t, row.x, row.t_x, row.t)).sum()
    }
}
