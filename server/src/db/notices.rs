//! Notifications (信息通报 / 案件函告) as stored: versions and each receiving body's receipt.
//!
//! # Versions
//!
//! A row of `notices` is one version. A correction or recall is the next version of the same
//! series, sent in one transaction that also marks the version before it superseded, so there
//! is always exactly one live (sent) version and its receipts start anew: a corrected notice
//! must be acknowledged again.
//!
//! # Receipts
//!
//! A receipt changes only from the state its caller read ([`Db::change_receipt`]) and only on
//! a version that is still sent, so two people of one body acknowledging at once record one
//! acknowledgement, and nobody acknowledges a version that was corrected meanwhile. The rules
//! of which change is allowed live in `domain::notice`; this module must never decide them.

use std::collections::BTreeSet;

use futures_util::future::BoxFuture;

use super::common::RowLocks;
use super::common::{impl_for_both_engines, in_transaction, not_found, on_reader, parse, rule};
use super::effects::{Consequence, EffectQueries, Effects, Tx};
use super::figures::{receipt_late, receipt_to_acknowledge, BodyPeriod};
use super::{Db, DbError};
use crate::domain::notice::{NoticeKind, NoticeState, ReceiptState, VersionKind};

/// A notice version to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub id: String,
    /// The series id of an earlier version: a correction or recall.
    pub series: Option<String>,
    pub version_kind: VersionKind,
    pub kind: NoticeKind,
    pub sender_org_id: String,
    pub created_by: String,
    pub title: String,
    pub body: String,
    pub requires_ack: bool,
    pub requires_reply: bool,
    pub reply_due_at: Option<i64>,
    pub remind_at: Option<i64>,
    pub escalate_at: Option<i64>,
    pub recipients: Vec<String>,
    /// What it is about, for a link (`meeting:<id>`, `minutes:<meeting id>:<version>`); none
    /// for a notice a person wrote.
    pub subject: Option<String>,
}

/// A stored notice version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: String,
    pub series_id: String,
    pub version: i64,
    pub version_kind: VersionKind,
    pub kind: NoticeKind,
    pub sender_org_id: String,
    pub created_by: String,
    pub title: String,
    pub body: String,
    pub requires_ack: bool,
    pub requires_reply: bool,
    pub reply_due_at: Option<i64>,
    pub remind_at: Option<i64>,
    pub escalate_at: Option<i64>,
    pub state: NoticeState,
    pub sent_at: Option<i64>,
    pub created_at: i64,
    /// What it is about ([`NewNotice::subject`]).
    pub subject: Option<String>,
}

/// One receiving body's receipt of one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub notice_id: String,
    pub org_id: String,
    pub state: ReceiptState,
    pub delivered_at: i64,
    pub read_at: Option<i64>,
    pub read_by: Option<String>,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_by_name: Option<String>,
    pub replied_at: Option<i64>,
    pub replied_by: Option<String>,
    pub reply: Option<String>,
    pub closed_at: Option<i64>,
}

/// A receipt transition to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptChange {
    pub notice_id: String,
    pub org_id: String,
    pub from: ReceiptState,
    pub to: ReceiptState,
    pub at: i64,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub reply: Option<String>,
}

/// A notice version as stored.
#[derive(sqlx::FromRow)]
struct NoticeRecord {
    id: String,
    series_id: String,
    version: i64,
    version_kind: String,
    kind: String,
    sender_org_id: String,
    created_by: String,
    title: String,
    body: String,
    requires_ack: bool,
    requires_reply: bool,
    reply_due_at: Option<i64>,
    remind_at: Option<i64>,
    escalate_at: Option<i64>,
    state: String,
    sent_at: Option<i64>,
    created_at: i64,
    subject: Option<String>,
}

