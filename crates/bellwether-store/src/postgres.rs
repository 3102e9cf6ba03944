//! PostgreSQL's own paths: the import writer, bulk reads, and collaboration writes through sqlx.
//!
//! The import writer is synchronous like SQLite's, for the same callers: it keeps the tokio
//! runtime's handle and runs each batch to completion on it, inside one database transaction.
//! Transactions arrive by `COPY … FROM STDIN` (text format), customers, requests and purchase
//! aggregates by one `INSERT … SELECT FROM unnest(arrays)` per few thousand rows, so a batch
//! costs a handful of round trips whatever its size.

use std::fmt::Write as _;

use bellwether_core::{
    Collaboration, CollaborationPartner, Customer, CustomerRecord, PurchaseStats, Request,
    Requirement, Transaction,
};
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use rustc_hash::{FxHashMap, FxHashSet};
use sqlx::postgres::{PgConnection, PgPool, Postgres};
use sqlx::Row;
use tokio::runtime::Handle;

use crate::collaborations::{
    edit_detail, partners_of, EditOutcome, ADD_PARTNER, ADD_REQUIREMENT, AUDIT_EDIT,
    COLLABORATION_EXISTS, CUSTOMER_KEY, DELETE_PARTNERS, DELETE_REQUIREMENTS, UPSERT_HEAD,
};
use crate::dates::DateBuffer;
use crate::import::{
    now_text, ImportSummary, CUSTOMER_KEYS, INSERT_IMPORT, NEXT_IMPORT, ON_CUSTOMER_CONFLICT,
    SET_SETTING,
};
use crate::{customer_record_from_row, PurchaseHistories, Result, StoreError, CUSTOMER_COLUMNS};

/// Rows per `INSERT … unnest` statement.
const ROWS_PER_STATEMENT: usize = 5_000;

/// An import into PostgreSQL; dropping it without committing rolls everything back.
pub(crate) struct PostgresImportWriter {
    handle: Handle,
    pool: PgPool,
    source: String,
    started_at: String,
    /// The open database transaction, from the first write on.
    open: Option<OpenImport>,
    /// Who the audit log names for this import (`None`: the command line).
    user_id: Option<i64>,
}

struct OpenImport {
    transaction: sqlx::Transaction<'static, Postgres>,
    import_id: i64,
    transactions_were_empty: bool,
    requests_were_empty: bool,
    /// `customer_id` to surrogate key, loaded after the customers are written.
    customer_keys: Option<FxHashMap<String, i64>>,
    /// Aggregates of this import's transactions by customer key (keys have gaps in PostgreSQL).
    transaction_stats: FxHashMap<i64, PurchaseStats>,
    request_customers: FxHashSet<i64>,
    summary: ImportSummary,
}

impl PostgresImportWriter {
    /// A writer on `pool`; it must be created inside a tokio runtime, whose handle it keeps.
    pub(crate) fn new(pool: PgPool, source: &str) -> Result<PostgresImportWriter> {
        Ok(PostgresImportWriter {
            handle: Handle::try_current()?,
            pool,
            source: source.to_string(),
            started_at: now_text(),
            open: None,
            user_id: None,
        })
    }

    pub(crate) fn on_behalf_of(&mut self, user_id: Option<i64>) {
        self.user_id = user_id;
    }

    /// Runs `future` to completion on the runtime, from a blocking thread (or a multi-threaded
    /// runtime's worker, which `block_in_place` hands over first).
    fn block<T>(handle: &Handle, future: impl std::future::Future<Output = T>) -> T {
        tokio::task::block_in_place(|| handle.block_on(future))
    }

    pub(crate) fn upsert_customers(&mut self, customers: &[Customer]) -> Result<()> {
        let handle = self.handle.clone();
        Self::block(&handle, async {
            let import = self.begin().await?;
            import.upsert_customers(customers).await
        })
    }

    pub(crate) fn insert_transactions(&mut self, batch: &[Transaction]) -> Result<()> {
        let handle = self.handle.clone();
        Self::block(&handle, async {
            let import = self.begin().await?;
            import.insert_transactions(batch).await
        })
    }

    pub(crate) fn insert_requests(&mut self, batch: &[Request]) -> Result<()> {
        let handle = self.handle.clone();
        Self::block(&handle, async {
            let import = self.begin().await?;
            import.insert_requests(batch).await
        })
    }

