//! Writing an import: one database transaction, committed whole or not at all.
//!
//! Semantics, chosen so that re-importing the same export is idempotent and a
//! newer export updates the store:
//! - customers are upserted by `customer_id` (the newer export wins, column by column);
//! - the transactions (and requests) in an import are the complete history of
//!   the customers they mention: those customers' stored rows are replaced,
//!   other customers' rows are kept.
//!
//! The writer is written once for both databases, over a [`WriteTransaction`] (`write.rs`):
//! the order of the steps, the customer keys, the purchase aggregates, the import record and its
//! audit entry are here; how rows reach each database is in `sqlite.rs` and `postgres.rs`.
//! The writer is synchronous; callers run it on a blocking thread.

use bellwether_core::{
    CollaborationPartner, Customer, PurchaseStats, Request, Requirement, Transaction,
};
use rustc_hash::FxHashMap;

use crate::write::{count, History, StatsRow, WriteTransaction};
use crate::{collaborations, sql, Result, StoreError};

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

/// An import in progress; dropping it without [`ImportWriter::commit`] rolls everything back.
///
/// Its methods block: call them on a blocking thread (`tokio::task::spawn_blocking`).
pub struct ImportWriter {
    transaction: Box<dyn WriteTransaction>,
    source: String,
    started_at: String,
    /// Who the audit log names for this import (`None`: the command line).
    user_id: Option<i64>,
    /// What the import knows and has written, from its first statement on.
    state: Option<ImportState>,
}

struct ImportState {
    import_id: i64,
    transactions_were_empty: bool,
    requests_were_empty: bool,
    customers: CustomerSlots,
    /// False when customers were written since `customers` was loaded.
    customers_loaded: bool,
    /// Aggregates of this import's transactions, by customer slot.
    transaction_stats: Vec<Option<PurchaseStats>>,
    /// Whether this import has requests of the customer, by slot.
    has_requests: Vec<bool>,
    summary: ImportSummary,
}

/// The stored customers, each numbered by a dense slot (surrogate keys have gaps in PostgreSQL),
/// so that the per-row work of an import indexes vectors rather than hash maps.
#[derive(Default)]
struct CustomerSlots {
    slot_of: FxHashMap<String, u32>,
    /// Surrogate key by slot.
    keys: Vec<i64>,
}

impl CustomerSlots {
    /// Adds the stored customers not numbered yet: slots already given stay.
    fn load(&mut self, transaction: &mut dyn WriteTransaction) -> Result<()> {
        let CustomerSlots { slot_of, keys } = self;
        // The first load, before any slot is given, needs no lookup.
        let first_load = slot_of.is_empty();
        transaction.for_each_customer_key(&mut |key, customer_id| {
            if first_load || !slot_of.contains_key(customer_id) {
                slot_of.insert(customer_id.to_owned(), keys.len() as u32);
                keys.push(key);
            }
        })
    }

    /// The slot and key of `customer_id`.
    fn get(&self, customer_id: &str) -> Result<(usize, i64)> {
        let slot = *self
            .slot_of
            .get(customer_id)
            .ok_or_else(|| StoreError::UnknownCustomer(customer_id.to_string()))?
            as usize;
        Ok((slot, self.keys[slot]))
    }
}

impl ImportWriter {
    /// An import through `transaction`, recorded as coming from `source`.
    pub(crate) fn new(transaction: Box<dyn WriteTransaction>, source: &str) -> ImportWriter {
        ImportWriter {
            transaction,
            source: source.to_string(),
            started_at: now_text(),
            user_id: None,
            state: None,
        }
    }

    /// Names the signed-in user the audit log records for this import (default: the command line).
    pub fn on_behalf_of(&mut self, user_id: Option<i64>) {
        self.user_id = user_id;
    }

    /// The transaction and the import's state, reading the next import id at the first call.
    fn start(&mut self) -> Result<(&mut dyn WriteTransaction, &mut ImportState)> {
        let transaction = &mut *self.transaction;
        let state = match &mut self.state {
            Some(state) => state,
            empty => {
                let row = transaction
                    .query_integers(sql::NEXT_IMPORT, &[])?
                    .unwrap_or_default();
                let &[import_id, transactions_were_empty, requests_were_empty] = row.as_slice()
                else {
                    return Err(StoreError::Corrupt(format!(
                        "unexpected next import {row:?}"
                    )));
                };
                let transactions_were_empty = transactions_were_empty != 0;
                if transactions_were_empty {
                    transaction.transactions_start_empty()?;
                }
                empty.insert(ImportState {
                    import_id,
                    transactions_were_empty,
                    requests_were_empty: requests_were_empty != 0,
                    customers: CustomerSlots::default(),
                    customers_loaded: false,
                    transaction_stats: Vec::new(),
                    has_requests: Vec::new(),
                    summary: ImportSummary {
                        import_id,
                        ..ImportSummary::default()
                    },
                })
            }
        };
        Ok((transaction, state))
    }

