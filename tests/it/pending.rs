//! Updates whose predecessors are missing: parked with the session that sent them, never
//! stored as part of the document, and a document that an older version stored them in is
//! repaired when it is loaded.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use collab::{DocId, DocStore, Principal, StoredDoc};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use server::config::TicketAccess::Write;
use server::db::{Db, DbConfig, DocLog, SqliteSync};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, GetString, ReadTxn, Text, Transact, Update};

use crate::support::client::{TestClient, TEXT};
use crate::support::server::{Options, TestServer};

fn update_frame(update: Vec<u8>) -> Vec<u8> {
    Message::Sync(SyncMessage::Update(update)).encode_v1()
}

/// Two updates of one fresh client, the second inserting `second_len` bytes after the first.
fn dependent_updates(second_len: usize) -> (Vec<u8>, Vec<u8>) {
    let doc = Doc::new();
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

/// Runs `f` on the document log of a stopped server's SQLite data directory.
async fn with_log<T>(dir: &Path, f: impl AsyncFnOnce(&DocLog) -> T) -> T {
    let config = DbConfig {
        url: None,
        data_dir: dir.to_path_buf(),
        sqlite_synchronous: SqliteSync::Normal,
    };
    let db = Db::connect(&config).await.expect("connect");
    let log = Arc::new(DocLog::start(
        db.clone(),
        Histogram::new(exponential_buckets(0.0001, 2.0, 4)),
    ));
    let out = f(&log).await;
    log.shutdown().await;
    db.close().await;
    out
}

/// The document as a fresh load rebuilds it, and whether anything is left pending.
fn rebuild(stored: &StoredDoc) -> (String, bool) {
    let doc = Doc::new();
    let text = doc.get_or_insert_text(TEXT);
    let mut txn = doc.transact_mut();
    let parts = stored
        .snapshot
        .iter()
        .map(|s| &s.data)
        .chain(stored.updates.iter().map(|u| &u.data));
    for data in parts {
        txn.apply_update(Update::decode_v1(data).unwrap()).unwrap();
    }
    let pending = txn.store().pending_update().is_some() || txn.store().pending_ds().is_some();
    (text.get_string(&txn), pending)
}

fn small_pending_limit() -> Options {
    let mut options = Options::default();
    options.limits.max_pending_bytes = 1024;
    options
}

#[tokio::test]
async fn an_update_waiting_for_predecessors_is_parked_not_stored() {
    let server = TestServer::start().await;
    let culprit = TestClient::connect(&server.doc_url("parked", "mallory", Write)).await;
    culprit.synced().await;
    let (_first, second) = dependent_updates(10);

    culprit.send(update_frame(second));
    // A frame after it on the same socket: once its echo is back, the first was handled.
    culprit.insert("own;");
    culprit
        .wait_until("an echo", |c| c.seen().updates >= 1)
        .await;
    assert!(culprit.seen().closed.is_none());
    drop(culprit);
    let dir = server.stop().await;

    let stored = with_log(dir.path(), async |log| {
        log.load(&DocId::parse("parked").unwrap()).await.unwrap()
    })
    .await;
    assert_eq!(stored.updates.len(), 1, "only the update that integrated");
    assert_eq!(rebuild(&stored), ("own;".to_owned(), false));
}

#[tokio::test]
async fn a_parked_update_is_applied_when_another_client_sends_its_predecessor() {
    let server = TestServer::start().await;
    let bystander = TestClient::connect(&server.doc_url("relay", "alice", Write)).await;
    let tab_two = TestClient::connect(&server.doc_url("relay", "mallory", Write)).await;
    let tab_one = TestClient::connect(&server.doc_url("relay", "mallory", Write)).await;
    for c in [&bystander, &tab_one, &tab_two] {
        c.synced().await;
    }
    // Tab two edited on top of tab one's edit (shared between tabs locally), and its update
    // reaches the server first.
    let (first, second) = dependent_updates(10);

    tab_two.send(update_frame(second));
    tab_one.send(update_frame(first));

    bystander
        .wait_until("both edits", |c| c.text() == "first;ssssssssss")
        .await;
    assert!(tab_two.seen().closed.is_none());
    let dir = server.stop().await;
    let stored = with_log(dir.path(), async |log| {
        log.load(&DocId::parse("relay").unwrap()).await.unwrap()
    })
    .await;
    assert_eq!(rebuild(&stored), ("first;ssssssssss".to_owned(), false));
}

#[tokio::test]
async fn a_document_poisoned_by_stored_pending_updates_is_repaired_at_load() {
    // Arrange: an acknowledged edit, then (by hand, as an older version stored them) three
    // updates whose predecessors never came: more than the pending limit together.
    let server = TestServer::start_with(small_pending_limit()).await;
    let alice = TestClient::connect(&server.doc_url("poisoned", "alice", Write)).await;
    alice.insert("kept;");
    alice.wait_until("echo", |c| c.seen().updates == 1).await;
    drop(alice);
    let dir = server.stop().await;
    let doc = DocId::parse("poisoned").unwrap();
    let mallory = Principal {
        user_id: "mallory".into(),
        name: "Mallory".into(),
        org: "none".into(),
    };
    with_log(dir.path(), async |log| {
        for _ in 0..3 {
            let (_first, second) = dependent_updates(600);
            log.append(&doc, Bytes::from(second), &mallory)
                .await
                .unwrap();
        }
        let (_, pending) = rebuild(&log.load(&doc).await.unwrap());
        assert!(pending, "the document is poisoned");
    })
    .await;

    // Act: after a restart, a fresh client's out-of-order update, then its predecessor.
    let server = TestServer::start_in(dir, small_pending_limit()).await;
    let bob = TestClient::connect(&server.doc_url("poisoned", "bob", Write)).await;
    bob.synced().await;
    assert_eq!(bob.text(), "kept;", "nothing of the pending rows shows");
    let (first, second) = dependent_updates(10);
    bob.send(update_frame(second));
    bob.send(update_frame(first));

    // Assert: accepted as on a clean document, nothing acknowledged lost, and the stored
    // document loads clean (the repair wrote a snapshot).
    bob.wait_until("both edits", |c| c.text().contains("first;ssssssssss"))
        .await;
    assert!(bob.seen().closed.is_none(), "{:?}", bob.seen().closed);
    assert!(bob.text().contains("kept;"));
    drop(bob);
    let dir = server.stop().await;
    let stored = with_log(dir.path(), async |log| log.load(&doc).await.unwrap()).await;
    assert!(
        stored.snapshot.is_some(),
        "the repair compacted the document"
    );
    let (text, pending) = rebuild(&stored);
    assert!(!pending, "nothing pending after the repair");
    assert!(
        text.contains("kept;") && text.contains("first;ssssssssss"),
        "{text}"
    );
}
