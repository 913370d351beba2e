//! Tasks (任务 / 督办事项) as stored: the task, its history, evidence attachments and
//! extension requests.
//!
//! # How two people acting at once are kept apart
//!
//! Every task carries a `revision`. A transition names the revision its caller read and the
//! update matches on it, so of two people acting on the same revision one succeeds and the
//! other is told to reload ([`Db::change_task`]); nobody's decision is silently overwritten.
//! History lines, attachments and extension requests lock the task's row (PostgreSQL; SQLite
//! has one writer) so that each history line gets the next seq and at most one extension
//! request is pending.
//!
//! Every write stores its history line and applies its [`Effects`] (events, jobs, audit) in
//! the same transaction. The transition rules themselves live in `domain::task`: this module
//! stores what the caller decided, and must never decide a transition itself.

use sha2::{Digest, Sha256};

use super::common::{corrupt_text, parse_json};
use futures_util::future::BoxFuture;

use super::common::RowLocks;
use super::common::{
    impl_for_both_engines, in_transaction, new_id, not_found, on_reader, parse, rule,
};
use super::effects::{Consequence, EffectQueries, Effects, Tx};
use super::figures::{task_in_period, task_overdue, BodyPeriod};
use super::{Db, DbError};
use crate::domain::calendar::TimeLimit;
use crate::domain::org::labelled_enum;
use crate::domain::task::{ExtensionState, TaskCommand, TaskSource, TaskState};

/// Who did something, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub at: i64,
    /// `None` for the system; `token:<id>` for an API token.
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub org_id: Option<String>,
}

/// A task to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    /// Made by the caller with [`new_id`](super::new_id), so effects can name it.
    pub id: String,
    pub title: String,
    pub body: String,
    pub feedback_required: String,
    pub source: TaskSource,
    pub source_ref: Option<String>,
    pub setter_org_id: String,
    pub assignee_org_id: String,
    pub created_by: String,
    /// Created or Dispatched.
    pub state: TaskState,
    pub limit: Option<TimeLimit>,
    pub started_at: Option<i64>,
    pub due_at: i64,
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub body: String,
    pub feedback_required: String,
    pub source: TaskSource,
    pub source_ref: Option<String>,
    pub setter_org_id: String,
    pub assignee_org_id: String,
    pub created_by: String,
    pub state: TaskState,
    pub limit: Option<TimeLimit>,
    pub started_at: Option<i64>,
    pub due_at: i64,
    pub feedback: Option<String>,
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

labelled_enum! {
    /// What a line of a task's history records.
    pub enum HistoryEntryKind {
        Transition = ("transition", "状态变更", "Transition"),
        Comment = ("comment", "评论", "Comment"),
        Attachment = ("attachment", "附件", "Attachment"),
        ExtensionRequested = ("extension_requested", "申请延期", "Extension requested"),
        ExtensionDecided = ("extension_decided", "延期审批", "Extension decided"),
        Reminder = ("reminder", "提醒", "Reminder"),
        Overdue = ("overdue", "催办", "Overdue reminder"),
        Escalated = ("escalated", "督办", "Escalated"),
    }
}

/// One line of a task's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub stamp: Stamp,
    pub kind: HistoryEntryKind,
    pub command: Option<TaskCommand>,
    pub from_state: Option<TaskState>,
    pub to_state: Option<TaskState>,
    pub body: Option<String>,
    pub detail: serde_json::Value,
}

/// A stored line of a task's history.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEntry {
    pub seq: i64,
    pub entry: HistoryEntry,
}

/// A transition to store.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskChange {
    pub task_id: String,
    pub expected_revision: i64,
    pub state: TaskState,
    pub assignee_org_id: Option<String>,
    pub due_at: Option<i64>,
    pub started_at: Option<i64>,
    pub feedback: Option<String>,
    pub entry: HistoryEntry,
}

/// Which of an organization's tasks to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskList {
    /// Assigned to the org and not final.
    Open,
    /// Assigned to the org, clock running, due before `now`.
    Overdue { now: i64 },
    /// Set by the org, any state.
    SetBy,
    /// Assigned to the org, any state.
    AssignedAll,
}

/// A stored attachment (its bytes are fetched apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: String,
    pub task_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_org_id: Option<String>,
    pub at: i64,
}

