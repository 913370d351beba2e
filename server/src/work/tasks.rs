//! Task operations (任务 / 督办事项): create, act, comment, attach evidence, ask for and grant
//! more time.
//!
//! A task is seen by two bodies only: the setter (交办单位) and the assignee (承办单位).
//! Everyone else, a supervising judicial bureau and an operator included, is told "no task
//! with this id", exactly as for an id that does not exist.
//!
//! The task's clock (its reminders at 50 % and 75 %, 催办 the day after the deadline, 督办
//! five working days later) is a set of durable jobs with the subject `task:<id>`. Whenever
//! the clock stops (submitted, returned, cancelled, verified, closed) they are cancelled;
//! whenever it starts again (dispatch, reassignment, reopening) or the deadline moves (a
//! granted extension) they are cancelled and scheduled anew, in the same transaction as the
//! change.
//!
//! This module must never let a change through without its history entry and its audit row:
//! both travel in the one database write that makes the change.

use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::Error;
use super::{
    audit, line, optional_text, own_org, stamp, text, Acting, MAX_NAME_CHARS, MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
};
use crate::auth::Caller;
use crate::db::{
    Attachment, Audience, Effects, Extension, HistoryEntry, HistoryEntryKind, NewAttachment,
    NewEvent, NewJob, NewTask, StoredEntry, Task, TaskChange, TaskList,
};
use crate::domain::calendar::{Calendar, TimeLimit};
use crate::domain::policy::{self, Action, TaskFacts};
use crate::domain::task::{
    self as rules, ExtensionState, Party, Refused, TaskCommand, TaskSource, TaskState,
};
use crate::services::Services;

/// The longest a time limit may be: ten years in any unit. Anything longer is a typing
/// mistake, and would put reminders beyond any calendar loaded.
const MAX_LIMIT_DAYS: u32 = 3_660;
const MAX_LIMIT_WORKING_DAYS: u32 = 2_500;
const MAX_LIMIT_HOURS: u32 = 87_840;

/// The longest `feedback_required` and `source_ref`, in characters.
const MAX_NOTE_CHARS: usize = 2_000;

/// What the caller writes to set a task (`POST /api/tasks`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    pub title: String,
    pub body: String,
    /// What the feedback must contain; empty when nothing particular is asked.
    #[serde(default)]
    pub feedback_required: Option<String>,
    pub assignee_org_id: String,
    /// The deadline as a time limit counted from dispatch (期限); or give `due_at`.
    #[serde(default)]
    pub limit: Option<TimeLimit>,
    /// The deadline as an instant, Unix milliseconds, in the future; or give `limit`.
    #[serde(default)]
    pub due_at: Option<i64>,
    #[serde(default)]
    pub source: Option<TaskSource>,
    #[serde(default)]
    pub source_ref: Option<String>,
    /// Send it to the assignee at once (the default), starting its clock; `false` keeps a
    /// draft (待下发) to dispatch later.
    #[serde(default = "yes")]
    pub dispatch: bool,
}

fn yes() -> bool {
    true
}

/// A command on a task (`POST /api/tasks/{id}/actions/{command}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    /// The revision the caller read; a task changed since is refused (409).
    pub revision: i64,
    /// Why: required to return, reopen and cancel; a note for other commands.
    #[serde(default)]
    pub reason: Option<String>,
    /// The feedback (反馈), required to submit.
    #[serde(default)]
    pub feedback: Option<String>,
    /// The new assignee, required to reassign.
    #[serde(default)]
    pub assignee_org_id: Option<String>,
    /// A new deadline for dispatch or reassignment of a task whose deadline is an instant
    /// (one counted from a limit is counted anew from now).
    #[serde(default)]
    pub due_at: Option<i64>,
}

/// A comment (`POST /api/tasks/{id}/comments`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    pub body: String,
}

/// An extension request (延期申请, `POST /api/tasks/{id}/extensions`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionInput {
    pub new_due_at: i64,
    pub reason: String,
}

/// The setter's answer to an extension request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub grant: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// Which list of tasks (`GET /api/tasks?list=`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Assigned to the caller's body and not finished.
    #[default]
    Open,
    /// Assigned to the caller's body, clock running, deadline passed.
    Overdue,
    /// Set by the caller's body, in any state.
    SetByUs,
}

/// A task as one of its parties sees it.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub task: Task,
    pub party: Party,
    /// Whether its clock runs and its deadline has passed, by the state's clock.
    pub overdue: bool,
}

