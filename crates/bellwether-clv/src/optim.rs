//! Maximum-likelihood machinery shared by every model.
//!
//! Models minimise a negative log-likelihood in log-parameter space
//! (`theta = ln(param)`), with analytic gradients.
//!
//! - [`minimize`]: BFGS (Nocedal & Wright 2006, *Numerical Optimization*, 2nd ed.,
//!   algorithm 6.1) with a strong-Wolfe line search (algorithms 3.5 and 3.6, cubic
//!   interpolation, safeguarded by bisection). A non-finite objective value is
//!   treated as "step too long" and the step is shortened.
//! - [`hessian`]: central differences of the analytic gradient, symmetrised.
//! - [`log_space_std_errors`]: delta-method standard errors of the natural
//!   parameters, failing with [`ClvError::NotIdentifiable`] when the Hessian is not
//!   positive definite.
//! - [`fit_log_space`]: the driver every model uses (multi-start, Hessian, standard
//!   errors, [`FitResult`]).

use serde::{Deserialize, Serialize};

use crate::error::ClvError;

/// A smooth objective to minimise: returns f(theta) and writes its gradient.
pub trait Objective {
    /// Number of free parameters.
    fn dim(&self) -> usize;
    /// The value at `theta`, writing the gradient into `grad` (same length).
    /// Returns a non-finite value when `theta` is outside the domain.
    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64;
    /// For objectives with an analytic Hessian: the value at `theta`, writing the
    /// gradient into `grad` and the Hessian, row-major, into `hessian` (dim × dim).
    /// `None` (the default) when there is none.
    fn value_grad_hessian(
        &self,
        _theta: &[f64],
        _grad: &mut [f64],
        _hessian: &mut [f64],
    ) -> Option<f64> {
        None
    }
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
    /// The search headed beyond the plausible range `|theta| <= THETA_LIMIT` (a
    /// parameter above e^30 or below e^-30) from a point already beyond half of it:
    /// the maximum is on the boundary of the parameter space, and following it
    /// further only costs time.
    ParameterRanOff,
}

/// Largest plausible `|theta|` (log-parameter): [`minimize`] never evaluates the
/// objective beyond it, stops with [`TerminationReason::ParameterRanOff`] when it
/// heads there from beyond half of it, and the fit then reports the data as not
/// identifying the model.
pub const THETA_LIMIT: f64 = 30.0;

/// Options of [`minimize`].
///
/// Convergence is declared when `max_i |g_i| <= gradient_tolerance * max(1, |f|)`
/// (the tolerance is relative to the objective, so a log-likelihood summed over a
/// million customers is held to the same standard as one over a thousand), or when
/// an accepted step changes `f` by at most `function_tolerance * max(1, |f|)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinimizeOptions {
    pub max_iterations: usize,
    pub gradient_tolerance: f64,
    pub function_tolerance: f64,
}

impl Default for MinimizeOptions {
    fn default() -> Self {
        Self {
            max_iterations: 500,
            gradient_tolerance: 1e-8,
            function_tolerance: 1e-14,
        }
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
        matches!(
            self.reason,
            TerminationReason::GradientTolerance | TerminationReason::FunctionTolerance
        )
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn inf_norm(a: &[f64]) -> f64 {
    a.iter().fold(0.0_f64, |m, v| m.max(v.abs()))
}

/// A point evaluated along the search direction.
#[derive(Clone)]
struct LinePoint {
    step: f64,
    value: f64,
    slope: f64,
    theta: Vec<f64>,
    gradient: Vec<f64>,
}

struct LineSearch<'a> {
    objective: &'a dyn Objective,
    origin: &'a [f64],
    direction: &'a [f64],
    value0: f64,
    slope0: f64,
    evaluations: usize,
    /// Whether a trial point lay beyond [`THETA_LIMIT`] (and was not evaluated).
    crossed_limit: bool,
}

const C1: f64 = 1e-4;
const C2: f64 = 0.9;
const MAX_LINE_EVALUATIONS: usize = 60;

impl LineSearch<'_> {
    fn eval(&mut self, step: f64) -> LinePoint {
        self.evaluations += 1;
        let theta: Vec<f64> = self
            .origin
            .iter()
            .zip(self.direction)
            .map(|(x, d)| x + step * d)
            .collect();
        let mut gradient = vec![0.0; theta.len()];
        if inf_norm(&theta) > THETA_LIMIT {
            // Outside the plausible range: treated like outside the domain, without
            // evaluating (there, likelihoods can be slow and lose all precision).
            self.crossed_limit = true;
            gradient.fill(f64::NAN);
            return LinePoint {
                step,
                value: f64::NAN,
                slope: f64::NAN,
                theta,
                gradient,
            };
        }
        let mut value = self.objective.value_grad(&theta, &mut gradient);
        if !gradient.iter().all(|g| g.is_finite()) {
            value = f64::NAN;
        }
        let slope = dot(&gradient, self.direction);
        LinePoint {
            step,
            value,
            slope,
            theta,
            gradient,
        }
    }

