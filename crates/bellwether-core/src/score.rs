//! The strategic-customer score: fit, reputation, influence, quadrant, reasons.

use serde::{Deserialize, Serialize};

use crate::{Config, CustomerRecord};

/// Where a customer falls on the fit × reputation map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quadrant {
    /// Fit and reputation both high: the design partners to court.
    Strategic,
    /// Reputation high, fit low: lends credibility but does not represent the audience.
    Showcase,
    /// Fit high, reputation low: represents the audience without the name.
    Representative,
    /// Both low.
    Transactional,
}

/// One signal behind a score, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable identifier, usable as a translation key (e.g. `industry-match`).
    pub code: String,
    /// Signed strength: positive raises the score, negative lowers it, zero is informational (unknown).
    pub effect: f64,
    /// English rendering, e.g. "industry matches: Banking".
    pub text: String,
}

/// The scores of one customer, all in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub customer_id: String,
    pub fit: f64,
    pub reputation: f64,
    pub influence: f64,
    pub strategic_score: f64,
    pub quadrant: Quadrant,
    pub reasons: Vec<Reason>,
}

/// Scores every customer against the configuration, in input order.
pub fn score_customers(records: &[CustomerRecord], config: &Config) -> Vec<Score> {
    let _ = (records, config);
    unimplemented!("scoring is being written")
}
