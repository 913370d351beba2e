//! The jobs a task or a notice needs: built here, scheduled by the operation that changes it
//! (in the same transaction, through `Effects::jobs`), run by the job worker ([`crate::jobs::Worker`]).
//!
//! Pure: no I/O, no clock. Dedupe keys name the subject, the kind, the percent (0 for a job
//! that has none) and the due time the job was computed for, so scheduling the same reminders
//! twice (a retried request) makes one row, while a moved deadline makes new ones.

use serde_json::json;

use crate::db::{Meeting, NewJob, Notice, Task};
use crate::domain::calendar::{Calendar, TimeLimit};
use crate::domain::dispute::Stage;
use crate::domain::meeting::MeetingState;
use crate::domain::notice::NoticeState;

/// The kinds of job, as stored in `jobs.kind`.
pub mod kind {
    /// 50 % / 75 % reminder of a task: `{"task_id", "due_at", "percent"}`.
    pub const TASK_WARN: &str = "task_warn";
    /// 催办, the first working morning after the due time: `{"task_id", "due_at"}`.
    pub const TASK_OVERDUE: &str = "task_overdue";
    /// 督办, five working mornings later (the setter's region's `task_escalate`):
    /// `{"task_id", "due_at"}`.
    pub const TASK_ESCALATE: &str = "task_escalate";
    /// T1: remind receiving bodies that have not acknowledged: `{"notice_id"}`.
    pub const NOTICE_REMIND: &str = "notice_remind";
    /// T2: tell their admins and the sender: `{"notice_id"}`.
    pub const NOTICE_ESCALATE: &str = "notice_escalate";
    /// The reply deadline passed: `{"notice_id"}`.
    pub const NOTICE_REPLY_DUE: &str = "notice_reply_due";
    /// One event to one webhook: `{"webhook_id", "event_seq"}`.
    pub const WEBHOOK: &str = "webhook";
    /// One event to one mailbox: `{"event_seq", "to"}`.
    pub const EMAIL: &str = "email";
    /// A meeting's reply deadline: remind the invited bodies that have not answered:
    /// `{"meeting_id", "reply_due_at"}`.
    pub const MEETING_REPLY_DUE: &str = "meeting_reply_due";
    /// A working day later: tell those bodies' heads (their admins) and the convener; the
    /// same payload.
    pub const MEETING_REPLY_ESCALATE: &str = "meeting_reply_escalate";
    /// 48 hours before the start: remind the bodies that will attend:
    /// `{"meeting_id", "starts_at"}`.
    pub const MEETING_STARTS_SOON: &str = "meeting_starts_soon";
    /// 3 and 7 days after the end: remind the convener while the minutes are not frozen:
    /// `{"meeting_id", "ended_at", "days"}`.
    pub const MEETING_MINUTES_DUE: &str = "meeting_minutes_due";
    /// 50 % / 75 % of a dispute's stage: `{"dispute_id", "stage", "due_at", "percent"}`.
    pub const DISPUTE_WARN: &str = "dispute_warn";
    /// The first working morning after a stage's time ran out (催办; for negotiation: the
    /// parties may escalate now); the same payload.
    pub const DISPUTE_OVERDUE: &str = "dispute_overdue";
    /// The region's 督办 delay later, while whoever owes the stage still has not done it:
    /// their heads are told; the same payload.
    pub const DISPUTE_ESCALATE: &str = "dispute_escalate";
    /// 50 % / 75 % of a referral's stage: `{"referral_id", "stage", "due_at", "percent"}`.
    pub const REFERRAL_WARN: &str = "referral_warn";
    /// 催办, the first working morning after a stage's time ran out; the same payload.
    pub const REFERRAL_OVERDUE: &str = "referral_overdue";
    /// 督办, the region's delay later, while the side that owes the stage has not done it;
    /// the same payload.
    pub const REFERRAL_ESCALATE: &str = "referral_escalate";
    /// 50 % / 75 % of the time a body has to report its rectification (整改报告):
    /// `{"supervision_id", "stage": "report", "due_at", "percent"}`.
    pub const SUPERVISION_WARN: &str = "supervision_warn";
    /// 催办, the first working morning after the report was due; the same payload.
    pub const SUPERVISION_OVERDUE: &str = "supervision_overdue";
    /// 督办 to the body's heads, the region's delay later; the same payload.
    pub const SUPERVISION_ESCALATE: &str = "supervision_escalate";
    /// The December clock of a year's annual reports: remind every body that has not filed
    /// (1 December, and a week before the end): `{"year", "due_at"}`.
    pub const ANNUAL_REPORT_REMIND: &str = "annual_report_remind";
    /// 催办, the first working morning after 31 December: every body that has not filed; then
    /// schedules each one's 督办 and the next year's clock. The same payload.
    pub const ANNUAL_REPORT_OVERDUE: &str = "annual_report_overdue";
    /// 督办 of one body, its region's `task_escalate` later, if it still has not filed: its
    /// heads and its bureau are told: `{"year", "due_at", "org_id"}`.
    pub const ANNUAL_REPORT_ESCALATE: &str = "annual_report_escalate";
}

