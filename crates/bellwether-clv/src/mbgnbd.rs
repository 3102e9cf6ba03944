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
//! \frac{B(a, b + x + 1)}{B(a, b)} \frac{\Gamma(r + x)\\, \alpha^r}{\Gamma(r)\\,(\alpha + T)^{r + x}} +
//! \frac{B(a + 1, b + x)}{B(a, b)}
//!   \frac{\Gamma(r + x)\\, \alpha^r}{\Gamma(r)\\,(\alpha + t_x)^{r + x}},
//! $$
//!
//! computed as $\ln L = A_1 + A_2 + \ln(e^{A_3} + e^{A_4})$ with
//! $A_1 = \ln\Gamma(r+x) - \ln\Gamma(r) + r \ln\alpha$,
//! $A_2 = \ln\Gamma(a+b) + \ln\Gamma(b+x+1) - \ln\Gamma(b) - \ln\Gamma(a+b+x+1)$,
//! $A_3 = -(r+x)\ln(\alpha+T)$ and $A_4 = \ln a - \ln(b+x) - (r+x)\ln(\alpha+t_x)$.
//! Predictions follow lifetimes' `ModifiedBetaGeoFitter`.

use serde::Serialize;

use crate::bgnbd::{
    around_a_equals_one, check_identifiable, clean, expected_purchases_by_quadrature, fit_levels,
    logistic_of_minus, neg_binomial_ln_pmf, neg_binomial_upper_tail, negative_in_log_space,
    one_minus_scaled_hyp2f1, two_term_kernel, valid, XTerms,
};
use crate::data::CompressedSummary;
use crate::error::ClvError;
use crate::optim::{Fitted, MinimizeOptions, Objective};
use crate::special::{digamma, ln_beta, ln_gamma, trigamma};

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
        let p = [
            theta[0].exp(),
            theta[1].exp(),
            theta[2].exp(),
            theta[3].exp(),
        ];
        let (ll, g) = log_likelihood_grad(
            MbgNbd {
                r: p[0],
                alpha: p[1],
                a: p[2],
                b: p[3],
            },
            self.data,
        );
        for i in 0..4 {
            grad[i] = -g[i] * p[i];
        }
        -ll
    }

    fn value_grad_hessian(
        &self,
        theta: &[f64],
        grad: &mut [f64],
        hessian: &mut [f64],
    ) -> Option<f64> {
        let p = [
            theta[0].exp(),
            theta[1].exp(),
            theta[2].exp(),
            theta[3].exp(),
        ];
        let m = MbgNbd {
            r: p[0],
            alpha: p[1],
            a: p[2],
            b: p[3],
        };
        let (ll, g, h) = log_likelihood_grad_hessian(m, self.data);
        Some(negative_in_log_space(ll, &g, &h, &p, grad, hessian))
    }
}

/// Log-likelihood and its gradient in the natural parameters `(r, alpha, a, b)`.
pub fn log_likelihood_grad(m: MbgNbd, data: &CompressedSummary) -> (f64, [f64; 4]) {
    let MbgNbd { r, alpha, a, b } = m;
    if !valid(&[r, alpha, a, b]) {
        return (f64::NEG_INFINITY, [f64::NAN; 4]);
    }
    let (ll, g, _) = two_term_kernel::<false>(r, alpha, a, data, mbg_x_terms(a, b));
    (ll, g)
}

/// Log-likelihood, gradient and Hessian in the natural parameters `(r, alpha, a, b)`.
pub fn log_likelihood_grad_hessian(
    m: MbgNbd,
    data: &CompressedSummary,
) -> (f64, [f64; 4], [[f64; 4]; 4]) {
    let MbgNbd { r, alpha, a, b } = m;
    if !valid(&[r, alpha, a, b]) {
        return (f64::NEG_INFINITY, [f64::NAN; 4], [[f64::NAN; 4]; 4]);
    }
    two_term_kernel::<true>(r, alpha, a, data, mbg_x_terms(a, b))
}

/// The MBG/NBD terms of each x: base = ln B(a, b + x + 1) - ln B(a, b) and
/// c = ln a - ln(b + x), with their derivatives.
fn mbg_x_terms(a: f64, b: f64) -> impl Fn(f64) -> XTerms + Sync {
    let (lg_b, lg_ab, dg_b, dg_ab) = (ln_gamma(b), ln_gamma(a + b), digamma(b), digamma(a + b));
    let (tg_b, tg_ab) = (trigamma(b), trigamma(a + b));
    let ln_a = a.ln();
    move |x| {
        let (lg_abx1, dg_abx1, tg_abx1) = (
            ln_gamma(a + b + x + 1.0),
            digamma(a + b + x + 1.0),
            trigamma(a + b + x + 1.0),
        );
        XTerms {
            base: lg_ab + ln_gamma(b + x + 1.0) - lg_b - lg_abx1,
            d_a: dg_ab - dg_abx1,
            d_b: dg_ab + digamma(b + x + 1.0) - dg_b - dg_abx1,
            d_aa: tg_ab - tg_abx1,
            d_ab: tg_ab - tg_abx1,
            d_bb: tg_ab + trigamma(b + x + 1.0) - tg_b - tg_abx1,
            two_terms: true,
            c: ln_a - (b + x).ln(),
            dc_db: -1.0 / (b + x),
            dc_dbb: 1.0 / ((b + x) * (b + x)),
        }
    }
}

