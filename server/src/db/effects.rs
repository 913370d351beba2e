//! [`Effects`]: what a write does besides its own rows, applied in the write's own
//! transaction: rows of other workflows it causes, the events it appends (each with its
//! webhook and e-mail jobs), the jobs it schedules or cancels, and its audit rows.
//!
//! # Why effects ride in the write's transaction
//!
//! A task transition, the event that tells the other body, the reminders it schedules or
//! cancels and its audit row must all happen or none: an event for a transition that rolled
//! back, or a transition whose reminder was never scheduled, is exactly the forgotten deadline
//! this machinery exists to prevent. So every write takes an [`Effects`] and applies it
//! (`EffectQueries::apply_effects`) as the last statements of its own transaction.
//!
//! # Why event seq is last + 1 under a lock
//!
//! The stream is read by position: the inbox pages by seq, a browser resumes with
//! `Last-Event-ID` and the live pump reads "everything after the last seq it saw". That only
//! works if events become visible in seq order with no gaps. A sequence would hand out numbers
//! at insert time, and a transaction holding seq 7 could commit after one holding seq 8, so a
//! reader that saw 8 would skip 7 forever. Instead the append takes a transaction advisory lock
//! on PostgreSQL (on SQLite, the one writer connection already is one) and numbers events
//! last + 1; the lock is held to the commit, so events commit in seq order, and a rolled-back
//! write leaves no gap.
//!
//! An event to a body also schedules one `webhook` job per active webhook of that body and,
//! when the handle has mail delivery on and the body has a mailbox, one `email` job.
//!
//! This module knows no workflow's tables: other workflows' rows arrive as [`Consequence`]s.
//! It must never put a secret into an event's payload (callers build the payloads).

use std::fmt;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::json;
use sqlx::{PgConnection, SqliteConnection};

use super::audit::AuditQueries;
use super::common::{impl_for_both_engines, lock_keys, new_id, Exclusive};
use super::identity::AuditEvent;
use super::DbError;

/// Who an event is addressed to: a body (every member sees it) or one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// An organization id.
    Org(String),
    /// A user id.
    User(String),
}

/// An event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub audience: Audience,
    /// `task.dispatched`, `notice.received`, ... (the spec's list of event kinds).
    pub kind: String,
    /// `task:<id>` or `notice:<id>`.
    pub subject: String,
    /// Always includes a `title` and the ids needed to link. Never a secret.
    pub payload: serde_json::Value,
}

/// A job to schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// `task_warn`, `task_overdue`, `task_escalate`, `notice_remind`, `notice_escalate`,
    /// `notice_reply_due`, `webhook`, `email`.
    pub kind: String,
    /// `task:<id>`, `notice:<id>`, `webhook:<id>`, `org:<id>`: what a cancellation names.
    pub subject: String,
    pub payload: serde_json::Value,
    pub due_at: i64,
    pub max_attempts: i32,
    /// Scheduling a job with the key of one that exists schedules nothing (unless that one was
    /// cancelled: then it is scheduled again, as new).
    pub dedupe_key: Option<String>,
}

/// What a write does besides its own rows, in the same transaction.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    /// Rows of other workflows the write inserts, in order: the tasks signed minutes set,
    /// the notice a meeting sends, a reminder's line in a task's history. Each is inserted
    /// before anything else the effects do, so a task or notice caused by a change exists
    /// exactly when the change is committed. Each workflow's module implements
    /// [`Consequence`] for its own rows (`Effects::set_task`, `Effects::send_notice`), so this
    /// module knows none of them.
    pub rows: Vec<Arc<dyn Consequence>>,
    pub events: Vec<NewEvent>,
    pub jobs: Vec<NewJob>,
    /// Pending jobs of these subjects are cancelled (before `jobs` are inserted).
    pub cancel_jobs_of: Vec<String>,
    /// Appended last (audit must be the last statement: it takes the chain lock).
    pub audit: Vec<AuditEvent>,
}

