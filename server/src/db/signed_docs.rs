//! Signed documents as stored: the append-only Merkle log, the keys that sign, and each frozen
//! version of a signed document of any kind (minutes, a dispute decision, …) with its signature
//! envelopes.
//!
//! # The log
//!
//! `log_leaves` holds the exact bytes of every signed artefact (key bindings and revocations,
//! manifests, signature envelopes, completion, reopen and archive records), numbered from 0
//! without gaps. A leaf is appended inside the transaction of the change it records, under a
//! lock held to the commit, so leaf order is commit order and a change never exists without its
//! leaf (nor a leaf without its change). Leaves are never updated or deleted; the tree head
//! is computed from their hashes when asked for (`crate::work::log`).
//!
//! # Versions
//!
//! A version row (`signed_versions`) exists from freeze on, keyed by the co-edited document
//! and the version number, and says which kind of document it is (`kind`, the schema of its
//! content) and which matter it belongs to (`subject_id`, the space). Rows written before kinds
//! existed read as minutes of their meeting (migration 0006). Every state change checks,
//! inside its transaction, the state its caller read, so two people acting at once cannot both
//! move a version (the loser gets a rule refusal and reloads). Signed bytes are stored once
//! and never rebuilt. Which changes are allowed is `domain::signed`'s to decide; this module
//! only refuses a write whose premises changed since they were read, and applies what the
//! completion of a kind changes in its subject ([`SubjectChange`]) in the same transaction.

use super::common::RowLocks;
use super::common::{
    impl_for_both_engines, in_transaction, lock_keys, not_found, on_reader, parse, rule, Exclusive,
};
use super::disputes::{DisputeDecided, DisputeQueries};
use super::effects::{EffectQueries, Effects};
use super::investigations::InvestigationQueries;
use super::meetings::MeetingQueries;
use super::{Db, DbError};
use crate::domain::meeting::MeetingState;
use crate::domain::signed::SignedState;

/// What a log leaf records (`log_leaves.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafKind {
    KeyBinding,
    KeyRevocation,
    Manifest,
    Signature,
    Completion,
    Reopen,
    Archive,
    /// The audit trail's newest row (`concord.audit-anchor/1`), subject `audit:<seq>`.
    AuditAnchor,
}

impl LeafKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LeafKind::KeyBinding => "key_binding",
            LeafKind::KeyRevocation => "key_revocation",
            LeafKind::Manifest => "manifest",
            LeafKind::Signature => "signature",
            LeafKind::Completion => "completion",
            LeafKind::Reopen => "reopen",
            LeafKind::Archive => "archive",
            LeafKind::AuditAnchor => "audit_anchor",
        }
    }
}

/// A leaf to append: its bytes exactly as signed, and what it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLeaf {
    pub kind: LeafKind,
    /// `key:<key_id>`, or the signed document's version it belongs to, as its workflow names
    /// it (`minutes:<meeting_id>:<version>`).
    pub subject: String,
    pub bytes: Vec<u8>,
    /// SHA-256(0x00 || bytes), computed by the caller with `signing::merkle::leaf_hash`.
    pub leaf_hash: [u8; 32],
}

/// A stored leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLeaf {
    pub idx: i64,
    pub kind: String,
    pub subject: String,
    pub bytes: Vec<u8>,
    pub created_at: i64,
}

/// The log's identity: its origin line and its checkpoint key, sealed under the master key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogIdentity {
    pub origin: String,
    pub sealed_key: Vec<u8>,
}

/// A key that signs documents: a person's, or an organization's seal.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub key_id: String,
    /// `person` (Ed25519, private half held by the person) or `seal` (SM2, the organization's).
    pub purpose: String,
    pub algorithm: String,
    pub org_id: String,
    pub user_id: Option<String>,
    pub spki: Vec<u8>,
    /// A seal's private key, sealed under the master key. Never for a person's key.
    pub sealed_private: Option<Vec<u8>>,
    pub binding_leaf: i64,
    pub bound_at: i64,
    pub revoked_at: Option<i64>,
    pub revocation_leaf: Option<i64>,
    pub revoke_reason: Option<String>,
    /// Who revoked it: its owner, an admin of its organization, or an operator.
    pub revoked_by: Option<String>,
}

/// A key bound to an organization with the names an admin reads beside it: its owner's (none
/// for the seal) and its revoker's, as they are now.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrgKeyRow {
    pub key_id: String,
    /// `person` or `seal`.
    pub purpose: String,
    pub algorithm: String,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub bound_at: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
    pub revoked_by: Option<String>,
    pub revoked_by_name: Option<String>,
}

