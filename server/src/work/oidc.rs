//! Signing in through an OpenID provider, as operations: starting a sign-in, and deciding
//! what the provider's answer at the callback leads to.
//!
//! The browser's side is HTTP by nature and stays in `http/oidc.rs`: the redirects, the
//! cookie that binds a started sign-in to the browser that started it (login CSRF), the
//! session cookie, and the page that explains a refusal. What is decided is here: whether the
//! answer is complete and ours, the code exchange and the ID token's checks (in
//! [`crate::auth::oidc`]), who the person is, the session, and the audit row of every
//! refusal (`login_failed`, `detail.method = "oidc"`; a success is audited by
//! [`session::begin`] as `login` with `detail.method = "oidc:{provider}"`).
//!
//! Nothing here logs or answers a code, a state or a token.

use serde_json::json;

use super::Error;
use crate::auth::oidc::{Callback, OidcError, Started};
use crate::auth::session::{self, ClientInfo};
use crate::auth::{AuthError, Identity};
use crate::db::{now_unix_ms, AuditEvent};
use crate::services::Services;

/// What came back to the callback, as the browser brought it.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallbackAnswer<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    /// The `iss` parameter (RFC 9207), when the provider sends one.
    pub iss: Option<&'a str>,
    /// The provider's `error` (the person cancelled, or the provider refused).
    pub error: Option<&'a str>,
    /// Whether this browser started the sign-in that `state` names (its cookie says so).
    pub started_here: bool,
}

/// A sign-in through a provider that succeeded.
pub struct OidcSignedIn {
    /// The session's secret, for the cookie only.
    pub secret: String,
    /// Where to send the browser now: a path of ours.
    pub return_to: String,
}

/// Why a callback did not sign the person in.
#[derive(Debug)]
pub enum CallbackFailed {
    /// Refused for a reason the person is told; the refusal is in the audit trail.
    Refused(OidcError),
    /// The person was recognised, but the session could not be stored; try again shortly.
    SessionNotStored(Error),
}

/// Starts a sign-in with `provider`: answers where to send the browser, and the state that
/// names the sign-in when it comes back. A refusal (an unknown provider, one that cannot be
/// reached) is audited.
pub async fn start(
    services: &Services,
    identity: &Identity,
    provider: &str,
    return_to: &str,
    client: &ClientInfo,
) -> Result<Started, OidcError> {
    let started = identity
        .oidc
        .begin(&services.db, provider, return_to, now_unix_ms())
        .await;
    match started {
        Ok(started) => Ok(started),
        Err(error) => Err(refused(services, provider, client, error).await),
    }
}

/// Completes a sign-in from the provider's answer: refused when the provider refused or
/// answered incompletely, when this browser did not start it, when the code or the ID token
/// does not pass, when the person's body is unknown or their account is disabled. Otherwise
/// a new session for the person (created on first sign-in as a member of the body the
/// provider names).
pub async fn finish(
    services: &Services,
    identity: &Identity,
    provider: &str,
    answer: CallbackAnswer<'_>,
    client: ClientInfo,
) -> Result<OidcSignedIn, CallbackFailed> {
    let db = &services.db;
    let now = now_unix_ms();
    let asker = &client;
    let refuse = move |error| async move {
        CallbackFailed::Refused(refused(services, provider, asker, error).await)
    };
    if let Some(error) = answer.error {
        // The person cancelled, or the provider refused. Forget the started sign-in so that
        // its state cannot be used again.
        if let (Some(state), true) = (answer.state, answer.started_here) {
            if let Err(e) = db.take_oidc_login(state, now).await {
                tracing::warn!(error = %e, "could not discard an abandoned OpenID sign-in");
            }
        }
        let code: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        return Err(refuse(OidcError::ProviderRefused(code)).await);
    }
    let (Some(code), Some(state)) = (answer.code, answer.state) else {
        return Err(refuse(OidcError::IncompleteCallback).await);
    };
    if !answer.started_here {
        return Err(refuse(OidcError::ForeignBrowser).await);
    }
    let callback = Callback {
        code,
        state,
        iss: answer.iss,
    };
    let oidc = &identity.oidc;
    let person = match oidc.finish(db, provider, callback, now).await {
        Ok(person) => person,
        Err(error) => return Err(refuse(error).await),
    };
    let user = match oidc
        .resolve_user(db, &person, now, client.ip.as_deref())
        .await
    {
        Ok(user) => user,
        Err(error) => return Err(refuse(error).await),
    };
    let method = format!("oidc:{}", person.provider);
    match session::begin(db, &identity.settings, &user, client.clone(), &method).await {
        Ok(secret) => Ok(OidcSignedIn {
            secret,
            return_to: person.return_to,
        }),
        Err(AuthError::Forbidden(_)) => Err(refuse(OidcError::Disabled(user.id.clone())).await),
        Err(e) => {
            tracing::error!(error = ?e, "could not start a session after OpenID sign-in");
            Err(CallbackFailed::SessionNotStored(e.into()))
        }
    }
}

/// Audits a refused sign-in and answers the refusal.
async fn refused(
    services: &Services,
    provider: &str,
    client: &ClientInfo,
    error: OidcError,
) -> OidcError {
    if let OidcError::Storage(e) = &error {
        tracing::error!(error = ?e, "OpenID sign-in failed on storage");
    }
    // Only ids we configured are echoed into the audit trail; anything else is "unknown".
    let provider_shown = if matches!(error, OidcError::UnknownProvider(_)) {
        "unknown"
    } else {
        provider
    };
    let mut detail = json!({
        "method": "oidc",
        "provider": provider_shown,
        "reason": error.reason(),
    });
    if let OidcError::UnknownOrganization(code) = &error {
        detail["org_code"] = json!(code);
    }
    let user_id = match &error {
        OidcError::Disabled(id) => Some(id.clone()),
        _ => None,
    };
    let event = AuditEvent {
        at: now_unix_ms(),
        target: user_id
            .as_ref()
            .map(|id| format!("user:{id}"))
            .unwrap_or_default(),
        actor_user_id: user_id,
        actor_org_id: None,
        action: "login_failed".into(),
        detail,
        ip: client.ip.clone(),
    };
    if let Err(e) = services.db.audit(&event).await {
        tracing::error!(error = %e, "could not audit a refused OpenID sign-in");
    }
    error
}
