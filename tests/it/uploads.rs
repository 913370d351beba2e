//! Uploads (evidence files, bundles to verify): the target is checked before the body is
//! read, and only so many are received at once.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::api::{Api, World};
use crate::support::http;
use crate::support::server::{Options, TestServer};
use crate::tasks::{new_task, send_bytes};

/// An id in the form the server gives out that names nothing.
const UNKNOWN_ID: &str = "5f0c3a52-9d1e-4c43-8f57-3b4a1c2d9e01";

/// Starts `POST path` as `api` would, declaring a body of `declared` bytes but sending only
/// the first `sent` of them.
async fn start_upload(
    server: &TestServer,
    api: &Api,
    path: &str,
    declared: usize,
    sent: usize,
) -> TcpStream {
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nCookie: {}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {declared}\r\n\r\n",
        server.addr,
        api.origin.as_deref().unwrap(),
        api.cookie_header().unwrap(),
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&vec![b'x'; sent]).await.unwrap();
    tcp
}

/// The status line and what follows, if the server answers within `wait`.
async fn answer_within(tcp: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(wait, tcp.read(&mut buf))
        .await
        .ok()?
        .ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("metric {name} missing from:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_attachment_to_an_unknown_task_is_refused_before_its_file_is_sent() {
    let server = TestServer::start().await;
    World::build(&server).await;
    let api = Api::signed_in(&server, "township").await;
    let path = format!("/api/tasks/{UNKNOWN_ID}/attachments?name=a.pdf");

    // 10 MiB declared, 1 KiB sent: the answer must not wait for the rest.
    let mut tcp = start_upload(&server, &api, &path, 10 * 1024 * 1024, 1024).await;
    let answer = answer_within(&mut tcp, Duration::from_secs(3)).await;

    let answer = answer.expect("an answer before the body is sent");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    // A raw client names no language: the answer is in Chinese, with the catalogue's code.
    assert!(answer.contains("没有这个任务"), "{answer}");
    assert!(answer.contains("\"reason\":\"not_found.task\""), "{answer}");
}

#[tokio::test]
async fn uploads_past_the_concurrent_limit_are_refused_until_one_ends() {
    let mut options = Options::default();
    options.connections.max_concurrent_uploads = 1;
    let server = TestServer::start_with(options).await;
    let world = World::build(&server).await;
    let setter = Api::signed_in(&server, "market").await;
    let task = new_task(&setter, world.org("township"), json!({})).await;
    let path = format!(
        "/api/tasks/{}/attachments?name=a.pdf",
        task["id"].as_str().unwrap()
    );
    let (declared, sent) = (64 * 1024, 1024);
    let mut first = start_upload(&server, &setter, &path, declared, sent).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let small = || {
        send_bytes(
            &setter,
            Method::POST,
            &path,
            Some("application/pdf"),
            vec![1; 10],
        )
    };
    let (status, body) = small().await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "too_many_requests", "{body}");
    let (_, text) = http::get(server.addr, "/metrics").await;
    assert_eq!(metric(&text, "concord_uploads_in_progress"), 1.0);
    assert_eq!(metric(&text, "concord_uploads_refused_total"), 1.0);

    first.write_all(&vec![b'x'; declared - sent]).await.unwrap();
    let answer = answer_within(&mut first, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let (status, body) = small().await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, text) = http::get(server.addr, "/metrics").await;
    assert_eq!(metric(&text, "concord_uploads_in_progress"), 0.0);
}
