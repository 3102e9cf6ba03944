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
//! \frac{B(a, b + x)}{B(a, b)} \frac{\Gamma(r + x)\\, \alpha^r}{\Gamma(r)\\,(\alpha + T)^{r + x}} +
//! \delta_{x > 0} \frac{B(a + 1, b + x - 1)}{B(a, b)}
//!   \frac{\Gamma(r + x)\\, \alpha^r}{\Gamma(r)\\,(\alpha + t_x)^{r + x}},
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
use crate::special::{digamma, ln_beta, ln_gamma, ln_hyp2f1, trigamma};

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
        let m = BgNbd {
            r: p[0],
            alpha: p[1],
            a: p[2],
            b: p[3],
        };
        let (ll, g, h) = log_likelihood_grad_hessian(m, self.data);
        Some(negative_in_log_space(ll, &g, &h, &p, grad, hessian))
    }
}

/// Turns a log-likelihood with its gradient `g` and Hessian `h` in natural parameters
/// `p` into the negative log-likelihood with gradient and (row-major) Hessian in
/// `theta = ln p`: $\partial_{\theta_i} = p_i \partial_{p_i}$, so
/// $H^\theta_{ij} = p_i p_j H_{ij} + \delta_{ij} p_i g_i$, negated.
pub(crate) fn negative_in_log_space(
    ll: f64,
    g: &[f64; 4],
    h: &[[f64; 4]; 4],
    p: &[f64; 4],
    grad: &mut [f64],
    hessian: &mut [f64],
) -> f64 {
    for i in 0..4 {
        grad[i] = -g[i] * p[i];
        for j in 0..4 {
            let diagonal = if i == j { p[i] * g[i] } else { 0.0 };
            hessian[i * 4 + j] = -(p[i] * p[j] * h[i][j] + diagonal);
        }
    }
    -ll
}

/// Log-likelihood and its gradient in the natural parameters `(r, alpha, a, b)`.
/// Returns a non-finite value outside the parameter space.
pub fn log_likelihood_grad(m: BgNbd, data: &CompressedSummary) -> (f64, [f64; 4]) {
    let BgNbd { r, alpha, a, b } = m;
    if !valid(&[r, alpha, a, b]) {
        return (f64::NEG_INFINITY, [f64::NAN; 4]);
    }
    let (ll, g, _) = two_term_kernel::<false>(r, alpha, a, data, bg_x_terms(a, b));
    (ll, g)
}

/// Log-likelihood, gradient and Hessian in the natural parameters `(r, alpha, a, b)`.
/// Returns non-finite values outside the parameter space.
pub fn log_likelihood_grad_hessian(
    m: BgNbd,
    data: &CompressedSummary,
) -> (f64, [f64; 4], [[f64; 4]; 4]) {
    let BgNbd { r, alpha, a, b } = m;
    if !valid(&[r, alpha, a, b]) {
        return (f64::NEG_INFINITY, [f64::NAN; 4], [[f64::NAN; 4]; 4]);
    }
    two_term_kernel::<true>(r, alpha, a, data, bg_x_terms(a, b))
}

/// The BG/NBD terms of each x: base = ln B(a, b + x) - ln B(a, b) and
/// c = ln a - ln(b + x - 1) for x > 0, with their derivatives.
fn bg_x_terms(a: f64, b: f64) -> impl Fn(f64) -> XTerms + Sync {
    let (lg_b, lg_ab, dg_b, dg_ab) = (ln_gamma(b), ln_gamma(a + b), digamma(b), digamma(a + b));
    let (tg_b, tg_ab) = (trigamma(b), trigamma(a + b));
    let ln_a = a.ln();
    move |x| {
        let (lg_abx, dg_abx, tg_abx) =
            (ln_gamma(a + b + x), digamma(a + b + x), trigamma(a + b + x));
        let bx1 = b + x - 1.0;
        XTerms {
            base: lg_ab + ln_gamma(b + x) - lg_b - lg_abx,
            d_a: dg_ab - dg_abx,
            d_b: dg_ab + digamma(b + x) - dg_b - dg_abx,
            d_aa: tg_ab - tg_abx,
            d_ab: tg_ab - tg_abx,
            d_bb: tg_ab + trigamma(b + x) - tg_b - tg_abx,
            two_terms: x > 0.0,
            c: if x > 0.0 { ln_a - bx1.ln() } else { 0.0 },
            dc_db: if x > 0.0 { -1.0 / bx1 } else { 0.0 },
            dc_dbb: if x > 0.0 { 1.0 / (bx1 * bx1) } else { 0.0 },
        }
    }
}

