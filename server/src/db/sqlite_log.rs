//! SQLite: the document log's own write connection, and the appends queued for it.
//!
//! `doc_log.rs` says why appends on SQLite are committed by the appending task on a
//! `rusqlite` connection of their own; this module is that connection, its queue and how a
//! batch is written. It lives in the [`Db`](super::Db) (opened with its pools, closed with
//! them), so that every [`DocLog`](super::DocLog) on one database shares one queue.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use collab::store::{Appended, StoreError};
use prometheus_client::metrics::histogram::Histogram;
use tokio::sync::oneshot;

use super::common::now_unix_ms;
use super::DbError;

/// How long a SQLite connection waits for another writer (another process, such as
/// `concord migrate`) before giving up with "database is locked".
pub(super) const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Most updates written in one transaction. Bounds the size of one statement and how long one
/// commit can keep the next batch waiting.
pub(super) const MAX_BATCH: usize = 512;

/// How SQLite commits reach the disk. Both use the write-ahead log (WAL).
///
/// The default is `Full`: an edit a participant saw must survive a power cut too. Measured on
/// the 2-core benchmark machine (BENCHMARKS.md), `Full` costs about 0.3 ms per edit at low load
/// and a third of peak write throughput (24k instead of 35k updates/s).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SqliteSync {
    /// `synchronous=NORMAL`: a commit survives the process being killed, but the last commits
    /// before a power loss or OS crash may be lost. For storage that cannot lose power.
    Normal,
    /// `synchronous=FULL`: every commit is fsynced and survives power loss.
    #[default]
    Full,
}

/// One update waiting to be committed.
pub(super) struct Pending {
    pub(super) doc_id: String,
    pub(super) data: Bytes,
    pub(super) user_id: String,
    pub(super) org_id: String,
    pub(super) reply: oneshot::Sender<Result<Appended, StoreError>>,
}

/// SQLite: the connection that writes `doc_updates`, and the appends waiting for it.
///
/// Lives in the [`Db`] (opened with its pools, after the migrations, and closed with them) so
/// that every [`DocLog`] on one database shares one queue: a second queue would hold appends
/// that the holder of the connection never looks at.
pub(super) struct SqliteLogWriter {
    /// Held only while a batch is written, never across an await. `None` once closed.
    connection: Mutex<Option<rusqlite::Connection>>,
    queue: Mutex<Queue>,
}

struct Queue {
    /// Unbounded, yet small: an appender waits for its answer, and a session sends its next
    /// update only after that, so there is at most one entry per writing session.
    waiting: Vec<Pending>,
    /// Set by [`SqliteLogWriter::close`]: appends are refused from then on.
    closed: bool,
}

