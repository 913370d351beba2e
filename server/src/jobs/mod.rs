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
//! - `worker.rs`: [`Worker`] (claim, run, finish) and [`Senders`] (what it sends with).
//!   Writers wake it through [`crate::services::JobWaker`].
//! - `outcome.rs`: what a run ends with ([`Failure`](outcome::Failure)) and what the job
//!   handlers share.
//! - `tasks.rs`, `notices.rs`: the task and notice reminders, 催办 and 督办.
//! - `meetings.rs`: the meeting reminders.
//! - `disputes.rs`: a dispute's stage clocks: reminders, 催办 and 督办.
//! - `filings.rs`: the December clock of the annual reports.
//! - `webhook.rs`: signing and sending one webhook call.
//! - `mail.rs`: [`Mailer`], e-mail over SMTP.

mod disputes;
mod filings;
mod mail;
mod meetings;
mod notices;
mod outcome;
mod referrals;
mod supervision_docs;
mod tasks;
mod webhook;
mod worker;

pub use mail::Mailer;
pub use webhook::signature;
pub use worker::{backoff_ms, run_loop, Senders, Worker, LEASE_MS};
