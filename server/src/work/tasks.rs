//! Task operations (任务 / 督办事项): create, act, comment, attach evidence, ask for and grant
//! more time.
//!
//! A task is acted on by two bodies only: the setter (交办单位) and the assignee (承办单位). A
//! judicial bureau whose region covers either side's reads it, its history and its evidence
//! (监督), and is refused every change (403). Everyone else, an operator included, is told "no
//! task with this id", exactly as for an id that does not exist.
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

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::region_stats::FigureFilter;
use super::Error;
use super::{audit, own_org, stamp, Acting};
use crate::auth::Caller;
use crate::db::{
    Attachment, Audience, Effects, Extension, HistoryEntry, HistoryEntryKind, NewAttachment,
    NewEvent, NewJob, NewTask, StoredEntry, Task, TaskChange, TaskList,
};
use crate::domain::calendar::{Calendar, TimeLimit};
use crate::domain::kernel::{self, CommandOffer};
use crate::domain::limits::{amount_of, LimitKind};
use crate::domain::phrases;
use crate::domain::policy::{self, Action, BodyRegion, TaskAccess, TaskFacts};
use crate::domain::task::{
    self as rules, ExtensionState, Party, TaskAction, TaskCommand, TaskFlow, TaskSource, TaskState,
};
use crate::domain::text::{FileName, MediaType, Note, Reason, Reference, Text, Title};
use crate::services::Services;

/// The longest a time limit may be: ten years in any unit. Anything longer is a typing
/// mistake, and would put reminders beyond any calendar loaded.
const MAX_LIMIT_DAYS: u32 = 3_660;
const MAX_LIMIT_WORKING_DAYS: u32 = 2_500;
const MAX_LIMIT_HOURS: u32 = 87_840;

/// What the caller writes to set a task (`POST /api/tasks`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    pub title: Title,
    pub body: Text,
    /// What the feedback must contain; absent or blank when nothing particular is asked.
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub feedback_required: Option<Note>,
    pub assignee_org_id: String,
    /// The deadline as a time limit counted from dispatch (期限); or give `due_at`.
    #[serde(default)]
    pub limit: Option<TimeLimit>,
    /// The deadline as an instant, Unix milliseconds, in the future; or give `limit`.
    #[serde(default)]
    pub due_at: Option<i64>,
    /// `direct` when not given.
    #[serde(default)]
    pub source: Option<TaskSource>,
    /// Where it came from (a meeting's id, a dispute's number).
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub source_ref: Option<Reference>,
    /// Send it to the assignee at once (the default), starting its clock; `false` keeps a
    /// draft (待下发) to dispatch later.
    #[serde(default = "yes")]
    pub dispatch: bool,
}

fn yes() -> bool {
    true
}

/// A task set within a workflow to one of its bodies: a joint investigation group's lead to a
/// confirmed member (`POST /api/investigations/{id}/tasks`), a campaign's bureau to a covered
/// body (`POST /api/campaigns/{id}/tasks`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignTask {
    pub title: Title,
    pub body: Text,
    /// What the feedback must contain; absent or blank when nothing particular is asked.
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub feedback_required: Option<Note>,
    /// 承办单位: a body of the workflow (a confirmed member, a covered body).
    pub assignee_org_id: String,
    /// The deadline as a time limit counted from now (`{"unit": "working_days", …}`); or
    /// give `due_at`.
    #[serde(default)]
    pub limit: Option<TimeLimit>,
    /// The deadline as an instant, Unix milliseconds, in the future; or give `limit`.
    #[serde(default)]
    pub due_at: Option<i64>,
}

/// A comment (`POST /api/tasks/{id}/comments`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    pub body: Text,
}

/// An extension request (延期申请, `POST /api/tasks/{id}/extensions`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionInput {
    /// The deadline asked for, Unix milliseconds: later than the current one.
    pub new_due_at: i64,
    pub reason: Reason,
}

/// The setter's answer to an extension request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionDecisionInput {
    /// `true` moves the deadline to the one asked for.
    pub grant: bool,
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub note: Option<Reason>,
}

