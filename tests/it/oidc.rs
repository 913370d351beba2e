//! OpenID Connect sign-in against a real provider: node-oidc-provider (`tests/oidc/provider.mjs`)
//! as a child process. The browser is a reqwest client that keeps cookies and never follows a
//! redirect by itself, so every hop (our login, the provider's authorize, its login and consent
//! interactions, our callback) is asserted.
//!
//! Negative tests switch the provider into a tamper mode: it re-signs the ID token with its
//! real key and one claim wrong, so only that claim can be the reason for the refusal.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::config::IdentityArgs;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};
use url::Url;

use crate::support::api::{open_db, Api, World};
use crate::support::server::{workspace_root, Options, TestServer};

const CLIENT_ID: &str = "concord-test";
const CLIENT_SECRET: &str = "concord-test-secret";
/// The provider id in our providers file, and so in our URLs.
const PROVIDER: &str = "test";

/// `sub` → (name, org_code). `alice` belongs to a body the test world has; `mallory` does not.
fn accounts() -> Value {
    json!({
        "alice": { "name": "爱丽丝 Alice", "org_code": "market" },
        "mallory": { "name": "Mallory", "org_code": "NO-SUCH-ORG" },
    })
}

fn provider_dir() -> PathBuf {
    workspace_root().join("tests").join("oidc")
}

/// Runs `npm ci` in `tests/oidc` once per process when needed.
fn ensure_provider_modules() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        crate::support::node::npm_ci(
            &provider_dir(),
            "the OpenID Connect tests need Node.js 20+ and npm (they run node-oidc-provider \
             as the identity provider)",
        )
    });
}

/// One `node provider.mjs` process, killed on drop.
struct OidcProvider {
    issuer: String,
    _child: Child,
    /// Held open: the provider exits when its standard input closes.
    _stdin: ChildStdin,
    /// Held open too: a closed pipe would make the provider's next write fail (EPIPE).
    _stdout: Lines<BufReader<ChildStdout>>,
    http: reqwest::Client,
}

impl OidcProvider {
    async fn start() -> OidcProvider {
        ensure_provider_modules();
        let mut child = tokio::process::Command::new("node")
            .arg(provider_dir().join("provider.mjs"))
            .args(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET])
            .args(["--accounts", &accounts().to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the OpenID provider starts in time")
            .expect("reading the provider's output")
            .expect("the OpenID provider prints its issuer");
        let ready: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the provider printed {line:?}, not JSON: {e}"));
        OidcProvider {
            issuer: ready["issuer"].as_str().expect("an issuer").to_owned(),
            _child: child,
            _stdin: stdin,
            _stdout: lines,
            http: reqwest::Client::new(),
        }
    }

    /// Registers our callback and logout return addresses with the provider's one client.
    async fn register(&self, server: &TestServer) {
        let base = format!("http://{}", server.addr);
        let response = self
            .http
            .post(format!("{}/__test/client", self.issuer))
            .json(&json!({
                "redirect_uri": format!("{base}/auth/oidc/{PROVIDER}/callback"),
                "post_logout_redirect_uri": format!("{base}/"),
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    /// `Some("wrong_nonce")`, …: the next ID tokens come back with that claim wrong.
    async fn tamper(&self, mode: Option<&str>) {
        let response = self
            .http
            .post(format!("{}/__test/mode", self.issuer))
            .json(&json!({ "id_token": mode }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "tamper mode {mode:?}");
    }
}

/// Writes a providers file naming `issuer` into `dir`.
fn providers_file(dir: &Path, issuer: &str) -> PathBuf {
    let path = dir.join("oidc.json");
    let file = json!({ "providers": [{
        "id": PROVIDER,
        "name": "测试统一身份认证",
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": ["openid", "profile"],
        "claims": { "user_id": "sub", "name": "name", "org_code": "org_code" },
        "userinfo": true,
    }]});
    std::fs::write(&path, file.to_string()).unwrap();
    path
}

/// A provider, a server that offers it, and the test world (whose `market` body is alice's).
struct Setup {
    provider: OidcProvider,
    server: TestServer,
    _config_dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let provider = OidcProvider::start().await;
    let config_dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(Options {
        identity: IdentityArgs {
            oidc_config: Some(providers_file(config_dir.path(), &provider.issuer)),
            ..IdentityArgs::default()
        },
        ..Options::default()
    })
    .await;
    provider.register(&server).await;
    World::build(&server).await;
    Setup {
        provider,
        server,
        _config_dir: config_dir,
    }
}

/// The first `Set-Cookie` of `response` whose name is `name`, whole.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn location(response: &reqwest::Response, base: &Url) -> Url {
    let location = response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("{} has no Location", response.url()))
        .to_str()
        .unwrap();
    base.join(location).unwrap()
}

/// What starting a sign-in left behind.
struct Started {
    /// Where the provider finally sends the browser back to us (not yet visited).
    callback: Url,
    /// The state cookie our login route set (`name=value`), to replay it from elsewhere.
    state_cookie: String,
}

/// Drives the browser from our login route through the provider's sign-in (login, and consent
/// when asked) up to the redirect back to our callback, asserting each hop.
async fn start_sign_in(setup: &Setup, api: &Api, account: &str) -> Started {
    let login = format!(
        "{}/auth/oidc/{PROVIDER}/login?return_to=%2Fspaces%3Fview%3Dmine",
        api.base
    );
    let response = api.client.get(&login).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "our login route");
    let state_cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("concord_oidc_"))
        .map(str::to_owned)
        .expect("our login route binds the sign-in to this browser with a cookie");
    assert!(state_cookie.contains("HttpOnly"), "{state_cookie}");
    let state_cookie = state_cookie.split(';').next().unwrap().to_owned();
    let mut url = location(&response, &response.url().clone());
    assert!(
        url.as_str()
            .starts_with(&format!("{}/auth?", setup.provider.issuer)),
        "our login sends the browser to the provider's authorization endpoint: {url}"
    );
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], CLIENT_ID);
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(query["state"].len() >= 16 && query["nonce"].len() >= 16);
    assert!(query["scope"].split(' ').any(|s| s == "openid"));
    assert_eq!(
        query["redirect_uri"],
        format!("{}/auth/oidc/{PROVIDER}/callback", api.base)
    );

