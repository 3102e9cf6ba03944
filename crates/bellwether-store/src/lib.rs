//! Bellwether's store: customers, transactions, requests and collaborations in SQLite or PostgreSQL.
//!
//! This is the only crate that speaks SQL.
//! The schema is managed by `sqlx` migrations, one folder per database (`migrations/sqlite`,
//! `migrations/postgres`) with the same numbered steps. A store lives at a [`Location`]: a SQLite
//! file by default, or a PostgreSQL database named by a `postgres://` URL.
//!
//! Both databases run the same SQL wherever they can: `$1`-style parameters, which both drivers
//! accept, upserts with `ON CONFLICT`, and one row decoder per type over `rows::StoreRow`.
//! What differs is kept small and named: the catalogue query of `Store::has_table`, dates
//! (ISO text in SQLite, `DATE` in PostgreSQL), and the bulk paths: SQLite's use `rusqlite`
//! connections of their own (`bulk`, `sqlite`), PostgreSQL's use `COPY` and `unnest` arrays
//! through sqlx (`postgres`).
//!
//! The writes that hold a transaction of their own, imports and collaboration edits, are written
//! once (`import`, `collaborations`) over a `write::WriteTransaction`, which `sqlite` and
//! `postgres` implement; the SQL text they share is in `sql`.
//! Imports go through an [`ImportWriter`], which holds one database
//! transaction: nothing is visible, and the database is unchanged, until
//! [`ImportWriter::commit`].

mod accounts;
mod bulk;
mod collaborations;
mod dates;
mod import;
mod location;
mod postgres;
mod rows;
mod sql;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use bellwether_core::{AttrValue, Customer, CustomerRecord, PurchaseStats, Request, Transaction};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::postgres::PostgresTransaction;
use crate::rows::StoreRow;
use crate::sql::CUSTOMER_COLUMNS;
use crate::sqlite::SqliteTransaction;
use crate::write::{Purpose, WriteTransaction};

pub use accounts::{AuditEntry, Role, Session, User};
pub use collaborations::EditOutcome;
pub use dates::{format_date, parse_date};
pub use import::{ImportSummary, ImportWriter};
pub use location::Location;
pub use write::WriteMode;

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
    #[error("cannot connect to {location}")]
    Connect {
        /// The database, its password hidden.
        location: String,
        source: sqlx::Error,
    },
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
    #[error("no Bellwether workspace in {0}: run `bellwether import DIR --db URL` first")]
    NoSchema(String),
    #[error("a PostgreSQL import needs a tokio runtime: {0}")]
    NoRuntime(#[from] tokio::runtime::TryCurrentError),
    #[error("customer `{0}` is not in the store")]
    UnknownCustomer(String),
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("this is the last admin: make another user admin first")]
    LastAdmin,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database behind a [`Store`].
#[derive(Debug, Clone)]
enum Backend {
    Sqlite {
        pool: SqlitePool,
        /// The SQLite file, for the bulk paths that use their own connections.
        path: PathBuf,
    },
    Postgres {
        pool: PgPool,
        url: String,
    },
}

/// Runs `$body` with `$pool` bound to the pool of the store's database: the same SQL (with
/// `$1`-style parameters, which both drivers accept), compiled once per driver.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite { pool: $pool, .. } => $body,
            $crate::Backend::Postgres { pool: $pool, .. } => $body,
        }
    };
}
pub(crate) use with_pool;

