//! What the server says, in the reader's language: Chinese unless English comes first in
//! `Accept-Language`, with the catalogue's stable `reason` beside the words, and the same
//! refusal (status, code, reason) whatever the language.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::api::{World, PASSWORD};
use crate::support::server::TestServer;

/// Signs in as `username` with `password`, asking in `language` (none: no header).
async fn login(
    server: &TestServer,
    language: Option<&str>,
    username: &str,
    password: &str,
) -> (StatusCode, Option<String>, Value) {
    let base = format!("http://{}", server.addr);
    let mut request = reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .header("origin", &base)
        .json(&json!({ "username": username, "password": password }));
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_language = response
        .headers()
        .get("content-language")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, content_language, response.json().await.unwrap())
}

#[tokio::test]
async fn a_wrong_password_is_said_in_chinese_unless_english_comes_first() {
    let server = TestServer::start().await;
    let _world = World::build(&server).await;

    let (none_status, none_language, none) = login(&server, None, "market", "wrong-wrong").await;
    let (zh_status, _, zh) = login(&server, Some("zh-CN,zh;q=0.9"), "market", "wrong-wrong").await;
    let (en_status, en_language, en) = login(
        &server,
        Some("en-US,en;q=0.9,zh;q=0.5"),
        "nobody",
        "wrong-wrong",
    )
    .await;
    let (ok_status, _, _) = login(&server, Some("en"), "market", PASSWORD).await;

    assert_eq!(
        (none_status, zh_status, en_status, ok_status),
        (
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::OK
        )
    );
    assert_eq!(none["error"]["message"], "用户名或密码错误", "{none}");
    assert_eq!(zh["error"]["message"], "用户名或密码错误", "{zh}");
    assert_eq!(
        en["error"]["message"], "wrong user name or password",
        "{en}"
    );
    for body in [&none, &zh, &en] {
        assert_eq!(body["error"]["code"], "unauthenticated");
        assert_eq!(body["error"]["reason"], "auth.wrong_credentials");
    }
    assert_eq!(none_language.as_deref(), Some("zh-CN"));
    assert_eq!(en_language.as_deref(), Some("en"));
}

#[tokio::test]
async fn bad_bodies_unknown_ids_and_policy_refusals_are_said_in_chinese() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let api = crate::support::api::Api::signed_in(&server, "market").await;
    let base = format!("http://{}", server.addr);
    let cookie = api.cookie_header().unwrap();
    let client = reqwest::Client::new();

    let malformed = client
        .post(format!("{base}/api/tasks"))
        .header("origin", &base)
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (malformed_status, malformed): (StatusCode, Value) =
        (malformed.status(), malformed.json().await.unwrap());
    let unknown = client
        .get(format!("{base}/api/meetings/no-such-meeting"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let (unknown_status, unknown): (StatusCode, Value) =
        (unknown.status(), unknown.json().await.unwrap());
    // A member (not an admin) of the market bureau may not list its API tokens.
    let denied = client
        .get(format!("{base}/api/orgs/{}/tokens", world.orgs["market"]))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let (denied_status, denied): (StatusCode, Value) =
        (denied.status(), denied.json().await.unwrap());
    let signed_out = client
        .get(format!("{base}/api/tasks"))
        .send()
        .await
        .unwrap();
    let (signed_out_status, signed_out): (StatusCode, Value) =
        (signed_out.status(), signed_out.json().await.unwrap());

    assert_eq!(malformed_status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed["error"]["reason"], "body.not_valid_json");
    assert!(
        malformed["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("请求内容不是有效的 JSON"),
        "{malformed}"
    );
    assert_eq!(unknown_status, StatusCode::NOT_FOUND);
    assert_eq!(unknown["error"]["message"], "没有这个会议，或您无权查看");
    assert_eq!(denied_status, StatusCode::FORBIDDEN, "{denied}");
    assert!(denied["error"]["reason"]
        .as_str()
        .is_some_and(|r| r.starts_with("policy.")));
    assert!(
        !denied["error"]["message"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| c.is_ascii_alphabetic() && c != 'A' && c != 'P' && c != 'I'),
        "English in a Chinese refusal: {denied}"
    );
    assert_eq!(signed_out_status, StatusCode::UNAUTHORIZED);
    assert_eq!(signed_out["error"]["message"], "请先登录");
}
