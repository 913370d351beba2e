//! A person's signing keys over HTTP: enroll (`POST /api/keys` with an Ed25519 SPKI PEM),
//! list, revoke. Thin handlers over [`crate::work::keys`]; a signed-in person only, never a
//! token. The private half never travels here.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::keys::{self, EnrollInput, KeyList, KeyView, RevokeInput};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mine, enroll))
        .routes(routes!(revoke))
}

/// Enrolls the caller's Ed25519 public key: its binding to them and their body is logged.
#[utoipa::path(
    post, path = "/api/keys", tag = "keys", operation_id = "keys_enroll",
    request_body = EnrollInput,
    responses((status = 201, description = "the key is enrolled", body = KeyView), Refusals),
    security(("session" = []))
)]
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

/// The caller's enrolled keys, newest first.
#[utoipa::path(
    get, path = "/api/keys", tag = "keys", operation_id = "keys_mine",
    responses((status = 200, description = "the caller's keys", body = KeyList), Refusals),
    security(("session" = []))
)]
async fn mine(State(state): State<AppState>, caller: Caller) -> Result<Json<KeyList>, ApiError> {
    Ok(Json(keys::mine(&state.services, &caller).await?))
}

/// Revokes one of the caller's keys from now on; signatures made before stay valid.
#[utoipa::path(
    post, path = "/api/keys/{key_id}/revoke", tag = "keys", operation_id = "keys_revoke",
    params(("key_id" = String, Path, description = "one of the caller's keys")),
    request_body = RevokeInput,
    responses((status = 200, description = "the key is revoked", body = KeyView), Refusals),
    security(("session" = []))
)]
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
