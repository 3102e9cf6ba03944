//! BG/NBD (and MBG/NBD) fit on a million simulated customers with whole-day times.
//!
//! Run: `cargo run --release -p bellwether-clv --example fit_bench [customers]`.
//! Simulates (seeded) CDNOW-like BG/NBD customers in days (r = 0.243,
//! alpha = 30.9, a = 0.793, b = 2.426; `T` uniform on 1..=730 days; purchase days
//! whole, flooring the continuous times), streams one row per purchase day into
//! the summary builder, compresses to unique `(x, t_x, T)` rows, fits, and prints
//! the timings.

use std::time::Instant;

use bellwether_clv::bgnbd::{BgNbd, BgNbdObjective};
use bellwether_clv::data::CompressedSummary;
use bellwether_clv::mbgnbd::MbgNbd;
use bellwether_clv::optim::{minimize, MinimizeOptions, Objective};
use bellwether_clv::simulate::{self, Rng};
use bellwether_clv::summary::{SummaryBuilder, SummaryOptions, TimeUnit};

/// CPU time of the process, all threads, in seconds (Linux `/proc/self/stat`,
/// 10 ms ticks; `NaN` elsewhere): the machine may be shared, so wall time alone
/// overstates the cost.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (tick(11) + tick(12)) / 100.0
}

/// A multiply-xorshift hasher for the bench's trusted u64 keys.
#[derive(Default)]
struct U64Hasher(u64);

impl std::hash::Hasher for U64Hasher {
    fn finish(&self) -> u64 {
        let h = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^ (h >> 29)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, word: u64) {
        self.0 ^= word;
    }
}

/// Counts objective evaluations.
struct Counting<'a> {
    inner: &'a dyn Objective,
    calls: std::cell::Cell<usize>,
}

impl Objective for Counting<'_> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        self.calls.set(self.calls.get() + 1);
        self.inner.value_grad(theta, grad)
    }
}

/// Runs `f`, printing its wall and CPU time.
fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let out = f();
    println!(
        "{label}: wall {:.3} s, cpu {:.3} s",
        wall.elapsed().as_secs_f64(),
        cpu_seconds() - cpu
    );
    out
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let truth = BgNbd {
        r: 0.243,
        alpha: 30.9,
        a: 0.793,
        b: 2.426,
    };
    let rows: Vec<(f64, f64, f64)> = timed(&format!("simulate {n} customers"), || {
        let mut rng = Rng::new(42);
        let ages: Vec<f64> = (0..n)
            .map(|_| (1.0 + (rng.uniform() * 730.0).floor()).min(730.0))
            .collect();
        let customers = simulate::bgnbd(truth, &ages, 0.0, &mut rng);
        customers
            .iter()
            .map(|c| (c.x, c.t_x.floor(), c.t))
            .collect()
    });

    // Stream a transaction log (first day, then x repeat days ending at t_x; days
    // before t_x spread evenly; same-day repeats merge) through the builder.
    let calibration_end = 730;
    let summaries = timed("summary builder", || {
        let mut builder = SummaryBuilder::<u64>::new(SummaryOptions {
            time_unit: TimeUnit::Day,
            calibration_end: Some(calibration_end),
            observation_end: None,
        });
        for (id, &(x, t_x, t)) in rows.iter().enumerate() {
            let first = calibration_end - t as i32;
            let id = id as u64;
            let _ = builder.push(&id, first, 10.0);
            for k in 1..=x as i32 {
                let _ = builder.push(&id, first + (t_x as i32 * k) / x as i32, 10.0);
            }
        }
        let rows_pushed = builder.rows();
        (rows_pushed, builder.finish().expect("valid options"))
    });
    println!("  {} rows -> {} customers", summaries.0, summaries.1.len());
    drop(summaries);

    let summaries = timed("summary builder, fast hasher", || {
        let mut builder = SummaryBuilder::<u64, _>::with_hasher(
            SummaryOptions {
                time_unit: TimeUnit::Day,
                calibration_end: Some(calibration_end),
                observation_end: None,
            },
            std::hash::BuildHasherDefault::<U64Hasher>::default(),
        );
        for (id, &(x, t_x, t)) in rows.iter().enumerate() {
            let first = calibration_end - t as i32;
            let id = id as u64;
            let _ = builder.push(&id, first, 10.0);
            for k in 1..=x as i32 {
                let _ = builder.push(&id, first + (t_x as i32 * k) / x as i32, 10.0);
            }
        }
        let rows_pushed = builder.rows();
        (rows_pushed, builder.finish().expect("valid options"))
    });
    println!("  {} rows -> {} customers", summaries.0, summaries.1.len());
    drop(summaries);

    let data = timed("compress", || {
        CompressedSummary::from_rows(rows.iter().copied()).expect("valid rows")
    });
    println!(
        "  {} unique rows of {n} ({} distinct T, {} distinct t_x)",
        data.len(),
        data.t_levels().len(),
        data.t_x_levels().len()
    );
    let likelihood = timed("100 log-likelihood + gradient evaluations", || {
        (0..100).map(|_| truth.log_likelihood(&data)).sum::<f64>() / 100.0
    });
    println!("  LL at the truth {likelihood:.1}");

    match timed("BG/NBD fit", || BgNbd::fit(&data)) {
        Ok(fit) => {
            let total = timed(
                "sum of E[X(365 days) | x, t_x, T] over the customers",
                || fit.model.expected_total(365.0, &data),
            );
            println!("  {total:.1} expected purchases");
            println!(
                "  {} iterations, {:?}, LL {:.2}, params {:?}, se {:?}",
                fit.result.iterations,
                fit.result.reason,
                fit.result.log_likelihood,
                fit.result.params,
                fit.result.std_errors
            );
        }
        Err(e) => println!("  BG/NBD fit failed: {e}"),
    }
    let objective = Counting {
        inner: &BgNbdObjective { data: &data },
        calls: std::cell::Cell::new(0),
    };
    let minimum = minimize(&objective, &[0.0; 4], MinimizeOptions::default());
    println!(
        "  the BFGS run alone: {} iterations, {} evaluations",
        minimum.iterations,
        objective.calls.get()
    );
    match timed("MBG/NBD fit", || MbgNbd::fit(&data)) {
        Ok(fit) => println!(
            "  {} iterations, LL {:.2}",
            fit.result.iterations, fit.result.log_likelihood
        ),
        Err(e) => println!("  MBG/NBD fit failed: {e}"),
    }
}
