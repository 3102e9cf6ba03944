//! The JSON API under `/api/v1`, described by an OpenAPI 3 document generated
//! from these handlers (`/api/openapi.json`).
//!
//! Lists are paged (`page` from 1, `per_page` up to 500) and say how many items
//! there are in all; errors have the body of [`crate::error::ErrorBody`].

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::Json;
use bellwether_core::ranking::RankedCustomer;
use bellwether_core::Quadrant;
use bellwether_store::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::{AppState, LoadedRanking};

/// The largest page a list returns.
pub const MAX_PER_PAGE: u32 = 500;

/// The highest page number a list accepts (a million pages of 500 is far beyond any workspace).
pub const MAX_PAGE: u32 = 1_000_000;

/// Checks `page` and `per_page` of a list request; returns them with their defaults.
fn paging(page: Option<u32>, per_page: Option<u32>) -> Result<(u32, u32), AppError> {
    let per_page = per_page.unwrap_or(50);
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(AppError::BadRequest(format!(
            "per_page must be between 1 and {MAX_PER_PAGE}"
        )));
    }
    let page = page.unwrap_or(1);
    if page == 0 || page > MAX_PAGE {
        return Err(AppError::BadRequest(format!(
            "page must be between 1 and {MAX_PAGE}"
        )));
    }
    Ok((page, per_page))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bellwether API",
        description = "Strategic customers of a workspace: the ranking and each customer's scores, reasons, transactions and requests. Authenticate with a session cookie (from /login) or `Authorization: Bearer TOKEN` (`bellwether user token`)."
    ),
    paths(me, customers, customer, report, import, partners, collaborations, add_collaboration),
    components(schemas(ErrorBody, RequirementText, CustomerValueRow, CollaborationInput, CollaborationSaved, PartnersResponse, PartnerItem, UncoveredItem, CollaborationPage, CollaborationItem, RequirementItem, ImportUpload, crate::import::ImportReport, crate::import::ImportCounts, Me, CustomerRow, ReasonRow, CustomerPage, CustomerDetail, TransactionRow, RequestRow, QuadrantName, SortKey)),
    modifiers(&BearerAuth),
    security(("bearer" = []), ("session" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Unknown paths: 404 with the usual error body.
pub async fn not_found(uri: Uri) -> AppError {
    AppError::NotFound(format!("no such page: {}", uri.path()))
}

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub email: String,
    /// `viewer`, `analyst` or `admin`.
    pub role: String,
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/v1/me", responses(
    (status = 200, body = Me),
    (status = 401, body = ErrorBody),
))]
pub async fn me(user: CurrentUser) -> Json<Me> {
    Json(Me {
        email: user.user.email,
        role: user.user.role.as_str().to_string(),
    })
}

/// A quadrant of the fit × reputation map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QuadrantName {
    Strategic,
    Showcase,
    Representative,
    Transactional,
}

impl From<QuadrantName> for Quadrant {
    fn from(value: QuadrantName) -> Self {
        match value {
            QuadrantName::Strategic => Quadrant::Strategic,
            QuadrantName::Showcase => Quadrant::Showcase,
            QuadrantName::Representative => Quadrant::Representative,
            QuadrantName::Transactional => Quadrant::Transactional,
        }
    }
}

/// What a list is sorted by (descending, except `customer_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Score,
    Fit,
    Reputation,
    Influence,
    CustomerId,
}

/// Paging and filters of `GET /api/v1/customers`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page (1 to 500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u32>,
    /// Only this quadrant.
    pub quadrant: Option<QuadrantName>,
    /// Sort key (default `score`).
    pub sort: Option<SortKey>,
    /// Case-insensitive search in id, name, industry and country.
    pub q: Option<String>,
}

/// One reason behind a score.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonRow {
    /// Stable code, usable as a translation key.
    pub code: String,
    /// Signed strength: positive raises the score.
    pub effect: f64,
    pub text: String,
}

/// One customer of the ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerRow {
    pub rank: usize,
    pub customer_id: String,
    pub name: Option<String>,
    pub industry: Option<String>,
    pub country: Option<String>,
    pub strategic_score: f64,
    pub fit: f64,
    pub reputation: f64,
    pub influence: f64,
    pub quadrant: QuadrantName,
    pub coupon_share: f64,
    pub discount_share: f64,
    pub reasons: Vec<ReasonRow>,
}

