//! Durable timers and their worker: reminders, escalations, webhook calls and e-mails.
//!
//! A job is a row (`db::jobs`): it survives a restart and is shared by every node on the same
//! database. The [`Worker`] claims due rows under a lease (`Db::claim_jobs`), runs each by its
//! kind, and marks it done together with what it caused (`Db::finish_job`, one transaction,
//! only while the lease holds), or records a failed attempt with a retry time (`Db::fail_job`).
//! So a job runs once however many nodes poll, and a node that dies mid-job leaves it to the
//! next one after the lease runs out.
//!
//! What this module must never do: run a job before its `due_at` by the [`Clock`]; decide a
//! task or notice transition (that is `domain`, called by `work`); read time from the system
//! instead of the state's clock; log a webhook secret or an e-mail body.
//!
//! # Layout
//!
//! - here: [`Worker`] (claim, run, finish), [`JobRunnerHandle`] (wake it, and what it sends
//!   with), the handlers of the task and notice jobs.
//! - [`schedule`]: the jobs a task, a notice or a meeting needs (`for_task`, `for_notice`,
//!   `for_meeting`, `for_ended_meeting`).
//! - `meetings.rs`: the handlers of the meeting reminders.
//! - `events.rs`: [`EventHub`], the live fan-out of committed events to SSE streams.
//! - `webhook.rs`: signing and sending one webhook call.
//! - `mail.rs`: [`Mailer`], e-mail over SMTP.
//! - `calendar.rs`: [`CalendarCache`], the working-day calendar every deadline is counted in.

mod calendar;
mod events;
mod mail;
mod meetings;
pub mod schedule;
mod webhook;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::Notify;

pub use calendar::CalendarCache;
pub use events::{event_json, EventHub};
pub use mail::Mailer;
pub use webhook::signature;

use crate::config::WorkArgs;
use crate::db::{
    new_id, Audience, AuditEvent, Effects, HistoryEntry, HistoryEntryKind, Job, NewEvent, Stamp,
    Task,
};
use crate::domain::notice::{NoticeState, ReceiptState};
use crate::state::AppState;

/// The kinds of job, as stored in `jobs.kind`.
pub mod kind {
    /// 50 % / 75 % reminder of a task: `{"task_id", "due_at", "percent"}`.
    pub const TASK_WARN: &str = "task_warn";
    /// 催办, the first working morning after the due time: `{"task_id", "due_at"}`.
    pub const TASK_OVERDUE: &str = "task_overdue";
    /// 督办, five working mornings later: `{"task_id", "due_at"}`.
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
}

/// How long a claimed job is ours. Longer than any job takes (a webhook call times out after
/// `--webhook-timeout-secs`), so a lease runs out only when its node died or stalled.
pub const LEASE_MS: i64 = 60_000;

/// Jobs claimed per round trip.
const CLAIM_BATCH: i64 = 100;

/// Jobs of one batch run at once. They are independent (a webhook call waits on the network,
/// not on the others); the database serializes what must be.
const CONCURRENCY: usize = 32;

/// The longest wait between two attempts of a job.
const MAX_BACKOFF_MS: i64 = 3_600_000;

/// When attempt `attempt` (1 for the first) of a job of `kind` failed, how long until the next:
/// a webhook receiver gets 30 s·2^(n-1), anything else 10 s·2^(n-1), both at most an hour.
pub fn backoff_ms(kind: &str, attempt: i32) -> i64 {
    let base: i64 = if kind == kind::WEBHOOK {
        30_000
    } else {
        10_000
    };
    let doublings = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    base.saturating_mul(1_i64 << doublings).min(MAX_BACKOFF_MS)
}

/// What handlers and the worker loop share: a way to wake the worker early, and the clients
/// it sends with.
#[derive(Clone)]
pub struct JobRunnerHandle {
    wake: Arc<Notify>,
    senders: Arc<Senders>,
}

/// The outgoing clients, built once at start.
struct Senders {
    /// Webhook calls: no redirects followed (a receiver must answer itself), a timeout.
    http: reqwest::Client,
    /// `None` when no `--smtp-url` is configured.
    mailer: Option<Mailer>,
}

