//! Compressed RFM summaries: the unique `(x, t_x, T)` rows with weights.
//!
//! With whole-day times, a million customers collapse to far fewer unique rows,
//! so every likelihood loops over [`CompressedSummary`] rather than customers.
//! Rows are kept sorted by `(x, t_x, T)`, so terms that depend on `x` alone
//! (log-gamma and digamma values) change only between groups of rows.

use std::collections::HashMap;

use crate::error::ClvError;
use crate::summary::CustomerSummary;

/// Unique `(x, t_x, T)` rows and how many customers share each.
///
/// - `x`: number of repeat purchases (>= 0),
/// - `t_x`: time of the last repeat purchase since the first (0 when x = 0),
/// - `T`: time from the first purchase to the end of calibration (>= t_x),
/// - `weight`: number of customers with that row (> 0; need not be an integer).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompressedSummary {
    x: Vec<f64>,
    t_x: Vec<f64>,
    t: Vec<f64>,
    weight: Vec<f64>,
    n: f64,
    /// Distinct values of `t_x` and `T`, and each row's index into them: with
    /// whole-day times a likelihood takes its logarithms once per level, not
    /// once per row.
    t_x_levels: Vec<f64>,
    t_x_index: Vec<u32>,
    t_levels: Vec<f64>,
    t_index: Vec<u32>,
    /// Start of each run of rows with the same `x` (rows are sorted by `x`).
    x_group_starts: Vec<usize>,
}

/// Sorted distinct values of `values` and each value's index among them.
fn levels(values: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let mut distinct = values.to_vec();
    distinct.sort_unstable_by(f64::total_cmp);
    distinct.dedup();
    let index = values
        .iter()
        .map(|v| distinct.partition_point(|d| d < v) as u32)
        .collect();
    (distinct, index)
}

/// The distinct values of one column, with ids in order of first appearance.
#[derive(Default)]
struct Levels {
    ids: HashMap<u64, u32, std::hash::BuildHasherDefault<RowHasher>>,
    values: Vec<f64>,
}

impl Levels {
    /// The id of `value` (its bits: callers make -0.0 into +0.0).
    fn id(&mut self, value: f64) -> u32 {
        let next = self.values.len() as u32;
        let values = &mut self.values;
        *self.ids.entry(value.to_bits()).or_insert_with(|| {
            values.push(value);
            next
        })
    }
}

/// The rank of each of `values` (distinct) in increasing order.
fn rank_levels(values: &[f64]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..values.len() as u32).collect();
    order.sort_unstable_by(|&i, &j| values[i as usize].total_cmp(&values[j as usize]));
    let mut rank = vec![0; order.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    rank
}

/// Sorts `items` by `key(item)`, keys below `2^bits`: least-significant-digit
/// radix sort, 11 bits a pass (stable, linear time).
fn radix_sort<T: Copy + Default>(items: &mut Vec<T>, bits: u32, key: impl Fn(&T) -> u64) {
    const DIGIT: u32 = 11;
    let mut scratch = vec![T::default(); items.len()];
    let mut shift = 0;
    while shift < bits {
        let digit = |item: &T| ((key(item) >> shift) & ((1 << DIGIT) - 1)) as usize;
        let mut starts = vec![0usize; (1 << DIGIT) + 1];
        for item in items.iter() {
            starts[digit(item) + 1] += 1;
        }
        for d in 1..starts.len() {
            starts[d] += starts[d - 1];
        }
        for item in items.iter() {
            let d = digit(item);
            scratch[starts[d]] = *item;
            starts[d] += 1;
        }
        std::mem::swap(items, &mut scratch);
        shift += DIGIT;
    }
}