/// A task with everything that happened to it.
#[derive(Debug, Clone)]
pub struct TaskDetail {
    pub view: TaskView,
    pub history: Vec<StoredEntry>,
    pub attachments: Vec<Attachment>,
    pub extensions: Vec<Extension>,
}

/// The answer for a task the caller may not see, and for one that does not exist.
fn not_found() -> Error {
    Error::NotFound("no task with this id".into())
}

fn facts(task: &Task) -> TaskFacts<'_> {
    TaskFacts {
        setter_org_id: &task.setter_org_id,
        assignee_org_id: &task.assignee_org_id,
        draft: task.state == TaskState::Created,
    }
}

fn refused(refused: Refused) -> Error {
    Error::refused(refused.rule.to_owned())
}

fn subject(task_id: &str) -> String {
    format!("task:{task_id}")
}

fn view(task: Task, party: Party, now: i64) -> TaskView {
    let overdue = task.state.clock_runs() && task.due_at < now;
    TaskView {
        task,
        party,
        overdue,
    }
}

/// The task and the caller's party in it, or "not found" (audited as a refusal) for anyone
/// who is neither setter nor assignee.
async fn readable(services: &Services, caller: &Caller, id: &str) -> Result<(Task, Party), Error> {
    let task = services.db.task(id).await?.ok_or_else(not_found)?;
    if caller
        .allow(&services.db, Action::ReadTask(facts(&task)))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    let party = policy::task_party(&caller.actor, &facts(&task)).ok_or_else(not_found)?;
    Ok((task, party))
}

/// Like [`readable`], and the caller may change it (a token needs `tasks:write`): 403 naming
/// the rule otherwise.
async fn writable(services: &Services, caller: &Caller, id: &str) -> Result<(Task, Party), Error> {
    let (task, party) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActOnTask(facts(&task)))
        .await?;
    Ok((task, party))
}

/// Checks a time limit's amount: at least one, at most about ten years.
fn checked_limit(limit: TimeLimit) -> Result<TimeLimit, Error> {
    let (amount, max, unit) = match limit {
        TimeLimit::CalendarDays(n) => (n, MAX_LIMIT_DAYS, "calendar days"),
        TimeLimit::WorkingDays(n) => (n, MAX_LIMIT_WORKING_DAYS, "working days"),
        TimeLimit::Hours(n) => (n, MAX_LIMIT_HOURS, "hours"),
    };
    if amount == 0 {
        return Err(Error::invalid("limit", "the time limit must be at least 1"));
    }
    if amount > max {
        return Err(Error::invalid(
            "limit",
            format!("the time limit may be at most {max} {unit}"),
        ));
    }
    Ok(limit)
}

/// A deadline given as an instant must lie ahead.
fn future_due(due_at: i64, now: i64) -> Result<i64, Error> {
    if due_at <= now {
        return Err(Error::invalid(
            "due_at",
            "due_at is not in the future; a deadline must lie ahead",
        ));
    }
    Ok(due_at)
}

/// A body cannot set a task for itself.
fn not_self(setter_org_id: &str, assignee_org_id: &str) -> Result<(), Error> {
    if assignee_org_id == setter_org_id {
        return Err(Error::invalid(
            "assignee_org_id",
            "a body cannot set a task for itself; choose another body as assignee",
        ));
    }
    Ok(())
}

/// The organization named as assignee: it must exist and must not be the setter.
async fn assignee(services: &Services, setter_org_id: &str, id: &str) -> Result<String, Error> {
    not_self(setter_org_id, id)?;
    match services.db.org(id).await? {
        Some(org) => Ok(org.id),
        None => Err(Error::invalid(
            "assignee_org_id",
            format!("assignee_org_id {id:?} names no organization"),
        )),
    }
}

/// The jobs of a running clock that still lie ahead: a restarted clock does not re-send
/// reminders whose moment has already passed.
fn clock_jobs(calendar: &Calendar, task: &Task, now: i64) -> Vec<NewJob> {
    super::schedule::for_task(calendar, task)
        .into_iter()
        .filter(|job| job.due_at > now)
        .collect()
}

