//! Durability: the real `concord` binary is killed with SIGKILL while several clients write and
//! others watch, ten times over one data directory, and after each restart must still hold
//! every edit that any client saw and every edit the server acknowledged as stored.
//!
//! After each kill a fresh client reads the document first, before the old writers reconnect:
//! they would send back what the server lost, and hide it.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Duration;

use server::auth::TicketKey;
use server::config::TicketAccess::{self, Read, Write};

use crate::support::client::TestClient;
use crate::support::postgres;
use crate::support::server::{issue, ChildServer};

const CYCLES: usize = 10;
const WRITERS: usize = 3;
const OBSERVERS: usize = 2;
/// How long the writers write before the kill, each cycle.
const WRITING: Duration = Duration::from_millis(400);
/// Edits of a cycle an observer must have seen before the kill (unless WRITING_AT_MOST passed).
const SEEN_BEFORE_KILL: usize = 60;
const WRITING_AT_MOST: Duration = Duration::from_secs(15);

/// One writer's edits, in the order sent, and which of them the server acknowledged.
struct Writer {
    doc: yrs::Doc,
    /// Every token this writer sent, in order.
    sent: Vec<String>,
    /// For each sync step 1 sent this cycle (the connect's first), how many tokens had been
    /// sent before it: its answer acknowledges those sent this cycle. (Earlier cycles' tokens
    /// the writer sends again on reconnect are not counted: they go in answer to the server's
    /// own step 1, in no order this test can rely on.)
    asked_at: Vec<usize>,
}

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split_terminator(';')
}

async fn no_seen_or_acknowledged_edit_is_lost_over_kills(database_url: Option<String>) {
    let data_dir = tempfile::tempdir().unwrap();
    let mut writers: Vec<Writer> = (0..WRITERS)
        .map(|_| Writer {
            doc: yrs::Doc::new(),
            sent: Vec::new(),
            asked_at: Vec::new(),
        })
        .collect();
    // Every edit some client saw or the server acknowledged, up to now.
    let mut must_survive: HashSet<String> = HashSet::new();
    let mut acknowledged_total = 0;

    for cycle in 0..CYCLES {
        let server = ChildServer::start(data_dir.path(), database_url.as_deref()).await;
        let key = TicketKey::load(None, data_dir.path()).unwrap();
        let url = |addr: SocketAddr, user: &str, access: TicketAccess| {
            format!(
                "ws://{addr}/ws/docs/crash?ticket={}",
                issue(&key, "crash", user, access)
            )
        };

        // The fresh reader, before anyone who could re-send lost edits is back.
        let fresh = TestClient::connect(&url(server.addr, &format!("auditor{cycle}"), Read)).await;
        fresh.synced().await;
        let stored_text = fresh.text();
        let stored: HashSet<&str> = tokens(&stored_text).collect();
        let lost: Vec<&String> = must_survive
            .iter()
            .filter(|t| !stored.contains(t.as_str()))
            .collect();
        assert!(
            lost.is_empty(),
            "after kill {cycle}, {} of {} edits that were seen or acknowledged are gone: {:?}",
            lost.len(),
            must_survive.len(),
            &lost[..lost.len().min(5)]
        );
        drop(fresh);
        if cycle == CYCLES - 1 {
            server.kill().await;
            break;
        }

        // The writers come back with what they hold (their `doc` is the client's document:
        // what they type and receive stays in it), as a reopened tab would; observers join.
        let mut clients = Vec::new();
        for (w, writer) in writers.iter_mut().enumerate() {
            let client = TestClient::connect_with(
                &url(server.addr, &format!("writer{w}"), Write),
                writer.doc.clone(),
            )
            .await;
            writer.asked_at = vec![writer.sent.len()];
            clients.push(client);
        }
        let mut observers = Vec::new();
        for o in 0..OBSERVERS {
            observers
                .push(TestClient::connect(&url(server.addr, &format!("observer{o}"), Read)).await);
        }
        for client in clients.iter().chain(&observers) {
            client.synced().await;
        }

        // Write continuously, asking now and then whether it is stored, and kill in the middle.
        let writing = async {
            for n in 0.. {
                for (w, (writer, client)) in writers.iter_mut().zip(&clients).enumerate() {
                    let token = format!("c{cycle}w{w}n{n}");
                    client.insert(&format!("{token};"));
                    writer.sent.push(token);
                    if n % 8 == 7 {
                        writer.asked_at.push(writer.sent.len());
                        client.ask_saved();
                    }
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        };
        // At least WRITING, and on until an observer has seen this cycle's edits (bounded): on
        // a loaded machine the server serves fewer of them in the same time, and a kill before
        // any were seen would test nothing.
        let mut writing = Box::pin(writing);
        let started = tokio::time::Instant::now();
        loop {
            tokio::select! {
                () = &mut writing => unreachable!("the writers write until the kill"),
                () = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
            let this_cycle = format!("c{cycle}w");
            let seen = tokens(&observers[0].text())
                .filter(|t| t.starts_with(&this_cycle))
                .count();
            let elapsed = started.elapsed();
            if (elapsed >= WRITING && seen >= SEEN_BEFORE_KILL) || elapsed >= WRITING_AT_MOST {
                break;
            }
        }
        drop(writing);
        server.kill().await;

        for observer in &observers {
            observer.wait_closed().await;
            must_survive.extend(tokens(&observer.text()).map(str::to_owned));
        }
        for (writer, client) in writers.iter().zip(&clients) {
            client.wait_closed().await;
            let answers = client.seen().answers as usize;
            // The connect's step 1 is answered too; the n-th answer covers asked_at[n - 1].
            assert!(
                (1..=writer.asked_at.len()).contains(&answers),
                "{answers} answers to {} sync step 1s",
                writer.asked_at.len()
            );
            let start = writer.asked_at[0];
            let covered = writer.asked_at[answers - 1];
            acknowledged_total += covered - start;
            must_survive.extend(writer.sent[start..covered].iter().cloned());
        }
        assert!(
            must_survive.len() > 50 * (cycle + 1),
            "the clients saw real traffic before kill {cycle} ({} edits in all)",
            must_survive.len()
        );
    }
    assert!(
        acknowledged_total > 0,
        "the server acknowledged some edits as stored over {CYCLES} cycles"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_loses_no_seen_or_acknowledged_edit_over_ten_kills() {
    no_seen_or_acknowledged_edit_is_lost_over_kills(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_loses_no_seen_or_acknowledged_edit_over_ten_kills() {
    no_seen_or_acknowledged_edit_is_lost_over_kills(Some(postgres::fresh_database_url().await))
        .await;
}