impl JobRunnerHandle {
    pub fn new(work: &WorkArgs, mailer: Option<Mailer>) -> anyhow::Result<JobRunnerHandle> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(work.webhook_timeout_secs.max(1)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("concord/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the webhook HTTP client")?;
        Ok(JobRunnerHandle {
            wake: Arc::new(Notify::new()),
            senders: Arc::new(Senders { http, mailer }),
        })
    }

    /// Tells the worker loop to look for due jobs now (a write just scheduled one).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves at the next [`JobRunnerHandle::wake`] (or at once if one is pending).
    pub async fn woken(&self) {
        self.wake.notified().await;
    }
}

/// Runs due jobs. Cheap to clone; each worker claims under its own owner id.
#[derive(Clone)]
pub struct Worker {
    state: AppState,
    /// Names this worker in `jobs.lease_owner`: unique per worker, so a finish or failure
    /// from a worker whose lease was taken over is refused.
    owner: Arc<str>,
}

/// A job that did not succeed: whether to try again (with backoff), and why.
#[derive(Debug)]
struct Failure {
    message: String,
    retry: bool,
}

impl Failure {
    fn retry(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            retry: true,
        }
    }

    fn permanent(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            retry: false,
        }
    }
}

impl From<crate::db::DbError> for Failure {
    fn from(err: crate::db::DbError) -> Failure {
        Failure::retry(err.to_string())
    }
}

impl Worker {
    pub fn new(state: AppState) -> Worker {
        Worker {
            state,
            owner: format!("worker:{}", new_id()).into(),
        }
    }

    /// Claims and runs every job due by the clock now, including those that the jobs run here
    /// schedule for now (a reminder's webhook calls); returns how many ran.
    pub async fn run_due(&self) -> anyhow::Result<usize> {
        let mut ran = 0;
        loop {
            let now = self.state.clock.now_ms();
            let jobs = self
                .state
                .db
                .claim_jobs(&self.owner, now, LEASE_MS, CLAIM_BATCH)
                .await
                .context("claiming due jobs")?;
            if jobs.is_empty() {
                return Ok(ran);
            }
            ran += jobs.len();
            // Run the batch's jobs side by side, then record every success in one commit:
            // on SQLite with FULL sync a commit is an fsync, the most expensive step.
            let outcomes: Vec<(Job, Result<Effects, Failure>)> = futures_util::stream::iter(jobs)
                .map(|job| async move {
                    let outcome = self.handle(&job).await;
                    (job, outcome)
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            let mut succeeded = Vec::new();
            for (job, outcome) in outcomes {
                match outcome {
                    Ok(done) => succeeded.push((job, done)),
                    Err(failure) => self.record_failure(&job, failure).await,
                }
            }
            if self.finish_all(&succeeded).await {
                self.state.events.wake();
            }
        }
    }

    /// Records the successes of a batch in one transaction; if that fails, one by one, so
    /// that a job whose effects cannot be written fails alone. True when events were written.
    async fn finish_all(&self, succeeded: &[(Job, Effects)]) -> bool {
        if succeeded.is_empty() {
            return false;
        }
        let now = self.state.clock.now_ms();
        let batch: Vec<(&str, &Effects)> = succeeded
            .iter()
            .map(|(job, done)| (job.id.as_str(), done))
            .collect();
        let held = match self.state.db.finish_jobs(&self.owner, now, &batch).await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(error = %e, "finishing a batch of jobs failed; finishing them one by one");
                let mut held = Vec::with_capacity(succeeded.len());
                for (job, done) in succeeded {
                    match self.finish(job, done).await {
                        Ok(h) => held.push(h),
                        Err(e) => {
                            let failure =
                                Failure::retry(format!("recording the result failed: {e}"));
                            self.record_failure(job, failure).await;
                            held.push(false);
                        }
                    }
                }
                held
            }
        };
        let mut wrote = false;
        for ((job, done), held) in succeeded.iter().zip(held) {
            if !held {
                tracing::warn!(job = %job.id, kind = %job.kind, "job finished after its lease was taken over");
            }
            wrote |= held && !done.events.is_empty();
        }
        wrote
    }

