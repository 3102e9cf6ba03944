//! Streaming RFM summary of a transaction log.
//!
//! Push `(customer, day, amount)` rows in any order into a [`SummaryBuilder`];
//! [`SummaryBuilder::finish`] returns one [`CustomerSummary`] per customer.
//! Memory is O(customers + distinct customer-days): each customer key is stored
//! once and each customer keeps its distinct purchase days (sorted on insertion;
//! input sorted by day per customer is the fast path, an append).
//!
//! Conventions (Fader, Hardie & Lee 2005, *Marketing Science* 24(2), as in the
//! CDNOW data and lifetimes' `summary_data_from_transaction_data`):
//!
//! - a transaction is a **customer-day**: rows of one customer on one day merge,
//!   their amounts summed, whatever the time unit;
//! - `frequency` x = number of repeat customer-days in calibration (the first
//!   purchase is not counted);
//! - `recency` t_x = last repeat day minus first day, 0 when x = 0;
//! - `age` T = calibration end minus first day;
//! - times are days divided by [`TimeUnit::days`] (week = 7 days, month =
//!   30.4375 days = 365.25 / 12; no calendar months);
//! - `monetary_value` = mean amount of the repeat customer-days in calibration
//!   (0 when x = 0);
//! - customers whose first purchase is after the calibration end are left out;
//! - with an observation end, `holdout_frequency` counts the customer-days in
//!   (calibration end, observation end], and later rows are ignored.
//!
//! Days are `i32` day numbers (e.g. days since 1970-01-01; see [`day_number`]),
//! so the crate needs no date library.

use std::borrow::Borrow;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

use crate::error::ClvError;

/// The unit of `recency`, `age` and holdout durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    #[default]
    Day,
    /// 7 days.
    Week,
    /// 30.4375 days (365.25 / 12), not calendar months.
    Month,
}

impl TimeUnit {
    /// Length of the unit in days.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Day => 1.0,
            TimeUnit::Week => 7.0,
            TimeUnit::Month => 30.4375,
        }
    }
}

/// Options of a [`SummaryBuilder`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SummaryOptions {
    pub time_unit: TimeUnit,
    /// Last day of calibration (inclusive). `None`: the last day seen.
    pub calibration_end: Option<i32>,
    /// Last day of the holdout period (inclusive), after `calibration_end`.
    /// `None`: no holdout.
    pub observation_end: Option<i32>,
}

/// One customer's calibration summary (and holdout count).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CustomerSummary<K> {
    pub customer: K,
    /// x: repeat customer-days in calibration.
    pub frequency: u32,
    /// t_x: time from the first to the last calibration purchase (0 when x = 0).
    pub recency: f64,
    /// T: time from the first purchase to the calibration end.
    pub age: f64,
    /// Mean amount of the repeat customer-days in calibration (0 when x = 0).
    pub monetary_value: f64,
    /// Day number of the first purchase.
    pub first_day: i32,
    /// Customer-days in the holdout period, when an observation end is set.
    pub holdout_frequency: Option<u32>,
    /// Length of the holdout period in the time unit, when an observation end is set.
    pub holdout_duration: Option<f64>,
}

/// Streams transactions into per-customer summaries. See the module docs.
///
/// `S` hashes the customer keys: std's DoS-resistant default, or a faster
/// hasher through [`SummaryBuilder::with_hasher`] when keys are trusted.
#[derive(Debug, Clone)]
pub struct SummaryBuilder<K, S = RandomState> {
    options: SummaryOptions,
    index: HashMap<K, u32, S>,
    /// Distinct (day, summed amount) of each customer, sorted by day.
    days: Vec<Vec<(i32, f64)>>,
    rows: usize,
    last_day: Option<i32>,
}

impl<K: Hash + Eq> SummaryBuilder<K> {
    pub fn new(options: SummaryOptions) -> Self {
        Self::with_hasher(options, RandomState::new())
    }
}

impl<K: Hash + Eq, S: BuildHasher> SummaryBuilder<K, S> {
    /// A builder hashing customer keys with `hasher`.
    pub fn with_hasher(options: SummaryOptions, hasher: S) -> Self {
        Self {
            options,
            index: HashMap::with_hasher(hasher),
            days: Vec::new(),
            rows: 0,
            last_day: None,
        }
    }

