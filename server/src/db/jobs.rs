//! Durable jobs: reminders, escalations, webhook calls and e-mails that must run once, at
//! their time, whatever restarts or how many nodes share the database.
//!
//! # How a job runs exactly once
//!
//! A worker claims due jobs by giving each a lease (`lease_owner`, `lease_until`) in one
//! statement: on PostgreSQL `update … where id in (select … for update skip locked)`, so two
//! nodes claiming at once take disjoint rows without waiting on each other; on SQLite the same
//! statement on the one writer connection (and SQLite's file lock between processes) makes the
//! claim atomic. The worker then marks the job done *in the same transaction as the job's
//! effects*, and only while it still holds the lease ([`Db::finish_job`]). A worker that
//! stalled past its lease finds the job claimed by another and applies nothing, so the effects
//! happen once even though the job may have been started twice.
//!
//! A job is never claimed before `due_at`: the claim compares with the caller's clock, which
//! tests control. A job whose lease ran out after its last allowed attempt is marked failed
//! rather than claimed again.
//!
//! This module must never run a job itself (the worker in `crate::jobs` does) nor log a
//! payload, which may name a mailbox.

use super::common::{impl_for_both_engines, in_transaction, on_reader};
use super::common::{parse_json, RowLocks};
use super::effects::{EffectQueries, Effects, JobQueries, NewJob};
use super::{Db, DbError};

/// A stored job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub payload: serde_json::Value,
    pub due_at: i64,
    /// Claims so far, this one included.
    pub attempts: i32,
    pub max_attempts: i32,
    /// `pending`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
}

/// A job as stored, before its payload is parsed.
#[derive(sqlx::FromRow)]
struct JobRecord {
    id: String,
    kind: String,
    subject: String,
    payload: String,
    due_at: i64,
    attempts: i32,
    max_attempts: i32,
    state: String,
}

impl TryFrom<JobRecord> for Job {
    type Error = DbError;
    fn try_from(r: JobRecord) -> Result<Job, DbError> {
        Ok(Job {
            payload: parse_json(&r.payload)?,
            id: r.id,
            kind: r.kind,
            subject: r.subject,
            due_at: r.due_at,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            state: r.state,
        })
    }
}

const JOB_COLUMNS: &str = "id, kind, subject, payload, due_at, attempts, max_attempts, state";

/// Claiming due jobs, which differs between the engines only in whether rows are locked.
trait ClaimQueries {
    async fn claim(
        &mut self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<JobRecord>, DbError>;
}

impl_for_both_engines!(ClaimQueries {
    async fn claim(
        &mut self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<JobRecord>, DbError> {
        // A job whose worker vanished after its last allowed attempt is given up, not retried.
        sqlx::query(
            "update jobs set state = 'failed', finished_at = $1, lease_owner = null,
                 lease_until = null,
                 last_error = 'the worker running the last attempt stopped before finishing'
             where state = 'running' and lease_until < $1 and attempts >= max_attempts",
        )
        .bind(now)
        .execute(&mut *self)
        .await?;
        let skip_locked = self.skip_locked();
        let mut records: Vec<JobRecord> = sqlx::query_as(&format!(
            "update jobs set state = 'running', lease_owner = $1, lease_until = $3,
                 attempts = attempts + 1
             where id in (
                 select id from jobs
                 where state in ('pending', 'running') and due_at <= $2
                   and (state = 'pending' or lease_until < $2)
                 order by due_at, id
                 limit $4{skip_locked}
             )
             returning {JOB_COLUMNS}"
        ))
        .bind(owner)
        .bind(now)
        .bind(now.saturating_add(lease_ms))
        .bind(limit.max(0))
        .fetch_all(&mut *self)
        .await?;
        records.sort_by(|a, b| (a.due_at, &a.id).cmp(&(b.due_at, &b.id)));
        Ok(records)
    }
});

impl Db {
    /// Schedules jobs on their own (see [`NewJob::dedupe_key`]).
    pub async fn schedule_jobs(&self, jobs: &[NewJob], now: i64) -> Result<(), DbError> {
        in_transaction!(self, |conn| conn.insert_jobs(jobs, now).await)
    }

    /// Claims up to `limit` jobs with due_at <= now that are pending, or running with an
    /// expired lease; sets state running, lease_owner, lease_until = now + lease_ms,
    /// attempts + 1. PostgreSQL: `for update skip locked`. Oldest due first.
    pub async fn claim_jobs(
        &self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Job>, DbError> {
        let records = in_transaction!(self, |conn| conn.claim(owner, now, lease_ms, limit).await)?;
        records.into_iter().map(Job::try_from).collect()
    }

    /// Marks done and applies `effects` in one transaction, only if `owner` still holds the
    /// lease (state running, lease_owner = owner); Ok(false) and nothing applied otherwise.
    pub async fn finish_job(
        &self,
        job_id: &str,
        owner: &str,
        now: i64,
        effects: &Effects,
    ) -> Result<bool, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            let finished = sqlx::query(
                "update jobs set state = 'done', finished_at = $3, lease_owner = null,
                     lease_until = null
                 where id = $1 and state = 'running' and lease_owner = $2",
            )
            .bind(job_id)
            .bind(owner)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if finished == 0 {
                return Ok(false);
            }
            conn.apply_effects(now, effects, mail).await?;
            Ok(true)
        })
    }

