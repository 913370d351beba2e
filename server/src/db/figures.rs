//! What the region's figures (评议考核, `work::region_figures`) read: for the bodies of a
//! region's subtree and a period, their tasks, notices and meetings counted per body in SQL,
//! and the facts of their disputes and referrals, which `domain::dispute_stats` and
//! `domain::referral_stats` count (so the figures and the statistics tables never disagree).
//!
//! One bounded query per kind: each starts from the region's path range, through the bodies
//! of those regions, to their rows in the period. This module only reads.
//!
//! What makes a row count (overdue, late, rectified on time) is written once, in the
//! predicates below, which the lists behind the figures (`tasks_of_body`,
//! `notices_of_body`, `supervisions_visible` with a body) use too: a figure and the list it
//! links to never disagree.

use super::common::{on_reader, parse, subtree_range};
use super::{Db, DbError};
use crate::domain::dispute_stats::DisputeFacts;
use crate::domain::org::RegionPath;
use crate::domain::referral_stats::ReferralFacts;

/// One body's tasks (by the day they were dispatched; a cancelled task counts nowhere).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskCounts {
    /// Set by the body (as setter).
    pub set: i64,
    /// Assigned to the body.
    pub assigned: i64,
    /// Of those assigned, overdue: past due and still with the body now, or reported overdue
    /// (its `overdue` history entry) at any time.
    pub overdue: i64,
}

/// One body's notices (by the day they were sent, or delivered to it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeCounts {
    /// Sent by the body (originals; a correction or recall is not a new notice).
    pub sent: i64,
    /// Delivered to the body requiring 签收 (the current version of each).
    pub to_acknowledge: i64,
    /// Of those, not acknowledged by their limit (the reminder time, T1): acknowledged late,
    /// or still not acknowledged now that the limit has passed.
    pub acknowledged_late: i64,
}

/// One body's supervision documents (by the day they were issued to it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupervisionCounts {
    /// Supervision documents issued to the body in the period.
    pub issued: i64,
    /// Of those, the ones whose rectification was accepted with no report ever late.
    pub rectified_on_time: i64,
}

/// One body's files reviewed (by the day their grade was confirmed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewCounts {
    /// Files whose grade a case-file review confirmed.
    pub reviewed: i64,
    /// Of those, graded 不合格.
    pub failed: i64,
}

/// One body's meetings (by the day they start).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeetingCounts {
    /// Convened: scheduled or held (drafts and cancelled meetings do not count).
    pub convened: i64,
    /// Held: started (in progress, ended or closed).
    pub held: i64,
}

/// A body's part in one dispute raised in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputePart {
    pub org_id: String,
    /// Whether it raised the dispute (`raiser`) or had it raised against it (`party`).
    pub raiser: bool,
    pub facts: DisputeFacts,
}

/// One referral sent in the period, with its referring and receiving bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralPart {
    pub referrer_org_id: String,
    pub receiver_org_id: String,
    pub facts: ReferralFacts,
}

/// The rows behind one body's figure: the body, the period `[from_ms, to_ms)` as the figures
/// count it, and `now`, as of which "overdue" and "late" are decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyPeriod<'a> {
    pub org_id: &'a str,
    pub from_ms: i64,
    pub to_ms: i64,
    pub now: i64,
}

/// Which disputes of a body a dispute figure counts (of those it is in, raised in the
/// period): the list behind 提出争议, 被提出争议, 协商解决 and 作出协调意见. The same
/// definitions as [`Db::figure_disputes`] with [`crate::domain::dispute_stats::tally`]: the
/// raiser's part or a named party's, the state `resolved`, a decision made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisputeFigure {
    /// 提出争议: it raised them.
    Raised,
    /// 被提出争议: they were raised against it.
    Against,
    /// 协商解决: settled by the parties.
    Settled,
    /// 作出协调意见: the bureau decided.
    Decided,
}

impl DisputeFigure {
    /// The condition on its part (aliased `q`, `dispute_parties`) and the dispute (`e`).
    pub(super) fn predicate(self) -> &'static str {
        match self {
            DisputeFigure::Raised => "q.role = 'raiser'",
            DisputeFigure::Against => "q.role <> 'raiser'",
            DisputeFigure::Settled => "e.state = 'resolved'",
            DisputeFigure::Decided => "e.decided_at is not null",
        }
    }
}