    for _hop in 0..12 {
        if url.as_str().starts_with(&api.base) {
            return Started {
                callback: url,
                state_cookie,
            };
        }
        if url.path().starts_with("/interaction/") {
            let response = api.client.get(url.clone()).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "interaction page {url}");
            let interaction: Value = response.json().await.unwrap();
            let form: &[(&str, &str)] = match interaction["prompt"].as_str() {
                Some("login") => &[("login", account)],
                Some("consent") => &[("consent", "yes")],
                other => panic!("unexpected prompt {other:?}"),
            };
            let response = api
                .client
                .post(url.clone())
                .form(form)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::SEE_OTHER,
                "{form:?} at {url}"
            );
            url = location(&response, &url);
        } else {
            let response = api.client.get(url.clone()).send().await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::SEE_OTHER,
                "provider hop {url}: {}",
                response.text().await.unwrap_or_default()
            );
            url = location(&response, &url);
        }
    }
    panic!("the provider never sent the browser back to us");
}

/// Visits our callback; answers the response status, its session cookie if any, and the body.
async fn visit(api: &Api, url: &Url) -> (StatusCode, Option<String>, Option<Url>, String) {
    let response = api.client.get(url.clone()).send().await.unwrap();
    let status = response.status();
    let cookie = set_cookie(&response, "concord_session");
    let redirect = response
        .headers()
        .get(LOCATION)
        .map(|_| location(&response, url));
    let body = response.text().await.unwrap();
    (status, cookie, redirect, body)
}

async fn assert_signed_out(api: &Api) {
    let (status, body) = api.get("/api/auth/me").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "no session expected: {body}"
    );
}

/// Asserts a refusal page: status, no session, the English sentence and the way back.
async fn assert_refused(api: &Api, url: &Url, status: StatusCode, english: &str) -> String {
    let (got, cookie, redirect, body) = visit(api, url).await;
    assert_eq!(got, status, "{body}");
    assert_eq!(cookie, None, "a refused sign-in sets no session cookie");
    assert_eq!(redirect, None);
    assert!(body.contains(english), "expected {english:?} in {body}");
    assert!(body.contains("<a href=\"/\">"), "a link back: {body}");
    assert_signed_out(api).await;
    body
}