/// Attempts of a reminder job before it is given up (a database that stays unavailable).
const REMINDER_ATTEMPTS: i32 = 5;

/// The reminders of a task whose clock runs: 50 % and 75 % warnings, the overdue reminder
/// (催办) and the escalation (督办). Empty when the clock does not run.
///
/// The clock starts at `started_at` (dispatch), or the creation time if that is missing. A
/// task whose stored deadline is what its limit gives from the start uses the limit's own
/// schedule (warnings on working mornings for working days); one whose deadline was moved
/// (an extension) or given as an instant gets warnings at fractions of the wall time.
///
/// The escalation (督办) comes `escalate_after` working mornings after the overdue reminder:
/// the setting body's region's `task_escalate` limit.
pub fn for_task(cal: &Calendar, task: &Task, escalate_after: u32) -> Vec<NewJob> {
    if !task.state.clock_runs() {
        return Vec::new();
    }
    let start = task.started_at.unwrap_or(task.created_at);
    let mut schedule = match task.limit {
        Some(limit) if cal.due_at(start, limit) == task.due_at => cal.task_schedule(start, limit),
        _ => cal.schedule_until(start, task.due_at),
    };
    schedule.escalation = cal.escalation_after(schedule.overdue_reminder, escalate_after);
    let subject = format!("task:{}", task.id);
    let job = |kind: &str, percent: i64, due_at: i64| {
        let mut payload = json!({ "task_id": task.id, "due_at": task.due_at });
        if kind == kind::TASK_WARN {
            payload["percent"] = json!(percent);
        }
        NewJob {
            kind: kind.to_owned(),
            subject: subject.clone(),
            payload,
            due_at,
            max_attempts: REMINDER_ATTEMPTS,
            dedupe_key: Some(format!("{subject}:{kind}:{percent}:{}", task.due_at)),
        }
    };
    let mut jobs = Vec::with_capacity(4);
    if let Some(at) = schedule.warn_50 {
        jobs.push(job(kind::TASK_WARN, 50, at));
    }
    if let Some(at) = schedule.warn_75 {
        jobs.push(job(kind::TASK_WARN, 75, at));
    }
    jobs.push(job(kind::TASK_OVERDUE, 0, schedule.overdue_reminder));
    jobs.push(job(kind::TASK_ESCALATE, 0, schedule.escalation));
    jobs
}

/// A workflow's stage whose clock runs: what its reminders name.
struct StageClock<'a> {
    /// `dispute`, `referral`: the subject's prefix and the payload's `<what>_id`.
    what: &'static str,
    id: &'a str,
    /// The stage's stored name.
    stage: &'static str,
    /// The job kinds of its warning, 催办 and 督办.
    kinds: [&'static str; 3],
    /// Whether 督办 follows 催办 (a stage someone owes).
    escalates: bool,
}

