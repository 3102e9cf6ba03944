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

/// Feeds the runs of equal keys of sorted `(key, weight)` pairs to `builder`: the
/// unpacked key and total weight of each distinct key, in key order.
fn push_runs<K: PartialEq + Copy>(
    pairs: impl IntoIterator<Item = (K, f64)>,
    unpack: impl Fn(K) -> [u32; 3],
    builder: &mut Builder,
) {
    let mut current: Option<(K, f64)> = None;
    for (key, weight) in pairs {
        match &mut current {
            Some((previous, total)) if *previous == key => *total += weight,
            _ => {
                if let Some((previous, total)) = current {
                    builder.push(unpack(previous), total);
                }
                current = Some((key, weight));
            }
        }
    }
    if let Some((previous, total)) = current {
        builder.push(unpack(previous), total);
    }
}

/// The merge of sorted `parts` (each sorted by `key`), in order; among equal keys,
/// earlier parts first (so sums over a run add in row order).
fn merge_sorted<'a, T: Copy + 'a>(
    parts: &'a [Vec<T>],
    key: impl Fn(&T) -> u64 + 'a,
) -> impl Iterator<Item = T> + 'a {
    let mut heads = vec![0usize; parts.len()];
    std::iter::from_fn(move || {
        let mut best: Option<(u64, usize)> = None;
        for (p, part) in parts.iter().enumerate() {
            if let Some(item) = part.get(heads[p]) {
                let k = key(item);
                if best.is_none_or(|(b, _)| k < b) {
                    best = Some((k, p));
                }
            }
        }
        let (_, p) = best?;
        heads[p] += 1;
        Some(parts[p][heads[p] - 1])
    })
}

/// How a row's level ranks pack into one integer key: `x` in the high bits, then
/// `t_x`, then `T`, each in as many bits as its number of levels needs.
#[derive(Clone, Copy)]
struct KeyLayout {
    bits: [u32; 3],
}

impl KeyLayout {
    fn new(level_counts: [usize; 3]) -> Self {
        Self {
            bits: level_counts.map(|n| usize::BITS - n.saturating_sub(1).leading_zeros()),
        }
    }

    fn total_bits(&self) -> u32 {
        self.bits.iter().sum()
    }

    fn pack(&self, [x, t_x, t]: [u32; 3]) -> u64 {
        (u64::from(x) << (self.bits[1] + self.bits[2]))
            | (u64::from(t_x) << self.bits[2])
            | u64::from(t)
    }

    fn unpack(&self, key: u64) -> [u32; 3] {
        let mask = |b: u32| (1u64 << b) - 1;
        [
            (key >> (self.bits[1] + self.bits[2])) as u32,
            ((key >> self.bits[2]) & mask(self.bits[1])) as u32,
            (key & mask(self.bits[2])) as u32,
        ]
    }
}

/// Builds a [`CompressedSummary`] from its unique rows, given in `(x, t_x, T)` order
/// as level ranks with total weights.
struct Builder {
    out: CompressedSummary,
    /// Level values by rank, per column.
    by_rank: [Vec<f64>; 3],
    t_x_used: Vec<bool>,
    t_used: Vec<bool>,
    last_x: Option<u32>,
}

impl Builder {
    /// `values[c][id]` is the value of level `id` of column `c`, `ranks[c][id]` its rank.
    fn new(values: [&[f64]; 3], ranks: &[Vec<u32>; 3], capacity: usize) -> Self {
        let by_rank = [0, 1, 2].map(|c| {
            let mut by_rank = vec![0.0; values[c].len()];
            for (id, &r) in ranks[c].iter().enumerate() {
                by_rank[r as usize] = values[c][id];
            }
            by_rank
        });
        let out = CompressedSummary {
            x: Vec::with_capacity(capacity),
            weight: Vec::with_capacity(capacity),
            t_x_index: Vec::with_capacity(capacity),
            t_index: Vec::with_capacity(capacity),
            ..CompressedSummary::default()
        };
        Self {
            out,
            t_x_used: vec![false; by_rank[1].len()],
            t_used: vec![false; by_rank[2].len()],
            by_rank,
            last_x: None,
        }
    }

