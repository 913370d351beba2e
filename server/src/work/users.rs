//! People as operations: the users of an organization, created and managed by its admins and
//! by operators, and the password an operator sets for someone who forgot theirs.
//!
//! A user of another body is "not found" to anyone who may not read that body's users, so ids
//! cannot be probed. Disabling someone or setting their password ends their sessions, and a
//! lower role or a disabled account is re-checked on their open sockets at once. Ending a
//! person's sessions ([`end_sessions`], [`end_other_sessions`]) lives here because disabling,
//! a reset and a password change (`work::sessions`) all need it.
//!
//! [`create`] and [`set_password`] are also the shell's (`concord admin create-operator`,
//! `reset-password`), so they take a `&Db` and [`By`]; the rest take the
//! [`Services`] and the [`Caller`]. This module must never write SQL nor decide access
//! itself.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::by::By;
use super::Error;
use crate::auth::{password, Caller};
use crate::db::{now_unix_ms, Db, DbError, NewUser, User, UserPatch};
use crate::domain::org::{Name, OrgRole, Username};
use crate::domain::phrases;
use crate::domain::policy::{self, Action};
use crate::services::{AccessChange, Services};

/// A user as the API shows it: never the password hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    /// The local login name; `null` for someone who signs in only through OpenID Connect.
    pub username: Option<String>,
    pub display_name: String,
    /// `null` only for an operator who belongs to no organization.
    pub org_id: Option<String>,
    pub org_role: OrgRole,
    pub operator: bool,
    pub disabled: bool,
    pub has_password: bool,
    /// Whether the account is linked to an OpenID provider.
    pub oidc: bool,
    pub created_at: i64,
}

impl From<&User> for UserView {
    fn from(user: &User) -> UserView {
        UserView {
            id: user.id.clone(),
            username: user.username.as_ref().map(Username::to_string),
            display_name: user.display_name.to_string(),
            org_id: user.org_id.clone(),
            org_role: user.org_role,
            operator: user.operator,
            disabled: user.disabled,
            has_password: user.has_password,
            oidc: user.oidc_issuer.is_some(),
            created_at: user.created_at,
        }
    }
}

/// The users of one organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<UserView>,
}

/// A user to create: a member (or admin) of an organization, or an operator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Required, except for an operator.
    pub org_id: Option<String>,
    /// For a local account; without it the person signs in through OpenID Connect.
    pub username: Option<String>,
    pub display_name: String,
    #[serde(default = "member")]
    pub org_role: OrgRole,
    /// Makes the user an operator of the deployment (operators only).
    #[serde(default)]
    pub operator: bool,
    /// An initial password for a local account; the person changes it after signing in.
    pub password: Option<String>,
}

fn member() -> OrgRole {
    OrgRole::Member
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    pub org_role: Option<OrgRole>,
    pub disabled: Option<bool>,
}

/// The new password an operator sets.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub password: String,
}

/// The users of an organization, for its own people and operators.
pub async fn list(services: &Services, caller: &Caller, org_id: &str) -> Result<UserList, Error> {
    let db = &services.db;
    caller.allow(db, Action::ReadUsers { org_id }).await?;
    if db.org(org_id).await?.is_none() {
        return Err(Error::NotFound(
            crate::domain::phrases::NO_SUCH_ORG.message(),
        ));
    }
    let users = db.users_of_org(org_id).await?;
    Ok(UserList {
        users: users.iter().map(UserView::from).collect(),
    })
}

/// One user, for someone who may read that user's organization (or the user themselves).
pub async fn show(services: &Services, caller: &Caller, id: &str) -> Result<UserView, Error> {
    let user = visible_user(&services.db, caller, id).await?;
    Ok(UserView::from(&user))
}

/// Looks a user up for someone allowed to read that user's organization; anyone else hears
/// "not found", so user ids of other bodies cannot be probed.
async fn visible_user(db: &Db, caller: &Caller, id: &str) -> Result<User, Error> {
    let not_found = || Error::NotFound(crate::domain::phrases::NO_SUCH_USER.message());
    let user = db.user(id).await?.ok_or_else(not_found)?;
    let readable = match &user.org_id {
        Some(org_id) => policy::decide(&caller.actor, &Action::ReadUsers { org_id }).is_ok(),
        None => caller.actor.operator,
    };
    if readable || user.id == caller.actor.user_id {
        Ok(user)
    } else {
        Err(not_found())
    }
}

