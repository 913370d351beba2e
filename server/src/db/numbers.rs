//! Document numbers (文号) of signed documents as assigned, and the short names (机关代字)
//! bodies use in them. The rules (how a number is written, the default short name) live in
//! `domain::doc_number`; this module only stores and reads, and never deletes or changes an
//! assigned number.

use futures_util::future::BoxFuture;

use super::common::{impl_for_both_engines, on_reader};
use super::effects::{Consequence, Effects, Tx};
use super::{Db, DbError};
use crate::domain::doc_number::DocNumber;

#[derive(sqlx::FromRow)]
struct NumberRecord {
    org_id: String,
    prefix: String,
    word: String,
    year: i64,
    seq: i64,
}

impl From<NumberRecord> for DocNumber {
    fn from(r: NumberRecord) -> DocNumber {
        DocNumber {
            org_id: r.org_id,
            prefix: r.prefix,
            word: r.word,
            year: i32::try_from(r.year).unwrap_or_default(),
            seq: r.seq,
        }
    }
}

/// A number a freeze assigns, inserted in the freeze's own transaction.
#[derive(Debug, Clone)]
struct NumberAssigned {
    doc_id: String,
    number: DocNumber,
}

/// Inserting an assigned number inside a write's transaction.
trait NumberQueries {
    async fn insert_number(&mut self, doc_id: &str, n: &DocNumber, now: i64)
        -> Result<(), DbError>;
}

impl_for_both_engines!(NumberQueries {
    async fn insert_number(
        &mut self,
        doc_id: &str,
        n: &DocNumber,
        now: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "insert into doc_numbers (org_id, word, year, seq, prefix, doc_id, assigned_at)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&n.org_id)
        .bind(&n.word)
        .bind(i64::from(n.year))
        .bind(n.seq)
        .bind(&n.prefix)
        .bind(doc_id)
        .bind(now)
        .execute(&mut *self)
        .await?;
        Ok(())
    }
});

impl Consequence for NumberAssigned {
    fn insert<'a>(&'a self, tx: Tx<'a>, now: i64) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            match tx {
                Tx::Sqlite(conn) => conn.insert_number(&self.doc_id, &self.number, now).await,
                Tx::Postgres(conn) => conn.insert_number(&self.doc_id, &self.number, now).await,
            }
        })
    }
}

impl Effects {
    /// Stores `number` as the number of `doc_id` in the write (a freeze). Two freezes that
    /// chose the same next number race: the second write fails with a conflict and nothing of
    /// it is stored.
    pub fn assign_number(&mut self, doc_id: &str, number: DocNumber) {
        self.insert(NumberAssigned {
            doc_id: doc_id.to_owned(),
            number,
        });
    }
}

impl Db {
    /// The number assigned to a document, if any.
    pub async fn doc_number(&self, doc_id: &str) -> Result<Option<DocNumber>, DbError> {
        let record: Option<NumberRecord> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select org_id, prefix, word, year, seq from doc_numbers where doc_id = $1",
            )
            .bind(doc_id)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(record.map(DocNumber::from))
    }

    /// The next sequence number of `org_id`'s documents of `word` in `year`: one more than the
    /// highest assigned, 1 for the first.
    pub async fn next_doc_seq(&self, org_id: &str, word: &str, year: i32) -> Result<i64, DbError> {
        let (max,): (Option<i64>,) = on_reader!(self, |conn| {
            sqlx::query_as(
                "select max(seq) from doc_numbers where org_id = $1 and word = $2 and year = $3",
            )
            .bind(org_id)
            .bind(word)
            .bind(i64::from(year))
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(max.unwrap_or(0) + 1)
    }

    /// The short name (机关代字) stored for a body, if one was set.
    pub async fn doc_prefix(&self, org_id: &str) -> Result<Option<String>, DbError> {
        let record: Option<(String,)> = on_reader!(self, |conn| {
            sqlx::query_as("select prefix from org_doc_prefixes where org_id = $1")
                .bind(org_id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(record.map(|(prefix,)| prefix))
    }
}
