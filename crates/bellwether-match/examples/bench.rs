//! The matching benchmark behind `scripts/bench-match`: group N requests (100,000 by default)
//! into needs, and time the reach of one requirement over them, against the targets
//! (grouping under 10 s, reach under 50 ms).
//!
//! Requests come from the demo's generator (`bellwether_demo::sample_requests`, seed 42), in
//! English, French, Italian and Estonian, spread over N / 2 customers. Grouping is timed from raw
//! text (representing every request, then grouping); reach is timed from the requirement's text
//! (representing it, scanning every request, counting customers), as the median of 21 runs.
//!
//! Usage: cargo run --release -p bellwether-match --example bench -- [--requests N]

use std::collections::HashMap;
use std::time::Instant;

use bellwether_match::{
    group_needs, matching_requests, reach_of, Audience, GlossaryMatcher, NeedMatcher,
};

fn main() {
    let mut n_requests = 100_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--requests", Some(value)) => match value.parse() {
                Ok(value) => n_requests = value,
                Err(_) => usage(),
            },
            _ => usage(),
        }
    }
    let started = Instant::now();
    let samples = bellwether_demo::sample_requests(n_requests, 42);
    let generate_seconds = started.elapsed().as_secs_f64();
    let n_customers = (n_requests / 2).max(1);
    let request_customers: Vec<usize> = (0..n_requests)
        .map(|index| (index * 7919) % n_customers)
        .collect();
    // Fit and revenue vary deterministically by customer.
    let fit: Vec<f64> = (0..n_customers)
        .map(|customer| ((customer * 37) % 100) as f64 / 100.0)
        .collect();
    let revenue: Vec<f64> = (0..n_customers)
        .map(|customer| 1_000.0 + ((customer * 131) % 1_000) as f64 * 50.0)
        .collect();
    let matcher = GlossaryMatcher::shipped();

    let started = Instant::now();
    let texts: Vec<(&str, Option<&str>)> = samples
        .iter()
        .map(|sample| (sample.text.as_str(), sample.language))
        .collect();
    let representations = matcher.represent_all(&texts);
    let represent_seconds = started.elapsed().as_secs_f64();
    let groups = group_needs(&matcher, &representations);
    let group_seconds = started.elapsed().as_secs_f64();

    // Quality of the groups against the generator's true needs (B-cubed).
    let mut cluster_of = vec![0; samples.len()];
    for (group_idx, group) in groups.iter().enumerate() {
        for &member in &group.members {
            cluster_of[member] = group_idx;
        }
    }
    let (precision, recall) = b_cubed(
        &cluster_of,
        &samples
            .iter()
            .map(|sample| sample.need_id)
            .collect::<Vec<_>>(),
    );

    let requirement = "Single sign-on for every fraud analyst through our corporate identity provider (SAML 2.0).";
    let audience = Audience {
        fit: &fit,
        revenue: &revenue,
    };
    let mut reach_times = Vec::new();
    let mut reached = 0;
    for _ in 0..21 {
        let started = Instant::now();
        let query = matcher.represent(requirement, Some("en"));
        let matched = matching_requests(&matcher, &query, &representations);
        let reach = reach_of(&matched, &request_customers, &[0], audience);
        reach_times.push(started.elapsed().as_secs_f64());
        reached = reach.customers.len();
    }
    reach_times.sort_by(f64::total_cmp);
    let reach_seconds = reach_times[reach_times.len() / 2];

    println!(
        "{} requests ({} customers), generated in {:.2} s",
        n_requests, n_customers, generate_seconds
    );
    println!(
        "grouping into needs: {:.2} s (represent {:.2} s + group {:.2} s), target < 10 s: {}",
        group_seconds,
        represent_seconds,
        group_seconds - represent_seconds,
        verdict(group_seconds < 10.0)
    );
    println!(
        "  {} groups; B-cubed precision {:.3}, recall {:.3} against the true needs",
        groups.len(),
        precision,
        recall
    );
    println!(
        "reach of one requirement: {:.1} ms (median of 21), target < 50 ms: {}; {} customers reached",
        reach_seconds * 1e3,
        verdict(reach_seconds < 0.05),
        reached
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

fn usage() -> ! {
    eprintln!("usage: bench [--requests N]");
    std::process::exit(2);
}

fn b_cubed(cluster_of: &[usize], label_of: &[&str]) -> (f64, f64) {
    let mut cluster_sizes: HashMap<usize, f64> = HashMap::new();
    let mut label_sizes: HashMap<&str, f64> = HashMap::new();
    let mut both: HashMap<(usize, &str), f64> = HashMap::new();
    for (cluster, label) in cluster_of.iter().zip(label_of) {
        *cluster_sizes.entry(*cluster).or_default() += 1.0;
        *label_sizes.entry(label).or_default() += 1.0;
        *both.entry((*cluster, label)).or_default() += 1.0;
    }
    let n = cluster_of.len().max(1) as f64;
    let (mut precision, mut recall) = (0.0, 0.0);
    for (cluster, label) in cluster_of.iter().zip(label_of) {
        let shared = both[&(*cluster, *label)];
        precision += shared / cluster_sizes[cluster];
        recall += shared / label_sizes[label];
    }
    (precision / n, recall / n)
}
