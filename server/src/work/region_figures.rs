//! The region's figures (评议考核) as an operation: for a judicial bureau, one row per body
//! of its region and below for a period, as JSON, as a CSV file and as an `.xlsx` workbook.
//!
//! Each row names the body (its Chinese name, its region) and counts, in the period:
//! tasks set and assigned, overdue and the overdue rate; notices sent and those it left
//! unacknowledged past their limit; meetings convened and held, and for a bureau the annual
//! obligation of the period's last year ([`super::meetings::annual_report`]); disputes raised
//! by it and against it, settled, decided and the median working days to settle (counted by
//! [`crate::domain::dispute_stats::tally`]); referrals sent and received, and of those
//! received, signed for and decided on time (counted by
//! [`crate::domain::referral_stats::tally`]); supervision documents issued to it and rectified
//! on time; its files whose grade a case-file review confirmed, and the failing ones.
//!
//! What a body counts in is the period's days (Beijing) of: a task's dispatch, a notice's
//! sending or delivery, a meeting's start, a dispute's raising, a referral's sending. Who may
//! see which region is the dispute statistics' rule ([`Action::ReadDisputeStats`]): the
//! region's or a higher region's judicial bureau, or an operator. This module never counts by
//! itself what a statistics module already counts.

use std::collections::HashMap;

use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;
use utoipa::ToSchema;

pub use super::region_stats::StatsQuery;
use super::region_stats::{csv_file, RegionTable};
use super::Error;
use crate::auth::Caller;
use crate::db::{MeetingCounts, NoticeCounts, ReviewCounts, SupervisionCounts, TaskCounts};
use crate::domain::dispute_stats::{self, DisputeFacts};
use crate::domain::meeting::AnnualStatus;
use crate::domain::org::OrgKind;
use crate::domain::policy::Action;
use crate::domain::referral_stats::{self, kinds_counted, ReferralFacts};
use crate::services::Services;

/// One body's figures for the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BodyFigures {
    pub org_id: String,
    /// The body's Chinese name.
    pub org_name: String,
    pub org_kind: OrgKind,
    /// Its region's code and Chinese name.
    pub region: String,
    pub region_name: String,
    /// 下达任务数: tasks it set (as setter), dispatched in the period and not cancelled.
    pub tasks_set: u32,
    /// 承办任务数: tasks assigned to it, dispatched in the period and not cancelled.
    pub tasks_assigned: u32,
    /// 超期任务数: of those assigned, past due and still with it now, or reported overdue.
    pub tasks_overdue: u32,
    /// 超期率 (%): overdue of assigned, one decimal; `null` when none was assigned.
    pub tasks_overdue_rate: Option<f64>,
    /// 发出通报数: notices it sent (originals).
    pub notices_sent: u32,
    /// 应签收通报数: notices delivered to it requiring 签收.
    pub notices_to_acknowledge: u32,
    /// 逾期未签收数: of those, not acknowledged by their limit (late, or still not now).
    pub notices_unacknowledged_late: u32,
    /// 召集会议数: meetings it convened (scheduled or held).
    pub meetings_convened: u32,
    /// 召开会议数: meetings it convened that were held.
    pub meetings_held: u32,
    /// 年度协调会议: for a judicial bureau, its annual meeting of [`RegionFigures::annual_year`];
    /// `null` for other bodies, which have no such obligation.
    pub annual_meeting: Option<AnnualStatus>,
    /// Whether the bureau is flagged (督促): none held or scheduled once it was due.
    pub annual_meeting_flagged: Option<bool>,
    /// 提出争议数: disputes it raised.
    pub disputes_raised: u32,
    /// 被提出争议数: disputes raised against it (named as a party).
    pub disputes_against: u32,
    /// 协商解决数: of the disputes it is in, settled by the parties.
    pub disputes_settled: u32,
    /// 作出协调意见数: of the disputes it is in, decided by the bureau.
    pub disputes_decided: u32,
    /// Working days from raise to settlement of the disputes it is in: median; `null` when
    /// none was settled.
    pub dispute_settle_days_median: Option<f64>,
    /// 移送数: referrals it sent (of the kinds the caller's body counts).
    pub referrals_sent: u32,
    /// 接收移送数: referrals sent to it.
    pub referrals_received: u32,
    /// 按时签收数: of those sent to it, signed for by their receipt's due time.
    pub referrals_received_on_time: u32,
    /// 按时决定数: of those sent to it, decided by their decision's due time.
    pub referrals_decided_on_time: u32,
    /// 监督文书数: supervision documents issued to it (by the day they were issued).
    pub supervision_documents: u32,
    /// 按时整改数: of those, the ones whose rectification was accepted with no report ever
    /// late.
    pub rectified_on_time: u32,
    /// 评查案卷数: its files whose grade a case-file review confirmed in the period.
    pub files_reviewed: u32,
    /// 不合格案卷数: of those, graded 不合格.
    pub files_failed: u32,
}

