//! [`Caller`]: who is calling, from the credential a request carries (a bearer API token or
//! the session cookie), and asking the policy on their behalf.
//!
//! The Origin check of state-changing requests happens before this, in the HTTP layer. This
//! module must never decide access itself: [`Caller::allow`] asks the policy and writes every
//! refusal to the audit trail.

use axum::http::{header, HeaderMap};
use axum_extra::extract::CookieJar;
use collab::Principal;
use serde_json::json;

use super::session::{self, secret_hash, ClientInfo};
use super::{AuthError, Identity};
use crate::db::{now_unix_ms, ApiTokenRow, AuditEvent, Db, Org, SessionRow, User};
use crate::domain::phrases;
use crate::domain::policy::{self, Action, Actor, ActorOrg, Credential, Permission};

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    /// The person, when signed in with a session; `None` for an API token.
    pub user: Option<User>,
    pub org: Option<Org>,
    pub client: ClientInfo,
}

/// Who is calling, from a request's credential: a bearer API token, or else the session
/// cookie. The Origin check of state-changing requests is the HTTP layer's, before this.
pub async fn authenticate(
    db: &Db,
    identity: &Identity,
    headers: &HeaderMap,
    client: ClientInfo,
) -> Result<Caller, AuthError> {
    if let Some(token) = bearer(headers) {
        return caller_from_token(db, token, client).await;
    }
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(session::COOKIE) else {
        return Err(AuthError::Unauthenticated(phrases::SIGN_IN_FIRST.message()));
    };
    caller_from_session(db, identity, cookie.value(), client).await
}

/// The bearer token of a request, if it names one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

pub(super) async fn caller_from_session(
    db: &Db,
    identity: &Identity,
    secret: &str,
    client: ClientInfo,
) -> Result<Caller, AuthError> {
    let now = now_unix_ms();
    let (session, user, org) = db
        .live_session_with_user(&secret_hash(secret), now)
        .await?
        .ok_or(AuthError::Unauthenticated(phrases::SESSION_ENDED.message()))?;
    // Extending the idle deadline is a write; once a minute is precise enough.
    if now - session.last_seen_at > 60_000 {
        let idle = now + identity.settings.session_idle_ms;
        db.touch_session(&session.id, now, idle).await?;
    }
    session_caller_of(session, user, org, client).ok_or(AuthError::Unauthenticated(
        phrases::ACCOUNT_DISABLED.message(),
    ))
}

/// The caller behind a live session; `None` when its user is disabled or gone.
pub(super) async fn session_caller(
    db: &Db,
    session: SessionRow,
    client: ClientInfo,
) -> Result<Option<Caller>, AuthError> {
    let user = db.user(&session.user_id).await?;
    let org = match user.as_ref().and_then(|u| u.org_id.as_deref()) {
        Some(id) => db.org(id).await?,
        None => None,
    };
    Ok(session_caller_of(session, user, org, client))
}

/// The caller behind a live session, its user and the user's body, as read; `None` when the
/// user is disabled or gone.
fn session_caller_of(
    session: SessionRow,
    user: Option<User>,
    org: Option<Org>,
    client: ClientInfo,
) -> Option<Caller> {
    let user = user.filter(|u| !u.disabled)?;
    let actor = Actor {
        user_id: user.id.clone(),
        org: org.as_ref().map(actor_org),
        org_role: user.org_role,
        operator: user.operator,
        via: Credential::Session {
            session_id: session.id,
        },
    };
    Some(Caller {
        actor,
        user: Some(user),
        org,
        client,
    })
}

pub(super) async fn caller_from_token(
    db: &Db,
    secret: &str,
    client: ClientInfo,
) -> Result<Caller, AuthError> {
    let now = now_unix_ms();
    let token = db
        .live_api_token(&secret_hash(secret), now)
        .await?
        .ok_or(AuthError::Unauthenticated(phrases::TOKEN_UNKNOWN.message()))?;
    db.record_token_use(&token.id, now, client.ip.as_deref())
        .await?;
    let caller = token_caller(db, &token, client).await?;
    db.audit(&caller.event(
        "token_used",
        format!("token:{}", token.id),
        json!({ "name": token.name }),
    ))
    .await?;
    Ok(caller)
}

/// The caller behind a live API token: its organization, as a member, with its permissions.
pub(super) async fn token_caller(
    db: &Db,
    token: &ApiTokenRow,
    client: ClientInfo,
) -> Result<Caller, AuthError> {
    let org = db.org(&token.org_id).await?;
    let permissions = token
        .permissions
        .iter()
        .filter_map(|p| p.parse::<Permission>().ok())
        .collect();
    let actor = Actor {
        user_id: format!("token:{}", token.id),
        org: org.as_ref().map(actor_org),
        org_role: crate::domain::org::OrgRole::Member,
        operator: false,
        via: Credential::Token {
            token_id: token.id.clone(),
            permissions,
        },
    };
    Ok(Caller {
        actor,
        user: None,
        org,
        client,
    })
}

/// The policy's view of an organization.
pub fn actor_org(org: &Org) -> ActorOrg {
    ActorOrg {
        id: org.id.clone(),
        kind: org.kind,
        region_path: org.region_path.clone(),
    }
}

impl Caller {
    /// Asks the policy; a refusal is audited and becomes a 403 naming the rule.
    pub async fn allow(&self, db: &Db, action: Action<'_>) -> Result<(), AuthError> {
        match policy::decide(&self.actor, &action) {
            Ok(()) => Ok(()),
            Err(denied) => {
                let event = self.event(
                    "permission_denied",
                    String::new(),
                    json!({ "rule": denied.rule.en }),
                );
                db.audit(&event).await?;
                Err(denied.into())
            }
        }
    }

    /// An audit row for something this caller did.
    pub fn event(&self, action: &str, target: String, detail: serde_json::Value) -> AuditEvent {
        AuditEvent {
            at: now_unix_ms(),
            actor_user_id: Some(self.actor.user_id.clone()),
            actor_org_id: self.org.as_ref().map(|o| o.id.clone()),
            action: action.to_owned(),
            target,
            detail,
            ip: self.client.ip.clone(),
        }
    }

    /// `session:<id>` or `token:<id>`: what a ticket minted for this caller remembers.
    pub fn credential(&self) -> Option<String> {
        match &self.actor.via {
            Credential::Session { session_id } => Some(format!("session:{session_id}")),
            Credential::Token { token_id, .. } => Some(format!("token:{token_id}")),
            Credential::Ticket => None,
        }
    }

    /// The session id, when the caller signed in with a session.
    pub fn session_id(&self) -> Option<&str> {
        match &self.actor.via {
            Credential::Session { session_id } => Some(session_id),
            _ => None,
        }
    }

    /// The principal a document sees: who edits, on behalf of which body.
    pub fn principal(&self) -> Principal {
        let name = match &self.user {
            Some(user) => user.display_name.to_string(),
            None => self
                .org
                .as_ref()
                .map_or_else(|| "API".to_owned(), |o| format!("{} (API)", o.name_zh)),
        };
        Principal {
            user_id: self.actor.user_id.clone(),
            name,
            org: self
                .org
                .as_ref()
                .map_or_else(|| "none".to_owned(), |o| o.id.clone()),
        }
    }
}
