//! The document update log, its snapshots, and the group commit of appends.
//!
//! [`DocLog`] implements [`collab::DocStore`]. Loads and compactions go straight to the
//! database; appends are grouped, so that one commit (one fsync) serves every update that
//! arrived while the previous one ran. How depends on the engine:
//!
//! - **SQLite: the appender commits.** [`DocLog::append`](collab::DocStore::append) queues the
//!   update, then tries to take the log's own write connection (a `rusqlite` connection, beside
//!   sqlx's pools). The task that gets it commits everything queued (up to [`MAX_BATCH`] per
//!   transaction, until the queue is empty) and answers each waiter; a task that finds it taken
//!   just waits for its answer, because the holder sees its update before letting go. An idle
//!   server thus commits a lone update on the appending task itself, with no hand-off to another
//!   task or thread: at low load those hand-offs (each a wake-up of a parked thread) cost more
//!   than the write. sqlx could not do this: every statement it runs on SQLite is a round trip
//!   to the connection's own worker thread.
//! - **PostgreSQL: one committer task.** It waits for the first queued update, takes everything
//!   else already queued, writes it all in one transaction and answers each waiter. The network
//!   round trip is the cost there, and one task keeps one connection busy at a time.
//!
//! There is no linger timer in either: a batch is whatever queued while the previous commit
//! ran.
//!
//! Every waiter of a batch hears the same outcome: if the commit fails, all get an error, so
//! nothing is ever reported stored that was not. (The reverse can happen: a connection lost
//! during `commit` may hide a commit that succeeded. Re-sending a CRDT update is harmless.)
//!
//! The log is never deleted from or rewritten; compaction only writes snapshots.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use bytes::Bytes;
use collab::{
    access::Principal,
    store::{Appended, DocId, DocStore, Snapshot, StoreError, StoredDoc, StoredUpdate},
};
use prometheus_client::metrics::histogram::Histogram;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::common::now_unix_ms;
use super::handle::Engine;
use super::sqlite_log::{answer, Pending, SqliteLogWriter, MAX_BATCH};
use super::{Db, DbError};

/// PostgreSQL: appends that may wait for the committer before `append` itself waits
/// (backpressure).
const QUEUE_CAPACITY: usize = 4 * MAX_BATCH;

/// Key of the PostgreSQL transaction advisory lock that serializes committers across nodes.
///
/// With several nodes, seqs taken from the sequence by two transactions could commit in the
/// other order: a reader could see seq 11 but not yet seq 10, compact through 11, and seq 10
/// would then hide under the snapshot forever. Taking this lock before allocating seqs and
/// holding it until commit makes seq order equal commit order. It costs one lock per batch,
/// not per update.
const PG_COMMIT_LOCK: i64 = 0x636f_6e63_6f72_6401; // "concord" + 1, in ASCII.

/// Who made one stored update and when: the audit view of a document's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateAuthor {
    pub seq: i64,
    /// The authenticated user that sent the update.
    pub user_id: String,
    /// The organization that user acted for.
    pub org_id: String,
    /// The server's clock when the update was committed, to the millisecond.
    pub created_at: time::OffsetDateTime,
}

/// Durable document storage with group commit. See the module docs.
///
/// Not `Clone`: share it in an `Arc`, so that there is exactly one committer.
pub struct DocLog {
    db: Db,
    commit: Commit,
    commit_seconds: Histogram,
}

/// How appends reach the database.
enum Commit {
    /// SQLite: whichever appending task finds the log's connection free commits.
    ByAppender(Arc<SqliteLogWriter>),
    /// PostgreSQL: a committer task.
    ByTask(Committer),
}

/// The PostgreSQL committer task and its queue.
struct Committer {
    queue: mpsc::Sender<Pending>,
    /// Tells the committer to stop accepting appends, commit what is queued, and exit.
    stop: CancellationToken,
    /// Taken by the first [`DocLog::shutdown`]. A std mutex: it is never held across an await.
    task: Mutex<Option<JoinHandle<()>>>,
}

