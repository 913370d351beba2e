//! [`Worker`]: claims due jobs under a lease, runs each by its kind, and records what it
//! caused together with its completion (see the module docs of [`crate::jobs`]).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;

use super::outcome::Failure;
use super::{
    disputes, mail, meetings, notices, referrals, supervision_docs, tasks, webhook, Mailer,
};
use crate::config::WorkArgs;
use crate::db::{new_id, Effects, Job};
use crate::services::Services;
use crate::work::schedule::kind;

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

/// The outgoing clients the worker sends with, built once at start.
pub struct Senders {
    /// Webhook calls: no redirects followed (a receiver must answer itself), a timeout.
    http: reqwest::Client,
    /// `None` when no `--smtp-url` is configured.
    mailer: Option<Mailer>,
}

impl Senders {
    pub fn new(work: &WorkArgs, mailer: Option<Mailer>) -> anyhow::Result<Senders> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(work.webhook_timeout_secs.max(1)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("concord/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the webhook HTTP client")?;
        Ok(Senders { http, mailer })
    }
}

/// Runs due jobs. Cheap to clone; each worker claims under its own owner id.
#[derive(Clone)]
pub struct Worker {
    services: Services,
    senders: Arc<Senders>,
    /// Names this worker in `jobs.lease_owner`: unique per worker, so a finish or failure
    /// from a worker whose lease was taken over is refused.
    owner: Arc<str>,
}

impl Worker {
    pub fn new(services: Services, senders: Arc<Senders>) -> Worker {
        Worker {
            services,
            senders,
            owner: format!("worker:{}", new_id()).into(),
        }
    }

    /// Claims and runs every job due by the clock now, including those that the jobs run here
    /// schedule for now (a reminder's webhook calls); returns how many ran.
    pub async fn run_due(&self) -> anyhow::Result<usize> {
        let mut ran = 0;
        loop {
            let now = self.services.clock.now_ms();
            let jobs = self
                .services
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
                self.services.events.wake();
            }
        }
    }

    /// Records the successes of a batch in one transaction; if that fails, one by one, so
    /// that a job whose effects cannot be written fails alone. True when events were written.
    async fn finish_all(&self, succeeded: &[(Job, Effects)]) -> bool {
        if succeeded.is_empty() {
            return false;
        }
        let now = self.services.clock.now_ms();
        let batch: Vec<(&str, &Effects)> = succeeded
            .iter()
            .map(|(job, done)| (job.id.as_str(), done))
            .collect();
        let held = match self.services.db.finish_jobs(&self.owner, now, &batch).await {
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
        let now = self.services.clock.now_ms();
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
            .services
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
        let now = self.services.clock.now_ms();
        self.services
            .db
            .finish_job(&job.id, &self.owner, now, effects)
            .await
    }

    async fn handle(&self, job: &Job) -> Result<Effects, Failure> {
        match job.kind.as_str() {
            kind::TASK_WARN | kind::TASK_OVERDUE | kind::TASK_ESCALATE => {
                tasks::run(&self.services, job).await
            }
            kind::NOTICE_REMIND | kind::NOTICE_ESCALATE | kind::NOTICE_REPLY_DUE => {
                notices::run(&self.services, job).await
            }
            kind::MEETING_REPLY_DUE
            | kind::MEETING_REPLY_ESCALATE
            | kind::MEETING_STARTS_SOON
            | kind::MEETING_MINUTES_DUE => meetings::run(&self.services, job).await,
            kind::DISPUTE_WARN | kind::DISPUTE_OVERDUE | kind::DISPUTE_ESCALATE => {
                disputes::run(&self.services, job).await
            }
            kind::REFERRAL_WARN | kind::REFERRAL_OVERDUE | kind::REFERRAL_ESCALATE => {
                referrals::run(&self.services, job).await
            }
            kind::SUPERVISION_WARN | kind::SUPERVISION_OVERDUE | kind::SUPERVISION_ESCALATE => {
                supervision_docs::run(&self.services, job).await
            }
            kind::ANNUAL_REPORT_REMIND
            | kind::ANNUAL_REPORT_OVERDUE
            | kind::ANNUAL_REPORT_ESCALATE => super::filings::run(&self.services, job).await,
            kind::WEBHOOK => {
                webhook::deliver(&self.services, &self.senders().http, job).await?;
                Ok(Effects::default())
            }
            kind::EMAIL => {
                mail::deliver(&self.services, self.senders().mailer.as_ref(), job).await?;
                Ok(Effects::default())
            }
            other => Err(Failure::permanent(format!("unknown job kind {other:?}"))),
        }
    }

    fn senders(&self) -> &Senders {
        &self.senders
    }
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
            () = worker.services.jobs.woken() => {}
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
