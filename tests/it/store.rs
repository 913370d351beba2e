//! The storage conformance suite: every document-storage behaviour, written once, checked
//! against a fresh SQLite file and a fresh PostgreSQL database.
//!
//! Each behaviour is an `async fn(Harness)` below; `conformance!` turns it into one test per
//! engine (`store::sqlite::…` and `store::postgres::…`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use collab::{DocId, DocStore, Principal, Snapshot, StoredDoc};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use server::db::{AuditEvent, Db, DbConfig, DbError, DocLog, SqliteSync};
use tempfile::TempDir;
use tokio::sync::Barrier;
use tokio::task::JoinSet;
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, Text, Transact, Update};

use crate::support::postgres::fresh_database_url;

/// One store under test: the database, the document log over it, and its commit histogram.
struct Harness {
    config: DbConfig,
    db: Db,
    log: Arc<DocLog>,
    registry: Registry,
    /// Keeps the SQLite data directory alive for as long as the test runs.
    dir: Option<TempDir>,
}

impl Harness {
    async fn sqlite() -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = DbConfig {
            url: None,
            // A directory that does not exist yet: connecting must create it.
            data_dir: dir.path().join("data"),
            sqlite_synchronous: SqliteSync::Normal,
        };
        Harness::open(config, Some(dir)).await
    }

    async fn postgres() -> Harness {
        let config = DbConfig {
            url: Some(fresh_database_url().await),
            data_dir: "unused-by-postgres".into(),
            sqlite_synchronous: SqliteSync::Normal,
        };
        Harness::open(config, None).await
    }

    async fn open(config: DbConfig, dir: Option<TempDir>) -> Harness {
        let db = Db::connect(&config).await.expect("connect");
        let histogram = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        let mut registry = Registry::default();
        registry.register(
            "doc_commit_seconds",
            "Duration of one group commit",
            histogram.clone(),
        );
        let log = Arc::new(DocLog::start(db.clone(), histogram));
        Harness {
            config,
            db,
            log,
            registry,
            dir,
        }
    }

    /// Shuts everything down and connects again to the same data.
    async fn reopen(self) -> Harness {
        self.log.shutdown().await;
        self.db.close().await;
        Harness::open(self.config, self.dir).await
    }

    /// Transactions the committer has run so far, read from the histogram's exposition.
    fn commits(&self) -> u64 {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry).expect("encode");
        text.lines()
            .find_map(|line| line.strip_prefix("doc_commit_seconds_count "))
            .expect("a _count line")
            .trim()
            .parse()
            .expect("a count")
    }
}

