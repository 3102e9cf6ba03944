//! Writing an import: one database transaction, committed whole or not at all.
//!
//! Semantics, chosen so that re-importing the same export is idempotent and a
//! newer export updates the store:
//! - customers are upserted by `customer_id` (the newer export wins, column by column);
//! - the transactions (and requests) in an import are the complete history of
//!   the customers they mention: those customers' stored rows are replaced,
//!   other customers' rows are kept.
//!
//! The writer is synchronous. On SQLite it uses one `rusqlite` connection with cached
//! prepared statements: bulk loading ten million rows through an async driver's
//! per-statement round trips is several times slower (see BENCHMARKS.md).
//! On PostgreSQL it drives a sqlx transaction (`postgres.rs`), with the statements below that
//! both databases share.
//! Callers run it on a blocking thread.

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::Path;

use bellwether_core::{Customer, PurchaseStats, Request, Transaction};
use rusqlite::{params, Connection};

use bellwether_core::{CollaborationPartner, Requirement};

use crate::dates::DateBuffer;
use crate::postgres::PostgresImportWriter;
use crate::{format_date, Result, StoreError};

// Statements both databases run, with parameters in ascending order of first appearance
// (rusqlite numbers `$N` parameters that way).

/// The next import's id, and whether the transaction and request tables are empty.
pub(crate) const NEXT_IMPORT: &str =
    "SELECT coalesce(max(id), 0) + 1, NOT EXISTS (SELECT 1 FROM transactions), \
     NOT EXISTS (SELECT 1 FROM requests) FROM imports";

/// The upsert of customers: the newer export wins, column by column.
pub(crate) const ON_CUSTOMER_CONFLICT: &str =
    "ON CONFLICT (customer_id) DO UPDATE SET name = excluded.name, industry = excluded.industry, \
     country = excluded.country, employees = excluded.employees, annual_revenue = excluded.annual_revenue, \
     created_at = excluded.created_at, domain = excluded.domain, attributes = excluded.attributes, \
     import_id = excluded.import_id";

pub(crate) const CUSTOMER_KEYS: &str = "SELECT id, customer_id FROM customers";

pub(crate) const SET_SETTING: &str = "INSERT INTO settings (key, value) VALUES ($1, $2) \
     ON CONFLICT (key) DO UPDATE SET value = excluded.value";

pub(crate) const INSERT_IMPORT: &str = "INSERT INTO imports (id, started_at, finished_at, source, \
     n_customers, n_transactions, n_requests, n_rejected) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct ImportSummary {
    pub import_id: i64,
    /// Customers in the import that were not in the store before.
    pub customers_added: u64,
    /// Customers in the import that were already stored (and are now updated).
    pub customers_updated: u64,
    pub transactions: u64,
    pub requests: u64,
    /// Collaborations whose partners the import replaced.
    pub collaborations: u64,
    /// Requirements the import wrote.
    pub requirements: u64,
    /// Rows left out by `--skip-invalid`.
    pub rejected: u64,
}

impl ImportSummary {
    /// One line for the audit log: what the import wrote.
    pub fn describe(&self) -> String {
        format!(
            "import {}: {} customers ({} new), {} transactions, {} requests, {} collaborations, {} requirements, {} rows rejected",
            self.import_id,
            self.customers_added + self.customers_updated,
            self.customers_added,
            self.transactions,
            self.requests,
            self.collaborations,
            self.requirements,
            self.rejected
        )
    }
}

/// How an import writes its database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// A database others may be reading: write-ahead log, durable commit.
    Shared,
    /// A new file that nobody else opens until the import has committed (and the caller renames
    /// it into place): no journal, no fsync. A failed import must delete the file.
    NewFile,
}

/// An import in progress; dropping it without [`ImportWriter::commit`] rolls everything back.
///
/// Its methods block: call them on a blocking thread (`tokio::task::spawn_blocking`).
pub struct ImportWriter(Writer);