/// The reminders of one stage that started at `start` and is due at `due_at` by `limit`: the
/// 50 % and 75 % warnings (on working mornings for working days), 催办 on the first working
/// morning after the time ran out and, when it escalates, 督办 `escalate_after` working
/// mornings later.
fn for_stage(
    cal: &Calendar,
    clock: StageClock<'_>,
    (start, due_at): (i64, i64),
    limit: TimeLimit,
    escalate_after: u32,
) -> Vec<NewJob> {
    let mut schedule = if cal.due_at(start, limit) == due_at {
        cal.task_schedule(start, limit)
    } else {
        cal.schedule_until(start, due_at)
    };
    schedule.escalation = cal.escalation_after(schedule.overdue_reminder, escalate_after);
    let subject = format!("{}:{}", clock.what, clock.id);
    let [warn, overdue, escalate] = clock.kinds;
    let job = |kind: &str, percent: i64, at: i64| NewJob {
        kind: kind.to_owned(),
        subject: subject.clone(),
        payload: json!({
            format!("{}_id", clock.what): clock.id,
            "stage": clock.stage, "due_at": due_at, "percent": percent,
        }),
        due_at: at,
        max_attempts: REMINDER_ATTEMPTS,
        dedupe_key: Some(format!(
            "{subject}:{kind}:{}:{percent}:{due_at}",
            clock.stage
        )),
    };
    let mut jobs = Vec::with_capacity(4);
    if let Some(at) = schedule.warn_50 {
        jobs.push(job(warn, 50, at));
    }
    if let Some(at) = schedule.warn_75 {
        jobs.push(job(warn, 75, at));
    }
    jobs.push(job(overdue, 0, schedule.overdue_reminder));
    if clock.escalates {
        jobs.push(job(escalate, 0, schedule.escalation));
    }
    jobs
}

/// The reminders of one stage of a dispute (negotiation, acceptance, replies, decision):
/// [`for_stage`]'s, with 督办 for a stage someone owes (every one but negotiation, which only
/// lets the parties escalate).
pub fn for_dispute(
    cal: &Calendar,
    dispute_id: &str,
    stage: Stage,
    times: (i64, i64),
    limit: TimeLimit,
    escalate_after: u32,
) -> Vec<NewJob> {
    let clock = StageClock {
        what: "dispute",
        id: dispute_id,
        stage: stage.as_str(),
        kinds: [
            kind::DISPUTE_WARN,
            kind::DISPUTE_OVERDUE,
            kind::DISPUTE_ESCALATE,
        ],
        escalates: stage != Stage::Negotiation,
    };
    for_stage(cal, clock, times, limit, escalate_after)
}

/// The reminders of one stage of a referral (approval, sending, receipt, decision, the
/// dispute of a returned one): each is owed by one side, so each escalates.
pub fn for_referral(
    cal: &Calendar,
    referral_id: &str,
    stage: crate::domain::referral::ReferralStage,
    times: (i64, i64),
    limit: TimeLimit,
    escalate_after: u32,
) -> Vec<NewJob> {
    let clock = StageClock {
        what: "referral",
        id: referral_id,
        stage: stage.as_str(),
        kinds: [
            kind::REFERRAL_WARN,
            kind::REFERRAL_OVERDUE,
            kind::REFERRAL_ESCALATE,
        ],
        escalates: true,
    };
    for_stage(cal, clock, times, limit, escalate_after)
}

/// The reminders of a supervision document's rectification report (整改报告), owed by the
/// supervised body: [`for_stage`]'s, with 督办.
pub fn for_supervision(
    cal: &Calendar,
    supervision_id: &str,
    times: (i64, i64),
    limit: TimeLimit,
    escalate_after: u32,
) -> Vec<NewJob> {
    let clock = StageClock {
        what: "supervision",
        id: supervision_id,
        stage: "report",
        kinds: [
            kind::SUPERVISION_WARN,
            kind::SUPERVISION_OVERDUE,
            kind::SUPERVISION_ESCALATE,
        ],
        escalates: true,
    };
    for_stage(cal, clock, times, limit, escalate_after)
}

/// The deadlines of a sent notice version: the T1 reminder and T2 escalation when it must be
/// acknowledged, the reply deadline when it must be answered. Empty for a superseded version.
pub fn for_notice(notice: &Notice) -> Vec<NewJob> {
    if notice.state == NoticeState::Superseded {
        return Vec::new();
    }
    let subject = format!("notice:{}", notice.id);
    let job = |kind: &str, due_at: i64| NewJob {
        kind: kind.to_owned(),
        subject: subject.clone(),
        payload: json!({ "notice_id": notice.id }),
        due_at,
        max_attempts: REMINDER_ATTEMPTS,
        dedupe_key: Some(format!("{subject}:{kind}:0:{due_at}")),
    };
    let mut jobs = Vec::with_capacity(3);
    if notice.requires_ack {
        if let Some(at) = notice.remind_at {
            jobs.push(job(kind::NOTICE_REMIND, at));
        }
        if let Some(at) = notice.escalate_at {
            jobs.push(job(kind::NOTICE_ESCALATE, at));
        }
    }
    if notice.requires_reply {
        if let Some(at) = notice.reply_due_at {
            jobs.push(job(kind::NOTICE_REPLY_DUE, at));
        }
    }
    jobs
}

