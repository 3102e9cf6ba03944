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
//! \frac{B(a, b + x)}{B(a, b)} \frac{\Gamma(r + x)\, \alpha^r}{\Gamma(r)\,(\alpha + T)^{r + x}} +
//! \delta_{x > 0} \frac{B(a + 1, b + x - 1)}{B(a, b)}
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
use crate::optim::{
    fit_log_space, fit_log_space_coarse_to_fine, Fitted, MinimizeOptions, Objective,
};
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
        let p = [
            theta[0].exp(),
            theta[1].exp(),
            theta[2].exp(),
            theta[3].exp(),
        ];
        let (ll, g) = log_likelihood_grad(
            BgNbd {
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
}

/// Log-likelihood and its gradient in the natural parameters `(r, alpha, a, b)`.
/// Returns a non-finite value outside the parameter space.
pub fn log_likelihood_grad(m: BgNbd, data: &CompressedSummary) -> (f64, [f64; 4]) {
    let BgNbd { r, alpha, a, b } = m;
    if !valid(&[r, alpha, a, b]) {
        return (f64::NEG_INFINITY, [f64::NAN; 4]);
    }
    let (lg_b, lg_ab, dg_b, dg_ab) = (ln_gamma(b), ln_gamma(a + b), digamma(b), digamma(a + b));
    let ln_a = a.ln();
    two_term_kernel(r, alpha, a, data, |x| {
        let (lg_abx, dg_abx) = (ln_gamma(a + b + x), digamma(a + b + x));
        XTerms {
            base: lg_ab + ln_gamma(b + x) - lg_b - lg_abx,
            d_a: dg_ab - dg_abx,
            d_b: dg_ab + digamma(b + x) - dg_b - dg_abx,
            two_terms: x > 0.0,
            c: if x > 0.0 {
                ln_a - (b + x - 1.0).ln()
            } else {
                0.0
            },
            dc_db: if x > 0.0 { -1.0 / (b + x - 1.0) } else { 0.0 },
        }
    })
}

pub(crate) fn valid(params: &[f64]) -> bool {
    params.iter().all(|p| p.is_finite() && *p > 0.0)
}

/// The parts of a (M)BG/NBD log-likelihood that depend on the (a, b) side and x only.
pub(crate) struct XTerms {
    /// The beta-function ratio, ln B(a, b + x (+1)) - ln B(a, b).
    pub base: f64,
    /// Its derivatives in a and b.
    pub d_a: f64,
    pub d_b: f64,
    /// Whether the "dropped out at t_x" term is present.
    pub two_terms: bool,
    /// A_4 + (r + x) ln(alpha + t_x), i.e. ln a - ln(b + x - 1) (BG) or ln a - ln(b + x) (MBG).
    pub c: f64,
    /// d c / d b.
    pub dc_db: f64,
}

/// Sum over rows of
/// $w\,[\ln\Gamma(r+x) - \ln\Gamma(r) + r\ln\alpha + \text{base}_x + \ln(e^{A_3} + e^{A_4})]$ with
/// $A_3 = -(r+x)\ln(\alpha+T)$ and $A_4 = c_x - (r+x)\ln(\alpha+t_x)$, and its gradient in
/// (r, alpha, a, b). Logarithms of alpha + T and alpha + t_x are taken once per distinct
/// value, and x-only terms once per run of equal x; each row costs one exp and one log,
/// or in long runs of equal x (whole-day data) one log, with powers tabulated by level.
/// Above [`ROWS_PER_THREAD`] rows per thread, the rows are split across threads.
pub(crate) fn two_term_kernel(
    r: f64,
    alpha: f64,
    a: f64,
    data: &CompressedSummary,
    x_terms: impl Fn(f64) -> XTerms + Sync,
) -> (f64, [f64; 4]) {
    let tables = Tables {
        ln_at: data.t_levels().iter().map(|t| (alpha + t).ln()).collect(),
        inv_at: data.t_levels().iter().map(|t| 1.0 / (alpha + t)).collect(),
        ln_atx: data.t_x_levels().iter().map(|t| (alpha + t).ln()).collect(),
        inv_atx: data
            .t_x_levels()
            .iter()
            .map(|t| 1.0 / (alpha + t))
            .collect(),
    };
    let run = |work: &[(f64, std::ops::Range<usize>)]| {
        kernel_rows(r, alpha, a, data, &tables, &x_terms, work)
    };
    let chunks = split_rows(data);
    if chunks.len() == 1 {
        return run(&chunks[0]);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks[1..]
            .iter()
            .map(|chunk| scope.spawn(|| run(chunk)))
            .collect();
        let (mut ll, mut g) = run(&chunks[0]);
        for handle in handles {
            // A worker cannot panic on numbers; if it did, poison the value.
            let (l, h) = handle.join().unwrap_or((f64::NAN, [f64::NAN; 4]));
            ll += l;
            for i in 0..4 {
                g[i] += h[i];
            }
        }
        (ll, g)
    })
}