/// An attachment to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub task_id: String,
    pub name: String,
    pub content_type: String,
    pub uploaded_by: String,
    pub uploaded_org_id: Option<String>,
}

/// An extension request (延期申请).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
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

/// A task as stored, before its enums and limit are parsed.
#[derive(sqlx::FromRow)]
struct TaskRecord {
    id: String,
    title: String,
    body: String,
    feedback_required: String,
    source: String,
    source_ref: Option<String>,
    setter_org_id: String,
    assignee_org_id: String,
    created_by: String,
    state: String,
    limit_unit: Option<String>,
    limit_amount: Option<i32>,
    started_at: Option<i64>,
    due_at: i64,
    feedback: Option<String>,
    revision: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<TaskRecord> for Task {
    type Error = DbError;
    fn try_from(r: TaskRecord) -> Result<Task, DbError> {
        let limit = match (r.limit_unit.as_deref(), r.limit_amount) {
            (None, None) => None,
            (Some(unit), Some(amount)) => Some(limit_from_stored(unit, amount)?),
            _ => return Err(corrupt_text(format!("task {} has half a time limit", r.id))),
        };
        Ok(Task {
            source: parse(&r.source)?,
            state: parse(&r.state)?,
            limit,
            id: r.id,
            title: r.title,
            body: r.body,
            feedback_required: r.feedback_required,
            source_ref: r.source_ref,
            setter_org_id: r.setter_org_id,
            assignee_org_id: r.assignee_org_id,
            created_by: r.created_by,
            started_at: r.started_at,
            due_at: r.due_at,
            feedback: r.feedback,
            revision: r.revision,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const TASK_COLUMNS: &str = "id, title, body, feedback_required, source, source_ref,
    setter_org_id, assignee_org_id, created_by, state, limit_unit, limit_amount, started_at,
    due_at, feedback, revision, created_at, updated_at";

/// The stored unit and amount of a limit.
fn limit_to_stored(limit: Option<TimeLimit>) -> (Option<&'static str>, Option<i32>) {
    let (unit, amount) = match limit {
        None => return (None, None),
        Some(TimeLimit::CalendarDays(n)) => ("calendar_days", n),
        Some(TimeLimit::WorkingDays(n)) => ("working_days", n),
        Some(TimeLimit::Hours(n)) => ("hours", n),
    };
    (Some(unit), Some(i32::try_from(amount).unwrap_or(i32::MAX)))
}

fn limit_from_stored(unit: &str, amount: i32) -> Result<TimeLimit, DbError> {
    let amount = u32::try_from(amount)
        .map_err(|_| corrupt_text(format!("a time limit of {amount} is negative")))?;
    match unit {
        "calendar_days" => Ok(TimeLimit::CalendarDays(amount)),
        "working_days" => Ok(TimeLimit::WorkingDays(amount)),
        "hours" => Ok(TimeLimit::Hours(amount)),
        other => Err(corrupt_text(format!("unknown time limit unit {other:?}"))),
    }
}

/// A history line as stored.
#[derive(sqlx::FromRow)]
struct EntryRecord {
    seq: i64,
    at: i64,
    actor_user_id: Option<String>,
    actor_name: Option<String>,
    actor_org_id: Option<String>,
    entry: String,
    command: Option<String>,
    from_state: Option<String>,
    to_state: Option<String>,
    body: Option<String>,
    detail: String,
}

impl TryFrom<EntryRecord> for StoredEntry {
    type Error = DbError;
    fn try_from(r: EntryRecord) -> Result<StoredEntry, DbError> {
        Ok(StoredEntry {
            seq: r.seq,
            entry: HistoryEntry {
                stamp: Stamp {
                    at: r.at,
                    user_id: r.actor_user_id,
                    name: r.actor_name,
                    org_id: r.actor_org_id,
                },
                kind: parse(&r.entry)?,
                command: r.command.as_deref().map(parse).transpose()?,
                from_state: r.from_state.as_deref().map(parse).transpose()?,
                to_state: r.to_state.as_deref().map(parse).transpose()?,
                body: r.body,
                detail: parse_json(&r.detail)?,
            },
        })
    }
}

/// An attachment as stored.
#[derive(sqlx::FromRow)]
struct AttachmentRecord {
    id: String,
    task_id: String,
    name: String,
    content_type: String,
    size: i64,
    sha256: String,
    uploaded_by: String,
    uploaded_org_id: Option<String>,
    at: i64,
}

impl From<AttachmentRecord> for Attachment {
    fn from(r: AttachmentRecord) -> Attachment {
        Attachment {
            id: r.id,
            task_id: r.task_id,
            name: r.name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by,
            uploaded_org_id: r.uploaded_org_id,
            at: r.at,
        }
    }
}

const ATTACHMENT_COLUMNS: &str =
    "a.id, a.task_id, a.name, a.content_type, a.size, a.sha256, a.uploaded_by, a.uploaded_org_id, a.at";

/// An extension request as stored.
#[derive(sqlx::FromRow)]
struct ExtensionRecord {
    id: String,
    task_id: String,
    requested_by: String,
    requested_at: i64,
    new_due_at: i64,
    reason: String,
    state: String,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    decision_note: Option<String>,
}

impl TryFrom<ExtensionRecord> for Extension {
    type Error = DbError;
    fn try_from(r: ExtensionRecord) -> Result<Extension, DbError> {
        Ok(Extension {
            state: parse(&r.state)?,
            id: r.id,
            task_id: r.task_id,
            requested_by: r.requested_by,
            requested_at: r.requested_at,
            new_due_at: r.new_due_at,
            reason: r.reason,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decision_note: r.decision_note,
        })
    }
}

const EXTENSION_COLUMNS: &str = "id, task_id, requested_by, requested_at, new_due_at, reason,
    state, decided_by, decided_at, decision_note";

fn no_task() -> DbError {
    not_found(&crate::domain::phrases::NO_SUCH_TASK)
}

/// The task queries the writes share.
pub(super) trait TaskQueries {
    async fn task_by_id(&mut self, id: &str) -> Result<Option<Task>, DbError>;
    /// Locks the task's row until the transaction ends (PostgreSQL), so history lines and
    /// extension requests of one task are written one at a time; NotFound when there is none.
    async fn lock_task(&mut self, id: &str) -> Result<(), DbError>;
    /// Appends `entry` as the task's next history line; returns its seq.
    async fn append_entry(&mut self, task_id: &str, entry: &HistoryEntry) -> Result<i64, DbError>;
    /// Inserts a new task (revision 1, created and updated at `entry.stamp.at`) with `entry`
    /// as its first history line; returns it as stored. What [`Db::create_task`] and a write
    /// whose effects set tasks ([`Effects::set_task`]) both do.
    async fn insert_task(&mut self, new: &NewTask, entry: &HistoryEntry) -> Result<Task, DbError>;
}

/// A task another write sets (an agreed item of signed minutes), with its first history line.
#[derive(Debug, Clone)]
struct TaskToSet {
    task: NewTask,
    entry: HistoryEntry,
}

/// A line a write appends to a task's history (a reminder job's 催办 or 督办).
#[derive(Debug, Clone)]
struct TaskEntry {
    task_id: String,
    entry: HistoryEntry,
}

impl Consequence for TaskToSet {
    fn insert<'a>(&'a self, tx: Tx<'a>, _now: i64) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            match tx {
                Tx::Sqlite(conn) => conn.insert_task(&self.task, &self.entry).await?,
                Tx::Postgres(conn) => conn.insert_task(&self.task, &self.entry).await?,
            };
            Ok(())
        })
    }
}

impl Consequence for TaskEntry {
    fn insert<'a>(&'a self, tx: Tx<'a>, _now: i64) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            match tx {
                Tx::Sqlite(conn) => conn.append_entry(&self.task_id, &self.entry).await?,
                Tx::Postgres(conn) => conn.append_entry(&self.task_id, &self.entry).await?,
            };
            Ok(())
        })
    }
}

