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
    pub fn from_weighted_rows(
        rows: impl IntoIterator<Item = (f64, f64, f64, f64)>,
    ) -> Result<Self, ClvError> {
        let mut index: HashMap<(u64, u64, u64), usize, std::hash::BuildHasherDefault<RowHasher>> =
            HashMap::default();
        let mut unique: Vec<Row> = Vec::new();
        for (i, (x, t_x, t, weight)) in rows.into_iter().enumerate() {
            validate_row(i, x, t_x, t, weight)?;
            if weight == 0.0 {
                continue;
            }
            // +0.0 and -0.0 must share a key.
            let key = (
                (x + 0.0).to_bits(),
                (t_x + 0.0).to_bits(),
                (t + 0.0).to_bits(),
            );
            match index.get(&key) {
                Some(&j) => unique[j].weight += weight,
                None => {
                    index.insert(key, unique.len());
                    unique.push(Row {
                        x: x + 0.0,
                        t_x: t_x + 0.0,
                        t: t + 0.0,
                        weight,
                    });
                }
            }
        }
        Ok(Self::from_unique(unique))
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
        unique.sort_by(|p, q| {
            p.x.total_cmp(&q.x)
                .then(p.t_x.total_cmp(&q.t_x))
                .then(p.t.total_cmp(&q.t))
        });
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
        if t_max <= 0.0 || levels == 0 {
            return self.clone();
        }
        let step = t_max / levels as f64;
        let round = |v: f64| (v / step).round() * step;
        let rows = self
            .rows()
            .map(|r| (r.x, round(r.t_x).min(round(r.t)), round(r.t), r.weight));
        Self::from_weighted_rows(rows).unwrap_or_else(|_| self.clone())
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