    fn armijo(&self, p: &LinePoint) -> bool {
        p.value <= self.value0 + C1 * p.step * self.slope0
    }

    fn curvature(&self, p: &LinePoint) -> bool {
        p.slope.abs() <= -C2 * self.slope0
    }

    /// Strong-Wolfe search (Nocedal & Wright algorithm 3.5). Returns a point with
    /// at least sufficient decrease, or `None`.
    fn run(&mut self, initial_step: f64) -> Option<LinePoint> {
        let mut previous = LinePoint {
            step: 0.0,
            value: self.value0,
            slope: self.slope0,
            theta: self.origin.to_vec(),
            gradient: Vec::new(),
        };
        let mut step = initial_step;
        let mut first = true;
        while self.evaluations < MAX_LINE_EVALUATIONS {
            let point = self.eval(step);
            if !point.value.is_finite() {
                // Outside the domain: shorten towards the last good step.
                step = previous.step + 0.25 * (step - previous.step);
                if step - previous.step <= 1e-16 * (1.0 + previous.step) {
                    break;
                }
                continue;
            }
            if !self.armijo(&point) || (!first && point.value >= previous.value) {
                return self.zoom(previous, point);
            }
            if self.curvature(&point) {
                return Some(point);
            }
            if point.slope >= 0.0 {
                return self.zoom(point, previous);
            }
            first = false;
            step = point.step * 2.5;
            previous = point;
        }
        (previous.step > 0.0).then_some(previous)
    }

    /// Nocedal & Wright algorithm 3.6. `lo` satisfies sufficient decrease (or is
    /// the origin) and has the lowest value seen; `hi` brackets a minimiser.
    fn zoom(&mut self, mut lo: LinePoint, mut hi: LinePoint) -> Option<LinePoint> {
        while self.evaluations < MAX_LINE_EVALUATIONS {
            let (a, b) = (lo.step.min(hi.step), lo.step.max(hi.step));
            let width = b - a;
            if width <= 1e-14 * (1.0 + b) {
                break;
            }
            let mut step = if hi.value.is_finite() {
                cubic_minimizer(&lo, &hi)
            } else {
                f64::NAN
            };
            let margin = 0.1 * width;
            if !step.is_finite() || step < a + margin || step > b - margin {
                step = 0.5 * (a + b);
            }
            let point = self.eval(step);
            if !point.value.is_finite() {
                hi = point;
                continue;
            }
            if !self.armijo(&point) || point.value >= lo.value {
                hi = point;
            } else {
                if self.curvature(&point) {
                    return Some(point);
                }
                if point.slope * (hi.step - lo.step) >= 0.0 {
                    hi = lo;
                }
                lo = point;
            }
        }
        (lo.step > 0.0).then_some(lo)
    }
}

/// Minimiser of the cubic interpolating value and slope at two points.
fn cubic_minimizer(p: &LinePoint, q: &LinePoint) -> f64 {
    let d1 = p.slope + q.slope - 3.0 * (p.value - q.value) / (p.step - q.step);
    let disc = d1 * d1 - p.slope * q.slope;
    if disc < 0.0 {
        return f64::NAN;
    }
    let d2 = (q.step - p.step).signum() * disc.sqrt();
    q.step - (q.step - p.step) * (q.slope + d2 - d1) / (q.slope - p.slope + 2.0 * d2)
}

/// Minimises `objective` from `theta0` by BFGS with a strong-Wolfe line search.
///
/// Never panics: a non-finite start returns at once with
/// [`TerminationReason::LineSearchFailed`] and the iteration count 0; non-finite
/// values along the way shorten the step. When a line search fails with a
/// quasi-Newton direction, the inverse-Hessian approximation is reset and a
/// steepest-descent step is tried before giving up.
pub fn minimize(objective: &dyn Objective, theta0: &[f64], options: MinimizeOptions) -> Minimum {
    minimize_from(objective, theta0, None, options)
}

/// [`minimize`] warm-started with an approximation of the inverse Hessian at
/// `theta0` (e.g. from a fit on coarsened data), so BFGS takes near-Newton steps
/// from the first iteration.
pub fn minimize_warm(
    objective: &dyn Objective,
    theta0: &[f64],
    inverse_hessian: &[Vec<f64>],
    options: MinimizeOptions,
) -> Minimum {
    minimize_from(objective, theta0, Some(inverse_hessian), options)
}

