//! Typicality: how alike a customer is to the customers that meet the stated criteria (the core),
//! as one minus the mean Gower distance to the core.
//!
//! Features: $\log_{10}(1 + \max(0, \text{employees}))$, the same of annual revenue, industry,
//! country, and every `[audience.attributes]` column (numeric when every value present in the
//! data is a number, categorical by case-insensitive text otherwise).
//!
//! Per feature, Gower's distance between two values is
//! - numeric: $\min(1, |x - y| / R)$ with $R$ the core's robust range (1st to 99th percentile,
//!   falling back to min..max, and to "equal or not" when every core value is the same), so a
//!   customer far larger than everyone in the core is at distance 1 on size;
//! - categorical: 0 when equal, 1 otherwise.
//!
//! A feature missing on either side is skipped. The mean distance to the core pools every
//! (core member, feature) pair that both sides have:
//! $$D(x) = \frac{\sum_f \sum_{j \in C_f} d_f(x, y_j)}{\sum_f |C_f|}$$
//! over the features $f$ the customer has, with $C_f$ the core members that have $f$.
//! Without missing values this is exactly the mean of the pairwise Gower distances; with them it
//! weighs each comparison equally instead of each pair, which is what makes it exact to compute
//! per feature in $O(\log m)$: sorted core values with prefix sums for numeric features, and
//! category counts for categorical ones. Nothing pairwise is ever computed.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

#[cfg(test)]
use crate::model::{AttrValue, CustomerRecord};

use super::text::comparison_key;

/// Marks a missing categorical value.
pub(crate) const MISSING_CATEGORY: u32 = u32::MAX;

/// One Gower feature, as a column over all customers.
#[derive(Debug, Clone)]
pub(crate) struct Feature {
    /// English name shown in reasons.
    pub(crate) name: String,
    pub(crate) column: FeatureColumn,
}

/// The values of a feature; `NaN` or [`MISSING_CATEGORY`] where missing.
#[derive(Debug, Clone)]
pub(crate) enum FeatureColumn {
    Numeric(Vec<f64>),
    Categorical(Vec<u32>),
}

/// The Fx hash of rustc: much faster than SipHash on short labels, and deterministic.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxHashMap<Key, Value> = HashMap<Key, Value, BuildHasherDefault<FxHasher>>;

/// Interns case-insensitive labels into dense ids, remembering the first spelling seen.
#[derive(Debug, Clone, Default)]
pub(crate) struct LabelInterner {
    /// Exact spellings already seen, so that a repeated label costs no allocation.
    raw: FxHashMap<String, u32>,
    ids: FxHashMap<String, u32>,
    pub(crate) display: Vec<String>,
}

impl LabelInterner {
    /// The id of a label, `None` when the label is empty.
    pub(crate) fn intern(&mut self, label: &str) -> Option<u32> {
        if let Some(id) = self.raw.get(label) {
            return (*id != MISSING_CATEGORY).then_some(*id);
        }
        let id = match comparison_key(label) {
            None => MISSING_CATEGORY,
            Some(key) => match self.ids.get(key.as_ref()) {
                Some(id) => *id,
                None => {
                    let id = u32::try_from(self.display.len())
                        .unwrap_or(MISSING_CATEGORY - 1)
                        .min(MISSING_CATEGORY - 1);
                    self.ids.insert(key.into_owned(), id);
                    self.display.push(label.trim().to_string());
                    id
                }
            },
        };
        self.raw.insert(label.to_string(), id);
        (id != MISSING_CATEGORY).then_some(id)
    }

    pub(crate) fn len(&self) -> usize {
        self.display.len()
    }
}

/// The log-size transform of employees and revenue; negative values count as zero.
pub(crate) fn log_size(value: Option<f64>) -> f64 {
    match value {
        Some(value) if value.is_finite() => (1.0 + value.max(0.0)).log10(),
        _ => f64::NAN,
    }
}

#[cfg(test)]
/// Interns a column of labels.
pub(crate) fn intern_labels<'a>(
    labels: impl Iterator<Item = Option<&'a str>>,
    interner: &mut LabelInterner,
) -> Vec<u32> {
    labels
        .map(|label| {
            label
                .and_then(|label| interner.intern(label))
                .unwrap_or(MISSING_CATEGORY)
        })
        .collect()
}

