//! Where the time of a BG/NBD fit on a summary CSV goes: compression, coarsening,
//! the coarse fit, the full-data refinement and the Hessian, with evaluation counts.
//!
//! Run: `cargo run --release -p bellwether-clv --example fit_phases FILE` where FILE
//! has the columns `customer_id,frequency,recency,T` (as `scripts/bench-clv` writes).

use std::cell::Cell;
use std::time::Instant;

use bellwether_clv::bgnbd::BgNbdObjective;
use bellwether_clv::data::CompressedSummary;
use bellwether_clv::optim::{fit_log_space_coarse_to_fine, MinimizeOptions, Objective};

/// Counts objective evaluations.
struct Counting<'a> {
    inner: &'a dyn Objective,
    calls: Cell<usize>,
}

impl Objective for Counting<'_> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        self.calls.set(self.calls.get() + 1);
        self.inner.value_grad(theta, grad)
    }
    fn value_grad_hessian(
        &self,
        theta: &[f64],
        grad: &mut [f64],
        hessian: &mut [f64],
    ) -> Option<f64> {
        self.calls.set(self.calls.get() + 1);
        self.inner.value_grad_hessian(theta, grad, hessian)
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: fit_phases FILE");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let rows: Vec<(f64, f64, f64)> = text
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<f64> = line
                .split(',')
                .skip(1)
                .map(|v| v.parse().expect("number"))
                .collect();
            (f[0], f[1], f[2])
        })
        .collect();
    let x: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let t_x: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let t: Vec<f64> = rows.iter().map(|r| r.2).collect();
    for round in 0..3 {
        let started = Instant::now();
        // As the CLI compresses: from columns, on all cores.
        let data = CompressedSummary::from_columns(&x, &t_x, &t, None).expect("valid rows");
        let compressed = started.elapsed().as_secs_f64();
        let coarse = data.coarsen(100);
        let coarsest = coarse.coarsen(25);
        let coarsened = started.elapsed().as_secs_f64();
        let fine_objective = BgNbdObjective { data: &data };
        let coarse_objective = BgNbdObjective { data: &coarse };
        let fine = Counting {
            inner: &fine_objective,
            calls: Cell::new(0),
        };
        let coarse_counting = Counting {
            inner: &coarse_objective,
            calls: Cell::new(0),
        };
        let coarsest_objective = BgNbdObjective { data: &coarsest };
        let coarsest_counting = Counting {
            inner: &coarsest_objective,
            calls: Cell::new(0),
        };
        let starts = vec![vec![0.0; 4]];
        let result = fit_log_space_coarse_to_fine(
            "BG/NBD",
            &["r", "alpha", "a", "b"],
            &fine,
            &[&coarsest_counting, &coarse_counting],
            &starts,
            data.n(),
            MinimizeOptions::default(),
        )
        .expect("fit");
        let fitted = started.elapsed().as_secs_f64();
        let mut grad = [0.0; 4];
        let eval_started = Instant::now();
        fine_objective.value_grad(&[0.0; 4], &mut grad);
        let one_eval = eval_started.elapsed().as_secs_f64();
        println!(
            "round {round}: {} unique rows, coarse {} and {} rows; compress {:.3} s, coarsen {:.3} s, fits {:.3} s (coarse evals {} and {}, full evals {} (with the Hessian where the optimiser takes Newton steps), one full gradient eval {:.4} s); LL {:.6}",
            data.len(),
            coarsest.len(),
            coarse.len(),
            compressed,
            coarsened - compressed,
            fitted - coarsened,
            coarsest_counting.calls.get(),
            coarse_counting.calls.get(),
            fine.calls.get(),
            one_eval,
            result.log_likelihood
        );
    }
}