/// Sums the weights of runs of equal keys in sorted `(key, weight)` pairs: the
/// unpacked key and total weight of each distinct key, in key order.
fn merge_runs<K: PartialEq + Copy>(
    pairs: impl IntoIterator<Item = (K, f64)>,
    unpack: impl Fn(K) -> [u32; 3],
) -> Vec<([u32; 3], f64)> {
    let mut runs: Vec<([u32; 3], f64)> = Vec::new();
    let mut previous = None;
    for (key, weight) in pairs {
        match runs.last_mut() {
            Some(last) if previous == Some(key) => last.1 += weight,
            _ => runs.push((unpack(key), weight)),
        }
        previous = Some(key);
    }
    runs
}

/// FxHash-style hasher for the row keys (three u64 words): much faster than
/// SipHash, and the keys are numbers, not attacker-chosen strings.
#[derive(Default)]
struct RowHasher(u64);

impl std::hash::Hasher for RowHasher {
    fn finish(&self) -> u64 {
        // MurmurHash3's fmix64: f64 bits of whole numbers have zero low bits, which
        // the table uses for the bucket, so mix the high bits down.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// One row of a [`CompressedSummary`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub x: f64,
    pub t_x: f64,
    pub t: f64,
    pub weight: f64,
}

/// Checks one `(x, t_x, T, weight)` row; `row` is its 0-based index for the error.
pub fn validate_row(row: usize, x: f64, t_x: f64, t: f64, weight: f64) -> Result<(), ClvError> {
    let fail = |reason: &str| {
        Err(ClvError::InvalidInput {
            row,
            reason: reason.to_string(),
        })
    };
    if !(x.is_finite() && t_x.is_finite() && t.is_finite() && weight.is_finite()) {
        return fail("frequency, recency, T and weight must be finite");
    }
    if x < 0.0 {
        return fail("frequency must be >= 0");
    }
    if x != x.floor() {
        return fail("frequency must be a whole number");
    }
    if t_x < 0.0 || t_x > t {
        return fail("recency must lie in [0, T]");
    }
    if x == 0.0 && t_x != 0.0 {
        return fail("recency must be 0 when frequency is 0");
    }
    if weight < 0.0 {
        return fail("weight must be >= 0");
    }
    Ok(())
}

impl CompressedSummary {
    /// Compresses unweighted `(x, t_x, T)` rows (one per customer).
    pub fn from_rows(rows: impl IntoIterator<Item = (f64, f64, f64)>) -> Result<Self, ClvError> {
        Self::from_weighted_rows(rows.into_iter().map(|(x, t_x, t)| (x, t_x, t, 1.0)))
    }

    /// Compresses `(x, t_x, T, weight)` rows; rows of weight 0 are dropped.
    ///
    /// Each column's values get small integer ids from a table that stays in cache
    /// (whole-day data has a few thousand distinct times), the ids are ranked, packed
    /// into one integer key per row and sorted; runs of equal keys are the unique rows.
    /// No table ever holds one entry per row, so a million rows touch little memory.
    pub fn from_weighted_rows(
        rows: impl IntoIterator<Item = (f64, f64, f64, f64)>,
    ) -> Result<Self, ClvError> {
        let rows = rows.into_iter();
        let capacity = rows.size_hint().0;
        let (mut xs, mut t_xs, mut ts) = (Levels::default(), Levels::default(), Levels::default());
        let mut ids: Vec<[u32; 3]> = Vec::with_capacity(capacity);
        let mut weights: Vec<f64> = Vec::with_capacity(capacity);
        for (i, (x, t_x, t, weight)) in rows.enumerate() {
            validate_row(i, x, t_x, t, weight)?;
            if weight == 0.0 {
                continue;
            }
            if ids.len() == u32::MAX as usize {
                return Err(ClvError::InvalidInput {
                    row: i,
                    reason: "more than 4 billion rows".to_string(),
                });
            }
            // +0.0 and -0.0 must share a level.
            ids.push([xs.id(x + 0.0), t_xs.id(t_x + 0.0), ts.id(t + 0.0)]);
            weights.push(weight);
        }
        Ok(Self::assemble(
            &ids,
            &weights,
            [&xs.values, &t_xs.values, &ts.values],
        ))
    }

