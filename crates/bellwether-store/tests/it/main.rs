//! Integration tests of the store, each run on SQLite and on PostgreSQL.
//!
//! Every test named in `on_both!` runs twice: `NAME::sqlite` on a new file, and `NAME::postgres`
//! in a new database on the server of `BELLWETHER_TEST_POSTGRES` (a URL; `scripts/postgres start`
//! prints one). Without that variable the PostgreSQL runs are skipped and reported as skipped
//! (`testing::record_skip`: a `SKIPPED` line, counted at the end of `scripts/test`), unless
//! `BELLWETHER_REQUIRE_POSTGRES=1` or `CI=true`, which make them fail instead.

use bellwether_core::{
    AttrValue, Collaboration, CollaborationPartner, Customer, Request, Requirement, Transaction,
};
use bellwether_store::{ImportSummary, ImportWriter, Location, Role, Store, StoreError};
use chrono::NaiveDate;

use bellwether_store::testing::TestDatabase;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Database {
    Sqlite,
    Postgres,
}

/// A store in a new, empty database, deleted when dropped.
struct TestStore {
    store: Store,
    location: Location,
    _dir: Option<tempfile::TempDir>,
    _database: Option<TestDatabase>,
}

/// A new store on `database`, or `None` when PostgreSQL is not configured (and not required).
async fn fresh(database: Database) -> Option<TestStore> {
    let (location, dir, test_database) = match database {
        Database::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let location = Location::Sqlite(dir.path().join("b.db"));
            (location, Some(dir), None)
        }
        Database::Postgres => {
            let test_database = TestDatabase::create().await?;
            (
                Location::parse(&test_database.url),
                None,
                Some(test_database),
            )
        }
    };
    let store = Store::open_location(&location).await.unwrap();
    Some(TestStore {
        store,
        location,
        _dir: dir,
        _database: test_database,
    })
}

/// Declares `mod NAME { sqlite, postgres }` running `async fn NAME(store: TestStore)` on each.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let store = super::fresh(super::Database::Sqlite).await.unwrap();
                super::$name(store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(store) = super::fresh(super::Database::Postgres).await {
                    super::$name(store).await;
                }
            }
        }
    )*};
}

on_both!(
    import_round_trips_and_aggregates,
    reimport_is_idempotent_and_newer_export_updates,
    dropped_import_leaves_nothing,
    a_customer_twice_in_one_batch_ends_with_its_last_values,
    customers_written_between_batches_keep_what_the_import_wrote,
    requests_and_settings_are_stored,
    text_with_tabs_newlines_and_backslashes_round_trips,
    purchase_histories_follow_customer_records,
    for_each_transaction_streams_every_row_by_customer,
    batches_larger_than_one_statement,
    an_empty_import_is_recorded,
    collaborations_are_replaced_by_imports_and_added_to,
    users_and_duplicates,
    disabled_users_lose_their_sessions_and_tokens,
    sessions_expire_and_end,
    api_tokens_and_the_audit_log,
    reopening_finds_the_workspace,
);

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

/// Runs `write` on an import writer on a blocking thread, as the CLI and the server do.
async fn write<T: Send + 'static>(
    store: &Store,
    write: impl FnOnce(ImportWriter) -> T + Send + 'static,
) -> T {
    let writer = store.begin_import("test").unwrap();
    tokio::task::spawn_blocking(move || write(writer))
        .await
        .unwrap()
}

async fn import(
    store: &Store,
    customers: &[Customer],
    transactions: &[Transaction],
) -> ImportSummary {
    let (customers, transactions) = (customers.to_vec(), transactions.to_vec());
    write(store, move |mut writer| {
        writer.upsert_customers(&customers).unwrap();
        writer.insert_transactions(&transactions).unwrap();
        writer.commit(0).unwrap()
    })
    .await
}