enum Writer {
    Sqlite(SqliteImportWriter),
    Postgres(PostgresImportWriter),
}

impl ImportWriter {
    pub(crate) fn begin(path: &Path, source: &str, mode: WriteMode) -> Result<ImportWriter> {
        Ok(ImportWriter(Writer::Sqlite(SqliteImportWriter::begin(
            path, source, mode,
        )?)))
    }

    pub(crate) fn postgres(writer: PostgresImportWriter) -> ImportWriter {
        ImportWriter(Writer::Postgres(writer))
    }

    /// Names the signed-in user the audit log records for this import (default: the command line).
    pub fn on_behalf_of(&mut self, user_id: Option<i64>) {
        match &mut self.0 {
            Writer::Sqlite(writer) => writer.on_behalf_of(user_id),
            Writer::Postgres(writer) => writer.on_behalf_of(user_id),
        }
    }

    /// Inserts new customers and updates stored ones, by `customer_id`.
    pub fn upsert_customers(&mut self, customers: &[Customer]) -> Result<()> {
        match &mut self.0 {
            Writer::Sqlite(writer) => writer.upsert_customers(customers),
            Writer::Postgres(writer) => writer.upsert_customers(customers),
        }
    }

    /// Adds a batch of transactions, replacing the stored history of customers seen for the first time.
    pub fn insert_transactions(&mut self, batch: &[Transaction]) -> Result<()> {
        match &mut self.0 {
            Writer::Sqlite(writer) => writer.insert_transactions(batch),
            Writer::Postgres(writer) => writer.insert_transactions(batch),
        }
    }

    /// Adds a batch of requests, replacing the stored requests of customers seen for the first time.
    pub fn insert_requests(&mut self, batch: &[Request]) -> Result<()> {
        match &mut self.0 {
            Writer::Sqlite(writer) => writer.insert_requests(batch),
            Writer::Postgres(writer) => writer.insert_requests(batch),
        }
    }

    /// Writes an import's collaborations: the partners of every collaboration in `partners`, and
    /// the requirements of every collaboration in `requirements`, replace the stored ones.
    pub fn replace_collaborations(
        &mut self,
        partners: &[CollaborationPartner],
        requirements: &[Requirement],
    ) -> Result<()> {
        match &mut self.0 {
            Writer::Sqlite(writer) => writer.replace_collaborations(partners, requirements),
            Writer::Postgres(writer) => writer.replace_collaborations(partners, requirements),
        }
    }

    /// Records a workspace setting (such as the imported `bellwether.toml`) with the import.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        match &mut self.0 {
            Writer::Sqlite(writer) => writer.set_setting(key, value),
            Writer::Postgres(writer) => writer.set_setting(key, value),
        }
    }

    /// Writes the purchase aggregates, records the import and makes it all visible at once.
    pub fn commit(self, rejected: u64) -> Result<ImportSummary> {
        match self.0 {
            Writer::Sqlite(writer) => writer.commit(rejected),
            Writer::Postgres(writer) => writer.commit(rejected),
        }
    }
}

/// An import into a SQLite file through one `rusqlite` connection.
pub(crate) struct SqliteImportWriter {
    connection: Connection,
    /// False once committed, so `Drop` knows not to roll back.
    open: bool,
    import_id: i64,
    started_at: String,
    source: String,
    /// `customer_id` to surrogate key, loaded after the customers are written.
    customer_keys: Option<FxHashMap<String, i64>>,
    transactions_were_empty: bool,
    requests_were_empty: bool,
    /// Aggregates of this import's transactions, indexed by surrogate key (keys are dense).
    transaction_stats: Vec<Option<PurchaseStats>>,
    request_customers: FxHashSet<i64>,
    summary: ImportSummary,
    /// Who the audit log names for this import (`None`: the command line).
    user_id: Option<i64>,
}

