//! Issue 14 (penetration test), the findings about what uploaded data may do: each test fails on
//! the code before the fix. Every test runs on SQLite and on PostgreSQL, like `tests/it.rs`.
//!
//! - finding 1: an uploaded `bellwether.toml` named any server file as its glossary, and the
//!   parse error quoted it (`an_uploaded_configuration_names_no_server_file`);
//! - finding 5: the report's bootstrap was unbounded and each request started its own
//!   computation (`the_report_is_capped_computed_once_and_within_a_time_budget`);
//! - finding 10: no field, row or sensible upload limit, and the CSRF token was checked after
//!   the whole upload was on disk (`uploads_have_limits_and_the_csrf_token_comes_first`).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use axum::Router;
use bellwether_core::Customer;
use bellwether_server::{auth, router, AppState, ServerLimits};
use bellwether_store::testing::TestDatabase;
use bellwether_store::{Location, Role, Store};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const PASSWORD: &str = "correct-horse-battery";

struct App {
    router: Router,
    state: AppState,
    store: Store,
    _dir: tempfile::TempDir,
    _database: Option<TestDatabase>,
}

#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A store with `n` customers, an admin, an analyst and a viewer, served with `limits`; `None`
/// for PostgreSQL when no test server is configured (`BELLWETHER_REQUIRE_POSTGRES=1` makes
/// that a failure).
async fn app_on(backend: Backend, n: usize, limits: ServerLimits) -> Option<App> {
    let dir = tempfile::tempdir().unwrap();
    let (store, database) = match backend {
        Backend::Sqlite => (Store::open(&dir.path().join("w.db")).await.unwrap(), None),
        Backend::Postgres => {
            let database = TestDatabase::create().await?;
            let location = Location::parse(&database.url);
            (
                Store::open_location(&location).await.unwrap(),
                Some(database),
            )
        }
    };
    let customers: Vec<Customer> = (0..n)
        .map(|i| Customer {
            customer_id: format!("C{i:03}"),
            name: Some(format!("Customer {i}")),
            industry: Some(if i % 2 == 0 { "Banking" } else { "Retail" }.to_string()),
            country: Some("US".to_string()),
            employees: Some(100.0 * (i + 1) as f64),
            ..Customer::default()
        })
        .collect();
    let writer_store = store.clone();
    tokio::task::spawn_blocking(move || {
        let mut writer = writer_store.begin_import("test").unwrap();
        writer.upsert_customers(&customers).unwrap();
        writer.commit(0).unwrap();
    })
    .await
    .unwrap();
    let hash = auth::hash_password(PASSWORD).unwrap();
    for (email, role) in [
        ("admin@example.com", Role::Admin),
        ("analyst@example.com", Role::Analyst),
        ("viewer@example.com", Role::Viewer),
    ] {
        store.create_user(email, &hash, role).await.unwrap();
    }
    let state = AppState::load(store.clone(), false)
        .await
        .unwrap()
        .with_limits(limits);
    Some(App {
        router: router(state.clone()),
        state,
        store,
        _dir: dir,
        _database: database,
    })
}

