//! The document update log, its snapshots, and the committer that groups appends.
//!
//! [`DocLog`] implements [`collab::DocStore`]. Loads and compactions go straight to the
//! database; appends go through one committer task:
//!
//! 1. [`DocLog::append`](collab::DocStore::append) puts the update and a reply channel on a
//!    bounded queue and waits for the reply.
//! 2. The committer waits for the first queued update, then takes everything else already queued
//!    (up to [`MAX_BATCH`]) and writes it all in one transaction, then answers each waiter with
//!    its seq.
//!
//! There is no linger timer: a batch is whatever queued while the previous commit ran. An idle
//! server commits a lone update at once; a busy one shares each commit among many updates.
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
    store::{DocId, DocStore, Snapshot, StoreError, StoredDoc, StoredUpdate},
};
use prometheus_client::metrics::histogram::Histogram;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{now_unix_ms, Db, DbError, Engine};

/// Most updates written in one transaction. Bounds the size of one statement and how long one
/// commit can keep the next batch waiting.
const MAX_BATCH: usize = 512;

/// Appends that may wait for the committer before `append` itself waits (backpressure).
const QUEUE_CAPACITY: usize = 4 * MAX_BATCH;

/// Key of the PostgreSQL transaction advisory lock that serializes committers across nodes.
///
/// With several nodes, seqs taken from the sequence by two transactions could commit in the
/// other order: a reader could see seq 11 but not yet seq 10, compact through 11, and seq 10
/// would then hide under the snapshot forever. Taking this lock before allocating seqs and
/// holding it until commit makes seq order equal commit order. It costs one lock per batch,
/// not per update.
const PG_COMMIT_LOCK: i64 = 0x636f_6e63_6f72_6401; // "concord" + 1, in ASCII.

/// One update waiting for the committer.
struct Pending {
    doc_id: String,
    data: Bytes,
    user_id: String,
    org_id: String,
    reply: oneshot::Sender<Result<i64, StoreError>>,
}

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
    queue: mpsc::Sender<Pending>,
    /// Tells the committer to stop accepting appends, commit what is queued, and exit.
    stop: CancellationToken,
    /// Taken by the first [`DocLog::shutdown`]. A std mutex: it is never held across an await.
    committer: Mutex<Option<JoinHandle<()>>>,
}

impl DocLog {
    /// Starts the committer task on the current Tokio runtime.
    ///
    /// `commit_seconds` receives the duration of every batch's transaction, successful or not;
    /// the caller owns its registration and buckets.
    pub fn start(db: Db, commit_seconds: Histogram) -> DocLog {
        let (queue, pending) = mpsc::channel(QUEUE_CAPACITY);
        let stop = CancellationToken::new();
        let committer = tokio::spawn(run_committer(
            db.clone(),
            pending,
            stop.clone(),
            commit_seconds,
        ));
        DocLog {
            db,
            queue,
            stop,
            committer: Mutex::new(Some(committer)),
        }
    }

    /// Appends waiting for the committer right now (for a gauge).
    pub fn queue_depth(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Stops accepting appends, commits everything already queued, and waits for the committer
    /// to exit. Later appends fail with [`DbError::ShutDown`]. Takes `&self` because the log is
    /// shared in an `Arc` by every room; calling it twice is harmless.
    pub async fn shutdown(&self) {
        self.stop.cancel();
        let committer = self.committer.lock().expect("poisoned").take();
        if let Some(committer) = committer {
            if let Err(err) = committer.await {
                tracing::error!(error = %err, "document log committer panicked");
            }
        }
    }
}

impl Drop for DocLog {
    // Without this, the committer would live as long as the runtime when `shutdown` was not
    // called. It still commits what is queued before exiting.
    fn drop(&mut self) {
        self.stop.cancel();
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
    ) -> Result<i64, StoreError> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            doc_id: doc.as_str().to_owned(),
            data: update,
            user_id: author.user_id.clone(),
            org_id: author.org.clone(),
            reply,
        };
        self.queue
            .send(pending)
            .await
            .map_err(|_| StoreError::new(DbError::ShutDown))?;
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

/// The committer task: one per [`DocLog`], the only writer of `doc_updates`.
async fn run_committer(
    db: Db,
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
        let result = db.insert_updates(&batch).await;
        commit_seconds.observe(started.elapsed().as_secs_f64());

        match result {
            Ok(seqs) => {
                for (waiter, seq) in batch.drain(..).zip(seqs) {
                    // A waiter that gave up still had its update stored; nothing to undo.
                    let _ = waiter.reply.send(Ok(seq));
                }
            }
            Err(err) => {
                tracing::error!(
                    error = %err,
                    cause = ?std::error::Error::source(&err),
                    updates = batch.len(),
                    "committing document updates failed"
                );
                let err = Arc::new(err);
                for waiter in batch.drain(..) {
                    let _ = waiter.reply.send(Err(StoreError::new(Arc::clone(&err))));
                }
            }
        }
    }
    tracing::debug!("document log committer stopped");
}

impl Db {
    /// Writes one batch in one transaction and returns the seqs in the batch's order.
    async fn insert_updates(&self, batch: &[Pending]) -> Result<Vec<i64>, DbError> {
        // One timestamp for the batch: its updates commit together.
        let now_ms = now_unix_ms();
        match &self.engine {
            Engine::Sqlite { writer, .. } => {
                // One multi-row statement in autocommit: atomic like a transaction, and a
                // single round trip to sqlx's SQLite worker thread instead of one per row plus
                // begin and commit. The committer is the only writer, so the rows get
                // consecutive seqs in the order of `values`; sorting the returned seqs
                // matches them to the batch without trusting the order of `returning`.
                let mut sql = String::from(
                    "insert into doc_updates (doc_id, data, user_id, org_id, created_at) values ",
                );
                for i in 0..batch.len() {
                    sql.push_str(if i == 0 {
                        "(?, ?, ?, ?, ?)"
                    } else {
                        ", (?, ?, ?, ?, ?)"
                    });
                }
                sql.push_str(" returning seq");
                let mut query = sqlx::query_scalar::<_, i64>(&sql);
                for update in batch {
                    query = query
                        .bind(&update.doc_id)
                        .bind(&update.data[..])
                        .bind(&update.user_id)
                        .bind(&update.org_id)
                        .bind(now_ms);
                }
                let mut seqs = query.fetch_all(writer).await?;
                seqs.sort_unstable();
                Ok(seqs)
            }
            Engine::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("select pg_advisory_xact_lock($1)")
                    .bind(PG_COMMIT_LOCK)
                    .execute(&mut *tx)
                    .await?;
                // Allocate the seqs first and insert them explicitly: one round trip for the
                // whole batch, and each row's seq is known without trusting `returning` order.
                let mut seqs: Vec<i64> = sqlx::query_scalar(
                    "select nextval(pg_get_serial_sequence('doc_updates', 'seq'))
                     from generate_series(1, $1)",
                )
                .bind(i32::try_from(batch.len()).expect("a batch is at most MAX_BATCH"))
                .fetch_all(&mut *tx)
                .await?;
                seqs.sort_unstable();
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
                Ok(seqs)
            }
        }
    }

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
