//! The content-addressed file store every workflow's uploads share (a task's attachment, a
//! group's evidence, a referral's materials): one row per distinct content in `blobs`, keyed by
//! its SHA-256, so the same file added twice, by anyone, is stored once, and a row that names
//! a hash names exactly those bytes forever.

use sha2::{Digest, Sha256};

use super::common::{impl_for_both_engines, on_reader};
use super::{Db, DbError};

/// A file as stored: the key of its bytes and their length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub size: i64,
}

/// Storing bytes inside a workflow's write.
pub(crate) trait BlobQueries {
    /// Stores `bytes` (nothing if the same content is stored already) and answers its key.
    async fn put_blob(&mut self, bytes: &[u8], at: i64) -> Result<StoredBlob, DbError>;
}

impl_for_both_engines!(BlobQueries {
    async fn put_blob(&mut self, bytes: &[u8], at: i64) -> Result<StoredBlob, DbError> {
        let blob = StoredBlob {
            sha256: hex::encode(Sha256::digest(bytes)),
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        };
        sqlx::query(
            "insert into blobs (sha256, size, data, created_at) values ($1, $2, $3, $4)
             on conflict (sha256) do nothing",
        )
        .bind(&blob.sha256)
        .bind(blob.size)
        .bind(bytes)
        .bind(at)
        .execute(&mut *self)
        .await?;
        Ok(blob)
    }
});

impl Db {
    /// The bytes stored under `sha256`, if any.
    pub async fn blob_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>, DbError> {
        let found: Option<(Vec<u8>,)> = on_reader!(self, |conn| {
            sqlx::query_as("select data from blobs where sha256 = $1")
                .bind(sha256)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(found.map(|(data,)| data))
    }
}
