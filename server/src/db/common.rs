//! What every query module of `db` shares: running a body once per engine (`on_reader!`,
//! `in_transaction!`, `impl_for_both_engines!`), the locks that differ between the engines
//! ([`Exclusive`], [`RowLocks`], [`lock_keys`]), new ids, and turning stored text back into
//! values ([`parse`], [`parse_json`]) with corrupt data reported as such.
//!
//! # Why the queries are written once for both engines
//!
//! The document log (`doc_log.rs`) needs engine-specific SQL (bulk inserts, `unnest`,
//! `timestamptz`), so it writes every query twice. The other tables do not: they keep times
//! as Unix milliseconds in a plain integer on both engines and use only SQL that SQLite and
//! PostgreSQL read alike (`$n` placeholders, which sqlx's SQLite driver maps to argument `n`;
//! `returning`; `on conflict`; `with recursive`). So each query is written once and the macros
//! here expand the code around it once per engine, where it is type-checked against that
//! engine's driver. What really differs between the engines (locks) is written per engine by
//! hand, here.
//!
//! This module knows no table of its own: a query belongs to the module of its table.

use std::str::FromStr;

use sqlx::{PgConnection, SqliteConnection};

use super::DbError;
use crate::domain::org::{Invalid, Name, RegionCode, RegionPath};

/// A new record id: a random (v4) UUID as text.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A refusal by a rule, in words for a person.
pub(crate) fn rule(message: impl Into<crate::domain::message::Message>) -> DbError {
    DbError::Rule(message.into())
}

/// A refusal because the thing the caller named does not exist.
pub(crate) fn not_found(message: impl Into<crate::domain::message::Message>) -> DbError {
    DbError::NotFound(message.into())
}

/// A stored value that no longer parses: corrupt data or a row edited by hand.
pub(crate) fn corrupt(invalid: Invalid) -> DbError {
    DbError::Other(sqlx::Error::Decode(Box::new(invalid)))
}

/// Parses a stored enum or newtype, treating a failure as corrupt data.
pub(crate) fn parse<T: FromStr<Err = Invalid>>(stored: &str) -> Result<T, DbError> {
    stored.parse().map_err(corrupt)
}

pub(crate) fn parse_name(stored: &str) -> Result<Name, DbError> {
    Name::parse(stored).map_err(corrupt)
}

pub(crate) fn parse_region_code(stored: &str) -> Result<RegionCode, DbError> {
    RegionCode::parse(stored).map_err(corrupt)
}

/// The bounds `[low, high)` of every path that starts with `path`: the region and everything
/// below it, as a range an index can answer (unlike `like`, whose case rules differ between
/// the engines).
///
/// A path is digits and `/` and ends with `/`; the paths that start with it sort from it up to,
/// but not including, the same text with the final `/` replaced by the next character, `0`.
pub(crate) fn subtree_range(path: &RegionPath) -> (String, String) {
    let low = path.0.clone();
    let high = match path.0.strip_suffix('/') {
        Some(stem) => format!("{stem}0"),
        // Not a valid path: a range that matches nothing.
        None => low.clone(),
    };
    (low, high)
}

/// Runs `$body` with `$conn` bound to a `&mut` connection for reading, once per engine: on
/// SQLite one of the read-only connections, on PostgreSQL one from the pool. A `?` or `return`
/// in the body leaves the calling function, which is harmless for a read.
macro_rules! on_reader {
    ($db:expr, |$conn:ident| $body:expr) => {
        match &$db.engine {
            $crate::db::handle::Engine::Sqlite { readers, .. } => {
                let mut pooled = readers.acquire().await?;
                let $conn: &mut ::sqlx::SqliteConnection = &mut *pooled;
                // A statement of its own, so the body's temporaries end before `pooled` does.
                let value = $body;
                value
            }
            $crate::db::handle::Engine::Postgres(pool) => {
                let mut pooled = pool.acquire().await?;
                let $conn: &mut ::sqlx::PgConnection = &mut *pooled;
                let value = $body;
                value
            }
        }
    };
}

/// Runs `$body` (which gives a `Result<_, DbError>`) inside one transaction, once per engine,
/// with `$conn` bound to the transaction's connection, and commits when it gives `Ok`.
///
/// The body runs as an `async` block, so a `return` or `?` in it leaves the body, not the
/// calling function: an early `return Ok(…)` still commits, and an `Err` drops the
/// transaction, which rolls it back.
///
/// On SQLite the transaction runs on the one writer connection, so write transactions never
/// overlap (and it begins IMMEDIATE, so other processes' writers queue instead of failing);
/// on PostgreSQL they do, and the bodies take `Exclusive` locks where that matters.
macro_rules! in_transaction {
    // What ends the transaction once the body ran: commit its value, or roll it all back.
    (@end commit, $transaction:ident, $outcome:ident) => {{
        let value = $outcome?;
        $transaction.commit().await?;
        Ok::<_, $crate::db::DbError>(value)
    }};
    (@end rollback, $transaction:ident, $outcome:ident) => {{
        $transaction.rollback().await?;
        $outcome
    }};
    (@then $end:ident, $db:expr, |$conn:ident| $body:expr) => {
        match &$db.engine {
            $crate::db::handle::Engine::Sqlite { writer, .. } => {
                // IMMEDIATE takes the write lock at once (waiting up to the busy timeout for
                // another process, such as `concord admin`, to finish). A deferred transaction
                // that reads first and then writes fails at once with "database is locked"
                // when another process committed in between: its snapshot is stale.
                let mut transaction = writer.begin_with("begin immediate").await?;
                let outcome: Result<_, $crate::db::DbError> = async {
                    let $conn: &mut ::sqlx::SqliteConnection = &mut *transaction;
                    $body
                }
                .await;
                $crate::db::common::in_transaction!(@end $end, transaction, outcome)
            }
            $crate::db::handle::Engine::Postgres(pool) => {
                let mut transaction = pool.begin().await?;
                let outcome: Result<_, $crate::db::DbError> = async {
                    let $conn: &mut ::sqlx::PgConnection = &mut *transaction;
                    $body
                }
                .await;
                $crate::db::common::in_transaction!(@end $end, transaction, outcome)
            }
        }
    };
    ($db:expr, |$conn:ident| $body:expr) => {
        $crate::db::common::in_transaction!(@then commit, $db, |$conn| $body)
    };
}

