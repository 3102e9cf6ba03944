//! BG/BB: the beta-geometric/beta-Bernoulli model for discrete transaction
//! opportunities (Fader, Hardie & Shang 2010, "Customer-Base Analysis in a
//! Discrete-Time Noncontractual Setting", *Marketing Science* 29(6):1086–1108).
//!
//! At each of `n` opportunities an alive customer transacts with probability
//! $p \sim \mathrm{Beta}(\alpha, \beta)$, and before each opportunity dies with
//! probability $\theta \sim \mathrm{Beta}(\gamma, \delta)$. A customer with `x`
//! transactions, the last at opportunity `t_x`, over `n` opportunities has
//! likelihood (FHS 2010)
//!
//! $$L(\alpha,\beta,\gamma,\delta \mid x, t_x, n) =
//! \frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)}\frac{B(\gamma, \delta+n)}{B(\gamma,\delta)} +
//! \sum_{i=0}^{n-t_x-1} \frac{B(\alpha+x, \beta+t_x-x+i)}{B(\alpha,\beta)}
//!   \frac{B(\gamma+1, \delta+t_x+i)}{B(\gamma,\delta)}.$$
//!
//! The terms of the sum follow from one another by
//! $B(a, b+1) = B(a, b)\\,\frac{b}{a+b}$, so each row needs four log-beta values
//! and a short recurrence; the log-likelihood is a log-sum-exp of the terms.
//! The gradient is analytic: $\partial_a \ln B(a, b) = \psi(a) - \psi(a+b)$ at
//! the first term, then the recurrence adds $\partial \ln\frac{b}{a+b}$ per step.
//!
//! Input columns are those of lifetimes' `BetaGeoBetaBinomFitter`: `frequency`
//! (x), `recency` (t_x, the opportunity of the last transaction, 0 when x = 0),
//! `periods` (n) and `weights` (number of customers with that row).

use serde::Serialize;

use crate::error::ClvError;
use crate::optim::{fit_log_space, Fitted, MinimizeOptions, Objective};
use crate::special::{digamma, ln_beta, ln_gamma};

const MODEL: &str = "bg_bb";

/// BG/BB parameters: transaction probability $p \sim \mathrm{Beta}(\alpha, \beta)$,
/// dropout probability $\theta \sim \mathrm{Beta}(\gamma, \delta)$.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct BgBb {
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub delta: f64,
}

/// One unique `(x, t_x, n)` row and how many customers share it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgBbRow {
    pub x: u32,
    pub t_x: u32,
    pub n: u32,
    pub weight: f64,
}

/// Unique `(x, t_x, n)` rows with weights, sorted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BgBbData {
    rows: Vec<BgBbRow>,
    n: f64,
}

fn as_count(row: usize, name: &str, v: f64) -> Result<u32, ClvError> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) {
        Ok(v as u32)
    } else {
        Err(ClvError::InvalidInput {
            row,
            reason: format!("{name} must be a non-negative integer, got {v}"),
        })
    }
}

impl BgBbData {
    /// Compresses `(frequency, recency, periods, weight)` rows; rows of weight 0
    /// are dropped. Errors name the first invalid row: counts must be
    /// non-negative integers with `x <= t_x <= n`, `t_x = 0` when `x = 0`, and
    /// weights finite and non-negative.
    pub fn from_rows(
        rows: impl IntoIterator<Item = (f64, f64, f64, f64)>,
    ) -> Result<Self, ClvError> {
        let mut out: Vec<BgBbRow> = Vec::new();
        for (i, (x, t_x, n, weight)) in rows.into_iter().enumerate() {
            let x = as_count(i, "frequency", x)?;
            let t_x = as_count(i, "recency", t_x)?;
            let n = as_count(i, "periods", n)?;
            let fail = |reason: &str| {
                Err(ClvError::InvalidInput {
                    row: i,
                    reason: reason.to_string(),
                })
            };
            if !(weight.is_finite() && weight >= 0.0) {
                return fail("weight must be finite and >= 0");
            }
            if t_x > n {
                return fail("recency must be <= periods");
            }
            if x > t_x {
                return fail("frequency must be <= recency");
            }
            if x == 0 && t_x != 0 {
                return fail("recency must be 0 when frequency is 0");
            }
            if weight > 0.0 {
                out.push(BgBbRow { x, t_x, n, weight });
            }
        }
        out.sort_by_key(|r| (r.n, r.x, r.t_x));
        let mut rows: Vec<BgBbRow> = Vec::with_capacity(out.len());
        for r in out {
            match rows.last_mut() {
                Some(last) if (last.n, last.x, last.t_x) == (r.n, r.x, r.t_x) => {
                    last.weight += r.weight
                }
                _ => rows.push(r),
            }
        }
        let n = rows.iter().map(|r| r.weight).sum();
        Ok(Self { rows, n })
    }

