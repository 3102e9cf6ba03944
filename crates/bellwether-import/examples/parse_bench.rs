//! Measures how fast `read_transactions` streams a large file.
//!
//! Usage: `cargo run --release -p bellwether-import --example parse_bench [PATH] [--rows N] [--style iso|slash|semicolon] [--no-lookup]`.
//! `--no-lookup` accepts every customer instead of looking each up in a `HashSet<String>` of
//! 100,000 ids, to time the parsing alone.
//! Without a path it writes a file of N rows (10,000,000 by default) in a temporary directory,
//! reads it once, and prints rows per second and megabytes per second.

use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The number of distinct customers in a generated file.
const N_CUSTOMERS: u64 = 100_000;

/// Writes `n_rows` transactions in the given style; returns the number of bytes written.
fn generate(path: &Path, n_rows: u64, style: &str) -> std::io::Result<u64> {
    let file = fs_err::File::create(path)?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let delimiter = if style == "semicolon" { ';' } else { ',' };
    writeln!(writer, "customer_id{delimiter}date{delimiter}amount{delimiter}discount{delimiter}coupon{delimiter}currency")?;
    // A small linear congruential generator keeps the file varied without a dependency.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..n_rows {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let customer = (state >> 33) % N_CUSTOMERS;
        let (year, month, day) = (
            2020 + (state >> 20) % 5,
            1 + (state >> 12) % 12,
            1 + (state >> 5) % 28,
        );
        let cents = (state >> 40) % 500_000;
        let coupon = if state % 10 == 0 { "SPRING24" } else { "" };
        let date = match style {
            "slash" => format!("{day:02}/{month:02}/{year}"),
            "semicolon" => format!("{day:02}.{month:02}.{year}"),
            _ => format!("{year}-{month:02}-{day:02}"),
        };
        let (amount, discount) = if style == "semicolon" {
            (format!("{},{:02}", cents / 100, cents % 100), "0,00")
        } else {
            (format!("{}.{:02}", cents / 100, cents % 100), "0.00")
        };
        writeln!(writer, "CUST{customer:06}{delimiter}{date}{delimiter}{amount}{delimiter}{discount}{delimiter}{coupon}{delimiter}EUR")?;
    }
    writer.flush()?;
    Ok(fs_err::metadata(path)?.len())
}

/// This process's user plus system CPU time in seconds, on Linux; `None` elsewhere.
///
/// On a shared machine the wall time includes waiting for a core; CPU time does not.
fn cpu_seconds() -> Option<f64> {
    let stat = fs_err::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    let user_ticks: f64 = fields.get(11)?.parse().ok()?;
    let system_ticks: f64 = fields.get(12)?.parse().ok()?;
    // Linux reports in clock ticks of 1/100 s on every common configuration.
    Some((user_ticks + system_ticks) / 100.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut path: Option<PathBuf> = None;
    let mut n_rows = 10_000_000_u64;
    let mut style = "iso".to_string();
    let mut lookup = true;
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--rows" => n_rows = arguments.next().ok_or("--rows needs a number")?.parse()?,
            "--no-lookup" => lookup = false,
            "--style" => {
                style = arguments
                    .next()
                    .ok_or("--style needs iso, slash or semicolon")?
            }
            _ => path = Some(PathBuf::from(argument)),
        }
    }
    let directory = tempfile::tempdir()?;
    let path = match path {
        Some(path) => path,
        None => {
            let path = directory.path().join("transactions.csv");
            let started = Instant::now();
            let n_bytes = generate(&path, n_rows, &style)?;
            eprintln!(
                "wrote {n_rows} rows, {:.0} MB, in {:.1} s",
                n_bytes as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
            path
        }
    };
    let known: HashSet<String> = (0..N_CUSTOMERS)
        .map(|customer| format!("CUST{customer:06}"))
        .collect();
    let n_bytes = fs_err::metadata(&path)?.len();
    let mut total_amount = 0.0;
    let started = Instant::now();
    let cpu_started = cpu_seconds();
    let file = bellwether_import::open_file(&path)?;
    let report = bellwether_import::read_transactions(
        file,
        &bellwether_import::display_name(&path),
        &|id| !lookup || known.contains(id),
        &mut |row| total_amount += row.amount,
    )?;
    let seconds = started.elapsed().as_secs_f64();
    if let (Some(before), Some(after)) = (cpu_started, cpu_seconds()) {
        let cpu = after - before;
        println!(
            "cpu {cpu:.2} s: {:.2} million rows per cpu second",
            report.n_rows as f64 / cpu / 1e6
        );
    }
    println!(
        "{} rows ({} rejected) in {seconds:.2} s: {:.2} million rows/s, {:.0} MB/s (total amount {total_amount:.2})",
        report.n_rows,
        report.n_rejected,
        report.n_rows as f64 / seconds / 1e6,
        n_bytes as f64 / seconds / 1e6,
    );
    Ok(())
}
