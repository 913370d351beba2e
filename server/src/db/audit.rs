//! The audit trail: an append-only, hash-chained log of who changed what, and when.
//!
//! # Why a hash chain
//!
//! DOMAIN.md: "who did what, and when" must always be reconstructible. The trail lives in the
//! same database as what it describes, so someone with write access to the database could
//! quietly edit or remove a line. Each row therefore stores the hash of the row before it and
//! a hash over itself ([`chain_hash`]); [`Db::verify_audit_chain`] recomputes the chain and
//! names the first row that does not fit, so such an edit is at least visible.
//!
//! Removing the newest rows, or rebuilding the chain from some row on, leaves a chain that
//! still fits itself; only a copy of a newer hash kept elsewhere shows that. The server keeps
//! such copies in the signed log: from time to time it appends the newest row's seq and hash
//! as an audit anchor (`crate::work::audit::anchor`), and
//! [`verify_audit_chain_against`](Db::verify_audit_chain_against) checks the trail against
//! every anchor. Rows newer than the last anchor are protected by the chain alone.
//!
//! # How appends stay in one chain
//!
//! [`append_audit`](AuditQueries::append_audit) reads the last row and inserts the next one
//! in the caller's transaction, while holding a lock (on SQLite, being the one writer; on
//! PostgreSQL, a transaction advisory lock), so two appends never read the same last row.
//! The seq is that last seq plus one, not a sequence's next value: a rolled-back transaction
//! would otherwise leave a gap that looks like a removed row. The append is always the last
//! statement of a write, so the lock is held only from there to the commit.
//!
//! The detail is stored as text (not `jsonb`) so that the bytes hashed are the bytes stored.
//!
//! This module must never write a secret into a row: callers pass the detail, and must keep
//! passwords, tokens and their hashes out of it.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::common::{impl_for_both_engines, in_transaction, lock_keys, on_reader, Exclusive};
use super::identity::{AuditCheck, AuditEvent, AuditRow};
use super::{Db, DbError};

/// The `prev_hash` of the first row: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Rows read at a time by [`Db::verify_audit_chain`], so a long trail is checked in bounded
/// memory.
const VERIFY_PAGE: i64 = 1000;

/// The fields of one audit row that its hash covers, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainFields<'a> {
    pub seq: i64,
    pub at: i64,
    pub actor_user_id: Option<&'a str>,
    pub actor_org_id: Option<&'a str>,
    pub action: &'a str,
    pub target: &'a str,
    pub ip: Option<&'a str>,
    /// The stored JSON text, byte for byte.
    pub detail: &'a str,
}

/// The hash of one audit row: lowercase hex of SHA-256 over
///
/// ```text
/// prev_hash ␟ seq ␟ at ␟ actor_user_id ␟ actor_org_id ␟ action ␟ target ␟ ip ␟ detail
/// ```
///
/// where `␟` is the byte 0x1f (unit separator), numbers are in decimal, and an absent value is
/// empty. Written out here so the trail can be checked by anyone, with any tool, from an export.
pub fn chain_hash(prev_hash: &str, row: &ChainFields<'_>) -> String {
    const SEPARATOR: &[u8] = &[0x1f];
    let mut hasher = Sha256::new();
    let seq = row.seq.to_string();
    let at = row.at.to_string();
    let parts: [&str; 9] = [
        prev_hash,
        &seq,
        &at,
        row.actor_user_id.unwrap_or(""),
        row.actor_org_id.unwrap_or(""),
        row.action,
        row.target,
        row.ip.unwrap_or(""),
        row.detail,
    ];
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hasher.update(SEPARATOR);
        }
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// An audit row as stored, before its detail is parsed.
#[derive(sqlx::FromRow)]
struct AuditRecord {
    seq: i64,
    at: i64,
    actor_user_id: Option<String>,
    actor_org_id: Option<String>,
    action: String,
    target: String,
    detail: String,
    ip: Option<String>,
    prev_hash: String,
    hash: String,
}