    /// Records a failed attempt: retried later with backoff, or failed for good.
    async fn record_failure(&self, job: &Job, failure: Failure) {
        let now = self.state.clock.now_ms();
        let retry_at = (failure.retry && job.attempts < job.max_attempts)
            .then(|| now + backoff_ms(&job.kind, job.attempts));
        tracing::info!(
            job = %job.id,
            kind = %job.kind,
            attempt = job.attempts,
            retry_at,
            error = %failure.message,
            "job attempt failed"
        );
        if let Err(e) = self
            .state
            .db
            .fail_job(&job.id, &self.owner, now, &failure.message, retry_at)
            .await
        {
            // The lease runs out and another round retries it.
            tracing::warn!(job = %job.id, error = %e, "could not record a failed job attempt");
        }
    }

    /// Marks a job done with what it caused, in one transaction; false when its lease was no
    /// longer ours (and then nothing it caused was written).
    async fn finish(&self, job: &Job, effects: &Effects) -> Result<bool, crate::db::DbError> {
        let now = self.state.clock.now_ms();
        self.state
            .db
            .finish_job(&job.id, &self.owner, now, effects)
            .await
    }

    async fn handle(&self, job: &Job) -> Result<Effects, Failure> {
        match job.kind.as_str() {
            kind::TASK_WARN | kind::TASK_OVERDUE | kind::TASK_ESCALATE => self.task_job(job).await,
            kind::NOTICE_REMIND | kind::NOTICE_ESCALATE | kind::NOTICE_REPLY_DUE => {
                self.notice_job(job).await
            }
            kind::MEETING_REPLY_DUE
            | kind::MEETING_REPLY_ESCALATE
            | kind::MEETING_STARTS_SOON
            | kind::MEETING_MINUTES_DUE => meetings::run(self, job).await,
            kind::WEBHOOK => {
                webhook::deliver(&self.state, &self.senders().http, job).await?;
                Ok(Effects::default())
            }
            kind::EMAIL => {
                mail::deliver(&self.state, self.senders().mailer.as_ref(), job).await?;
                Ok(Effects::default())
            }
            other => Err(Failure::permanent(format!("unknown job kind {other:?}"))),
        }
    }

    fn senders(&self) -> &Senders {
        &self.state.jobs.senders
    }

    /// The audit row of something the system did on its own.
    fn system_audit(&self, action: &str, target: String, job: &Job, detail: Value) -> AuditEvent {
        let mut detail = detail;
        detail["via"] = json!("job");
        detail["job_id"] = json!(job.id);
        AuditEvent {
            at: self.state.clock.now_ms(),
            actor_user_id: None,
            actor_org_id: None,
            action: action.to_owned(),
            target,
            detail,
            ip: None,
        }
    }

    /// A task reminder, overdue reminder (催办) or escalation (督办), if the task's clock still
    /// runs toward the same due time it was scheduled for.
    async fn task_job(&self, job: &Job) -> Result<Effects, Failure> {
        let task_id = str_field(&job.payload, "task_id")?;
        let due_at = job.payload["due_at"]
            .as_i64()
            .ok_or_else(|| Failure::permanent("the job has no due_at"))?;
        let db = &self.state.db;
        let Some(task) = db.task(task_id).await? else {
            return Ok(Effects::default());
        };
        if !task.state.clock_runs() || task.due_at != due_at {
            return Ok(Effects::default());
        }
        let now = self.state.clock.now_ms();
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
        effects
            .audit
            .push(self.system_audit(action, subject, job, detail.clone()));
        let entry = HistoryEntry {
            stamp: system_stamp(now),
            kind: entry_kind,
            command: None,
            from_state: None,
            to_state: None,
            body: None,
            detail,
        };
        effects.task_entries.push((task.id, entry));
        Ok(effects)
    }

