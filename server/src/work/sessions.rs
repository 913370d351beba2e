//! Signing in and out as operations: a local account's sign-in (with the per-address rate
//! limit and the per-account lock-out), signing out, one's own password and sessions, who one
//! is, and whether local accounts may sign in at all.
//!
//! What is HTTP by nature stays in `http/auth.rs`: the cookie that carries a session's
//! secret, and removing it. Everything decided is here: a sign-in answers the secret, which
//! the HTTP layer puts in the cookie and nowhere else. Sessions keep the real clock
//! ([`now_unix_ms`]), not the services' clock, so a test that moves deadlines does not sign
//! everyone out.
//!
//! This module must never write SQL nor decide access itself (the policy does, through
//! [`Caller::allow`]); it never logs or answers a password, and a session's secret only to
//! the person who just signed in.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::directory::OrgView;
use super::users::{announce_ended, end_other_sessions, UserView};
use super::Error;
use crate::auth::session::{self, ClientInfo};
use crate::auth::{password, Caller, Identity};
use crate::db::{now_unix_ms, AuditEvent, Db, HeldCredential};
use crate::domain::message::Phrase;
use crate::domain::org::Username;
use crate::domain::phrases;
use crate::domain::policy::Action;
use crate::services::{AccessChange, Services};

/// The settings key that turns local sign-in off when OpenID providers are configured.
const LOCAL_LOGIN_SETTING: &str = "local_login";

/// The one answer for a wrong name or a wrong password, so neither is revealed.
const WRONG_CREDENTIALS: &Phrase = &phrases::WRONG_CREDENTIALS;

/// What the sign-in page offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInOptions {
    /// Whether local accounts (user name and password) may sign in.
    pub local_login: bool,
    pub providers: Vec<ProviderLink>,
}

/// An OpenID provider people of some bodies sign in through.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderLink {
    pub id: String,
    pub name: String,
    /// Where the browser goes to start signing in (`/auth/oidc/{id}/login`).
    pub login_url: String,
}

/// A local account's user name and password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Who signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginAnswer {
    pub user: UserView,
}

/// A sign-in that succeeded: the session's secret, for the cookie only, and the answer.
pub struct SignedIn {
    pub secret: String,
    pub answer: LoginAnswer,
}

/// What signing out answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedOut {
    /// The OpenID provider's own sign-out page, for someone who signed in through one; the
    /// browser goes there next so the provider forgets them too.
    pub end_session_url: Option<String>,
}

/// Who is calling.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `null` for an API token.
    pub user: Option<UserView>,
    pub org: Option<OrgView>,
    /// `session` or `token`.
    pub via: &'static str,
}

/// A change of one's own password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// One of one's own live sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    /// The session this request is made with.
    pub current: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// When it ends unless used again (or at its absolute limit, whichever is first).
    pub expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// One's own live sessions, most recently used first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionView>,
}

/// Whether local accounts may sign in beside the OpenID providers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalLogin {
    pub enabled: bool,
}

/// The local-login setting as it now is.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocalLoginSetting {
    pub local_login: bool,
}

/// Whether local accounts may sign in: always without OpenID providers (or nobody could);
/// with providers, unless an operator turned it off.
async fn local_login_enabled(db: &Db, identity: &Identity) -> Result<bool, Error> {
    if identity.oidc.list().is_empty() {
        return Ok(true);
    }
    Ok(db.setting(LOCAL_LOGIN_SETTING).await?.as_deref() != Some("off"))
}

/// What the sign-in page offers: local accounts or not, and the OpenID providers.
pub async fn sign_in_options(
    services: &Services,
    identity: &Identity,
) -> Result<SignInOptions, Error> {
    let providers = identity
        .oidc
        .list()
        .into_iter()
        .map(|(id, name)| ProviderLink {
            login_url: format!("/auth/oidc/{id}/login"),
            id,
            name,
        })
        .collect();
    Ok(SignInOptions {
        local_login: local_login_enabled(&services.db, identity).await?,
        providers,
    })
}