impl TryFrom<NoticeRecord> for Notice {
    type Error = DbError;
    fn try_from(r: NoticeRecord) -> Result<Notice, DbError> {
        Ok(Notice {
            version_kind: parse(&r.version_kind)?,
            kind: parse(&r.kind)?,
            state: parse(&r.state)?,
            id: r.id,
            series_id: r.series_id,
            version: r.version,
            sender_org_id: r.sender_org_id,
            created_by: r.created_by,
            title: r.title,
            body: r.body,
            requires_ack: r.requires_ack,
            requires_reply: r.requires_reply,
            reply_due_at: r.reply_due_at,
            remind_at: r.remind_at,
            escalate_at: r.escalate_at,
            sent_at: r.sent_at,
            created_at: r.created_at,
            subject: r.subject,
        })
    }
}

const NOTICE_COLUMNS: &str = "n.id, n.series_id, n.version, n.version_kind, n.kind,
    n.sender_org_id, n.created_by, n.title, n.body, n.requires_ack, n.requires_reply,
    n.reply_due_at, n.remind_at, n.escalate_at, n.state, n.sent_at, n.created_at, n.subject";

/// A receipt as stored.
#[derive(sqlx::FromRow)]
struct ReceiptRecord {
    notice_id: String,
    org_id: String,
    state: String,
    delivered_at: i64,
    read_at: Option<i64>,
    read_by: Option<String>,
    acknowledged_at: Option<i64>,
    acknowledged_by: Option<String>,
    acknowledged_by_name: Option<String>,
    replied_at: Option<i64>,
    replied_by: Option<String>,
    reply: Option<String>,
    closed_at: Option<i64>,
}

impl TryFrom<ReceiptRecord> for Receipt {
    type Error = DbError;
    fn try_from(r: ReceiptRecord) -> Result<Receipt, DbError> {
        Ok(Receipt {
            state: parse(&r.state)?,
            notice_id: r.notice_id,
            org_id: r.org_id,
            delivered_at: r.delivered_at,
            read_at: r.read_at,
            read_by: r.read_by,
            acknowledged_at: r.acknowledged_at,
            acknowledged_by: r.acknowledged_by,
            acknowledged_by_name: r.acknowledged_by_name,
            replied_at: r.replied_at,
            replied_by: r.replied_by,
            reply: r.reply,
            closed_at: r.closed_at,
        })
    }
}

const RECEIPT_COLUMNS: &str = "r.notice_id, r.org_id, r.state, r.delivered_at, r.read_at,
    r.read_by, r.acknowledged_at, r.acknowledged_by, r.acknowledged_by_name, r.replied_at,
    r.replied_by, r.reply, r.closed_at";

/// A notice and one of its receipts, read in one row. Both have a `state`, so the receipt's
/// is read as `receipt_state`.
#[derive(sqlx::FromRow)]
struct ReceivedRecord {
    #[sqlx(flatten)]
    notice: NoticeRecord,
    notice_id: String,
    org_id: String,
    receipt_state: String,
    delivered_at: i64,
    read_at: Option<i64>,
    read_by: Option<String>,
    acknowledged_at: Option<i64>,
    acknowledged_by: Option<String>,
    acknowledged_by_name: Option<String>,
    replied_at: Option<i64>,
    replied_by: Option<String>,
    reply: Option<String>,
    closed_at: Option<i64>,
}

impl ReceivedRecord {
    fn split(self) -> Result<(Notice, Receipt), DbError> {
        let receipt = ReceiptRecord {
            notice_id: self.notice_id,
            org_id: self.org_id,
            state: self.receipt_state,
            delivered_at: self.delivered_at,
            read_at: self.read_at,
            read_by: self.read_by,
            acknowledged_at: self.acknowledged_at,
            acknowledged_by: self.acknowledged_by,
            acknowledged_by_name: self.acknowledged_by_name,
            replied_at: self.replied_at,
            replied_by: self.replied_by,
            reply: self.reply,
            closed_at: self.closed_at,
        };
        Ok((Notice::try_from(self.notice)?, Receipt::try_from(receipt)?))
    }
}

