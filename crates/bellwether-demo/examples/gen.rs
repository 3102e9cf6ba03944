//! Writes the demo data set and prints what was written and how long it took.
//!
//! Usage: `cargo run --release -p bellwether-demo --example gen -- DIR [CUSTOMERS] [SEED]`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use bellwether_demo::{write_demo, DemoOptions};

fn main() -> ExitCode {
    let mut arguments = std::env::args().skip(1);
    let Some(dir) = arguments.next().map(PathBuf::from) else {
        eprintln!("usage: gen DIR [CUSTOMERS] [SEED]");
        return ExitCode::FAILURE;
    };
    let mut options = DemoOptions::default();
    if let Some(customers) = arguments.next() {
        options.customers = customers.parse().expect("CUSTOMERS is a whole number");
    }
    if let Some(seed) = arguments.next() {
        options.seed = seed.parse().expect("SEED is a whole number");
    }
    let started = Instant::now();
    match write_demo(&dir, &options) {
        Ok(summary) => {
            let elapsed = started.elapsed();
            println!(
                "{} customers, {} transactions, {} requests in {:.2} s",
                summary.customers,
                summary.transactions,
                summary.requests,
                elapsed.as_secs_f64()
            );
            for path in &summary.files {
                let size = std::fs::metadata(path)
                    .map(|metadata| metadata.len())
                    .unwrap_or(0);
                println!("{:>14} {}", size, path.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
