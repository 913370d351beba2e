//! `ApiError`: the one error type of the HTTP layer, turned into a response in one place.
//!
//! Its body is `{"error": {"code": "...", "reason": "...", "message": "..."}}` with a message
//! written for a person in the language the request asks for ([`localize`]; Chinese unless
//! English comes first in `Accept-Language`). A 5xx is logged with its cause and shown to the
//! client only as a general sentence.

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

use crate::domain::message::{Lang, Message, Phrase};
use crate::domain::phrases;

/// The body of every error answer: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The refusals every operation may answer, for the OpenAPI description: a 4xx whose message
/// says what was wrong with the request, or a 5xx that says only that it failed.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Refusals {
    /// The request was refused: 400 bad input, 401 not signed in, 403 not allowed, 404 not
    /// found (or not visible to the caller), 409 a rule or a newer revision refuses it, 413
    /// too large, 429 too many attempts. The message says which, for a person.
    #[response(status = "4XX")]
    Refused(ErrorBody),
    /// The server failed (500) or a dependency is unavailable (503); try again shortly.
    #[response(status = "5XX")]
    Failed(ErrorBody),
}

/// What went wrong: a stable `code` for programs, a `message` written for a person in the
/// language the request asked for (`Accept-Language`: Chinese unless English comes first),
/// and, when the message is in the catalogue, its stable `reason`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthenticated`, `forbidden`, `not_found`, `conflict`,
    /// `payload_too_large`, `too_many_requests`, `unavailable` or `internal`.
    pub code: &'static str,
    /// The catalogue code of the message (`policy.read_task`, `auth.wrong_credentials`, …),
    /// stable across languages; `null` for a message not yet in the catalogue.
    pub reason: Option<&'static str>,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request itself is wrong; the message says how.
    #[error("{0}")]
    BadRequest(Message),
    /// 401: no valid credentials.
    #[error("{0}")]
    Unauthenticated(Message),
    /// 403: the caller is known but the policy forbids this; the message names the rule.
    #[error("{0}")]
    Forbidden(Message),
    /// 404: the thing named does not exist, or the caller may not know that it does.
    #[error("{0}")]
    NotFound(Message),
    /// 409: the request conflicts with what is stored (a duplicate code, a cycle).
    #[error("{0}")]
    Conflict(Message),
    /// 413: the body (an uploaded file) is larger than this server accepts; the message says
    /// the limit.
    #[error("{0}")]
    PayloadTooLarge(Message),
    /// 429: too many attempts; the message says when to try again.
    #[error("{0}")]
    TooManyRequests(Message),
    /// 503: a dependency (the database) is unavailable right now.
    #[error("service unavailable: {0}")]
    Unavailable(#[source] anyhow::Error),
    /// 503: this node is draining before it stops (`--shutdown-grace-secs`); another node
    /// answers, or this one once it is back.
    #[error("this node is shutting down")]
    Draining,
    /// 500: a bug or an unexpected failure.
    #[error("internal error: {0}")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The status, the code, the message, and the Chinese sentence that goes before a
    /// message not yet in the catalogue.
    fn parts(&self) -> (StatusCode, &'static str, Message, &'static Phrase) {
        match self {
            ApiError::BadRequest(m) => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                m.clone(),
                &phrases::GENERAL_BAD_REQUEST,
            ),
            ApiError::Unauthenticated(m) => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                m.clone(),
                &phrases::GENERAL_UNAUTHENTICATED,
            ),
            ApiError::Forbidden(m) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                m.clone(),
                &phrases::GENERAL_FORBIDDEN,
            ),
            ApiError::NotFound(m) => (
                StatusCode::NOT_FOUND,
                "not_found",
                m.clone(),
                &phrases::GENERAL_NOT_FOUND,
            ),
            ApiError::Conflict(m) => (
                StatusCode::CONFLICT,
                "conflict",
                m.clone(),
                &phrases::GENERAL_CONFLICT,
            ),
            ApiError::PayloadTooLarge(m) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                m.clone(),
                &phrases::GENERAL_TOO_LARGE,
            ),
            ApiError::TooManyRequests(m) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                m.clone(),
                &phrases::GENERAL_TOO_MANY,
            ),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                phrases::UNAVAILABLE.message(),
                &phrases::UNAVAILABLE,
            ),
            ApiError::Draining => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                phrases::DRAINING.message(),
                &phrases::UNAVAILABLE,
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                phrases::INTERNAL.message(),
                &phrases::INTERNAL,
            ),
        }
    }
}

