//! `bellwether report` on the demo data: the JSON figures checked against the stored
//! transactions, recomputed here independently, and the HTML in every language.

use std::collections::HashMap;

use super::{bellwether, stderr, stdout};

/// Revenue per customer, read straight from the demo's transactions.csv.
fn revenue_by_customer(transactions_csv: &std::path::Path) -> HashMap<String, f64> {
    let mut reader = csv::Reader::from_path(transactions_csv).unwrap();
    let mut revenue: HashMap<String, f64> = HashMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        let amount: f64 = record[2].parse().unwrap();
        *revenue.entry(record[0].to_string()).or_default() += amount;
    }
    revenue
}

#[test]
fn report_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let demo_dir = dir.path().join("demo");
    let output = bellwether(
        &db,
        &[
            "demo",
            "--dir",
            demo_dir.to_str().unwrap(),
            "--customers",
            "400",
            "--top",
            "1",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));

    let output = bellwether(&db, &["report", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("customer equity $"),
        "{}",
        stderr(&output)
    );
    let figures: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();

    let revenue = revenue_by_customer(&demo_dir.join("transactions.csv"));
    let total: f64 = revenue.values().sum();
    let mut sorted: Vec<f64> = revenue.values().copied().collect();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let number = |value: &serde_json::Value| value.as_f64().unwrap();
    assert_eq!(figures["data"]["customers"], 400);
    let reported_total = number(&figures["data"]["total_revenue"]);
    assert!(
        (reported_total - total).abs() < 1e-6 * total,
        "{reported_total} vs {total}"
    );
    for (index, n) in [1usize, 5, 10, 20].into_iter().enumerate() {
        let top = &figures["concentration"]["top"][index];
        assert_eq!(top["top"], n);
        let expected: f64 = sorted.iter().take(n).sum::<f64>() / total;
        let share = number(&top["share"]);
        assert!(
            (share - expected).abs() < 1e-9,
            "top {n}: {share} vs {expected}"
        );
    }
    let hhi: f64 = sorted.iter().map(|r| (r / total).powi(2)).sum();
    assert!((number(&figures["concentration"]["hhi"]) - hhi).abs() < 1e-12);

    // The strategic count is the ranking's.
    let rank = bellwether(
        &db,
        &["rank", "--quadrant", "strategic", "--format", "json"],
    );
    let ranked: serde_json::Value = serde_json::from_str(&stdout(&rank)).unwrap();
    assert_eq!(
        figures["strategic"]["customers"].as_u64().unwrap() as usize,
        ranked.as_array().unwrap().len()
    );
    // The demo's bellwether.toml names the acquirer and the report options.
    assert_eq!(figures["acquirer"]["column"], "uses_oracle");
    assert_eq!(figures["options"]["horizon_months"], 36);
    let equity = number(&figures["equity"]["total"]);
    let interval = figures["equity"]["interval"].as_array().unwrap();
    assert!(number(&interval[0]) < equity && equity < number(&interval[1]));

    for lang in ["en", "fr", "it", "et"] {
        let out = dir.path().join(format!("report.{lang}.html"));
        let output = bellwether(
            &db,
            &["report", "--lang", lang, "--out", out.to_str().unwrap()],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        let html = std::fs::read_to_string(&out).unwrap();
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        assert_eq!(html.matches("<svg").count(), 8, "{lang}");
    }
    let french = std::fs::read_to_string(dir.path().join("report.fr.html")).unwrap();
    assert!(french.contains("Synthèse"));

    let bad = bellwether(&db, &["report", "--lang", "de"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("invalid value 'de'"),
        "{}",
        stderr(&bad)
    );
}