    /// Compresses the columns of lifetimes' `BetaGeoBetaBinomFitter.fit`;
    /// `weights = None` gives each row weight 1.
    pub fn from_columns(
        frequency: &[f64],
        recency: &[f64],
        periods: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<Self, ClvError> {
        let len = frequency.len();
        if recency.len() != len || periods.len() != len || weights.is_some_and(|w| w.len() != len) {
            return Err(ClvError::InvalidInput {
                row: len.min(recency.len()).min(periods.len()),
                reason: "frequency, recency, periods and weights must have the same length"
                    .to_string(),
            });
        }
        Self::from_rows((0..len).map(|i| {
            (
                frequency[i],
                recency[i],
                periods[i],
                weights.map_or(1.0, |w| w[i]),
            )
        }))
    }

    /// The unique rows, sorted by `(n, x, t_x)`.
    pub fn rows(&self) -> &[BgBbRow] {
        &self.rows
    }

    /// Number of customers (sum of the weights).
    pub fn n(&self) -> f64 {
        self.n
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// A log-term with its gradient in `(alpha, beta, gamma, delta)`.
type Term = [f64; 5];

/// $\ln\frac{B(a + u, b + v)}{B(a, b)}$ and its derivatives in `a` and `b`.
fn ln_beta_ratio(a: f64, b: f64, u: f64, v: f64) -> [f64; 3] {
    let ab = digamma(a + b);
    [
        ln_beta(a + u, b + v) - ln_beta(a, b),
        digamma(a + u) - digamma(a + b + u + v) - digamma(a) + ab,
        digamma(b + v) - digamma(a + b + u + v) - digamma(b) + ab,
    ]
}

/// ln L of one row and its gradient in natural parameters.
fn row_ln_l(m: &BgBb, x: u32, t_x: u32, n: u32, want_grad: bool) -> Term {
    let BgBb {
        alpha,
        beta,
        gamma,
        delta,
    } = *m;
    let (xf, txf, nf) = (f64::from(x), f64::from(t_x), f64::from(n));
    // Alive through all n opportunities.
    let p_n = ln_beta_ratio(alpha, beta, xf, nf - xf);
    let q_n = ln_beta_ratio(gamma, delta, 0.0, nf);
    let alive: Term = [p_n[0] + q_n[0], p_n[1], p_n[2], q_n[1], q_n[2]];
    let count = n - t_x;
    if count == 0 {
        return if want_grad {
            alive
        } else {
            [alive[0], 0.0, 0.0, 0.0, 0.0]
        };
    }
    // Died right after opportunity t_x + i, i = 0..count.
    let mut p = ln_beta_ratio(alpha, beta, xf, txf - xf);
    let mut q = ln_beta_ratio(gamma, delta, 1.0, txf);
    let mut acc = LogSumExp::default();
    acc.add(&alive, want_grad);
    for i in 0..count {
        if i > 0 {
            // k = t_x + i - 1 -> k + 1.
            let k = txf + f64::from(i) - 1.0;
            let (pb, pab) = (beta + k - xf, alpha + beta + k);
            p[0] += (pb / pab).ln();
            p[1] -= 1.0 / pab;
            p[2] += 1.0 / pb - 1.0 / pab;
            let (qd, qgd) = (delta + k, gamma + 1.0 + delta + k);
            q[0] += (qd / qgd).ln();
            q[1] -= 1.0 / qgd;
            q[2] += 1.0 / qd - 1.0 / qgd;
        }
        acc.add(&[p[0] + q[0], p[1], p[2], q[1], q[2]], want_grad);
    }
    acc.finish()
}

/// Streaming $\ln\sum_i e^{v_i}$ with the $e^{v_i}$-weighted mean of the
/// gradients, rescaled whenever a larger $v_i$ arrives (no buffer, so any
/// number of opportunities fits in memory).
struct LogSumExp {
    max: f64,
    sum: f64,
    grad: [f64; 4],
}

impl Default for LogSumExp {
    fn default() -> Self {
        Self {
            max: f64::NEG_INFINITY,
            sum: 0.0,
            grad: [0.0; 4],
        }
    }
}

impl LogSumExp {
    fn add(&mut self, term: &Term, want_grad: bool) {
        if term[0] > self.max {
            let scale = (self.max - term[0]).exp();
            self.sum *= scale;
            self.grad.iter_mut().for_each(|g| *g *= scale);
            self.max = term[0];
        }
        let w = (term[0] - self.max).exp();
        self.sum += w;
        if want_grad {
            for k in 0..4 {
                self.grad[k] += w * term[k + 1];
            }
        }
    }

    fn finish(&self) -> Term {
        let inv = 1.0 / self.sum;
        [
            self.max + self.sum.ln(),
            self.grad[0] * inv,
            self.grad[1] * inv,
            self.grad[2] * inv,
            self.grad[3] * inv,
        ]
    }
}

fn valid(m: &BgBb) -> bool {
    [m.alpha, m.beta, m.gamma, m.delta]
        .iter()
        .all(|v| v.is_finite() && *v > 0.0)
}

/// Weighted log-likelihood and its gradient in `(alpha, beta, gamma, delta)`.
/// NaN outside the parameter space.
pub fn log_likelihood_grad(m: BgBb, data: &BgBbData) -> (f64, [f64; 4]) {
    if !valid(&m) {
        return (f64::NAN, [f64::NAN; 4]);
    }
    let mut value = 0.0;
    let mut grad = [0.0; 4];
    for r in data.rows() {
        let t = row_ln_l(&m, r.x, r.t_x, r.n, true);
        value += r.weight * t[0];
        for k in 0..4 {
            grad[k] += r.weight * t[k + 1];
        }
    }
    (value, grad)
}

/// The negative BG/BB log-likelihood in `theta = ln(alpha, beta, gamma, delta)`.
pub struct BgBbObjective<'a> {
    pub data: &'a BgBbData,
}

impl Objective for BgBbObjective<'_> {
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
        let m = BgBb {
            alpha: p[0],
            beta: p[1],
            gamma: p[2],
            delta: p[3],
        };
        let (ll, g) = log_likelihood_grad(m, self.data);
        for k in 0..4 {
            grad[k] = -g[k] * p[k];
        }
        -ll
    }
}