async fn import_round_trips_and_aggregates(test: TestStore) {
    let store = &test.store;
    let mut alpha = customer("A", "Alpha Bank");
    alpha.industry = Some("Banking".to_string());
    alpha.country = Some("EE".to_string());
    alpha.employees = Some(1200.0);
    alpha.annual_revenue = Some(3.5e9);
    alpha.created_at = Some(date("2019-07-31"));
    alpha.domain = Some("alpha.example".to_string());
    let customers = [alpha, customer("B", "Beta Bakery")];
    let transactions = [
        transaction("A", "2024-01-02", 100.0, None),
        transaction("A", "2024-03-04", 50.0, Some("SAVE5")),
        transaction("B", "2023-12-31", 10.0, None),
    ];
    let summary = import(store, &customers, &transactions).await;
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
    assert_eq!(records[1].customer, customers[1]);
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
    let one = store.customer_record("A").await.unwrap().unwrap();
    assert_eq!(one, records[0]);
    assert_eq!(store.customer_record("nobody").await.unwrap(), None);
    assert_eq!(
        store.transactions_of("A").await.unwrap(),
        transactions[..2].to_vec()
    );
    let mut ids = store.customer_ids().await.unwrap();
    ids.sort();
    assert_eq!(ids, ["A", "B"]);
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (
            counts.customers,
            counts.transactions,
            counts.requests,
            counts.imports
        ),
        (2, 3, 0, 1)
    );
}

async fn reimport_is_idempotent_and_newer_export_updates(test: TestStore) {
    let store = &test.store;
    let customers = [customer("A", "Alpha Bank"), customer("B", "Beta Bakery")];
    let transactions = [
        transaction("A", "2024-01-02", 100.0, None),
        transaction("B", "2024-01-03", 10.0, None),
    ];
    let first = import(store, &customers, &transactions).await;
    let second = import(store, &customers, &transactions).await;
    assert_eq!((second.customers_added, second.customers_updated), (0, 2));
    assert_eq!(second.import_id, first.import_id + 1);
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.customers, counts.transactions, counts.imports),
        (2, 2, 2)
    );

    // A newer export renames A and carries A's full, longer history; B is untouched.
    let newer = [customer("A", "Alpha Bank N.A.")];
    let newer_transactions = [
        transaction("A", "2024-02-02", 70.0, None),
        transaction("A", "2024-01-02", 100.0, None),
    ];
    import(store, &newer, &newer_transactions).await;
    let a = store.customer_record("A").await.unwrap().unwrap();
    assert_eq!(a.customer.name.as_deref(), Some("Alpha Bank N.A."));
    assert_eq!((a.stats.n_transactions, a.stats.total_amount), (2, 170.0));
    let b = store.customer_record("B").await.unwrap().unwrap();
    assert_eq!(b.stats.n_transactions, 1);
    assert_eq!(store.counts().await.unwrap().transactions, 3);
    // Oldest first, whatever the order in the file.
    let amounts: Vec<f64> = store
        .transactions_of("A")
        .await
        .unwrap()
        .iter()
        .map(|transaction| transaction.amount)
        .collect();
    assert_eq!(amounts, [100.0, 70.0]);
    // Storage order is that of the first import.
    let order: Vec<String> = store
        .customer_records()
        .await
        .unwrap()
        .into_iter()
        .map(|record| record.customer.customer_id)
        .collect();
    assert_eq!(order, ["A", "B"]);
}

async fn dropped_import_leaves_nothing(test: TestStore) {
    let store = &test.store;
    import(
        store,
        &[customer("A", "Alpha")],
        &[transaction("A", "2024-01-02", 1.0, None)],
    )
    .await;
    let error = write(store, |mut writer| {
        writer.set_setting("config", "abandoned").unwrap();
        writer.upsert_customers(&[customer("Z", "Zeta")]).unwrap();
        writer
            .insert_transactions(&[transaction("A", "2024-05-05", 9.0, None)])
            .unwrap();
        writer
            .insert_transactions(&[transaction("nobody", "2024-05-05", 9.0, None)])
            .unwrap_err()
    })
    .await;
    assert_eq!(error.to_string(), "customer `nobody` is not in the store");
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.customers, counts.transactions, counts.imports),
        (1, 1, 1)
    );
    assert_eq!(store.setting("config").await.unwrap(), None);
    assert_eq!(store.customer_record("Z").await.unwrap(), None);
    // The abandoned import let go of the database: the next one commits.
    let next = import(
        store,
        &[customer("B", "Beta")],
        &[transaction("B", "2024-05-05", 2.0, None)],
    )
    .await;
    assert_eq!(next.import_id, 2);
    assert_eq!(store.counts().await.unwrap().customers, 2);
}

