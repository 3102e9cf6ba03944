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

    // The equity is the sum of the CLV that `bellwether clv predict` writes for the same model,
    // horizon and discount rate (10 % a year is 1.1^(1/12) - 1 a month).
    let model = match figures["equity"]["model"].as_str().unwrap() {
        "bg_nbd" => "bgnbd",
        other => {
            assert_eq!(other, "pareto_nbd");
            "pnbd"
        }
    };
    let predictions = dir.path().join("clv.csv");
    let monthly = (1.1f64.powf(1.0 / 12.0) - 1.0).to_string();
    let output = bellwether(
        &db,
        &[
            "clv",
            "predict",
            "--model",
            model,
            "--horizon",
            "52",
            "--with-spend",
            "--clv-months",
            "36",
            "--discount-rate",
            &monthly,
            "--out",
            predictions.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let mut reader = csv::Reader::from_path(&predictions).unwrap();
    let clv_sum: f64 = reader
        .records()
        .map(|record| record.unwrap()[7].parse::<f64>().unwrap())
        .sum();
    assert!(
        (clv_sum - equity).abs() < 1e-9 * equity,
        "{clv_sum} vs {equity}"
    );

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
