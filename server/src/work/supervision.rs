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

use futures_util::{stream, StreamExt, TryStreamExt};
use serde::Serialize;
use utoipa::ToSchema;

use super::schedule::kind;
use super::Error;
use crate::auth::Caller;
use crate::db::{DeskBody, DeskRow, DeskSlice, DeskTally, Region};
use crate::domain::filing;
use crate::domain::org::{RegionCode, RegionPath};
use crate::domain::phrases;
use crate::domain::policy::Action;
use crate::domain::supervision::{DeskCursor, DeskKind, DeskState, DESK_PAGE_SIZE};
use crate::services::Services;

/// How many lines of each kind the desk itself shows (the region's longest overdue): the rest
/// are counted per body and read a page at a time, so a province's desk costs what its bodies
/// do, not what its backlog does.
pub const DESK_FIRST_PAGE: usize = 20;

/// How many of the desk's kinds are read at once.
const DESK_READS_AT_ONCE: usize = 2;

/// The lines a page of one body's lines holds when the caller names no size, and the most.
pub const DESK_PAGE_DEFAULT: u32 = 50;
pub const DESK_PAGE_MAX: u32 = 200;

/// The kinds of line that are rows of their own (annual reports are bodies that did not file).
const ROW_KINDS: [DeskKind; 5] = [
    DeskKind::Task,
    DeskKind::Notice,
    DeskKind::Referral,
    DeskKind::Dispute,
    DeskKind::Supervision,
];

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

/// A body of the region that owes something: how many lines of each kind, and those of its
/// lines that are among the desk's most urgent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SupervisedBody {
    pub org_id: String,
    pub org_name: String,
    /// Its lines of each kind: `GET /api/supervision/desk/lines?kind=…&org=…` reads them.
    pub counts: DeskCounts,
    /// Its lines among the desk's first page of each kind (the region's longest overdue),
    /// the longest overdue first; often fewer than `counts` says, or none.
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

impl DeskCounts {
    fn add(&mut self, kind: DeskKind, tally: &DeskTally) {
        let lines = u32::try_from(tally.lines).unwrap_or(u32::MAX);
        let slot = match kind {
            DeskKind::Task => &mut self.tasks,
            DeskKind::Notice => &mut self.notices,
            DeskKind::Referral => &mut self.referrals,
            DeskKind::Dispute => &mut self.disputes,
            DeskKind::Supervision => &mut self.supervisions,
            DeskKind::AnnualReport => &mut self.annual_reports,
        };
        *slot = slot.saturating_add(lines);
        self.escalated = self
            .escalated
            .saturating_add(u32::try_from(tally.escalated).unwrap_or(u32::MAX));
    }

    fn of(&self, kind: DeskKind) -> u32 {
        match kind {
            DeskKind::Task => self.tasks,
            DeskKind::Notice => self.notices,
            DeskKind::Referral => self.referrals,
            DeskKind::Dispute => self.disputes,
            DeskKind::Supervision => self.supervisions,
            DeskKind::AnnualReport => self.annual_reports,
        }
    }
}

/// The desk of a region (`GET /api/supervision/desk`): every body that owes something with its
/// counts, and the region's most urgent lines under their bodies.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupervisionDesk {
    pub region: String,
    pub region_name: String,
    /// When it was read, Unix milliseconds: what "overdue" was measured against.
    pub as_of: i64,
    /// The bodies that owe something, in the order of the region tree, then by name.
    pub bodies: Vec<SupervisedBody>,
    pub counts: DeskCounts,
    /// The most lines of each kind shown under the bodies ([`DESK_FIRST_PAGE`]).
    pub first_page: u32,
    /// Some kind has more lines than are shown: the rest are read per body
    /// (`GET /api/supervision/desk/lines`).
    pub truncated: bool,
}

/// A page of one body's lines of one kind (`GET /api/supervision/desk/lines`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskLines {
    pub region: String,
    pub org_id: String,
    pub kind: DeskKind,
    /// When it was read, Unix milliseconds.
    pub as_of: i64,
    /// The earliest due first.
    pub lines: Vec<DeskLine>,
    /// There are more: pass it as `after` for the next page.
    pub next: Option<String>,
}

/// What a page of one body's lines asks for, as the caller wrote it.
#[derive(Debug, Clone, Default)]
pub struct DeskLinesQuery<'a> {
    /// The region's code; the caller's body's region when not given.
    pub region: Option<&'a str>,
    pub kind: &'a str,
    /// The body that owes the lines.
    pub org: &'a str,
    /// The `next` of the page before.
    pub after: Option<&'a str>,
    pub limit: Option<u32>,
}

