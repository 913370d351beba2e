//! [`Db`]: the cheap, cloneable handle to the database, and opening it: which engine, its
//! pools, its migrations.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Connection;

use super::sqlite_log::{SqliteLogWriter, SqliteSync, SQLITE_BUSY_TIMEOUT};
use super::DbError;

/// The SQLite file created inside the data directory when no database URL is given.
pub const SQLITE_FILE_NAME: &str = "concord.db";

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

/// The handle to the database. Cheap to clone: every clone shares the same pools.
#[derive(Clone)]
pub struct Db {
    pub(super) engine: Engine,
    /// Whether writes schedule an `email` job for events to a body with a mailbox (the server
    /// has an SMTP relay). Off by default: see [`Db::with_mail_delivery`].
    pub(super) mail_delivery: bool,
}

/// The pools of one engine. Private: callers never name a pool.
#[derive(Clone)]
pub(super) enum Engine {
    Sqlite {
        /// Exactly one connection. SQLite allows one writer at a time anyway; owning it in one
        /// place means writers queue in our pool instead of failing with "database is locked".
        writer: SqlitePool,
        /// Read-only connections, which WAL lets run while the writer commits.
        readers: SqlitePool,
        /// The document log's own write connection (see `doc_log.rs`): appends are committed
        /// on the appending task, without sqlx's hop to a worker thread. It and `writer` take
        /// turns through SQLite's write lock, as a second process would.
        log_writer: Arc<SqliteLogWriter>,
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

    /// Whether `config` names a database that already holds concord's schema (migrated at
    /// least once), found without creating or changing anything: for SQLite, whether its file
    /// exists; for PostgreSQL, whether the database has the migrations table. An admin command
    /// asks this before [`Db::connect`], which would create one.
    pub async fn exists(config: &DbConfig) -> Result<bool, DbError> {
        match config.url.as_deref() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let options = PgConnectOptions::from_str(url)?;
                let mut conn = PgConnection::connect_with(&options).await?;
                let found: bool =
                    sqlx::query_scalar("select to_regclass('_sqlx_migrations') is not null")
                        .fetch_one(&mut conn)
                        .await?;
                let _ = conn.close().await;
                Ok(found)
            }
            Some(url) if url.starts_with("sqlite:") => {
                let options = SqliteConnectOptions::from_str(url)?;
                Ok(options.get_filename().exists())
            }
            Some(_) => Err(DbError::Config(sqlx::Error::Configuration(
                "a database url starts with postgres://, postgresql:// or sqlite:".into(),
            ))),
            None => Ok(config.data_dir.join(SQLITE_FILE_NAME).exists()),
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
        let log_writer = SqliteLogWriter::open(&log_path, sync)?;
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
            // sqlx pings a connection when it goes back to the pool (and drops it if the ping
            // fails); a second ping when it is taken out again was a round trip before every
            // query. Only a connection that breaks while idle (the database restarted) now
            // fails its next query once instead, and is then dropped.
            .test_before_acquire(false)
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