/// $\sum_{k=1}^{m} \frac{B(\gamma, d+k)}{B(\gamma, d)}$: expected number of the next
/// `m` opportunities at which a customer alive at opportunity `d - delta` is
/// still alive. Summed directly up to 10,000 terms, else by the closed form
/// $\frac{d}{\gamma-1}\left[1 - \frac{\Gamma(\gamma+d)\Gamma(1+d+m)}{\Gamma(1+d)\Gamma(\gamma+d+m)}\right]$
/// (FHS 2010), with its limit $d\\,[\psi(1+d+m) - \psi(1+d)]$ at $\gamma = 1$.
fn alive_opportunities(gamma: f64, d: f64, m: u32) -> f64 {
    if m <= 10_000 {
        let (mut term, mut sum) = (1.0, 0.0);
        for k in 1..=m {
            let kf = f64::from(k);
            term *= (d + kf - 1.0) / (gamma + d + kf - 1.0);
            sum += term;
        }
        return sum;
    }
    let mf = f64::from(m);
    if (gamma - 1.0).abs() < 1e-8 {
        return d * (digamma(1.0 + d + mf) - digamma(1.0 + d));
    }
    let ln_ratio =
        ln_gamma(gamma + d) + ln_gamma(1.0 + d + mf) - ln_gamma(1.0 + d) - ln_gamma(gamma + d + mf);
    -d / (gamma - 1.0) * ln_ratio.exp_m1()
}

