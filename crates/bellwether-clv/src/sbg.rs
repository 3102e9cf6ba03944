//! Shifted-beta-geometric (sBG) model of contractual retention (Fader &
//! Hardie 2007, "How to project customer retention", *Journal of Interactive
//! Marketing* 21(1):76–90).
//!
//! Each customer renews at the end of every period with probability $1 - \theta$,
//! $\theta \sim \mathrm{Beta}(\alpha, \beta)$ across customers. The lifetime $T$ (in
//! periods) then has (F&H 2007, with its recursions)
//!
//! $$P(T = t) = \frac{B(\alpha+1, \beta+t-1)}{B(\alpha,\beta)},\qquad
//! S(t) = P(T > t) = \frac{B(\alpha, \beta+t)}{B(\alpha,\beta)},$$
//!
//! $$P(T=1) = \frac{\alpha}{\alpha+\beta},\quad P(T=t) = \frac{\beta+t-2}{\alpha+\beta+t-1} P(T=t-1),\quad
//! S(t) = \frac{\beta+t-1}{\alpha+\beta+t-1} S(t-1).$$
//!
//! A cohort of $n_0$ customers observed for $n$ periods, with $n_t$ still active
//! after period $t$, has log-likelihood (F&H 2007)
//!
//! $$LL(\alpha,\beta) = \sum_{t=1}^{n} (n_{t-1} - n_t) \ln P(T=t) + n_n \ln S(n).$$
//!
//! The recursions give the log-probabilities and their analytic gradients one
//! period at a time (each step adds $\ln\frac{\beta+t-2}{\alpha+\beta+t-1}$ or
//! $\ln\frac{\beta+t-1}{\alpha+\beta+t-1}$).
//!
//! The retention rate is $r(t) = S(t)/S(t-1) = \frac{\beta+t-1}{\alpha+\beta+t-1}$
//! (F&H 2007), and the discounted expected residual lifetime of a customer
//! who has made $n-1$ renewals (Fader & Hardie 2010, "Customer-base valuation
//! in a contractual setting: the perils of ignoring heterogeneity", *Marketing
//! Science* 29(1):85–93) is
//!
//! $$\mathrm{DERL}(d \mid \alpha, \beta, n-1) = \sum_{t=n}^{\infty}
//! \frac{S(t)}{S(n-1)}\\,\frac{1}{(1+d)^{t-n}} = \frac{\beta+n-1}{\alpha+\beta+n-1}\\;
//! {}\_2F_1\\!\left(1, \beta+n; \alpha+\beta+n; \frac{1}{1+d}\right),$$
//!
//! with ${}\_2F_1$ from [`crate::hyp2f1::ln_hyp2f1_one`].

use serde::Serialize;

use crate::error::ClvError;
use crate::hyp2f1::ln_hyp2f1_one;
use crate::optim::{fit_log_space, Fitted, MinimizeOptions, Objective};
use crate::special::ln_beta;

const MODEL: &str = "sbg";

/// Above this, Beta(alpha, beta) is nearly a point mass: the data show no
/// heterogeneity in churn and the fit says so in a warning.
const HOMOGENEOUS_ALPHA_PLUS_BETA: f64 = 1e4;

/// sBG parameters: per-period churn probability $\theta \sim \mathrm{Beta}(\alpha, \beta)$.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Sbg {
    pub alpha: f64,
    pub beta: f64,
}

/// One cohort: how many customers are active at the start (index 0) and after
/// each period (index t).
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    active: Vec<f64>,
}

impl Cohort {
    /// A cohort from the number of customers active at the start and after
    /// each period, e.g. `[1000, 631, 468, 382, 326, 289, 262, 241]`. Counts need
    /// not be integers but must be finite, non-negative and non-increasing,
    /// with at least one period and a positive initial size.
    pub fn from_counts(active: &[f64]) -> Result<Self, ClvError> {
        let fail = |row: usize, reason: &str| {
            Err(ClvError::InvalidInput {
                row,
                reason: reason.to_string(),
            })
        };
        if active.len() < 2 {
            return fail(
                active.len(),
                "need the initial size and at least one period",
            );
        }
        for (t, &v) in active.iter().enumerate() {
            if !(v.is_finite() && v >= 0.0) {
                return fail(t, "active counts must be finite and >= 0");
            }
            if t > 0 && v > active[t - 1] {
                return fail(t, "active counts must not increase");
            }
        }
        if active[0] <= 0.0 {
            return fail(0, "the cohort must start with a positive size");
        }
        Ok(Self {
            active: active.to_vec(),
        })
    }