    fn push(&mut self, [x, t_x, t]: [u32; 3], weight: f64) {
        let out = &mut self.out;
        if self.last_x != Some(x) {
            out.x_group_starts.push(out.x.len());
            self.last_x = Some(x);
        }
        out.x.push(self.by_rank[0][x as usize]);
        out.t_x_index.push(t_x);
        out.t_index.push(t);
        out.weight.push(weight);
        out.n += weight;
        self.t_x_used[t_x as usize] = true;
        self.t_used[t as usize] = true;
    }

    /// Keeps the levels some row uses and turns the ranks into indexes among those.
    fn finish(self) -> CompressedSummary {
        let Builder {
            mut out,
            by_rank,
            t_x_used,
            t_used,
            ..
        } = self;
        let dense = |by_rank: &[f64], used: &[bool]| {
            let mut index = vec![0u32; by_rank.len()];
            let mut levels = Vec::new();
            for (r, (&value, &is_used)) in by_rank.iter().zip(used).enumerate() {
                index[r] = levels.len() as u32;
                if is_used {
                    levels.push(value);
                }
            }
            (levels, index)
        };
        let (t_x_levels, t_x_dense) = dense(&by_rank[1], &t_x_used);
        let (t_levels, t_dense) = dense(&by_rank[2], &t_used);
        out.t_x = out
            .t_x_index
            .iter()
            .map(|&r| by_rank[1][r as usize])
            .collect();
        out.t = out
            .t_index
            .iter()
            .map(|&r| by_rank[2][r as usize])
            .collect();
        out.t_x_index
            .iter_mut()
            .for_each(|r| *r = t_x_dense[*r as usize]);
        out.t_index
            .iter_mut()
            .for_each(|r| *r = t_dense[*r as usize]);
        (out.t_x_levels, out.t_levels) = (t_x_levels, t_levels);
        out
    }
}

/// Level ids of one slice of rows: `[x, t_x, T]` ids per kept row, their weights
/// (`None` when every row weighs 1) and the three columns' levels.
struct LevelIds {
    ids: Vec<[u32; 3]>,
    weights: Option<Vec<f64>>,
    levels: [Levels; 3],
}

/// Validates `(row index, (x, t_x, T, weight))` rows and gives them level ids; rows
/// of weight 0 are dropped. `weighted`: keep the weights (else all must be 1).
fn level_ids(
    rows: impl Iterator<Item = (usize, (f64, f64, f64, f64))>,
    capacity: usize,
    weighted: bool,
) -> Result<LevelIds, ClvError> {
    let mut levels = [Levels::default(), Levels::default(), Levels::default()];
    let mut ids: Vec<[u32; 3]> = Vec::with_capacity(capacity);
    let mut weights: Vec<f64> = Vec::with_capacity(if weighted { capacity } else { 0 });
    for (i, (x, t_x, t, weight)) in rows {
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
        let [xs, t_xs, ts] = &mut levels;
        ids.push([xs.id(x + 0.0), t_xs.id(t_x + 0.0), ts.id(t + 0.0)]);
        if weighted {
            weights.push(weight);
        }
    }
    Ok(LevelIds {
        ids,
        weights: weighted.then_some(weights),
        levels,
    })
}