    /// Builds the summary of rows given as level ids per column (`[x, t_x, T]`) with
    /// weights, where `values[c][id]` is the value of level `id` of column `c`
    /// (distinct values within a column; levels no row uses are allowed).
    /// Ranks the levels, packs each row's ranks into one integer, sorts the keys by
    /// radix and merges runs of equal keys.
    fn assemble(ids: &[[u32; 3]], weights: &[f64], values: [&[f64]; 3]) -> Self {
        let ranks = values.map(rank_levels);
        let bits = values.map(|v| usize::BITS - v.len().saturating_sub(1).leading_zeros());
        let runs: Vec<([u32; 3], f64)> = if bits.iter().sum::<u32>() <= 64 {
            let (shift_x, shift_t_x) = (bits[1] + bits[2], bits[2]);
            let key = |[x, t_x, t]: [u32; 3]| {
                (u64::from(ranks[0][x as usize]) << shift_x)
                    | (u64::from(ranks[1][t_x as usize]) << shift_t_x)
                    | u64::from(ranks[2][t as usize])
            };
            let mask = |b: u32| (1u64 << b) - 1;
            let unpack = |key: u64| {
                [
                    (key >> shift_x) as u32,
                    ((key >> shift_t_x) & mask(bits[1])) as u32,
                    (key & mask(bits[2])) as u32,
                ]
            };
            if weights.iter().all(|&w| w == 1.0) {
                // One customer per row (no weights given): sort bare keys, half the bytes.
                let mut keys: Vec<u64> = ids.iter().map(|&id| key(id)).collect();
                radix_sort(&mut keys, bits.iter().sum(), |&k| k);
                merge_runs(keys.into_iter().map(|k| (k, 1.0)), unpack)
            } else {
                let mut pairs: Vec<(u64, f64)> = ids
                    .iter()
                    .zip(weights)
                    .map(|(&id, &w)| (key(id), w))
                    .collect();
                radix_sort(&mut pairs, bits.iter().sum(), |&(k, _)| k);
                merge_runs(pairs, unpack)
            }
        } else {
            let mut pairs: Vec<([u32; 3], f64)> = ids
                .iter()
                .zip(weights)
                .map(|(&[x, t_x, t], &w)| {
                    let key = [
                        ranks[0][x as usize],
                        ranks[1][t_x as usize],
                        ranks[2][t as usize],
                    ];
                    (key, w)
                })
                .collect();
            pairs.sort_unstable_by_key(|&(key, _)| key);
            merge_runs(pairs, |key: [u32; 3]| key)
        };
        // Values by rank, and dense indexes over the levels some row uses.
        let sorted = |c: usize| {
            let mut by_rank = vec![0.0; values[c].len()];
            for (id, &r) in ranks[c].iter().enumerate() {
                by_rank[r as usize] = values[c][id];
            }
            by_rank
        };
        let dense = |c: usize| {
            let by_rank = sorted(c);
            let mut used = vec![false; by_rank.len()];
            for (key, _) in &runs {
                used[key[c] as usize] = true;
            }
            let mut index = vec![0u32; by_rank.len()];
            let mut levels = Vec::new();
            for (r, value) in by_rank.into_iter().enumerate() {
                index[r] = levels.len() as u32;
                if used[r] {
                    levels.push(value);
                }
            }
            (levels, index)
        };
        let x_by_rank = sorted(0);
        let (t_x_levels, t_x_dense) = dense(1);
        let (t_levels, t_dense) = dense(2);
        let mut out = Self::default();
        for ([x, t_x, t], weight) in runs {
            let x = x_by_rank[x as usize];
            if out.x.last() != Some(&x) {
                out.x_group_starts.push(out.x.len());
            }
            let (t_x, t) = (t_x_dense[t_x as usize], t_dense[t as usize]);
            out.x.push(x);
            out.t_x.push(t_x_levels[t_x as usize]);
            out.t.push(t_levels[t as usize]);
            out.t_x_index.push(t_x);
            out.t_index.push(t);
            out.weight.push(weight);
            out.n += weight;
        }
        out.t_x_levels = t_x_levels;
        out.t_levels = t_levels;
        out
    }