    /// A cohort from the share still active per period (the first share is the
    /// reference, normally 1) and the initial cohort size, which sets the
    /// standard errors.
    pub fn from_shares(shares: &[f64], cohort_size: f64) -> Result<Self, ClvError> {
        if !(cohort_size.is_finite() && cohort_size > 0.0) {
            return Err(ClvError::InvalidInput {
                row: 0,
                reason: "cohort size must be finite and > 0".to_string(),
            });
        }
        let first = shares.first().copied().unwrap_or(f64::NAN);
        if !(first.is_finite() && first > 0.0) {
            return Err(ClvError::InvalidInput {
                row: 0,
                reason: "the first share must be finite and > 0".to_string(),
            });
        }
        let counts: Vec<f64> = shares.iter().map(|s| s / first * cohort_size).collect();
        Self::from_counts(&counts)
    }

    /// Active counts, index 0 being the initial size.
    pub fn active(&self) -> &[f64] {
        &self.active
    }

    /// Number of observed periods.
    pub fn periods(&self) -> usize {
        self.active.len() - 1
    }

    /// Initial cohort size.
    pub fn size(&self) -> f64 {
        self.active[0]
    }
}

fn valid(m: &Sbg) -> bool {
    m.alpha.is_finite() && m.beta.is_finite() && m.alpha > 0.0 && m.beta > 0.0
}

/// Log-likelihood of a cohort and its gradient in `(alpha, beta)`; NaN outside
/// the parameter space.
pub fn log_likelihood_grad(m: Sbg, cohort: &Cohort) -> (f64, [f64; 2]) {
    if !valid(&m) {
        return (f64::NAN, [f64::NAN; 2]);
    }
    let Sbg { alpha, beta } = m;
    let active = cohort.active();
    // ln P(T = t) and ln S(t) with their gradients, advanced period by period.
    let mut ln_p = [alpha.ln() - (alpha + beta).ln(), 0.0, 0.0];
    ln_p[1] = 1.0 / alpha - 1.0 / (alpha + beta);
    ln_p[2] = -1.0 / (alpha + beta);
    let mut ln_s = [0.0; 3];
    let mut ll = [0.0; 3];
    for t in 1..active.len() {
        let tf = t as f64;
        if t > 1 {
            let (num, den) = (beta + tf - 2.0, alpha + beta + tf - 1.0);
            ln_p[0] += (num / den).ln();
            ln_p[1] -= 1.0 / den;
            ln_p[2] += 1.0 / num - 1.0 / den;
        }
        let (num, den) = (beta + tf - 1.0, alpha + beta + tf - 1.0);
        ln_s[0] += (num / den).ln();
        ln_s[1] -= 1.0 / den;
        ln_s[2] += 1.0 / num - 1.0 / den;
        let lost = active[t - 1] - active[t];
        if lost > 0.0 {
            for k in 0..3 {
                ll[k] += lost * ln_p[k];
            }
        }
    }
    let survivors = active[active.len() - 1];
    if survivors > 0.0 {
        for k in 0..3 {
            ll[k] += survivors * ln_s[k];
        }
    }
    (ll[0], [ll[1], ll[2]])
}

/// The negative sBG log-likelihood in `theta = ln(alpha, beta)`.
pub struct SbgObjective<'a> {
    pub cohort: &'a Cohort,
}

impl Objective for SbgObjective<'_> {
    fn dim(&self) -> usize {
        2
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let m = Sbg {
            alpha: theta[0].exp(),
            beta: theta[1].exp(),
        };
        let (ll, g) = log_likelihood_grad(m, self.cohort);
        grad[0] = -g[0] * m.alpha;
        grad[1] = -g[1] * m.beta;
        -ll
    }
}

impl Sbg {
    /// Fits by maximum likelihood with default options.
    pub fn fit(cohort: &Cohort) -> Result<Fitted<Sbg>, ClvError> {
        Self::fit_with(cohort, MinimizeOptions::default())
    }

    /// Fits by maximum likelihood. Errors: [`ClvError::NotIdentifiable`] with
    /// fewer than two periods, when nobody churns or everybody churns in the
    /// first period, or when the Hessian is not positive definite;
    /// [`ClvError::FitDidNotConverge`].
    pub fn fit_with(cohort: &Cohort, options: MinimizeOptions) -> Result<Fitted<Sbg>, ClvError> {
        let not_identifiable = |reason: &str| {
            Err(ClvError::NotIdentifiable {
                model: MODEL,
                reason: reason.to_string(),
            })
        };
        let active = cohort.active();
        if cohort.periods() < 2 {
            return not_identifiable("two periods at least are needed to separate alpha and beta");
        }
        if active[active.len() - 1] == active[0] {
            return not_identifiable("nobody churned");
        }
        if active[1] == 0.0 {
            return not_identifiable("everybody churned in the first period");
        }
        let objective = SbgObjective { cohort };
        // Start from alpha = 1 and a mean churn alpha / (alpha + beta) equal to the
        // first period's churn, then from all ones.
        let churn1 = ((active[0] - active[1]) / active[0]).clamp(0.01, 0.99);
        let starts = [vec![0.0, ((1.0 - churn1) / churn1).ln()], vec![0.0, 0.0]];
        let mut result = fit_log_space(
            MODEL,
            &["alpha", "beta"],
            &objective,
            &starts,
            cohort.size(),
            options,
        )?;
        let v = result.values();
        if v[0] + v[1] > HOMOGENEOUS_ALPHA_PLUS_BETA {
            result.warnings.push(format!(
                "alpha + beta = {:.3e}: churn looks homogeneous (a plain geometric model with \
                 churn probability {:.4}); alpha and beta are not separately identified",
                v[0] + v[1],
                v[0] / (v[0] + v[1])
            ));
        }
        Ok(Fitted {
            model: Sbg {
                alpha: v[0],
                beta: v[1],
            },
            result,
        })
    }

