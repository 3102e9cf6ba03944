//! Integration tests of the demo data set: determinism, file shapes, planted stories.
//!
//! The default-size demo is written once per test binary and shared by the tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use bellwether_core::{Config, Quadrant};
use bellwether_demo::{
    write_demo, DemoError, DemoOptions, DemoSummary, NeedKind, BROADLY_SELLABLE_NEED_ID,
    COLLABORATIONS, NEEDS, TAILOR_MADE_NEED_ID,
};
use chrono::NaiveDate;

type Row = BTreeMap<String, String>;

/// The default demo, parsed.
struct Demo {
    _dir: tempfile::TempDir,
    summary: DemoSummary,
    config_text: String,
    customers: Vec<Row>,
    transactions: Vec<Row>,
    requests: Vec<Row>,
    truth: Vec<Row>,
    collaborations: Vec<Row>,
    requirements: Vec<Row>,
}

/// Reads a CSV file, checking its header, into rows keyed by column name.
fn read_csv(dir: &Path, file_name: &str, expected_header: &[&str]) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(dir.join(file_name)).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, expected_header, "{file_name}");
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            header
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn load(dir: tempfile::TempDir, summary: DemoSummary) -> Demo {
    let path = dir.path();
    Demo {
        config_text: fs_err::read_to_string(path.join("bellwether.toml")).unwrap(),
        customers: read_csv(
            path,
            "customers.csv",
            &[
                "customer_id",
                "name",
                "industry",
                "country",
                "employees",
                "annual_revenue",
                "created_at",
                "domain",
                "core_system",
                "uses_oracle",
                "industry_awards",
                "analyst_rating",
                "press_mentions",
                "market_rank",
            ],
        ),
        transactions: read_csv(
            path,
            "transactions.csv",
            &[
                "customer_id",
                "date",
                "amount",
                "discount",
                "coupon",
                "currency",
            ],
        ),
        requests: read_csv(
            path,
            "requests.csv",
            &["request_id", "customer_id", "date", "text", "language"],
        ),
        truth: read_csv(path, "requests_truth.csv", &["request_id", "need_id"]),
        collaborations: read_csv(
            path,
            "collaborations.csv",
            &["collaboration_id", "customer_id", "name", "started"],
        ),
        requirements: read_csv(
            path,
            "requirements.csv",
            &["collaboration_id", "text", "language"],
        ),
        summary,
        _dir: dir,
    }
}

fn generate(options: &DemoOptions) -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let summary = write_demo(dir.path(), options).unwrap();
    load(dir, summary)
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| generate(&DemoOptions::default()))
}

fn customer<'a>(demo: &'a Demo, customer_id: &str) -> &'a Row {
    demo.customers
        .iter()
        .find(|row| row["customer_id"] == customer_id)
        .unwrap()
}

