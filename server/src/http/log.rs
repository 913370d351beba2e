//! The signed log over HTTP: `GET /api/log/checkpoint` (a C2SP signed note), the log's
//! verifier key, and inclusion and consistency proofs. Thin handlers over
//! [`crate::work::log`]; any signed-in caller or token may read them (they hold hashes only).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use crate::work::log::{self, Proof};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/log/checkpoint", get(checkpoint))
        .route("/api/log/key", get(key))
        .route("/api/log/proofs/inclusion", get(inclusion))
        .route("/api/log/proofs/consistency", get(consistency))
}

async fn checkpoint(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    let (_, note) = log::checkpoint(&state, &caller).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note))
}

/// The log's origin and C2SP verifier key: what a verifier trusts (`concord verify --trust`).
async fn key(State(state): State<AppState>, _caller: Caller) -> Json<Value> {
    let verifier = state.keyring.log_verifier();
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
        log::inclusion(&state, &caller, q.index, q.size).await?,
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
    Ok(Json(log::consistency(&state, &caller, q.old, q.new).await?))
}
