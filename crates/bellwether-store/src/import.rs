//! Writing an import: one database transaction, committed whole or not at all.
//!
//! Semantics, chosen so that re-importing the same export is idempotent and a
//! newer export updates the store:
//! - customers are upserted by `customer_id` (the newer export wins, column by column);
//! - the transactions (and requests) in an import are the complete history of
//!   the customers they mention: those customers' stored rows are replaced,
//!   other customers' rows are kept.

use std::collections::{HashMap, HashSet};

use bellwether_core::{Customer, PurchaseStats, Request, Transaction};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::{format_date, Result, StoreError};

/// SQLite accepts 32,766 bound parameters per statement; stay well below.
const MAX_PARAMETERS: usize = 30_000;

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
    /// Rows left out by `--skip-invalid`.
    pub rejected: u64,
}

/// An import in progress; dropping it without [`ImportWriter::commit`] rolls everything back.
pub struct ImportWriter {
    transaction: sqlx::Transaction<'static, Sqlite>,
    import_id: i64,
    started_at: String,
    source: String,
    /// `customer_id` to surrogate key, loaded after the customers are written.
    customer_keys: Option<HashMap<String, i64>>,
    transactions_were_empty: bool,
    requests_were_empty: bool,
    transaction_stats: HashMap<i64, PurchaseStats>,
    request_customers: HashSet<i64>,
    summary: ImportSummary,
}

impl ImportWriter {
    pub(crate) async fn begin(pool: &SqlitePool, source: &str) -> Result<ImportWriter> {
        let mut transaction = pool.begin().await?;
        let row = sqlx::query(
            "SELECT coalesce(max(id), 0) + 1, \
             NOT EXISTS (SELECT 1 FROM transactions), NOT EXISTS (SELECT 1 FROM requests) FROM imports",
        )
        .fetch_one(&mut *transaction)
        .await?;
        let import_id: i64 = row.get(0);
        let transactions_were_empty: bool = row.get(1);
        let requests_were_empty: bool = row.get(2);
        if transactions_were_empty {
            // Building the index once after a bulk load is much cheaper than maintaining it row by row.
            sqlx::query("DROP INDEX IF EXISTS transactions_customer").execute(&mut *transaction).await?;
        }
        Ok(ImportWriter {
            transaction,
            import_id,
            started_at: now_text(),
            source: source.to_string(),
            customer_keys: None,
            transactions_were_empty,
            requests_were_empty,
            transaction_stats: HashMap::new(),
            request_customers: HashSet::new(),
            summary: ImportSummary { import_id, ..ImportSummary::default() },
        })
    }

    /// Inserts new customers and updates stored ones, by `customer_id`.
    pub async fn upsert_customers(&mut self, customers: &[Customer]) -> Result<()> {
        let before: i64 = sqlx::query_scalar("SELECT count(*) FROM customers").fetch_one(&mut *self.transaction).await?;
        const COLUMNS: usize = 10;
        for chunk in customers.chunks(MAX_PARAMETERS / COLUMNS) {
            let attributes: Vec<String> = chunk
                .iter()
                .map(|customer| serde_json::to_string(&customer.attributes))
                .collect::<Result<_, _>>()
                .map_err(|error| StoreError::Corrupt(error.to_string()))?;
            let mut builder = QueryBuilder::<Sqlite>::new(
                "INSERT INTO customers (customer_id, name, industry, country, employees, annual_revenue, created_at, \
                 domain, attributes, import_id) ",
            );
            builder.push_values(chunk.iter().zip(&attributes), |mut row, (customer, attributes)| {
                row.push_bind(customer.customer_id.as_str())
                    .push_bind(customer.name.as_deref())
                    .push_bind(customer.industry.as_deref())
                    .push_bind(customer.country.as_deref())
                    .push_bind(customer.employees)
                    .push_bind(customer.annual_revenue)
                    .push_bind(customer.created_at.map(format_date))
                    .push_bind(customer.domain.as_deref())
                    .push_bind(attributes.as_str())
                    .push_bind(self.import_id);
            });
            builder.push(
                " ON CONFLICT (customer_id) DO UPDATE SET name = excluded.name, industry = excluded.industry, \
                 country = excluded.country, employees = excluded.employees, annual_revenue = excluded.annual_revenue, \
                 created_at = excluded.created_at, domain = excluded.domain, attributes = excluded.attributes, \
                 import_id = excluded.import_id",
            );
            builder.build().execute(&mut *self.transaction).await?;
        }
        let after: i64 = sqlx::query_scalar("SELECT count(*) FROM customers").fetch_one(&mut *self.transaction).await?;
        let added = (after - before).max(0) as u64;
        self.summary.customers_added += added;
        self.summary.customers_updated += customers.len() as u64 - added;
        self.customer_keys = None;
        Ok(())
    }

