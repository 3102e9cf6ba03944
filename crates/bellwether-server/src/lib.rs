//! `bellwether serve`: the web app and JSON API of a team workspace.
//!
//! One axum router serves server-rendered pages (maud) and `/api/v1`, over the same
//! [`Store`] and the same domain code as the CLI ([`bellwether_core::ranking`]).
//! Every route but the login page, `/healthz` and the OpenAPI description needs a
//! signed-in user ([`auth::CurrentUser`]); writes need the CSRF token of the session.

pub mod api;
pub mod auth;
pub mod error;
pub mod import;
pub mod lang;
pub mod login;
pub mod pages;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use bellwether_core::ranking::{Ranking, ReasonsFor};
use bellwether_core::Config;
use bellwether_store::Store;
use tracing::Instrument;

pub use error::AppError;

/// The ranking the server shows, computed once per import (scoring is not cheap,
/// and listings must answer in milliseconds).
#[derive(Debug)]
pub struct LoadedRanking {
    pub ranking: Ranking,
    /// Position in `ranking.order` of each customer id.
    pub position: HashMap<String, usize>,
    /// Customers per quadrant.
    pub quadrant_counts: HashMap<bellwether_core::Quadrant, usize>,
    /// The fit and reputation thresholds of the quadrants.
    pub thresholds: [f64; 2],
    /// The configuration the ranking was scored with.
    pub config: Config,
}

impl LoadedRanking {
    pub fn new(ranking: Ranking, config: &Config) -> LoadedRanking {
        let position = ranking
            .order
            .iter()
            .enumerate()
            .map(|(position, &index)| (ranking.scores[index].customer_id.clone(), position))
            .collect();
        let mut quadrant_counts = HashMap::new();
        for score in &ranking.scores {
            *quadrant_counts.entry(score.quadrant).or_insert(0) += 1;
        }
        LoadedRanking {
            ranking,
            position,
            quadrant_counts,
            thresholds: [config.quadrants.fit, config.quadrants.reputation],
            config: config.clone(),
        }
    }
}

/// Failed sign-ins one client may make at one account before it has to wait (then it waits
/// 30 s, 1 min, 2 min… up to 15 minutes before each further attempt; see [`login`]).
pub const MAX_LOGIN_FAILURES: u32 = 5;

/// The server's limits on what one request may cost, from `bellwether serve`'s flags.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// The largest import upload, all files together, in bytes.
    pub max_upload_bytes: usize,
    /// The field and row limits of uploaded CSV files (an uploaded `[import]` section may lower
    /// them, never raise them).
    pub import: bellwether_app::import::ImportLimits,
    /// How long the report may compute before it stops with an error.
    pub report_time_budget: Duration,
}

/// The default upload limit: 1 GiB, room for ten million transactions.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 1 << 30;
/// The default time budget of the report: minutes, where a million customers take under one.
pub const DEFAULT_REPORT_TIME_BUDGET: Duration = Duration::from_secs(300);

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            import: bellwether_app::import::ImportLimits {
                field_limit_setting: "the server's limit (`bellwether serve --max-field-bytes`)"
                    .to_string(),
                line_limit_setting: "the server's limit (`bellwether serve --max-line-bytes`)"
                    .to_string(),
                ..bellwether_app::import::ImportLimits::default()
            },
            report_time_budget: DEFAULT_REPORT_TIME_BUDGET,
        }
    }
}

/// Why the report could not be computed, kept to answer every request until the next import.
#[derive(Debug, Clone)]
pub enum ReportFailure {
    /// No purchases imported yet.
    NoPurchases(String),
    /// The data or the configuration cannot give a report.
    Unprocessable(String),
    /// The computation ran past the time budget and was stopped.
    TimedOut(String),
    /// Anything else (logged, not shown).
    Internal(String),
}

impl From<ReportFailure> for AppError {
    fn from(failure: ReportFailure) -> AppError {
        match failure {
            ReportFailure::NoPurchases(message) => AppError::NotFound(message),
            ReportFailure::Unprocessable(message) => AppError::Unprocessable(message),
            ReportFailure::TimedOut(message) => AppError::Unavailable(message),
            ReportFailure::Internal(detail) => AppError::Internal(detail),
        }
    }
}

