//! The web app and API end to end, in process (`tower::ServiceExt::oneshot` on the
//! router) over a real SQLite store: access control, sign-in with CSRF and lockout,
//! sessions, paging and filters, hostile input, and the OpenAPI description.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use bellwether_core::Customer;
use bellwether_server::{auth, router, AppState, MAX_LOGIN_FAILURES};
use bellwether_store::testing::TestDatabase;
use bellwether_store::{Location, Role, Store};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const PASSWORD: &str = "correct-horse-battery";

struct App {
    router: Router,
    store: Store,
    _dir: tempfile::TempDir,
    /// The PostgreSQL database of a PostgreSQL run, dropped with the app.
    _database: Option<TestDatabase>,
}

/// The database a test runs on: every test runs on both (see `on_both_databases!`).
#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A store with `n` customers in two industries, an admin and a viewer, on `backend`; `None` for
/// PostgreSQL when no test server is configured, a skip that `TestDatabase::create` reports (and
/// a failure when PostgreSQL is required: `BELLWETHER_REQUIRE_POSTGRES=1` or `CI=true`).
async fn app_on(backend: Backend, n: usize) -> Option<App> {
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
    store
        .create_user("admin@example.com", &hash, Role::Admin)
        .await
        .unwrap();
    store
        .create_user("viewer@example.com", &hash, Role::Viewer)
        .await
        .unwrap();
    let state = AppState::load(store.clone(), false).await.unwrap();
    Some(App {
        router: router(state),
        store,
        _dir: dir,
        _database: database,
    })
}

