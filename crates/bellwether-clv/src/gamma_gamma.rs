//! Gamma-Gamma spend model and discounted customer lifetime value.
//!
//! Source: Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for
//! customer base analysis", *Journal of Marketing Research* 42(4):415–430.
//! A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across
//! customers (γ is `v` here, as in lifetimes). The likelihood of a customer with
//! $x > 0$ repeat transactions of mean value $\bar m$ is
//!
//! $$
//! f(\bar m \mid p, q, \gamma; x) =
//! \frac{\Gamma(px + q)}{\Gamma(px)\\,\Gamma(q)}
//! \frac{\gamma^q\\, \bar m^{px - 1}\\, x^{px}}{(\gamma + x \bar m)^{px + q}},
//! $$
//!
//! fitted on the customers with x > 0 only. The model assumes spend is
//! independent of frequency; the fit warns when their Pearson correlation
//! exceeds 0.3 in absolute value.
//!
//! Customer lifetime value follows lifetimes' `customer_lifetime_value`: for
//! months $i = 1..M$, with $f$ = model periods per month and monthly discount
//! rate $d$,
//!
//! $$
//! \mathrm{CLV} = \sum_{i=1}^{M} \bar z \\,
//! \frac{E[X(i f) \mid x, t_x, T] - E[X((i-1) f) \mid x, t_x, T]}{(1 + d)^{i}},
//! $$
//!
//! where $\bar z$ is the Gamma-Gamma conditional expected spend per transaction.

use std::collections::HashMap;

use serde::Serialize;

use crate::bgnbd::BgNbd;
use crate::error::ClvError;
use crate::mbgnbd::MbgNbd;
use crate::optim::{fit_log_space, Fitted, MinimizeOptions, Objective};
use crate::special::{digamma, ln_gamma};
use crate::summary::CustomerSummary;

const MODEL: &str = "gamma_gamma";

/// Gamma-Gamma parameters (p, q, v = γ).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

/// Unique (x, mean spend) pairs of the customers with x > 0, with weights.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpendData {
    x: Vec<f64>,
    m: Vec<f64>,
    weight: Vec<f64>,
    n: f64,
    correlation: f64,
}

impl SpendData {
    /// Keeps the customers with `frequency > 0`; their `monetary_value` must be
    /// finite and > 0. Also computes the frequency/spend Pearson correlation.
    pub fn new(frequency: &[f64], monetary_value: &[f64]) -> Result<Self, ClvError> {
        if frequency.len() != monetary_value.len() {
            return Err(ClvError::InvalidInput {
                row: frequency.len().min(monetary_value.len()),
                reason: "frequency and monetary value have different lengths".to_string(),
            });
        }
        let mut index: HashMap<(u64, u64), usize> = HashMap::new();
        let mut out = Self::default();
        let (mut sx, mut sm, mut sxx, mut smm, mut sxm) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (row, (&x, &m)) in frequency.iter().zip(monetary_value).enumerate() {
            if !(x.is_finite() && x >= 0.0) {
                return Err(ClvError::InvalidInput {
                    row,
                    reason: "frequency must be finite and >= 0".to_string(),
                });
            }
            if x == 0.0 {
                continue;
            }
            if !(m.is_finite() && m > 0.0) {
                return Err(ClvError::InvalidInput {
                    row,
                    reason: "monetary value must be finite and > 0 when frequency > 0".to_string(),
                });
            }
            sx += x;
            sm += m;
            sxx += x * x;
            smm += m * m;
            sxm += x * m;
            out.n += 1.0;
            match index.get(&(x.to_bits(), m.to_bits())) {
                Some(&j) => out.weight[j] += 1.0,
                None => {
                    index.insert((x.to_bits(), m.to_bits()), out.x.len());
                    out.x.push(x);
                    out.m.push(m);
                    out.weight.push(1.0);
                }
            }
        }
        let n = out.n;
        let cov = sxm / n - (sx / n) * (sm / n);
        let var_x = sxx / n - (sx / n).powi(2);
        let var_m = smm / n - (sm / n).powi(2);
        out.correlation = if n > 1.0 && var_x > 0.0 && var_m > 0.0 {
            cov / (var_x * var_m).sqrt()
        } else {
            0.0
        };
        Ok(out)
    }