async fn a_customer_twice_in_one_batch_ends_with_its_last_values(test: TestStore) {
    let store = &test.store;
    let summary = import(
        store,
        &[
            customer("A", "First name"),
            customer("B", "Beta"),
            customer("A", "Last name"),
        ],
        &[],
    )
    .await;
    assert_eq!((summary.customers_added, summary.customers_updated), (2, 1));
    let records = store.customer_records().await.unwrap();
    let names: Vec<(&str, Option<&str>)> = records
        .iter()
        .map(|record| {
            (
                record.customer.customer_id.as_str(),
                record.customer.name.as_deref(),
            )
        })
        .collect();
    assert_eq!(names, [("A", Some("Last name")), ("B", Some("Beta"))]);
}

/// Customers upserted after some transactions are written: the writer numbers the stored
/// customers again, and must keep what it knows of those it had already seen in this import.
async fn customers_written_between_batches_keep_what_the_import_wrote(test: TestStore) {
    let store = &test.store;
    import(
        store,
        &[
            customer("A", "Alpha"),
            customer("C", "Gamma"),
            customer("D", "Delta"),
        ],
        &[
            transaction("A", "2023-01-01", 100.0, None),
            transaction("C", "2023-01-01", 1.0, None),
            transaction("D", "2023-01-01", 2.0, None),
        ],
    )
    .await;
    let summary = write(store, |mut writer| {
        writer.upsert_customers(&[customer("A", "Alpha")]).unwrap();
        writer
            .insert_transactions(&[
                transaction("A", "2024-01-02", 10.0, None),
                transaction("C", "2024-01-05", 3.0, None),
            ])
            .unwrap();
        // B sorts between A and C: a renumbering would shift C.
        writer
            .upsert_customers(&[customer("B", "Beta"), customer("A", "Alpha Bank")])
            .unwrap();
        // The histories of A and C were replaced by the first batch: this batch adds to them.
        writer
            .insert_transactions(&[
                transaction("B", "2024-02-03", 5.0, None),
                transaction("A", "2024-03-04", 7.0, Some("SAVE5")),
                transaction("C", "2024-04-05", 4.0, None),
            ])
            .unwrap();
        writer.commit(0).unwrap()
    })
    .await;
    assert_eq!(
        (
            summary.customers_added,
            summary.customers_updated,
            summary.transactions
        ),
        (1, 2, 5)
    );
    let a = store.customer_record("A").await.unwrap().unwrap();
    assert_eq!(a.customer.name.as_deref(), Some("Alpha Bank"));
    assert_eq!(
        (
            a.stats.n_transactions,
            a.stats.n_coupon,
            a.stats.total_amount
        ),
        (2, 1, 17.0)
    );
    assert_eq!(
        (a.stats.first_date, a.stats.last_date),
        (Some(date("2024-01-02")), Some(date("2024-03-04")))
    );
    let amounts = |customer_id: &'static str| async move {
        store
            .transactions_of(customer_id)
            .await
            .unwrap()
            .iter()
            .map(|transaction| transaction.amount)
            .collect::<Vec<f64>>()
    };
    assert_eq!(amounts("A").await, [10.0, 7.0]);
    assert_eq!(amounts("B").await, [5.0]);
    assert_eq!(amounts("C").await, [3.0, 4.0]);
    let b = store.customer_record("B").await.unwrap().unwrap();
    assert_eq!((b.stats.n_transactions, b.stats.total_amount), (1, 5.0));
    let c = store.customer_record("C").await.unwrap().unwrap();
    assert_eq!((c.stats.n_transactions, c.stats.total_amount), (2, 7.0));
    // D is not in this import: its history and aggregates stay.
    let d = store.customer_record("D").await.unwrap().unwrap();
    assert_eq!((d.stats.n_transactions, d.stats.total_amount), (1, 2.0));
    assert_eq!(store.counts().await.unwrap().transactions, 6);
}