impl BgBb {
    /// Fits by maximum likelihood with default options.
    pub fn fit(data: &BgBbData) -> Result<Fitted<BgBb>, ClvError> {
        Self::fit_with(data, MinimizeOptions::default())
    }

    /// Fits by maximum likelihood. Errors: [`ClvError::NotIdentifiable`] when
    /// there are no customers, no transactions, no opportunities or a Hessian
    /// that is not positive definite; [`ClvError::FitDidNotConverge`].
    pub fn fit_with(data: &BgBbData, options: MinimizeOptions) -> Result<Fitted<BgBb>, ClvError> {
        let not_identifiable = |reason: &str| {
            Err(ClvError::NotIdentifiable {
                model: MODEL,
                reason: reason.to_string(),
            })
        };
        if data.n() <= 0.0 {
            return not_identifiable("no customers");
        }
        if data.rows().iter().all(|r| r.x == 0) {
            return not_identifiable("no transactions");
        }
        if data.rows().iter().all(|r| r.x == r.n) {
            return not_identifiable("every customer transacted at every opportunity");
        }
        let objective = BgBbObjective { data };
        // lifetimes starts from all ones; then a start with a lower dropout rate.
        let starts = [vec![0.0; 4], vec![0.0, 0.0, 0.0, 1.0]];
        let result = fit_log_space(
            MODEL,
            &["alpha", "beta", "gamma", "delta"],
            &objective,
            &starts,
            data.n(),
            options,
        )?;
        let v = result.values();
        Ok(Fitted {
            model: BgBb {
                alpha: v[0],
                beta: v[1],
                gamma: v[2],
                delta: v[3],
            },
            result,
        })
    }

    /// Weighted log-likelihood of `data`.
    pub fn log_likelihood(&self, data: &BgBbData) -> f64 {
        log_likelihood_grad(*self, data).0
    }

    /// ln L of one customer; NaN for invalid parameters or `x > t_x > n`.
    pub fn log_likelihood_row(&self, x: u32, t_x: u32, n: u32) -> f64 {
        if !valid(self) || x > t_x || t_x > n || (x == 0 && t_x > 0) {
            return f64::NAN;
        }
        row_ln_l(self, x, t_x, n, false)[0]
    }