    /// Log-likelihood of a cohort.
    pub fn log_likelihood(&self, cohort: &Cohort) -> f64 {
        log_likelihood_grad(*self, cohort).0
    }

    /// P(T = t): probability that a customer's last period is `t` (t >= 1;
    /// 0 for t = 0).
    pub fn churn_probability(&self, t: u32) -> f64 {
        if !valid(self) {
            return f64::NAN;
        }
        if t == 0 {
            return 0.0;
        }
        self.survival(t - 1) * (self.alpha / (self.alpha + self.beta + f64::from(t) - 1.0))
    }

    /// S(t): share of the cohort still active after `t` periods (S(0) = 1).
    /// By the recursion up to t = 1,000, then as $B(\alpha, \beta+t)/B(\alpha, \beta)$.
    pub fn survival(&self, t: u32) -> f64 {
        if !valid(self) {
            return f64::NAN;
        }
        let Sbg { alpha, beta } = *self;
        if t > 1000 {
            let tf = f64::from(t);
            return (ln_beta(alpha, beta + tf) - ln_beta(alpha, beta)).exp();
        }
        let mut ln_s = 0.0;
        for k in 1..=t {
            let kf = f64::from(k);
            ln_s += ((beta + kf - 1.0) / (alpha + beta + kf - 1.0)).ln();
        }
        ln_s.exp()
    }

    /// The survival curve S(0), ..., S(periods).
    pub fn survival_curve(&self, periods: u32) -> Vec<f64> {
        let mut out = Vec::with_capacity(periods as usize + 1);
        let mut s = if valid(self) { 1.0 } else { f64::NAN };
        out.push(s);
        for t in 1..=periods {
            s *= self.retention_rate(t);
            out.push(s);
        }
        out
    }

    /// r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1), the
    /// share of customers active after period t - 1 who renew after period t
    /// (t >= 1; NaN for t = 0).
    pub fn retention_rate(&self, t: u32) -> f64 {
        if !valid(self) || t == 0 {
            return f64::NAN;
        }
        let k = f64::from(t) - 1.0;
        (self.beta + k) / (self.alpha + self.beta + k)
    }

    /// Discounted expected residual lifetime, in periods, of a customer who has
    /// made `renewals` = n - 1 renewals, at discount rate `discount_rate` = d per
    /// period (see the module docs). At d = 0 it is $(\beta+n-1)/(\alpha-1)$ when
    /// $\alpha > 1$ and infinite otherwise; NaN for d < 0.
    pub fn derl(&self, discount_rate: f64, renewals: u32) -> f64 {
        // NaN fails `>= 0`.
        let rate_valid = discount_rate >= 0.0;
        if !valid(self) || !rate_valid {
            return f64::NAN;
        }
        let Sbg { alpha, beta } = *self;
        let n = f64::from(renewals) + 1.0;
        let first = (beta + n - 1.0) / (alpha + beta + n - 1.0);
        if discount_rate == 0.0 {
            return if alpha > 1.0 {
                (beta + n - 1.0) / (alpha - 1.0)
            } else {
                f64::INFINITY
            };
        }
        if discount_rate == f64::INFINITY {
            return first;
        }
        let z = 1.0 / (1.0 + discount_rate);
        first * ln_hyp2f1_one(beta + n, alpha + beta + n, z).ln_value.exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recursions_match_beta_functions() {
        let m = Sbg {
            alpha: 0.7,
            beta: 1.2,
        };
        for t in (1..20u32).chain([999, 1000, 1001, 5000]) {
            let tf = f64::from(t);
            let p = (ln_beta(m.alpha + 1.0, m.beta + tf - 1.0) - ln_beta(m.alpha, m.beta)).exp();
            let s = (ln_beta(m.alpha, m.beta + tf) - ln_beta(m.alpha, m.beta)).exp();
            // ln_beta carries about 1e-16 * ln Γ(β + t) absolute error.
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-10 * b;
            assert!(
                close(m.churn_probability(t), p),
                "{t}: {} {p}",
                m.churn_probability(t)
            );
            assert!(close(m.survival(t), s), "{t}: {} {s}", m.survival(t));
            assert!(close(m.survival_curve(t)[t as usize], s));
        }
    }
}
