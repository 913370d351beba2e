//! The case library (案例库) as stored: `library_cases`, one row per typical file.
//!
//! A case belongs to the review its file was reviewed in; its live write-up is a document of
//! the review's space (role `decision`: the organising bureau writes it, the review's bodies
//! read it) until it is submitted, when it is frozen and its text, as published, is stored in
//! the row (`content`, with its SHA-256): the library's readers, every body of the bureau's
//! region, read that stored text, never the review's space. Commands are writes at the case's
//! revision. The rules live in `domain::library`.

use super::common::{impl_for_both_engines, in_transaction, not_found, on_reader, parse};
use super::effects::{EffectQueries, Effects};
use super::spaces::{DocRow, SpaceRows};
use super::{Db, DbError};
use crate::domain::library::{CaseState, CASE_STALE, NO_SUCH_CASE};
use crate::domain::org::DocRole;
use crate::domain::review::CaseKind;

/// The id of a case's live write-up: `<review>:case:<file>`.
pub fn library_doc_id(review_id: &str, file_id: &str) -> String {
    format!("{review_id}:case:{file_id}")
}

/// A case to make of a confirmed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLibraryCase {
    pub id: String,
    pub review_id: String,
    pub file_id: String,
    pub title: String,
    /// 执法领域.
    pub field: String,
    /// 法律依据.
    pub legal_basis: String,
    pub created_by: String,
}

/// A case command as stored: the state it moves to, at the revision its caller read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseChange {
    pub id: String,
    pub expected_revision: i64,
    pub state: String,
    /// Submitting: the text as it will be published, and its SHA-256.
    pub content: Option<String>,
    pub content_sha256: Option<String>,
    /// Publishing: whether it is also for the public.
    pub public: Option<bool>,
    /// Sending back or withdrawing: why.
    pub reason: Option<String>,
    /// The write-up frozen (submitted) or writable again (sent back).
    pub doc_frozen: Option<bool>,
    pub by: String,
}

/// A stored case, with its file's facts and its bureau.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LibraryCaseRow {
    pub id: String,
    pub review_id: String,
    pub review_title: String,
    pub file_id: String,
    pub case_number: String,
    pub case_kind: String,
    pub body_org_id: String,
    pub body_name: String,
    pub grade: Option<String>,
    pub bureau_org_id: String,
    pub bureau_name: String,
    pub region_path: String,
    pub state: String,
    pub revision: i64,
    pub title: String,
    pub field: String,
    pub legal_basis: String,
    pub doc_id: String,
    pub public: bool,
    pub content: Option<String>,
    pub content_sha256: Option<String>,
    pub reason: Option<String>,
    pub submitted_at: Option<i64>,
    pub published_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl LibraryCaseRow {
    pub fn state(&self) -> Result<CaseState, DbError> {
        parse(&self.state)
    }

    pub fn case_kind(&self) -> Result<CaseKind, DbError> {
        parse(&self.case_kind)
    }
}

/// What a search of the library asks; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LibrarySearch {
    /// Words anywhere in the title, the field, the legal basis or the text.
    pub words: Option<String>,
    pub field: Option<String>,
    pub case_kind: Option<CaseKind>,
    /// Words in the legal basis (e.g. 食品安全法).
    pub legal_basis: Option<String>,
}

const CASE_SELECT: &str = "select c.id, c.review_id, v.title as review_title, c.file_id,
        f.case_number, f.case_kind, f.org_id as body_org_id, fo.name_zh as body_name, f.grade,
        v.bureau_org_id, bo.name_zh as bureau_name, r.path as region_path, c.state, c.revision,
        c.title, c.field, c.legal_basis, c.doc_id, c.public, c.content, c.content_sha256,
        c.reason, c.submitted_at, c.published_at, c.withdrawn_at, c.created_at, c.updated_at
    from library_cases c join reviews v on v.space_id = c.review_id
        join spaces s on s.id = c.review_id
        join regions r on r.code = s.region_code
        join review_files f on f.id = c.file_id
        join organizations fo on fo.id = f.org_id
        join organizations bo on bo.id = v.bureau_org_id";

