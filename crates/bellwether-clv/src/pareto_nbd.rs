//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987, *Management Science*
//! 33(1):1–24), fitted by maximum likelihood on compressed `(x, t_x, T)` rows.
//!
//! While alive a customer buys at Poisson rate $\lambda \sim \Gamma(r, \alpha)$ and
//! dies after an exponential lifetime of rate $\mu \sim \Gamma(s, \beta)$. The
//! likelihood of a customer with `x` repeat purchases, the last at `t_x`,
//! observed for `T`, is (Fader & Hardie 2005, "A Note on Deriving the
//! Pareto/NBD Model and Related Expressions"):
//!
//! $$L(r, \alpha, s, \beta \mid x, t_x, T) = \frac{\Gamma(r+x)\\,\alpha^r\beta^s}{\Gamma(r)}
//! \left\\{ \frac{1}{(\alpha+T)^{r+x}(\beta+T)^s} + \frac{s}{r+s+x} A_0 \right\\},$$
//!
//! where, for $\alpha \ge \beta$,
//! $A_0 = \frac{{}\_2F_1(r+s+x,\\, s+1;\\, r+s+x+1;\\, \frac{\alpha-\beta}{\alpha+t_x})}{(\alpha+t_x)^{r+s+x}}
//!      - \frac{{}\_2F_1(r+s+x,\\, s+1;\\, r+s+x+1;\\, \frac{\alpha-\beta}{\alpha+T})}{(\alpha+T)^{r+s+x}}$,
//! and for $\alpha < \beta$ the same with $\alpha \leftrightarrow \beta$ and $s+1$ replaced by $r+x$.
//!
//! # Numerically stable form
//!
//! The second term is the integral over the death time $\tau \in (t_x, T]$,
//! $\frac{s}{r+s+x}A_0 = s\\,[J(t_x) - J(T)]$ with
//! $J(t) = \int_t^\infty (\alpha+\tau)^{-(r+x)} (\beta+\tau)^{-(s+1)}\\,d\tau$.
//! Euler's transformation ${}\_2F_1(a,b;c;z) = (1-z)^{c-a-b}{}\_2F_1(c-a,c-b;c;z)$
//! (Abramowitz & Stegun 15.3.3) turns the hypergeometric factor into one with
//! first parameter 1 and an argument in $[0, 1)$:
//!
//! $$J(t) = \begin{cases}
//! \dfrac{(\alpha+t)^{-(r+x)}(\beta+t)^{-s}}{r+s+x}\\; H\\!\left(r+x,\\; r+s+x+1;\\; \dfrac{\alpha-\beta}{\alpha+t}\right) & \alpha \ge \beta,\\\\
//! \dfrac{(\alpha+t)^{-(r+x-1)}(\beta+t)^{-(s+1)}}{r+s+x}\\; H\\!\left(s+1,\\; r+s+x+1;\\; \dfrac{\beta-\alpha}{\beta+t}\right) & \alpha < \beta,
//! \end{cases}$$
//!
//! with $H(b, c, z) = {}\_2F_1(1, b; c; z) = \sum_n \frac{(b)\_n}{(c)\_n} z^n$, whose terms
//! are positive and bounded by $z^n$ whatever `x`. $H$ and its partial
//! derivatives come from [`crate::hyp2f1::ln_hyp2f1_one`] (Gauss's continued
//! fraction, forward-mode derivatives), entirely in log space, so nothing
//! overflows for large `x` or `T`, and the difference $J(t_x) - J(T) \ge 0$ is
//! taken as $J(t_x)\\,(1 - e^{\ln J(T) - \ln J(t_x)})$ with `expm1`.
//!
//! When $z > 0.9999$ (one of $\alpha + t$, $\beta + t$ below 1/10,000 of the other,
//! which only happens far from any plausible optimum but can be visited by a
//! line search) the continued fraction slows down like $1/\sqrt{1-z}$ and loses
//! accuracy below $1 - z \approx 10^{-8}$; there $J(t)$ is integrated instead, by
//! composite Gauss–Legendre quadrature in $\ln(\min(\alpha,\beta)+\tau)$ up to
//! the point where $z = 1/2$, plus the closed form beyond (see `ln_j_quadrature`).
//!
//! # Gradient and speed
//!
//! The gradient is analytic: $\partial \ln J$ follows from the chain rule through
//! the exponents, the argument $z$ and the parameters $b, c$ of $H$; the
//! gradient of $\ln\Gamma(r+x)$ is $\psi(r+x)$. The optimiser works in
//! $\theta = \ln(r, \alpha, s, \beta)$.
//!
//! $J(t)$ depends on the row only through the pair $(x, t)$, so it is computed
//! once per unique $(x, t_x)$ and $(x, T)$ pair (far fewer than unique rows with
//! whole-day times); each row then costs three exponentials and a logarithm.
//! Large data sets split the per-pair and per-row loops over threads.