    /// Compresses the calibration-period `(frequency, recency, age)` of summaries.
    pub fn from_summaries<K>(summaries: &[CustomerSummary<K>]) -> Self {
        let rows = summaries
            .iter()
            .map(|s| (f64::from(s.frequency), s.recency, s.age));
        // Summaries are valid by construction.
        Self::from_rows(rows).unwrap_or_default()
    }

    fn from_unique(mut unique: Vec<Row>) -> Self {
        // Valid rows are finite and non-negative, with -0.0 made +0.0: for those, the
        // order of the bit patterns is the numeric order, and integer keys sort faster.
        unique.sort_unstable_by_key(|r| (r.x.to_bits(), r.t_x.to_bits(), r.t.to_bits()));
        let mut out = Self::default();
        for r in unique {
            out.x.push(r.x);
            out.t_x.push(r.t_x);
            out.t.push(r.t);
            out.weight.push(r.weight);
            out.n += r.weight;
        }
        (out.t_x_levels, out.t_x_index) = levels(&out.t_x);
        (out.t_levels, out.t_index) = levels(&out.t);
        out.x_group_starts = (0..out.x.len())
            .filter(|&i| i == 0 || out.x[i] != out.x[i - 1])
            .collect();
        out
    }

    /// Runs of rows sharing one `x`: `(x, rows)`.
    pub fn x_groups(&self) -> impl Iterator<Item = (f64, std::ops::Range<usize>)> + '_ {
        self.x_group_starts.iter().enumerate().map(|(g, &start)| {
            let end = self
                .x_group_starts
                .get(g + 1)
                .copied()
                .unwrap_or(self.x.len());
            (self.x[start], start..end)
        })
    }

    /// Distinct values of `t_x`, sorted.
    pub fn t_x_levels(&self) -> &[f64] {
        &self.t_x_levels
    }

    /// Each row's index into [`Self::t_x_levels`].
    pub fn t_x_index(&self) -> &[u32] {
        &self.t_x_index
    }

    /// Distinct values of `T`, sorted.
    pub fn t_levels(&self) -> &[f64] {
        &self.t_levels
    }

    /// Each row's index into [`Self::t_levels`].
    pub fn t_index(&self) -> &[u32] {
        &self.t_index
    }

    /// The same customers with `t_x` and `T` rounded to a grid of `levels` steps
    /// over [0, max T] (rounding is monotone, so `t_x <= T` still holds): far fewer
    /// unique rows, for a cheap first fit whose optimum is close to the full one.
    pub fn coarsen(&self, levels: usize) -> Self {
        let t_max = self.t_levels.last().copied().unwrap_or(0.0);
        if t_max <= 0.0 || levels == 0 || levels >= u32::MAX as usize {
            return self.clone();
        }
        let step = t_max / levels as f64;
        // Grid point of each level of t_x and T; grid point g has the value g * step.
        let grid = |v: f64| ((v / step).round() as u32).min(levels as u32);
        let t_x_grid: Vec<u32> = self.t_x_levels.iter().map(|&v| grid(v)).collect();
        let t_grid: Vec<u32> = self.t_levels.iter().map(|&v| grid(v)).collect();
        let grid_values: Vec<f64> = (0..=levels).map(|g| g as f64 * step).collect();
        let mut x_values = Vec::new();
        let mut ids = Vec::with_capacity(self.len());
        for (x, rows) in self.x_groups() {
            let x_id = x_values.len() as u32;
            x_values.push(x);
            for i in rows {
                let t = t_grid[self.t_index[i] as usize];
                ids.push([x_id, t_x_grid[self.t_x_index[i] as usize].min(t), t]);
            }
        }
        Self::assemble(&ids, &self.weight, [&x_values, &grid_values, &grid_values])
    }

