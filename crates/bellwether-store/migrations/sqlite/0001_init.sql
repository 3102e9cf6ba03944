-- Customers, their transactions and requests, and a record of every import.

CREATE TABLE customers (
    -- Surrogate key: compact foreign key for the large tables.
    id INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL UNIQUE,
    name TEXT,
    industry TEXT,
    country TEXT,
    employees REAL,
    annual_revenue REAL,
    created_at TEXT,
    domain TEXT,
    -- Every further customers.csv column, as a JSON object.
    attributes TEXT NOT NULL DEFAULT '{}',
    import_id INTEGER NOT NULL
);

-- Aggregates of each customer's transactions, kept current by every import, so that
-- scoring never scans the transaction table. A customer without transactions has no row.
CREATE TABLE customer_stats (
    customer INTEGER PRIMARY KEY REFERENCES customers (id),
    n_transactions INTEGER NOT NULL,
    n_coupon INTEGER NOT NULL,
    n_discounted INTEGER NOT NULL,
    total_amount REAL NOT NULL,
    total_discount REAL NOT NULL,
    first_purchase TEXT NOT NULL,
    last_purchase TEXT NOT NULL
);

CREATE TABLE transactions (
    customer INTEGER NOT NULL REFERENCES customers (id),
    date TEXT NOT NULL,
    amount REAL NOT NULL,
    discount REAL,
    coupon TEXT,
    currency TEXT
);

CREATE INDEX transactions_customer ON transactions (customer);

CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    request_id TEXT,
    customer INTEGER NOT NULL REFERENCES customers (id),
    date TEXT NOT NULL,
    text TEXT NOT NULL,
    language TEXT
);

CREATE INDEX requests_customer ON requests (customer);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    source TEXT NOT NULL,
    n_customers INTEGER NOT NULL,
    n_transactions INTEGER NOT NULL,
    n_requests INTEGER NOT NULL,
    n_rejected INTEGER NOT NULL
);

-- Workspace settings, such as the bellwether.toml of the last import.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
