//! The REST contract: the OpenAPI document the server describes (generated from its handlers
//! and their request and response types) is the one committed as `docs/openapi.json`, and the
//! one it serves at `GET /api/openapi.json`.
//!
//! When a change to the API is meant, regenerate the file and commit it with the change:
//!
//! ```sh
//! UPDATE_OPENAPI=1 cargo test -p tests --test it openapi
//! ```
//!
//! (the web client's types are generated from it in turn: `web/src/lib/generated/`).

use crate::support::server::{workspace_root, TestServer};

fn committed_path() -> std::path::PathBuf {
    workspace_root().join("docs/openapi.json")
}

/// Where two texts first differ, as "line N: committed … / described …", for the message.
fn first_difference(committed: &str, described: &str) -> String {
    for (n, (a, b)) in committed.lines().zip(described.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  committed: {a}\n  described: {b}", n + 1);
        }
    }
    format!(
        "the committed file has {} lines, the described document {}",
        committed.lines().count(),
        described.lines().count()
    )
}

#[test]
fn the_committed_openapi_document_is_the_one_the_server_describes() {
    let described = server::http::openapi_json();
    let path = committed_path();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &described).expect("docs/openapi.json is writable");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();

    assert!(
        committed == described,
        "docs/openapi.json is not what the server describes ({}); if the API change is meant, \
         run `UPDATE_OPENAPI=1 cargo test -p tests --test it openapi` and commit the file",
        first_difference(&committed, &described)
    );
}

#[tokio::test]
async fn the_server_serves_its_openapi_document_as_json() {
    let server = TestServer::start().await;

    let response = reqwest::get(format!("http://{}/api/openapi.json", server.addr))
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "the document is served as JSON"
    );
    let served = response.text().await.unwrap();
    assert_eq!(served, server::http::openapi_json());
    let document: serde_json::Value = serde_json::from_str(&served).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
}