    /// [`Db::finish_job`] for many jobs in one transaction (one commit, one fsync), as a
    /// worker finishes a batch. Each job is checked on its own: one whose lease was lost
    /// answers false and its effects are not written. The effects of the others are applied
    /// together (one event-number lock, one audit-chain read): every new task and notice, then
    /// every cancellation, then every schedule, then the history lines, events and audit rows
    /// in the batch's order. If any write fails, nothing of the batch is written and the
    /// caller finishes the jobs one by one to isolate the failing one.
    pub async fn finish_jobs(
        &self,
        owner: &str,
        now: i64,
        done: &[(&str, &Effects)],
    ) -> Result<Vec<bool>, DbError> {
        if done.is_empty() {
            return Ok(Vec::new());
        }
        let mail = self.mail_delivery;
        // `$1` owner, `$2` now, then one placeholder per job id.
        let ids: Vec<String> = (0..done.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "update jobs set state = 'done', finished_at = $2, lease_owner = null,
                 lease_until = null
             where state = 'running' and lease_owner = $1 and id in ({})
             returning id",
            ids.join(", ")
        );
        in_transaction!(self, |conn| {
            let mut query = sqlx::query_as::<_, (String,)>(&sql).bind(owner).bind(now);
            for (job_id, _) in done {
                query = query.bind(*job_id);
            }
            let finished: std::collections::HashSet<String> = query
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .map(|(id,)| id)
                .collect();
            let held: Vec<bool> = done
                .iter()
                .map(|(job_id, _)| finished.contains(*job_id))
                .collect();
            let mut merged = Effects::default();
            for ((_, effects), held) in done.iter().zip(&held) {
                if *held {
                    merged.merge((*effects).clone());
                }
            }
            conn.apply_effects(now, &merged, mail).await?;
            Ok(held)
        })
    }

    /// A failed attempt: back to pending at `retry_at`, or state failed when None (or when
    /// the attempts are used up). Only if `owner` still holds the lease; Ok(false) otherwise.
    pub async fn fail_job(
        &self,
        job_id: &str,
        owner: &str,
        now: i64,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<bool, DbError> {
        let failed = in_transaction!(self, |conn| {
            let attempts: Option<(i32, i32)> = sqlx::query_as(
                "select attempts, max_attempts from jobs
                 where id = $1 and state = 'running' and lease_owner = $2",
            )
            .bind(job_id)
            .bind(owner)
            .fetch_optional(&mut *conn)
            .await?;
            let Some((attempts, max_attempts)) = attempts else {
                return Ok(false);
            };
            let retry_at = retry_at.filter(|_| attempts < max_attempts);
            let (state, due_at, finished_at) = match retry_at {
                Some(at) => ("pending", Some(at), None),
                None => ("failed", None, Some(now)),
            };
            // The lease is checked again: on PostgreSQL another node may have reclaimed the
            // job between the select and here.
            let changed = sqlx::query(
                "update jobs set state = $3, due_at = coalesce($4, due_at), finished_at = $5,
                     last_error = $6, lease_owner = null, lease_until = null
                 where id = $1 and state = 'running' and lease_owner = $2",
            )
            .bind(job_id)
            .bind(owner)
            .bind(state)
            .bind(due_at)
            .bind(finished_at)
            .bind(error)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            Ok(changed > 0)
        })?;
        Ok(failed)
    }

    /// Every job of `subject`, in any state, by due time.
    pub async fn jobs_of(&self, subject: &str) -> Result<Vec<Job>, DbError> {
        let records: Vec<JobRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {JOB_COLUMNS} from jobs where subject = $1 order by due_at, id"
            ))
            .bind(subject)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(Job::try_from).collect()
    }

    pub async fn job(&self, id: &str) -> Result<Option<Job>, DbError> {
        let record: Option<JobRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!("select {JOB_COLUMNS} from jobs where id = $1"))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        record.map(Job::try_from).transpose()
    }

    /// The earliest due time of a pending job, so the worker can sleep until then.
    pub async fn next_job_due(&self) -> Result<Option<i64>, DbError> {
        let (due,): (Option<i64>,) = on_reader!(self, |conn| {
            sqlx::query_as("select min(due_at) from jobs where state = 'pending'")
                .fetch_one(&mut *conn)
                .await?
        });
        Ok(due)
    }
}
