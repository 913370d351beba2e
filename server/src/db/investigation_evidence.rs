//! The evidence of a joint investigation group's dossier (证据材料) as stored: one row per
//! piece in `investigation_evidence` (its section, the body that added it, its title, file
//! name, media type, size and SHA-256), the bytes in the content-addressed `blobs` (the same
//! file twice is stored once, whoever adds it).
//!
//! A piece is never deleted nor changed but once: its body withdraws it, with a reason, and it
//! stays listed, marked, with who withdrew it and when. [`Db::investigation_evidence`] reads
//! every piece of a group, withdrawn ones included, in the one order the dossier's manifest
//! and the lists use.
//!
//! Both writes go through [`write_space!`] with [`Expect::State`]: the group must still be in
//! the state the caller saw (its revision is left alone: adding a file is not a change of the
//! group the lead's next command should be refused for), and, inside the same transaction,
//! the acting body must still be a confirmed body of the group (it may have left while the
//! file arrived). Who may add to which section is decided above (`work`), never here.

use sha2::{Digest, Sha256};

use super::common::{impl_for_both_engines, not_found, on_reader, rule};
use super::effects::Effects;
use super::investigations::SPINE;
use super::spaces::{write_space, Expect};
use super::{Db, DbError};
use crate::domain::investigation::GroupState;
use crate::domain::investigation_work as rules;

/// A piece of evidence to store; its size, hash and time are the write's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidence {
    /// Made by the caller (`db::new_id`), so the events the write carries can name it.
    pub id: String,
    pub investigation_id: String,
    /// The section it belongs to: a body's own section, or the lead's summary or conclusions.
    pub section_doc_id: String,
    /// The body that adds it.
    pub org_id: String,
    pub title: String,
    pub file_name: String,
    pub media_type: String,
    /// A user id (`token:<id>` for a token).
    pub added_by: String,
}

/// A stored piece of evidence, with the names a person reads beside the ids.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EvidenceRow {
    pub id: String,
    pub investigation_id: String,
    pub section_doc_id: String,
    /// The body that added it (and alone may withdraw it).
    pub org_id: String,
    pub org_name: String,
    pub title: String,
    pub file_name: String,
    pub media_type: String,
    /// Hex SHA-256 of the bytes: the key of the blob.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    pub added_by: String,
    /// The person's display name; `None` for a token or a removed user.
    pub added_by_name: Option<String>,
    pub added_at: i64,
    pub withdrawn_by: Option<String>,
    pub withdrawn_by_name: Option<String>,
    pub withdrawn_at: Option<i64>,
    pub withdrawn_reason: Option<String>,
}

impl EvidenceRow {
    pub fn withdrawn(&self) -> bool {
        self.withdrawn_at.is_some()
    }
}

const EVIDENCE_SELECT: &str = "select e.id, e.investigation_id, e.section_doc_id, e.org_id,
        o.name_zh as org_name, e.title, e.file_name, e.media_type, e.sha256, e.size,
        e.added_by, a.display_name as added_by_name, e.added_at,
        e.withdrawn_by, w.display_name as withdrawn_by_name, e.withdrawn_at, e.withdrawn_reason
    from investigation_evidence e
    join organizations o on o.id = e.org_id
    left join users a on a.id = e.added_by
    left join users w on w.id = e.withdrawn_by";

/// The one order of a group's evidence: as added, ties by id.
const EVIDENCE_ORDER: &str = "order by e.added_at, e.id";

/// Reads and checks evidence on this connection (inside a write, the write's own rows).
trait EvidenceQueries {
    async fn evidence_by_id(
        &mut self,
        group: &str,
        id: &str,
    ) -> Result<Option<EvidenceRow>, DbError>;
    /// Refuses unless `org_id` is a confirmed body of the group (the lead is stored
    /// confirmed) and the dossier is not frozen: a body that left while its file arrived, or
    /// whose file arrived as the lead froze the dossier, adds nothing.
    async fn expect_confirmed(&mut self, group: &str, org_id: &str) -> Result<(), DbError>;
}

impl_for_both_engines!(EvidenceQueries {
    async fn evidence_by_id(
        &mut self,
        group: &str,
        id: &str,
    ) -> Result<Option<EvidenceRow>, DbError> {
        Ok(sqlx::query_as(&format!(
            "{EVIDENCE_SELECT} where e.investigation_id = $1 and e.id = $2"
        ))
        .bind(group)
        .bind(id)
        .fetch_optional(&mut *self)
        .await?)
    }

    async fn expect_confirmed(&mut self, group: &str, org_id: &str) -> Result<(), DbError> {
        let state: Option<(String, Option<String>)> = sqlx::query_as(
            "select m.state, i.report_doc_id from investigation_members m
                 join investigations i on i.space_id = m.investigation_id
             where m.investigation_id = $1 and m.org_id = $2",
        )
        .bind(group)
        .bind(org_id)
        .fetch_optional(&mut *self)
        .await?;
        match state {
            Some((_, Some(_))) => Err(rule(rules::EVIDENCE_DOSSIER_FROZEN.message())),
            Some((state, None)) if state == "confirmed" => Ok(()),
            _ => Err(rule(rules::EVIDENCE_BY_MEMBER.message())),
        }
    }
});

