//! Who is calling, and may they: credentials in, an [`Actor`] out, the policy asked.
//!
//! Every request names its caller one of three ways, and this module is the only place that
//! reads them:
//!
//! - a **session cookie** (browsers; see [`session`]), with an Origin check on every
//!   state-changing request and on websocket upgrades, because browsers attach cookies to
//!   requests other sites trigger;
//! - an **API token** (`Authorization: Bearer cct_…`, agency systems), which acts as its
//!   organization with the permissions listed on it;
//! - a **ticket** (`?ticket=…`, websockets only; see [`ticket`]), minted from one of the above
//!   by `POST /api/docs/{id}/ticket`, or by an operator's `concord admin ticket`.
//!
//! Decisions are made by [`crate::domain::policy`], never here and never in a handler;
//! [`Caller::allow`] asks it and writes every refusal to the audit trail.
//!
//! # Layout
//!
//! - here: [`Identity`] (settings and shared state), [`Caller`] (the extractor), the Origin
//!   check, document authorization for websockets and its re-check when access changes.
//! - [`session`]: session cookies. [`password`]: argon2id. [`limits`]: sign-in rate limits.
//! - [`oidc`]: OpenID Connect. [`ticket`]: websocket tickets.

pub mod limits;
pub mod oidc;
pub mod password;
pub mod session;
pub mod ticket;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use collab::{Access, DocId, Principal};
use serde_json::json;
use tokio::sync::broadcast;

use crate::config::{IdentityArgs, TicketAccess};
use crate::db::{now_unix_ms, ApiTokenRow, AuditEvent, Org, SessionRow, User};
use crate::domain::policy::{self, Action, Actor, ActorOrg, Credential, Permission, SpaceFacts};
use crate::error::ApiError;
use crate::state::AppState;
use session::{secret_hash, ClientInfo};
pub use ticket::TicketKey;

/// Sign-in settings and the state shared by every request that authenticates.
pub struct Identity {
    pub settings: Settings,
    pub limiter: limits::LoginLimiter,
    pub oidc: oidc::OidcProviders,
    /// Announces changes that may lower someone's access (a revoked session, an organization
    /// leaving a space), so open websockets re-check theirs at once.
    pub access_changes: broadcast::Sender<AccessChange>,
}

/// Sign-in settings, from [`IdentityArgs`], in the units the code uses.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `scheme://host[:port]` that browsers use; `None`: each request's own `Host`.
    pub public_origin: Option<String>,
    pub secure_cookie: bool,
    pub session_idle_ms: i64,
    pub session_max_ms: i64,
    pub lock_after: i64,
    pub lock_ms: i64,
}

impl Identity {
    pub fn new(args: &IdentityArgs) -> anyhow::Result<Identity> {
        let public_origin = args
            .public_url
            .as_ref()
            .map(|url| url.origin().ascii_serialization());
        let settings = Settings {
            public_origin,
            secure_cookie: args
                .public_url
                .as_ref()
                .is_some_and(|u| u.scheme() == "https"),
            session_idle_ms: minutes_ms(args.session_idle_minutes),
            session_max_ms: minutes_ms(args.session_max_hours.saturating_mul(60)),
            lock_after: i64::from(args.login_lock_after.max(1)),
            lock_ms: minutes_ms(args.login_lock_minutes),
        };
        let oidc =
            oidc::OidcProviders::load(args.oidc_config.as_deref(), args.public_url.as_ref())?;
        let (access_changes, _) = broadcast::channel(1024);
        Ok(Identity {
            settings,
            limiter: limits::LoginLimiter::new(args.login_failures_per_address),
            oidc,
            access_changes,
        })
    }

    /// Tells open websockets that someone's access may have dropped.
    pub fn announce(&self, change: AccessChange) {
        // No receivers (no open sockets) is not an error.
        let _ = self.access_changes.send(change);
    }
}

fn minutes_ms(minutes: u64) -> i64 {
    i64::try_from(minutes.saturating_mul(60_000)).unwrap_or(i64::MAX)
}