/// A key to bind, with its logged binding statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSigningKey {
    pub key_id: String,
    pub purpose: &'static str,
    pub algorithm: &'static str,
    pub org_id: String,
    pub user_id: Option<String>,
    pub spki: Vec<u8>,
    pub sealed_private: Option<Vec<u8>>,
    pub bound_at: i64,
}

/// A frozen version of a signed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedVersion {
    /// The co-edited document signed.
    pub doc_id: String,
    pub version: i64,
    /// The schema of its `content.json` (`concord.minutes/1`).
    pub kind: String,
    /// The space it belongs to: the meeting of minutes, the dispute of a decision.
    pub subject_id: String,
    pub state: SignedState,
    pub content: Vec<u8>,
    pub manifest: Vec<u8>,
    pub manifest_sha256: String,
    pub manifest_leaf: i64,
    pub crdt_state: Vec<u8>,
    /// The rendition for people (`minutes.html`, the kind's).
    pub rendition: Vec<u8>,
    /// The PDF rendition (`minutes.pdf`, the kind's), when one was typeset at freeze.
    pub rendition_pdf: Option<Vec<u8>>,
    /// The signature page (签署页), made at archiving; none before.
    pub signature_page: Option<SignaturePageBytes>,
    pub completion: Option<Vec<u8>>,
    pub completion_leaf: Option<i64>,
    pub archive: Option<Vec<u8>>,
    pub archive_leaf: Option<i64>,
    pub reopen_reason: Option<String>,
    pub frozen_by: String,
    pub frozen_at: i64,
    pub updated_at: i64,
}

/// The artefacts of a version to freeze.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSignedVersion {
    pub doc_id: String,
    pub version: i64,
    pub kind: String,
    pub subject_id: String,
    pub content: Vec<u8>,
    pub manifest: Vec<u8>,
    pub manifest_sha256: String,
    pub crdt_state: Vec<u8>,
    pub rendition: Vec<u8>,
    pub rendition_pdf: Option<Vec<u8>>,
    pub frozen_by: String,
    pub frozen_at: i64,
}

/// The signature page (签署页) of an archived version, as stored: `signature-page.html`, and
/// `signature-page.pdf` when the server had a Chinese font.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignaturePageBytes {
    pub html: Vec<u8>,
    pub pdf: Option<Vec<u8>>,
}

/// One organization's signature envelope on a version.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SignedSignature {
    pub doc_id: String,
    pub version: i64,
    /// The kind and subject of the document signed, as its version's.
    pub kind: String,
    pub subject_id: String,
    pub step: i64,
    pub org_id: String,
    pub signer_user_id: String,
    pub person_key_id: String,
    pub seal_key_id: String,
    pub envelope: Vec<u8>,
    pub payload_sha256: String,
    pub leaf: i64,
    pub signed_at: i64,
}

/// The last signature, when it completes the document: the completion record to log, and what
/// the completion changes in the document's subject in the same write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub bytes: Vec<u8>,
    pub leaf_hash: [u8; 32],
    pub subject_change: SubjectChange,
}

/// What the completion of a signed document changes in the space it belongs to, besides the
/// rows its [`Effects`] carry (tasks, notices, events, audit). Each workflow whose completion
/// moves its own record adds a variant here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectChange {
    /// Nothing beyond the effects.
    None,
    /// Signed minutes: their meeting, if it has ended, is closed (its agreed items are tasks
    /// now). A meeting whose minutes were frozen while it ran stays open until it ends.
    CloseEndedMeeting,
    /// A signed decision (协调意见书): its dispute, still coordinating, is decided, naming
    /// what the decision named.
    DecideDispute(DisputeDecided),
    /// An agreement (协议书) signed by every party: its dispute, still negotiating, is
    /// resolved, naming what the parties agreed.
    SettleDispute(DisputeDecided),
    /// A report (调查报告) signed by every member and the lead: its group, still active, is
    /// concluded.
    ConcludeInvestigation,
}

const VERSION_COLUMNS: &str = "doc_id, version, kind, subject_id, state, content, manifest, \
     manifest_sha256, manifest_leaf, crdt_state, rendition, rendition_pdf, signature_page_html, \
     signature_page_pdf, completion, completion_leaf, archive, archive_leaf, reopen_reason, \
     frozen_by, frozen_at, updated_at";

