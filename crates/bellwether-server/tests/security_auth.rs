//! Issue 14, the sign-in and session findings of the penetration test: one test per finding,
//! each on SQLite and on PostgreSQL, driving the router in process. Tests check mechanisms
//! (counted password checks, held checks, bounded maps), never wall-clock thresholds.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use bellwether_core::Customer;
use bellwether_server::login::{LoginLimiter, LoginPolicy, PasswordHashing};
use bellwether_server::{auth, router, AppState, MAX_LOGIN_FAILURES};
use bellwether_store::testing::TestDatabase;
use bellwether_store::{Location, Role, Store};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const PASSWORD: &str = "correct-horse-battery";

/// The database a test runs on: every test runs on both (see `on_both_databases!`).
#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

struct App {
    state: AppState,
    store: Store,
    _dir: tempfile::TempDir,
    _database: Option<TestDatabase>,
}

impl App {
    fn router(&self) -> Router {
        router(self.state.clone())
    }
}

/// A store with a few customers, an admin, a viewer and a disabled analyst, on `backend`;
/// `None` for PostgreSQL when no test server is configured (and none is required).
async fn app_on(backend: Backend, secure_cookies: bool) -> Option<App> {
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
    let customers: Vec<Customer> = (0..3)
        .map(|i| Customer {
            customer_id: format!("C{i:03}"),
            name: Some(format!("Customer {i}")),
            industry: Some("Banking".to_string()),
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
        ("viewer@example.com", Role::Viewer),
        ("gone@example.com", Role::Analyst),
    ] {
        store.create_user(email, &hash, role).await.unwrap();
    }
    store
        .set_disabled("gone@example.com", true, None)
        .await
        .unwrap();
    let state = AppState::load(store.clone(), secure_cookies).await.unwrap();
    Some(App {
        state,
        store,
        _dir: dir,
        _database: database,
    })
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get(uri: &str, cookie: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

fn form(uri: &str, cookie: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.into())
        .unwrap()
}

/// `request` as if it came from `address` (what `serve` gives each connection).
fn from(address: &str, mut request: Request<Body>) -> Request<Body> {
    let address: SocketAddr = format!("{address}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(address));
    request
}

/// The value of cookie `name` in the response's Set-Cookie headers, with the whole header.
fn set_cookie(headers: &HeaderMap, name: &str) -> Option<(String, String)> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let value = v[name.len() + 1..]
                .split(';')
                .next()
                .unwrap_or("")
                .to_string();
            (value, v.to_string())
        })
}

/// The value of the hidden `csrf` input of a page.
fn csrf_in(html: &str) -> String {
    let at =
        html.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}

/// The sign-in form's token and its cookie (`name=value`, as a `Cookie` header).
async fn login_form(router: &Router, cookie_name: &str) -> (String, String) {
    let (_, headers, html) = send(router, get("/login", "")).await;
    let (cookie, _) = set_cookie(&headers, cookie_name).expect("a sign-in cookie");
    (csrf_in(&html), format!("{cookie_name}={cookie}"))
}

fn login_body(email: &str, password: &str, csrf: &str) -> String {
    format!("email={email}&password={password}&csrf={csrf}")
}