/// How long before a meeting starts its attendees are reminded: 48 hours.
pub const MEETING_REMINDER_BEFORE_MS: i64 = 48 * 3_600_000;

/// The days after a meeting ended at which its convener is reminded of minutes not yet
/// frozen.
pub const MINUTES_REMINDER_DAYS: [i64; 2] = [3, 7];

const DAY_MS: i64 = 24 * 3_600_000;

/// The reminders of a scheduled meeting that still lie ahead of `now`: at the reply deadline
/// (bodies that have not answered), a working day later (their heads), and 48 hours before
/// the start (bodies that will attend). Each job carries the time it was computed from, so a
/// postponed meeting silences the old ones even before they are cancelled. Empty unless the
/// meeting is scheduled.
pub fn for_meeting(cal: &Calendar, meeting: &Meeting, now: i64) -> Vec<NewJob> {
    if meeting.state != MeetingState::Scheduled {
        return Vec::new();
    }
    let subject = format!("meeting:{}", meeting.id);
    let job = |kind: &str, due_at: i64, payload: serde_json::Value, at: i64| NewJob {
        kind: kind.to_owned(),
        subject: subject.clone(),
        payload,
        due_at,
        max_attempts: REMINDER_ATTEMPTS,
        dedupe_key: Some(format!("{subject}:{kind}:0:{at}")),
    };
    let mut jobs = Vec::with_capacity(3);
    if let Some(reply_due_at) = meeting.reply_due_at {
        let payload = json!({ "meeting_id": meeting.id, "reply_due_at": reply_due_at });
        jobs.push(job(
            kind::MEETING_REPLY_DUE,
            reply_due_at,
            payload.clone(),
            reply_due_at,
        ));
        // One working day after the deadline's day, on a working morning.
        let head = cal.next_working_morning(cal.due_at(reply_due_at, TimeLimit::WorkingDays(1)));
        jobs.push(job(
            kind::MEETING_REPLY_ESCALATE,
            head,
            payload,
            reply_due_at,
        ));
    }
    let soon = meeting.starts_at - MEETING_REMINDER_BEFORE_MS;
    jobs.push(job(
        kind::MEETING_STARTS_SOON,
        soon,
        json!({ "meeting_id": meeting.id, "starts_at": meeting.starts_at }),
        meeting.starts_at,
    ));
    jobs.retain(|job| job.due_at > now);
    jobs
}

/// The reminders of an ended meeting: its convener at +3 and +7 days, while the minutes are
/// not frozen. Empty unless the meeting has ended.
pub fn for_ended_meeting(meeting: &Meeting) -> Vec<NewJob> {
    let (MeetingState::Ended, Some(ended_at)) = (meeting.state, meeting.ended_at) else {
        return Vec::new();
    };
    let subject = format!("meeting:{}", meeting.id);
    MINUTES_REMINDER_DAYS
        .iter()
        .map(|days| NewJob {
            kind: kind::MEETING_MINUTES_DUE.to_owned(),
            subject: subject.clone(),
            payload: json!({ "meeting_id": meeting.id, "ended_at": ended_at, "days": days }),
            due_at: ended_at + days * DAY_MS,
            max_attempts: REMINDER_ATTEMPTS,
            dedupe_key: Some(format!(
                "{subject}:{}:{days}:{ended_at}",
                kind::MEETING_MINUTES_DUE
            )),
        })
        .collect()
}

/// The subject of the December clock of `year` (`annual_report:2026`); a body's 督办 adds
/// `:<org>`.
pub fn annual_report_subject(year: i32) -> String {
    format!("annual_report:{year}")
}