use rayon::prelude::*;
use serde::Serialize;

use crate::bgnbd::coarse_levels;
use crate::data::CompressedSummary;
use crate::error::ClvError;
use crate::hyp2f1::ln_hyp2f1_one;
use crate::optim::{
    fit_log_space, fit_log_space_coarse_to_fine, Fitted, MinimizeOptions, Objective,
};
use crate::special::{digamma, ln_gamma};

const MODEL: &str = "pareto_nbd";

/// Pareto/NBD parameters: purchase rate $\lambda \sim \Gamma(r, \alpha)$, death rate
/// $\mu \sim \Gamma(s, \beta)$ (shape, rate).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct ParetoNbd {
    pub r: f64,
    pub alpha: f64,
    pub s: f64,
    pub beta: f64,
}

/// Value and gradient in natural parameters `(r, alpha, s, beta)`.
type ValueGrad = [f64; 5];

/// $\ln J(t)$ and its gradient in `(r, alpha, s, beta)` (see the module docs).
fn ln_j(p: &ParetoNbd, x: f64, t: f64) -> ValueGrad {
    let (small, big) = (p.alpha.min(p.beta), p.alpha.max(p.beta));
    if (big - small) / (big + t) > QUADRATURE_MIN_Z {
        ln_j_quadrature(p, x, t)
    } else {
        ln_j_hypergeometric(p, x, t)
    }
}

/// $\ln J(t)$ by the hypergeometric closed form (module docs).
fn ln_j_hypergeometric(p: &ParetoNbd, x: f64, t: f64) -> ValueGrad {
    let ParetoNbd { r, alpha, s, beta } = *p;
    let a = r + s + x;
    let inv_a = 1.0 / a;
    let at = alpha + t;
    let bt = beta + t;
    let (ln_at, ln_bt) = (at.ln(), bt.ln());
    if alpha >= beta {
        let z = (alpha - beta) / at;
        let h = ln_hyp2f1_one(r + x, a + 1.0, z);
        [
            -(r + x) * ln_at - s * ln_bt + h.ln_value - a.ln(),
            -ln_at + h.d_b + h.d_c - inv_a,
            -(r + x) / at + h.d_z * bt / (at * at),
            -ln_bt + h.d_c - inv_a,
            -s / bt - h.d_z / at,
        ]
    } else {
        let z = (beta - alpha) / bt;
        let h = ln_hyp2f1_one(s + 1.0, a + 1.0, z);
        [
            -(r + x - 1.0) * ln_at - (s + 1.0) * ln_bt + h.ln_value - a.ln(),
            -ln_at + h.d_c - inv_a,
            -(r + x - 1.0) / at - h.d_z / bt,
            -ln_bt + h.d_b + h.d_c - inv_a,
            -(s + 1.0) / bt + h.d_z * at / (bt * bt),
        ]
    }
}

/// Above this hypergeometric argument $z$, i.e. when $\min(\alpha,\beta) + t$ is
/// below 1/10,000 of $\max(\alpha,\beta) + t$, [`ln_j`] integrates numerically:
/// the continued fraction needs $O(1/\sqrt{1-z})$ terms there, and loses
/// accuracy once $1 - z$ is below about 1e-8.
const QUADRATURE_MIN_Z: f64 = 0.9999;

/// Nodes and weights of 8-point Gauss–Legendre quadrature on [-1, 1]
/// (Newton's method on $P_8$, as in Numerical Recipes' `gauleg`). On panels
/// where the log-integrand moves by at most about 1.5, its error is far below
/// 1e-15.
fn gauss_legendre_8() -> &'static [(f64, f64); 8] {
    static NODES: std::sync::OnceLock<[(f64, f64); 8]> = std::sync::OnceLock::new();
    NODES.get_or_init(|| {
        const N: usize = 8;
        let mut out = [(0.0, 0.0); N];
        for i in 0..N / 2 {
            let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (N as f64 + 0.5)).cos();
            let mut derivative = 1.0;
            for _ in 0..100 {
                let (mut p1, mut p2) = (1.0, 0.0);
                for j in 0..N {
                    let p3 = p2;
                    p2 = p1;
                    p1 = ((2 * j + 1) as f64 * z * p2 - j as f64 * p3) / (j + 1) as f64;
                }
                derivative = N as f64 * (z * p1 - p2) / (z * z - 1.0);
                let step = p1 / derivative;
                z -= step;
                if step.abs() < 1e-16 {
                    break;
                }
            }
            let weight = 2.0 / ((1.0 - z * z) * derivative * derivative);
            out[i] = (-z, weight);
            out[N - 1 - i] = (z, weight);
        }
        out
    })
}