fn quadrant_name(quadrant: Quadrant) -> QuadrantName {
    match quadrant {
        Quadrant::Strategic => QuadrantName::Strategic,
        Quadrant::Showcase => QuadrantName::Showcase,
        Quadrant::Representative => QuadrantName::Representative,
        Quadrant::Transactional => QuadrantName::Transactional,
    }
}

impl From<&RankedCustomer<'_>> for CustomerRow {
    fn from(row: &RankedCustomer<'_>) -> Self {
        CustomerRow {
            rank: row.rank,
            customer_id: row.customer_id.to_string(),
            name: row.name.map(str::to_string),
            industry: row.industry.map(str::to_string),
            country: row.country.map(str::to_string),
            strategic_score: row.strategic_score,
            fit: row.fit,
            reputation: row.reputation,
            influence: row.influence,
            quadrant: quadrant_name(row.quadrant),
            coupon_share: row.coupon_share,
            discount_share: row.discount_share,
            reasons: row
                .reasons
                .iter()
                .map(|r| ReasonRow {
                    code: r.code.clone(),
                    effect: r.effect,
                    text: r.text.clone(),
                })
                .collect(),
        }
    }
}

/// A page of customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    pub items: Vec<CustomerRow>,
    pub page: u32,
    pub per_page: u32,
    /// Customers matching the filters, on all pages.
    pub total: usize,
    pub pages: usize,
}

/// Lists the filtered, sorted customers of one page: shared by the API and the pages.
pub fn list(ranking: &LoadedRanking, query: &ListQuery) -> Result<CustomerPage, AppError> {
    let (page, per_page) = paging(query.page, query.per_page)?;
    let needle = query
        .q
        .as_deref()
        .map(str::to_lowercase)
        .filter(|q| !q.is_empty());
    let key = query.sort.unwrap_or_default();
    let start = (page as usize - 1).saturating_mul(per_page as usize);
    if needle.is_none() && key == SortKey::Score {
        // The common listing: the ranking's own order, so skip to the page without
        // collecting every row (the count per quadrant is kept with the ranking).
        let quadrant = query.quadrant.map(Quadrant::from);
        let total = match quadrant {
            None => ranking.ranking.order.len(),
            Some(q) => ranking.quadrant_counts.get(&q).copied().unwrap_or(0),
        };
        let items: Vec<CustomerRow> = match quadrant {
            // Without a filter, positions index the order directly.
            None => (start..total.min(start.saturating_add(per_page as usize)))
                .filter_map(|position| ranking.ranking.at(position))
                .map(|row| CustomerRow::from(&row))
                .collect(),
            Some(q) => ranking
                .ranking
                .ranked(Some(q))
                .skip(start)
                .take(per_page as usize)
                .map(|row| CustomerRow::from(&row))
                .collect(),
        };
        return Ok(CustomerPage {
            items,
            page,
            per_page,
            total,
            pages: total.div_ceil(per_page as usize),
        });
    }
    let matches = |row: &RankedCustomer<'_>| {
        needle.as_deref().is_none_or(|needle| {
            [Some(row.customer_id), row.name, row.industry, row.country]
                .into_iter()
                .flatten()
                .any(|field| field.to_lowercase().contains(needle))
        })
    };
    let mut rows: Vec<RankedCustomer<'_>> = ranking
        .ranking
        .ranked(query.quadrant.map(Into::into))
        .filter(|row| matches(row))
        .collect();
    let by = |f: fn(&RankedCustomer<'_>) -> f64| {
        move |a: &RankedCustomer<'_>, b: &RankedCustomer<'_>| {
            f(b).total_cmp(&f(a)).then(a.rank.cmp(&b.rank))
        }
    };
    match key {
        SortKey::Score => {}
        SortKey::Fit => rows.sort_by(by(|r| r.fit)),
        SortKey::Reputation => rows.sort_by(by(|r| r.reputation)),
        SortKey::Influence => rows.sort_by(by(|r| r.influence)),
        SortKey::CustomerId => rows.sort_by(|a, b| a.customer_id.cmp(b.customer_id)),
    }
    let total = rows.len();
    Ok(CustomerPage {
        items: rows
            .iter()
            .skip(start)
            .take(per_page as usize)
            .map(CustomerRow::from)
            .collect(),
        page,
        per_page,
        total,
        pages: total.div_ceil(per_page as usize),
    })
}