/// The figures of a region's bodies for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionFigures {
    pub region: String,
    pub region_name: String,
    /// The first date counted, `YYYY-MM-DD` (Beijing).
    pub from: String,
    /// The last date counted, `YYYY-MM-DD` (Beijing), included.
    pub to: String,
    /// When "overdue" and "late" were counted, Unix milliseconds.
    pub as_of: i64,
    /// The year whose annual meeting the bureaus' rows show: the period's last.
    pub annual_year: i32,
    /// Every body of the region and below, by region, then kind, then name.
    pub bodies: Vec<BodyFigures>,
}

/// The figures of a region for a period: `region` defaults to the caller's body's region,
/// the period to the current year (Beijing).
pub async fn figures(
    services: &Services,
    caller: &Caller,
    query: StatsQuery<'_>,
) -> Result<RegionFigures, Error> {
    let table = RegionTable::of(services, caller, &query, |region_path| async move {
        caller
            .allow(
                &services.db,
                Action::ReadDisputeStats {
                    region_path: &region_path,
                },
            )
            .await
            .map_err(Error::from)
    })
    .await?;
    let db = &services.db;
    let path = &table.region.path;
    let (start, end) = table.period.range_ms();
    let now = table.now;
    // The region's reads in two lanes, each the heavier reads first: a city's figures waited
    // for nine statements one after another, the notices' receipts and the disputes' parts
    // alone over half of it (issue #21). Two at once, as the desk reads its kinds.
    let annual_year = table.period.to.year();
    let lane_one = async {
        let notices = db.figure_notices(path, start, end, now).await?;
        let referrals = db.figure_referrals(path, start, end).await?;
        let meetings = db.figure_meetings(path, start, end).await?;
        let reviewed = db.figure_reviews(path, start, end).await?;
        Ok::<_, Error>((notices, referrals, meetings, reviewed))
    };
    let lane_two = async {
        let disputes = db.figure_disputes(path, start, end).await?;
        let tasks = db.figure_tasks(path, start, end, now).await?;
        let supervisions = db.figure_supervisions(path, start, end).await?;
        let annual = super::meetings::annual_report(
            db,
            annual_year,
            now,
            services.settings.annual_meeting_due,
            Some(path),
        )
        .await?;
        Ok::<_, Error>((disputes, tasks, supervisions, annual))
    };
    let ((notices, referrals, meetings, reviewed), (dispute_parts, tasks, supervisions, annual)) =
        tokio::try_join!(lane_one, lane_two)?;
    let tasks: HashMap<String, TaskCounts> = tasks.into_iter().collect();
    let notices: HashMap<String, NoticeCounts> = notices.into_iter().collect();
    let meetings: HashMap<String, MeetingCounts> = meetings.into_iter().collect();
    let supervisions: HashMap<String, SupervisionCounts> = supervisions.into_iter().collect();
    let reviewed: HashMap<String, ReviewCounts> = reviewed.into_iter().collect();
    let mut disputes: HashMap<String, (u32, u32, Vec<DisputeFacts>)> = HashMap::new();
    for part in dispute_parts {
        let entry = disputes.entry(part.org_id).or_default();
        if part.raiser {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        entry.2.push(part.facts);
    }
    let kinds = kinds_counted(caller.org.as_ref().map(|o| o.kind));
    let mut sent: HashMap<String, Vec<ReferralFacts>> = HashMap::new();
    let mut received: HashMap<String, Vec<ReferralFacts>> = HashMap::new();
    for part in referrals {
        if !kinds.contains(&part.facts.kind) {
            continue;
        }
        sent.entry(part.referrer_org_id)
            .or_default()
            .push(part.facts.clone());
        received
            .entry(part.receiver_org_id)
            .or_default()
            .push(part.facts);
    }
    let annual: HashMap<String, (AnnualStatus, bool)> = annual
        .lines
        .into_iter()
        .map(|line| (line.org.id, (line.status, line.flagged)))
        .collect();
    let regions: HashMap<_, _> = db
        .regions()
        .await?
        .into_iter()
        .map(|r| (r.code.clone(), r))
        .collect();
    let calendar = services.calendar.get();
    let mut orgs: Vec<_> = db
        .orgs()
        .await?
        .into_iter()
        .filter(|org| path.covers(&org.region_path))
        .collect();
    orgs.sort_by(|a, b| {
        (&a.region_path.0, a.kind, a.name_zh.as_str()).cmp(&(
            &b.region_path.0,
            b.kind,
            b.name_zh.as_str(),
        ))
    });
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    let bodies = orgs
        .into_iter()
        .map(|org| {
            let t = tasks.get(&org.id).cloned().unwrap_or_default();
            let n = notices.get(&org.id).cloned().unwrap_or_default();
            let m = meetings.get(&org.id).cloned().unwrap_or_default();
            let s = supervisions.get(&org.id).cloned().unwrap_or_default();
            let r = reviewed.get(&org.id).cloned().unwrap_or_default();
            let (raised, against, facts) = disputes.remove(&org.id).unwrap_or_default();
            let d = dispute_stats::tally(&calendar, now, &facts);
            let out =
                referral_stats::tally(&calendar, now, sent.get(&org.id).into_iter().flatten());
            let into =
                referral_stats::tally(&calendar, now, received.get(&org.id).into_iter().flatten());
            let annual = annual.get(&org.id).copied();
            let region_name = regions
                .get(&org.region)
                .map(|r| r.name_zh.as_str().to_owned())
                .unwrap_or_default();
            BodyFigures {
                org_name: org.name_zh.as_str().to_owned(),
                org_kind: org.kind,
                region: org.region.as_str().to_owned(),
                region_name,
                tasks_set: count(t.set),
                tasks_assigned: count(t.assigned),
                tasks_overdue: count(t.overdue),
                tasks_overdue_rate: rate(t.overdue, t.assigned),
                notices_sent: count(n.sent),
                notices_to_acknowledge: count(n.to_acknowledge),
                notices_unacknowledged_late: count(n.acknowledged_late),
                meetings_convened: count(m.convened),
                meetings_held: count(m.held),
                annual_meeting: annual.map(|(status, _)| status),
                annual_meeting_flagged: annual.map(|(_, flagged)| flagged),
                disputes_raised: raised,
                disputes_against: against,
                disputes_settled: d.settled,
                disputes_decided: d.decided,
                dispute_settle_days_median: d.settle_days_median,
                referrals_sent: out.referred,
                referrals_received: into.referred,
                referrals_received_on_time: into.received_on_time,
                referrals_decided_on_time: into.decided_on_time,
                supervision_documents: count(s.issued),
                rectified_on_time: count(s.rectified_on_time),
                files_reviewed: count(r.reviewed),
                files_failed: count(r.failed),
                org_id: org.id,
            }
        })
        .collect();
    Ok(RegionFigures {
        region: table.region.code.as_str().to_owned(),
        region_name: table.region.name_zh.as_str().to_owned(),
        from: table.period.from.to_string(),
        to: table.period.to.to_string(),
        as_of: now,
        annual_year,
        bodies,
    })
}

/// `part` of `whole` in percent, one decimal; `None` of nothing.
fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// A cell of the table: a count, a number with a decimal, a text, or nothing.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Count(u32),
    Number(f64),
    Text(String),
    Empty,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Count(n) => n.to_string(),
            Cell::Number(v) => v.to_string(),
            Cell::Text(s) => s.clone(),
            Cell::Empty => String::new(),
        }
    }
}

