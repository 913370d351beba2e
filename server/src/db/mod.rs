//! All SQL lives here: the rest of the server calls typed functions and never names a pool.
//!
//! # Why a module of its own
//!
//! - **Two engines.** SQLite (a file under the data directory, the default, no set-up) and
//!   PostgreSQL (selected by a `postgres://` URL, for deployments that run several nodes). The
//!   document log's queries are written once per engine, side by side; the identity queries
//!   use only SQL both engines read alike, so each is written once and compiled for both (see
//!   `identity.rs`). Conformance suites (`tests/it/store.rs`, `tests/it/store_identity.rs`) run
//!   every operation against both.
//! - **Group commit.** A document update must be durable before it is broadcast, and a commit
//!   (an fsync) is the expensive part of a write. [`DocLog`] writes whatever has queued in one
//!   transaction, so the cost of a commit is shared by every update that arrived while the
//!   previous one ran. On SQLite it does so on the appending task through a `rusqlite`
//!   connection of its own: the only SQL outside sqlx, because sqlx's hop to its SQLite worker
//!   thread was most of an edit's latency at low load.
//! - **Errors by kind.** [`DbError`] says what kind of failure happened (unavailable, migration,
//!   conflict, ...) so the HTTP layer can pick 503 or 500 without reading message text. Its
//!   `Display` never includes SQL or database messages; those stay in the `source` chain, for
//!   logs only.
//!
//! # Layout
//!
//! - `mod.rs`: [`Db`] (the cheap, cloneable handle), [`DbConfig`], [`SqliteSync`], [`DbError`].
//! - `doc_log.rs`: the document update log and snapshots, [`DocLog`] (implements
//!   [`collab::DocStore`]) and its group commit.
//! - `identity.rs`: the identity records callers see ([`Org`], [`User`], [`Space`], ...) and
//!   what the identity queries share (the per-engine macros, the PostgreSQL locks).
//! - `directory.rs`: regions, organizations and the all-or-nothing directory import.
//! - `users.rs`: users, passwords and sign-in lock-out.
//! - `sessions.rs`: sessions, API tokens, OpenID sign-ins in progress, settings.
//! - `spaces.rs`: spaces, their member organizations and their documents.
//! - `audit.rs`: the hash-chained audit trail, which every identity write appends to in its
//!   own transaction.
//! - `events.rs`: the event stream (inbox, live push, webhooks) and [`Effects`], the events,
//!   jobs and audit rows every write of tasks and notices applies in its own transaction.
//! - `jobs.rs`: durable jobs, claimed under a lease and finished together with their effects.
//! - `tasks.rs`: tasks, their history, attachments and extension requests.
//! - `notices.rs`: notifications, their versions and each receiving body's receipt.
//! - `meetings.rs`: meetings (each a space), their invitations, attendance and agenda.
//! - `webhooks.rs`: outgoing webhooks, their delivery log, and bodies' mailboxes.
//! - `calendar.rs`: the working-day calendar's listed days.
//! - `minutes.rs`: the signed log, signing keys, and the frozen versions of minutes with
//!   their signatures.
//!
//! This module must never hand a pool, a row or an `sqlx::Error` to a caller outside it, and
//! must never log document contents or secrets (passwords, tokens, their hashes, webhook
//! secrets).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

mod audit;
mod calendar;
mod directory;
mod doc_log;
mod events;
mod identity;
mod jobs;
mod meetings;
mod minutes;
mod notices;
mod sessions;
mod spaces;
mod tasks;
mod users;
mod webhooks;

pub use audit::{chain_hash, ChainFields, GENESIS_HASH};
pub use doc_log::{DocLog, UpdateAuthor};
pub use events::{Audience, Effects, Event, NewEvent};
pub use identity::new_id;
pub use identity::{
    ApiTokenRow, AuditCheck, AuditEvent, AuditRow, DirectoryImport, ImportOrg, ImportReport,
    ImportUser, NewApiToken, NewOrg, NewRegion, NewSession, NewSpace, NewUser, OidcLogin, Org,
    OrgPatch, PasswordRecord, Region, SessionRow, Space, SpaceDoc, SpaceMember, User, UserPatch,
};
pub use jobs::{Job, NewJob};
pub use meetings::{
    AgendaChange, AgendaItem, Invitation, InvitationReply, Invitee, Meeting, MeetingChange,
    NewAgendaItem, NewMeeting, MINUTES_TITLE,
};
pub use minutes::{
    Completion, LeafKind, LogIdentity, LogLeaf, MinutesSignature, MinutesVersion, NewLeaf,
    NewMinutesVersion, NewSigningKey, SigningKeyRow,
};
pub use notices::{NewNotice, Notice, Receipt, ReceiptChange};
pub use tasks::{
    Attachment, Extension, HistoryEntry, HistoryEntryKind, NewAttachment, NewTask, Stamp,
    StoredEntry, Task, TaskChange, TaskList,
};
pub use webhooks::{Delivery, NewWebhook, Webhook};

