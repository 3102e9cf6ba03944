//! Times loading every customer record from a store: `cargo run --release --example load_bench -- DB`.

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let path = std::env::args().nth(1).expect("usage: load_bench DB");
    let store = bellwether_store::Store::open_existing(std::path::Path::new(&path)).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{path}")).await.unwrap();
    for sql in ["SELECT customer_id FROM customers", "SELECT customer_id, name, industry, country, employees, annual_revenue, created_at, domain, attributes, n_transactions, n_coupon, n_discounted, total_amount, total_discount, first_purchase, last_purchase FROM customers", "SELECT customer_id, name, industry, country, employees, annual_revenue, created_at, domain, attributes, n_transactions, n_coupon, n_discounted, total_amount, total_discount, first_purchase, last_purchase FROM customers ORDER BY customer_id"] {
        let start = std::time::Instant::now();
        let rows = sqlx::query(sql).fetch_all(&pool).await.unwrap();
        eprintln!("{} rows in {:?}: {sql}", rows.len(), start.elapsed());
    }
    let start = std::time::Instant::now();
    let records = store.customer_records().await.unwrap();
    eprintln!("loaded {} customer records in {:?}", records.len(), start.elapsed());
    let config = bellwether_core::Config::from_toml(&store.setting("config").await.unwrap().unwrap_or_default()).unwrap();
    let start = std::time::Instant::now();
    let scores = bellwether_core::score_customers(&records, &config);
    eprintln!("scored {} in {:?}", scores.len(), start.elapsed());
}

#[allow(dead_code)]
fn unused() {}