pub(crate) fn valid(params: &[f64]) -> bool {
    params.iter().all(|p| p.is_finite() && *p > 0.0)
}

/// The parts of a (M)BG/NBD log-likelihood that depend on the (a, b) side and x only.
pub(crate) struct XTerms {
    /// The beta-function ratio, ln B(a, b + x (+1)) - ln B(a, b).
    pub base: f64,
    /// Its derivatives in a and b, first and second.
    pub d_a: f64,
    pub d_b: f64,
    pub d_aa: f64,
    pub d_ab: f64,
    pub d_bb: f64,
    /// Whether the "dropped out at t_x" term is present.
    pub two_terms: bool,
    /// A_4 + (r + x) ln(alpha + t_x), i.e. ln a - ln(b + x - 1) (BG) or ln a - ln(b + x) (MBG).
    pub c: f64,
    /// d c / d b and d² c / d b².
    pub dc_db: f64,
    pub dc_dbb: f64,
}

/// Sum over rows of
/// $w\\,[\ln\Gamma(r+x) - \ln\Gamma(r) + r\ln\alpha + \text{base}\_x + \ln(e^{A_3} + e^{A_4})]$ with
/// $A_3 = -(r+x)\ln(\alpha+T)$ and $A_4 = c_x - (r+x)\ln(\alpha+t_x)$, and its gradient in
/// (r, alpha, a, b); with `HESSIAN`, also its Hessian (else zeros).
/// Logarithms of alpha + T and alpha + t_x are taken once per distinct
/// value, and x-only terms once per run of equal x; each row costs one exp and one log,
/// or in long runs of equal x (whole-day data) one log, with powers tabulated by level.
/// Above [`ROWS_PER_THREAD`] rows per thread, the rows are split across threads.
///
/// The Hessian: with $D = A_4 - A_3$, $\pi = e^D / (1 + e^D)$ and $q = \pi (1 - \pi)$, a
/// row's $\ln(1 + e^D)$ has Hessian $\pi \nabla^2 D + q \nabla D \nabla D^\top$, where
/// $\nabla D = (-\Delta, -(r+x)\delta, 1/a, c'\_x)$ with $\Delta = \ln(\alpha+t_x) - \ln(\alpha+T)$
/// and $\delta = 1/(\alpha+t_x) - 1/(\alpha+T)$; the non-zero second derivatives of D are
/// $D_{r\alpha} = -\delta$, $D_{\alpha\alpha} = (r+x)(1/(\alpha+t_x)^2 - 1/(\alpha+T)^2)$,
/// $D_{aa} = -1/a^2$ and $D_{bb} = c''\_x$. Per row this adds arithmetic, no logarithm.
pub(crate) fn two_term_kernel<const HESSIAN: bool>(
    r: f64,
    alpha: f64,
    a: f64,
    data: &CompressedSummary,
    x_terms: impl Fn(f64) -> XTerms + Sync,
) -> (f64, [f64; 4], [[f64; 4]; 4]) {
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
        kernel_rows::<HESSIAN>(r, alpha, a, data, &tables, &x_terms, work)
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
        let (mut ll, mut g, mut h) = run(&chunks[0]);
        for handle in handles {
            // A worker cannot panic on numbers; if it did, poison the value.
            let (l, more_g, more_h) =
                handle
                    .join()
                    .unwrap_or((f64::NAN, [f64::NAN; 4], [[f64::NAN; 4]; 4]));
            ll += l;
            for i in 0..4 {
                g[i] += more_g[i];
                for j in 0..4 {
                    h[i][j] += more_h[i][j];
                }
            }
        }
        (ll, g, h)
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

/// Weighted sums over one run of equal x: what the gradient needs, and with the
/// Hessian the second moments (`pi` is the share of the "dropped out at t_x" term,
/// `q = pi (1 - pi)`, `dl` = ln(alpha + t_x) - ln(alpha + T), `di` = 1/(alpha + t_x) - 1/(alpha + T)).
#[derive(Default)]
struct GroupSums {
    w: f64,
    ln_at: f64,
    lse: f64,
    pi: f64,
    pi_dl: f64,
    inv: f64,
    inv_at: f64,
    inv_at2: f64,
    pi_di: f64,
    pi_di2: f64,
    q: f64,
    q_dl: f64,
    q_dl2: f64,
    q_di: f64,
    q_di2: f64,
    q_dl_di: f64,
}

impl GroupSums {
    /// Adds a row of weight `w` with the given logs and inverses of alpha + T and
    /// alpha + t_x, ln(1 + e^D) + (part of A_3 already counted) `lse`, `pi` and `q`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn add<const HESSIAN: bool>(
        &mut self,
        w: f64,
        l_t: f64,
        l_tx: f64,
        i_t: f64,
        i_tx: f64,
        lse: f64,
        pi: f64,
        q: f64,
    ) {
        let (dl, di) = (l_tx - l_t, i_tx - i_t);
        self.w += w;
        self.ln_at += w * l_t;
        self.lse += w * lse;
        self.pi += w * pi;
        self.pi_dl += w * pi * dl;
        self.inv += w * (i_t + pi * di);
        if HESSIAN {
            let (wpi, wq) = (w * pi, w * q);
            self.inv_at += w * i_t;
            self.inv_at2 += w * i_t * i_t;
            self.pi_di += wpi * di;
            self.pi_di2 += wpi * (i_tx * i_tx - i_t * i_t);
            self.q += wq;
            self.q_dl += wq * dl;
            self.q_dl2 += wq * dl * dl;
            self.q_di += wq * di;
            self.q_di2 += wq * di * di;
            self.q_dl_di += wq * dl * di;
        }
    }
}