/// The event kind and audit action of a command, by its past participle.
fn past(command: TaskCommand) -> &'static str {
    match command {
        TaskCommand::Dispatch => "dispatched",
        TaskCommand::Acknowledge => "acknowledged",
        TaskCommand::Start => "started",
        TaskCommand::Submit => "submitted",
        TaskCommand::Verify => "verified",
        TaskCommand::Reopen => "reopened",
        TaskCommand::Close => "closed",
        TaskCommand::Return => "returned",
        TaskCommand::Reassign => "reassigned",
        TaskCommand::Cancel => "cancelled",
    }
}

fn other_party_org(task: &Task, party: Party) -> &str {
    match party {
        Party::Setter => &task.assignee_org_id,
        Party::Assignee => &task.setter_org_id,
    }
}

/// A task to set, as a person asks for it or as the system does on a body's behalf (an
/// agreed item of signed minutes): what [`plan_task`] checks and turns into rows and effects.
#[derive(Debug, Clone)]
pub(crate) struct TaskPlan {
    /// 交办单位: the body setting the task.
    pub setter_org_id: String,
    /// Stored as the task's creator: a user id (`token:<id>` for a token).
    pub created_by: String,
    /// Who the history line and the audit rows name.
    pub acting: Acting,
    /// One line, at most [`MAX_TITLE_CHARS`]; checked.
    pub title: String,
    /// At most [`MAX_TEXT_CHARS`]; checked.
    pub body: String,
    pub feedback_required: Option<String>,
    pub source: TaskSource,
    /// Where it came from (a meeting id, a dispute id), one line; checked.
    pub source_ref: Option<String>,
    /// 承办单位: must not be the setter. Whether it exists is the caller's to check (the
    /// write's foreign key refuses an unknown one anyway).
    pub assignee_org_id: String,
    /// The deadline: exactly one of `limit` (counted from now) and `due_at` (in the future).
    pub limit: Option<TimeLimit>,
    pub due_at: Option<i64>,
    /// Dispatch at once, starting the clock; `false` keeps a draft.
    pub dispatch: bool,
}

/// Checks a task plan and builds, without writing anything, the task row, its first history
/// line and the effects creating it has: the audit rows (`task_created`, and
/// `task_dispatched` when dispatched) naming `plan.acting`, and for a dispatched task the
/// event to the assignee and the jobs of its clock.
///
/// [`create`] stores the three with `Db::create_task`; a write that sets a task as a
/// consequence of something else pushes `(task, entry)` onto `effects.tasks` and merges the
/// effects into its own, so the task exists exactly when its cause is committed.
pub(crate) fn plan_task(
    services: &Services,
    now: i64,
    plan: TaskPlan,
) -> Result<(NewTask, HistoryEntry, Effects), Error> {
    let title = line("title", &plan.title, MAX_TITLE_CHARS)?;
    let body = text("body", &plan.body, MAX_TEXT_CHARS)?;
    let feedback_required = optional_text(
        "feedback_required",
        plan.feedback_required.as_deref(),
        MAX_NOTE_CHARS,
    )?;
    let source = plan.source;
    let source_ref = match plan.source_ref.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => Some(line("source_ref", r, MAX_NOTE_CHARS)?),
    };
    let calendar = services.calendar.get();
    let (limit, due_at) = match (plan.limit, plan.due_at) {
        (Some(limit), None) => {
            let limit = checked_limit(limit)?;
            (Some(limit), calendar.due_at(now, limit))
        }
        (None, Some(due_at)) => (None, future_due(due_at, now)?),
        _ => {
            return Err(Error::invalid("due_at", "give the deadline either as limit ({\"unit\": \"working_days\", \"amount\": 10}) or as due_at (Unix milliseconds), not both and not neither",))
        }
    };
    not_self(&plan.setter_org_id, &plan.assignee_org_id)?;
    let setter = plan.setter_org_id;
    let assignee_org_id = plan.assignee_org_id;
    let state_now = if plan.dispatch {
        TaskState::Dispatched
    } else {
        TaskState::Created
    };
    let new = NewTask {
        id: crate::db::new_id(),
        title,
        body,
        feedback_required,
        source,
        source_ref,
        setter_org_id: setter.clone(),
        assignee_org_id: assignee_org_id.clone(),
        created_by: plan.created_by,
        state: state_now,
        limit,
        started_at: plan.dispatch.then_some(now),
        due_at,
    };
    let entry = HistoryEntry {
        stamp: plan.acting.stamp(now),
        kind: HistoryEntryKind::Transition,
        command: plan.dispatch.then_some(TaskCommand::Dispatch),
        from_state: plan.dispatch.then_some(TaskState::Created),
        to_state: Some(state_now),
        body: None,
        detail: json!({}),
    };
    // What the task will be once stored, so its clock can be scheduled in the same write.
    let task = Task {
        id: new.id.clone(),
        title: new.title.clone(),
        body: new.body.clone(),
        feedback_required: new.feedback_required.clone(),
        source,
        source_ref: new.source_ref.clone(),
        setter_org_id: setter.clone(),
        assignee_org_id: assignee_org_id.clone(),
        created_by: new.created_by.clone(),
        state: state_now,
        limit,
        started_at: new.started_at,
        due_at,
        feedback: None,
        revision: 1,
        created_at: now,
        updated_at: now,
    };
    let target = subject(&new.id);
    let mut effects = Effects::default();
    effects.audit.push(plan.acting.audit(
        now,
        "task_created",
        target.clone(),
        json!({
            "title": new.title,
            "assignee_org_id": assignee_org_id,
            "limit": limit,
            "due_at": due_at,
            "source": source,
        }),
    ));
    if plan.dispatch {
        effects.events.push(NewEvent {
            audience: Audience::Org(assignee_org_id.clone()),
            kind: "task.dispatched".into(),
            subject: target.clone(),
            payload: json!({
                "title": new.title,
                "task_id": new.id,
                "setter_org_id": setter,
                "due_at": due_at,
            }),
        });
        effects.jobs = clock_jobs(&calendar, &task, now);
        effects.audit.push(plan.acting.audit(
            now,
            "task_dispatched",
            target,
            json!({ "from": "created", "to": "dispatched", "reason": null }),
        ));
    }
    Ok((new, entry, effects))
}

