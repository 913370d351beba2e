//! API tokens over HTTP: thin handlers over [`crate::work::tokens`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::tokens::{self, CreateToken, CreatedToken, TokenList};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

/// An organization's API tokens, revoked and expired ones included (its admins).
#[utoipa::path(
    get, path = "/api/orgs/{id}/tokens", tag = "tokens", operation_id = "tokens_list",
    params(("id" = String, Path, description = "the organization's id")),
    responses((status = 200, description = "the tokens, newest first", body = TokenList), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
) -> Result<Json<TokenList>, ApiError> {
    Ok(Json(tokens::list(&state.services, &caller, &org_id).await?))
}

/// Creates an API token for an agency system; its secret is answered this once.
#[utoipa::path(
    post, path = "/api/orgs/{id}/tokens", tag = "tokens", operation_id = "tokens_create",
    params(("id" = String, Path, description = "the organization's id")),
    request_body = CreateToken,
    responses((status = 201, description = "the token, with its secret", body = CreatedToken), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    Json(body): Json<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let token = tokens::create(&state.services, &caller, &org_id, body).await?;
    Ok((StatusCode::CREATED, Json(token)))
}

/// Revokes a token: the next request with it is refused, its websockets close.
#[utoipa::path(
    delete, path = "/api/orgs/{id}/tokens/{token_id}", tag = "tokens", operation_id = "tokens_revoke",
    params(
        ("id" = String, Path, description = "the organization's id"),
        ("token_id" = String, Path, description = "the token's id")
    ),
    responses((status = 204, description = "the token is revoked"), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, token_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke(&state.services, &caller, &org_id, &token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
