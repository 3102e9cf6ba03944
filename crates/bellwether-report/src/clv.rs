//! Customer equity from the CLV engine, its interval, and the holdout check.
//!
//! Time is in weeks (days / 7), as `bellwether clv` summarises the store.
//! The transaction model is BG/NBD or Pareto/NBD, whichever has the higher maximised
//! log-likelihood (both have four parameters, so this is also the lower AIC); spend is
//! Gamma-Gamma, fitted on the customers with repeat purchases.
//!
//! CLV of a customer (FHL 2005, as in lifetimes' `customer_lifetime_value`):
//!
//! $$\mathrm{CLV} = E[Z \mid x, \bar m] \sum_{k=1}^{H} \frac{E[X(k f) \mid x, t_x, T] - E[X((k-1) f) \mid x, t_x, T]}{(1 + d)^k}$$
//!
//! with `H` months, `f` weeks per month (30.4375 / 7) and `d` the monthly discount rate.
//!
//! Both models factor as $E[X(t) \mid x, t_x, T] = P(\text{alive} \mid x, t_x, T)\, g(t; x, T)$
//! (BG/NBD: FHL 2005 eq. 10 over the P(alive) denominator; Pareto/NBD: SMC 1987), so the
//! discounted sum is computed once per distinct `(x, T)` and scaled by P(alive) for each
//! `t_x`: a tested identity that makes a million customers cheap.
//!
//! The interval is a parametric bootstrap: parameters are drawn from the normal
//! approximation of the maximum-likelihood estimates in log space, `N(ln θ̂, H⁻¹)` with `H`
//! the Hessian of the negative log-likelihood, independently for the transaction model and
//! Gamma-Gamma (their likelihoods are separate). Each draw's equity is estimated from a
//! sample of customers drawn with probability proportional to their CLV (Hansen-Hurwitz),
//! which reproduces the point estimate exactly at θ̂.

use bellwether_clv::bgnbd::{self, BgNbd};
use bellwether_clv::data::CompressedSummary;
use bellwether_clv::gamma_gamma::{
    self, customer_lifetime_value, ClvOptions, GammaGamma, SpendData, TransactionModel,
};
use bellwether_clv::optim::{hessian, inverse_spd, Objective};
use bellwether_clv::pareto_nbd::{self, ParetoNbd};
use bellwether_clv::ClvError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::{ReportError, ReportOptions};

/// Weeks per month of [`ClvOptions::periods_per_month`].
pub(crate) const WEEKS_PER_MONTH: f64 = 30.4375 / 7.0;

/// One customer's recency-frequency-monetary summary, in weeks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rfm {
    /// Repeat purchase days (distinct days after the first).
    pub x: f64,
    pub t_x: f64,
    pub t: f64,
    /// Mean amount of the repeat purchase days (0 without any).
    pub m: f64,
}

/// A fitted transaction model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Transactions {
    Bg(BgNbd),
    Pareto(ParetoNbd),
}

impl TransactionModel for Transactions {
    fn conditional_expected_purchases(&self, t: f64, x: f64, t_x: f64, t_cal: f64) -> f64 {
        match self {
            Transactions::Bg(m) => m.conditional_expected_purchases(t, x, t_x, t_cal),
            Transactions::Pareto(m) => m.conditional_expected_purchases(t, x, t_x, t_cal),
        }
    }
}

impl Transactions {
    pub fn probability_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        match self {
            Transactions::Bg(m) => m.probability_alive(x, t_x, t),
            Transactions::Pareto(m) => m.probability_alive(x, t_x, t),
        }
    }

    /// Unconditional E[X(t)] of a customer who made the first purchase at 0.
    pub fn expected_purchases(&self, t: f64) -> f64 {
        match self {
            Transactions::Bg(m) => m.expected_purchases(t),
            Transactions::Pareto(m) => m.expected_purchases(t),
        }
    }

    fn kind(&self) -> ModelKind {
        match self {
            Transactions::Bg(_) => ModelKind::BgNbd,
            Transactions::Pareto(_) => ModelKind::ParetoNbd,
        }
    }

    fn from_params(kind: ModelKind, p: &[f64]) -> Transactions {
        match kind {
            ModelKind::BgNbd => Transactions::Bg(BgNbd {
                r: p[0],
                alpha: p[1],
                a: p[2],
                b: p[3],
            }),
            ModelKind::ParetoNbd => Transactions::Pareto(ParetoNbd {
                r: p[0],
                alpha: p[1],
                s: p[2],
                beta: p[3],
            }),
        }
    }
}