/// The ranking, paged.
#[utoipa::path(get, path = "/api/v1/customers", params(ListQuery), responses(
    (status = 200, body = CustomerPage),
    (status = 400, body = ErrorBody),
    (status = 401, body = ErrorBody),
))]
pub async fn customers(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<CustomerPage>, AppError> {
    user.require(Role::Viewer)?;
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    Ok(Json(list(&state.ranking(), &query)?))
}

/// A purchase.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransactionRow {
    /// YYYY-MM-DD.
    pub date: String,
    pub amount: f64,
    pub discount: Option<f64>,
    pub coupon: Option<String>,
    pub currency: Option<String>,
}

/// A request the customer made (feature request, feedback…).
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestRow {
    pub request_id: Option<String>,
    pub date: String,
    pub text: String,
    pub language: Option<String>,
}

/// One customer's lifetime value, from the models of the due-diligence report.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerValueRow {
    /// `ready`; `computing` while the models are fitted (ask again shortly); `unavailable` when
    /// the workspace has no purchases or the models could not be fitted.
    pub status: String,
    /// Discounted expected spend over `horizon_months`, in `currency` (0 without purchases).
    pub clv: Option<f64>,
    /// Probability that the customer is still active (absent without purchases).
    pub p_alive: Option<f64>,
    pub horizon_months: Option<u32>,
    pub annual_discount_rate: Option<f64>,
    pub currency: Option<String>,
    /// `bg_nbd` or `pareto_nbd`, with `gamma_gamma` spend.
    pub model: Option<String>,
}

/// One customer with its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerDetail {
    pub customer: CustomerRow,
    pub value: CustomerValueRow,
    pub transactions: Vec<TransactionRow>,
    pub requests: Vec<RequestRow>,
}

/// The value of the customer at `index` (storage order) if the report's figures are ready;
/// never waits for them.
fn customer_value(state: &AppState, index: usize, n_customers: usize) -> CustomerValueRow {
    let empty = |status: &str| CustomerValueRow {
        status: status.to_string(),
        clv: None,
        p_alive: None,
        horizon_months: None,
        annual_discount_rate: None,
        currency: None,
        model: None,
    };
    match state.report.status() {
        crate::ReportStatus::Ready(figures) if figures.customer_values.len() == n_customers => {
            let value = figures.customer_values[index];
            CustomerValueRow {
                status: "ready".to_string(),
                clv: Some(value.clv),
                p_alive: value.p_alive.is_finite().then_some(value.p_alive),
                horizon_months: Some(figures.options.horizon_months),
                annual_discount_rate: Some(figures.options.discount_rate),
                currency: Some(figures.options.currency.clone()),
                model: Some(figures.method.transaction_model.model.clone()),
            }
        }
        crate::ReportStatus::Failed => empty("unavailable"),
        _ => empty("computing"),
    }
}

/// Loads one customer's detail: shared by the API and the customer page.
pub async fn detail(state: &AppState, id: &str) -> Result<CustomerDetail, AppError> {
    let ranking = state.ranking();
    let position = *ranking
        .position
        .get(id)
        .ok_or_else(|| AppError::NotFound(format!("no customer `{id}`")))?;
    let row = ranking
        .ranking
        .at(position)
        .ok_or_else(|| AppError::internal("ranking index out of step"))?;
    let transactions = state
        .store
        .transactions_of(id)
        .await?
        .into_iter()
        .map(|t| TransactionRow {
            date: t.date.to_string(),
            amount: t.amount,
            discount: t.discount,
            coupon: t.coupon,
            currency: t.currency,
        })
        .collect();
    let requests = state
        .store
        .requests(Some(id))
        .await?
        .into_iter()
        .map(|r| RequestRow {
            request_id: r.request_id,
            date: r.date.to_string(),
            text: r.text,
            language: r.language,
        })
        .collect();
    let index = ranking.ranking.order[position];
    Ok(CustomerDetail {
        customer: CustomerRow::from(&row),
        value: customer_value(state, index, ranking.ranking.records.len()),
        transactions,
        requests,
    })
}