impl Effects {
    /// Adds everything `other` does after what `self` does, keeping each list's order, so
    /// that one write can carry the effects of several plans (a meeting change and the
    /// notices it sends).
    pub fn merge(&mut self, other: Effects) {
        let Effects {
            rows,
            events,
            jobs,
            cancel_jobs_of,
            audit,
        } = other;
        self.rows.extend(rows);
        self.events.extend(events);
        self.jobs.extend(jobs);
        self.cancel_jobs_of.extend(cancel_jobs_of);
        self.audit.extend(audit);
    }

    /// Inserts `row` (a task, a notice, a history line) in the write, before the rest.
    pub fn insert(&mut self, row: impl Consequence + 'static) {
        self.rows.push(Arc::new(row));
    }
}

/// The connection of the write's transaction, whichever the engine, for a [`Consequence`].
pub enum Tx<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl<'c> From<&'c mut SqliteConnection> for Tx<'c> {
    fn from(conn: &'c mut SqliteConnection) -> Self {
        Tx::Sqlite(conn)
    }
}

impl<'c> From<&'c mut PgConnection> for Tx<'c> {
    fn from(conn: &'c mut PgConnection) -> Self {
        Tx::Postgres(conn)
    }
}

/// A row of some workflow that another write inserts as a consequence of its own change.
///
/// Implemented by each workflow's module for its own new rows (a task with its first history
/// line, a notice, a history line), so that effects can carry them without this module
/// knowing their tables: a new workflow adds consequences without touching it.
pub trait Consequence: fmt::Debug + Send + Sync {
    /// Inserts the row inside the write's transaction; `now` is the write's time.
    fn insert<'a>(&'a self, tx: Tx<'a>, now: i64) -> BoxFuture<'a, Result<(), DbError>>;
}

/// How many times a webhook call is tried before it is given up.
const WEBHOOK_MAX_ATTEMPTS: i32 = 8;

/// How many times an e-mail is tried before it is given up.
const EMAIL_MAX_ATTEMPTS: i32 = 5;

/// Applying [`Effects`] inside the caller's transaction.
pub(crate) trait EffectQueries {
    /// Inserts the rows (tasks, notices, history lines), then cancels, schedules, appends the
    /// events (and their webhook and e-mail jobs) and the audit rows, in that order. Returns
    /// the seqs given to `effects.events`, in order.
    async fn apply_effects(
        &mut self,
        now: i64,
        effects: &Effects,
        mail_delivery: bool,
    ) -> Result<Vec<i64>, DbError>;
}

