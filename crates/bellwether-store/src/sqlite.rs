//! SQLite's [`WriteTransaction`]: one `rusqlite` connection holding one `BEGIN IMMEDIATE`
//! transaction, with cached prepared statements.
//!
//! Bulk loading ten million rows through an async driver's per-statement round trips is several
//! times slower (see BENCHMARKS.md), so the writers use `rusqlite` on the same bundled SQLite.

use std::path::Path;

use bellwether_core::{Customer, Request, Transaction};
use rusqlite::types::{ToSqlOutput, Value as SqliteValue, ValueRef};
use rusqlite::{params, params_from_iter, Connection, ToSql};

use crate::dates::DateBuffer;
use crate::write::{History, Purpose, StatsRow, Value, WriteMode, WriteTransaction};
use crate::{format_date, sql, Result, StoreError};

/// A write transaction on a SQLite file; dropping it without committing rolls it back.
pub(crate) struct SqliteTransaction {
    connection: Connection,
    purpose: Purpose,
    /// False once committed, so `Drop` knows not to roll back.
    open: bool,
    /// The transactions index was dropped for a bulk load, and is built again at commit.
    rebuild_transaction_index: bool,
}

impl SqliteTransaction {
    /// Opens the file at `path` and starts the transaction, waiting up to ten seconds for another
    /// writer to finish: writers take turns.
    pub(crate) fn begin(path: &Path, purpose: Purpose) -> Result<SqliteTransaction> {
        let connection = Connection::open(path)?;
        match purpose {
            Purpose::Import(mode) => {
                if mode == WriteMode::NewFile {
                    // Nobody else can see this file, and the caller deletes it unless the import
                    // commits: no journal and no fsync, so ten million rows are written once, not twice.
                    connection
                        .execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")?;
                } else {
                    connection.execute_batch("PRAGMA synchronous = NORMAL")?;
                }
                // Foreign keys are not checked by SQLite here: every row's customer key comes from
                // the customers table itself (an unknown customer is an error before any insert),
                // and the check cost a B-tree search per inserted row.
                connection.execute_batch(
                    "PRAGMA foreign_keys = OFF; PRAGMA cache_size = -262144; \
                     PRAGMA temp_store = MEMORY",
                )?;
            }
            Purpose::Edit => {}
        }
        // IMMEDIATE: what the writer reads and what it writes see the same state.
        connection.execute_batch("PRAGMA busy_timeout = 10000; BEGIN IMMEDIATE")?;
        Ok(SqliteTransaction {
            connection,
            purpose,
            open: true,
            rebuild_transaction_index: false,
        })
    }
}

impl ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Value::Integer(Some(value)) => ToSqlOutput::Owned(SqliteValue::Integer(value)),
            Value::Text(Some(text)) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Value::Date(Some(date)) => ToSqlOutput::Owned(SqliteValue::Text(format_date(date))),
            Value::Integer(None) | Value::Text(None) | Value::Date(None) => {
                ToSqlOutput::Owned(SqliteValue::Null)
            }
        })
    }
}

impl WriteTransaction for SqliteTransaction {
    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> Result<()> {
        self.connection
            .prepare_cached(sql)?
            .execute(params_from_iter(params))?;
        Ok(())
    }

    fn query_integers(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Option<Vec<i64>>> {
        let mut statement = self.connection.prepare_cached(sql)?;
        let columns = statement.column_count();
        let mut rows = statement.query(params_from_iter(params))?;
        let Some(row) = rows.next()? else {
            return Ok(None);
        };
        let values = (0..columns)
            .map(|index| row.get::<_, i64>(index))
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        Ok(Some(values))
    }

    fn for_each_customer_key(&mut self, on_key: &mut dyn FnMut(i64, &str)) -> Result<()> {
        let mut statement = self.connection.prepare(sql::CUSTOMER_KEYS)?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            on_key(row.get(0)?, row.get_ref(1)?.as_str()?);
        }
        Ok(())
    }

    fn upsert_customers(&mut self, customers: &[Customer], import_id: i64) -> Result<()> {
        let mut statement = self.connection.prepare_cached(&format!(
            "INSERT INTO customers ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) {}",
            sql::CUSTOMER_INSERT_COLUMNS,
            sql::ON_CUSTOMER_CONFLICT
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
                import_id,
            ])?;
        }
        Ok(())
    }

    fn delete_history(&mut self, table: History, customers: &[i64]) -> Result<()> {
        let mut delete = self.connection.prepare_cached(&format!(
            "DELETE FROM {} WHERE customer = ?1",
            table.table()
        ))?;
        for key in customers {
            delete.execute([key])?;
        }
        Ok(())
    }

    fn insert_transactions(&mut self, batch: &[Transaction], customers: &[i64]) -> Result<()> {
        // Many rows per statement: one statement per row spent most of its time in SQLite's
        // per-statement work rather than in inserting.
        let mut date_buffer = DateBuffer::default();
        let mut chunks = batch.chunks_exact(ROWS_PER_INSERT);
        let mut key_chunks = customers.chunks_exact(ROWS_PER_INSERT);
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
        Ok(())
    }

    fn insert_requests(&mut self, batch: &[Request], customers: &[i64]) -> Result<()> {
        let mut insert = self.connection.prepare_cached(
            "INSERT INTO requests (request_id, customer, date, text, language) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (request, key) in batch.iter().zip(customers) {
            insert.execute(params![
                request.request_id,
                key,
                format_date(request.date),
                request.text,
                request.language
            ])?;
        }
        Ok(())
    }

    fn write_purchase_stats(&mut self, rows: &[StatsRow<'_>]) -> Result<()> {
        // Keys ascend, so a fresh table is filled by appending.
        let mut statement = self.connection.prepare_cached(&format!(
            "INSERT OR REPLACE INTO customer_stats ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            sql::STATS_INSERT_COLUMNS
        ))?;
        let mut first = DateBuffer::default();
        let mut last = DateBuffer::default();
        for &(key, stats, first_date, last_date) in rows {
            statement.execute(params![
                key,
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

    fn transactions_start_empty(&mut self) -> Result<()> {
        if let Purpose::Import(_) = self.purpose {
            // Building the index once after a bulk load is much cheaper than maintaining it row by row.
            self.connection
                .execute_batch("DROP INDEX IF EXISTS transactions_customer")?;
            self.rebuild_transaction_index = true;
        }
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        if self.rebuild_transaction_index {
            self.connection.execute_batch(
                "CREATE INDEX IF NOT EXISTS transactions_customer ON transactions (customer)",
            )?;
        }
        self.connection.execute_batch("COMMIT")?;
        self.open = false;
        if let Purpose::Import(_) = self.purpose {
            // Readers and later imports expect the write-ahead log (a no-op when it is already on).
            self.connection.execute_batch("PRAGMA journal_mode = WAL")?;
        }
        Ok(())
    }
}

impl Drop for SqliteTransaction {
    fn drop(&mut self) {
        if self.open {
            // Nothing of an unfinished transaction may survive; an error here leaves SQLite to
            // roll back on close.
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}

/// Rows per multi-row `INSERT` of transactions (6 parameters each, far below SQLite's limit).
const ROWS_PER_INSERT: usize = 64;

/// `INSERT INTO transactions … VALUES (?, …), …` for `rows` rows.
fn insert_transactions_sql(rows: usize) -> String {
    let values = vec!["(?, ?, ?, ?, ?, ?)"; rows].join(", ");
    format!(
        "INSERT INTO transactions ({}) VALUES {values}",
        sql::TRANSACTION_INSERT_COLUMNS
    )
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
