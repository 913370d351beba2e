//! People: the users of an organization, created and managed by its admins and by operators.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{password, Caller};
use crate::db::{NewUser, User, UserPatch};
use crate::domain::org::{Name, OrgRole, Username};
use crate::domain::policy::Action;
use crate::error::ApiError;
use crate::http::extract::{Json, Path};
use crate::services::AccessChange;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orgs/{id}/users", get(list))
        .route("/api/users", post(create))
        .route("/api/users/{id}", get(show).patch(update))
        .route("/api/users/{id}/password", post(reset_password))
}

/// A user as the API shows it: never the password hash.
pub(crate) fn user_json(user: &User) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "org_id": user.org_id,
        "org_role": user.org_role,
        "operator": user.operator,
        "disabled": user.disabled,
        "has_password": user.has_password,
        "oidc": user.oidc_issuer.is_some(),
        "created_at": user.created_at,
    })
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller
        .allow(&state.services.db, Action::ReadUsers { org_id: &org_id })
        .await?;
    if state.services.db.org(&org_id).await?.is_none() {
        return Err(ApiError::NotFound("no organization with this id".into()));
    }
    let users: Vec<Value> = state
        .services
        .db
        .users_of_org(&org_id)
        .await?
        .iter()
        .map(user_json)
        .collect();
    Ok(Json(json!({ "users": users })))
}

/// Looks a user up for someone allowed to read that user's organization; anyone else hears
/// "not found", so user ids of other bodies cannot be probed.
async fn visible_user(state: &AppState, caller: &Caller, id: &str) -> Result<User, ApiError> {
    let not_found = || ApiError::NotFound("no user with this id".into());
    let user = state.services.db.user(id).await?.ok_or_else(not_found)?;
    let readable = match &user.org_id {
        Some(org_id) => {
            crate::domain::policy::decide(&caller.actor, &Action::ReadUsers { org_id }).is_ok()
        }
        None => caller.actor.operator,
    };
    if readable || user.id == caller.actor.user_id {
        Ok(user)
    } else {
        Err(not_found())
    }
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = visible_user(&state, &caller, &id).await?;
    Ok(Json(user_json(&user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateUser {
    org_id: Option<String>,
    username: Option<String>,
    display_name: String,
    #[serde(default = "member")]
    org_role: OrgRole,
    #[serde(default)]
    operator: bool,
    /// An initial password for a local account; the person changes it after signing in.
    password: Option<String>,
}

fn member() -> OrgRole {
    OrgRole::Member
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateUser>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    match (&body.org_id, body.operator) {
        (Some(org_id), false) => {
            caller
                .allow(&state.services.db, Action::ManageUsers { org_id })
                .await?
        }
        // Making someone an operator gives them the deployment: operators only.
        (_, true) => {
            caller
                .allow(&state.services.db, Action::ManageOperators)
                .await?
        }
        (None, false) => {
            return Err(ApiError::BadRequest(
                "a user belongs to an organization: give org_id".into(),
            ))
        }
    }
    let display_name = Name::parse(&body.display_name)?;
    let username = body.username.as_deref().map(Username::parse).transpose()?;
    let password_hash = match body.password {
        Some(pw) => {
            if username.is_none() {
                return Err(ApiError::BadRequest(
                    "a password needs a username to sign in with".into(),
                ));
            }
            password::check_new(&pw)?;
            Some(password::hash(pw).await?)
        }
        None => None,
    };
    if let Some(org_id) = &body.org_id {
        if state.services.db.org(org_id).await?.is_none() {
            return Err(ApiError::BadRequest(format!(
                "no organization with id {org_id:?}"
            )));
        }
    }
    let new = NewUser {
        org_id: body.org_id,
        username,
        display_name,
        org_role: body.org_role,
        operator: body.operator,
        password_hash,
        oidc_issuer: None,
        oidc_subject: None,
    };
    let event = caller.event(
        "user_created",
        String::new(),
        json!({ "org_id": new.org_id, "username": new.username, "org_role": new.org_role, "operator": new.operator }),
    );
    let user = state
        .services
        .db
        .create_user(&new, &event)
        .await
        .map_err(|e| match e {
            crate::db::DbError::Conflict(_) => {
                ApiError::Conflict("a user with this user name already exists".into())
            }
            e => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(user_json(&user))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateUser {
    display_name: Option<String>,
    org_role: Option<OrgRole>,
    disabled: Option<bool>,
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<UpdateUser>,
) -> Result<Json<Value>, ApiError> {
    let user = visible_user(&state, &caller, &id).await?;
    authorize_change(&state, &caller, &user).await?;
    let patch = UserPatch {
        display_name: body.display_name.as_deref().map(Name::parse).transpose()?,
        org_role: body.org_role,
        disabled: body.disabled,
    };
    let event = caller.event(
        "user_updated",
        format!("user:{id}"),
        json!({ "display_name": patch.display_name, "org_role": patch.org_role, "disabled": patch.disabled }),
    );
    let updated = state.services.db.update_user(&id, &patch, &event).await?;
    if patch.disabled == Some(true) || patch.org_role.is_some() {
        if patch.disabled == Some(true) {
            crate::work::sessions::end_other_sessions(&state.services, &caller, &id, None).await?;
        }
        state.services.access.announce(AccessChange {
            user_id: Some(id),
            ..AccessChange::default()
        });
    }
    Ok(Json(user_json(&updated)))
}

/// Who may change `user`: their organization's admins and operators; an operator account
/// only by another operator (an org admin must not be able to lock out the deployment's
/// administrators).
async fn authorize_change(state: &AppState, caller: &Caller, user: &User) -> Result<(), ApiError> {
    if user.operator {
        return Ok(caller
            .allow(&state.services.db, Action::ManageOperators)
            .await?);
    }
    match &user.org_id {
        Some(org_id) => Ok(caller
            .allow(&state.services.db, Action::ManageUsers { org_id })
            .await?),
        None => Ok(caller
            .allow(&state.services.db, Action::ManageOperators)
            .await?),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordReset {
    password: String,
}

/// An operator sets a new password (for someone who forgot theirs); every session of that
/// account ends and a lock from failed sign-ins is lifted.
async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    caller
        .allow(&state.services.db, Action::ResetPassword)
        .await?;
    let user = visible_user(&state, &caller, &id).await?;
    if user.username.is_none() {
        return Err(ApiError::BadRequest(
            "this account signs in through an OpenID provider and has no user name for a password"
                .into(),
        ));
    }
    password::check_new(&body.password)?;
    let hash = password::hash(body.password).await?;
    let event = caller.event("password_reset", format!("user:{id}"), json!({}));
    state.services.db.set_password(&id, &hash, &event).await?;
    state.services.db.clear_login_failures(&id).await?;
    crate::work::sessions::end_other_sessions(&state.services, &caller, &id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
