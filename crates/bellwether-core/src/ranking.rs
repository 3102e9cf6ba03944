//! The ranking: every customer scored, best first, with reasons for the ones shown.
//!
//! The CLI (`rank`, `explain`, `demo`) and the web app list customers through this
//! one type, so they always agree.

use serde::Serialize;

use crate::score::MAX_REASONS;
use crate::{Config, CustomerRecord, Quadrant, Reason, Score, ScoreOptions, Scoring};

/// Which customers get their reasons written: reasons are most of the cost of scoring, and a
/// ranking of a million customers usually shows twenty.
#[derive(Debug, Clone, Copy)]
pub enum ReasonsFor<'a> {
    /// The rows a listing shows: the first `top` of the ranking, within `quadrant` if given.
    Shown {
        quadrant: Option<Quadrant>,
        top: usize,
    },
    /// One customer, by `customer_id`.
    Customer(&'a str),
}

/// Above this many customers, reasons are written in one parallel pass rather than one by one.
const REASONS_ONE_BY_ONE_MAX: usize = 10_000;

/// Customers with their scores, best first (ties broken by `customer_id`).
#[derive(Debug)]
pub struct Ranking {
    pub records: Vec<CustomerRecord>,
    /// Scores in record order; only the customers asked for in [`ReasonsFor`] carry reasons.
    pub scores: Vec<Score>,
    /// Indexes into `records`/`scores`, best first.
    pub order: Vec<usize>,
}

impl Ranking {
    pub fn new(
        records: Vec<CustomerRecord>,
        config: &Config,
        reasons_for: ReasonsFor<'_>,
    ) -> Ranking {
        let scoring = Scoring::new(&records, config);
        let mut scores = scoring.scores(&ScoreOptions { max_reasons: 0 });
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&left, &right| {
            scores[right]
                .strategic_score
                .total_cmp(&scores[left].strategic_score)
                .then_with(|| scores[left].customer_id.cmp(&scores[right].customer_id))
        });
        let wanted: Vec<usize> = match reasons_for {
            ReasonsFor::Shown { quadrant, top } => order
                .iter()
                .copied()
                .filter(|&index| quadrant.is_none_or(|quadrant| scores[index].quadrant == quadrant))
                .take(top)
                .collect(),
            ReasonsFor::Customer(customer_id) => scores
                .iter()
                .position(|score| score.customer_id == customer_id)
                .into_iter()
                .collect(),
        };
        if wanted.len() > REASONS_ONE_BY_ONE_MAX {
            scores = scoring.scores(&ScoreOptions::default());
        } else {
            for index in wanted {
                scores[index].reasons = scoring.reasons(index, MAX_REASONS);
            }
        }
        drop(scoring);
        Ranking {
            records,
            scores,
            order,
        }
    }
}

/// One line of the ranking, as JSON and CSV show it.
#[derive(Debug, Serialize)]
pub struct RankedCustomer<'a> {
    pub rank: usize,
    pub customer_id: &'a str,
    pub name: Option<&'a str>,
    pub industry: Option<&'a str>,
    pub country: Option<&'a str>,
    pub strategic_score: f64,
    pub fit: f64,
    pub reputation: f64,
    pub influence: f64,
    pub quadrant: Quadrant,
    pub criteria_fit: f64,
    pub typicality: f64,
    pub reputation_known: bool,
    pub coupon_share: f64,
    pub discount_share: f64,
    pub reasons: &'a [Reason],
}

impl Ranking {
    /// The customer at `position` (0-based) of the ranking.
    pub fn at(&self, position: usize) -> Option<RankedCustomer<'_>> {
        let &index = self.order.get(position)?;
        Some(self.row(position, index))
    }

    fn row(&self, position: usize, index: usize) -> RankedCustomer<'_> {
        let (record, score) = (&self.records[index], &self.scores[index]);
        RankedCustomer {
            rank: position + 1,
            customer_id: &score.customer_id,
            name: record.customer.name.as_deref(),
            industry: record.customer.industry.as_deref(),
            country: record.customer.country.as_deref(),
            strategic_score: round(score.strategic_score),
            fit: round(score.fit),
            reputation: round(score.reputation),
            influence: round(score.influence),
            quadrant: score.quadrant,
            criteria_fit: round(score.criteria_fit),
            typicality: round(score.typicality),
            reputation_known: score.reputation_known,
            coupon_share: round(score.coupon_share),
            discount_share: round(score.discount_share),
            reasons: &score.reasons,
        }
    }

    /// The ranked customers, best first, optionally filtered by quadrant.
    pub fn ranked(&self, quadrant: Option<Quadrant>) -> impl Iterator<Item = RankedCustomer<'_>> {
        self.order
            .iter()
            .enumerate()
            .filter_map(move |(position, &index)| {
                if quadrant.is_some_and(|quadrant| quadrant != self.scores[index].quadrant) {
                    return None;
                }
                Some(self.row(position, index))
            })
    }
}

/// Scores are shown to four decimals everywhere, so outputs are stable across platforms.
fn round(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}