/// Which transaction model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    BgNbd,
    ParetoNbd,
}

/// A fitted model as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelFit {
    /// `bg_nbd`, `pareto_nbd` or `gamma_gamma`.
    pub model: String,
    pub params: Vec<Param>,
    pub log_likelihood: f64,
    /// Akaike information criterion, 2k − 2 ln L.
    pub aic: f64,
    /// Customers the model was fitted on.
    pub n: f64,
    pub iterations: usize,
    pub warnings: Vec<String>,
}

/// One parameter with its standard error (delta method from the Hessian).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    pub name: String,
    pub estimate: f64,
    pub std_error: f64,
}

fn model_fit(result: &bellwether_clv::optim::FitResult) -> ModelFit {
    let k = result.params.len() as f64;
    ModelFit {
        model: result.model.to_string(),
        params: result
            .params
            .iter()
            .zip(&result.std_errors)
            .map(|((name, estimate), std_error)| Param {
                name: name.to_string(),
                estimate: *estimate,
                std_error: *std_error,
            })
            .collect(),
        log_likelihood: result.log_likelihood,
        aic: 2.0 * k - 2.0 * result.log_likelihood,
        n: result.n,
        iterations: result.iterations,
        warnings: result.warnings.clone(),
    }
}

/// The negative log-likelihood in log-parameters, from a model's analytic gradient in
/// natural parameters, for the Hessian.
struct LogSpace<F: Fn(&[f64]) -> (f64, Vec<f64>)> {
    dim: usize,
    log_likelihood_grad: F,
}

impl<F: Fn(&[f64]) -> (f64, Vec<f64>)> Objective for LogSpace<F> {
    fn dim(&self) -> usize {
        self.dim
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let params: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
        let (value, natural) = (self.log_likelihood_grad)(&params);
        for i in 0..self.dim {
            grad[i] = -natural[i] * params[i];
        }
        -value
    }
}

/// Lower Cholesky factor of the covariance `H⁻¹` in log space at `params`, or `None`
/// when the Hessian is not positive definite.
fn log_space_cholesky(objective: &dyn Objective, params: &[f64]) -> Option<Vec<Vec<f64>>> {
    let theta: Vec<f64> = params.iter().map(|p| p.ln()).collect();
    let covariance = inverse_spd(&hessian(objective, &theta)).ok()?;
    let n = covariance.len();
    let mut l = vec![vec![0.0; n]; n];
    for j in 0..n {
        let mut d = covariance[j][j];
        for k in 0..j {
            d -= l[j][k] * l[j][k];
        }
        if !(d > 0.0 && d.is_finite()) {
            return None;
        }
        l[j][j] = d.sqrt();
        for i in j + 1..n {
            let mut v = covariance[i][j];
            for k in 0..j {
                v -= l[i][k] * l[j][k];
            }
            l[i][j] = v / l[j][j];
        }
    }
    Some(l)
}

/// `exp(ln params + L z)` with standard normal `z`.
fn draw_params(params: &[f64], cholesky: &[Vec<f64>], rng: &mut ChaCha8Rng) -> Vec<f64> {
    let z: Vec<f64> = (0..params.len()).map(|_| standard_normal(rng)).collect();
    params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let shift: f64 = (0..=i).map(|k| cholesky[i][k] * z[k]).sum();
            (p.ln() + shift).exp()
        })
        .collect()
}

/// A standard normal draw (Box-Muller).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The CLV engine's outcome for the customers with purchases (in input order).
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub clv: Vec<f64>,
    pub p_alive: Vec<f64>,
    pub chosen: ModelFit,
    pub rejected: Option<ModelFit>,
    pub rejected_error: Option<String>,
    pub spend: ModelFit,
    pub interval: Option<(f64, f64)>,
    pub valid_draws: usize,
    pub sampled_customers: usize,
    pub kind: ModelKind,
    /// The bootstrap's equities, sorted.
    pub bootstrap: Vec<f64>,
}

fn clv_options(options: &ReportOptions) -> ClvOptions {
    ClvOptions {
        months: options.horizon_months,
        monthly_discount_rate: options.monthly_discount_rate(),
        periods_per_month: WEEKS_PER_MONTH,
    }
}

