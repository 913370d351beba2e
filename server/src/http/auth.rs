//! Signing in and out with a local account, one's own sessions and password.
//!
//! OpenID Connect sign-in has its own routes (`oidc.rs`); both end in
//! [`session::begin`](crate::auth::session::begin).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use axum::Router;
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::session::{self, ClientInfo};
use crate::auth::{password, Caller};
use crate::db::{now_unix_ms, AuditEvent};
use crate::domain::org::Username;
use crate::domain::policy::Action;
use crate::error::ApiError;
use crate::http::extract::{Json, Path};
use crate::http::users::user_json;
use crate::services::AccessChange;
use crate::state::AppState;

/// The settings key that turns local sign-in off when OpenID providers are configured.
const LOCAL_LOGIN_SETTING: &str = "local_login";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/providers", get(providers))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/auth/password", post(change_password))
        .route("/api/auth/sessions", get(list_sessions))
        .route("/api/auth/sessions/{id}", delete(revoke_session))
        .route("/api/settings/local-login", put(set_local_login))
}

/// Whether local accounts may sign in: always without OpenID providers (or nobody could);
/// with providers, unless an operator turned it off.
async fn local_login_enabled(state: &AppState) -> Result<bool, ApiError> {
    if state.identity.oidc.list().is_empty() {
        return Ok(true);
    }
    Ok(state
        .services
        .db
        .setting(LOCAL_LOGIN_SETTING)
        .await?
        .as_deref()
        != Some("off"))
}

