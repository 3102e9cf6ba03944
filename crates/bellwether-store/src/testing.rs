//! Test support (feature `testing`): a new PostgreSQL database per test, on the server named
//! by `BELLWETHER_TEST_POSTGRES`. Used by this crate's tests and the server's.
//!
//! Each test gets its own database, so tests run in parallel without seeing each other's rows;
//! it is dropped when the test's [`TestDatabase`] is, even if the test failed.

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{Connection, Executor, PgConnection};

/// A database created for one test.
pub struct TestDatabase {
    /// Its URL, for `Location::parse`.
    pub url: String,
    server_url: String,
    name: String,
}

impl TestDatabase {
    /// Creates a new database, or returns `None` when no server is configured and none is required.
    ///
    /// A test that gets `None` must skip its PostgreSQL half; this records the skip so that it is
    /// reported as one, never counted silently as a pass: a `SKIPPED` line on stderr and a line
    /// in the file named by `BELLWETHER_SKIP_LOG`, which `scripts/test` counts at the end.
    ///
    /// Panics when PostgreSQL is required and `BELLWETHER_TEST_POSTGRES` is unset, so a test run
    /// that must cover PostgreSQL cannot pass without it: under `BELLWETHER_REQUIRE_POSTGRES=1`
    /// (which `scripts/test` sets when it started a server) and under `CI=true`.
    pub async fn create() -> Option<TestDatabase> {
        let server_url = match std::env::var("BELLWETHER_TEST_POSTGRES") {
            Ok(url) if !url.is_empty() => url,
            _ => {
                assert!(
                    !postgres_required(),
                    "PostgreSQL is required (BELLWETHER_REQUIRE_POSTGRES=1 or CI=true) but \
                     BELLWETHER_TEST_POSTGRES is not set: start a server with \
                     `eval \"$(scripts/postgres start)\"`"
                );
                record_skip("the PostgreSQL run: BELLWETHER_TEST_POSTGRES is not set");
                return None;
            }
        };
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let name = format!(
            "bw_test_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::connect(&server_url).await.unwrap();
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        admin.close().await.unwrap();
        Some(TestDatabase {
            url: with_database(&server_url, &name),
            server_url,
            name,
        })
    }
}

/// Whether a missing PostgreSQL server fails the test instead of skipping its PostgreSQL half.
fn postgres_required() -> bool {
    std::env::var("BELLWETHER_REQUIRE_POSTGRES").as_deref() == Ok("1")
        || std::env::var("CI").is_ok_and(|value| value.eq_ignore_ascii_case("true"))
}

/// Reports that the current test skipped `what`: on stderr, and as a line
/// `test name<TAB>what` appended to the file named by `BELLWETHER_SKIP_LOG`, if set.
pub fn record_skip(what: &str) {
    use std::io::Write as _;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    eprintln!("SKIPPED {test}: {what}");
    if let Some(path) = std::env::var_os("BELLWETHER_SKIP_LOG").filter(|path| !path.is_empty()) {
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| writeln!(file, "{test}\t{what}"));
        if let Err(error) = appended {
            panic!("cannot record a skipped test in BELLWETHER_SKIP_LOG: {error}");
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on a future: use a thread of
        // its own with a runtime of its own.
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&server_url).await.unwrap();
                admin
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await
                    .unwrap();
                admin.close().await.unwrap();
            });
        })
        .join();
        if dropped.is_err() && !std::thread::panicking() {
            panic!("could not drop the test database {}", self.name);
        }
    }
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |index| index + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |index| authority_start + index);
    let mut result = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        result.push('?');
        result.push_str(query);
    }
    result
}

#[cfg(test)]
#[test]
fn database_names_replace_the_path_of_the_url() {
    assert_eq!(
        with_database("postgres://u@127.0.0.1:5432/postgres", "bw_1"),
        "postgres://u@127.0.0.1:5432/bw_1"
    );
    assert_eq!(
        with_database("postgres://u:p@host?sslmode=disable", "bw_1"),
        "postgres://u:p@host/bw_1?sslmode=disable"
    );
}
