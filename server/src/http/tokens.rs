//! API tokens: how an agency system acts for its organization without a person signing in.
//!
//! An org admin creates one with a name, the permissions it needs and an expiry; the secret
//! is shown once in the response and only its SHA-256 is stored. Revoking takes effect on the
//! next request, and drops websockets opened with it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::session::{new_secret, secret_hash};
use crate::auth::Caller;
use crate::db::{now_unix_ms, ApiTokenRow, NewApiToken};
use crate::domain::org::Name;
use crate::domain::policy::{Action, Permission};
use crate::error::ApiError;
use crate::http::extract::{Json, Path};
use crate::services::AccessChange;
use crate::state::AppState;

/// The longest a token may live; agency systems rotate at least yearly.
const MAX_DAYS: u32 = 366;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orgs/{id}/tokens", get(list).post(create))
        .route("/api/orgs/{id}/tokens/{token_id}", delete(revoke))
}

fn token_json(token: &ApiTokenRow) -> Value {
    json!({
        "id": token.id,
        "org_id": token.org_id,
        "name": token.name,
        "permissions": token.permissions,
        "created_by": token.created_by,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
        "last_used_ip": token.last_used_ip,
    })
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller
        .allow(&state.services.db, Action::ManageTokens { org_id: &org_id })
        .await?;
    let tokens: Vec<Value> = state
        .services
        .db
        .api_tokens(&org_id)
        .await?
        .iter()
        .map(token_json)
        .collect();
    Ok(Json(json!({ "tokens": tokens })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateToken {
    name: String,
    permissions: Vec<String>,
    expires_in_days: u32,
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    Json(body): Json<CreateToken>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller
        .allow(&state.services.db, Action::ManageTokens { org_id: &org_id })
        .await?;
    let name = Name::parse(&body.name)?;
    if body.permissions.is_empty() {
        return Err(ApiError::BadRequest(
            "a token needs at least one permission".into(),
        ));
    }
    let mut permissions = Vec::new();
    for p in &body.permissions {
        let permission: Permission = p.parse().map_err(|_| {
            ApiError::BadRequest(format!(
                "unknown permission {p:?}; known: orgs:read, spaces:read, spaces:write, docs:read, docs:write"
            ))
        })?;
        permissions.push(permission.as_str().to_owned());
    }
    permissions.sort();
    permissions.dedup();
    if !(1..=MAX_DAYS).contains(&body.expires_in_days) {
        return Err(ApiError::BadRequest(format!(
            "expires_in_days must be between 1 and {MAX_DAYS}"
        )));
    }
    let secret = new_secret("cct_");
    let now = now_unix_ms();
    let new = NewApiToken {
        org_id: org_id.clone(),
        name,
        token_hash: secret_hash(&secret),
        permissions,
        created_by: caller.actor.user_id.clone(),
        now,
        expires_at: now + i64::from(body.expires_in_days) * 86_400_000,
    };
    let event = caller.event(
        "token_created",
        format!("org:{org_id}"),
        json!({ "name": new.name, "permissions": new.permissions, "expires_at": new.expires_at }),
    );
    let token = state.services.db.create_api_token(&new, &event).await?;
    let mut body = token_json(&token);
    // The only time the secret is ever shown.
    body["token"] = Value::String(secret);
    Ok((StatusCode::CREATED, Json(body)))
}

async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, token_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller
        .allow(&state.services.db, Action::ManageTokens { org_id: &org_id })
        .await?;
    let event = caller.event("token_revoked", format!("token:{token_id}"), json!({}));
    let revoked = state
        .services
        .db
        .revoke_api_token(&token_id, &org_id, now_unix_ms(), &event)
        .await?;
    if !revoked {
        return Err(ApiError::NotFound(
            "this organization has no live token with this id".into(),
        ));
    }
    state.services.access.announce(AccessChange {
        credential: Some(format!("token:{token_id}")),
        ..AccessChange::default()
    });
    Ok(StatusCode::NO_CONTENT)
}
