//! The report's figures: every number of the report, computed from the input, and the
//! JSON output of `bellwether report --format json`.

use bellwether_core::Quadrant;
use bellwether_i18n::Date;
use serde::Serialize;

use crate::clv::{self as engine, Rfm};
pub use crate::clv::{ModelFit, ModelKind, Param, Tracking};
use crate::{ReportError, ReportInput, ReportOptions};

/// All figures of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub data: DataCoverage,
    pub options: ReportOptions,
    /// The acquirer spec, repeated here because `options` does not serialise it.
    pub acquirer_spec: Option<crate::AcquirerSpec>,
    pub equity: Equity,
    pub retention: Retention,
    pub concentration: Concentration,
    pub strategic: Strategic,
    pub jump_ship: JumpShip,
    pub acquirer: Option<Acquirer>,
    pub discounts: Discounts,
    pub method: Method,
    /// The biggest risks, most serious first, for the executive summary.
    pub risks: Vec<Risk>,
    /// Each customer's value, in the order of the input customers. Not in the JSON (a million
    /// rows); the web app's customer pages show it.
    #[serde(skip)]
    pub customer_values: Vec<CustomerValue>,
}

/// One customer's value under the report's models.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CustomerValue {
    /// Discounted expected spend over the report's horizon (0 without purchases).
    pub clv: f64,
    /// Probability that the customer is still active at the end of the data (NaN without purchases).
    pub p_alive: f64,
}

/// What the data cover.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataCoverage {
    pub customers: usize,
    pub customers_with_purchases: usize,
    pub transactions: usize,
    /// Distinct (customer, day) pairs: the purchase events the models count.
    pub purchase_days: usize,
    /// Transactions with an amount of zero or less (refunds, credits).
    pub non_positive_amounts: usize,
    pub first_date: Date,
    pub last_date: Date,
    pub total_revenue: f64,
}

/// One group's share of customers, revenue and equity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupValue {
    pub group: String,
    pub customers: usize,
    pub revenue: f64,
    pub equity: f64,
    pub share_of_equity: f64,
}

/// Customer equity: the sum of discounted CLV.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Equity {
    pub model: ModelKind,
    pub total: f64,
    /// Percentile interval of the parametric bootstrap, when the Hessians allowed one.
    pub interval: Option<[f64; 2]>,
    pub interval_level: f64,
    pub valid_draws: usize,
    /// Standard deviation of the bootstrap's equities.
    pub bootstrap_std_dev: Option<f64>,
    pub bootstrap_sample: usize,
    pub by_quadrant: Vec<GroupValue>,
    /// The largest segments by equity, the rest summed as `other`.
    pub by_segment: Vec<GroupValue>,
    pub mean_clv: f64,
}

/// Retention of one acquisition cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    pub year: i32,
    /// 1 to 4.
    pub quarter: u32,
    pub size: usize,
    /// Share of the cohort with a purchase in its k-th quarter (k = 0 is the first).
    pub retention: Vec<f64>,
}

