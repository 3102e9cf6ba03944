//! Bellwether's store: customers, transactions, requests and collaborations in SQLite.
//!
//! This is the only crate that speaks SQL.
//! The schema is managed by `sqlx` migrations (`migrations/sqlite`), and every
//! statement sticks to SQL that PostgreSQL also accepts (upserts with
//! `ON CONFLICT`, `UPDATE … FROM`), so a PostgreSQL backend is an added
//! variant of [`Backend`], not a redesign.
//!
//! Imports go through an [`ImportWriter`], which holds one database
//! transaction: nothing is visible, and the file is unchanged, until
//! [`ImportWriter::commit`].

mod accounts;
mod bulk;
mod collaborations;
mod dates;
mod import;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use bellwether_core::{AttrValue, Customer, CustomerRecord, PurchaseStats, Request, Transaction};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqlitePool};

pub use accounts::{AuditEntry, Role, Session, User};
pub use dates::{format_date, parse_date};
pub use import::{ImportSummary, ImportWriter, WriteMode};

/// Every customer's purchases, from [`Store::purchase_histories`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PurchaseHistories {
    /// Customer ids in storage order (that of [`Store::customer_records`]).
    pub customer_ids: Vec<String>,
    /// `(day, amount)` of each customer's transactions, days counted from 1970-01-01, in no
    /// particular order.
    pub histories: Vec<Vec<(i32, f64)>>,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("unexpected value type in the database: {0}")]
    ValueType(#[from] rusqlite::types::FromSqlError),
    #[error("database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("cannot migrate the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("no database at {}: run `bellwether import DIR` or `bellwether demo` first", .0.display())]
    Missing(PathBuf),
    #[error("customer `{0}` is not in the store")]
    UnknownCustomer(String),
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    #[error("{0} already exists")]
    Duplicate(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database behind a [`Store`].
#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqlitePool),
}

/// A handle on one Bellwether workspace database.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    /// The SQLite file, for the bulk paths that use their own connections.
    path: PathBuf,
}

