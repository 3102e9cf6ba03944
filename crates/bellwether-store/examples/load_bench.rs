//! Times loading and scoring every customer of a store:
//! `cargo run --release -p bellwether-store --example load_bench -- DB`.

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let path = std::env::args().nth(1).expect("usage: load_bench DB");
    let store = bellwether_store::Store::open_existing(std::path::Path::new(&path))
        .await
        .unwrap();
    let start = std::time::Instant::now();
    let records = store.customer_records().await.unwrap();
    eprintln!(
        "loaded {} customer records in {:?}",
        records.len(),
        start.elapsed()
    );
    let config = bellwether_core::Config::from_toml(
        &store.setting("config").await.unwrap().unwrap_or_default(),
    )
    .unwrap();
    let start = std::time::Instant::now();
    let scoring = bellwether_core::Scoring::new(&records, &config);
    eprintln!("prepared the population in {:?}", start.elapsed());
    let start = std::time::Instant::now();
    let scores = scoring.scores(&bellwether_core::ScoreOptions { max_reasons: 0 });
    eprintln!(
        "scored {} (numbers only) in {:?}",
        scores.len(),
        start.elapsed()
    );
    let start = std::time::Instant::now();
    drop(scores);
    drop(scoring);
    drop(records);
    eprintln!("freed in {:?}", start.elapsed());
}
