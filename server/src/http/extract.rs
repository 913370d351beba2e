//! Extractors that turn a bad request into our error shape instead of axum's plain text, the
//! authenticated [`Caller`] of a request, and the Origin check of state-changing requests.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::auth::{self, session, Caller};
use crate::domain::phrases;
use crate::error::ApiError;
use crate::state::AppState;

/// The largest JSON body read. JSON bodies are small (names, codes, ids, texts); anything
/// larger is a mistake or an attack. Raw uploads have limits of their own.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// Like `axum::Json`, but a body larger than [`MAX_JSON_BYTES`] is a 413, and one that is not
/// JSON, or not the expected shape, is a 400 that
/// says what was wrong and names the field: serde's message with the field's path in front
/// ("invited[1].role: unknown variant …"), or, for a refused text of
/// [`crate::domain::text`], the field and the rule ("title must not be empty"). The message
/// never contains anything internal.
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::BadRequest(phrases::BODY_NOT_JSON.message()));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge(
                        phrases::BODY_TOO_LARGE.with("kib", MAX_JSON_BYTES / 1024),
                    )
                } else {
                    ApiError::BadRequest(phrases::BODY_UNREADABLE.message())
                }
            })?;
        from_json(&bytes).map(Json)
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// `application/json`, or any `application/…+json`, with or without parameters.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json"))
}

/// Reads a JSON body as `T`, or the 400 that says what is wrong with it and where.
fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    use serde_json::error::Category;
    let not_json = |e: &serde_json::Error| {
        ApiError::BadRequest(phrases::BODY_NOT_VALID_JSON.with("detail", e))
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let inner = error.inner();
        match inner.classify() {
            Category::Data => ApiError::BadRequest(phrases::BODY_UNEXPECTED_FIELDS.with(
                "detail",
                crate::domain::text::name_field(error.path(), inner.to_string()),
            )),
            Category::Syntax | Category::Eof | Category::Io => not_json(inner),
        }
    })?;
    // Anything after the value is not JSON either.
    deserializer.end().map_err(|e| not_json(&e))?;
    Ok(value)
}

/// Like `axum::extract::Path`, with our error shape, and a 404 for a path segment holding a
/// control character (a NUL, `%00`, most of all): no id, code or name stored here holds one,
/// and PostgreSQL cannot even compare a text with a NUL in it, so such a segment is refused
/// here, the same on every engine, before any query is made.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // Undecodable segments are left to the extractor below, which says what is wrong.
        if let Ok(raw) = RawPathParams::from_request_parts(parts, state).await {
            if raw
                .iter()
                .any(|(_, value)| value.chars().any(char::is_control))
            {
                return Err(ApiError::NotFound(
                    "没有这个编号对应的记录 / nothing exists with this id".into(),
                ));
            }
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|e: PathRejection| {
                ApiError::BadRequest(phrases::BAD_PATH.with("detail", e.body_text()))
            })
    }
}

/// Like `axum::extract::Query`, with our error shape.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e: QueryRejection| {
                ApiError::BadRequest(phrases::BAD_QUERY.with("detail", e.body_text()))
            })
    }
}

/// The authenticated caller of a request (a bearer API token, or the session cookie), or a
/// 401 saying what to do.
impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let client = session::client_info(parts);
        Ok(auth::authenticate(&state.services.db, &state.identity, &parts.headers, client).await?)
    }
}

/// Refuses a state-changing request that a browser may have sent on another site's behalf.
///
/// Requests authenticated by a bearer token carry no ambient credential and pass. Every other
/// POST, PUT, PATCH or DELETE must carry an `Origin` header naming this server (the public URL,
/// or the request's own `Host` when no public URL is configured). Browsers send `Origin` on
/// every such request, so the check costs a legitimate client nothing.
pub async fn check_origin(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let headers = request.headers();
    let uses_token = auth::bearer(headers).is_some() && !headers.contains_key(header::COOKIE);
    if safe || uses_token || auth::origin_matches(&state.identity, headers) {
        return next.run(request).await;
    }
    ApiError::Forbidden(
        "cross-site request refused: the Origin header is missing or names another site".into(),
    )
    .into_response()
}