impl DocLog {
    /// Prepares group commit for `db`'s engine (on PostgreSQL, starts the committer task on the
    /// current Tokio runtime).
    ///
    /// `commit_seconds` receives the duration of every batch's transaction, successful or not;
    /// the caller owns its registration and buckets.
    pub fn start(db: Db, commit_seconds: Histogram) -> DocLog {
        let commit = match &db.engine {
            Engine::Sqlite { log_writer, .. } => Commit::ByAppender(Arc::clone(log_writer)),
            Engine::Postgres(pool) => {
                let (queue, pending) = mpsc::channel(QUEUE_CAPACITY);
                let stop = CancellationToken::new();
                let task = tokio::spawn(run_committer(
                    pool.clone(),
                    pending,
                    stop.clone(),
                    commit_seconds.clone(),
                ));
                Commit::ByTask(Committer {
                    queue,
                    stop,
                    task: Mutex::new(Some(task)),
                })
            }
        };
        DocLog {
            db,
            commit,
            commit_seconds,
        }
    }

    /// Appends waiting to be committed right now (for a gauge).
    pub fn queue_depth(&self) -> usize {
        match &self.commit {
            Commit::ByAppender(writer) => writer.queued(),
            Commit::ByTask(committer) => {
                committer.queue.max_capacity() - committer.queue.capacity()
            }
        }
    }

    /// Stops accepting appends, commits everything already queued, and waits until it is
    /// committed. Later appends fail with [`DbError::ShutDown`]. Takes `&self` because the log
    /// is shared in an `Arc` by every room; calling it twice is harmless.
    pub async fn shutdown(&self) {
        match &self.commit {
            Commit::ByAppender(writer) => writer.close(Some(&self.commit_seconds)).await,
            Commit::ByTask(committer) => {
                committer.stop.cancel();
                let task = committer.task.lock().expect("poisoned").take();
                if let Some(task) = task {
                    if let Err(err) = task.await {
                        tracing::error!(error = %err, "document log committer panicked");
                    }
                }
            }
        }
    }
}

impl Drop for DocLog {
    // Without this, a PostgreSQL committer would live as long as the runtime when `shutdown`
    // was not called. Both still commit what is queued.
    fn drop(&mut self) {
        match &self.commit {
            Commit::ByAppender(writer) => writer.close_now(Some(&self.commit_seconds)),
            Commit::ByTask(committer) => committer.stop.cancel(),
        }
    }
}

#[async_trait]
impl DocStore for DocLog {
    async fn load(&self, doc: &DocId) -> Result<StoredDoc, StoreError> {
        self.db.load(doc).await.map_err(StoreError::new)
    }

    async fn append(
        &self,
        doc: &DocId,
        update: Bytes,
        author: &Principal,
    ) -> Result<Appended, StoreError> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            doc_id: doc.as_str().to_owned(),
            data: update,
            user_id: author.user_id.clone(),
            org_id: author.org.clone(),
            reply,
        };
        match &self.commit {
            Commit::ByAppender(writer) => {
                writer.enqueue(pending)?;
                writer.commit_queued(Some(&self.commit_seconds)).await;
            }
            Commit::ByTask(committer) => committer
                .queue
                .send(pending)
                .await
                .map_err(|_| StoreError::new(DbError::ShutDown))?,
        }
        // A dropped reply means the committer is gone without answering (it panicked).
        answer
            .await
            .unwrap_or_else(|_| Err(StoreError::new(DbError::ShutDown)))
    }

    async fn compact(
        &self,
        doc: &DocId,
        snapshot: Vec<u8>,
        through_seq: i64,
    ) -> Result<(), StoreError> {
        self.db
            .compact(doc, &snapshot, through_seq)
            .await
            .map_err(StoreError::new)
    }
}