/// Signs in with a local account. Refused when local sign-in is off, when the address has
/// failed too often lately, when the account is locked after too many wrong passwords (the
/// right one does not get in either), or disabled. Every refusal is audited; a wrong name and
/// a wrong password get the same answer, in the same time.
pub async fn login(
    services: &Services,
    identity: &Identity,
    client: ClientInfo,
    request: LoginRequest,
) -> Result<SignedIn, Error> {
    let db = &services.db;
    if !local_login_enabled(db, identity).await? {
        return Err(Error::Denied(
            "sign-in with a local account is turned off here; use your organization's sign-in"
                .into(),
        ));
    }
    let address = client.ip.clone().unwrap_or_default();
    let limiter = &identity.limiter;
    if limiter.is_blocked(&address) {
        return Err(Error::TooManyAttempts(
            "too many failed sign-ins from this address; try again in 10 minutes".into(),
        ));
    }
    let record = match Username::parse(&request.username) {
        Ok(name) => db.password_record(&name).await?,
        Err(_) => None,
    };
    let now = now_unix_ms();
    if let Some(record) = &record {
        if record.locked_until.is_some_and(|until| until > now) {
            login_failed(db, &client, Some(&record.user_id), "account locked").await?;
            return Err(locked());
        }
    }
    let stored = record.as_ref().map(|r| r.password_hash.clone());
    let matches = password::verify(request.password, stored).await;
    let record = match record {
        Some(record) if matches => record,
        Some(record) => {
            limiter.record_failure(&address);
            let settings = &identity.settings;
            let locked_now = db
                .record_login_failure(&record.user_id, now, settings.lock_after, settings.lock_ms)
                .await?;
            login_failed(db, &client, Some(&record.user_id), "wrong password").await?;
            return Err(if locked_now.is_some() {
                locked()
            } else {
                Error::Unauthenticated(WRONG_CREDENTIALS.message())
            });
        }
        None => {
            limiter.record_failure(&address);
            login_failed(db, &client, None, "unknown user").await?;
            return Err(Error::Unauthenticated(WRONG_CREDENTIALS.message()));
        }
    };
    if record.disabled {
        login_failed(db, &client, Some(&record.user_id), "account disabled").await?;
        return Err(Error::Denied(phrases::ACCOUNT_DISABLED.message()));
    }
    db.clear_login_failures(&record.user_id).await?;
    let user = db
        .user(&record.user_id)
        .await?
        .ok_or_else(|| Error::internal("user vanished during sign-in"))?;
    let secret = session::begin(db, &identity.settings, &user, client, "password").await?;
    Ok(SignedIn {
        secret,
        answer: LoginAnswer {
            user: UserView::from(&user),
        },
    })
}

fn locked() -> Error {
    Error::TooManyAttempts(phrases::ACCOUNT_LOCKED.message())
}