/// 超期: a task (aliased `t`) assigned in the period is overdue when it is past due and still
/// with its assignee at `now` (a placeholder such as `$5`), or was reported overdue (its
/// `overdue` history entry) at any time.
pub(super) fn task_overdue(now: &str) -> String {
    format!(
        "((t.state in ('dispatched', 'acknowledged', 'in_progress', 'returned')
            and t.due_at < {now})
          or exists (select 1 from task_history h where h.task_id = t.id and h.entry = 'overdue'))"
    )
}

/// A task (aliased `t`) counts for its assignee or setter by the day it was dispatched, in
/// `[from, to)` (placeholders); a cancelled one counts nowhere.
pub(super) fn task_in_period(from: &str, to: &str) -> String {
    format!("t.started_at >= {from} and t.started_at < {to} and t.state <> 'cancelled'")
}

/// 应签收: a receipt (aliased `c`) of a notice requiring 签收 (it has a reminder time,
/// `ack_due_at`), delivered in `[from, to)` (placeholders).
pub(super) fn receipt_to_acknowledge(c: &str, from: &str, to: &str) -> String {
    format!("{c}.ack_due_at is not null and {c}.delivered_at >= {from} and {c}.delivered_at < {to}")
}

/// 逾期未签收: such a receipt (aliased `c`) not acknowledged by its limit: acknowledged late,
/// or still not acknowledged at `now` (a placeholder) although the limit passed.
pub(super) fn receipt_late(c: &str, now: &str) -> String {
    format!(
        "(({c}.acknowledged_at is null and {c}.ack_due_at < {now})
          or {c}.acknowledged_at > {c}.ack_due_at)"
    )
}

/// 按时整改: a supervision document (aliased `d`) whose rectification was accepted with every
/// report submitted by its due time (one report late, even if sent back and then accepted, is
/// not on time).
pub(super) const RECTIFIED_ON_TIME: &str = "(d.accepted_at is not null
     and not exists (select 1 from supervision_reports p
                     where p.space_id = d.space_id
                       and p.due_at is not null
                       and p.submitted_at > p.due_at))";

/// Bodies whose region lies in the range `$1..$2` (a region's subtree), joined as `o`.
const BODIES_OF: &str = "join organizations o on o.id = {col}
     join regions r on r.code = o.region_code and r.path >= $1 and r.path < $2";

fn bodies_of(col: &str) -> String {
    BODIES_OF.replace("{col}", col)
}

type DisputeRecord = (
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
);