/// A handle on one Bellwether workspace database.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
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
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

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
            backend: Backend::Sqlite {
                pool,
                path: path.to_path_buf(),
            },
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
            backend: Backend::Sqlite {
                pool,
                path: path.to_path_buf(),
            },
        }))
    }

    /// Opens an existing database, failing with a hint when there is none.
    pub async fn open_existing(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        Store::open(path).await
    }

    /// Opens the database at `location` and brings its schema up to date, as [`Store::open`]:
    /// a SQLite file is created if needed; a PostgreSQL database must exist (its tables are created).
    pub async fn open_location(location: &Location) -> Result<Store> {
        match location {
            Location::Sqlite(path) => Store::open(path).await,
            Location::Postgres(url) => {
                let store = Store::connect_postgres(url, false).await?;
                POSTGRES_MIGRATOR.run(store.postgres_pool()?).await?;
                Ok(store)
            }
        }
    }

    /// Opens an existing workspace, as [`Store::open_existing`]: fails with [`StoreError::Missing`]
    /// when there is no SQLite file, and with [`StoreError::NoSchema`] when a PostgreSQL database
    /// has no Bellwether tables yet.
    pub async fn open_existing_location(location: &Location) -> Result<Store> {
        match location {
            Location::Sqlite(path) => Store::open_existing(path).await,
            Location::Postgres(url) => {
                let store = Store::connect_postgres(url, false).await?;
                if !store.has_schema().await? {
                    store.close().await;
                    return Err(StoreError::NoSchema(location.to_string()));
                }
                POSTGRES_MIGRATOR.run(store.postgres_pool()?).await?;
                Ok(store)
            }
        }
    }

    /// Opens a database to read it, without creating or migrating anything, as
    /// [`Store::open_read_only`]: `None` when there is no SQLite file. A PostgreSQL database is
    /// always there (or the connection fails); its sessions are read-only, and
    /// [`Store::has_schema`] tells whether it holds a workspace.
    pub async fn open_read_only_location(location: &Location) -> Result<Option<Store>> {
        match location {
            Location::Sqlite(path) => Store::open_read_only(path).await,
            Location::Postgres(url) => Ok(Some(Store::connect_postgres(url, true).await?)),
        }
    }

    async fn connect_postgres(url: &str, read_only: bool) -> Result<Store> {
        let mut options = PgConnectOptions::from_str(url)?;
        if read_only {
            options = options.options([("default_transaction_read_only", "on")]);
        }
        // One connection first: the pool would retry for its whole acquire timeout and then
        // report only "pool timed out", hiding why (refused, unknown host, wrong password).
        let probe = <sqlx::PgConnection as sqlx::Connection>::connect_with(&options)
            .await
            .map_err(|source| StoreError::Connect {
                location: Location::Postgres(url.to_string()).to_string(),
                source,
            })?;
        let _ = sqlx::Connection::close(probe).await;
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS)
            .connect_with(options)
            .await?;
        Ok(Store {
            backend: Backend::Postgres {
                pool,
                url: url.to_string(),
            },
        })
    }

    /// Where this store lives.
    pub fn location(&self) -> Location {
        match &self.backend {
            Backend::Sqlite { path, .. } => Location::Sqlite(path.clone()),
            Backend::Postgres { url, .. } => Location::Postgres(url.clone()),
        }
    }

    /// Closes every connection, so the file is complete on disk.
    pub async fn close(self) {
        with_pool!(self, |pool| pool.close().await)
    }

    fn postgres_pool(&self) -> Result<&PgPool> {
        match &self.backend {
            Backend::Postgres { pool, .. } => Ok(pool),
            Backend::Sqlite { .. } => Err(StoreError::Corrupt(
                "a PostgreSQL operation on a SQLite store".into(),
            )),
        }
    }

    /// SQL counting the tables named `$1` in the store's schema.
    fn count_tables_sql(&self) -> &'static str {
        match &self.backend {
            Backend::Sqlite { .. } => {
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
            }
            Backend::Postgres { .. } => {
                "SELECT count(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = $1"
            }
        }
    }

    /// True when the store has the table `name` (a read-only handle on an old or foreign database may lack it).
    pub(crate) async fn has_table(&self, name: &str) -> Result<bool> {
        let sql = self.count_tables_sql();
        let count: i64 = with_pool!(self, |pool| {
            sqlx::query_scalar(sql).bind(name).fetch_one(pool).await?
        });
        Ok(count > 0)
    }

    /// True when the schema has been created (a read-only handle on an old or foreign file may lack it).
    pub async fn has_schema(&self) -> Result<bool> {
        self.has_table("customers").await
    }

    /// Every stored `customer_id`.
    pub async fn customer_ids(&self) -> Result<Vec<String>> {
        if !self.has_schema().await? {
            return Ok(Vec::new());
        }
        let sql = "SELECT customer_id FROM customers";
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await?
        }))
    }

    /// Row counts of the main tables.
    pub async fn counts(&self) -> Result<Counts> {
        let sql = "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM transactions), \
             (SELECT count(*) FROM requests), (SELECT count(*) FROM imports)";
        let counts: (i64, i64, i64, i64) =
            with_pool!(self, |pool| sqlx::query_as(sql).fetch_one(pool).await?);
        Ok(Counts {
            customers: counts.0 as u64,
            transactions: counts.1 as u64,
            requests: counts.2 as u64,
            imports: counts.3 as u64,
        })
    }

    /// A workspace setting, such as `config` (the `bellwether.toml` of the last import).
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let sql = "SELECT value FROM settings WHERE key = $1";
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>(sql)
                .bind(key)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Every customer with its purchase aggregates, in storage order.
    ///
    /// Ranking a million customers starts here, so on SQLite this reads with plain
    /// `rusqlite` connections, one per core, each decoding a range of rows.
    pub async fn customer_records(&self) -> Result<Vec<CustomerRecord>> {
        match &self.backend {
            Backend::Sqlite { path, .. } => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || bulk::customer_records(&path)).await?
            }
            Backend::Postgres { pool, .. } => postgres::customer_records(pool).await,
        }
    }

    /// Every customer's purchases as `(day, amount)` (days since 1970-01-01), in the order of
    /// [`Store::customer_records`]; the bulk path of the due-diligence report.
    pub async fn purchase_histories(&self) -> Result<PurchaseHistories> {
        match &self.backend {
            Backend::Sqlite { path, .. } => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || bulk::purchase_histories(&path)).await?
            }
            Backend::Postgres { pool, .. } => postgres::purchase_histories(pool).await,
        }
    }

    /// One customer with its purchase aggregates.
    pub async fn customer_record(&self, customer_id: &str) -> Result<Option<CustomerRecord>> {
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers c LEFT JOIN customer_stats s ON s.customer = c.id \
             WHERE c.customer_id = $1"
        );
        with_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(customer_id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(customer_record_from_row).transpose()
        })
    }

    /// The transactions of one customer, oldest first.
    pub async fn transactions_of(&self, customer_id: &str) -> Result<Vec<Transaction>> {
        let sql = "SELECT t.date, t.amount, t.discount, t.coupon, t.currency FROM transactions t \
             JOIN customers c ON c.id = t.customer WHERE c.customer_id = $1 ORDER BY t.date, t.rowid";
        with_pool!(self, |pool| {
            let rows = sqlx::query(sql).bind(customer_id).fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    Ok(Transaction {
                        customer_id: customer_id.to_string(),
                        date: row.date("date")?,
                        amount: row.float("amount")?,
                        discount: row.optional_float("discount")?,
                        coupon: row.optional_string("coupon")?,
                        currency: row.optional_string("currency")?,
                    })
                })
                .collect()
        })
    }

    /// Streams every transaction as `(customer_id, date, amount)` to `on_row`, customer by customer.
    ///
    /// Used by the CLV engine, which aggregates as it goes and never holds the log.
    pub async fn for_each_transaction(
        &self,
        mut on_row: impl FnMut(&str, chrono::NaiveDate, f64),
    ) -> Result<u64> {
        use futures_util::TryStreamExt;
        let sql = "SELECT c.customer_id, t.date, t.amount FROM transactions t \
             JOIN customers c ON c.id = t.customer ORDER BY t.customer";
        with_pool!(self, |pool| {
            let mut rows = sqlx::query(sql).fetch(pool);
            let mut n_rows = 0;
            while let Some(row) = rows.try_next().await? {
                on_row(
                    row.text("customer_id")?,
                    row.date("date")?,
                    row.float("amount")?,
                );
                n_rows += 1;
            }
            Ok(n_rows)
        })
    }

    /// The requests of one customer, or of everyone, oldest first.
    pub async fn requests(&self, customer_id: Option<&str>) -> Result<Vec<Request>> {
        let base =
            "SELECT r.request_id, c.customer_id, r.date, r.text, r.language FROM requests r \
             JOIN customers c ON c.id = r.customer";
        with_pool!(self, |pool| {
            let rows = match customer_id {
                Some(customer_id) => {
                    sqlx::query(&format!(
                        "{base} WHERE c.customer_id = $1 ORDER BY r.date, r.id"
                    ))
                    .bind(customer_id)
                    .fetch_all(pool)
                    .await?
                }
                None => {
                    sqlx::query(&format!("{base} ORDER BY r.date, r.id"))
                        .fetch_all(pool)
                        .await?
                }
            };
            rows.iter()
                .map(|row| {
                    Ok(Request {
                        request_id: row.optional_string("request_id")?,
                        customer_id: row.string("customer_id")?,
                        date: row.date("date")?,
                        text: row.string("text")?,
                        language: row.optional_string("language")?,
                    })
                })
                .collect()
        })
    }

    /// Starts an import: everything written through the returned writer lands atomically at commit.
    ///
    /// The writer is synchronous (bulk loading needs prepared statements without
    /// async round trips); run its methods on a blocking thread (`spawn_blocking`).
    /// On PostgreSQL it must be created inside a tokio runtime, whose handle it keeps to run
    /// each batch; its database transaction starts at the first write.
    pub fn begin_import(&self, source: &str) -> Result<ImportWriter> {
        let transaction = self.begin_write(Purpose::Import(WriteMode::Shared))?;
        Ok(ImportWriter::new(transaction, source))
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
        let transaction = SqliteTransaction::begin(path, Purpose::Import(WriteMode::NewFile))?;
        Ok(ImportWriter::new(Box::new(transaction), source))
    }

    /// Starts a write transaction for `purpose`: the one place that picks a database's
    /// [`WriteTransaction`]. On SQLite it opens a connection and may wait for another writer;
    /// on PostgreSQL it must be called inside a tokio runtime, and starts at its first statement.
    fn begin_write(&self, purpose: Purpose) -> Result<Box<dyn WriteTransaction>> {
        Ok(match &self.backend {
            Backend::Sqlite { path, .. } => Box::new(SqliteTransaction::begin(path, purpose)?),
            Backend::Postgres { pool, .. } => {
                Box::new(PostgresTransaction::new(pool.clone(), purpose)?)
            }
        })
    }
}