    /// The transaction and the import's state, with every stored customer numbered.
    fn start_with_customers(&mut self) -> Result<(&mut dyn WriteTransaction, &mut ImportState)> {
        let (transaction, state) = self.start()?;
        if !state.customers_loaded {
            state.customers.load(transaction)?;
            let n_customers = state.customers.keys.len();
            state.transaction_stats.resize(n_customers, None);
            state.has_requests.resize(n_customers, false);
            state.customers_loaded = true;
        }
        Ok((transaction, state))
    }

    /// Inserts new customers and updates stored ones, by `customer_id`.
    pub fn upsert_customers(&mut self, customers: &[Customer]) -> Result<()> {
        let (transaction, state) = self.start()?;
        let before = count(transaction, sql::COUNT_CUSTOMERS, &[])?;
        transaction.upsert_customers(customers, state.import_id)?;
        let after = count(transaction, sql::COUNT_CUSTOMERS, &[])?;
        let added = (after - before).max(0) as u64;
        state.summary.customers_added += added;
        state.summary.customers_updated += customers.len() as u64 - added;
        state.customers_loaded = false;
        Ok(())
    }

    /// Adds a batch of transactions, replacing the stored history of customers seen for the first time.
    pub fn insert_transactions(&mut self, batch: &[Transaction]) -> Result<()> {
        let (transaction, state) = self.start_with_customers()?;
        let mut keys = Vec::with_capacity(batch.len());
        let mut first_seen = Vec::new();
        for row in batch {
            let (slot, key) = state.customers.get(&row.customer_id)?;
            let stats = match &mut state.transaction_stats[slot] {
                Some(stats) => stats,
                empty => {
                    first_seen.push(key);
                    empty.insert(PurchaseStats::default())
                }
            };
            stats.add(row);
            keys.push(key);
        }
        if !state.transactions_were_empty && !first_seen.is_empty() {
            transaction.delete_history(History::Transactions, &first_seen)?;
        }
        transaction.insert_transactions(batch, &keys)?;
        state.summary.transactions += batch.len() as u64;
        Ok(())
    }

    /// Adds a batch of requests, replacing the stored requests of customers seen for the first time.
    pub fn insert_requests(&mut self, batch: &[Request]) -> Result<()> {
        let (transaction, state) = self.start_with_customers()?;
        let mut keys = Vec::with_capacity(batch.len());
        let mut first_seen = Vec::new();
        for request in batch {
            let (slot, key) = state.customers.get(&request.customer_id)?;
            if !std::mem::replace(&mut state.has_requests[slot], true) {
                first_seen.push(key);
            }
            keys.push(key);
        }
        if !state.requests_were_empty && !first_seen.is_empty() {
            transaction.delete_history(History::Requests, &first_seen)?;
        }
        transaction.insert_requests(batch, &keys)?;
        state.summary.requests += batch.len() as u64;
        Ok(())
    }

    /// Writes an import's collaborations: the partners of every collaboration in `partners`, and
    /// the requirements of every collaboration in `requirements`, replace the stored ones.
    pub fn replace_collaborations(
        &mut self,
        partners: &[CollaborationPartner],
        requirements: &[Requirement],
    ) -> Result<()> {
        let (transaction, state) = self.start()?;
        let replaced = collaborations::replace(transaction, partners, requirements)?;
        state.summary.collaborations += replaced;
        state.summary.requirements += requirements.len() as u64;
        Ok(())
    }

    /// Records a workspace setting (such as the imported `bellwether.toml`) with the import.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        let (transaction, _) = self.start()?;
        transaction.execute(sql::SET_SETTING, &[key.into(), value.into()])
    }

    /// Writes the purchase aggregates, records the import and makes it all visible at once.
    pub fn commit(mut self, rejected: u64) -> Result<ImportSummary> {
        let user_id = self.user_id;
        let (source, started_at) = (self.source.clone(), self.started_at.clone());
        let (transaction, state) = self.start()?;
        let keys = &state.customers.keys;
        let mut stats: Vec<StatsRow<'_>> = state
            .transaction_stats
            .iter()
            .enumerate()
            .filter_map(|(slot, stats)| {
                let stats = stats.as_ref()?;
                Some((keys[slot], stats, stats.first_date?, stats.last_date?))
            })
            .collect();
        // Usually sorted already (slots follow the order customers are read in).
        stats.sort_unstable_by_key(|row| row.0);
        transaction.write_purchase_stats(&stats)?;
        state.summary.rejected = rejected;
        let summary = state.summary;
        transaction.execute(
            sql::INSERT_IMPORT,
            &[
                summary.import_id.into(),
                started_at.as_str().into(),
                now_text().as_str().into(),
                source.as_str().into(),
                ((summary.customers_added + summary.customers_updated) as i64).into(),
                (summary.transactions as i64).into(),
                (summary.requests as i64).into(),
                (rejected as i64).into(),
            ],
        )?;
        // The audit entry commits with the import, so the log never misses one.
        transaction.execute(
            sql::AUDIT_IMPORT,
            &[
                crate::accounts::now().as_str().into(),
                user_id.into(),
                summary.describe().as_str().into(),
            ],
        )?;
        self.transaction.commit()?;
        Ok(summary)
    }
}

fn now_text() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