    async fn customer_keys(&mut self) -> Result<&HashMap<String, i64>> {
        if self.customer_keys.is_none() {
            let rows = sqlx::query("SELECT id, customer_id FROM customers").fetch_all(&mut *self.transaction).await?;
            let keys = rows.iter().map(|row| (row.get::<String, _>(1), row.get::<i64, _>(0))).collect();
            self.customer_keys = Some(keys);
        }
        Ok(self.customer_keys.get_or_insert_with(HashMap::new))
    }

    /// Adds a batch of transactions, replacing the stored history of customers seen for the first time.
    pub async fn insert_transactions(&mut self, batch: &[Transaction]) -> Result<()> {
        let keys = self.customer_keys().await?;
        let batch_keys: Vec<i64> = batch
            .iter()
            .map(|transaction| {
                keys.get(&transaction.customer_id)
                    .copied()
                    .ok_or_else(|| StoreError::UnknownCustomer(transaction.customer_id.clone()))
            })
            .collect::<Result<_>>()?;
        let mut first_seen = Vec::new();
        for (transaction, key) in batch.iter().zip(&batch_keys) {
            let stats = self.transaction_stats.entry(*key).or_insert_with(|| {
                first_seen.push(*key);
                PurchaseStats::default()
            });
            stats.add(transaction);
        }
        if !self.transactions_were_empty {
            delete_by_customer(&mut *self.transaction, "transactions", &first_seen).await?;
        }
        const COLUMNS: usize = 6;
        for (chunk, chunk_keys) in batch.chunks(MAX_PARAMETERS / COLUMNS).zip(batch_keys.chunks(MAX_PARAMETERS / COLUMNS)) {
            let mut builder =
                QueryBuilder::<Sqlite>::new("INSERT INTO transactions (customer, date, amount, discount, coupon, currency) ");
            builder.push_values(chunk.iter().zip(chunk_keys), |mut row, (transaction, key)| {
                row.push_bind(*key)
                    .push_bind(format_date(transaction.date))
                    .push_bind(transaction.amount)
                    .push_bind(transaction.discount)
                    .push_bind(transaction.coupon.as_deref())
                    .push_bind(transaction.currency.as_deref());
            });
            builder.build().execute(&mut *self.transaction).await?;
        }
        self.summary.transactions += batch.len() as u64;
        Ok(())
    }

    /// Adds a batch of requests, replacing the stored requests of customers seen for the first time.
    pub async fn insert_requests(&mut self, batch: &[Request]) -> Result<()> {
        let keys = self.customer_keys().await?;
        let batch_keys: Vec<i64> = batch
            .iter()
            .map(|request| {
                keys.get(&request.customer_id).copied().ok_or_else(|| StoreError::UnknownCustomer(request.customer_id.clone()))
            })
            .collect::<Result<_>>()?;
        let first_seen: Vec<i64> = batch_keys.iter().copied().filter(|key| self.request_customers.insert(*key)).collect();
        if !self.requests_were_empty {
            delete_by_customer(&mut *self.transaction, "requests", &first_seen).await?;
        }
        const COLUMNS: usize = 5;
        for (chunk, chunk_keys) in batch.chunks(MAX_PARAMETERS / COLUMNS).zip(batch_keys.chunks(MAX_PARAMETERS / COLUMNS)) {
            let mut builder = QueryBuilder::<Sqlite>::new("INSERT INTO requests (request_id, customer, date, text, language) ");
            builder.push_values(chunk.iter().zip(chunk_keys), |mut row, (request, key)| {
                row.push_bind(request.request_id.as_deref())
                    .push_bind(*key)
                    .push_bind(format_date(request.date))
                    .push_bind(request.text.as_str())
                    .push_bind(request.language.as_deref());
            });
            builder.build().execute(&mut *self.transaction).await?;
        }
        self.summary.requests += batch.len() as u64;
        Ok(())
    }