const RECEIVED_RECEIPT_COLUMNS: &str = "r.notice_id, r.org_id, r.state as receipt_state,
    r.delivered_at, r.read_at, r.read_by, r.acknowledged_at, r.acknowledged_by,
    r.acknowledged_by_name, r.replied_at, r.replied_by, r.reply, r.closed_at";

fn no_notice() -> DbError {
    not_found(&crate::domain::phrases::NO_SUCH_NOTICE)
}

/// The notice queries the writes share.
pub(super) trait NoticeQueries {
    async fn notice_by_id(&mut self, id: &str) -> Result<Option<Notice>, DbError>;
    async fn receipt_of(
        &mut self,
        notice_id: &str,
        org_id: &str,
    ) -> Result<Option<Receipt>, DbError>;
    /// Sends `new` at `now`: what [`Db::send_notice`] and a write whose [`Effects::send_notice`]
    /// send notices ([`Effects::send_notice`]) both do (see there).
    async fn insert_notice(&mut self, new: &NewNotice, now: i64) -> Result<Notice, DbError>;
    /// Moves a receipt from `change.from` to `change.to` with its stamps, only while the
    /// version is sent: whether it moved.
    async fn move_receipt(&mut self, change: &ReceiptChange) -> Result<bool, DbError>;
}

/// A notice another write sends (a meeting's notice, signed minutes to their participants).
#[derive(Debug, Clone)]
struct NoticeToSend(NewNotice);

impl Consequence for NoticeToSend {
    fn insert<'a>(&'a self, tx: Tx<'a>, now: i64) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            match tx {
                Tx::Sqlite(conn) => conn.insert_notice(&self.0, now).await?,
                Tx::Postgres(conn) => conn.insert_notice(&self.0, now).await?,
            };
            Ok(())
        })
    }
}

/// A receipt another write moves (answering a meeting's invitation acknowledges its notice).
#[derive(Debug, Clone)]
struct ReceiptMoved(ReceiptChange);

impl Consequence for ReceiptMoved {
    fn insert<'a>(&'a self, tx: Tx<'a>, _now: i64) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            // Moved only from the state read and on a version still sent; if someone of the
            // body acted on it meanwhile, or it was corrected, the answer stands without it.
            match tx {
                Tx::Sqlite(conn) => conn.move_receipt(&self.0).await?,
                Tx::Postgres(conn) => conn.move_receipt(&self.0).await?,
            };
            Ok(())
        })
    }
}

impl Effects {
    /// Sends `notice` (version 1 of a new series) in the write: a meeting's notice goes out
    /// exactly when the meeting is scheduled.
    pub fn send_notice(&mut self, notice: NewNotice) {
        self.insert(NoticeToSend(notice));
    }

    /// Moves a receipt in the write, as [`Db::change_receipt`] would, but silently not when it
    /// is no longer in `change.from` or its version is no longer sent.
    pub fn change_receipt(&mut self, change: ReceiptChange) {
        self.insert(ReceiptMoved(change));
    }
}

