//! OpenID Connect sign-in routes: where the browser is sent to its provider and comes back.
//!
//! - `GET /auth/oidc/{provider}/login?return_to=/x`: 303 to the provider's sign-in page.
//! - `GET /auth/oidc/{provider}/callback?code=…&state=…` (or `?error=…`): on success, a session
//!   cookie and 303 to `return_to`; on refusal, a small page that says why, in Chinese then
//!   English, with a link back to `/`.
//!
//! These are pages a browser lands on, not API calls, so refusals are HTML rather than the JSON
//! error shape. The state is also bound to the browser that started the sign-in (a cookie named
//! after it), so a callback URL made in one browser cannot sign in another one (login CSRF).
//!
//! Nothing here logs or shows a code, a state or a token, and each refusal is written to the
//! audit trail (`login_failed`, `detail.method = "oidc"`). A success is audited by
//! [`session::begin`] (`login`, `detail.method = "oidc:{provider}"`).

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::auth::oidc::{Callback, OidcError};
use crate::auth::session::{self, ClientInfo};
use crate::auth::AuthError;
use crate::db::{now_unix_ms, AuditEvent, DbError};
use crate::http::extract::Path;
use crate::state::AppState;

/// Prefix of the cookie that binds a started sign-in to this browser.
const STATE_COOKIE_PREFIX: &str = "concord_oidc_";

/// The state cookie lives as long as the stored login.
const STATE_COOKIE_SECS: i64 = 10 * 60;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/oidc/{provider}/login", get(login))
        .route("/auth/oidc/{provider}/callback", get(callback))
}

/// The query of a request as (name, value) pairs; a query that does not parse yields none.
fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

async fn login(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    client: ClientInfo,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let return_to = param(&pairs, "return_to").unwrap_or("/");
    let now = now_unix_ms();
    match state
        .identity
        .oidc
        .begin(&state.services.db, &provider, return_to, now)
        .await
    {
        Ok(started) => {
            let jar = CookieJar::new().add(state_cookie(&state, &started.state));
            let mut response = (jar, Redirect::to(started.url.as_str())).into_response();
            no_store(&mut response);
            response
        }
        Err(e) => refuse(&state, &provider, &client, e).await,
    }
}

async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    client: ClientInfo,
    jar: CookieJar,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let now = now_unix_ms();
    let oidc = &state.identity.oidc;
    let login_state = param(&pairs, "state");
    let cookie_name = login_state.map(state_cookie_name);
    // Whether this browser started the sign-in that `state` names.
    let ours = match (login_state, &cookie_name) {
        (Some(s), Some(name)) => jar.get(name).is_some_and(|c| c.value() == s),
        _ => false,
    };
    // Whatever happens next, this browser's cookie for this state has served its purpose.
    let jar = match &cookie_name {
        Some(name) if ours => jar.remove(removal(&state, name.clone())),
        _ => CookieJar::new(),
    };

    if let Some(error) = param(&pairs, "error") {
        // The person cancelled, or the provider refused. Forget the started sign-in so that
        // its state cannot be used again.
        if let (Some(s), true) = (login_state, ours) {
            if let Err(e) = state.services.db.take_oidc_login(s, now).await {
                tracing::warn!(error = %e, "could not discard an abandoned OpenID sign-in");
            }
        }
        let code: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        let refusal = refuse(&state, &provider, &client, OidcError::ProviderRefused(code)).await;
        return (jar, refusal).into_response();
    }
    let (Some(code), Some(login_state)) = (param(&pairs, "code"), login_state) else {
        let refusal = refuse(&state, &provider, &client, OidcError::IncompleteCallback).await;
        return (jar, refusal).into_response();
    };
    if !ours {
        let refusal = refuse(&state, &provider, &client, OidcError::ForeignBrowser).await;
        return (jar, refusal).into_response();
    }

    let answer = Callback {
        code,
        state: login_state,
        iss: param(&pairs, "iss"),
    };
    let identity = match oidc
        .finish(&state.services.db, &provider, answer, now)
        .await
    {
        Ok(identity) => identity,
        Err(e) => {
            let refusal = refuse(&state, &provider, &client, e).await;
            return (jar, refusal).into_response();
        }
    };
    let user = match oidc
        .resolve_user(&state.services.db, &identity, now, client.ip.as_deref())
        .await
    {
        Ok(user) => user,
        Err(e) => {
            let refusal = refuse(&state, &provider, &client, e).await;
            return (jar, refusal).into_response();
        }
    };
    let method = format!("oidc:{}", identity.provider);
    match session::begin(
        &state.services.db,
        &state.identity.settings,
        &user,
        client.clone(),
        &method,
    )
    .await
    {
        Ok(cookie) => {
            let jar = jar.add(cookie);
            let mut response = (jar, Redirect::to(&identity.return_to)).into_response();
            no_store(&mut response);
            response
        }
        Err(AuthError::Forbidden(_)) => {
            let refusal = refuse(
                &state,
                &provider,
                &client,
                OidcError::Disabled(user.id.clone()),
            )
            .await;
            (jar, refusal).into_response()
        }
        Err(e) => {
            tracing::error!(error = ?e, "could not start a session after OpenID sign-in");
            let status = match e {
                AuthError::Db(DbError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let page = page(
                status,
                "登录已通过验证，但会话无法建立，请稍后再试。",
                "You were recognised, but the session could not be started; try again shortly.",
            );
            (jar, page).into_response()
        }
    }
}

/// The cookie that remembers, in this browser, a sign-in it started. Named after a hash of the
/// state so that sign-ins started in two tabs do not overwrite each other.
fn state_cookie(state: &AppState, login_state: &str) -> Cookie<'static> {
    Cookie::build((state_cookie_name(login_state), login_state.to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.identity.settings.secure_cookie)
        .path("/auth/oidc/")
        .max_age(time::Duration::seconds(STATE_COOKIE_SECS))
        .build()
}

fn removal(state: &AppState, name: String) -> Cookie<'static> {
    Cookie::build((name, ""))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.identity.settings.secure_cookie)
        .path("/auth/oidc/")
        .build()
}