type ReportOutcome = Result<Arc<bellwether_report::Figures>, ReportFailure>;

/// Where the report's computation stands.
#[derive(Debug, Default)]
enum ReportSlot {
    /// Not asked for since the last import.
    #[default]
    Idle,
    /// Computing: every request waits on this receiver for the one computation's outcome.
    Computing(tokio::sync::watch::Receiver<Option<ReportOutcome>>),
    /// Computed (or failed) for the stored data.
    Done(ReportOutcome),
}

/// The due-diligence report, computed at most once per import: the first request starts the
/// computation on its own task, every later one (concurrent or not) waits for that one, and a
/// request that gives up stops nothing and starts nothing.
#[derive(Debug, Default)]
pub struct ReportCache {
    /// The slot and its generation, bumped by each import so a stale result is dropped.
    slot: Mutex<(u64, ReportSlot)>,
    /// Computations started since the server started.
    computations: AtomicU64,
}

/// What a customer page can say about the report without waiting for it.
#[derive(Debug, Clone)]
pub enum ReportStatus {
    Ready(Arc<bellwether_report::Figures>),
    Computing,
    Failed,
}

impl ReportCache {
    /// Where the report stands, without waiting or starting anything.
    pub fn status(&self) -> ReportStatus {
        match &self.slot.lock().unwrap_or_else(|e| e.into_inner()).1 {
            ReportSlot::Done(Ok(figures)) => ReportStatus::Ready(figures.clone()),
            ReportSlot::Done(Err(_)) => ReportStatus::Failed,
            ReportSlot::Idle | ReportSlot::Computing(_) => ReportStatus::Computing,
        }
    }

    /// How many computations have started since the server started.
    pub fn computations_started(&self) -> u64 {
        self.computations.load(Ordering::SeqCst)
    }

    /// Forgets the report after an import; a computation in progress is left to finish (its
    /// time budget bounds it) and its result dropped.
    fn forget(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.0 += 1;
        slot.1 = ReportSlot::Idle;
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub ranking: Arc<RwLock<Arc<LoadedRanking>>>,
    /// Failed sign-ins per account and client, and per client.
    pub limiter: Arc<login::LoginLimiter>,
    /// Password hashing on the blocking pool, a few at a time.
    pub hashing: Arc<login::PasswordHashing>,
    /// The key of the sign-in form's CSRF tokens (random at each start, never stored).
    pub login_csrf_key: Arc<[u8; 32]>,
    /// Served over TLS (e.g. behind a proxy): cookies are `Secure` and `__Host-` prefixed,
    /// and responses carry `Strict-Transport-Security`.
    pub secure_cookies: bool,
    /// The due-diligence report's figures, computed once per import (they take seconds).
    pub report: Arc<ReportCache>,
    /// Requests prepared for matching, built on first use (seconds on a large workspace).
    pub needs: Arc<tokio::sync::Mutex<Option<Arc<bellwether_app::collaboration::NeedData>>>>,
    /// Held by the import in progress: imports run one at a time.
    pub import_lock: Arc<tokio::sync::Mutex<()>>,
    /// What one request may cost.
    pub limits: Arc<ServerLimits>,
}

impl AppState {
    /// Loads the workspace and scores every customer.
    pub async fn load(store: Store, secure_cookies: bool) -> Result<AppState, AppError> {
        // The dummy hash of unknown accounts is made now, at start-up, so that even the first
        // sign-in with an unknown e-mail costs exactly one password check.
        tokio::task::spawn_blocking(auth::dummy_hash)
            .await
            .map_err(|e| AppError::internal(format!("the dummy hash: {e}")))?;
        let ranking = load_ranking(&store).await?;
        let mut login_csrf_key = [0u8; 32];
        getrandom::getrandom(&mut login_csrf_key)
            .map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        Ok(AppState {
            store,
            ranking: Arc::new(RwLock::new(Arc::new(ranking))),
            limiter: Arc::new(login::LoginLimiter::default()),
            hashing: Arc::new(login::PasswordHashing::default()),
            login_csrf_key: Arc::new(login_csrf_key),
            secure_cookies,
            report: Arc::new(ReportCache::default()),
            needs: Arc::new(tokio::sync::Mutex::new(None)),
            import_lock: Arc::new(tokio::sync::Mutex::new(())),
            limits: Arc::new(ServerLimits::default()),
        })
    }

