//! The signed log over HTTP: `GET /api/log/checkpoint` (a C2SP signed note), the log's
//! verifier key, and inclusion and consistency proofs. Thin handlers over
//! [`crate::work::log`]; any signed-in caller or token may read them (they hold hashes only).
//!
//! `POST /api/verify` runs the offline verifier (`concord verify`) on a bundle someone
//! uploads, trusting this server's log key, so a person with only a browser can check an
//! archive bundle they were sent. It reads nothing stored: the answer depends on the bytes
//! alone and the log key.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::extract::{body_at_most, Json, Query};
use crate::signing::bundle::Bundle;
use crate::signing::verify;
use crate::state::AppState;
use crate::work::log::{self, Proof};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/log/checkpoint", get(checkpoint))
        .route("/api/log/key", get(key))
        .route("/api/log/proofs/inclusion", get(inclusion))
        .route("/api/log/proofs/consistency", get(consistency))
        .route(
            "/api/verify",
            post(verify_bundle).layer(DefaultBodyLimit::disable()),
        )
}

/// The largest bundle `POST /api/verify` reads. A bundle holds the minutes (a few hundred
/// KiB at most), their CRDT state, keys and proofs; 64 MiB leaves room for years of edits.
const MAX_BUNDLE_BYTES: usize = 64 * 1024 * 1024;

async fn checkpoint(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    let (_, note) = log::checkpoint(&state.services, &caller).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note))
}

/// The log's origin and C2SP verifier key: what a verifier trusts (`concord verify --trust`).
async fn key(State(state): State<AppState>, _caller: Caller) -> Json<Value> {
    let verifier = state.services.keyring.log_verifier();
    Json(json!({ "origin": verifier.origin, "vkey": verifier.vkey() }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InclusionQuery {
    index: u64,
    size: u64,
}

async fn inclusion(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<Proof>, ApiError> {
    Ok(Json(
        log::inclusion(&state.services, &caller, q.index, q.size).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    old: u64,
    new: u64,
}

async fn consistency(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<Proof>, ApiError> {
    Ok(Json(
        log::consistency(&state.services, &caller, q.old, q.new).await?,
    ))
}

/// Verifies an uploaded bundle (.zip bytes) against this server's log key. Answers the checks
/// in order, the failed one last with `ok: false`; 400 when the body is not a bundle .zip at
/// all, 413 past [`MAX_BUNDLE_BYTES`].
async fn verify_bundle(
    State(state): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "a bundle may be at most {} MiB",
            MAX_BUNDLE_BYTES / (1024 * 1024)
        ))
    };
    let bytes = body_at_most(&headers, body, MAX_BUNDLE_BYTES, too_large).await?;
    let trusted = state.services.keyring.log_verifier();
    // Parsing and checking signatures is CPU work measured in milliseconds per file: off the
    // async threads.
    let report = tokio::task::spawn_blocking(move || {
        let bundle = Bundle::from_zip(&bytes)?;
        Ok::<_, crate::signing::SigningError>(verify::verify(&bundle, Some(&trusted)))
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
    .map_err(|e| ApiError::BadRequest(format!("this is not a minutes bundle (.zip): {e}")))?;
    let mut checks: Vec<Value> = report
        .passed
        .iter()
        .map(|c| json!({ "name": c.name, "ok": true, "detail": c.detail }))
        .collect();
    if let Some(failure) = &report.failure {
        checks.push(json!({ "name": failure.check, "ok": false, "detail": failure.reason }));
    }
    Ok(Json(json!({
        "verified": report.is_verified(),
        "trusted_log": true,
        "checks": checks,
    })))
}