fn kernel_rows<const HESSIAN: bool>(
    r: f64,
    alpha: f64,
    a: f64,
    data: &CompressedSummary,
    tables: &Tables,
    x_terms: &impl Fn(f64) -> XTerms,
    work: &[(f64, std::ops::Range<usize>)],
) -> (f64, [f64; 4], [[f64; 4]; 4]) {
    let Tables {
        ln_at,
        inv_at,
        ln_atx,
        inv_atx,
    } = tables;
    let ln_alpha = alpha.ln();
    let (lg_r, dg_r) = (ln_gamma(r), digamma(r));
    let tg_r = if HESSIAN { trigamma(r) } else { 0.0 };
    let (ws, t_index, t_x_index) = (data.weights(), data.t_index(), data.t_x_index());
    let mut ll = 0.0;
    let mut g = [0.0; 4];
    let mut h = [[0.0; 4]; 4];
    // e^{(r+x) ln(alpha + T)} by level of T, for large runs of equal x.
    let mut pt: Vec<f64> = Vec::with_capacity(ln_at.len());
    for (x, rows) in work {
        let (x, rows) = (*x, rows.clone());
        let terms = x_terms(x);
        let rx = r + x;
        let mut sums = GroupSums::default();
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
                let ratio = k * pt[ti];
                let denominator = 1.0 + ratio;
                let pi = ratio / denominator;
                sums.add::<HESSIAN>(
                    w,
                    ln_at[ti],
                    ln_atx[txi],
                    inv_at[ti],
                    inv_atx[txi],
                    denominator.ln(),
                    pi,
                    pi / denominator,
                );
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
                let (lse_minus_a3, pi) = if d > 0.0 {
                    (d + ln_1pe, share)
                } else {
                    (ln_1pe, e * share)
                };
                sums.add::<HESSIAN>(
                    w,
                    l_t,
                    l_tx,
                    inv_at[ti],
                    inv_atx[txi],
                    lse_minus_a3,
                    pi,
                    e * share * share,
                );
            }
        } else {
            for i in rows {
                let (w, ti) = (ws[i], t_index[i] as usize);
                sums.add::<HESSIAN>(w, ln_at[ti], 0.0, inv_at[ti], 0.0, 0.0, 0.0, 0.0);
            }
        }
        let s = &sums;
        ll += s.w * (ln_gamma(rx) - lg_r + r * ln_alpha + terms.base) - rx * s.ln_at + s.lse;
        g[0] += s.w * (digamma(rx) - dg_r + ln_alpha) - s.ln_at - s.pi_dl;
        g[1] += s.w * r / alpha - rx * s.inv;
        g[2] += s.w * terms.d_a + s.pi / a;
        g[3] += s.w * terms.d_b + s.pi * terms.dc_db;
        if HESSIAN {
            let dc = terms.dc_db;
            h[0][0] += s.w * (trigamma(rx) - tg_r) + s.q_dl2;
            h[0][1] += s.w / alpha - s.inv_at - s.pi_di + rx * s.q_dl_di;
            h[1][1] += -s.w * r / (alpha * alpha) + rx * (s.inv_at2 + s.pi_di2) + rx * rx * s.q_di2;
            h[0][2] += -s.q_dl / a;
            h[0][3] += -dc * s.q_dl;
            h[1][2] += -rx * s.q_di / a;
            h[1][3] += -rx * dc * s.q_di;
            h[2][2] += s.w * terms.d_aa + (s.q - s.pi) / (a * a);
            h[2][3] += s.w * terms.d_ab + s.q * dc / a;
            h[3][3] += s.w * terms.d_bb + s.pi * terms.dc_dbb + s.q * dc * dc;
        }
    }
    if HESSIAN {
        for i in 0..4 {
            for j in 0..i {
                h[i][j] = h[j][i];
            }
        }
    }
    (ll, g, h)
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
    /// {}\_2F_1\\!\left(r, b; a+b-1; \frac{t}{\alpha+t}\right)\right]$.
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
    /// {}\_2F_1\\!\left(r+x, b+x; a+b+x-1; \frac{t}{\alpha+T+t}\right)\right]}
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