fn number(row: &Row, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?} in {row:?}", row[column]))
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn read_all(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs_err::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                fs_err::read(entry.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_differs() {
    let options = DemoOptions {
        customers: 400,
        ..DemoOptions::default()
    };
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let third = tempfile::tempdir().unwrap();
    write_demo(first.path(), &options).unwrap();
    write_demo(second.path(), &options).unwrap();
    write_demo(
        third.path(),
        &DemoOptions {
            seed: 43,
            ..options.clone()
        },
    )
    .unwrap();
    let first_files = read_all(first.path());
    assert_eq!(first_files.len(), 8);
    assert_eq!(first_files, read_all(second.path()));
    let third_files = read_all(third.path());
    for file_name in ["customers.csv", "transactions.csv", "requests.csv"] {
        assert_ne!(
            first_files[file_name], third_files[file_name],
            "{file_name}"
        );
    }
}

#[test]
fn the_default_demo_is_byte_identical_to_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    write_demo(dir.path(), &DemoOptions::default()).unwrap();
    let demo_dir = demo().summary.files[0].parent().unwrap();
    assert_eq!(read_all(dir.path()), read_all(demo_dir));
}

#[test]
fn summary_counts_match_the_files() {
    let demo = demo();
    let summary = &demo.summary;
    assert_eq!(summary.customers, 3000);
    assert_eq!(demo.customers.len(), 3000);
    assert_eq!(summary.transactions, demo.transactions.len() as u64);
    assert_eq!(summary.requests, demo.requests.len());
    assert_eq!(summary.collaborations, demo.collaborations.len());
    assert_eq!(summary.requirements, demo.requirements.len());
    assert_eq!(summary.files.len(), 8);
    assert_eq!(summary.first_day, date("2022-01-01"));
    assert_eq!(summary.last_day, date("2024-12-31"));
    assert_eq!(summary.broadly_sellable_need, BROADLY_SELLABLE_NEED_ID);
    assert_eq!(summary.tailor_made_need, TAILOR_MADE_NEED_ID);
    let per_customer = summary.transactions as f64 / summary.customers as f64;
    assert!(
        (8.0..=12.0).contains(&per_customer),
        "{per_customer} transactions per customer"
    );
    let requests_per_customer = summary.requests as f64 / summary.customers as f64;
    assert!(
        (0.4..=0.9).contains(&requests_per_customer),
        "{requests_per_customer} requests per customer"
    );
}

#[test]
fn config_parses_and_names_the_acquirer_column() {
    let demo = demo();
    let config = Config::from_toml(&demo.config_text).unwrap();
    assert_eq!(config.audience.industries, ["Banking", "Credit Unions"]);
    assert_eq!(config.audience.countries, ["US", "CA"]);
    assert_eq!(config.audience.employees, Some([1000.0, 100000.0]));
    assert_eq!(config.audience.attributes["core_system"].len(), 2);
    assert_eq!(config.reputation.signals["market_rank"], -1.0);
    assert_eq!(config.influence.discount_penalty, 0.5);
    assert_eq!(config.quadrants.fit, 0.6);
    let acquirer = config.extra["acquirer"].as_table().unwrap();
    assert_eq!(acquirer["column"].as_str(), Some("uses_oracle"));
    assert_eq!(acquirer["value"].as_bool(), Some(true));
    // Every column the configuration names exists in customers.csv.
    let columns: BTreeSet<&str> = demo.customers[0].keys().map(String::as_str).collect();
    for column in config
        .reputation
        .signals
        .keys()
        .chain(config.audience.attributes.keys())
    {
        assert!(columns.contains(column.as_str()), "{column}");
    }
    assert!(columns.contains("uses_oracle"));
}

#[test]
fn customers_are_varied_and_well_formed() {
    let demo = demo();
    let ids: BTreeSet<&str> = demo
        .customers
        .iter()
        .map(|row| row["customer_id"].as_str())
        .collect();
    assert_eq!(ids.len(), demo.customers.len());
    let industries: BTreeMap<&str, usize> =
        demo.customers
            .iter()
            .fold(BTreeMap::new(), |mut counts, row| {
                *counts.entry(row["industry"].as_str()).or_default() += 1;
                counts
            });
    assert!(industries.len() >= 8, "{industries:?}");
    let financial_share =
        (industries["Banking"] + industries["Credit Unions"]) as f64 / demo.customers.len() as f64;
    assert!(
        (0.35..=0.45).contains(&financial_share),
        "{financial_share}"
    );
    let countries: BTreeSet<&str> = demo
        .customers
        .iter()
        .map(|row| row["country"].as_str())
        .collect();
    assert_eq!(countries.len(), 7, "{countries:?}");
    let (first, last) = (demo.summary.first_day, demo.summary.last_day);
    let mut n_missing_awards = 0;
    for row in &demo.customers {
        assert!(!row["name"].is_empty());
        assert!(number(row, "employees") >= 1.0);
        assert!(number(row, "annual_revenue") > 0.0);
        let created_at = date(&row["created_at"]);
        assert!(first <= created_at && created_at <= last);
        if row["industry_awards"].is_empty() {
            n_missing_awards += 1;
        }
        if !row["analyst_rating"].is_empty() {
            assert!((1.0..=5.0).contains(&number(row, "analyst_rating")));
        }
        if !row["market_rank"].is_empty() {
            assert!(number(row, "market_rank") >= 1.0);
        }
    }
    let missing_share = n_missing_awards as f64 / demo.customers.len() as f64;
    assert!((0.1..=0.2).contains(&missing_share), "{missing_share}");
}

#[test]
fn transactions_are_sorted_in_the_window_and_positive() {
    let demo = demo();
    let ids: BTreeSet<&str> = demo
        .customers
        .iter()
        .map(|row| row["customer_id"].as_str())
        .collect();
    let (first, last) = (demo.summary.first_day, demo.summary.last_day);
    let mut previous: Option<(NaiveDate, &str)> = None;
    for row in &demo.transactions {
        assert!(ids.contains(row["customer_id"].as_str()), "{row:?}");
        let day = date(&row["date"]);
        assert!(first <= day && day <= last, "{row:?}");
        let key = (day, row["customer_id"].as_str());
        if let Some(previous) = previous {
            assert!(previous <= key, "{previous:?} then {key:?}");
        }
        previous = Some(key);
        let amount = number(row, "amount");
        assert!(amount > 0.0, "{row:?}");
        assert_eq!(row["amount"].split('.').nth(1).map(str::len), Some(2));
        if !row["discount"].is_empty() {
            let discount = number(row, "discount");
            assert!(discount > 0.0 && discount < amount + discount, "{row:?}");
        }
        if !row["coupon"].is_empty() {
            assert!(
                !row["discount"].is_empty(),
                "a coupon always takes something off: {row:?}"
            );
        }
        assert_eq!(row["currency"], "USD");
    }
}

/// Per customer: number of transactions, with a coupon, and the last purchase.
fn purchases(demo: &Demo) -> BTreeMap<&str, (usize, usize, NaiveDate)> {
    let mut purchases: BTreeMap<&str, (usize, usize, NaiveDate)> = BTreeMap::new();
    for row in &demo.transactions {
        let day = date(&row["date"]);
        let entry = purchases
            .entry(row["customer_id"].as_str())
            .or_insert((0, 0, day));
        entry.0 += 1;
        entry.1 += usize::from(!row["coupon"].is_empty());
        entry.2 = entry.2.max(day);
    }
    purchases
}

#[test]
fn purchases_follow_a_churning_process_with_some_coupon_hunters() {
    let demo = demo();
    let purchases = purchases(demo);
    assert_eq!(
        purchases.len(),
        demo.customers.len(),
        "everyone buys at least once"
    );
    let n_coupon_heavy = purchases
        .values()
        .filter(|(n, n_coupon, _)| *n >= 2 && *n_coupon * 2 > *n)
        .count();
    let coupon_heavy_share = n_coupon_heavy as f64 / demo.customers.len() as f64;
    assert!(
        (0.04..=0.10).contains(&coupon_heavy_share),
        "{coupon_heavy_share}"
    );
    // Churn: many customers stopped buying long before the end of the window.
    let one_year_before_end = demo.summary.last_day - chrono::Days::new(365);
    let n_lapsed = purchases
        .values()
        .filter(|(_, _, last)| *last < one_year_before_end)
        .count();
    let lapsed_share = n_lapsed as f64 / demo.customers.len() as f64;
    assert!((0.15..=0.6).contains(&lapsed_share), "{lapsed_share}");
}

#[test]
fn planted_customers_tell_their_stories() {
    let demo = demo();
    let stories = &demo.summary.stories;
    let ids: Vec<&str> = stories
        .iter()
        .map(|story| story.customer_id.as_str())
        .collect();
    assert_eq!(ids, ["C0001", "C0002", "C0003", "C0004", "C0005"]);
    let quadrants: Vec<Quadrant> = stories
        .iter()
        .map(|story| story.story.expected_quadrant)
        .collect();
    assert_eq!(
        quadrants,
        [
            Quadrant::Strategic,
            Quadrant::Showcase,
            Quadrant::Representative,
            Quadrant::Strategic,
            Quadrant::Showcase
        ]
    );
    let purchases = purchases(demo);

    let top_bank = customer(demo, "C0001");
    assert_eq!(
        (top_bank["industry"].as_str(), top_bank["country"].as_str()),
        ("Banking", "US")
    );
    assert_eq!(
        (
            top_bank["core_system"].as_str(),
            top_bank["uses_oracle"].as_str()
        ),
        ("Oracle", "true")
    );
    assert_eq!(top_bank["market_rank"], "1");
    assert!(
        number(top_bank, "industry_awards") >= 5.0 && number(top_bank, "analyst_rating") >= 4.5
    );
    assert!((1000.0..=100000.0).contains(&number(top_bank, "employees")));
    assert_eq!(purchases["C0001"].1, 0, "the top bank never uses coupons");

    let global_bank = customer(demo, "C0002");
    assert_eq!(global_bank["industry"], "Banking");
    assert!(
        number(global_bank, "employees") > 300_000.0
            && number(global_bank, "annual_revenue") > 1e11
    );
    assert!(number(global_bank, "industry_awards") >= 10.0);

    let credit_union = customer(demo, "C0003");
    assert_eq!(
        (
            credit_union["industry"].as_str(),
            credit_union["country"].as_str()
        ),
        ("Credit Unions", "CA")
    );
    assert_eq!(credit_union["core_system"], "Fiserv");
    assert_eq!(credit_union["industry_awards"], "0");
    assert!(number(credit_union, "analyst_rating") < 3.2);
    assert!((1000.0..=100000.0).contains(&number(credit_union, "employees")));

    let coupon_bank = customer(demo, "C0004");
    assert_eq!(
        (
            coupon_bank["industry"].as_str(),
            coupon_bank["core_system"].as_str()
        ),
        ("Banking", "Oracle")
    );
    assert!(
        number(coupon_bank, "industry_awards") >= 3.0 && number(coupon_bank, "market_rank") <= 3.0
    );
    let (n_transactions, n_coupon, _) = purchases["C0004"];
    assert!(
        n_transactions >= 20 && n_coupon as f64 >= 0.85 * n_transactions as f64,
        "{n_coupon}/{n_transactions}"
    );

    let bakery = customer(demo, "C0005");
    assert_eq!(bakery["industry"], "Bakery");
    assert_eq!(bakery["market_rank"], "1");
    assert!(number(bakery, "industry_awards") >= 10.0);
}

#[test]
fn requests_cover_four_languages_and_have_a_true_need() {
    let demo = demo();
    let ids: BTreeSet<&str> = demo
        .customers
        .iter()
        .map(|row| row["customer_id"].as_str())
        .collect();
    let languages: BTreeSet<&str> = demo
        .requests
        .iter()
        .map(|row| row["language"].as_str())
        .collect();
    assert_eq!(languages, BTreeSet::from(["", "en", "et", "fr", "it"]));
    assert_eq!(demo.truth.len(), demo.requests.len());
    let need_ids: BTreeSet<&str> = NEEDS.iter().map(|need| need.id).collect();
    let (first, last) = (demo.summary.first_day, demo.summary.last_day);
    for (request, truth) in demo.requests.iter().zip(&demo.truth) {
        assert_eq!(request["request_id"], truth["request_id"]);
        assert!(need_ids.contains(truth["need_id"].as_str()), "{truth:?}");
        assert!(ids.contains(request["customer_id"].as_str()), "{request:?}");
        let day = date(&request["date"]);
        assert!(first <= day && day <= last);
        assert!(!request["text"].trim().is_empty());
    }
    let askers: BTreeSet<&str> = demo
        .requests
        .iter()
        .map(|row| row["customer_id"].as_str())
        .collect();
    let asking_share = askers.len() as f64 / demo.customers.len() as f64;
    assert!((0.28..=0.4).contains(&asking_share), "{asking_share}");
}

#[test]
fn the_broad_need_is_asked_widely_and_the_tailor_made_one_once() {
    let demo = demo();
    let need_by_request: BTreeMap<&str, &str> = demo
        .truth
        .iter()
        .map(|row| (row["request_id"].as_str(), row["need_id"].as_str()))
        .collect();
    let mut askers: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut broad_languages: BTreeSet<&str> = BTreeSet::new();
    for request in &demo.requests {
        let need_id = need_by_request[request["request_id"].as_str()];
        askers
            .entry(need_id)
            .or_default()
            .insert(request["customer_id"].as_str());
        if need_id == BROADLY_SELLABLE_NEED_ID {
            broad_languages.insert(request["language"].as_str());
        }
    }
    assert!(
        askers[BROADLY_SELLABLE_NEED_ID].len() >= 20,
        "{}",
        askers[BROADLY_SELLABLE_NEED_ID].len()
    );
    assert!(
        broad_languages.is_superset(&BTreeSet::from(["en", "fr", "it", "et"])),
        "{broad_languages:?}"
    );
    assert_eq!(askers[TAILOR_MADE_NEED_ID], BTreeSet::from(["C0001"]));
    let kinds: Vec<NeedKind> = NEEDS.iter().map(|need| need.kind).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|kind| **kind == NeedKind::TailorMade)
            .count(),
        1
    );
    // The broad need is asked by more distinct customers than any other need.
    let most_asked = askers
        .iter()
        .max_by_key(|(_, customers)| customers.len())
        .unwrap()
        .0;
    assert_eq!(*most_asked, BROADLY_SELLABLE_NEED_ID);
}

