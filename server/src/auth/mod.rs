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

mod caller;
mod doc;
pub mod limits;
pub mod oidc;
pub mod password;
pub mod session;
pub mod ticket;

use axum::http::{header, HeaderMap};

use crate::config::IdentityArgs;
use crate::db::DbError;
use crate::domain::policy::Denied;

pub use caller::{actor_org, authenticate, bearer, Caller};
pub use doc::{authorize_doc, doc_access, recheck_doc, DocGate, DocGrant};
pub use ticket::TicketKey;

/// Why a caller was not let in, or not let do something: this layer's one error type, turned
/// into a response by the HTTP layer and into an operation's error by `work`.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No valid credential (401); the message says what to do.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The policy refused the action (403), naming the rule.
    #[error("{0}")]
    Denied(#[from] Denied),
    /// Refused for another reason than a policy rule (403): a cross-site request, a disabled
    /// account.
    #[error("{0}")]
    Forbidden(String),
    /// What was asked for does not exist for this caller (404).
    #[error("{0}")]
    NotFound(String),
    /// The input is unusable (400): `why` says how, for a person; `field` names it.
    #[error("{why}")]
    Invalid { field: &'static str, why: String },
    /// A bug or an unexpected failure (500): logged, never shown.
    #[error("internal error: {0}")]
    Internal(#[source] anyhow::Error),
    /// The database failed while checking.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Sign-in settings and the state shared by every request that authenticates.
pub struct Identity {
    pub settings: Settings,
    pub limiter: limits::LoginLimiter,
    /// Reads of the public signed log per address.
    pub public_reads: limits::PublicReadLimiter,
    pub oidc: oidc::OidcProviders,
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
        Ok(Identity {
            settings,
            limiter: limits::LoginLimiter::new(args.login_failures_per_address),
            public_reads: limits::PublicReadLimiter::new(
                limits::PUBLIC_READ_BURST,
                limits::PUBLIC_READS_PER_SECOND,
            ),
            oidc,
        })
    }
}

fn minutes_ms(minutes: u64) -> i64 {
    i64::try_from(minutes.saturating_mul(60_000)).unwrap_or(i64::MAX)
}

/// True when the request's `Origin` is this server's: the public URL's origin, or, when none
/// is configured, the request's own `Host`.
pub fn origin_matches(identity: &Identity, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    match &identity.settings.public_origin {
        Some(expected) => origin == expected,
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            host.is_some_and(|host| {
                origin == format!("http://{host}") || origin == format!("https://{host}")
            })
        }
    }
}