impl_for_both_engines!(NoticeQueries {
    async fn notice_by_id(&mut self, id: &str) -> Result<Option<Notice>, DbError> {
        let record: Option<NoticeRecord> =
            sqlx::query_as(&format!("select {NOTICE_COLUMNS} from notices n where n.id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        record.map(Notice::try_from).transpose()
    }

    async fn move_receipt(&mut self, change: &ReceiptChange) -> Result<bool, DbError> {
        let stamps = receipt_stamps(change.to);
        let sql = format!(
            "update notice_receipts set state = $3{stamps}
             where notice_id = $1 and org_id = $2 and state = $8
               and exists (select 1 from notices where id = $1 and state = 'sent')"
        );
        let changed = sqlx::query(&sql)
            .bind(&change.notice_id)
            .bind(&change.org_id)
            .bind(change.to.as_str())
            .bind(change.at)
            .bind(change.user_id.as_deref())
            .bind(change.user_name.as_deref())
            .bind(change.reply.as_deref())
            .bind(change.from.as_str())
            .execute(&mut *self)
            .await?
            .rows_affected();
        Ok(changed > 0)
    }

    async fn receipt_of(
        &mut self,
        notice_id: &str,
        org_id: &str,
    ) -> Result<Option<Receipt>, DbError> {
        let record: Option<ReceiptRecord> = sqlx::query_as(&format!(
            "select {RECEIPT_COLUMNS} from notice_receipts r
             where r.notice_id = $1 and r.org_id = $2"
        ))
        .bind(notice_id)
        .bind(org_id)
        .fetch_optional(&mut *self)
        .await?;
        record.map(Receipt::try_from).transpose()
    }

    async fn insert_notice(&mut self, new: &NewNotice, now: i64) -> Result<Notice, DbError> {
        let recipients: BTreeSet<&str> = new.recipients.iter().map(String::as_str).collect();
        if recipients.is_empty() {
            return Err(rule(&crate::domain::phrases::NOTICE_NO_RECEIVERS));
        }
        for org_id in &recipients {
            let found: Option<(String,)> =
                sqlx::query_as("select id from organizations where id = $1")
                    .bind(*org_id)
                    .fetch_optional(&mut *self)
                    .await?;
            if found.is_none() {
                return Err(rule(crate::domain::phrases::NO_ORG_ID.with("id", org_id)));
            }
        }
        let (series_id, version) = match &new.series {
            None => (new.id.clone(), 1),
            Some(series) => {
                let for_update = self.for_update();
                let newest: Option<(String, i64, String)> = sqlx::query_as(&format!(
                    "select id, version, state from notices where series_id = $1
                     order by version desc limit 1{for_update}"
                ))
                .bind(series)
                .fetch_optional(&mut *self)
                .await?;
                let Some((newest_id, version, state)) = newest else {
                    return Err(not_found(&crate::domain::phrases::NO_SUCH_NOTICE));
                };
                if state != NoticeState::Sent.as_str() {
                    return Err(rule(
                        "only the newest sent version of a notice can be corrected or \
                         recalled; reload it and try again",
                    ));
                }
                sqlx::query("update notices set state = 'superseded' where id = $1")
                    .bind(&newest_id)
                    .execute(&mut *self)
                    .await?;
                // A superseded version asks for 签收 no more: the new one is acknowledged.
                sqlx::query(
                    "update notice_receipts set ack_due_at = null, ack_escalate_at = null
                     where notice_id = $1",
                )
                    .bind(&newest_id)
                    .execute(&mut *self)
                    .await?;
                (series.clone(), version + 1)
            }
        };
        sqlx::query(
            "insert into notices (id, series_id, version, version_kind, kind, sender_org_id,
                 created_by, title, body, requires_ack, requires_reply, reply_due_at,
                 remind_at, escalate_at, state, sent_at, created_at, subject)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'sent',
                     $15, $15, $16)",
        )
        .bind(&new.id)
        .bind(&series_id)
        .bind(version)
        .bind(new.version_kind.as_str())
        .bind(new.kind.as_str())
        .bind(&new.sender_org_id)
        .bind(&new.created_by)
        .bind(&new.title)
        .bind(&new.body)
        .bind(new.requires_ack)
        .bind(new.requires_reply)
        .bind(new.reply_due_at)
        .bind(new.remind_at)
        .bind(new.escalate_at)
        .bind(now)
        .bind(new.subject.as_deref())
        .execute(&mut *self)
        .await?;
        // Each receipt carries its limit to acknowledge (the reminder time when 签收 is
        // asked) and its 督办 time, so the supervision desk finds the receipts owing it, and
        // whether they were escalated, in an index alone (0023, 0027).
        let (ack_due_at, ack_escalate_at) = match (new.requires_ack, new.remind_at) {
            (true, Some(remind_at)) => (Some(remind_at), new.escalate_at),
            _ => (None, None),
        };
        for org_id in &recipients {
            sqlx::query(
                "insert into notice_receipts (notice_id, org_id, state, delivered_at, ack_due_at,
                                              ack_escalate_at)
                 values ($1, $2, 'delivered', $3, $4, $5)",
            )
            .bind(&new.id)
            .bind(*org_id)
            .bind(now)
            .bind(ack_due_at)
            .bind(ack_escalate_at)
            .execute(&mut *self)
            .await?;
        }
        self.notice_by_id(&new.id).await?.ok_or_else(no_notice)
    }
});