/// Generates, for each behaviour, one test per engine.
macro_rules! conformance {
    ($($behaviour:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $behaviour() {
                    super::$behaviour(super::Harness::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $behaviour() {
                    super::$behaviour(super::Harness::postgres().await).await;
                }
            )*
        }
    };
}

conformance!(
    loading_an_unknown_document_returns_nothing,
    appends_come_back_in_order_with_increasing_seqs,
    appends_to_two_documents_do_not_mix,
    compaction_returns_the_snapshot_and_only_later_updates,
    compaction_never_moves_the_snapshot_backwards,
    an_append_after_the_snapshot_was_computed_is_not_lost,
    appends_racing_compactions_are_never_lost,
    concurrent_appends_are_stored_exactly_once_in_fewer_commits,
    appends_and_the_servers_other_writes_take_turns_without_failing,
    every_update_records_its_author_and_organization,
    reopening_the_database_keeps_the_documents,
    shutdown_commits_every_accepted_append_and_refuses_later_ones,
    an_append_that_could_not_be_committed_is_reported_failed,
    ping_succeeds_on_a_live_database_and_fails_as_unavailable_once_closed,
);

// ---- behaviours ----

async fn loading_an_unknown_document_returns_nothing(h: Harness) {
    let stored = h.log.load(&doc("never-written")).await.unwrap();

    assert_eq!(stored, StoredDoc::default());
}

async fn appends_come_back_in_order_with_increasing_seqs(h: Harness) {
    let minutes = doc("minutes-1");
    let edits = typing("hello");

    let seqs = append_all(&h, &minutes, &edits).await;
    let stored = h.log.load(&minutes).await.unwrap();

    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seqs {seqs:?}");
    assert_eq!(stored.snapshot, None);
    assert_eq!(
        stored.updates.iter().map(|u| u.seq).collect::<Vec<_>>(),
        seqs
    );
    let data: Vec<&[u8]> = stored.updates.iter().map(|u| &u.data[..]).collect();
    assert_eq!(data, edits.iter().map(|e| &e[..]).collect::<Vec<_>>());
    assert_eq!(text_of(&stored), "hello");
}

async fn appends_to_two_documents_do_not_mix(h: Harness) {
    let (a, b) = (doc("doc-a"), doc("doc-b"));
    let (edits_a, edits_b) = (typing("abc"), typing("xyz"));

    for (ea, eb) in edits_a.iter().zip(&edits_b) {
        h.log.append(&a, ea.clone(), &alice()).await.unwrap();
        h.log.append(&b, eb.clone(), &bob()).await.unwrap();
    }
    let (stored_a, stored_b) = (h.log.load(&a).await.unwrap(), h.log.load(&b).await.unwrap());

    assert_eq!(stored_a.updates.len(), 3);
    assert_eq!(stored_b.updates.len(), 3);
    assert_eq!(text_of(&stored_a), "abc");
    assert_eq!(text_of(&stored_b), "xyz");
}

async fn compaction_returns_the_snapshot_and_only_later_updates(h: Harness) {
    let minutes = doc("minutes-1");
    let edits = typing("hello world");
    let seqs = append_all(&h, &minutes, &edits).await;
    let snapshot = merge(&edits[..5]);

    h.log
        .compact(&minutes, snapshot.clone(), seqs[4])
        .await
        .unwrap();
    let stored = h.log.load(&minutes).await.unwrap();

    assert_eq!(
        stored.snapshot,
        Some(Snapshot {
            data: snapshot,
            through_seq: seqs[4],
        })
    );
    assert_eq!(
        stored.updates.iter().map(|u| u.seq).collect::<Vec<_>>(),
        seqs[5..]
    );
    assert_eq!(text_of(&stored), "hello world");
}

async fn compaction_never_moves_the_snapshot_backwards(h: Harness) {
    let minutes = doc("minutes-1");
    let edits = typing("abcdef");
    let seqs = append_all(&h, &minutes, &edits).await;
    let full = merge(&edits);
    h.log
        .compact(&minutes, full.clone(), seqs[5])
        .await
        .unwrap();

    // A slower compaction that started earlier finishes last, and one that reaches exactly as
    // far arrives again: neither may replace what is stored.
    h.log
        .compact(&minutes, merge(&edits[..3]), seqs[2])
        .await
        .unwrap();
    h.log
        .compact(&minutes, merge(&edits[..1]), seqs[5])
        .await
        .unwrap();
    let stored = h.log.load(&minutes).await.unwrap();

    assert_eq!(
        stored.snapshot,
        Some(Snapshot {
            data: full,
            through_seq: seqs[5],
        })
    );
    assert!(stored.updates.is_empty());
    assert_eq!(text_of(&stored), "abcdef");
}

async fn an_append_after_the_snapshot_was_computed_is_not_lost(h: Harness) {
    let minutes = doc("minutes-1");
    let edits = typing("abc");
    append_all(&h, &minutes, &edits[..2]).await;
    let loaded = h.log.load(&minutes).await.unwrap();
    let (snapshot, through_seq) = snapshot_of(&loaded);

    let late_seq = h
        .log
        .append(&minutes, edits[2].clone(), &alice())
        .await
        .unwrap()
        .seq;
    h.log
        .compact(&minutes, snapshot, through_seq)
        .await
        .unwrap();
    let stored = h.log.load(&minutes).await.unwrap();

    assert_eq!(
        stored.updates.iter().map(|u| u.seq).collect::<Vec<_>>(),
        [late_seq]
    );
    assert_eq!(text_of(&stored), "abc");
}

async fn appends_racing_compactions_are_never_lost(h: Harness) {
    let minutes = doc("minutes-1");
    let text = "the quick brown fox jumps over the lazy dog";
    let edits = typing(text);

    let writer = {
        let (log, minutes, edits) = (h.log.clone(), minutes.clone(), edits.clone());
        tokio::spawn(async move {
            for edit in edits {
                log.append(&minutes, edit, &alice()).await.unwrap();
            }
        })
    };
    let compactor = {
        let (log, minutes) = (h.log.clone(), minutes.clone());
        tokio::spawn(async move {
            for _ in 0..30 {
                let loaded = log.load(&minutes).await.unwrap();
                if loaded.updates.is_empty() {
                    tokio::task::yield_now().await;
                    continue;
                }
                let (snapshot, through_seq) = snapshot_of(&loaded);
                log.compact(&minutes, snapshot, through_seq).await.unwrap();
            }
        })
    };
    writer.await.unwrap();
    compactor.await.unwrap();
    let stored = h.log.load(&minutes).await.unwrap();

    assert_eq!(text_of(&stored), text);
}

/// 200 appends released at once over four documents: each is stored exactly once under its
/// own seq, and appends that overlap share commits. Whether they overlap is up to the
/// scheduler: on SQLite the appending task commits synchronously on its own thread, so on a
/// machine starved by a parallel test run one burst can happen to commit one by one. So up to
/// five bursts run, each checked for exactly-once storage, and at least one must have shared
/// commits; a committer that never batches fails every burst.
async fn concurrent_appends_are_stored_exactly_once_in_fewer_commits(h: Harness) {
    const APPENDS: usize = 200;
    const BURSTS: usize = 5;
    let mut commits_per_burst = Vec::new();
    for burst in 0..BURSTS {
        let docs: Vec<DocId> = (0..4).map(|i| doc(&format!("doc-{burst}-{i}"))).collect();
        let before = h.commits();
        let start = Arc::new(Barrier::new(APPENDS));
        let mut tasks = JoinSet::new();
        for i in 0..APPENDS {
            let (log, start, target) = (h.log.clone(), start.clone(), docs[i % docs.len()].clone());
            tasks.spawn(async move {
                let data = Bytes::from(format!("update {burst}-{i}"));
                start.wait().await;
                let seq = log
                    .append(&target, data.clone(), &alice())
                    .await
                    .unwrap()
                    .seq;
                (seq, data)
            });
        }
        let acknowledged: HashMap<i64, Bytes> = tasks.join_all().await.into_iter().collect();
        let mut stored = HashMap::new();
        for target in &docs {
            for update in h.log.load(target).await.unwrap().updates {
                assert!(stored.insert(update.seq, update.data).is_none());
            }
        }
        assert_eq!(acknowledged.len(), APPENDS, "every seq is distinct");
        assert_eq!(stored.len(), APPENDS, "every update is stored once");
        for (seq, data) in &acknowledged {
            assert_eq!(stored.get(seq).map(|d| &d[..]), Some(&data[..]));
        }
        assert_eq!(h.log.queue_depth(), 0);
        let commits = h.commits() - before;
        commits_per_burst.push(commits);
        if commits < APPENDS as u64 {
            return;
        }
    }
    panic!("no burst of {APPENDS} appends shared a commit: {commits_per_burst:?} commits");
}

/// On SQLite the log writes through a connection of its own, beside the pool that every other
/// write uses: the two must wait for each other, never fail with "database is locked".
async fn appends_and_the_servers_other_writes_take_turns_without_failing(h: Harness) {
    const APPENDS: usize = 300;
    const SETTINGS: usize = 100;
    let minutes = doc("minutes-1");
    // One commit after another on each side, so that their transactions keep overlapping.
    let (log, target) = (h.log.clone(), minutes.clone());
    let appends = tokio::spawn(async move {
        for i in 0..APPENDS {
            log.append(&target, Bytes::from(format!("update {i}")), &alice())
                .await
                .unwrap_or_else(|e| panic!("append {i}: {e:?}"));
        }
    });
    let db = h.db.clone();
    let settings = tokio::spawn(async move {
        for i in 0..SETTINGS {
            db.set_setting(&format!("key-{i}"), "value", &setting_changed())
                .await
                .unwrap_or_else(|e| panic!("setting {i}: {e:?}"));
        }
    });

    appends.await.unwrap();
    settings.await.unwrap();
    assert_eq!(h.log.load(&minutes).await.unwrap().updates.len(), APPENDS);
    for i in [0, SETTINGS - 1] {
        let value = h.db.setting(&format!("key-{i}")).await.unwrap();
        assert_eq!(value.as_deref(), Some("value"));
    }
}

async fn every_update_records_its_author_and_organization(h: Harness) {
    let minutes = doc("minutes-1");
    let edits = typing("ab");
    let before = time::OffsetDateTime::now_utc() - Duration::from_secs(1);

    let first = h
        .log
        .append(&minutes, edits[0].clone(), &alice())
        .await
        .unwrap()
        .seq;
    let second = h
        .log
        .append(&minutes, edits[1].clone(), &bob())
        .await
        .unwrap()
        .seq;
    let authors = h.db.update_authors(&minutes).await.unwrap();
    let after = time::OffsetDateTime::now_utc() + Duration::from_secs(1);

    let who: Vec<(i64, &str, &str)> = authors
        .iter()
        .map(|a| (a.seq, a.user_id.as_str(), a.org_id.as_str()))
        .collect();
    assert_eq!(
        who,
        [(first, "alice", "court-7"), (second, "bob", "bureau-2")]
    );
    for author in &authors {
        assert!(
            before <= author.created_at && author.created_at <= after,
            "{} is not the commit time",
            author.created_at
        );
    }
    assert!(h.db.update_authors(&doc("other")).await.unwrap().is_empty());
}

async fn reopening_the_database_keeps_the_documents(h: Harness) {
    let minutes = doc("minutes-1");
    let edits = typing("keep me!");
    let seqs = append_all(&h, &minutes, &edits[..7]).await;
    h.log
        .compact(&minutes, merge(&edits[..3]), seqs[2])
        .await
        .unwrap();
    let before = h.log.load(&minutes).await.unwrap();

    let h = h.reopen().await;
    let after = h.log.load(&minutes).await.unwrap();
    let next = h
        .log
        .append(&minutes, edits[7].clone(), &alice())
        .await
        .unwrap()
        .seq;

    assert_eq!(after, before);
    assert!(next > *seqs.last().unwrap(), "a seq is never reused");
    assert_eq!(text_of(&h.log.load(&minutes).await.unwrap()), "keep me!");
}

async fn shutdown_commits_every_accepted_append_and_refuses_later_ones(h: Harness) {
    let minutes = doc("minutes-1");
    let mut tasks = JoinSet::new();
    for i in 0..100 {
        let (log, minutes) = (h.log.clone(), minutes.clone());
        tasks.spawn(async move {
            let data = Bytes::from(format!("update {i}"));
            let result = log.append(&minutes, data.clone(), &alice()).await;
            (data, result.ok().map(|at| at.seq))
        });
    }
    tokio::task::yield_now().await;

    h.log.shutdown().await;
    let results = tasks.join_all().await;
    let late = h
        .log
        .append(&minutes, Bytes::from_static(b"late"), &alice())
        .await;
    let stored: HashMap<Vec<u8>, i64> = h
        .log
        .load(&minutes)
        .await
        .unwrap()
        .updates
        .into_iter()
        .map(|u| (u.data, u.seq))
        .collect();

    assert!(late.is_err(), "an append after shutdown is refused");
    let accepted = results.iter().filter(|(_, seq)| seq.is_some()).count();
    assert_eq!(stored.len(), accepted);
    for (data, seq) in &results {
        assert_eq!(stored.get(&data[..]), seq.as_ref(), "{data:?}");
    }
}

async fn an_append_that_could_not_be_committed_is_reported_failed(h: Harness) {
    let minutes = doc("minutes-1");
    h.db.close().await;

    let result = h
        .log
        .append(&minutes, typing("x")[0].clone(), &alice())
        .await;

    assert!(result.is_err());
    let h = h.reopen().await;
    assert_eq!(h.log.load(&minutes).await.unwrap(), StoredDoc::default());
}

async fn ping_succeeds_on_a_live_database_and_fails_as_unavailable_once_closed(h: Harness) {
    h.db.ping().await.unwrap();

    h.log.shutdown().await;
    h.db.close().await;

    assert!(matches!(h.db.ping().await, Err(DbError::Unavailable(_))));
}

// ---- engine-specific behaviour ----

/// On PostgreSQL (the engine several nodes share) every append names its document's previous
/// seq, read under the commit lock: concurrent appends to one document form one chain, with
/// no two naming the same predecessor and none skipped, which other nodes follow to apply
/// updates in log order and to see what they missed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_appends_chain_each_document_to_its_previous_update() {
    let h = Harness::postgres().await;
    let docs = [doc("chain-a"), doc("chain-b")];
    let mut tasks = JoinSet::new();
    for i in 0..60 {
        let (log, target) = (h.log.clone(), docs[i % 2].clone());
        tasks.spawn(async move {
            let at = log
                .append(&target, Bytes::from(format!("u{i}")), &alice())
                .await
                .unwrap();
            (target, at)
        });
    }
    let placed = tasks.join_all().await;
    for target in &docs {
        let mut chain: Vec<(i64, i64)> = placed
            .iter()
            .filter(|(d, _)| d == target)
            .map(|(_, at)| (at.seq, at.prev.expect("PostgreSQL names the predecessor")))
            .collect();
        chain.sort_unstable();
        assert_eq!(chain.len(), 30);
        assert_eq!(chain[0].1, 0, "the first update has no predecessor");
        for pair in chain.windows(2) {
            assert_eq!(pair[1].1, pair[0].0, "each names the one before: {chain:?}");
        }
    }
    // After a compaction the chain goes on from the log, not from the snapshot.
    let stored = h.log.load(&docs[0]).await.unwrap();
    let last = stored.updates.last().unwrap().seq;
    h.log.compact(&docs[0], vec![0, 0], last).await.unwrap();
    let next = h
        .log
        .append(&docs[0], Bytes::from("after"), &alice())
        .await
        .unwrap();
    assert_eq!(next.prev, Some(last));
}