/// Rows below which [`CompressedSummary::from_columns`] uses one thread.
const PARALLEL_ROWS: usize = 100_000;

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
        let LevelIds {
            ids,
            weights,
            levels: [xs, t_xs, ts],
        } = level_ids(rows.enumerate(), capacity, true)?;
        let weights = weights.unwrap_or_default();
        Ok(Self::assemble(
            &ids,
            &weights,
            [&xs.values, &t_xs.values, &ts.values],
        ))
    }

    /// Compresses columns of `(x, t_x, T)` with optional weights (all 1 when `None`),
    /// like [`Self::from_weighted_rows`], on all available cores (at most 8) from
    /// `PARALLEL_ROWS` (100,000) rows: each thread gives its slice of rows level ids and sorts
    /// their keys, and the sorted slices are merged. Errors name the first bad row.
    pub fn from_columns(
        x: &[f64],
        t_x: &[f64],
        t: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<Self, ClvError> {
        let n = x.len();
        if t_x.len() != n || t.len() != n || weights.is_some_and(|w| w.len() != n) {
            return Err(ClvError::InvalidInput {
                row: [t_x.len(), t.len(), weights.map_or(n, <[f64]>::len), n]
                    .into_iter()
                    .min()
                    .unwrap_or(0),
                reason: "columns of different lengths".to_string(),
            });
        }
        let row = |i: usize| (x[i], t_x[i], t[i], weights.map_or(1.0, |w| w[i]));
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8);
        if threads < 2 || n < PARALLEL_ROWS {
            return Self::from_weighted_rows((0..n).map(row));
        }
        let chunk = n.div_ceil(threads);
        let weighted = weights.is_some();
        let parts: Vec<Result<LevelIds, ClvError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..n)
                .step_by(chunk)
                .map(|start| {
                    let range = start..(start + chunk).min(n);
                    let rows = range.clone().map(move |i| (i, row(i)));
                    scope.spawn(move || level_ids(rows, range.len(), weighted))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        // The first error in row order: parts are in row order.
        let mut parts = parts
            .into_iter()
            .collect::<Result<Vec<LevelIds>, ClvError>>()?;
        // One set of levels for all parts: the first part's, extended by the others'
        // new values; each later part's local ids map into it.
        let mut global = std::mem::take(&mut parts[0].levels);
        let local_to_global: Vec<[Vec<u32>; 3]> = parts
            .iter()
            .skip(1)
            .map(|part| {
                [0, 1, 2].map(|c| {
                    part.levels[c]
                        .values
                        .iter()
                        .map(|&v| global[c].id(v))
                        .collect()
                })
            })
            .collect();
        let values = [
            &global[0].values[..],
            &global[1].values[..],
            &global[2].values[..],
        ];
        let ranks = values.map(rank_levels);
        let layout = KeyLayout::new(values.map(<[f64]>::len));
        // Per part and column, the rank of each local id.
        let key_tables: Vec<[Vec<u32>; 3]> = std::iter::once(ranks.clone())
            .chain(local_to_global.iter().map(|maps| {
                [0, 1, 2].map(|c| maps[c].iter().map(|&g| ranks[c][g as usize]).collect())
            }))
            .collect();
        let capacity = n.min(parts.iter().map(|p| p.ids.len()).sum());
        let mut builder = Builder::new(values, &ranks, capacity / 2);
        if layout.total_bits() > 64 {
            // Too many levels for one integer key: rank triples, sorted serially.
            let mut pairs: Vec<([u32; 3], f64)> = Vec::with_capacity(capacity);
            for (part, tables) in parts.iter().zip(&key_tables) {
                for (i, &[a, b, c]) in part.ids.iter().enumerate() {
                    let weight = part.weights.as_ref().map_or(1.0, |w| w[i]);
                    let key = [
                        tables[0][a as usize],
                        tables[1][b as usize],
                        tables[2][c as usize],
                    ];
                    pairs.push((key, weight));
                }
            }
            pairs.sort_by_key(|&(key, _)| key);
            push_runs(pairs, |key: [u32; 3]| key, &mut builder);
            return Ok(builder.finish());
        }
        let bits = layout.total_bits();
        let pack = |part: &LevelIds, tables: &[Vec<u32>; 3]| -> Vec<u64> {
            part.ids
                .iter()
                .map(|&[a, b, c]| {
                    layout.pack([
                        tables[0][a as usize],
                        tables[1][b as usize],
                        tables[2][c as usize],
                    ])
                })
                .collect()
        };
        if weighted {
            let sorted: Vec<Vec<(u64, f64)>> = std::thread::scope(|scope| {
                let handles: Vec<_> = parts
                    .iter()
                    .zip(&key_tables)
                    .map(|(part, tables)| {
                        scope.spawn(move || {
                            let keys = pack(part, tables);
                            let weights = part.weights.as_deref().unwrap_or(&[]);
                            let mut pairs: Vec<(u64, f64)> =
                                keys.into_iter().zip(weights.iter().copied()).collect();
                            radix_sort(&mut pairs, bits, |&(k, _)| k);
                            pairs
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                    .collect()
            });
            push_runs(
                merge_sorted(&sorted, |&(k, _)| k),
                |k| layout.unpack(k),
                &mut builder,
            );
        } else {
            let sorted: Vec<Vec<u64>> = std::thread::scope(|scope| {
                let handles: Vec<_> = parts
                    .iter()
                    .zip(&key_tables)
                    .map(|(part, tables)| {
                        scope.spawn(move || {
                            let mut keys = pack(part, tables);
                            radix_sort(&mut keys, bits, |&k| k);
                            keys
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                    .collect()
            });
            push_runs(
                merge_sorted(&sorted, |&k| k).map(|k| (k, 1.0)),
                |k| layout.unpack(k),
                &mut builder,
            );
        }
        Ok(builder.finish())
    }

    /// Builds the summary of rows given as level ids per column (`[x, t_x, T]`) with
    /// weights (empty: all 1), where `values[c][id]` is the value of level `id` of
    /// column `c` (distinct values within a column; levels no row uses are allowed).
    /// Ranks the levels, packs each row's ranks into one integer, sorts the keys by
    /// radix and merges runs of equal keys.
    fn assemble(ids: &[[u32; 3]], weights: &[f64], values: [&[f64]; 3]) -> Self {
        let ranks = values.map(rank_levels);
        let layout = KeyLayout::new(values.map(<[f64]>::len));
        let rank_key = |[x, t_x, t]: [u32; 3]| {
            [
                ranks[0][x as usize],
                ranks[1][t_x as usize],
                ranks[2][t as usize],
            ]
        };
        let mut builder = Builder::new(values, &ranks, ids.len() / 2);
        if layout.total_bits() <= 64 {
            let bits = layout.total_bits();
            if weights.is_empty() || weights.iter().all(|&w| w == 1.0) {
                // One customer per row (no weights given): sort bare keys, half the bytes.
                let mut keys: Vec<u64> = ids.iter().map(|&id| layout.pack(rank_key(id))).collect();
                radix_sort(&mut keys, bits, |&k| k);
                push_runs(
                    keys.into_iter().map(|k| (k, 1.0)),
                    |k| layout.unpack(k),
                    &mut builder,
                );
            } else {
                let mut pairs: Vec<(u64, f64)> = ids
                    .iter()
                    .zip(weights)
                    .map(|(&id, &w)| (layout.pack(rank_key(id)), w))
                    .collect();
                radix_sort(&mut pairs, bits, |&(k, _)| k);
                push_runs(pairs, |k| layout.unpack(k), &mut builder);
            }
        } else {
            let mut pairs: Vec<([u32; 3], f64)> = ids
                .iter()
                .enumerate()
                .map(|(i, &id)| (rank_key(id), weights.get(i).copied().unwrap_or(1.0)))
                .collect();
            pairs.sort_by_key(|&(key, _)| key);
            push_runs(pairs, |key: [u32; 3]| key, &mut builder);
        }
        builder.finish()
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
        if let Some(coarse) = self.coarsen_in_order(&t_x_grid, &t_grid, levels, step) {
            return coarse;
        }
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

    /// [`Self::coarsen`] in one pass, without sorting: rows come sorted by
    /// `(x, t_x, T)` and rounding is monotone, so within a run of equal x the grid
    /// points of `t_x` come in order; each run of equal grid `t_x` sums its weights
    /// into bins by grid `T`, emitted in order. `t_x_grid` and `t_grid` are the grid
    /// points of the levels. `None` if some row's grid `t_x` exceeds its grid `T`
    /// (rounding cannot do that, but then the output would not come sorted).
    fn coarsen_in_order(
        &self,
        t_x_grid: &[u32],
        t_grid: &[u32],
        levels: usize,
        step: f64,
    ) -> Option<Self> {
        let points = levels + 1;
        let mut bins = vec![0.0; points];
        let (mut t_x_used, mut t_used) = (vec![false; points], vec![false; points]);
        let mut out = Self::default();
        for (x, rows) in self.x_groups() {
            let mut i = rows.start;
            let mut group_started = false;
            while i < rows.end {
                let g_x = t_x_grid[self.t_x_index[i] as usize];
                let (mut lowest, mut highest) = (usize::MAX, 0);
                while i < rows.end && t_x_grid[self.t_x_index[i] as usize] == g_x {
                    let g_t = t_grid[self.t_index[i] as usize];
                    if g_t < g_x {
                        return None;
                    }
                    let g_t = g_t as usize;
                    bins[g_t] += self.weight[i];
                    (lowest, highest) = (lowest.min(g_t), highest.max(g_t));
                    i += 1;
                }
                for g_t in lowest..=highest {
                    // Weights are positive, so a bin some row reached is positive.
                    let weight = std::mem::take(&mut bins[g_t]);
                    if weight > 0.0 {
                        if !group_started {
                            out.x_group_starts.push(out.x.len());
                            group_started = true;
                        }
                        t_x_used[g_x as usize] = true;
                        t_used[g_t] = true;
                        out.x.push(x);
                        out.t_x_index.push(g_x);
                        out.t_index.push(g_t as u32);
                        out.weight.push(weight);
                        out.n += weight;
                    }
                }
            }
        }
        // Grid points to the levels some row uses, and indexes into those.
        let dense = |used: &[bool]| {
            let mut index = vec![0u32; used.len()];
            let mut values = Vec::new();
            for (g, &is_used) in used.iter().enumerate() {
                index[g] = values.len() as u32;
                if is_used {
                    values.push(g as f64 * step);
                }
            }
            (values, index)
        };
        let (t_x_levels, t_x_dense) = dense(&t_x_used);
        let (t_levels, t_dense) = dense(&t_used);
        out.t_x = out.t_x_index.iter().map(|&g| g as f64 * step).collect();
        out.t = out.t_index.iter().map(|&g| g as f64 * step).collect();
        out.t_x_index
            .iter_mut()
            .for_each(|g| *g = t_x_dense[*g as usize]);
        out.t_index
            .iter_mut()
            .for_each(|g| *g = t_dense[*g as usize]);
        (out.t_x_levels, out.t_levels) = (t_x_levels, t_levels);
        Some(out)
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

    /// Enough rows for the multi-threaded path of `from_columns`, with repeats,
    /// whole days in weeks and some weights 0.
    fn many_rows(n: usize) -> Vec<(f64, f64, f64, f64)> {
        let mut state: u64 = 12345;
        let mut next = move |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        (0..n)
            .map(|_| {
                let x = next(20) as f64;
                let t_days = next(1000);
                let t_x_days = if x == 0.0 { 0 } else { next(t_days + 1) };
                let weight = next(5) as f64 * 0.5;
                (x, t_x_days as f64 / 7.0, t_days as f64 / 7.0, weight)
            })
            .collect()
    }

    #[test]
    fn columns_on_several_threads_match_the_definition() {
        let rows = many_rows(2 * PARALLEL_ROWS + 7);
        let column = |f: fn(&(f64, f64, f64, f64)) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
        let (x, t_x, t, w) = (
            column(|r| r.0),
            column(|r| r.1),
            column(|r| r.2),
            column(|r| r.3),
        );
        let weighted = CompressedSummary::from_columns(&x, &t_x, &t, Some(&w)).unwrap();
        assert_matches(&weighted, &reference(&rows));
        let unit_rows: Vec<_> = rows
            .iter()
            .map(|&(x, t_x, t, _)| (x, t_x, t, 1.0))
            .collect();
        let unweighted = CompressedSummary::from_columns(&x, &t_x, &t, None).unwrap();
        assert_matches(&unweighted, &reference(&unit_rows));
        assert_eq!(unweighted.n(), rows.len() as f64);
        // The same as the one-threaded path, bit for bit.
        assert_eq!(
            weighted,
            CompressedSummary::from_weighted_rows(rows.iter().copied()).unwrap()
        );
    }

    #[test]
    fn columns_report_the_first_bad_row() {
        let rows = many_rows(2 * PARALLEL_ROWS);
        let mut t_x: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let (x, t): (Vec<f64>, Vec<f64>) = rows.iter().map(|r| (r.0, r.2)).unzip();
        let last = rows.len() - 1;
        t_x[last] = t[last] + 1.0;
        t_x[PARALLEL_ROWS + 3] = -1.0;
        assert!(matches!(
            CompressedSummary::from_columns(&x, &t_x, &t, None),
            Err(ClvError::InvalidInput { row, .. }) if row == PARALLEL_ROWS + 3
        ));
        assert!(matches!(
            CompressedSummary::from_columns(&x, &t_x[1..], &t, None),
            Err(ClvError::InvalidInput { .. })
        ));
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