/// The PostgreSQL committer task: one per [`DocLog`].
async fn run_committer(
    pool: PgPool,
    mut pending: mpsc::Receiver<Pending>,
    stop: CancellationToken,
    commit_seconds: Histogram,
) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    loop {
        let first = tokio::select! {
            first = pending.recv() => first,
            () = stop.cancelled() => {
                // Refuse new appends, then keep draining: `recv` yields what is queued and
                // then `None`.
                pending.close();
                pending.recv().await
            }
        };
        let Some(first) = first else { break };
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match pending.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }

        let started = Instant::now();
        let result = insert_postgres(&pool, &batch).await;
        commit_seconds.observe(started.elapsed().as_secs_f64());
        answer(std::mem::take(&mut batch), result);
    }
    tracing::debug!("document log committer stopped");
}

/// Writes one batch in one transaction and returns each update's place in the log (its seq
/// and its document's previous seq, read under the commit lock so the chain is exact), in
/// the batch's order.
async fn insert_postgres(pool: &PgPool, batch: &[Pending]) -> Result<Vec<Appended>, DbError> {
    // One timestamp for the batch: its updates commit together.
    let now_ms = now_unix_ms();
    let mut tx = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(PG_COMMIT_LOCK)
        .execute(&mut *tx)
        .await?;
    // Allocate the seqs first and insert them explicitly: one round trip for the whole batch,
    // and each row's seq is known without trusting `returning` order.
    let mut seqs: Vec<i64> = sqlx::query_scalar(
        "select nextval(pg_get_serial_sequence('doc_updates', 'seq'))
         from generate_series(1, $1)",
    )
    .bind(i32::try_from(batch.len()).expect("a batch is at most MAX_BATCH"))
    .fetch_all(&mut *tx)
    .await?;
    seqs.sort_unstable();
    // Each document's last seq before this batch: other nodes follow the chain from it.
    let mut docs: Vec<&str> = batch.iter().map(|u| u.doc_id.as_str()).collect();
    docs.sort_unstable();
    docs.dedup();
    let lasts: Vec<(String, i64)> = sqlx::query_as(
        "select d.doc_id, coalesce((select max(seq) from doc_updates u where u.doc_id = d.doc_id), 0)
         from unnest($1::text[]) as d (doc_id)",
    )
    .bind(&docs)
    .fetch_all(&mut *tx)
    .await?;
    let mut last: std::collections::HashMap<String, i64> = lasts.into_iter().collect();
    let placed: Vec<Appended> = batch
        .iter()
        .zip(&seqs)
        .map(|(u, &seq)| {
            let prev = last.insert(u.doc_id.clone(), seq).unwrap_or(0);
            Appended {
                seq,
                prev: Some(prev),
            }
        })
        .collect();
    sqlx::query(
        "insert into doc_updates (seq, doc_id, data, user_id, org_id, created_at)
         select u.seq, u.doc_id, u.data, u.user_id, u.org_id,
                to_timestamp($6::double precision / 1000)
         from unnest($1::bigint[], $2::text[], $3::bytea[], $4::text[], $5::text[])
              as u (seq, doc_id, data, user_id, org_id)",
    )
    .bind(&seqs)
    .bind(batch.iter().map(|u| u.doc_id.as_str()).collect::<Vec<_>>())
    .bind(batch.iter().map(|u| &u.data[..]).collect::<Vec<_>>())
    .bind(batch.iter().map(|u| u.user_id.as_str()).collect::<Vec<_>>())
    .bind(batch.iter().map(|u| u.org_id.as_str()).collect::<Vec<_>>())
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(placed)
}