/// $\ln J(t)$ and its gradient by quadrature, for $\min(\alpha,\beta) + t \ll
/// \max(\alpha,\beta) + t$.
///
/// With $A = \min(\alpha,\beta) + t$, $B = \max(\alpha,\beta) + t$ and exponents
/// $p_A, p_B$ (the $r+x$ and $s+1$ of the factors $(\alpha+\tau)$, $(\beta+\tau)$
/// whose constant is $A$, resp. $B$), split at $t' = t + B - 2A$, where the
/// hypergeometric argument is 1/2:
/// $J(t) = \int_t^{t'} f(\tau)\\,d\tau + J(t')$. The first part, in
/// $v = \ln\frac{\min(\alpha,\beta)+\tau}{A} \in [0, \ln\frac{B-A}{A}]$, has the
/// concave log-integrand $g(v) = (1-p_A)(\ln A + v) - p_B\ln(B - A + Ae^v)$;
/// composite 8-point Gauss–Legendre panels of width at most
/// $\min(1, 1.5/|g'|)$ integrate it, stopping once the rest is below
/// $e^{-40}$ of the peak. Derivatives are the integrals of
/// $f\\,\partial\ln f$ ($-\ln(\alpha+\tau)$, $-\ln(\beta+\tau)$, $-\frac{r+x}{\alpha+\tau}$,
/// $-\frac{s+1}{\beta+\tau}$) on the same nodes; $J(t')$ comes from
/// [`ln_j_hypergeometric`].
fn ln_j_quadrature(p: &ParetoNbd, x: f64, t: f64) -> ValueGrad {
    let ParetoNbd { r, alpha, s, beta } = *p;
    let (p_alpha, p_beta) = (r + x, s + 1.0);
    let alpha_small = alpha <= beta;
    let (small, big) = if alpha_small {
        (alpha, beta)
    } else {
        (beta, alpha)
    };
    let (p_small, p_big) = if alpha_small {
        (p_alpha, p_beta)
    } else {
        (p_beta, p_alpha)
    };
    let (a_scale, b_scale) = (small + t, big + t);
    let ln_a = a_scale.ln();
    let gap = b_scale - a_scale;
    let end = (gap / a_scale).ln();
    let g = |v: f64| (1.0 - p_small) * (ln_a + v) - p_big * (gap + a_scale * v.exp()).ln();
    let slope = |v: f64| {
        let e = a_scale * v.exp();
        (1.0 - p_small) - p_big * e / (gap + e)
    };
    // Peak of the concave g on [0, end].
    let peak_v = if slope(0.0) <= 0.0 {
        0.0
    } else {
        let w = (1.0 - p_small) / p_big;
        if w >= 1.0 {
            end
        } else {
            (w * gap / ((1.0 - w) * a_scale)).ln().clamp(0.0, end)
        }
    };
    let g_max = g(peak_v);
    let nodes = gauss_legendre_8();
    let mut sums = [0.0_f64; 5];
    let mut v = 0.0;
    let mut truncated = false;
    let mut panels = 0;
    while v < end && panels < 100_000 {
        panels += 1;
        let mut h = (1.0 / (slope(v).abs() + 1e-3)).min(1.0).min(end - v);
        while h > 1e-6 && (slope(v + h) - slope(v)).abs() * h > 1.5 {
            h *= 0.5;
        }
        let h = h.max(1e-6).min(end - v);
        for &(node, weight) in nodes {
            let u = v + 0.5 * h * (1.0 + node);
            let e = a_scale * u.exp();
            let ln_small_tau = ln_a + u;
            let ln_big_tau = (gap + e).ln();
            let w = 0.5
                * h
                * weight
                * ((1.0 - p_small) * ln_small_tau - p_big * ln_big_tau - g_max).exp();
            let (ln_alpha_tau, ln_beta_tau, alpha_tau, beta_tau) = if alpha_small {
                (ln_small_tau, ln_big_tau, e, gap + e)
            } else {
                (ln_big_tau, ln_small_tau, gap + e, e)
            };
            sums[0] += w;
            sums[1] -= w * ln_alpha_tau;
            sums[2] -= w * p_alpha / alpha_tau;
            sums[3] -= w * ln_beta_tau;
            sums[4] -= w * p_beta / beta_tau;
        }
        v += h;
        let sl = slope(v);
        // Concave g: the rest is at most e^{g(v)} / |g'(v)|.
        if sl < 0.0 && g(v) - (-sl).ln() < g_max - 40.0 + sums[0].ln() {
            truncated = true;
            break;
        }
    }
    if !truncated {
        let tail = ln_j_hypergeometric(p, x, t + b_scale - 2.0 * a_scale);
        let w = (tail[0] - g_max).exp();
        sums[0] += w;
        for k in 1..5 {
            sums[k] += w * tail[k];
        }
    }
    let inv = 1.0 / sums[0];
    [
        g_max + sums[0].ln(),
        sums[1] * inv,
        sums[2] * inv,
        sums[3] * inv,
        sums[4] * inv,
    ]
}