/// Which list of tasks (`GET /api/tasks?list=`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Assigned to the caller's body and not finished.
    #[default]
    Open,
    /// Assigned to the caller's body, clock running, deadline passed.
    Overdue,
    /// Set by the caller's body, in any state.
    SetByUs,
    /// Assigned to a body (`org`, the caller's own when not given) and counted by the region's
    /// figures in a period (`from`, `to`: dispatched then, not cancelled), overdue only with
    /// `overdue`: the list behind 承办任务 and 超期任务. A supervising bureau reads them.
    Assigned,
}

/// What `GET /api/tasks` asks: which list, and for `assigned` the body, period and whether
/// only the overdue ones.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskListQuery<'a> {
    pub list: ListKind,
    pub figure: FigureFilter<'a>,
    pub overdue: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The caller's side of a task: one of its two parties, or the judicial bureau that
/// supervises it (reads, never acts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskSide {
    /// 交办单位.
    Setter,
    /// 承办单位.
    Assignee,
    /// 监督: the judicial bureau of either side's region or of one above it.
    Supervisor,
}

impl From<Party> for TaskSide {
    fn from(party: Party) -> TaskSide {
        match party {
            Party::Setter => TaskSide::Setter,
            Party::Assignee => TaskSide::Assignee,
        }
    }
}

/// A task as one of its parties (or its supervising bureau) sees it, with what that party may
/// do to it now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskBody {
    pub id: String,
    pub title: String,
    pub body: String,
    /// What the feedback must contain; empty when nothing particular is asked.
    pub feedback_required: String,
    pub source: TaskSource,
    pub source_ref: Option<String>,
    /// 交办单位.
    pub setter_org_id: String,
    /// 承办单位.
    pub assignee_org_id: String,
    /// A user id (`token:<id>` for an API token).
    pub created_by: String,
    pub state: TaskState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub limit: Option<TimeLimit>,
    /// When the clock started (dispatch), Unix milliseconds.
    pub started_at: Option<i64>,
    pub due_at: i64,
    /// The clock runs and the deadline has passed.
    pub overdue: bool,
    pub feedback: Option<String>,
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The caller's side of the task.
    pub my_party: TaskSide,
    /// Every command of a task for the caller's side, in button order: allowed now, or
    /// refused with the rule that says why; none for a supervising bureau. Pages render their
    /// buttons from it.
    pub commands: Vec<CommandOffer>,
}

/// A page of the caller's body's tasks (`GET /api/tasks`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskPage {
    pub tasks: Vec<TaskBody>,
}

/// A line of a task's history: a transition, a comment, a file, an extension, a reminder.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntryBody {
    /// 1, 2, 3, … in the order written.
    pub seq: i64,
    pub at: i64,
    /// `None` for the system.
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub org_id: Option<String>,
    pub kind: HistoryEntryKind,
    /// For a transition: the command and the states it moved between.
    pub command: Option<TaskCommand>,
    pub from: Option<TaskState>,
    pub to: Option<TaskState>,
    /// What the person wrote: the comment, the feedback, the reason.
    pub body: Option<String>,
    /// What else the line records (a file's name and digest, an extension's dates).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// An evidence file of a task.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentBody {
    pub id: String,
    pub task_id: String,
    pub name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_org_id: Option<String>,
    pub at: i64,
    /// Where the bytes are served, as a download.
    pub url: String,
}

/// An extension request (延期申请) and its answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExtensionBody {
    pub id: String,
    pub task_id: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub new_due_at: i64,
    pub reason: String,
    pub state: ExtensionState,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
}

/// A task with everything that happened to it (`GET /api/tasks/{id}`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskDetailBody {
    #[serde(flatten)]
    pub task: TaskBody,
    pub history: Vec<EntryBody>,
    pub attachments: Vec<AttachmentBody>,
    pub extensions: Vec<ExtensionBody>,
    /// Asking for more time (`request_extension`) and answering a pending request
    /// (`decide_extension`), allowed now or refused with the rule.
    pub extension_commands: Vec<CommandOffer>,
    /// To the assigned body of a task another body set, while it holds the task: the time it
    /// has to return it and raise a jurisdiction dispute if it is not its duty, and the
    /// dispute raised from it, if one was.
    pub dispute_window: Option<super::dispute_window::DisputeWindow>,
}

/// An answered extension request and the task as it is now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecidedExtension {
    pub extension: ExtensionBody,
    pub task: TaskBody,
}

