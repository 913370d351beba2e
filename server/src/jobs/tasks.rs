//! The task jobs: the 50 % and 75 % reminders, 催办 the first working morning after the
//! deadline, 督办 to the setter and the assignee's admins five working mornings later. Each
//! fires only while the task's clock still runs toward the due time it was scheduled for.

use serde_json::{json, Value};

use super::outcome::{str_field, system_audit, system_stamp, Failure};
use crate::db::{Audience, Effects, HistoryEntry, HistoryEntryKind, Job, NewEvent, Task};
use crate::services::Services;
use crate::work::schedule::kind;

/// A task reminder, overdue reminder (催办) or escalation (督办), if the task's clock still
/// runs toward the same due time it was scheduled for.
pub(super) async fn run(services: &Services, job: &Job) -> Result<Effects, Failure> {
    let task_id = str_field(&job.payload, "task_id")?;
    let due_at = job.payload["due_at"]
        .as_i64()
        .ok_or_else(|| Failure::permanent("the job has no due_at"))?;
    let db = &services.db;
    let Some(task) = db.task(task_id).await? else {
        return Ok(Effects::default());
    };
    if !task.state.clock_runs() || task.due_at != due_at {
        return Ok(Effects::default());
    }
    let now = services.clock.now_ms();
    let subject = format!("task:{}", task.id);
    let base = task_payload(&task);
    let mut effects = Effects::default();
    let (entry_kind, action, detail) = match job.kind.as_str() {
        kind::TASK_WARN => {
            let percent = job.payload["percent"].as_i64().unwrap_or(50);
            let mut payload = base.clone();
            payload["percent"] = json!(percent);
            effects.events.push(NewEvent {
                audience: Audience::Org(task.assignee_org_id.clone()),
                kind: "task.reminder".into(),
                subject: subject.clone(),
                payload,
            });
            (
                HistoryEntryKind::Reminder,
                "task_reminded",
                json!({ "percent": percent, "due_at": due_at }),
            )
        }
        kind::TASK_OVERDUE => {
            effects.events.push(NewEvent {
                audience: Audience::Org(task.assignee_org_id.clone()),
                kind: "task.overdue".into(),
                subject: subject.clone(),
                payload: base.clone(),
            });
            (
                HistoryEntryKind::Overdue,
                "task_overdue",
                json!({ "due_at": due_at }),
            )
        }
        _ => {
            effects.events.push(NewEvent {
                audience: Audience::Org(task.setter_org_id.clone()),
                kind: "task.escalated".into(),
                subject: subject.clone(),
                payload: base.clone(),
            });
            let admins = db.org_admin_ids(&task.assignee_org_id).await?;
            for admin in &admins {
                effects.events.push(NewEvent {
                    audience: Audience::User(admin.clone()),
                    kind: "task.escalated".into(),
                    subject: subject.clone(),
                    payload: base.clone(),
                });
            }
            (
                HistoryEntryKind::Escalated,
                "task_escalated",
                json!({ "due_at": due_at, "admins": admins }),
            )
        }
    };
    let mut detail = detail;
    detail["job_id"] = json!(job.id);
    effects.audit.push(system_audit(
        services.clock.now_ms(),
        action,
        subject,
        job,
        detail.clone(),
    ));
    let entry = HistoryEntry {
        stamp: system_stamp(now),
        kind: entry_kind,
        command: None,
        from_state: None,
        to_state: None,
        body: None,
        detail,
    };
    effects.append_task_entry(task.id, entry);
    Ok(effects)
}

/// What every task event carries: enough to show it and link to the task.
fn task_payload(task: &Task) -> Value {
    json!({
        "task_id": task.id,
        "title": task.title,
        "setter_org_id": task.setter_org_id,
        "assignee_org_id": task.assignee_org_id,
        "state": task.state.as_str(),
        "due_at": task.due_at,
    })
}