/// $\ln[(\alpha+T)^{-(r+x)}(\beta+T)^{-s}]$, the "alive at T" term, with its gradient.
fn ln_alive_term(p: &ParetoNbd, x: f64, t: f64) -> ValueGrad {
    let at = p.alpha + t;
    let bt = p.beta + t;
    let (ln_at, ln_bt) = (at.ln(), bt.ln());
    [
        -(p.r + x) * ln_at - p.s * ln_bt,
        -ln_at,
        -(p.r + x) / at,
        -ln_bt,
        -p.s / bt,
    ]
}

/// The pieces of one row's log-likelihood.
struct RowTerms {
    /// $\ln L$ and its gradient.
    ln_l: ValueGrad,
    /// $\ln P(\text{alive at } T)$ = ln of the alive term's share of the bracket.
    ln_p_alive: f64,
}

/// What a row needs from one `(x, t)` pair: $\ln[s J(t)]$ and the alive term
/// $\ln[(\alpha+t)^{-(r+x)}(\beta+t)^{-s}]$ (meaningful when `t` is a `T`),
/// with gradients, and $u = s J(t) / (\alpha+t)^{-(r+x)}(\beta+t)^{-s}$.
#[derive(Clone, Copy)]
struct PairTerms {
    s_j: ValueGrad,
    alive: ValueGrad,
    ratio: f64,
}

fn pair_terms(p: &ParetoNbd, x: f64, t: f64) -> PairTerms {
    let mut s_j = ln_j(p, x, t);
    s_j[0] += p.s.ln();
    s_j[3] += 1.0 / p.s;
    let alive = ln_alive_term(p, x, t);
    PairTerms {
        s_j,
        alive,
        ratio: (s_j[0] - alive[0]).exp(),
    }
}

/// Above this ratio $u$ the fast form of [`combine`] would lose more than about
/// 1e-13 to cancellation.
const FAST_RATIO_MAX: f64 = 1e3;

/// Combines the prefactor (ln Γ(r+x) - ln Γ(r) + r ln α + s ln β, with
/// gradient) with the pair terms at `t_x` and at `T`:
/// $\ln L = \text{prefactor} + \ln\\{E_1 + s[J(t_x) - J(T)]\\}$, $E_1$ the alive term.
///
/// Fast form, dividing by $E_1$: $\ln L = \text{prefactor} + \ln E_1 + \ln(1 + v - u)$
/// with $v = s J(t_x)/E_1$ (one exponential per row) and the pair's $u = s J(T)/E_1$;
/// exact zero when $t_x = T$ (same pair, so $v = u$). When $v$ could overflow or $u$
/// is large, the difference is taken as $e^b(1 - e^{c-b})$ with `expm1` instead.
fn combine(
    prefactor: &ValueGrad,
    at_tx: &PairTerms,
    at_t: &PairTerms,
    want_grad: bool,
) -> RowTerms {
    let alive = &at_t.alive;
    let (j_tx, j_t) = (&at_tx.s_j, &at_t.s_j);
    let a = alive[0];
    let b = j_tx[0];
    let (w_a, w_b, w_c, bracket, ln_bracket, ln_p_alive);
    if b - a < 600.0 && at_t.ratio <= FAST_RATIO_MAX {
        let v = (b - a).exp();
        let excess = v - at_t.ratio;
        let ln_1p = excess.ln_1p();
        (w_a, w_b, w_c) = (1.0, v, at_t.ratio);
        bracket = 1.0 + excess;
        ln_bracket = a + ln_1p;
        ln_p_alive = -ln_1p;
    } else {
        let c = j_t[0];
        let m = a.max(b);
        w_a = (a - m).exp();
        w_b = (b - m).exp();
        // e^b - e^c = e^b (1 - e^{c - b}).
        let w_diff = -w_b * (c - b).exp_m1();
        w_c = w_b - w_diff;
        bracket = w_a + w_diff;
        ln_bracket = m + bracket.ln();
        ln_p_alive = (a - m) - bracket.ln();
    }
    let mut ln_l = [0.0; 5];
    ln_l[0] = prefactor[0] + ln_bracket;
    if want_grad {
        let inv = 1.0 / bracket;
        for k in 1..5 {
            let d = w_a * alive[k] + w_b * j_tx[k] - w_c * j_t[k];
            ln_l[k] = prefactor[k] + d * inv;
        }
    }
    RowTerms { ln_l, ln_p_alive }
}

/// Prefactor $\ln\Gamma(r+x) - \ln\Gamma(r) + r\ln\alpha + s\ln\beta$ and gradient,
/// given $\ln\Gamma(r+x) - \ln\Gamma(r)$ and $\psi(r+x) - \psi(r)$.
fn prefactor(p: &ParetoNbd, ln_gamma_ratio: f64, digamma_diff: f64) -> ValueGrad {
    let (ln_alpha, ln_beta) = (p.alpha.ln(), p.beta.ln());
    [
        ln_gamma_ratio + p.r * ln_alpha + p.s * ln_beta,
        digamma_diff + ln_alpha,
        p.r / p.alpha,
        ln_beta,
        p.s / p.beta,
    ]
}