/// Sets a task (and, unless a draft is asked for, dispatches it, starting its clock).
pub async fn create(
    services: &Services,
    caller: &Caller,
    input: CreateTask,
) -> Result<TaskView, Error> {
    caller.allow(&services.db, Action::CreateTask).await?;
    let setter = own_org(caller, "set a task")?.to_owned();
    let now = services.clock.now_ms();
    let plan = TaskPlan {
        setter_org_id: setter.clone(),
        created_by: caller.actor.user_id.clone(),
        acting: Acting::of(caller),
        title: input.title,
        body: input.body,
        feedback_required: input.feedback_required,
        source: input.source.unwrap_or(TaskSource::Direct),
        source_ref: input.source_ref,
        assignee_org_id: input.assignee_org_id,
        limit: input.limit,
        due_at: input.due_at,
        dispatch: input.dispatch,
    };
    let (new, entry, effects) = plan_task(services, now, plan)?;
    assignee(services, &setter, &new.assignee_org_id).await?;
    let task = services.db.create_task(&new, &entry, &effects).await?;
    services.wake();
    Ok(view(task, Party::Setter, now))
}

/// One of the caller's body's lists; empty for a caller who acts for no body.
pub async fn list(
    services: &Services,
    caller: &Caller,
    kind: ListKind,
    limit: i64,
    offset: i64,
) -> Result<Vec<TaskView>, Error> {
    let Some(org) = &caller.org else {
        return Ok(Vec::new());
    };
    let now = services.clock.now_ms();
    let list = match kind {
        ListKind::Open => TaskList::Open,
        ListKind::Overdue => TaskList::Overdue { now },
        ListKind::SetByUs => TaskList::SetBy,
    };
    let tasks = services
        .db
        .tasks_of_org(&org.id, list, limit, offset)
        .await?;
    // The query narrows; the policy decides (a token without tasks:read sees none).
    Ok(tasks
        .into_iter()
        .filter_map(|task| {
            let facts = facts(&task);
            policy::decide(&caller.actor, &Action::ReadTask(facts)).ok()?;
            let party = policy::task_party(&caller.actor, &facts)?;
            Some(view(task, party, now))
        })
        .collect())
}

/// A task with its history, attachments and extension requests.
pub async fn show(services: &Services, caller: &Caller, id: &str) -> Result<TaskDetail, Error> {
    let (task, party) = readable(services, caller, id).await?;
    let history = services.db.task_history(id).await?;
    let attachments = services.db.task_attachments(id).await?;
    let extensions = services.db.task_extensions(id).await?;
    Ok(TaskDetail {
        view: view(task, party, services.clock.now_ms()),
        history,
        attachments,
        extensions,
    })
}