fn minimize_from(
    objective: &dyn Objective,
    theta0: &[f64],
    inverse_hessian: Option<&[Vec<f64>]>,
    options: MinimizeOptions,
) -> Minimum {
    let n = theta0.len();
    let mut theta = theta0.to_vec();
    let mut gradient = vec![0.0; n];
    let mut value = objective.value_grad(&theta, &mut gradient);
    let finite = |v: f64, g: &[f64]| v.is_finite() && g.iter().all(|x| x.is_finite());
    if !finite(value, &gradient) || n == 0 {
        let reason = if n == 0 {
            TerminationReason::GradientTolerance
        } else {
            TerminationReason::LineSearchFailed
        };
        return Minimum {
            theta,
            value,
            gradient,
            iterations: 0,
            reason,
        };
    }
    // Inverse-Hessian approximation, row-major.
    let mut inverse = identity(n);
    let mut is_identity = true;
    if let Some(h) = inverse_hessian.filter(|h| h.len() == n && h.iter().all(|row| row.len() == n))
    {
        if h.iter().flatten().all(|v| v.is_finite()) {
            inverse = h.iter().flatten().copied().collect();
            is_identity = false;
        }
    }
    let mut direction = vec![0.0; n];
    for iteration in 0..options.max_iterations {
        if inf_norm(&gradient) <= options.gradient_tolerance * value.abs().max(1.0) {
            return Minimum {
                theta,
                value,
                gradient,
                iterations: iteration,
                reason: TerminationReason::GradientTolerance,
            };
        }
        for i in 0..n {
            direction[i] = -dot(&inverse[i * n..(i + 1) * n], &gradient);
        }
        let mut slope = dot(&direction, &gradient);
        if slope.is_nan() || slope >= 0.0 {
            inverse = identity(n);
            is_identity = true;
            direction
                .iter_mut()
                .zip(&gradient)
                .for_each(|(d, g)| *d = -g);
            slope = dot(&direction, &gradient);
        }
        // On a steepest-descent step, start with a step of length at most 1 in theta.
        let initial_step = if is_identity {
            (1.0 / inf_norm(&direction)).min(1.0)
        } else {
            1.0
        };
        let mut search = LineSearch {
            objective,
            origin: &theta,
            direction: &direction,
            value0: value,
            slope0: slope,
            evaluations: 0,
            crossed_limit: false,
        };
        let found = search.run(initial_step);
        if search.crossed_limit && inf_norm(&theta) > 0.5 * THETA_LIMIT {
            // Already far out and still heading for the boundary: stop here rather
            // than crawl along the limit.
            return Minimum {
                theta,
                value,
                gradient,
                iterations: iteration + 1,
                reason: TerminationReason::ParameterRanOff,
            };
        }
        let accepted = match found {
            Some(p) => p,
            None if !is_identity => {
                inverse = identity(n);
                is_identity = true;
                continue;
            }
            None => {
                return Minimum {
                    theta,
                    value,
                    gradient,
                    iterations: iteration,
                    reason: TerminationReason::LineSearchFailed,
                };
            }
        };
        let s: Vec<f64> = accepted
            .theta
            .iter()
            .zip(&theta)
            .map(|(a, b)| a - b)
            .collect();
        let y: Vec<f64> = accepted
            .gradient
            .iter()
            .zip(&gradient)
            .map(|(a, b)| a - b)
            .collect();
        let change = value - accepted.value;
        if runs_off_flat(&theta, &accepted.theta, change, accepted.value) {
            return Minimum {
                theta: accepted.theta,
                value: accepted.value,
                gradient: accepted.gradient,
                iterations: iteration + 1,
                reason: TerminationReason::ParameterRanOff,
            };
        }
        theta = accepted.theta;
        gradient = accepted.gradient;
        value = accepted.value;
        if change.abs() <= options.function_tolerance * value.abs().max(1.0)
            && inf_norm(&gradient) <= options.gradient_tolerance.sqrt() * value.abs().max(1.0)
        {
            return Minimum {
                theta,
                value,
                gradient,
                iterations: iteration + 1,
                reason: TerminationReason::FunctionTolerance,
            };
        }
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() && sy > 0.0 {
            if is_identity {
                // Nocedal & Wright (6.20): scale the first approximation.
                let scale = sy / dot(&y, &y);
                inverse.iter_mut().for_each(|v| *v *= scale);
            }
            bfgs_update(&mut inverse, &s, &y, sy);
            is_identity = false;
        }
    }
    let reason = if inf_norm(&gradient) <= options.gradient_tolerance * value.abs().max(1.0) {
        TerminationReason::GradientTolerance
    } else {
        TerminationReason::MaxIterations
    };
    Minimum {
        theta,
        value,
        gradient,
        iterations: options.max_iterations,
        reason,
    }
}

