//! Bad input gets a clear refusal and changes nothing stored; the room keeps serving others.

use std::time::Duration;

use futures_util::StreamExt;
use server::config::TicketAccess::{Read, Write};
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::encoder::Encode;
use yrs::{Text, Transact};

use crate::support::client::{TestClient, TEXT};
use crate::support::http;
use crate::support::server::{Options, TestServer};

/// A room with one committed edit, a bystander, and a client about to misbehave.
async fn room_with_text(server: &TestServer, doc: &str) -> (TestClient, TestClient) {
    let bystander = TestClient::connect(&server.doc_url(doc, "alice", Write)).await;
    bystander.insert("kept;");
    bystander
        .wait_until("echo", |c| c.seen().updates == 1)
        .await;
    let culprit = TestClient::connect(&server.doc_url(doc, "mallory", Write)).await;
    culprit.wait_text("kept;").await;
    (bystander, culprit)
}

/// The room still works for the bystander and storage holds exactly `expected`.
async fn still_serving(server: &TestServer, doc: &str, bystander: &TestClient, expected: &str) {
    let other = TestClient::connect(&server.doc_url(doc, "bob", Write)).await;
    other.synced().await;
    assert_eq!(other.text(), expected, "what a fresh client loads");
    other.insert("after;");
    bystander
        .wait_until("edits keep flowing", |c| c.text().contains("after;"))
        .await;
}

fn update_frame(update: Vec<u8>) -> Vec<u8> {
    Message::Sync(SyncMessage::Update(update)).encode_v1()
}

#[tokio::test]
async fn a_corrupt_update_closes_its_client_with_4402_and_changes_nothing() {
    let server = TestServer::start().await;
    let (bystander, culprit) = room_with_text(&server, "corrupt").await;

    culprit.send(update_frame(vec![1, 2, 3, 255, 255, 255, 255]));

    let closed = culprit.wait_closed().await;
    assert_eq!(closed.code, collab::close_code::CORRUPT_UPDATE);
    assert!(
        closed.reason.contains("update does not decode"),
        "{closed:?}"
    );
    still_serving(&server, "corrupt", &bystander, "kept;").await;
}

#[tokio::test]
async fn an_unknown_message_type_closes_with_4404() {
    let server = TestServer::start().await;
    let (bystander, culprit) = room_with_text(&server, "unknown").await;

    culprit.send(vec![42, 1, 0]);

    let closed = culprit.wait_closed().await;
    assert_eq!(closed.code, collab::close_code::UNKNOWN_MESSAGE);
    assert_eq!(closed.reason, "unknown message type 42");
    still_serving(&server, "unknown", &bystander, "kept;").await;
}

#[tokio::test]
async fn a_frame_cut_short_closes_with_4400_and_applies_nothing_of_it() {
    let server = TestServer::start().await;
    let (bystander, culprit) = room_with_text(&server, "cut").await;
    // A whole, valid update followed by half of another: the frame is refused as a whole.
    let doc = yrs::Doc::new();
    let text = doc.get_or_insert_text(TEXT);
    let update = {
        let mut txn = doc.transact_mut();
        text.insert(&mut txn, 0, "never;");
        txn.encode_update_v1()
    };
    let mut frame = update_frame(update.clone());
    let second = update_frame(update);
    frame.extend_from_slice(&second[..second.len() / 2]);

    culprit.send(frame);

    let closed = culprit.wait_closed().await;
    assert_eq!(closed.code, collab::close_code::MALFORMED);
    still_serving(&server, "cut", &bystander, "kept;").await;
}

#[tokio::test]
async fn an_unknown_sync_step_and_a_text_frame_close_with_4400() {
    let server = TestServer::start().await;
    let (bystander, culprit) = room_with_text(&server, "steps").await;
    culprit.send(vec![0, 7, 0]);
    assert_eq!(
        culprit.wait_closed().await.code,
        collab::close_code::MALFORMED
    );

    let texter = TestClient::connect(&server.doc_url("steps", "eve", Write)).await;
    texter.send_text_frame("hello");
    let closed = texter.wait_closed().await;
    assert_eq!(closed.code, collab::close_code::MALFORMED);
    assert!(closed.reason.contains("text frames"));
    still_serving(&server, "steps", &bystander, "kept;").await;
}

