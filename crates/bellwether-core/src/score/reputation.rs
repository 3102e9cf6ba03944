//! Reputation: a customer's standing within its OWN industry, from the `[reputation].signals`
//! columns.
//!
//! For each signal $s$ the customer has, its mid-rank percentile among the customers of the same
//! industry that have $s$ is
//! $$p_s = \frac{\#\{\text{peers below}\} + \tfrac12 \#\{\text{peers equal, itself included}\}}{n_s},$$
//! so ties share their ranks fairly and a lone value sits at 0.5; a negative weight (a rank,
//! where lower is better) uses $1 - p_s$. The signals combine by $|w_s|$ over the signals the
//! customer HAS: a missing signal is unknown, not bad. The result is shrunk toward 0.5 when the
//! industry is small,
//! $$r = \tfrac12 + \left(p - \tfrac12\right)\frac{n}{n + k},$$
//! with $n$ the number of customers of the industry (the customer included) that have at least
//! one signal and $k$ = `reputation.shrinkage`. A customer with no known signal gets 0.5.
//! Customers without an industry form one group of their own ("unknown industry").

use rayon::prelude::*;

use crate::model::AttrValue;
#[cfg(test)]
use crate::model::CustomerRecord;

/// A configured signal: an attribute column and its weight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Signal {
    pub(crate) name: String,
    pub(crate) weight: f64,
}

/// The reputations of all customers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reputations {
    /// Shrunk reputation in [0, 1], 0.5 when unknown.
    pub(crate) reputation: Vec<f64>,
    /// Weighted percentile before shrinkage, `NaN` when no signal is known.
    pub(crate) percentile: Vec<f64>,
    /// Per industry group, the customers that have at least one signal.
    pub(crate) peers_by_group: Vec<u64>,
    /// How many of the configured signals each customer has.
    pub(crate) n_known: Vec<u16>,
}

/// A signal's value as a number: numbers, numeric text, and booleans as 0 or 1.
pub(crate) fn signal_value(value: Option<&AttrValue>) -> Option<f64> {
    let number = match value? {
        AttrValue::Number(number) => *number,
        AttrValue::Text(text) => text.trim().parse::<f64>().ok()?,
        AttrValue::Bool(flag) => f64::from(u8::from(*flag)),
    };
    // Adding zero turns -0 into +0, so that they tie.
    number.is_finite().then_some(number + 0.0)
}

/// Shrinks a percentile toward the middle for an industry of `peers` customers.
pub(crate) fn shrink(percentile: f64, peers: u64, shrinkage: f64) -> f64 {
    let peers = peers as f64;
    let factor = if peers + shrinkage > 0.0 {
        peers / (peers + shrinkage)
    } else {
        0.0
    };
    (0.5 + (percentile - 0.5) * factor).clamp(0.0, 1.0)
}