#[test]
fn collaborations_hold_the_tailor_made_and_the_broad_requirement() {
    let demo = demo();
    let collaborations: Vec<(&str, &str, &str)> = demo
        .collaborations
        .iter()
        .map(|row| {
            (
                row["collaboration_id"].as_str(),
                row["customer_id"].as_str(),
                row["name"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        collaborations,
        [
            ("COL1", "C0001", "Fraud rules co-design"),
            ("COL2", "C0003", "Projet pilote d'accueil des membres")
        ]
    );
    assert_eq!(
        demo.requirements.len(),
        COLLABORATIONS
            .iter()
            .map(|collaboration| collaboration.requirements.len())
            .sum()
    );
    let top_bank_needs: Vec<&str> = COLLABORATIONS[0]
        .requirements
        .iter()
        .map(|requirement| requirement.need_id)
        .collect();
    assert!(
        top_bank_needs.contains(&TAILOR_MADE_NEED_ID)
            && top_bank_needs.contains(&BROADLY_SELLABLE_NEED_ID)
    );
    let credit_union_needs: Vec<&str> = COLLABORATIONS[1]
        .requirements
        .iter()
        .map(|requirement| requirement.need_id)
        .collect();
    assert!(credit_union_needs.contains(&BROADLY_SELLABLE_NEED_ID));
    assert!(demo
        .requirements
        .iter()
        .any(|row| row["text"].contains("mainframe batch")));
    for row in &demo.collaborations {
        let started = date(&row["started"]);
        assert!(demo.summary.first_day <= started && started <= demo.summary.last_day);
    }
}

#[test]
fn readme_names_every_story() {
    let demo = demo();
    let readme_path = demo
        .summary
        .files
        .iter()
        .find(|path| path.ends_with("README.md"))
        .unwrap();
    let readme = fs_err::read_to_string(readme_path).unwrap();
    for story in &demo.summary.stories {
        assert!(
            readme.contains(&story.customer_id) && readme.contains(story.story.name),
            "{}",
            story.customer_id
        );
    }
}

#[test]
fn small_and_short_demos_work_and_bad_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let options = DemoOptions {
        customers: 5,
        years: 1,
        start: Some(date("2020-03-01")),
        seed: 1,
    };
    let summary = write_demo(dir.path(), &options).unwrap();
    assert_eq!(summary.customers, 5);
    assert_eq!(summary.last_day, date("2021-02-28"));
    let transactions = read_csv(
        dir.path(),
        "transactions.csv",
        &[
            "customer_id",
            "date",
            "amount",
            "discount",
            "coupon",
            "currency",
        ],
    );
    assert!(transactions
        .iter()
        .all(|row| date(&row["date"]) <= summary.last_day));

    let error = write_demo(
        dir.path(),
        &DemoOptions {
            customers: 4,
            ..DemoOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            DemoError::InvalidOption {
                option: "customers",
                ..
            }
        ),
        "{error}"
    );
    let error = write_demo(
        dir.path(),
        &DemoOptions {
            years: 0,
            ..DemoOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid demo option `years`: expected 1 to 50"
    );
}

#[test]
fn wide_ids_keep_the_planted_numbers() {
    assert_eq!(bellwether_demo::customer_id(0, 3000), "C0001");
    assert_eq!(bellwether_demo::customer_id(0, 1_000_000), "C0000001");
}

/// Builds the scoring input from the parsed files, as an importer would.
fn customer_records(demo: &Demo) -> Vec<bellwether_core::CustomerRecord> {
    use bellwether_core::{AttrValue, Customer, CustomerRecord, PurchaseStats, Transaction};
    let standard = [
        "customer_id",
        "name",
        "industry",
        "country",
        "employees",
        "annual_revenue",
        "created_at",
        "domain",
    ];
    let mut stats: BTreeMap<&str, PurchaseStats> = BTreeMap::new();
    for row in &demo.transactions {
        let transaction = Transaction {
            customer_id: row["customer_id"].clone(),
            date: date(&row["date"]),
            amount: number(row, "amount"),
            discount: row["discount"].parse().ok(),
            coupon: Some(row["coupon"].clone()).filter(|coupon| !coupon.is_empty()),
            currency: Some(row["currency"].clone()),
        };
        stats
            .entry(row["customer_id"].as_str())
            .or_default()
            .add(&transaction);
    }
    let text = |value: &String| Some(value.clone()).filter(|value| !value.is_empty());
    demo.customers
        .iter()
        .map(|row| {
            let attributes = row
                .iter()
                .filter(|(column, value)| !standard.contains(&column.as_str()) && !value.is_empty())
                .map(|(column, value)| {
                    let value = match (value.as_str(), value.parse::<f64>()) {
                        ("true", _) => AttrValue::Bool(true),
                        ("false", _) => AttrValue::Bool(false),
                        (_, Ok(number)) => AttrValue::Number(number),
                        (_, Err(_)) => AttrValue::Text(value.clone()),
                    };
                    (column.clone(), value)
                })
                .collect();
            CustomerRecord {
                customer: Customer {
                    customer_id: row["customer_id"].clone(),
                    name: text(&row["name"]),
                    industry: text(&row["industry"]),
                    country: text(&row["country"]),
                    employees: row["employees"].parse().ok(),
                    annual_revenue: row["annual_revenue"].parse().ok(),
                    created_at: Some(date(&row["created_at"])),
                    domain: text(&row["domain"]),
                    attributes,
                },
                stats: stats
                    .get(row["customer_id"].as_str())
                    .copied()
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Scores a demo and checks each planted customer's quadrant and influence; returns the ranking.
fn check_planted_quadrants(demo: &Demo) -> Vec<String> {
    let config = Config::from_toml(&demo.config_text).unwrap();
    let records = customer_records(demo);
    let scores = bellwether_core::score_customers(&records, &config);
    let median_influence = {
        let mut influences: Vec<f64> = scores.iter().map(|score| score.influence).collect();
        influences.sort_by(f64::total_cmp);
        influences[influences.len() / 2]
    };
    for story in &demo.summary.stories {
        let score = scores
            .iter()
            .find(|score| score.customer_id == story.customer_id)
            .unwrap();
        assert_eq!(
            score.quadrant, story.story.expected_quadrant,
            "{}: {score:?}",
            story.customer_id
        );
        if story.story.expect_low_influence {
            assert!(
                score.influence < median_influence - 0.2,
                "{}: {score:?}",
                story.customer_id
            );
        }
    }
    let mut ranking: Vec<&bellwether_core::Score> = scores.iter().collect();
    ranking.sort_by(|a, b| b.strategic_score.total_cmp(&a.strategic_score));
    ranking
        .iter()
        .map(|score| score.customer_id.clone())
        .collect()
}

#[test]
fn scoring_puts_the_planted_customers_in_their_quadrants() {
    let ranking = check_planted_quadrants(demo());
    let position = |customer_id: &str| {
        ranking
            .iter()
            .position(|ranked| ranked == customer_id)
            .unwrap()
    };
    assert!(
        position("C0001") < 3,
        "the top bank ranks {}",
        position("C0001") + 1
    );
    assert!(
        position("C0004") > 50,
        "the coupon hunter ranks {}",
        position("C0004") + 1
    );
}

#[test]
fn the_planted_stories_hold_whatever_the_seed() {
    for seed in [1, 7] {
        let ranking = check_planted_quadrants(&generate(&DemoOptions {
            customers: 1500,
            seed,
            ..DemoOptions::default()
        }));
        let top_bank_position = ranking.iter().position(|ranked| ranked == "C0001").unwrap();
        assert!(
            top_bank_position < 10,
            "seed {seed}: the top bank ranks {}",
            top_bank_position + 1
        );
    }
}