impl Db {
    /// Stores a piece of evidence: the bytes once per content (SHA-256), the row, then
    /// `effects`, in one transaction; only while the group is still in `group_state` and the
    /// adding body still confirmed.
    pub async fn add_evidence(
        &self,
        new: &NewEvidence,
        bytes: &[u8],
        group_state: GroupState,
        at: i64,
        effects: &Effects,
    ) -> Result<EvidenceRow, DbError> {
        let id = new.id.as_str();
        let sha256 = hex::encode(Sha256::digest(bytes));
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let group = new.investigation_id.as_str();
        let expect = Expect::State(group_state.as_str());
        write_space!(self, SPINE, group, expect, at, effects, |conn|
        change {
            conn.expect_confirmed(group, &new.org_id).await?;
            sqlx::query(
                "insert into blobs (sha256, size, data, created_at) values ($1, $2, $3, $4)
                 on conflict (sha256) do nothing",
            )
            .bind(&sha256)
            .bind(size)
            .bind(bytes)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "insert into investigation_evidence (id, investigation_id, section_doc_id,
                     org_id, title, file_name, media_type, sha256, size, added_by, added_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(group)
            .bind(&new.section_doc_id)
            .bind(&new.org_id)
            .bind(&new.title)
            .bind(&new.file_name)
            .bind(&new.media_type)
            .bind(&sha256)
            .bind(size)
            .bind(&new.added_by)
            .bind(at)
            .execute(&mut *conn)
            .await?;
        }
        answer {
            conn.evidence_by_id(group, id)
                .await?
                .ok_or_else(|| not_found(&rules::NO_SUCH_EVIDENCE))?
        })
    }

    /// Withdraws a piece with a reason, by its own body: stored only while the group is in
    /// `group_state`, the body still confirmed and the piece not withdrawn already (a rule
    /// otherwise: two withdrawals racing each other, one wins).
    #[allow(clippy::too_many_arguments)]
    pub async fn withdraw_evidence(
        &self,
        group: &str,
        id: &str,
        org_id: &str,
        by: &str,
        reason: &str,
        group_state: GroupState,
        at: i64,
        effects: &Effects,
    ) -> Result<EvidenceRow, DbError> {
        let expect = Expect::State(group_state.as_str());
        write_space!(self, SPINE, group, expect, at, effects, |conn|
        change {
            conn.expect_confirmed(group, org_id).await?;
            let changed = sqlx::query(
                "update investigation_evidence
                 set withdrawn_by = $4, withdrawn_at = $5, withdrawn_reason = $6
                 where investigation_id = $1 and id = $2 and org_id = $3
                     and withdrawn_at is null",
            )
            .bind(group)
            .bind(id)
            .bind(org_id)
            .bind(by)
            .bind(at)
            .bind(reason)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(rule(rules::EVIDENCE_WITHDRAWN_ONCE.message()));
            }
        }
        answer {
            conn.evidence_by_id(group, id)
                .await?
                .ok_or_else(|| not_found(&rules::NO_SUCH_EVIDENCE))?
        })
    }

    /// Every piece of evidence of a group, withdrawn ones included, as added: what the
    /// evidence lists show and what the dossier's manifest will name.
    pub async fn investigation_evidence(&self, group: &str) -> Result<Vec<EvidenceRow>, DbError> {
        Ok(on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{EVIDENCE_SELECT} where e.investigation_id = $1 {EVIDENCE_ORDER}"
            ))
            .bind(group)
            .fetch_all(&mut *conn)
            .await?
        }))
    }

    /// One piece of a group, without its bytes.
    pub async fn evidence_piece(
        &self,
        group: &str,
        id: &str,
    ) -> Result<Option<EvidenceRow>, DbError> {
        on_reader!(self, |conn| conn.evidence_by_id(group, id).await)
    }

    /// The bytes of a piece (its blob).
    pub async fn evidence_bytes(&self, sha256: &str) -> Result<Vec<u8>, DbError> {
        let (data,): (Vec<u8>,) = on_reader!(self, |conn| {
            sqlx::query_as("select data from blobs where sha256 = $1")
                .bind(sha256)
                .fetch_one(&mut *conn)
                .await?
        });
        Ok(data)
    }
}
