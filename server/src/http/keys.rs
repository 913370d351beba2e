//! Signing keys over HTTP. A person's own: enroll (`POST /api/keys` with an Ed25519 SPKI
//! PEM), list, revoke. An organization's, for its admins and operators: list
//! (`GET /api/orgs/{id}/keys`) and revoke. Thin handlers over [`crate::work::keys`]; a
//! signed-in person only, never a token. The private half never travels here.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::keys::{self, EnrollInput, KeyList, KeyView, OrgKeyList, OrgKeyView, RevokeInput};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mine, enroll))
        .routes(routes!(revoke))
        .routes(routes!(of_org))
        .routes(routes!(revoke_of_org))
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

/// Every signing key bound to an organization (its people's and its seal), revoked ones
/// included, newest first: for its admins and operators.
#[utoipa::path(
    get, path = "/api/orgs/{id}/keys", tag = "keys", operation_id = "keys_of_org",
    params(("id" = String, Path, description = "the organization's id")),
    responses((status = 200, description = "the organization's keys", body = OrgKeyList), Refusals),
    security(("session" = []))
)]
async fn of_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
) -> Result<Json<OrgKeyList>, ApiError> {
    Ok(Json(keys::of_org(&state.services, &caller, &org_id).await?))
}

/// Revokes a key of the organization from now on: a person's (its admins, operators) or its
/// seal (operators; a new one is made at the next signature). Signatures made before stay
/// valid.
#[utoipa::path(
    post, path = "/api/orgs/{id}/keys/{key_id}/revoke", tag = "keys",
    operation_id = "keys_revoke_of_org",
    params(
        ("id" = String, Path, description = "the organization's id"),
        ("key_id" = String, Path, description = "one of the organization's keys"),
    ),
    request_body = RevokeInput,
    responses((status = 200, description = "the key is revoked", body = OrgKeyView), Refusals),
    security(("session" = []))
)]
async fn revoke_of_org(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, key_id)): Path<(String, String)>,
    Json(input): Json<RevokeInput>,
) -> Result<Json<OrgKeyView>, ApiError> {
    Ok(Json(
        keys::revoke_of_org(&state.services, &caller, &org_id, &key_id, input).await?,
    ))
}