async fn send(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn with_cookie(uri: &str, cookie: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

fn form(uri: &str, cookie: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// The value of `name` in the response's Set-Cookie headers, with the whole header.
fn set_cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<(String, String)> {
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

/// A new API token of the user with `email`, as `bellwether user token` makes one.
async fn api_token(app: &App, email: &str) -> String {
    let user = app.store.user_by_email(email).await.unwrap().unwrap();
    let token = auth::new_token().unwrap();
    app.store
        .create_api_token(&auth::token_digest(&token), user.id, "ci")
        .await
        .unwrap();
    token
}

/// The value of the hidden `csrf` input of a page.
fn csrf_in(html: &str) -> String {
    let at =
        html.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}

/// Signs in; returns the session cookie ("bw_session=…") and the page's CSRF token.
async fn sign_in(router: &Router, email: &str) -> (String, String) {
    let (_, headers, html) = send(router, get("/login")).await;
    let (login_csrf, _) = set_cookie(&headers, "bw_login_csrf").unwrap();
    assert_eq!(csrf_in(&html), login_csrf);
    let (status, headers, _) = send(
        router,
        form(
            "/login",
            &format!("bw_login_csrf={login_csrf}"),
            &format!("email={email}&password={PASSWORD}&csrf={login_csrf}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (session, _) = set_cookie(&headers, "bw_session").expect("a session cookie");
    let cookie = format!("bw_session={session}");
    let (status, _, page) = send(router, with_cookie("/", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    (cookie, csrf_in(&page))
}

async fn anonymous_visitors_see_no_data(backend: Backend) {
    let Some(app) = app_on(backend, 5).await else {
        return;
    };
    for uri in [
        "/api/v1/customers",
        "/api/v1/customers/C001",
        "/api/v1/me",
        "/api/v1/customers?page=2",
    ] {
        let (status, headers, body) = send(&app.router, get(uri)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/json", "{uri}");
        let json: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"]["status"], 401, "{uri}");
        assert!(!body.contains("Customer 1"), "{uri}: {body}");
    }
    // Every operation of the OpenAPI description, with every method, refuses anonymous callers.
    let (_, _, description) = send(&app.router, get("/api/openapi.json")).await;
    let description: Value = serde_json::from_str(&description).unwrap();
    let paths = description["paths"].as_object().unwrap();
    assert!(paths.len() >= 7, "{paths:?}");
    for (path, operations) in paths {
        let uri = path.replace("{id}", "C001");
        for method in operations.as_object().unwrap().keys() {
            let request = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&uri)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let (status, _, body) = send(&app.router, request).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri}: {body}");
            assert!(!body.contains("Customer 1"), "{method} {uri}: {body}");
        }
    }
    for uri in [
        "/",
        "/customers/C001",
        "/?quadrant=strategic",
        "/map",
        "/partners",
        "/import",
        "/report",
        "/admin/users",
    ] {
        let (status, headers, body) = send(&app.router, get(uri)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(headers[header::LOCATION], "/login", "{uri}");
        assert!(!body.contains("C001"), "{uri}");
    }
    // Every form refuses anonymous posts (sent to the sign-in page) and writes nothing.
    for uri in [
        "/import",
        "/partners/collaborations",
        "/admin/users",
        "/admin/users/role",
        "/admin/users/status",
    ] {
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(
                "collaboration_id=X&partners=C001&email=a%40b.c&password=0123456789&role=admin&action=disable",
            ))
            .unwrap();
        let (status, headers, _) = send(&app.router, request).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "POST {uri}");
        assert_eq!(headers[header::LOCATION], "/login", "POST {uri}");
    }
    assert_eq!(app.store.users().await.unwrap().len(), 2);
    assert!(app
        .store
        .users()
        .await
        .unwrap()
        .iter()
        .all(|u| u.disabled_at.is_none() && u.email != "a@b.c"));
    assert!(app.store.collaboration("X").await.unwrap().is_none());
    // A forged or expired session cookie and a wrong API token are refused alike.
    let (status, _, _) = send(
        &app.router,
        with_cookie("/api/v1/customers", "bw_session=deadbeef"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let request = Request::get("/api/v1/customers")
        .header(header::AUTHORIZATION, "Bearer not-a-token")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app.router, request).await.0, StatusCode::UNAUTHORIZED);
    // Security headers on every response.
    let (_, headers, _) = send(&app.router, get("/login")).await;
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert!(headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
}

async fn sign_in_needs_the_form_token_and_the_password_and_sets_a_safe_cookie(backend: Backend) {
    let Some(app) = app_on(backend, 5).await else {
        return;
    };
    let (_, headers, _) = send(&app.router, get("/login")).await;
    let (login_csrf, _) = set_cookie(&headers, "bw_login_csrf").unwrap();
    let cookie = format!("bw_login_csrf={login_csrf}");
    // No token, or a token that is not the cookie's: refused before the password is looked at.
    let body = format!("email=admin@example.com&password={PASSWORD}&csrf=forged");
    assert_eq!(
        send(&app.router, form("/login", &cookie, &body)).await.0,
        StatusCode::FORBIDDEN
    );
    let body = format!("email=admin@example.com&password={PASSWORD}&csrf={login_csrf}");
    assert_eq!(
        send(&app.router, form("/login", "", &body)).await.0,
        StatusCode::FORBIDDEN
    );
    // Wrong password.
    let body = format!("email=admin@example.com&password=wrong-password&csrf={login_csrf}");
    let (status, headers, html) = send(&app.router, form("/login", &cookie, &body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&headers, "bw_session").is_none());
    assert!(html.contains("Wrong email or password"));
    // Right password: a session cookie that scripts cannot read and other sites do not send.
    let body = format!("email=Admin@Example.com&password={PASSWORD}&csrf={login_csrf}");
    let (status, headers, _) = send(&app.router, form("/login", &cookie, &body)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (session, full) = set_cookie(&headers, "bw_session").unwrap();
    assert_eq!(session.len(), 64);
    assert!(
        full.contains("HttpOnly") && full.contains("SameSite=Lax"),
        "{full}"
    );
    assert!(!full.contains("Secure"), "plain HTTP on loopback: {full}");
    // The store keeps a digest, not the token.
    assert!(app.store.session(&session).await.unwrap().is_none());
    assert!(app
        .store
        .session(&auth::token_digest(&session))
        .await
        .unwrap()
        .is_some());
    let audit = app.store.audit_log(10).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "login" && e.user_email.as_deref() == Some("admin@example.com")));
}

async fn sign_out_needs_the_csrf_token_and_ends_the_session(backend: Backend) {
    let Some(app) = app_on(backend, 5).await else {
        return;
    };
    let (cookie, csrf) = sign_in(&app.router, "viewer@example.com").await;
    assert_eq!(
        send(&app.router, form("/logout", &cookie, "csrf=wrong"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&app.router, form("/logout", &cookie, "")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&app.router, with_cookie("/", &cookie)).await.0,
        StatusCode::OK
    );
    let (status, _, _) = send(
        &app.router,
        form("/logout", &cookie, &format!("csrf={csrf}")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        send(&app.router, with_cookie("/", &cookie)).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        send(&app.router, with_cookie("/api/v1/me", &cookie))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

async fn repeated_failed_sign_ins_lock_the_account(backend: Backend) {
    let Some(app) = app_on(backend, 2).await else {
        return;
    };
    let (_, headers, _) = send(&app.router, get("/login")).await;
    let (login_csrf, _) = set_cookie(&headers, "bw_login_csrf").unwrap();
    let cookie = format!("bw_login_csrf={login_csrf}");
    for _ in 0..MAX_LOGIN_FAILURES {
        let body = format!("email=viewer@example.com&password=guess&csrf={login_csrf}");
        assert_eq!(
            send(&app.router, form("/login", &cookie, &body)).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password is refused while locked; other accounts are not affected.
    let body = format!("email=viewer@example.com&password={PASSWORD}&csrf={login_csrf}");
    assert_eq!(
        send(&app.router, form("/login", &cookie, &body)).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let body = format!("email=admin@example.com&password={PASSWORD}&csrf={login_csrf}");
    assert_eq!(
        send(&app.router, form("/login", &cookie, &body)).await.0,
        StatusCode::SEE_OTHER
    );
}

async fn the_api_pages_filters_and_sorts_the_ranking(backend: Backend) {
    let Some(app) = app_on(backend, 23).await else {
        return;
    };
    let (cookie, _) = sign_in(&app.router, "viewer@example.com").await;
    let page = |uri: &str| {
        let router = app.router.clone();
        let request = with_cookie(uri, &cookie);
        async move {
            let (status, _, body) = send(&router, request).await;
            (status, serde_json::from_str::<Value>(&body).unwrap())
        }
    };
    let (status, all) = page("/api/v1/customers?per_page=500").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["total"], 23);
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 23);
    // Best first, ranks 1..=23.
    for (i, pair) in items.windows(2).enumerate() {
        assert!(pair[0]["strategic_score"].as_f64() >= pair[1]["strategic_score"].as_f64());
        assert_eq!(pair[0]["rank"], i + 1);
    }
    // Pages partition the list.
    let mut paged = Vec::new();
    for p in 1..=3 {
        let (_, json) = page(&format!("/api/v1/customers?per_page=10&page={p}")).await;
        assert_eq!(json["pages"], 3);
        paged.extend(
            json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["customer_id"].clone()),
        );
    }
    assert_eq!(
        paged,
        items
            .iter()
            .map(|c| c["customer_id"].clone())
            .collect::<Vec<_>>()
    );
    // A search that every customer matches (all are in the US) takes the general path;
    // it must list the same pages as the direct one.
    for p in 1..=3 {
        let (_, direct) = page(&format!("/api/v1/customers?per_page=10&page={p}")).await;
        let (_, searched) = page(&format!("/api/v1/customers?per_page=10&page={p}&q=us")).await;
        assert_eq!(direct, searched, "page {p}");
        let quadrant = items[0]["quadrant"].as_str().unwrap();
        let (_, direct) = page(&format!(
            "/api/v1/customers?per_page=4&page={p}&quadrant={quadrant}"
        ))
        .await;
        let (_, searched) = page(&format!(
            "/api/v1/customers?per_page=4&page={p}&quadrant={quadrant}&q=us"
        ))
        .await;
        assert_eq!(direct, searched, "page {p} of {quadrant}");
    }
    let (_, empty) = page("/api/v1/customers?per_page=10&page=9").await;
    assert_eq!(empty["items"].as_array().unwrap().len(), 0);
    // Filters and sorting.
    let (_, banks) = page("/api/v1/customers?q=banking&per_page=500").await;
    assert_eq!(banks["total"], 12);
    let (_, by_id) = page("/api/v1/customers?sort=customer_id&per_page=3").await;
    let ids: Vec<_> = by_id["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["customer_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["C000", "C001", "C002"]);
    let quadrant = items[0]["quadrant"].as_str().unwrap().to_string();
    let (_, same) = page(&format!(
        "/api/v1/customers?quadrant={quadrant}&per_page=500"
    ))
    .await;
    let expected = items
        .iter()
        .filter(|c| c["quadrant"] == quadrant.as_str())
        .count();
    assert_eq!(same["total"], expected);
    // Bad parameters: 400 with the JSON error body.
    for bad in [
        "per_page=0",
        "per_page=501",
        "page=0",
        "quadrant=nonsense",
        "page=-1",
        "sort=price",
    ] {
        let (status, json) = page(&format!("/api/v1/customers?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(json["error"]["status"], 400, "{bad}");
    }
    // One customer.
    let (status, one) = page("/api/v1/customers/C004").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["customer"]["customer_id"], "C004");
    assert_eq!(one["customer"]["industry"], "Banking");
    let (status, missing) = page("/api/v1/customers/C999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["error"]["status"], 404);
}

async fn hostile_input_is_harmless(backend: Backend) {
    let Some(app) = app_on(backend, 5).await else {
        return;
    };
    let (cookie, _) = sign_in(&app.router, "viewer@example.com").await;
    for uri in [
        "/api/v1/customers/C001'%20OR%20'1'='1",
        "/api/v1/customers/C001%27%3B%20DROP%20TABLE%20customers%3B--",
        "/api/v1/customers/..%2F..%2F..%2Fetc%2Fpasswd",
        "/customers/..%2F..%2Fetc%2Fpasswd",
        "/../../etc/passwd",
        "/static/../../etc/passwd",
    ] {
        let (status, _, body) = send(&app.router, with_cookie(uri, &cookie)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert!(!body.contains("root:"), "{uri}");
    }
    let (status, _, body) = send(
        &app.router,
        with_cookie("/api/v1/customers?q=%27%20OR%201%3D1%20--", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["total"], 0);
    // Markup in data is escaped on pages.
    let (_, _, html) = send(
        &app.router,
        with_cookie("/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", &cookie),
    )
    .await;
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;"));
    // The store is intact.
    assert_eq!(app.store.counts().await.unwrap().customers, 5);
}

async fn api_tokens_authenticate_scripts(backend: Backend) {
    let Some(app) = app_on(backend, 3).await else {
        return;
    };
    let token = api_token(&app, "viewer@example.com").await;
    let request = Request::get("/api/v1/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::OK);
    let me: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (me["email"].as_str(), me["role"].as_str()),
        (Some("viewer@example.com"), Some("viewer"))
    );
}

async fn the_openapi_description_covers_the_api(backend: Backend) {
    let Some(app) = app_on(backend, 1).await else {
        return;
    };
    let (status, headers, body) = send(&app.router, get("/api/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1/customers", "/api/v1/customers/{id}", "/api/v1/me"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} missing");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for schema in ["CustomerPage", "CustomerRow", "ErrorBody", "CustomerDetail"] {
        assert!(schemas.contains_key(schema), "{schema} missing");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

async fn only_admins_manage_users_and_every_addition_is_audited(backend: Backend) {
    let Some(app) = app_on(backend, 2).await else {
        return;
    };
    let (viewer, viewer_csrf) = sign_in(&app.router, "viewer@example.com").await;
    assert_eq!(
        send(&app.router, with_cookie("/admin/users", &viewer))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let body =
        format!("csrf={viewer_csrf}&email=mallory@example.com&password=0123456789&role=admin");
    assert_eq!(
        send(&app.router, form("/admin/users", &viewer, &body))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert!(app
        .store
        .user_by_email("mallory@example.com")
        .await
        .unwrap()
        .is_none());
    let (admin, csrf) = sign_in(&app.router, "admin@example.com").await;
    let (status, _, html) = send(&app.router, with_cookie("/admin/users", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("viewer@example.com"));
    // Without the CSRF token, or with a short password: refused, nothing added.
    let body = "email=ann@example.com&password=0123456789&role=analyst";
    assert_eq!(
        send(&app.router, form("/admin/users", &admin, body))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    let body = "csrf=wrong&email=ann@example.com&password=0123456789&role=analyst";
    assert_eq!(
        send(&app.router, form("/admin/users", &admin, body))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let body = format!("csrf={csrf}&email=ann@example.com&password=short&role=analyst");
    assert_eq!(
        send(&app.router, form("/admin/users", &admin, &body))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    assert!(app
        .store
        .user_by_email("ann@example.com")
        .await
        .unwrap()
        .is_none());
    let body = format!("csrf={csrf}&email=Ann@Example.com&password=0123456789&role=analyst");
    let (status, _, html) = send(&app.router, form("/admin/users", &admin, &body)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let ann = app
        .store
        .user_by_email("ann@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ann.role, Role::Analyst);
    assert!(auth::verify_password("0123456789", &ann.password_hash));
    let audit = app.store.audit_log(10).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "user-add"
        && e.user_email.as_deref() == Some("admin@example.com")
        && e.detail.contains("ann@example.com")));
    // The same email twice is a clear error.
    let (status, _, _) = send(&app.router, form("/admin/users", &admin, &body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Admins change roles, with the CSRF token; the change is audited.
    let role_of = |email: &'static str| {
        let store = app.store.clone();
        async move { store.user_by_email(email).await.unwrap().unwrap().role }
    };
    let promote = "email=ann%40example.com&role=admin";
    let (status, _, _) = send(&app.router, form("/admin/users/role", &admin, promote)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(role_of("ann@example.com").await, Role::Analyst);
    let (viewer, viewer_csrf) = sign_in(&app.router, "viewer@example.com").await;
    let (status, _, _) = send(
        &app.router,
        form(
            "/admin/users/role",
            &viewer,
            &format!("csrf={viewer_csrf}&email=viewer%40example.com&role=admin"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(role_of("viewer@example.com").await, Role::Viewer);
    let demote = format!("csrf={csrf}&email=viewer%40example.com&role=analyst");
    let (status, _, html) = send(&app.router, form("/admin/users/role", &admin, &demote)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(role_of("viewer@example.com").await, Role::Analyst);
    let audit = app.store.audit_log(10).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "user-role"
        && e.user_email.as_deref() == Some("admin@example.com")
        && e.detail == "viewer@example.com is now analyst"));
    // An unknown user is a 404, not a silent success.
    let ghost = format!("csrf={csrf}&email=ghost%40example.com&role=viewer");
    let (status, _, _) = send(&app.router, form("/admin/users/role", &admin, &ghost)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The last admin cannot demote itself; with a second admin it can.
    let last = format!("csrf={csrf}&email=admin%40example.com&role=viewer");
    let (status, _, _) = send(&app.router, form("/admin/users/role", &admin, &last)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(role_of("admin@example.com").await, Role::Admin);
    let promote = format!("csrf={csrf}&email=ann%40example.com&role=admin");
    let (status, _, _) = send(&app.router, form("/admin/users/role", &admin, &promote)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = send(&app.router, form("/admin/users/role", &admin, &last)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(role_of("admin@example.com").await, Role::Viewer);
}

/// Offboarding: an admin disables a user, whose session and API token stop working at once and
/// who cannot sign in again (refused like a wrong password); viewers cannot disable anyone, the
/// CSRF token is required, the last admin stays, and re-enabling lets the user sign in again.
async fn admins_disable_and_enable_users(backend: Backend) {
    let Some(app) = app_on(backend, 2).await else {
        return;
    };
    let me = |cookie: Option<&str>, token: Option<&str>| {
        let mut request = Request::get("/api/v1/me");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        request.body(Body::empty()).unwrap()
    };
    let (viewer, viewer_csrf) = sign_in(&app.router, "viewer@example.com").await;
    let token = api_token(&app, "viewer@example.com").await;
    let disable_admin = format!("csrf={viewer_csrf}&email=admin%40example.com&action=disable");
    let (status, _, _) = send(
        &app.router,
        form("/admin/users/status", &viewer, &disable_admin),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (admin, csrf) = sign_in(&app.router, "admin@example.com").await;
    let no_csrf = "email=viewer%40example.com&action=disable";
    let (status, _, _) = send(&app.router, form("/admin/users/status", &admin, no_csrf)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        send(&app.router, me(Some(&viewer), None)).await.0,
        StatusCode::OK
    );

    let disable = format!("csrf={csrf}&email=viewer%40example.com&action=disable");
    let (status, _, html) = send(&app.router, form("/admin/users/status", &admin, &disable)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("disabled since"), "{html}");
    assert_eq!(
        send(&app.router, me(Some(&viewer), None)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app.router, me(None, Some(&token))).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Signing in again is refused like a wrong password.
    let (_, headers, _) = send(&app.router, get("/login")).await;
    let (login_csrf, _) = set_cookie(&headers, "bw_login_csrf").unwrap();
    let (status, _, _) = send(
        &app.router,
        form(
            "/login",
            &format!("bw_login_csrf={login_csrf}"),
            &format!("email=viewer@example.com&password={PASSWORD}&csrf={login_csrf}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The last admin cannot be disabled; an unknown user is a 404; a bad action a 400.
    let last = format!("csrf={csrf}&email=admin%40example.com&action=disable");
    let (status, _, _) = send(&app.router, form("/admin/users/status", &admin, &last)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let ghost = format!("csrf={csrf}&email=ghost%40example.com&action=disable");
    let (status, _, _) = send(&app.router, form("/admin/users/status", &admin, &ghost)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let odd = format!("csrf={csrf}&email=viewer%40example.com&action=delete");
    let (status, _, _) = send(&app.router, form("/admin/users/status", &admin, &odd)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let enable = format!("csrf={csrf}&email=viewer%40example.com&action=enable");
    let (status, _, html) = send(&app.router, form("/admin/users/status", &admin, &enable)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (again, _) = sign_in(&app.router, "viewer@example.com").await;
    assert_eq!(
        send(&app.router, me(Some(&again), None)).await.0,
        StatusCode::OK
    );
    // The old token was revoked, not suspended.
    assert_eq!(
        send(&app.router, me(None, Some(&token))).await.0,
        StatusCode::UNAUTHORIZED
    );
    let audit = app.store.audit_log(10).await.unwrap();
    for action in ["user-disable", "user-enable"] {
        assert!(
            audit.iter().any(|e| e.action == action
                && e.detail == "viewer@example.com"
                && e.user_email.as_deref() == Some("admin@example.com")),
            "{action}: {audit:?}"
        );
    }
}

async fn pages_speak_the_chosen_language_and_remember_it(backend: Backend) {
    let Some(app) = app_on(backend, 4).await else {
        return;
    };
    // The browser's language, before any choice.
    let request = Request::get("/login")
        .header(header::ACCEPT_LANGUAGE, "fr-CH, fr;q=0.9, en;q=0.8")
        .body(Body::empty())
        .unwrap();
    let (_, _, html) = send(&app.router, request).await;
    assert!(
        html.contains("lang=\"fr\"") && html.contains("Se connecter"),
        "{html}"
    );
    // Choosing Estonian sets a cookie and goes back where the user was.
    let (cookie, _) = sign_in(&app.router, "viewer@example.com").await;
    let (status, headers, _) = send(
        &app.router,
        with_cookie("/lang/et?next=/%3Fpage%3D1", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/?page=1");
    let (lang, full) = set_cookie(&headers, "bw_lang").unwrap();
    assert_eq!(lang, "et");
    assert!(full.contains("Max-Age=31536000"), "{full}");
    let both = format!("{cookie}; bw_lang=et");
    let (status, _, html) = send(&app.router, with_cookie("/", &both)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("lang=\"et\""));
    assert!(
        html.contains("Strateegiliste klientide pingerida"),
        "{html}"
    );
    assert!(!html.contains("Strategic-customer ranking"));
    // Scores with a decimal comma in Estonian.
    let score = regex_like_decimal_comma(&html);
    assert!(score, "no decimal comma in {html}");
    let (_, _, html) = send(&app.router, with_cookie("/customers/C001", &both)).await;
    assert!(html.contains("Tehingud") && html.contains("Miks"), "{html}");
    // Only languages we speak, and only local paths to come back to.
    assert_eq!(
        send(&app.router, get("/lang/de")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, headers, _) = send(&app.router, get("/lang/it?next=//evil.example/")).await;
    assert_eq!(headers[header::LOCATION], "/");
    let (_, headers, _) = send(&app.router, get("/lang/it?next=https://evil.example/")).await;
    assert_eq!(headers[header::LOCATION], "/");
}

/// Whether a table cell holds a number like `0,123`.
fn regex_like_decimal_comma(html: &str) -> bool {
    html.split("<td class=\"num\">").skip(1).any(|cell| {
        let cell = cell.split('<').next().unwrap_or("");
        let mut parts = cell.split(',');
        matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None)
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_digit()) && b.len() == 3 && b.chars().all(|c| c.is_ascii_digit()))
    })
}

/// An app whose customers also have purchase histories from a BG/NBD process (seeded):
/// purchase rate per day ~ Gamma(0.8, 20), dropout after each purchase ~ Beta(0.8, 3),
/// first purchase in 2024's first 300 days, observed to day 365; each customer spends
/// around its own mean ~ Gamma(3, 1/30).
async fn app_with_purchases(backend: Backend, n: usize) -> Option<App> {
    use bellwether_clv::simulate::Rng;
    let app = app_on(backend, n).await?;
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
        // A small bootstrap: the test profile is unoptimised, and the interval's
        // quality is the report crate's tests' business.
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

/// When the report cannot be computed for a reason other than the data (here an invalid
/// `[report]` section), customer pages say the value is unavailable instead of "computing"
/// forever.
async fn customer_values_are_unavailable_when_the_report_cannot_be_computed(backend: Backend) {
    let Some(app) = app_with_purchases(backend, 40).await else {
        return;
    };
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || {
        let mut writer = store.begin_import("a bad configuration").unwrap();
        writer
            .set_setting("config", "[report]\nhorizon_months = \"three years\"\n")
            .unwrap();
        writer.commit(0).unwrap();
    })
    .await
    .unwrap();
    let (cookie, _) = sign_in(&app.router, "viewer@example.com").await;
    let (_, _, body) = send(&app.router, with_cookie("/api/v1/customers/C001", &cookie)).await;
    let detail: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(detail["value"]["status"], "computing", "{body}");
    let (status, _, body) = send(&app.router, with_cookie("/api/v1/report", &cookie)).await;
    assert!(
        status.is_client_error() || status.is_server_error(),
        "{status} {body}"
    );
    let (_, _, body) = send(&app.router, with_cookie("/api/v1/customers/C001", &cookie)).await;
    let detail: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(detail["value"]["status"], "unavailable", "{body}");
}

async fn the_report_is_served_to_signed_in_users_in_their_language(backend: Backend) {
    // Without purchases there is no report: a clear 404, not a 500.
    let Some(empty) = app_on(backend, 3).await else {
        return;
    };
    let (cookie, _) = sign_in(&empty.router, "viewer@example.com").await;
    let (status, _, body) = send(&empty.router, with_cookie("/api/v1/report", &cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let app = app_with_purchases(backend, 400).await.unwrap();
    assert_eq!(
        send(&app.router, get("/api/v1/report")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app.router, get("/report")).await.0,
        StatusCode::SEE_OTHER
    );
    let (cookie, _) = sign_in(&app.router, "viewer@example.com").await;
    // Before the report is computed, customers' values are pending, not invented.
    let (_, _, body) = send(&app.router, with_cookie("/api/v1/customers/C001", &cookie)).await;
    let detail: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(detail["value"]["status"], "computing", "{body}");
    let (status, _, body) = send(&app.router, with_cookie("/api/v1/report", &cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let figures: Value = serde_json::from_str(&body).unwrap();
    let total = figures["equity"]["total"].as_f64().unwrap();
    assert!(total > 0.0 && total.is_finite(), "{}", figures["equity"]);
    // Then every customer's value comes from the report's models, and they add up to its equity.
    let mut sum = 0.0;
    for i in 0..400 {
        let uri = format!("/api/v1/customers/C{i:03}");
        let (_, _, body) = send(&app.router, with_cookie(&uri, &cookie)).await;
        let value = &serde_json::from_str::<Value>(&body).unwrap()["value"];
        assert_eq!(value["status"], "ready", "{uri}: {value}");
        let clv = value["clv"].as_f64().unwrap();
        assert!(clv >= 0.0, "{uri}: {value}");
        if let Some(p_alive) = value["p_alive"].as_f64() {
            assert!((0.0..=1.0).contains(&p_alive), "{uri}: {value}");
        }
        sum += clv;
    }
    assert!((sum - total).abs() <= 1e-6 * total, "{sum} vs {total}");
    let (_, _, page) = send(&app.router, with_cookie("/customers/C001", &cookie)).await;
    assert!(
        page.contains("Lifetime value") && page.contains("Probability still active"),
        "{page}"
    );
    // Shares of the top customers are shares: between 0 and 1, growing with N.
    let top: Vec<f64> = figures["concentration"]["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["share"].as_f64().unwrap())
        .collect();
    assert!(top.windows(2).all(|w| w[0] <= w[1]) && top.iter().all(|s| (0.0..=1.0).contains(s)));
    let (status, headers, html) = send(
        &app.router,
        with_cookie("/report", &format!("{cookie}; bw_lang=fr")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(
        html.contains("lang=\"fr\"") && html.contains("<svg"),
        "{}",
        &html[..html.len().min(400)]
    );
}

/// A `multipart/form-data` request carrying `files` (name, content) and form `fields`.
fn multipart(
    uri: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
    files: &[(&str, &str)],
) -> Request<Body> {
    let boundary = "bellwether-test-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    for (file_name, content) in files {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let mut request = Request::post(uri).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={boundary}"),
    );
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body)).unwrap()
}

const NEW_CUSTOMERS: &str = "customer_id,name,industry,country,employees\nN1,New Bank,Banking,FR,5000\nN2,New Shop,Retail,IT,20\n";
const GOOD_TRANSACTIONS: &str =
    "customer_id,date,amount\nN1,2024-01-15,1200.50\nN1,2024-03-01,900\nN2,2024-02-02,15\n";
/// Line 3 has a date that does not exist, line 4 an unknown customer.
const BAD_TRANSACTIONS: &str =
    "customer_id,date,amount\nN1,2024-01-15,1200.50\nN1,2024-02-30,900\nZZ9,2024-02-02,15\n";

async fn an_import_with_a_bad_row_writes_nothing_and_names_every_problem(backend: Backend) {
    let Some(app) = app_on(backend, 5).await else {
        return;
    };
    let (cookie, csrf) = sign_in(&app.router, "admin@example.com").await;
    let (status, _, page) = send(&app.router, with_cookie("/import", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("multipart/form-data"), "{page}");

    let request = multipart(
        "/import",
        Some(&cookie),
        &[("csrf", &csrf)],
        &[
            ("customers.csv", NEW_CUSTOMERS),
            ("transactions.csv", BAD_TRANSACTIONS),
        ],
    );
    let (status, _, page) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("role=\"alert\""), "{page}");
    assert!(page.contains("transactions.csv:3:2:"), "{page}");
    assert!(page.contains("transactions.csv:4:1:"), "{page}");
    let counts = app.store.counts().await.unwrap();
    assert_eq!((counts.customers, counts.transactions), (5, 0));

    let request = multipart(
        "/import",
        Some(&cookie),
        &[("csrf", &csrf)],
        &[
            ("customers.csv", NEW_CUSTOMERS),
            ("transactions.csv", GOOD_TRANSACTIONS),
        ],
    );
    let (status, _, page) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("role=\"status\""), "{page}");
    let counts = app.store.counts().await.unwrap();
    assert_eq!((counts.customers, counts.transactions), (7, 3));
    // The ranking is rescored at once, and the import is in the audit log under its author.
    let (_, _, json) = send(&app.router, with_cookie("/api/v1/customers/N1", &cookie)).await;
    assert_eq!(
        serde_json::from_str::<Value>(&json).unwrap()["transactions"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let audit = app.store.audit_log(10).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "import")
        .expect("an import entry");
    assert_eq!(entry.user_email.as_deref(), Some("admin@example.com"));
    assert!(entry.detail.contains("3 transactions"), "{}", entry.detail);
}

async fn imports_need_an_analyst_a_csrf_token_and_known_file_names(backend: Backend) {
    let Some(app) = app_on(backend, 5).await else {
        return;
    };
    let files = [("customers.csv", NEW_CUSTOMERS)];
    // Anonymous: refused on the page and the API.
    let (status, headers, _) = send(&app.router, multipart("/import", None, &[], &files)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/login");
    let (status, _, _) = send(&app.router, multipart("/api/v1/imports", None, &[], &files)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A viewer reads but cannot import, even with a valid token.
    let (viewer, viewer_csrf) = sign_in(&app.router, "viewer@example.com").await;
    assert_eq!(
        send(&app.router, with_cookie("/import", &viewer)).await.0,
        StatusCode::FORBIDDEN
    );
    let request = multipart("/import", Some(&viewer), &[("csrf", &viewer_csrf)], &files);
    assert_eq!(send(&app.router, request).await.0, StatusCode::FORBIDDEN);
    // An admin without the CSRF token, or with another session's, is refused.
    let (admin, _) = sign_in(&app.router, "admin@example.com").await;
    let request = multipart("/import", Some(&admin), &[], &files);
    assert_eq!(send(&app.router, request).await.0, StatusCode::FORBIDDEN);
    let request = multipart("/import", Some(&admin), &[("csrf", &viewer_csrf)], &files);
    assert_eq!(send(&app.router, request).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.store.counts().await.unwrap().customers, 5);
    // Path traversal in a file name is refused, not followed.
    let (admin, admin_csrf) = sign_in(&app.router, "admin@example.com").await;
    let request = multipart(
        "/api/v1/imports",
        Some(&admin),
        &[("csrf", &admin_csrf)],
        &[("../../etc/passwd", "root:x:0:0")],
    );
    let (status, _, body) = send(&app.router, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(app.store.counts().await.unwrap().imports, 1);
}

async fn scripts_import_through_the_api_with_a_token(backend: Backend) {
    let Some(app) = app_on(backend, 5).await else {
        return;
    };
    let token = api_token(&app, "admin@example.com").await;
    let with_token = |files: &[(&str, &str)]| {
        let mut request = multipart("/api/v1/imports", None, &[], files);
        request.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        request
    };
    let (status, _, body) = send(
        &app.router,
        with_token(&[
            ("customers.csv", NEW_CUSTOMERS),
            ("transactions.csv", BAD_TRANSACTIONS),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["imported"], false);
    assert_eq!(report["rejected_rows"], 2);
    assert_eq!(
        report["problems"].as_array().map(Vec::len),
        Some(2),
        "{body}"
    );
    let (status, _, body) = send(
        &app.router,
        with_token(&[
            ("customers.csv", NEW_CUSTOMERS),
            ("transactions.csv", GOOD_TRANSACTIONS),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["summary"]["customers_added"], 2);
    assert_eq!(report["summary"]["transactions"], 3);
    assert_eq!(app.store.counts().await.unwrap().customers, 7);
}

async fn analysts_edit_collaborations_and_every_edit_is_audited(backend: Backend) {
    let Some(app) = app_on(backend, 5).await else {
        return;
    };
    let body = "collaboration_id=COLX&name=Pilot&started=2024-05-01&partners=C001%2C+C002&requirements=Single+sign-on%0D%0AAudit+log+export&language=en";
    // A viewer may not edit; nobody may edit without the session's CSRF token.
    let (viewer, viewer_csrf) = sign_in(&app.router, "viewer@example.com").await;
    let (status, _, _) = send(
        &app.router,
        form(
            "/partners/collaborations",
            &viewer,
            &format!("csrf={viewer_csrf}&{body}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (admin, admin_csrf) = sign_in(&app.router, "admin@example.com").await;
    let (status, _, _) = send(&app.router, form("/partners/collaborations", &admin, body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(app.store.collaboration("COLX").await.unwrap().is_none());

    let (status, headers, _) = send(
        &app.router,
        form(
            "/partners/collaborations",
            &admin,
            &format!("csrf={admin_csrf}&{body}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/partners?saved=COLX"));
    let stored = app.store.collaboration("COLX").await.unwrap().unwrap();
    assert_eq!(stored.customer_ids, ["C001", "C002"]);
    assert_eq!(stored.requirements.len(), 2);
    assert_eq!(stored.requirements[1].text, "Audit log export");
    // The page lists it with the reach of its requirements.
    let (_, _, page) = send(&app.router, with_cookie("/partners", &admin)).await;
    assert!(
        page.contains("COLX") && page.contains("Audit log export"),
        "{page}"
    );

    // An unknown partner is refused and nothing changes.
    let (status, _, _) = send(
        &app.router,
        form(
            "/partners/collaborations",
            &admin,
            &format!("csrf={admin_csrf}&collaboration_id=COLX&partners=NOPE&requirements=More"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.store
            .collaboration("COLX")
            .await
            .unwrap()
            .unwrap()
            .requirements
            .len(),
        2
    );

    // Scripts use the API: 201 for a new collaboration, 200 for an addition.
    let token = api_token(&app, "admin@example.com").await;
    let post = |json: &str| {
        Request::post("/api/v1/collaborations")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_string()))
            .unwrap()
    };
    let (status, _, body) = send(
        &app.router,
        post(
            r#"{"collaboration_id":"COLY","partners":["C003"],"requirements":["Nightly export"]}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _, body) = send(
        &app.router,
        post(r#"{"collaboration_id":"COLY","requirements":["Weekly export"]}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["created"],
        false
    );
    // A new collaboration without partners conflicts with the (empty) stored state: 409.
    let (status, _, _) = send(&app.router, post(r#"{"collaboration_id":"COLZ"}"#)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A blank requirement or a malformed date is a bad request.
    let (status, _, _) = send(
        &app.router,
        post(r#"{"collaboration_id":"COLY","requirements":["  "]}"#),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = send(
        &app.router,
        post(r#"{"collaboration_id":"COLY","started":"2024-13-01"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let audit = app.store.audit_log(20).await.unwrap();
    let edits: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "collaboration-edit")
        .collect();
    assert_eq!(edits.len(), 3, "{audit:?}");
    assert!(edits
        .iter()
        .all(|e| e.user_email.as_deref() == Some("admin@example.com")));
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
    anonymous_visitors_see_no_data,
    sign_in_needs_the_form_token_and_the_password_and_sets_a_safe_cookie,
    sign_out_needs_the_csrf_token_and_ends_the_session,
    repeated_failed_sign_ins_lock_the_account,
    the_api_pages_filters_and_sorts_the_ranking,
    hostile_input_is_harmless,
    api_tokens_authenticate_scripts,
    the_openapi_description_covers_the_api,
    only_admins_manage_users_and_every_addition_is_audited,
    pages_speak_the_chosen_language_and_remember_it,
    an_import_with_a_bad_row_writes_nothing_and_names_every_problem,
    imports_need_an_analyst_a_csrf_token_and_known_file_names,
    scripts_import_through_the_api_with_a_token,
    analysts_edit_collaborations_and_every_edit_is_audited,
    the_report_is_served_to_signed_in_users_in_their_language,
    customer_values_are_unavailable_when_the_report_cannot_be_computed,
    admins_disable_and_enable_users,
);
