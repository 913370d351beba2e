//! What supervision (监督) reads: the regions of the bodies on a task's or notification's
//! sides (the policy's facts for the judicial bureaus that read them), and the lines of a
//! bureau's supervision desk (监督台): in a region's subtree, the tasks overdue, the receipts
//! not acknowledged (签收) past their limit, the referrals and disputes whose stage is past its
//! limit, and the disputes escalated to a bureau and not yet accepted.
//!
//! Each desk query starts from the region's range of paths (`regions.path`, unique), reaches
//! its bodies (`organizations_region`) or spaces (`spaces_region_code`), then the rows by their
//! own indexes (`tasks_assignee`; `notice_receipts_owing`, the receipts still owing 签收 by
//! their limit, a copy of their notice's reminder time; the workflows' primary keys and
//! `jobs_subject_kind` for their 督办), and is
//! bounded: at most `limit` rows each, the longest overdue first. This module only reads, and
//! decides nothing: which lines the desk shows and who may see it are the caller's.

use super::common::{on_reader, parse, subtree_range};
use super::{Db, DbError};
use crate::domain::dispute::DisputeState;
use crate::domain::notice::ReceiptState;
use crate::domain::org::RegionPath;
use crate::domain::policy::BodyRegion;
use crate::domain::referral::ReferralState;
use crate::domain::supervision::DeskState;
use crate::domain::supervision_doc::SupervisionState;
use crate::domain::task::TaskState;

/// A body as a desk line names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskBody {
    pub org_id: String,
    pub name_zh: String,
    /// Its region's path: the desk lists bodies in the order of the region tree.
    pub region_path: RegionPath,
}

/// One line of the desk as stored: a task, a receipt of a notification, a referral or a
/// dispute, with its two sides and the time limit that passed or runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskRow {
    /// The task's, the notification version's, the referral's or the dispute's id.
    pub id: String,
    /// Its title (a referral's case name).
    pub title: String,
    pub state: DeskState,
    /// A task's assignee and setter; a receipt's recipient and the sender; a referral's
    /// referring body and receiver; a dispute's raising body and its bureau.
    pub sides: (DeskBody, DeskBody),
    /// A task's deadline; when a notification's receipt fell overdue (its reminder, T1); the
    /// running stage's due time of a referral or a dispute.
    pub due_at: i64,
    /// 督办 was sent: a task's escalation is in its history, a notification's escalation time
    /// (T2) has come, a referral's or a dispute's escalation job of this stage has run.
    pub escalated: bool,
}

type Row = (
    String,
    String,
    String,
    i64,
    bool,
    String,
    String,
    String,
    String,
    String,
    String,
);

/// The two sides' columns of a desk query, `a` and `b` being the two bodies and `ga`, `gb`
/// their regions.
const SIDES: &str = "a.id, a.name_zh, ga.path, b.id, b.name_zh, gb.path";

fn desk_row(
    row: Row,
    state: impl Fn(&str) -> Result<DeskState, DbError>,
) -> Result<DeskRow, DbError> {
    let (id, title, stored, due_at, escalated, a_id, a_name, a_path, b_id, b_name, b_path) = row;
    let body = |org_id, name_zh, path| DeskBody {
        org_id,
        name_zh,
        region_path: RegionPath(path),
    };
    Ok(DeskRow {
        id,
        title,
        state: state(&stored)?,
        sides: (body(a_id, a_name, a_path), body(b_id, b_name, b_path)),
        due_at,
        escalated,
    })
}

