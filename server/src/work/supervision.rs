//! The supervision desk (监督台) of a judicial bureau as an operation: in the bureau's region
//! and below, what is overdue, unacknowledged or escalated (督办), grouped by the body that owes
//! it: tasks past their deadline, notifications not acknowledged (签收) past their limit,
//! referrals whose stage is past its limit, disputes whose stage is past its limit or which
//! wait for a bureau to accept them. Each line names its piece of work and the page to open
//! (its kind and id), so a person never reads a bare id.
//!
//! The desk is read when asked (`as_of`); nothing is pushed to it: the events of a task or
//! notification go to its parties, not to the bureaus above them, so the page reloads the desk
//! on a timer and on the events its own body receives. Who may see which region's desk is the
//! policy's ([`Action::ReadSupervisionDesk`]); which rows are lines is `db::supervision`'s
//! query; what a line's state and limit are called is `domain::supervision`'s. This module
//! only puts them together.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::schedule::kind;
use super::Error;
use crate::auth::Caller;
use crate::db::{DeskBody, DeskRow};
use crate::domain::filing;
use crate::domain::org::{RegionCode, RegionPath};
use crate::domain::phrases;
use crate::domain::policy::Action;
use crate::domain::supervision::{DeskKind, DeskState};
use crate::services::Services;

/// The most lines of each kind a desk shows (the longest overdue first): a province's desk
/// stays one bounded read, and a region with more is narrowed by asking for a region below.
pub const DESK_LIMIT: usize = 500;

/// One line of the desk: a piece of work overdue, unacknowledged or escalated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeskLine {
    /// What it is; with `id`, the page to open: `/tasks/{id}`, `/notices/{id}`,
    /// `/referrals/{id}`, `/disputes/{id}`.
    pub kind: DeskKind,
    pub kind_label_zh: &'static str,
    pub kind_label_en: &'static str,
    pub id: String,
    /// The task's or notification's title, the referral's case name, the dispute's title.
    pub title: String,
    /// The state of the task, of the body's receipt, of the referral or of the dispute.
    pub state: String,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    /// The time limit `due_at` is of: 办理期限, 签收期限, a referral's or a dispute's stage.
    pub limit_label_zh: &'static str,
    pub limit_label_en: &'static str,
    /// When the limit ran out (or runs out, for a dispute waiting to be accepted in time),
    /// Unix milliseconds.
    pub due_at: i64,
    /// The limit has passed.
    pub overdue: bool,
    /// 督办 was sent: reported to the owing body's head (and the body waiting on it).
    pub escalated: bool,
    /// The body on the other side: the body that set the task, sent the notification, waits
    /// on the referral's stage, or (for a dispute) the bureau or the raising body.
    pub counterpart_org_id: String,
    pub counterpart_name: String,
}

/// A body of the region with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SupervisedBody {
    pub org_id: String,
    pub org_name: String,
    /// The longest overdue first.
    pub lines: Vec<DeskLine>,
}

/// How many lines of each kind the desk has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeskCounts {
    pub tasks: u32,
    pub notices: u32,
    pub referrals: u32,
    pub disputes: u32,
    /// Supervision documents whose rectification report is overdue.
    pub supervisions: u32,
    /// Annual reports (年度工作情况报告) not filed: in December, or overdue.
    pub annual_reports: u32,
    /// Lines whose 督办 was sent, of every kind.
    pub escalated: u32,
}

/// The desk of a region (`GET /api/supervision/desk`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupervisionDesk {
    pub region: String,
    pub region_name: String,
    /// When it was read, Unix milliseconds: what "overdue" was measured against.
    pub as_of: i64,
    /// The bodies that owe something, in the order of the region tree, then by name.
    pub bodies: Vec<SupervisedBody>,
    pub counts: DeskCounts,
    /// Some kind had more than [`DESK_LIMIT`] lines: only the longest overdue are shown; ask
    /// for a region below to see the rest.
    pub truncated: bool,
}