#[tokio::test]
async fn an_oversized_frame_closes_with_1009_and_changes_nothing() {
    let mut options = Options::default();
    options.limits.max_frame_bytes = 16 * 1024;
    let server = TestServer::start_with(options).await;
    let (bystander, culprit) = room_with_text(&server, "big").await;

    culprit.insert(&"x".repeat(20 * 1024));

    let closed = culprit.wait_closed().await;
    assert_eq!(closed.code, 1009);
    assert!(
        closed.reason.contains("exceeds the limit of 16384 bytes"),
        "{closed:?}"
    );
    still_serving(&server, "big", &bystander, "kept;").await;
}

#[tokio::test]
async fn an_oversized_text_frame_closes_with_1009_like_a_binary_one() {
    let mut options = Options::default();
    options.limits.max_frame_bytes = 16 * 1024;
    let server = TestServer::start_with(options).await;
    let (bystander, _writer) = room_with_text(&server, "big-text").await;

    let texter = TestClient::connect(&server.doc_url("big-text", "eve", Write)).await;
    texter.send_text_frame(&"x".repeat(20 * 1024));

    let closed = texter.wait_closed().await;
    assert_eq!(closed.code, 1009, "{closed:?}");
    assert!(
        closed.reason.contains("exceeds the limit of 16384 bytes"),
        "{closed:?}"
    );
    still_serving(&server, "big-text", &bystander, "kept;").await;
}

#[tokio::test]
async fn a_frame_far_beyond_the_limit_is_also_refused_with_1009() {
    let mut options = Options::default();
    options.limits.max_frame_bytes = 16 * 1024;
    let server = TestServer::start_with(options).await;
    let (bystander, culprit) = room_with_text(&server, "huge").await;

    culprit.insert(&"x".repeat(200 * 1024));

    assert_eq!(culprit.wait_closed().await.code, 1009);
    still_serving(&server, "huge", &bystander, "kept;").await;
}

#[tokio::test]
async fn an_update_past_the_document_size_limit_closes_with_4413() {
    let mut options = Options::default();
    options.limits.max_doc_bytes = 4096;
    let server = TestServer::start_with(options).await;
    let (bystander, culprit) = room_with_text(&server, "full").await;

    culprit.insert(&"y".repeat(5000));

    let closed = culprit.wait_closed().await;
    assert_eq!(closed.code, collab::close_code::DOCUMENT_TOO_LARGE);
    assert!(closed.reason.contains("4096"));
    still_serving(&server, "full", &bystander, "kept;").await;
}

/// Two updates from one offline client: the second depends on the first.
fn dependent_updates(second_len: usize) -> (Vec<u8>, Vec<u8>) {
    let doc = yrs::Doc::new();
    let text = doc.get_or_insert_text(TEXT);
    let first = {
        let mut txn = doc.transact_mut();
        text.insert(&mut txn, 0, "first;");
        txn.encode_update_v1()
    };
    let second = {
        let mut txn = doc.transact_mut();
        text.insert(&mut txn, 6, &"s".repeat(second_len));
        txn.encode_update_v1()
    };
    (first, second)
}

#[tokio::test]
async fn an_update_waiting_for_its_predecessor_is_kept_and_applied_when_it_arrives() {
    let server = TestServer::start().await;
    let (bystander, culprit) = room_with_text(&server, "gap").await;
    let (first, second) = dependent_updates(10);

    culprit.send(update_frame(second));
    culprit.send(update_frame(first));

    bystander
        .wait_until("both updates", |c| c.text().contains("first;ssssssssss"))
        .await;
    assert!(culprit.seen().closed.is_none());
}

#[tokio::test]
async fn too_many_pending_updates_close_with_4429() {
    let mut options = Options::default();
    options.limits.max_pending_bytes = 1024;
    let server = TestServer::start_with(options).await;
    let (bystander, culprit) = room_with_text(&server, "pending").await;
    let (_first, second) = dependent_updates(2000);

    culprit.send(update_frame(second));

    let closed = culprit.wait_closed().await;
    assert_eq!(closed.code, collab::close_code::TOO_MANY_PENDING);
    still_serving(&server, "pending", &bystander, "kept;").await;
}

