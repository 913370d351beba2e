//! A person's signing keys over HTTP: enroll (`POST /api/keys` with an Ed25519 SPKI PEM),
//! list, revoke. Thin handlers over [`crate::work::keys`]; a signed-in person only, never a
//! token.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::keys::{self, EnrollInput, KeyView, RevokeInput};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/keys", get(mine).post(enroll))
        .route("/api/keys/{key_id}/revoke", post(revoke))
}

async fn enroll(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<EnrollInput>,
) -> Result<(StatusCode, Json<KeyView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(keys::enroll(&state.services, &caller, input).await?),
    ))
}

async fn mine(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "keys": keys::mine(&state.services, &caller).await? }),
    ))
}

async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(key_id): Path<String>,
    Json(input): Json<RevokeInput>,
) -> Result<Json<KeyView>, ApiError> {
    Ok(Json(
        keys::revoke(&state.services, &caller, &key_id, input).await?,
    ))
}