/// Applies `command` (its name as in the URL) for the caller's party.
pub async fn act(
    services: &Services,
    caller: &Caller,
    id: &str,
    command: &str,
    input: ActionInput,
) -> Result<TaskView, Error> {
    let command: TaskCommand = command
        .parse()
        .map_err(|e: crate::domain::org::Invalid| Error::invalid("command", e.0))?;
    let (task, party) = writable(services, caller, id).await?;
    if input.revision != task.revision {
        return Err(Error::refused(format!(
            "the task was changed by someone else meanwhile (it is at revision {}, you sent {}); reload it and try again",
            task.revision, input.revision
        )));
    }
    let to = rules::transition(task.state, party, command).map_err(refused)?;
    let now = services.clock.now_ms();
    let calendar = services.calendar.get();

    // Each field belongs to the commands that use it; anything else is a mistake to report.
    if input.feedback.is_some() && command != TaskCommand::Submit {
        return Err(Error::invalid(
            "feedback",
            "feedback is given only when submitting",
        ));
    }
    if input.assignee_org_id.is_some() && command != TaskCommand::Reassign {
        return Err(Error::invalid(
            "assignee_org_id",
            "assignee_org_id is given only when reassigning",
        ));
    }
    if input.due_at.is_some() && !matches!(command, TaskCommand::Dispatch | TaskCommand::Reassign) {
        return Err(Error::invalid("due_at", "due_at is given only when dispatching or reassigning; to move a deadline, ask for an extension",));
    }
    let (text_written, feedback) = if command == TaskCommand::Submit {
        if input.reason.is_some() {
            return Err(Error::invalid(
                "reason",
                "submit takes feedback, not a reason",
            ));
        }
        let feedback = match input.feedback.as_deref() {
            Some(f) => text("feedback", f, MAX_TEXT_CHARS)?,
            None => {
                return Err(Error::invalid(
                    "feedback",
                    "feedback is required to submit: say what was done",
                ))
            }
        };
        (Some(feedback.clone()), Some(feedback))
    } else if command.needs_text() {
        match input.reason.as_deref() {
            Some(r) => (Some(text("reason", r, MAX_TEXT_CHARS)?), None),
            None => {
                return Err(Error::invalid(
                    "reason",
                    format!("a reason is required to {}", command.as_str()),
                ))
            }
        }
    } else {
        match input.reason.as_deref().map(str::trim) {
            None | Some("") => (None, None),
            Some(r) => (Some(text("reason", r, MAX_TEXT_CHARS)?), None),
        }
    };

    let mut updated = task.clone();
    updated.state = to;
    updated.revision = task.revision + 1;
    updated.updated_at = now;
    let mut change = TaskChange {
        task_id: task.id.clone(),
        expected_revision: task.revision,
        state: to,
        assignee_org_id: None,
        due_at: None,
        started_at: None,
        feedback: feedback.clone(),
        entry: HistoryEntry {
            stamp: stamp(caller, now),
            kind: HistoryEntryKind::Transition,
            command: Some(command),
            from_state: Some(task.state),
            to_state: Some(to),
            body: text_written.clone(),
            detail: json!({}),
        },
    };
    if let Some(feedback) = feedback {
        updated.feedback = Some(feedback);
    }
    let mut audit_detail = json!({
        "from": task.state.as_str(),
        "to": to.as_str(),
        "reason": text_written,
    });
    let target = subject(&task.id);
    let mut events = Vec::new();
    let payload = |extra: serde_json::Value| {
        let mut payload = json!({
            "title": task.title,
            "task_id": task.id,
            "command": command.as_str(),
            "from": task.state.as_str(),
            "to": to.as_str(),
            "reason": text_written,
        });
        if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        payload
    };

    // A clock that starts again counts from now: dispatch and reassignment start it anew.
    if matches!(command, TaskCommand::Dispatch | TaskCommand::Reassign) {
        let due_at = match (task.limit, input.due_at) {
            (_, Some(due_at)) => future_due(due_at, now)?,
            (Some(limit), None) => calendar.due_at(now, limit),
            (None, None) => {
                if task.due_at <= now {
                    return Err(Error::invalid(
                        "due_at",
                        "the task's deadline has passed; give a new due_at",
                    ));
                }
                task.due_at
            }
        };
        updated.started_at = Some(now);
        updated.due_at = due_at;
        change.started_at = Some(now);
        change.due_at = Some(due_at);
    }
    if command == TaskCommand::Reassign {
        let Some(new_assignee) = input.assignee_org_id.as_deref() else {
            return Err(Error::invalid(
                "assignee_org_id",
                "assignee_org_id is required to reassign",
            ));
        };
        let new_assignee = assignee(services, &task.setter_org_id, new_assignee).await?;
        updated.assignee_org_id = new_assignee.clone();
        change.assignee_org_id = Some(new_assignee.clone());
        change.entry.detail = json!({
            "previous_assignee_org_id": task.assignee_org_id,
            "assignee_org_id": new_assignee,
        });
        if let Some(d) = audit_detail.as_object_mut() {
            d.insert(
                "previous_assignee_org_id".into(),
                json!(task.assignee_org_id),
            );
            d.insert("assignee_org_id".into(), json!(new_assignee));
        }
        let extra = json!({
            "previous_assignee_org_id": task.assignee_org_id,
            "assignee_org_id": new_assignee,
            "due_at": updated.due_at,
        });
        for org in [&new_assignee, &task.assignee_org_id] {
            events.push(NewEvent {
                audience: Audience::Org(org.clone()),
                kind: "task.reassigned".into(),
                subject: target.clone(),
                payload: payload(extra.clone()),
            });
        }
    } else {
        events.push(NewEvent {
            audience: Audience::Org(other_party_org(&task, party).to_owned()),
            kind: format!("task.{}", past(command)),
            subject: target.clone(),
            payload: payload(json!({ "due_at": updated.due_at })),
        });
    }

    let mut effects = Effects {
        events,
        ..Effects::default()
    };
    let restarts = !task.state.clock_runs() && to.clock_runs();
    if !to.clock_runs() || restarts {
        effects.cancel_jobs_of.push(target.clone());
    }
    if restarts {
        effects.jobs = clock_jobs(&calendar, &updated, now);
    }
    effects.audit.push(audit(
        caller,
        now,
        &format!("task_{}", past(command)),
        target,
        audit_detail,
    ));
    let task = services.db.change_task(&change, &effects).await?;
    services.wake();
    Ok(view(task, party, now))
}