/// An attachment's bytes and what to serve them as.
#[derive(Debug, Clone)]
pub struct Download {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl From<&StoredEntry> for EntryBody {
    fn from(stored: &StoredEntry) -> EntryBody {
        let e = &stored.entry;
        EntryBody {
            seq: stored.seq,
            at: e.stamp.at,
            user_id: e.stamp.user_id.clone(),
            name: e.stamp.name.clone(),
            org_id: e.stamp.org_id.clone(),
            kind: e.kind,
            command: e.command,
            from: e.from_state,
            to: e.to_state,
            body: e.body.clone(),
            detail: e.detail.clone(),
        }
    }
}

impl From<Attachment> for AttachmentBody {
    fn from(a: Attachment) -> AttachmentBody {
        AttachmentBody {
            url: format!("/api/tasks/{}/attachments/{}", a.task_id, a.id),
            id: a.id,
            task_id: a.task_id,
            name: a.name,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            uploaded_by: a.uploaded_by,
            uploaded_org_id: a.uploaded_org_id,
            at: a.at,
        }
    }
}

impl From<Extension> for ExtensionBody {
    fn from(e: Extension) -> ExtensionBody {
        ExtensionBody {
            id: e.id,
            task_id: e.task_id,
            requested_by: e.requested_by,
            requested_at: e.requested_at,
            new_due_at: e.new_due_at,
            reason: e.reason,
            state: e.state,
            decided_by: e.decided_by,
            decided_at: e.decided_at,
            decision_note: e.decision_note,
        }
    }
}

/// The task as `party` sees it at `now`.
pub(crate) fn body(task: Task, party: Party, now: i64) -> TaskBody {
    side_body(task, TaskAccess::Party(party), now)
}

/// The task as the caller with `access` to it sees it at `now`: a party with its commands, a
/// supervising bureau with none.
fn side_body(task: Task, access: TaskAccess, now: i64) -> TaskBody {
    let (my_party, commands) = match access {
        TaskAccess::Party(party) => (
            TaskSide::from(party),
            kernel::offers::<TaskFlow>((), task.state, party),
        ),
        TaskAccess::Supervise | TaskAccess::None => (TaskSide::Supervisor, Vec::new()),
    };
    TaskBody {
        overdue: task.state.clock_runs() && task.due_at < now,
        commands,
        state_label_zh: task.state.label_zh(),
        state_label_en: task.state.label_en(),
        my_party,
        id: task.id,
        title: task.title,
        body: task.body,
        feedback_required: task.feedback_required,
        source: task.source,
        source_ref: task.source_ref,
        setter_org_id: task.setter_org_id,
        assignee_org_id: task.assignee_org_id,
        created_by: task.created_by,
        state: task.state,
        limit: task.limit,
        started_at: task.started_at,
        due_at: task.due_at,
        feedback: task.feedback,
        revision: task.revision,
        created_at: task.created_at,
        updated_at: task.updated_at,
    }
}

/// The answer for a task the caller may not see, and for one that does not exist.
fn not_found() -> Error {
    Error::NotFound(crate::domain::phrases::NO_SUCH_TASK.message())
}

/// The policy's facts of `task`, with its sides' `regions` (empty where only a party's
/// access matters: they only add supervising readers).
fn facts<'a>(task: &'a Task, regions: &'a [BodyRegion]) -> TaskFacts<'a> {
    TaskFacts {
        setter_org_id: &task.setter_org_id,
        assignee_org_id: &task.assignee_org_id,
        draft: task.state == TaskState::Created,
        regions,
    }
}

fn subject(task_id: &str) -> String {
    format!("task:{task_id}")
}

/// The task and the caller's access to it (a party, or the supervising bureau), or "not
/// found" (audited as a refusal) for anyone who is neither.
async fn readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Task, TaskAccess), Error> {
    let task = services.db.task(id).await?.ok_or_else(not_found)?;
    let regions = services
        .db
        .org_regions(&[&task.setter_org_id, &task.assignee_org_id])
        .await?;
    if caller
        .allow(&services.db, Action::ReadTask(facts(&task, &regions)))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    match policy::task_access(&caller.actor, &facts(&task, &regions)) {
        TaskAccess::None => Err(not_found()),
        access => Ok((task, access)),
    }
}