/// The job kind of a kind's 督办 (tasks and notifications keep theirs elsewhere).
fn escalate_kind(desk_kind: DeskKind) -> &'static str {
    match desk_kind {
        DeskKind::Referral => kind::REFERRAL_ESCALATE,
        DeskKind::Dispute => kind::DISPUTE_ESCALATE,
        DeskKind::Supervision => kind::SUPERVISION_ESCALATE,
        DeskKind::AnnualReport => kind::ANNUAL_REPORT_ESCALATE,
        DeskKind::Task | DeskKind::Notice => "",
    }
}

/// The region `region` names (the caller's body's when `None`), once the policy lets the
/// caller see its desk.
async fn desk_region(
    services: &Services,
    caller: &Caller,
    region: Option<&str>,
) -> Result<Region, Error> {
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
    Ok(region)
}

/// The desk of `region` (the caller's body's region when not given), as the caller may see it.
pub async fn desk(
    services: &Services,
    caller: &Caller,
    region: Option<&str>,
) -> Result<SupervisionDesk, Error> {
    let region = desk_region(services, caller, region).await?;
    let now = services.clock.now_ms();
    let db = &services.db;
    // The kinds are read two at a time, each on its own reading connection, so the desk
    // waits for about half their sum; not more at once, which would take the pool's
    // connections from the edits' commits (on PostgreSQL they share it) to gain nothing on
    // a small machine.
    let kinds: Vec<(Vec<DeskTally>, Vec<DeskRow>)> = stream::iter(ROW_KINDS)
        .map(|desk_kind| {
            db.desk_summary(
                desk_kind,
                &region.path,
                now,
                escalate_kind(desk_kind),
                DESK_FIRST_PAGE,
            )
        })
        .buffered(DESK_READS_AT_ONCE)
        .try_collect()
        .await?;
    let mut tallies: Vec<(DeskKind, Vec<DeskTally>)> = Vec::new();
    let mut rows: Vec<DeskRow> = Vec::new();
    for (desk_kind, (tally, first)) in ROW_KINDS.into_iter().zip(kinds) {
        tallies.push((desk_kind, tally));
        rows.extend(first);
    }
    let mut reports = Vec::new();
    for year in filing::years_on_the_desk(now) {
        let owed = super::filings::reports_owed(&region.path, year);
        let owed = owed.as_owed();
        tallies.push((
            DeskKind::AnnualReport,
            db.desk_annual_report_tally(&owed).await?,
        ));
        reports.extend(
            db.desk_annual_reports(&owed, None, DESK_FIRST_PAGE as i64)
                .await?,
        );
    }
    // The years in order, so the older year's reports (longer overdue) come first.
    rows.extend(reports.into_iter().take(DESK_FIRST_PAGE));

    let mut counts = DeskCounts::default();
    let mut per_body: BTreeMap<String, DeskCounts> = BTreeMap::new();
    for (desk_kind, tally) in &tallies {
        for t in tally {
            counts.add(*desk_kind, t);
            per_body
                .entry(t.org_id.clone())
                .or_default()
                .add(*desk_kind, t);
        }
    }
    let mut shown = DeskCounts::default();
    for row in &rows {
        let one = DeskTally {
            org_id: String::new(),
            lines: 1,
            escalated: 0,
        };
        shown.add(row.state.kind(), &one);
    }
    let truncated = DeskKind::ALL.iter().any(|k| counts.of(*k) > shown.of(*k));
    let ids: Vec<&str> = per_body.keys().map(String::as_str).collect();
    let names = db.desk_bodies(&ids).await?;
    let bodies = grouped(names, per_body, rows, now);
    Ok(SupervisionDesk {
        region: region.code.as_str().to_owned(),
        region_name: region.name_zh.as_str().to_owned(),
        as_of: now,
        bodies,
        counts,
        first_page: DESK_FIRST_PAGE as u32,
        truncated,
    })
}