fn ln_gamma_ratio(r: f64, x: f64) -> (f64, f64) {
    if x == 0.0 {
        return (0.0, 0.0);
    }
    (ln_gamma(r + x) - ln_gamma(r), digamma(r + x) - digamma(r))
}

/// One row, without caching: `(ln L, ln P(alive))` and the gradient of `ln L`.
fn row_terms(p: &ParetoNbd, x: f64, t_x: f64, t: f64, want_grad: bool) -> RowTerms {
    let (lg, dg) = ln_gamma_ratio(p.r, x);
    let pre = prefactor(p, lg, dg);
    let at_tx = pair_terms(p, x, t_x);
    let at_t = if t_x == t { at_tx } else { pair_terms(p, x, t) };
    combine(&pre, &at_tx, &at_t, want_grad)
}

fn params_valid(p: &ParetoNbd) -> bool {
    [p.r, p.alpha, p.s, p.beta]
        .iter()
        .all(|v| v.is_finite() && *v > 0.0)
}

fn row_valid(x: f64, t_x: f64, t: f64) -> bool {
    x.is_finite() && t.is_finite() && x >= 0.0 && t_x >= 0.0 && t_x <= t
}

impl ParetoNbd {
    /// ln L of one customer (see the module docs); NaN for invalid parameters
    /// or rows.
    pub fn log_likelihood_row(&self, x: f64, t_x: f64, t: f64) -> f64 {
        if !params_valid(self) || !row_valid(x, t_x, t) {
            return f64::NAN;
        }
        row_terms(self, x, t_x, t, false).ln_l[0]
    }

    /// Weighted log-likelihood of the data.
    pub fn log_likelihood(&self, data: &CompressedSummary) -> f64 {
        log_likelihood_grad(*self, data).0
    }

    /// Probability that a customer with history `(x, t_x, T)` is still alive at `T`:
    ///
    /// $$P(\text{alive}) = \frac{(\alpha+T)^{-(r+x)}(\beta+T)^{-s}}
    /// {(\alpha+T)^{-(r+x)}(\beta+T)^{-s} + s\\,[J(t_x) - J(T)]}$$
    ///
    /// (Fader & Hardie 2005). NaN for invalid input.
    pub fn probability_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        if !params_valid(self) || !row_valid(x, t_x, t) {
            return f64::NAN;
        }
        row_terms(self, x, t_x, t, false)
            .ln_p_alive
            .exp()
            .clamp(0.0, 1.0)
    }

    /// Expected number of purchases in $(T, T + t]$ of a customer with history
    /// `(x, t_x, T)` (Fader & Hardie 2005):
    ///
    /// $$E[X(T, T+t) \mid x, t_x, T] = \frac{(r+x)(\beta+T)}{(\alpha+T)(s-1)}
    /// \left[1 - \left(\frac{\beta+T}{\beta+T+t}\right)^{s-1}\right] P(\text{alive}),$$
    ///
    /// with the limit $\frac{(r+x)(\beta+T)}{\alpha+T}\ln\frac{\beta+T+t}{\beta+T}\\,P(\text{alive})$ at $s = 1$.
    pub fn conditional_expected_purchases(&self, t_future: f64, x: f64, t_x: f64, t: f64) -> f64 {
        if !(t_future >= 0.0 && t_future.is_finite()) {
            return f64::NAN;
        }
        let p_alive = self.probability_alive(x, t_x, t);
        let bt = self.beta + t;
        (self.r + x) / (self.alpha + t) * bt * survival_integral(self.s, bt, t_future) * p_alive
    }

    /// Expected number of purchases in $(0, t]$ of a new customer
    /// (Schmittlein, Morrison & Colombo 1987):
    ///
    /// $$E[X(t)] = \frac{r\beta}{\alpha(s-1)}\left[1 - \left(\frac{\beta}{\beta+t}\right)^{s-1}\right].$$
    pub fn expected_purchases(&self, t: f64) -> f64 {
        let t_valid = t >= 0.0 && t.is_finite();
        if !params_valid(self) || !t_valid {
            return f64::NAN;
        }
        self.r / self.alpha * self.beta * survival_integral(self.s, self.beta, t)
    }

    /// Expected total purchases of all customers of `data` in the `t_future`
    /// after their calibration period (the sum of
    /// [`Self::conditional_expected_purchases`] weighted by the row weights).
    pub fn expected_total(&self, t_future: f64, data: &CompressedSummary) -> f64 {
        data.rows()
            .map(|row| {
                row.weight * self.conditional_expected_purchases(t_future, row.x, row.t_x, row.t)
            })
            .sum()
    }
}

