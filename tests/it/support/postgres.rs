//! A fresh PostgreSQL database per test, so tests never see each other's rows.
//!
//! PostgreSQL is required: a test that needs it fails, with instructions, when it is missing.
//! It never skips.

use sqlx::{Connection, Executor, PgConnection};

/// Used when `TEST_DATABASE_URL` is not set: a local server with trust authentication.
const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Creates an empty database named `concord_test_<random hex>` and returns its URL.
///
/// Connects to `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`), a
/// role allowed to create databases. The databases are left behind for inspection (drop them
/// with `dropdb`).
pub async fn fresh_database_url() -> String {
    let admin_url =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|err| {
            panic!(
                "PostgreSQL is required on loopback for these tests and could not be reached at \
             {admin_url} ({err}). Start PostgreSQL, or set TEST_DATABASE_URL to the URL of a \
             role that may create databases, e.g. \
             TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"
            )
        });
    let name = format!("concord_test_{:016x}", rand::random::<u64>());
    // The name is ours (hex only), so formatting it into the statement is safe.
    admin
        .execute(format!("create database {name}").as_str())
        .await
        .unwrap_or_else(|err| panic!("could not create test database {name}: {err}"));
    admin.close().await.ok();
    with_database(&admin_url, &name)
}

/// `url` with its database name replaced by `name`, keeping any `?query`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{authority}/{name}?{query}"),
        None => format!("{authority}/{name}"),
    }
}