/// The task states whose clock runs (its deadline can pass): `TaskState::clock_runs`.
fn running_task_states() -> String {
    TaskState::ALL
        .iter()
        .filter(|s| s.clock_runs())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The states of a workflow in which a stage's clock runs.
fn staged<S: Copy>(
    all: &[S],
    has_stage: impl Fn(S) -> bool,
    name: impl Fn(S) -> &'static str,
) -> String {
    all.iter()
        .filter(|s| has_stage(**s))
        .map(|s| format!("'{}'", name(*s)))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
    /// The regions' paths of the organizations `org_ids` (those that exist), for the policy's
    /// facts of a task or a notification.
    pub async fn org_regions(&self, org_ids: &[&str]) -> Result<Vec<BodyRegion>, DbError> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = (1..=org_ids.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "select o.id, g.path from organizations o join regions g on g.code = o.region_code
             where o.id in ({placeholders})"
        );
        let rows: Vec<(String, String)> = on_reader!(self, |conn| {
            let mut query = sqlx::query_as(&sql);
            for id in org_ids {
                query = query.bind(*id);
            }
            query.fetch_all(&mut *conn).await?
        });
        Ok(rows
            .into_iter()
            .map(|(org_id, path)| BodyRegion {
                org_id,
                region_path: RegionPath(path),
            })
            .collect())
    }

    /// The tasks assigned to bodies of `region`'s subtree whose clock runs and whose deadline
    /// passed before `now`: at most `limit`, the earliest due first. Sides: the assignee, the
    /// setter.
    pub async fn desk_tasks(
        &self,
        region: &RegionPath,
        now: i64,
        limit: i64,
    ) -> Result<Vec<DeskRow>, DbError> {
        let (low, high) = subtree_range(region);
        let sql = format!(
            "select t.id, t.title, t.state, t.due_at,
                    exists (select 1 from task_history h where h.task_id = t.id
                            and h.entry = 'escalated' and h.at > t.due_at),
                    {SIDES}
             from regions ga join organizations a on a.region_code = ga.code
                  join tasks t on t.assignee_org_id = a.id
                  join organizations b on b.id = t.setter_org_id
                  join regions gb on gb.code = b.region_code
             where ga.path >= $1 and ga.path < $2
               and t.state in ({}) and t.due_at < $3
             order by t.due_at, t.id
             limit $4",
            running_task_states()
        );
        let rows: Vec<Row> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(now)
                .bind(limit.max(0))
                .fetch_all(&mut *conn)
                .await?
        });
        rows.into_iter()
            .map(|row| desk_row(row, |s| Ok(DeskState::Task(parse(s)?))))
            .collect()
    }

    /// The receipts, by bodies of `region`'s subtree, of sent notification versions that must
    /// be acknowledged (签收) and are not, whose reminder time (T1: the limit to acknowledge
    /// ran out) came by `now`: at most `limit`, the longest overdue first. Sides: the
    /// recipient, the sender.
    pub async fn desk_notices(
        &self,
        region: &RegionPath,
        now: i64,
        limit: i64,
    ) -> Result<Vec<DeskRow>, DbError> {
        let (low, high) = subtree_range(region);
        let sql = format!(
            "select n.id, n.title, r.state, n.remind_at,
                    (n.escalate_at is not null and n.escalate_at <= $3),
                    {SIDES}
             from regions ga join organizations a on a.region_code = ga.code
                  join notice_receipts r on r.org_id = a.id
                  join notices n on n.id = r.notice_id
                  join organizations b on b.id = n.sender_org_id
                  join regions gb on gb.code = b.region_code
             where ga.path >= $1 and ga.path < $2
               and r.state in ('delivered', 'read') and r.ack_due_at <= $3
               and n.state = 'sent'
               and n.requires_ack = $5 and n.remind_at is not null and n.remind_at <= $3
             order by n.remind_at, n.id, a.id
             limit $4"
        );
        let rows: Vec<Row> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(now)
                .bind(limit.max(0))
                .bind(true)
                .fetch_all(&mut *conn)
                .await?
        });
        rows.into_iter()
            .map(|row| {
                desk_row(row, |s| {
                    let state: ReceiptState = parse(s)?;
                    Ok(DeskState::Notice(state))
                })
            })
            .collect()
    }

    /// The referrals whose space lies in `region`'s subtree (not a closed one: a clue is no
    /// bureau's) and whose running stage was due before `now`: at most `limit`, the earliest
    /// due first. Sides: the referring body, the receiver. `escalate_kind` is the job kind of
    /// a referral's 督办.
    pub async fn desk_referrals(
        &self,
        region: &RegionPath,
        now: i64,
        limit: i64,
        escalate_kind: &str,
    ) -> Result<Vec<DeskRow>, DbError> {
        let (low, high) = subtree_range(region);
        let sql = format!(
            "select f.space_id, f.case_name, f.state, f.stage_due_at,
                    exists (select 1 from jobs j where j.subject = 'referral:' || f.space_id
                            and j.kind = $5 and j.state = 'done' and j.due_at > f.stage_due_at),
                    {SIDES}
             from regions g join spaces s on s.region_code = g.code
                  join referrals f on f.space_id = s.id
                  join organizations a on a.id = f.referrer_org_id
                  join regions ga on ga.code = a.region_code
                  join organizations b on b.id = f.receiver_org_id
                  join regions gb on gb.code = b.region_code
             where g.path >= $1 and g.path < $2 and not s.closed
               and f.state in ({}) and f.stage_due_at is not null and f.stage_due_at < $3
             order by f.stage_due_at, f.space_id
             limit $4",
            staged(
                ReferralState::ALL,
                |s| s.stage().is_some(),
                ReferralState::as_str
            )
        );
        let rows: Vec<Row> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(now)
                .bind(limit.max(0))
                .bind(escalate_kind)
                .fetch_all(&mut *conn)
                .await?
        });
        rows.into_iter()
            .map(|row| desk_row(row, |s| Ok(DeskState::Referral(parse(s)?))))
            .collect()
    }

    /// The disputes whose space lies in `region`'s subtree and whose running stage was due
    /// before `now`, or which were escalated to a bureau that has not yet accepted them: at
    /// most `limit`, the earliest due first. Sides: the raising body, the bureau.
    /// `escalate_kind` is the job kind of a dispute's 督办.
    pub async fn desk_disputes(
        &self,
        region: &RegionPath,
        now: i64,
        limit: i64,
        escalate_kind: &str,
    ) -> Result<Vec<DeskRow>, DbError> {
        let (low, high) = subtree_range(region);
        let sql = format!(
            "select d.space_id, d.title, d.state, d.stage_due_at,
                    exists (select 1 from jobs j where j.subject = 'dispute:' || d.space_id
                            and j.kind = $5 and j.state = 'done' and j.due_at > d.stage_due_at),
                    {SIDES}
             from regions g join spaces s on s.region_code = g.code
                  join disputes d on d.space_id = s.id
                  join organizations a on a.id = d.raised_by_org_id
                  join regions ga on ga.code = a.region_code
                  join organizations b on b.id = d.bureau_org_id
                  join regions gb on gb.code = b.region_code
             where g.path >= $1 and g.path < $2 and not s.closed
               and d.state in ({}) and d.stage_due_at is not null
               and (d.stage_due_at < $3 or d.state = 'escalated')
             order by d.stage_due_at, d.space_id
             limit $4",
            staged(
                DisputeState::ALL,
                |s| s.stage().is_some(),
                DisputeState::as_str
            )
        );
        let rows: Vec<Row> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(now)
                .bind(limit.max(0))
                .bind(escalate_kind)
                .fetch_all(&mut *conn)
                .await?
        });
        rows.into_iter()
            .map(|row| desk_row(row, |s| Ok(DeskState::Dispute(parse(s)?))))
            .collect()
    }

    /// The supervision documents addressed to bodies of `region`'s subtree whose
    /// rectification report was due before `now` and not submitted: at most `limit`, the
    /// earliest due first. Sides: the supervised body, the issuing bureau. `escalate_kind` is
    /// the job kind of a report's 督办.
    pub async fn desk_supervisions(
        &self,
        region: &RegionPath,
        now: i64,
        limit: i64,
        escalate_kind: &str,
    ) -> Result<Vec<DeskRow>, DbError> {
        let (low, high) = subtree_range(region);
        let sql = format!(
            "select d.space_id, d.title, d.state, d.stage_due_at,
                    exists (select 1 from jobs j where j.subject = 'supervision:' || d.space_id
                            and j.kind = $5 and j.state = 'done' and j.due_at > d.stage_due_at),
                    {SIDES}
             from regions ga join organizations a on a.region_code = ga.code
                  join supervision_docs d on d.body_org_id = a.id
                  join organizations b on b.id = d.bureau_org_id
                  join regions gb on gb.code = b.region_code
             where ga.path >= $1 and ga.path < $2
               and d.state = '{}' and d.stage_due_at is not null and d.stage_due_at < $3
             order by d.stage_due_at, d.space_id
             limit $4",
            SupervisionState::Rectifying.as_str()
        );
        let rows: Vec<Row> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(now)
                .bind(limit.max(0))
                .bind(escalate_kind)
                .fetch_all(&mut *conn)
                .await?
        });
        rows.into_iter()
            .map(|row| desk_row(row, |s| Ok(DeskState::Supervision(parse(s)?))))
            .collect()
    }
}