impl AuditRecord {
    fn fields(&self) -> ChainFields<'_> {
        ChainFields {
            seq: self.seq,
            at: self.at,
            actor_user_id: self.actor_user_id.as_deref(),
            actor_org_id: self.actor_org_id.as_deref(),
            action: &self.action,
            target: &self.target,
            ip: self.ip.as_deref(),
            detail: &self.detail,
        }
    }

    fn into_row(self) -> AuditRow {
        let detail = serde_json::from_str(&self.detail)
            .unwrap_or_else(|_| serde_json::Value::String(self.detail.clone()));
        AuditRow {
            seq: self.seq,
            at: self.at,
            actor_user_id: self.actor_user_id,
            actor_org_id: self.actor_org_id,
            action: self.action,
            target: self.target,
            detail,
            ip: self.ip,
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

const AUDIT_COLUMNS: &str =
    "seq, at, actor_user_id, actor_org_id, action, target, detail, ip, prev_hash, hash";

/// The audit queries every write shares.
pub(super) trait AuditQueries {
    /// Appends `event` as the next row of the chain, in the current transaction. Call it last
    /// in a write: it takes the audit lock, which is held until the commit.
    async fn append_audit(&mut self, event: &AuditEvent) -> Result<(), DbError>;
    /// Appends several rows in order, reading the chain's end and taking its lock once.
    async fn append_audits(&mut self, events: &[AuditEvent]) -> Result<(), DbError>;
}

impl_for_both_engines!(AuditQueries {
    async fn append_audit(&mut self, event: &AuditEvent) -> Result<(), DbError> {
        self.append_audits(std::slice::from_ref(event)).await
    }

    async fn append_audits(&mut self, events: &[AuditEvent]) -> Result<(), DbError> {
        if events.is_empty() {
            return Ok(());
        }
        self.exclusive(lock_keys::AUDIT).await?;
        let last: Option<(i64, String)> =
            sqlx::query_as("select seq, hash from audit_log order by seq desc limit 1")
                .fetch_optional(&mut *self)
                .await?;
        let (mut seq, mut prev_hash) = match last {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, GENESIS_HASH.to_owned()),
        };
        for event in events {
            let detail = event.detail.to_string();
            let hash = chain_hash(
                &prev_hash,
                &ChainFields {
                    seq,
                    at: event.at,
                    actor_user_id: event.actor_user_id.as_deref(),
                    actor_org_id: event.actor_org_id.as_deref(),
                    action: &event.action,
                    target: &event.target,
                    ip: event.ip.as_deref(),
                    detail: &detail,
                },
            );
            sqlx::query(
                "insert into audit_log
                     (seq, at, actor_user_id, actor_org_id, action, target, detail, ip, prev_hash, hash)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(seq)
            .bind(event.at)
            .bind(event.actor_user_id.as_deref())
            .bind(event.actor_org_id.as_deref())
            .bind(&event.action)
            .bind(&event.target)
            .bind(&detail)
            .bind(event.ip.as_deref())
            .bind(&prev_hash)
            .bind(&hash)
            .execute(&mut *self)
            .await?;
            seq += 1;
            prev_hash = hash;
        }
        Ok(())
    }
});

impl Db {
    /// Records an event that changes nothing else: a sign-in, a failed sign-in, a refusal.
    pub async fn audit(&self, event: &AuditEvent) -> Result<(), DbError> {
        in_transaction!(self, |conn| conn.append_audit(event).await)
    }

    /// Up to `limit` rows, newest first, with seq below `before_seq` when given (the previous
    /// page's last seq). With `org_id`, only rows whose actor acted for that organization.
    pub async fn audit_rows(
        &self,
        org_id: Option<&str>,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, DbError> {
        let before = before_seq.unwrap_or(i64::MAX);
        let limit = limit.max(0);
        let records: Vec<AuditRecord> = on_reader!(self, |conn| match org_id {
            Some(org_id) => {
                sqlx::query_as(&format!(
                    "select {AUDIT_COLUMNS} from audit_log
                     where actor_org_id = $1 and seq < $2
                     order by seq desc limit $3"
                ))
                .bind(org_id)
                .bind(before)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
            }
            None => {
                sqlx::query_as(&format!(
                    "select {AUDIT_COLUMNS} from audit_log
                     where seq < $1
                     order by seq desc limit $2"
                ))
                .bind(before)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
            }
        });
        Ok(records.into_iter().map(AuditRecord::into_row).collect())
    }

    /// Recomputes the whole chain from the first row and reports the first row that does not
    /// fit: a gap in seq (a removed row), a `prev_hash` that is not the previous row's hash, or
    /// a hash that does not match the row's contents (an edited row).
    pub async fn verify_audit_chain(&self) -> Result<AuditCheck, DbError> {
        self.verify_audit_chain_against(&BTreeMap::new()).await
    }

    /// [`verify_audit_chain`](Db::verify_audit_chain), and also that every anchored row (seq →
    /// the hash the signed log recorded for it, read from the log's `audit_anchor` leaves by
    /// the caller) is still there with that hash. This is what shows that the newest rows were
    /// removed, or that the chain was rebuilt from some row on: a chain that fits itself no
    /// longer fits what the log recorded.
    pub async fn verify_audit_chain_against(
        &self,
        anchors: &BTreeMap<i64, String>,
    ) -> Result<AuditCheck, DbError> {
        let mut rows: u64 = 0;
        let mut first_bad = None;
        let mut last_seq = 0;
        let mut expected_prev = GENESIS_HASH.to_owned();
        loop {
            let page: Vec<AuditRecord> = on_reader!(self, |conn| {
                sqlx::query_as(&format!(
                    "select {AUDIT_COLUMNS} from audit_log
                     where seq > $1
                     order by seq limit $2"
                ))
                .bind(last_seq)
                .bind(VERIFY_PAGE)
                .fetch_all(&mut *conn)
                .await?
            });
            let done = page.len() < VERIFY_PAGE as usize;
            for record in &page {
                rows += 1;
                if first_bad.is_none() {
                    first_bad = misfit(record, last_seq, &expected_prev)
                        .or_else(|| unlike_anchor(record, anchors))
                        .map(|why| (record.seq, why));
                }
                last_seq = record.seq;
                expected_prev.clone_from(&record.hash);
            }
            if done {
                break;
            }
        }
        if let Some((&anchored, _)) = anchors.last_key_value() {
            if first_bad.is_none() && anchored > last_seq {
                let missing = if anchored == last_seq + 1 {
                    format!("audit row {anchored} is missing")
                } else {
                    format!("audit rows {} to {anchored} are missing", last_seq + 1)
                };
                first_bad = Some((
                    last_seq + 1,
                    format!(
                        "{missing} (removed?): the signed log anchored row {anchored}, the \
                         trail ends at row {last_seq}"
                    ),
                ));
            }
        }
        Ok(AuditCheck { rows, first_bad })
    }
}

/// Why `record` is not the row the signed log anchored at its seq, if an anchor names it.
fn unlike_anchor(record: &AuditRecord, anchors: &BTreeMap<i64, String>) -> Option<String> {
    let anchored = anchors.get(&record.seq)?;
    (anchored != &record.hash).then(|| {
        format!(
            "audit row {} is not the row the signed log anchored (the chain was rebuilt from \
             this row or an earlier one)",
            record.seq
        )
    })
}

/// Why `record` does not follow the row `previous_seq` whose hash is `expected_prev`, if it
/// does not.
fn misfit(record: &AuditRecord, previous_seq: i64, expected_prev: &str) -> Option<String> {
    let seq = record.seq;
    if seq != previous_seq + 1 {
        let missing = if seq == previous_seq + 2 {
            format!("audit row {} is missing", previous_seq + 1)
        } else {
            format!("audit rows {} to {} are missing", previous_seq + 1, seq - 1)
        };
        return Some(format!(
            "{missing} (removed?): row {seq} follows row {previous_seq}"
        ));
    }
    if record.prev_hash != expected_prev {
        return Some(format!(
            "audit row {seq} does not name the hash of the row before it (a row was changed or \
             removed)"
        ));
    }
    if chain_hash(&record.prev_hash, &record.fields()) != record.hash {
        return Some(format!(
            "audit row {seq} does not match its hash (the row was changed)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ChainFields<'static> {
        ChainFields {
            seq: 1,
            at: 1_700_000_000_000,
            actor_user_id: Some("u-1"),
            actor_org_id: Some("o-1"),
            action: "org_created",
            target: "org:o-2",
            ip: Some("10.0.0.1"),
            detail: r#"{"code":"X"}"#,
        }
    }

    #[test]
    fn the_hash_is_sha256_of_the_fields_joined_by_unit_separators() {
        let expected = hex::encode(Sha256::digest(
            format!(
                "{GENESIS_HASH}\u{1f}1\u{1f}1700000000000\u{1f}u-1\u{1f}o-1\u{1f}org_created\
                 \u{1f}org:o-2\u{1f}10.0.0.1\u{1f}{{\"code\":\"X\"}}"
            )
            .as_bytes(),
        ));

        let hash = chain_hash(GENESIS_HASH, &fields());

        assert_eq!(hash, expected);
        assert_eq!(hash.len(), 64);
        assert!(hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }

    #[test]
    fn a_known_row_has_a_known_hash() {
        // Computed outside Rust (Python's hashlib over the same bytes) and pinned, so that a
        // change to the format, which would break every stored chain, fails here first.
        assert_eq!(
            chain_hash(GENESIS_HASH, &fields()),
            "31928a8a9d0fabfb1c0cc0c71c610389b1d15622d18a762c604233343ffe000a"
        );
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_hash() {
        let base = chain_hash(GENESIS_HASH, &fields());
        let variants = [
            ChainFields { seq: 2, ..fields() },
            ChainFields { at: 1, ..fields() },
            ChainFields {
                actor_user_id: Some("u-2"),
                ..fields()
            },
            ChainFields {
                actor_org_id: None,
                ..fields()
            },
            ChainFields {
                action: "org_updated",
                ..fields()
            },
            ChainFields {
                target: "org:o-3",
                ..fields()
            },
            ChainFields {
                ip: None,
                ..fields()
            },
            ChainFields {
                detail: r#"{"code":"Y"}"#,
                ..fields()
            },
        ];

        for variant in &variants {
            assert_ne!(chain_hash(GENESIS_HASH, variant), base, "{variant:?}");
        }
        assert_ne!(chain_hash(&"1".repeat(64), &fields()), base);
    }

    #[test]
    fn the_separator_keeps_a_value_from_moving_into_its_neighbour() {
        let a = ChainFields {
            action: "ab",
            target: "c",
            ..fields()
        };
        let b = ChainFields {
            action: "a",
            target: "bc",
            ..fields()
        };

        assert_ne!(chain_hash(GENESIS_HASH, &a), chain_hash(GENESIS_HASH, &b));
    }

    #[test]
    fn misfit_names_a_gap_a_broken_link_and_an_edited_row() {
        let mut record = AuditRecord {
            seq: 1,
            at: 5,
            actor_user_id: None,
            actor_org_id: None,
            action: "a".into(),
            target: String::new(),
            detail: "{}".into(),
            ip: None,
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        };
        record.hash = chain_hash(GENESIS_HASH, &record.fields());
        assert_eq!(misfit(&record, 0, GENESIS_HASH), None);

        let gap = misfit(&record, -1, GENESIS_HASH).unwrap();
        assert!(gap.contains("row 0 is missing"), "{gap}");

        let link = misfit(&record, 0, &"1".repeat(64)).unwrap();
        assert!(link.contains("hash of the row before"), "{link}");

        record.action = "b".into();
        let edit = misfit(&record, 0, GENESIS_HASH).unwrap();
        assert!(edit.contains("does not match its hash"), "{edit}");
    }
}
