//! Signing in and out with a local account, one's own sessions and password, over HTTP: thin
//! handlers over [`crate::work::sessions`].
//!
//! What is HTTP by nature is here and only here: the session cookie is set from the secret a
//! sign-in answers, and removed at sign-out. OpenID Connect sign-in has its own routes
//! (`oidc.rs`).

use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::session::{self, ClientInfo};
use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::sessions::{
    self, LocalLogin, LocalLoginSetting, LoggedOut, LoginAnswer, LoginRequest, Me, PasswordChange,
    SessionList, SignInOptions,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(providers))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session))
        .routes(routes!(set_local_login))
}

/// What the sign-in page offers: local accounts or not, and the OpenID providers.
#[utoipa::path(
    get, path = "/api/auth/providers", tag = "auth", operation_id = "auth_providers",
    responses((status = 200, description = "the ways to sign in", body = SignInOptions), Refusals)
)]
async fn providers(State(state): State<AppState>) -> Result<Json<SignInOptions>, ApiError> {
    Ok(Json(
        sessions::sign_in_options(&state.services, &state.identity).await?,
    ))
}

/// 登录: signs in with a local account and sets the session cookie.
#[utoipa::path(
    post, path = "/api/auth/login", tag = "auth", operation_id = "auth_login",
    request_body = LoginRequest,
    responses((status = 200, description = "signed in; the session cookie is set",
        headers(("Set-Cookie" = String, description = "concord_session=…; HttpOnly; SameSite=Lax")),
        body = LoginAnswer), Refusals)
)]
async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(request): Json<LoginRequest>,
) -> Result<(CookieJar, Json<LoginAnswer>), ApiError> {
    let identity = &state.identity;
    let signed_in = sessions::login(&state.services, identity, client, request).await?;
    let cookie = session::session_cookie(&identity.settings, signed_in.secret);
    Ok((CookieJar::new().add(cookie), Json(signed_in.answer)))
}

/// 退出: ends the session and removes its cookie.
#[utoipa::path(
    post, path = "/api/auth/logout", tag = "auth", operation_id = "auth_logout",
    responses((status = 200, description = "signed out; the cookie is removed", body = LoggedOut), Refusals),
    security(("session" = []))
)]
async fn logout(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<(CookieJar, Json<LoggedOut>), ApiError> {
    let logged_out = sessions::logout(&state.services, &state.identity, &caller).await?;
    let removal = session::removal_cookie(&state.identity.settings);
    Ok((CookieJar::new().add(removal), Json(logged_out)))
}

/// Who is calling: the person and their body, or the body an API token acts for.
#[utoipa::path(
    get, path = "/api/auth/me", tag = "auth", operation_id = "auth_me",
    responses((status = 200, description = "the caller", body = Me), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn me(caller: Caller) -> Json<Me> {
    Json(sessions::me(&caller))
}

/// Changes one's own password; every other session of the account ends.
#[utoipa::path(
    post, path = "/api/auth/password", tag = "auth", operation_id = "auth_change_password",
    request_body = PasswordChange,
    responses((status = 204, description = "the password is changed"), Refusals),
    security(("session" = []))
)]
async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Json(change): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    sessions::change_password(&state.services, &caller, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One's own live sessions, most recently used first.
#[utoipa::path(
    get, path = "/api/auth/sessions", tag = "auth", operation_id = "auth_sessions",
    responses((status = 200, description = "the sessions", body = SessionList), Refusals),
    security(("session" = []))
)]
async fn list_sessions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SessionList>, ApiError> {
    Ok(Json(sessions::list(&state.services, &caller).await?))
}

/// Ends one of one's own sessions ("sign out that device").
#[utoipa::path(
    delete, path = "/api/auth/sessions/{id}", tag = "auth", operation_id = "auth_revoke_session",
    params(("id" = String, Path, description = "the session's id")),
    responses((status = 204, description = "the session has ended"), Refusals),
    security(("session" = []))
)]
async fn revoke_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    sessions::revoke(&state.services, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether local accounts may sign in beside the OpenID providers (operators).
#[utoipa::path(
    put, path = "/api/settings/local-login", tag = "auth", operation_id = "settings_local_login",
    request_body = LocalLogin,
    responses((status = 200, description = "the setting as it now is", body = LocalLoginSetting), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn set_local_login(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<LocalLogin>,
) -> Result<Json<LocalLoginSetting>, ApiError> {
    let identity = &state.identity;
    Ok(Json(
        sessions::set_local_login(&state.services, identity, &caller, body).await?,
    ))
}
