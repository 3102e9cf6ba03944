//! Pareto/NBD fit on a million simulated customers with whole-day times.
//!
//! Run: `cargo run --release -p bellwether-clv --example pnbd_bench [customers]
//! [--continuous] [--threads=N]`.
//! Simulates (seeded) CDNOW-like customers in days (r = 0.55, alpha = 74,
//! s = 0.6, beta = 82; `T` uniform on 1..=730 days; `t_x` rounded to the
//! nearest day), compresses them to unique `(x, t_x, T)` rows, fits, and
//! prints the timings and the estimates against the truth. Rounding keeps the
//! estimates unbiased (flooring would pull `beta` down by about 3 standard
//! errors at this size); `--continuous` keeps exact times, every `t_x` distinct.

use std::time::Instant;

use bellwether_clv::data::CompressedSummary;
use bellwether_clv::optim::MinimizeOptions;
use bellwether_clv::pareto_nbd::ParetoNbd;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A Gamma(shape, 1) draw (Marsaglia & Tsang 2000).
fn gamma_draw(rng: &mut ChaCha8Rng, shape: f64) -> f64 {
    if shape < 1.0 {
        let u: f64 = rng.gen::<f64>();
        return gamma_draw(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let (u1, u2): (f64, f64) = (rng.gen::<f64>(), rng.gen::<f64>());
        let z = (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let v = (1.0 + c * z).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u: f64 = rng.gen::<f64>();
        if (1.0 - u).ln() < 0.5 * z * z + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    // Continuous purchase times: every t_x distinct, the slow path.
    let continuous = args.iter().any(|a| a == "--continuous");
    let threads: usize = args
        .iter()
        .find_map(|a| a.strip_prefix("--threads=").and_then(|v| v.parse().ok()))
        .unwrap_or(0);
    let truth = ParetoNbd {
        r: 0.55,
        alpha: 74.0,
        s: 0.6,
        beta: 82.0,
    };
    let started = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let rows: Vec<(f64, f64, f64)> = (0..n)
        .map(|_| {
            let lambda = gamma_draw(&mut rng, truth.r) / truth.alpha;
            let mu = gamma_draw(&mut rng, truth.s) / truth.beta;
            let t = rng.gen_range(1..=730) as f64;
            let death = -(1.0 - rng.gen::<f64>()).ln() / mu;
            let horizon = death.min(t);
            let (mut clock, mut x, mut t_x) = (0.0, 0.0_f64, 0.0_f64);
            loop {
                clock += -(1.0 - rng.gen::<f64>()).ln() / lambda;
                if clock > horizon {
                    break;
                }
                x += 1.0;
                t_x = if continuous {
                    clock
                } else {
                    clock.round().min(t)
                };
            }
            (x, t_x, t)
        })
        .collect();
    let simulated = started.elapsed();

    let started = Instant::now();
    let data = CompressedSummary::from_rows(rows).expect("valid rows");
    let compressed = started.elapsed();

    let started = Instant::now();
    let fit = ParetoNbd::fit_with_threads(&data, MinimizeOptions::default(), threads)
        .expect("fit converges")
        .result;
    let fitted = started.elapsed();

    println!("customers            {n}");
    println!("unique (x, t_x, T)   {}", data.len());
    println!(
        "max x                {}",
        data.x().last().copied().unwrap_or(0.0)
    );
    println!("simulate             {:.3} s", simulated.as_secs_f64());
    println!("compress             {:.3} s", compressed.as_secs_f64());
    println!("fit (incl. Hessian)  {:.3} s", fitted.as_secs_f64());
    println!(
        "compress + fit       {:.3} s",
        (compressed + fitted).as_secs_f64()
    );
    println!("iterations           {}", fit.iterations);
    println!("log-likelihood       {:.4}", fit.log_likelihood);
    let truth = [truth.r, truth.alpha, truth.s, truth.beta];
    for (k, (name, value)) in fit.params.iter().enumerate() {
        println!(
            "{name:<6} {value:>10.5} (se {:.5}, truth {})",
            fit.std_errors[k], truth[k]
        );
    }
}