impl SqliteImportWriter {
    fn begin(path: &Path, source: &str, mode: WriteMode) -> Result<SqliteImportWriter> {
        let connection = Connection::open(path)?;
        if mode == WriteMode::NewFile {
            // Nobody else can see this file, and the caller deletes it unless the import commits:
            // no journal and no fsync, so ten million rows are written once, not twice.
            connection.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")?;
        } else {
            connection.execute_batch("PRAGMA synchronous = NORMAL")?;
        }
        // Foreign keys are not checked by SQLite here: every row's customer key comes from the
        // customers table itself (an unknown customer is an error before any insert), and the
        // check cost a B-tree search per inserted row.
        connection.execute_batch(
            "PRAGMA foreign_keys = OFF; PRAGMA cache_size = -262144; \
             PRAGMA temp_store = MEMORY; PRAGMA busy_timeout = 10000; BEGIN IMMEDIATE",
        )?;
        let mut writer = SqliteImportWriter {
            connection,
            open: true,
            import_id: 0,
            started_at: now_text(),
            source: source.to_string(),
            customer_keys: None,
            transactions_were_empty: false,
            requests_were_empty: false,
            transaction_stats: Vec::new(),
            request_customers: FxHashSet::default(),
            summary: ImportSummary::default(),
            user_id: None,
        };
        let (import_id, transactions_were_empty, requests_were_empty) =
            writer.connection.query_row(NEXT_IMPORT, [], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, bool>(1)?,
                    row.get::<_, bool>(2)?,
                ))
            })?;
        if transactions_were_empty {
            // Building the index once after a bulk load is much cheaper than maintaining it row by row.
            writer
                .connection
                .execute_batch("DROP INDEX IF EXISTS transactions_customer")?;
        }
        writer.import_id = import_id;
        writer.summary.import_id = import_id;
        writer.transactions_were_empty = transactions_were_empty;
        writer.requests_were_empty = requests_were_empty;
        Ok(writer)
    }

    /// Inserts new customers and updates stored ones, by `customer_id`.
    pub fn upsert_customers(&mut self, customers: &[Customer]) -> Result<()> {
        let count = |connection: &Connection| {
            connection.query_row("SELECT count(*) FROM customers", [], |row| {
                row.get::<_, i64>(0)
            })
        };
        let before = count(&self.connection)?;
        {
            let mut statement = self.connection.prepare_cached(&format!(
                "INSERT INTO customers (customer_id, name, industry, country, employees, annual_revenue, created_at, \
                 domain, attributes, import_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
                 {ON_CUSTOMER_CONFLICT}"
            ))?;
            for customer in customers {
                let attributes = serde_json::to_string(&customer.attributes)
                    .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                statement.execute(params![
                    customer.customer_id,
                    customer.name,
                    customer.industry,
                    customer.country,
                    customer.employees,
                    customer.annual_revenue,
                    customer.created_at.map(format_date),
                    customer.domain,
                    attributes,
                    self.import_id,
                ])?;
            }
        }
        let added = (count(&self.connection)? - before).max(0) as u64;
        self.summary.customers_added += added;
        self.summary.customers_updated += customers.len() as u64 - added;
        self.customer_keys = None;
        Ok(())
    }

    fn load_customer_keys(&mut self) -> Result<()> {
        if self.customer_keys.is_none() {
            let mut statement = self.connection.prepare(CUSTOMER_KEYS)?;
            let keys = statement
                .query_map([], |row| {
                    Ok((row.get::<_, String>(1)?, row.get::<_, i64>(0)?))
                })?
                .collect::<rusqlite::Result<FxHashMap<String, i64>>>()?;
            self.customer_keys = Some(keys);
        }
        Ok(())
    }

    /// Adds a batch of transactions, replacing the stored history of customers seen for the first time.
    pub fn insert_transactions(&mut self, batch: &[Transaction]) -> Result<()> {
        self.load_customer_keys()?;
        let keys = self
            .customer_keys
            .as_ref()
            .ok_or_else(|| StoreError::Corrupt("customer keys not loaded".into()))?;
        let mut delete = if self.transactions_were_empty {
            None
        } else {
            Some(
                self.connection
                    .prepare_cached("DELETE FROM transactions WHERE customer = ?1")?,
            )
        };
        let mut batch_keys = Vec::with_capacity(batch.len());
        for transaction in batch {
            let key = *keys
                .get(&transaction.customer_id)
                .ok_or_else(|| StoreError::UnknownCustomer(transaction.customer_id.clone()))?;
            let slot = usize::try_from(key)
                .map_err(|_| StoreError::Corrupt(format!("customer key {key}")))?;
            if slot >= self.transaction_stats.len() {
                self.transaction_stats.resize(slot + 1, None);
            }
            let stats = match &mut self.transaction_stats[slot] {
                Some(stats) => stats,
                empty => {
                    if let Some(delete) = delete.as_mut() {
                        delete.execute([key])?;
                    }
                    empty.insert(PurchaseStats::default())
                }
            };
            stats.add(transaction);
            batch_keys.push(key);
        }
        drop(delete);
        // Many rows per statement: one statement per row spent most of its time in SQLite's
        // per-statement work rather than in inserting.
        let mut date_buffer = DateBuffer::default();
        let mut chunks = batch.chunks_exact(ROWS_PER_INSERT);
        let mut key_chunks = batch_keys.chunks_exact(ROWS_PER_INSERT);
        let mut many = self
            .connection
            .prepare_cached(&insert_transactions_sql(ROWS_PER_INSERT))?;
        for (chunk, chunk_keys) in (&mut chunks).zip(&mut key_chunks) {
            bind_transactions(&mut many, chunk, chunk_keys, &mut date_buffer)?;
            many.raw_execute()?;
        }
        let mut one = self
            .connection
            .prepare_cached(&insert_transactions_sql(1))?;
        for (transaction, key) in chunks.remainder().iter().zip(key_chunks.remainder()) {
            bind_transactions(
                &mut one,
                std::slice::from_ref(transaction),
                &[*key],
                &mut date_buffer,
            )?;
            one.raw_execute()?;
        }
        self.summary.transactions += batch.len() as u64;
        Ok(())
    }

    /// Adds a batch of requests, replacing the stored requests of customers seen for the first time.
    pub fn insert_requests(&mut self, batch: &[Request]) -> Result<()> {
        self.load_customer_keys()?;
        let keys = self
            .customer_keys
            .as_ref()
            .ok_or_else(|| StoreError::Corrupt("customer keys not loaded".into()))?;
        let mut delete = self
            .connection
            .prepare_cached("DELETE FROM requests WHERE customer = ?1")?;
        let mut insert = self
            .connection
            .prepare_cached("INSERT INTO requests (request_id, customer, date, text, language) VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for request in batch {
            let key = *keys
                .get(&request.customer_id)
                .ok_or_else(|| StoreError::UnknownCustomer(request.customer_id.clone()))?;
            if self.request_customers.insert(key) && !self.requests_were_empty {
                delete.execute([key])?;
            }
            insert.execute(params![
                request.request_id,
                key,
                format_date(request.date),
                request.text,
                request.language
            ])?;
        }
        self.summary.requests += batch.len() as u64;
        Ok(())
    }

    /// The open connection, for the writers of other tables in this crate.
    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }

    pub(crate) fn count_collaborations(&mut self, collaborations: u64, requirements: u64) {
        self.summary.collaborations += collaborations;
        self.summary.requirements += requirements;
    }

    /// Names the signed-in user the audit log records for this import (default: the command line).
    pub fn on_behalf_of(&mut self, user_id: Option<i64>) {
        self.user_id = user_id;
    }

    /// Records a workspace setting (such as the imported `bellwether.toml`) with the import.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.connection.execute(SET_SETTING, params![key, value])?;
        Ok(())
    }

    /// Writes the purchase aggregates, records the import and makes it all visible at once.
    pub fn commit(mut self, rejected: u64) -> Result<ImportSummary> {
        self.write_transaction_stats()?;
        if self.transactions_were_empty {
            self.connection.execute_batch(
                "CREATE INDEX IF NOT EXISTS transactions_customer ON transactions (customer)",
            )?;
        }
        self.summary.rejected = rejected;
        self.connection.execute(
            INSERT_IMPORT,
            params![
                self.import_id,
                self.started_at,
                now_text(),
                self.source,
                (self.summary.customers_added + self.summary.customers_updated) as i64,
                self.summary.transactions as i64,
                self.summary.requests as i64,
                rejected as i64,
            ],
        )?;
        // The audit entry commits with the import, so the log never misses one.
        self.connection.execute(
            "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?1, ?2, 'import', ?3)",
            params![
                crate::accounts::now(),
                self.user_id,
                self.summary.describe()
            ],
        )?;
        self.connection.execute_batch("COMMIT")?;
        self.open = false;
        // Readers and later imports expect the write-ahead log (a no-op when it is already on).
        self.connection.execute_batch("PRAGMA journal_mode = WAL")?;
        Ok(self.summary)
    }

    fn write_transaction_stats(&mut self) -> Result<()> {
        // Keys ascend, so a fresh table is filled by appending.
        let mut statement = self.connection.prepare_cached(
            "INSERT OR REPLACE INTO customer_stats (customer, n_transactions, n_coupon, n_discounted, total_amount, \
             total_discount, first_purchase, last_purchase) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        let mut first = DateBuffer::default();
        let mut last = DateBuffer::default();
        for (key, stats) in self.transaction_stats.iter().enumerate() {
            let Some(stats) = stats else { continue };
            let (Some(first_date), Some(last_date)) = (stats.first_date, stats.last_date) else {
                continue;
            };
            statement.execute(params![
                key as i64,
                stats.n_transactions as i64,
                stats.n_coupon as i64,
                stats.n_discounted as i64,
                stats.total_amount,
                stats.total_discount,
                first.format(first_date),
                last.format(last_date),
            ])?;
        }
        Ok(())
    }
}