/// Newton's method on an objective with an analytic Hessian, from `theta0` near the
/// optimum (e.g. a fit on coarsened data), halving the step until it decreases the
/// objective (Armijo). Converged as in [`minimize`], or when the Newton decrement
/// says the remaining decrease is at most `function_tolerance * max(1, |f|)`; then
/// returns the minimum and the Hessian there (for standard errors). `None` when the
/// objective has no Hessian, it is not positive definite, a value is not finite or
/// the steps stop making progress: callers fall back to BFGS.
pub fn minimize_newton(
    objective: &dyn Objective,
    theta0: &[f64],
    options: MinimizeOptions,
) -> Option<(Minimum, Vec<Vec<f64>>)> {
    const MAX_NEWTON_ITERATIONS: usize = 30;
    let n = theta0.len();
    let mut theta = theta0.to_vec();
    let mut gradient = vec![0.0; n];
    let mut hessian = vec![0.0; n * n];
    let mut value = objective.value_grad_hessian(&theta, &mut gradient, &mut hessian)?;
    let finite =
        |v: f64, g: &[f64], h: &[f64]| v.is_finite() && g.iter().chain(h).all(|x| x.is_finite());
    let mut trial_gradient = vec![0.0; n];
    let mut trial_hessian = vec![0.0; n * n];
    for iteration in 0..MAX_NEWTON_ITERATIONS.min(options.max_iterations) {
        if !finite(value, &gradient, &hessian) {
            return None;
        }
        let matrix: Vec<Vec<f64>> = hessian.chunks(n).map(|row| row.to_vec()).collect();
        let scale = value.abs().max(1.0);
        let done = |reason| {
            let minimum = Minimum {
                theta: theta.clone(),
                value,
                gradient: gradient.clone(),
                iterations: iteration,
                reason,
            };
            Some((minimum, matrix.clone()))
        };
        if inf_norm(&gradient) <= options.gradient_tolerance * scale {
            return done(TerminationReason::GradientTolerance);
        }
        let inverse = inverse_spd(&matrix).ok()?;
        let direction: Vec<f64> = inverse.iter().map(|row| -dot(row, &gradient)).collect();
        // The Newton decrement: the quadratic model's decrease is half of it.
        let decrement = -dot(&direction, &gradient);
        if decrement.is_nan() || decrement < 0.0 {
            return None;
        }
        if 0.5 * decrement <= options.function_tolerance * scale
            && inf_norm(&gradient) <= options.gradient_tolerance.sqrt() * scale
        {
            return done(TerminationReason::FunctionTolerance);
        }
        let mut step = 1.0;
        loop {
            let trial: Vec<f64> = theta
                .iter()
                .zip(&direction)
                .map(|(t, d)| t + step * d)
                .collect();
            if inf_norm(&trial) > THETA_LIMIT {
                return None;
            }
            let trial_value =
                objective.value_grad_hessian(&trial, &mut trial_gradient, &mut trial_hessian)?;
            if trial_value.is_finite() && trial_value <= value - C1 * step * decrement {
                theta = trial;
                value = trial_value;
                std::mem::swap(&mut gradient, &mut trial_gradient);
                std::mem::swap(&mut hessian, &mut trial_hessian);
                break;
            }
            step *= 0.5;
            if step < 1e-6 {
                return None;
            }
        }
    }
    None
}

/// `|theta|` beyond which a parameter that does not settle counts as run off to 0
/// or infinity (e^12 is about 1.6e5).
pub const RAN_OFF_THETA: f64 = 12.0;

/// Whether a step from `before` to `after` moved some log-parameter beyond
/// [`RAN_OFF_THETA`] outwards by at least 0.1 while the objective changed by less than
/// 1e-8 relative: the likelihood is flat towards the boundary, so the data do not
/// identify that parameter (its log-space standard error would exceed ~10), and the
/// search would only crawl on, on ever costlier evaluations.
fn runs_off_flat(before: &[f64], after: &[f64], change: f64, value: f64) -> bool {
    let outwards = before
        .iter()
        .zip(after)
        .any(|(b, a)| a.abs() > RAN_OFF_THETA && a.abs() - b.abs() >= 0.1);
    outwards && change.abs() <= 1e-8 * value.abs().max(1.0)
}

fn identity(n: usize) -> Vec<f64> {
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        m[i * n + i] = 1.0;
    }
    m
}