/// The December clock of `year`'s annual reports: reminders on the working mornings from
/// 1 December and a week before the end, and 催办 the first working morning after 31 December
/// 24:00. One set a year however often it is scheduled (the dedupe keys name the year).
pub fn for_annual_reports(cal: &Calendar, year: i32) -> Vec<NewJob> {
    use crate::domain::filing::{annual_due_at, december_starts};
    let due_at = annual_due_at(year);
    let subject = annual_report_subject(year);
    let job = |kind: &str, at: i64| NewJob {
        kind: kind.to_owned(),
        subject: subject.clone(),
        payload: json!({ "year": year, "due_at": due_at }),
        due_at: at,
        max_attempts: REMINDER_ATTEMPTS,
        dedupe_key: Some(format!("{subject}:{kind}:{at}")),
    };
    let first = cal.next_working_morning(december_starts(year));
    let last_week = cal.next_working_morning(due_at - 7 * 24 * 3_600_000);
    let mut jobs = vec![job(kind::ANNUAL_REPORT_REMIND, first)];
    if last_week > first && last_week < due_at {
        jobs.push(job(kind::ANNUAL_REPORT_REMIND, last_week));
    }
    jobs.push(job(
        kind::ANNUAL_REPORT_OVERDUE,
        cal.next_working_morning(due_at),
    ));
    jobs
}