/// Runs `body` like [`in_transaction!`] and then rolls it back whatever it did: a preview
/// (a dry run) that checks every rule exactly as the real write would, and stores nothing.
macro_rules! in_rolled_back_transaction {
    ($db:expr, |$conn:ident| $body:expr) => {
        $crate::db::common::in_transaction!(@then rollback, $db, |$conn| $body)
    };
}

/// Implements a private query trait for both engines' connections from one body of methods.
macro_rules! impl_for_both_engines {
    ($trait:ident { $($methods:tt)* }) => {
        impl $trait for ::sqlx::SqliteConnection { $($methods)* }
        impl $trait for ::sqlx::PgConnection { $($methods)* }
    };
}

pub(crate) use {impl_for_both_engines, in_rolled_back_transaction, in_transaction, on_reader};

/// Keys of the PostgreSQL transaction advisory locks taken by identity writes. They must
/// differ from each other and from the document log's commit lock (`…6401`).
pub(crate) mod lock_keys {
    /// Serializes appends to the audit chain: each append reads the last hash, and two
    /// appends reading the same one would fork the chain.
    pub const AUDIT: i64 = 0x636f_6e63_6f72_6402; // "concord" + 2, in ASCII.
    /// Serializes changes to the region and organization trees, so that two moves checked
    /// apart cannot together make a cycle or a parent at the wrong level.
    pub const DIRECTORY: i64 = 0x636f_6e63_6f72_6403;
    /// Serializes changes to space memberships, so that two conveners stepping down at once
    /// cannot leave a space with none.
    pub const MEMBERSHIP: i64 = 0x636f_6e63_6f72_6404;
    /// Serializes appends to the event stream: each append reads the last seq, and events
    /// must commit in seq order so that a reader who has seen seq n has seen all before it.
    pub const EVENTS: i64 = 0x636f_6e63_6f72_6405;
    /// Serializes appends to the signed log: each append reads the last leaf index, and
    /// leaves must commit in index order so that a tree head covers exactly what it names.
    pub const LOG: i64 = 0x636f_6e63_6f72_6410;
}

/// Holding a lock until the transaction ends: what differs between the engines.
pub(crate) trait Exclusive {
    /// Waits until no other transaction holds the lock `key`, and holds it until this
    /// transaction commits or rolls back.
    async fn exclusive(&mut self, key: i64) -> Result<(), DbError>;
}

impl Exclusive for SqliteConnection {
    /// Nothing to do: every write transaction runs on the one writer connection, one at a
    /// time, so it is already exclusive.
    async fn exclusive(&mut self, _key: i64) -> Result<(), DbError> {
        Ok(())
    }
}

impl Exclusive for PgConnection {
    async fn exclusive(&mut self, key: i64) -> Result<(), DbError> {
        sqlx::query("select pg_advisory_xact_lock($1)")
            .bind(key)
            .execute(self)
            .await?;
        Ok(())
    }
}

/// Stored JSON that no longer parses: corrupt data or a row edited by hand.
pub(crate) fn parse_json(stored: &str) -> Result<serde_json::Value, DbError> {
    serde_json::from_str(stored).map_err(|err| DbError::Other(sqlx::Error::Decode(Box::new(err))))
}

/// Stored data that breaks an invariant the schema cannot express.
pub(crate) fn corrupt_text(message: String) -> DbError {
    DbError::Other(sqlx::Error::Decode(message.into()))
}

/// Row-locking clauses, which only PostgreSQL needs (and SQLite does not parse): every SQLite
/// write runs on the one writer connection, one transaction at a time.
pub(crate) trait RowLocks {
    /// Appended to a `select` whose rows the transaction goes on to change.
    fn for_update(&self) -> &'static str;
    /// Appended to the claim's inner `select`, so concurrent claims skip each other's rows.
    fn skip_locked(&self) -> &'static str;
}

impl RowLocks for SqliteConnection {
    fn for_update(&self) -> &'static str {
        ""
    }
    fn skip_locked(&self) -> &'static str {
        ""
    }
}

impl RowLocks for PgConnection {
    fn for_update(&self) -> &'static str {
        " for update"
    }
    fn skip_locked(&self) -> &'static str {
        " for update skip locked"
    }
}

/// The server's clock as Unix milliseconds (UTC), the form every timestamp is bound in.
pub fn now_unix_ms() -> i64 {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subtree_range_holds_the_region_and_what_lies_below_but_no_sibling() {
        let city = RegionPath("/330000/330100/".into());
        let (low, high) = subtree_range(&city);
        let inside = |p: &str| low.as_str() <= p && p < high.as_str();

        assert!(inside("/330000/330100/"));
        assert!(inside("/330000/330100/330102/"));
        assert!(inside("/330000/330100/330102/330102001/"));
        assert!(!inside("/330000/"));
        assert!(!inside("/330000/330101/"));
        assert!(!inside("/330000/3301000/"));
    }
}