impl Effects {
    /// Sets `task` (with `entry` as its first history line) in the write: a task that
    /// something else causes exists exactly when that cause is committed.
    pub fn set_task(&mut self, task: NewTask, entry: HistoryEntry) {
        self.insert(TaskToSet { task, entry });
    }

    /// Appends `entry` to the history of task `task_id` in the write.
    pub fn append_task_entry(&mut self, task_id: String, entry: HistoryEntry) {
        self.insert(TaskEntry { task_id, entry });
    }
}

impl_for_both_engines!(TaskQueries {
    async fn task_by_id(&mut self, id: &str) -> Result<Option<Task>, DbError> {
        let record: Option<TaskRecord> =
            sqlx::query_as(&format!("select {TASK_COLUMNS} from tasks where id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        record.map(Task::try_from).transpose()
    }

    async fn lock_task(&mut self, id: &str) -> Result<(), DbError> {
        let for_update = self.for_update();
        let found: Option<(String,)> =
            sqlx::query_as(&format!("select id from tasks where id = $1{for_update}"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        found.map(|_| ()).ok_or_else(no_task)
    }

    async fn append_entry(&mut self, task_id: &str, entry: &HistoryEntry) -> Result<i64, DbError> {
        let (seq,): (i64,) = sqlx::query_as(
            "select coalesce(max(seq), 0) + 1 from task_history where task_id = $1",
        )
        .bind(task_id)
        .fetch_one(&mut *self)
        .await?;
        sqlx::query(
            "insert into task_history (task_id, seq, at, actor_user_id, actor_name, actor_org_id,
                                       entry, command, from_state, to_state, body, detail)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(task_id)
        .bind(seq)
        .bind(entry.stamp.at)
        .bind(entry.stamp.user_id.as_deref())
        .bind(entry.stamp.name.as_deref())
        .bind(entry.stamp.org_id.as_deref())
        .bind(entry.kind.as_str())
        .bind(entry.command.map(TaskCommand::as_str))
        .bind(entry.from_state.map(TaskState::as_str))
        .bind(entry.to_state.map(TaskState::as_str))
        .bind(entry.body.as_deref())
        .bind(entry.detail.to_string())
        .execute(&mut *self)
        .await?;
        Ok(seq)
    }

    async fn insert_task(&mut self, new: &NewTask, entry: &HistoryEntry) -> Result<Task, DbError> {
        let now = entry.stamp.at;
        let (limit_unit, limit_amount) = limit_to_stored(new.limit);
        sqlx::query(
            "insert into tasks (id, title, body, feedback_required, source, source_ref,
                 setter_org_id, assignee_org_id, created_by, state, limit_unit, limit_amount,
                 started_at, due_at, feedback, revision, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, null, 1,
                     $15, $15)",
        )
        .bind(&new.id)
        .bind(&new.title)
        .bind(&new.body)
        .bind(&new.feedback_required)
        .bind(new.source.as_str())
        .bind(new.source_ref.as_deref())
        .bind(&new.setter_org_id)
        .bind(&new.assignee_org_id)
        .bind(&new.created_by)
        .bind(new.state.as_str())
        .bind(limit_unit)
        .bind(limit_amount)
        .bind(new.started_at)
        .bind(new.due_at)
        .bind(now)
        .execute(&mut *self)
        .await?;
        self.append_entry(&new.id, entry).await?;
        self.task_by_id(&new.id).await?.ok_or_else(no_task)
    }
});

impl Db {
    /// Creates a task with its first history line (usually the creation or dispatch).
    pub async fn create_task(
        &self,
        new: &NewTask,
        entry: &HistoryEntry,
        effects: &Effects,
    ) -> Result<Task, DbError> {
        let mail = self.mail_delivery;
        let now = entry.stamp.at;
        in_transaction!(self, |conn| {
            let task = conn.insert_task(new, entry).await?;
            conn.apply_effects(now, effects, mail).await?;
            Ok(task)
        })
    }

    pub async fn task(&self, id: &str) -> Result<Option<Task>, DbError> {
        on_reader!(self, |conn| conn.task_by_id(id).await)
    }

    /// Applies a transition if the stored revision still is `expected_revision` (else
    /// DbError::Rule("the task was changed by someone else meanwhile; reload it and try
    /// again")). `None` fields of the change keep the stored value; the revision goes up by one.
    pub async fn change_task(
        &self,
        change: &TaskChange,
        effects: &Effects,
    ) -> Result<Task, DbError> {
        let mail = self.mail_delivery;
        let now = change.entry.stamp.at;
        in_transaction!(self, |conn| {
            let changed = sqlx::query(
                "update tasks set state = $3, assignee_org_id = coalesce($4, assignee_org_id),
                     due_at = coalesce($5, due_at), started_at = coalesce($6, started_at),
                     feedback = coalesce($7, feedback), revision = revision + 1, updated_at = $8
                 where id = $1 and revision = $2",
            )
            .bind(&change.task_id)
            .bind(change.expected_revision)
            .bind(change.state.as_str())
            .bind(change.assignee_org_id.as_deref())
            .bind(change.due_at)
            .bind(change.started_at)
            .bind(change.feedback.as_deref())
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(match conn.task_by_id(&change.task_id).await? {
                    Some(task) => {
                        rule(crate::domain::phrases::TASK_STALE.with("revision", task.revision))
                    }
                    None => no_task(),
                });
            }
            conn.append_entry(&change.task_id, &change.entry).await?;
            let task = conn
                .task_by_id(&change.task_id)
                .await?
                .ok_or_else(no_task)?;
            conn.apply_effects(now, effects, mail).await?;
            Ok(task)
        })
    }

    /// Appends a history line (a comment, a reminder) that changes nothing else; the seq.
    pub async fn add_task_entry(
        &self,
        task_id: &str,
        entry: &HistoryEntry,
        effects: &Effects,
    ) -> Result<i64, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            conn.lock_task(task_id).await?;
            let seq = conn.append_entry(task_id, entry).await?;
            conn.apply_effects(entry.stamp.at, effects, mail).await?;
            Ok(seq)
        })
    }

    /// A task's history, oldest first.
    pub async fn task_history(&self, task_id: &str) -> Result<Vec<StoredEntry>, DbError> {
        let records: Vec<EntryRecord> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select seq, at, actor_user_id, actor_name, actor_org_id, entry, command,
                        from_state, to_state, body, detail
                 from task_history where task_id = $1 order by seq",
            )
            .bind(task_id)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(StoredEntry::try_from).collect()
    }

    /// One page of an organization's tasks. Open and overdue tasks come most urgent (earliest
    /// due) first; the others newest first. Drafts (created, not dispatched) are the setter's
    /// alone: they appear under `SetBy` only.
    pub async fn tasks_of_org(
        &self,
        org_id: &str,
        list: TaskList,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Task>, DbError> {
        // Open for the assignee is the task machine's word (`TaskState::open_for_assignee`),
        // not a list kept here: a verified task is not open for it.
        let open_filter = format!(
            "assignee_org_id = $1 and state in ({})",
            TaskState::ALL
                .iter()
                .filter(|state| state.open_for_assignee())
                .map(|state| format!("'{}'", state.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let (filter, order, now) = match list {
            TaskList::Open => (open_filter.as_str(), "due_at, id", None),
            TaskList::Overdue { now } => (
                "assignee_org_id = $1 and state in ('dispatched', 'acknowledged', 'in_progress')
                     and due_at < $4",
                "due_at, id",
                Some(now),
            ),
            TaskList::SetBy => ("setter_org_id = $1", "created_at desc, id", None),
            TaskList::AssignedAll => (
                "assignee_org_id = $1 and state <> 'created'",
                "created_at desc, id",
                None,
            ),
        };
        let sql = format!(
            "select {TASK_COLUMNS} from tasks where {filter} order by {order} limit $2 offset $3"
        );
        let records: Vec<TaskRecord> = on_reader!(self, |conn| {
            let query = sqlx::query_as(&sql)
                .bind(org_id)
                .bind(limit.max(0))
                .bind(offset.max(0));
            match now {
                Some(now) => query.bind(now).fetch_all(&mut *conn).await?,
                None => query.fetch_all(&mut *conn).await?,
            }
        });
        records.into_iter().map(Task::try_from).collect()
    }

    /// One page of the tasks assigned to a body that the region's figures count for it in a
    /// period (dispatched then, not cancelled), only the overdue ones when `overdue_only`;
    /// earliest due first. The predicates are the figures' own ([`super::figures`]).
    pub async fn tasks_of_body(
        &self,
        of: BodyPeriod<'_>,
        overdue_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Task>, DbError> {
        let overdue = if overdue_only {
            format!("and {}", task_overdue("$6"))
        } else {
            String::new()
        };
        let sql = format!(
            "select {TASK_COLUMNS} from tasks t
             where t.assignee_org_id = $1 and {in_period} {overdue}
             order by t.due_at, t.id limit $4 offset $5",
            in_period = task_in_period("$2", "$3"),
        );
        let records: Vec<TaskRecord> = on_reader!(self, |conn| {
            let query = sqlx::query_as(&sql)
                .bind(of.org_id)
                .bind(of.from_ms)
                .bind(of.to_ms)
                .bind(limit.max(0))
                .bind(offset.max(0));
            if overdue_only {
                query.bind(of.now).fetch_all(&mut *conn).await?
            } else {
                query.fetch_all(&mut *conn).await?
            }
        });
        records.into_iter().map(Task::try_from).collect()
    }

    /// The tasks set from `source` naming `source_ref` (a group's tasks: `investigation` and
    /// its id), oldest first.
    pub async fn tasks_from_source(
        &self,
        source: TaskSource,
        source_ref: &str,
    ) -> Result<Vec<Task>, DbError> {
        let records: Vec<TaskRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {TASK_COLUMNS} from tasks where source = $1 and source_ref = $2
                 order by created_at, id"
            ))
            .bind(source.as_str())
            .bind(source_ref)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(Task::try_from).collect()
    }

    /// Stores a file as evidence of a task: the bytes once per content (SHA-256), the
    /// attachment row, its history line and the effects, in one transaction.
    pub async fn add_task_attachment(
        &self,
        new: &NewAttachment,
        bytes: &[u8],
        entry: &HistoryEntry,
        effects: &Effects,
    ) -> Result<Attachment, DbError> {
        let mail = self.mail_delivery;
        let now = entry.stamp.at;
        let attachment = Attachment {
            id: new_id(),
            task_id: new.task_id.clone(),
            name: new.name.clone(),
            content_type: new.content_type.clone(),
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(Sha256::digest(bytes)),
            uploaded_by: new.uploaded_by.clone(),
            uploaded_org_id: new.uploaded_org_id.clone(),
            at: now,
        };
        in_transaction!(self, |conn| {
            conn.lock_task(&new.task_id).await?;
            sqlx::query(
                "insert into blobs (sha256, size, data, created_at) values ($1, $2, $3, $4)
                 on conflict (sha256) do nothing",
            )
            .bind(&attachment.sha256)
            .bind(attachment.size)
            .bind(bytes)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "insert into task_attachments (id, task_id, name, content_type, size, sha256,
                     uploaded_by, uploaded_org_id, at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&attachment.id)
            .bind(&attachment.task_id)
            .bind(&attachment.name)
            .bind(&attachment.content_type)
            .bind(attachment.size)
            .bind(&attachment.sha256)
            .bind(&attachment.uploaded_by)
            .bind(attachment.uploaded_org_id.as_deref())
            .bind(attachment.at)
            .execute(&mut *conn)
            .await?;
            conn.append_entry(&new.task_id, entry).await?;
            conn.apply_effects(now, effects, mail).await?;
            Ok(attachment.clone())
        })
    }

    /// A task's attachments, oldest first, without their bytes.
    pub async fn task_attachments(&self, task_id: &str) -> Result<Vec<Attachment>, DbError> {
        let records: Vec<AttachmentRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {ATTACHMENT_COLUMNS} from task_attachments a
                 where a.task_id = $1 order by a.at, a.id"
            ))
            .bind(task_id)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(records.into_iter().map(Attachment::from).collect())
    }

    /// One attachment of a task with its bytes; `None` when the task has no such attachment.
    pub async fn task_attachment(
        &self,
        task_id: &str,
        id: &str,
    ) -> Result<Option<(Attachment, Vec<u8>)>, DbError> {
        let found: Option<(AttachmentRecord, Vec<u8>)> = on_reader!(self, |conn| {
            let record: Option<AttachmentRecord> = sqlx::query_as(&format!(
                "select {ATTACHMENT_COLUMNS} from task_attachments a
                 where a.task_id = $1 and a.id = $2"
            ))
            .bind(task_id)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
            match record {
                None => None,
                Some(record) => {
                    let (data,): (Vec<u8>,) =
                        sqlx::query_as("select data from blobs where sha256 = $1")
                            .bind(&record.sha256)
                            .fetch_one(&mut *conn)
                            .await?;
                    Some((record, data))
                }
            }
        });
        Ok(found.map(|(record, data)| (Attachment::from(record), data)))
    }

    /// Records an extension request (延期申请). Refused while another one of the task is
    /// pending.
    #[allow(clippy::too_many_arguments)]
    pub async fn request_extension(
        &self,
        task_id: &str,
        requested_by: &str,
        new_due_at: i64,
        reason: &str,
        entry: &HistoryEntry,
        effects: &Effects,
    ) -> Result<Extension, DbError> {
        let mail = self.mail_delivery;
        let now = entry.stamp.at;
        let extension = Extension {
            id: new_id(),
            task_id: task_id.to_owned(),
            requested_by: requested_by.to_owned(),
            requested_at: now,
            new_due_at,
            reason: reason.to_owned(),
            state: ExtensionState::Pending,
            decided_by: None,
            decided_at: None,
            decision_note: None,
        };
        in_transaction!(self, |conn| {
            conn.lock_task(task_id).await?;
            let pending: Option<(String,)> = sqlx::query_as(
                "select id from task_extensions where task_id = $1 and state = 'pending'",
            )
            .bind(task_id)
            .fetch_optional(&mut *conn)
            .await?;
            if pending.is_some() {
                return Err(rule(
                    "an extension request of this task is already waiting for a decision",
                ));
            }
            sqlx::query(
                "insert into task_extensions (id, task_id, requested_by, requested_at,
                     new_due_at, reason, state)
                 values ($1, $2, $3, $4, $5, $6, 'pending')",
            )
            .bind(&extension.id)
            .bind(task_id)
            .bind(requested_by)
            .bind(now)
            .bind(new_due_at)
            .bind(reason)
            .execute(&mut *conn)
            .await?;
            conn.append_entry(task_id, entry).await?;
            conn.apply_effects(now, effects, mail).await?;
            Ok(extension.clone())
        })
    }

    /// Grant: sets the task's due_at = new_due_at, bumps revision. Refuse: only the request.
    /// Refused when the request is not pending.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_extension(
        &self,
        task_id: &str,
        extension_id: &str,
        grant: bool,
        decided_by: &str,
        note: Option<&str>,
        entry: &HistoryEntry,
        effects: &Effects,
    ) -> Result<(Extension, Task), DbError> {
        let mail = self.mail_delivery;
        let now = entry.stamp.at;
        let state = if grant {
            ExtensionState::Granted
        } else {
            ExtensionState::Refused
        };
        in_transaction!(self, |conn| {
            conn.lock_task(task_id).await?;
            let decided = sqlx::query(
                "update task_extensions set state = $3, decided_by = $4, decided_at = $5,
                     decision_note = $6
                 where id = $1 and task_id = $2 and state = 'pending'",
            )
            .bind(extension_id)
            .bind(task_id)
            .bind(state.as_str())
            .bind(decided_by)
            .bind(now)
            .bind(note)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            let record: Option<ExtensionRecord> = sqlx::query_as(&format!(
                "select {EXTENSION_COLUMNS} from task_extensions where id = $1 and task_id = $2"
            ))
            .bind(extension_id)
            .bind(task_id)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(record) = record else {
                return Err(not_found(&crate::domain::phrases::NO_SUCH_EXTENSION));
            };
            if decided == 0 {
                return Err(rule(&crate::domain::phrases::EXTENSION_DECIDED));
            }
            let extension = Extension::try_from(record)?;
            if grant {
                sqlx::query(
                    "update tasks set due_at = $2, revision = revision + 1, updated_at = $3
                     where id = $1",
                )
                .bind(task_id)
                .bind(extension.new_due_at)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            }
            conn.append_entry(task_id, entry).await?;
            let task = conn.task_by_id(task_id).await?.ok_or_else(no_task)?;
            conn.apply_effects(now, effects, mail).await?;
            Ok((extension, task))
        })
    }

    /// A task's extension requests, oldest first.
    pub async fn task_extensions(&self, task_id: &str) -> Result<Vec<Extension>, DbError> {
        let records: Vec<ExtensionRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {EXTENSION_COLUMNS} from task_extensions
                 where task_id = $1 order by requested_at, id"
            ))
            .bind(task_id)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(Extension::try_from).collect()
    }

    /// Users with role admin, not disabled, of an org (escalation targets).
    pub async fn org_admin_ids(&self, org_id: &str) -> Result<Vec<String>, DbError> {
        let ids: Vec<(String,)> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select id from users
                 where org_id = $1 and org_role = 'admin' and disabled = $2 order by id",
            )
            .bind(org_id)
            .bind(false)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }
}