/// An error answer before its language is known: [`IntoResponse`] writes it in Chinese and
/// leaves this in the response's extensions; [`localize`] writes it again when the request
/// asked for English.
#[derive(Debug, Clone)]
struct Unrendered {
    code: &'static str,
    message: Message,
    general: &'static Phrase,
}

impl Unrendered {
    fn body(&self, lang: Lang) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code,
                reason: self.message.code(),
                message: self.message.render_or(lang, self.general.zh),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, general) = self.parts();
        // A draining node refuses every request on purpose: nothing failed.
        if status.is_server_error() && !matches!(self, ApiError::Draining) {
            tracing::error!(error = ?self, "request failed");
        }
        let unrendered = Unrendered {
            code,
            message,
            general,
        };
        let mut response = (
            status,
            [(header::CONTENT_LANGUAGE, Lang::Zh.tag())],
            Json(unrendered.body(Lang::Zh)),
        )
            .into_response();
        response.extensions_mut().insert(unrendered);
        response
    }
}

/// Middleware: an error answer in the language the request asks for (`Accept-Language`),
/// Chinese unless English comes first.
pub async fn localize(request: Request, next: Next) -> Response {
    let lang = Lang::negotiate(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let response = next.run(request).await;
    if lang == Lang::Zh {
        return response;
    }
    let Some(unrendered) = response.extensions().get::<Unrendered>().cloned() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_LANGUAGE,
        header::HeaderValue::from_static(lang.tag()),
    );
    let body = Json(unrendered.body(lang)).into_response().into_body();
    Response::from_parts(parts, body)
}

impl From<collab::Error> for ApiError {
    fn from(e: collab::Error) -> Self {
        match e {
            collab::Error::AccessDenied => {
                ApiError::Unauthenticated(phrases::NO_DOCUMENT_ACCESS.message())
            }
            collab::Error::Store(e) => ApiError::Unavailable(e.into()),
            e @ collab::Error::StorageFailed { .. } => ApiError::Unavailable(e.into()),
            e @ collab::Error::CorruptStoredState { .. } => ApiError::Internal(e.into()),
        }
    }
}

/// A database failure as an answer: through [`crate::work::Error`], so each kind of refusal is
/// mapped in one place; what remains is the server's own failure.
impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        match crate::work::Error::from(e) {
            crate::work::Error::Storage(e) => storage_failure(e),
            refusal => refusal.into(),
        }
    }
}

/// 503 while the database cannot be reached, else 500; the cause is logged, never shown.
fn storage_failure(e: crate::db::DbError) -> ApiError {
    match e {
        crate::db::DbError::Unavailable(_) => ApiError::Unavailable(e.into()),
        e => ApiError::Internal(e.into()),
    }
}

impl From<crate::domain::policy::Denied> for ApiError {
    fn from(denied: crate::domain::policy::Denied) -> Self {
        ApiError::Forbidden(denied.message())
    }
}

impl From<crate::domain::org::Invalid> for ApiError {
    fn from(invalid: crate::domain::org::Invalid) -> Self {
        ApiError::BadRequest(invalid.0)
    }
}

impl From<crate::work::Error> for ApiError {
    fn from(e: crate::work::Error) -> Self {
        use crate::work::Error;
        match e {
            Error::Unauthenticated(m) => ApiError::Unauthenticated(m),
            Error::Denied(m) => ApiError::Forbidden(m),
            Error::NotFound(m) => ApiError::NotFound(m),
            Error::Refused { rule } => ApiError::Conflict(rule),
            Error::Invalid { why, .. } => ApiError::BadRequest(why),
            Error::Stale(m) | Error::Conflict(m) => ApiError::Conflict(m),
            Error::TooManyAttempts(m) => ApiError::TooManyRequests(m),
            Error::Storage(e) => storage_failure(e),
            Error::Unavailable(e) => ApiError::Unavailable(e),
            Error::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError;
        match e {
            AuthError::Unauthenticated(m) => ApiError::Unauthenticated(m),
            AuthError::Denied(denied) => denied.into(),
            AuthError::Forbidden(m) => ApiError::Forbidden(m),
            AuthError::NotFound(m) => ApiError::NotFound(m),
            AuthError::Invalid { why, .. } => ApiError::BadRequest(why),
            AuthError::Db(e) => e.into(),
            AuthError::Internal(e) => ApiError::Internal(e),
        }
    }
}
