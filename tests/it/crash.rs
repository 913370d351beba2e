//! Durability: the real `concord` binary is killed with SIGKILL while clients write, restarted,
//! and must still hold every update that any other client had received.

use std::time::Duration;

use server::auth::TicketKey;
use server::config::TicketAccess::{Read, Write};

use crate::support::client::TestClient;
use crate::support::postgres;
use crate::support::server::{issue, ChildServer};

async fn every_update_another_client_saw_survives_a_kill(database_url: Option<String>) {
    let data_dir = tempfile::tempdir().unwrap();
    let server = ChildServer::start(data_dir.path(), database_url.as_deref()).await;
    let key = TicketKey::load(None, data_dir.path()).unwrap();
    let url = |addr: std::net::SocketAddr, user: &str, access| {
        format!(
            "ws://{addr}/ws/docs/crash?ticket={}",
            issue(&key, "crash", user, access)
        )
    };
    let observer = TestClient::connect(&url(server.addr, "observer", Read)).await;
    let writers: Vec<TestClient> = {
        let mut v = Vec::new();
        for w in 0..3 {
            v.push(TestClient::connect(&url(server.addr, &format!("writer{w}"), Write)).await);
        }
        v
    };
    observer.synced().await;

    // Write continuously, then kill in the middle of it.
    let writing = async {
        for n in 0.. {
            for (w, writer) in writers.iter().enumerate() {
                writer.insert(&format!("w{w}.{n};"));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(1500), writing).await;
    server.kill().await;
    observer.wait_closed().await;
    let seen = observer.text();
    let seen_tokens: Vec<&str> = seen.split_terminator(';').collect();
    assert!(
        seen_tokens.len() > 50,
        "the observer saw real traffic before the kill ({} edits)",
        seen_tokens.len()
    );

    let restarted = ChildServer::start(data_dir.path(), database_url.as_deref()).await;
    let after = TestClient::connect(&url(restarted.addr, "auditor", Read)).await;
    after.synced().await;
    let stored = after.text();
    let stored_tokens: std::collections::HashSet<&str> = stored.split_terminator(';').collect();
    let lost: Vec<&&str> = seen_tokens
        .iter()
        .filter(|t| !stored_tokens.contains(**t))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} edits the observer saw were lost: {:?}",
        lost.len(),
        seen_tokens.len(),
        &lost[..lost.len().min(5)]
    );
    restarted.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_update_another_client_saw_through_a_kill() {
    every_update_another_client_saw_survives_a_kill(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_update_another_client_saw_through_a_kill() {
    every_update_another_client_saw_survives_a_kill(Some(postgres::fresh_database_url().await))
        .await;
}
