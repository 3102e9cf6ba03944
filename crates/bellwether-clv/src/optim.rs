//! Maximum-likelihood machinery shared by every model.
//!
//! Models minimise a negative log-likelihood in log-parameter space
//! (`theta = ln(param)`), with analytic gradients.

use serde::{Deserialize, Serialize};

/// A smooth objective to minimise: returns f(theta) and writes its gradient.
pub trait Objective {
    /// Number of free parameters.
    fn dim(&self) -> usize;
    /// The value at `theta`, writing the gradient into `grad` (same length).
    /// Returns a non-finite value when `theta` is outside the domain.
    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64;
}

/// Why the optimiser stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminationReason {
    /// The gradient norm fell below the tolerance.
    GradientTolerance,
    /// The objective stopped changing.
    FunctionTolerance,
    /// The iteration limit was reached first.
    MaxIterations,
    /// The line search could not make progress.
    LineSearchFailed,
}

/// Options of [`minimize`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinimizeOptions {
    pub max_iterations: usize,
    pub gradient_tolerance: f64,
    pub function_tolerance: f64,
}

impl Default for MinimizeOptions {
    fn default() -> Self {
        Self { max_iterations: 500, gradient_tolerance: 1e-8, function_tolerance: 1e-14 }
    }
}

/// What [`minimize`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    pub theta: Vec<f64>,
    pub value: f64,
    pub gradient: Vec<f64>,
    pub iterations: usize,
    pub reason: TerminationReason,
}

impl Minimum {
    /// True when the optimiser stopped at a stationary point.
    pub fn converged(&self) -> bool {
        matches!(self.reason, TerminationReason::GradientTolerance | TerminationReason::FunctionTolerance)
    }
}

// To be written: `pub fn minimize(objective: &dyn Objective, theta0: &[f64], options: MinimizeOptions) -> Minimum`
// (BFGS with a line search) and `pub fn hessian(objective: &dyn Objective, theta: &[f64]) -> Vec<Vec<f64>>`
// (central differences of the analytic gradient), plus standard errors by the delta method
// from log-space to the natural parameters.