/// $E_{p \sim \mathrm{Beta}(a, b)}\left[\frac{1 - (1 + p\\,t/\beta)^{-k}}{p}\right]$, the
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

    /// Whole-day-like rows: with `t_levels` distinct values of T and many t_x per x,
    /// so runs of equal x are long (the tabulated path) or short (the per-row path).
    fn hessian_data(t_levels: u32) -> CompressedSummary {
        let mut rows = Vec::new();
        for x in 0..6u32 {
            for k in 0..40u32 {
                let t = 20.0 + f64::from(k % t_levels) * 30.0 / f64::from(t_levels);
                let t_x = if x == 0 { 0.0 } else { t * f64::from(k) / 40.0 };
                rows.push((f64::from(x), t_x, t, 1.0 + f64::from(k % 3)));
            }
        }
        CompressedSummary::from_weighted_rows(rows).unwrap()
    }

    /// The analytic Hessian of a log-likelihood in natural parameters against
    /// central differences of its analytic gradient.
    fn check_hessian(
        params: [f64; 4],
        grad_hessian: impl Fn([f64; 4]) -> (f64, [f64; 4], [[f64; 4]; 4]),
    ) {
        let (ll, _, h) = grad_hessian(params);
        assert!(ll.is_finite());
        for j in 0..4 {
            let step = 1e-5 * params[j];
            let shifted = |sign: f64| {
                let mut p = params;
                p[j] += sign * step;
                grad_hessian(p).1
            };
            let (up, down) = (shifted(1.0), shifted(-1.0));
            for i in 0..4 {
                let numeric = (up[i] - down[i]) / (2.0 * step);
                let tolerance = 1e-5 * numeric.abs().max(h[i][j].abs()) + 1e-6;
                assert!(
                    (numeric - h[i][j]).abs() <= tolerance,
                    "h[{i}][{j}] = {} vs numeric {numeric} at {params:?}",
                    h[i][j]
                );
            }
        }
    }

    #[test]
    fn hessian_matches_differences_of_the_gradient() {
        for t_levels in [2, 40] {
            let data = hessian_data(t_levels);
            for params in [[0.24, 4.4, 0.79, 2.4], [1.3, 0.7, 2.5, 0.6]] {
                check_hessian(params, |[r, alpha, a, b]| {
                    log_likelihood_grad_hessian(BgNbd { r, alpha, a, b }, &data)
                });
                check_hessian(params, |[r, alpha, a, b]| {
                    crate::mbgnbd::log_likelihood_grad_hessian(
                        crate::mbgnbd::MbgNbd { r, alpha, a, b },
                        &data,
                    )
                });
                // The gradient-only path gives the same value and gradient.
                let m = BgNbd {
                    r: params[0],
                    alpha: params[1],
                    a: params[2],
                    b: params[3],
                };
                let (ll, g) = log_likelihood_grad(m, &data);
                let (ll_h, g_h, _) = log_likelihood_grad_hessian(m, &data);
                assert_eq!((ll, g), (ll_h, g_h));
            }
        }
    }

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