/// Adds a comment by either party; the other party is told.
pub async fn comment(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: CommentInput,
) -> Result<StoredEntry, Error> {
    let (task, party) = writable(services, caller, id).await?;
    let body = text("body", &input.body, MAX_TEXT_CHARS)?;
    let now = services.clock.now_ms();
    let entry = HistoryEntry {
        stamp: stamp(caller, now),
        kind: HistoryEntryKind::Comment,
        command: None,
        from_state: None,
        to_state: None,
        body: Some(body),
        detail: json!({}),
    };
    let target = subject(&task.id);
    let effects = Effects {
        events: vec![NewEvent {
            audience: Audience::Org(other_party_org(&task, party).to_owned()),
            kind: "task.comment".into(),
            subject: target.clone(),
            payload: json!({ "title": task.title, "task_id": task.id }),
        }],
        audit: vec![audit(
            caller,
            now,
            "task_commented",
            target,
            json!({ "party": party.as_str() }),
        )],
        ..Effects::default()
    };
    let seq = services
        .db
        .add_task_entry(&task.id, &entry, &effects)
        .await?;
    services.wake();
    Ok(StoredEntry { seq, entry })
}

/// A file as it arrives to be attached: the raw bytes and what the request says of them.
pub struct Upload {
    /// `?name=`: the file's name as the person knows it.
    pub name: Option<String>,
    /// The request's `Content-Type`; `application/octet-stream` when absent.
    pub content_type: Option<String>,
    pub bytes: bytes::Bytes,
}