/// The chosen transaction model with its fit, the other model's fit, and why the other
/// model failed, if it did.
pub(crate) type Fits = ((Transactions, ModelFit), Option<ModelFit>, Option<String>);

/// Fits BG/NBD and Pareto/NBD side by side; the better one first, with the other (or why
/// it failed).
pub(crate) fn fit_transactions(data: &CompressedSummary) -> Result<Fits, ClvError> {
    let (bg, pareto) = std::thread::scope(|scope| {
        let bg = scope
            .spawn(|| BgNbd::fit(data).map(|f| (Transactions::Bg(f.model), model_fit(&f.result))));
        let pareto =
            ParetoNbd::fit(data).map(|f| (Transactions::Pareto(f.model), model_fit(&f.result)));
        let bg = bg.join().unwrap_or_else(|_| {
            Err(ClvError::NotIdentifiable {
                model: "bg_nbd",
                reason: "the fitting thread panicked".to_string(),
            })
        });
        (bg, pareto)
    });
    match (bg, pareto) {
        (Ok(bg), Ok(pareto)) => {
            if pareto.1.log_likelihood > bg.1.log_likelihood {
                Ok((pareto, Some(bg.1), None))
            } else {
                Ok((bg, Some(pareto.1), None))
            }
        }
        (Ok(bg), Err(error)) => Ok((bg, None, Some(error.to_string()))),
        (Err(error), Ok(pareto)) => Ok((pareto, None, Some(error.to_string()))),
        (Err(error), Err(_)) => Err(error),
    }
}

/// Discounted expected purchases of one customer over the horizon: what
/// `customer_lifetime_value(model, x, t_x, T, 1, options)` computes, through
/// [`bg_alive_discounted_purchases`] for BG/NBD and month by month otherwise.
pub(crate) fn discounted_expected_purchases(
    model: &Transactions,
    r: &Rfm,
    options: ClvOptions,
) -> f64 {
    if let Transactions::Bg(bg) = model {
        if let Some(alive) = bg_alive_discounted_purchases(bg, r.x, r.t, options) {
            let value = alive * bg.probability_alive(r.x, r.t_x, r.t);
            return if value.is_nan() {
                value
            } else {
                value.max(0.0)
            };
        }
    }
    customer_lifetime_value(model, r.x, r.t_x, r.t, 1.0, options)
}

/// Terms of the series in [`bg_alive_discounted_purchases`] before it gives up.
const SERIES_MAX_TERMS: usize = 200_000;