/// One customer: scores, reasons, transactions and requests.
#[utoipa::path(get, path = "/api/v1/customers/{id}", params(("id" = String, Path, description = "customer_id")), responses(
    (status = 200, body = CustomerDetail),
    (status = 401, body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
pub async fn customer(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<CustomerDetail>, AppError> {
    user.require(Role::Viewer)?;
    let Path(id) = id.map_err(|e| AppError::BadRequest(e.body_text()))?;
    Ok(Json(detail(&state, &id).await?))
}

/// The due-diligence report's figures (the same JSON as `bellwether report --format json`).
///
/// Computed once per import (concurrent requests wait for the same computation), which takes
/// seconds on a large workspace, then served from memory; a computation that runs past the
/// server's time budget (`bellwether serve --report-time-budget`) ends in a 503.
#[utoipa::path(get, path = "/api/v1/report", responses(
    (status = 200, description = "the report's figures", content_type = "application/json"),
    (status = 401, body = ErrorBody),
    (status = 404, body = ErrorBody, description = "no transactions imported yet"),
    (status = 422, body = ErrorBody, description = "the data cannot give a report"),
    (status = 503, body = ErrorBody, description = "the computation ran past the server's time budget"),
))]
pub async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    user.require(Role::Viewer)?;
    let figures = crate::report_figures(&state).await?;
    Ok(Json(figures.as_ref()).into_response())
}

/// The upload of `POST /api/v1/imports` (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    /// One or more files named `customers.csv`, `transactions.csv`, `requests.csv`,
    /// `collaborations.csv`, `requirements.csv`, `bellwether.toml` or `glossary.toml` (the
    /// only glossary an uploaded `bellwether.toml` may name).
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
    /// The session's CSRF token, when authenticated by the session cookie: sent before the
    /// files (it is checked before any file is read), or as the `X-CSRF-Token` header; not
    /// needed with a bearer token.
    csrf: Option<String>,
}

/// Imports CSV exports (analysts and admins): every file is checked first, and nothing is
/// written when any row has a problem (then the answer is 422 with every problem).
#[utoipa::path(post, path = "/api/v1/imports",
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = crate::import::ImportReport, description = "imported"),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "the upload is over the server's limit (`bellwether serve --max-upload-mib`)"),
        (status = 422, body = crate::import::ImportReport, description = "nothing imported: the files have problems"),
    ))]
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: axum::http::HeaderMap,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    user.require(Role::Analyst)?;
    let multipart = multipart.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let header_token = headers
        .get("x-csrf-token")
        .and_then(|value| value.to_str().ok());
    // The CSRF token (header, or the form's first field) is checked before any file is read.
    let upload = crate::import::receive(multipart, &user, header_token, &state.limits).await?;
    let report = crate::import::run(&state, &user, &upload).await?;
    let status = if report.imported {
        axum::http::StatusCode::CREATED
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)).into_response())
}

/// Parameters of `GET /api/v1/partners`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnersQuery {
    /// How many partners (1 to 50, default 5).
    #[param(minimum = 1, maximum = 50)]
    pub k: Option<u32>,
    /// The collaboration just saved (pages only: shows a confirmation).
    #[param(ignore)]
    pub saved: Option<String>,
}

/// The largest partner set the API computes.
pub const MAX_PARTNERS: u32 = 50;

/// One design partner.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerItem {
    /// Order of choice, from 1.
    pub pick: usize,
    pub customer_id: String,
    pub name: Option<String>,
    /// Industry × size band × country.
    pub segment: String,
    /// The segment's share of the fit-weighted audience.
    pub segment_share: f64,
    pub strategic_score: f64,
    /// Gain in the coverage objective when this partner was added.
    pub gain: f64,
    /// Whether it is the first partner of its segment.
    pub new_segment: bool,
    pub why: String,
}

/// A segment of the audience without a partner of its own.
#[derive(Debug, Serialize, ToSchema)]
pub struct UncoveredItem {
    pub segment: String,
    pub share: f64,
    pub n_audience: usize,
}