const SIGNATURE_COLUMNS: &str = "doc_id, version, kind, subject_id, step, org_id, \
     signer_user_id, person_key_id, seal_key_id, envelope, payload_sha256, leaf, signed_at";

const KEY_COLUMNS: &str = "key_id, purpose, algorithm, org_id, user_id, spki, sealed_private, \
     binding_leaf, bound_at, revoked_at, revocation_leaf, revoke_reason, revoked_by";

/// A version row as stored, before its state is parsed.
#[derive(sqlx::FromRow)]
struct VersionRecord {
    doc_id: String,
    version: i64,
    kind: String,
    subject_id: String,
    state: String,
    content: Vec<u8>,
    manifest: Vec<u8>,
    manifest_sha256: String,
    manifest_leaf: i64,
    crdt_state: Vec<u8>,
    rendition: Vec<u8>,
    rendition_pdf: Option<Vec<u8>>,
    signature_page_html: Option<Vec<u8>>,
    signature_page_pdf: Option<Vec<u8>>,
    completion: Option<Vec<u8>>,
    completion_leaf: Option<i64>,
    archive: Option<Vec<u8>>,
    archive_leaf: Option<i64>,
    reopen_reason: Option<String>,
    frozen_by: String,
    frozen_at: i64,
    updated_at: i64,
}

impl TryFrom<VersionRecord> for SignedVersion {
    type Error = DbError;
    fn try_from(r: VersionRecord) -> Result<SignedVersion, DbError> {
        Ok(SignedVersion {
            doc_id: r.doc_id,
            version: r.version,
            kind: r.kind,
            subject_id: r.subject_id,
            state: parse(&r.state)?,
            content: r.content,
            manifest: r.manifest,
            manifest_sha256: r.manifest_sha256,
            manifest_leaf: r.manifest_leaf,
            crdt_state: r.crdt_state,
            rendition: r.rendition,
            rendition_pdf: r.rendition_pdf,
            signature_page: r.signature_page_html.map(|html| SignaturePageBytes {
                html,
                pdf: r.signature_page_pdf,
            }),
            completion: r.completion,
            completion_leaf: r.completion_leaf,
            archive: r.archive,
            archive_leaf: r.archive_leaf,
            reopen_reason: r.reopen_reason,
            frozen_by: r.frozen_by,
            frozen_at: r.frozen_at,
            updated_at: r.updated_at,
        })
    }
}

/// Log and version queries inside a caller's transaction.
trait SignedQueries {
    /// Appends leaves in order and returns their indexes. Takes the log lock: leaf numbers
    /// are gapless and in commit order.
    async fn append_leaves(&mut self, leaves: &[NewLeaf], now: i64) -> Result<Vec<i64>, DbError>;
    /// The version row, locked for the rest of the transaction on PostgreSQL.
    async fn version_for_update(
        &mut self,
        doc_id: &str,
        version: i64,
    ) -> Result<Option<SignedVersion>, DbError>;
    /// Moves a version from `from` to `to`, refusing if it is no longer in `from`.
    async fn move_version(
        &mut self,
        doc_id: &str,
        version: i64,
        from: SignedState,
        to: SignedState,
        now: i64,
    ) -> Result<(), DbError>;
}