/// BG/NBD's discounted expected purchases over the horizon of a customer known to be
/// alive, $\sum_{k=1}^{H} (G(k f) - G((k-1) f)) / (1 + d)^k$, with all months sharing one
/// hypergeometric series; `None` when the series does not apply (then the caller sums
/// month by month).
///
/// FHL (2005, eq. 10) give $E[X(t) \mid x, t_x, T] = P(\text{alive})\, G(t)$ with
///
/// $$G(t) = \frac{a+b+x-1}{a-1}\left[1 - q^{r+x}\,{}_2F_1\!\left(r+x, b+x; a+b+x-1; z\right)\right],\quad q = \frac{\alpha+T}{\alpha+T+t},\ z = 1 - q.$$
///
/// Euler's transformation (A&S 15.3.3) turns $q^{r+x} {}_2F_1(r+x, b+x; C; z)$ into
/// $q^{a-1} {}_2F_1(a+b-1-r, a-1; C; z)$ with $C = a+b+x-1$, whose terms shrink with $x$
/// instead of growing. Every term after the first carries the factor $a - 1$, so dividing
/// it out leaves
///
/// $$G(t) = C\left[\frac{1 - q^{a-1}}{a-1} - q^{a-1}\sum_{n \ge 1} d_n z^n\right],\quad d_1 = \frac{a+b-1-r}{C},\ d_{n+1} = d_n\frac{(a+b-1-r+n)(a+n)}{(C+n)(n+1)},$$
///
/// which has no singularity at $a = 1$. The coefficients $d_n$ do not depend on $t$, so
/// the 36 months of a 3-year horizon cost one series instead of 36 hypergeometric
/// functions (each with its own gamma functions and logarithms).
pub(crate) fn bg_alive_discounted_purchases(
    model: &BgNbd,
    x: f64,
    t_cal: f64,
    options: ClvOptions,
) -> Option<f64> {
    let BgNbd { r, alpha, a, b } = *model;
    let c = a + b + x - 1.0;
    let alpha1 = a + b - 1.0 - r;
    let beta1 = a - 1.0;
    let scale = alpha + t_cal;
    let months = options.months as usize;
    let per_month = options.periods_per_month;
    let applies = c > 0.0
        && scale > 0.0
        && per_month > 0.0
        && months > 0
        && [r, alpha, a, b, x, t_cal].iter().all(|v| v.is_finite());
    if !applies {
        return None;
    }
    let z: Vec<f64> = (1..=months)
        .map(|k| {
            let t = k as f64 * per_month;
            t / (scale + t)
        })
        .collect();
    let z_max = z[months - 1];
    let mut sums = vec![0.0; months];
    let mut powers = z.clone();
    let mut coefficient = alpha1 / c;
    let mut converged = false;
    for n in 1..=SERIES_MAX_TERMS {
        for k in 0..months {
            sums[k] += coefficient * powers[k];
            powers[k] *= z[k];
        }
        let next = n as f64;
        let ratio = (alpha1 + next) * (beta1 + next) / ((c + next) * (next + 1.0));
        coefficient *= ratio;
        // The largest z bounds every month's next term; once the ratio of successive
        // terms is below one the tail is at most term · z / (1 - z).
        let tail = (coefficient * powers[months - 1]).abs() / (1.0 - z_max);
        if coefficient == 0.0
            || (ratio.abs() * z_max < 1.0 && tail <= 1e-16 * (1.0 + sums[months - 1].abs()))
        {
            converged = true;
            break;
        }
    }
    if !converged {
        return None;
    }
    let discount = 1.0 + options.monthly_discount_rate;
    let mut previous = 0.0;
    let mut value = 0.0;
    let mut factor = 1.0;
    for k in 0..months {
        let t = (k + 1) as f64 * per_month;
        let ln_q = -(t / scale).ln_1p();
        let q_power = (beta1 * ln_q).exp();
        let first = if beta1 == 0.0 {
            -ln_q
        } else {
            -(beta1 * ln_q).exp_m1() / beta1
        };
        let cumulative = c * (first - q_power * sums[k]);
        if !cumulative.is_finite() {
            return None;
        }
        factor /= discount;
        value += (cumulative - previous).max(0.0) * factor;
        previous = cumulative.max(previous);
    }
    Some(value)
}

/// Discounted expected purchases over the horizon of every row, computed once per
/// distinct `(x, T)` and scaled by P(alive) (see the module docs).
pub(crate) fn discounted_purchases(
    model: &Transactions,
    rows: &[Rfm],
    options: ClvOptions,
) -> (Vec<f64>, Vec<f64>) {
    let p_alive = rows
        .par_iter()
        .with_min_len(64)
        .map(|r| model.probability_alive(r.x, r.t_x, r.t))
        .collect::<Vec<_>>();
    // The representative of each (x, T) is its row with the largest t_x (the largest P(alive)).
    let mut groups: std::collections::HashMap<(u64, u64), usize> = Default::default();
    let mut representatives: Vec<usize> = Vec::new();
    let group_of: Vec<usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let g = *groups
                .entry((r.x.to_bits(), r.t.to_bits()))
                .or_insert_with(|| {
                    representatives.push(i);
                    representatives.len() - 1
                });
            if r.t_x > rows[representatives[g]].t_x {
                representatives[g] = i;
            }
            g
        })
        .collect();
    drop(groups);
    let per_group = representatives
        .par_iter()
        .with_min_len(64)
        .map(|&i| discounted_expected_purchases(model, &rows[i], options))
        .collect::<Vec<_>>();
    let discounted = rows
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let g = group_of[i];
            let representative = representatives[g];
            let p_rep = p_alive[representative];
            if i == representative {
                per_group[g]
            } else if p_rep > 0.0 && p_rep.is_finite() {
                per_group[g] * p_alive[i] / p_rep
            } else {
                0.0
            }
        })
        .collect();
    (discounted, p_alive)
}

/// Fits the models, computes every customer's CLV and P(alive), and the equity interval.
pub(crate) fn equity(rows: &[Rfm], options: &ReportOptions) -> Result<Outcome, ReportError> {
    equity_with(rows, options, false)
}