/// The body that set a task the caller's body returned as not its own (退回: the task's
/// "returned" branch leads to a dispute, WORKFLOWS.md), for a dispute raised from it: "not
/// found" to anyone who may not see the task, refused unless the caller is its assignee and
/// it is returned.
pub(crate) async fn setter_of_returned(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<String, Error> {
    let (task, access) = readable(services, caller, id).await?;
    if access != TaskAccess::Party(Party::Assignee) || task.state != TaskState::Returned {
        return Err(Error::refused(
            phrases::DISPUTE_FROM_RETURNED_TASK.message(),
        ));
    }
    Ok(task.setter_org_id)
}

/// Like [`readable`], and the caller may change it as a party (a token needs `tasks:write`):
/// 403 naming the rule otherwise, to a supervising bureau too.
async fn writable(services: &Services, caller: &Caller, id: &str) -> Result<(Task, Party), Error> {
    let (task, access) = readable(services, caller, id).await?;
    // Acting is a party's alone: the sides' regions add no one.
    caller
        .allow(&services.db, Action::ActOnTask(facts(&task, &[])))
        .await?;
    match access {
        TaskAccess::Party(party) => Ok((task, party)),
        // The policy refused anyone else above.
        TaskAccess::Supervise | TaskAccess::None => Err(not_found()),
    }
}

/// Checks a time limit's amount: at least one, at most about ten years.
fn checked_limit(limit: TimeLimit) -> Result<TimeLimit, Error> {
    let (amount, max, unit_zh, unit) = match limit {
        TimeLimit::CalendarDays(n) => (n, MAX_LIMIT_DAYS, "个自然日", "calendar days"),
        TimeLimit::WorkingDays(n) => (n, MAX_LIMIT_WORKING_DAYS, "个工作日", "working days"),
        TimeLimit::Hours(n) => (n, MAX_LIMIT_HOURS, "小时", "hours"),
    };
    if amount == 0 {
        return Err(Error::invalid(
            "limit",
            phrases::LIMIT_AT_LEAST_ONE.message(),
        ));
    }
    if amount > max {
        return Err(Error::invalid(
            "limit",
            crate::domain::phrases::TASK_LIMIT_TOO_LONG
                .with("max", max)
                .with_words("unit", unit_zh, unit),
        ));
    }
    Ok(limit)
}

/// A body cannot set a task for itself.
fn not_self(setter_org_id: &str, assignee_org_id: &str) -> Result<(), Error> {
    if assignee_org_id == setter_org_id {
        return Err(Error::invalid(
            "assignee_org_id",
            &crate::domain::phrases::TASK_FOR_ITSELF,
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
            crate::domain::phrases::ORG_ID_UNKNOWN
                .with("field", "assignee_org_id")
                .with("id", format!("{id:?}")),
        )),
    }
}

/// The jobs of a running clock that still lie ahead: a restarted clock does not re-send
/// reminders whose moment has already passed.
fn clock_jobs(calendar: &Calendar, task: &Task, now: i64, escalate_after: u32) -> Vec<NewJob> {
    super::schedule::for_task(calendar, task, escalate_after)
        .into_iter()
        .filter(|job| job.due_at > now)
        .collect()
}

/// Working mornings from the overdue reminder (催办) to the escalation (督办) of a task set by
/// `setter_org_id`: its region's `task_escalate` limit.
async fn escalate_after(services: &Services, setter_org_id: &str) -> Result<u32, Error> {
    let limits = super::limits::of_org(services, setter_org_id).await?;
    Ok(amount_of(limits.get(LimitKind::TaskEscalate)))
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
    /// A [`Title`]; checked here, since a plan may come from signed minutes as well as from
    /// a request (so are the other texts).
    pub title: String,
    /// A [`Text`].
    pub body: String,
    /// A [`Note`]; absent or blank when nothing particular is asked.
    pub feedback_required: Option<String>,
    pub source: TaskSource,
    /// Where it came from (a meeting id, a dispute id): a [`Reference`].
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
pub(crate) async fn plan_task(
    services: &Services,
    now: i64,
    plan: TaskPlan,
) -> Result<(NewTask, HistoryEntry, Effects), Error> {
    let title = Title::parse("title", &plan.title)?.into_string();
    let body = Text::parse("body", &plan.body)?.into_string();
    let feedback_required =
        Note::parse_optional("feedback_required", plan.feedback_required.as_deref())?
            .map(Note::into_string)
            .unwrap_or_default();
    let source = plan.source;
    let source_ref = Reference::parse_optional("source_ref", plan.source_ref.as_deref())?
        .map(Reference::into_string);
    let calendar = services.calendar.get();
    let (limit, due_at) = match (plan.limit, plan.due_at) {
        (Some(limit), None) => {
            let limit = checked_limit(limit)?;
            (Some(limit), calendar.due_at(now, limit))
        }
        (None, Some(due_at)) => (None, super::ahead("due_at", due_at, now)?),
        _ => {
            return Err(Error::invalid(
                "due_at",
                &crate::domain::phrases::DEADLINE_ONE_WAY,
            ))
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
        effects.jobs = clock_jobs(
            &calendar,
            &task,
            now,
            escalate_after(services, &setter).await?,
        );
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
) -> Result<TaskBody, Error> {
    caller.allow(&services.db, Action::CreateTask).await?;
    let setter = own_org(caller, "set a task")?.to_owned();
    let now = services.clock.now_ms();
    let plan = TaskPlan {
        setter_org_id: setter.clone(),
        created_by: caller.actor.user_id.clone(),
        acting: Acting::of(caller),
        title: input.title.into_string(),
        body: input.body.into_string(),
        feedback_required: input.feedback_required.map(Note::into_string),
        source: input.source.unwrap_or(TaskSource::Direct),
        source_ref: input.source_ref.map(Reference::into_string),
        assignee_org_id: input.assignee_org_id,
        limit: input.limit,
        due_at: input.due_at,
        dispatch: input.dispatch,
    };
    let (new, entry, effects) = plan_task(services, now, plan).await?;
    assignee(services, &setter, &new.assignee_org_id).await?;
    let task = services.db.create_task(&new, &entry, &effects).await?;
    services.wake();
    Ok(body(task, Party::Setter, now))
}

/// A page of one of the caller's body's lists (`limit` 1 to 200, 50 by default); empty for a
/// caller who acts for no body.
pub async fn list(
    services: &Services,
    caller: &Caller,
    query: TaskListQuery<'_>,
) -> Result<TaskPage, Error> {
    let TaskListQuery {
        list: kind,
        figure,
        overdue,
        limit,
        offset,
    } = query;
    let now = services.clock.now_ms();
    let list = match kind {
        ListKind::Assigned => {
            return of_body(services, caller, figure, overdue, limit, offset).await;
        }
        _ if !figure.is_empty() || overdue => {
            return Err(Error::invalid("list", &phrases::TASK_FILTER_ASSIGNED_ONLY));
        }
        ListKind::Open => TaskList::Open,
        ListKind::Overdue => TaskList::Overdue { now },
        ListKind::SetByUs => TaskList::SetBy,
    };
    let (limit, offset) = super::page(limit, offset)?;
    let Some(org) = &caller.org else {
        return Ok(TaskPage { tasks: Vec::new() });
    };
    let tasks = services
        .db
        .tasks_of_org(&org.id, list, limit, offset)
        .await?;
    // The query narrows; the policy decides (a token without tasks:read sees none).
    let tasks = tasks
        .into_iter()
        .filter_map(|task| {
            let facts = facts(&task, &[]);
            policy::decide(&caller.actor, &Action::ReadTask(facts)).ok()?;
            let party = policy::task_party(&caller.actor, &facts)?;
            Some(body(task, party, now))
        })
        .collect();
    Ok(TaskPage { tasks })
}

/// The tasks assigned to a body that the region's figures count for it in a period (the list
/// behind 承办任务, and with `overdue_only` behind 超期任务), earliest due first, each as the
/// caller sees it: its own body's as a party, another's only when the caller supervises it
/// (a judicial bureau of either side's region or above); the rest are left out, so a sibling
/// region's bureau finds none.
pub async fn of_body(
    services: &Services,
    caller: &Caller,
    filter: FigureFilter<'_>,
    overdue_only: bool,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<TaskPage, Error> {
    let (limit, offset) = super::page(limit, offset)?;
    let Some(of) = filter.resolve(services, caller)? else {
        return Ok(TaskPage { tasks: Vec::new() });
    };
    let tasks = services
        .db
        .tasks_of_body(of, overdue_only, limit, offset)
        .await?;
    let mut bodies: Vec<&str> = tasks
        .iter()
        .flat_map(|t| [t.setter_org_id.as_str(), t.assignee_org_id.as_str()])
        .collect();
    bodies.sort_unstable();
    bodies.dedup();
    let regions = services.db.org_regions(&bodies).await?;
    let mut page = Vec::new();
    for task in &tasks {
        let facts = facts(task, &regions);
        // The query narrows; the policy decides (a token without tasks:read sees none).
        if policy::decide(&caller.actor, &Action::ReadTask(facts)).is_err() {
            continue;
        }
        let access = policy::task_access(&caller.actor, &facts);
        if access != TaskAccess::None {
            page.push(side_body(task.clone(), access, of.now));
        }
    }
    Ok(TaskPage { tasks: page })
}

/// A task with its history, attachments and extension requests.
pub async fn show(services: &Services, caller: &Caller, id: &str) -> Result<TaskDetailBody, Error> {
    let (task, access) = readable(services, caller, id).await?;
    let history = services.db.task_history(id).await?;
    let attachments = services.db.task_attachments(id).await?;
    let extensions = services.db.task_extensions(id).await?;
    let now = services.clock.now_ms();
    let pending = extensions
        .iter()
        .any(|e| e.state == ExtensionState::Pending);
    let extension_commands = match access {
        TaskAccess::Party(party) => {
            rules::extension_offers(task.state, party, now, task.due_at, pending)
        }
        TaskAccess::Supervise | TaskAccess::None => Vec::new(),
    };
    let held = matches!(
        task.state,
        TaskState::Dispatched
            | TaskState::Acknowledged
            | TaskState::InProgress
            | TaskState::Returned
    );
    let dispute_window = match task.started_at {
        Some(received_at)
            if access == TaskAccess::Party(Party::Assignee)
                && held
                && task.setter_org_id != task.assignee_org_id =>
        {
            Some(
                super::dispute_window::of(
                    services,
                    &task.assignee_org_id,
                    received_at,
                    "task",
                    &task.id,
                )
                .await?,
            )
        }
        _ => None,
    };
    Ok(TaskDetailBody {
        dispute_window,
        task: side_body(task, access, now),
        history: history.iter().map(EntryBody::from).collect(),
        attachments: attachments.into_iter().map(AttachmentBody::from).collect(),
        extensions: extensions.into_iter().map(ExtensionBody::from).collect(),
        extension_commands,
    })
}

/// Gives a command to a task for the caller's party: the transition the domain allows, with
/// what the command carries (the feedback, a new deadline, a new assignee).
pub async fn act(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: TaskAction,
) -> Result<TaskBody, Error> {
    let (task, party) = writable(services, caller, id).await?;
    if action.revision() != task.revision {
        return Err(Error::refused(
            crate::domain::phrases::TASK_STALE.with("revision", task.revision),
        ));
    }
    let command = action.command();
    let to = rules::transition(task.state, party, command)?;
    let now = services.clock.now_ms();
    let calendar = services.calendar.get();
    let written = action.written().map(str::to_owned);
    let mut updated = Task {
        state: to,
        revision: task.revision + 1,
        updated_at: now,
        ..task.clone()
    };
    match action {
        TaskAction::Submit { feedback, .. } => updated.feedback = Some(feedback.into_string()),
        TaskAction::Dispatch { due_at, .. } => restart_clock(&mut updated, due_at, &calendar, now)?,
        TaskAction::Reassign {
            assignee_org_id,
            due_at,
            ..
        } => {
            restart_clock(&mut updated, due_at, &calendar, now)?;
            updated.assignee_org_id =
                assignee(services, &task.setter_org_id, &assignee_org_id).await?;
        }
        _ => {}
    }
    let moved = Moved {
        before: &task,
        after: &updated,
        party,
        command,
        written,
        now,
    };
    let escalate = escalate_after(services, &task.setter_org_id).await?;
    let task = services
        .db
        .change_task(
            &moved.change(caller),
            &moved.effects(caller, &calendar, escalate),
        )
        .await?;
    services.wake();
    Ok(body(task, party, now))
}

/// A clock that starts again counts from now: dispatch and reassignment start it anew, to
/// `due_at` when given (a task whose deadline is an instant), else counted anew from the
/// task's limit, else to its deadline if that still lies ahead.
fn restart_clock(
    task: &mut Task,
    due_at: Option<i64>,
    calendar: &Calendar,
    now: i64,
) -> Result<(), Error> {
    task.due_at = match (task.limit, due_at) {
        (_, Some(due_at)) => super::ahead("due_at", due_at, now)?,
        (Some(limit), None) => calendar.due_at(now, limit),
        (None, None) if task.due_at <= now => {
            return Err(Error::invalid(
                "due_at",
                &crate::domain::phrases::TASK_DEADLINE_PASSED,
            ))
        }
        (None, None) => task.due_at,
    };
    task.started_at = Some(now);
    Ok(())
}

/// A transition about to be written: the task before and after, and who moved it how.
struct Moved<'a> {
    before: &'a Task,
    after: &'a Task,
    party: Party,
    command: TaskCommand,
    /// The feedback or the reason.
    written: Option<String>,
    now: i64,
}

impl Moved<'_> {
    /// Dispatch and reassignment restart the clock.
    fn restarts_clock(&self) -> bool {
        matches!(self.command, TaskCommand::Dispatch | TaskCommand::Reassign)
    }

    /// For a reassignment: the assignee before and after.
    fn reassignment(&self) -> Option<serde_json::Value> {
        (self.command == TaskCommand::Reassign).then(|| {
            json!({
                "previous_assignee_org_id": self.before.assignee_org_id,
                "assignee_org_id": self.after.assignee_org_id,
            })
        })
    }

    /// The row change and its history line.
    fn change(&self, caller: &Caller) -> TaskChange {
        let (before, after) = (self.before, self.after);
        let restarts = self.restarts_clock();
        TaskChange {
            task_id: before.id.clone(),
            expected_revision: before.revision,
            state: after.state,
            assignee_org_id: (self.command == TaskCommand::Reassign)
                .then(|| after.assignee_org_id.clone()),
            due_at: restarts.then_some(after.due_at),
            started_at: restarts.then_some(self.now),
            feedback: (self.command == TaskCommand::Submit)
                .then(|| after.feedback.clone())
                .flatten(),
            entry: HistoryEntry {
                stamp: stamp(caller, self.now),
                kind: HistoryEntryKind::Transition,
                command: Some(self.command),
                from_state: Some(before.state),
                to_state: Some(after.state),
                body: self.written.clone(),
                detail: self.reassignment().unwrap_or_else(|| json!({})),
            },
        }
    }

    /// The events to the other side (both assignees of a reassignment), the clock's jobs
    /// cancelled or scheduled anew, and the audit row.
    fn effects(&self, caller: &Caller, calendar: &Calendar, escalate_after: u32) -> Effects {
        let (before, after) = (self.before, self.after);
        let target = subject(&before.id);
        let payload = |extra: serde_json::Value| {
            let mut payload = json!({
                "title": before.title,
                "task_id": before.id,
                "command": self.command.as_str(),
                "from": before.state.as_str(),
                "to": after.state.as_str(),
                "reason": self.written,
                "due_at": after.due_at,
            });
            if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
                p.extend(e.clone());
            }
            payload
        };
        let event = |org: &str, kind: String, extra| NewEvent {
            audience: Audience::Org(org.to_owned()),
            kind,
            subject: target.clone(),
            payload: payload(extra),
        };
        let mut audit_detail = json!({
            "from": before.state.as_str(),
            "to": after.state.as_str(),
            "reason": self.written,
        });
        let events = match self.reassignment() {
            Some(moved) => {
                if let (Some(d), Some(m)) = (audit_detail.as_object_mut(), moved.as_object()) {
                    d.extend(m.clone());
                }
                [&after.assignee_org_id, &before.assignee_org_id]
                    .into_iter()
                    .map(|org| event(org, "task.reassigned".into(), moved.clone()))
                    .collect()
            }
            None => vec![event(
                other_party_org(before, self.party),
                format!("task.{}", past(self.command)),
                json!({}),
            )],
        };
        let mut effects = Effects {
            events,
            ..Effects::default()
        };
        let restarts = !before.state.clock_runs() && after.state.clock_runs();
        if !after.state.clock_runs() || restarts {
            effects.cancel_jobs_of.push(target.clone());
        }
        if restarts {
            effects.jobs = clock_jobs(calendar, after, self.now, escalate_after);
        }
        effects.audit.push(audit(
            caller,
            self.now,
            &format!("task_{}", past(self.command)),
            target,
            audit_detail,
        ));
        effects
    }
}

/// Adds a comment by either party; the other party is told.
pub async fn comment(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: CommentInput,
) -> Result<EntryBody, Error> {
    let (task, party) = writable(services, caller, id).await?;
    let body = input.body.into_string();
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
    Ok(EntryBody::from(&StoredEntry { seq, entry }))
}

/// A file as it arrives to be attached: the raw bytes and what the request says of them.
pub struct Upload {
    /// `?name=`: the file's name as the person knows it.
    pub name: Option<String>,
    /// The request's `Content-Type`; `application/octet-stream` when absent.
    pub content_type: Option<String>,
    pub bytes: bytes::Bytes,
}

/// Whether the caller may attach evidence to this task now: asked before the file is read,
/// so an unknown task (404) or a refusal costs no upload. [`attach`] asks again when it
/// stores, as things may have changed while the file arrived.
pub async fn may_attach(services: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
    writable(services, caller, id).await.map(|_| ())
}

/// Attaches evidence: stored by content (the same file twice is stored once).
pub async fn attach(
    services: &Services,
    caller: &Caller,
    id: &str,
    upload: Upload,
) -> Result<AttachmentBody, Error> {
    let (task, party) = writable(services, caller, id).await?;
    let name = FileName::parse(upload.name.as_deref())?.into_string();
    let content_type = MediaType::parse(upload.content_type.as_deref())?.into_string();
    if upload.bytes.is_empty() {
        return Err(Error::invalid("name", phrases::FILE_EMPTY.message()));
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
    Ok(attachment.into())
}

/// An attachment's bytes and what to serve them as, for either party.
pub async fn attachment(
    services: &Services,
    caller: &Caller,
    id: &str,
    attachment_id: &str,
) -> Result<Download, Error> {
    readable(services, caller, id).await?;
    let (attachment, bytes) = services
        .db
        .task_attachment(id, attachment_id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::domain::phrases::NO_SUCH_ATTACHMENT.message()))?;
    Ok(Download {
        name: attachment.name,
        content_type: attachment.content_type,
        bytes,
    })
}

/// The assignee asks for more time, before the deadline; the setter is told.
pub async fn request_extension(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: ExtensionInput,
) -> Result<ExtensionBody, Error> {
    let (task, party) = writable(services, caller, id).await?;
    let now = services.clock.now_ms();
    let pending = services
        .db
        .task_extensions(id)
        .await?
        .iter()
        .any(|e| e.state == ExtensionState::Pending);
    rules::may_request_extension(task.state, party, now, task.due_at, pending)?;
    if input.new_due_at <= task.due_at {
        return Err(Error::invalid(
            "new_due_at",
            &crate::domain::phrases::TASK_NEW_DUE_NOT_LATER,
        ));
    }
    let reason = input.reason.into_string();
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
    Ok(extension.into())
}

/// The setter grants (the deadline moves, the clock is scheduled anew) or refuses an
/// extension request; the assignee is told.
pub async fn decide_extension(
    services: &Services,
    caller: &Caller,
    id: &str,
    extension_id: &str,
    input: ExtensionDecisionInput,
) -> Result<DecidedExtension, Error> {
    let (task, party) = writable(services, caller, id).await?;
    let extension = services
        .db
        .task_extensions(id)
        .await?
        .into_iter()
        .find(|e| e.id == extension_id)
        .ok_or_else(|| Error::NotFound(crate::domain::phrases::NO_SUCH_TASK_EXTENSION.message()))?;
    if extension.state != ExtensionState::Pending {
        return Err(Error::refused(phrases::EXTENSION_DECIDED.message()));
    }
    rules::may_decide_extension(
        task.state,
        party,
        task.due_at,
        extension.new_due_at,
        input.grant,
    )?;
    let note = input.note.map(Reason::into_string);
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
        let escalate = escalate_after(services, &task.setter_org_id).await?;
        effects.jobs = clock_jobs(&services.calendar.get(), &updated, now, escalate);
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
    Ok(DecidedExtension {
        extension: extension.into(),
        task: body(task, party, now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