#[cfg(test)]
/// Builds the Gower features; `industry_ids` is the already interned industry column.
pub(crate) fn build_features(
    records: &[CustomerRecord],
    industry_ids: &[u32],
    attribute_names: &[&str],
) -> Vec<Feature> {
    use rayon::prelude::*;
    // Each feature is independent: they are built in parallel, in a fixed order.
    let n_fixed = 4;
    (0..n_fixed + attribute_names.len())
        .into_par_iter()
        .map(|feature_index| match feature_index {
            0 => Feature {
                name: "employees".into(),
                column: FeatureColumn::Numeric(
                    records
                        .iter()
                        .map(|record| log_size(record.customer.employees))
                        .collect(),
                ),
            },
            1 => Feature {
                name: "annual revenue".into(),
                column: FeatureColumn::Numeric(
                    records
                        .iter()
                        .map(|record| log_size(record.customer.annual_revenue))
                        .collect(),
                ),
            },
            2 => Feature {
                name: "industry".into(),
                column: FeatureColumn::Categorical(industry_ids.to_vec()),
            },
            3 => Feature {
                name: "country".into(),
                column: FeatureColumn::Categorical(intern_labels(
                    records
                        .iter()
                        .map(|record| record.customer.country.as_deref()),
                    &mut LabelInterner::default(),
                )),
            },
            _ => attribute_feature(records, attribute_names[feature_index - n_fixed]),
        })
        .collect()
}

#[cfg(test)]
/// An `[audience.attributes]` column: numeric when every value present is a number, categorical
/// by case-insensitive text otherwise.
fn attribute_feature(records: &[CustomerRecord], name: &str) -> Feature {
    let values: Vec<Option<&AttrValue>> = records
        .iter()
        .map(|record| record.customer.attributes.get(name))
        .collect();
    let mut any_present = false;
    let mut all_numbers = true;
    for value in values.iter().flatten() {
        any_present = true;
        all_numbers &= matches!(value, AttrValue::Number(_));
    }
    let column = if any_present && all_numbers {
        FeatureColumn::Numeric(
            values
                .iter()
                .map(|value| {
                    value
                        .and_then(AttrValue::as_f64)
                        .filter(|number| number.is_finite())
                        .unwrap_or(f64::NAN)
                })
                .collect(),
        )
    } else {
        let mut interner = LabelInterner::default();
        FeatureColumn::Categorical(
            values
                .iter()
                .map(|value| match value {
                    Some(AttrValue::Text(text)) => interner.intern(text),
                    Some(other) => interner.intern(&other.as_text()),
                    None => None,
                })
                .map(|id| id.unwrap_or(MISSING_CATEGORY))
                .collect(),
        )
    };
    Feature {
        name: name.to_string(),
        column,
    }
}

/// The core's values of one feature, prepared for exact mean distances.
#[derive(Debug, Clone)]
pub(crate) enum CoreFeature {
    Numeric(NumericCore),
    Categorical(CategoricalCore),
}

/// Sorted core values (shifted by their median for precision) with prefix sums.
#[derive(Debug, Clone)]
pub(crate) struct NumericCore {
    sorted: Vec<f64>,
    /// `prefix[k]` is the sum of the first `k` shifted values.
    prefix: Vec<f64>,
    shift: f64,
    /// Gower range; zero means distances are "equal or not".
    pub(crate) range: f64,
}

/// Counts of each category among the core members that have the feature.
#[derive(Debug, Clone)]
pub(crate) struct CategoricalCore {
    counts: Vec<u32>,
    total: u64,
}

/// Linear-interpolated quantile of sorted values.
fn quantile(sorted: &[f64], probability: f64) -> f64 {
    let position = probability * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let fraction = position - below as f64;
    sorted[below] + (sorted[above] - sorted[below]) * fraction
}