    /// From transaction summaries (their calibration frequency and mean repeat spend).
    pub fn from_summaries<K>(summaries: &[CustomerSummary<K>]) -> Result<Self, ClvError> {
        let frequency: Vec<f64> = summaries.iter().map(|s| f64::from(s.frequency)).collect();
        let monetary: Vec<f64> = summaries.iter().map(|s| s.monetary_value).collect();
        Self::new(&frequency, &monetary)
    }

    /// Number of customers with x > 0.
    pub fn n(&self) -> f64 {
        self.n
    }

    /// Number of unique (x, m) pairs.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Pearson correlation between frequency and mean spend (0 when undefined).
    pub fn correlation(&self) -> f64 {
        self.correlation
    }
}

/// The negative Gamma-Gamma log-likelihood in `theta = ln(p, q, v)`.
pub struct GammaGammaObjective<'a> {
    pub data: &'a SpendData,
}

impl Objective for GammaGammaObjective<'_> {
    fn dim(&self) -> usize {
        3
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let p = [theta[0].exp(), theta[1].exp(), theta[2].exp()];
        let (ll, g) = log_likelihood_grad(
            GammaGamma {
                p: p[0],
                q: p[1],
                v: p[2],
            },
            self.data,
        );
        for i in 0..3 {
            grad[i] = -g[i] * p[i];
        }
        -ll
    }
}

/// Log-likelihood and its gradient in `(p, q, v)`.
pub fn log_likelihood_grad(model: GammaGamma, data: &SpendData) -> (f64, [f64; 3]) {
    let GammaGamma { p, q, v } = model;
    if !(p > 0.0 && q > 0.0 && v > 0.0 && p.is_finite() && q.is_finite() && v.is_finite()) {
        return (f64::NEG_INFINITY, [f64::NAN; 3]);
    }
    let (lg_q, dg_q, ln_v) = (ln_gamma(q), digamma(q), v.ln());
    let mut ll = 0.0;
    let mut g = [0.0; 3];
    for i in 0..data.x.len() {
        let (x, m, w) = (data.x[i], data.m[i], data.weight[i]);
        let px = p * x;
        let (ln_m, ln_x, ln_vxm) = (m.ln(), x.ln(), (v + x * m).ln());
        let dg_pxq = digamma(px + q);
        ll += w
            * (ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_v + (px - 1.0) * ln_m + px * ln_x
                - (px + q) * ln_vxm);
        g[0] += w * x * (dg_pxq - digamma(px) + ln_m + ln_x - ln_vxm);
        g[1] += w * (dg_pxq - dg_q + ln_v - ln_vxm);
        g[2] += w * (q / v - (px + q) / (v + x * m));
    }
    (ll, g)
}

impl GammaGamma {
    /// Fits by maximum likelihood with default options.
    pub fn fit(data: &SpendData) -> Result<Fitted<GammaGamma>, ClvError> {
        Self::fit_with(data, MinimizeOptions::default())
    }

    /// Fits by maximum likelihood on the customers with x > 0. Adds a warning when
    /// |corr(frequency, spend)| > 0.3. Errors: [`ClvError::NotIdentifiable`] with
    /// fewer than two distinct repeat customers or a Hessian that is not positive
    /// definite; [`ClvError::FitDidNotConverge`].
    pub fn fit_with(
        data: &SpendData,
        options: MinimizeOptions,
    ) -> Result<Fitted<GammaGamma>, ClvError> {
        if data.len() < 2 {
            return Err(ClvError::NotIdentifiable {
                model: MODEL,
                reason: "needs at least two customers with repeat purchases and different spend"
                    .to_string(),
            });
        }
        let mean_m = data
            .m
            .iter()
            .zip(&data.weight)
            .map(|(m, w)| m * w)
            .sum::<f64>()
            / data.n;
        // All ones (lifetimes' start), then a moment-style start with E[m] = p v / (q - 1).
        let starts = vec![
            vec![0.0; 3],
            vec![2.0_f64.ln(), 3.0_f64.ln(), mean_m.ln()],
            vec![5.0_f64.ln(), 0.0, 0.0],
        ];
        let objective = GammaGammaObjective { data };
        let mut result = fit_log_space(
            MODEL,
            &["p", "q", "v"],
            &objective,
            &starts,
            data.n,
            options,
        )?;
        if data.correlation.abs() > 0.3 {
            result.warnings.push(format!(
                "frequency and monetary value are correlated (pearson r = {:.3}); gamma-gamma assumes independence",
                data.correlation
            ));
        }
        let v = result.values();
        Ok(Fitted {
            model: GammaGamma {
                p: v[0],
                q: v[1],
                v: v[2],
            },
            result,
        })
    }