/// $\frac{1}{s-1}\left[1 - \left(\frac{b}{b+t}\right)^{s-1}\right]$, i.e.
/// $\int_0^t \frac{1}{b}\left(\frac{b}{b+u}\right)^{s}du$, stable at $s = 1$.
fn survival_integral(s: f64, b: f64, t: f64) -> f64 {
    let ln_ratio = -(t / b).ln_1p();
    let e = s - 1.0;
    if e.abs() < 1e-12 {
        -ln_ratio
    } else {
        -(e * ln_ratio).exp_m1() / e
    }
}

/// Unique `x` values, unique `(x, t)` pairs and, for each row, where its pieces
/// live: the work that depends on the data alone, done once per fit.
struct Prepared {
    xs: Vec<f64>,
    /// `(index into xs, t)` for every unique pair with t a `t_x` or a `T`.
    pairs: Vec<(u32, f64)>,
    rows: Vec<PreparedRow>,
}

#[derive(Clone, Copy)]
struct PreparedRow {
    ix: u32,
    j_tx: u32,
    j_t: u32,
    weight: f64,
}

/// Rows above which the per-row and per-pair loops are split over threads.
const PARALLEL_THRESHOLD: usize = 20_000;

impl Prepared {
    fn new(data: &CompressedSummary) -> Self {
        let (xs_in, tx_in, t_in, w_in) = (data.x(), data.t_x(), data.t(), data.weights());
        let mut xs = Vec::new();
        let mut pairs = Vec::new();
        let mut rows = Vec::with_capacity(xs_in.len());
        // Rows are sorted by x, so each x is one contiguous group.
        let mut start = 0;
        let mut times: Vec<f64> = Vec::new();
        while start < xs_in.len() {
            let x = xs_in[start];
            let mut end = start;
            while end < xs_in.len() && xs_in[end].to_bits() == x.to_bits() {
                end += 1;
            }
            times.clear();
            times.extend_from_slice(&tx_in[start..end]);
            times.extend_from_slice(&t_in[start..end]);
            times.sort_by(f64::total_cmp);
            times.dedup();
            let ix = xs.len() as u32;
            xs.push(x);
            let base = pairs.len();
            pairs.extend(times.iter().map(|&t| (ix, t)));
            let find = |t: f64| {
                let k = times.partition_point(|&u| u.total_cmp(&t).is_lt());
                (base + k) as u32
            };
            for i in start..end {
                rows.push(PreparedRow {
                    ix,
                    j_tx: find(tx_in[i]),
                    j_t: find(t_in[i]),
                    weight: w_in[i],
                });
            }
            start = end;
        }
        Self { xs, pairs, rows }
    }

    /// Weighted log-likelihood and (if `want_grad`) its natural-parameter gradient.
    fn evaluate(&self, p: &ParetoNbd, want_grad: bool, threads: usize) -> ValueGrad {
        let gammas: Vec<(f64, f64)> = self.xs.iter().map(|&x| ln_gamma_ratio(p.r, x)).collect();
        let prefactors: Vec<ValueGrad> = gammas
            .iter()
            .map(|&(lg, dg)| prefactor(p, lg, dg))
            .collect();
        let threads = if self.rows.len() < PARALLEL_THRESHOLD {
            1
        } else if threads == 0 {
            rayon::current_num_threads().min(8)
        } else {
            threads
        };
        // Fixed chunks, one per thread, summed in order: the sum does not depend on scheduling.
        let pair_chunk = self.pairs.len().div_ceil(threads).max(1);
        let pairs: Vec<PairTerms> = self
            .pairs
            .par_iter()
            .with_min_len(pair_chunk)
            .map(|&(ix, t)| pair_terms(p, self.xs[ix as usize], t))
            .collect();
        let row_chunk = self.rows.len().div_ceil(threads).max(1);
        let partials: Vec<[f64; 5]> = self
            .rows
            .par_chunks(row_chunk)
            .map(|chunk| {
                let mut acc = [0.0; 5];
                for row in chunk {
                    let terms = combine(
                        &prefactors[row.ix as usize],
                        &pairs[row.j_tx as usize],
                        &pairs[row.j_t as usize],
                        want_grad,
                    );
                    for k in 0..5 {
                        acc[k] += row.weight * terms.ln_l[k];
                    }
                }
                acc
            })
            .collect();
        let mut total = [0.0; 5];
        for part in partials {
            for k in 0..5 {
                total[k] += part[k];
            }
        }
        total
    }
}

/// The negative log-likelihood in $\theta = \ln(r, \alpha, s, \beta)$.
struct NegLogLikelihood<'a> {
    prepared: &'a Prepared,
    threads: usize,
}

