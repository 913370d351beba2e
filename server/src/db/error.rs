//! [`DbError`]: a failure of the database, by kind, so callers pick 503 or 500 (or a refusal)
//! without reading message text. Its `Display` never includes SQL or a database's message;
//! those stay in the `source` chain, for logs only.

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
    /// The database cannot hold a text the request carried (PostgreSQL refuses a NUL
    /// character in any text, even one only compared). No record can have it: a refusal.
    #[error("the request holds a character that cannot be stored")]
    Unstorable(#[source] sqlx::Error),
    /// A rule checked inside the write's transaction refused it: a region under a parent at
    /// the same or a lower level, a move that would make a cycle, a parent that does not
    /// exist, an invalid import item. The message says which, for a person.
    #[error("{0}")]
    Rule(crate::domain::message::Message),
    /// The record the caller named (by id or code) does not exist. The message names it, for
    /// a person.
    #[error("{0}")]
    NotFound(crate::domain::message::Message),
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
                // character_not_in_repertoire: "invalid byte sequence for encoding UTF8: 0x00".
                _ if db.code().as_deref() == Some("22021") => DbError::Unstorable(err),
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