/// Connections of a PostgreSQL store: enough for a server's concurrent requests.
const POSTGRES_CONNECTIONS: u32 = 10;

fn sqlite_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .pragma("cache_size", "-262144")
        .pragma("temp_store", "memory")
}

pub(crate) fn customer_record_from_row<R: StoreRow>(row: &R) -> Result<CustomerRecord> {
    let attributes_json = row.text("attributes")?;
    let attributes: BTreeMap<String, AttrValue> = serde_json::from_str(attributes_json)
        .map_err(|error| StoreError::Corrupt(format!("attributes {attributes_json:?}: {error}")))?;
    let customer = Customer {
        customer_id: row.string("customer_id")?,
        name: row.optional_string("name")?,
        industry: row.optional_string("industry")?,
        country: row.optional_string("country")?,
        employees: row.optional_float("employees")?,
        annual_revenue: row.optional_float("annual_revenue")?,
        created_at: row.optional_date("created_at")?,
        domain: row.optional_string("domain")?,
        attributes,
    };
    let stats = PurchaseStats {
        n_transactions: row.integer("n_transactions")? as u64,
        n_coupon: row.integer("n_coupon")? as u64,
        n_discounted: row.integer("n_discounted")? as u64,
        total_amount: row.float("total_amount")?,
        total_discount: row.float("total_discount")?,
        first_date: row.optional_date("first_purchase")?,
        last_date: row.optional_date("last_purchase")?,
    };
    Ok(CustomerRecord { customer, stats })
}