impl MbgNbd {
    /// Fits by maximum likelihood with default options.
    pub fn fit(data: &CompressedSummary) -> Result<Fitted<MbgNbd>, ClvError> {
        Self::fit_with(data, MinimizeOptions::default())
    }

    /// Fits by maximum likelihood; errors as [`crate::bgnbd::BgNbd::fit_with`].
    pub fn fit_with(
        data: &CompressedSummary,
        options: MinimizeOptions,
    ) -> Result<Fitted<MbgNbd>, ClvError> {
        check_identifiable(MODEL, data)?;
        let names = ["r", "alpha", "a", "b"];
        let result = fit_levels(
            MODEL,
            &names,
            data,
            |data| Box::new(MbgNbdObjective { data }),
            options,
        )?;
        let v = result.values();
        Ok(Fitted {
            model: MbgNbd {
                r: v[0],
                alpha: v[1],
                a: v[2],
                b: v[3],
            },
            result,
        })
    }

    /// Sum of log-likelihoods over the customers of `data`.
    pub fn log_likelihood(&self, data: &CompressedSummary) -> f64 {
        log_likelihood_grad(*self, data).0
    }

    /// E[X(t)] for a new customer:
    /// $\frac{b}{a-1}\left[1 - \left(\frac{\alpha}{\alpha+t}\right)^r
    /// {}\_2F_1\\!\left(r, b+1; a+b; \frac{t}{\alpha+t}\right)\right]$.
    pub fn expected_purchases(&self, t: f64) -> f64 {
        if t.is_nan() || t <= 0.0 {
            return 0.0;
        }
        let MbgNbd { r, alpha, b, .. } = *self;
        let z = t / (alpha + t);
        let value = around_a_equals_one(self.a, |a| {
            b / (a - 1.0)
                * one_minus_scaled_hyp2f1(r, (alpha / (alpha + t)).ln(), r, b + 1.0, a + b, z)
        });
        if value.is_finite() {
            clean(value)
        } else {
            // Alive after the first purchase with probability b / (a + b); then p ~ Beta(a, b + 1).
            b / (self.a + b) * expected_purchases_by_quadrature(self.a, b + 1.0, r, alpha, t)
        }
    }

    /// E[X(t) | x, t_x, T]:
    ///
    /// $$\frac{\frac{a+b+x}{a-1}\left[1 - \left(\frac{\alpha+T}{\alpha+T+t}\right)^{r+x}
    /// {}\_2F_1\\!\left(r+x, b+x+1; a+b+x; \frac{t}{\alpha+T+t}\right)\right]}
    /// {1 + \frac{a}{b+x} \left(\frac{\alpha+T}{\alpha+t_x}\right)^{r+x}}.$$
    pub fn conditional_expected_purchases(&self, t: f64, x: f64, t_x: f64, t_cal: f64) -> f64 {
        if t.is_nan() || t <= 0.0 {
            return 0.0;
        }
        let MbgNbd { r, alpha, b, .. } = *self;
        let z = t / (alpha + t_cal + t);
        let ln_ratio = ((alpha + t_cal) / (alpha + t_cal + t)).ln();
        let value = around_a_equals_one(self.a, |a| {
            (a + b + x) / (a - 1.0)
                * one_minus_scaled_hyp2f1(r + x, ln_ratio, r + x, b + x + 1.0, a + b + x, z)
        });
        let value = if value.is_finite() {
            value
        } else {
            // Alive customers: p ~ Beta(a, b + x + 1), rate ~ Gamma(r + x, alpha + T).
            expected_purchases_by_quadrature(self.a, b + x + 1.0, r + x, alpha + t_cal, t)
        };
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
        let alive =
            (ln_beta(a, b + kf + 1.0) - ln_bab + neg_binomial_ln_pmf(r, alpha, t, kf)).exp();
        let dead =
            (ln_beta(a + 1.0, b + kf) - ln_bab).exp() * neg_binomial_upper_tail(r, alpha, t, k);
        clean((alive + dead).min(1.0))
    }

    /// Sum over the customers of `data` of E[X(t) | x, t_x, T].
    pub fn expected_total(&self, t: f64, data: &CompressedSummary) -> f64 {
        data.rows()
            .map(|row| row.weight * self.conditional_expected_purchases(t, row.x, row.t_x, row.t))
            .sum()
    }
}
