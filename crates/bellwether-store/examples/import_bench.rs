//! Times an import of synthetic customers and transactions, then the bulk reads, on either database:
//! `cargo run -p bellwether-store --example import_bench -- LOCATION [CUSTOMERS] [TRANSACTIONS]`,
//! where LOCATION is a new SQLite file or an empty PostgreSQL database's URL.

use bellwether_core::{Customer, Transaction};
use bellwether_store::{Location, Store};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let location = Location::parse(
        &args
            .next()
            .expect("usage: import_bench LOCATION [CUSTOMERS] [TRANSACTIONS]"),
    );
    let n_customers: usize = args
        .next()
        .map_or(100_000, |n| n.parse().expect("CUSTOMERS"));
    let n_transactions: usize = args
        .next()
        .map_or(1_000_000, |n| n.parse().expect("TRANSACTIONS"));
    let customers: Vec<Customer> = (0..n_customers)
        .map(|index| Customer {
            customer_id: format!("C{index:07}"),
            name: Some(format!("Customer {index}")),
            industry: Some(["Banking", "Retail", "Energy"][index % 3].to_string()),
            country: Some("EE".to_string()),
            employees: Some((index % 5000) as f64),
            ..Customer::default()
        })
        .collect();
    let epoch = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("a date");
    let transactions: Vec<Transaction> = (0..n_transactions)
        .map(|index| Transaction {
            customer_id: format!("C{:07}", index * 7919 % n_customers),
            date: epoch + chrono::Days::new((index % 1500) as u64),
            amount: (index % 997) as f64 + 0.25,
            discount: (index % 10 == 0).then_some(5.0),
            coupon: (index % 10 == 0).then(|| "SAVE5".to_string()),
            currency: Some("EUR".to_string()),
        })
        .collect();
    let store = Store::open_location(&location).await.expect("open");
    let start = std::time::Instant::now();
    let writer = store.begin_import("import_bench").expect("begin");
    let summary = tokio::task::spawn_blocking(move || {
        let mut writer = writer;
        writer.upsert_customers(&customers).expect("customers");
        for batch in transactions.chunks(65_536) {
            writer.insert_transactions(batch).expect("transactions");
        }
        writer.commit(0).expect("commit")
    })
    .await
    .expect("import thread");
    eprintln!(
        "imported {} customers and {} transactions into {location} in {:.2?}",
        summary.customers_added + summary.customers_updated,
        summary.transactions,
        start.elapsed()
    );
    let start = std::time::Instant::now();
    let records = store.customer_records().await.expect("records");
    eprintln!(
        "customer_records: {} in {:.2?}",
        records.len(),
        start.elapsed()
    );
    let start = std::time::Instant::now();
    let histories = store.purchase_histories().await.expect("histories");
    let n: usize = histories.histories.iter().map(Vec::len).sum();
    eprintln!(
        "purchase_histories: {n} purchases in {:.2?}",
        start.elapsed()
    );
    store.close().await;
}