async fn requests_and_settings_are_stored(test: TestStore) {
    let store = &test.store;
    let request = |id: &str, customer_id: &str, day: &str, text: &str| Request {
        request_id: Some(id.to_string()),
        customer_id: customer_id.to_string(),
        date: date(day),
        text: text.to_string(),
        language: Some("fr".to_string()),
    };
    let first = vec![
        request(
            "R1",
            "A",
            "2024-02-02",
            "Authentification unique, s'il vous plaît\navec SAML",
        ),
        request("R2", "B", "2024-01-01", "Export CSV"),
        request("R3", "A", "2024-01-15", "Journal d'audit"),
    ];
    let requests = first.clone();
    write(store, move |mut writer| {
        writer
            .upsert_customers(&[customer("A", "Alpha"), customer("B", "Beta")])
            .unwrap();
        writer.insert_requests(&requests).unwrap();
        writer.set_setting("config", "[audience]\n").unwrap();
        writer.set_setting("config", "[audience]\nx = 1\n").unwrap();
        writer.set_setting("other", "y").unwrap();
        writer.commit(0).unwrap()
    })
    .await;
    assert_eq!(
        store.requests(Some("A")).await.unwrap(),
        vec![first[2].clone(), first[0].clone()]
    );
    assert_eq!(
        store.requests(None).await.unwrap(),
        vec![first[1].clone(), first[2].clone(), first[0].clone()]
    );
    assert_eq!(
        store.setting("config").await.unwrap().as_deref(),
        Some("[audience]\nx = 1\n")
    );
    assert_eq!(store.setting("absent").await.unwrap(), None);

    // A newer export replaces A's requests and keeps B's.
    let newer = vec![Request {
        request_id: None,
        language: None,
        ..request("", "A", "2024-03-03", "SSO")
    }];
    let requests = newer.clone();
    let summary = write(store, move |mut writer| {
        writer.insert_requests(&requests).unwrap();
        writer.commit(0).unwrap()
    })
    .await;
    assert_eq!(summary.requests, 1);
    assert_eq!(store.requests(Some("A")).await.unwrap(), newer);
    assert_eq!(
        store.requests(Some("B")).await.unwrap(),
        vec![first[1].clone()]
    );
    assert_eq!(store.counts().await.unwrap().requests, 2);
}

async fn text_with_tabs_newlines_and_backslashes_round_trips(test: TestStore) {
    // PostgreSQL's COPY text format gives tabs, newlines and backslashes a meaning: they must be escaped.
    let store = &test.store;
    let awkward = "tab\there, line\nbreak, back\\slash, \\N, carriage\rreturn, «ünïcode» 💶";
    let transactions = vec![
        Transaction {
            coupon: Some(awkward.to_string()),
            currency: Some("\\N".to_string()),
            ..transaction("A", "2024-01-02", 0.1, Some("x"))
        },
        Transaction {
            discount: Some(1e-7),
            coupon: Some(String::new()),
            currency: None,
            ..transaction("A", "2024-01-03", 123_456.789_012_345_6, None)
        },
        Transaction {
            discount: None,
            ..transaction("A", "2024-01-04", -2.5e15, None)
        },
    ];
    import(store, &[customer("A", awkward)], &transactions).await;
    assert_eq!(store.transactions_of("A").await.unwrap(), transactions);
    let record = store.customer_record("A").await.unwrap().unwrap();
    assert_eq!(record.customer.name.as_deref(), Some(awkward));
    // Two of the three carry a coupon (one of them empty, which is not a missing one).
    assert_eq!((record.stats.n_transactions, record.stats.n_coupon), (3, 2));
}