/// [`equity`], evaluating each bootstrap draw on every customer when `full_population`
/// (slow; the test of the sampled estimator compares against it).
fn equity_with(
    rows: &[Rfm],
    options: &ReportOptions,
    full_population: bool,
) -> Result<Outcome, ReportError> {
    let clv_err = |error: ClvError| ReportError::Clv(error.to_string());
    let data =
        CompressedSummary::from_rows(rows.iter().map(|r| (r.x, r.t_x, r.t))).map_err(clv_err)?;
    options.check_deadline()?;
    let ((model, chosen), rejected, rejected_error) = fit_transactions(&data).map_err(clv_err)?;
    options.check_deadline()?;
    let frequency: Vec<f64> = rows.iter().map(|r| r.x).collect();
    let monetary: Vec<f64> = rows.iter().map(|r| r.m).collect();
    let spend_data = SpendData::new(&frequency, &monetary).map_err(clv_err)?;
    let gg = GammaGamma::fit(&spend_data).map_err(clv_err)?;
    let spend = model_fit(&gg.result);
    let options_clv = clv_options(options);
    let (discounted, p_alive) = discounted_purchases(&model, rows, options_clv);
    let expected_spend: Vec<f64> = rows
        .iter()
        .map(|r| gg.model.conditional_expected_average_spend(r.x, r.m))
        .collect();
    let clv: Vec<f64> = discounted
        .iter()
        .zip(&expected_spend)
        .map(|(d, s)| d * s)
        .collect();

    options.check_deadline()?;
    // The parametric bootstrap.
    let kind = model.kind();
    let data =
        CompressedSummary::from_rows(rows.iter().map(|r| (r.x, r.t_x, r.t))).map_err(clv_err)?;
    let tx_params: Vec<f64> = chosen.params.iter().map(|p| p.estimate).collect();
    let gg_params = [gg.model.p, gg.model.q, gg.model.v];
    let tx_objective = LogSpace {
        dim: 4,
        log_likelihood_grad: |p: &[f64]| {
            let (value, grad) = match kind {
                ModelKind::BgNbd => bgnbd::log_likelihood_grad(
                    BgNbd {
                        r: p[0],
                        alpha: p[1],
                        a: p[2],
                        b: p[3],
                    },
                    &data,
                ),
                ModelKind::ParetoNbd => pareto_nbd::log_likelihood_grad(
                    ParetoNbd {
                        r: p[0],
                        alpha: p[1],
                        s: p[2],
                        beta: p[3],
                    },
                    &data,
                ),
            };
            (value, grad.to_vec())
        },
    };
    let gg_objective = LogSpace {
        dim: 3,
        log_likelihood_grad: |p: &[f64]| {
            let (value, grad) = gamma_gamma::log_likelihood_grad(
                GammaGamma {
                    p: p[0],
                    q: p[1],
                    v: p[2],
                },
                &spend_data,
            );
            (value, grad.to_vec())
        },
    };
    let total: f64 = clv.iter().sum();
    let mut interval = None;
    let mut valid_draws = 0;
    let mut sampled_customers = 0;
    let mut bootstrap = Vec::new();
    if let (Some(tx_l), Some(gg_l)) = (
        log_space_cholesky(&tx_objective, &tx_params),
        log_space_cholesky(&gg_objective, &gg_params),
    ) {
        if options.bootstrap_draws > 0 && options.bootstrap_customers > 0 && total > 0.0 {
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
            let draws: Vec<(Vec<f64>, Vec<f64>)> = (0..options.bootstrap_draws)
                .map(|_| {
                    (
                        draw_params(&tx_params, &tx_l, &mut rng),
                        draw_params(&gg_params, &gg_l, &mut rng),
                    )
                })
                .collect();
            // Hansen-Hurwitz weights: count / (n p_i) for the sample, 1 for everyone.
            let weighted: Vec<(usize, f64)> = if full_population {
                (0..rows.len()).map(|i| (i, 1.0)).collect()
            } else {
                let sample = pps_sample(&clv, total, options.bootstrap_customers, &mut rng);
                let n = options.bootstrap_customers as f64;
                sample
                    .into_iter()
                    .map(|(i, count)| (i, f64::from(count) / (n * clv[i] / total)))
                    .collect()
            };
            sampled_customers = weighted.len();
            let equities = draws
                .par_iter()
                .with_min_len(64)
                .map(|(tx, g)| {
                    // Past the time budget, the remaining draws are skipped (and the error returned).
                    if options.check_deadline().is_err() {
                        return f64::NAN;
                    }
                    let model = Transactions::from_params(kind, tx);
                    let gg = GammaGamma {
                        p: g[0],
                        q: g[1],
                        v: g[2],
                    };
                    weighted
                        .iter()
                        .map(|&(i, weight)| {
                            let r = rows[i];
                            weight
                                * gg.conditional_expected_average_spend(r.x, r.m)
                                * discounted_expected_purchases(&model, &r, options_clv)
                        })
                        .sum::<f64>()
                })
                .collect::<Vec<_>>();
            options.check_deadline()?;
            let mut valid: Vec<f64> = equities.into_iter().filter(|e| e.is_finite()).collect();
            valid_draws = valid.len();
            valid.sort_by(f64::total_cmp);
            if valid_draws >= 2 {
                let tail = (1.0 - options.interval_level) / 2.0;
                interval = Some((quantile(&valid, tail), quantile(&valid, 1.0 - tail)));
            }
            bootstrap = valid;
        }
    }
    Ok(Outcome {
        clv,
        p_alive,
        chosen,
        rejected,
        rejected_error,
        spend,
        interval,
        valid_draws,
        sampled_customers,
        kind,
        bootstrap,
    })
}

