//! Times `score_customers` on synthetic customers: `cargo run --release -p bellwether-core --example score_bench [-- N]`.
//!
//! The records are generated deterministically (SplitMix64 with a fixed seed), with the template
//! configuration, so two runs score the same data.

use std::time::Instant;

use bellwether_core::{
    score_customers, score_customers_with, AttrValue, Config, Customer, CustomerRecord,
    PurchaseStats, ScoreOptions,
};

/// SplitMix64: a tiny deterministic generator, enough for synthetic data.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

const INDUSTRIES: [&str; 12] = [
    "Banking",
    "Credit Unions",
    "Insurance",
    "Bakery",
    "Retail",
    "Logistics",
    "Healthcare",
    "Software",
    "Manufacturing",
    "Education",
    "Energy",
    "Media",
];
const COUNTRIES: [&str; 8] = ["US", "CA", "GB", "FR", "DE", "IT", "EE", "JP"];
const CORE_SYSTEMS: [&str; 5] = ["Oracle", "Fiserv", "Temenos", "FIS", "Jack Henry"];

/// CPU seconds used by this process so far (user + system), from `/proc/self/stat` on Linux;
/// on a busy machine it tells the cost better than wall time. `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn synthetic_records(n: usize) -> Vec<CustomerRecord> {
    let mut random = SplitMix64(20_260_101);
    (0..n)
        .map(|index| {
            let employees = 10f64.powf(random.unit() * 6.0).round();
            let mut customer = Customer {
                customer_id: format!("C{index:07}"),
                industry: (random.unit() > 0.02).then(|| {
                    INDUSTRIES[random.below(INDUSTRIES.len() as u64) as usize].to_string()
                }),
                country: (random.unit() > 0.05)
                    .then(|| COUNTRIES[random.below(COUNTRIES.len() as u64) as usize].to_string()),
                employees: (random.unit() > 0.1).then_some(employees),
                annual_revenue: (random.unit() > 0.2)
                    .then(|| employees * 1e5 * (0.2 + random.unit() * 4.0)),
                ..Customer::default()
            };
            let attributes = &mut customer.attributes;
            if random.unit() > 0.3 {
                attributes.insert(
                    "core_system".into(),
                    AttrValue::Text(
                        CORE_SYSTEMS[random.below(CORE_SYSTEMS.len() as u64) as usize].into(),
                    ),
                );
            }
            attributes.insert(
                "industry_awards".into(),
                AttrValue::Number(random.below(20) as f64),
            );
            if random.unit() > 0.2 {
                attributes.insert(
                    "analyst_rating".into(),
                    AttrValue::Number(1.0 + random.below(5) as f64),
                );
            }
            attributes.insert(
                "press_mentions".into(),
                AttrValue::Number((random.unit() * 500.0).round()),
            );
            if random.unit() > 0.5 {
                attributes.insert(
                    "market_rank".into(),
                    AttrValue::Number(1.0 + random.below(1_000) as f64),
                );
            }
            let n_transactions = random.below(40);
            let n_coupon = if n_transactions > 0 {
                random.below(n_transactions + 1)
            } else {
                0
            };
            let total_amount = n_transactions as f64 * 100.0 * (0.5 + random.unit());
            let stats = PurchaseStats {
                n_transactions,
                n_coupon,
                total_amount,
                total_discount: total_amount * random.unit() * 0.3,
                ..PurchaseStats::default()
            };
            CustomerRecord { customer, stats }
        })
        .collect()
}

/// Runs `work`, printing its wall and CPU time.
fn timed<T>(label: &str, work: impl FnOnce() -> T) -> T {
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let result = work();
    let wall = started.elapsed().as_secs_f64();
    match (cpu_before, cpu_seconds()) {
        (Some(before), Some(after)) => {
            println!("{label}: {wall:.3} s wall, {:.2} s CPU", after - before)
        }
        _ => println!("{label}: {wall:.3} s wall"),
    }
    result
}

fn main() {
    let mut arguments = std::env::args().skip(1);
    let n: usize = arguments
        .next()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1_000_000);
    // "full" (default), "numbers-only" or "reasons-only" (both repeated three times, for profiling).
    let mode = arguments.next().unwrap_or_else(|| "full".to_string());
    let config = Config::from_toml(bellwether_core::config::TEMPLATE).expect("the template parses");
    let records = timed(&format!("generated {n} records"), || synthetic_records(n));
    if mode == "digest" {
        // A fingerprint of every score, to check that a faster version scores the same.
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for score in score_customers(&records, &config) {
            format!("{score:?}").hash(&mut hasher);
        }
        println!("digest {:016x}", hasher.finish());
        return;
    }
    let repeats = if mode == "full" { 1 } else { 3 };
    for _ in 0..repeats {
        if mode != "numbers-only" {
            let scores = timed(&format!("scored {n} customers with reasons"), || {
                score_customers(&records, &config)
            });
            let strategic = scores
                .iter()
                .filter(|score| score.quadrant == bellwether_core::Quadrant::Strategic)
                .count();
            if mode == "full" {
                println!("{strategic} strategic customers");
                if let Some(best) = scores
                    .iter()
                    .max_by(|left, right| left.strategic_score.total_cmp(&right.strategic_score))
                {
                    println!("best: {best:#?}");
                }
            }
        }
        if mode != "reasons-only" {
            let options = ScoreOptions { max_reasons: 0 };
            timed(&format!("scored {n} customers without reasons"), || {
                score_customers_with(&records, &config, &options)
            });
        }
    }
}