/// What changed; an open socket re-checks its access when any field concerns it.
#[derive(Debug, Clone, Default)]
pub struct AccessChange {
    pub user_id: Option<String>,
    pub org_id: Option<String>,
    pub space_id: Option<String>,
    /// `session:<id>` or `token:<id>`.
    pub credential: Option<String>,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    /// The person, when signed in with a session; `None` for an API token.
    pub user: Option<User>,
    pub org: Option<Org>,
    pub client: ClientInfo,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let client = session::client_info(parts);
        if let Some(token) = bearer(&parts.headers) {
            return caller_from_token(state, token, client).await;
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(session::COOKIE) else {
            return Err(ApiError::Unauthenticated("sign in first"));
        };
        caller_from_session(state, cookie.value(), client).await
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn caller_from_session(
    state: &AppState,
    secret: &str,
    client: ClientInfo,
) -> Result<Caller, ApiError> {
    let now = now_unix_ms();
    let session = state
        .db
        .live_session(&secret_hash(secret), now)
        .await?
        .ok_or(ApiError::Unauthenticated(
            "your session has ended; sign in again",
        ))?;
    // Extending the idle deadline is a write; once a minute is precise enough.
    if now - session.last_seen_at > 60_000 {
        let idle = now + state.identity.settings.session_idle_ms;
        state.db.touch_session(&session.id, now, idle).await?;
    }
    session_caller(state, session, client)
        .await?
        .ok_or(ApiError::Unauthenticated("this account is disabled"))
}

/// The caller behind a live session; `None` when its user is disabled or gone.
async fn session_caller(
    state: &AppState,
    session: SessionRow,
    client: ClientInfo,
) -> Result<Option<Caller>, ApiError> {
    let Some(user) = state
        .db
        .user(&session.user_id)
        .await?
        .filter(|u| !u.disabled)
    else {
        return Ok(None);
    };
    let org = match &user.org_id {
        Some(id) => state.db.org(id).await?,
        None => None,
    };
    let actor = Actor {
        user_id: user.id.clone(),
        org: org.as_ref().map(actor_org),
        org_role: user.org_role,
        operator: user.operator,
        via: Credential::Session {
            session_id: session.id,
        },
    };
    Ok(Some(Caller {
        actor,
        user: Some(user),
        org,
        client,
    }))
}

async fn caller_from_token(
    state: &AppState,
    secret: &str,
    client: ClientInfo,
) -> Result<Caller, ApiError> {
    let now = now_unix_ms();
    let token = state
        .db
        .live_api_token(&secret_hash(secret), now)
        .await?
        .ok_or(ApiError::Unauthenticated(
            "the API token is unknown, expired or revoked",
        ))?;
    state
        .db
        .record_token_use(&token.id, now, client.ip.as_deref())
        .await?;
    let caller = token_caller(state, &token, client).await?;
    state
        .db
        .audit(&caller.event(
            "token_used",
            format!("token:{}", token.id),
            json!({ "name": token.name }),
        ))
        .await?;
    Ok(caller)
}

/// The caller behind a live API token: its organization, as a member, with its permissions.
async fn token_caller(
    state: &AppState,
    token: &ApiTokenRow,
    client: ClientInfo,
) -> Result<Caller, ApiError> {
    let org = state.db.org(&token.org_id).await?;
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
    pub async fn allow(&self, state: &AppState, action: Action<'_>) -> Result<(), ApiError> {
        match policy::decide(&self.actor, &action) {
            Ok(()) => Ok(()),
            Err(denied) => {
                let event = self.event(
                    "permission_denied",
                    String::new(),
                    json!({ "rule": denied.rule }),
                );
                state.db.audit(&event).await?;
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

/// Refuses a state-changing request that a browser may have sent on another site's behalf.
///
/// Requests authenticated by a bearer token carry no ambient credential and pass. Every other
/// POST, PUT, PATCH or DELETE must carry an `Origin` header naming this server (the public URL,
/// or the request's own `Host` when no public URL is configured). Browsers send `Origin` on
/// every such request, so the check costs a legitimate client nothing.
pub async fn check_origin(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let headers = request.headers();
    let uses_token = bearer(headers).is_some() && !headers.contains_key(header::COOKIE);
    if safe || uses_token || origin_matches(&state, headers) {
        return next.run(request).await;
    }
    ApiError::Forbidden(
        "cross-site request refused: the Origin header is missing or names another site".into(),
    )
    .into_response()
}

/// True when the request's `Origin` is this server's.
pub fn origin_matches(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    match &state.identity.settings.public_origin {
        Some(expected) => origin == expected,
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            host.is_some_and(|host| {
                origin == format!("http://{host}") || origin == format!("https://{host}")
            })
        }
    }
}

/// Who may open `doc` over a websocket, and with which access: the one authorization point
/// for documents.
///
/// A ticket is checked by signature and expiry (it was minted by the policy a moment ago); an
/// API token (`Authorization: Bearer`) and a session cookie (which must come with this
/// server's Origin) go through the policy now.
pub async fn authorize_doc(
    state: &AppState,
    ticket: Option<&str>,
    headers: &HeaderMap,
    doc: &DocId,
) -> Result<DocGrant, ApiError> {
    if let Some(ticket) = ticket {
        let claims = state
            .tickets
            .verify(ticket)
            .map_err(ApiError::Unauthenticated)?;
        if claims.doc != doc.as_str() {
            return Err(ApiError::Unauthenticated(
                "the ticket is for another document",
            ));
        }
        let access = match claims.access {
            TicketAccess::Read => Access::Read,
            TicketAccess::Write => Access::Write,
        };
        return Ok(DocGrant {
            principal: Principal {
                user_id: claims.user,
                name: claims.name,
                org: claims.org,
            },
            access,
            credential: claims.via,
        });
    }
    if let Some(token) = bearer(headers) {
        // An agency system connects with its token directly; it carries no ambient
        // credential, so no Origin check.
        let caller = caller_from_token(state, token, ClientInfo::default()).await?;
        return grant_for(state, &caller, doc).await;
    }
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(session::COOKIE) else {
        return Err(ApiError::Unauthenticated(
            "sign in, or add ?ticket=… (POST /api/docs/{id}/ticket gives one)",
        ));
    };
    if !origin_matches(state, headers) {
        return Err(ApiError::Forbidden(
            "cross-site websocket refused: the Origin header is missing or names another site"
                .into(),
        ));
    }
    let caller = caller_from_session(state, cookie.value(), ClientInfo::default()).await?;
    grant_for(state, &caller, doc).await
}

/// The grant the policy gives `caller` for `doc` now; no access is "no such document".
async fn grant_for(state: &AppState, caller: &Caller, doc: &DocId) -> Result<DocGrant, ApiError> {
    let access = doc_access(state, &caller.actor, doc).await?;
    if access == Access::None {
        return Err(ApiError::NotFound("no such document".into()));
    }
    Ok(DocGrant {
        principal: caller.principal(),
        access,
        credential: caller.credential(),
    })
}

/// What an admitted websocket may do, and the credential to re-check it against.
#[derive(Debug, Clone)]
pub struct DocGrant {
    pub principal: Principal,
    pub access: Access,
    /// `session:<id>` or `token:<id>`; `None` for an operator's CLI ticket, which is not
    /// re-checked.
    pub credential: Option<String>,
}

/// The access `actor` has to `doc` now, from the policy. A document that belongs to no space
/// is open to no one through the policy (only an operator's CLI ticket opens it).
pub async fn doc_access(state: &AppState, actor: &Actor, doc: &DocId) -> Result<Access, ApiError> {
    let Some(space_doc) = state.db.space_doc(doc.as_str()).await? else {
        return Ok(Access::None);
    };
    let Some(space) = state.db.space(&space_doc.space_id).await? else {
        return Ok(Access::None);
    };
    let members: Vec<_> = space
        .members
        .iter()
        .map(|m| (m.org_id.clone(), m.role))
        .collect();
    let facts = SpaceFacts {
        region_path: &space.region_path,
        members: &members,
    };
    Ok(policy::doc_access(actor, &facts, space_doc.frozen))
}

/// Re-decides an open socket's access from its credential, as of now. `None` credential (a
/// CLI ticket) keeps what it had.
pub async fn recheck_doc(
    state: &AppState,
    credential: &str,
    doc: &DocId,
) -> Result<Access, ApiError> {
    let now = now_unix_ms();
    let caller = if let Some(id) = credential.strip_prefix("session:") {
        match state.db.live_session_by_id(id, now).await? {
            Some(session) => session_caller(state, session, ClientInfo::default()).await?,
            None => None,
        }
    } else if let Some(id) = credential.strip_prefix("token:") {
        match state.db.live_api_token_by_id(id, now).await? {
            Some(token) => Some(token_caller(state, &token, ClientInfo::default()).await?),
            None => None,
        }
    } else {
        None
    };
    let Some(caller) = caller else {
        return Ok(Access::None);
    };
    doc_access(state, &caller.actor, doc).await
}