/// Signs in from the in-process client; returns the session cookie and the page's CSRF token.
async fn sign_in(router: &Router, email: &str) -> (String, String) {
    let (csrf, cookie) = login_form(router, "bw_login_csrf").await;
    let (status, headers, _) = send(
        router,
        form("/login", &cookie, login_body(email, PASSWORD, &csrf)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (session, _) = set_cookie(&headers, "bw_session").expect("a session cookie");
    let cookie = format!("bw_session={session}");
    let (status, _, page) = send(router, get("/", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    (cookie, csrf_in(&page))
}

/// Counts password checks (a hook of the hashing pool).
fn counting_hashing(checks: &Arc<AtomicUsize>) -> PasswordHashing {
    let checks = checks.clone();
    PasswordHashing::new(2).with_hook(Arc::new(move || {
        checks.fetch_add(1, Ordering::SeqCst);
    }))
}

/// Finding 2: failed sign-ins with huge or many distinct e-mails cannot grow the server's memory.
async fn failed_sign_ins_cannot_grow_memory_without_limit(backend: Backend) {
    let Some(mut app) = app_on(backend, false).await else {
        return;
    };
    let checks = Arc::new(AtomicUsize::new(0));
    app.state.hashing = Arc::new(counting_hashing(&checks));
    app.state.limiter = Arc::new(LoginLimiter::new(LoginPolicy {
        max_entries: 8,
        ..LoginPolicy::default()
    }));
    let router = app.router();
    let (csrf, cookie) = login_form(&router, "bw_login_csrf").await;
    // A 1.5 MB e-mail: refused by the body limit, before anything is stored or hashed.
    let huge = "a".repeat(1_500_000);
    let (status, _, _) = send(
        &router,
        form("/login", &cookie, login_body(&huge, "guess", &csrf)),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Within the body limit, every field is bounded.
    for body in [
        login_body(&format!("{}@example.com", "a".repeat(300)), "guess", &csrf),
        login_body("a@example.com", &"p".repeat(2000), &csrf),
        login_body("a@example.com", "guess", &"c".repeat(200)),
    ] {
        let (status, _, _) = send(&router, form("/login", &cookie, body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    assert!(app.state.limiter.is_empty());
    assert_eq!(checks.load(Ordering::SeqCst), 0);
    // Many distinct e-mails from many clients: the maps keep at most their bound.
    for i in 0..30 {
        let request = from(
            &format!("192.0.2.{i}"),
            form(
                "/login",
                &cookie,
                login_body(&format!("user{i}@example.com"), "guess", &csrf),
            ),
        );
        assert_eq!(send(&router, request).await.0, StatusCode::UNAUTHORIZED);
        let (accounts, clients) = app.state.limiter.len();
        assert!(accounts <= 8 && clients <= 8, "{accounts} {clients}");
    }
    assert_eq!(checks.load(Ordering::SeqCst), 30);
    // Other forms take small bodies only (uploads have their own limit).
    let (admin, admin_csrf) = sign_in(&router, "admin@example.com").await;
    let big = format!(
        "csrf={admin_csrf}&email=x%40example.com&password={}&role=viewer",
        "p".repeat(1_000_000)
    );
    let (status, _, _) = send(&router, form("/admin/users", &admin, big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let long_email = format!(
        "csrf={admin_csrf}&email={}%40example.com&password=0123456789&role=viewer",
        "a".repeat(300)
    );
    let (status, _, _) = send(&router, form("/admin/users", &admin, long_email)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.store.users().await.unwrap().len(), 3);
}

/// Finding 3: parallel guesses at one account get no more password checks than the free failures.
async fn parallel_guesses_get_at_most_the_allowed_password_checks(backend: Backend) {
    let Some(mut app) = app_on(backend, false).await else {
        return;
    };
    let checks = Arc::new(AtomicUsize::new(0));
    app.state.hashing = Arc::new(counting_hashing(&checks));
    let router = app.router();
    let (csrf, cookie) = login_form(&router, "bw_login_csrf").await;
    let guesses: Vec<_> = (0..60)
        .map(|i| {
            let router = router.clone();
            let request = form(
                "/login",
                &cookie,
                login_body("admin@example.com", &format!("guess-{i}"), &csrf),
            );
            tokio::spawn(async move { send(&router, request).await.0 })
        })
        .collect();
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked, MAX_LOGIN_FAILURES as usize, "{statuses:?}");
    assert_eq!(checked + refused, 60, "{statuses:?}");
    assert_eq!(checks.load(Ordering::SeqCst), MAX_LOGIN_FAILURES as usize);
}

/// Finding 4: failures from one client do not lock the owner out, and unknown, disabled and known
/// accounts cost the same work.
async fn an_attacker_cannot_lock_the_owner_out(backend: Backend) {
    let Some(mut app) = app_on(backend, false).await else {
        return;
    };
    let checks = Arc::new(AtomicUsize::new(0));
    app.state.hashing = Arc::new(counting_hashing(&checks));
    let router = app.router();
    let (csrf, cookie) = login_form(&router, "bw_login_csrf").await;
    let attacker = "203.0.113.9";
    let owner = "198.51.100.7";
    for _ in 0..20 {
        let request = from(
            attacker,
            form(
                "/login",
                &cookie,
                login_body("Admin@Example.com ", "guess", &csrf),
            ),
        );
        let status = send(&router, request).await.0;
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&status),
            "{status}"
        );
    }
    // The attacker's client waits, even with the right password, and is told for how long.
    let request = from(
        attacker,
        form(
            "/login",
            &cookie,
            login_body("admin@example.com", PASSWORD, &csrf),
        ),
    );
    let (status, headers, _) = send(&router, request).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    // The owner, from their own address, signs in at once.
    let request = from(
        owner,
        form(
            "/login",
            &cookie,
            login_body("admin@example.com", PASSWORD, &csrf),
        ),
    );
    let (status, headers, _) = send(&router, request).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(set_cookie(&headers, "bw_session").is_some());

    // One check per attempt whatever the account: known, unknown or disabled, the same work and
    // the same answer.
    let before = checks.load(Ordering::SeqCst);
    for (i, email) in [
        "viewer@example.com",
        "nobody@example.com",
        "gone@example.com",
    ]
    .into_iter()
    .enumerate()
    {
        let password = if email == "gone@example.com" {
            PASSWORD
        } else {
            "wrong"
        };
        let request = from(
            &format!("198.51.100.{}", 20 + i),
            form("/login", &cookie, login_body(email, password, &csrf)),
        );
        let (status, _, html) = send(&router, request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{email}");
        assert!(html.contains("Wrong email or password"), "{email}");
    }
    assert_eq!(checks.load(Ordering::SeqCst), before + 3);
    // An unknown account is held back exactly like a known one.
    for _ in 0..MAX_LOGIN_FAILURES {
        let request = from(
            attacker,
            form(
                "/login",
                &cookie,
                login_body("nobody@example.com", "guess", &csrf),
            ),
        );
        assert_eq!(send(&router, request).await.0, StatusCode::UNAUTHORIZED);
    }
    let request = from(
        attacker,
        form(
            "/login",
            &cookie,
            login_body("nobody@example.com", "guess", &csrf),
        ),
    );
    assert_eq!(
        send(&router, request).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Finding 6: the language switch goes back to a path of this site only, as a browser reads it.
async fn the_language_switch_redirects_only_to_this_site(backend: Backend) {
    let Some(app) = app_on(backend, false).await else {
        return;
    };
    let router = app.router();
    for (next, expected) in [
        ("%2F%09%2Fevil.example", "/"),
        ("%2F%0A%2Fevil.example", "/"),
        ("%2F%5C%2Fevil.example", "/"),
        ("%2F%2Fevil.example", "/"),
        ("https%3A%2F%2Fevil.example%2F", "/"),
        ("%2F%00x", "/%00x"),
        ("%2Fcustomers%2FC001%3Fpage%3D2", "/customers/C001?page=2"),
        ("%FF", "/"),
    ] {
        let (status, headers, _) = send(&router, get(&format!("/lang/fr?next={next}"), "")).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{next}");
        let location = headers[header::LOCATION].to_str().unwrap();
        assert_eq!(location, expected, "{next}");
        // Whatever a browser makes of it, it stays on this origin.
        let base = url::Url::parse("http://bellwether.example/").unwrap();
        assert_eq!(
            base.join(location).unwrap().origin(),
            base.origin(),
            "{next}"
        );
    }
}

/// Finding 8: the sign-in token is an HMAC of its cookie under the server's key; under
/// `--secure-cookies` the cookies are `__Host-` prefixed; other origins cannot post the form.
async fn the_sign_in_token_is_bound_to_a_server_secret(backend: Backend) {
    let Some(app) = app_on(backend, false).await else {
        return;
    };
    let router = app.router();
    let (csrf, cookie) = login_form(&router, "bw_login_csrf").await;
    // A cookie planted by another service on this host, sent back as the token: refused.
    let planted = "bw_login_csrf=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let body = login_body(
        "admin@example.com",
        PASSWORD,
        planted.trim_start_matches("bw_login_csrf="),
    );
    assert_eq!(
        send(&router, form("/login", planted, body)).await.0,
        StatusCode::FORBIDDEN
    );
    // A real token with another cookie: refused.
    let (_, other_cookie) = login_form(&router, "bw_login_csrf").await;
    let body = login_body("admin@example.com", PASSWORD, &csrf);
    assert_eq!(
        send(&router, form("/login", &other_cookie, body)).await.0,
        StatusCode::FORBIDDEN
    );
    // Another server (another key) cannot make tokens for this one.
    let other_server = app_on(backend, false).await.unwrap();
    let (foreign_csrf, foreign_cookie) = login_form(&other_server.router(), "bw_login_csrf").await;
    let body = login_body("admin@example.com", PASSWORD, &foreign_csrf);
    assert_eq!(
        send(&router, form("/login", &foreign_cookie, body)).await.0,
        StatusCode::FORBIDDEN
    );
    // A form posted from another origin of this site (another port) is refused.
    let mut request = form(
        "/login",
        &cookie,
        login_body("admin@example.com", PASSWORD, &csrf),
    );
    request
        .headers_mut()
        .insert("sec-fetch-site", "same-site".parse().unwrap());
    assert_eq!(send(&router, request).await.0, StatusCode::FORBIDDEN);
    let mut request = form(
        "/login",
        &cookie,
        login_body("admin@example.com", PASSWORD, &csrf),
    );
    request
        .headers_mut()
        .insert("sec-fetch-site", "same-origin".parse().unwrap());
    assert_eq!(send(&router, request).await.0, StatusCode::SEE_OTHER);

    // Over HTTPS: `__Host-` cookies (Secure, Path=/, no Domain), and signing in works with them.
    let secure = app_on(backend, true).await.unwrap();
    let router = secure.router();
    let (_, headers, _) = send(&router, get("/login", "")).await;
    assert!(set_cookie(&headers, "bw_login_csrf").is_none());
    let (_, full) = set_cookie(&headers, "__Host-bw_login_csrf").unwrap();
    assert!(
        full.contains("; Secure") && full.contains("Path=/"),
        "{full}"
    );
    assert!(!full.contains("Domain"), "{full}");
    let (csrf, cookie) = login_form(&router, "__Host-bw_login_csrf").await;
    // The unprefixed cookie, which any service on the host can set over plain HTTP, is ignored.
    let unprefixed = cookie.trim_start_matches("__Host-");
    let body = login_body("admin@example.com", PASSWORD, &csrf);
    assert_eq!(
        send(&router, form("/login", unprefixed, body)).await.0,
        StatusCode::FORBIDDEN
    );
    let body = login_body("admin@example.com", PASSWORD, &csrf);
    let (status, headers, _) = send(&router, form("/login", &cookie, body)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (session, full) = set_cookie(&headers, "__Host-bw_session").unwrap();
    assert!(
        full.contains("; Secure") && full.contains("Path=/"),
        "{full}"
    );
    let (status, _, _) = send(&router, get("/", &format!("__Host-bw_session={session}"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = send(&router, get("/", &format!("bw_session={session}"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// Finding 9: password checks run on the blocking pool, at most `max_concurrent` at once: while
/// checks are held, the runtime's workers still answer `/healthz`.
async fn password_checks_run_on_the_blocking_pool_a_few_at_a_time(backend: Backend) {
    let Some(mut app) = app_on(backend, false).await else {
        return;
    };
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let released = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let hook = {
        let (in_flight, peak, released) = (in_flight.clone(), peak.clone(), released.clone());
        Arc::new(move || {
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let (lock, condvar) = &*released;
            let mut go = lock.lock().unwrap();
            while !*go {
                go = condvar.wait(go).unwrap();
            }
            in_flight.fetch_sub(1, Ordering::SeqCst);
        })
    };
    app.state.hashing = Arc::new(PasswordHashing::new(2).with_hook(hook));
    let router = app.router();
    let (csrf, cookie) = login_form(&router, "bw_login_csrf").await;
    // Different accounts from different clients, so no limit refuses any.
    let sign_ins: Vec<_> = (0..6)
        .map(|i| {
            let router = router.clone();
            let request = from(
                &format!("192.0.2.{i}"),
                form(
                    "/login",
                    &cookie,
                    login_body(&format!("user{i}@example.com"), "guess", &csrf),
                ),
            );
            tokio::spawn(async move { send(&router, request).await.0 })
        })
        .collect();
    // Wait until two checks are held (generous: only a broken build waits this long). This
    // thread is not one of the runtime's workers, so it may block: if the checks held the
    // workers, nothing here would depend on them.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while in_flight.load(Ordering::SeqCst) < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let started = in_flight.load(Ordering::SeqCst);
    // The runtime's two workers are free: a spawned request is answered.
    let (answer, answered) = std::sync::mpsc::channel();
    {
        let router = router.clone();
        tokio::spawn(async move {
            let _ = answer.send(send(&router, get("/healthz", "")).await.0);
        });
    }
    let healthz = answered.recv_timeout(Duration::from_secs(60));
    let held = in_flight.load(Ordering::SeqCst);
    {
        let (lock, condvar) = &*released;
        *lock.lock().unwrap() = true;
        condvar.notify_all();
    }
    assert_eq!(started, 2, "two checks should have started");
    assert_eq!(
        healthz.expect("/healthz waited for the password checks"),
        StatusCode::OK
    );
    assert_eq!(held, 2, "checks beyond the bound ran at once");
    for sign_in in sign_ins {
        assert_eq!(sign_in.await.unwrap(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(peak.load(Ordering::SeqCst), 2);
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Finding 11: a 500 shows a request id, and the log has the cause under the same id.
async fn internal_errors_are_logged_with_the_request_id_they_show(backend: Backend) {
    let Some(app) = app_on(backend, false).await else {
        return;
    };
    let router = app.router();
    let (cookie, _) = sign_in(&router, "viewer@example.com").await;
    let token = auth::new_token().unwrap();
    let viewer = app
        .store
        .user_by_email("viewer@example.com")
        .await
        .unwrap()
        .unwrap();
    app.store
        .create_api_token(&auth::token_digest(&token), viewer.id, "ci")
        .await
        .unwrap();
    // Every request has an id.
    let (_, headers, _) = send(&router, get("/healthz", "")).await;
    assert!(headers.contains_key("x-request-id"));
    // The database goes away: every query fails.
    app.store.close().await;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::INFO)
        .finish();
    // The router runs on this thread (not spawned), so this thread's subscriber sees its events.
    let _guard = tracing::subscriber::set_default(subscriber);
    let (status, headers, html) = send(&router, get("/", &cookie)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let id = headers["x-request-id"].to_str().unwrap().to_string();
    assert!(html.contains(&format!("<code>{id}</code>")), "{html}");
    assert!(!html.contains("closed"), "no detail for the client: {html}");
    let request = Request::get("/api/v1/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = send(&router, request).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let api_id = headers["x-request-id"].to_str().unwrap().to_string();
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["error"]["request_id"], api_id.as_str());
    assert_ne!(id, api_id);
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for id in [&id, &api_id] {
        let cause = log
            .lines()
            .find(|line| line.contains(id.as_str()) && line.contains("store error"))
            .unwrap_or_else(|| panic!("no cause logged under {id}: {log}"));
        assert!(cause.contains("ERROR"), "{cause}");
        assert!(
            log.lines()
                .any(|line| line.contains(id.as_str()) && line.contains("answered 500")),
            "{log}"
        );
    }
}

/// Finding 12: nothing a signed-in user sees is cached; over HTTPS, browsers remember to use it.
async fn answers_are_not_cached_and_https_is_remembered(backend: Backend) {
    let Some(app) = app_on(backend, false).await else {
        return;
    };
    let router = app.router();
    let (cookie, _) = sign_in(&router, "viewer@example.com").await;
    for uri in ["/", "/customers/C001", "/api/v1/me", "/api/v1/customers"] {
        let (status, headers, _) = send(&router, get(uri, &cookie)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{uri}");
        assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
    }
    let secure = app_on(backend, true).await.unwrap();
    let (_, headers, _) = send(&secure.router(), get("/login", "")).await;
    assert_eq!(
        headers[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );
}

/// Finding 15: an anonymous sign-out goes to the sign-in page; a path that is not UTF-8 gets the
/// API's JSON error; admins revoke one API token on a page.
async fn small_findings_of_the_sign_in_and_the_api(backend: Backend) {
    let Some(app) = app_on(backend, false).await else {
        return;
    };
    let router = app.router();
    let (status, headers, _) = send(&router, form("/logout", "", "csrf=x")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/login");

    let viewer = app
        .store
        .user_by_email("viewer@example.com")
        .await
        .unwrap()
        .unwrap();
    let mut tokens = Vec::new();
    for name in ["nightly", "backup"] {
        let token = auth::new_token().unwrap();
        app.store
            .create_api_token(&auth::token_digest(&token), viewer.id, name)
            .await
            .unwrap();
        tokens.push(token);
    }
    let bearer = |uri: &str, token: &str| {
        Request::get(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let (status, headers, body) = send(&router, bearer("/api/v1/customers/%FF", &tokens[0])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["error"]["status"], 400);

    // The tokens page: admins only.
    let (viewer_cookie, viewer_csrf) = sign_in(&router, "viewer@example.com").await;
    assert_eq!(
        send(&router, get("/admin/tokens", &viewer_cookie)).await.0,
        StatusCode::FORBIDDEN
    );
    let id = auth::token_digest(&tokens[0])[..12].to_string();
    let revoke = |csrf: &str| format!("csrf={csrf}&email=viewer%40example.com&id={id}");
    assert_eq!(
        send(
            &router,
            form("/admin/tokens/revoke", &viewer_cookie, revoke(&viewer_csrf))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (admin, admin_csrf) = sign_in(&router, "admin@example.com").await;
    let (status, _, html) = send(&router, get("/admin/tokens", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&id) && html.contains("nightly") && html.contains("backup"));
    assert!(!html.contains(&tokens[0]) && !html.contains(&auth::token_digest(&tokens[0])));
    // Without the CSRF token: refused, nothing revoked.
    let (status, _, _) = send(
        &router,
        form("/admin/tokens/revoke", &admin, revoke("forged")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        send(&router, bearer("/api/v1/me", &tokens[0])).await.0,
        StatusCode::OK
    );
    let (status, _, html) = send(
        &router,
        form("/admin/tokens/revoke", &admin, revoke(&admin_csrf)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("nightly") && html.contains("revoked"),
        "{html}"
    );
    // That token stops working; the user's other token and session go on.
    assert_eq!(
        send(&router, bearer("/api/v1/me", &tokens[0])).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&router, bearer("/api/v1/me", &tokens[1])).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(&router, get("/api/v1/me", &viewer_cookie)).await.0,
        StatusCode::OK
    );
    let audit = app.store.audit_log(10).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "token-revoke"
        && e.user_email.as_deref() == Some("admin@example.com")
        && e.detail.contains("nightly")));
    // Revoking it again: not found.
    let (status, _, _) = send(
        &router,
        form("/admin/tokens/revoke", &admin, revoke(&admin_csrf)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An import's report lists at most 100 problems per file, as the API documents.
    let admin_user = app
        .store
        .user_by_email("admin@example.com")
        .await
        .unwrap()
        .unwrap();
    let token = auth::new_token().unwrap();
    app.store
        .create_api_token(&auth::token_digest(&token), admin_user.id, "ci")
        .await
        .unwrap();
    let mut customers = "customer_id,name,industry,country,employees\n".to_string();
    for i in 0..150 {
        customers.push_str(&format!("N{i},Name,Banking,US,lots\n"));
    }
    let boundary = "bellwether-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"customers.csv\"\r\nContent-Type: text/csv\r\n\r\n{customers}\r\n--{boundary}--\r\n"
    );
    let request = Request::post("/api/v1/imports")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body))
        .unwrap();
    let (status, _, body) = send(&router, request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["rejected_rows"], 150, "{body}");
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 101, "{body}");
    assert!(
        problems[100].as_str().unwrap().contains("150 rows"),
        "{}",
        problems[100]
    );
}

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
    failed_sign_ins_cannot_grow_memory_without_limit,
    parallel_guesses_get_at_most_the_allowed_password_checks,
    an_attacker_cannot_lock_the_owner_out,
    the_language_switch_redirects_only_to_this_site,
    the_sign_in_token_is_bound_to_a_server_secret,
    password_checks_run_on_the_blocking_pool_a_few_at_a_time,
    internal_errors_are_logged_with_the_request_id_they_show,
    answers_are_not_cached_and_https_is_remembered,
    small_findings_of_the_sign_in_and_the_api,
);
