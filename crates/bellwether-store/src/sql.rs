//! SQL text that both databases run unchanged, for the writers (`import.rs`, `collaborations.rs`).
//!
//! Parameters are `$N`, which both drivers accept, and each statement's parameters first appear
//! in ascending order: rusqlite numbers `$N` parameters by first appearance, and the writers bind
//! them by position (see `write::Value`).
//! Statements that only one database runs stay with its backend (`sqlite.rs`, `postgres.rs`).

/// The next import's id, and whether the transaction and request tables are empty.
pub(crate) const NEXT_IMPORT: &str =
    "SELECT coalesce(max(id), 0) + 1, NOT EXISTS (SELECT 1 FROM transactions), \
     NOT EXISTS (SELECT 1 FROM requests) FROM imports";

pub(crate) const COUNT_CUSTOMERS: &str = "SELECT count(*) FROM customers";

/// The columns of an insert into `customers`, in the order the backends write them.
pub(crate) const CUSTOMER_INSERT_COLUMNS: &str =
    "customer_id, name, industry, country, employees, \
     annual_revenue, created_at, domain, attributes, import_id";

/// The upsert of customers: the newer export wins, column by column.
pub(crate) const ON_CUSTOMER_CONFLICT: &str =
    "ON CONFLICT (customer_id) DO UPDATE SET name = excluded.name, industry = excluded.industry, \
     country = excluded.country, employees = excluded.employees, annual_revenue = excluded.annual_revenue, \
     created_at = excluded.created_at, domain = excluded.domain, attributes = excluded.attributes, \
     import_id = excluded.import_id";

/// Every customer's surrogate key `id` and `customer_id`.
pub(crate) const CUSTOMER_KEYS: &str = "SELECT id, customer_id FROM customers";

/// The columns of an insert into `transactions`, in the order the backends write them.
pub(crate) const TRANSACTION_INSERT_COLUMNS: &str =
    "customer, date, amount, discount, coupon, currency";

/// The columns of an insert into `customer_stats`, in the order the backends write them.
pub(crate) const STATS_INSERT_COLUMNS: &str = "customer, n_transactions, n_coupon, n_discounted, \
     total_amount, total_discount, first_purchase, last_purchase";

/// `$1` key, `$2` value.
pub(crate) const SET_SETTING: &str = "INSERT INTO settings (key, value) VALUES ($1, $2) \
     ON CONFLICT (key) DO UPDATE SET value = excluded.value";

pub(crate) const INSERT_IMPORT: &str = "INSERT INTO imports (id, started_at, finished_at, source, \
     n_customers, n_transactions, n_requests, n_rejected) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// The audit entry of an import: `$1` time, `$2` user, `$3` detail.
pub(crate) const AUDIT_IMPORT: &str =
    "INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, 'import', $3)";

/// An audit entry with its action (role changes, disabling, token revocations, and whatever
/// `Store::audit` records): `$1` time, `$2` user, `$3` action, `$4` detail.
pub(crate) const AUDIT_ACCOUNT: &str =
    "INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)";

/// The audit entry of a collaboration edit: `$1` time, `$2` user, `$3` detail.
pub(crate) const AUDIT_EDIT: &str = "INSERT INTO audit_log (at, user_id, action, detail) \
     VALUES ($1, $2, 'collaboration-edit', $3)";

/// Whether collaboration `$1` exists: a count, 0 or 1.
pub(crate) const COUNT_COLLABORATION: &str =
    "SELECT count(*) FROM collaborations WHERE collaboration_id = $1";

/// Creates a collaboration or updates the name and start date given: `$1` id, `$2` name, `$3` started.
pub(crate) const UPSERT_HEAD: &str =
    "INSERT INTO collaborations (collaboration_id, name, started) VALUES ($1, $2, $3) \
     ON CONFLICT (collaboration_id) DO UPDATE SET \
     name = coalesce(excluded.name, collaborations.name), \
     started = coalesce(excluded.started, collaborations.started)";

/// The surrogate key of customer `$1`.
pub(crate) const CUSTOMER_KEY: &str = "SELECT id FROM customers WHERE customer_id = $1";

/// Adds partner `$2` (a customer key) after the partners of collaboration `$1`, unless it is one.
pub(crate) const ADD_PARTNER: &str =
    "INSERT INTO collaboration_partners (collaboration_id, customer, position) \
     SELECT $1, $2, coalesce(max(position), 0) + 1 FROM collaboration_partners \
     WHERE collaboration_id = $1 \
     ON CONFLICT (collaboration_id, customer) DO NOTHING";

/// Appends requirement `$2` (language `$3`) to collaboration `$1`.
pub(crate) const ADD_REQUIREMENT: &str =
    "INSERT INTO requirements (collaboration_id, position, text, language) \
     SELECT $1, coalesce(max(position), 0) + 1, $2, $3 FROM requirements \
     WHERE collaboration_id = $1";

/// The partners of collaboration `$1`.
pub(crate) const DELETE_PARTNERS: &str =
    "DELETE FROM collaboration_partners WHERE collaboration_id = $1";

/// The requirements of collaboration `$1`.
pub(crate) const DELETE_REQUIREMENTS: &str = "DELETE FROM requirements WHERE collaboration_id = $1";

/// The columns of a customer record, for `lib::customer_record_from_row`, over
/// `customers c LEFT JOIN customer_stats s ON s.customer = c.id`.
pub(crate) const CUSTOMER_COLUMNS: &str = "c.customer_id, c.name, c.industry, c.country, c.employees, c.annual_revenue, \
    c.created_at, c.domain, c.attributes, coalesce(s.n_transactions, 0) AS n_transactions, \
    coalesce(s.n_coupon, 0) AS n_coupon, coalesce(s.n_discounted, 0) AS n_discounted, \
    coalesce(s.total_amount, 0.0) AS total_amount, coalesce(s.total_discount, 0.0) AS total_discount, \
    s.first_purchase, s.last_purchase";