/// `%words%` for `like`, with the pattern's own characters taken literally (`\` escapes).
fn like_pattern(words: &str) -> String {
    let mut pattern = String::from("%");
    for c in words.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Reads a case on this connection.
pub(crate) trait LibraryQueries {
    async fn library_case_by_id(&mut self, id: &str) -> Result<Option<LibraryCaseRow>, DbError>;
}

impl_for_both_engines!(LibraryQueries {
    async fn library_case_by_id(&mut self, id: &str) -> Result<Option<LibraryCaseRow>, DbError> {
        Ok(sqlx::query_as(&format!("{CASE_SELECT} where c.id = $1"))
            .bind(id)
            .fetch_optional(&mut *self)
            .await?)
    }
});

impl Db {
    /// Makes a case of a file: the row (drafting, revision 1) and its live write-up in the
    /// review's space; then `effects`. A file already a case is refused by the unique key.
    pub async fn create_library_case(
        &self,
        new: &NewLibraryCase,
        at: i64,
        effects: &Effects,
    ) -> Result<LibraryCaseRow, DbError> {
        let mail = self.mail_delivery;
        let doc_id = library_doc_id(&new.review_id, &new.file_id);
        in_transaction!(self, |conn| {
            let doc = DocRow {
                doc_id: &doc_id,
                title: &new.title,
                role: DocRole::Decision,
                owner_org_id: None,
                briefing: false,
            };
            conn.insert_doc(&new.review_id, doc, at).await?;
            sqlx::query(
                "insert into library_cases (id, review_id, file_id, state, title, field,
                     legal_basis, doc_id, created_by, created_at, updated_at)
                 values ($1, $2, $3, 'drafting', $4, $5, $6, $7, $8, $9, $9)",
            )
            .bind(&new.id)
            .bind(&new.review_id)
            .bind(&new.file_id)
            .bind(&new.title)
            .bind(&new.field)
            .bind(&new.legal_basis)
            .bind(&doc_id)
            .bind(&new.created_by)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            conn.apply_effects(at, effects, mail).await?;
            conn.library_case_by_id(&new.id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_CASE))
        })
    }

    /// A case command at the revision the caller read; then `effects`.
    pub async fn change_library_case(
        &self,
        change: &CaseChange,
        at: i64,
        effects: &Effects,
    ) -> Result<LibraryCaseRow, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            let done = sqlx::query(
                "update library_cases set state = $3,
                     content = coalesce($4, content),
                     content_sha256 = coalesce($5, content_sha256),
                     public = coalesce($6, public),
                     reason = coalesce($7, reason),
                     submitted_at = case when $3 = 'checking' then $8 else submitted_at end,
                     published_at = case when $3 = 'published' then $8 else published_at end,
                     published_by = case when $3 = 'published' then $9 else published_by end,
                     withdrawn_at = case when $3 = 'withdrawn' then $8 else withdrawn_at end,
                     revision = revision + 1, updated_at = $8
                 where id = $1 and revision = $2",
            )
            .bind(&change.id)
            .bind(change.expected_revision)
            .bind(&change.state)
            .bind(&change.content)
            .bind(&change.content_sha256)
            .bind(change.public)
            .bind(&change.reason)
            .bind(at)
            .bind(&change.by)
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 0 {
                let now = conn
                    .library_case_by_id(&change.id)
                    .await?
                    .ok_or_else(|| not_found(&NO_SUCH_CASE))?;
                return Err(DbError::Rule(CASE_STALE.with("revision", now.revision)));
            }
            let row = conn
                .library_case_by_id(&change.id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_CASE))?;
            if let Some(frozen) = change.doc_frozen {
                conn.set_doc_frozen(&row.doc_id, frozen).await?;
            }
            conn.apply_effects(at, effects, mail).await?;
            Ok(row)
        })
    }

    /// One case.
    pub async fn library_case(&self, id: &str) -> Result<Option<LibraryCaseRow>, DbError> {
        on_reader!(self, |conn| conn.library_case_by_id(id).await)
    }

    /// The cases of one review, in the order made.
    pub async fn library_cases_of_review(
        &self,
        review_id: &str,
    ) -> Result<Vec<LibraryCaseRow>, DbError> {
        Ok(on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{CASE_SELECT} where c.review_id = $1 order by c.created_at, c.id"
            ))
            .bind(review_id)
            .fetch_all(&mut *conn)
            .await?
        }))
    }

    /// Published cases of bureaus whose region covers `region_path` (a body reads its own
    /// region's library and those above it), and with `and_below` those of the regions within
    /// it (a judicial bureau reads its region's), matching `search`; newest first, at most
    /// `limit`.
    pub async fn search_library(
        &self,
        region_path: &str,
        and_below: bool,
        search: &LibrarySearch,
        limit: i64,
    ) -> Result<Vec<LibraryCaseRow>, DbError> {
        let words = search.words.as_deref().map(like_pattern);
        let field = search.field.as_deref().map(like_pattern);
        let basis = search.legal_basis.as_deref().map(like_pattern);
        let kind = search.case_kind.map(|k| k.as_str());
        // A region path is `/33/3301/330102/`: the bureau's covers the reader's when the
        // reader's starts with it.
        Ok(on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{CASE_SELECT} where c.state = 'published'
                   and (substr($1, 1, length(r.path)) = r.path
                        or ($7 and substr(r.path, 1, length($1)) = $1))
                   and ($2 is null or c.title like $2 escape '\\' or c.field like $2 escape '\\'
                        or c.legal_basis like $2 escape '\\' or c.content like $2 escape '\\')
                   and ($3 is null or c.field like $3 escape '\\')
                   and ($4 is null or f.case_kind = $4)
                   and ($5 is null or c.legal_basis like $5 escape '\\')
                 order by c.published_at desc, c.id limit $6"
            ))
            .bind(region_path)
            .bind(&words)
            .bind(&field)
            .bind(kind)
            .bind(&basis)
            .bind(limit)
            .bind(and_below)
            .fetch_all(&mut *conn)
            .await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn a_search_takes_the_patterns_own_characters_literally() {
        assert_eq!(like_pattern(" 食品 "), "%食品%");
        assert_eq!(like_pattern("100%_a\\"), "%100\\%\\_a\\\\%");
    }
}
