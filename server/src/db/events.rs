//! The event stream, and the side effects that every write of tasks and notices carries with
//! it ([`Effects`]).
//!
//! # Why effects ride in the write's transaction
//!
//! A task transition, the event that tells the other body, the reminders it schedules or
//! cancels and its audit row must all happen or none: an event for a transition that rolled
//! back, or a transition whose reminder was never scheduled, is exactly the forgotten deadline
//! this machinery exists to prevent. So every write takes an [`Effects`] and applies it
//! (`EffectQueries::apply_effects`) as the last statements of its own transaction.
//!
//! # Why seq is last + 1 under a lock
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
//! This module must never put a secret into an event's payload (callers build the payloads) and
//! never hand a raw row to a caller.

use serde_json::json;

use super::audit::AuditQueries;
use super::identity::{
    impl_for_both_engines, in_transaction, lock_keys, on_reader, AuditEvent, Exclusive,
};
use super::jobs::{JobQueries, NewJob};
use super::notices::{NewNotice, NoticeQueries};
use super::tasks::{HistoryEntry, NewTask, TaskQueries};
use super::{Db, DbError};

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

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// 1, 2, 3, ... without gaps, in commit order.
    pub seq: i64,
    pub at: i64,
    pub audience: Audience,
    pub kind: String,
    pub subject: String,
    pub payload: serde_json::Value,
}

/// What a write does besides its own rows, in the same transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    /// Tasks the write sets, each with its first history line, inserted first: a task that
    /// something else causes (an agreed item of signed minutes) exists exactly when that
    /// cause is committed. Built by `work::tasks::plan_task`.
    pub tasks: Vec<(NewTask, HistoryEntry)>,
    /// Notices the write sends (version 1 of a new series each), inserted after the tasks:
    /// a meeting's notice goes out exactly when the meeting is scheduled. Built by
    /// `work::notices::plan_notice`.
    pub notices: Vec<NewNotice>,
    pub events: Vec<NewEvent>,
    pub jobs: Vec<NewJob>,
    /// Pending jobs of these subjects are cancelled (before `jobs` are inserted).
    pub cancel_jobs_of: Vec<String>,
    /// Lines appended to tasks' histories (task id, line): what a reminder job records, so
    /// that the line, its events and the job's completion commit together or not at all.
    pub task_entries: Vec<(String, HistoryEntry)>,
    /// Appended last (audit must be the last statement: it takes the chain lock).
    pub audit: Vec<AuditEvent>,
}

impl Effects {
    /// Adds everything `other` does after what `self` does, keeping each list's order, so
    /// that one write can carry the effects of several plans (a meeting change and the
    /// notices it sends).
    pub fn merge(&mut self, other: Effects) {
        let Effects {
            tasks,
            notices,
            events,
            jobs,
            cancel_jobs_of,
            task_entries,
            audit,
        } = other;
        self.tasks.extend(tasks);
        self.notices.extend(notices);
        self.events.extend(events);
        self.jobs.extend(jobs);
        self.cancel_jobs_of.extend(cancel_jobs_of);
        self.task_entries.extend(task_entries);
        self.audit.extend(audit);
    }
}

/// How many times a webhook call is tried before it is given up.
const WEBHOOK_MAX_ATTEMPTS: i32 = 8;

/// How many times an e-mail is tried before it is given up.
const EMAIL_MAX_ATTEMPTS: i32 = 5;

/// An event as stored, before its audience and payload are parsed.
#[derive(sqlx::FromRow)]
struct EventRecord {
    seq: i64,
    at: i64,
    org_id: Option<String>,
    user_id: Option<String>,
    kind: String,
    subject: String,
    payload: String,
}

impl TryFrom<EventRecord> for Event {
    type Error = DbError;
    fn try_from(r: EventRecord) -> Result<Event, DbError> {
        let audience = match (r.org_id, r.user_id) {
            (Some(org), None) => Audience::Org(org),
            (None, Some(user)) => Audience::User(user),
            _ => {
                return Err(corrupt_text(format!(
                    "event {} has no single audience",
                    r.seq
                )))
            }
        };
        Ok(Event {
            seq: r.seq,
            at: r.at,
            audience,
            kind: r.kind,
            subject: r.subject,
            payload: parse_json(&r.payload)?,
        })
    }
}

