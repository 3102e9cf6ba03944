//! A reproduction of a Pareto/NBD fit found to take minutes (in the test profile) on
//! 400 customers: see the stop-9 note. The likelihood's maximum is on the boundary
//! (s and beta to infinity together); the fit followed s to 1.7e17 for about 242 s
//! before reporting that, and now stops when the parameter runs off (about 0.13 s in
//! release). `tests/it/pareto_nbd.rs` checks the error. Not a benchmark; run it:
//! `cargo run --release -p bellwether-clv --example pnbd_slow_case [customers]`.
//!
//! Each customer buys first on a uniform day in 0..300, then after gaps uniform in
//! 1..=max_gap (max_gap per customer in 11..=130 days), stopping for good after each
//! purchase with probability 1/k (k per customer in 2..=11), observed to day 365.
//! Purchases on the same day merge; times are in weeks (days / 7), as in the report.

use std::time::Instant;

use bellwether_clv::data::CompressedSummary;
use bellwether_clv::pareto_nbd::ParetoNbd;

fn main() {
    let customers: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    let mut histories: Vec<Vec<u64>> = Vec::new();
    for _ in 0..customers {
        let max_gap = 10 + next(120);
        let stop = 2 + next(10);
        let _mean_spend = 10 + next(200);
        let mut day = next(300);
        let mut days = Vec::new();
        loop {
            let _amount = next(100);
            days.push(day);
            day += 1 + next(max_gap);
            if next(stop) == 0 || day > 365 {
                break;
            }
        }
        days.dedup();
        histories.push(days);
    }
    let end = histories
        .iter()
        .flat_map(|d| d.last())
        .max()
        .copied()
        .unwrap_or(0);
    let rows = histories.iter().map(|days| {
        let first = days[0];
        let last = *days.last().unwrap_or(&first);
        (
            (days.len() - 1) as f64,
            (last - first) as f64 / 7.0,
            (end - first) as f64 / 7.0,
        )
    });
    let data = CompressedSummary::from_rows(rows).expect("valid rows");
    println!(
        "{} customers, {} unique rows, last day {end}",
        customers,
        data.len()
    );
    let started = Instant::now();
    let fit = ParetoNbd::fit(&data);
    println!(
        "Pareto/NBD fit in {:.2} s: {:?}",
        started.elapsed().as_secs_f64(),
        fit.map(|f| f.result)
    );
}