impl NumericCore {
    /// Prepares the core values; `None` when the core has none.
    pub(crate) fn new(mut values: Vec<f64>) -> Option<NumericCore> {
        values.retain(|value| value.is_finite());
        if values.is_empty() {
            return None;
        }
        values.sort_unstable_by(f64::total_cmp);
        let robust = quantile(&values, 0.99) - quantile(&values, 0.01);
        let full = values[values.len() - 1] - values[0];
        let range = if robust > 0.0 {
            robust
        } else if full > 0.0 {
            full
        } else {
            0.0
        };
        let shift = values[values.len() / 2];
        let mut prefix = Vec::with_capacity(values.len() + 1);
        let mut running = 0.0;
        prefix.push(0.0);
        for value in &mut values {
            *value -= shift;
            running += *value;
            prefix.push(running);
        }
        Some(NumericCore {
            sorted: values,
            prefix,
            shift,
            range,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.sorted.len()
    }

    /// The sum over the core of $\min(1, |x - y_j| / R)$, exactly, in $O(\log m)$.
    pub(crate) fn distance_sum(&self, value: f64) -> f64 {
        let x = value - self.shift;
        let m = self.sorted.len();
        if self.range <= 0.0 {
            let equal =
                self.sorted.partition_point(|y| *y <= x) - self.sorted.partition_point(|y| *y < x);
            return (m - equal) as f64;
        }
        let window_start = self.sorted.partition_point(|y| *y <= x - self.range);
        let middle = self.sorted.partition_point(|y| *y <= x);
        let window_end = self.sorted.partition_point(|y| *y < x + self.range);
        // Core values at or beyond the range away are at distance 1.
        let far = (window_start + (m - window_end)) as f64;
        let below =
            (middle - window_start) as f64 * x - (self.prefix[middle] - self.prefix[window_start]);
        let above =
            (self.prefix[window_end] - self.prefix[middle]) - (window_end - middle) as f64 * x;
        let near = ((below + above) / self.range).clamp(0.0, (window_end - window_start) as f64);
        far + near
    }
}

impl CategoricalCore {
    pub(crate) fn new(values: impl Iterator<Item = u32>) -> Option<CategoricalCore> {
        let mut counts: Vec<u32> = Vec::new();
        let mut total = 0u64;
        for value in values.filter(|value| *value != MISSING_CATEGORY) {
            let index = value as usize;
            if counts.len() <= index {
                counts.resize(index + 1, 0);
            }
            counts[index] += 1;
            total += 1;
        }
        (total > 0).then_some(CategoricalCore { counts, total })
    }

    /// The number of core members whose value differs.
    pub(crate) fn distance_sum(&self, value: u32) -> f64 {
        let same = self.counts.get(value as usize).copied().unwrap_or(0);
        (self.total - u64::from(same)) as f64
    }
}

/// Every feature's core, `None` for a feature no core member has.
pub(crate) fn build_core(features: &[Feature], in_core: &[bool]) -> Vec<Option<CoreFeature>> {
    features
        .iter()
        .map(|feature| match &feature.column {
            FeatureColumn::Numeric(values) => NumericCore::new(
                values
                    .iter()
                    .zip(in_core)
                    .filter(|(_, member)| **member)
                    .map(|(value, _)| *value)
                    .collect(),
            )
            .map(CoreFeature::Numeric),
            FeatureColumn::Categorical(values) => CategoricalCore::new(
                values
                    .iter()
                    .zip(in_core)
                    .filter(|(_, member)| **member)
                    .map(|(value, _)| *value),
            )
            .map(CoreFeature::Categorical),
        })
        .collect()
}

/// The typicality of one customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Typicality {
    /// One minus the mean Gower distance to the core, `None` when no feature can be compared.
    pub(crate) value: Option<f64>,
    /// The feature on which the customer is least like the core, with its mean distance.
    pub(crate) least_alike: Option<(usize, f64)>,
}

/// The typicality of customer `index` against the core.
pub(crate) fn typicality(
    features: &[Feature],
    core: &[Option<CoreFeature>],
    index: usize,
) -> Typicality {
    let mut distance_total = 0.0;
    let mut comparisons = 0u64;
    let mut least_alike: Option<(usize, f64)> = None;
    for (feature_index, (feature, core_feature)) in features.iter().zip(core).enumerate() {
        let (sum, count) = match (&feature.column, core_feature) {
            (FeatureColumn::Numeric(values), Some(CoreFeature::Numeric(core))) => {
                let value = values[index];
                if value.is_nan() {
                    continue;
                }
                (core.distance_sum(value), core.len() as u64)
            }
            (FeatureColumn::Categorical(values), Some(CoreFeature::Categorical(core))) => {
                let value = values[index];
                if value == MISSING_CATEGORY {
                    continue;
                }
                (core.distance_sum(value), core.total)
            }
            _ => continue,
        };
        distance_total += sum;
        comparisons += count;
        let mean = sum / count as f64;
        if least_alike.is_none_or(|(_, worst)| mean > worst) {
            least_alike = Some((feature_index, mean));
        }
    }
    let value =
        (comparisons > 0).then(|| (1.0 - distance_total / comparisons as f64).clamp(0.0, 1.0));
    Typicality { value, least_alike }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_distance_sum_matches_a_hand_count() {
        // Core 0, 1, 2, 10: q99 = 2 + 8 * 0.97 = 9.76 and q01 = 0 + 1 * 0.03 = 0.03.
        let core = NumericCore::new(vec![10.0, 0.0, 2.0, 1.0]).unwrap();
        assert!((core.range - 9.73).abs() < 1e-9, "{}", core.range);
        let expected = (1.0 + 0.0 + 1.0 + 9.0) / 9.73;
        assert!((core.distance_sum(1.0) - expected).abs() < 1e-12);
        // Far above everyone: every distance is clipped at 1.
        assert_eq!(core.distance_sum(100.0), 4.0);
    }

    #[test]
    fn a_constant_core_compares_equal_or_not() {
        let core = NumericCore::new(vec![3.0, 3.0, 3.0]).unwrap();
        assert_eq!(core.range, 0.0);
        assert_eq!(core.distance_sum(3.0), 0.0);
        assert_eq!(core.distance_sum(3.5), 3.0);
    }

    #[test]
    fn categorical_distance_counts_mismatches() {
        let core = CategoricalCore::new([0, 0, 1, MISSING_CATEGORY].into_iter()).unwrap();
        assert_eq!(core.distance_sum(0), 1.0);
        assert_eq!(core.distance_sum(1), 2.0);
        assert_eq!(core.distance_sum(7), 3.0);
    }

    #[test]
    fn log_size_is_finite_for_zero_and_negative_values() {
        assert_eq!(log_size(Some(0.0)), 0.0);
        assert_eq!(log_size(Some(-10.0)), 0.0);
        assert!((log_size(Some(999.0)) - 3.0).abs() < 1e-12);
        assert!(log_size(None).is_nan());
        assert!(log_size(Some(f64::INFINITY)).is_nan());
    }

    mod brute_force {
        //! Checks the O(log m) per-feature sums against the O(n m) pairwise definition.

        use proptest::prelude::*;

        use super::super::*;
        use crate::model::{AttrValue, Customer, CustomerRecord};

        /// The robust range as documented: 1st to 99th percentile, then min..max, then zero.
        fn gower_range(mut core_values: Vec<f64>) -> f64 {
            core_values.sort_by(f64::total_cmp);
            let at = |probability: f64| {
                let position = probability * (core_values.len() - 1) as f64;
                let (below, above) = (position.floor() as usize, position.ceil() as usize);
                core_values[below]
                    + (core_values[above] - core_values[below]) * (position - below as f64)
            };
            let robust = at(0.99) - at(0.01);
            let full = core_values[core_values.len() - 1] - core_values[0];
            if robust > 0.0 {
                robust
            } else if full > 0.0 {
                full
            } else {
                0.0
            }
        }

        fn numeric_distance(x: f64, y: f64, range: f64) -> f64 {
            if range > 0.0 {
                ((x - y).abs() / range).min(1.0)
            } else if x == y {
                0.0
            } else {
                1.0
            }
        }

        /// Per pair of (customer, core member), the Gower terms of the features both have.
        fn pair_terms(
            features: &[Feature],
            ranges: &[f64],
            index: usize,
            member: usize,
        ) -> Vec<f64> {
            let mut terms = Vec::new();
            for (feature, range) in features.iter().zip(ranges) {
                match &feature.column {
                    FeatureColumn::Numeric(values) => {
                        if !values[index].is_nan() && !values[member].is_nan() {
                            terms.push(numeric_distance(values[index], values[member], *range));
                        }
                    }
                    FeatureColumn::Categorical(values) => {
                        if values[index] != MISSING_CATEGORY && values[member] != MISSING_CATEGORY {
                            terms.push(if values[index] == values[member] {
                                0.0
                            } else {
                                1.0
                            });
                        }
                    }
                }
            }
            terms
        }

        fn ranges(features: &[Feature], in_core: &[bool]) -> Vec<f64> {
            features
                .iter()
                .map(|feature| match &feature.column {
                    FeatureColumn::Numeric(values) => {
                        let core_values: Vec<f64> = values
                            .iter()
                            .zip(in_core)
                            .filter(|(value, member)| **member && !value.is_nan())
                            .map(|(value, _)| *value)
                            .collect();
                        if core_values.is_empty() {
                            0.0
                        } else {
                            gower_range(core_values)
                        }
                    }
                    FeatureColumn::Categorical(_) => 0.0,
                })
                .collect()
        }

        fn customer_strategy(missing: f64) -> impl Strategy<Value = CustomerRecord> {
            let maybe = move |value: f64, coin: f64| (coin >= missing).then_some(value);
            (
                0.0..1e6f64,
                0.0..1e9f64,
                0usize..4,
                0usize..3,
                0.0..10.0f64,
                0usize..3,
                proptest::collection::vec(0.0..1.0f64, 6),
            )
                .prop_map(
                    move |(employees, revenue, industry, country, score, system, coins)| {
                        let mut customer = Customer {
                            employees: maybe(employees.round(), coins[0]),
                            annual_revenue: maybe(revenue, coins[1]),
                            industry: maybe(0.0, coins[2]).map(|_| {
                                ["Banking", "banking ", "Bakery", "Retail"][industry].to_string()
                            }),
                            country: maybe(0.0, coins[3])
                                .map(|_| ["US", "CA", "FR"][country].to_string()),
                            ..Customer::default()
                        };
                        if coins[4] >= missing {
                            customer
                                .attributes
                                .insert("score".into(), AttrValue::Number(score.round()));
                        }
                        if coins[5] >= missing {
                            customer.attributes.insert(
                                "system".into(),
                                AttrValue::Text(["Oracle", "ORACLE", "Fiserv"][system].into()),
                            );
                        }
                        CustomerRecord {
                            customer,
                            stats: Default::default(),
                        }
                    },
                )
        }

        fn features_and_core(
            records: &[CustomerRecord],
            in_core: &[bool],
        ) -> (Vec<Feature>, Vec<Option<CoreFeature>>) {
            let mut industries = LabelInterner::default();
            let industry_ids = intern_labels(
                records
                    .iter()
                    .map(|record| record.customer.industry.as_deref()),
                &mut industries,
            );
            let features = build_features(records, &industry_ids, &["score", "system"]);
            let core = build_core(&features, in_core);
            (features, core)
        }

        proptest! {
            #[test]
            fn numeric_sums_match_pairwise_sums(core in proptest::collection::vec(-50.0..50.0f64, 1..40), probes in proptest::collection::vec(-80.0..80.0f64, 1..10), round in proptest::bool::ANY) {
                let core: Vec<f64> = if round { core.iter().map(|value| value.round()).collect() } else { core };
                let prepared = NumericCore::new(core.clone()).unwrap();
                let range = gower_range(core.clone());
                prop_assert!((prepared.range - range).abs() <= 1e-9 * range.max(1.0));
                // Probes include core values themselves, to hit ties and window edges.
                for x in probes.iter().copied().chain(core.iter().copied()) {
                    let expected: f64 = core.iter().map(|y| numeric_distance(x, *y, range)).sum();
                    prop_assert!((prepared.distance_sum(x) - expected).abs() < 1e-9 * core.len() as f64, "x {} got {} expected {}", x, prepared.distance_sum(x), expected);
                }
            }

            #[test]
            fn complete_data_gives_the_mean_pairwise_gower_distance(records in proptest::collection::vec(customer_strategy(0.0), 1..30), core_mask in proptest::collection::vec(proptest::bool::weighted(0.6), 30)) {
                let mut in_core: Vec<bool> = core_mask[..records.len()].to_vec();
                in_core[0] = true;
                let (features, core) = features_and_core(&records, &in_core);
                let ranges = ranges(&features, &in_core);
                let members: Vec<usize> = (0..records.len()).filter(|member| in_core[*member]).collect();
                for index in 0..records.len() {
                    // Classic Gower: the mean over core members of each pair's mean term.
                    let expected = members.iter().map(|member| {
                        let terms = pair_terms(&features, &ranges, index, *member);
                        terms.iter().sum::<f64>() / terms.len() as f64
                    }).sum::<f64>() / members.len() as f64;
                    let got = typicality(&features, &core, index).value.unwrap();
                    prop_assert!((got - (1.0 - expected)).abs() < 1e-9, "customer {}: {} vs {}", index, got, 1.0 - expected);
                }
            }

            #[test]
            fn missing_data_pools_every_comparison(records in proptest::collection::vec(customer_strategy(0.3), 1..30), core_mask in proptest::collection::vec(proptest::bool::weighted(0.6), 30)) {
                let in_core: Vec<bool> = core_mask[..records.len()].to_vec();
                let (features, core) = features_and_core(&records, &in_core);
                let ranges = ranges(&features, &in_core);
                for index in 0..records.len() {
                    let mut total = 0.0;
                    let mut comparisons = 0usize;
                    for member in (0..records.len()).filter(|member| in_core[*member]) {
                        let terms = pair_terms(&features, &ranges, index, member);
                        total += terms.iter().sum::<f64>();
                        comparisons += terms.len();
                    }
                    let got = typicality(&features, &core, index).value;
                    if comparisons == 0 {
                        prop_assert_eq!(got, None);
                    } else {
                        let got = got.unwrap();
                        prop_assert!((got - (1.0 - total / comparisons as f64)).abs() < 1e-9, "customer {}: {} vs {}", index, got, 1.0 - total / comparisons as f64);
                    }
                }
            }
        }
    }
}