#[tokio::test]
async fn signing_in_through_an_openid_provider_creates_a_member_and_a_session_that_signs_out() {
    let setup = setup().await;
    let api = Api::new(&setup.server);
    let started = start_sign_in(&setup, &api, "alice").await;

    let (status, cookie, redirect, _) = visit(&api, &started.callback).await;

    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        redirect.unwrap().as_str(),
        format!("{}/spaces?view=mine", api.base)
    );
    let cookie = cookie.expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain-HTTP test server: {cookie}"
    );
    let (status, me) = api.get("/api/auth/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["display_name"], "爱丽丝 Alice");
    assert_eq!(me["user"]["org_role"], "member");
    assert_eq!(me["user"]["oidc"], true);
    assert_eq!(me["user"]["has_password"], false);
    assert_eq!(me["org"]["code"], "market");
    let user_id = me["user"]["id"].clone();

    let (status, body) = api.post("/api/auth/logout", json!({})).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    let end_session: Url = body["end_session_url"]
        .as_str()
        .expect("the provider's logout address")
        .parse()
        .unwrap();
    assert!(
        end_session
            .as_str()
            .starts_with(&format!("{}/session/end?", setup.provider.issuer)),
        "{end_session}"
    );
    let logout: std::collections::HashMap<String, String> =
        end_session.query_pairs().into_owned().collect();
    assert_eq!(logout["client_id"], CLIENT_ID);
    assert_eq!(logout["post_logout_redirect_uri"], format!("{}/", api.base));
    assert_signed_out(&api).await;

    // A second sign-in finds the same person rather than creating another.
    let again = Api::new(&setup.server);
    let started = start_sign_in(&setup, &again, "alice").await;
    let (status, _, _, _) = visit(&again, &started.callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, me) = again.get("/api/auth/me").await;
    assert_eq!(me["user"]["id"], user_id);
}

#[tokio::test]
async fn a_callback_with_another_state_is_refused_and_leaves_the_real_one_usable() {
    let setup = setup().await;
    let api = Api::new(&setup.server);
    let started = start_sign_in(&setup, &api, "alice").await;
    let mut forged = started.callback.clone();
    let pairs: Vec<(String, String)> = started
        .callback
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, "forged-state-value".into())
            } else {
                (k, v)
            }
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);

    assert_refused(
        &api,
        &forged,
        StatusCode::BAD_REQUEST,
        "this sign-in was started in another browser",
    )
    .await;

    let (status, cookie, _, _) = visit(&api, &started.callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(cookie.is_some());
}