/// A balanced set of design partners.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnersResponse {
    pub k: usize,
    /// Share of the fit-weighted audience in segments with a partner of their own.
    pub covered_share: f64,
    pub objective: f64,
    pub audience_segments: usize,
    pub partners: Vec<PartnerItem>,
    pub uncovered: Vec<UncoveredItem>,
}

/// Computes the partner set of `k`: shared by the API and the page.
pub fn partner_set(state: &AppState, k: Option<u32>) -> Result<PartnersResponse, AppError> {
    let k = k.unwrap_or(5);
    if k == 0 || k > MAX_PARTNERS {
        return Err(AppError::BadRequest(format!(
            "k must be between 1 and {MAX_PARTNERS}"
        )));
    }
    let ranking = state.ranking();
    let set = bellwether_app::collaboration::partner_set(
        &ranking.ranking.records,
        &ranking.ranking.scores,
        &ranking.config,
        k as usize,
        &[],
        &[],
    )
    .map_err(|e| AppError::BadRequest(e.to_string()))?;
    Ok(PartnersResponse {
        k: set.k,
        covered_share: set.covered_share,
        objective: set.objective,
        audience_segments: set.audience_segments,
        partners: set
            .partners
            .into_iter()
            .map(|p| PartnerItem {
                pick: p.pick,
                customer_id: p.customer_id,
                name: p.name,
                segment: p.segment,
                segment_share: p.segment_share,
                strategic_score: p.strategic_score,
                gain: p.gain,
                new_segment: p.new_segment,
                why: p.why,
            })
            .collect(),
        uncovered: set
            .uncovered
            .into_iter()
            .map(|u| UncoveredItem {
                segment: u.segment,
                share: u.share,
                n_audience: u.n_audience,
            })
            .collect(),
    })
}

/// A balanced set of design partners covering the target audience's segments (greedy on a
/// monotone submodular objective: at least 63% of the best set of its size).
#[utoipa::path(get, path = "/api/v1/partners", params(PartnersQuery), responses(
    (status = 200, body = PartnersResponse),
    (status = 400, body = ErrorBody),
    (status = 401, body = ErrorBody),
))]
pub async fn partners(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<PartnersQuery>, QueryRejection>,
) -> Result<Json<PartnersResponse>, AppError> {
    user.require(Role::Viewer)?;
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    Ok(Json(partner_set(&state, query.k)?))
}

/// Paging of `GET /api/v1/collaborations`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page (1 to 500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u32>,
}

/// One requirement of a collaboration and how far it reaches.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementItem {
    pub position: usize,
    pub text: String,
    pub language: Option<String>,
    /// `broadly sellable` or `tailor-made`.
    pub verdict: String,
    /// Whether other customers holding at least the configured share of the audience ask for it.
    pub broadly_sellable: bool,
    /// Other customers (not partners of this collaboration) asking for the same thing.
    pub other_customers: usize,
    pub matching_requests: usize,
    /// Their share of the fit-weighted target audience.
    pub audience_share: f64,
    pub revenue: f64,
}

/// A co-design collaboration with its partners and requirements.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollaborationItem {
    pub collaboration_id: String,
    pub name: Option<String>,
    /// YYYY-MM-DD.
    pub started: Option<String>,
    pub partners: Vec<String>,
    /// Reach-weighted share of broadly sellable requirements.
    pub generality_index: f64,
    pub requirements: Vec<RequirementItem>,
}

/// A page of collaborations.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollaborationPage {
    pub items: Vec<CollaborationItem>,
    pub page: u32,
    pub per_page: u32,
    pub total: usize,
    pub pages: usize,
}

