//! `ApiError`: the one error type of the HTTP layer, turned into a response in one place.
//!
//! Its body is `{"error": {"code": "...", "message": "..."}}` with a message written for a
//! person. A 5xx is logged with its cause and shown to the client only as a generic sentence.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request itself is wrong; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid credentials.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// 503: a dependency (the database) is unavailable right now.
    #[error("service unavailable: {0}")]
    Unavailable(#[source] anyhow::Error),
    /// 500: a bug or an unexpected failure.
    #[error("internal error: {0}")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m.clone()),
            ApiError::Unauthenticated(m) => {
                (StatusCode::UNAUTHORIZED, "unauthenticated", (*m).to_owned())
            }
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the service is temporarily unavailable; try again shortly".to_owned(),
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "something went wrong on our side; it has been logged".to_owned(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        (
            status,
            Json(json!({ "error": { "code": code, "message": message } })),
        )
            .into_response()
    }
}

impl From<collab::Error> for ApiError {
    fn from(e: collab::Error) -> Self {
        match e {
            collab::Error::AccessDenied => ApiError::Unauthenticated("no access to this document"),
            collab::Error::Store(e) => ApiError::Unavailable(e.into()),
            e @ collab::Error::CorruptStoredState { .. } => ApiError::Internal(e.into()),
        }
    }
}
