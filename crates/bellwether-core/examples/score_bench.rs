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

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|text| text.parse().ok())
        .unwrap_or(1_000_000);
    let config = Config::from_toml(bellwether_core::config::TEMPLATE).expect("the template parses");
    let generated = Instant::now();
    let records = synthetic_records(n);
    eprintln!(
        "generated {n} records in {:.3} s",
        generated.elapsed().as_secs_f64()
    );
    let mode = std::env::args().nth(2).unwrap_or_default();
    if mode == "generate-only" {
        return;
    }
    if mode == "numbers-only" {
        let started = Instant::now();
        let scores = score_customers_with(&records, &config, &ScoreOptions { max_reasons: 0 });
        println!(
            "scored {} customers without reasons in {:.3} s",
            scores.len(),
            started.elapsed().as_secs_f64()
        );
        return;
    }
    let started = Instant::now();
    let scores = score_customers(&records, &config);
    let elapsed = started.elapsed().as_secs_f64();
    let strategic = scores
        .iter()
        .filter(|score| score.quadrant == bellwether_core::Quadrant::Strategic)
        .count();
    println!(
        "scored {} customers in {elapsed:.3} s ({strategic} strategic)",
        scores.len()
    );
    drop(scores);
    let started = Instant::now();
    let scores = score_customers_with(&records, &config, &ScoreOptions { max_reasons: 0 });
    println!(
        "scored {} customers without reasons in {:.3} s",
        scores.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(best) = scores
        .iter()
        .max_by(|left, right| left.strategic_score.total_cmp(&right.strategic_score))
    {
        println!("best: {best:?}");
    }
}