/// Creates a user: a member of an organization by its admins or an operator; an operator by
/// an operator (or the shell) only, since that gives them the deployment.
pub async fn create(db: &Db, by: By<'_>, body: CreateUser) -> Result<UserView, Error> {
    match (&body.org_id, body.operator) {
        (Some(org_id), false) => by.allow(db, Action::ManageUsers { org_id }).await?,
        (_, true) => by.allow(db, Action::ManageOperators).await?,
        (None, false) => {
            return Err(Error::invalid(
                "org_id",
                &crate::domain::phrases::USER_GIVE_ORG,
            ))
        }
    }
    let display_name = Name::parse(&body.display_name)?;
    let username = body.username.as_deref().map(Username::parse).transpose()?;
    let password_hash = match body.password {
        Some(pw) => {
            if username.is_none() {
                return Err(Error::invalid(
                    "password",
                    &crate::domain::phrases::PASSWORD_NEEDS_USERNAME,
                ));
            }
            password::check_new(&pw)?;
            Some(password::hash(pw).await?)
        }
        None => None,
    };
    if let Some(org_id) = &body.org_id {
        if db.org(org_id).await?.is_none() {
            return Err(Error::invalid(
                "org_id",
                crate::domain::phrases::NO_ORG_ID.with("id", format!("{org_id:?}")),
            ));
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
    let event = by.event(
        "user_created",
        String::new(),
        json!({ "org_id": new.org_id, "username": new.username, "org_role": new.org_role, "operator": new.operator }),
    );
    let user = db.create_user(&new, &event).await.map_err(|e| match e {
        DbError::Conflict(_) => Error::Conflict(phrases::USERNAME_TAKEN.message()),
        e => e.into(),
    })?;
    Ok(UserView::from(&user))
}

/// Renames a user, changes their role, or disables them (their organization's admins and
/// operators; an operator account only by an operator). Disabling ends their sessions; a
/// lower role or a disabled account is re-checked on their open sockets at once.
pub async fn update(
    services: &Services,
    caller: &Caller,
    id: &str,
    body: UpdateUser,
) -> Result<UserView, Error> {
    let db = &services.db;
    let user = visible_user(db, caller, id).await?;
    authorize_change(db, caller, &user).await?;
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
    let updated = db.update_user(id, &patch, &event).await?;
    if patch.disabled == Some(true) {
        let ended = end_sessions(db, By::Caller(caller), id, None).await?;
        announce_ended(services, &ended);
    }
    if patch.disabled == Some(true) || patch.org_role.is_some() {
        services.access.announce(AccessChange {
            user_id: Some(id.to_owned()),
            ..AccessChange::default()
        });
    }
    Ok(UserView::from(&updated))
}

/// Who may change `user`: their organization's admins and operators; an operator account
/// only by another operator (an org admin must not be able to lock out the deployment's
/// administrators).
async fn authorize_change(db: &Db, caller: &Caller, user: &User) -> Result<(), Error> {
    let action = match (&user.org_id, user.operator) {
        (Some(org_id), false) => Action::ManageUsers { org_id },
        _ => Action::ManageOperators,
    };
    Ok(caller.allow(db, action).await?)
}

/// An operator sets a new password for someone who forgot theirs; every session of that
/// account ends and a lock from failed sign-ins is lifted.
pub async fn reset_password(
    services: &Services,
    caller: &Caller,
    id: &str,
    body: PasswordReset,
) -> Result<(), Error> {
    caller.allow(&services.db, Action::ResetPassword).await?;
    let user = visible_user(&services.db, caller, id).await?;
    let ended = set_password(&services.db, By::Caller(caller), &user, body.password).await?;
    announce_ended(services, &ended);
    Ok(())
}

/// The local account named `username`, for the shell, which names people by user name.
pub async fn local_account(db: &Db, username: &str) -> Result<User, Error> {
    let username = Username::parse(username)?;
    db.user_by_username(&username).await?.ok_or_else(|| {
        Error::NotFound(crate::domain::phrases::NO_LOCAL_ACCOUNT.with("username", username))
    })
}

/// Sets `user`'s password (an imported person gets their first one this way), lifts a lock
/// from failed sign-ins and ends every session of the account; answers the sessions ended, so
/// their sockets can be told. Whoever calls has been allowed to (an operator, or the shell).
pub async fn set_password(
    db: &Db,
    by: By<'_>,
    user: &User,
    password: String,
) -> Result<Vec<String>, Error> {
    if user.username.is_none() || (user.oidc_issuer.is_some() && !user.has_password) {
        return Err(Error::invalid(
            "password",
            &crate::domain::phrases::OIDC_NO_USERNAME,
        ));
    }
    password::check_new(&password)?;
    let hash = password::hash(password).await?;
    let event = by.event("password_reset", format!("user:{}", user.id), json!({}));
    db.set_password(&user.id, &hash, &event).await?;
    db.clear_login_failures(&user.id).await?;
    end_sessions(db, by, &user.id, None).await
}

/// Ends every session of `user_id` except `keep`, and tells their open sockets, which close
/// with 4403 at once. The ending is one audit row naming `caller`.
pub async fn end_other_sessions(
    services: &Services,
    caller: &Caller,
    user_id: &str,
    keep: Option<&str>,
) -> Result<(), Error> {
    let ended = end_sessions(&services.db, By::Caller(caller), user_id, keep).await?;
    announce_ended(services, &ended);
    Ok(())
}

/// Ends every live session of `user_id` except `keep` in one write with one audit row
/// (`sessions_revoked`), and answers their ids. Whoever asks has been allowed to.
pub async fn end_sessions(
    db: &Db,
    by: By<'_>,
    user_id: &str,
    keep: Option<&str>,
) -> Result<Vec<String>, Error> {
    let event = by.event("sessions_revoked", format!("user:{user_id}"), json!({}));
    Ok(db
        .revoke_user_sessions(user_id, keep, now_unix_ms(), &event)
        .await?)
}

/// Tells the sockets and event streams opened with these sessions that they ended.
pub fn announce_ended(services: &Services, sessions: &[String]) {
    for id in sessions {
        services.access.announce(AccessChange {
            credential: Some(format!("session:{id}")),
            ..AccessChange::default()
        });
    }
}