/// Checks an attachment's name: not empty, at most [`MAX_NAME_CHARS`], no path separators
/// or control characters, not `.` or `..`.
fn attachment_name(name: Option<&str>) -> Result<String, Error> {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Err(Error::invalid(
            "name",
            "name the file: add ?name=<file name> to the address",
        ));
    };
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(
            "name",
            format!("the file name is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(Error::invalid(
            "name",
            "the file name must be a plain name, without / or \\",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            "the file name must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Checks a media type: `type/subtype` with optional parameters, printable ASCII, short.
fn media_type(value: Option<&str>) -> Result<String, Error> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok("application/octet-stream".into());
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    let valid = value.len() <= 127
        && value.chars().all(|c| c.is_ascii() && !c.is_ascii_control())
        && essence
            .split_once('/')
            .is_some_and(|(t, s)| token(t) && token(s));
    if !valid {
        return Err(Error::invalid(
            "content_type",
            "Content-Type must be a media type such as application/pdf",
        ));
    }
    Ok(value.to_owned())
}

/// Attaches evidence: stored by content (the same file twice is stored once).
pub async fn attach(
    services: &Services,
    caller: &Caller,
    id: &str,
    upload: Upload,
) -> Result<Attachment, Error> {
    let (task, party) = writable(services, caller, id).await?;
    let name = attachment_name(upload.name.as_deref())?;
    let content_type = media_type(upload.content_type.as_deref())?;
    if upload.bytes.is_empty() {
        return Err(Error::invalid("name", "the file is empty"));
    }
    let now = services.clock.now_ms();
    let sha256 = hex::encode(Sha256::digest(&upload.bytes));
    let size = upload.bytes.len();
    let new = NewAttachment {
        task_id: task.id.clone(),
        name: name.clone(),
        content_type: content_type.clone(),
        uploaded_by: caller.actor.user_id.clone(),
        uploaded_org_id: caller.org.as_ref().map(|o| o.id.clone()),
    };
    let entry = HistoryEntry {
        stamp: stamp(caller, now),
        kind: HistoryEntryKind::Attachment,
        command: None,
        from_state: None,
        to_state: None,
        body: None,
        detail: json!({ "name": name, "size": size, "sha256": sha256, "content_type": content_type }),
    };
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "task_attachment_added",
            subject(&task.id),
            json!({ "name": name, "size": size, "sha256": sha256, "party": party.as_str() }),
        )],
        ..Effects::default()
    };
    let attachment = services
        .db
        .add_task_attachment(&new, &upload.bytes, &entry, &effects)
        .await?;
    services.wake();
    Ok(attachment)
}

/// An attachment's record and bytes, for either party.
pub async fn attachment(
    services: &Services,
    caller: &Caller,
    id: &str,
    attachment_id: &str,
) -> Result<(Attachment, Vec<u8>), Error> {
    readable(services, caller, id).await?;
    services
        .db
        .task_attachment(id, attachment_id)
        .await?
        .ok_or_else(|| Error::NotFound("no attachment with this id on this task".into()))
}

/// The assignee asks for more time, before the deadline; the setter is told.
pub async fn request_extension(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: ExtensionInput,
) -> Result<Extension, Error> {
    let (task, party) = writable(services, caller, id).await?;
    let now = services.clock.now_ms();
    let pending = services
        .db
        .task_extensions(id)
        .await?
        .iter()
        .any(|e| e.state == ExtensionState::Pending);
    rules::may_request_extension(task.state, party, now, task.due_at, pending).map_err(refused)?;
    if input.new_due_at <= task.due_at {
        return Err(Error::invalid(
            "new_due_at",
            "new_due_at must be later than the current deadline",
        ));
    }
    let reason = text("reason", &input.reason, MAX_TEXT_CHARS)?;
    let entry = HistoryEntry {
        stamp: stamp(caller, now),
        kind: HistoryEntryKind::ExtensionRequested,
        command: None,
        from_state: None,
        to_state: None,
        body: Some(reason.clone()),
        detail: json!({ "new_due_at": input.new_due_at, "due_at": task.due_at }),
    };
    let target = subject(&task.id);
    let effects = Effects {
        events: vec![NewEvent {
            audience: Audience::Org(task.setter_org_id.clone()),
            kind: "task.extension_requested".into(),
            subject: target.clone(),
            payload: json!({
                "title": task.title,
                "task_id": task.id,
                "due_at": task.due_at,
                "new_due_at": input.new_due_at,
                "reason": reason,
            }),
        }],
        audit: vec![audit(
            caller,
            now,
            "task_extension_requested",
            target,
            json!({ "due_at": task.due_at, "new_due_at": input.new_due_at, "reason": reason }),
        )],
        ..Effects::default()
    };
    let extension = services
        .db
        .request_extension(
            &task.id,
            &caller.actor.user_id,
            input.new_due_at,
            &reason,
            &entry,
            &effects,
        )
        .await?;
    services.wake();
    Ok(extension)
}