/// Row counts of the main tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counts {
    pub customers: u64,
    pub transactions: u64,
    pub requests: u64,
    pub imports: u64,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl Store {
    /// Opens the database at `path`, creating it if needed, and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Store> {
        let options = sqlite_options(path).create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        SQLITE_MIGRATOR.run(&pool).await?;
        Ok(Store {
            backend: Backend::Sqlite(pool),
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database without creating or migrating it; the caller only reads.
    ///
    /// Returns `None` when there is no file at `path`.
    pub async fn open_read_only(path: &Path) -> Result<Option<Store>> {
        if !path.exists() {
            return Ok(None);
        }
        // Not `read_only`: a read-only connection to a WAL database leaves `-wal` and `-shm` files
        // behind, which it may not delete. A read-write connection that only reads removes them when it
        // closes, and leaves the database file itself untouched.
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(false);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(Some(Store {
            backend: Backend::Sqlite(pool),
            path: path.to_path_buf(),
        }))
    }

    /// Opens an existing database, failing with a hint when there is none.
    pub async fn open_existing(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        Store::open(path).await
    }

    /// Closes every connection, so the file is complete on disk.
    pub async fn close(self) {
        match self.backend {
            Backend::Sqlite(pool) => pool.close().await,
        }
    }

    fn pool(&self) -> &SqlitePool {
        match &self.backend {
            Backend::Sqlite(pool) => pool,
        }
    }

    /// True when the schema has been created (a read-only handle on an old or foreign file may lack it).
    pub async fn has_schema(&self) -> Result<bool> {
        let row = sqlx::query(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'customers'",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(row.get::<i64, _>(0) > 0)
    }

    /// Every stored `customer_id`.
    pub async fn customer_ids(&self) -> Result<Vec<String>> {
        if !self.has_schema().await? {
            return Ok(Vec::new());
        }
        let rows = sqlx::query_scalar::<_, String>("SELECT customer_id FROM customers")
            .fetch_all(self.pool())
            .await?;
        Ok(rows)
    }

    /// Row counts of the main tables.
    pub async fn counts(&self) -> Result<Counts> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM transactions), \
             (SELECT count(*) FROM requests), (SELECT count(*) FROM imports)",
        )
        .fetch_one(self.pool())
        .await?;
        let count = |index: usize| row.get::<i64, _>(index) as u64;
        Ok(Counts {
            customers: count(0),
            transactions: count(1),
            requests: count(2),
            imports: count(3),
        })
    }

    /// A workspace setting, such as `config` (the `bellwether.toml` of the last import).
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let value = sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        Ok(value)
    }

    /// Every customer with its purchase aggregates, in storage order.
    ///
    /// Ranking a million customers starts here, so this reads with plain
    /// `rusqlite` connections, one per core, each decoding a range of rows.
    pub async fn customer_records(&self) -> Result<Vec<CustomerRecord>> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || bulk::customer_records(&path)).await?
    }

    /// Every customer's purchases as `(day, amount)` (days since 1970-01-01), in the order of
    /// [`Store::customer_records`]; the bulk path of the due-diligence report.
    pub async fn purchase_histories(&self) -> Result<PurchaseHistories> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || bulk::purchase_histories(&path)).await?
    }

    /// One customer with its purchase aggregates.
    pub async fn customer_record(&self, customer_id: &str) -> Result<Option<CustomerRecord>> {
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers c LEFT JOIN customer_stats s ON s.customer = c.id \
             WHERE c.customer_id = ?"
        );
        let row = sqlx::query(&sql)
            .bind(customer_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(customer_record_from_row).transpose()
    }

    /// The transactions of one customer, oldest first.
    pub async fn transactions_of(&self, customer_id: &str) -> Result<Vec<Transaction>> {
        let rows = sqlx::query(
            "SELECT t.date, t.amount, t.discount, t.coupon, t.currency FROM transactions t \
             JOIN customers c ON c.id = t.customer WHERE c.customer_id = ? ORDER BY t.date, t.rowid",
        )
        .bind(customer_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Transaction {
                    customer_id: customer_id.to_string(),
                    date: date_column(row, "date")?,
                    amount: row.try_get("amount")?,
                    discount: row.try_get("discount")?,
                    coupon: row.try_get("coupon")?,
                    currency: row.try_get("currency")?,
                })
            })
            .collect()
    }

    /// Streams every transaction as `(customer_id, date, amount)` to `on_row`, customer by customer.
    ///
    /// Used by the CLV engine, which aggregates as it goes and never holds the log.
    pub async fn for_each_transaction(
        &self,
        mut on_row: impl FnMut(&str, chrono::NaiveDate, f64),
    ) -> Result<u64> {
        use futures_util::TryStreamExt;
        let mut rows = sqlx::query(
            "SELECT c.customer_id, t.date, t.amount FROM transactions t JOIN customers c ON c.id = t.customer \
             ORDER BY t.customer",
        )
        .fetch(self.pool());
        let mut n_rows = 0;
        while let Some(row) = rows.try_next().await? {
            let customer_id: &str = row.try_get(0)?;
            let date = date_column(&row, "date")?;
            on_row(customer_id, date, row.try_get(2)?);
            n_rows += 1;
        }
        Ok(n_rows)
    }

    /// The requests of one customer, or of everyone, oldest first.
    pub async fn requests(&self, customer_id: Option<&str>) -> Result<Vec<Request>> {
        let base =
            "SELECT r.request_id, c.customer_id, r.date, r.text, r.language FROM requests r \
                    JOIN customers c ON c.id = r.customer";
        let rows = match customer_id {
            Some(customer_id) => {
                sqlx::query(&format!(
                    "{base} WHERE c.customer_id = ? ORDER BY r.date, r.id"
                ))
                .bind(customer_id)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(&format!("{base} ORDER BY r.date, r.id"))
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter()
            .map(|row| {
                Ok(Request {
                    request_id: row.try_get("request_id")?,
                    customer_id: row.try_get("customer_id")?,
                    date: date_column(row, "date")?,
                    text: row.try_get("text")?,
                    language: row.try_get("language")?,
                })
            })
            .collect()
    }

    /// Starts an import: everything written through the returned writer lands atomically at commit.
    ///
    /// The writer is synchronous (bulk loading needs prepared statements without
    /// async round trips); run it on a blocking thread.
    pub fn begin_import(&self, source: &str) -> Result<ImportWriter> {
        ImportWriter::begin(&self.path, source, WriteMode::Shared)
    }

    /// Creates a new database at `path` (which must not exist) and starts an import into it
    /// without a journal: the fast path for a first import. Nothing else may open `path` until
    /// the import commits, and the caller deletes the file if it does not (typically `path` is
    /// a temporary name, renamed into place after the commit).
    pub async fn begin_import_into_new_file(path: &Path, source: &str) -> Result<ImportWriter> {
        if path.exists() {
            return Err(StoreError::Corrupt(format!(
                "{} already exists",
                path.display()
            )));
        }
        // Create the schema, then close every pooled connection so the writer is alone.
        Store::open(path).await?.close().await;
        ImportWriter::begin(path, source, WriteMode::NewFile)
    }
}

fn sqlite_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .pragma("cache_size", "-262144")
        .pragma("temp_store", "memory")
}