/// `app_on` whose customers have purchase histories (a BG/NBD-like process, seeded), so the
/// report can be computed.
async fn app_with_purchases(backend: Backend, n: usize, limits: ServerLimits) -> Option<App> {
    use bellwether_clv::simulate::Rng;
    let app = app_on(backend, n, limits).await?;
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut rng = Rng::new(7);
    let mut transactions = Vec::new();
    for i in 0..n {
        let rate = rng.gamma(0.8, 20.0);
        let dropout = rng.beta(0.8, 3.0);
        let mean_spend = rng.gamma(3.0, 1.0 / 30.0);
        let mut day = rng.uniform() * 300.0;
        loop {
            transactions.push(bellwether_core::Transaction {
                customer_id: format!("C{i:03}"),
                date: start + chrono::Days::new(day as u64),
                amount: (mean_spend * (0.5 + rng.uniform())).max(1.0),
                discount: None,
                coupon: None,
                currency: None,
            });
            if rng.uniform() < dropout {
                break;
            }
            day += rng.exponential(rate);
            if day >= 365.0 {
                break;
            }
        }
    }
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || {
        let mut writer = store.begin_import("test transactions").unwrap();
        writer.insert_transactions(&transactions).unwrap();
        writer
            .set_setting(
                "config",
                "[report]\nbootstrap_draws = 20\nbootstrap_customers = 50\n",
            )
            .unwrap();
        writer.commit(0).unwrap();
    })
    .await
    .unwrap();
    Some(app)
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn get(uri: &str, cookie: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

/// Signs in; returns the session cookie (`bw_session=…`) and the session's CSRF token.
async fn sign_in(router: &Router, email: &str) -> (String, String) {
    let response = router
        .clone()
        .oneshot(Request::get("/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let login_cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("bw_login_csrf="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("a login CSRF cookie");
    // The form's token is bound to the cookie (an HMAC of it), so it is read from the form.
    let html = response.into_body().collect().await.unwrap().to_bytes();
    let html = String::from_utf8_lossy(&html);
    let field = "name=\"csrf\" value=\"";
    let at = html.find(field).expect("a csrf field in the sign-in form") + field.len();
    let login_csrf = html[at..].split('"').next().unwrap().to_string();
    let response = router
        .clone()
        .oneshot(
            Request::post("/login")
                .header(header::COOKIE, format!("bw_login_csrf={login_cookie}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "email={email}&password={PASSWORD}&csrf={login_csrf}"
                )))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let session = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("bw_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("a session cookie");
    let cookie = format!("bw_session={session}");
    let (status, page) = send(router, get("/", &cookie)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    let csrf = page[at..].split('"').next().unwrap().to_string();
    (cookie, csrf)
}

const BOUNDARY: &str = "bellwether-test-boundary";

/// The multipart body of `fields` then `files` (name, content).
fn multipart_body(fields: &[(&str, &str)], files: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    for (file_name, content) in files {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body
}

/// An upload with the session `cookie`, its CSRF token in the form's first field.
fn upload(uri: &str, cookie: &str, csrf: &str, files: &[(&str, &str)]) -> Request<Body> {
    Request::post(uri)
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart_body(&[("csrf", csrf)], files)))
        .unwrap()
}

const CUSTOMERS: &str =
    "customer_id,name,industry,country,employees\nN1,New Bank,Banking,FR,5000\n";

const GLOSSARY: &str =
    "[[concept]]\nid = \"till\"\nlabel = \"Point of sale\"\nen = [\"till\", \"point of sale\"]\n";

/// Finding 1: an analyst read `/proc/self/environ` (and the database password in it) through the
/// glossary path of an uploaded configuration, quoted back by the TOML parse error.
async fn an_uploaded_configuration_names_no_server_file(backend: Backend) {
    let Some(app) = app_on(backend, 3, ServerLimits::default()).await else {
        return;
    };
    let secret_dir = tempfile::tempdir().unwrap();
    let secret = secret_dir.path().join("environ");
    std::fs::write(
        &secret,
        "BELLWETHER_DB=postgres://user:hunter2@db.internal/bw\n",
    )
    .unwrap();
    let (cookie, csrf) = sign_in(&app.router, "analyst@example.com").await;
    let secret_path = secret.to_str().unwrap().replace('\\', "/");
    for (uri, glossary) in [
        ("/api/v1/imports", secret_path.as_str()),
        ("/import", secret_path.as_str()),
        // The upload folder is two below the root (`/tmp/bellwether-upload-…`).
        ("/api/v1/imports", "../../etc/passwd"),
        ("/api/v1/imports", "/dev/zero"),
    ] {
        let config = format!("[collaboration]\nglossary = \"{glossary}\"\n");
        let request = upload(
            uri,
            &cookie,
            &csrf,
            &[("bellwether.toml", &config), ("customers.csv", CUSTOMERS)],
        );
        let (status, body) =
            tokio::time::timeout(Duration::from_secs(30), send(&app.router, request))
                .await
                .unwrap_or_else(|_| panic!("{uri} with {glossary}: no answer in 30 s"));
        let expected = if uri == "/import" {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        assert_eq!(status, expected, "{uri} with {glossary}: {body}");
        assert!(
            !body.contains("hunter2") && !body.contains("BELLWETHER_DB") && !body.contains("root:"),
            "{uri} with {glossary}: the answer quotes the server's file: {body}"
        );
        assert!(
            body.contains("may not name a file on the server"),
            "{uri} with {glossary}: {body}"
        );
    }
    assert_eq!(app.store.counts().await.unwrap().customers, 3);
    assert_eq!(app.store.setting("glossary").await.unwrap(), None);

    // A glossary uploaded with the configuration is the way to send one.
    let config = "[collaboration]\nglossary = \"glossary.toml\"\n";
    let request = upload(
        "/api/v1/imports",
        &cookie,
        &csrf,
        &[
            ("bellwether.toml", config),
            ("glossary.toml", GLOSSARY),
            ("customers.csv", CUSTOMERS),
        ],
    );
    let (status, body) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        app.store.setting("glossary").await.unwrap().as_deref(),
        Some(GLOSSARY)
    );
    // Naming it again without sending it keeps the stored one.
    let request = upload(
        "/api/v1/imports",
        &cookie,
        &csrf,
        &[("bellwether.toml", config), ("customers.csv", CUSTOMERS)],
    );
    let (status, body) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        app.store.setting("glossary").await.unwrap().as_deref(),
        Some(GLOSSARY)
    );
    // An uploaded glossary's own problems may be quoted: the analyst sent it.
    let request = upload(
        "/api/v1/imports",
        &cookie,
        &csrf,
        &[
            ("bellwether.toml", config),
            ("glossary.toml", "not = [valid"),
        ],
    );
    let (status, body) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("glossary.toml"), "{body}");
}

/// Finding 5: `bootstrap_draws = 100000` and `bootstrap_customers = 1000000` were accepted, and
/// the report then computed for days, a new computation for each request.
async fn the_report_is_capped_computed_once_and_within_a_time_budget(backend: Backend) {
    let Some(app) = app_with_purchases(backend, 300, ServerLimits::default()).await else {
        return;
    };
    let (cookie, csrf) = sign_in(&app.router, "analyst@example.com").await;
    // The settings are capped when the configuration is imported, naming the setting and range.
    let config = "[report]\nbootstrap_draws = 100000\nbootstrap_customers = 1000000\n";
    let request = upload(
        "/api/v1/imports",
        &cookie,
        &csrf,
        &[("bellwether.toml", config)],
    );
    let (status, body) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("report.bootstrap_draws") && body.contains("expected 0 to 2000 draws"),
        "{body}"
    );

    // One computation, however many requests, and whether or not the first one waits.
    assert_eq!(app.state.report.computations_started(), 0);
    let first = tokio::spawn({
        let router = app.router.clone();
        let cookie = cookie.clone();
        async move { send(&router, get("/api/v1/report", &cookie)).await }
    });
    let started = std::time::Instant::now();
    while app.state.report.computations_started() == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "never started");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // The first client gives up while the report is being computed.
    first.abort();
    let (second, third) = tokio::join!(
        send(&app.router, get("/api/v1/report", &cookie)),
        send(&app.router, get("/api/v1/report", &cookie)),
    );
    assert_eq!(second.0, StatusCode::OK, "{}", second.1);
    assert_eq!(third.0, StatusCode::OK, "{}", third.1);
    assert_eq!(second.1, third.1);
    assert_eq!(app.state.report.computations_started(), 1);
    let (status, _) = send(&app.router, get("/api/v1/report", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.state.report.computations_started(), 1);

    // Past its time budget the computation stops with a clear error, given to every request.
    let limits = ServerLimits {
        report_time_budget: Duration::from_millis(1),
        ..ServerLimits::default()
    };
    let Some(slow) = app_with_purchases(backend, 300, limits).await else {
        return;
    };
    let (cookie, _) = sign_in(&slow.router, "viewer@example.com").await;
    for _ in 0..2 {
        let (status, body) = send(&slow.router, get("/api/v1/report", &cookie)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        let message = serde_json::from_str::<Value>(&body).unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.contains("time budget of 0.001 s") && message.contains("--report-time-budget"),
            "{message}"
        );
    }
    assert_eq!(slow.state.report.computations_started(), 1);
}

/// Finding 10: a 50 MB field imported, the upload limit was 4 GiB, and the CSRF token was only
/// checked once the whole upload was on disk.
async fn uploads_have_limits_and_the_csrf_token_comes_first(backend: Backend) {
    let defaults = ServerLimits::default();
    let limits = ServerLimits {
        max_upload_bytes: 512 << 10,
        import: bellwether_app::import::ImportLimits {
            max_field_bytes: 64 << 10,
            max_line_bytes: 128 << 10,
            ..defaults.import.clone()
        },
        ..defaults
    };
    let Some(app) = app_on(backend, 3, limits).await else {
        return;
    };
    let (cookie, csrf) = sign_in(&app.router, "analyst@example.com").await;

    // A field over the limit stops the file, with its place and the setting that raises it.
    let long_name = "x".repeat(100 << 10);
    let customers = format!("customer_id,name\nN1,Short\nN2,{long_name}\n");
    let request = upload(
        "/api/v1/imports",
        &cookie,
        &csrf,
        &[("customers.csv", &customers)],
    );
    let (status, body) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("customers.csv:3:2: field is longer than the limit of 65536 bytes")
            && body.contains("--max-field-bytes"),
        "{}",
        &body[..body.len().min(2000)]
    );
    // A row over its limit the same way, and an uploaded `[import]` may not raise the server's.
    let row = (0..4)
        .map(|_| "y".repeat(40_000))
        .collect::<Vec<_>>()
        .join(",");
    let header = (0..4)
        .map(|i| {
            if i == 0 {
                "customer_id".to_string()
            } else {
                format!("c{i}")
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    let customers = format!("{header}\n{row}\n");
    let request = upload(
        "/api/v1/imports",
        &cookie,
        &csrf,
        &[("customers.csv", &customers)],
    );
    let (status, body) = send(&app.router, request).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        &body[..body.len().min(2000)]
    );
    assert!(
        body.contains("customers.csv:2:4: row is longer than the limit of 131072 bytes")
            && body.contains("--max-line-bytes"),
        "{}",
        &body[..body.len().min(2000)]
    );
    let config = "[import]\nmax_field_bytes = 100000000\n";
    let request = upload(
        "/api/v1/imports",
        &cookie,
        &csrf,
        &[("bellwether.toml", config), ("customers.csv", CUSTOMERS)],
    );
    let (status, body) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("import.max_field_bytes") && body.contains("the server's limit"),
        "{body}"
    );
    assert_eq!(app.store.counts().await.unwrap().customers, 3);

    // The upload limit, named with the file that broke it.
    let big = format!(
        "customer_id,name\n{}",
        (0..30_000)
            .map(|i| format!("B{i},Customer {i}\n"))
            .collect::<String>()
    );
    // Sent in pieces, as a client streams a file (a body sent whole breaks the limit at once).
    let whole = multipart_body(&[("csrf", &csrf)], &[("customers.csv", &big)]).into_bytes();
    let pieces: Vec<Result<Bytes, std::io::Error>> = whole
        .chunks(16 << 10)
        .map(|piece| Ok(Bytes::copy_from_slice(piece)))
        .collect();
    let request = Request::post("/api/v1/imports")
        .header(header::COOKIE, &cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from_stream(futures_util::stream::iter(pieces).then(
            // Each piece arrives later, as over a network (the parser reads all it is given).
            |piece| async {
                tokio::task::yield_now().await;
                piece
            },
        )))
        .unwrap();
    let (status, body) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(
        body.contains("the server's limit of 512 KiB (while receiving customers.csv)")
            && body.contains("--max-upload-mib"),
        "{body}"
    );

    // A wrong token is refused before the files are read: this upload never ends.
    for uri in ["/api/v1/imports", "/import"] {
        let head = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nforged\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"customers.csv\"\r\nContent-Type: text/csv\r\n\r\ncustomer_id,name\r\n"
        );
        let endless = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(head))])
            .chain(futures_util::stream::pending());
        let request = Request::post(uri)
            .header(header::COOKIE, &cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from_stream(endless))
            .unwrap();
        let (status, body) =
            tokio::time::timeout(Duration::from_secs(10), send(&app.router, request))
                .await
                .unwrap_or_else(|_| panic!("{uri}: the forged upload was read to its end"));
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {body}");
    }
    // The token must come before the files: a file first is refused unread.
    let request = Request::post("/api/v1/imports")
        .header(header::COOKIE, &cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(
            multipart_body(&[], &[("customers.csv", CUSTOMERS)])
                .replacen(&format!("--{BOUNDARY}--\r\n"), "", 1)
                + &format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{BOUNDARY}--\r\n"
                ),
        ))
        .unwrap();
    let (status, body) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("before the files"), "{body}");
    // The right token first, or in the header, imports.
    let request = upload(
        "/api/v1/imports",
        &cookie,
        &csrf,
        &[("customers.csv", CUSTOMERS)],
    );
    let (status, body) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.store.counts().await.unwrap().customers, 4);
}

use futures_util::StreamExt as _;

/// Runs each test on SQLite and on PostgreSQL (`NAME::sqlite`, `NAME::postgres`).
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(super::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(super::Backend::Postgres).await
                }
            }
        )*
    };
}

on_both_databases!(
    an_uploaded_configuration_names_no_server_file,
    the_report_is_capped_computed_once_and_within_a_time_budget,
    uploads_have_limits_and_the_csrf_token_comes_first,
);
