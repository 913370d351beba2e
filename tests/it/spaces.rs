//! The shared spine of the workflows: spaces, their documents and who writes each.
//!
//! A document of a space is shared (every convening and member body writes it), the minutes,
//! a section of a dossier or a party's statement (one body writes it, the others read), or the
//! convener's decision. The ticket a caller gets says what the policy gives it: these tests read
//! the access from it, and one opens a real socket to show a reader's edit is refused.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::api::{message, Api, World};
use crate::support::server::TestServer;

/// A meeting space convened by the market department, with the township as a member and the
/// police as an observer.
async fn space(server: &TestServer, world: &World) -> (Api, String) {
    let convener = Api::signed_in(server, "market").await;
    let (status, space) = convener
        .post(
            "/api/spaces",
            json!({ "kind": "meeting", "title": "联合执法协调会" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{space}");
    let space_id = space["id"].as_str().unwrap().to_owned();
    for (org, role) in [("township", "member"), ("police", "observer")] {
        let (status, body) = convener
            .put(
                &format!("/api/spaces/{space_id}/members/{}", world.org(org)),
                json!({ "role": role }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    (convener, space_id)
}

/// What a ticket for `doc` gives `username`: `write`, `read`, or the status when refused.
async fn access(server: &TestServer, username: &str, doc: &str) -> String {
    let api = Api::signed_in(server, username).await;
    let (status, body) = api
        .post(&format!("/api/docs/{doc}/ticket"), json!({}))
        .await;
    match status {
        StatusCode::OK => body["access"].as_str().unwrap().to_owned(),
        other => other.as_u16().to_string(),
    }
}

async fn create_doc(convener: &Api, space_id: &str, body: Value) -> (StatusCode, Value) {
    convener
        .post(&format!("/api/spaces/{space_id}/docs"), body)
        .await
}

#[tokio::test]
async fn a_section_is_written_by_the_body_that_keeps_it_and_read_by_everyone_else() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let (convener, space_id) = space(&server, &world).await;

    let (status, doc) = create_doc(
        &convener,
        &space_id,
        json!({ "title": "街道调查章节", "role": "section", "owner_org_id": world.org("township") }),
    )
    .await;

    assert_eq!(status, StatusCode::CREATED, "{doc}");
    assert_eq!(doc["role"], "section");
    assert_eq!(doc["owner_org_id"], world.org("township"));
    let doc = doc["doc_id"].as_str().unwrap();
    assert_eq!(access(&server, "township", doc).await, "write");
    assert_eq!(access(&server, "market", doc).await, "read");
    assert_eq!(access(&server, "police", doc).await, "read");
    assert_eq!(access(&server, "county-bureau", doc).await, "read");
    assert_eq!(access(&server, "sibling-bureau", doc).await, "404");
}

#[tokio::test]
async fn a_decision_is_written_by_the_convening_body_alone() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let (convener, space_id) = space(&server, &world).await;

    let (status, doc) = create_doc(
        &convener,
        &space_id,
        json!({ "title": "协调意见", "role": "decision" }),
    )
    .await;

    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let doc = doc["doc_id"].as_str().unwrap();
    assert_eq!(access(&server, "market", doc).await, "write");
    assert_eq!(access(&server, "township", doc).await, "read");
}

#[tokio::test]
async fn a_shared_document_is_written_by_every_convening_and_member_body_as_before() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let (convener, space_id) = space(&server, &world).await;

    let (status, doc) = create_doc(&convener, &space_id, json!({ "title": "会议纪要" })).await;

    assert_eq!(status, StatusCode::CREATED, "{doc}");
    assert_eq!(doc["role"], "shared");
    assert_eq!(doc["owner_org_id"], Value::Null);
    let doc = doc["doc_id"].as_str().unwrap();
    assert_eq!(access(&server, "market", doc).await, "write");
    assert_eq!(access(&server, "township", doc).await, "write");
    assert_eq!(access(&server, "police", doc).await, "read");
}

#[tokio::test]
async fn an_owner_is_required_for_a_section_must_take_part_and_is_refused_elsewhere() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let (convener, space_id) = space(&server, &world).await;
    let bad = [
        (
            json!({ "title": "无主章节", "role": "section" }),
            "owner_org_id",
        ),
        (
            json!({ "title": "列席单位陈述", "role": "statement", "owner_org_id": world.org("police") }),
            "convening or member",
        ),
        (
            json!({ "title": "共享文书", "role": "shared", "owner_org_id": world.org("township") }),
            "no owner",
        ),
        (json!({ "title": "未知", "role": "chapter" }), "role"),
    ];

    for (body, words) in bad {
        let (status, answer) = create_doc(&convener, &space_id, body.clone()).await;

        assert!(
            status == StatusCode::CONFLICT || status == StatusCode::BAD_REQUEST,
            "{body}: {status} {answer}"
        );
        assert!(message(&answer).contains(words), "{body}: {answer}");
    }
    let (status, docs) = convener.get(&format!("/api/spaces/{space_id}/docs")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(docs["docs"], json!([]), "nothing was stored");
}

#[tokio::test]
async fn the_list_of_spaces_is_narrowed_to_a_kind_when_asked() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let (_convener, space_id) = space(&server, &world).await;
    let township = Api::signed_in(&server, "township").await;

    let (status, meetings) = township.get("/api/spaces?kind=meeting").await;
    let (_, disputes) = township.get("/api/spaces?kind=dispute").await;
    let (bad, answer) = township.get("/api/spaces?kind=picnic").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(meetings["spaces"][0]["id"], space_id.as_str());
    assert_eq!(meetings["spaces"].as_array().unwrap().len(), 1);
    assert_eq!(disputes["spaces"], json!([]));
    assert_eq!(bad, StatusCode::BAD_REQUEST, "{answer}");
}