impl Objective for NegLogLikelihood<'_> {
    fn dim(&self) -> usize {
        4
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let p = ParetoNbd {
            r: theta[0].exp(),
            alpha: theta[1].exp(),
            s: theta[2].exp(),
            beta: theta[3].exp(),
        };
        if !params_valid(&p) {
            grad.iter_mut().for_each(|g| *g = f64::NAN);
            return f64::NAN;
        }
        let v = self.prepared.evaluate(&p, true, self.threads);
        let natural = [p.r, p.alpha, p.s, p.beta];
        for k in 0..4 {
            grad[k] = -v[k + 1] * natural[k];
        }
        -v[0]
    }
}

/// Weighted log-likelihood and its analytic gradient with respect to
/// `(r, alpha, s, beta)`; NaN outside the parameter space.
pub fn log_likelihood_grad(m: ParetoNbd, data: &CompressedSummary) -> (f64, [f64; 4]) {
    if !params_valid(&m) {
        return (f64::NAN, [f64::NAN; 4]);
    }
    let v = Prepared::new(data).evaluate(&m, true, 0);
    (v[0], [v[1], v[2], v[3], v[4]])
}

impl ParetoNbd {
    /// Fits by maximum likelihood with default options (see the module docs).
    pub fn fit(data: &CompressedSummary) -> Result<Fitted<ParetoNbd>, ClvError> {
        Self::fit_with(data, MinimizeOptions::default())
    }

    /// Fits by maximum likelihood, using all available threads (at most 8) on
    /// data sets above 20,000 unique rows. Errors: [`ClvError::NotIdentifiable`]
    /// when there are no customers, no repeat purchases or a Hessian that is
    /// not positive definite; [`ClvError::FitDidNotConverge`].
    pub fn fit_with(
        data: &CompressedSummary,
        options: MinimizeOptions,
    ) -> Result<Fitted<ParetoNbd>, ClvError> {
        Self::fit_with_threads(data, options, 0)
    }

