//! What the writers need of a database: one open write transaction, [`WriteTransaction`].
//!
//! The import writer (`import.rs`) and the collaboration edits (`collaborations.rs`) are written
//! once, over this trait; `sqlite.rs` and `postgres.rs` implement it with what truly differs:
//! how a transaction starts (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's table lock), how a value is
//! bound (dates are ISO text in SQLite, `DATE` in PostgreSQL), and the bulk writes (SQLite's
//! prepared multi-row inserts, PostgreSQL's `COPY` and `unnest` arrays).
//! Everything else runs the SQL text of `sql.rs` on both.
//!
//! The trait is synchronous: its SQLite side is a `rusqlite` connection, and its PostgreSQL side
//! blocks on the tokio runtime for each call. Callers run it on a blocking thread.

use bellwether_core::{Customer, PurchaseStats, Request, Transaction};
use chrono::NaiveDate;

use crate::{Result, StoreError};

/// How an import writes its database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// A database others may be reading: write-ahead log, durable commit.
    Shared,
    /// A new file that nobody else opens until the import has committed (and the caller renames
    /// it into place): no journal, no fsync. A failed import must delete the file.
    NewFile,
}

/// What a write transaction is for, which sets how it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// An import (`ImportWriter`): imports take turns.
    Import(WriteMode),
    /// A collaboration edit (`Store::add_to_collaboration`): edits take turns.
    Edit,
}

/// A parameter of a statement of `sql.rs`, typed so that a null binds as its column's type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'a> {
    Integer(Option<i64>),
    Text(Option<&'a str>),
    Date(Option<NaiveDate>),
}

impl From<i64> for Value<'_> {
    fn from(value: i64) -> Self {
        Value::Integer(Some(value))
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(value: Option<i64>) -> Self {
        Value::Integer(value)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(value: &'a str) -> Self {
        Value::Text(Some(value))
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Value::Text(value)
    }
}

impl From<Option<NaiveDate>> for Value<'_> {
    fn from(value: Option<NaiveDate>) -> Self {
        Value::Date(value)
    }
}

/// The tables whose rows an import replaces customer by customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum History {
    Transactions,
    Requests,
}

impl History {
    pub(crate) fn table(self) -> &'static str {
        match self {
            History::Transactions => "transactions",
            History::Requests => "requests",
        }
    }
}

/// One purchase-aggregate row: customer key, aggregates, first and last purchase.
pub(crate) type StatsRow<'a> = (i64, &'a PurchaseStats, NaiveDate, NaiveDate);

/// One open write transaction; dropping it without [`WriteTransaction::commit`] rolls it back.
pub(crate) trait WriteTransaction: Send {
    /// Runs one statement (of `sql.rs`) with `params` bound by position.
    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> Result<()>;

    /// The first row of a query whose columns are integers or booleans (read as 0 or 1), or
    /// `None` when it has no row.
    fn query_integers(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Option<Vec<i64>>>;

    /// Calls `on_key(id, customer_id)` for every stored customer ([`crate::sql::CUSTOMER_KEYS`]).
    fn for_each_customer_key(&mut self, on_key: &mut dyn FnMut(i64, &str)) -> Result<()>;

    /// Upserts `customers` by `customer_id` ([`crate::sql::ON_CUSTOMER_CONFLICT`]), in order, so
    /// that a customer listed twice ends with its last values.
    fn upsert_customers(&mut self, customers: &[Customer], import_id: i64) -> Result<()>;

    /// Deletes the rows of `table` of the customers with keys `customers`.
    fn delete_history(&mut self, table: History, customers: &[i64]) -> Result<()>;

    /// Inserts `batch`, the transaction at `i` belonging to the customer with key `customers[i]`.
    fn insert_transactions(&mut self, batch: &[Transaction], customers: &[i64]) -> Result<()>;

    /// Inserts `batch`, the request at `i` belonging to the customer with key `customers[i]`.
    fn insert_requests(&mut self, batch: &[Request], customers: &[i64]) -> Result<()>;

    /// Inserts or replaces the `customer_stats` rows of `rows`, whose keys ascend.
    fn write_purchase_stats(&mut self, rows: &[StatsRow<'_>]) -> Result<()>;

    /// Told that the transaction table is empty before the import: a backend may drop its index
    /// and build it again at commit, which is cheaper than maintaining it row by row.
    fn transactions_start_empty(&mut self) -> Result<()> {
        Ok(())
    }

    /// Makes everything written visible at once.
    fn commit(self: Box<Self>) -> Result<()>;

    /// The first column of [`WriteTransaction::query_integers`].
    fn query_integer(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Option<i64>> {
        Ok(self
            .query_integers(sql, params)?
            .and_then(|row| row.first().copied()))
    }
}

/// The count that `sql` returns (a `count(*)`, which always has a row).
pub(crate) fn count(
    transaction: &mut dyn WriteTransaction,
    sql: &str,
    params: &[Value<'_>],
) -> Result<i64> {
    transaction
        .query_integer(sql, params)?
        .ok_or_else(|| StoreError::Corrupt(format!("no count from {sql}")))
}