type ReferralRecord = (
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

impl Db {
    /// Per body of `region`'s subtree, its tasks dispatched in `[from_ms, to_ms)`, overdue as
    /// of `now`.
    pub async fn figure_tasks(
        &self,
        region: &RegionPath,
        from_ms: i64,
        to_ms: i64,
        now: i64,
    ) -> Result<Vec<(String, TaskCounts)>, DbError> {
        let (low, high) = subtree_range(region);
        let sql = format!(
            "select org_id, sum(set_n), sum(assigned_n), sum(overdue_n) from (
                 select t.setter_org_id as org_id, 1 as set_n, 0 as assigned_n, 0 as overdue_n
                 from tasks t {setters}
                 where {in_period}
                 union all
                 select t.assignee_org_id, 0, 1, case when {overdue} then 1 else 0 end
                 from tasks t {assignees}
                 where {in_period}
             ) x group by org_id",
            setters = bodies_of("t.setter_org_id"),
            assignees = bodies_of("t.assignee_org_id"),
            in_period = task_in_period("$3", "$4"),
            overdue = task_overdue("$5"),
        );
        let records: Vec<(String, i64, i64, i64)> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(from_ms)
                .bind(to_ms)
                .bind(now)
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(records
            .into_iter()
            .map(|(org, set, assigned, overdue)| {
                (
                    org,
                    TaskCounts {
                        set,
                        assigned,
                        overdue,
                    },
                )
            })
            .collect())
    }

    /// Per body of `region`'s subtree, the notices it sent in `[from_ms, to_ms)` and those
    /// delivered to it then requiring 签收, late as of `now`.
    pub async fn figure_notices(
        &self,
        region: &RegionPath,
        from_ms: i64,
        to_ms: i64,
        now: i64,
    ) -> Result<Vec<(String, NoticeCounts)>, DbError> {
        let (low, high) = subtree_range(region);
        // A notice requires 签收 exactly when it has a reminder time (work::notices); each of
        // its receipts carries that time as `ack_due_at` while its version is the sent one
        // (0023), so the receipts are counted from their own index without reading a notice.
        // Each side is counted per body within its branch (the bodies as an `in` list), so
        // only one row per body is grouped at the end, not one per notice. (PostgreSQL sums
        // counts as numeric: cast back.)
        let sql = format!(
            "select org_id, cast(sum(sent_n) as bigint), cast(sum(ack_n) as bigint),
                    cast(sum(late_n) as bigint)
             from (
                 select n.sender_org_id as org_id, count(*) as sent_n, 0 as ack_n, 0 as late_n
                 from notices n
                 where n.sender_org_id in ({bodies})
                   and n.version_kind = 'original' and n.sent_at >= $3 and n.sent_at < $4
                 group by n.sender_org_id
                 union all
                 select c.org_id, 0, count(*), sum(case when {late} then 1 else 0 end)
                 from notice_receipts c
                 where c.org_id in ({bodies}) and {to_acknowledge}
                 group by c.org_id
             ) x group by org_id",
            late = receipt_late("c", "$5"),
            to_acknowledge = receipt_to_acknowledge("c", "$3", "$4"),
            bodies = "select o.id from organizations o
                      join regions r on r.code = o.region_code and r.path >= $1 and r.path < $2",
        );
        let records: Vec<(String, i64, i64, i64)> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(from_ms)
                .bind(to_ms)
                .bind(now)
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(records
            .into_iter()
            .map(|(org, sent, to_acknowledge, acknowledged_late)| {
                (
                    org,
                    NoticeCounts {
                        sent,
                        to_acknowledge,
                        acknowledged_late,
                    },
                )
            })
            .collect())
    }

    /// Per body of `region`'s subtree, the meetings it convened starting in `[from_ms, to_ms)`.
    pub async fn figure_meetings(
        &self,
        region: &RegionPath,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(String, MeetingCounts)>, DbError> {
        let (low, high) = subtree_range(region);
        let sql = format!(
            "select m.convener_org_id,
                    sum(case when m.state in ('draft', 'cancelled') then 0 else 1 end),
                    sum(case when m.state in ('in_progress', 'ended', 'closed')
                             then 1 else 0 end)
             from meetings m {conveners}
             where m.starts_at >= $3 and m.starts_at < $4
             group by m.convener_org_id",
            conveners = bodies_of("m.convener_org_id"),
        );
        let records: Vec<(String, i64, i64)> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(records
            .into_iter()
            .map(|(org, convened, held)| (org, MeetingCounts { convened, held }))
            .collect())
    }

    /// The part of each body of `region`'s subtree in the disputes raised in
    /// `[from_ms, to_ms)`. As in the dispute statistics, a resolved dispute's settlement is
    /// its last change.
    pub async fn figure_disputes(
        &self,
        region: &RegionPath,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<DisputePart>, DbError> {
        let (low, high) = subtree_range(region);
        let sql = format!(
            "select p.org_id, p.role, d.state, d.created_at, d.escalated_at, d.accepted_at,
                    d.decided_at, d.updated_at, d.stage_due_at
             from dispute_parties p join disputes d on d.space_id = p.dispute_id {parties}
             where d.created_at >= $3 and d.created_at < $4
             order by p.org_id, d.created_at",
            parties = bodies_of("p.org_id"),
        );
        let records: Vec<DisputeRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(&mut *conn)
                .await?
        });
        records
            .into_iter()
            .map(
                |(org_id, role, state, created_at, escalated, accepted, decided, updated, due)| {
                    let state = parse(&state)?;
                    Ok(DisputePart {
                        org_id,
                        raiser: role == "raiser",
                        facts: DisputeFacts {
                            state,
                            created_at,
                            escalated_at: escalated,
                            accepted_at: accepted,
                            decided_at: decided,
                            settled_at: (state == crate::domain::dispute::DisputeState::Resolved)
                                .then_some(updated),
                            stage_due_at: due,
                        },
                    })
                },
            )
            .collect()
    }

    /// The referrals sent in `[from_ms, to_ms)` by or to a body of `region`'s subtree.
    pub async fn figure_referrals(
        &self,
        region: &RegionPath,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ReferralPart>, DbError> {
        let (low, high) = subtree_range(region);
        // Each side through its own index (referrals_referrer, referrals_receiver); a referral
        // between two bodies of the region is read once.
        let sql = format!(
            "select f.referrer_org_id, f.receiver_org_id, f.kind, f.state, f.sent_at,
                    f.received_at, f.receipt_due_at, f.decided_at, f.decision_due_at,
                    f.decision, f.returned_at, f.stage_due_at
             from referrals f
             where f.sent_at >= $3 and f.sent_at < $4
               and (f.referrer_org_id in (select o.id from organizations o {within})
                    or f.receiver_org_id in (select o.id from organizations o {within}))
             order by f.sent_at",
            within = "join regions r on r.code = o.region_code and r.path >= $1 and r.path < $2",
        );
        let records: Vec<ReferralRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(&mut *conn)
                .await?
        });
        records
            .into_iter()
            .map(
                |(
                    referrer_org_id,
                    receiver_org_id,
                    kind,
                    state,
                    sent_at,
                    received_at,
                    receipt_due_at,
                    decided_at,
                    decision_due_at,
                    decision,
                    returned_at,
                    stage_due_at,
                )| {
                    Ok(ReferralPart {
                        referrer_org_id,
                        receiver_org_id,
                        facts: ReferralFacts {
                            kind: parse(&kind)?,
                            state: parse(&state)?,
                            sent_at,
                            received_at,
                            receipt_due_at,
                            decided_at,
                            decision_due_at,
                            decision,
                            returned_at,
                            stage_due_at,
                        },
                    })
                },
            )
            .collect()
    }

    /// Per body of `region`'s subtree: the supervision documents issued to it in
    /// `[from_ms, to_ms)`, and of those the ones whose rectification was accepted with every
    /// report submitted by its due time (one report late, even if sent back and then
    /// accepted, is not on time).
    pub async fn figure_supervisions(
        &self,
        region: &RegionPath,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(String, SupervisionCounts)>, DbError> {
        let (low, high) = subtree_range(region);
        let sql = format!(
            "select d.body_org_id, count(*),
                    sum(case when {RECTIFIED_ON_TIME} then 1 else 0 end)
             from supervision_docs d {bodies}
             where d.issued_at >= $3 and d.issued_at < $4
             group by d.body_org_id",
            bodies = bodies_of("d.body_org_id"),
        );
        let records: Vec<(String, i64, i64)> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(records
            .into_iter()
            .map(|(org, issued, rectified_on_time)| {
                (
                    org,
                    SupervisionCounts {
                        issued,
                        rectified_on_time,
                    },
                )
            })
            .collect())
    }

    /// Per body of `region`'s subtree: its files whose grade a case-file review confirmed in
    /// `[from_ms, to_ms)`, and of those the failing ones.
    pub async fn figure_reviews(
        &self,
        region: &RegionPath,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(String, ReviewCounts)>, DbError> {
        let (low, high) = subtree_range(region);
        let sql = format!(
            "select f.org_id, count(*), sum(case when f.grade = 'fail' then 1 else 0 end)
             from review_files f {bodies}
             where f.state = 'confirmed' and f.confirmed_at >= $3 and f.confirmed_at < $4
             group by f.org_id",
            bodies = bodies_of("f.org_id"),
        );
        let records: Vec<(String, i64, i64)> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(records
            .into_iter()
            .map(|(org, reviewed, failed)| (org, ReviewCounts { reviewed, failed }))
            .collect())
    }
}