/// The desk of `region` (the caller's body's region when not given), as the caller may see it.
pub async fn desk(
    services: &Services,
    caller: &Caller,
    region: Option<&str>,
) -> Result<SupervisionDesk, Error> {
    let code = match region {
        Some(code) => Some(RegionCode::parse(code).map_err(|e| Error::invalid("region", e.0))?),
        None => caller.org.as_ref().map(|org| org.region.clone()),
    };
    let Some(code) = code else {
        // Someone who acts for no body (an operator) names no region: the policy refuses them
        // any desk, so it is asked about the whole tree.
        caller
            .allow(
                &services.db,
                Action::ReadSupervisionDesk {
                    region_path: &RegionPath("/".into()),
                },
            )
            .await?;
        return Err(Error::invalid(
            "region",
            crate::domain::stats::STATS_REGION_REQUIRED.message(),
        ));
    };
    let region = services
        .db
        .region(&code)
        .await?
        .ok_or_else(|| Error::NotFound(phrases::NO_REGION.with("code", &code)))?;
    caller
        .allow(
            &services.db,
            Action::ReadSupervisionDesk {
                region_path: &region.path,
            },
        )
        .await?;
    let now = services.clock.now_ms();
    let limit = DESK_LIMIT as i64 + 1;
    let db = &services.db;
    let mut kinds = vec![
        db.desk_tasks(&region.path, now, limit).await?,
        db.desk_notices(&region.path, now, limit).await?,
        db.desk_referrals(&region.path, now, limit, kind::REFERRAL_ESCALATE)
            .await?,
        db.desk_disputes(&region.path, now, limit, kind::DISPUTE_ESCALATE)
            .await?,
        db.desk_supervisions(&region.path, now, limit, kind::SUPERVISION_ESCALATE)
            .await?,
    ];
    for year in filing::years_on_the_desk(now) {
        kinds.push(super::filings::desk_lines(services, &region.path, year, limit).await?);
    }
    let truncated = kinds.iter().any(|rows| rows.len() > DESK_LIMIT);
    let rows = kinds
        .into_iter()
        .flat_map(|rows| rows.into_iter().take(DESK_LIMIT));
    let (bodies, counts) = grouped(rows, now);
    Ok(SupervisionDesk {
        region: region.code.as_str().to_owned(),
        region_name: region.name_zh.as_str().to_owned(),
        as_of: now,
        bodies,
        counts,
        truncated,
    })
}

/// A stored row as a line at `now`, with the body that owes it.
fn line(row: DeskRow, now: i64) -> (DeskBody, DeskLine) {
    let state = row.state;
    let (first, second) = row.sides;
    // Who owes the line, and who is on the other side: a task's assignee (the setter), a
    // receipt's recipient (the sender), the side that owes a referral's stage (the other), a
    // dispute's bureau while it must accept or decide, else its raising body.
    let second_owes = state.owed_by_receiver() || state.owed_by_bureau();
    let (owing, other) = if second_owes {
        (second, first)
    } else {
        (first, second)
    };
    let kind = state.kind();
    let (state_zh, state_en) = state.label();
    let (limit_zh, limit_en) = state.limit();
    let line = DeskLine {
        kind,
        kind_label_zh: kind.label_zh(),
        kind_label_en: kind.label_en(),
        id: row.id,
        title: row.title,
        state: state.as_str().to_owned(),
        state_label_zh: state_zh,
        state_label_en: state_en,
        limit_label_zh: limit_zh,
        limit_label_en: limit_en,
        due_at: row.due_at,
        overdue: row.due_at < now
            || !matches!(state, DeskState::Dispute(_) | DeskState::AnnualReport(_)),
        escalated: row.escalated,
        counterpart_org_id: other.org_id,
        counterpart_name: other.name_zh,
    };
    (owing, line)
}

