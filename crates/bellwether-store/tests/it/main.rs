//! Integration tests of the SQLite store: imports, idempotence, atomicity.

use bellwether_core::{AttrValue, Customer, Request, Transaction};
use bellwether_store::Store;
use chrono::NaiveDate;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn customer(id: &str, name: &str) -> Customer {
    let mut customer = Customer {
        customer_id: id.to_string(),
        name: Some(name.to_string()),
        ..Customer::default()
    };
    customer
        .attributes
        .insert("analyst_rating".to_string(), AttrValue::Number(4.5));
    customer.attributes.insert(
        "core_system".to_string(),
        AttrValue::Text("Oracle".to_string()),
    );
    customer
}

fn transaction(id: &str, day: &str, amount: f64, coupon: Option<&str>) -> Transaction {
    Transaction {
        customer_id: id.to_string(),
        date: date(day),
        amount,
        discount: coupon.map(|_| 5.0),
        coupon: coupon.map(str::to_string),
        currency: Some("USD".to_string()),
    }
}

async fn import(
    store: &Store,
    customers: &[Customer],
    transactions: &[Transaction],
) -> bellwether_store::ImportSummary {
    let mut writer = store.begin_import("test").unwrap();
    writer.upsert_customers(customers).unwrap();
    writer.insert_transactions(transactions).unwrap();
    writer.commit(0).unwrap()
}

#[tokio::test]
async fn import_round_trips_and_aggregates() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("b.db")).await.unwrap();
    let customers = [customer("A", "Alpha Bank"), customer("B", "Beta Bakery")];
    let transactions = [
        transaction("A", "2024-01-02", 100.0, None),
        transaction("A", "2024-03-04", 50.0, Some("SAVE5")),
        transaction("B", "2023-12-31", 10.0, None),
    ];
    let summary = import(&store, &customers, &transactions).await;
    assert_eq!(
        (
            summary.customers_added,
            summary.customers_updated,
            summary.transactions
        ),
        (2, 0, 3)
    );

    let records = store.customer_records().await.unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].customer, customers[0]);
    let stats = records[0].stats;
    assert_eq!(
        (stats.n_transactions, stats.n_coupon, stats.n_discounted),
        (2, 1, 1)
    );
    assert_eq!((stats.total_amount, stats.total_discount), (150.0, 5.0));
    assert_eq!(
        (stats.first_date, stats.last_date),
        (Some(date("2024-01-02")), Some(date("2024-03-04")))
    );
    assert_eq!(
        store.transactions_of("A").await.unwrap(),
        transactions[..2].to_vec()
    );
}

#[tokio::test]
async fn reimport_is_idempotent_and_newer_export_updates() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("b.db")).await.unwrap();
    let customers = [customer("A", "Alpha Bank"), customer("B", "Beta Bakery")];
    let transactions = [
        transaction("A", "2024-01-02", 100.0, None),
        transaction("B", "2024-01-03", 10.0, None),
    ];
    import(&store, &customers, &transactions).await;
    let second = import(&store, &customers, &transactions).await;
    assert_eq!((second.customers_added, second.customers_updated), (0, 2));
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.customers, counts.transactions, counts.imports),
        (2, 2, 2)
    );

    // A newer export renames A and carries A's full, longer history; B is untouched.
    let newer = [customer("A", "Alpha Bank N.A.")];
    let newer_transactions = [
        transaction("A", "2024-01-02", 100.0, None),
        transaction("A", "2024-02-02", 70.0, None),
    ];
    import(&store, &newer, &newer_transactions).await;
    let a = store.customer_record("A").await.unwrap().unwrap();
    assert_eq!(a.customer.name.as_deref(), Some("Alpha Bank N.A."));
    assert_eq!((a.stats.n_transactions, a.stats.total_amount), (2, 170.0));
    let b = store.customer_record("B").await.unwrap().unwrap();
    assert_eq!(b.stats.n_transactions, 1);
    assert_eq!(store.counts().await.unwrap().transactions, 3);
}