/// The header row of the CSV file and the worksheet, in the order of [`record`].
pub const HEADER: [&str; 27] = [
    "单位名称",
    "单位类型",
    "区划代码",
    "区划名称",
    "下达任务数",
    "承办任务数",
    "超期任务数",
    "超期率（%）",
    "发出通报数",
    "应签收通报数",
    "逾期未签收数",
    "召集会议数",
    "召开会议数",
    "年度协调会议",
    "提出争议数",
    "被提出争议数",
    "协商解决数",
    "作出协调意见数",
    "协商解决用时中位数（工作日）",
    "移送数",
    "接收移送数",
    "按时签收数",
    "按时决定数",
    "监督文书数",
    "按时整改数",
    "评查案卷数",
    "不合格案卷数",
];

fn record(b: &BodyFigures) -> [Cell; 27] {
    let number = |v: Option<f64>| v.map_or(Cell::Empty, Cell::Number);
    let annual = match (b.annual_meeting, b.annual_meeting_flagged) {
        (Some(status), Some(true)) => Cell::Text(format!("{}（督促）", status.label_zh())),
        (Some(status), _) => Cell::Text(status.label_zh().to_owned()),
        (None, _) => Cell::Empty,
    };
    [
        Cell::Text(b.org_name.clone()),
        Cell::Text(b.org_kind.label_zh().to_owned()),
        Cell::Text(b.region.clone()),
        Cell::Text(b.region_name.clone()),
        Cell::Count(b.tasks_set),
        Cell::Count(b.tasks_assigned),
        Cell::Count(b.tasks_overdue),
        number(b.tasks_overdue_rate),
        Cell::Count(b.notices_sent),
        Cell::Count(b.notices_to_acknowledge),
        Cell::Count(b.notices_unacknowledged_late),
        Cell::Count(b.meetings_convened),
        Cell::Count(b.meetings_held),
        annual,
        Cell::Count(b.disputes_raised),
        Cell::Count(b.disputes_against),
        Cell::Count(b.disputes_settled),
        Cell::Count(b.disputes_decided),
        number(b.dispute_settle_days_median),
        Cell::Count(b.referrals_sent),
        Cell::Count(b.referrals_received),
        Cell::Count(b.referrals_received_on_time),
        Cell::Count(b.referrals_decided_on_time),
        Cell::Count(b.supervision_documents),
        Cell::Count(b.rectified_on_time),
        Cell::Count(b.files_reviewed),
        Cell::Count(b.files_failed),
    ]
}