/// A bin of a histogram on [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    pub low: f64,
    pub high: f64,
    pub strategic: usize,
    pub other: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retention {
    /// Cohorts by quarter of first purchase; the last quarter may be partial.
    pub cohorts: Vec<Cohort>,
    pub last_quarter_partial: bool,
    pub p_alive_bins: Vec<Bin>,
    pub mean_p_alive: f64,
    pub tracking: Option<Tracking>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopShare {
    pub top: usize,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LargeCustomer {
    pub customer_id: String,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concentration {
    pub top: Vec<TopShare>,
    /// Herfindahl-Hirschman index of revenue shares, in [0, 1].
    pub hhi: f64,
    /// The same on the 0-10,000 scale of the merger guidelines.
    pub hhi_points: f64,
    pub gini: f64,
    /// Lorenz curve at 0, 1, …, 100 % of customers (least revenue first): (customers, revenue).
    pub lorenz: Vec<[f64; 2]>,
    pub large_customers: Vec<LargeCustomer>,
}

/// A point of the quadrant map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapPoint {
    pub fit: f64,
    pub reputation: f64,
    pub quadrant: Quadrant,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strategic {
    pub customers: usize,
    pub share_of_customers: f64,
    pub share_of_revenue: f64,
    pub share_of_equity: f64,
    pub median_tenure_days: Option<f64>,
    pub mean_p_alive: Option<f64>,
    pub mean_p_alive_other: Option<f64>,
    /// Strategic customers who are also discount-heavy: Fisher would not count them.
    pub discount_heavy: usize,
    /// A systematic sample (every k-th customer) of at most 1,500 points.
    pub map: Vec<MapPoint>,
    pub map_of: usize,
}

/// Equity if customers leave during the buy-out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JumpShip {
    pub leave_rate_strategic: f64,
    pub leave_rate_other: f64,
    pub equity_strategic: f64,
    pub equity_other: f64,
    /// Equity kept: strategic × (1 − strategic rate) + other × (1 − other rate).
    pub equity_kept: f64,
    /// Equity kept if strategic customers left at the non-strategic rate.
    pub equity_kept_without_strategic_loyalty: f64,
    /// The difference strategic relationships make.
    pub strategic_difference: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Acquirer {
    pub column: String,
    pub value: String,
    pub customers: usize,
    pub unknown: usize,
    pub share_of_customers: f64,
    pub share_of_revenue: f64,
    pub share_of_equity: f64,
    pub strategic_on_stack: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRetention {
    pub customers: usize,
    /// Customers acquired at least 365 days before the end of the data…
    pub eligible: usize,
    /// …and the share of them with a purchase in the last 365 days.
    pub active_last_year: Option<f64>,
    pub mean_p_alive: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Discounts {
    pub heavy_customers: usize,
    pub share_of_customers: f64,
    pub share_of_revenue: f64,
    pub share_of_equity: f64,
    pub heavy: GroupRetention,
    pub rest: GroupRetention,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Method {
    pub transaction_model: ModelFit,
    /// The model not chosen, when it could be fitted.
    pub other_model: Option<ModelFit>,
    pub other_model_error: Option<String>,
    pub spend_model: ModelFit,
    /// Weeks per model time unit are 7 days; CLV months are 30.4375 days.
    pub time_unit_days: f64,
}

/// A risk for the executive summary: a stable code (its translation key) and a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    pub code: String,
    pub value: f64,
    pub detail: Option<String>,
}

/// The calendar date of a day number (days since 1970-01-01; Hinnant's `civil_from_days`).
pub fn date_of_day(day: i32) -> Date {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day_of_month = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Date {
        year,
        month,
        day: day_of_month,
    }
}

/// Quarter index (year × 4 + quarter − 1) of a day number.
fn quarter_of(day: i32) -> i32 {
    let date = date_of_day(day);
    date.year * 4 + (date.month as i32 - 1) / 3
}

/// Shares of the top 1, 5, 10 and 20 customers, HHI, Gini, Lorenz curve and the
/// customers above `large_share` of revenue. `revenue` is per customer.
pub fn concentration(ids: &[&str], revenue: &[f64], large_share: f64) -> Concentration {
    let total: f64 = revenue.iter().sum();
    let mut order: Vec<usize> = (0..revenue.len()).collect();
    order.sort_by(|&a, &b| revenue[b].total_cmp(&revenue[a]).then(a.cmp(&b)));
    let share = |value: f64| if total > 0.0 { value / total } else { 0.0 };
    let top = [1, 5, 10, 20]
        .into_iter()
        .map(|n| TopShare {
            top: n,
            share: share(order.iter().take(n).map(|&i| revenue[i]).sum()),
        })
        .collect();
    let hhi: f64 = revenue.iter().map(|&r| share(r).powi(2)).sum();
    // Gini from the ascending order: G = 2 Σ i x_(i) / (n Σ x) − (n + 1) / n.
    let n = revenue.len();
    let ascending: Vec<f64> = order.iter().rev().map(|&i| revenue[i]).collect();
    let gini = if n > 0 && total > 0.0 {
        let weighted: f64 = ascending
            .iter()
            .enumerate()
            .map(|(i, x)| (i + 1) as f64 * x)
            .sum();
        2.0 * weighted / (n as f64 * total) - (n as f64 + 1.0) / n as f64
    } else {
        0.0
    };
    let mut cumulative = Vec::with_capacity(n + 1);
    cumulative.push(0.0);
    let mut sum = 0.0;
    for x in &ascending {
        sum += x;
        cumulative.push(sum);
    }
    let lorenz = (0..=100)
        .map(|k| {
            let i = ((k as f64 / 100.0) * n as f64).round() as usize;
            [k as f64 / 100.0, share(cumulative[i.min(n)])]
        })
        .collect();
    let large_customers = order
        .iter()
        .take_while(|&&i| share(revenue[i]) > large_share)
        .map(|&i| LargeCustomer {
            customer_id: ids[i].to_string(),
            share: share(revenue[i]),
        })
        .collect();
    Concentration {
        top,
        hhi,
        hhi_points: hhi * 10_000.0,
        gini,
        lorenz,
        large_customers,
    }
}

/// Cohort retention by quarter of first purchase; `days` are each customer's distinct
/// purchase days, sorted. Also whether the last quarter is cut short by `last_day`.
pub fn cohort_retention(days: &[Vec<i32>], last_day: i32) -> (Vec<Cohort>, bool) {
    let mut cohorts: std::collections::BTreeMap<i32, (usize, Vec<usize>)> = Default::default();
    let last_quarter = quarter_of(last_day);
    for customer_days in days {
        let Some(&first) = customer_days.first() else {
            continue;
        };
        let cohort = quarter_of(first);
        let width = (last_quarter - cohort + 1).max(1) as usize;
        let entry = cohorts.entry(cohort).or_insert_with(|| (0, vec![0; width]));
        entry.0 += 1;
        let mut previous = None;
        for &day in customer_days {
            let k = (quarter_of(day) - cohort) as usize;
            if previous != Some(k) && k < entry.1.len() {
                entry.1[k] += 1;
            }
            previous = Some(k);
        }
    }
    let next_day = date_of_day(last_day + 1);
    let partial = !(matches!(next_day.month, 1 | 4 | 7 | 10) && next_day.day == 1);
    let cohorts = cohorts
        .into_iter()
        .map(|(quarter, (size, counts))| Cohort {
            year: quarter.div_euclid(4),
            quarter: (quarter.rem_euclid(4) + 1) as u32,
            size,
            retention: counts.into_iter().map(|c| c as f64 / size as f64).collect(),
        })
        .collect();
    (cohorts, partial)
}

/// The jump-ship arithmetic.
pub fn jump_ship(equity_strategic: f64, equity_other: f64, options: &ReportOptions) -> JumpShip {
    let kept = equity_strategic * (1.0 - options.leave_rate_strategic)
        + equity_other * (1.0 - options.leave_rate_other);
    let without = (equity_strategic + equity_other) * (1.0 - options.leave_rate_other);
    JumpShip {
        leave_rate_strategic: options.leave_rate_strategic,
        leave_rate_other: options.leave_rate_other,
        equity_strategic,
        equity_other,
        equity_kept: kept,
        equity_kept_without_strategic_loyalty: without,
        strategic_difference: kept - without,
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Sample standard deviation, when there are two values or more.
fn std_dev(values: &[f64]) -> Option<f64> {
    let n = values.len() as f64;
    let mean = mean(values.iter().copied())?;
    (values.len() >= 2)
        .then(|| (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt())
}

fn ratio(part: f64, whole: f64) -> f64 {
    if whole != 0.0 {
        part / whole
    } else {
        0.0
    }
}

/// Every figure of the report.
pub fn compute(input: ReportInput, options: &ReportOptions) -> Result<Figures, ReportError> {
    options.validate()?;
    let ReportInput {
        customers,
        mut histories,
    } = input;
    if histories.len() != customers.len() {
        return Err(ReportError::HistoryCount {
            count: histories.len(),
            customers: customers.len(),
        });
    }
    // Consolidate: sort each history and merge purchases on the same day.
    let mut transactions = 0;
    let mut non_positive_amounts = 0;
    let mut revenue = vec![0.0; customers.len()];
    let mut days: Vec<Vec<i32>> = Vec::with_capacity(customers.len());
    let mut day_amounts: Vec<Vec<f64>> = Vec::with_capacity(customers.len());
    let (mut first_day, mut last_day) = (i32::MAX, i32::MIN);
    for (i, history) in histories.iter_mut().enumerate() {
        history.sort_by_key(|&(day, _)| day);
        transactions += history.len();
        let mut customer_days: Vec<i32> = Vec::new();
        let mut amounts: Vec<f64> = Vec::new();
        for &(day, amount) in history.iter() {
            if !amount.is_finite() {
                return Err(ReportError::NonFiniteAmount {
                    customer_id: customers[i].customer_id.clone(),
                    day,
                });
            }
            if amount <= 0.0 {
                non_positive_amounts += 1;
            }
            revenue[i] += amount;
            if customer_days.last() == Some(&day) {
                if let Some(last) = amounts.last_mut() {
                    *last += amount;
                }
            } else {
                customer_days.push(day);
                amounts.push(amount);
            }
        }
        if let (Some(&first), Some(&last)) = (customer_days.first(), customer_days.last()) {
            first_day = first_day.min(first);
            last_day = last_day.max(last);
        }
        days.push(customer_days);
        day_amounts.push(amounts);
        *history = Vec::new();
    }
    drop(histories);
    let with_purchases: Vec<usize> = (0..customers.len())
        .filter(|&i| !days[i].is_empty())
        .collect();
    if with_purchases.is_empty() {
        return Err(ReportError::NoPurchases);
    }
    let purchase_days: usize = days.iter().map(Vec::len).sum();
    let total_revenue: f64 = revenue.iter().sum();

    // CLV on the customers with purchases, observed to the last day of the data.
    let rows: Vec<Rfm> = with_purchases
        .iter()
        .map(|&i| {
            let d = &days[i];
            let first = d[0];
            let last = d[d.len() - 1];
            let repeat = &day_amounts[i][1..];
            Rfm {
                x: (d.len() - 1) as f64,
                t_x: f64::from(last - first) / 7.0,
                t: f64::from(last_day - first) / 7.0,
                m: if repeat.is_empty() {
                    0.0
                } else {
                    // Gamma-Gamma needs a positive mean spend; refunds can make it zero or less.
                    (repeat.iter().sum::<f64>() / repeat.len() as f64).max(f64::MIN_POSITIVE)
                },
            }
        })
        .collect();
    drop(day_amounts);
    let outcome = engine::equity(&rows, options)?;
    let mut clv = vec![0.0; customers.len()];
    let mut p_alive = vec![f64::NAN; customers.len()];
    for (k, &i) in with_purchases.iter().enumerate() {
        clv[i] = outcome.clv[k];
        p_alive[i] = outcome.p_alive[k];
    }
    let total_equity: f64 = clv.iter().sum();
    let customer_values: Vec<CustomerValue> = clv
        .iter()
        .zip(&p_alive)
        .map(|(&clv, &p_alive)| CustomerValue { clv, p_alive })
        .collect();
    let is_strategic = |i: usize| customers[i].quadrant == Quadrant::Strategic;

    // Equity by quadrant and by segment.
    let group_value = |group: String, members: &[usize]| GroupValue {
        group,
        customers: members.len(),
        revenue: members.iter().map(|&i| revenue[i]).sum(),
        equity: members.iter().map(|&i| clv[i]).sum(),
        share_of_equity: ratio(members.iter().map(|&i| clv[i]).sum(), total_equity),
    };
    let by_quadrant = [
        Quadrant::Strategic,
        Quadrant::Showcase,
        Quadrant::Representative,
        Quadrant::Transactional,
    ]
    .into_iter()
    .map(|quadrant| {
        let members: Vec<usize> = (0..customers.len())
            .filter(|&i| customers[i].quadrant == quadrant)
            .collect();
        let name = serde_json::to_value(quadrant)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        group_value(name, &members)
    })
    .collect();
    let mut segments: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (i, customer) in customers.iter().enumerate() {
        let segment = customer
            .segment
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "unknown".to_string());
        segments.entry(segment).or_default().push(i);
    }
    let mut by_segment: Vec<GroupValue> = segments
        .into_iter()
        .map(|(name, members)| group_value(name, &members))
        .collect();
    by_segment.sort_by(|a, b| b.equity.total_cmp(&a.equity).then(a.group.cmp(&b.group)));
    if by_segment.len() > 8 {
        let rest = by_segment.split_off(7);
        by_segment.push(GroupValue {
            group: "other".to_string(),
            customers: rest.iter().map(|g| g.customers).sum(),
            revenue: rest.iter().map(|g| g.revenue).sum(),
            equity: rest.iter().map(|g| g.equity).sum(),
            share_of_equity: rest.iter().map(|g| g.share_of_equity).sum(),
        });
    }
    let equity = Equity {
        model: outcome.kind,
        total: total_equity,
        interval: outcome.interval.map(|(low, high)| [low, high]),
        interval_level: options.interval_level,
        valid_draws: outcome.valid_draws,
        bootstrap_std_dev: std_dev(&outcome.bootstrap),
        bootstrap_sample: outcome.sampled_customers,
        by_quadrant,
        by_segment,
        mean_clv: ratio(total_equity, with_purchases.len() as f64),
    };

    // Retention and activity.
    let (cohorts, last_quarter_partial) = cohort_retention(&days, last_day);
    let mut p_alive_bins: Vec<Bin> = (0..10)
        .map(|k| Bin {
            low: k as f64 / 10.0,
            high: (k + 1) as f64 / 10.0,
            strategic: 0,
            other: 0,
        })
        .collect();
    for &i in &with_purchases {
        let bin = ((p_alive[i] * 10.0).floor().max(0.0) as usize).min(9);
        if is_strategic(i) {
            p_alive_bins[bin].strategic += 1;
        } else {
            p_alive_bins[bin].other += 1;
        }
    }
    options.check_deadline()?;
    let tracking = engine::tracking(&days, first_day, last_day, outcome.kind);
    let retention = Retention {
        cohorts,
        last_quarter_partial,
        p_alive_bins,
        mean_p_alive: mean(with_purchases.iter().map(|&i| p_alive[i])).unwrap_or(f64::NAN),
        tracking,
    };

    // Concentration.
    let ids: Vec<&str> = customers.iter().map(|c| c.customer_id.as_str()).collect();
    let concentration = concentration(&ids, &revenue, options.large_customer_share);

    let is_heavy = |i: usize| {
        customers[i].coupon_share >= options.heavy_coupon_share
            || customers[i].discount_share >= options.heavy_discount_share
    };

    // Strategic customers.
    let strategic_members: Vec<usize> = (0..customers.len()).filter(|&i| is_strategic(i)).collect();
    let mut tenures: Vec<f64> = strategic_members
        .iter()
        .filter_map(|&i| days[i].first().map(|&first| f64::from(last_day - first)))
        .collect();
    tenures.sort_by(f64::total_cmp);
    let step = customers.len().div_ceil(1500).max(1);
    let strategic = Strategic {
        customers: strategic_members.len(),
        share_of_customers: ratio(strategic_members.len() as f64, customers.len() as f64),
        share_of_revenue: ratio(
            strategic_members.iter().map(|&i| revenue[i]).sum(),
            total_revenue,
        ),
        share_of_equity: ratio(
            strategic_members.iter().map(|&i| clv[i]).sum(),
            total_equity,
        ),
        median_tenure_days: (!tenures.is_empty()).then(|| engine::quantile(&tenures, 0.5)),
        mean_p_alive: mean(
            strategic_members
                .iter()
                .map(|&i| p_alive[i])
                .filter(|p| p.is_finite()),
        ),
        mean_p_alive_other: mean(
            with_purchases
                .iter()
                .filter(|&&i| !is_strategic(i))
                .map(|&i| p_alive[i]),
        ),
        discount_heavy: strategic_members.iter().filter(|&&i| is_heavy(i)).count(),
        map: customers
            .iter()
            .step_by(step)
            .map(|c| MapPoint {
                fit: c.fit,
                reputation: c.reputation,
                quadrant: c.quadrant,
            })
            .collect(),
        map_of: customers.len(),
    };

    let equity_strategic: f64 = strategic_members.iter().map(|&i| clv[i]).sum();
    let jump_ship = jump_ship(equity_strategic, total_equity - equity_strategic, options);

    let acquirer = options.acquirer.as_ref().map(|spec| {
        let on: Vec<usize> = (0..customers.len())
            .filter(|&i| customers[i].on_acquirer_stack == Some(true))
            .collect();
        Acquirer {
            column: spec.column.clone(),
            value: spec.value.as_text(),
            customers: on.len(),
            unknown: customers
                .iter()
                .filter(|c| c.on_acquirer_stack.is_none())
                .count(),
            share_of_customers: ratio(on.len() as f64, customers.len() as f64),
            share_of_revenue: ratio(on.iter().map(|&i| revenue[i]).sum(), total_revenue),
            share_of_equity: ratio(on.iter().map(|&i| clv[i]).sum(), total_equity),
            strategic_on_stack: on.iter().filter(|&&i| is_strategic(i)).count(),
        }
    });

    // Discount dependence.
    let group_retention = |members: &[usize]| {
        let eligible: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| days[i].first().is_some_and(|&f| last_day - f >= 365))
            .collect();
        let active = eligible
            .iter()
            .filter(|&&i| days[i].last().is_some_and(|&l| last_day - l < 365))
            .count();
        GroupRetention {
            customers: members.len(),
            eligible: eligible.len(),
            active_last_year: (!eligible.is_empty()).then(|| active as f64 / eligible.len() as f64),
            mean_p_alive: mean(
                members
                    .iter()
                    .map(|&i| p_alive[i])
                    .filter(|p| p.is_finite()),
            ),
        }
    };
    let heavy: Vec<usize> = (0..customers.len()).filter(|&i| is_heavy(i)).collect();
    let rest: Vec<usize> = (0..customers.len()).filter(|&i| !is_heavy(i)).collect();
    let discounts = Discounts {
        heavy_customers: heavy.len(),
        share_of_customers: ratio(heavy.len() as f64, customers.len() as f64),
        share_of_revenue: ratio(heavy.iter().map(|&i| revenue[i]).sum(), total_revenue),
        share_of_equity: ratio(heavy.iter().map(|&i| clv[i]).sum(), total_equity),
        heavy: group_retention(&heavy),
        rest: group_retention(&rest),
    };

    let method = Method {
        transaction_model: outcome.chosen,
        other_model: outcome.rejected,
        other_model_error: outcome.rejected_error,
        spend_model: outcome.spend,
        time_unit_days: 7.0,
    };
    let data = DataCoverage {
        customers: customers.len(),
        customers_with_purchases: with_purchases.len(),
        transactions,
        purchase_days,
        non_positive_amounts,
        first_date: date_of_day(first_day),
        last_date: date_of_day(last_day),
        total_revenue,
    };
    let mut figures = Figures {
        data,
        options: options.clone(),
        acquirer_spec: options.acquirer.clone(),
        equity,
        retention,
        concentration,
        strategic,
        jump_ship,
        acquirer,
        discounts,
        method,
        risks: Vec::new(),
        customer_values,
    };
    figures.risks = risks(&figures);
    Ok(figures)
}

/// The risks worth a line in the executive summary, most serious first.
fn risks(f: &Figures) -> Vec<Risk> {
    let mut risks = Vec::new();
    let risk = |code: &str, value: f64, detail: Option<String>| Risk {
        code: code.to_string(),
        value,
        detail,
    };
    for large in &f.concentration.large_customers {
        risks.push(risk(
            "risk-large-customer",
            large.share,
            Some(large.customer_id.clone()),
        ));
    }
    if let Some(top10) = f.concentration.top.iter().find(|t| t.top == 10) {
        if top10.share > 0.5 {
            risks.push(risk("risk-top10", top10.share, None));
        }
    }
    if f.concentration.hhi_points >= 1500.0 {
        risks.push(risk("risk-hhi", f.concentration.hhi_points, None));
    }
    if let Some(tracking) = &f.retention.tracking {
        let error = ratio(tracking.holdout_expected, tracking.holdout_actual) - 1.0;
        if error.abs() > 0.15 {
            risks.push(risk("risk-holdout", error, None));
        }
    }
    if f.strategic.share_of_equity < 0.10 {
        risks.push(risk(
            "risk-low-strategic",
            f.strategic.share_of_equity,
            None,
        ));
    }
    if f.discounts.share_of_revenue >= 0.25 {
        risks.push(risk("risk-discount", f.discounts.share_of_revenue, None));
    }
    if f.retention.mean_p_alive < 0.5 {
        risks.push(risk("risk-p-alive", f.retention.mean_p_alive, None));
    }
    match f.equity.interval {
        Some([low, high]) if f.equity.total > 0.0 && (high - low) / f.equity.total > 0.5 => {
            risks.push(risk(
                "risk-wide-interval",
                (high - low) / f.equity.total,
                None,
            ));
        }
        None => risks.push(risk("risk-no-interval", 0.0, None)),
        Some(_) => {}
    }
    let loss = ratio(f.equity.total - f.jump_ship.equity_kept, f.equity.total);
    risks.push(risk("risk-jump-ship", loss, None));
    risks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_day_numbers() {
        assert_eq!(
            date_of_day(0),
            Date {
                year: 1970,
                month: 1,
                day: 1
            }
        );
        assert_eq!(
            date_of_day(19_723),
            Date {
                year: 2024,
                month: 1,
                day: 1
            }
        );
        assert_eq!(
            date_of_day(19_782),
            Date {
                year: 2024,
                month: 2,
                day: 29
            }
        );
        assert_eq!(
            date_of_day(-1),
            Date {
                year: 1969,
                month: 12,
                day: 31
            }
        );
    }
}