impl Drop for SqliteImportWriter {
    fn drop(&mut self) {
        if self.open {
            // Nothing of an unfinished import may survive; an error here leaves SQLite to roll back on close.
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}

/// Rows per multi-row `INSERT` of transactions (6 parameters each, far below SQLite's limit).
const ROWS_PER_INSERT: usize = 64;

/// `INSERT INTO transactions … VALUES (?, …), …` for `rows` rows.
fn insert_transactions_sql(rows: usize) -> String {
    let values = vec!["(?, ?, ?, ?, ?, ?)"; rows].join(", ");
    format!("INSERT INTO transactions (customer, date, amount, discount, coupon, currency) VALUES {values}")
}

/// Binds `transactions` (with their customer keys) to the parameters of a multi-row insert.
fn bind_transactions(
    statement: &mut rusqlite::CachedStatement<'_>,
    transactions: &[Transaction],
    keys: &[i64],
    date_buffer: &mut DateBuffer,
) -> Result<()> {
    for (row, (transaction, key)) in transactions.iter().zip(keys).enumerate() {
        let first = row * 6 + 1;
        statement.raw_bind_parameter(first, key)?;
        statement.raw_bind_parameter(first + 1, date_buffer.format(transaction.date))?;
        statement.raw_bind_parameter(first + 2, transaction.amount)?;
        statement.raw_bind_parameter(first + 3, transaction.discount)?;
        statement.raw_bind_parameter(first + 4, transaction.coupon.as_deref())?;
        statement.raw_bind_parameter(first + 5, transaction.currency.as_deref())?;
    }
    Ok(())
}

pub(crate) fn now_text() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