#[tokio::test]
async fn a_client_that_does_not_read_is_closed_as_a_slow_consumer() {
    let mut options = Options::default();
    options.limits.client_queue = 8;
    let server = TestServer::start_with(options).await;
    let writer = TestClient::connect(&server.doc_url("slow", "alice", Write)).await;
    writer.synced().await;
    // A raw socket that reads nothing while the writer floods the room.
    let (mut slow, _) = tokio_tungstenite::connect_async(server.doc_url("slow", "sloth", Read))
        .await
        .unwrap();

    let chunk = "z".repeat(32 * 1024);
    for _ in 0..400 {
        writer.insert(&chunk);
    }
    writer
        .wait_until("all echoes", |c| c.seen().updates == 400)
        .await;

    // Now read: what was buffered, then the close.
    let mut close = None;
    while let Ok(Some(frame)) = tokio::time::timeout(Duration::from_secs(10), slow.next()).await {
        match frame {
            Ok(WsMessage::Close(frame)) => {
                close = frame;
                break;
            }
            Ok(_) => {}
            Err(e) => panic!("socket failed before a close frame: {e}"),
        }
    }
    let close = close.expect("a close frame");
    assert_eq!(u16::from(close.code), collab::close_code::SLOW_CONSUMER);
    assert!(close.reason.contains("reconnect"));
    // The writer was never affected.
    assert!(writer.seen().closed.is_none());
}

async fn refused(url: &str) -> (u16, serde_json::Value) {
    match tokio_tungstenite::connect_async(url).await {
        Err(tungstenite::Error::Http(response)) => {
            let body = response.body().clone().unwrap_or_default();
            (
                response.status().as_u16(),
                serde_json::from_slice(&body).expect("a JSON error body"),
            )
        }
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected an HTTP refusal, but the upgrade was accepted"),
    }
}

#[tokio::test]
async fn an_upgrade_without_credentials_or_a_valid_ticket_is_refused_with_401_and_a_reason() {
    let server = TestServer::start().await;
    let base = format!("ws://{}/ws/docs/doc1", server.addr);

    let (status, body) = refused(&base).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthenticated");
    // A client that names no language reads Chinese, with the catalogue's code beside it.
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("请先登录，或在地址后附上票据 ?ticket="));
    assert_eq!(body["error"]["reason"], "auth.sign_in_or_ticket");

    let (status, body) = refused(&format!("{base}?ticket=not-a-ticket")).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["message"], "票据格式有误");

    let other_doc = server.ticket("doc2", "alice", Write);
    let (status, body) = refused(&format!("{base}?ticket={other_doc}")).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["message"], "该票据用于另一份文档");

    let foreign = server::auth::TicketKey::load(
        Some("a-different-secret-of-32-bytes-xx"),
        server.data_dir.path(),
    )
    .unwrap();
    let forged = crate::support::server::issue(&foreign, "doc1", "alice", Write);
    let (status, body) = refused(&format!("{base}?ticket={forged}")).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["message"], "票据的签名无效");
}

#[tokio::test]
async fn an_expired_ticket_is_refused() {
    let server = TestServer::start().await;
    let key = server::auth::TicketKey::load(None, server.data_dir.path()).unwrap();
    let expired = key.issue(&server::auth::ticket::Claims {
        doc: "doc1".into(),
        user: "alice".into(),
        name: "alice".into(),
        org: "org".into(),
        access: Write,
        exp: server::auth::ticket::unix_now() - 1,
        via: None,
    });
    let (status, body) = refused(&format!(
        "ws://{}/ws/docs/doc1?ticket={expired}",
        server.addr
    ))
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["message"], "票据已过期，请重新获取");
    assert_eq!(body["error"]["reason"], "auth.ticket_expired");
}

#[tokio::test]
async fn a_bad_document_id_or_a_plain_get_is_a_400_that_says_why() {
    let server = TestServer::start().await;
    let (status, body) = http::get(server.addr, "/ws/docs/bad%20id").await;
    assert_eq!(status, 400);
    assert!(body.contains("document id"), "{body}");

    let ticket = server.ticket("doc1", "alice", Write);
    let (status, body) = http::get(server.addr, &format!("/ws/docs/doc1?ticket={ticket}")).await;
    assert_eq!(status, 400);
    assert!(body.contains("WebSocket"), "{body}");
}
