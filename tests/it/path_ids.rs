//! Ids in the address that no record can have (a NUL, other control characters) are a 404 on
//! both engines, the same as an unknown id, and never reach the database: PostgreSQL cannot
//! compare a text holding a NUL and used to answer 500 and log an error.

use reqwest::{Method, StatusCode};

use crate::support::api::{message, Api, World};
use crate::support::postgres::fresh_database_url;
use crate::support::server::{Options, TestServer};

/// What each kind of id is put in; `{id}` is replaced by the bad id.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/tasks/{id}"),
    ("GET", "/api/tasks/{id}/attachments/{id}"),
    ("GET", "/api/meetings/{id}"),
    ("GET", "/api/meetings/{id}/minutes"),
    ("GET", "/api/notices/{id}"),
    ("GET", "/api/spaces/{id}"),
    ("GET", "/api/spaces/{id}/docs"),
    ("GET", "/api/users/{id}"),
    ("GET", "/api/orgs/{id}"),
    ("GET", "/api/orgs/{id}/users"),
    ("GET", "/api/orgs/{id}/keys"),
    ("POST", "/api/orgs/{id}/keys/{id}/revoke"),
    ("GET", "/api/webhooks/{id}/deliveries"),
    ("DELETE", "/api/auth/sessions/{id}"),
];

const BAD_IDS: &[&str] = &["%00", "5f0c3a52%00", "%1F", "x%7F"];

async fn every_bad_id_is_a_404(database_url: Option<String>) {
    let server = TestServer::start_with(Options {
        database_url: database_url.clone(),
        ..Options::default()
    })
    .await;
    World::build_on(&server, database_url.as_deref()).await;
    let api = Api::signed_in(&server, "market").await;

    for (method, route) in ROUTES {
        for id in BAD_IDS {
            let path = route.replace("{id}", id);
            let method: Method = method.parse().unwrap();
            let (status, body) = api.request(method.clone(), &path, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
            assert_eq!(
                body["error"]["code"], "not_found",
                "{method} {path}: {body}"
            );
            assert!(message(&body).contains("id"), "{method} {path}: {body}");
        }
    }
}

#[tokio::test]
async fn ids_with_control_characters_are_a_404_on_sqlite() {
    every_bad_id_is_a_404(None).await;
}

#[tokio::test]
async fn ids_with_control_characters_are_a_404_on_postgresql() {
    every_bad_id_is_a_404(Some(fresh_database_url().await)).await;
}

/// An id holding a NUL in a request's body (a task's assignee, a notice's recipient) names
/// nothing: a 400 or 404 saying so on both engines, never a 500, and nothing is stored.
async fn a_nul_in_a_body_id_is_refused(database_url: Option<String>) {
    let server = TestServer::start_with(Options {
        database_url: database_url.clone(),
        ..Options::default()
    })
    .await;
    World::build_on(&server, database_url.as_deref()).await;
    let api = Api::signed_in(&server, "market").await;
    let task = serde_json::json!({
        "title": "核查无证经营情况",
        "body": "请核查并反馈。",
        "assignee_org_id": "\u{0}x",
        "limit": { "unit": "working_days", "amount": 10 },
    });
    let notice = serde_json::json!({
        "kind": "information",
        "title": "关于联合检查的通报",
        "body": "请做好准备。",
        "recipients": ["\u{0}"],
    });

    let count = |page: serde_json::Value| page["tasks"].as_array().map(Vec::len);
    let before = count(api.get("/api/tasks?list=set_by_us").await.1);
    assert!(before.is_some());

    for (path, body) in [("/api/tasks", task), ("/api/notices", notice)] {
        let (status, answer) = api.post(path, body).await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND,
            "POST {path}: {status} {answer}"
        );
        assert!(!message(&answer).is_empty(), "POST {path}: {answer}");
    }
    assert_eq!(count(api.get("/api/tasks?list=set_by_us").await.1), before);
}

#[tokio::test]
async fn a_nul_in_a_body_id_is_refused_on_sqlite() {
    a_nul_in_a_body_id_is_refused(None).await;
}

#[tokio::test]
async fn a_nul_in_a_body_id_is_refused_on_postgresql() {
    a_nul_in_a_body_id_is_refused(Some(fresh_database_url().await)).await;
}
