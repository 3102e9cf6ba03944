//! One error type for every handler, with consistent bodies.
//!
//! API responses carry `{"error": {"status": 404, "message": "…"}}`; pages show the
//! same message in HTML ([`PageError`]). A 500 sends a generic message and logs the
//! detail, so no internal state reaches the client.

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
    /// The upload is over the server's size limit; the text says which.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The work took longer than the server allows it; the text says which limit.
    #[error("{0}")]
    Unavailable(String),
    #[error("too many failed sign-ins for this account: try again in {0} minutes")]
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
        match self {
            AppError::Internal(detail) => tracing::error!("internal error: {detail}"),
            AppError::Store(error) => tracing::error!("store error: {error}"),
            _ => {}
        }
    }
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
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let body = ErrorBody {
            error: ErrorDetail {
                status: status.as_u16(),
                message: self.to_string(),
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if matches!(self, AppError::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
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
        let page = crate::pages::layout(
            &m,
            "/",
            &status.to_string(),
            None,
            maud::html! {
                h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
                p { (error.to_string()) }
                p { a href="/" { "Back to the ranking" } }
            },
        );
        (status, Html(page.into_string())).into_response()
    }
}