/// A page of the lines of `query.kind` that `query.org` owes in the region, as the caller may
/// see them: the same lines the desk counts for that body, the earliest due first.
pub async fn desk_lines(
    services: &Services,
    caller: &Caller,
    query: &DeskLinesQuery<'_>,
) -> Result<DeskLines, Error> {
    let desk_kind: DeskKind = query
        .kind
        .parse()
        .map_err(|e: crate::domain::org::Invalid| Error::invalid("kind", e.0))?;
    let after = query
        .after
        .map(DeskCursor::parse)
        .transpose()
        .map_err(|why| Error::invalid("after", why))?;
    let limit = query.limit.unwrap_or(DESK_PAGE_DEFAULT);
    if !(1..=DESK_PAGE_MAX).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            DESK_PAGE_SIZE.with("max", DESK_PAGE_MAX),
        ));
    }
    let region = desk_region(services, caller, query.region).await?;
    let now = services.clock.now_ms();
    let db = &services.db;
    let take = limit as usize;
    let mut rows = if desk_kind == DeskKind::AnnualReport {
        // A body owes at most one report a year on the desk: its lines are read whole.
        let mut rows = Vec::new();
        for year in filing::years_on_the_desk(now) {
            let owed = super::filings::reports_owed(&region.path, year);
            rows.extend(
                db.desk_annual_reports(&owed.as_owed(), Some(query.org), 1)
                    .await?,
            );
        }
        rows.retain(|row| {
            after
                .as_ref()
                .is_none_or(|a| (row.due_at, row.id.as_str()) > (a.due_at, a.id.as_str()))
        });
        rows.sort_by(|a, b| (a.due_at, &a.id).cmp(&(b.due_at, &b.id)));
        rows
    } else {
        let slice = DeskSlice {
            region: &region.path,
            now,
            owing: query.org,
            after: after.as_ref().map(|a| (a.due_at, a.id.as_str())),
            limit: i64::from(limit) + 1,
        };
        db.desk_lines(desk_kind, &slice, escalate_kind(desk_kind))
            .await?
    };
    let next = (rows.len() > take).then(|| {
        rows.truncate(take);
        rows.last().map(|row| {
            DeskCursor {
                due_at: row.due_at,
                id: row.id.clone(),
            }
            .to_string()
        })
    });
    Ok(DeskLines {
        region: region.code.as_str().to_owned(),
        org_id: query.org.to_owned(),
        kind: desk_kind,
        as_of: now,
        lines: rows.into_iter().map(|row| line(row, now).1).collect(),
        next: next.flatten(),
    })
}

/// A stored row as a line at `now`, with the body that owes it.
fn line(row: DeskRow, now: i64) -> (DeskBody, DeskLine) {
    let state = row.state;
    let (first, second) = row.sides;
    // Who owes the line, and who is on the other side: a task's assignee (the setter), a
    // receipt's recipient (the sender), the side that owes a referral's stage (the other), a
    // dispute's bureau while it must accept or decide, else its raising body.
    let (owing, other) = if state.second_side_owes() {
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

/// The bodies that owe something (`names`, with their `counts`), in the order of the region
/// tree, then by name, each with its lines among `rows` (the longest overdue first). A line
/// whose body was not counted (it became due between the two reads) still shows, under its
/// body.
fn grouped(
    names: Vec<DeskBody>,
    mut counts: BTreeMap<String, DeskCounts>,
    rows: Vec<DeskRow>,
    now: i64,
) -> Vec<SupervisedBody> {
    let mut by_body: BTreeMap<(String, String, String), Vec<DeskLine>> = names
        .into_iter()
        .map(|b| ((b.region_path.0, b.name_zh, b.org_id), Vec::new()))
        .collect();
    for row in rows {
        let (owing, line) = line(row, now);
        by_body
            .entry((owing.region_path.0, owing.name_zh, owing.org_id))
            .or_default()
            .push(line);
    }
    by_body
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
                counts: counts.remove(&org_id).unwrap_or_default(),
                org_id,
                org_name,
                lines,
            }
        })
        .collect()
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

        // The township was counted with one more task than the first page shows; the
        // procuratorate owes lines none of which is on it.
        let procuratorate = body("procuratorate", "人民检察院", COUNTY);
        let mut counts = BTreeMap::new();
        counts.insert(
            "township".to_owned(),
            DeskCounts {
                tasks: 3,
                ..DeskCounts::default()
            },
        );
        counts.insert(
            "procuratorate".to_owned(),
            DeskCounts {
                notices: 4,
                escalated: 1,
                ..DeskCounts::default()
            },
        );
        let names = vec![township(), procuratorate];

        let bodies = grouped(names, counts, rows, 50);

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
                ("人民检察院", vec![]),
                ("公安分局", vec!["r1", "n1"]),
                ("司法局", vec!["d1"]),
                ("市场监管局", vec!["r2"]),
                ("湖滨街道", vec!["t1", "t2"]),
            ]
        );
        assert_eq!(bodies[0].counts.notices, 4);
        assert_eq!(bodies[0].counts.escalated, 1);
        assert_eq!(bodies[4].counts.tasks, 3);
        let d1 = &bodies[2].lines[0];
        assert!(!d1.overdue);
        assert_eq!(d1.counterpart_name, "市场监管局");
        assert_eq!(d1.limit_label_zh, "受理期限");
        let r1 = &bodies[1].lines[0];
        assert!(r1.overdue);
        assert_eq!(r1.counterpart_org_id, "market");
        assert_eq!(r1.limit_label_zh, "签收期限");
    }
}
