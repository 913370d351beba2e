//! The audit trail as operations: read by operators (all of it) and by org admins (their own
//! body's rows), as pages or as one CSV file; the check of its hash chain against the signed
//! log's anchors, which the shell runs (`concord admin audit-verify`); and the anchoring of
//! its newest row in the signed log ([`anchor`]), which every node does from time to time.
//!
//! This module must never write to the trail (writes append their rows themselves, in their
//! own transaction) nor decide access itself.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::by::By;
use super::Error;
use crate::auth::Caller;
use crate::db::{AuditRow, Db};
use crate::db::{LeafKind, NewLeaf};
use crate::domain::message::Lang;
use crate::domain::phrases;
use crate::domain::policy::Action;
use crate::services::Services;
use crate::signing::merkle;
use crate::signing::statement::{rfc3339, AuditAnchor, AUDIT_ANCHOR_TYPE};

/// Rows per page at most.
const MAX_PAGE: i64 = 500;

/// Rows per page when the request does not say.
const DEFAULT_PAGE: i64 = 100;

/// A page of the trail, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// Where the next (older) page starts (`?before=`); `null` at the end.
    pub next_before: Option<i64>,
}

/// What checking the chain found.
#[derive(Debug)]
pub struct ChainCheck {
    /// Rows read.
    pub rows: u64,
    /// The newest row the signed log anchored; rows after it are protected by the chain
    /// alone.
    pub anchored_through: Option<i64>,
    /// The first row that does not fit the chain; `null` when every row fits.
    pub broken_at: Option<BrokenLink>,
}

/// Where the chain breaks, and why.
#[derive(Debug)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// A page of the trail: of one organization's actors (its admins, operators) or all of it
/// (operators), rows older than `before`, at most `limit` (1 to 500, 100 when not given).
pub async fn page(
    services: &Services,
    caller: &Caller,
    org_id: Option<&str>,
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<AuditPage, Error> {
    caller
        .allow(&services.db, Action::ReadAudit { org_id })
        .await?;
    let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let rows = services.db.audit_rows(org_id, before, limit).await?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.seq))
        .flatten();
    Ok(AuditPage { rows, next_before })
}

/// The whole trail (or one organization's rows) as a CSV file, newest first, with both chain
/// hashes so an auditor can check it outside this server.
pub async fn csv(
    services: &Services,
    caller: &Caller,
    org_id: Option<&str>,
) -> Result<Vec<u8>, Error> {
    caller
        .allow(&services.db, Action::ReadAudit { org_id })
        .await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "seq",
            "at",
            "actor_user_id",
            "actor_org_id",
            "action",
            "target",
            "detail",
            "ip",
            "prev_hash",
            "hash",
        ])
        .map_err(Error::internal)?;
    let mut before = None;
    loop {
        let rows = services.db.audit_rows(org_id, before, MAX_PAGE).await?;
        for row in &rows {
            writer
                .write_record([
                    row.seq.to_string(),
                    row.at.to_string(),
                    row.actor_user_id.clone().unwrap_or_default(),
                    row.actor_org_id.clone().unwrap_or_default(),
                    row.action.clone(),
                    row.target.clone(),
                    row.detail.to_string(),
                    row.ip.clone().unwrap_or_default(),
                    row.prev_hash.clone(),
                    row.hash.clone(),
                ])
                .map_err(Error::internal)?;
        }
        if (rows.len() as i64) < MAX_PAGE {
            break;
        }
        before = rows.last().map(|r| r.seq);
    }
    writer
        .into_inner()
        .map_err(|e| Error::internal(format!("finishing the CSV: {e}")))
}