    /// T1 reminder, T2 escalation or reply deadline of one notice version: one event per
    /// receiving body still owing what the notice asks, if the version is still the one sent.
    async fn notice_job(&self, job: &Job) -> Result<Effects, Failure> {
        let notice_id = str_field(&job.payload, "notice_id")?;
        let db = &self.state.db;
        let Some(notice) = db.notice(notice_id).await? else {
            return Ok(Effects::default());
        };
        if notice.state != NoticeState::Sent {
            return Ok(Effects::default());
        }
        let receipts = db.notice_receipts(notice_id).await?;
        let owing: Vec<String> = receipts
            .iter()
            .filter(|r| match job.kind.as_str() {
                kind::NOTICE_REPLY_DUE => {
                    notice.requires_reply
                        && !matches!(r.state, ReceiptState::Replied | ReceiptState::Closed)
                }
                _ => {
                    notice.requires_ack
                        && matches!(r.state, ReceiptState::Delivered | ReceiptState::Read)
                }
            })
            .map(|r| r.org_id.clone())
            .collect();
        if owing.is_empty() {
            return Ok(Effects::default());
        }
        let subject = format!("notice:{}", notice.id);
        let mut effects = Effects::default();
        let (action, event_kind) = match job.kind.as_str() {
            kind::NOTICE_REMIND => ("notice_reminded", "notice.reminder"),
            kind::NOTICE_ESCALATE => ("notice_escalated", "notice.escalated"),
            _ => ("notice_reply_overdue", "notice.reply_overdue"),
        };
        for org_id in &owing {
            let payload = json!({
                "notice_id": notice.id,
                "series_id": notice.series_id,
                "version": notice.version,
                "title": notice.title,
                "sender_org_id": notice.sender_org_id,
                "org_id": org_id,
                "reply_due_at": notice.reply_due_at,
            });
            let event = |audience| NewEvent {
                audience,
                kind: event_kind.into(),
                subject: subject.clone(),
                payload: payload.clone(),
            };
            if job.kind == kind::NOTICE_ESCALATE {
                for admin in db.org_admin_ids(org_id).await? {
                    effects.events.push(event(Audience::User(admin)));
                }
                effects
                    .events
                    .push(event(Audience::Org(notice.sender_org_id.clone())));
            } else {
                effects.events.push(event(Audience::Org(org_id.clone())));
            }
        }
        effects
            .audit
            .push(self.system_audit(action, subject, job, json!({ "orgs": owing })));
        Ok(effects)
    }
}

/// The system, as the author of a history line.
fn system_stamp(at: i64) -> Stamp {
    Stamp {
        at,
        user_id: None,
        name: Some("系统 / System".into()),
        org_id: None,
    }
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

fn str_field<'a>(payload: &'a Value, name: &str) -> Result<&'a str, Failure> {
    payload[name]
        .as_str()
        .ok_or_else(|| Failure::permanent(format!("the job has no {name}")))
}

/// The background loop of `App::run`: runs due jobs every `poll`, or at once when woken,
/// until `shutdown`.
pub async fn run_loop(
    worker: Worker,
    poll: Duration,
    shutdown: tokio_util::sync::CancellationToken,
) {
    loop {
        if let Err(e) = worker.run_due().await {
            tracing::warn!(error = %format!("{e:#}"), "running due jobs failed; trying again");
        }
        tokio::select! {
            () = worker.state.jobs.woken() => {}
            () = tokio::time::sleep(poll) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_retries_back_off_from_thirty_seconds_to_at_most_an_hour() {
        assert_eq!(backoff_ms(kind::WEBHOOK, 1), 30_000);
        assert_eq!(backoff_ms(kind::WEBHOOK, 2), 60_000);
        assert_eq!(backoff_ms(kind::WEBHOOK, 3), 120_000);
        assert_eq!(backoff_ms(kind::WEBHOOK, 8), 3_600_000);
        assert_eq!(backoff_ms(kind::WEBHOOK, 100), 3_600_000);
    }

    #[test]
    fn other_jobs_back_off_from_ten_seconds() {
        assert_eq!(backoff_ms(kind::EMAIL, 1), 10_000);
        assert_eq!(backoff_ms(kind::TASK_WARN, 4), 80_000);
        assert_eq!(backoff_ms(kind::EMAIL, 0), 10_000);
    }
}