async fn purchase_histories_follow_customer_records(test: TestStore) {
    let store = &test.store;
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
    import(store, &customers, &transactions).await;
    let records = store.customer_records().await.unwrap();
    let histories = store.purchase_histories().await.unwrap();
    let ids: Vec<&str> = records
        .iter()
        .map(|r| r.customer.customer_id.as_str())
        .collect();
    assert_eq!(ids, ["B", "A", "C"]);
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

async fn for_each_transaction_streams_every_row_by_customer(test: TestStore) {
    let store = &test.store;
    let transactions = [
        transaction("A", "2024-01-02", 1.0, None),
        transaction("B", "2024-01-03", 2.0, None),
        transaction("A", "2024-01-04", 3.0, None),
        transaction("C", "2024-01-05", 4.0, None),
        transaction("B", "2024-01-06", 5.0, None),
    ];
    import(
        store,
        &[customer("A", "a"), customer("B", "b"), customer("C", "c")],
        &transactions,
    )
    .await;
    let mut seen = Vec::new();
    let n_rows = store
        .for_each_transaction(|customer_id, day, amount| {
            seen.push((customer_id.to_string(), day, amount));
        })
        .await
        .unwrap();
    assert_eq!(n_rows, 5);
    // Each customer's rows come together.
    let order: Vec<&str> = seen.iter().map(|row| row.0.as_str()).collect();
    let mut runs = order.clone();
    runs.dedup();
    assert_eq!(runs.len(), 3, "{order:?}");
    let mut expected: Vec<(String, NaiveDate, f64)> = transactions
        .iter()
        .map(|t| (t.customer_id.clone(), t.date, t.amount))
        .collect();
    expected.sort_by(|a, b| a.partial_cmp(b).unwrap());
    seen.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(seen, expected);
}

async fn batches_larger_than_one_statement(test: TestStore) {
    // More rows than one multi-row statement holds on either database, in several batches.
    let store = &test.store;
    let n_customers = 12_001;
    let customers: Vec<Customer> = (0..n_customers)
        .map(|index| customer(&format!("C{index:05}"), &format!("Customer {index}")))
        .collect();
    let transactions: Vec<Transaction> = (0..3 * n_customers)
        .map(|index| {
            let day = format!("2024-{:02}-{:02}", index % 12 + 1, index % 28 + 1);
            transaction(
                &format!("C{:05}", index % n_customers),
                &day,
                index as f64,
                None,
            )
        })
        .collect();
    let summary = write(store, move |mut writer| {
        writer.upsert_customers(&customers).unwrap();
        for batch in transactions.chunks(10_000) {
            writer.insert_transactions(batch).unwrap();
        }
        writer.commit(0).unwrap()
    })
    .await;
    assert_eq!(
        (summary.customers_added, summary.transactions),
        (n_customers as u64, 3 * n_customers as u64)
    );
    let records = store.customer_records().await.unwrap();
    assert_eq!(records.len(), n_customers);
    assert_eq!(records[0].customer.customer_id, "C00000");
    assert_eq!(records[n_customers - 1].customer.customer_id, "C12000");
    let last = &records[n_customers - 1].stats;
    // C12000 bought in transactions 12000, 24001 and 36002.
    assert_eq!(
        (last.n_transactions, last.total_amount),
        (3, (12_000 + 24_001 + 36_002) as f64)
    );
    let total: f64 = records.iter().map(|record| record.stats.total_amount).sum();
    assert_eq!(total, (0..3 * n_customers).sum::<usize>() as f64);
}

async fn an_empty_import_is_recorded(test: TestStore) {
    let store = &test.store;
    let summary = write(store, |writer| writer.commit(7).unwrap()).await;
    assert_eq!(summary.import_id, 1);
    assert_eq!(summary.rejected, 7);
    assert_eq!(store.counts().await.unwrap().imports, 1);
    assert_eq!(store.customer_records().await.unwrap(), []);
    assert_eq!(
        store.purchase_histories().await.unwrap().customer_ids.len(),
        0
    );
}

async fn collaborations_are_replaced_by_imports_and_added_to(test: TestStore) {
    let store = &test.store;
    assert_eq!(
        store.collaboration_ids().await.unwrap(),
        Vec::<String>::new()
    );
    let partner = |collaboration_id: &str, customer_id: &str| CollaborationPartner {
        collaboration_id: collaboration_id.to_string(),
        customer_id: customer_id.to_string(),
        name: Some(format!("Project {collaboration_id}")),
        started: Some(date("2024-04-01")),
    };
    let requirement = |collaboration_id: &str, text: &str| Requirement {
        collaboration_id: collaboration_id.to_string(),
        text: text.to_string(),
        language: Some("en".to_string()),
    };
    let summary = write(store, move |mut writer| {
        writer
            .upsert_customers(&[customer("A", "a"), customer("B", "b"), customer("C", "c")])
            .unwrap();
        writer
            .replace_collaborations(
                &[partner("P1", "B"), partner("P1", "A"), partner("P2", "C")],
                &[requirement("P1", "SSO"), requirement("P1", "Audit log")],
            )
            .unwrap();
        writer.commit(0).unwrap()
    })
    .await;
    assert_eq!((summary.collaborations, summary.requirements), (2, 2));
    let p1 = store.collaboration("P1").await.unwrap().unwrap();
    assert_eq!(p1.name.as_deref(), Some("Project P1"));
    assert_eq!(p1.started, Some(date("2024-04-01")));
    assert_eq!(p1.customer_ids, ["B", "A"]);
    let texts: Vec<&str> = p1.requirements.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts, ["SSO", "Audit log"]);

    // `collab add` appends partners not yet in it and requirements, keeps the name when none is given.
    store
        .add_to_collaboration(
            &Collaboration {
                collaboration_id: "P1".to_string(),
                name: None,
                started: None,
                customer_ids: vec!["A".to_string(), "C".to_string()],
                requirements: vec![requirement("P1", "SCIM")],
            },
            None,
        )
        .await
        .unwrap();
    let p1 = store.collaboration("P1").await.unwrap().unwrap();
    assert_eq!(p1.name.as_deref(), Some("Project P1"));
    assert_eq!(p1.customer_ids, ["B", "A", "C"]);
    assert_eq!(p1.requirements.len(), 3);
    assert_eq!(p1.requirements[2].text, "SCIM");
    // The edit's audit entry was written with it, by the command line (no user).
    let audit = store.audit_log(10).await.unwrap();
    let edits: Vec<&str> = audit
        .iter()
        .filter(|entry| entry.action == "collaboration-edit")
        .map(|entry| entry.detail.as_str())
        .collect();
    assert_eq!(edits, ["updated P1: 2 partners and 1 requirements added"]);
    assert_eq!(audit[0].user_email, None);
    let error = store
        .add_to_collaboration(
            &Collaboration {
                collaboration_id: "P3".to_string(),
                name: Some("New".to_string()),
                started: None,
                customer_ids: vec!["nobody".to_string()],
                requirements: Vec::new(),
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::UnknownCustomer(_)), "{error}");
    // That addition was one transaction: P3 was not created, and no audit entry claims it was.
    assert_eq!(store.collaboration("P3").await.unwrap(), None);
    assert_eq!(store.audit_log(10).await.unwrap().len(), audit.len());

    // A newer export's partners of P1 replace the stored ones; its requirements are untouched, and P2 is kept.
    write(store, move |mut writer| {
        writer
            .replace_collaborations(&[partner("P1", "C")], &[])
            .unwrap();
        writer.commit(0).unwrap()
    })
    .await;
    let all = store.collaborations().await.unwrap();
    let ids: Vec<&str> = all.iter().map(|c| c.collaboration_id.as_str()).collect();
    assert_eq!(ids, ["P1", "P2"]);
    assert_eq!(all[0].customer_ids, ["C"]);
    assert_eq!(all[0].requirements.len(), 3);
    assert_eq!(all[1].customer_ids, ["C"]);
    let mut stored_ids = store.collaboration_ids().await.unwrap();
    stored_ids.sort();
    assert_eq!(stored_ids, ["P1", "P2"]);
}