/// The file name of an export, without its extension.
fn file_stem(f: &RegionFigures) -> String {
    format!("figures-{}-{}-{}", f.region, f.from, f.to)
}

/// [`figures`] as a CSV file (UTF-8 with a byte order mark, a Chinese header row, one line per
/// body), and its file name.
pub async fn csv(
    services: &Services,
    caller: &Caller,
    query: StatsQuery<'_>,
) -> Result<(String, Vec<u8>), Error> {
    let f = figures(services, caller, query).await?;
    let body = csv_file(
        &HEADER,
        f.bodies
            .iter()
            .map(|b| record(b).iter().map(Cell::text).collect()),
    )?;
    Ok((format!("{}.csv", file_stem(&f)), body))
}

/// [`figures`] as an `.xlsx` workbook of one sheet (评议考核): a title line naming the region
/// and the period, the Chinese header row, one row per body; counts as numbers, so a
/// spreadsheet sums them. And its file name.
pub async fn xlsx(
    services: &Services,
    caller: &Caller,
    query: StatsQuery<'_>,
) -> Result<(String, Vec<u8>), Error> {
    let f = figures(services, caller, query).await?;
    Ok((format!("{}.xlsx", file_stem(&f)), workbook(&f)?))
}

/// The row of the header in the worksheet (0-based); the bodies follow it.
pub const XLSX_HEADER_ROW: u32 = 1;