/// The lines grouped by the body that owes them (bodies in the order of the region tree, then
/// by name; each body's lines the longest overdue first), and the counts.
fn grouped(rows: impl Iterator<Item = DeskRow>, now: i64) -> (Vec<SupervisedBody>, DeskCounts) {
    let mut counts = DeskCounts::default();
    let mut by_body: BTreeMap<(String, String, String), Vec<DeskLine>> = BTreeMap::new();
    for row in rows {
        let (owing, line) = line(row, now);
        match line.kind {
            DeskKind::Task => counts.tasks += 1,
            DeskKind::Notice => counts.notices += 1,
            DeskKind::Referral => counts.referrals += 1,
            DeskKind::Dispute => counts.disputes += 1,
            DeskKind::Supervision => counts.supervisions += 1,
            DeskKind::AnnualReport => counts.annual_reports += 1,
        }
        counts.escalated += u32::from(line.escalated);
        by_body
            .entry((owing.region_path.0, owing.name_zh, owing.org_id))
            .or_default()
            .push(line);
    }
    let bodies = by_body
        .into_iter()
        .map(|((_, org_name, org_id), mut lines)| {
            lines.sort_by(|a, b| {
                (a.due_at, a.kind, &a.id, &a.counterpart_org_id).cmp(&(
                    b.due_at,
                    b.kind,
                    &b.id,
                    &b.counterpart_org_id,
                ))
            });
            SupervisedBody {
                org_id,
                org_name,
                lines,
            }
        })
        .collect();
    (bodies, counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dispute::DisputeState;
    use crate::domain::notice::ReceiptState;
    use crate::domain::referral::ReferralState;
    use crate::domain::task::TaskState;

    fn body(id: &str, name: &str, path: &str) -> DeskBody {
        DeskBody {
            org_id: id.into(),
            name_zh: name.into(),
            region_path: RegionPath(path.into()),
        }
    }

    fn row(id: &str, state: DeskState, sides: (DeskBody, DeskBody), due_at: i64) -> DeskRow {
        DeskRow {
            id: id.into(),
            title: format!("标题{id}"),
            state,
            sides,
            due_at,
            escalated: false,
        }
    }

    #[test]
    fn lines_go_to_the_body_that_owes_them_in_region_order_the_longest_overdue_first() {
        const COUNTY: &str = "/330000/330100/330102/";
        const TOWNSHIP: &str = "/330000/330100/330102/330102001/";
        let market = || body("market", "市场监管局", COUNTY);
        let township = || body("township", "湖滨街道", TOWNSHIP);
        let police = || body("police", "公安分局", COUNTY);
        let bureau = || body("bureau", "司法局", COUNTY);
        let rows = vec![
            row(
                "t2",
                DeskState::Task(TaskState::InProgress),
                (township(), market()),
                20,
            ),
            row(
                "t1",
                DeskState::Task(TaskState::Dispatched),
                (township(), market()),
                10,
            ),
            row(
                "n1",
                DeskState::Notice(ReceiptState::Read),
                (police(), market()),
                15,
            ),
            // A referral waiting for the police's 签收 is the police's; one awaiting approval
            // is the referring body's.
            row(
                "r1",
                DeskState::Referral(ReferralState::Sent),
                (market(), police()),
                5,
            ),
            row(
                "r2",
                DeskState::Referral(ReferralState::PendingApproval),
                (market(), police()),
                6,
            ),
            // An escalated dispute not yet due is the bureau's, not overdue.
            row(
                "d1",
                DeskState::Dispute(DisputeState::Escalated),
                (market(), bureau()),
                100,
            ),
        ];

        let (bodies, counts) = grouped(rows.into_iter(), 50);

        let shown: Vec<(&str, Vec<&str>)> = bodies
            .iter()
            .map(|b| {
                (
                    b.org_name.as_str(),
                    b.lines.iter().map(|l| l.id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                ("公安分局", vec!["r1", "n1"]),
                ("司法局", vec!["d1"]),
                ("市场监管局", vec!["r2"]),
                ("湖滨街道", vec!["t1", "t2"]),
            ]
        );
        assert_eq!(
            counts,
            DeskCounts {
                tasks: 2,
                notices: 1,
                referrals: 2,
                disputes: 1,
                supervisions: 0,
                annual_reports: 0,
                escalated: 0
            }
        );
        let d1 = &bodies[1].lines[0];
        assert!(!d1.overdue);
        assert_eq!(d1.counterpart_name, "市场监管局");
        assert_eq!(d1.limit_label_zh, "受理期限");
        let r1 = &bodies[0].lines[0];
        assert!(r1.overdue);
        assert_eq!(r1.counterpart_org_id, "market");
        assert_eq!(r1.limit_label_zh, "签收期限");
    }
}