async fn users_and_duplicates(test: TestStore) {
    let store = &test.store;
    assert_eq!(store.count_users().await.unwrap(), 0);
    let zoe = store
        .create_user("zoe@example.com", "hash-z", Role::Viewer)
        .await
        .unwrap();
    let ada = store
        .create_user("ada@example.com", "hash-a", Role::Admin)
        .await
        .unwrap();
    assert_ne!(zoe.id, ada.id);
    let error = store
        .create_user("ada@example.com", "other", Role::Analyst)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Duplicate(_)), "{error}");
    assert_eq!(store.count_users().await.unwrap(), 2);
    assert_eq!(
        store.user_by_email("ada@example.com").await.unwrap(),
        Some(ada.clone())
    );
    assert_eq!(
        store.user_by_email("nobody@example.com").await.unwrap(),
        None
    );
    assert_eq!(store.users().await.unwrap(), [ada, zoe]);
}

/// Offboarding: a disabled user's session and API token stop working at once and are deleted,
/// re-enabling does not bring them back, the last active admin cannot be disabled, and both
/// changes are audited with their author.
async fn disabled_users_lose_their_sessions_and_tokens(test: TestStore) {
    let store = &test.store;
    let ada = store
        .create_user("ada@example.com", "hash-a", Role::Admin)
        .await
        .unwrap();
    let zoe = store
        .create_user("zoe@example.com", "hash-z", Role::Analyst)
        .await
        .unwrap();
    store
        .create_session("zoe-session", zoe.id, "csrf", "2999-01-01T00:00:00Z")
        .await
        .unwrap();
    store
        .create_api_token("zoe-token", zoe.id, "script")
        .await
        .unwrap();
    assert!(store.session("zoe-session").await.unwrap().is_some());

    assert!(store
        .set_disabled("zoe@example.com", true, Some(ada.id))
        .await
        .unwrap());
    assert_eq!(store.session("zoe-session").await.unwrap(), None);
    assert_eq!(store.user_by_api_token("zoe-token").await.unwrap(), None);
    let disabled = store
        .user_by_email("zoe@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(disabled.disabled_at.is_some());
    // Disabling twice keeps the first date.
    assert!(store
        .set_disabled("zoe@example.com", true, Some(ada.id))
        .await
        .unwrap());
    assert_eq!(
        store.user_by_email("zoe@example.com").await.unwrap(),
        Some(disabled)
    );

    // The last active admin stays, even through a role change of a disabled admin.
    let error = store
        .set_disabled("ada@example.com", true, None)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::LastAdmin), "{error}");
    assert!(!store
        .set_disabled("nobody@example.com", true, None)
        .await
        .unwrap());

    assert!(store
        .set_disabled("zoe@example.com", false, Some(ada.id))
        .await
        .unwrap());
    let enabled = store
        .user_by_email("zoe@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(enabled.disabled_at, None);
    // Old credentials stay dead: they were deleted, not hidden.
    assert_eq!(store.session("zoe-session").await.unwrap(), None);
    assert_eq!(store.user_by_api_token("zoe-token").await.unwrap(), None);

    // A second admin can be disabled once another is active; then the first is the last again.
    store
        .set_role("zoe@example.com", Role::Admin)
        .await
        .unwrap();
    assert!(store
        .set_disabled("zoe@example.com", true, Some(ada.id))
        .await
        .unwrap());
    let error = store
        .set_role("ada@example.com", Role::Viewer)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::LastAdmin), "{error}");

    let audit = store.audit_log(10).await.unwrap();
    let actions: Vec<(&str, &str, Option<&str>)> = audit
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.detail.as_str(),
                e.user_email.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("user-disable", "zoe@example.com", Some("ada@example.com")),
            ("user-enable", "zoe@example.com", Some("ada@example.com")),
            ("user-disable", "zoe@example.com", Some("ada@example.com")),
            ("user-disable", "zoe@example.com", Some("ada@example.com")),
        ]
    );
}