#[tokio::test]
async fn a_database_url_of_another_kind_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = DbConfig {
        url: Some("mysql://root@localhost/concord".into()),
        data_dir: dir.path().into(),
        sqlite_synchronous: SqliteSync::Full,
    };

    let result = Db::connect(&config).await;

    assert!(matches!(result, Err(DbError::Config(_))));
}

#[tokio::test]
async fn sqlite_keeps_its_file_in_the_data_directory_in_wal_mode() {
    let h = Harness::sqlite().await;
    let data_dir = h.config.data_dir.clone();
    h.log
        .append(&doc("d"), typing("x")[0].clone(), &alice())
        .await
        .unwrap();

    assert!(data_dir.join(server::db::SQLITE_FILE_NAME).is_file());
    assert!(data_dir.join("concord.db-wal").is_file());
}

// ---- helpers ----

fn doc(id: &str) -> DocId {
    DocId::parse(id).unwrap()
}

fn setting_changed() -> AuditEvent {
    AuditEvent {
        at: 1_767_225_600_000,
        actor_user_id: Some("tester".into()),
        actor_org_id: None,
        action: "setting_changed".into(),
        target: String::new(),
        detail: serde_json::json!({ "by": "test" }),
        ip: None,
    }
}

fn alice() -> Principal {
    Principal {
        user_id: "alice".into(),
        name: "Alice".into(),
        org: "court-7".into(),
    }
}