    pub(crate) fn replace_collaborations(
        &mut self,
        partners: &[CollaborationPartner],
        requirements: &[Requirement],
    ) -> Result<()> {
        let handle = self.handle.clone();
        Self::block(&handle, async {
            let import = self.begin().await?;
            let connection = &mut *import.transaction;
            let mut replaced_partners = FxHashSet::default();
            for partner in partners {
                upsert_head(
                    connection,
                    &partner.collaboration_id,
                    partner.name.as_deref(),
                    partner.started,
                )
                .await?;
                if replaced_partners.insert(partner.collaboration_id.as_str()) {
                    sqlx::query(DELETE_PARTNERS)
                        .bind(&partner.collaboration_id)
                        .execute(&mut *connection)
                        .await?;
                }
            }
            add_partners(connection, partners).await?;
            let mut replaced_requirements = FxHashSet::default();
            for requirement in requirements {
                if replaced_requirements.insert(requirement.collaboration_id.as_str()) {
                    sqlx::query(DELETE_REQUIREMENTS)
                        .bind(&requirement.collaboration_id)
                        .execute(&mut *connection)
                        .await?;
                }
            }
            add_requirements(connection, requirements).await?;
            import.summary.collaborations += replaced_partners.len() as u64;
            import.summary.requirements += requirements.len() as u64;
            Ok(())
        })
    }

    pub(crate) fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        let handle = self.handle.clone();
        Self::block(&handle, async {
            let import = self.begin().await?;
            sqlx::query(SET_SETTING)
                .bind(key)
                .bind(value)
                .execute(&mut *import.transaction)
                .await?;
            Ok(())
        })
    }

    pub(crate) fn commit(mut self, rejected: u64) -> Result<ImportSummary> {
        let handle = self.handle.clone();
        Self::block(&handle, async {
            self.begin().await?;
            let Some(mut import) = self.open.take() else {
                return Err(StoreError::Corrupt("the import is not open".into()));
            };
            import.write_transaction_stats().await?;
            import.summary.rejected = rejected;
            let summary = import.summary;
            sqlx::query(INSERT_IMPORT)
                .bind(import.import_id)
                .bind(&self.started_at)
                .bind(now_text())
                .bind(&self.source)
                .bind((summary.customers_added + summary.customers_updated) as i64)
                .bind(summary.transactions as i64)
                .bind(summary.requests as i64)
                .bind(rejected as i64)
                .execute(&mut *import.transaction)
                .await?;
            // The audit entry commits with the import, so the log never misses one.
            sqlx::query(
                "INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, 'import', $3)",
            )
            .bind(crate::accounts::now())
            .bind(self.user_id)
            .bind(summary.describe())
            .execute(&mut *import.transaction)
            .await?;
            import.transaction.commit().await?;
            Ok(summary)
        })
    }

    /// The open import, beginning its database transaction at the first write.
    async fn begin(&mut self) -> Result<&mut OpenImport> {
        if self.open.is_none() {
            let mut transaction = self.pool.begin().await?;
            // Imports take turns, as SQLite's `BEGIN IMMEDIATE` makes them: each reads the next
            // import id and which tables are empty. Readers are not blocked.
            sqlx::query("LOCK TABLE imports IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *transaction)
                .await?;
            let (import_id, transactions_were_empty, requests_were_empty): (i64, bool, bool) =
                sqlx::query_as(NEXT_IMPORT)
                    .fetch_one(&mut *transaction)
                    .await?;
            self.open = Some(OpenImport {
                transaction,
                import_id,
                transactions_were_empty,
                requests_were_empty,
                customer_keys: None,
                transaction_stats: FxHashMap::default(),
                request_customers: FxHashSet::default(),
                summary: ImportSummary {
                    import_id,
                    ..ImportSummary::default()
                },
            });
        }
        self.open
            .as_mut()
            .ok_or_else(|| StoreError::Corrupt("the import is not open".into()))
    }
}

impl Drop for PostgresImportWriter {
    fn drop(&mut self) {
        // Dropping an open sqlx transaction queues its rollback and hands the connection back to
        // the pool, which spawns a task: that needs the runtime's context on this thread.
        let _context = self.handle.enter();
        self.open = None;
    }
}