    /// Adds one transaction. Rows after the observation end (or the calibration
    /// end when there is no holdout) are counted but not stored. Fails on a
    /// non-finite amount; the builder stays usable.
    pub fn push<Q>(&mut self, customer: &Q, day: i32, amount: f64) -> Result<(), ClvError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let row = self.rows;
        self.rows += 1;
        if !amount.is_finite() {
            return Err(ClvError::InvalidInput {
                row,
                reason: "amount must be finite".to_string(),
            });
        }
        self.last_day = Some(self.last_day.map_or(day, |d| d.max(day)));
        if let Some(end) = self
            .options
            .observation_end
            .or(self.options.calibration_end)
        {
            if day > end {
                return Ok(());
            }
        }
        let idx = match self.index.get(customer) {
            Some(&i) => i as usize,
            None => {
                let i = self.days.len();
                self.index.insert(customer.to_owned(), i as u32);
                self.days.push(Vec::new());
                i
            }
        };
        let days = &mut self.days[idx];
        match days.last_mut() {
            Some(last) if last.0 == day => last.1 += amount,
            Some(last) if last.0 > day => match days.binary_search_by_key(&day, |d| d.0) {
                Ok(j) => days[j].1 += amount,
                Err(j) => days.insert(j, (day, amount)),
            },
            _ => days.push((day, amount)),
        }
        Ok(())
    }

    /// Number of rows pushed so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of customers seen so far.
    pub fn customers(&self) -> usize {
        self.days.len()
    }

    /// The summaries, in order of each customer's first row.
    /// Fails when the observation end precedes the calibration end, or when an
    /// observation end is given without a calibration end.
    pub fn finish(self) -> Result<Vec<CustomerSummary<K>>, ClvError> {
        let invalid = |reason: &str| ClvError::InvalidInput {
            row: 0,
            reason: reason.to_string(),
        };
        let calibration_end = match (self.options.calibration_end, self.options.observation_end) {
            (Some(c), Some(o)) if o < c => {
                return Err(invalid("observation end precedes calibration end"))
            }
            (None, Some(_)) => return Err(invalid("an observation end needs a calibration end")),
            (Some(c), _) => c,
            (None, None) => match self.last_day {
                Some(d) => d,
                None => return Ok(Vec::new()),
            },
        };
        let unit = self.options.time_unit.days();
        let holdout_duration = self
            .options
            .observation_end
            .map(|o| f64::from(o - calibration_end) / unit);
        let mut keys: Vec<Option<K>> = (0..self.days.len()).map(|_| None).collect();
        for (k, i) in self.index {
            keys[i as usize] = Some(k);
        }
        let mut out = Vec::with_capacity(self.days.len());
        for (key, days) in keys.into_iter().zip(self.days) {
            let (Some(customer), Some(&(first_day, _))) = (key, days.first()) else {
                continue;
            };
            if first_day > calibration_end {
                continue;
            }
            let calibration = days.partition_point(|d| d.0 <= calibration_end);
            let repeat = &days[1..calibration];
            let frequency = repeat.len() as u32;
            let last = days[calibration - 1].0;
            let monetary_value = if repeat.is_empty() {
                0.0
            } else {
                repeat.iter().map(|d| d.1).sum::<f64>() / repeat.len() as f64
            };
            out.push(CustomerSummary {
                customer,
                frequency,
                recency: f64::from(last - first_day) / unit,
                age: f64::from(calibration_end - first_day) / unit,
                monetary_value,
                first_day,
                holdout_frequency: holdout_duration.map(|_| (days.len() - calibration) as u32),
                holdout_duration,
            });
        }
        Ok(out)
    }
}

/// One customer's running summary in O(1) memory, for rows that arrive in day order
/// (as in a log written as it happens): what a [`SummaryBuilder`] keeps as a list of
/// days, folded as it goes.
///
/// [`OrderedDays::push`] refuses a row dated before the customer's last day, and
/// [`OrderedDays::append`] refuses to join two runs that overlap in time: the caller
/// then summarises that customer with a [`SummaryBuilder`] instead. Same
/// conventions as the module docs; `calibration_end` is the last calibration day
/// (`None`: every row is calibration), rows after the observation end must be dropped
/// by the caller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderedDays {
    first_day: i32,
    /// The last customer-day seen, calibration or holdout.
    last_day: i32,
    /// The last calibration customer-day.
    last_calibration_day: i32,
    /// Amount summed over the first day.
    first_amount: f64,
    /// Amount summed over the repeat calibration days.
    repeat_amount: f64,
    /// Distinct calibration days after the first.
    repeat_days: u32,
    /// Distinct days after the calibration end.
    holdout_days: u32,
}

/// A row dated before the customer's last day: the O(1) summary cannot place it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfOrder;

impl OrderedDays {
    /// The summary of a customer's first row.
    pub fn new(day: i32, amount: f64) -> Self {
        Self {
            first_day: day,
            last_day: day,
            last_calibration_day: day,
            first_amount: amount,
            repeat_amount: 0.0,
            repeat_days: 0,
            holdout_days: 0,
        }
    }