fn bob() -> Principal {
    Principal {
        user_id: "bob".into(),
        name: "Bob".into(),
        org: "bureau-2".into(),
    }
}

/// The v1 updates of someone typing `text` into the `body` text, one character per update.
fn typing(text: &str) -> Vec<Bytes> {
    let doc = Doc::new();
    let body = doc.get_or_insert_text("body");
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            let mut txn = doc.transact_mut();
            body.insert(&mut txn, i as u32, &c.to_string());
            Bytes::from(txn.encode_update_v1())
        })
        .collect()
}

/// Appends `edits` one after another, as one client would, and returns their seqs.
async fn append_all(h: &Harness, target: &DocId, edits: &[Bytes]) -> Vec<i64> {
    let mut seqs = Vec::new();
    for edit in edits {
        seqs.push(
            h.log
                .append(target, edit.clone(), &alice())
                .await
                .unwrap()
                .seq,
        );
    }
    seqs
}

fn merge(edits: &[Bytes]) -> Vec<u8> {
    yrs::merge_updates_v1(edits.iter().map(|e| &e[..])).unwrap()
}

/// What a compactor writes for `loaded`: everything merged, through the last seq it saw.
fn snapshot_of(loaded: &StoredDoc) -> (Vec<u8>, i64) {
    let parts = loaded
        .snapshot
        .iter()
        .map(|s| &s.data[..])
        .chain(loaded.updates.iter().map(|u| &u.data[..]));
    let through_seq = loaded.updates.last().map_or_else(
        || loaded.snapshot.as_ref().map_or(0, |s| s.through_seq),
        |u| u.seq,
    );
    (yrs::merge_updates_v1(parts).unwrap(), through_seq)
}

/// The `body` text of the document that `stored` rebuilds.
fn text_of(stored: &StoredDoc) -> String {
    let doc = Doc::new();
    let body = doc.get_or_insert_text("body");
    {
        let mut txn = doc.transact_mut();
        let parts = stored
            .snapshot
            .iter()
            .map(|s| &s.data[..])
            .chain(stored.updates.iter().map(|u| &u.data[..]));
        for part in parts {
            txn.apply_update(Update::decode_v1(part).unwrap()).unwrap();
        }
    }
    let text = body.get_string(&doc.transact());
    text
}