    /// Records a workspace setting (such as the imported `bellwether.toml`) with the import.
    pub async fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Writes the purchase aggregates, records the import and makes it all visible at once.
    pub async fn commit(mut self, rejected: u64) -> Result<ImportSummary> {
        self.write_transaction_stats().await?;
        if self.transactions_were_empty {
            sqlx::query("CREATE INDEX IF NOT EXISTS transactions_customer ON transactions (customer)")
                .execute(&mut *self.transaction)
                .await?;
        }
        self.summary.rejected = rejected;
        sqlx::query(
            "INSERT INTO imports (id, started_at, finished_at, source, n_customers, n_transactions, n_requests, n_rejected) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(self.import_id)
        .bind(&self.started_at)
        .bind(now_text())
        .bind(&self.source)
        .bind((self.summary.customers_added + self.summary.customers_updated) as i64)
        .bind(self.summary.transactions as i64)
        .bind(self.summary.requests as i64)
        .bind(rejected as i64)
        .execute(&mut *self.transaction)
        .await?;
        self.transaction.commit().await?;
        Ok(self.summary)
    }

    async fn write_transaction_stats(&mut self) -> Result<()> {
        if self.transaction_stats.is_empty() {
            return Ok(());
        }
        let connection = &mut *self.transaction;
        sqlx::query(
            "CREATE TEMP TABLE import_stats (id INTEGER PRIMARY KEY, n_transactions INTEGER, n_coupon INTEGER, \
             n_discounted INTEGER, total_amount REAL, total_discount REAL, first_purchase TEXT, last_purchase TEXT)",
        )
        .execute(&mut *connection)
        .await?;
        let mut stats: Vec<(&i64, &PurchaseStats)> = self.transaction_stats.iter().collect();
        stats.sort_unstable_by_key(|(key, _)| **key);
        const COLUMNS: usize = 8;
        for chunk in stats.chunks(MAX_PARAMETERS / COLUMNS) {
            let mut builder = QueryBuilder::<Sqlite>::new(
                "INSERT INTO import_stats (id, n_transactions, n_coupon, n_discounted, total_amount, total_discount, \
                 first_purchase, last_purchase) ",
            );
            builder.push_values(chunk, |mut row, (key, stats)| {
                row.push_bind(**key)
                    .push_bind(stats.n_transactions as i64)
                    .push_bind(stats.n_coupon as i64)
                    .push_bind(stats.n_discounted as i64)
                    .push_bind(stats.total_amount)
                    .push_bind(stats.total_discount)
                    .push_bind(stats.first_date.map(format_date))
                    .push_bind(stats.last_date.map(format_date));
            });
            builder.build().execute(&mut *connection).await?;
        }
        sqlx::query(
            "UPDATE customers SET n_transactions = s.n_transactions, n_coupon = s.n_coupon, n_discounted = s.n_discounted, \
             total_amount = s.total_amount, total_discount = s.total_discount, first_purchase = s.first_purchase, \
             last_purchase = s.last_purchase FROM import_stats s WHERE customers.id = s.id",
        )
        .execute(&mut *connection)
        .await?;
        sqlx::query("DROP TABLE import_stats").execute(&mut *connection).await?;
        Ok(())
    }
}

async fn delete_by_customer(connection: &mut sqlx::SqliteConnection, table: &str, keys: &[i64]) -> Result<()> {
    for chunk in keys.chunks(MAX_PARAMETERS) {
        let mut builder = QueryBuilder::<Sqlite>::new(format!("DELETE FROM {table} WHERE customer IN ("));
        let mut separated = builder.separated(", ");
        for key in chunk {
            separated.push_bind(*key);
        }
        builder.push(")");
        builder.build().execute(&mut *connection).await?;
    }
    Ok(())
}

fn now_text() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