impl OpenImport {
    async fn upsert_customers(&mut self, customers: &[Customer]) -> Result<()> {
        let connection = &mut *self.transaction;
        let before: i64 = sqlx::query_scalar("SELECT count(*) FROM customers")
            .fetch_one(&mut *connection)
            .await?;
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
            "INSERT INTO customers (customer_id, name, industry, country, employees, annual_revenue, \
             created_at, domain, attributes, import_id) \
             SELECT customer_id, name, industry, country, employees, annual_revenue, created_at, domain, \
             attributes, $10 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], \
             $5::float8[], $6::float8[], $7::date[], $8::text[], $9::text[]) WITH ORDINALITY \
             AS u (customer_id, name, industry, country, employees, annual_revenue, created_at, domain, \
             attributes, ordinal) ORDER BY ordinal {ON_CUSTOMER_CONFLICT}"
        );
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
                .bind(self.import_id)
                .execute(&mut *connection)
                .await?;
        }
        let after: i64 = sqlx::query_scalar("SELECT count(*) FROM customers")
            .fetch_one(&mut *connection)
            .await?;
        let added = (after - before).max(0) as u64;
        self.summary.customers_added += added;
        self.summary.customers_updated += customers.len() as u64 - added;
        self.customer_keys = None;
        Ok(())
    }

    async fn customer_keys(&mut self) -> Result<&FxHashMap<String, i64>> {
        if self.customer_keys.is_none() {
            let mut keys = FxHashMap::default();
            let mut rows = sqlx::query(CUSTOMER_KEYS).fetch(&mut *self.transaction);
            while let Some(row) = rows.try_next().await? {
                keys.insert(row.try_get::<String, _>(1)?, row.try_get::<i64, _>(0)?);
            }
            drop(rows);
            self.customer_keys = Some(keys);
        }
        self.customer_keys
            .as_ref()
            .ok_or_else(|| StoreError::Corrupt("customer keys not loaded".into()))
    }

    async fn insert_transactions(&mut self, batch: &[Transaction]) -> Result<()> {
        self.customer_keys().await?;
        let keys = self
            .customer_keys
            .as_ref()
            .ok_or_else(|| StoreError::Corrupt("customer keys not loaded".into()))?;
        let mut first_seen = Vec::new();
        let mut text = String::with_capacity(batch.len() * 48);
        let mut date_buffer = DateBuffer::default();
        for transaction in batch {
            let key = *keys
                .get(&transaction.customer_id)
                .ok_or_else(|| StoreError::UnknownCustomer(transaction.customer_id.clone()))?;
            self.transaction_stats
                .entry(key)
                .or_insert_with(|| {
                    first_seen.push(key);
                    PurchaseStats::default()
                })
                .add(transaction);
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
        let connection = &mut *self.transaction;
        if !self.transactions_were_empty && !first_seen.is_empty() {
            // The import holds the complete history of the customers it mentions.
            sqlx::query("DELETE FROM transactions WHERE customer = ANY($1)")
                .bind(&first_seen)
                .execute(&mut *connection)
                .await?;
        }
        let mut copy = connection
            .copy_in_raw(
                "COPY transactions (customer, date, amount, discount, coupon, currency) FROM STDIN",
            )
            .await?;
        if let Err(error) = copy.send(text.into_bytes()).await {
            let _ = copy.abort("the import failed").await;
            return Err(error.into());
        }
        copy.finish().await?;
        self.summary.transactions += batch.len() as u64;
        Ok(())
    }

    async fn insert_requests(&mut self, batch: &[Request]) -> Result<()> {
        self.customer_keys().await?;
        let keys = self
            .customer_keys
            .as_ref()
            .ok_or_else(|| StoreError::Corrupt("customer keys not loaded".into()))?;
        let mut request_keys = Vec::with_capacity(batch.len());
        let mut first_seen = Vec::new();
        for request in batch {
            let key = *keys
                .get(&request.customer_id)
                .ok_or_else(|| StoreError::UnknownCustomer(request.customer_id.clone()))?;
            if self.request_customers.insert(key) {
                first_seen.push(key);
            }
            request_keys.push(key);
        }
        let connection = &mut *self.transaction;
        if !self.requests_were_empty && !first_seen.is_empty() {
            sqlx::query("DELETE FROM requests WHERE customer = ANY($1)")
                .bind(&first_seen)
                .execute(&mut *connection)
                .await?;
        }
        for (chunk, chunk_keys) in batch
            .chunks(ROWS_PER_STATEMENT)
            .zip(request_keys.chunks(ROWS_PER_STATEMENT))
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
        self.summary.requests += batch.len() as u64;
        Ok(())
    }

    async fn write_transaction_stats(&mut self) -> Result<()> {
        let stats: Vec<(i64, &PurchaseStats, NaiveDate, NaiveDate)> = self
            .transaction_stats
            .iter()
            .filter_map(|(&key, stats)| Some((key, stats, stats.first_date?, stats.last_date?)))
            .collect();
        for chunk in stats.chunks(ROWS_PER_STATEMENT) {
            let counts = |count: fn(&PurchaseStats) -> u64| -> Vec<i64> {
                chunk.iter().map(|row| count(row.1) as i64).collect()
            };
            sqlx::query(
                "INSERT INTO customer_stats (customer, n_transactions, n_coupon, n_discounted, \
                 total_amount, total_discount, first_purchase, last_purchase) \
                 SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::float8[], \
                 $6::float8[], $7::date[], $8::date[]) \
                 ON CONFLICT (customer) DO UPDATE SET n_transactions = excluded.n_transactions, \
                 n_coupon = excluded.n_coupon, n_discounted = excluded.n_discounted, \
                 total_amount = excluded.total_amount, total_discount = excluded.total_discount, \
                 first_purchase = excluded.first_purchase, last_purchase = excluded.last_purchase",
            )
            .bind(chunk.iter().map(|row| row.0).collect::<Vec<_>>())
            .bind(counts(|stats| stats.n_transactions))
            .bind(counts(|stats| stats.n_coupon))
            .bind(counts(|stats| stats.n_discounted))
            .bind(chunk.iter().map(|row| row.1.total_amount).collect::<Vec<_>>())
            .bind(
                chunk
                    .iter()
                    .map(|row| row.1.total_discount)
                    .collect::<Vec<_>>(),
            )
            .bind(chunk.iter().map(|row| row.2).collect::<Vec<_>>())
            .bind(chunk.iter().map(|row| row.3).collect::<Vec<_>>())
            .execute(&mut *self.transaction)
            .await?;
        }
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

/// [`crate::Store::add_to_collaboration`] on PostgreSQL: one database transaction.
pub(crate) async fn add_to_collaboration(
    pool: &PgPool,
    addition: &Collaboration,
    user_id: Option<i64>,
) -> Result<EditOutcome> {
    let mut transaction = pool.begin().await?;
    // Two editors creating the same collaboration at once: the second waits here, then sees it.
    sqlx::query("LOCK TABLE collaborations IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *transaction)
        .await?;
    let exists: Option<i32> = sqlx::query_scalar(COLLABORATION_EXISTS)
        .bind(&addition.collaboration_id)
        .fetch_optional(&mut *transaction)
        .await?;
    let outcome = if exists.is_some() {
        EditOutcome::Updated
    } else {
        EditOutcome::Created
    };
    upsert_head(
        &mut transaction,
        &addition.collaboration_id,
        addition.name.as_deref(),
        addition.started,
    )
    .await?;
    add_partners(&mut transaction, &partners_of(addition)).await?;
    add_requirements(&mut transaction, &addition.requirements).await?;
    sqlx::query(AUDIT_EDIT)
        .bind(crate::accounts::now())
        .bind(user_id)
        .bind(edit_detail(addition, outcome))
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(outcome)
}

async fn upsert_head(
    connection: &mut PgConnection,
    collaboration_id: &str,
    name: Option<&str>,
    started: Option<NaiveDate>,
) -> Result<()> {
    sqlx::query(UPSERT_HEAD)
        .bind(collaboration_id)
        .bind(name)
        .bind(started)
        .execute(connection)
        .await?;
    Ok(())
}

async fn add_partners(
    connection: &mut PgConnection,
    partners: &[CollaborationPartner],
) -> Result<()> {
    for partner in partners {
        let key: i64 = sqlx::query_scalar(CUSTOMER_KEY)
            .bind(&partner.customer_id)
            .fetch_optional(&mut *connection)
            .await?
            .ok_or_else(|| StoreError::UnknownCustomer(partner.customer_id.clone()))?;
        sqlx::query(ADD_PARTNER)
            .bind(&partner.collaboration_id)
            .bind(key)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

async fn add_requirements(
    connection: &mut PgConnection,
    requirements: &[Requirement],
) -> Result<()> {
    for requirement in requirements {
        sqlx::query(ADD_REQUIREMENT)
            .bind(&requirement.collaboration_id)
            .bind(&requirement.text)
            .bind(&requirement.language)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}