fn workbook(f: &RegionFigures) -> Result<Vec<u8>, Error> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let xlsx = |e: rust_xlsxwriter::XlsxError| Error::internal(format!("writing the .xlsx: {e}"));
    sheet.set_name("评议考核").map_err(xlsx)?;
    let bold = Format::new().set_bold();
    let title = format!(
        "{}行政执法评议考核（{} 至 {}）",
        f.region_name, f.from, f.to
    );
    sheet
        .write_string_with_format(0, 0, &title, &bold)
        .map_err(xlsx)?;
    for (col, name) in HEADER.iter().enumerate() {
        sheet
            .write_string_with_format(XLSX_HEADER_ROW, col as u16, *name, &bold)
            .map_err(xlsx)?;
    }
    for (i, body) in f.bodies.iter().enumerate() {
        let row = XLSX_HEADER_ROW + 1 + i as u32;
        for (col, cell) in record(body).iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Count(n) => sheet.write_number(row, col, f64::from(*n)),
                Cell::Number(v) => sheet.write_number(row, col, *v),
                Cell::Text(s) => sheet.write_string(row, col, s),
                Cell::Empty => continue,
            }
            .map_err(xlsx)?;
        }
    }
    sheet.set_column_width(0, 28).map_err(xlsx)?;
    sheet
        .set_freeze_panes(XLSX_HEADER_ROW + 1, 1)
        .map_err(xlsx)?;
    book.save_to_buffer().map_err(xlsx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_every_column_of_a_record_and_rates_round_to_one_decimal() {
        let body = BodyFigures {
            org_id: "o".into(),
            org_name: "上城区市场监督管理局".into(),
            org_kind: OrgKind::EnforcementDepartment,
            region: "330102".into(),
            region_name: "上城区".into(),
            tasks_set: 0,
            tasks_assigned: 3,
            tasks_overdue: 1,
            tasks_overdue_rate: rate(1, 3),
            notices_sent: 0,
            notices_to_acknowledge: 0,
            notices_unacknowledged_late: 0,
            meetings_convened: 0,
            meetings_held: 0,
            annual_meeting: None,
            annual_meeting_flagged: None,
            disputes_raised: 0,
            disputes_against: 0,
            disputes_settled: 0,
            disputes_decided: 0,
            dispute_settle_days_median: None,
            referrals_sent: 0,
            referrals_received: 0,
            referrals_received_on_time: 0,
            referrals_decided_on_time: 0,
            supervision_documents: 0,
            rectified_on_time: 0,
            files_reviewed: 0,
            files_failed: 0,
        };
        assert_eq!(record(&body).len(), HEADER.len());
        // A bureau's annual meeting in Chinese, flagged (督促) once late; other bodies none.
        let annual = HEADER.iter().position(|h| *h == "年度协调会议").unwrap();
        assert_eq!(record(&body)[annual], Cell::Empty);
        let late = BodyFigures {
            annual_meeting: Some(AnnualStatus::None),
            annual_meeting_flagged: Some(true),
            ..body.clone()
        };
        assert_eq!(record(&late)[annual], Cell::Text("未安排（督促）".into()));
        assert_eq!(body.tasks_overdue_rate, Some(33.3));
        assert_eq!(rate(0, 0), None);
        assert_eq!(rate(2, 2), Some(100.0));
    }
}