const CUSTOMER_COLUMNS: &str = "c.customer_id, c.name, c.industry, c.country, c.employees, c.annual_revenue, \
    c.created_at, c.domain, c.attributes, coalesce(s.n_transactions, 0) AS n_transactions, \
    coalesce(s.n_coupon, 0) AS n_coupon, coalesce(s.n_discounted, 0) AS n_discounted, \
    coalesce(s.total_amount, 0.0) AS total_amount, coalesce(s.total_discount, 0.0) AS total_discount, \
    s.first_purchase, s.last_purchase";

fn date_column(row: &SqliteRow, column: &str) -> Result<chrono::NaiveDate> {
    let text: &str = row.try_get(column)?;
    parse_date(text)
        .ok_or_else(|| StoreError::Corrupt(format!("{column} {text:?} is not a YYYY-MM-DD date")))
}

fn optional_date_column(row: &SqliteRow, column: &str) -> Result<Option<chrono::NaiveDate>> {
    let text: Option<&str> = row.try_get(column)?;
    text.map(|text| {
        parse_date(text).ok_or_else(|| {
            StoreError::Corrupt(format!("{column} {text:?} is not a YYYY-MM-DD date"))
        })
    })
    .transpose()
}

fn customer_record_from_row(row: &SqliteRow) -> Result<CustomerRecord> {
    let attributes_json: &str = row.try_get("attributes")?;
    let attributes: BTreeMap<String, AttrValue> = serde_json::from_str(attributes_json)
        .map_err(|error| StoreError::Corrupt(format!("attributes {attributes_json:?}: {error}")))?;
    let customer = Customer {
        customer_id: row.try_get("customer_id")?,
        name: row.try_get("name")?,
        industry: row.try_get("industry")?,
        country: row.try_get("country")?,
        employees: row.try_get("employees")?,
        annual_revenue: row.try_get("annual_revenue")?,
        created_at: optional_date_column(row, "created_at")?,
        domain: row.try_get("domain")?,
        attributes,
    };
    let stats = PurchaseStats {
        n_transactions: row.try_get::<i64, _>("n_transactions")? as u64,
        n_coupon: row.try_get::<i64, _>("n_coupon")? as u64,
        n_discounted: row.try_get::<i64, _>("n_discounted")? as u64,
        total_amount: row.try_get("total_amount")?,
        total_discount: row.try_get("total_discount")?,
        first_date: optional_date_column(row, "first_purchase")?,
        last_date: optional_date_column(row, "last_purchase")?,
    };
    Ok(CustomerRecord { customer, stats })
}