    /// Probability that a customer with history `(x, t_x, n)` is alive at
    /// opportunity `n + 1` (FHS 2010):
    ///
    /// $$P(\text{alive at } n+1) = \frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)}
    /// \frac{B(\gamma, \delta+n+1)}{B(\gamma,\delta)} \Big/ L(\alpha,\beta,\gamma,\delta \mid x, t_x, n).$$
    ///
    /// NaN for invalid input.
    pub fn probability_alive(&self, x: u32, t_x: u32, n: u32) -> f64 {
        let ln_l = self.log_likelihood_row(x, t_x, n);
        if !ln_l.is_finite() {
            return f64::NAN;
        }
        let BgBb {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let (xf, nf) = (f64::from(x), f64::from(n));
        let ln_alive = ln_beta(alpha + xf, beta + nf - xf) - ln_beta(alpha, beta)
            + ln_beta(gamma, delta + nf + 1.0)
            - ln_beta(gamma, delta);
        (ln_alive - ln_l).exp().clamp(0.0, 1.0)
    }

    /// Expected number of transactions in the next `n_future` opportunities of
    /// a customer with history `(x, t_x, n)` (FHS 2010):
    ///
    /// $$E[X(n, n+n^\*) \mid x, t_x, n] = \frac{1}{L}\\,\frac{B(\alpha+x+1, \beta+n-x)}{B(\alpha,\beta)}
    /// \sum_{k=1}^{n^\*} \frac{B(\gamma, \delta+n+k)}{B(\gamma,\delta)}.$$
    pub fn conditional_expected_purchases(&self, n_future: u32, x: u32, t_x: u32, n: u32) -> f64 {
        let ln_l = self.log_likelihood_row(x, t_x, n);
        if !ln_l.is_finite() {
            return f64::NAN;
        }
        let BgBb {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let (xf, nf) = (f64::from(x), f64::from(n));
        let ln_p = ln_beta(alpha + xf + 1.0, beta + nf - xf) - ln_beta(alpha, beta);
        let ln_alive_n = ln_beta(gamma, delta + nf) - ln_beta(gamma, delta);
        let future = alive_opportunities(gamma, delta + nf, n_future);
        (ln_p + ln_alive_n - ln_l).exp() * future
    }

    /// Expected number of transactions of a new customer in the first `n`
    /// opportunities (FHS 2010):
    ///
    /// $$E[X(n)] = \frac{\alpha}{\alpha+\beta}\\,\frac{\delta}{\gamma-1}
    /// \left[1 - \frac{\Gamma(\gamma+\delta)\\,\Gamma(1+\delta+n)}{\Gamma(\gamma+\delta+n)\\,\Gamma(1+\delta)}\right].$$
    pub fn expected_purchases(&self, n: u32) -> f64 {
        if !valid(self) {
            return f64::NAN;
        }
        self.alpha / (self.alpha + self.beta) * alive_opportunities(self.gamma, self.delta, n)
    }

    /// Sum over the customers of `data` of the expected transactions in their
    /// next `n_future` opportunities.
    pub fn expected_total(&self, n_future: u32, data: &BgBbData) -> f64 {
        data.rows()
            .iter()
            .map(|r| r.weight * self.conditional_expected_purchases(n_future, r.x, r.t_x, r.n))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The likelihood summed term by term from log-beta values.
    fn direct(m: &BgBb, x: u32, t_x: u32, n: u32) -> f64 {
        let (x, t_x, n) = (f64::from(x), f64::from(t_x), f64::from(n));
        let base = ln_beta(m.alpha, m.beta) + ln_beta(m.gamma, m.delta);
        let mut l =
            (ln_beta(m.alpha + x, m.beta + n - x) + ln_beta(m.gamma, m.delta + n) - base).exp();
        let mut i = 0.0;
        while i <= n - t_x - 1.0 {
            l += (ln_beta(m.alpha + x, m.beta + t_x - x + i)
                + ln_beta(m.gamma + 1.0, m.delta + t_x + i)
                - base)
                .exp();
            i += 1.0;
        }
        l.ln()
    }

    #[test]
    fn recurrence_matches_direct_sum() {
        let m = BgBb {
            alpha: 1.2,
            beta: 0.75,
            gamma: 0.66,
            delta: 2.78,
        };
        for &(x, t_x, n) in &[
            (0, 0, 6),
            (1, 1, 6),
            (3, 5, 6),
            (6, 6, 6),
            (2, 3, 40),
            (0, 0, 0),
        ] {
            let ours = m.log_likelihood_row(x, t_x, n);
            let reference = direct(&m, x, t_x, n);
            assert!(
                (ours - reference).abs() < 1e-12,
                "{x} {t_x} {n}: {ours} {reference}"
            );
        }
    }

    #[test]
    fn alive_opportunities_closed_form_and_sum_agree() {
        for &gamma in &[0.66, 1.0, 1.0 + 1e-9, 2.5] {
            let d = 3.0;
            let summed = alive_opportunities(gamma, d, 10_000);
            // Closed form at m = 10_001 minus the last term.
            let closed = alive_opportunities(gamma, d, 10_001);
            let last = (ln_beta(gamma, d + 10_001.0) - ln_beta(gamma, d)).exp();
            assert!(
                (closed - last - summed).abs() < 1e-8 * summed,
                "{gamma}: {summed} {closed}"
            );
        }
    }
}
