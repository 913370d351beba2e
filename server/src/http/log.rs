//! The signed log over HTTP: `GET /api/log/checkpoint` (a C2SP signed note), the log's
//! verifier key, and inclusion and consistency proofs. Thin handlers over
//! [`crate::work::log`]. They answer without an account, like a transparency log: an
//! auditor holding a bundle needs the trust root and has no account, and the answers hold
//! hashes, never content. Each read is counted against the asking address ([`PublicRead`]:
//! a burst of 120, then 2 a second), since each computes a tree head over the whole log.
//!
//! `POST /api/verify` runs the offline verifier (`concord verify`) on a bundle someone
//! uploads, trusting this server's log key, so a person with only a browser can check an
//! archive bundle they were sent. Only the upload's size limit is this module's; the check is
//! [`crate::work::log::verify`]'s.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::auth::session::client_info;
use crate::auth::Caller;
use crate::domain::phrases;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Query};
use crate::http::minutes::FileBody;
use crate::http::upload::spool;
use crate::state::AppState;
use crate::work::log::{self, LogKey, Proof, VerifyReport};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkpoint))
        .routes(routes!(key))
        .routes(routes!(inclusion))
        .routes(routes!(consistency))
        // A bundle is larger than the JSON bodies the global limit is made for; the handler
        // bounds it itself.
        .routes(routes!(verify_bundle).layer(DefaultBodyLimit::disable()))
}

/// A read of the public log, allowed by the asking address's budget
/// ([`crate::auth::limits::PublicReadLimiter`]); past it, 429 saying when to ask again. A
/// request without a peer address (only in-process tests) shares one budget.
struct PublicRead;

impl FromRequestParts<AppState> for PublicRead {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let address = client_info(parts).ip.unwrap_or_default();
        state
            .identity
            .public_reads
            .take(&address)
            .map(|()| PublicRead)
            .map_err(|seconds| {
                let refused = &state.metrics.connections.public_log_reads_refused;
                refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                ApiError::TooManyRequests(phrases::LOG_READS_TOO_MANY.with("seconds", seconds))
            })
    }
}

/// The largest bundle `POST /api/verify` reads. A bundle holds the document (a few hundred
/// KiB at most), its CRDT state, keys and proofs; 64 MiB leaves room for years of edits.
const MAX_BUNDLE_BYTES: usize = 64 * 1024 * 1024;

/// The log's newest tree head, as a C2SP `signed-note` checkpoint.
#[utoipa::path(
    get, path = "/api/log/checkpoint", tag = "log", operation_id = "log_checkpoint",
    responses((status = 200, description = "the signed checkpoint", content_type = "text/plain",
        body = String), Refusals),
    security(())
)]
async fn checkpoint(
    State(state): State<AppState>,
    _: PublicRead,
) -> Result<impl IntoResponse, ApiError> {
    let (_, note) = log::checkpoint(&state.services).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note))
}

/// The log's origin and C2SP verifier key: what a verifier trusts (`concord verify --trust`).
#[utoipa::path(
    get, path = "/api/log/key", tag = "log", operation_id = "log_key",
    responses((status = 200, description = "the log's key", body = LogKey), Refusals),
    security(())
)]
async fn key(State(state): State<AppState>, _: PublicRead) -> Json<LogKey> {
    Json(log::key(&state.services))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct InclusionQuery {
    /// The leaf.
    index: u64,
    /// The tree it is proved in.
    size: u64,
}

/// The RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves.
#[utoipa::path(
    get, path = "/api/log/proofs/inclusion", tag = "log", operation_id = "log_inclusion",
    params(InclusionQuery),
    responses((status = 200, description = "the proof", body = Proof), Refusals),
    security(())
)]
async fn inclusion(
    State(state): State<AppState>,
    _: PublicRead,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<Proof>, ApiError> {
    Ok(Json(
        log::inclusion(&state.services, q.index, q.size).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    /// The older tree's size.
    old: u64,
    /// The newer tree's size.
    new: u64,
}

/// The RFC 9162 consistency proof between the trees of `old` and `new` leaves: the log only
/// grew.
#[utoipa::path(
    get, path = "/api/log/proofs/consistency", tag = "log", operation_id = "log_consistency",
    params(ConsistencyQuery),
    responses((status = 200, description = "the proof", body = Proof), Refusals),
    security(())
)]
async fn consistency(
    State(state): State<AppState>,
    _: PublicRead,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<Proof>, ApiError> {
    Ok(Json(log::consistency(&state.services, q.old, q.new).await?))
}

/// 核验归档包: checks an uploaded bundle (.zip) against this server's log key; the checks in
/// order, the failed one last. 400 when the body is no bundle at all, 413 past 64 MiB.
#[utoipa::path(
    post, path = "/api/verify", tag = "log", operation_id = "verify_bundle",
    request_body(content = FileBody, content_type = "application/zip", description = "a bundle"),
    responses((status = 200, description = "the verifier's report", body = VerifyReport), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn verify_bundle(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<VerifyReport>, ApiError> {
    let too_large = || {
        ApiError::PayloadTooLarge(
            crate::domain::phrases::BUNDLE_TOO_LARGE.with("mib", MAX_BUNDLE_BYTES / (1024 * 1024)),
        )
    };
    let mut spooled = spool(&state, &headers, body, MAX_BUNDLE_BYTES, too_large).await?;
    let zip = spooled.bytes().await?;
    // `spooled` holds its place among uploads in progress until the check is done.
    Ok(Json(log::verify(&state.services, &caller, zip).await?))
}