    /// The same state with other limits.
    pub fn with_limits(mut self, limits: ServerLimits) -> AppState {
        self.limits = Arc::new(limits);
        self
    }

    /// The name of cookie `base` (`bw_session`…): `__Host-` prefixed under `secure_cookies`, so
    /// that only this host, over HTTPS, with `Path=/`, can set it.
    pub fn cookie_name(&self, base: &str) -> String {
        if self.secure_cookies {
            format!("__Host-{base}")
        } else {
            base.to_string()
        }
    }

    /// The current ranking.
    pub fn ranking(&self) -> Arc<LoadedRanking> {
        self.ranking
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Rescores the workspace and forgets the report, after an import changed the store.
pub async fn reload(state: &AppState) -> Result<(), AppError> {
    let ranking = Arc::new(load_ranking(&state.store).await?);
    *state.ranking.write().unwrap_or_else(|e| e.into_inner()) = ranking;
    state.report.forget();
    *state.needs.lock().await = None;
    Ok(())
}

/// The requests prepared for matching, prepared once and kept until the next import.
pub async fn need_data(
    state: &AppState,
) -> Result<Arc<bellwether_app::collaboration::NeedData>, AppError> {
    let mut cached = state.needs.lock().await;
    if let Some(data) = cached.as_ref() {
        return Ok(data.clone());
    }
    let config = stored_config(&state.store).await?;
    let data = bellwether_app::collaboration::NeedData::load(&state.store, config, None)
        .await
        .map_err(|e| match e {
            bellwether_app::AppError::Store(error) => AppError::Store(error),
            other => AppError::Unprocessable(other.to_string()),
        })?;
    let data = Arc::new(data);
    *cached = Some(data.clone());
    Ok(data)
}

/// Adds to a collaboration for `user` (whose role and CSRF token the caller checked) and
/// forgets the prepared reach figures.
pub async fn edit_collaboration(
    state: &AppState,
    user: &auth::CurrentUser,
    addition: &bellwether_app::collaboration::CollaborationAddition,
) -> Result<bellwether_app::collaboration::AddOutcome, AppError> {
    let outcome = bellwether_app::collaboration::add_to_collaboration(
        &state.store,
        Some(user.user.id),
        addition,
    )
    .await
    .map_err(|e| match e {
        bellwether_app::AppError::Input(reason) => AppError::BadRequest(reason),
        bellwether_app::AppError::Conflict(reason) => AppError::Conflict(reason),
        bellwether_app::AppError::Store(bellwether_store::StoreError::UnknownCustomer(id)) => {
            AppError::NotFound(format!("customer `{id}` is not in the store"))
        }
        bellwether_app::AppError::Store(error) => AppError::Store(error),
        other => AppError::internal(other.to_string()),
    })?;
    *state.needs.lock().await = None;
    Ok(outcome)
}

/// The configuration stored by the last import (defaults when none).
pub async fn stored_config(store: &Store) -> Result<Config, AppError> {
    bellwether_app::stored_config(store)
        .await
        .map(Option::unwrap_or_default)
        .map_err(|e| match e {
            bellwether_app::AppError::Store(error) => AppError::Store(error),
            other => AppError::internal(other.to_string()),
        })
}

/// The report's figures, computed once per import and kept, failures included (the data will
/// not change before the next import). Concurrent requests wait for the same computation.
pub async fn report_figures(state: &AppState) -> Result<Arc<bellwether_report::Figures>, AppError> {
    let mut receiver = {
        let mut slot = state.report.slot.lock().unwrap_or_else(|e| e.into_inner());
        match &slot.1 {
            ReportSlot::Done(outcome) => return outcome.clone().map_err(AppError::from),
            ReportSlot::Computing(receiver) => receiver.clone(),
            ReportSlot::Idle => {
                let (sender, receiver) = tokio::sync::watch::channel(None);
                slot.1 = ReportSlot::Computing(receiver.clone());
                state.report.computations.fetch_add(1, Ordering::SeqCst);
                let generation = slot.0;
                let state = state.clone();
                // On its own task, so a request that gives up does not cancel it (and the next
                // one does not start another).
                tokio::spawn(async move {
                    let task_state = state.clone();
                    let outcome =
                        match tokio::spawn(async move { compute_within_budget(&task_state).await })
                            .await
                        {
                            Ok(outcome) => outcome,
                            Err(error) => Err(ReportFailure::Internal(format!(
                                "the report computation failed: {error}"
                            ))),
                        };
                    {
                        let mut slot = state.report.slot.lock().unwrap_or_else(|e| e.into_inner());
                        if slot.0 == generation {
                            slot.1 = ReportSlot::Done(outcome.clone());
                        }
                    }
                    let _ = sender.send(Some(outcome));
                });
                receiver
            }
        }
    };
    let outcome = receiver
        .wait_for(Option::is_some)
        .await
        .map_err(|_| AppError::internal("the report computation ended without an outcome"))?
        .clone();
    outcome
        .unwrap_or_else(|| Err(ReportFailure::Internal("no report outcome".to_string())))
        .map_err(AppError::from)
}

/// Computes the report, stopped with a clear error when it runs past the server's time budget
/// (the computation checks the deadline as it goes, so the stopped work frees its threads).
async fn compute_within_budget(state: &AppState) -> ReportOutcome {
    let budget = state.limits.report_time_budget;
    let deadline = std::time::Instant::now() + budget;
    let timed_out = || {
        ReportFailure::TimedOut(format!(
            "the report took longer than the server's time budget of {} s and was stopped: lower `bootstrap_draws` or `bootstrap_customers` in the [report] section of bellwether.toml, or raise the budget (`bellwether serve --report-time-budget`)",
            budget.as_secs_f64()
        ))
    };
    match tokio::time::timeout(budget, compute_report_figures(state, deadline)).await {
        Ok(Ok(figures)) => Ok(Arc::new(figures)),
        Ok(Err(ReportFailure::TimedOut(_))) | Err(_) => Err(timed_out()),
        Ok(Err(failure)) => Err(failure),
    }
}

async fn compute_report_figures(
    state: &AppState,
    deadline: std::time::Instant,
) -> Result<bellwether_report::Figures, ReportFailure> {
    let config = stored_config(&state.store).await.map_err(|e| match e {
        AppError::Internal(detail) => ReportFailure::Internal(detail),
        other => ReportFailure::Unprocessable(other.to_string()),
    })?;
    let mut options = bellwether_report::ReportOptions::from_config(&config)
        .map_err(|e| ReportFailure::Unprocessable(format!("invalid [report] section: {e}")))?;
    options.deadline = Some(deadline);
    bellwether_app::report_figures(&state.store, &config, &options, &())
        .await
        .map_err(|e| match e {
            bellwether_app::AppError::Report(bellwether_report::ReportError::NoPurchases) => {
                ReportFailure::NoPurchases(
                    "no transactions imported yet: the report needs purchase histories".to_string(),
                )
            }
            bellwether_app::AppError::Report(bellwether_report::ReportError::TimeBudget) => {
                ReportFailure::TimedOut(String::new())
            }
            // The data cannot support the models (too few or too regular purchases): say so.
            bellwether_app::AppError::Report(error) => ReportFailure::Unprocessable(format!(
                "cannot compute the report from these data: {error}"
            )),
            other => ReportFailure::Internal(other.to_string()),
        })
}

/// Computes the report's figures in the background (they take seconds on a large workspace), so
/// that customer pages can show lifetime values without waiting.
pub fn warm_up(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(error) = report_figures(&state).await {
            tracing::info!("no lifetime values for the customer pages: {error}");
        }
    });
}

/// Scores the stored customers with the stored configuration (defaults when none).
pub async fn load_ranking(store: &Store) -> Result<LoadedRanking, AppError> {
    let config = stored_config(store).await?;
    let records = if store.has_schema().await? {
        store.customer_records().await?
    } else {
        Vec::new()
    };
    tokio::task::spawn_blocking(move || {
        let ranking = Ranking::new(
            records,
            &config,
            ReasonsFor::Shown {
                quadrant: None,
                top: usize::MAX,
            },
        );
        LoadedRanking::new(ranking, &config)
    })
    .await
    .map_err(|e| AppError::internal(format!("scoring failed: {e}")))
}

/// Headers on every response: no sniffing, no framing, no third-party anything, nothing kept
/// in caches (pages and answers show customer data to signed-in users), and HTTPS only from now
/// on when served over TLS.
async fn security_headers(State(state): State<AppState>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// Gives each request an id (`X-Request-Id` on the answer, shown on error pages), answers it
/// inside a tracing span carrying the id, and logs every 5xx with it.
async fn request_id(request: Request, next: Next) -> Response {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut random = [0u8; 4];
    // Unique within a run by the counter, and across restarts most likely by the random part.
    let _ = getrandom::getrandom(&mut random);
    let id = format!(
        "{:08x}-{}",
        u32::from_be_bytes(random),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let mut response = error::REQUEST_ID
        .scope(id.clone(), next.run(request).instrument(span))
        .await;
    let status = response.status();
    if status.is_server_error() {
        tracing::error!(request_id = %id, %method, %path, "answered {status}");
    } else {
        tracing::debug!(request_id = %id, %method, %path, "answered {status}");
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// The whole app.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::ranking))
        .route(
            "/login",
            get(pages::login_form)
                .post(pages::login)
                .layer(DefaultBodyLimit::max(login::LOGIN_BODY_BYTES)),
        )
        .route("/logout", post(pages::logout))
        .route("/customers/{id}", get(pages::customer))
        .route("/admin/users", get(pages::users).post(pages::add_user))
        .route("/admin/users/role", post(pages::set_role))
        .route("/admin/users/status", post(pages::set_status))
        .route("/admin/tokens", get(pages::tokens))
        .route("/admin/tokens/revoke", post(pages::revoke_token))
        .route("/report", get(pages::report))
        .route("/map", get(pages::map))
        .route("/partners", get(pages::partners))
        .route("/api/v1/partners", get(api::partners))
        .route(
            "/api/v1/collaborations",
            get(api::collaborations).post(api::add_collaboration),
        )
        .route("/partners/collaborations", post(pages::add_collaboration))
        .route(
            "/import",
            get(pages::import_form)
                .post(pages::import)
                .layer(DefaultBodyLimit::max(state.limits.max_upload_bytes)),
        )
        .route(
            "/api/v1/imports",
            post(api::import).layer(DefaultBodyLimit::max(state.limits.max_upload_bytes)),
        )
        .route("/api/v1/report", get(api::report))
        .route("/lang/{code}", get(lang::choose))
        .route("/healthz", get(|| async { "ok" }))
        // Pages that are not ours (the report's HTML) carry no icon link: answer the browser's
        // automatic request with nothing rather than a 404.
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        .route("/api/openapi.json", get(api::openapi_json))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/customers", get(api::customers))
        .route("/api/v1/customers/{id}", get(api::customer))
        .fallback(api::not_found)
        // Forms and JSON bodies are small; uploads and the sign-in set their own limits above.
        .layer(DefaultBodyLimit::max(login::FORM_BODY_BYTES))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(axum::middleware::from_fn(request_id))
        .with_state(state)
}

/// Binds `addr` (port 0 picks a free port: see the listener's `local_addr`).
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

/// Serves the app on `listener` until the process is stopped; handlers see each client's
/// address ([`login::ClientAddr`]).
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