const EVENT_COLUMNS: &str = "seq, at, org_id, user_id, kind, subject, payload";

/// Stored JSON that no longer parses: corrupt data or a row edited by hand.
pub(super) fn parse_json(stored: &str) -> Result<serde_json::Value, DbError> {
    serde_json::from_str(stored).map_err(|err| DbError::Other(sqlx::Error::Decode(Box::new(err))))
}

/// Stored data that breaks an invariant the schema cannot express.
pub(super) fn corrupt_text(message: String) -> DbError {
    DbError::Other(sqlx::Error::Decode(message.into()))
}

/// Applying [`Effects`] inside the caller's transaction.
pub(super) trait EffectQueries {
    /// Inserts the tasks and sends the notices, then cancels, schedules, appends the history
    /// lines, the events (and their webhook and e-mail jobs) and the audit rows, in that
    /// order. Returns the seqs given to `effects.events`, in order.
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
        for (task, entry) in &effects.tasks {
            self.insert_task(task, entry).await?;
        }
        for notice in &effects.notices {
            self.insert_notice(notice, now).await?;
        }
        for subject in &effects.cancel_jobs_of {
            self.cancel_pending_jobs(subject, now).await?;
        }
        self.insert_jobs(&effects.jobs, now).await?;
        for (task_id, entry) in &effects.task_entries {
            self.append_entry(task_id, entry).await?;
        }

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

/// Events addressed to one user or to one body: a union of two index range scans (one per
/// audience column), each already in seq order, rather than an `or` no index answers.
fn audience_query(direction: &str, bound: &str) -> String {
    format!(
        "select {EVENT_COLUMNS} from (
             select {EVENT_COLUMNS} from events where user_id = $1 and seq {bound} $3
             order by seq {direction} limit $4
         ) as to_user
         union all
         select {EVENT_COLUMNS} from (
             select {EVENT_COLUMNS} from events where org_id = $2 and seq {bound} $3
             order by seq {direction} limit $4
         ) as to_org
         order by seq {direction} limit $4"
    )
}

impl Db {
    /// Appends events on their own (with their webhook and e-mail jobs), returning their seqs.
    pub async fn append_events(&self, now: i64, events: &[NewEvent]) -> Result<Vec<i64>, DbError> {
        let effects = Effects {
            events: events.to_vec(),
            ..Effects::default()
        };
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| conn.apply_effects(now, &effects, mail).await)
    }

    /// Events addressed to `user_id` or to `org_id`, seq > after, ascending, at most limit.
    pub async fn events_for(
        &self,
        user_id: &str,
        org_id: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Event>, DbError> {
        let sql = audience_query("asc", ">");
        let records: Vec<EventRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(user_id)
                .bind(org_id)
                .bind(after)
                .bind(limit.max(0))
                .fetch_all(&mut *conn)
                .await?
        });
        records.into_iter().map(Event::try_from).collect()
    }

    /// The inbox: the same audience, seq < before (None: newest), descending, at most limit.
    pub async fn inbox(
        &self,
        user_id: &str,
        org_id: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Event>, DbError> {
        let sql = audience_query("desc", "<");
        let records: Vec<EventRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(user_id)
                .bind(org_id)
                .bind(before.unwrap_or(i64::MAX))
                .bind(limit.max(0))
                .fetch_all(&mut *conn)
                .await?
        });
        records.into_iter().map(Event::try_from).collect()
    }

    /// Every event with seq > after, ascending (the live pump).
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<Event>, DbError> {
        let records: Vec<EventRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {EVENT_COLUMNS} from events where seq > $1 order by seq limit $2"
            ))
            .bind(after)
            .bind(limit.max(0))
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(Event::try_from).collect()
    }

    pub async fn event(&self, seq: i64) -> Result<Option<Event>, DbError> {
        let record: Option<EventRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {EVENT_COLUMNS} from events where seq = $1"
            ))
            .bind(seq)
            .fetch_optional(&mut *conn)
            .await?
        });
        record.map(Event::try_from).transpose()
    }

    /// The newest seq; 0 when there is no event yet.
    pub async fn last_event_seq(&self) -> Result<i64, DbError> {
        let (last,): (i64,) = on_reader!(self, |conn| {
            sqlx::query_as("select coalesce(max(seq), 0) from events")
                .fetch_one(&mut *conn)
                .await?
        });
        Ok(last)
    }
}