    /// Keeps the rows where `keep` holds (e.g. `|r| r.x > 0.0`).
    pub fn filter(&self, mut keep: impl FnMut(&Row) -> bool) -> Self {
        Self::from_unique(self.rows().filter(|r| keep(r)).collect())
    }

    /// Number of unique rows.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Number of customers (sum of the weights).
    pub fn n(&self) -> f64 {
        self.n
    }

    pub fn x(&self) -> &[f64] {
        &self.x
    }

    pub fn t_x(&self) -> &[f64] {
        &self.t_x
    }

    /// `T` of each row.
    pub fn t(&self) -> &[f64] {
        &self.t
    }

    pub fn weights(&self) -> &[f64] {
        &self.weight
    }

    /// The rows, sorted by `(x, t_x, T)`.
    pub fn rows(&self) -> impl Iterator<Item = Row> + '_ {
        (0..self.len()).map(|i| Row {
            x: self.x[i],
            t_x: self.t_x[i],
            t: self.t[i],
            weight: self.weight[i],
        })
    }

    /// Weighted sum of `x`.
    pub fn total_frequency(&self) -> f64 {
        self.x.iter().zip(&self.weight).map(|(x, w)| x * w).sum()
    }

    /// Weighted mean of `T`.
    pub fn mean_t(&self) -> f64 {
        if self.n > 0.0 {
            self.t
                .iter()
                .zip(&self.weight)
                .map(|(t, w)| t * w)
                .sum::<f64>()
                / self.n
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compresses_and_sorts() {
        let c = CompressedSummary::from_rows([
            (2.0, 3.0, 5.0),
            (0.0, 0.0, 5.0),
            (2.0, 3.0, 5.0),
            (1.0, 1.0, 4.0),
        ])
        .unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c.n(), 4.0);
        assert_eq!(c.x(), &[0.0, 1.0, 2.0]);
        assert_eq!(c.weights(), &[1.0, 1.0, 2.0]);
        assert_eq!(c.total_frequency(), 5.0);
        assert_eq!(c.t_levels(), &[4.0, 5.0]);
        assert_eq!(c.t_index(), &[1, 0, 1]);
        assert_eq!(c.t_x_levels(), &[0.0, 1.0, 3.0]);
        assert_eq!(c.t_x_index(), &[0, 1, 2]);
        let groups: Vec<_> = c.x_groups().collect();
        assert_eq!(groups, vec![(0.0, 0..1), (1.0, 1..2), (2.0, 2..3)]);
    }

    /// The plain definition: a sorted map from the row to its total weight.
    fn reference(rows: &[(f64, f64, f64, f64)]) -> Vec<(f64, f64, f64, f64)> {
        let mut map = std::collections::BTreeMap::new();
        for &(x, t_x, t, w) in rows {
            if w != 0.0 {
                let key = (
                    (x + 0.0).to_bits(),
                    (t_x + 0.0).to_bits(),
                    (t + 0.0).to_bits(),
                );
                *map.entry(key).or_insert(0.0) += w;
            }
        }
        map.into_iter()
            .map(|((x, t_x, t), w)| (f64::from_bits(x), f64::from_bits(t_x), f64::from_bits(t), w))
            .collect()
    }

    /// Checks the rows, the level tables and the x groups of `c` against `expected`.
    fn assert_matches(c: &CompressedSummary, expected: &[(f64, f64, f64, f64)]) {
        let got: Vec<_> = c.rows().map(|r| (r.x, r.t_x, r.t, r.weight)).collect();
        assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(expected) {
            assert_eq!((g.0, g.1, g.2), (e.0, e.1, e.2));
            assert!((g.3 - e.3).abs() <= 1e-12 * e.3.abs().max(1.0));
        }
        for i in 0..c.len() {
            assert_eq!(c.t_levels()[c.t_index()[i] as usize], c.t()[i]);
            assert_eq!(c.t_x_levels()[c.t_x_index()[i] as usize], c.t_x()[i]);
        }
        let mut t_levels: Vec<f64> = c.t().to_vec();
        t_levels.sort_by(f64::total_cmp);
        t_levels.dedup();
        assert_eq!(c.t_levels(), &t_levels[..]);
        let mut t_x_levels: Vec<f64> = c.t_x().to_vec();
        t_x_levels.sort_by(f64::total_cmp);
        t_x_levels.dedup();
        assert_eq!(c.t_x_levels(), &t_x_levels[..]);
        let mut covered = 0;
        for (x, rows) in c.x_groups() {
            assert_eq!(rows.start, covered);
            assert!(rows.clone().all(|i| c.x()[i] == x));
            covered = rows.end;
        }
        assert_eq!(covered, c.len());
    }

    /// Rows with many repeats: whole days in weeks, like real summaries.
    fn rows_strategy() -> impl proptest::strategy::Strategy<Value = Vec<(f64, f64, f64, f64)>> {
        use proptest::prelude::*;
        prop::collection::vec(
            (0u32..6, 0u32..40, 0u32..40, 0u32..4, any::<bool>()),
            0..400,
        )
        .prop_map(|raw| {
            raw.into_iter()
                .map(|(x, a, b, w, unit)| {
                    let t = f64::from(a.max(b)) / 7.0;
                    let t_x = if x == 0 {
                        0.0
                    } else {
                        f64::from(a.min(b)) / 7.0
                    };
                    let weight = if unit { 1.0 } else { f64::from(w) * 0.5 };
                    (f64::from(x), t_x, t, weight)
                })
                .collect()
        })
    }

    proptest::proptest! {
        #[test]
        fn compression_matches_the_definition(rows in rows_strategy()) {
            let c = CompressedSummary::from_weighted_rows(rows.iter().copied()).unwrap();
            assert_matches(&c, &reference(&rows));
            let n: f64 = rows.iter().map(|r| r.3).sum();
            proptest::prop_assert!((c.n() - n).abs() <= 1e-9 * n.max(1.0));
        }

        #[test]
        fn coarsening_matches_rounding_every_row(rows in rows_strategy(), levels in 1usize..30) {
            let c = CompressedSummary::from_weighted_rows(rows.iter().copied()).unwrap();
            let t_max = c.t_levels().last().copied().unwrap_or(0.0);
            let coarse = c.coarsen(levels);
            if t_max <= 0.0 {
                assert_eq!(coarse, c);
            } else {
                let step = t_max / levels as f64;
                let round = |v: f64| (v / step).round() * step;
                let rounded: Vec<_> = rows
                    .iter()
                    .map(|&(x, t_x, t, w)| (x, round(t_x).min(round(t)), round(t), w))
                    .collect();
                assert_matches(&coarse, &reference(&rounded));
            }
        }

        #[test]
        fn radix_sort_sorts(keys in proptest::collection::vec(0u64..(1 << 40), 0..300)) {
            let mut sorted = keys.clone();
            radix_sort(&mut sorted, 40, |&k| k);
            let mut expected = keys;
            expected.sort_unstable();
            proptest::prop_assert_eq!(sorted, expected);
        }
    }

    #[test]
    fn rejects_bad_rows() {
        for bad in [
            (1.0, 6.0, 5.0),
            (-1.0, 0.0, 5.0),
            (0.0, 1.0, 5.0),
            (f64::NAN, 0.0, 1.0),
            (1.0, -1.0, 1.0),
        ] {
            assert!(matches!(
                CompressedSummary::from_rows([(0.0, 0.0, 1.0), bad]),
                Err(ClvError::InvalidInput { row: 1, .. })
            ));
        }
    }
}