/// H <- (I - rho s y') H (I - rho y s') + rho s s', rho = 1 / y's.
fn bfgs_update(inverse: &mut [f64], s: &[f64], y: &[f64], sy: f64) {
    let n = s.len();
    let rho = 1.0 / sy;
    let hy: Vec<f64> = (0..n)
        .map(|i| dot(&inverse[i * n..(i + 1) * n], y))
        .collect();
    let yhy = dot(y, &hy);
    for i in 0..n {
        for j in 0..n {
            inverse[i * n + j] +=
                -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
    }
}

/// Hessian of `objective` at `theta` by central differences of the analytic
/// gradient (step `1e-5 * max(1, |theta_j|)`), symmetrised. Entries are NaN when
/// the objective is not finite around `theta`.
pub fn hessian(objective: &dyn Objective, theta: &[f64]) -> Vec<Vec<f64>> {
    let n = theta.len();
    let mut h = vec![vec![0.0; n]; n];
    let mut point = theta.to_vec();
    let mut plus = vec![0.0; n];
    let mut minus = vec![0.0; n];
    for j in 0..n {
        let step = 1e-5 * theta[j].abs().max(1.0);
        point[j] = theta[j] + step;
        let fp = objective.value_grad(&point, &mut plus);
        point[j] = theta[j] - step;
        let fm = objective.value_grad(&point, &mut minus);
        point[j] = theta[j];
        for i in 0..n {
            h[i][j] = if fp.is_finite() && fm.is_finite() {
                (plus[i] - minus[i]) / (2.0 * step)
            } else {
                f64::NAN
            };
        }
    }
    for i in 0..n {
        for j in 0..i {
            let mean = 0.5 * (h[i][j] + h[j][i]);
            h[i][j] = mean;
            h[j][i] = mean;
        }
    }
    h
}

/// Hessian of `objective` at `theta` by forward differences of the analytic
/// gradient, given the gradient `gradient` at `theta` (as an optimiser returns it):
/// half the evaluations of [`hessian`]. The step `1e-6 * max(1, |theta_j|)` keeps the
/// truncation error near 1e-6 relative, far below what standard errors need.
/// Symmetrised; entries are NaN when the objective is not finite at a step.
pub fn hessian_forward(
    objective: &dyn Objective,
    theta: &[f64],
    gradient: &[f64],
) -> Vec<Vec<f64>> {
    let n = theta.len();
    let mut h = vec![vec![0.0; n]; n];
    let mut point = theta.to_vec();
    let mut plus = vec![0.0; n];
    for j in 0..n {
        let step = 1e-6 * theta[j].abs().max(1.0);
        point[j] = theta[j] + step;
        // The step actually taken, after rounding.
        let step = point[j] - theta[j];
        let fp = objective.value_grad(&point, &mut plus);
        point[j] = theta[j];
        for i in 0..n {
            h[i][j] = if fp.is_finite() {
                (plus[i] - gradient[i]) / step
            } else {
                f64::NAN
            };
        }
    }
    for i in 0..n {
        for j in 0..i {
            let mean = 0.5 * (h[i][j] + h[j][i]);
            h[i][j] = mean;
            h[j][i] = mean;
        }
    }
    h
}

/// Cholesky factor (lower, row-major) of a symmetric matrix, or the index of the
/// first pivot that is not safely positive.
fn cholesky(h: &[Vec<f64>]) -> Result<Vec<f64>, usize> {
    let n = h.len();
    let mut l = vec![0.0; n * n];
    let scale = (0..n).fold(0.0_f64, |m, i| m.max(h[i][i].abs()));
    for j in 0..n {
        let mut d = h[j][j];
        for k in 0..j {
            d -= l[j * n + k] * l[j * n + k];
        }
        if d.is_nan() || d <= 1e-13 * scale || !d.is_finite() {
            return Err(j);
        }
        let d = d.sqrt();
        l[j * n + j] = d;
        for i in j + 1..n {
            let mut v = h[i][j];
            for k in 0..j {
                v -= l[i * n + k] * l[j * n + k];
            }
            l[i * n + j] = v / d;
        }
    }
    Ok(l)
}

/// Inverse of a symmetric positive-definite matrix, via Cholesky; `Err(index)`
/// names the first failing pivot when it is not positive definite.
pub fn inverse_spd(h: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, usize> {
    let n = h.len();
    let l = cholesky(h)?;
    // Solve L L' X = I column by column.
    let mut inv = vec![vec![0.0; n]; n];
    let mut z = vec![0.0; n];
    for c in 0..n {
        for i in 0..n {
            let mut v = if i == c { 1.0 } else { 0.0 };
            for k in 0..i {
                v -= l[i * n + k] * z[k];
            }
            z[i] = v / l[i * n + i];
        }
        for i in (0..n).rev() {
            let mut v = z[i];
            for k in i + 1..n {
                v -= l[k * n + i] * inv[k][c];
            }
            inv[i][c] = v / l[i * n + i];
        }
    }
    Ok(inv)
}

/// Delta-method standard errors of the natural parameters `params = exp(theta)`
/// from the Hessian `hessian` of the negative log-likelihood in `theta`:
///
/// $$\operatorname{se}(p_i) = p_i \sqrt{(H^{-1})\_{ii}}.$$
///
/// Fails with [`ClvError::NotIdentifiable`] when `H` is not positive definite
/// (the data cannot identify the model).
pub fn log_space_std_errors(
    model: &'static str,
    hessian: &[Vec<f64>],
    params: &[f64],
) -> Result<Vec<f64>, ClvError> {
    let inv = inverse_spd(hessian).map_err(|index| ClvError::NotIdentifiable {
        model,
        reason: format!("hessian of the log-likelihood is not positive definite (pivot {index})"),
    })?;
    let se: Vec<f64> = params
        .iter()
        .enumerate()
        .map(|(i, p)| p * inv[i][i].sqrt())
        .collect();
    if se.iter().all(|v| v.is_finite()) {
        Ok(se)
    } else {
        Err(ClvError::NotIdentifiable {
            model,
            reason: "standard errors are not finite".to_string(),
        })
    }
}

/// A fitted model: parameters named as in the papers, the maximised
/// log-likelihood and how the optimiser got there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitResult {
    /// Model name, e.g. `"bg_nbd"`.
    pub model: &'static str,
    /// Natural-scale parameters, e.g. `[("r", ..), ("alpha", ..), ("a", ..), ("b", ..)]`.
    pub params: Vec<(&'static str, f64)>,
    /// Maximised log-likelihood, summed over customers.
    pub log_likelihood: f64,
    /// Delta-method standard errors, in the order of `params`.
    pub std_errors: Vec<f64>,
    /// Number of customers (sum of weights).
    pub n: f64,
    pub converged: bool,
    pub iterations: usize,
    pub reason: TerminationReason,
    /// Diagnostics that do not stop the fit (e.g. Gamma-Gamma's independence check).
    pub warnings: Vec<String>,
}

impl FitResult {
    /// The parameter called `name`, if any.
    pub fn param(&self, name: &str) -> Option<f64> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// Natural-scale parameter values, in order.
    pub fn values(&self) -> Vec<f64> {
        self.params.iter().map(|(_, v)| *v).collect()
    }
}

/// A fitted model (its parameters as a struct) and the fit's diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fitted<M> {
    pub model: M,
    pub result: FitResult,
}

impl<M> Fitted<M> {
    /// Natural-scale parameter values, in order.
    pub fn values(&self) -> Vec<f64> {
        self.result.values()
    }
}

/// Fits a model whose `objective` is the negative log-likelihood in
/// `theta = ln(params)`.
///
/// Tries each of `starts` (log-space) in turn until one converges, keeping the
/// best; then computes the Hessian and delta-method standard errors.
/// Errors: [`ClvError::FitDidNotConverge`] when no start converges,
/// [`ClvError::NotIdentifiable`] when the Hessian is not positive definite or a
/// parameter ran off to 0 or infinity (`|theta| > 30`, or `|theta| > 12` when the
/// optimiser did not converge).
pub fn fit_log_space(
    model: &'static str,
    names: &[&'static str],
    objective: &dyn Objective,
    starts: &[Vec<f64>],
    n: f64,
    options: MinimizeOptions,
) -> Result<FitResult, ClvError> {
    let (best, iterations) = best_minimum(objective, starts, options);
    finish_fit(model, names, objective, best, iterations, n, None)
}

/// Like [`fit_log_space`], but first fits the coarsest of `coarse` (the same model
/// on coarsened, smaller data, coarsest first), then refines level by level and
/// finally on `objective`, each time with BFGS warm-started by the inverse Hessian of
/// the previous level: a few evaluations per level instead of dozens on the full data.
/// Falls back to [`fit_log_space`] when a refinement does not converge.
pub fn fit_log_space_coarse_to_fine(
    model: &'static str,
    names: &[&'static str],
    objective: &dyn Objective,
    coarse: &[&dyn Objective],
    starts: &[Vec<f64>],
    n: f64,
    options: MinimizeOptions,
) -> Result<FitResult, ClvError> {
    // The minimum, the iterations spent and the Hessian at the minimum, when known.
    type Refined = (Minimum, usize, Option<Vec<Vec<f64>>>);
    let refined = || -> Option<Refined> {
        let (first, rest) = coarse.split_first()?;
        let (best, mut iterations) = best_minimum(*first, starts, options);
        let mut current = best.filter(|m| m.converged())?;
        let mut current_objective = *first;
        // The Hessian of `current_objective` at `current`, when known.
        let mut current_hessian: Option<Vec<Vec<f64>>> = None;
        for next in rest.iter().copied().chain(std::iter::once(objective)) {
            // With an analytic Hessian, Newton converges in a few evaluations from
            // the coarser optimum and leaves the Hessian for the standard errors.
            if let Some((m, h)) = minimize_newton(next, &current.theta, options) {
                iterations += m.iterations;
                (current, current_objective, current_hessian) = (m, next, Some(h));
                continue;
            }
            let h = current_hessian.take().unwrap_or_else(|| {
                hessian_forward(current_objective, &current.theta, &current.gradient)
            });
            let inverse = inverse_spd(&h).ok()?;
            let m = minimize_warm(next, &current.theta, &inverse, options);
            if !m.converged() {
                return None;
            }
            iterations += m.iterations;
            (current, current_objective) = (m, next);
        }
        Some((current, iterations, current_hessian))
    };
    match refined() {
        Some((fine, iterations, hessian)) => {
            finish_fit(model, names, objective, Some(fine), iterations, n, hessian)
        }
        None => fit_log_space(model, names, objective, starts, n, options),
    }
}

/// Minimises from each start until one converges; the best minimum and the total
/// number of iterations.
fn best_minimum(
    objective: &dyn Objective,
    starts: &[Vec<f64>],
    options: MinimizeOptions,
) -> (Option<Minimum>, usize) {
    let mut best: Option<Minimum> = None;
    let mut iterations = 0;
    for start in starts {
        let m = minimize(objective, start, options);
        iterations += m.iterations;
        let better = match &best {
            None => m.value.is_finite() || m.converged(),
            Some(b) => {
                (m.converged() && !b.converged())
                    || (m.converged() == b.converged() && m.value < b.value)
                    || !b.value.is_finite()
            }
        };
        let done = m.converged();
        if better {
            best = Some(m);
        }
        if done {
            break;
        }
    }
    (best, iterations)
}

/// The Hessian of `objective` at a minimum: analytic when the objective has one,
/// else by forward differences of the gradient.
fn analytic_or_forward_hessian(objective: &dyn Objective, minimum: &Minimum) -> Vec<Vec<f64>> {
    let n = minimum.theta.len();
    let mut gradient = vec![0.0; n];
    let mut flat = vec![0.0; n * n];
    match objective.value_grad_hessian(&minimum.theta, &mut gradient, &mut flat) {
        Some(value) if value.is_finite() && flat.iter().all(|v| v.is_finite()) => {
            flat.chunks(n).map(|row| row.to_vec()).collect()
        }
        _ => hessian_forward(objective, &minimum.theta, &minimum.gradient),
    }
}

/// Checks a minimum and turns it into a [`FitResult`] with standard errors.
/// `hessian`: the objective's Hessian at the minimum, when already known.
fn finish_fit(
    model: &'static str,
    names: &[&'static str],
    objective: &dyn Objective,
    best: Option<Minimum>,
    iterations: usize,
    n: f64,
    hessian: Option<Vec<Vec<f64>>>,
) -> Result<FitResult, ClvError> {
    let Some(best) = best else {
        return Err(ClvError::FitDidNotConverge {
            model,
            iterations,
            reason: TerminationReason::LineSearchFailed,
        });
    };
    let ran_off = |limit: f64| best.theta.iter().position(|t| t.abs() > limit);
    if !best.converged() || !best.value.is_finite() {
        // A parameter heading to 0 or infinity: the optimum is on the boundary.
        if let Some(i) = ran_off(RAN_OFF_THETA).filter(|_| best.value.is_finite()) {
            return Err(ClvError::NotIdentifiable {
                model,
                reason: format!(
                    "parameter {} ran off to {:e} (the maximum is on the boundary of the parameter space)",
                    names.get(i).unwrap_or(&"?"),
                    best.theta[i].exp()
                ),
            });
        }
        return Err(ClvError::FitDidNotConverge {
            model,
            iterations,
            reason: best.reason,
        });
    }
    if let Some(i) = ran_off(THETA_LIMIT) {
        return Err(ClvError::NotIdentifiable {
            model,
            reason: format!(
                "parameter {} ran off to {:e}",
                names.get(i).unwrap_or(&"?"),
                best.theta[i].exp()
            ),
        });
    }
    let params: Vec<f64> = best.theta.iter().map(|t| t.exp()).collect();
    let h = hessian.unwrap_or_else(|| analytic_or_forward_hessian(objective, &best));
    let std_errors = log_space_std_errors(model, &h, &params)?;
    Ok(FitResult {
        model,
        params: names.iter().copied().zip(params).collect(),
        log_likelihood: -best.value,
        std_errors,
        n,
        converged: true,
        iterations,
        reason: best.reason,
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rosenbrock;
    impl Objective for Rosenbrock {
        fn dim(&self) -> usize {
            2
        }
        fn value_grad(&self, t: &[f64], g: &mut [f64]) -> f64 {
            let (x, y) = (t[0], t[1]);
            g[0] = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
            g[1] = 200.0 * (y - x * x);
            (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
        }
    }

    /// A function that is infinite for x < -1: the optimiser must backtrack.
    struct Barrier;
    impl Objective for Barrier {
        fn dim(&self) -> usize {
            1
        }
        fn value_grad(&self, t: &[f64], g: &mut [f64]) -> f64 {
            if t[0] <= -1.0 {
                g[0] = f64::NAN;
                return f64::INFINITY;
            }
            // Minimum at x = -0.9 of -ln(x + 1) + 10 x.
            g[0] = -1.0 / (t[0] + 1.0) + 10.0;
            -(t[0] + 1.0).ln() + 10.0 * t[0]
        }
    }

    #[test]
    fn rosenbrock_converges() {
        let m = minimize(&Rosenbrock, &[-1.2, 1.0], MinimizeOptions::default());
        assert!(m.converged(), "{m:?}");
        assert!(
            (m.theta[0] - 1.0).abs() < 1e-6 && (m.theta[1] - 1.0).abs() < 1e-6,
            "{m:?}"
        );
        let h = hessian(&Rosenbrock, &m.theta);
        assert!(
            (h[0][0] - 802.0).abs() < 1e-3
                && (h[0][1] + 400.0).abs() < 1e-3
                && (h[1][1] - 200.0).abs() < 1e-3
        );
    }

    #[test]
    fn backtracks_from_non_finite_values() {
        let m = minimize(&Barrier, &[5.0], MinimizeOptions::default());
        assert!(m.converged(), "{m:?}");
        assert!((m.theta[0] + 0.9).abs() < 1e-6, "{m:?}");
    }

    /// `ln(1 + e^{-x})` with its minimum at x = +infinity, counting evaluations and
    /// recording the largest x evaluated: the shape of a likelihood whose maximum is
    /// on the boundary of the parameter space.
    struct TowardsInfinity {
        evaluations: std::cell::Cell<usize>,
        largest: std::cell::Cell<f64>,
        /// Scales the slope: small values make the function flat long before the limit.
        scale: f64,
    }
    impl Objective for TowardsInfinity {
        fn dim(&self) -> usize {
            1
        }
        fn value_grad(&self, t: &[f64], g: &mut [f64]) -> f64 {
            self.evaluations.set(self.evaluations.get() + 1);
            self.largest.set(self.largest.get().max(t[0]));
            let e = (-self.scale * t[0]).exp();
            g[0] = -self.scale * e / (1.0 + e);
            (1.0 + e).ln()
        }
    }

    #[test]
    fn stops_when_a_parameter_runs_off() {
        for scale in [1.0, 0.05] {
            let objective = TowardsInfinity {
                evaluations: std::cell::Cell::new(0),
                largest: std::cell::Cell::new(f64::NEG_INFINITY),
                scale,
            };
            let m = minimize(&objective, &[0.0], MinimizeOptions::default());
            assert_eq!(m.reason, TerminationReason::ParameterRanOff, "{m:?}");
            assert!(m.theta[0] > RAN_OFF_THETA, "{m:?}");
            assert!(objective.largest.get() <= THETA_LIMIT, "{m:?}");
            assert!(objective.evaluations.get() < 200, "{m:?}");
        }
    }

    #[test]
    fn non_finite_start_fails_cleanly() {
        let m = minimize(&Barrier, &[-3.0], MinimizeOptions::default());
        assert_eq!(m.reason, TerminationReason::LineSearchFailed);
    }

    #[test]
    fn forward_hessian_matches_the_analytic_one() {
        // Rosenbrock's Hessian: [[2 - 400 (y - 3 x^2), -400 x], [-400 x, 200]].
        for (x, y) in [(1.0, 1.0), (-0.5, 2.0), (0.3, -0.7)] {
            let mut gradient = [0.0; 2];
            Rosenbrock.value_grad(&[x, y], &mut gradient);
            let h = hessian_forward(&Rosenbrock, &[x, y], &gradient);
            let want = [
                [2.0 - 400.0 * (y - 3.0 * x * x), -400.0 * x],
                [-400.0 * x, 200.0],
            ];
            for i in 0..2 {
                for j in 0..2 {
                    let tolerance = 1e-5 * want[i][j].abs().max(1.0) + 1e-3;
                    assert!(
                        (h[i][j] - want[i][j]).abs() < tolerance,
                        "h[{i}][{j}] = {} at ({x}, {y}), want {}",
                        h[i][j],
                        want[i][j]
                    );
                }
            }
        }
    }

    #[test]
    fn std_errors_and_not_positive_definite() {
        let h = vec![vec![4.0, 1.0], vec![1.0, 3.0]];
        let inv = inverse_spd(&h).unwrap();
        // inverse = [3, -1; -1, 4] / 11
        assert!((inv[0][0] - 3.0 / 11.0).abs() < 1e-14 && (inv[0][1] + 1.0 / 11.0).abs() < 1e-14);
        let se = log_space_std_errors("test", &h, &[2.0, 1.0]).unwrap();
        assert!((se[0] - 2.0 * (3.0_f64 / 11.0).sqrt()).abs() < 1e-14);
        let singular = vec![vec![1.0, 1.0], vec![1.0, 1.0]];
        assert!(matches!(
            log_space_std_errors("test", &singular, &[1.0, 1.0]),
            Err(ClvError::NotIdentifiable { .. })
        ));
        let nan = vec![vec![f64::NAN]];
        assert!(log_space_std_errors("test", &nan, &[1.0]).is_err());
    }
}