#[tokio::test]
async fn a_replayed_callback_is_refused_even_with_the_state_cookie() {
    let setup = setup().await;
    let api = Api::new(&setup.server);
    let started = start_sign_in(&setup, &api, "alice").await;
    let (status, _, _, _) = visit(&api, &started.callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the first use signs in");

    // Someone who copied both the callback URL and the state cookie replays them.
    let replay = Api::new(&setup.server);
    let base: Url = replay.base.parse().unwrap();
    replay.jar.add_cookie_str(
        &format!("{}; Path=/auth/oidc/", started.state_cookie),
        &base,
    );
    assert_refused(
        &replay,
        &started.callback,
        StatusCode::BAD_REQUEST,
        "this sign-in has expired or was already used",
    )
    .await;
    // Without the cookie, the callback is not even recognised as this browser's.
    let stranger = Api::new(&setup.server);
    assert_refused(
        &stranger,
        &started.callback,
        StatusCode::BAD_REQUEST,
        "started in another browser",
    )
    .await;
}

#[tokio::test]
async fn id_tokens_with_one_wrong_claim_are_refused() {
    let setup = setup().await;
    let cases = [
        (
            "wrong_nonce",
            "the ID token does not belong to this sign-in (nonce)",
        ),
        ("wrong_issuer", "the ID token was issued by another issuer"),
        (
            "wrong_audience",
            "the ID token was issued for another application",
        ),
        ("expired", "the ID token has expired"),
    ];
    for (mode, english) in cases {
        setup.provider.tamper(Some(mode)).await;
        let api = Api::new(&setup.server);
        let started = start_sign_in(&setup, &api, "alice").await;

        let body = assert_refused(&api, &started.callback, StatusCode::BAD_REQUEST, english).await;

        assert!(
            body.contains("身份提供方的应答未通过校验"),
            "{mode}: {body}"
        );
    }
    setup.provider.tamper(None).await;

    let db = open_db(&setup.server, None).await;
    let rows = db.audit_rows(None, None, 100).await.unwrap();
    let reasons: Vec<&str> = rows
        .iter()
        .filter(|r| r.action == "login_failed")
        .filter_map(|r| r.detail["reason"].as_str())
        .collect();
    for (mode, _) in cases {
        let reason = format!("token_rejected:{mode}");
        assert!(
            reasons.contains(&reason.as_str()),
            "{reason} in {reasons:?}"
        );
    }
    assert!(rows
        .iter()
        .filter(|r| r.action == "login_failed")
        .all(|r| r.detail["method"] == "oidc" && r.detail["provider"] == PROVIDER));
    db.close().await;
}

#[tokio::test]
async fn a_person_whose_organization_is_not_registered_is_refused() {
    let setup = setup().await;
    let api = Api::new(&setup.server);
    let started = start_sign_in(&setup, &api, "mallory").await;

    let body = assert_refused(
        &api,
        &started.callback,
        StatusCode::FORBIDDEN,
        "is not registered here",
    )
    .await;

    assert!(body.contains("NO-SUCH-ORG"), "{body}");
    assert!(body.contains("尚未在本系统登记"), "{body}");
    let db = open_db(&setup.server, None).await;
    let rows = db.audit_rows(None, None, 20).await.unwrap();
    assert!(rows.iter().any(|r| r.action == "login_failed"
        && r.detail["reason"] == "unknown_organization"
        && r.detail["org_code"] == "NO-SUCH-ORG"));
    db.close().await;
}

#[tokio::test]
async fn a_sign_in_refused_at_the_provider_shows_why_and_creates_no_session() {
    let setup = setup().await;
    let api = Api::new(&setup.server);
    let login = format!("{}/auth/oidc/{PROVIDER}/login", api.base);
    let response = api.client.get(&login).send().await.unwrap();
    let mut url = location(&response, response.url());
    // Authorize → interaction, where the person refuses.
    let response = api.client.get(url.clone()).send().await.unwrap();
    url = location(&response, &url);
    let response = api
        .client
        .post(url.clone())
        .form(&[("abort", "yes")])
        .send()
        .await
        .unwrap();
    url = location(&response, &url);
    let response = api.client.get(url.clone()).send().await.unwrap();
    let callback = location(&response, &url);
    assert!(callback.as_str().starts_with(&api.base), "{callback}");

    assert_refused(
        &api,
        &callback,
        StatusCode::BAD_REQUEST,
        "the identity provider refused the sign-in (access_denied)",
    )
    .await;
}

#[tokio::test]
async fn an_unreachable_provider_does_not_stop_the_server_and_gets_a_502_page() {
    let config_dir = tempfile::tempdir().unwrap();
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    let config = providers_file(config_dir.path(), "http://127.0.0.1:9");
    let server = TestServer::start_with(Options {
        identity: IdentityArgs {
            oidc_config: Some(config),
            ..IdentityArgs::default()
        },
        ..Options::default()
    })
    .await;
    let api = Api::new(&server);
    let (status, providers) = api.get("/api/auth/providers").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(providers["providers"][0]["id"], PROVIDER);

    let login: Url = format!("{}/auth/oidc/{PROVIDER}/login", api.base)
        .parse()
        .unwrap();
    assert_refused(
        &api,
        &login,
        StatusCode::BAD_GATEWAY,
        "the identity provider cannot be reached right now",
    )
    .await;
    let unknown: Url = format!("{}/auth/oidc/nope/login", api.base)
        .parse()
        .unwrap();
    assert_refused(
        &api,
        &unknown,
        StatusCode::NOT_FOUND,
        "there is no sign-in provider",
    )
    .await;
}

#[tokio::test]
async fn a_disabled_person_cannot_sign_in_through_the_provider() {
    let setup = setup().await;
    let first = Api::new(&setup.server);
    let started = start_sign_in(&setup, &first, "alice").await;
    let (status, _, _, _) = visit(&first, &started.callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, me) = first.get("/api/auth/me").await;
    let user_id = me["user"]["id"].as_str().unwrap().to_owned();
    let db = open_db(&setup.server, None).await;
    let patch = server::db::UserPatch {
        display_name: None,
        org_role: None,
        disabled: Some(true),
    };
    let event = server::db::AuditEvent {
        at: server::db::now_unix_ms(),
        actor_user_id: None,
        actor_org_id: None,
        action: "user_updated".into(),
        target: format!("user:{user_id}"),
        detail: json!({ "disabled": true }),
        ip: None,
    };
    db.update_user(&user_id, &patch, &event).await.unwrap();

    let api = Api::new(&setup.server);
    let started = start_sign_in(&setup, &api, "alice").await;

    assert_refused(
        &api,
        &started.callback,
        StatusCode::FORBIDDEN,
        "this account is disabled",
    )
    .await;
    let rows = db.audit_rows(None, None, 20).await.unwrap();
    assert!(rows.iter().any(|r| r.action == "login_failed"
        && r.detail["reason"] == "account_disabled"
        && r.actor_user_id.as_deref() == Some(user_id.as_str())));
    db.close().await;
}