/// Audits a refused local sign-in. Nobody is signed in, so the actor is the account tried,
/// if it exists.
async fn login_failed(
    db: &Db,
    client: &ClientInfo,
    user_id: Option<&str>,
    reason: &str,
) -> Result<(), Error> {
    db.audit(&AuditEvent {
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

/// Ends the caller's session (an API token cannot sign out: it is revoked instead) and tells
/// the sockets opened with it.
pub async fn logout(
    services: &Services,
    identity: &Identity,
    caller: &Caller,
) -> Result<LoggedOut, Error> {
    let Some(session_id) = caller.session_id() else {
        return Err(Error::invalid(
            "credential",
            &crate::domain::phrases::TOKEN_CANNOT_SIGN_OUT,
        ));
    };
    let user_id = &caller.actor.user_id;
    let event = caller.event("logout", format!("session:{session_id}"), json!({}));
    let held = HeldCredential::Session {
        id: session_id,
        user_id,
    };
    services
        .db
        .revoke_credential(held, now_unix_ms(), &event)
        .await?;
    services.access.announce(AccessChange {
        credential: caller.credential(),
        ..AccessChange::default()
    });
    let end_session_url = caller
        .user
        .as_ref()
        .and_then(|user| identity.oidc.end_session_url_for(user))
        .map(String::from);
    Ok(LoggedOut { end_session_url })
}

/// Who is calling: the person and their body, or the body an API token acts for.
pub fn me(caller: &Caller) -> Me {
    Me {
        user: caller.user.as_ref().map(UserView::from),
        org: caller.org.as_ref().map(OrgView::from),
        via: if caller.user.is_some() {
            "session"
        } else {
            "token"
        },
    }
}

/// Changes one's own password, given the current one; every other session of the account
/// ends.
pub async fn change_password(
    services: &Services,
    caller: &Caller,
    change: PasswordChange,
) -> Result<(), Error> {
    let (Some(user), Some(session_id)) = (&caller.user, caller.session_id()) else {
        return Err(Error::invalid(
            "credential",
            &crate::domain::phrases::PASSWORD_NEEDS_PERSON,
        ));
    };
    let Some(username) = &user.username else {
        return Err(Error::invalid(
            "current",
            &crate::domain::phrases::OIDC_NO_PASSWORD,
        ));
    };
    password::check_new(&change.new)?;
    let db = &services.db;
    let stored = db.password_record(username).await?.map(|r| r.password_hash);
    if !password::verify(change.current, stored).await {
        return Err(Error::invalid(
            "current",
            phrases::WRONG_CURRENT_PASSWORD.message(),
        ));
    }
    let hash = password::hash(change.new).await?;
    let event = caller.event("password_changed", format!("user:{}", user.id), json!({}));
    db.set_password(&user.id, &hash, &event).await?;
    end_other_sessions(services, caller, &user.id, Some(session_id)).await
}

/// The caller's own live sessions.
pub async fn list(services: &Services, caller: &Caller) -> Result<SessionList, Error> {
    caller
        .allow(&services.db, Action::ManageOwnSessions)
        .await?;
    let current = caller.session_id().unwrap_or_default();
    let sessions = services
        .db
        .list_sessions(&caller.actor.user_id, now_unix_ms())
        .await?
        .into_iter()
        .map(|s| SessionView {
            current: s.id == current,
            expires_at: s.idle_expires_at.min(s.absolute_expires_at),
            id: s.id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            ip: s.ip,
            user_agent: s.user_agent,
        })
        .collect();
    Ok(SessionList { sessions })
}

/// Ends one of the caller's own sessions ("sign out that device") and closes its sockets.
pub async fn revoke(services: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
    caller
        .allow(&services.db, Action::ManageOwnSessions)
        .await?;
    let event = caller.event("session_revoked", format!("session:{id}"), json!({}));
    let held = HeldCredential::Session {
        id,
        user_id: &caller.actor.user_id,
    };
    if !services
        .db
        .revoke_credential(held, now_unix_ms(), &event)
        .await?
    {
        return Err(Error::NotFound(
            "you have no live session with this id".into(),
        ));
    }
    announce_ended(services, &[id.to_owned()]);
    Ok(())
}

/// An operator decides whether local accounts may sign in beside the OpenID providers (never
/// off without a provider, or nobody could sign in).
pub async fn set_local_login(
    services: &Services,
    identity: &Identity,
    caller: &Caller,
    body: LocalLogin,
) -> Result<LocalLoginSetting, Error> {
    caller.allow(&services.db, Action::ManageSettings).await?;
    if !body.enabled && identity.oidc.list().is_empty() {
        return Err(Error::refused(
            crate::domain::phrases::LOCAL_LOGIN_NEEDS_PROVIDER.message(),
        ));
    }
    let value = if body.enabled { "on" } else { "off" };
    let event = caller.event(
        "setting_changed",
        format!("setting:{LOCAL_LOGIN_SETTING}"),
        json!({ "value": value }),
    );
    services
        .db
        .set_setting(LOCAL_LOGIN_SETTING, value, &event)
        .await?;
    Ok(LocalLoginSetting {
        local_login: body.enabled,
    })
}
