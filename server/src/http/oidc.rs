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
//! This module holds what is HTTP by nature (the query, the redirects, the cookies, the page);
//! what the answer leads to, and the audit row of each refusal, is decided by
//! [`crate::work::oidc`]. Nothing here logs or shows a code, a state or a token.

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use sha2::{Digest, Sha256};
use utoipa::IntoResponses;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::oidc::OidcError;
use crate::auth::session::{self, ClientInfo};
use crate::db::DbError;
use crate::http::extract::Path;
use crate::state::AppState;
use crate::work::oidc::{self, CallbackAnswer, CallbackFailed};
use crate::work::Error;

/// Prefix of the cookie that binds a started sign-in to this browser.
const STATE_COOKIE_PREFIX: &str = "concord_oidc_";

/// The state cookie lives as long as the stored login.
const STATE_COOKIE_SECS: i64 = 10 * 60;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(callback))
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

/// The pages a refused or failed sign-in answers, for the OpenAPI description: these routes
/// are pages a browser lands on, so they answer HTML rather than the JSON error shape.
#[derive(IntoResponses)]
#[allow(dead_code)]
enum SignInRefusals {
    /// A page (HTML) that says, in Chinese then English, why the sign-in was refused: 400 a
    /// sign-in that is unknown, expired, incomplete or started in another browser, 403 an
    /// unknown organization or a disabled account, 404 an unknown provider.
    #[response(status = "4XX", content_type = "text/html")]
    Refused(String),
    /// A page (HTML) that says to try again shortly: 502 the provider cannot be reached, 503
    /// or 500 the sign-in could not be recorded.
    #[response(status = "5XX", content_type = "text/html")]
    Failed(String),
}

/// Starts signing in through an OpenID provider: sends the browser to the provider's page.
#[utoipa::path(
    get, path = "/auth/oidc/{provider}/login", tag = "auth", operation_id = "oidc_login",
    params(
        ("provider" = String, Path, description = "the provider's id, as `/api/auth/providers` lists it"),
        ("return_to" = Option<String>, Query, description = "a path of this site to come back to; `/` when absent or not a path of ours")
    ),
    responses(
        (status = 303, description = "to the provider's sign-in page",
            headers(("Location" = String, description = "the provider's authorization URL"),
                ("Set-Cookie" = String, description = "binds the sign-in to this browser"))),
        SignInRefusals
    )
)]
async fn login(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    client: ClientInfo,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let return_to = param(&pairs, "return_to").unwrap_or("/");
    let identity = &state.identity;
    match oidc::start(&state.services, identity, &provider, return_to, &client).await {
        Ok(started) => {
            let jar = CookieJar::new().add(state_cookie(&state, &started.state));
            redirect(jar, started.url.as_str())
        }
        Err(refusal) => refusal_page(&refusal),
    }
}

/// Where the provider sends the browser back: signs the person in and sends them on.
#[utoipa::path(
    get, path = "/auth/oidc/{provider}/callback", tag = "auth", operation_id = "oidc_callback",
    params(
        ("provider" = String, Path, description = "the provider's id"),
        ("code" = Option<String>, Query, description = "the authorization code"),
        ("state" = Option<String>, Query, description = "names the sign-in this answers"),
        ("iss" = Option<String>, Query, description = "the issuer (RFC 9207)"),
        ("error" = Option<String>, Query, description = "the provider's refusal, instead of a code")
    ),
    responses(
        (status = 303, description = "signed in; on to the page the sign-in started from",
            headers(("Location" = String, description = "a path of this site"),
                ("Set-Cookie" = String, description = "concord_session=…; HttpOnly; SameSite=Lax"))),
        SignInRefusals
    )
)]
async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    client: ClientInfo,
    jar: CookieJar,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let (answer, jar) = callback_answer(&state, &pairs, jar);
    let identity = &state.identity;
    match oidc::finish(&state.services, identity, &provider, answer, client).await {
        Ok(signed_in) => {
            let cookie = session::session_cookie(&identity.settings, signed_in.secret);
            redirect(jar.add(cookie), &signed_in.return_to)
        }
        Err(CallbackFailed::Refused(refusal)) => (jar, refusal_page(&refusal)).into_response(),
        Err(CallbackFailed::SessionNotStored(e)) => (jar, session_failed_page(&e)).into_response(),
    }
}

/// The provider's answer as the operation takes it, and the cookies to send back: whatever
/// happens next, this browser's cookie for this state has served its purpose.
fn callback_answer<'a>(
    state: &AppState,
    pairs: &'a [(String, String)],
    jar: CookieJar,
) -> (CallbackAnswer<'a>, CookieJar) {
    let login_state = param(pairs, "state");
    let cookie_name = login_state.map(state_cookie_name);
    // Whether this browser started the sign-in that `state` names.
    let started_here = match (login_state, &cookie_name) {
        (Some(s), Some(name)) => jar.get(name).is_some_and(|c| c.value() == s),
        _ => false,
    };
    let jar = match cookie_name {
        Some(name) if started_here => jar.remove(removal(state, name)),
        _ => CookieJar::new(),
    };
    let answer = CallbackAnswer {
        code: param(pairs, "code"),
        state: login_state,
        iss: param(pairs, "iss"),
        error: param(pairs, "error"),
        started_here,
    };
    (answer, jar)
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

/// A 303 to `to` with `jar`'s cookies, kept out of caches.
fn redirect(jar: CookieJar, to: &str) -> Response {
    no_store((jar, Redirect::to(to)).into_response())
}

/// The page that explains a refused sign-in (already audited by the operation).
fn refusal_page(refusal: &OidcError) -> Response {
    page(
        status_of(refusal),
        &refusal.message_zh(),
        &refusal.to_string(),
    )
}

/// The page for someone recognised whose session could not be stored.
fn session_failed_page(error: &Error) -> Response {
    let status = match error {
        Error::Storage(DbError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    page(
        status,
        "登录已通过验证，但会话无法建立，请稍后再试。",
        "You were recognised, but the session could not be started; try again shortly.",
    )
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
    no_store(response)
}

/// Callback URLs carry a code and a state: keep them out of caches and out of the `Referer`
/// of the next page.
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
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
