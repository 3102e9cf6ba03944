//! PostgreSQL's own paths through sqlx: its [`WriteTransaction`], and the bulk reads.
//!
//! The write transaction is synchronous like SQLite's, for the same callers: it keeps the tokio
//! runtime's handle and runs each call to completion on it, inside one database transaction that
//! starts at the first call.
//! Transactions arrive by `COPY … FROM STDIN` (text format), customers, requests and purchase
//! aggregates by one `INSERT … SELECT FROM unnest(arrays)` per few thousand rows, so a batch
//! costs a handful of round trips whatever its size.

use std::fmt::Write as _;

use bellwether_core::{Customer, CustomerRecord, Request, Transaction};
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use rustc_hash::FxHashMap;
use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgRow, Postgres};
use sqlx::query::Query;
use sqlx::{Row, TypeInfo, ValueRef};
use tokio::runtime::Handle;

use crate::dates::DateBuffer;
use crate::sql::{self, CUSTOMER_COLUMNS};
use crate::write::{History, Purpose, StatsRow, Value, WriteTransaction};
use crate::{customer_record_from_row, PurchaseHistories, Result, StoreError};

/// Rows per `INSERT … unnest` statement.
const ROWS_PER_STATEMENT: usize = 5_000;

/// A write transaction on PostgreSQL; dropping it without committing rolls it back.
pub(crate) struct PostgresTransaction {
    handle: Handle,
    pool: PgPool,
    purpose: Purpose,
    /// The open database transaction, from the first call on.
    transaction: Option<sqlx::Transaction<'static, Postgres>>,
}

impl PostgresTransaction {
    /// A transaction on `pool`, not started yet; it must be created inside a tokio runtime, whose
    /// handle it keeps.
    pub(crate) fn new(pool: PgPool, purpose: Purpose) -> Result<PostgresTransaction> {
        Ok(PostgresTransaction {
            handle: Handle::try_current()?,
            pool,
            purpose,
            transaction: None,
        })
    }

    /// Runs `work` on the open transaction to completion, starting the transaction first if
    /// needed, from a blocking thread (or a multi-threaded runtime's worker, which
    /// `block_in_place` hands over first).
    fn run<T>(&mut self, work: impl AsyncFnOnce(&mut PgConnection) -> Result<T>) -> Result<T> {
        let handle = self.handle.clone();
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                let connection = self.connection().await?;
                work(connection).await
            })
        })
    }

    /// The open transaction's connection, beginning the transaction at the first call.
    async fn connection(&mut self) -> Result<&mut PgConnection> {
        if self.transaction.is_none() {
            let mut transaction = self.pool.begin().await?;
            // Writers of the same kind take turns, as SQLite's `BEGIN IMMEDIATE` makes them: an
            // import reads the next import id and which tables are empty, an edit whether its
            // collaboration exists. Readers are not blocked.
            let lock = match self.purpose {
                Purpose::Import(_) => "LOCK TABLE imports IN SHARE ROW EXCLUSIVE MODE",
                Purpose::Edit => "LOCK TABLE collaborations IN SHARE ROW EXCLUSIVE MODE",
            };
            sqlx::query(lock).execute(&mut *transaction).await?;
            self.transaction = Some(transaction);
        }
        match self.transaction.as_mut() {
            Some(transaction) => Ok(&mut **transaction),
            None => Err(StoreError::Corrupt("the transaction is not open".into())),
        }
    }
}

impl Drop for PostgresTransaction {
    fn drop(&mut self) {
        // Dropping an open sqlx transaction queues its rollback and hands the connection back to
        // the pool, which spawns a task: that needs the runtime's context on this thread.
        let _context = self.handle.enter();
        self.transaction = None;
    }
}

/// `query` with `params` bound in order.
fn bind<'q>(
    mut query: Query<'q, Postgres, PgArguments>,
    params: &[Value<'q>],
) -> Query<'q, Postgres, PgArguments> {
    for value in params {
        query = match *value {
            Value::Integer(value) => query.bind(value),
            Value::Text(value) => query.bind(value),
            Value::Date(value) => query.bind(value),
        };
    }
    query
}