async fn sessions_expire_and_end(test: TestStore) {
    let store = &test.store;
    let user = store
        .create_user("ada@example.com", "hash", Role::Analyst)
        .await
        .unwrap();
    store
        .create_session("live", user.id, "csrf-1", "2999-01-01T00:00:00Z")
        .await
        .unwrap();
    store
        .create_session("expired", user.id, "csrf-2", "2000-01-01T00:00:00Z")
        .await
        .unwrap();
    let error = store
        .create_session("live", user.id, "csrf-3", "2999-01-01T00:00:00Z")
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Duplicate(_)), "{error}");
    let session = store.session("live").await.unwrap().unwrap();
    assert_eq!(session.user, user);
    assert_eq!(session.csrf_token, "csrf-1");
    assert_eq!(session.expires_at, "2999-01-01T00:00:00Z");
    assert_eq!(store.session("expired").await.unwrap(), None);
    assert_eq!(store.session("unknown").await.unwrap(), None);
    store.delete_session("live").await.unwrap();
    assert_eq!(store.session("live").await.unwrap(), None);
}

async fn api_tokens_and_the_audit_log(test: TestStore) {
    let store = &test.store;
    let user = store
        .create_user("ada@example.com", "hash", Role::Admin)
        .await
        .unwrap();
    store
        .create_api_token("digest-1", user.id, "nightly script")
        .await
        .unwrap();
    let error = store
        .create_api_token("digest-1", user.id, "again")
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Duplicate(_)), "{error}");
    assert_eq!(
        store.user_by_api_token("digest-1").await.unwrap(),
        Some(user.clone())
    );
    assert_eq!(store.user_by_api_token("digest-2").await.unwrap(), None);

    store.audit(Some(user.id), "import", "demo").await.unwrap();
    store
        .audit(None, "login-failed", "x@example.com")
        .await
        .unwrap();
    store
        .audit(Some(user.id), "collab-add", "P1")
        .await
        .unwrap();
    let log = store.audit_log(2).await.unwrap();
    let actions: Vec<(&str, Option<&str>, &str)> = log
        .iter()
        .map(|entry| {
            (
                entry.action.as_str(),
                entry.user_email.as_deref(),
                entry.detail.as_str(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("collab-add", Some("ada@example.com"), "P1"),
            ("login-failed", None, "x@example.com")
        ]
    );
    assert!(
        log[0].at.ends_with('Z') && log[0].at.len() == 20,
        "{}",
        log[0].at
    );
    assert_eq!(store.audit_log(10).await.unwrap().len(), 3);
}

async fn reopening_finds_the_workspace(test: TestStore) {
    import(
        &test.store,
        &[customer("A", "Alpha")],
        &[transaction("A", "2024-01-02", 1.0, None)],
    )
    .await;
    test.store.clone().close().await;
    assert_eq!(test.store.location(), test.location);
    let again = Store::open_existing_location(&test.location).await.unwrap();
    assert_eq!(again.counts().await.unwrap().transactions, 1);
    again.close().await;
    let reader = Store::open_read_only_location(&test.location)
        .await
        .unwrap()
        .unwrap();
    assert!(reader.has_schema().await.unwrap());
    assert_eq!(reader.customer_ids().await.unwrap(), ["A"]);
    reader.close().await;
}

#[tokio::test]
async fn an_empty_postgres_database_is_not_a_workspace() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let location = Location::parse(&database.url);
    let reader = Store::open_read_only_location(&location)
        .await
        .unwrap()
        .unwrap();
    assert!(!reader.has_schema().await.unwrap());
    assert_eq!(reader.customer_ids().await.unwrap(), Vec::<String>::new());
    reader.close().await;
    let error = Store::open_existing_location(&location).await.unwrap_err();
    assert!(matches!(error, StoreError::NoSchema(_)), "{error}");
    // Opening (not "existing") creates the schema.
    let store = Store::open_location(&location).await.unwrap();
    assert!(store.has_schema().await.unwrap());
    store.close().await;
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

/// The CLI's runtime has one thread: a PostgreSQL import begun there runs on a blocking thread.
#[tokio::test(flavor = "current_thread")]
async fn a_postgres_import_runs_from_a_single_threaded_runtime() {
    let Some(test) = fresh(Database::Postgres).await else {
        return;
    };
    let summary = import(
        &test.store,
        &[customer("A", "Alpha")],
        &[transaction("A", "2024-01-02", 1.0, None)],
    )
    .await;
    assert_eq!((summary.customers_added, summary.transactions), (1, 1));
    assert_eq!(test.store.counts().await.unwrap().transactions, 1);
}

#[tokio::test]
async fn an_unreachable_postgres_server_is_named_with_the_reason_and_no_password() {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let location = Location::parse("postgres://someone:hunter2@127.0.0.1:1/workspace");
    let started = std::time::Instant::now();
    let Err(error) = Store::open_location(&location).await else {
        panic!("connected to a server on port 1");
    };
    assert!(matches!(error, StoreError::Connect { .. }), "{error:?}");
    let text = format!("{error}: {}", std::error::Error::source(&error).unwrap());
    assert!(
        text.contains("127.0.0.1:1") && text.contains("refused"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    // Not the pool's 30-second acquire timeout.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
