//! Server-rendered pages (maud): login, the ranking with filters, sorting and
//! paging, and a customer page. Plain HTML forms; no script is needed.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use bellwether_store::Role;
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;

use crate::api::{self, ListQuery, QuadrantName, SortKey};
use crate::auth::{self, Credential, CurrentUser, SESSION_COOKIE};
use crate::error::{AppError, PageError};
use crate::lang::{messages, Lang};
use crate::login::{
    check_length, ClientAddr, TryLater, MAX_EMAIL_BYTES, MAX_PASSWORD_BYTES, MAX_TOKEN_BYTES,
};
use crate::AppState;
use bellwether_i18n::{Locale, Messages};

/// Name of the cookie holding the login form's CSRF secret (double submit: the form must send
/// back the server's HMAC of the cookie's value, which another site can neither read nor make).
pub const LOGIN_CSRF_COOKIE: &str = "bw_login_csrf";

/// How long a session lasts.
const SESSION_HOURS: i64 = 12;

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}
header{display:flex;gap:1rem;align-items:center;padding:.6rem 1.2rem;background:#1d3557;color:#fff}
header a{color:#fff} header form{margin-left:auto}
main{padding:1rem 1.2rem;max-width:1200px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{padding:.35rem .5rem;border-bottom:1px solid #ddd;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.q-strategic{color:#0072b2;font-weight:600}.q-showcase{color:#cc79a7}.q-representative{color:#009e73}.q-transactional{color:#666}
.error{color:#b00020}
form.filters{display:flex;gap:.5rem;margin-bottom:.8rem;flex-wrap:wrap}
nav.pages{margin-top:.8rem;display:flex;gap:1rem}
@media print{header form,form.filters,nav.pages{display:none}}
";

/// The page frame, with the language switch (`here` is the current path, to come back to).
pub fn layout(
    m: &Messages,
    here: &str,
    title: &str,
    user: Option<&CurrentUser>,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(m.locale().tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No icon: without this the browser asks for /favicon.ico and logs the 404.
                link rel="icon" href="data:,";
                title { (title) " · Bellwether" }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                header {
                    strong { a href="/" { "Bellwether" } }
                    nav aria-label=(m.get("ui-language", &[])) {
                        @for locale in Locale::ALL {
                            @if locale == m.locale() {
                                strong { (locale.tag()) } " "
                            } @else {
                                a hreflang=(locale.tag()) href=(format!("/lang/{}?next={}", locale.tag(), url_encode(here))) { (locale.tag()) } " "
                            }
                        }
                    }
                    @if let Some(user) = user {
                        a href="/map" { (m.get("ui-map", &[])) }
                        a href="/partners" { (m.get("ui-partners", &[])) }
                        @if user.user.role >= Role::Analyst { a href="/import" { (m.get("ui-import", &[])) } }
                        a href="/report" { (m.get("ui-report", &[])) }
                        @if user.user.role == Role::Admin { a href="/admin/users" { (m.get("ui-users", &[])) } }
                        span { (user.user.email) " (" (user.user.role.as_str()) ")" }
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(user.csrf_token());
                            button type="submit" { (m.get("ui-sign-out", &[])) }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

fn cookie_header(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// `GET /login`.
pub async fn login_form(
    State(state): State<AppState>,
    Lang(locale): Lang,
) -> Result<Response, PageError> {
    Ok(login_page(&state, locale, false, "")?)
}

/// The sign-in page, with a fresh CSRF cookie and the form token bound to it.
fn login_page(
    state: &AppState,
    locale: Locale,
    failed: bool,
    email: &str,
) -> Result<Response, AppError> {
    let cookie = auth::new_token()?;
    let csrf = auth::login_csrf_token(&state.login_csrf_key, &cookie);
    let csrf = csrf.as_str();
    let m = messages(locale)?;
    let page = layout(
        &m,
        "/login",
        &m.get("ui-sign-in", &[]),
        None,
        html! {
            h1 { (m.get("ui-sign-in", &[])) }
            @if failed { p.error role="alert" { (m.get("ui-wrong-password", &[])) } }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                p { label { (m.get("ui-email", &[])) " " input type="email" name="email" value=(email) required autofocus; } }
                p { label { (m.get("ui-password", &[])) " " input type="password" name="password" required; } }
                p { button type="submit" { (m.get("ui-sign-in", &[])) } }
            }
        },
    );
    let mut response = Html(page.into_string()).into_response();
    let name = state.cookie_name(LOGIN_CSRF_COOKIE);
    if let Ok(value) = cookie_header(&name, &cookie, 3600, state.secure_cookies).parse() {
        response.headers_mut().append(SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub csrf: String,
}

/// `POST /login`: checks the fields' lengths, where the form comes from, its CSRF token, the
/// client's back-off and the password; on success starts a session.
///
/// The attempt is counted as a failure before the password is checked (and given back on
/// success), so parallel guesses cannot outrun the count; known, unknown and disabled accounts
/// all cost one store lookup and one password check.
pub async fn login(
    State(state): State<AppState>,
    Lang(locale): Lang,
    client: ClientAddr,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(AppError::from_rejection)?;
    check_length("e-mail address", &form.email, MAX_EMAIL_BYTES)?;
    check_length("password", &form.password, MAX_PASSWORD_BYTES)?;
    check_length("CSRF token", &form.csrf, MAX_TOKEN_BYTES)?;
    // A browser says when a form comes from another site, or from another port of this host
    // (same site, another origin): a sign-in only comes from our own page.
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok());
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return Err(AppError::Forbidden(
            "a sign-in must come from the sign-in page of this site".to_string(),
        )
        .into());
    }
    let cookie_csrf = auth::cookie_in(&headers, &state.cookie_name(LOGIN_CSRF_COOKIE));
    if !auth::check_login_csrf(&state.login_csrf_key, cookie_csrf, &form.csrf) {
        return Err(AppError::Forbidden(
            "missing or wrong CSRF token: reload the sign-in page".to_string(),
        )
        .into());
    }
    let email = form.email.trim().to_lowercase();
    if let Err(TryLater(wait)) = state.limiter.begin(&email, client) {
        return Err(AppError::TooManyRequests(wait.as_secs().max(1)).into());
    }
    let user = state.store.user_by_email(&email).await?;
    // The same work whether the account exists or not: timing does not tell which emails exist.
    let hash = user.as_ref().map_or_else(
        || auth::dummy_hash().to_string(),
        |u| u.password_hash.clone(),
    );
    let verified = state.hashing.verify(form.password, hash).await?;
    // A disabled account fails like a wrong password: the page does not tell which.
    let Some(user) = user.filter(|user| verified && user.disabled_at.is_none()) else {
        let mut response = login_page(&state, locale, true, &email)?;
        *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        return Ok(response);
    };
    state.limiter.succeeded(&email, client);
    let token = auth::new_token()?;
    let csrf = auth::new_token()?;
    let expires = chrono_like_expiry(SESSION_HOURS);
    state
        .store
        .create_session(&auth::token_digest(&token), user.id, &csrf, &expires)
        .await?;
    state.store.audit(Some(user.id), "login", "").await?;
    let mut response = Redirect::to("/").into_response();
    let headers = response.headers_mut();
    if let Ok(value) = cookie_header(
        &state.cookie_name(SESSION_COOKIE),
        &token,
        SESSION_HOURS * 3600,
        state.secure_cookies,
    )
    .parse()
    {
        headers.append(SET_COOKIE, value);
    }
    if let Ok(value) = cookie_header(
        &state.cookie_name(LOGIN_CSRF_COOKIE),
        "",
        0,
        state.secure_cookies,
    )
    .parse()
    {
        headers.append(SET_COOKIE, value);
    }
    Ok(response)
}

/// RFC 3339 UTC time `hours` from now, as the store compares them (text order).
fn chrono_like_expiry(hours: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let t = now + hours * 3600;
    let (days, seconds) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Hinnant's `civil_from_days`: the date of a day number (days since 1970-01-01).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let sent = form.ok().map(|Form(f)| f.csrf);
    user.check_csrf(sent.as_deref())?;
    if let Credential::Session { token, .. } = &user.credential {
        state
            .store
            .delete_session(&auth::token_digest(token))
            .await?;
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) = cookie_header(
        &state.cookie_name(SESSION_COOKIE),
        "",
        0,
        state.secure_cookies,
    )
    .parse()
    {
        response.headers_mut().append(SET_COOKIE, value);
    }
    Ok(response)
}

fn quadrant_label(q: QuadrantName) -> &'static str {
    match q {
        QuadrantName::Strategic => "strategic",
        QuadrantName::Showcase => "showcase",
        QuadrantName::Representative => "representative",
        QuadrantName::Transactional => "transactional",
    }
}

fn sort_label(s: SortKey) -> &'static str {
    match s {
        SortKey::Score => "score",
        SortKey::Fit => "fit",
        SortKey::Reputation => "reputation",
        SortKey::Influence => "influence",
        SortKey::CustomerId => "customer_id",
    }
}

/// `GET /`: the ranking, with filters, sorting and paging.
pub async fn ranking(
    State(state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
    query: Result<Query<ListQuery>, QueryRejection>,
    uri: axum::http::Uri,
) -> Result<Html<String>, PageError> {
    let user = user?;
    user.require(Role::Viewer)?;
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let page = api::list(&state.ranking(), &query)?;
    let m = messages(locale)?;
    let t = |key: &str| m.get(key, &[]);
    let link = |page_number: u32| {
        let mut parts = vec![format!("page={page_number}")];
        if let Some(q) = query.quadrant {
            parts.push(format!("quadrant={}", quadrant_label(q)));
        }
        if let Some(s) = query.sort {
            parts.push(format!("sort={}", sort_label(s)));
        }
        if let Some(q) = query.q.as_deref().filter(|q| !q.is_empty()) {
            parts.push(format!("q={}", url_encode(q)));
        }
        format!("/?{}", parts.join("&"))
    };
    let quadrants = [
        QuadrantName::Strategic,
        QuadrantName::Showcase,
        QuadrantName::Representative,
        QuadrantName::Transactional,
    ];
    let sorts = [
        (SortKey::Score, "ui-col-score"),
        (SortKey::Fit, "ui-col-fit"),
        (SortKey::Reputation, "ui-col-reputation"),
        (SortKey::Influence, "ui-col-influence"),
        (SortKey::CustomerId, "ui-col-customer"),
    ];
    let score = |v: f64| m.number(v, 3);
    let body = html! {
        h1 { (t("ui-ranking-title")) }
        form.filters method="get" action="/" {
            label { (t("ui-search")) " " input type="search" name="q" value=(query.q.clone().unwrap_or_default()); }
            label { (t("ui-quadrant")) " "
                select name="quadrant" {
                    option value="" { (t("ui-all")) }
                    @for q in quadrants {
                        option value=(quadrant_label(q)) selected[query.quadrant == Some(q)] { (quadrant_text(&m, q)) }
                    }
                }
            }
            label { (t("ui-sort-by")) " "
                select name="sort" {
                    @for (s, key) in sorts {
                        option value=(sort_label(s)) selected[query.sort.unwrap_or_default() == s] { (t(key)) }
                    }
                }
            }
            button type="submit" { (t("ui-apply")) }
        }
        p { (m.get("ui-customers-count", &[("count", &m.number(page.total as f64, 0))])) }
        table {
            thead { tr {
                th { "#" } th { (t("ui-col-customer")) } th { (t("ui-col-name")) } th { (t("ui-col-industry")) }
                th { (t("ui-col-country")) } th { (t("ui-quadrant")) } th { (t("ui-col-score")) } th { (t("ui-col-fit")) }
                th { (t("ui-col-reputation")) } th { (t("ui-col-influence")) }
            } }
            tbody {
                @for row in &page.items {
                    tr {
                        td.num { (row.rank) }
                        td { a href=(format!("/customers/{}", url_encode(&row.customer_id))) { (row.customer_id) } }
                        td { (row.name.clone().unwrap_or_default()) }
                        td { (row.industry.clone().unwrap_or_default()) }
                        td { (row.country.clone().unwrap_or_default()) }
                        td class=(format!("q-{}", quadrant_label(row.quadrant))) { (quadrant_text(&m, row.quadrant)) }
                        td.num { (score(row.strategic_score)) }
                        td.num { (score(row.fit)) }
                        td.num { (score(row.reputation)) }
                        td.num { (score(row.influence)) }
                    }
                }
            }
        }
        nav.pages {
            @if page.page > 1 { a rel="prev" href=(link(page.page - 1)) { "← " (t("ui-previous")) } }
            span { (m.get("ui-page-of", &[("page", &page.page.to_string()), ("pages", &page.pages.max(1).to_string())])) }
            @if (page.page as usize) < page.pages { a rel="next" href=(link(page.page + 1)) { (t("ui-next")) " →" } }
        }
    };
    let here = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let title = t("ui-ranking-title");
    Ok(Html(
        layout(&m, &here, &title, Some(&user), body).into_string(),
    ))
}

/// `GET /customers/{id}`.
pub async fn customer(
    State(state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, PageError> {
    let user = user?;
    user.require(Role::Viewer)?;
    let Path(id) = id.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let detail = api::detail(&state, &id).await?;
    let m = messages(locale)?;
    let t = |key: &str| m.get(key, &[]);
    let c = &detail.customer;
    let score = |v: f64| m.number(v, 3);
    let body = html! {
        h1 { (c.name.clone().unwrap_or_else(|| c.customer_id.clone())) }
        p { (m.get("ui-customer-line", &[("id", &c.customer_id), ("rank", &c.rank.to_string())])) " · "
            span class=(format!("q-{}", quadrant_label(c.quadrant))) { (quadrant_text(&m, c.quadrant)) } }
        table {
            tbody {
                tr { th { (t("ui-strategic-score")) } td.num { (score(c.strategic_score)) } }
                tr { th { (t("ui-col-fit")) } td.num { (score(c.fit)) } }
                tr { th { (t("ui-col-reputation")) } td.num { (score(c.reputation)) } }
                tr { th { (t("ui-col-influence")) } td.num { (score(c.influence)) } }
                tr { th { (t("ui-coupon-share")) } td.num { (m.percent(c.coupon_share, 1)) } }
                tr { th { (t("ui-discount-share")) } td.num { (m.percent(c.discount_share, 1)) } }
            }
        }
        h2 { (t("ui-value")) }
        @match detail.value.status.as_str() {
            "ready" if detail.value.p_alive.is_some() => {
                table.value {
                    tbody {
                        tr { th { (m.get("ui-clv", &[("months", &detail.value.horizon_months.unwrap_or(0).to_string())])) }
                             td.num { (m.currency(detail.value.clv.unwrap_or(0.0), detail.value.currency.as_deref().unwrap_or("USD"))) } }
                        tr { th { (t("ui-p-alive")) } td.num { (m.percent(detail.value.p_alive.unwrap_or(0.0), 1)) } }
                    }
                }
                p { (m.get("ui-value-source", &[("model", detail.value.model.as_deref().unwrap_or("?"))])) " " a href="/report" { (t("ui-report")) } }
            }
            "computing" => { p.value-pending { (t("ui-value-computing")) } }
            _ => { p { (t("ui-value-none")) } }
        }
        h2 { (t("ui-why")) }
        ul { @for r in &c.reasons { li { (if r.effect > 0.0 { "+ " } else if r.effect < 0.0 { "− " } else { "? " }) (r.text) } } }
        h2 { (m.get("ui-requests", &[("count", &detail.requests.len().to_string())])) }
        ul { @for r in &detail.requests { li { (r.date) " " @if let Some(l) = &r.language { "[" (l) "] " } (r.text) } } }
        h2 { (m.get("ui-transactions", &[("count", &detail.transactions.len().to_string())])) }
        table {
            thead { tr { th { (t("ui-col-date")) } th { (t("ui-col-amount")) } th { (t("ui-col-discount")) } th { (t("ui-col-coupon")) } } }
            tbody {
                @for tx in detail.transactions.iter().rev().take(200) {
                    tr {
                        td { (tx.date) }
                        td.num { (m.number(tx.amount, 2)) " " (tx.currency.clone().unwrap_or_default()) }
                        td.num { (tx.discount.map(|d| m.number(d, 2)).unwrap_or_default()) }
                        td { (tx.coupon.clone().unwrap_or_default()) }
                    }
                }
            }
        }
        p { a href="/" { (t("ui-back")) } }
    };
    let here = format!("/customers/{}", url_encode(&c.customer_id));
    Ok(Html(
        layout(&m, &here, &c.customer_id, Some(&user), body).into_string(),
    ))
}

/// A quadrant's name in the page's language.
fn quadrant_text(m: &Messages, q: QuadrantName) -> String {
    m.get(&format!("quadrant-{}", quadrant_label(q)), &[])
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /admin/users`: the users and the newest audit entries (admins only).
pub async fn users(
    State(state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
) -> Result<Html<String>, PageError> {
    let user = user?;
    user.require(Role::Admin)?;
    Ok(Html(
        users_page(&state, locale, &user, None).await?.into_string(),
    ))
}

async fn users_page(
    state: &AppState,
    locale: Locale,
    user: &CurrentUser,
    message: Option<&str>,
) -> Result<Markup, AppError> {
    let users = state.store.users().await?;
    let audit = state.store.audit_log(50).await?;
    let m = messages(locale)?;
    let t = |key: &str| m.get(key, &[]);
    let body = html! {
        h1 { (t("ui-users-title")) }
        @if let Some(message) = message { p role="status" { (message) } }
        p { a href="/admin/tokens" { (t("ui-tokens")) } }
        table {
            thead { tr { th { (t("ui-col-email")) } th { (t("ui-col-role")) } th { (t("ui-col-since")) } th { (t("ui-col-status")) } } }
            tbody { @for u in &users { tr {
                td { (u.email) }
                td {
                    form.role method="post" action="/admin/users/role" {
                        input type="hidden" name="csrf" value=(user.csrf_token());
                        input type="hidden" name="email" value=(u.email);
                        select name="role" aria-label=(t("ui-col-role")) {
                            @for r in [Role::Viewer, Role::Analyst, Role::Admin] {
                                option value=(r.as_str()) selected[u.role == r] { (r.as_str()) }
                            }
                        }
                        " " button type="submit" { (t("ui-change-role")) }
                    }
                }
                td { (u.created_at) }
                td {
                    form.status method="post" action="/admin/users/status" {
                        input type="hidden" name="csrf" value=(user.csrf_token());
                        input type="hidden" name="email" value=(u.email);
                        @if let Some(since) = &u.disabled_at {
                            (m.get("ui-user-disabled", &[("since", since)])) " "
                            input type="hidden" name="action" value="enable";
                            button type="submit" { (t("ui-enable-user")) }
                        } @else {
                            (t("ui-user-active")) " "
                            input type="hidden" name="action" value="disable";
                            button type="submit" { (t("ui-disable-user")) }
                        }
                    }
                }
            } } }
        }
        h2 { (t("ui-user-add")) }
        form method="post" action="/admin/users" {
            input type="hidden" name="csrf" value=(user.csrf_token());
            p { label { (t("ui-email")) " " input type="email" name="email" required; } }
            p { label { (t("ui-password-rule")) " " input type="password" name="password" minlength="10" required; } }
            p { label { (t("ui-role")) " "
                select name="role" {
                    option value="viewer" { (t("ui-role-viewer")) }
                    option value="analyst" { (t("ui-role-analyst")) }
                    option value="admin" { (t("ui-role-admin")) }
                }
            } }
            p { button type="submit" { (t("ui-add")) } }
        }
        h2 { (t("ui-audit-log")) }
        table {
            thead { tr { th { (t("ui-col-when")) } th { (t("ui-col-who")) } th { (t("ui-col-what")) } th { (t("ui-col-detail")) } } }
            tbody { @for e in &audit { tr { td { (e.at) } td { (e.user_email.clone().unwrap_or_else(|| t("ui-command-line"))) } td { (e.action) } td { (e.detail) } } } }
        }
    };
    Ok(layout(
        &m,
        "/admin/users",
        &t("ui-users-title"),
        Some(user),
        body,
    ))
}

#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    pub csrf: String,
    pub email: String,
    pub password: String,
    pub role: String,
}

/// `POST /admin/users`: adds a user (admins only), recorded in the audit log.
pub async fn add_user(
    State(state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
    form: Result<Form<NewUserForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let user = user?;
    user.require(Role::Admin)?;
    let Form(form) = form.map_err(AppError::from_rejection)?;
    user.check_csrf(Some(&form.csrf))?;
    check_length("e-mail address", &form.email, MAX_EMAIL_BYTES)?;
    check_length("password", &form.password, MAX_PASSWORD_BYTES)?;
    let email = form.email.trim().to_lowercase();
    if !email.contains('@') || email.contains(char::is_whitespace) {
        return Err(AppError::BadRequest(format!("`{email}` is not an email address")).into());
    }
    if form.password.chars().count() < 10 {
        return Err(AppError::BadRequest(
            "the password must have at least 10 characters".to_string(),
        )
        .into());
    }
    let role = Role::parse(&form.role)
        .ok_or_else(|| AppError::BadRequest(format!("unknown role `{}`", form.role)))?;
    let hash = state.hashing.hash(form.password).await?;
    match state.store.create_user(&email, &hash, role).await {
        Ok(added) => {
            state
                .store
                .audit(
                    Some(user.user.id),
                    "user-add",
                    &format!("{} as {}", added.email, role.as_str()),
                )
                .await?;
            // The messages are not `Send`: done with them before the next await.
            let message = messages(locale)?.get(
                "ui-user-added",
                &[("email", &added.email), ("role", role.as_str())],
            );
            let page = users_page(&state, locale, &user, Some(&message)).await?;
            Ok(Html(page.into_string()).into_response())
        }
        Err(bellwether_store::StoreError::Duplicate(what)) => {
            Err(AppError::BadRequest(format!("{what} already exists")).into())
        }
        Err(error) => Err(AppError::from(error).into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    /// Missing is the same as wrong: 403.
    #[serde(default)]
    pub csrf: String,
    pub email: String,
    pub role: String,
}

/// `POST /admin/users/role`: changes a user's role (admins only; never the last admin away),
/// recorded in the audit log.
pub async fn set_role(
    State(state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
    form: Result<Form<RoleForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let user = user?;
    user.require(Role::Admin)?;
    let Form(form) = form.map_err(AppError::from_rejection)?;
    user.check_csrf(Some(&form.csrf))?;
    let role = Role::parse(&form.role)
        .ok_or_else(|| AppError::BadRequest(format!("unknown role `{}`", form.role)))?;
    let email = form.email.trim().to_lowercase();
    match state.store.set_role(&email, role).await {
        Ok(true) => {}
        Ok(false) => return Err(AppError::NotFound(format!("no user `{email}`")).into()),
        Err(bellwether_store::StoreError::LastAdmin) => {
            return Err(AppError::BadRequest(
                "this is the last admin: make another user admin first".to_string(),
            )
            .into())
        }
        Err(error) => return Err(AppError::from(error).into()),
    }
    state
        .store
        .audit(
            Some(user.user.id),
            "user-role",
            &format!("{email} is now {}", role.as_str()),
        )
        .await?;
    // The messages are not `Send`: done with them before the next await.
    let message = messages(locale)?.get(
        "ui-role-changed",
        &[("email", &email), ("role", role.as_str())],
    );
    let page = users_page(&state, locale, &user, Some(&message)).await?;
    Ok(Html(page.into_string()).into_response())
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    /// Missing is the same as wrong: 403.
    #[serde(default)]
    pub csrf: String,
    pub email: String,
    /// `disable` or `enable`.
    pub action: String,
}

/// `POST /admin/users/status`: disables a user (signed out everywhere, API tokens deleted) or
/// enables them again (admins only; never the last active admin), recorded in the audit log.
pub async fn set_status(
    State(state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
    form: Result<Form<StatusForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let user = user?;
    user.require(Role::Admin)?;
    let Form(form) = form.map_err(AppError::from_rejection)?;
    user.check_csrf(Some(&form.csrf))?;
    let disable = match form.action.as_str() {
        "disable" => true,
        "enable" => false,
        other => {
            return Err(AppError::BadRequest(format!(
                "unknown action `{other}`: disable or enable"
            ))
            .into())
        }
    };
    let email = form.email.trim().to_lowercase();
    match state
        .store
        .set_disabled(&email, disable, Some(user.user.id))
        .await
    {
        Ok(true) => {}
        Ok(false) => return Err(AppError::NotFound(format!("no user `{email}`")).into()),
        Err(bellwether_store::StoreError::LastAdmin) => {
            return Err(AppError::BadRequest(
                "this is the last admin: make another user admin first".to_string(),
            )
            .into())
        }
        Err(error) => return Err(AppError::from(error).into()),
    }
    // The messages are not `Send`: done with them before the next await.
    let key = if disable {
        "ui-user-was-disabled"
    } else {
        "ui-user-was-enabled"
    };
    let message = messages(locale)?.get(key, &[("email", &email)]);
    let page = users_page(&state, locale, &user, Some(&message)).await?;
    Ok(Html(page.into_string()).into_response())
}

/// `GET /admin/tokens`: every API token (its id and name, never the token), each with a button
/// to revoke it (admins only).
pub async fn tokens(
    State(state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
) -> Result<Html<String>, PageError> {
    let user = user?;
    user.require(Role::Admin)?;
    Ok(Html(
        tokens_page(&state, locale, &user, None)
            .await?
            .into_string(),
    ))
}

async fn tokens_page(
    state: &AppState,
    locale: Locale,
    user: &CurrentUser,
    message: Option<&str>,
) -> Result<Markup, AppError> {
    let tokens = state.store.api_tokens(None).await?;
    let m = messages(locale)?;
    let t = |key: &str| m.get(key, &[]);
    let body = html! {
        h1 { (t("ui-tokens-title")) }
        @if let Some(message) = message { p role="status" { (message) } }
        p { (t("ui-tokens-help")) }
        @if tokens.is_empty() {
            p { (t("ui-no-tokens")) }
        } @else {
            table #tokens {
                thead { tr { th { (t("ui-col-token-id")) } th { (t("ui-col-name")) } th { (t("ui-col-email")) } th { (t("ui-col-since")) } th {} } }
                tbody { @for token in &tokens { tr {
                    td { code { (token.id) } }
                    td { (token.name) }
                    td { (token.user_email) }
                    td { (token.created_at) }
                    td {
                        form.revoke method="post" action="/admin/tokens/revoke" {
                            input type="hidden" name="csrf" value=(user.csrf_token());
                            input type="hidden" name="email" value=(token.user_email);
                            input type="hidden" name="id" value=(token.id);
                            button type="submit" { (t("ui-revoke-token")) }
                        }
                    }
                } } }
            }
        }
        p { a href="/admin/users" { (t("ui-users")) } }
    };
    Ok(layout(
        &m,
        "/admin/tokens",
        &t("ui-tokens-title"),
        Some(user),
        body,
    ))
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    /// Missing is the same as wrong: 403.
    #[serde(default)]
    pub csrf: String,
    pub email: String,
    /// The token's id (or its name, when the user has one token of that name).
    pub id: String,
}

/// `POST /admin/tokens/revoke`: revokes one API token (admins only), recorded in the audit log.
pub async fn revoke_token(
    State(state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
    form: Result<Form<RevokeForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let user = user?;
    user.require(Role::Admin)?;
    let Form(form) = form.map_err(AppError::from_rejection)?;
    user.check_csrf(Some(&form.csrf))?;
    check_length("e-mail address", &form.email, MAX_EMAIL_BYTES)?;
    let email = form.email.trim().to_lowercase();
    let revoked = match state
        .store
        .revoke_api_token(&email, form.id.trim(), Some(user.user.id))
        .await
    {
        Ok(Some(token)) => token,
        Ok(None) => {
            return Err(AppError::NotFound(format!(
                "{email} has no API token `{}`",
                form.id.trim()
            ))
            .into())
        }
        Err(bellwether_store::StoreError::Ambiguous(reason)) => {
            return Err(AppError::BadRequest(reason).into())
        }
        Err(error) => return Err(AppError::from(error).into()),
    };
    // The messages are not `Send`: done with them before the next await.
    let message = messages(locale)?.get(
        "ui-token-revoked",
        &[
            ("name", &revoked.name),
            ("id", &revoked.id),
            ("email", &revoked.user_email),
        ],
    );
    let page = tokens_page(&state, locale, &user, Some(&message)).await?;
    Ok(Html(page.into_string()).into_response())
}

/// `GET /report`: the due-diligence report in the page's language (the same HTML
/// file `bellwether report` writes, self-contained).
pub async fn report(
    State(state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
) -> Result<Html<String>, PageError> {
    let user = user?;
    user.require(Role::Viewer)?;
    let figures = crate::report_figures(&state).await?;
    let html = bellwether_report::render_html(&figures, locale)
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(Html(html))
}

/// How many customers the quadrant map draws at most (every strategic one, then a sample).
const MAP_POINTS: usize = 3000;

/// `GET /map`: fit against reputation for the customers, strategic ones first.
pub async fn map(
    State(state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
) -> Result<Html<String>, PageError> {
    let user = user?;
    user.require(Role::Viewer)?;
    let ranking = state.ranking();
    let scores = &ranking.ranking.scores;
    let point = |score: &bellwether_core::Score| bellwether_report::MapPoint {
        fit: score.fit,
        reputation: score.reputation,
        quadrant: score.quadrant,
    };
    // Every strategic customer (they are few and the point of the map), then an even sample.
    let strategic: Vec<_> = scores
        .iter()
        .filter(|s| s.quadrant == bellwether_core::Quadrant::Strategic)
        .take(MAP_POINTS / 2)
        .map(point)
        .collect();
    let others = scores
        .iter()
        .filter(|s| s.quadrant != bellwether_core::Quadrant::Strategic);
    let n_others = scores.len()
        - ranking
            .quadrant_counts
            .get(&bellwether_core::Quadrant::Strategic)
            .copied()
            .unwrap_or(0);
    let step = n_others
        .div_ceil((MAP_POINTS - strategic.len()).max(1))
        .max(1);
    let mut points = strategic;
    points.extend(others.step_by(step).map(point));
    let m = messages(locale)?;
    let t = |key: &str| m.get(key, &[]);
    let svg = bellwether_report::quadrant_map_svg(&m, &points, ranking.thresholds);
    let body = html! {
        h1 { (t("ui-map-title")) }
        p { (m.get("ui-map-help", &[("shown", &m.number(points.len() as f64, 0)), ("count", &m.number(scores.len() as f64, 0))])) }
        figure.map { (maud::PreEscaped(svg)) }
        table {
            thead { tr { th { (t("ui-quadrant")) } th { (t("ui-customers")) } } }
            tbody {
                @for q in [QuadrantName::Strategic, QuadrantName::Showcase, QuadrantName::Representative, QuadrantName::Transactional] {
                    tr {
                        td { a href=(format!("/?quadrant={}", quadrant_label(q))) class=(format!("q-{}", quadrant_label(q))) { (quadrant_text(&m, q)) } }
                        td.num { (m.number(ranking.quadrant_counts.get(&q.into()).copied().unwrap_or(0) as f64, 0)) }
                    }
                }
            }
        }
    };
    Ok(Html(
        layout(&m, "/map", &t("ui-map"), Some(&user), body).into_string(),
    ))
}

/// `GET /partners`: a balanced set of design partners, and the collaborations with the reach
/// of each requirement.
pub async fn partners(
    State(state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
    query: Result<Query<api::PartnersQuery>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let user = user?;
    user.require(Role::Viewer)?;
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let set = api::partner_set(&state, query.k)?;
    let collaborations = api::collaboration_page(
        &state,
        &api::PageQuery {
            page: Some(1),
            per_page: Some(api::MAX_PER_PAGE),
        },
    )
    .await?;
    let m = messages(locale)?;
    let t = |key: &str| m.get(key, &[]);
    let verdict = |broad: bool| {
        if broad {
            t("ui-broadly-sellable")
        } else {
            t("ui-tailor-made")
        }
    };
    let body = html! {
        h1 { (t("ui-partners-title")) }
        p { (m.get("ui-partners-help", &[("k", &set.k.to_string()), ("covered", &m.percent(set.covered_share, 1))])) }
        form.filters method="get" action="/partners" {
            label { (t("ui-partners-k")) " " input type="number" name="k" min="1" max=(api::MAX_PARTNERS) value=(set.k); }
            button type="submit" { (t("ui-apply")) }
        }
        table #partners {
            thead { tr { th { (t("ui-col-pick")) } th { (t("ui-col-customer")) } th { (t("ui-col-name")) } th { (t("ui-col-segment")) } th { (t("ui-col-score")) } th { (t("ui-col-gain")) } } }
            tbody {
                @for p in &set.partners {
                    tr {
                        td.num { (p.pick) }
                        td { a href=(format!("/customers/{}", url_encode(&p.customer_id))) { (p.customer_id) } }
                        td { (p.name.clone().unwrap_or_default()) }
                        td { (p.segment) }
                        td.num { (m.number(p.strategic_score, 3)) }
                        td.num { (m.number(p.gain, 4)) }
                    }
                }
            }
        }
        h2 { (m.get("ui-collaborations", &[("count", &collaborations.total.to_string())])) }
        @if collaborations.items.is_empty() { p { (t("ui-no-collaborations")) } }
        @for c in &collaborations.items {
            section.collaboration {
                h3 { (c.collaboration_id) @if let Some(name) = &c.name { " · " (name) } }
                p { (t("ui-col-partners")) ": "
                    @for (i, partner) in c.partners.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href=(format!("/customers/{}", url_encode(partner))) { (partner) }
                    }
                }
                table {
                    thead { tr { th { "#" } th { (t("ui-col-requirement")) } th { (t("ui-col-reach")) } th { (t("ui-col-audience-share")) } th { (t("ui-col-verdict")) } } }
                    tbody {
                        @for r in &c.requirements {
                            tr {
                                td.num { (r.position) }
                                td { @if let Some(l) = &r.language { "[" (l) "] " } (r.text) }
                                td.num { (m.number(r.other_customers as f64, 0)) }
                                td.num { (m.percent(r.audience_share, 1)) }
                                td class=(if r.broadly_sellable { "broad" } else { "tailor" }) { (verdict(r.broadly_sellable)) }
                            }
                        }
                    }
                }
            }
        }
        @if user.user.role >= Role::Analyst {
            h2 #add { (t("ui-collab-add")) }
            @if let Some(id) = &query.saved { p role="status" { (m.get("ui-collab-saved", &[("id", id)])) } }
            p { (t("ui-collab-add-help")) }
            form.collab method="post" action="/partners/collaborations" {
                input type="hidden" name="csrf" value=(user.csrf_token());
                p { label { (t("ui-collab-id")) " " input name="collaboration_id" required maxlength="100"; } }
                p { label { (t("ui-collab-name")) " " input name="name" maxlength="200"; } }
                p { label { (t("ui-collab-started")) " " input name="started" pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}"; } }
                p { label { (t("ui-collab-partners")) " " input name="partners"; } }
                p { label { (t("ui-collab-requirements")) br; textarea name="requirements" rows="4" cols="80" {} } }
                p { label { (t("ui-collab-language")) " "
                    select name="language" { option value="" { "?" } @for l in Locale::ALL { option value=(l.tag()) { (l.tag()) } } }
                } }
                p { button type="submit" { (t("ui-collab-submit")) } }
            }
        }
    };
    Ok(Html(
        layout(&m, "/partners", &t("ui-partners"), Some(&user), body).into_string(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct CollaborationForm {
    /// Missing is the same as wrong: 403.
    #[serde(default)]
    pub csrf: String,
    pub collaboration_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub started: String,
    /// Customer ids separated by commas, semicolons or white space.
    #[serde(default)]
    pub partners: String,
    /// One requirement per line.
    #[serde(default)]
    pub requirements: String,
    #[serde(default)]
    pub language: String,
}

impl CollaborationForm {
    fn addition(&self) -> bellwether_app::collaboration::CollaborationAddition {
        let optional = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
        bellwether_app::collaboration::CollaborationAddition {
            collaboration_id: self.collaboration_id.trim().to_string(),
            name: optional(&self.name),
            started: optional(&self.started),
            customer_ids: self
                .partners
                .split([',', ';', ' ', '\t', '\n', '\r'])
                .filter(|id| !id.is_empty())
                .map(str::to_string)
                .collect(),
            requirements: self
                .requirements
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_string)
                .collect(),
            language: optional(&self.language),
        }
    }
}

/// `POST /partners/collaborations`: adds partners and requirements to a collaboration
/// (analysts and admins), recorded in the audit log.
pub async fn add_collaboration(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    form: Result<Form<CollaborationForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let user = user?;
    user.require(Role::Analyst)?;
    let Form(form) = form.map_err(AppError::from_rejection)?;
    user.check_csrf(Some(&form.csrf))?;
    let addition = form.addition();
    crate::edit_collaboration(&state, &user, &addition).await?;
    Ok(Redirect::to(&format!(
        "/partners?saved={}#add",
        url_encode(&addition.collaboration_id)
    ))
    .into_response())
}

/// `GET /import`: the upload form (analysts and admins).
pub async fn import_form(
    State(_state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
) -> Result<Html<String>, PageError> {
    let user = user?;
    user.require(Role::Analyst)?;
    let m = messages(locale)?;
    Ok(Html(import_page(&m, &user, None)?.into_string()))
}

fn import_page(
    m: &Messages,
    user: &CurrentUser,
    report: Option<&crate::import::ImportReport>,
) -> Result<Markup, AppError> {
    let t = |key: &str| m.get(key, &[]);
    let files = bellwether_app::import::FILE_NAMES.join(", ");
    let body = html! {
        h1 { (t("ui-import-title")) }
        @if let Some(report) = report {
            @if let Some(summary) = &report.summary {
                p.done role="status" { (m.get("ui-import-done", &[
                    ("customers", &m.number((summary.customers_added + summary.customers_updated) as f64, 0)),
                    ("new", &m.number(summary.customers_added as f64, 0)),
                    ("transactions", &m.number(summary.transactions as f64, 0)),
                    ("requests", &m.number(summary.requests as f64, 0)),
                ])) }
            } @else {
                p.error role="alert" { (t("ui-import-refused")) }
            }
            @if !report.problems.is_empty() {
                h2 { (m.get("ui-import-problems", &[("count", &m.number(report.problems.len() as f64, 0))])) }
                ul.problems { @for problem in &report.problems { li { code { (problem) } } } }
            }
        }
        p { (m.get("ui-import-help", &[("files", &files)])) }
        form method="post" action="/import" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(user.csrf_token());
            p { label { (t("ui-import-files")) " " input type="file" name="files" multiple accept=".csv,.toml,text/csv" required; } }
            p { button type="submit" { (t("ui-import-submit")) } }
        }
    };
    Ok(layout(m, "/import", &t("ui-import"), Some(user), body))
}

/// `POST /import`: checks and imports the uploaded files; shows every problem, or what was written.
pub async fn import(
    State(state): State<AppState>,
    Lang(locale): Lang,
    user: Result<CurrentUser, AppError>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let user = user?;
    user.require(Role::Analyst)?;
    let multipart = multipart.map_err(|e| AppError::BadRequest(e.body_text()))?;
    // The form sends its `csrf` field before the files; it is checked before any file is read.
    let upload = crate::import::receive(multipart, &user, None, &state.limits).await?;
    let report = crate::import::run(&state, &user, &upload).await?;
    let m = messages(locale)?;
    // A refused import is a normal outcome of the form, shown with its problems: 200, as a
    // browser reports any 4xx page as a console error (the API answers 422).
    let page = import_page(&m, &user, Some(&report))?;
    Ok(Html(page.into_string()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_expiry_is_rfc3339_utc_in_the_future() {
        let expiry = chrono_like_expiry(SESSION_HOURS);
        assert_eq!(expiry.len(), 20, "{expiry}");
        assert!(expiry.ends_with('Z'));
        let now = chrono_like_expiry(0);
        assert!(expiry > now, "{expiry} vs {now}");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
    }
}
