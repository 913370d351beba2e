//! Browser sessions: a random secret in an HttpOnly cookie, a row in the database.
//!
//! The cookie carries 32 random bytes; the database keeps only their SHA-256, so a copy of the
//! database does not let anyone into a live session. A session ends when it has been idle too
//! long, when it reaches its absolute age, when its user signs out or revokes it, or when an
//! operator resets the user's password. Each sign-in creates a new session (and so a new
//! cookie value): a session id is never carried over from before the login.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::forwarded::ClientAddr;
use super::{AuthError, Settings};
use crate::db::{now_unix_ms, AuditEvent, Db, NewSession, User};

/// The session cookie's name.
pub const COOKIE: &str = "concord_session";

/// Where a request came from, for the audit trail and the session list.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(client_info(parts))
    }
}

/// The client address and user agent of a request. The address is the one the listener
/// worked out ([`ClientAddr`]: the TCP peer's, or behind a trusted proxy the forwarded
/// client's), else the TCP peer's.
pub fn client_info(parts: &Parts) -> ClientInfo {
    let ip = match parts.extensions.get::<ClientAddr>() {
        Some(ClientAddr(addr)) => Some(addr.to_string()),
        None => parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string()),
    };
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(200).collect());
    ClientInfo { ip, user_agent }
}

/// A new random secret: 32 bytes, base64url, after `prefix` (API tokens are `cct_…` so that
/// secret scanners and people recognise them).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", B64.encode(bytes))
}

/// What the database stores instead of a secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Signs `user` in: records a new session (and the login, in the audit trail) and returns its
/// secret, for the cookie ([`session_cookie`]) and nowhere else. `method` says how they
/// proved who they are (`password`, `oidc:zj`).
pub async fn begin(
    db: &Db,
    settings: &Settings,
    user: &User,
    client: ClientInfo,
    method: &str,
) -> Result<String, AuthError> {
    if user.disabled {
        return Err(AuthError::Forbidden(
            crate::domain::phrases::ACCOUNT_DISABLED.message(),
        ));
    }
    let secret = new_secret("");
    let now = now_unix_ms();
    let new = NewSession {
        token_hash: secret_hash(&secret),
        user_id: user.id.clone(),
        now,
        idle_expires_at: now + settings.session_idle_ms,
        absolute_expires_at: now + settings.session_max_ms,
        ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
    };
    let audit = AuditEvent {
        at: now,
        actor_user_id: Some(user.id.clone()),
        actor_org_id: user.org_id.clone(),
        action: "login".into(),
        target: format!("user:{}", user.id),
        detail: json!({ "method": method }),
        ip: client.ip,
    };
    db.create_session(&new, &audit).await?;
    Ok(secret)
}

/// The cookie that carries a session secret.
pub fn session_cookie(settings: &Settings, secret: String) -> Cookie<'static> {
    Cookie::build((COOKIE, secret))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.secure_cookie)
        .path("/")
        .build()
}

/// The cookie that makes a browser forget its session.
pub fn removal_cookie(settings: &Settings) -> Cookie<'static> {
    let mut cookie = session_cookie(settings, String::new());
    cookie.make_removal();
    cookie
}
