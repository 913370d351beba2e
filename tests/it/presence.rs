//! Presence (y-protocols awareness) across reconnections, over real sockets: who may write a
//! client id's awareness entry (`collab::room::Room::apply_awareness`).

use std::time::Duration;

use serde_json::json;
use server::config::TicketAccess::{Read, Write};
use yrs::sync::Message;
use yrs::updates::encoder::Encode;

use crate::support::client::TestClient;
use crate::support::server::TestServer;

/// What a person at the other end waits for at most: presence back "at once".
const AT_ONCE: Duration = Duration::from_secs(2);

/// Sends back, from `echoer`, the awareness entry it holds for `client`, the way the stock
/// y-websocket provider echoes every awareness change it receives (a removal included).
fn echo(echoer: &TestClient, client: u64) {
    let frame = {
        let aw = echoer.awareness.lock().unwrap();
        let update = aw
            .update_with_clients([yrs::block::ClientID::new(client)])
            .unwrap();
        Message::Awareness(update).encode_v1()
    };
    echoer.send(frame);
}

#[tokio::test]
async fn a_person_who_reconnects_is_listed_again_at_once_though_others_echoed_their_removal() {
    let server = TestServer::start().await;
    let bob = TestClient::connect(&server.doc_url("back", "bob", Write)).await;
    let carol = TestClient::connect(&server.doc_url("back", "carol", Read)).await;
    let url = server.doc_url("back", "alice", Write);
    let alice = TestClient::connect_with(&url, yrs::Doc::with_client_id(4242)).await;
    alice.set_awareness(json!({ "cursor": 1 }));
    carol
        .wait_until("alice present", |c| c.peers().len() == 1)
        .await;
    bob.wait_until("alice present for bob", |c| c.peers().len() == 1)
        .await;

    // Alice's connection drops; the server removes her presence and tells the others. Bob's
    // client echoes the removal back, as y-websocket does with every awareness change.
    alice.close();
    alice.wait_closed().await;
    bob.wait_until("alice's removal reached bob", |c| c.peers().is_empty())
        .await;
    echo(&bob, 4242);
    bob.insert("after the echo;");
    carol.wait_text("after the echo;").await;
    assert!(carol.peers().is_empty(), "{:?}", carol.peers());

    // She comes back with the same Yjs client id and restates her presence with a newer
    // clock (the web client restates it twice on each reconnection).
    let alice = TestClient::connect_with(&url, yrs::Doc::with_client_id(4242)).await;
    alice.synced().await;
    for cursor in [2, 3, 4] {
        alice.set_awareness(json!({ "cursor": cursor }));
    }
    let listed = |c: &TestClient| {
        c.peers()
            .iter()
            .any(|(id, s)| *id == 4242 && s["user"]["id"] == "alice")
    };
    tokio::time::timeout(AT_ONCE, carol.wait_until("alice listed again", listed))
        .await
        .unwrap_or_else(|_| panic!("alice not listed within {AT_ONCE:?}: {:?}", carol.peers()));
    tokio::time::timeout(
        AT_ONCE,
        bob.wait_until("alice listed again for bob", listed),
    )
    .await
    .unwrap_or_else(|_| panic!("bob does not list alice: {:?}", bob.peers()));

    // And her renewals keep being accepted: the id is hers, not the echoer's.
    alice.set_awareness(json!({ "cursor": 5 }));
    carol
        .wait_until("alice's renewal", |c| {
            c.peers()
                .iter()
                .any(|(id, s)| *id == 4242 && s["cursor"] == 5)
        })
        .await;
}

#[tokio::test]
async fn an_older_socket_of_the_same_person_cannot_take_their_presence_back() {
    // A network drop: the browser reconnects at once, and the old socket's buffered frames
    // reach the server only afterwards, followed by its end.
    let server = TestServer::start().await;
    let observer = TestClient::connect(&server.doc_url("late", "bob", Write)).await;
    let url = server.doc_url("late", "alice", Write);
    let old = TestClient::connect_with(&url, yrs::Doc::with_client_id(4242)).await;
    old.set_awareness(json!({ "cursor": 1 }));
    observer
        .wait_until("alice present", |c| c.peers().len() == 1)
        .await;

    let new = TestClient::connect_with(&url, yrs::Doc::with_client_id(4242)).await;
    new.synced().await;
    for cursor in [2, 3] {
        new.set_awareness(json!({ "cursor": cursor }));
    }
    observer
        .wait_until("alice's presence from her new connection", |c| {
            c.peers()
                .iter()
                .any(|(id, s)| *id == 4242 && s["cursor"] == 3)
        })
        .await;

    // The old socket's late frames: a state, then its removal, then an edit as a sync point.
    old.set_awareness(json!({ "cursor": 9 }));
    echo(&old, 4242);
    {
        let mut aw = old.awareness.lock().unwrap();
        aw.clean_local_state();
    }
    echo(&old, 4242);
    old.insert("late;");
    observer.wait_text("late;").await;
    drop(old);
    crate::ops::wait_for_metric(
        &server,
        "concord_connections",
        "the old socket closed",
        |v| v == 2.0,
    )
    .await;
    new.insert("sync point;");
    observer
        .wait_until("the sync point", |c| c.text().contains("sync point;"))
        .await;

    let peers = observer.peers();
    assert!(
        peers.iter().any(|(id, s)| *id == 4242 && s["cursor"] == 3),
        "alice's presence from her new connection was lost: {peers:?}"
    );
}