/// Column `index` of `row` as an integer: `BIGINT`, `INTEGER` or a boolean as 0 or 1.
fn integer_column(row: &PgRow, index: usize) -> Result<i64> {
    let type_name = row.try_get_raw(index)?.type_info().name().to_string();
    Ok(match type_name.as_str() {
        "BOOL" => i64::from(row.try_get::<bool, _>(index)?),
        "INT4" => i64::from(row.try_get::<i32, _>(index)?),
        "INT2" => i64::from(row.try_get::<i16, _>(index)?),
        _ => row.try_get::<i64, _>(index)?,
    })
}

impl WriteTransaction for PostgresTransaction {
    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> Result<()> {
        self.run(async |connection| {
            bind(sqlx::query(sql), params).execute(connection).await?;
            Ok(())
        })
    }

    fn query_integers(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Option<Vec<i64>>> {
        self.run(async |connection| {
            let row = bind(sqlx::query(sql), params)
                .fetch_optional(connection)
                .await?;
            row.map(|row| {
                (0..row.len())
                    .map(|index| integer_column(&row, index))
                    .collect::<Result<Vec<i64>>>()
            })
            .transpose()
        })
    }

    fn for_each_customer_key(&mut self, on_key: &mut dyn FnMut(i64, &str)) -> Result<()> {
        self.run(async |connection| {
            let mut rows = sqlx::query(sql::CUSTOMER_KEYS).fetch(connection);
            while let Some(row) = rows.try_next().await? {
                on_key(row.try_get(0)?, row.try_get(1)?);
            }
            Ok(())
        })
    }

    fn upsert_customers(&mut self, customers: &[Customer], import_id: i64) -> Result<()> {
        // One statement may not update a row twice, so a customer listed twice is written once,
        // with its last values, at the place of its first row (as SQLite's row-by-row upsert ends).
        let mut first_index: FxHashMap<&str, usize> = FxHashMap::default();
        let mut unique: Vec<&Customer> = Vec::with_capacity(customers.len());
        for customer in customers {
            match first_index.get(customer.customer_id.as_str()) {
                Some(&index) => unique[index] = customer,
                None => {
                    first_index.insert(&customer.customer_id, unique.len());
                    unique.push(customer);
                }
            }
        }
        let sql = format!(
            "INSERT INTO customers ({}) \
             SELECT customer_id, name, industry, country, employees, annual_revenue, created_at, domain, \
             attributes, $10 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], \
             $5::float8[], $6::float8[], $7::date[], $8::text[], $9::text[]) WITH ORDINALITY \
             AS u (customer_id, name, industry, country, employees, annual_revenue, created_at, domain, \
             attributes, ordinal) ORDER BY ordinal {}",
            sql::CUSTOMER_INSERT_COLUMNS,
            sql::ON_CUSTOMER_CONFLICT
        );
        self.run(async |connection| {
            for chunk in unique.chunks(ROWS_PER_STATEMENT) {
                let attributes = chunk
                    .iter()
                    .map(|customer| {
                        serde_json::to_string(&customer.attributes)
                            .map_err(|error| StoreError::Corrupt(error.to_string()))
                    })
                    .collect::<Result<Vec<String>>>()?;
                let column = |field: fn(&Customer) -> Option<&str>| -> Vec<Option<&str>> {
                    chunk.iter().map(|customer| field(customer)).collect()
                };
                sqlx::query(&sql)
                    .bind(
                        chunk
                            .iter()
                            .map(|customer| customer.customer_id.as_str())
                            .collect::<Vec<&str>>(),
                    )
                    .bind(column(|customer| customer.name.as_deref()))
                    .bind(column(|customer| customer.industry.as_deref()))
                    .bind(column(|customer| customer.country.as_deref()))
                    .bind(
                        chunk
                            .iter()
                            .map(|customer| customer.employees)
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        chunk
                            .iter()
                            .map(|customer| customer.annual_revenue)
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        chunk
                            .iter()
                            .map(|customer| customer.created_at)
                            .collect::<Vec<Option<NaiveDate>>>(),
                    )
                    .bind(column(|customer| customer.domain.as_deref()))
                    .bind(attributes)
                    .bind(import_id)
                    .execute(&mut *connection)
                    .await?;
            }
            Ok(())
        })
    }

    fn delete_history(&mut self, table: History, customers: &[i64]) -> Result<()> {
        let sql = format!("DELETE FROM {} WHERE customer = ANY($1)", table.table());
        self.run(async |connection| {
            sqlx::query(&sql)
                .bind(customers)
                .execute(connection)
                .await?;
            Ok(())
        })
    }

    fn insert_transactions(&mut self, batch: &[Transaction], customers: &[i64]) -> Result<()> {
        let mut text = String::with_capacity(batch.len() * 48);
        let mut date_buffer = DateBuffer::default();
        for (transaction, key) in batch.iter().zip(customers) {
            // Writing to a String cannot fail.
            let _ = write!(
                text,
                "{key}\t{}\t{}\t",
                date_buffer.format(transaction.date),
                transaction.amount
            );
            match transaction.discount {
                Some(discount) => {
                    let _ = write!(text, "{discount}");
                }
                None => text.push_str("\\N"),
            }
            text.push('\t');
            push_copy_text(&mut text, transaction.coupon.as_deref());
            text.push('\t');
            push_copy_text(&mut text, transaction.currency.as_deref());
            text.push('\n');
        }
        let statement = format!(
            "COPY transactions ({}) FROM STDIN",
            sql::TRANSACTION_INSERT_COLUMNS
        );
        self.run(async |connection| {
            let mut copy = connection.copy_in_raw(&statement).await?;
            if let Err(error) = copy.send(text.into_bytes()).await {
                let _ = copy.abort("the import failed").await;
                return Err(error.into());
            }
            copy.finish().await?;
            Ok(())
        })
    }

    fn insert_requests(&mut self, batch: &[Request], customers: &[i64]) -> Result<()> {
        self.run(async |connection| {
            for (chunk, chunk_keys) in batch
                .chunks(ROWS_PER_STATEMENT)
                .zip(customers.chunks(ROWS_PER_STATEMENT))
            {
                sqlx::query(
                    "INSERT INTO requests (request_id, customer, date, text, language) \
                     SELECT request_id, customer, date, text, language \
                     FROM unnest($1::text[], $2::int8[], $3::date[], $4::text[], $5::text[]) WITH ORDINALITY \
                     AS u (request_id, customer, date, text, language, ordinal) ORDER BY ordinal",
                )
                .bind(
                    chunk
                        .iter()
                        .map(|request| request.request_id.as_deref())
                        .collect::<Vec<_>>(),
                )
                .bind(chunk_keys)
                .bind(chunk.iter().map(|request| request.date).collect::<Vec<_>>())
                .bind(
                    chunk
                        .iter()
                        .map(|request| request.text.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind(
                    chunk
                        .iter()
                        .map(|request| request.language.as_deref())
                        .collect::<Vec<_>>(),
                )
                .execute(&mut *connection)
                .await?;
            }
            Ok(())
        })
    }

    fn write_purchase_stats(&mut self, rows: &[StatsRow<'_>]) -> Result<()> {
        let sql = format!(
            "INSERT INTO customer_stats ({}) \
             SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::float8[], \
             $6::float8[], $7::date[], $8::date[]) \
             ON CONFLICT (customer) DO UPDATE SET n_transactions = excluded.n_transactions, \
             n_coupon = excluded.n_coupon, n_discounted = excluded.n_discounted, \
             total_amount = excluded.total_amount, total_discount = excluded.total_discount, \
             first_purchase = excluded.first_purchase, last_purchase = excluded.last_purchase",
            sql::STATS_INSERT_COLUMNS
        );
        self.run(async |connection| {
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let counts = |count: fn(&bellwether_core::PurchaseStats) -> u64| -> Vec<i64> {
                    chunk.iter().map(|row| count(row.1) as i64).collect()
                };
                sqlx::query(&sql)
                    .bind(chunk.iter().map(|row| row.0).collect::<Vec<_>>())
                    .bind(counts(|stats| stats.n_transactions))
                    .bind(counts(|stats| stats.n_coupon))
                    .bind(counts(|stats| stats.n_discounted))
                    .bind(
                        chunk
                            .iter()
                            .map(|row| row.1.total_amount)
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        chunk
                            .iter()
                            .map(|row| row.1.total_discount)
                            .collect::<Vec<_>>(),
                    )
                    .bind(chunk.iter().map(|row| row.2).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|row| row.3).collect::<Vec<_>>())
                    .execute(&mut *connection)
                    .await?;
            }
            Ok(())
        })
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        // An edit that wrote nothing still starts (and ends) its transaction.
        self.run(async |_| Ok(()))?;
        let Some(transaction) = self.transaction.take() else {
            return Err(StoreError::Corrupt("the transaction is not open".into()));
        };
        let handle = self.handle.clone();
        tokio::task::block_in_place(|| handle.block_on(transaction.commit()))?;
        Ok(())
    }
}

/// Appends `value` to a `COPY` text row: `\N` for null, else the text with backslash, tab,
/// newline and carriage return escaped.
fn push_copy_text(row: &mut String, value: Option<&str>) {
    let Some(value) = value else {
        row.push_str("\\N");
        return;
    };
    for character in value.chars() {
        match character {
            '\\' => row.push_str("\\\\"),
            '\t' => row.push_str("\\t"),
            '\n' => row.push_str("\\n"),
            '\r' => row.push_str("\\r"),
            other => row.push(other),
        }
    }
}

/// Every customer record, in `id` order.
pub(crate) async fn customer_records(pool: &PgPool) -> Result<Vec<CustomerRecord>> {
    let sql = format!(
        "SELECT {CUSTOMER_COLUMNS} FROM customers c LEFT JOIN customer_stats s ON s.customer = c.id \
         ORDER BY c.id"
    );
    let mut rows = sqlx::query(&sql).fetch(pool);
    let mut records = Vec::new();
    while let Some(row) = rows.try_next().await? {
        records.push(customer_record_from_row(&row)?);
    }
    Ok(records)
}

/// Every customer's purchases as `(day, amount)`, in the order of [`customer_records`].
pub(crate) async fn purchase_histories(pool: &PgPool) -> Result<PurchaseHistories> {
    let mut customer_ids = Vec::new();
    let mut position: FxHashMap<i64, usize> = FxHashMap::default();
    let mut rows = sqlx::query("SELECT id, customer_id FROM customers ORDER BY id").fetch(pool);
    while let Some(row) = rows.try_next().await? {
        position.insert(row.try_get(0)?, customer_ids.len());
        customer_ids.push(row.try_get(1)?);
    }
    drop(rows);
    let mut histories: Vec<Vec<(i32, f64)>> = vec![Vec::new(); customer_ids.len()];
    // Subtracting dates gives days as an integer.
    let mut rows =
        sqlx::query("SELECT customer, date - DATE '1970-01-01', amount FROM transactions")
            .fetch(pool);
    while let Some(row) = rows.try_next().await? {
        let customer: i64 = row.try_get(0)?;
        let index = *position.get(&customer).ok_or_else(|| {
            StoreError::Corrupt(format!("a transaction refers to no customer ({customer})"))
        })?;
        histories[index].push((row.try_get(1)?, row.try_get(2)?));
    }
    Ok(PurchaseHistories {
        customer_ids,
        histories,
    })
}
