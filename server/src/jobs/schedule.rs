//! The jobs a task or a notice needs: built here, scheduled by the operation that changes it
//! (in the same transaction, through `Effects::jobs`), run by the [`Worker`](super::Worker).
//!
//! Pure: no I/O, no clock. Dedupe keys name the subject, the kind, the percent (0 for a job
//! that has none) and the due time the job was computed for, so scheduling the same reminders
//! twice (a retried request) makes one row, while a moved deadline makes new ones.

use serde_json::json;

use super::kind;
use crate::db::{NewJob, Notice, Task};
use crate::domain::calendar::Calendar;
use crate::domain::notice::NoticeState;

/// Attempts of a reminder job before it is given up (a database that stays unavailable).
const REMINDER_ATTEMPTS: i32 = 5;

/// The reminders of a task whose clock runs: 50 % and 75 % warnings, the overdue reminder
/// (催办) and the escalation (督办). Empty when the clock does not run.
///
/// The clock starts at `started_at` (dispatch), or the creation time if that is missing. A
/// task whose stored deadline is what its limit gives from the start uses the limit's own
/// schedule (warnings on working mornings for working days); one whose deadline was moved
/// (an extension) or given as an instant gets warnings at fractions of the wall time.
pub fn for_task(cal: &Calendar, task: &Task) -> Vec<NewJob> {
    if !task.state.clock_runs() {
        return Vec::new();
    }
    let start = task.started_at.unwrap_or(task.created_at);
    let schedule = match task.limit {
        Some(limit) if cal.due_at(start, limit) == task.due_at => cal.task_schedule(start, limit),
        _ => cal.schedule_until(start, task.due_at),
    };
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
        assert!(for_task(&cal, &task(TaskState::Created)).is_empty());
        assert!(for_task(&cal, &task(TaskState::Submitted)).is_empty());
    }

    #[test]
    fn a_running_task_gets_its_reminders_with_keys_naming_the_due_time() {
        let cal = Calendar::default();
        let jobs = for_task(&cal, &task(TaskState::Dispatched));
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