    /// [`Self::fit_with`] on at most `threads` threads (0: all available).
    pub fn fit_with_threads(
        data: &CompressedSummary,
        options: MinimizeOptions,
        threads: usize,
    ) -> Result<Fitted<ParetoNbd>, ClvError> {
        if data.n() <= 0.0 {
            return Err(ClvError::NotIdentifiable {
                model: MODEL,
                reason: "no customers".to_string(),
            });
        }
        let total_x = data.total_frequency();
        if total_x <= 0.0 {
            return Err(ClvError::NotIdentifiable {
                model: MODEL,
                reason: "no repeat purchases".to_string(),
            });
        }
        let mean_t = data.mean_t().max(1e-6);
        let mean_x = total_x / data.n();
        // Moment-style start: purchase rate r / alpha = mean x / mean T with r = 1,
        // death rate s / beta = 1 / mean T with s = 1; then lifetimes' all ones.
        let start = vec![0.0, (mean_t / mean_x).ln(), 0.0, mean_t.ln()];
        let starts = [
            start.clone(),
            vec![start[0] - 1.0, start[1] - 1.0, start[2], start[3]],
            vec![0.0; 4],
        ];
        let prepared = Prepared::new(data);
        let objective = NegLogLikelihood {
            prepared: &prepared,
            threads,
        };
        let names = ["r", "alpha", "s", "beta"];
        // Large data: fit on coarsened copies first (see `coarse_levels`), so the costly
        // full-data likelihood is evaluated only a few times.
        let coarse_prepared: Vec<Prepared> =
            coarse_levels(data).iter().map(Prepared::new).collect();
        let coarse_objectives: Vec<NegLogLikelihood> = coarse_prepared
            .iter()
            .map(|prepared| NegLogLikelihood { prepared, threads })
            .collect();
        let coarse: Vec<&dyn Objective> = coarse_objectives
            .iter()
            .map(|o| o as &dyn Objective)
            .collect();
        let result = if coarse.is_empty() {
            fit_log_space(MODEL, &names, &objective, &starts, data.n(), options)?
        } else {
            fit_log_space_coarse_to_fine(
                MODEL,
                &names,
                &objective,
                &coarse,
                &starts,
                data.n(),
                options,
            )?
        };
        let v = result.values();
        Ok(Fitted {
            model: ParetoNbd {
                r: v[0],
                alpha: v[1],
                s: v[2],
                beta: v[3],
            },
            result,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::ln_hyp2f1;

    /// ln L by the textbook formula (Fader & Hardie 2005) with the
    /// general hypergeometric series of `special.rs`, for moderate inputs.
    fn textbook_ln_l(p: &ParetoNbd, x: f64, t_x: f64, t: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *p;
        let a = r + s + x;
        let (big, b2, z_of): (f64, f64, Box<dyn Fn(f64) -> f64>) = if alpha >= beta {
            (
                alpha,
                s + 1.0,
                Box::new(move |u| (alpha - beta) / (alpha + u)),
            )
        } else {
            (beta, r + x, Box::new(move |u| (beta - alpha) / (beta + u)))
        };
        let f = |u: f64| ln_hyp2f1(a, b2, a + 1.0, z_of(u)).0 - a * (big + u).ln();
        let a0 = f(t_x).exp() - f(t).exp();
        let first = (-(r + x) * (alpha + t).ln() - s * (beta + t).ln()).exp();
        ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln() + (first + s / a * a0).ln()
    }

    #[test]
    fn matches_the_textbook_formula() {
        for p in [
            ParetoNbd {
                r: 0.55,
                alpha: 10.58,
                s: 0.61,
                beta: 11.67,
            },
            ParetoNbd {
                r: 2.0,
                alpha: 3.0,
                s: 1.5,
                beta: 0.5,
            },
            ParetoNbd {
                r: 0.3,
                alpha: 1.0,
                s: 0.2,
                beta: 40.0,
            },
        ] {
            for &(x, t_x, t) in &[
                (0.0, 0.0, 38.86),
                (2.0, 30.43, 38.86),
                (7.0, 3.0, 30.0),
                (1.0, 30.0, 30.0),
            ] {
                let ours = p.log_likelihood_row(x, t_x, t);
                let reference = textbook_ln_l(&p, x, t_x, t);
                assert!(
                    (ours - reference).abs() < 1e-10,
                    "{p:?} {x} {t_x} {t}: {ours} vs {reference}"
                );
            }
        }
    }

    #[test]
    fn fast_and_careful_combinations_agree() {
        let p = ParetoNbd {
            r: 0.55,
            alpha: 10.58,
            s: 0.61,
            beta: 11.67,
        };
        for &(x, t_x, t) in &[
            (0.0, 0.0, 38.0),
            (2.0, 30.4, 38.9),
            (7.0, 3.0, 30.0),
            (1.0, 30.0, 30.0),
            (40.0, 1.0, 300.0),
        ] {
            let (lg, dg) = ln_gamma_ratio(p.r, x);
            let pre = prefactor(&p, lg, dg);
            let at_tx = pair_terms(&p, x, t_x);
            let at_t = pair_terms(&p, x, t);
            assert!(at_t.ratio <= FAST_RATIO_MAX);
            let fast = combine(&pre, &at_tx, &at_t, true);
            let careful = combine(
                &pre,
                &at_tx,
                &PairTerms {
                    ratio: f64::INFINITY,
                    ..at_t
                },
                true,
            );
            for k in 0..5 {
                let (f, c) = (fast.ln_l[k], careful.ln_l[k]);
                assert!(
                    (f - c).abs() <= 1e-12 * (1.0 + c.abs()),
                    "{x} {t_x} {t} [{k}]: {f} {c}"
                );
            }
            assert!((fast.ln_p_alive - careful.ln_p_alive).abs() <= 1e-12);
        }
    }

    #[test]
    fn quadrature_matches_the_continued_fraction_near_z_one() {
        for &(r, s, x) in &[
            (0.55, 0.61, 0.0),
            (0.3, 0.2, 0.0),
            (2.0, 1.5, 7.0),
            (0.55, 0.61, 60.0),
            (1.0, 1.0, 1.0),
        ] {
            for &(alpha, beta) in &[(2e3, 1.0), (1.0, 2e3), (3e5, 2.0), (2.0, 3e5)] {
                for &t in &[0.0, 0.5, 4.0] {
                    let p = ParetoNbd { r, alpha, s, beta };
                    let (quad, cf) = (ln_j_quadrature(&p, x, t), ln_j_hypergeometric(&p, x, t));
                    for k in 0..5 {
                        let tol = 1e-10 * (1.0 + cf[k].abs());
                        assert!(
                            (quad[k] - cf[k]).abs() <= tol,
                            "{p:?} x={x} t={t} [{k}]: {quad:?} {cf:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn quadrature_stays_finite_at_extreme_ratios() {
        for &(alpha, beta) in &[(1e12, 1e-3), (1e-3, 1e12), (1e15, 1.0)] {
            for &x in &[0.0, 1.0, 500.0] {
                let p = ParetoNbd {
                    r: 0.3,
                    alpha,
                    s: 0.2,
                    beta,
                };
                let j = ln_j(&p, x, 0.0);
                assert!(j.iter().all(|v| v.is_finite()), "{p:?} {x}: {j:?}");
            }
        }
    }

    #[test]
    fn ln_j_is_continuous_across_alpha_equals_beta() {
        let below = ParetoNbd {
            r: 0.7,
            alpha: 5.0 - 1e-9,
            s: 0.9,
            beta: 5.0,
        };
        let above = ParetoNbd {
            alpha: 5.0 + 1e-9,
            ..below
        };
        let (lo, hi) = (ln_j(&below, 3.0, 2.0), ln_j(&above, 3.0, 2.0));
        for k in 0..5 {
            assert!((lo[k] - hi[k]).abs() < 1e-7, "{k}: {lo:?} {hi:?}");
        }
    }
}