/// Maps a finite `f64` to a `u64` with the same order.
fn order_bits(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// Each customer's value of every signal, one column per signal (`NaN` where missing), read in a
/// single sorted merge over each customer's attributes; `names` must be sorted.
#[cfg(test)]
fn signal_columns(records: &[CustomerRecord], names: &[&str]) -> Vec<Vec<f64>> {
    let mut columns = vec![vec![f64::NAN; records.len()]; names.len()];
    for (index, record) in records.iter().enumerate() {
        let mut attributes = record.customer.attributes.iter().peekable();
        for (signal_index, name) in names.iter().enumerate() {
            while attributes
                .next_if(|(key, _)| key.as_str() < *name)
                .is_some()
            {}
            if let Some((_, value)) = attributes.next_if(|(key, _)| key.as_str() == *name) {
                if let Some(value) = signal_value(Some(value)) {
                    columns[signal_index][index] = value;
                }
            }
        }
    }
    columns
}

/// Each customer's mid-rank percentile within its group for one signal column, flipped for a
/// negative weight; `NaN` where the customer lacks the signal.
fn signal_percentiles(values: &[f64], groups: &[u32], weight: f64) -> Vec<f64> {
    let mut percentiles = vec![f64::NAN; values.len()];
    // One sortable key per known value: group, then value, then customer index.
    let mut keys: Vec<u128> = values
        .iter()
        .enumerate()
        .filter(|(_, value)| !value.is_nan())
        .map(|(index, value)| {
            (u128::from(groups[index]) << 96)
                | (u128::from(order_bits(*value)) << 32)
                | index as u128
        })
        .collect();
    keys.sort_unstable();
    let group_of = |key: u128| (key >> 96) as u32;
    let value_of = |key: u128| (key >> 32) as u64;
    let mut group_start = 0;
    while group_start < keys.len() {
        let group = group_of(keys[group_start]);
        let group_end =
            group_start + keys[group_start..].partition_point(|key| group_of(*key) == group);
        let group_size = (group_end - group_start) as f64;
        let mut tie_start = group_start;
        while tie_start < group_end {
            let value = value_of(keys[tie_start]);
            let tie_end = tie_start
                + keys[tie_start..group_end].partition_point(|key| value_of(*key) == value);
            let below = (tie_start - group_start) as f64;
            let equal = (tie_end - tie_start) as f64;
            let percentile = (below + 0.5 * equal) / group_size;
            let percentile = if weight < 0.0 {
                1.0 - percentile
            } else {
                percentile
            };
            for key in &keys[tie_start..tie_end] {
                percentiles[(*key as u32) as usize] = percentile;
            }
            tie_start = tie_end;
        }
        group_start = group_end;
    }
    percentiles
}

/// Scores every customer's reputation from the records (reads the signal columns first).
#[cfg(test)]
pub(crate) fn reputations(
    records: &[CustomerRecord],
    groups: &[u32],
    n_groups: usize,
    signals: &[Signal],
    shrinkage: f64,
) -> Reputations {
    let mut signals: Vec<Signal> = signals
        .iter()
        .filter(|signal| signal.weight.is_finite() && signal.weight != 0.0)
        .cloned()
        .collect();
    signals.sort_by(|left, right| left.name.cmp(&right.name));
    signals.dedup_by(|right, left| right.name == left.name);
    let names: Vec<&str> = signals.iter().map(|signal| signal.name.as_str()).collect();
    reputations_from_columns(
        &signal_columns(records, &names),
        groups,
        n_groups,
        &signals,
        shrinkage,
    )
}

/// Scores every customer's reputation; `columns[s]` holds signal `signals[s]` of every customer
/// (`NaN` where missing) and `groups[i]` is customer `i`'s industry group, below `n_groups`.
pub(crate) fn reputations_from_columns(
    columns: &[Vec<f64>],
    groups: &[u32],
    n_groups: usize,
    signals: &[Signal],
    shrinkage: f64,
) -> Reputations {
    let n = groups.len();
    // Signals are ranked independently, one per thread; they combine below in a fixed order.
    let per_signal: Vec<_> = (0..signals.len())
        .into_par_iter()
        .map(|signal_index| {
            signal_percentiles(&columns[signal_index], groups, signals[signal_index].weight)
        })
        .collect();
    let mut weighted_sum = vec![0.0f64; n];
    let mut weight_sum = vec![0.0f64; n];
    let mut n_known = vec![0u16; n];
    for (signal, percentiles) in signals.iter().zip(&per_signal) {
        let weight = signal.weight.abs();
        for (index, percentile) in percentiles.iter().enumerate() {
            if !percentile.is_nan() {
                weighted_sum[index] += weight * percentile;
                weight_sum[index] += weight;
                n_known[index] = n_known[index].saturating_add(1);
            }
        }
    }
    drop(per_signal);
    let mut peers_by_group = vec![0u64; n_groups];
    for (index, total) in weight_sum.iter().enumerate() {
        if *total > 0.0 {
            peers_by_group[groups[index] as usize] += 1;
        }
    }
    let mut reputation = Vec::with_capacity(n);
    let mut percentile = Vec::with_capacity(n);
    for index in 0..n {
        if weight_sum[index] > 0.0 {
            let combined = (weighted_sum[index] / weight_sum[index]).clamp(0.0, 1.0);
            percentile.push(combined);
            reputation.push(shrink(
                combined,
                peers_by_group[groups[index] as usize],
                shrinkage,
            ));
        } else {
            percentile.push(f64::NAN);
            reputation.push(0.5);
        }
    }
    Reputations {
        reputation,
        percentile,
        peers_by_group,
        n_known,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Customer;

    fn record(signals: &[(&str, f64)]) -> CustomerRecord {
        let mut customer = Customer::default();
        for (name, value) in signals {
            customer
                .attributes
                .insert((*name).to_string(), AttrValue::Number(*value));
        }
        CustomerRecord {
            customer,
            stats: Default::default(),
        }
    }

    #[test]
    fn three_customer_industry_by_hand() {
        // Awards 10, 20, 20: mid-rank percentiles 0.5/3 = 1/6 and (1 + 2 * 0.5)/3 = 2/3.
        // Shrinkage 5 with 3 peers keeps 3/8 of the distance to 0.5.
        let records = [
            record(&[("awards", 10.0)]),
            record(&[("awards", 20.0)]),
            record(&[("awards", 20.0)]),
        ];
        let signals = [Signal {
            name: "awards".into(),
            weight: 1.0,
        }];
        let result = reputations(&records, &[0, 0, 0], 1, &signals, 5.0);
        assert!((result.percentile[0] - 1.0 / 6.0).abs() < 1e-12);
        assert!((result.percentile[1] - 2.0 / 3.0).abs() < 1e-12);
        assert!((result.reputation[0] - (0.5 - (1.0 / 3.0) * 3.0 / 8.0)).abs() < 1e-12);
        assert!((result.reputation[1] - (0.5 + (1.0 / 6.0) * 3.0 / 8.0)).abs() < 1e-12);
        assert_eq!(result.reputation[1], result.reputation[2]);
        assert_eq!(result.peers_by_group, [3]);
    }

    #[test]
    fn ranks_flip_and_missing_signals_are_skipped() {
        // Market rank 1 is best. The third customer has no rank, only awards.
        let records = [
            record(&[("rank", 1.0), ("awards", 0.0)]),
            record(&[("rank", 2.0), ("awards", 5.0)]),
            record(&[("awards", 5.0)]),
        ];
        let signals = [
            Signal {
                name: "awards".into(),
                weight: 1.0,
            },
            Signal {
                name: "rank".into(),
                weight: -3.0,
            },
        ];
        let result = reputations(&records, &[0, 0, 0], 1, &signals, 0.0);
        // Customer 0: awards percentile 1/6, rank percentile 1 - 1/4 = 3/4; weights 1 and 3.
        assert!((result.percentile[0] - (1.0 / 6.0 + 3.0 * 0.75) / 4.0).abs() < 1e-12);
        // Customer 2: only awards, 2/3, unshrunk with shrinkage 0.
        assert!((result.reputation[2] - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn industries_are_ranked_separately_and_unknown_is_neutral() {
        let records = [
            record(&[("awards", 1.0)]),
            record(&[("awards", 100.0)]),
            record(&[("awards", 2.0)]),
            record(&[]),
        ];
        let signals = [Signal {
            name: "awards".into(),
            weight: 1.0,
        }];
        let result = reputations(&records, &[0, 1, 0, 1], 2, &signals, 0.0);
        // Customer 2 is the better of its industry of two, whatever customer 1 has.
        assert!((result.reputation[2] - 0.75).abs() < 1e-12);
        // Customer 1 is alone with a signal in its group.
        assert_eq!(result.reputation[1], 0.5);
        assert_eq!(result.reputation[3], 0.5);
        assert!(result.percentile[3].is_nan());
        assert_eq!(result.peers_by_group, [2, 1]);
    }

    #[test]
    fn order_bits_keep_the_order_of_numbers() {
        let values = [-1e300, -2.5, -0.0 + 0.0, 1e-300, 3.0, 7.5, 1e300];
        for pair in values.windows(2) {
            assert!(order_bits(pair[0]) < order_bits(pair[1]), "{pair:?}");
        }
    }

    #[test]
    fn signal_values_accept_numbers_numeric_text_and_booleans() {
        assert_eq!(signal_value(Some(&AttrValue::Number(3.0))), Some(3.0));
        assert_eq!(
            signal_value(Some(&AttrValue::Text(" 4.5 ".into()))),
            Some(4.5)
        );
        assert_eq!(signal_value(Some(&AttrValue::Bool(true))), Some(1.0));
        assert_eq!(signal_value(Some(&AttrValue::Text("n/a".into()))), None);
        assert_eq!(signal_value(Some(&AttrValue::Number(f64::NAN))), None);
        assert_eq!(signal_value(None), None);
    }
}
