//! The one error type of the crate.
//!
//! Fits and summaries never panic: bad input, a fit that does not converge and
//! data that cannot identify a model all come back as a [`ClvError`].

use crate::optim::TerminationReason;

/// Everything that can go wrong when summarising, fitting or predicting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClvError {
    /// The optimiser stopped before reaching a stationary point.
    #[error("{model} fit did not converge after {iterations} iterations ({reason:?})")]
    FitDidNotConverge {
        model: &'static str,
        iterations: usize,
        reason: TerminationReason,
    },
    /// The data cannot pin the parameters down (no repeat purchases, a single
    /// customer, a Hessian that is not positive definite, ...).
    #[error("{model} is not identifiable from these data: {reason}")]
    NotIdentifiable { model: &'static str, reason: String },
    /// An input row is invalid (negative or non-finite time, x = 0 with t_x > 0, ...).
    #[error("invalid input at row {row}: {reason}")]
    InvalidInput { row: usize, reason: String },
}