/// Rows per worker thread below which one thread does all the work.
const ROWS_PER_THREAD: usize = 40_000;

/// Splits the rows into up to `available_parallelism` contiguous chunks of
/// `(x, rows)` runs, each at least [`ROWS_PER_THREAD`] rows.
pub(crate) fn split_rows(data: &CompressedSummary) -> Vec<Vec<(f64, std::ops::Range<usize>)>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let k = threads.min(data.len() / ROWS_PER_THREAD).max(1);
    let per = data.len().div_ceil(k).max(1);
    let mut chunks: Vec<Vec<(f64, std::ops::Range<usize>)>> = vec![Vec::new(); k];
    for (x, rows) in data.x_groups() {
        let mut start = rows.start;
        while start < rows.end {
            let chunk = start / per;
            let end = rows.end.min((chunk + 1) * per);
            chunks[chunk.min(k - 1)].push((x, start..end));
            start = end;
        }
    }
    chunks
}

/// Per-evaluation tables of ln(alpha + level) and 1 / (alpha + level).
pub(crate) struct Tables {
    ln_at: Vec<f64>,
    inv_at: Vec<f64>,
    ln_atx: Vec<f64>,
    inv_atx: Vec<f64>,
}

fn kernel_rows(
    r: f64,
    alpha: f64,
    a: f64,
    data: &CompressedSummary,
    tables: &Tables,
    x_terms: &impl Fn(f64) -> XTerms,
    work: &[(f64, std::ops::Range<usize>)],
) -> (f64, [f64; 4]) {
    let Tables {
        ln_at,
        inv_at,
        ln_atx,
        inv_atx,
    } = tables;
    let ln_alpha = alpha.ln();
    let (lg_r, dg_r) = (ln_gamma(r), digamma(r));
    let (ws, t_index, t_x_index) = (data.weights(), data.t_index(), data.t_x_index());
    let mut ll = 0.0;
    let mut g = [0.0; 4];
    // e^{(r+x) ln(alpha + T)} by level of T, for large runs of equal x.
    let mut pt: Vec<f64> = Vec::with_capacity(ln_at.len());
    for (x, rows) in work {
        let (x, rows) = (*x, rows.clone());
        let terms = x_terms(x);
        let rx = r + x;
        // Weighted sums over the group.
        let (mut sw, mut s_ln_at, mut s_lse, mut s_pi4, mut s_pi4_dl, mut s_inv) =
            (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        let ln_at_range = (
            ln_at.first().copied().unwrap_or(0.0),
            ln_at.last().copied().unwrap_or(0.0),
        );
        let tabulate = rows.len() > 2 * ln_at.len()
            && rx * ln_at_range.1 < 600.0
            && rx * ln_at_range.0 > -600.0;
        if terms.two_terms && tabulate {
            // e^{A_4 - A_3} = e^{c - (r+x) ln(alpha + t_x)} e^{(r+x) ln(alpha + T)}: one exp per
            // level of T and per run of equal t_x, then one log and one division per row.
            pt.clear();
            pt.extend(ln_at.iter().map(|l| (rx * l).exp()));
            let (mut current_txi, mut k) = (usize::MAX, 0.0);
            for i in rows {
                let (w, ti, txi) = (ws[i], t_index[i] as usize, t_x_index[i] as usize);
                if txi != current_txi {
                    current_txi = txi;
                    k = (terms.c - rx * ln_atx[txi]).exp();
                }
                let (l_t, l_tx) = (ln_at[ti], ln_atx[txi]);
                let ratio = k * pt[ti];
                let denominator = 1.0 + ratio;
                let pi4 = ratio / denominator;
                sw += w;
                s_ln_at += w * l_t;
                s_lse += w * denominator.ln();
                s_pi4 += w * pi4;
                s_pi4_dl += w * pi4 * (l_tx - l_t);
                s_inv += w * (inv_at[ti] + pi4 * (inv_atx[txi] - inv_at[ti]));
            }
        } else if terms.two_terms {
            for i in rows {
                let (w, ti, txi) = (ws[i], t_index[i] as usize, t_x_index[i] as usize);
                let (l_t, l_tx) = (ln_at[ti], ln_atx[txi]);
                // d = A_4 - A_3.
                let d = terms.c - rx * (l_tx - l_t);
                let e = (-d.abs()).exp();
                let share = 1.0 / (1.0 + e);
                // ln(1 + e) rather than ln_1p(e): e is in (0, 1], so the absolute error is
                // below 1e-16 per row, and ln is about twice as fast.
                let ln_1pe = (1.0 + e).ln();
                let (lse_minus_a3, pi4) = if d > 0.0 {
                    (d + ln_1pe, share)
                } else {
                    (ln_1pe, e * share)
                };
                sw += w;
                s_ln_at += w * l_t;
                s_lse += w * lse_minus_a3;
                s_pi4 += w * pi4;
                s_pi4_dl += w * pi4 * (l_tx - l_t);
                s_inv += w * (inv_at[ti] + pi4 * (inv_atx[txi] - inv_at[ti]));
            }
        } else {
            for i in rows {
                let (w, ti) = (ws[i], t_index[i] as usize);
                sw += w;
                s_ln_at += w * ln_at[ti];
                s_inv += w * inv_at[ti];
            }
        }
        ll += sw * (ln_gamma(rx) - lg_r + r * ln_alpha + terms.base) - rx * s_ln_at + s_lse;
        g[0] += sw * (digamma(rx) - dg_r + ln_alpha) - s_ln_at - s_pi4_dl;
        g[1] += sw * r / alpha - rx * s_inv;
        g[2] += sw * terms.d_a + s_pi4 / a;
        g[3] += sw * terms.d_b + s_pi4 * terms.dc_db;
    }
    (ll, g)
}

/// Above this many unique rows, fits start on data coarsened to
/// [`COARSE_LEVELS`] time steps (see [`CompressedSummary::coarsen`]) when that
/// at least halves the rows, then refine on the full data.
pub(crate) const COARSE_ABOVE_ROWS: usize = 20_000;
/// Time steps of the coarsened levels, coarsest first.
pub(crate) const COARSE_LEVELS: [usize; 2] = [25, 100];

/// The coarsened versions of `data` to fit first, coarsest first: each level is kept
/// when it at least halves the rows of the next finer one. Empty for small data.
pub(crate) fn coarse_levels(data: &CompressedSummary) -> Vec<CompressedSummary> {
    if data.len() <= COARSE_ABOVE_ROWS {
        return Vec::new();
    }
    let mut levels: Vec<CompressedSummary> = Vec::new();
    let mut finer_rows = data.len();
    for &steps in COARSE_LEVELS.iter().rev() {
        let coarse = levels.last().unwrap_or(data).coarsen(steps);
        if coarse.len() * 2 <= finer_rows {
            finer_rows = coarse.len();
            levels.push(coarse);
        }
    }
    levels.reverse();
    levels
}

/// Fits the model whose objective on some data `objective` builds: coarse-to-fine over
/// [`coarse_levels`] for large data, directly otherwise, from [`starts`].
pub(crate) fn fit_levels(
    model: &'static str,
    names: &[&'static str],
    data: &CompressedSummary,
    objective: for<'d> fn(&'d CompressedSummary) -> Box<dyn Objective + 'd>,
    options: MinimizeOptions,
) -> Result<crate::optim::FitResult, ClvError> {
    let levels = coarse_levels(data);
    let coarse_objectives: Vec<Box<dyn Objective + '_>> = levels.iter().map(objective).collect();
    let coarse: Vec<&dyn Objective> = coarse_objectives.iter().map(|o| o.as_ref()).collect();
    let full = objective(data);
    if coarse.is_empty() {
        fit_log_space(
            model,
            names,
            full.as_ref(),
            &starts(data),
            data.n(),
            options,
        )
    } else {
        fit_log_space_coarse_to_fine(
            model,
            names,
            full.as_ref(),
            &coarse,
            &starts(data),
            data.n(),
            options,
        )
    }
}

/// Checks that a data set can identify a 4-parameter BTYD model.
pub(crate) fn check_identifiable(
    model: &'static str,
    data: &CompressedSummary,
) -> Result<(), ClvError> {
    let fail = |reason: &str| {
        Err(ClvError::NotIdentifiable {
            model,
            reason: reason.to_string(),
        })
    };
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
pub(crate) fn one_minus_scaled_hyp2f1(
    k: f64,
    ln_ratio: f64,
    h1: f64,
    h2: f64,
    h3: f64,
    z: f64,
) -> f64 {
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
    pub fn fit_with(
        data: &CompressedSummary,
        options: MinimizeOptions,
    ) -> Result<Fitted<BgNbd>, ClvError> {
        check_identifiable(MODEL, data)?;
        let names = ["r", "alpha", "a", "b"];
        let result = fit_levels(
            MODEL,
            &names,
            data,
            |data| Box::new(BgNbdObjective { data }),
            options,
        )?;
        let v = result.values();
        Ok(Fitted {
            model: BgNbd {
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

    /// E[X(t)] for a randomly chosen new customer (FHL 2005, eq. 9):
    /// $\frac{a+b-1}{a-1}\left[1 - \left(\frac{\alpha}{\alpha+t}\right)^r
    /// {}_2F_1\!\left(r, b; a+b-1; \frac{t}{\alpha+t}\right)\right]$.
    pub fn expected_purchases(&self, t: f64) -> f64 {
        if t.is_nan() || t <= 0.0 {
            return 0.0;
        }
        let BgNbd { r, alpha, b, .. } = *self;
        let z = t / (alpha + t);
        let value = around_a_equals_one(self.a, |a| {
            (a + b - 1.0) / (a - 1.0)
                * one_minus_scaled_hyp2f1(r, (alpha / (alpha + t)).ln(), r, b, a + b - 1.0, z)
        });
        if value.is_finite() {
            clean(value)
        } else {
            expected_purchases_by_quadrature(self.a, b, r, alpha, t)
        }
    }

    /// E[X(t) | x, t_x, T]: expected purchases in the next `t` for a customer
    /// with history (x, t_x, T) (FHL 2005, eq. 10):
    ///
    /// $$\frac{\frac{a+b+x-1}{a-1}\left[1 - \left(\frac{\alpha+T}{\alpha+T+t}\right)^{r+x}
    /// {}_2F_1\!\left(r+x, b+x; a+b+x-1; \frac{t}{\alpha+T+t}\right)\right]}
    /// {1 + \delta_{x>0} \frac{a}{b+x-1} \left(\frac{\alpha+T}{\alpha+t_x}\right)^{r+x}}.$$
    pub fn conditional_expected_purchases(&self, t: f64, x: f64, t_x: f64, t_cal: f64) -> f64 {
        if t.is_nan() || t <= 0.0 {
            return 0.0;
        }
        let BgNbd { r, alpha, b, .. } = *self;
        let z = t / (alpha + t_cal + t);
        let ln_ratio = ((alpha + t_cal) / (alpha + t_cal + t)).ln();
        let value = around_a_equals_one(self.a, |a| {
            (a + b + x - 1.0) / (a - 1.0)
                * one_minus_scaled_hyp2f1(r + x, ln_ratio, r + x, b + x, a + b + x - 1.0, z)
        });
        let value = if value.is_finite() {
            value
        } else {
            // Alive customers: p ~ Beta(a, b + x), rate ~ Gamma(r + x, alpha + T).
            expected_purchases_by_quadrature(self.a, b + x, r + x, alpha + t_cal, t)
        };
        clean(value * self.probability_alive(x, t_x, t_cal))
    }

    /// P(alive | x, t_x, T) (FHL 2005, eq. 11):
    /// $\left[1 + \delta_{x>0}\frac{a}{b+x-1}\left(\frac{\alpha+T}{\alpha+t_x}\right)^{r+x}\right]^{-1}$.
    pub fn probability_alive(&self, x: f64, t_x: f64, t_cal: f64) -> f64 {
        if x <= 0.0 {
            return 1.0;
        }
        let BgNbd { r, alpha, a, b } = *self;
        let ln_odds =
            a.ln() - (b + x - 1.0).ln() + (r + x) * ((alpha + t_cal).ln() - (alpha + t_x).ln());
        logistic_of_minus(ln_odds)
    }

    /// P(X(t) = k) for a randomly chosen new customer (FHL 2005, eq. 8).
    pub fn probability_of_purchases(&self, t: f64, k: u32) -> f64 {
        let t = if t > 0.0 { t } else { 0.0 };
        let BgNbd { r, alpha, a, b } = *self;
        let kf = f64::from(k);
        let ln_bab = ln_beta(a, b);
        let alive = (ln_beta(a, b + kf) - ln_bab + neg_binomial_ln_pmf(r, alpha, t, kf)).exp();
        let dead = if k > 0 {
            (ln_beta(a + 1.0, b + kf - 1.0) - ln_bab).exp()
                * neg_binomial_upper_tail(r, alpha, t, k)
        } else {
            0.0
        };
        clean((alive + dead).min(1.0))
    }

    /// Sum over the customers of `data` of E[X(t) | x, t_x, T], e.g. expected
    /// holdout purchases when every customer's holdout lasts `t`.
    pub fn expected_total(&self, t: f64, data: &CompressedSummary) -> f64 {
        data.rows()
            .map(|row| row.weight * self.conditional_expected_purchases(t, row.x, row.t_x, row.t))
            .sum()
    }
}

/// ln P(N = k) for N ~ NB(r, alpha/(alpha+t)), the Gamma(r, alpha) mixture of
/// Poisson(lambda t).
pub(crate) fn neg_binomial_ln_pmf(r: f64, alpha: f64, t: f64, k: f64) -> f64 {
    let ln_p0 = r * (alpha / (alpha + t)).ln();
    if k == 0.0 {
        return ln_p0;
    }
    ln_gamma(r + k) - ln_gamma(r) - ln_gamma(k + 1.0) + ln_p0 + k * (t / (alpha + t)).ln()
}

/// P(N >= k) for the same N, by summing P(N = j) for j < k with the ratio
/// recurrence; stops once the sum is within 1e-17 of 1, so time is bounded by
/// the spread of N, not by k, and memory is O(1).
pub(crate) fn neg_binomial_upper_tail(r: f64, alpha: f64, t: f64, k: u32) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if t <= 0.0 {
        return 0.0;
    }
    let q = t / (alpha + t);
    let mut pmf = (r * (alpha / (alpha + t)).ln()).exp();
    let mut below = 0.0;
    for j in 0..k {
        below += pmf;
        let jf = f64::from(j);
        let ratio = (r + jf) / (jf + 1.0) * q;
        // Past the mode the remaining mass is at most pmf * ratio / (1 - ratio).
        if ratio < 1.0 && pmf * ratio / (1.0 - ratio) < 1e-17 * below {
            break;
        }
        pmf *= ratio;
        if j > 100_000_000 {
            break;
        }
    }
    (1.0 - below).clamp(0.0, 1.0)
}

/// $E_{p \sim \mathrm{Beta}(a, b)}\left[\frac{1 - (1 + p\,t/\beta)^{-k}}{p}\right]$, the
/// expected purchases in `t` of an alive customer with Gamma(k, beta) rate and
/// dropout probability p, by tanh-sinh quadrature (801 nodes): the fallback
/// when the 2F1 closed form cannot be evaluated (e.g. x in the millions).
pub(crate) fn expected_purchases_by_quadrature(a: f64, b: f64, k: f64, beta: f64, t: f64) -> f64 {
    use std::f64::consts::FRAC_PI_2;
    let h = 1.0 / 64.0;
    let ln_b = ln_beta(a, b);
    let mut sum = 0.0;
    for step in -400..=400 {
        let s = f64::from(step) * h;
        let u = FRAC_PI_2 * s.sinh();
        let (p, q) = (
            1.0 / (1.0 + (-2.0 * u).exp()),
            1.0 / (1.0 + (2.0 * u).exp()),
        );
        if p <= 0.0 || q <= 0.0 {
            continue;
        }
        let density = ((a - 1.0) * p.ln() + (b - 1.0) * q.ln() - ln_b).exp();
        let purchases = -(-(k * (p * t / beta).ln_1p())).exp_m1() / p;
        let term = h * FRAC_PI_2 * s.cosh() * 2.0 * p * q * density * purchases;
        if term.is_finite() {
            sum += term;
        }
    }
    sum
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrature_fallback_matches_the_closed_form() {
        let m = BgNbd {
            r: 0.242593,
            alpha: 4.41353,
            a: 0.792886,
            b: 2.42575,
        };
        for (x, t_x, t_cal, t) in [
            (0.0, 0.0, 38.86, 39.0),
            (2.0, 30.43, 38.86, 39.0),
            (500.0, 30.0, 31.0, 100.0),
        ] {
            let closed = m.conditional_expected_purchases(t, x, t_x, t_cal);
            let quadrature = m.probability_alive(x, t_x, t_cal)
                * expected_purchases_by_quadrature(m.a, m.b + x, m.r + x, m.alpha + t_cal, t);
            assert!(
                (closed - quadrature).abs() < 1e-9 * closed,
                "{x}: {closed} vs {quadrature}"
            );
        }
        let closed = m.expected_purchases(39.0);
        let quadrature = expected_purchases_by_quadrature(m.a, m.b, m.r, m.alpha, 39.0);
        assert!((closed - quadrature).abs() < 1e-9 * closed);
    }

    #[test]
    fn negative_binomial_tail() {
        let (r, alpha, t) = (0.7, 3.0, 20.0);
        let direct: f64 = (0..10)
            .map(|j| neg_binomial_ln_pmf(r, alpha, t, f64::from(j)).exp())
            .sum();
        assert!((neg_binomial_upper_tail(r, alpha, t, 10) - (1.0 - direct)).abs() < 1e-13);
        assert_eq!(neg_binomial_upper_tail(r, alpha, t, 0), 1.0);
        assert_eq!(neg_binomial_upper_tail(r, alpha, 0.0, 3), 0.0);
        assert!(neg_binomial_upper_tail(r, alpha, t, u32::MAX) < 1e-15);
    }
}