impl SqliteLogWriter {
    /// Opens the log's write connection to the (already migrated, already WAL) file at `path`.
    pub(super) fn open(path: &Path, sync: SqliteSync) -> Result<SqliteLogWriter, DbError> {
        let connection = rusqlite::Connection::open(path).map_err(DbError::Sqlite)?;
        connection
            .busy_timeout(Duration::ZERO)
            .map_err(DbError::Sqlite)?;
        let synchronous = match sync {
            SqliteSync::Normal => "normal",
            SqliteSync::Full => "full",
        };
        connection
            .pragma_update(None, "synchronous", synchronous)
            .map_err(DbError::Sqlite)?;
        Ok(SqliteLogWriter {
            connection: Mutex::new(Some(connection)),
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                closed: false,
            }),
        })
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        // Nothing that can panic runs under this lock; recover rather than refuse to go on.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn queued(&self) -> usize {
        self.queue().waiting.len()
    }

    pub(super) fn enqueue(&self, pending: Pending) -> Result<(), StoreError> {
        let mut queue = self.queue();
        if queue.closed {
            return Err(StoreError::new(DbError::ShutDown));
        }
        queue.waiting.push(pending);
        Ok(())
    }

    /// Commits everything queued, unless another task holds the connection: then that task
    /// commits it, because it looks at the queue again after letting go.
    ///
    /// While another writer (sqlx's, or another process) holds SQLite's write lock, this waits
    /// here, asynchronously, and tries again; never in SQLite's busy handler, which would hold
    /// a runtime thread that the other writer's transaction may need in order to finish. After
    /// [`SQLITE_BUSY_TIMEOUT`] the batch fails, as a busy timeout would.
    pub(super) async fn commit_queued(&self, commit_seconds: Option<&Histogram>) {
        let started = Instant::now();
        loop {
            let give_up = started.elapsed() >= SQLITE_BUSY_TIMEOUT;
            match self.take_turn(commit_seconds, give_up) {
                Turn::Done => return,
                Turn::Busy => tokio::time::sleep(BUSY_RETRY).await,
            }
        }
    }

    fn take_turn(&self, commit_seconds: Option<&Histogram>, give_up: bool) -> Turn {
        loop {
            let connection = match self.connection.try_lock() {
                Ok(connection) => connection,
                // A panic while writing may have left its transaction open; `insert_sqlite`
                // rolls that back first. The connection itself is fine.
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => return Turn::Done,
            };
            let turn = self.commit_while_queued(connection.as_ref(), commit_seconds, give_up);
            drop(connection);
            if let Turn::Busy = turn {
                return Turn::Busy;
            }
            // An append queued after the last look but before the unlock found the connection
            // taken and relies on this look.
            if self.queue().waiting.is_empty() {
                return Turn::Done;
            }
        }
    }

    /// Commits batches until the queue is empty, or until SQLite is busy: then the batch goes
    /// back to the front of the queue (unless `give_up`, when it fails).
    fn commit_while_queued(
        &self,
        connection: Option<&rusqlite::Connection>,
        commit_seconds: Option<&Histogram>,
        give_up: bool,
    ) -> Turn {
        loop {
            let batch: Vec<Pending> = {
                let mut queue = self.queue();
                let n = queue.waiting.len().min(MAX_BATCH);
                queue.waiting.drain(..n).collect()
            };
            if batch.is_empty() {
                return Turn::Done;
            }
            let Some(connection) = connection else {
                answer(batch, Err(DbError::ShutDown));
                continue;
            };
            let started = Instant::now();
            let result = insert_sqlite(connection, &batch);
            if let Some(histogram) = commit_seconds {
                histogram.observe(started.elapsed().as_secs_f64());
            }
            match result {
                Err(err) if is_busy(&err) && !give_up => {
                    self.queue().waiting.splice(0..0, batch);
                    return Turn::Busy;
                }
                // One node alone writes an SQLite file: nobody follows the chain.
                result => answer(
                    batch,
                    result
                        .map(|seqs| {
                            seqs.into_iter()
                                .map(|seq| Appended { seq, prev: None })
                                .collect()
                        })
                        .map_err(DbError::Sqlite),
                ),
            }
        }
    }

    /// Refuses further appends, commits what is queued (waiting for a commit under way, and
    /// for another writer's lock as an append would), and closes the connection. Calling it
    /// again does nothing.
    pub(super) async fn close(&self, commit_seconds: Option<&Histogram>) {
        self.queue().closed = true;
        self.commit_queued(commit_seconds).await;
        self.close_now(commit_seconds);
    }

    /// [`SqliteLogWriter::close`] where nothing can be awaited (`Drop`): what is queued gets
    /// one try, failing if another writer holds SQLite's lock.
    pub(super) fn close_now(&self, commit_seconds: Option<&Histogram>) {
        self.queue().closed = true;
        let mut connection = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        self.commit_while_queued(connection.as_ref(), commit_seconds, true);
        drop(connection.take());
    }
}

/// What one turn at the log's connection ended with.
enum Turn {
    /// The queue was empty when last looked at, or another task holds the connection.
    Done,
    /// Another writer holds SQLite's write lock; what was taken is back in the queue.
    Busy,
}

/// How long an appender waits before trying SQLite's write lock again.
const BUSY_RETRY: Duration = Duration::from_millis(1);

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Writes one batch in one transaction and returns the seqs in the batch's order.
fn insert_sqlite(
    connection: &rusqlite::Connection,
    batch: &[Pending],
) -> rusqlite::Result<Vec<i64>> {
    // A panic in an earlier batch may have left its transaction open.
    if !connection.is_autocommit() {
        connection.execute_batch("rollback")?;
    }
    // IMMEDIATE, like every write transaction here: it waits (up to the busy timeout) for the
    // sqlx writer or another process instead of failing on a stale snapshot. The statements
    // are prepared once and cached: parsing `begin` and `commit` every time was a fifth of a
    // lone update's commit.
    connection.prepare_cached("begin immediate")?.execute([])?;
    let written = insert_rows(connection, batch).and_then(|seqs| {
        connection
            .prepare_cached("commit")?
            .execute([])
            .map(|_| seqs)
    });
    if written.is_err() && !connection.is_autocommit() {
        // The error being reported matters more than one from rolling back.
        let _ = connection.execute_batch("rollback");
    }
    written
}

fn insert_rows(connection: &rusqlite::Connection, batch: &[Pending]) -> rusqlite::Result<Vec<i64>> {
    // One timestamp for the batch: its updates commit together.
    let now_ms = now_unix_ms();
    let mut insert = connection.prepare_cached(
        "insert into doc_updates (doc_id, data, user_id, org_id, created_at)
         values (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut seqs = Vec::with_capacity(batch.len());
    for update in batch {
        insert.execute((
            &update.doc_id,
            &update.data[..],
            &update.user_id,
            &update.org_id,
            now_ms,
        ))?;
        // `seq` is the rowid.
        seqs.push(connection.last_insert_rowid());
    }
    Ok(seqs)
}

/// Tells every waiter of a batch its outcome: its place in the log, or the batch's error.
pub(super) fn answer(batch: Vec<Pending>, result: Result<Vec<Appended>, DbError>) {
    match result {
        Ok(seqs) => {
            for (waiter, seq) in batch.into_iter().zip(seqs) {
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
            for waiter in batch {
                let _ = waiter.reply.send(Err(StoreError::new(Arc::clone(&err))));
            }
        }
    }
}