/// 督办 of `org_id`'s annual report of `year`, `escalate_after` working mornings after the
/// 催办 at `overdue_at` (its region's `task_escalate`).
pub fn annual_report_escalation(
    cal: &Calendar,
    year: i32,
    org_id: &str,
    overdue_at: i64,
    escalate_after: u32,
) -> NewJob {
    let subject = format!("{}:{org_id}", annual_report_subject(year));
    NewJob {
        kind: kind::ANNUAL_REPORT_ESCALATE.to_owned(),
        subject: subject.clone(),
        payload: json!({
            "year": year,
            "due_at": crate::domain::filing::annual_due_at(year),
            "org_id": org_id,
        }),
        due_at: cal.escalation_after(overdue_at, escalate_after),
        max_attempts: REMINDER_ATTEMPTS,
        dedupe_key: Some(format!("{subject}:{}", kind::ANNUAL_REPORT_ESCALATE)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notice::{NoticeKind, VersionKind};
    use crate::domain::task::{TaskSource, TaskState};

    fn task(state: TaskState) -> Task {
        Task {
            id: "t1".into(),
            title: "整改".into(),
            body: String::new(),
            feedback_required: String::new(),
            source: TaskSource::Direct,
            source_ref: None,
            setter_org_id: "a".into(),
            assignee_org_id: "b".into(),
            created_by: "u".into(),
            state,
            limit: None,
            started_at: Some(0),
            due_at: 100 * 3_600_000,
            feedback: None,
            revision: 1,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn a_task_whose_clock_does_not_run_needs_no_jobs() {
        let cal = Calendar::default();
        assert!(for_task(&cal, &task(TaskState::Created), 5).is_empty());
        assert!(for_task(&cal, &task(TaskState::Submitted), 5).is_empty());
    }

    #[test]
    fn a_running_task_gets_its_reminders_with_keys_naming_the_due_time() {
        let cal = Calendar::default();
        let jobs = for_task(&cal, &task(TaskState::Dispatched), 5);
        let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["task_warn", "task_warn", "task_overdue", "task_escalate"]
        );
        assert_eq!(
            jobs[0].dedupe_key.as_deref(),
            Some("task:t1:task_warn:50:360000000")
        );
        assert_eq!(jobs[0].payload["percent"], 50);
        assert_eq!(jobs[1].payload["percent"], 75);
        assert!(jobs.iter().all(|j| j.subject == "task:t1"));
    }

    #[test]
    fn a_longer_task_escalate_limit_moves_only_the_escalation() {
        let cal = Calendar::default();
        let five = for_task(&cal, &task(TaskState::Dispatched), 5);
        let seven = for_task(&cal, &task(TaskState::Dispatched), 7);
        // Day 4 after the epoch (100 hours) is a Monday (+08:00): 催办 on Tuesday morning; five
        // working mornings later is the next Tuesday, seven the Thursday after it.
        assert_eq!(five[..3], seven[..3]);
        let day = 24 * 3_600_000;
        assert_eq!(seven[3].kind, "task_escalate");
        assert_eq!(seven[3].due_at - five[3].due_at, 2 * day);
    }

    fn meeting(state: MeetingState) -> Meeting {
        Meeting {
            id: "m1".into(),
            kind: crate::domain::meeting::MeetingKind::Consultation,
            title: "会商".into(),
            convener_org_id: "a".into(),
            convener_name: "司法局".into(),
            region: crate::domain::org::RegionCode::parse("330102").unwrap(),
            region_path: crate::domain::org::RegionPath("/330000/330100/330102/".into()),
            starts_at: 10 * DAY_MS,
            ends_at: 10 * DAY_MS + 7_200_000,
            place: Some("会议室".into()),
            online_link: None,
            reply_due_at: Some(5 * DAY_MS),
            state,
            revision: 2,
            minutes_doc_id: "d1".into(),
            reason: None,
            started_at: None,
            ended_at: Some(11 * DAY_MS),
            dispute_id: None,
            created_by: "u".into(),
            created_at: 0,
            updated_at: 0,
            invitations: Vec::new(),
            members: Vec::new(),
        }
    }

    #[test]
    fn a_scheduled_meeting_gets_its_reply_and_start_reminders_that_lie_ahead() {
        let cal = Calendar::default();
        let jobs = for_meeting(&cal, &meeting(MeetingState::Scheduled), 0);
        let kinds: Vec<(&str, i64)> = jobs.iter().map(|j| (j.kind.as_str(), j.due_at)).collect();
        // Day 5 after the epoch is a Tuesday (+08:00 office days): one full working day
        // (Wednesday) later, the heads are told on Thursday morning.
        let thursday_morning = 7 * DAY_MS + 9 * 3_600_000 - 8 * 3_600_000;
        assert_eq!(
            kinds,
            [
                ("meeting_reply_due", 5 * DAY_MS),
                ("meeting_reply_escalate", thursday_morning),
                ("meeting_starts_soon", 8 * DAY_MS),
            ]
        );
        assert!(jobs.iter().all(|j| j.subject == "meeting:m1"));
        assert_eq!(
            jobs[2].dedupe_key.as_deref(),
            Some("meeting:m1:meeting_starts_soon:0:864000000")
        );
        // What has passed is not scheduled.
        let later = for_meeting(&cal, &meeting(MeetingState::Scheduled), 6 * DAY_MS);
        assert_eq!(later.len(), 2);
        assert!(for_meeting(&cal, &meeting(MeetingState::Draft), 0).is_empty());
        assert!(for_meeting(&cal, &meeting(MeetingState::InProgress), 0).is_empty());
    }

    #[test]
    fn an_ended_meeting_reminds_its_convener_three_and_seven_days_later() {
        let jobs = for_ended_meeting(&meeting(MeetingState::Ended));
        let due: Vec<i64> = jobs.iter().map(|j| j.due_at).collect();
        assert_eq!(due, [14 * DAY_MS, 18 * DAY_MS]);
        assert!(jobs.iter().all(|j| j.kind == "meeting_minutes_due"));
        assert!(for_ended_meeting(&meeting(MeetingState::Closed)).is_empty());
    }

    #[test]
    fn a_notice_gets_only_the_deadlines_it_asks_for() {
        let mut notice = Notice {
            id: "n1".into(),
            series_id: "n1".into(),
            version: 1,
            version_kind: VersionKind::Original,
            kind: NoticeKind::Information,
            sender_org_id: "a".into(),
            created_by: "u".into(),
            title: "通报".into(),
            body: String::new(),
            requires_ack: true,
            requires_reply: false,
            reply_due_at: Some(30),
            remind_at: Some(10),
            escalate_at: Some(20),
            state: NoticeState::Sent,
            sent_at: Some(0),
            created_at: 0,
            subject: None,
        };
        let kinds = |n: &Notice| {
            for_notice(n)
                .into_iter()
                .map(|j| j.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds(&notice), ["notice_remind", "notice_escalate"]);
        notice.requires_ack = false;
        notice.requires_reply = true;
        assert_eq!(kinds(&notice), ["notice_reply_due"]);
        notice.state = NoticeState::Superseded;
        assert!(kinds(&notice).is_empty());
    }
}