impl_for_both_engines!(SignedQueries {
    async fn append_leaves(&mut self, leaves: &[NewLeaf], now: i64) -> Result<Vec<i64>, DbError> {
        if leaves.is_empty() {
            return Ok(Vec::new());
        }
        self.exclusive(lock_keys::LOG).await?;
        let (next,): (i64,) = sqlx::query_as("select coalesce(max(idx) + 1, 0) from log_leaves")
            .fetch_one(&mut *self)
            .await?;
        let mut indexes = Vec::with_capacity(leaves.len());
        for (offset, leaf) in leaves.iter().enumerate() {
            let idx = next + offset as i64;
            sqlx::query(
                "insert into log_leaves (idx, kind, subject, bytes, leaf_hash, created_at)
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(idx)
            .bind(leaf.kind.as_str())
            .bind(&leaf.subject)
            .bind(&leaf.bytes)
            .bind(&leaf.leaf_hash[..])
            .bind(now)
            .execute(&mut *self)
            .await?;
            indexes.push(idx);
        }
        Ok(indexes)
    }


    async fn version_for_update(
        &mut self,
        doc_id: &str,
        version: i64,
    ) -> Result<Option<SignedVersion>, DbError> {
        let for_update = self.for_update();
        let record: Option<VersionRecord> = sqlx::query_as(&format!(
            "select {VERSION_COLUMNS} from signed_versions
             where doc_id = $1 and version = $2{for_update}"
        ))
        .bind(doc_id)
        .bind(version)
        .fetch_optional(&mut *self)
        .await?;
        record.map(SignedVersion::try_from).transpose()
    }

    async fn move_version(
        &mut self,
        doc_id: &str,
        version: i64,
        from: SignedState,
        to: SignedState,
        now: i64,
    ) -> Result<(), DbError> {
        let moved = sqlx::query(
            "update signed_versions set state = $1, updated_at = $2
             where doc_id = $3 and version = $4 and state = $5",
        )
        .bind(to.as_str())
        .bind(now)
        .bind(doc_id)
        .bind(version)
        .bind(from.as_str())
        .execute(&mut *self)
        .await?
        .rows_affected();
        if moved == 0 {
            return Err(changed_meanwhile());
        }
        Ok(())
    }
});

fn changed_meanwhile() -> DbError {
    rule(&crate::domain::phrases::SIGNED_CHANGED_MEANWHILE)
}

/// Why a signature write needs the version's current signatures to be what its caller saw.
fn signed_meanwhile() -> DbError {
    rule(&crate::domain::phrases::SIGNED_MEANWHILE)
}

impl Db {
    // ---- the log ----

    /// The log's identity, creating it with `origin` and `sealed_key` if there is none yet.
    /// Whoever creates it first wins; everyone gets the stored one.
    pub async fn log_identity_or_create(
        &self,
        origin: &str,
        sealed_key: &[u8],
        now: i64,
    ) -> Result<LogIdentity, DbError> {
        in_transaction!(self, |conn| {
            sqlx::query(
                "insert into log_identity (id, origin, sealed_key, created_at)
                 values (1, $1, $2, $3) on conflict (id) do nothing",
            )
            .bind(origin)
            .bind(sealed_key)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            let (origin, sealed_key): (String, Vec<u8>) =
                sqlx::query_as("select origin, sealed_key from log_identity where id = 1")
                    .fetch_one(&mut *conn)
                    .await?;
            Ok(LogIdentity { origin, sealed_key })
        })
    }

    /// The hashes of the first `size` leaves (all when `None`), in order.
    pub async fn log_leaf_hashes(&self, size: Option<i64>) -> Result<Vec<[u8; 32]>, DbError> {
        let rows: Vec<(Vec<u8>,)> = on_reader!(self, |conn| {
            sqlx::query_as("select leaf_hash from log_leaves where idx < $1 order by idx")
                .bind(size.unwrap_or(i64::MAX))
                .fetch_all(&mut *conn)
                .await?
        });
        rows.into_iter()
            .map(|(hash,)| {
                <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| {
                    super::common::corrupt_text("a log leaf hash is not 32 bytes".into())
                })
            })
            .collect()
    }

    /// The leaves at these indexes (missing ones are left out), in index order.
    pub async fn log_leaves(&self, indexes: &[i64]) -> Result<Vec<LogLeaf>, DbError> {
        let mut leaves = Vec::with_capacity(indexes.len());
        for idx in indexes {
            let row: Option<(i64, String, String, Vec<u8>, i64)> = on_reader!(self, |conn| {
                sqlx::query_as(
                    "select idx, kind, subject, bytes, created_at from log_leaves where idx = $1",
                )
                .bind(idx)
                .fetch_optional(&mut *conn)
                .await?
            });
            if let Some((idx, kind, subject, bytes, created_at)) = row {
                leaves.push(LogLeaf {
                    idx,
                    kind,
                    subject,
                    bytes,
                    created_at,
                });
            }
        }
        leaves.sort_by_key(|l| l.idx);
        Ok(leaves)
    }

    // ---- the audit trail's anchors ----

    /// The newest audit row's seq and hash; `None` while the trail is empty.
    pub async fn audit_head(&self) -> Result<Option<(i64, String)>, DbError> {
        Ok(on_reader!(self, |conn| {
            sqlx::query_as("select seq, hash from audit_log order by seq desc limit 1")
                .fetch_optional(&mut *conn)
                .await?
        }))
    }

    /// Appends `leaf`, the anchor of audit row `seq`, unless the newest anchor already names
    /// that row or a later one (another node anchored it first). One transaction under the
    /// log lock, so two nodes never anchor the same head twice. The leaf index when appended.
    pub async fn append_audit_anchor(
        &self,
        seq: i64,
        leaf: &NewLeaf,
        now: i64,
    ) -> Result<Option<i64>, DbError> {
        debug_assert_eq!(leaf.kind, LeafKind::AuditAnchor);
        in_transaction!(self, |conn| {
            conn.exclusive(lock_keys::LOG).await?;
            let newest: Option<(String,)> = sqlx::query_as(
                "select subject from log_leaves where kind = 'audit_anchor'
                 order by idx desc limit 1",
            )
            .fetch_optional(&mut *conn)
            .await?;
            let anchored =
                newest.and_then(|(subject,)| subject.strip_prefix("audit:")?.parse::<i64>().ok());
            if anchored.is_some_and(|anchored| anchored >= seq) {
                return Ok(None);
            }
            let indexes = conn.append_leaves(std::slice::from_ref(leaf), now).await?;
            Ok(indexes.first().copied())
        })
    }

    /// Every audit anchor in the log, oldest first.
    pub async fn audit_anchor_leaves(&self) -> Result<Vec<LogLeaf>, DbError> {
        let rows: Vec<(i64, String, String, Vec<u8>, i64)> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select idx, kind, subject, bytes, created_at from log_leaves
                 where kind = 'audit_anchor' order by idx",
            )
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(idx, kind, subject, bytes, created_at)| LogLeaf {
                idx,
                kind,
                subject,
                bytes,
                created_at,
            })
            .collect())
    }

    // ---- keys ----

    /// Binds a key: logs its binding statement and stores it, with the audit rows of
    /// `effects`, in one transaction. A second seal in force for one organization is refused.
    pub async fn bind_key(
        &self,
        key: &NewSigningKey,
        binding: &NewLeaf,
        effects: &Effects,
    ) -> Result<SigningKeyRow, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            let known: Option<(String,)> =
                sqlx::query_as("select key_id from signing_keys where key_id = $1")
                    .bind(&key.key_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            if known.is_some() {
                return Err(rule(
                    "this key is already enrolled; a key is bound once and, once revoked, never again",
                ));
            }
            let leaf = conn
                .append_leaves(std::slice::from_ref(binding), key.bound_at)
                .await?[0];
            sqlx::query(
                "insert into signing_keys (key_id, purpose, algorithm, org_id, user_id, spki,
                     sealed_private, binding_leaf, bound_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&key.key_id)
            .bind(key.purpose)
            .bind(key.algorithm)
            .bind(&key.org_id)
            .bind(&key.user_id)
            .bind(&key.spki)
            .bind(&key.sealed_private)
            .bind(leaf)
            .bind(key.bound_at)
            .execute(&mut *conn)
            .await?;
            conn.apply_effects(key.bound_at, effects, mail).await?;
            let row: SigningKeyRow = sqlx::query_as(&format!(
                "select {KEY_COLUMNS} from signing_keys where key_id = $1"
            ))
            .bind(&key.key_id)
            .fetch_one(&mut *conn)
            .await?;
            Ok(row)
        })
    }

    /// Revokes a key from now on: logs the revocation statement and marks the key, with who
    /// revoked it (`revoked_by`, a user id).
    pub async fn revoke_key(
        &self,
        key_id: &str,
        revocation: &NewLeaf,
        reason: &str,
        revoked_by: &str,
        now: i64,
        effects: &Effects,
    ) -> Result<(), DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            let for_update = conn.for_update();
            let revoked: Option<(Option<i64>,)> = sqlx::query_as(&format!(
                "select revoked_at from signing_keys where key_id = $1{for_update}"
            ))
            .bind(key_id)
            .fetch_optional(&mut *conn)
            .await?;
            match revoked {
                None => return Err(not_found(&crate::domain::phrases::NO_SUCH_KEY)),
                Some((Some(_),)) => return Err(rule(&crate::domain::phrases::KEY_ALREADY_REVOKED)),
                Some((None,)) => {}
            }
            let leaf = conn
                .append_leaves(std::slice::from_ref(revocation), now)
                .await?[0];
            sqlx::query(
                "update signing_keys set revoked_at = $1, revocation_leaf = $2, revoke_reason = $3,
                     revoked_by = $4
                 where key_id = $5",
            )
            .bind(now)
            .bind(leaf)
            .bind(reason)
            .bind(revoked_by)
            .bind(key_id)
            .execute(&mut *conn)
            .await?;
            conn.apply_effects(now, effects, mail).await?;
            Ok(())
        })
    }

    pub async fn signing_key(&self, key_id: &str) -> Result<Option<SigningKeyRow>, DbError> {
        let row = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {KEY_COLUMNS} from signing_keys where key_id = $1"
            ))
            .bind(key_id)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(row)
    }

    /// A person's keys, newest first.
    pub async fn person_keys(&self, user_id: &str) -> Result<Vec<SigningKeyRow>, DbError> {
        let rows = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {KEY_COLUMNS} from signing_keys where user_id = $1 order by bound_at desc"
            ))
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(rows)
    }

    /// Every key bound to an organization, its people's and its seals, revoked ones
    /// included, newest first, with its owner's and its revoker's names.
    pub async fn org_keys(&self, org_id: &str) -> Result<Vec<OrgKeyRow>, DbError> {
        let rows = on_reader!(self, |conn| {
            sqlx::query_as(
                "select k.key_id, k.purpose, k.algorithm, k.user_id, owner.username,
                     owner.display_name, k.bound_at, k.revoked_at, k.revoke_reason, k.revoked_by,
                     revoker.display_name as revoked_by_name
                 from signing_keys k
                 left join users owner on owner.id = k.user_id
                 left join users revoker on revoker.id = k.revoked_by
                 where k.org_id = $1
                 order by k.bound_at desc, k.binding_leaf desc",
            )
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(rows)
    }

    /// The organization's seal in force, if it has one.
    pub async fn seal_key(&self, org_id: &str) -> Result<Option<SigningKeyRow>, DbError> {
        let row = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {KEY_COLUMNS} from signing_keys
                 where org_id = $1 and purpose = 'seal' and revoked_at is null"
            ))
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(row)
    }

    // ---- signed documents ----

    /// Every frozen version of a document, oldest first.
    pub async fn signed_versions(&self, doc_id: &str) -> Result<Vec<SignedVersion>, DbError> {
        let records: Vec<VersionRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {VERSION_COLUMNS} from signed_versions where doc_id = $1
                 order by version"
            ))
            .bind(doc_id)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(SignedVersion::try_from).collect()
    }

    /// The signatures of a version, in the order they were logged.
    pub async fn signed_signatures(
        &self,
        doc_id: &str,
        version: i64,
    ) -> Result<Vec<SignedSignature>, DbError> {
        let rows = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {SIGNATURE_COLUMNS} from signed_signatures
                 where doc_id = $1 and version = $2 order by leaf"
            ))
            .bind(doc_id)
            .bind(version)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(rows)
    }

    /// Freezes a version: the document becomes read-only, the version is stored and its
    /// manifest logged. Refused if the document is not one of the subject's, if a version of
    /// it is already frozen or beyond (not superseded), or if `version` is not the next one.
    pub async fn freeze_signed(
        &self,
        new: &NewSignedVersion,
        manifest_leaf: &NewLeaf,
        effects: &Effects,
    ) -> Result<SignedVersion, DbError> {
        let mail = self.mail_delivery;
        let now = new.frozen_at;
        in_transaction!(self, |conn| {
            let for_update = conn.for_update();
            // `frozen` is an integer on SQLite and a boolean on PostgreSQL: read and written
            // as a bool, which both engines map.
            let doc: Option<(bool,)> = sqlx::query_as(&format!(
                "select frozen from space_docs where doc_id = $1 and space_id = $2{for_update}"
            ))
            .bind(&new.doc_id)
            .bind(&new.subject_id)
            .fetch_optional(&mut *conn)
            .await?;
            match doc {
                None => return Err(not_found(&crate::domain::phrases::NO_SUCH_SIGNED_DOCUMENT)),
                Some((true,)) => return Err(rule(&crate::domain::phrases::SIGNED_ALREADY_FROZEN)),
                Some((false,)) => {}
            }
            let (newest,): (Option<i64>,) =
                sqlx::query_as("select max(version) from signed_versions where doc_id = $1")
                    .bind(&new.doc_id)
                    .fetch_one(&mut *conn)
                    .await?;
            if newest.unwrap_or(0) + 1 != new.version {
                return Err(changed_meanwhile());
            }
            sqlx::query("update space_docs set frozen = $1 where doc_id = $2")
                .bind(true)
                .bind(&new.doc_id)
                .execute(&mut *conn)
                .await?;
            let leaf = conn
                .append_leaves(std::slice::from_ref(manifest_leaf), now)
                .await?[0];
            sqlx::query(
                "insert into signed_versions (doc_id, version, kind, subject_id, state, content,
                     manifest, manifest_sha256, manifest_leaf, crdt_state, rendition,
                     rendition_pdf, frozen_by, frozen_at, updated_at)
                 values ($1, $2, $3, $4, 'frozen', $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
            )
            .bind(&new.doc_id)
            .bind(new.version)
            .bind(&new.kind)
            .bind(&new.subject_id)
            .bind(&new.content)
            .bind(&new.manifest)
            .bind(&new.manifest_sha256)
            .bind(leaf)
            .bind(&new.crdt_state)
            .bind(&new.rendition)
            .bind(&new.rendition_pdf)
            .bind(&new.frozen_by)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            conn.apply_effects(now, effects, mail).await?;
            conn.version_for_update(&new.doc_id, new.version)
                .await?
                .ok_or_else(changed_meanwhile)
        })
    }

    /// Moves a version from the state its caller read to the next (open signing).
    pub async fn move_signed(
        &self,
        doc_id: &str,
        version: i64,
        from: SignedState,
        to: SignedState,
        now: i64,
        effects: &Effects,
    ) -> Result<(), DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            conn.move_version(doc_id, version, from, to, now).await?;
            conn.apply_effects(now, effects, mail).await?;
            Ok(())
        })
    }

    /// Stores one organization's signature and logs its envelope. `signed_before` is how many
    /// signatures the caller saw: if another landed meanwhile the write is refused (the
    /// caller's order check and `prev` were made against an outdated set). With `completion`,
    /// this signature was the last one required: the completion record is logged, the
    /// version becomes signed and its subject changes as the completion says; `effects` then
    /// carries what else the completion causes (for minutes: the agreed items' tasks and the
    /// participants' notices).
    pub async fn add_signature(
        &self,
        signature: &SignedSignature,
        envelope_leaf: &NewLeaf,
        signed_before: usize,
        completion: Option<&Completion>,
        effects: &Effects,
    ) -> Result<SignedSignature, DbError> {
        let mail = self.mail_delivery;
        let now = signature.signed_at;
        let (doc_id, version) = (&signature.doc_id, signature.version);
        in_transaction!(self, |conn| {
            let current = conn
                .version_for_update(doc_id, version)
                .await?
                .ok_or_else(changed_meanwhile)?;
            if current.state != SignedState::Signing {
                return Err(changed_meanwhile());
            }
            let (count,): (i64,) = sqlx::query_as(
                "select count(*) from signed_signatures where doc_id = $1 and version = $2",
            )
            .bind(doc_id)
            .bind(version)
            .fetch_one(&mut *conn)
            .await?;
            if count as usize != signed_before {
                return Err(signed_meanwhile());
            }
            let mut leaves = vec![envelope_leaf.clone()];
            if let Some(completion) = completion {
                leaves.push(NewLeaf {
                    kind: LeafKind::Completion,
                    subject: envelope_leaf.subject.clone(),
                    bytes: completion.bytes.clone(),
                    leaf_hash: completion.leaf_hash,
                });
            }
            let indexes = conn.append_leaves(&leaves, now).await?;
            sqlx::query(&format!(
                "insert into signed_signatures ({SIGNATURE_COLUMNS})
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            ))
            .bind(doc_id)
            .bind(version)
            .bind(&current.kind)
            .bind(&current.subject_id)
            .bind(signature.step)
            .bind(&signature.org_id)
            .bind(&signature.signer_user_id)
            .bind(&signature.person_key_id)
            .bind(&signature.seal_key_id)
            .bind(&signature.envelope)
            .bind(&signature.payload_sha256)
            .bind(indexes[0])
            .bind(now)
            .execute(&mut *conn)
            .await?;
            if let Some(completion) = completion {
                sqlx::query(
                    "update signed_versions set state = 'signed', completion = $1,
                         completion_leaf = $2, updated_at = $3
                     where doc_id = $4 and version = $5",
                )
                .bind(&completion.bytes)
                .bind(indexes[1])
                .bind(now)
                .bind(doc_id)
                .bind(version)
                .execute(&mut *conn)
                .await?;
                match &completion.subject_change {
                    SubjectChange::None => {}
                    SubjectChange::DecideDispute(decided) => {
                        conn.decide_dispute(&current.subject_id, decided, now)
                            .await?;
                    }
                    SubjectChange::SettleDispute(agreed) => {
                        conn.settle_dispute(&current.subject_id, agreed, now)
                            .await?;
                    }
                    SubjectChange::ConcludeInvestigation => {
                        conn.conclude_investigation(&current.subject_id, now)
                            .await?;
                    }
                    SubjectChange::CloseEndedMeeting => {
                        let (meeting_state, _) = conn.lock_meeting(&current.subject_id).await?;
                        if meeting_state == MeetingState::Ended {
                            conn.close_meeting(&current.subject_id, now).await?;
                        }
                    }
                }
            }
            conn.apply_effects(now, effects, mail).await?;
            Ok(SignedSignature {
                leaf: indexes[0],
                kind: current.kind,
                subject_id: current.subject_id,
                ..signature.clone()
            })
        })
    }

    /// Sends a frozen or signing version back for changes: it is superseded, its reopen record
    /// logged, and the document editable again (as the next version).
    pub async fn reopen_signed(
        &self,
        doc_id: &str,
        version: i64,
        reopen_leaf: &NewLeaf,
        reason: &str,
        now: i64,
        effects: &Effects,
    ) -> Result<(), DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            let current = conn
                .version_for_update(doc_id, version)
                .await?
                .ok_or_else(changed_meanwhile)?;
            if !matches!(current.state, SignedState::Frozen | SignedState::Signing) {
                return Err(changed_meanwhile());
            }
            conn.move_version(doc_id, version, current.state, SignedState::Superseded, now)
                .await?;
            sqlx::query(
                "update signed_versions set reopen_reason = $1 where doc_id = $2 and version = $3",
            )
            .bind(reason)
            .bind(doc_id)
            .bind(version)
            .execute(&mut *conn)
            .await?;
            sqlx::query("update space_docs set frozen = $1 where doc_id = $2")
                .bind(false)
                .bind(doc_id)
                .execute(&mut *conn)
                .await?;
            conn.append_leaves(std::slice::from_ref(reopen_leaf), now)
                .await?;
            conn.apply_effects(now, effects, mail).await?;
            Ok(())
        })
    }

    /// Archives a signed version: logs its archive record. Returns the record's leaf index.
    pub async fn archive_signed(
        &self,
        doc_id: &str,
        version: i64,
        archive_leaf: &NewLeaf,
        signature_page: &SignaturePageBytes,
        now: i64,
        effects: &Effects,
    ) -> Result<i64, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            conn.move_version(
                doc_id,
                version,
                SignedState::Signed,
                SignedState::Archived,
                now,
            )
            .await?;
            let leaf = conn
                .append_leaves(std::slice::from_ref(archive_leaf), now)
                .await?[0];
            sqlx::query(
                "update signed_versions set archive = $1, archive_leaf = $2,
                     signature_page_html = $3, signature_page_pdf = $4
                 where doc_id = $5 and version = $6",
            )
            .bind(&archive_leaf.bytes)
            .bind(leaf)
            .bind(&signature_page.html)
            .bind(&signature_page.pdf)
            .bind(doc_id)
            .bind(version)
            .execute(&mut *conn)
            .await?;
            conn.apply_effects(now, effects, mail).await?;
            Ok(leaf)
        })
    }

    /// The archive .zip of a version, once exported.
    pub async fn signed_bundle(
        &self,
        doc_id: &str,
        version: i64,
    ) -> Result<Option<Vec<u8>>, DbError> {
        let row: Option<(Option<Vec<u8>>,)> = on_reader!(self, |conn| {
            sqlx::query_as("select bundle from signed_versions where doc_id = $1 and version = $2")
                .bind(doc_id)
                .bind(version)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.and_then(|(bundle,)| bundle))
    }

    /// Stores the archive .zip of an archived version, once: a bundle already stored is kept
    /// (it is read-only forever), and the stored one is returned.
    pub async fn store_signed_bundle(
        &self,
        doc_id: &str,
        version: i64,
        zip: &[u8],
    ) -> Result<Vec<u8>, DbError> {
        in_transaction!(self, |conn| {
            sqlx::query(
                "update signed_versions set bundle = $1
                 where doc_id = $2 and version = $3 and state = 'archived' and bundle is null",
            )
            .bind(zip)
            .bind(doc_id)
            .bind(version)
            .execute(&mut *conn)
            .await?;
            let (bundle,): (Option<Vec<u8>>,) = sqlx::query_as(
                "select bundle from signed_versions where doc_id = $1 and version = $2",
            )
            .bind(doc_id)
            .bind(version)
            .fetch_one(&mut *conn)
            .await?;
            bundle.ok_or_else(changed_meanwhile)
        })
    }
}