/// What the sign-in page offers.
async fn providers(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let providers: Vec<Value> = state
        .identity
        .oidc
        .list()
        .into_iter()
        .map(|(id, name)| json!({ "id": id, "name": name, "login_url": format!("/auth/oidc/{id}/login") }))
        .collect();
    Ok(Json(json!({
        "local_login": local_login_enabled(&state).await?,
        "providers": providers,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    username: String,
    password: String,
}

/// The one answer for a wrong name or a wrong password, so neither is revealed.
const WRONG_CREDENTIALS: &str = "wrong user name or password";

async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(request): Json<LoginRequest>,
) -> Result<impl IntoResponse, ApiError> {
    if !local_login_enabled(&state).await? {
        return Err(ApiError::Forbidden(
            "sign-in with a local account is turned off here; use your organization's sign-in"
                .into(),
        ));
    }
    let address = client.ip.clone().unwrap_or_default();
    let limiter = &state.identity.limiter;
    if limiter.is_blocked(&address) {
        return Err(ApiError::TooManyRequests(
            "too many failed sign-ins from this address; try again in 10 minutes".into(),
        ));
    }
    let username = Username::parse(&request.username).ok();
    let record = match &username {
        Some(name) => state.services.db.password_record(name).await?,
        None => None,
    };
    let now = now_unix_ms();
    if let Some(record) = &record {
        if record.locked_until.is_some_and(|until| until > now) {
            audit_failure(&state, &client, Some(&record.user_id), "account locked").await?;
            return Err(locked());
        }
    }
    let stored = record.as_ref().map(|r| r.password_hash.clone());
    let matches = password::verify(request.password, stored).await;
    let record = match record {
        Some(record) if matches => record,
        Some(record) => {
            limiter.record_failure(&address);
            let settings = &state.identity.settings;
            let locked_now = state
                .services
                .db
                .record_login_failure(&record.user_id, now, settings.lock_after, settings.lock_ms)
                .await?;
            audit_failure(&state, &client, Some(&record.user_id), "wrong password").await?;
            return Err(if locked_now.is_some() {
                locked()
            } else {
                ApiError::Unauthenticated(WRONG_CREDENTIALS)
            });
        }
        None => {
            limiter.record_failure(&address);
            audit_failure(&state, &client, None, "unknown user").await?;
            return Err(ApiError::Unauthenticated(WRONG_CREDENTIALS));
        }
    };
    if record.disabled {
        audit_failure(&state, &client, Some(&record.user_id), "account disabled").await?;
        return Err(ApiError::Forbidden("this account is disabled".into()));
    }
    state
        .services
        .db
        .clear_login_failures(&record.user_id)
        .await?;
    let user = state
        .services
        .db
        .user(&record.user_id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("user vanished during sign-in")))?;
    let cookie = session::begin(
        &state.services.db,
        &state.identity.settings,
        &user,
        client,
        "password",
    )
    .await?;
    Ok((
        CookieJar::new().add(cookie),
        Json(json!({ "user": user_json(&user) })),
    ))
}

fn locked() -> ApiError {
    ApiError::TooManyRequests(
        "this account is locked after too many wrong passwords; try again later or ask an operator"
            .into(),
    )
}

async fn audit_failure(
    state: &AppState,
    client: &ClientInfo,
    user_id: Option<&str>,
    reason: &str,
) -> Result<(), ApiError> {
    state
        .services
        .db
        .audit(&AuditEvent {
            at: now_unix_ms(),
            actor_user_id: user_id.map(str::to_owned),
            actor_org_id: None,
            action: "login_failed".into(),
            target: user_id.map(|id| format!("user:{id}")).unwrap_or_default(),
            detail: json!({ "method": "password", "reason": reason }),
            ip: client.ip.clone(),
        })
        .await?;
    Ok(())
}

async fn logout(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    let Some(session_id) = caller.session_id() else {
        return Err(ApiError::BadRequest(
            "an API token cannot sign out; revoke it instead".into(),
        ));
    };
    let user_id = caller.actor.user_id.clone();
    let event = caller.event("logout", format!("session:{session_id}"), json!({}));
    state
        .services
        .db
        .revoke_session(session_id, &user_id, now_unix_ms(), &event)
        .await?;
    state.services.access.announce(AccessChange {
        credential: caller.credential(),
        ..AccessChange::default()
    });
    let end_session_url = match &caller.user {
        Some(user) => state.identity.oidc.end_session_url_for(user),
        None => None,
    };
    let jar = CookieJar::new().add(session::removal_cookie(&state.identity.settings));
    Ok((jar, Json(json!({ "end_session_url": end_session_url }))))
}

async fn me(caller: Caller) -> Result<Json<Value>, ApiError> {
    let org = caller.org.as_ref().map(crate::http::directory::org_json);
    let user = caller.user.as_ref().map(user_json);
    Ok(Json(json!({
        "user": user,
        "org": org,
        "via": if caller.user.is_some() { "session" } else { "token" },
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current: String,
    new: String,
}

/// Changes one's own password; every other session of the account ends.
async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Json(change): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let (Some(user), Some(session_id)) = (&caller.user, caller.session_id()) else {
        return Err(ApiError::BadRequest(
            "only a signed-in person can change their password".into(),
        ));
    };
    let Some(username) = &user.username else {
        return Err(ApiError::BadRequest(
            "this account signs in through an OpenID provider and has no password here".into(),
        ));
    };
    password::check_new(&change.new)?;
    let record = state.services.db.password_record(username).await?;
    let stored = record.map(|r| r.password_hash);
    if !password::verify(change.current, stored).await {
        return Err(ApiError::BadRequest(
            "the current password is not correct".into(),
        ));
    }
    let hash = password::hash(change.new).await?;
    let event = caller.event("password_changed", format!("user:{}", user.id), json!({}));
    state
        .services
        .db
        .set_password(&user.id, &hash, &event)
        .await?;
    crate::work::sessions::end_other_sessions(&state.services, &caller, &user.id, Some(session_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_sessions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller
        .allow(&state.services.db, Action::ManageOwnSessions)
        .await?;
    let current = caller.session_id().unwrap_or_default();
    let sessions: Vec<Value> = state
        .services
        .db
        .list_sessions(&caller.actor.user_id, now_unix_ms())
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "id": s.id,
                "current": s.id == current,
                "created_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "expires_at": s.idle_expires_at.min(s.absolute_expires_at),
                "ip": s.ip,
                "user_agent": s.user_agent,
            })
        })
        .collect();
    Ok(Json(json!({ "sessions": sessions })))
}

async fn revoke_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller
        .allow(&state.services.db, Action::ManageOwnSessions)
        .await?;
    let event = caller.event("session_revoked", format!("session:{id}"), json!({}));
    let revoked = state
        .services
        .db
        .revoke_session(&id, &caller.actor.user_id, now_unix_ms(), &event)
        .await?;
    if !revoked {
        return Err(ApiError::NotFound(
            "you have no live session with this id".into(),
        ));
    }
    state.services.access.announce(AccessChange {
        credential: Some(format!("session:{id}")),
        ..AccessChange::default()
    });
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocalLogin {
    enabled: bool,
}

/// An operator decides whether local accounts may sign in beside the OpenID providers.
async fn set_local_login(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<LocalLogin>,
) -> Result<Json<Value>, ApiError> {
    caller
        .allow(&state.services.db, Action::ManageSettings)
        .await?;
    if !body.enabled && state.identity.oidc.list().is_empty() {
        return Err(ApiError::Conflict(
            "local sign-in cannot be turned off while no OpenID provider is configured".into(),
        ));
    }
    let value = if body.enabled { "on" } else { "off" };
    let event = caller.event(
        "setting_changed",
        format!("setting:{LOCAL_LOGIN_SETTING}"),
        json!({ "value": value }),
    );
    state
        .services
        .db
        .set_setting(LOCAL_LOGIN_SETTING, value, &event)
        .await?;
    Ok(Json(json!({ "local_login": body.enabled })))
}