/// The columns a receipt transition into `to` stamps, after `state = $3`: the time (`$4`),
/// the person (`$5`, `$6`) and the reply (`$7`).
fn receipt_stamps(to: ReceiptState) -> &'static str {
    match to {
        ReceiptState::Delivered => "",
        ReceiptState::Read => ", read_at = $4, read_by = $5",
        ReceiptState::Acknowledged => {
            ", acknowledged_at = $4, acknowledged_by = $5, acknowledged_by_name = $6"
        }
        ReceiptState::Replied => ", replied_at = $4, replied_by = $5, reply = $7",
        ReceiptState::Closed => ", closed_at = $4",
    }
}

impl Db {
    /// Sends (state sent, sent_at = now): version 1 of a new series (series_id = id), or the next
    /// version of `series` (the newest sent version becomes superseded, in the same transaction;
    /// Rule when the series' newest version is not sent). One receipt (delivered) per distinct
    /// recipient; Rule naming a recipient that is not an organization.
    pub async fn send_notice(
        &self,
        new: &NewNotice,
        now: i64,
        effects: &Effects,
    ) -> Result<Notice, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            let notice = conn.insert_notice(new, now).await?;
            conn.apply_effects(now, effects, mail).await?;
            Ok(notice)
        })
    }

    pub async fn notice(&self, id: &str) -> Result<Option<Notice>, DbError> {
        on_reader!(self, |conn| conn.notice_by_id(id).await)
    }

    /// The sent versions about `subject` (`meeting:<id>`), oldest first.
    pub async fn notices_about(&self, subject: &str) -> Result<Vec<Notice>, DbError> {
        let records: Vec<NoticeRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {NOTICE_COLUMNS} from notices n
                 where n.subject = $1 and n.state = 'sent' order by n.created_at, n.id"
            ))
            .bind(subject)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(Notice::try_from).collect()
    }

    /// Every version of a series, by version.
    pub async fn notice_series(&self, series_id: &str) -> Result<Vec<Notice>, DbError> {
        let records: Vec<NoticeRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {NOTICE_COLUMNS} from notices n where n.series_id = $1 order by n.version"
            ))
            .bind(series_id)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(Notice::try_from).collect()
    }

    /// Every receipt of a version, by organization id.
    pub async fn notice_receipts(&self, notice_id: &str) -> Result<Vec<Receipt>, DbError> {
        let records: Vec<ReceiptRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {RECEIPT_COLUMNS} from notice_receipts r
                 where r.notice_id = $1 order by r.org_id"
            ))
            .bind(notice_id)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(Receipt::try_from).collect()
    }

    pub async fn notice_receipt(
        &self,
        notice_id: &str,
        org_id: &str,
    ) -> Result<Option<Receipt>, DbError> {
        on_reader!(self, |conn| conn.receipt_of(notice_id, org_id).await)
    }

    /// Only if the stored state is `from` (Rule otherwise, "someone else acted on it
    /// meanwhile") and the version is still sent (not superseded). Sets the stamp columns of
    /// `to` (read_at/read_by, acknowledged_*, replied_*/reply, closed_at).
    pub async fn change_receipt(
        &self,
        change: &ReceiptChange,
        effects: &Effects,
    ) -> Result<Receipt, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            if !conn.move_receipt(change).await? {
                let notice = conn.notice_by_id(&change.notice_id).await?;
                let receipt = conn.receipt_of(&change.notice_id, &change.org_id).await?;
                return Err(match (notice, receipt) {
                    (Some(_), None) | (None, _) => no_notice(),
                    (Some(notice), Some(_)) if notice.state != NoticeState::Sent => {
                        rule(&crate::domain::notice::SUPERSEDED)
                    }
                    _ => rule(&crate::domain::phrases::NOTICE_ACTED_MEANWHILE),
                });
            }
            let receipt = conn
                .receipt_of(&change.notice_id, &change.org_id)
                .await?
                .ok_or_else(no_notice)?;
            conn.apply_effects(change.at, effects, mail).await?;
            Ok(receipt)
        })
    }

    /// Received by the org (newest first), each with its receipt; `pending_only`: receipts not
    /// yet acknowledged (for notices that require it) on versions that are sent (not
    /// superseded).
    pub async fn notices_received(
        &self,
        org_id: &str,
        pending_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<(Notice, Receipt)>, DbError> {
        let pending = if pending_only {
            "and r.state in ('delivered', 'read') and n.state = 'sent' and n.requires_ack = $4"
        } else {
            ""
        };
        let sql = format!(
            "select {NOTICE_COLUMNS}, {RECEIVED_RECEIPT_COLUMNS}
             from notice_receipts r join notices n on n.id = r.notice_id
             where r.org_id = $1 {pending}
             order by r.delivered_at desc, r.notice_id
             limit $2 offset $3"
        );
        let records: Vec<ReceivedRecord> = on_reader!(self, |conn| {
            let query = sqlx::query_as(&sql)
                .bind(org_id)
                .bind(limit.max(0))
                .bind(offset.max(0));
            if pending_only {
                query.bind(true).fetch_all(&mut *conn).await?
            } else {
                query.fetch_all(&mut *conn).await?
            }
        });
        records.into_iter().map(ReceivedRecord::split).collect()
    }

    /// One page of the notices delivered to a body that the region's figures count for it in
    /// a period (requiring 签收, delivered then), only those not acknowledged by their limit
    /// when `late_only`; newest first, each with the body's receipt. The predicates are the
    /// figures' own ([`super::figures`]).
    pub async fn notices_of_body(
        &self,
        of: BodyPeriod<'_>,
        late_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<(Notice, Receipt)>, DbError> {
        let late = if late_only {
            format!("and {}", receipt_late("r", "$6"))
        } else {
            String::new()
        };
        let sql = format!(
            "select {NOTICE_COLUMNS}, {RECEIVED_RECEIPT_COLUMNS}
             from notice_receipts r join notices n on n.id = r.notice_id
             where r.org_id = $1 and {to_acknowledge} {late}
             order by r.delivered_at desc, r.notice_id
             limit $4 offset $5",
            to_acknowledge = receipt_to_acknowledge("r", "$2", "$3"),
        );
        let records: Vec<ReceivedRecord> = on_reader!(self, |conn| {
            let query = sqlx::query_as(&sql)
                .bind(of.org_id)
                .bind(of.from_ms)
                .bind(of.to_ms)
                .bind(limit.max(0))
                .bind(offset.max(0));
            if late_only {
                query.bind(of.now).fetch_all(&mut *conn).await?
            } else {
                query.fetch_all(&mut *conn).await?
            }
        });
        records.into_iter().map(ReceivedRecord::split).collect()
    }

    /// Versions sent by the org, newest first.
    pub async fn notices_sent(
        &self,
        org_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Notice>, DbError> {
        let records: Vec<NoticeRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {NOTICE_COLUMNS} from notices n where n.sender_org_id = $1
                 order by n.created_at desc, n.id limit $2 offset $3"
            ))
            .bind(org_id)
            .bind(limit.max(0))
            .bind(offset.max(0))
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(Notice::try_from).collect()
    }
}