/// The setter grants (the deadline moves, the clock is scheduled anew) or refuses an
/// extension request; the assignee is told.
pub async fn decide_extension(
    services: &Services,
    caller: &Caller,
    id: &str,
    extension_id: &str,
    input: DecisionInput,
) -> Result<(Extension, TaskView), Error> {
    let (task, party) = writable(services, caller, id).await?;
    let extension = services
        .db
        .task_extensions(id)
        .await?
        .into_iter()
        .find(|e| e.id == extension_id)
        .ok_or_else(|| Error::NotFound("no extension request with this id on this task".into()))?;
    if extension.state != ExtensionState::Pending {
        return Err(Error::refused("this extension request was already decided"));
    }
    rules::may_decide_extension(
        task.state,
        party,
        task.due_at,
        extension.new_due_at,
        input.grant,
    )
    .map_err(refused)?;
    let note = match input.note.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) => Some(text("note", n, MAX_TEXT_CHARS)?),
    };
    let now = services.clock.now_ms();
    let entry = HistoryEntry {
        stamp: stamp(caller, now),
        kind: HistoryEntryKind::ExtensionDecided,
        command: None,
        from_state: None,
        to_state: None,
        body: note.clone(),
        detail: json!({
            "extension_id": extension.id,
            "granted": input.grant,
            "due_at": task.due_at,
            "new_due_at": extension.new_due_at,
        }),
    };
    let target = subject(&task.id);
    let mut effects = Effects {
        events: vec![NewEvent {
            audience: Audience::Org(task.assignee_org_id.clone()),
            kind: "task.extension_decided".into(),
            subject: target.clone(),
            payload: json!({
                "title": task.title,
                "task_id": task.id,
                "extension_id": extension.id,
                "granted": input.grant,
                "due_at": if input.grant { extension.new_due_at } else { task.due_at },
                "note": note,
            }),
        }],
        ..Effects::default()
    };
    if input.grant {
        let mut updated = task.clone();
        updated.due_at = extension.new_due_at;
        updated.revision = task.revision + 1;
        updated.updated_at = now;
        effects.cancel_jobs_of.push(target.clone());
        effects.jobs = clock_jobs(&services.calendar.get(), &updated, now);
    }
    let action = if input.grant {
        "task_extension_granted"
    } else {
        "task_extension_refused"
    };
    effects.audit.push(audit(
        caller,
        now,
        action,
        target,
        json!({
            "extension_id": extension.id,
            "due_at": task.due_at,
            "new_due_at": extension.new_due_at,
            "reason": note,
        }),
    ));
    let (extension, task) = services
        .db
        .decide_extension(
            &task.id,
            &extension.id,
            input.grant,
            &caller.actor.user_id,
            note.as_deref(),
            &entry,
            &effects,
        )
        .await?;
    services.wake();
    Ok((extension, view(task, party, now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attachment_name_is_a_plain_file_name() {
        assert_eq!(
            attachment_name(Some(" 现场照片.jpg ")).unwrap(),
            "现场照片.jpg"
        );
        for bad in [
            None,
            Some(""),
            Some("a/b"),
            Some("a\\b"),
            Some(".."),
            Some("a\u{7}b"),
        ] {
            assert!(attachment_name(bad).is_err(), "{bad:?}");
        }
        assert!(attachment_name(Some(&"名".repeat(MAX_NAME_CHARS + 1))).is_err());
    }

    #[test]
    fn a_media_type_is_checked_and_defaults_to_bytes() {
        assert_eq!(media_type(None).unwrap(), "application/octet-stream");
        assert_eq!(
            media_type(Some("text/plain; charset=utf-8")).unwrap(),
            "text/plain; charset=utf-8"
        );
        for bad in ["pdf", "text/", "/plain", "text/plain\r\nX: y", "文本/plain"] {
            assert!(media_type(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_time_limit_is_at_least_one_and_at_most_ten_years() {
        assert!(checked_limit(TimeLimit::WorkingDays(0)).is_err());
        assert!(checked_limit(TimeLimit::WorkingDays(10)).is_ok());
        assert!(checked_limit(TimeLimit::Hours(MAX_LIMIT_HOURS + 1)).is_err());
        assert!(checked_limit(TimeLimit::CalendarDays(MAX_LIMIT_DAYS)).is_ok());
    }

    #[test]
    fn every_command_has_its_own_past_participle() {
        let names: std::collections::HashSet<_> =
            TaskCommand::ALL.iter().map(|c| past(*c)).collect();
        assert_eq!(names.len(), TaskCommand::ALL.len());
    }
}