/// The SQLite file created inside the data directory when no database URL is given.
pub const SQLITE_FILE_NAME: &str = "concord.db";

/// How long a SQLite connection waits for another writer (another process, such as
/// `concord migrate`) before giving up with "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Readers of the SQLite file. WAL lets them run beside the one writer.
const SQLITE_READERS: u32 = 4;

/// Connections to PostgreSQL, shared by reads, compactions and the committer.
const POSTGRES_CONNECTIONS: u32 = 10;

/// How long to wait for a pooled connection before reporting the database unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the data lives and how hard SQLite works to keep it.
#[derive(Clone)]
pub struct DbConfig {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite:…` names a SQLite file;
    /// `None` means SQLite at `<data_dir>/concord.db`.
    pub url: Option<String>,
    /// Created if missing; holds the SQLite file when `url` is `None`.
    pub data_dir: PathBuf,
    /// Ignored by PostgreSQL, whose durability is its own server's setting.
    pub sqlite_synchronous: SqliteSync,
}

impl fmt::Debug for DbConfig {
    // By hand, because a database URL may carry a password and configs get logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbConfig")
            .field("url", &self.url.as_ref().map(|_| "<redacted>"))
            .field("data_dir", &self.data_dir)
            .field("sqlite_synchronous", &self.sqlite_synchronous)
            .finish()
    }
}

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

/// A failure of the database, by kind.
///
/// The messages are safe to show anyone and say nothing about SQL; the underlying error is the
/// `source`, for logs. The server maps [`DbError::Unavailable`] to 503 and the rest to 500
/// unless a handler expects a [`DbError::Conflict`].
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database cannot be reached, or a connection could not be had in time.
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// The database URL or options are unusable.
    #[error("the database configuration is invalid")]
    Config(#[source] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("the database schema could not be migrated")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// A unique constraint refused the write: the thing already exists.
    #[error("a record with the same key already exists")]
    Conflict(#[source] sqlx::Error),
    /// A foreign-key constraint refused the write: something it refers to does not exist.
    #[error("a record refers to something that does not exist")]
    MissingReference(#[source] sqlx::Error),
    /// A rule checked inside the write's transaction refused it: a region under a parent at
    /// the same or a lower level, a move that would make a cycle, a parent that does not
    /// exist, an invalid import item. The message says which, for a person.
    #[error("{0}")]
    Rule(String),
    /// The record the caller named (by id or code) does not exist. The message names it, for
    /// a person.
    #[error("{0}")]
    NotFound(String),
    /// The document log was shut down (or its committer died) before the write was committed.
    #[error("the document log is shut down")]
    ShutDown,
    /// Anything else: a bug, corrupt data, a full disk.
    #[error("a database operation failed")]
    Other(#[source] sqlx::Error),
    /// A write of the document log's own SQLite connection failed (see `doc_log.rs`).
    #[error("a database operation failed")]
    Sqlite(#[source] rusqlite::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        match err {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => DbError::Unavailable(err),
            sqlx::Error::Configuration(_) => DbError::Config(err),
            sqlx::Error::Migrate(migrate) => DbError::Migrate(*migrate),
            sqlx::Error::Database(ref db) => match db.kind() {
                ErrorKind::UniqueViolation => DbError::Conflict(err),
                ErrorKind::ForeignKeyViolation => DbError::MissingReference(err),
                _ => DbError::Other(err),
            },
            _ => DbError::Other(err),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for DbError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        DbError::Migrate(err)
    }
}

/// The handle to the database. Cheap to clone: every clone shares the same pools.
#[derive(Clone)]
pub struct Db {
    engine: Engine,
    /// Whether writes schedule an `email` job for events to a body with a mailbox (the server
    /// has an SMTP relay). Off by default: see [`Db::with_mail_delivery`].
    mail_delivery: bool,
}

/// The pools of one engine. Private: callers never name a pool.
#[derive(Clone)]
enum Engine {
    Sqlite {
        /// Exactly one connection. SQLite allows one writer at a time anyway; owning it in one
        /// place means writers queue in our pool instead of failing with "database is locked".
        writer: SqlitePool,
        /// Read-only connections, which WAL lets run while the writer commits.
        readers: SqlitePool,
        /// The document log's own write connection (see `doc_log.rs`): appends are committed
        /// on the appending task, without sqlx's hop to a worker thread. It and `writer` take
        /// turns through SQLite's write lock, as a second process would.
        log_writer: Arc<doc_log::SqliteLogWriter>,
    },
    Postgres(PgPool),
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let engine = match self.engine {
            Engine::Sqlite { .. } => "sqlite",
            Engine::Postgres(_) => "postgres",
        };
        f.debug_struct("Db")
            .field("engine", &engine)
            .field("mail_delivery", &self.mail_delivery)
            .finish()
    }
}

impl Db {
    /// Opens (creating if needed) the database that `config` names and brings its schema up to
    /// date.
    pub async fn connect(config: &DbConfig) -> Result<Db, DbError> {
        match config.url.as_deref() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Self::connect_postgres(url).await
            }
            Some(url) if url.starts_with("sqlite:") => {
                let options = SqliteConnectOptions::from_str(url)?;
                Self::connect_sqlite(options, config.sqlite_synchronous).await
            }
            Some(_) => Err(DbError::Config(sqlx::Error::Configuration(
                "a database url starts with postgres://, postgresql:// or sqlite:".into(),
            ))),
            None => {
                tokio::fs::create_dir_all(&config.data_dir)
                    .await
                    .map_err(|err| DbError::Unavailable(sqlx::Error::Io(err)))?;
                let path = config.data_dir.join(SQLITE_FILE_NAME);
                let options = SqliteConnectOptions::new().filename(path);
                Self::connect_sqlite(options, config.sqlite_synchronous).await
            }
        }
    }

    async fn connect_sqlite(
        options: SqliteConnectOptions,
        sync: SqliteSync,
    ) -> Result<Db, DbError> {
        let synchronous = match sync {
            SqliteSync::Normal => SqliteSynchronous::Normal,
            SqliteSync::Full => SqliteSynchronous::Full,
        };
        let base = options
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .foreign_keys(true)
            .synchronous(synchronous);

        // The writer comes first: it creates the file, switches it to WAL (a setting stored in
        // the file) and migrates, so that the read-only connections find a ready database.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(
                base.clone()
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal),
            )
            .await?;
        sqlx::migrate!("../migrations/sqlite").run(&writer).await?;
        let log_path = base.get_filename().to_owned();
        let readers = SqlitePoolOptions::new()
            .max_connections(SQLITE_READERS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(base.read_only(true))
            .await?;
        let log_writer = doc_log::SqliteLogWriter::open(&log_path, sync)?;
        tracing::info!(engine = "sqlite", ?sync, "database ready");
        Ok(Db {
            engine: Engine::Sqlite {
                writer,
                readers,
                log_writer: Arc::new(log_writer),
            },
            mail_delivery: false,
        })
    }

    async fn connect_postgres(url: &str) -> Result<Db, DbError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        // sqlx takes an advisory lock while migrating, so nodes starting together are safe.
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        tracing::info!(engine = "postgres", "database ready");
        Ok(Db {
            engine: Engine::Postgres(pool),
            mail_delivery: false,
        })
    }

    /// The same handle, with e-mail delivery on or off: when on, every event to a body that
    /// has a mailbox also schedules an `email` job in the write that makes the event.
    pub fn with_mail_delivery(self, on: bool) -> Db {
        Db {
            mail_delivery: on,
            ..self
        }
    }

    /// Answers whether the database can serve a query right now (for `/readyz`). On SQLite this
    /// checks the writer, which is the connection that can be stuck.
    pub async fn ping(&self) -> Result<(), DbError> {
        match &self.engine {
            Engine::Sqlite {
                writer, readers, ..
            } => {
                sqlx::query("select 1").execute(writer).await?;
                sqlx::query("select 1").execute(readers).await?;
            }
            Engine::Postgres(pool) => {
                sqlx::query("select 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Closes every connection, waiting for those in use to be returned. Shut the [`DocLog`]
    /// down first: appends after this fail (on SQLite, those already queued are committed
    /// first).
    pub async fn close(&self) {
        match &self.engine {
            Engine::Sqlite {
                writer,
                readers,
                log_writer,
            } => {
                log_writer.close(None).await;
                readers.close().await;
                writer.close().await;
            }
            Engine::Postgres(pool) => pool.close().await,
        }
    }
}

/// The server's clock as Unix milliseconds (UTC), the form every timestamp is bound in.
pub fn now_unix_ms() -> i64 {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}
