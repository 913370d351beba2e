//! People over HTTP: thin handlers over [`crate::work::users`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::by::By;
use crate::work::users::{self, CreateUser, PasswordReset, UpdateUser, UserList, UserView};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(create))
        .routes(routes!(show, update))
        .routes(routes!(reset_password))
}

/// The users of an organization (its own people and operators).
#[utoipa::path(
    get, path = "/api/orgs/{id}/users", tag = "users", operation_id = "users_list",
    params(("id" = String, Path, description = "the organization's id")),
    responses((status = 200, description = "the organization's users", body = UserList), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
) -> Result<Json<UserList>, ApiError> {
    Ok(Json(users::list(&state.services, &caller, &org_id).await?))
}

/// Creates a user: a member of an organization (its admins, operators) or an operator
/// (operators).
#[utoipa::path(
    post, path = "/api/users", tag = "users", operation_id = "users_create",
    request_body = CreateUser,
    responses((status = 201, description = "the user is created", body = UserView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let user = users::create(&state.services.db, By::Caller(&caller), body).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// One user (for whoever may read their organization's users, and themselves).
#[utoipa::path(
    get, path = "/api/users/{id}", tag = "users", operation_id = "users_show",
    params(("id" = String, Path, description = "the user's id")),
    responses((status = 200, description = "the user", body = UserView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(users::show(&state.services, &caller, &id).await?))
}

/// Renames a user, changes their role, or disables them (which ends their sessions).
#[utoipa::path(
    patch, path = "/api/users/{id}", tag = "users", operation_id = "users_update",
    params(("id" = String, Path, description = "the user's id")),
    request_body = UpdateUser,
    responses((status = 200, description = "the user as changed", body = UserView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<UpdateUser>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(
        users::update(&state.services, &caller, &id, body).await?,
    ))
}

/// An operator sets a new password for someone; their sessions end and a lock is lifted.
#[utoipa::path(
    post, path = "/api/users/{id}/password", tag = "users", operation_id = "users_reset_password",
    params(("id" = String, Path, description = "the user's id")),
    request_body = PasswordReset,
    responses((status = 204, description = "the password is set"), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    users::reset_password(&state.services, &caller, &id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}