/// The collaborations of one page with each requirement's reach: shared by the API and the page.
pub async fn collaboration_page(
    state: &AppState,
    query: &PageQuery,
) -> Result<CollaborationPage, AppError> {
    let (page, per_page) = paging(query.page, query.per_page)?;
    let data = crate::need_data(state).await?;
    let total = data.collaborations.len();
    let start = (page as usize - 1).saturating_mul(per_page as usize);
    let items = data
        .collaborations
        .iter()
        .skip(start)
        .take(per_page as usize)
        .map(|collaboration| {
            let figures = bellwether_app::collaboration::requirement_reach(&data, collaboration);
            CollaborationItem {
                collaboration_id: collaboration.collaboration_id.clone(),
                name: collaboration.name.clone(),
                started: collaboration.started.map(|d| d.to_string()),
                partners: collaboration.customer_ids.clone(),
                generality_index: (figures.generality_index * 1e4).round() / 1e4,
                requirements: figures
                    .requirements
                    .into_iter()
                    .map(|r| RequirementItem {
                        position: r.position,
                        text: r.text,
                        language: r.language,
                        verdict: r.generality.label().to_string(),
                        broadly_sellable: r.generality
                            == bellwether_app::collaboration::Generality::BroadlySellable,
                        other_customers: r.reach.customers.len(),
                        matching_requests: r.reach.n_requests,
                        audience_share: (r.reach.fit_share * 1e4).round() / 1e4 + 0.0,
                        revenue: (r.reach.revenue * 100.0).round() / 100.0 + 0.0,
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(CollaborationPage {
        items,
        page,
        per_page,
        total,
        pages: total.div_ceil(per_page as usize),
    })
}

/// Co-design collaborations, paged, with each requirement's reach among the other customers:
/// broadly sellable or tailor-made.
#[utoipa::path(get, path = "/api/v1/collaborations", params(PageQuery), responses(
    (status = 200, body = CollaborationPage),
    (status = 400, body = ErrorBody),
    (status = 401, body = ErrorBody),
))]
pub async fn collaborations(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<CollaborationPage>, AppError> {
    user.require(Role::Viewer)?;
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    Ok(Json(collaboration_page(&state, &query).await?))
}

/// What to add to a collaboration (created when the id is new).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CollaborationInput {
    /// Not blank.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub collaboration_id: String,
    pub name: Option<String>,
    /// YYYY-MM-DD.
    #[schema(value_type = Option<String>, format = Date)]
    pub started: Option<String>,
    /// Partner customer ids to add (at least one for a new collaboration: 409 otherwise).
    #[serde(default)]
    pub partners: Vec<String>,
    /// Requirements to append, in order; none blank.
    #[serde(default)]
    #[schema(value_type = Vec<RequirementText>)]
    pub requirements: Vec<String>,
    /// The requirements' language (en, fr, it, et), when known.
    pub language: Option<String>,
}

/// A requirement's text: not blank.
#[derive(ToSchema)]
#[schema(pattern = r"\S")]
#[allow(dead_code)]
pub struct RequirementText(String);

/// The result of an edit.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollaborationSaved {
    pub collaboration_id: String,
    /// Whether the collaboration was new.
    pub created: bool,
}

/// Adds partners and requirements to a collaboration, creating it when the id is new
/// (analysts and admins; recorded in the audit log).
#[utoipa::path(post, path = "/api/v1/collaborations", request_body = CollaborationInput, responses(
    (status = 201, body = CollaborationSaved, description = "created"),
    (status = 200, body = CollaborationSaved, description = "updated"),
    (status = 400, body = ErrorBody),
    (status = 401, body = ErrorBody),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody, description = "a partner is not a stored customer"),
    (status = 409, body = ErrorBody, description = "the collaboration is new and no partner is given"),
    (status = 413, body = ErrorBody, description = "the body is over 64 KiB, the limit of JSON bodies"),
))]
pub async fn add_collaboration(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: axum::http::HeaderMap,
    body: Result<Json<CollaborationInput>, axum::extract::rejection::JsonRejection>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    user.require(Role::Analyst)?;
    user.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let Json(input) = body.map_err(AppError::from_rejection)?;
    let addition = bellwether_app::collaboration::CollaborationAddition {
        collaboration_id: input.collaboration_id,
        name: input.name,
        started: input.started,
        customer_ids: input.partners,
        requirements: input.requirements,
        language: input.language,
    };
    let outcome = crate::edit_collaboration(&state, &user, &addition).await?;
    let created = outcome == bellwether_app::collaboration::AddOutcome::Created;
    let status = if created {
        axum::http::StatusCode::CREATED
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        Json(CollaborationSaved {
            collaboration_id: addition.collaboration_id.trim().to_string(),
            created,
        }),
    )
        .into_response())
}