#[tokio::test]
async fn dropped_import_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("b.db")).await.unwrap();
    import(
        &store,
        &[customer("A", "Alpha")],
        &[transaction("A", "2024-01-02", 1.0, None)],
    )
    .await;
    {
        let mut writer = store.begin_import("abandoned").unwrap();
        writer.upsert_customers(&[customer("Z", "Zeta")]).unwrap();
        writer
            .insert_transactions(&[transaction("A", "2024-05-05", 9.0, None)])
            .unwrap();
        let error = writer
            .insert_transactions(&[transaction("nobody", "2024-05-05", 9.0, None)])
            .unwrap_err();
        assert_eq!(error.to_string(), "customer `nobody` is not in the store");
    }
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.customers, counts.transactions, counts.imports),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn requests_and_settings_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("b.db")).await.unwrap();
    let mut writer = store.begin_import("test").unwrap();
    writer.upsert_customers(&[customer("A", "Alpha")]).unwrap();
    let request = Request {
        request_id: Some("R1".to_string()),
        customer_id: "A".to_string(),
        date: date("2024-02-02"),
        text: "Authentification unique, s'il vous plaît\navec SAML".to_string(),
        language: Some("fr".to_string()),
    };
    writer
        .insert_requests(std::slice::from_ref(&request))
        .unwrap();
    writer.set_setting("config", "[audience]\n").unwrap();
    writer.commit(0).unwrap();
    assert_eq!(store.requests(Some("A")).await.unwrap(), vec![request]);
    assert_eq!(
        store.setting("config").await.unwrap().as_deref(),
        Some("[audience]\n")
    );
}

#[tokio::test]
async fn read_only_open_does_not_create_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.db");
    assert!(Store::open_read_only(&path).await.unwrap().is_none());
    assert!(!path.exists());
    let error = Store::open_existing(&path).await.unwrap_err();
    assert!(error.to_string().starts_with("no database at"), "{error}");
}

#[tokio::test]
async fn a_first_import_into_a_new_file_is_readable_and_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let mut writer = Store::begin_import_into_new_file(&path, "test")
        .await
        .unwrap();
    writer.upsert_customers(&[customer("A", "Alpha")]).unwrap();
    let transactions: Vec<Transaction> = (1..=200)
        .map(|day| {
            transaction(
                "A",
                &format!("2024-{:02}-{:02}", day % 12 + 1, day % 28 + 1),
                day as f64,
                None,
            )
        })
        .collect();
    writer.insert_transactions(&transactions).unwrap();
    writer.commit(0).unwrap();
    let error = Store::begin_import_into_new_file(&path, "again")
        .await
        .err()
        .unwrap();
    assert!(error.to_string().contains("already exists"), "{error}");

    let store = Store::open_existing(&path).await.unwrap();
    let record = store.customer_record("A").await.unwrap().unwrap();
    assert_eq!(record.stats.n_transactions, 200);
    assert_eq!(record.stats.total_amount, (1..=200).sum::<i32>() as f64);
    assert_eq!(store.transactions_of("A").await.unwrap().len(), 200);
    store.close().await;
    let connection = rusqlite::Connection::open(&path).unwrap();
    let mode: String = connection
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn purchase_histories_follow_customer_records() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("b.db")).await.unwrap();
    let customers = [
        customer("B", "Beta Bakery"),
        customer("A", "Alpha Bank"),
        customer("C", "Gamma Co"),
    ];
    let transactions = [
        transaction("A", "2024-01-02", 100.0, None),
        transaction("B", "1970-01-03", 10.0, None),
        transaction("A", "2024-03-04", 50.0, Some("SAVE5")),
    ];
    import(&store, &customers, &transactions).await;
    let records = store.customer_records().await.unwrap();
    let histories = store.purchase_histories().await.unwrap();
    let ids: Vec<&str> = records
        .iter()
        .map(|r| r.customer.customer_id.as_str())
        .collect();
    assert_eq!(histories.customer_ids, ids);
    let of = |id: &str| {
        let index = ids.iter().position(|i| *i == id).unwrap();
        let mut history = histories.histories[index].clone();
        history.sort_by_key(|p| p.0);
        history
    };
    // 2024-01-02 is day 19,724 since 1970-01-01.
    assert_eq!(of("A"), [(19_724, 100.0), (19_786, 50.0)]);
    assert_eq!(of("B"), [(2, 10.0)]);
    assert_eq!(of("C"), []);
}