    /// Day number of the first purchase.
    pub fn first_day(&self) -> i32 {
        self.first_day
    }

    /// Adds a row dated on or after the last one.
    pub fn push(
        &mut self,
        day: i32,
        amount: f64,
        calibration_end: Option<i32>,
    ) -> Result<(), OutOfOrder> {
        if day < self.last_day {
            return Err(OutOfOrder);
        }
        let calibration = calibration_end.is_none_or(|end| day <= end);
        if day == self.first_day {
            self.first_amount += amount;
        } else if calibration {
            self.repeat_amount += amount;
            if day > self.last_day {
                self.repeat_days += 1;
                self.last_calibration_day = day;
            }
        } else if day > self.last_day {
            self.holdout_days += 1;
        }
        self.last_day = day;
        Ok(())
    }

    /// Appends `later`, the summary of this customer's rows that come after this one's
    /// in the log. Fails when `later` starts before this summary's last day.
    pub fn append(
        &mut self,
        later: &OrderedDays,
        calibration_end: Option<i32>,
    ) -> Result<(), OutOfOrder> {
        if later.first_day < self.last_day {
            return Err(OutOfOrder);
        }
        let calibration = |day: i32| calibration_end.is_none_or(|end| day <= end);
        let shared = later.first_day == self.last_day;
        if later.first_day == self.first_day {
            // Every row so far was on one day, the day `later` starts with.
            self.first_amount += later.first_amount;
            self.repeat_amount += later.repeat_amount;
            self.repeat_days += later.repeat_days;
        } else if calibration(later.first_day) {
            self.repeat_amount += later.first_amount + later.repeat_amount;
            self.repeat_days += later.repeat_days + u32::from(!shared);
        } else {
            self.holdout_days += u32::from(!shared);
        }
        self.holdout_days += later.holdout_days;
        if calibration(later.first_day) {
            self.last_calibration_day = later.last_calibration_day;
        }
        self.last_day = later.last_day;
        Ok(())
    }

    /// The finished summary, or `None` when the first purchase is after
    /// `calibration_end`. `holdout_duration` is set when there is a holdout.
    pub fn summary<K>(
        &self,
        customer: K,
        calibration_end: i32,
        time_unit: TimeUnit,
        holdout_duration: Option<f64>,
    ) -> Option<CustomerSummary<K>> {
        if self.first_day > calibration_end {
            return None;
        }
        let unit = time_unit.days();
        Some(CustomerSummary {
            customer,
            frequency: self.repeat_days,
            recency: f64::from(self.last_calibration_day - self.first_day) / unit,
            age: f64::from(calibration_end - self.first_day) / unit,
            monetary_value: if self.repeat_days == 0 {
                0.0
            } else {
                self.repeat_amount / f64::from(self.repeat_days)
            },
            first_day: self.first_day,
            holdout_frequency: holdout_duration.map(|_| self.holdout_days),
            holdout_duration,
        })
    }
}

/// Days since 1970-01-01 of a proleptic-Gregorian date, or `None` when the date
/// does not exist (Hinnant's `days_from_civil`).
pub fn day_number(year: i32, month: u32, day: u32) -> Option<i32> {
    if !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day > month_days[month as usize - 1] {
        return None;
    }
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers() {
        assert_eq!(day_number(1970, 1, 1), Some(0));
        assert_eq!(day_number(2000, 3, 1), Some(11_017));
        assert_eq!(
            day_number(1997, 9, 30)
                .zip(day_number(1997, 1, 1))
                .map(|(a, b)| a - b),
            Some(272)
        );
        assert_eq!(day_number(1969, 12, 31), Some(-1));
        assert_eq!(day_number(1997, 2, 29), None);
    }

    #[test]
    fn merges_days_in_any_order() {
        let mut b = SummaryBuilder::<String>::new(SummaryOptions {
            time_unit: TimeUnit::Week,
            calibration_end: Some(70),
            observation_end: Some(140),
        });
        for (c, d, a) in [
            ("a", 14, 5.0),
            ("a", 0, 1.0),
            ("a", 14, 5.0),
            ("b", 80, 3.0),
            ("a", 7, 2.0),
            ("a", 100, 1.0),
        ] {
            b.push(c, d, a).unwrap();
        }
        assert!(b.push("a", 1, f64::NAN).is_err());
        let s = b.finish().unwrap();
        assert_eq!(s.len(), 1, "b's first purchase is in the holdout");
        let a = &s[0];
        assert_eq!(
            (a.frequency, a.recency, a.age, a.monetary_value),
            (2, 2.0, 10.0, 6.0)
        );
        assert_eq!(
            (a.holdout_frequency, a.holdout_duration),
            (Some(1), Some(10.0))
        );
    }
}