fn state_cookie_name(login_state: &str) -> String {
    let digest = hex::encode(Sha256::digest(login_state.as_bytes()));
    format!("{STATE_COOKIE_PREFIX}{}", &digest[..16])
}

/// Audits a refused sign-in and answers the page that explains it.
async fn refuse(
    state: &AppState,
    provider: &str,
    client: &ClientInfo,
    error: OidcError,
) -> Response {
    let status = status_of(&error);
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
    if let Err(e) = state.services.db.audit(&event).await {
        tracing::error!(error = %e, "could not audit a refused OpenID sign-in");
    }
    page(status, &error.message_zh(), &error.to_string())
}

fn status_of(error: &OidcError) -> StatusCode {
    match error {
        OidcError::UnknownProvider(_) => StatusCode::NOT_FOUND,
        OidcError::UnknownState
        | OidcError::ForeignBrowser
        | OidcError::IncompleteCallback
        | OidcError::ProviderRefused(_)
        | OidcError::CodeRejected
        | OidcError::TokenRejected(_) => StatusCode::BAD_REQUEST,
        OidcError::UnknownOrganization(_) | OidcError::MissingClaim(_) | OidcError::Disabled(_) => {
            StatusCode::FORBIDDEN
        }
        OidcError::ProviderUnavailable => StatusCode::BAD_GATEWAY,
        OidcError::Storage(DbError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
        OidcError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A small self-contained page: the reason in Chinese, then in English, and a way back.
fn page(status: StatusCode, zh: &str, en: &str) -> Response {
    let (zh, en) = (escape(zh), escape(en));
    let html = format!(
        "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>登录未成功 · Sign-in failed</title>\n\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;\
         padding:0 1rem;line-height:1.6}}h1{{font-size:1.3rem}}</style>\n</head>\n<body>\n\
         <main>\n<h1>登录未成功 · Sign-in failed</h1>\n<p lang=\"zh-CN\">{zh}</p>\n\
         <p lang=\"en\">{en}</p>\n<p><a href=\"/\">返回首页 · Back to the start page</a></p>\n\
         </main>\n</body>\n</html>\n"
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    no_store(&mut response);
    response
}

/// Callback URLs carry a code and a state: keep them out of caches and out of the `Referer`
/// of the next page.
fn no_store(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_pages_escape_what_they_show() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn state_cookies_are_named_after_a_hash_of_the_state() {
        let name = state_cookie_name("abc");
        assert!(name.starts_with(STATE_COOKIE_PREFIX));
        assert_eq!(name.len(), STATE_COOKIE_PREFIX.len() + 16);
        assert!(!name.contains("abc"));
        assert_ne!(name, state_cookie_name("abd"));
    }

    #[test]
    fn refusals_get_the_agreed_statuses() {
        assert_eq!(status_of(&OidcError::UnknownState), StatusCode::BAD_REQUEST);
        assert_eq!(
            status_of(&OidcError::UnknownOrganization("X".into())),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status_of(&OidcError::Disabled("u".into())),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status_of(&OidcError::ProviderUnavailable),
            StatusCode::BAD_GATEWAY
        );
    }
}
