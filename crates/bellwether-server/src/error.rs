//! One error type for every handler, with consistent bodies.
//!
//! API responses carry `{"error": {"status": 404, "message": "…"}}`; pages show the
//! same message in HTML ([`PageError`]). A 500 sends a generic message with the request's
//! id and logs the detail under the same id, so no internal state reaches the client and
//! an operator finds the cause from what the user saw.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use bellwether_store::StoreError;
use serde::Serialize;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in first")]
    Unauthorized,
    #[error("sign in first")]
    LoginRequired,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    /// The request is fine but the stored data cannot answer it.
    #[error("{0}")]
    Unprocessable(String),
    /// The request conflicts with the stored state.
    #[error("{0}")]
    Conflict(String),
    /// The upload or the request's body is over the server's size limit; the text says which.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The work took longer than the server allows it; the text says which limit.
    #[error("{0}")]
    Unavailable(String),
    /// Too many failed sign-ins: the client waits this many seconds.
    #[error("too many failed sign-ins: try again in {}", wait_text(.0))]
    TooManyRequests(u64),
    #[error("internal error")]
    Internal(String),
    #[error("internal error")]
    Store(#[from] StoreError),
}

impl AppError {
    pub fn internal(detail: impl Into<String>) -> AppError {
        AppError::Internal(detail.into())
    }

    /// An extractor's rejection: 413 when the body was too large, else 400 with its text.
    pub fn from_rejection(rejection: impl IntoResponse + std::fmt::Display) -> AppError {
        let text = rejection.to_string();
        if rejection.into_response().status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge(format!("the request is too large: {text}"))
        } else {
            AppError::BadRequest(text)
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::LoginRequired => StatusCode::SEE_OTHER,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) | AppError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn log(&self) {
        let request_id = request_id();
        let request_id = request_id.as_deref().unwrap_or("-");
        match self {
            AppError::Internal(detail) => {
                tracing::error!(request_id, "internal error: {detail}")
            }
            AppError::Store(error) => {
                tracing::error!(request_id, "store error: {}", error_chain(error))
            }
            _ => {}
        }
    }
}

/// `error` and its sources, `: `-separated.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// "12 seconds", "3 minutes".
fn wait_text(seconds: &u64) -> String {
    let seconds = *seconds;
    match seconds {
        0..=1 => "1 second".to_string(),
        2..=120 => format!("{seconds} seconds"),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}

tokio::task_local! {
    /// The id of the request being answered (set by [`crate::request_id`]).
    pub static REQUEST_ID: String;
}

/// The id of the request being answered, when called while answering one.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// The JSON error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status code.
    pub status: u16,
    pub message: String,
    /// The request's id, on a 500: the server's log has the cause under it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let body = ErrorBody {
            error: ErrorDetail {
                status: status.as_u16(),
                message: self.to_string(),
                request_id: request_id().filter(|_| status.is_server_error()),
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        match &self {
            AppError::Unauthorized => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            // A 303 goes somewhere: the sign-in page.
            AppError::LoginRequired => {
                response
                    .headers_mut()
                    .insert(header::LOCATION, header::HeaderValue::from_static("/login"));
            }
            AppError::TooManyRequests(seconds) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from(*seconds));
            }
            _ => {}
        }
        response
    }
}

/// An [`AppError`] on a page: shown as HTML, or a redirect to the login page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(error: E) -> Self {
        PageError(error.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let error = self.0;
        if matches!(error, AppError::LoginRequired | AppError::Unauthorized) {
            return Redirect::to("/login").into_response();
        }
        error.log();
        let status = error.status();
        let Ok(m) = crate::lang::messages(bellwether_i18n::Locale::En) else {
            return (status, error.to_string()).into_response();
        };
        let request_id = request_id().filter(|_| status.is_server_error());
        let page = crate::pages::layout(
            &m,
            "/",
            &status.to_string(),
            None,
            maud::html! {
                h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
                p { (error.to_string()) }
                @if let Some(id) = &request_id {
                    p.request-id { "Request id: " code { (id) } " (the server's log has the cause under it)." }
                }
                p { a href="/" { "Back to the ranking" } }
            },
        );
        let mut response = (status, Html(page.into_string())).into_response();
        if let AppError::TooManyRequests(seconds) = error {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}