impl Db {
    /// Reads a document's snapshot and the log after it.
    ///
    /// Two statements without a shared transaction is still consistent: the snapshot is read
    /// first, and the log only grows, so the second read sees at least every update the
    /// snapshot lacks. (A compaction in between only means replaying a few merged updates,
    /// which CRDTs ignore.)
    async fn load(&self, doc: &DocId) -> Result<StoredDoc, DbError> {
        let doc_id = doc.as_str();
        let (snapshot, updates) = match &self.engine {
            Engine::Sqlite { readers, .. } => {
                let snapshot: Option<(Vec<u8>, i64)> =
                    sqlx::query_as("select data, through_seq from doc_snapshots where doc_id = ?")
                        .bind(doc_id)
                        .fetch_optional(readers)
                        .await?;
                let after = snapshot.as_ref().map_or(0, |s| s.1);
                let updates: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                    "select seq, data from doc_updates
                     where doc_id = ? and seq > ?
                     order by seq",
                )
                .bind(doc_id)
                .bind(after)
                .fetch_all(readers)
                .await?;
                (snapshot, updates)
            }
            Engine::Postgres(pool) => {
                let snapshot: Option<(Vec<u8>, i64)> =
                    sqlx::query_as("select data, through_seq from doc_snapshots where doc_id = $1")
                        .bind(doc_id)
                        .fetch_optional(pool)
                        .await?;
                let after = snapshot.as_ref().map_or(0, |s| s.1);
                let updates: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                    "select seq, data from doc_updates
                     where doc_id = $1 and seq > $2
                     order by seq",
                )
                .bind(doc_id)
                .bind(after)
                .fetch_all(pool)
                .await?;
                (snapshot, updates)
            }
        };
        Ok(StoredDoc {
            snapshot: snapshot.map(|(data, through_seq)| Snapshot { data, through_seq }),
            updates: updates
                .into_iter()
                .map(|(seq, data)| StoredUpdate { seq, data })
                .collect(),
        })
    }

    /// Stores `snapshot` unless the stored one already reaches as far: racing compactions can
    /// never move a document's snapshot backwards. Log rows are left alone.
    async fn compact(&self, doc: &DocId, snapshot: &[u8], through_seq: i64) -> Result<(), DbError> {
        let now_ms = now_unix_ms();
        match &self.engine {
            Engine::Sqlite { writer, .. } => {
                sqlx::query(
                    "insert into doc_snapshots (doc_id, data, through_seq, compacted_at)
                     values (?, ?, ?, ?)
                     on conflict (doc_id) do update
                     set data = excluded.data,
                         through_seq = excluded.through_seq,
                         compacted_at = excluded.compacted_at
                     where doc_snapshots.through_seq < excluded.through_seq",
                )
                .bind(doc.as_str())
                .bind(snapshot)
                .bind(through_seq)
                .bind(now_ms)
                .execute(writer)
                .await?;
            }
            Engine::Postgres(pool) => {
                sqlx::query(
                    "insert into doc_snapshots (doc_id, data, through_seq, compacted_at)
                     values ($1, $2, $3, to_timestamp($4::double precision / 1000))
                     on conflict (doc_id) do update
                     set data = excluded.data,
                         through_seq = excluded.through_seq,
                         compacted_at = excluded.compacted_at
                     where doc_snapshots.through_seq < excluded.through_seq",
                )
                .bind(doc.as_str())
                .bind(snapshot)
                .bind(through_seq)
                .bind(now_ms)
                .execute(pool)
                .await?;
            }
        }
        Ok(())
    }

    /// Who made each of a document's logged updates and when, in seq order (for audit).
    pub async fn update_authors(&self, doc: &DocId) -> Result<Vec<UpdateAuthor>, DbError> {
        let rows: Vec<(i64, String, String, i64)> = match &self.engine {
            Engine::Sqlite { readers, .. } => {
                sqlx::query_as(
                    "select seq, user_id, org_id, created_at from doc_updates
                     where doc_id = ?
                     order by seq",
                )
                .bind(doc.as_str())
                .fetch_all(readers)
                .await?
            }
            Engine::Postgres(pool) => {
                sqlx::query_as(
                    "select seq, user_id, org_id,
                            round(extract(epoch from created_at) * 1000)::bigint
                     from doc_updates
                     where doc_id = $1
                     order by seq",
                )
                .bind(doc.as_str())
                .fetch_all(pool)
                .await?
            }
        };
        rows.into_iter()
            .map(|(seq, user_id, org_id, created_ms)| {
                let created_at = time::OffsetDateTime::from_unix_timestamp_nanos(
                    i128::from(created_ms) * 1_000_000,
                )
                .map_err(|err| DbError::Other(sqlx::Error::Decode(Box::new(err))))?;
                Ok(UpdateAuthor {
                    seq,
                    user_id,
                    org_id,
                    created_at,
                })
            })
            .collect()
    }
}