/// Recomputes the whole chain and names the first row that does not fit: an edited row, a
/// removed one, or one whose link to the row before is wrong; and checks the trail against
/// every anchor in the signed log, which shows removed newest rows and a rebuilt chain
/// (operators, or the shell).
pub async fn verify_chain(db: &Db, by: By<'_>) -> Result<ChainCheck, Error> {
    by.allow(db, Action::ReadAudit { org_id: None }).await?;
    let mut anchors = BTreeMap::new();
    for leaf in db.audit_anchor_leaves().await? {
        match AuditAnchor::parse(&leaf.bytes) {
            Ok(anchor) => {
                anchors.insert(anchor.seq, anchor.hash);
            }
            Err(e) => {
                return Ok(ChainCheck {
                    rows: 0,
                    anchored_through: None,
                    broken_at: Some(BrokenLink {
                        seq: 0,
                        reason: format!(
                            "leaf {} of the signed log is not a readable audit anchor: {e}",
                            leaf.idx
                        ),
                    }),
                })
            }
        }
    }
    let check = db.verify_audit_chain_against(&anchors).await?;
    Ok(ChainCheck {
        rows: check.rows,
        anchored_through: anchors.last_key_value().map(|(&seq, _)| seq),
        broken_at: check
            .first_bad
            .map(|(seq, reason)| BrokenLink { seq, reason }),
    })
}

/// What checking the chain found, for the browser: the verdict as a catalogued sentence in
/// both languages (the page shows the reader's), and the English detail of a break.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainVerdict {
    /// Whether every row fits the chain and every anchor of the signed log.
    pub intact: bool,
    /// Rows read.
    pub rows: u64,
    /// The newest row the signed log anchored; `null` when none is yet.
    pub anchored_through: Option<i64>,
    /// The first row that does not fit; `null` when the chain holds.
    pub broken_at: Option<i64>,
    /// The catalogue code of the verdict (`audit.chain_anchored`, …).
    pub code: &'static str,
    /// The verdict in Chinese.
    pub zh: String,
    /// The verdict in English.
    pub en: String,
    /// Why the chain breaks where it does (technical, English); `null` when it holds.
    pub detail: Option<String>,
}

/// [`verify_chain`] as a verdict a person reads (`GET /api/audit/verify`, operators).
pub async fn chain_verdict(db: &Db, by: By<'_>) -> Result<ChainVerdict, Error> {
    let check = verify_chain(db, by).await?;
    let message = match (&check.broken_at, check.anchored_through) {
        (Some(broken), _) => phrases::AUDIT_CHAIN_BROKEN.with("seq", broken.seq),
        (None, Some(seq)) => phrases::AUDIT_CHAIN_ANCHORED.with("seq", seq),
        (None, None) => phrases::AUDIT_CHAIN_UNANCHORED.message(),
    }
    .with("rows", check.rows);
    Ok(ChainVerdict {
        intact: check.broken_at.is_none(),
        rows: check.rows,
        anchored_through: check.anchored_through,
        broken_at: check.broken_at.as_ref().map(|b| b.seq),
        code: message.code().unwrap_or_default(),
        zh: message.render(Lang::Zh).unwrap_or_default(),
        en: message.render(Lang::En).unwrap_or_default(),
        detail: check.broken_at.map(|b| b.reason),
    })
}

/// Anchors the trail's newest row in the signed log, unless it is anchored already (or the
/// trail is empty): the periodic job of every node (`--audit-anchor-every`) and the last step
/// of a clean shutdown. The leaf index when a new anchor was appended.
pub async fn anchor(db: &Db, now: i64) -> Result<Option<i64>, Error> {
    let Some((seq, hash)) = db.audit_head().await? else {
        return Ok(None);
    };
    let record = AuditAnchor {
        r#type: AUDIT_ANCHOR_TYPE.to_owned(),
        seq,
        hash,
        anchored_at: rfc3339(now),
    };
    let bytes = record.to_bytes();
    let leaf = NewLeaf {
        kind: LeafKind::AuditAnchor,
        subject: format!("audit:{seq}"),
        leaf_hash: merkle::leaf_hash(&bytes),
        bytes,
    };
    Ok(db.append_audit_anchor(seq, &leaf, now).await?)
}