/// `n` draws with replacement, with probability `clv[i] / total`, as (index, count).
fn pps_sample(clv: &[f64], total: f64, n: usize, rng: &mut ChaCha8Rng) -> Vec<(usize, u32)> {
    let mut cumulative = Vec::with_capacity(clv.len());
    let mut sum = 0.0;
    for value in clv {
        sum += value.max(0.0) / total;
        cumulative.push(sum);
    }
    let mut counts: std::collections::BTreeMap<usize, u32> = Default::default();
    for _ in 0..n {
        let u = rng.gen::<f64>() * sum;
        let i = cumulative
            .partition_point(|&c| c <= u)
            .min(clv.len().saturating_sub(1));
        *counts.entry(i).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

/// The `q` quantile of sorted values, by linear interpolation (type 7).
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

/// Cumulative repeat purchases, actual and expected, week by week, from a model fitted
/// on the calibration period only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tracking {
    pub model: ModelFit,
    /// Weeks since the first purchase in the data at which calibration ends.
    pub calibration_weeks: f64,
    pub weeks: Vec<f64>,
    pub actual: Vec<f64>,
    pub expected: Vec<f64>,
    /// Repeat purchases in the holdout period, actual and expected.
    pub holdout_actual: f64,
    pub holdout_expected: f64,
}

/// The tracking plot, when the history allows one: at least 26 weeks of calibration
/// and 13 weeks of holdout, calibration ending at two thirds of the span.
/// `days` are each customer's distinct purchase days, sorted.
pub(crate) fn tracking(
    days: &[Vec<i32>],
    first: i32,
    last: i32,
    kind: ModelKind,
) -> Option<Tracking> {
    let span = last - first;
    let calibration_end = first + span * 2 / 3;
    if calibration_end - first < 26 * 7 || last - calibration_end < 13 * 7 {
        return None;
    }
    let mut rows = Vec::new();
    let mut births: std::collections::BTreeMap<i32, f64> = Default::default();
    let n_weeks = (span as usize).div_ceil(7);
    let mut weekly_repeat = vec![0.0; n_weeks + 1];
    for customer_days in days {
        let Some(&birth) = customer_days.first() else {
            continue;
        };
        if birth > calibration_end {
            continue;
        }
        let calibration = customer_days.partition_point(|&d| d <= calibration_end);
        let last_calibration = customer_days[calibration - 1];
        rows.push(Rfm {
            x: (calibration - 1) as f64,
            t_x: f64::from(last_calibration - birth) / 7.0,
            t: f64::from(calibration_end - birth) / 7.0,
            m: 0.0,
        });
        *births.entry(birth).or_insert(0.0) += 1.0;
        for &day in &customer_days[1..] {
            let week = ((day - first) as usize).div_ceil(7);
            weekly_repeat[week.min(n_weeks)] += 1.0;
        }
    }
    let data = CompressedSummary::from_rows(rows.iter().map(|r| (r.x, r.t_x, r.t))).ok()?;
    let (model, fit) = match kind {
        ModelKind::BgNbd => BgNbd::fit(&data)
            .ok()
            .map(|f| (Transactions::Bg(f.model), model_fit(&f.result)))?,
        ModelKind::ParetoNbd => ParetoNbd::fit(&data)
            .ok()
            .map(|f| (Transactions::Pareto(f.model), model_fit(&f.result)))?,
    };
    let births: Vec<(i32, f64)> = births.into_iter().collect();
    let weeks: Vec<f64> = (0..=n_weeks).map(|w| w as f64).collect();
    let expected = weeks
        .par_iter()
        .with_min_len(64)
        .map(|&w| {
            let day = f64::from(first) + 7.0 * w;
            births
                .iter()
                .filter(|(birth, _)| f64::from(*birth) <= day)
                .map(|(birth, count)| {
                    count * model.expected_purchases((day - f64::from(*birth)) / 7.0)
                })
                .sum::<f64>()
        })
        .collect::<Vec<_>>();
    let mut actual = Vec::with_capacity(weekly_repeat.len());
    let mut sum = 0.0;
    for count in weekly_repeat {
        sum += count;
        actual.push(sum);
    }
    let calibration_weeks = f64::from(calibration_end - first) / 7.0;
    let at = |series: &[f64], week: f64| series[(week.floor() as usize).min(series.len() - 1)];
    let holdout_actual = at(&actual, n_weeks as f64) - at(&actual, calibration_weeks);
    let holdout_expected = at(&expected, n_weeks as f64) - at(&expected, calibration_weeks);
    Some(Tracking {
        model: fit,
        calibration_weeks,
        weeks,
        actual,
        expected,
        holdout_actual,
        holdout_expected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Rfm> {
        let mut rows = Vec::new();
        for i in 0..400u32 {
            let x = f64::from(i % 9);
            let t = 20.0 + f64::from(i % 37) * 3.0;
            let t_x = if x == 0.0 {
                0.0
            } else {
                t * f64::from(i % 11) / 10.0
            };
            rows.push(Rfm {
                x,
                t_x,
                t,
                m: 50.0 + f64::from(i % 13) * 10.0,
            });
        }
        rows
    }

    #[test]
    fn factorised_clv_matches_the_direct_sum() {
        let options = ClvOptions {
            months: 24,
            monthly_discount_rate: 0.008,
            periods_per_month: WEEKS_PER_MONTH,
        };
        let models = [
            Transactions::Bg(BgNbd {
                r: 0.24,
                alpha: 4.4,
                a: 0.79,
                b: 2.4,
            }),
            Transactions::Pareto(ParetoNbd {
                r: 0.55,
                alpha: 10.6,
                s: 0.61,
                beta: 11.7,
            }),
        ];
        let rows = rows();
        for model in models {
            let (fast, p_alive) = discounted_purchases(&model, &rows, options);
            for (i, r) in rows.iter().enumerate() {
                let direct = customer_lifetime_value(&model, r.x, r.t_x, r.t, 1.0, options);
                assert!(
                    (fast[i] - direct).abs() <= 1e-9 * direct.abs().max(1e-12),
                    "{model:?} row {r:?}: {} vs {direct}",
                    fast[i]
                );
                assert!((0.0..=1.0).contains(&p_alive[i]));
            }
        }
    }

    #[test]
    fn shared_series_matches_the_month_by_month_sum() {
        // The series against the CLV engine's month-by-month sum of hypergeometric functions,
        // including a = 1 exactly and nearby (the demo's fit has a = 1.067), customers seen
        // today (T = 0, where z comes closest to 1) and heavy buyers (large x).
        let options = ClvOptions {
            months: 36,
            monthly_discount_rate: 0.008,
            periods_per_month: WEEKS_PER_MONTH,
        };
        let models = [
            BgNbd {
                r: 0.24,
                alpha: 4.4,
                a: 0.79,
                b: 2.4,
            },
            BgNbd {
                r: 0.86,
                alpha: 3.5,
                a: 1.0674,
                b: 17.07,
            },
            BgNbd {
                r: 0.86,
                alpha: 3.5,
                a: 1.0,
                b: 17.07,
            },
            BgNbd {
                r: 1.9,
                alpha: 0.7,
                a: 2.5,
                b: 0.9,
            },
            BgNbd {
                r: 0.3,
                alpha: 40.0,
                a: 0.2,
                b: 0.95,
            },
        ];
        for model in models {
            for x in [0.0, 1.0, 5.0, 30.0, 80.0] {
                for t_cal in [0.0, 0.5, 10.0, 150.0] {
                    for share in [0.0, 0.5, 1.0] {
                        let t_x = if x == 0.0 { 0.0 } else { share * t_cal };
                        let row = Rfm {
                            x,
                            t_x,
                            t: t_cal,
                            m: 0.0,
                        };
                        let direct = customer_lifetime_value(
                            &Transactions::Bg(model),
                            x,
                            t_x,
                            t_cal,
                            1.0,
                            options,
                        );
                        assert!(
                            bg_alive_discounted_purchases(&model, x, t_cal, options).is_some(),
                            "{model:?} x {x} T {t_cal}: the series did not apply"
                        );
                        let fast =
                            discounted_expected_purchases(&Transactions::Bg(model), &row, options);
                        // At a = 1 exactly the engine averages a = 1 ± 1e-7, losing about
                        // seven digits to cancellation; elsewhere both agree to rounding.
                        let tolerance = if model.a == 1.0 { 1e-6 } else { 1e-9 };
                        assert!(
                            (fast - direct).abs() <= tolerance * direct.abs().max(1e-9),
                            "{model:?} {row:?}: {fast} vs {direct}"
                        );
                    }
                }
            }
        }
    }

    /// A population simulated from BG/NBD with Gamma spend.
    fn simulated(n: usize) -> Vec<Rfm> {
        let mut rng = bellwether_clv::simulate::Rng::new(11);
        let truth = BgNbd {
            r: 0.8,
            alpha: 4.0,
            a: 0.9,
            b: 6.0,
        };
        let t_cal: Vec<f64> = (0..n).map(|i| 20.0 + (i % 130) as f64).collect();
        bellwether_clv::simulate::bgnbd(truth, &t_cal, 0.0, &mut rng)
            .into_iter()
            .map(|c| Rfm {
                x: c.x,
                t_x: c.t_x,
                t: c.t,
                m: if c.x > 0.0 {
                    rng.gamma(4.0, 4.0 / 300.0)
                } else {
                    0.0
                },
            })
            .collect()
    }

    #[test]
    fn sampled_bootstrap_matches_the_full_population() {
        let rows = simulated(1500);
        let options = ReportOptions {
            bootstrap_draws: 40,
            bootstrap_customers: 500,
            ..ReportOptions::default()
        };
        let sampled = equity_with(&rows, &options, false).unwrap();
        let full = equity_with(&rows, &options, true).unwrap();
        let total: f64 = full.clv.iter().sum();
        assert_eq!(sampled.bootstrap.len(), 40);
        assert_eq!(full.bootstrap.len(), 40);
        // Same parameter draws: the sampled estimator is within 1 % of the full-population
        // equity at every quantile, and the interval is not degenerate.
        for q in [0.05, 0.25, 0.5, 0.75, 0.95] {
            let a = quantile(&sampled.bootstrap, q);
            let b = quantile(&full.bootstrap, q);
            assert!(
                (a - b).abs() < 0.01 * total,
                "quantile {q}: {a} vs {b} (total {total})"
            );
        }
        let (low, high) = full.interval.unwrap();
        assert!(
            low < total && total < high && (high - low) > 0.005 * total,
            "{low} {total} {high}"
        );
    }

    #[test]
    fn quantiles_interpolate() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&sorted, 0.5), 3.0);
        assert_eq!(quantile(&sorted, 0.05), 1.2);
        assert_eq!(quantile(&sorted, 1.0), 5.0);
    }

    #[test]
    fn pps_sample_reproduces_the_total_at_the_estimate() {
        let clv = [10.0, 0.0, 30.0, 60.0];
        let total = 100.0;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let sample = pps_sample(&clv, total, 50, &mut rng);
        assert!(
            sample.iter().all(|&(i, _)| i != 1),
            "a zero-CLV customer was drawn"
        );
        let n: u32 = sample.iter().map(|s| s.1).sum();
        assert_eq!(n, 50);
        let estimate: f64 = sample
            .iter()
            .map(|&(i, c)| f64::from(c) * clv[i] / (clv[i] / total))
            .sum::<f64>()
            / 50.0;
        assert!((estimate - total).abs() < 1e-9);
    }
}