    /// Sum of log-likelihoods over the customers of `data`.
    pub fn log_likelihood(&self, data: &SpendData) -> f64 {
        log_likelihood_grad(*self, data).0
    }

    /// E[Z | x, m̄]: expected mean spend per transaction of a customer with `x`
    /// repeat transactions of mean value `m` (FHL 2005 JMR, eq. 5):
    /// $\frac{p(\gamma + x \bar m)}{px + q - 1}$, a weighted mean of the population
    /// mean $p\gamma/(q-1)$ and $\bar m$. Infinite when $px + q \le 1$.
    pub fn conditional_expected_average_spend(&self, x: f64, m: f64) -> f64 {
        let (x, m) = if x > 0.0 && m.is_finite() && m >= 0.0 {
            (x, m)
        } else {
            (0.0, 0.0)
        };
        let denominator = self.p * x + self.q - 1.0;
        if denominator <= 0.0 {
            return f64::INFINITY;
        }
        self.p * (self.v + x * m) / denominator
    }
}

/// A model of repeat purchases that can predict a customer's future purchases.
pub trait TransactionModel {
    /// E[X(t) | x, t_x, T].
    fn conditional_expected_purchases(&self, t: f64, x: f64, t_x: f64, t_cal: f64) -> f64;
}

impl TransactionModel for BgNbd {
    fn conditional_expected_purchases(&self, t: f64, x: f64, t_x: f64, t_cal: f64) -> f64 {
        BgNbd::conditional_expected_purchases(self, t, x, t_x, t_cal)
    }
}

impl TransactionModel for MbgNbd {
    fn conditional_expected_purchases(&self, t: f64, x: f64, t_x: f64, t_cal: f64) -> f64 {
        MbgNbd::conditional_expected_purchases(self, t, x, t_x, t_cal)
    }
}

impl TransactionModel for crate::pareto_nbd::ParetoNbd {
    fn conditional_expected_purchases(&self, t: f64, x: f64, t_x: f64, t_cal: f64) -> f64 {
        crate::pareto_nbd::ParetoNbd::conditional_expected_purchases(self, t, x, t_x, t_cal)
    }
}

/// Options of [`customer_lifetime_value`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct ClvOptions {
    /// Horizon in months.
    pub months: u32,
    /// Discount rate per month (0.01 = 1 %).
    pub monthly_discount_rate: f64,
    /// Model time units per month: 30 for days and 4.345 for weeks in lifetimes;
    /// 30.4375 / 7 ≈ 4.348 for [`crate::summary::TimeUnit::Week`] exactly.
    pub periods_per_month: f64,
}

impl Default for ClvOptions {
    /// Twelve months at 1 % a month, time in weeks (lifetimes' week factor).
    fn default() -> Self {
        Self {
            months: 12,
            monthly_discount_rate: 0.01,
            periods_per_month: 4.345,
        }
    }
}

/// Discounted CLV of one customer (see the module docs): monthly increments of
/// E[X(t) | x, t_x, T] times `expected_spend`, discounted monthly.
pub fn customer_lifetime_value(
    model: &dyn TransactionModel,
    x: f64,
    t_x: f64,
    t_cal: f64,
    expected_spend: f64,
    options: ClvOptions,
) -> f64 {
    let f = options.periods_per_month;
    let mut previous = 0.0;
    let mut value = 0.0;
    for month in 1..=options.months {
        let cumulative = model.conditional_expected_purchases(f64::from(month) * f, x, t_x, t_cal);
        let increment = (cumulative - previous).max(0.0);
        previous = cumulative.max(previous);
        value +=
            expected_spend * increment / (1.0 + options.monthly_discount_rate).powi(month as i32);
    }
    value
}

/// Customer equity: the sum of [`customer_lifetime_value`] over
/// `(x, t_x, T, expected_spend)` rows.
pub fn customer_equity(
    model: &dyn TransactionModel,
    customers: &[(f64, f64, f64, f64)],
    options: ClvOptions,
) -> f64 {
    customers
        .iter()
        .map(|&(x, t_x, t_cal, spend)| {
            customer_lifetime_value(model, x, t_x, t_cal, spend, options)
        })
        .sum()
}
