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
//! - [`forwarded`]: the client's address behind trusted reverse proxies.
//! - [`session`]: session cookies. [`password`]: argon2id. [`limits`]: sign-in rate limits.
//! - [`oidc`]: OpenID Connect. [`ticket`]: websocket tickets.

mod caller;
mod doc;
pub mod forwarded;
pub mod limits;
pub mod oidc;
pub mod password;
pub mod session;
pub mod ticket;

use axum::http::{header, HeaderMap};

use crate::config::IdentityArgs;
use crate::db::DbError;
use crate::domain::message::Message;
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
    Unauthenticated(Message),
    /// The policy refused the action (403), naming the rule.
    #[error("{0}")]
    Denied(#[from] Denied),
    /// Refused for another reason than a policy rule (403): a cross-site request, a disabled
    /// account.
    #[error("{0}")]
    Forbidden(Message),
    /// What was asked for does not exist for this caller (404).
    #[error("{0}")]
    NotFound(Message),
    /// The input is unusable (400): `why` says how, for a person; `field` names it.
    #[error("{why}")]
    Invalid { field: &'static str, why: Message },
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
    /// The scheme, host and port that browsers use; `None`: `http://` and each request's own
    /// `Host`.
    pub public_origin: Option<url::Origin>,
    pub secure_cookie: bool,
    pub session_idle_ms: i64,
    pub session_max_ms: i64,
    pub lock_after: i64,
    pub lock_ms: i64,
}

impl Identity {
    pub fn new(args: &IdentityArgs) -> anyhow::Result<Identity> {
        let public_origin = args.public_url.as_ref().map(|url| url.origin());
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
                args.public_log_read_burst,
                args.public_log_reads_per_second,
            ),
            oidc,
        })
    }
}

fn minutes_ms(minutes: u64) -> i64 {
    i64::try_from(minutes.saturating_mul(60_000)).unwrap_or(i64::MAX)
}

/// True when the request's `Origin` is this server's: the same scheme, host and port as the
/// public URL, or, when none is configured, as `http://` and the request's own `Host` (this
/// server speaks plain HTTP; behind a TLS proxy, `--public-url` says `https://`). Origins are
/// compared parsed, so `http://host` and `http://host:80` are one origin and `https://host` is
/// another.
pub fn origin_matches(identity: &Identity, headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(origin) = text(header::ORIGIN).and_then(parse_origin) else {
        return false;
    };
    match &identity.settings.public_origin {
        Some(expected) => origin == *expected,
        None => text(header::HOST)
            .filter(|host| !host.contains(['/', '?', '#', '@', '\\']))
            .and_then(|host| parse_origin(&format!("http://{host}")))
            .is_some_and(|own| origin == own),
    }
}

/// The origin a URL names, when it names one (an opaque origin, like `null`'s, never matches).
fn parse_origin(url: &str) -> Option<url::Origin> {
    let origin = url::Url::parse(url).ok()?.origin();
    origin.is_tuple().then_some(origin)
}

#[cfg(test)]
mod tests {
    use axum::http::{header, HeaderMap};

    use super::{origin_matches, Identity};
    use crate::config::IdentityArgs;

    fn request(origin: &str, host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, origin.parse().unwrap());
        headers.insert(header::HOST, host.parse().unwrap());
        headers
    }

    fn identity(public_url: Option<&str>) -> Identity {
        Identity::new(&IdentityArgs {
            public_url: public_url.map(|u| u.parse().unwrap()),
            ..IdentityArgs::default()
        })
        .unwrap()
    }

    #[test]
    fn without_a_public_url_the_origin_is_http_and_the_requests_own_host_and_port() {
        let own = identity(None);
        for (origin, host) in [
            ("http://a.example:8080", "a.example:8080"),
            ("http://a.example", "a.example:80"),
            ("http://a.example:80", "a.example"),
            ("http://A.example:8080", "a.example:8080"),
        ] {
            assert!(
                origin_matches(&own, &request(origin, host)),
                "{origin} {host}"
            );
        }
        for (origin, host) in [
            ("https://a.example:8080", "a.example:8080"),
            ("https://a.example", "a.example"),
            ("http://a.example:8081", "a.example:8080"),
            ("http://b.example:8080", "a.example:8080"),
            ("null", "a.example"),
            ("http://a.example", "a.example/x"),
        ] {
            assert!(
                !origin_matches(&own, &request(origin, host)),
                "{origin} {host}"
            );
        }
    }

    #[test]
    fn with_a_public_url_the_origin_is_its_scheme_host_and_port_whatever_the_host_header() {
        let public = identity(Some("https://concord.example"));
        for origin in ["https://concord.example", "https://concord.example:443"] {
            assert!(
                origin_matches(&public, &request(origin, "internal:8080")),
                "{origin}"
            );
        }
        for origin in [
            "http://concord.example",
            "https://concord.example:8443",
            "https://evil.example",
        ] {
            assert!(
                !origin_matches(&public, &request(origin, "concord.example")),
                "{origin}"
            );
        }
    }
}