impl_for_both_engines!(EffectQueries {
    async fn apply_effects(
        &mut self,
        now: i64,
        effects: &Effects,
        mail_delivery: bool,
    ) -> Result<Vec<i64>, DbError> {
        for row in &effects.rows {
            row.insert(Tx::from(&mut *self), now).await?;
        }
        for subject in &effects.cancel_jobs_of {
            self.cancel_pending_jobs(subject, now).await?;
        }
        self.insert_jobs(&effects.jobs, now).await?;

        let mut seqs = Vec::with_capacity(effects.events.len());
        if !effects.events.is_empty() {
            self.exclusive(lock_keys::EVENTS).await?;
            let (last,): (i64,) = sqlx::query_as("select coalesce(max(seq), 0) from events")
                .fetch_one(&mut *self)
                .await?;
            let mut seq = last;
            for event in &effects.events {
                seq += 1;
                let (org_id, user_id) = match &event.audience {
                    Audience::Org(org) => (Some(org.as_str()), None),
                    Audience::User(user) => (None, Some(user.as_str())),
                };
                sqlx::query(
                    "insert into events (seq, at, org_id, user_id, kind, subject, payload)
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(seq)
                .bind(now)
                .bind(org_id)
                .bind(user_id)
                .bind(&event.kind)
                .bind(&event.subject)
                .bind(event.payload.to_string())
                .execute(&mut *self)
                .await?;
                seqs.push(seq);
                if let Some(org_id) = org_id {
                    let deliveries = self
                        .deliveries_for_org(org_id, seq, now, mail_delivery)
                        .await?;
                    self.insert_jobs(&deliveries, now).await?;
                }
            }
        }

        self.append_audits(&effects.audit).await?;
        Ok(seqs)
    }
});

/// The jobs that carry one event to a body's webhooks and mailbox.
trait DeliveryQueries {
    async fn deliveries_for_org(
        &mut self,
        org_id: &str,
        seq: i64,
        now: i64,
        mail_delivery: bool,
    ) -> Result<Vec<NewJob>, DbError>;
}

impl_for_both_engines!(DeliveryQueries {
    async fn deliveries_for_org(
        &mut self,
        org_id: &str,
        seq: i64,
        now: i64,
        mail_delivery: bool,
    ) -> Result<Vec<NewJob>, DbError> {
        let hooks: Vec<(String,)> = sqlx::query_as(
            "select id from webhooks where org_id = $1 and active = $2 order by created_at, id",
        )
        .bind(org_id)
        .bind(true)
        .fetch_all(&mut *self)
        .await?;
        let mut jobs: Vec<NewJob> = hooks
            .into_iter()
            .map(|(webhook_id,)| NewJob {
                kind: "webhook".into(),
                subject: format!("webhook:{webhook_id}"),
                dedupe_key: Some(format!("webhook:{webhook_id}:{seq}")),
                payload: json!({ "webhook_id": webhook_id, "event_seq": seq }),
                due_at: now,
                max_attempts: WEBHOOK_MAX_ATTEMPTS,
            })
            .collect();
        if mail_delivery {
            let mailbox: Option<(String,)> =
                sqlx::query_as("select email from org_mailboxes where org_id = $1")
                    .bind(org_id)
                    .fetch_optional(&mut *self)
                    .await?;
            if let Some((to,)) = mailbox {
                jobs.push(NewJob {
                    kind: "email".into(),
                    subject: format!("org:{org_id}"),
                    dedupe_key: Some(format!("email:{org_id}:{seq}")),
                    payload: json!({ "event_seq": seq, "to": to }),
                    due_at: now,
                    max_attempts: EMAIL_MAX_ATTEMPTS,
                });
            }
        }
        Ok(jobs)
    }
});

/// The job queries other writes share.
pub(crate) trait JobQueries {
    /// Cancels the pending jobs of `subject`.
    async fn cancel_pending_jobs(&mut self, subject: &str, now: i64) -> Result<(), DbError>;
    /// Inserts `jobs` as pending, skipping any whose dedupe key exists (reviving it when it
    /// was cancelled).
    async fn insert_jobs(&mut self, jobs: &[NewJob], now: i64) -> Result<(), DbError>;
}

impl_for_both_engines!(JobQueries {
    async fn cancel_pending_jobs(&mut self, subject: &str, now: i64) -> Result<(), DbError> {
        sqlx::query(
            "update jobs set state = 'cancelled', finished_at = $2
             where subject = $1 and state = 'pending'",
        )
        .bind(subject)
        .bind(now)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn insert_jobs(&mut self, jobs: &[NewJob], now: i64) -> Result<(), DbError> {
        for job in jobs {
            // A cancelled job with the same key is scheduled again: a deadline that moved away
            // and back (a refused extension, a reassignment) must remind again.
            sqlx::query(
                "insert into jobs (id, kind, subject, payload, due_at, state, attempts,
                                   max_attempts, dedupe_key, created_at)
                 values ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $8)
                 on conflict (dedupe_key) do update set
                     kind = excluded.kind, subject = excluded.subject,
                     payload = excluded.payload, due_at = excluded.due_at, state = 'pending',
                     attempts = 0, max_attempts = excluded.max_attempts, lease_owner = null,
                     lease_until = null, last_error = null, finished_at = null
                 where jobs.state = 'cancelled'",
            )
            .bind(new_id())
            .bind(&job.kind)
            .bind(&job.subject)
            .bind(job.payload.to_string())
            .bind(job.due_at)
            .bind(job.max_attempts.max(1))
            .bind(job.dedupe_key.as_deref())
            .bind(now)
            .execute(&mut *self)
            .await?;
        }
        Ok(())
    }
});
