//! The storage conformance suite of #4: durable jobs, the event stream and the effects every
//! write carries, tasks, notices, webhooks, mailboxes and the working-day calendar, written
//! once and checked against a fresh SQLite file and a fresh PostgreSQL database.
//!
//! Each behaviour is an `async fn(Harness)` below; `conformance!` turns it into one test per
//! engine (`store_work::sqlite::…` and `store_work::postgres::…`). The concurrency behaviours
//! (gapless event seqs, exclusive job claims over two handles) matter most on PostgreSQL, where
//! transactions really overlap, but hold on SQLite too (two handles on one file are two
//! writers, as two processes would be).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use server::db::{
    Audience, AuditEvent, Db, DbConfig, DbError, Delivery, Effects, HistoryEntry, HistoryEntryKind,
    NewAttachment, NewEvent, NewJob, NewNotice, NewOrg, NewRegion, NewTask, NewUser, NewWebhook,
    ReceiptChange, SqliteSync, Stamp, Task, TaskChange, TaskList,
};
use server::domain::calendar::{DayKind, SpecialDay, TimeLimit, YearCalendar};
use server::domain::notice::{NoticeKind, NoticeState, ReceiptState, VersionKind};
use server::domain::org::{Level, Name, OrgCode, OrgKind, OrgRole, RegionCode, Username};
use server::domain::task::{ExtensionState, TaskCommand, TaskSource, TaskState};
use sqlx::Connection;
use tempfile::TempDir;
use tokio::task::JoinSet;

use crate::support::postgres::fresh_database_url;

/// The time every test starts at, in Unix milliseconds.
const T0: i64 = 1_700_000_000_000;

/// One database under test, and how to reach it again (a second handle, a raw connection).
struct Harness {
    db: Db,
    config: DbConfig,
    /// Keeps the SQLite data directory alive for as long as the test runs.
    _dir: Option<TempDir>,
}

impl Harness {
    async fn sqlite() -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = DbConfig {
            url: None,
            data_dir: dir.path().join("data"),
            sqlite_synchronous: SqliteSync::Normal,
        };
        let db = Db::connect(&config).await.expect("connect");
        Harness {
            db,
            config,
            _dir: Some(dir),
        }
    }

    async fn postgres() -> Harness {
        let config = DbConfig {
            url: Some(fresh_database_url().await),
            data_dir: "unused-by-postgres".into(),
            sqlite_synchronous: SqliteSync::Normal,
        };
        let db = Db::connect(&config).await.expect("connect");
        Harness {
            db,
            config,
            _dir: None,
        }
    }

    /// Another handle on the same database, with pools of its own: another server node.
    async fn another_node(&self) -> Db {
        Db::connect(&self.config).await.expect("connect again")
    }

    /// A number read behind the server's back (`select count(*) …`).
    async fn count(&self, sql: &str) -> i64 {
        match &self.config.url {
            Some(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&mut conn).await.unwrap();
                conn.close().await.ok();
                n
            }
            None => {
                let file = self.config.data_dir.join(server::db::SQLITE_FILE_NAME);
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .unwrap();
                let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&mut conn).await.unwrap();
                conn.close().await.ok();
                n
            }
        }
    }

    /// Every audit row's action, oldest first.
    async fn audit_actions(&self) -> Vec<String> {
        let mut rows = self.db.audit_rows(None, None, 10_000).await.unwrap();
        rows.reverse();
        rows.into_iter().map(|r| r.action).collect()
    }
}

/// Generates, for each behaviour, one test per engine.
macro_rules! conformance {
    ($($behaviour:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $behaviour() {
                    super::$behaviour(super::Harness::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $behaviour() {
                    super::$behaviour(super::Harness::postgres().await).await;
                }
            )*
        }
    };
}

conformance!(
    a_write_applies_its_events_jobs_cancellations_and_audit_rows_together,
    a_failing_write_leaves_no_event_job_or_audit_row,
    event_seqs_stay_gapless_and_ascending_under_concurrent_writers,
    two_nodes_claiming_at_once_claim_every_due_job_exactly_once,
    a_job_is_never_claimed_before_it_is_due,
    an_expired_lease_is_reclaimed_and_the_old_owner_can_no_longer_finish,
    a_batch_finish_applies_the_jobs_still_held_and_skips_one_whose_lease_was_lost,
    a_failed_attempt_is_retried_at_its_time_until_the_attempts_run_out,
    a_lease_that_expires_after_the_last_attempt_fails_the_job,
    a_dedupe_key_schedules_once_and_a_cancelled_job_can_be_scheduled_again,
    a_task_is_created_read_and_changed_with_its_history,
    a_change_from_a_stale_revision_is_refused_and_changes_nothing,
    task_lists_filter_by_party_state_and_due_time_and_page,
    attachments_are_hashed_and_their_bytes_stored_once,
    only_one_extension_request_may_be_pending_and_a_grant_moves_the_deadline,
    a_notice_goes_to_each_recipient_once_and_an_unknown_recipient_is_refused,
    a_correction_supersedes_the_sent_version_and_starts_receipts_anew,
    a_receipt_changes_only_from_the_state_its_caller_read,
    received_and_sent_notices_are_listed_and_pending_means_not_yet_acknowledged,
    the_inbox_and_events_for_show_only_events_addressed_to_the_user_or_the_body,
    events_to_a_body_schedule_webhook_and_mail_jobs,
    webhooks_keep_their_secret_to_themselves_and_log_deliveries,
    a_calendar_year_is_replaced_whole_and_refused_whole,
    org_admin_ids_are_the_enabled_admins_of_the_body,
);

// ---- effects ----

async fn a_write_applies_its_events_jobs_cancellations_and_audit_rows_together(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let new = new_task(&orgs.setter, &orgs.assignee, T0 + DAY);
    let old_job = job_of(&format!("task:{}", new.id), "task_warn", T0 + 10);
    h.db.schedule_jobs(std::slice::from_ref(&old_job), T0)
        .await
        .unwrap();
    let mut effects = Effects {
        events: vec![org_event(&orgs.assignee, "task.dispatched", &new.id)],
        jobs: vec![job_of(
            &format!("task:{}", new.id),
            "task_overdue",
            T0 + DAY,
        )],
        cancel_jobs_of: vec![format!("task:{}", new.id)],
        audit: vec![audit("task_created")],
        ..Effects::default()
    };
    effects.append_task_entry(new.id.clone(), entry_at(T0, TaskState::Dispatched));

    let task =
        h.db.create_task(&new, &entry_at(T0, TaskState::Dispatched), &effects)
            .await
            .unwrap();

    assert_eq!(task.revision, 1);
    // The write's own history line, then the one the effects carried.
    let history = h.db.task_history(&new.id).await.unwrap();
    assert_eq!(history.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
    let events = h.db.events_after(0, 100).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].seq, 1);
    assert_eq!(events[0].at, T0);
    assert_eq!(events[0].kind, "task.dispatched");
    assert_eq!(events[0].audience, Audience::Org(orgs.assignee.clone()));
    assert_eq!(
        events[0].payload,
        json!({ "title": "核查", "task_id": new.id })
    );
    let jobs = h.db.jobs_of(&format!("task:{}", new.id)).await.unwrap();
    let states: Vec<(&str, &str)> = jobs
        .iter()
        .map(|j| (j.kind.as_str(), j.state.as_str()))
        .collect();
    assert_eq!(
        states,
        [("task_warn", "cancelled"), ("task_overdue", "pending")]
    );
    assert_eq!(
        h.audit_actions().await.last().map(String::as_str),
        Some("task_created")
    );
    assert!(h.db.verify_audit_chain().await.unwrap().first_bad.is_none());
    assert_eq!(h.db.last_event_seq().await.unwrap(), 1);
    assert_eq!(h.db.event(1).await.unwrap(), Some(events[0].clone()));
    assert_eq!(h.db.event(2).await.unwrap(), None);

    let seqs =
        h.db.append_events(
            T0 + 5,
            &[user_event("u-1", "x.one"), user_event("u-2", "x.two")],
        )
        .await
        .unwrap();
    assert_eq!(seqs, [2, 3]);
}

async fn a_failing_write_leaves_no_event_job_or_audit_row(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let audit_before = h.audit_actions().await.len();
    let effects = |subject: &str| Effects {
        events: vec![org_event(&orgs.assignee, "task.dispatched", subject)],
        jobs: vec![job_of(&format!("task:{subject}"), "task_warn", T0 + 1)],
        cancel_jobs_of: vec![],
        audit: vec![audit("task_created")],
        ..Effects::default()
    };

    // A task for a body that does not exist: the foreign key refuses it.
    let bad = new_task(&orgs.setter, "no-such-org", T0 + DAY);
    let refused =
        h.db.create_task(
            &bad,
            &entry_at(T0, TaskState::Dispatched),
            &effects(&bad.id),
        )
        .await;
    assert!(
        matches!(refused, Err(DbError::MissingReference(_))),
        "{refused:?}"
    );

    // A change from a stale revision.
    let task = create(&h, &orgs, T0 + DAY, &Effects::default()).await;
    let stale = TaskChange {
        expected_revision: task.revision + 1,
        ..change(&task, TaskState::Acknowledged, T0 + 1)
    };
    rule_message(h.db.change_task(&stale, &effects(&task.id)).await);

    // A second pending extension request.
    h.db.request_extension(
        &task.id,
        "u",
        T0 + 2 * DAY,
        "需要更多时间",
        &entry(HistoryEntryKind::ExtensionRequested, T0 + 2),
        &Effects::default(),
    )
    .await
    .unwrap();
    rule_message(
        h.db.request_extension(
            &task.id,
            "u",
            T0 + 3 * DAY,
            "again",
            &entry(HistoryEntryKind::ExtensionRequested, T0 + 3),
            &effects(&task.id),
        )
        .await,
    );

    // A finish by a worker that holds no lease.
    assert!(!h
        .db
        .finish_job("no-such-job", "w", T0, &effects(&task.id))
        .await
        .unwrap());

    assert_eq!(h.db.last_event_seq().await.unwrap(), 0);
    assert_eq!(h.count("select count(*) from jobs").await, 0);
    assert_eq!(h.audit_actions().await.len(), audit_before);
    assert_eq!(h.db.task(&bad.id).await.unwrap(), None);
    assert_eq!(h.db.task_history(&task.id).await.unwrap().len(), 2);
}

async fn event_seqs_stay_gapless_and_ascending_under_concurrent_writers(h: Harness) {
    const TASKS: usize = 8;
    const WRITES: usize = 50;
    let orgs = seed_orgs(&h).await;
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        tasks.push(create(&h, &orgs, T0 + DAY, &Effects::default()).await);
    }

    let mut writers = JoinSet::new();
    for task in tasks.clone() {
        let db = h.db.clone();
        let assignee = orgs.assignee.clone();
        writers.spawn(async move {
            let mut revision = task.revision;
            for i in 0..WRITES {
                let at = T0 + 1 + i as i64;
                let effects = Effects {
                    events: vec![NewEvent {
                        audience: Audience::Org(assignee.clone()),
                        kind: "task.comment".into(),
                        subject: format!("task:{}", task.id),
                        payload: json!({ "title": "核查", "n": i }),
                    }],
                    audit: vec![audit("task_changed")],
                    ..Effects::default()
                };
                let changed = db
                    .change_task(
                        &TaskChange {
                            expected_revision: revision,
                            ..change(&task, TaskState::InProgress, at)
                        },
                        &effects,
                    )
                    .await
                    .unwrap();
                revision = changed.revision;
            }
            revision
        });
    }
    while let Some(revision) = writers.join_next().await {
        assert_eq!(revision.unwrap(), 1 + WRITES as i64);
    }

    let events = h.db.events_after(0, 10_000).await.unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=(TASKS * WRITES) as i64).collect::<Vec<_>>());
    // Each task's events are in the order its writes were made.
    let mut per_task: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for event in &events {
        per_task
            .entry(event.subject.as_str())
            .or_default()
            .push(event.payload["n"].as_i64().unwrap());
    }
    assert_eq!(per_task.len(), TASKS);
    for ns in per_task.values() {
        assert_eq!(*ns, (0..WRITES as i64).collect::<Vec<_>>());
    }
    for task in &tasks {
        let history = h.db.task_history(&task.id).await.unwrap();
        let seqs: Vec<i64> = history.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=1 + WRITES as i64).collect::<Vec<_>>());
    }
    assert!(h.db.verify_audit_chain().await.unwrap().first_bad.is_none());
}

// ---- jobs ----

async fn two_nodes_claiming_at_once_claim_every_due_job_exactly_once(h: Harness) {
    const JOBS: usize = 500;
    let jobs: Vec<NewJob> = (0..JOBS)
        .map(|i| NewJob {
            dedupe_key: Some(format!("k{i}")),
            ..job_of(&format!("s:{}", i % 7), "test", T0 + (i % 50) as i64)
        })
        .collect();
    h.db.schedule_jobs(&jobs, T0).await.unwrap();
    let other = h.another_node().await;
    let now = T0 + 1_000;

    let mut workers = JoinSet::new();
    for (n, db) in [h.db.clone(), h.db.clone(), other.clone(), other.clone()]
        .into_iter()
        .enumerate()
    {
        workers.spawn(async move {
            let owner = format!("worker-{n}");
            let mut claimed = Vec::new();
            loop {
                let batch = db.claim_jobs(&owner, now, 60_000, 17).await.unwrap();
                if batch.is_empty() {
                    break;
                }
                for job in batch {
                    assert_eq!(job.state, "running");
                    assert_eq!(job.attempts, 1);
                    assert!(db
                        .finish_job(&job.id, &owner, now, &Effects::default())
                        .await
                        .unwrap());
                    claimed.push(job.id);
                }
            }
            claimed
        });
    }
    let mut all = Vec::new();
    let mut per_worker = Vec::new();
    while let Some(claimed) = workers.join_next().await {
        let claimed = claimed.unwrap();
        per_worker.push(claimed.len());
        all.extend(claimed);
    }

    assert_eq!(all.len(), JOBS, "claims per worker: {per_worker:?}");
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), JOBS, "a job was claimed twice");
    assert_eq!(
        h.count("select count(*) from jobs where state = 'done'")
            .await,
        JOBS as i64
    );
    assert_eq!(h.db.next_job_due().await.unwrap(), None);
    other.close().await;
}

async fn a_job_is_never_claimed_before_it_is_due(h: Harness) {
    h.db.schedule_jobs(
        &[
            job_of("s:late", "test", T0 + 2_000),
            job_of("s:early", "test", T0 + 1_000),
        ],
        T0,
    )
    .await
    .unwrap();

    assert_eq!(h.db.next_job_due().await.unwrap(), Some(T0 + 1_000));
    assert!(h
        .db
        .claim_jobs("w", T0 + 999, 60_000, 10)
        .await
        .unwrap()
        .is_empty());
    let first = h.db.claim_jobs("w", T0 + 1_000, 60_000, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].subject, "s:early");
    assert_eq!(first[0].due_at, T0 + 1_000);
    assert_eq!(first[0].payload, json!({ "subject": "s:early" }));
    assert_eq!(h.db.next_job_due().await.unwrap(), Some(T0 + 2_000));
    assert!(h
        .db
        .claim_jobs("w", T0 + 1_999, 60_000, 10)
        .await
        .unwrap()
        .is_empty());
    // Oldest due first, whatever the order of scheduling.
    h.db.schedule_jobs(&[job_of("s:older", "test", T0 + 1_500)], T0)
        .await
        .unwrap();
    let rest = h.db.claim_jobs("w", T0 + 5_000, 60_000, 10).await.unwrap();
    let subjects: Vec<&str> = rest.iter().map(|j| j.subject.as_str()).collect();
    assert_eq!(subjects, ["s:older", "s:late"]);
    assert_eq!(
        h.db.job(&rest[0].id).await.unwrap().map(|j| j.state),
        Some("running".to_owned())
    );
    assert_eq!(h.db.job("nope").await.unwrap(), None);
}

async fn a_batch_finish_applies_the_jobs_still_held_and_skips_one_whose_lease_was_lost(h: Harness) {
    h.db.schedule_jobs(&[job_of("s:1", "test", T0), job_of("s:2", "test", T0)], T0)
        .await
        .unwrap();
    let claimed = h.db.claim_jobs("a", T0, 1_000, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    // The second job's lease runs out and another worker takes it over.
    h.db.fail_job(&claimed[1].id, "a", T0 + 1, "slow", Some(T0 + 2))
        .await
        .unwrap();
    let taken = h.db.claim_jobs("b", T0 + 2, 1_000, 10).await.unwrap();
    assert_eq!(taken.len(), 1);
    let effects = |kind: &str| Effects {
        events: vec![user_event("u-1", kind)],
        audit: vec![audit(kind)],
        ..Effects::default()
    };
    let (first, second) = (effects("job.first"), effects("job.second"));

    let held =
        h.db.finish_jobs(
            "a",
            T0 + 3,
            &[(&claimed[0].id, &first), (&claimed[1].id, &second)],
        )
        .await
        .unwrap();

    assert_eq!(held, [true, false]);
    let kinds: Vec<String> =
        h.db.events_after(0, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
    assert_eq!(kinds, ["job.first"]);
    assert_eq!(
        h.db.job(&claimed[0].id).await.unwrap().unwrap().state,
        "done"
    );
    assert_eq!(
        h.db.job(&claimed[1].id).await.unwrap().unwrap().state,
        "running"
    );
}

async fn an_expired_lease_is_reclaimed_and_the_old_owner_can_no_longer_finish(h: Harness) {
    h.db.schedule_jobs(&[job_of("s:1", "test", T0)], T0)
        .await
        .unwrap();
    let claimed = h.db.claim_jobs("a", T0, 1_000, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let id = claimed[0].id.clone();

    // Within the lease nobody else gets it.
    assert!(h
        .db
        .claim_jobs("b", T0 + 999, 1_000, 10)
        .await
        .unwrap()
        .is_empty());
    // After it, another worker does.
    let reclaimed = h.db.claim_jobs("b", T0 + 1_001, 1_000, 10).await.unwrap();
    assert_eq!(reclaimed.len(), 1);
    assert_eq!(reclaimed[0].id, id);
    assert_eq!(reclaimed[0].attempts, 2);

    let effects = Effects {
        events: vec![user_event("u-1", "job.done")],
        jobs: vec![job_of("s:follow-up", "test", T0 + 5_000)],
        audit: vec![audit("job_effect")],
        ..Effects::default()
    };
    let audit_before = h.audit_actions().await.len();
    assert!(!h
        .db
        .finish_job(&id, "a", T0 + 1_002, &effects)
        .await
        .unwrap());
    assert!(!h
        .db
        .fail_job(&id, "a", T0 + 1_002, "too late", Some(T0 + 9_000))
        .await
        .unwrap());
    assert_eq!(h.db.last_event_seq().await.unwrap(), 0);
    assert!(h.db.jobs_of("s:follow-up").await.unwrap().is_empty());
    assert_eq!(h.audit_actions().await.len(), audit_before);

    assert!(h
        .db
        .finish_job(&id, "b", T0 + 1_003, &effects)
        .await
        .unwrap());
    assert_eq!(h.db.last_event_seq().await.unwrap(), 1);
    assert_eq!(h.db.jobs_of("s:follow-up").await.unwrap().len(), 1);
    assert_eq!(h.db.job(&id).await.unwrap().unwrap().state, "done");
    // A finished job is not finished again, nor claimed again.
    assert!(!h
        .db
        .finish_job(&id, "b", T0 + 1_004, &effects)
        .await
        .unwrap());
    assert!(h
        .db
        .claim_jobs("c", T0 + 100_000, 1_000, 10)
        .await
        .unwrap()
        .iter()
        .all(|j| j.id != id));
}

async fn a_failed_attempt_is_retried_at_its_time_until_the_attempts_run_out(h: Harness) {
    h.db.schedule_jobs(
        &[NewJob {
            max_attempts: 3,
            ..job_of("s:1", "test", T0)
        }],
        T0,
    )
    .await
    .unwrap();
    let id = h.db.claim_jobs("w", T0, 1_000, 1).await.unwrap()[0]
        .id
        .clone();

    assert!(!h
        .db
        .fail_job(&id, "intruder", T0, "no", Some(T0 + 30_000))
        .await
        .unwrap());
    assert!(h
        .db
        .fail_job(&id, "w", T0 + 10, "connection refused", Some(T0 + 30_000))
        .await
        .unwrap());
    let job = h.db.job(&id).await.unwrap().unwrap();
    assert_eq!((job.state.as_str(), job.due_at), ("pending", T0 + 30_000));
    assert!(h
        .db
        .claim_jobs("w", T0 + 29_999, 1_000, 1)
        .await
        .unwrap()
        .is_empty());

    let second = h.db.claim_jobs("w", T0 + 30_000, 1_000, 1).await.unwrap();
    assert_eq!(second[0].attempts, 2);
    assert!(h
        .db
        .fail_job(&id, "w", T0 + 30_010, "503", Some(T0 + 90_000))
        .await
        .unwrap());
    let third = h.db.claim_jobs("w", T0 + 90_000, 1_000, 1).await.unwrap();
    assert_eq!(third[0].attempts, 3);
    // The last attempt: a retry asked for is not granted.
    assert!(h
        .db
        .fail_job(&id, "w", T0 + 90_010, "503", Some(T0 + 200_000))
        .await
        .unwrap());
    assert_eq!(h.db.job(&id).await.unwrap().unwrap().state, "failed");
    assert!(h
        .db
        .claim_jobs("w", T0 + 1_000_000, 1_000, 1)
        .await
        .unwrap()
        .is_empty());

    // Without a retry time, the first failure is final.
    h.db.schedule_jobs(&[job_of("s:2", "test", T0)], T0)
        .await
        .unwrap();
    let id = h.db.claim_jobs("w", T0, 1_000, 1).await.unwrap()[0]
        .id
        .clone();
    assert!(h
        .db
        .fail_job(&id, "w", T0, "bad payload", None)
        .await
        .unwrap());
    assert_eq!(h.db.job(&id).await.unwrap().unwrap().state, "failed");
}

async fn a_lease_that_expires_after_the_last_attempt_fails_the_job(h: Harness) {
    h.db.schedule_jobs(
        &[NewJob {
            max_attempts: 1,
            ..job_of("s:1", "test", T0)
        }],
        T0,
    )
    .await
    .unwrap();
    let id = h.db.claim_jobs("w", T0, 1_000, 1).await.unwrap()[0]
        .id
        .clone();

    assert!(h
        .db
        .claim_jobs("v", T0 + 5_000, 1_000, 1)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(h.db.job(&id).await.unwrap().unwrap().state, "failed");
    assert!(!h
        .db
        .finish_job(&id, "w", T0 + 5_001, &Effects::default())
        .await
        .unwrap());
}

async fn a_dedupe_key_schedules_once_and_a_cancelled_job_can_be_scheduled_again(h: Harness) {
    let keyed = |due: i64| NewJob {
        dedupe_key: Some("task:t:task_warn:50:1".into()),
        ..job_of("task:t", "task_warn", due)
    };
    h.db.schedule_jobs(&[keyed(T0 + 10)], T0).await.unwrap();
    h.db.schedule_jobs(&[keyed(T0 + 20)], T0).await.unwrap();
    let jobs = h.db.jobs_of("task:t").await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].due_at, T0 + 10);

    // Cancelled, then scheduled again (the deadline came back): pending again, one row.
    let orgs = seed_orgs(&h).await;
    let task = create(&h, &orgs, T0 + DAY, &Effects::default()).await;
    h.db.change_task(
        &change(&task, TaskState::Acknowledged, T0 + 1),
        &Effects {
            cancel_jobs_of: vec!["task:t".into()],
            ..Effects::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(h.db.jobs_of("task:t").await.unwrap()[0].state, "cancelled");
    assert_eq!(h.db.next_job_due().await.unwrap(), None);
    h.db.schedule_jobs(&[keyed(T0 + 30)], T0 + 2).await.unwrap();
    let jobs = h.db.jobs_of("task:t").await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].state.as_str(), jobs[0].due_at, jobs[0].attempts),
        ("pending", T0 + 30, 0)
    );

    // A done job is never revived by its key.
    let claimed = h.db.claim_jobs("w", T0 + 30, 1_000, 10).await.unwrap();
    assert!(h
        .db
        .finish_job(&claimed[0].id, "w", T0 + 31, &Effects::default())
        .await
        .unwrap());
    h.db.schedule_jobs(&[keyed(T0 + 40)], T0 + 32)
        .await
        .unwrap();
    assert_eq!(h.db.jobs_of("task:t").await.unwrap()[0].state, "done");
    assert_eq!(h.db.next_job_due().await.unwrap(), None);
}

// ---- tasks ----

async fn a_task_is_created_read_and_changed_with_its_history(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let mut new = new_task(&orgs.setter, &orgs.assignee, T0 + 3 * DAY);
    new.limit = Some(TimeLimit::WorkingDays(10));
    new.source = TaskSource::AgreedItem;
    new.source_ref = Some("minutes:doc#3".into());

    let task =
        h.db.create_task(
            &new,
            &entry_at(T0, TaskState::Dispatched),
            &Effects::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        task,
        Task {
            id: new.id.clone(),
            title: "核查".into(),
            body: "请核查并反馈".into(),
            feedback_required: "处理结果".into(),
            source: TaskSource::AgreedItem,
            source_ref: Some("minutes:doc#3".into()),
            setter_org_id: orgs.setter.clone(),
            assignee_org_id: orgs.assignee.clone(),
            created_by: "u-setter".into(),
            state: TaskState::Dispatched,
            limit: Some(TimeLimit::WorkingDays(10)),
            started_at: Some(T0),
            due_at: T0 + 3 * DAY,
            feedback: None,
            revision: 1,
            created_at: T0,
            updated_at: T0,
        }
    );
    assert_eq!(h.db.task(&new.id).await.unwrap(), Some(task.clone()));
    assert_eq!(h.db.task("nope").await.unwrap(), None);

    let submitted =
        h.db.change_task(
            &TaskChange {
                feedback: Some("已整改".into()),
                ..change(&task, TaskState::Submitted, T0 + 10)
            },
            &Effects::default(),
        )
        .await
        .unwrap();
    assert_eq!(submitted.state, TaskState::Submitted);
    assert_eq!(submitted.feedback.as_deref(), Some("已整改"));
    assert_eq!(submitted.revision, 2);
    assert_eq!(submitted.updated_at, T0 + 10);
    assert_eq!(submitted.due_at, task.due_at);

    let reassigned =
        h.db.change_task(
            &TaskChange {
                assignee_org_id: Some(orgs.other.clone()),
                due_at: Some(T0 + 9 * DAY),
                started_at: Some(T0 + 20),
                ..change(&submitted, TaskState::Dispatched, T0 + 20)
            },
            &Effects::default(),
        )
        .await
        .unwrap();
    assert_eq!(reassigned.assignee_org_id, orgs.other);
    assert_eq!(reassigned.due_at, T0 + 9 * DAY);
    assert_eq!(reassigned.started_at, Some(T0 + 20));
    assert_eq!(reassigned.feedback.as_deref(), Some("已整改"));

    let comment = HistoryEntry {
        body: Some("请补充材料".into()),
        detail: json!({ "note": 1 }),
        ..entry(HistoryEntryKind::Comment, T0 + 30)
    };
    let seq =
        h.db.add_task_entry(&new.id, &comment, &Effects::default())
            .await
            .unwrap();
    assert_eq!(seq, 4);
    assert_not_found(
        h.db.add_task_entry("nope", &comment, &Effects::default())
            .await,
    );

    let history = h.db.task_history(&new.id).await.unwrap();
    assert_eq!(
        history.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(history[0].entry, entry_at(T0, TaskState::Dispatched));
    assert_eq!(history[3].entry, comment);
    assert_eq!(history[1].entry.to_state, Some(TaskState::Submitted));
}

async fn a_change_from_a_stale_revision_is_refused_and_changes_nothing(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let task = create(&h, &orgs, T0 + DAY, &Effects::default()).await;
    let first =
        h.db.change_task(
            &change(&task, TaskState::Acknowledged, T0 + 1),
            &Effects::default(),
        )
        .await
        .unwrap();

    // A second person acting on what they read before the first change.
    let said = rule_said(
        h.db.change_task(
            &change(&task, TaskState::Returned, T0 + 2),
            &Effects::default(),
        )
        .await,
    );
    assert_eq!(said.code(), Some("task.stale"));
    assert_eq!(
        said.render(server::domain::message::Lang::Zh).unwrap(),
        format!(
            "该任务已被他人更新（当前为第 {} 版），请刷新后重试",
            first.revision
        )
    );
    assert_eq!(h.db.task(&task.id).await.unwrap(), Some(first));
    assert_eq!(h.db.task_history(&task.id).await.unwrap().len(), 2);

    let missing = TaskChange {
        task_id: "nope".into(),
        ..change(&task, TaskState::Returned, T0 + 2)
    };
    assert!(matches!(
        h.db.change_task(&missing, &Effects::default()).await,
        Err(DbError::NotFound(_))
    ));
}

async fn task_lists_filter_by_party_state_and_due_time_and_page(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let mut by_due = Vec::new();
    for (i, due) in [5, 1, 3, 2, 4].into_iter().enumerate() {
        let mut new = new_task(&orgs.setter, &orgs.assignee, T0 + due * DAY);
        new.title = format!("task {i}");
        let task =
            h.db.create_task(
                &new,
                &entry_at(T0 + i as i64, TaskState::Dispatched),
                &Effects::default(),
            )
            .await
            .unwrap();
        by_due.push((due, task));
    }
    by_due.sort_by_key(|(due, _)| *due);
    let ids = |tasks: Vec<Task>| tasks.into_iter().map(|t| t.id).collect::<Vec<_>>();
    let due_order: Vec<String> = by_due.iter().map(|(_, t)| t.id.clone()).collect();

    // A draft, a closed task and a task assigned elsewhere.
    let draft = {
        let mut new = new_task(&orgs.setter, &orgs.assignee, T0 + DAY);
        new.state = TaskState::Created;
        new.started_at = None;
        h.db.create_task(
            &new,
            &entry_at(T0 + 10, TaskState::Created),
            &Effects::default(),
        )
        .await
        .unwrap()
    };
    let closed = by_due[0].1.clone();
    h.db.change_task(
        &change(&closed, TaskState::Closed, T0 + 11),
        &Effects::default(),
    )
    .await
    .unwrap();
    let elsewhere = {
        let new = new_task(&orgs.other, &orgs.setter, T0 + DAY);
        h.db.create_task(
            &new,
            &entry_at(T0 + 12, TaskState::Dispatched),
            &Effects::default(),
        )
        .await
        .unwrap()
    };

    let open = ids(h
        .db
        .tasks_of_org(&orgs.assignee, TaskList::Open, 100, 0)
        .await
        .unwrap());
    assert_eq!(open, due_order[1..]);
    let page = ids(h
        .db
        .tasks_of_org(&orgs.assignee, TaskList::Open, 2, 1)
        .await
        .unwrap());
    assert_eq!(page, due_order[2..4]);

    let overdue = ids(h
        .db
        .tasks_of_org(
            &orgs.assignee,
            TaskList::Overdue {
                now: T0 + 3 * DAY + 1,
            },
            100,
            0,
        )
        .await
        .unwrap());
    assert_eq!(overdue, due_order[1..3]);

    let set_by = ids(h
        .db
        .tasks_of_org(&orgs.setter, TaskList::SetBy, 100, 0)
        .await
        .unwrap());
    assert_eq!(set_by.len(), 6);
    assert_eq!(set_by[0], draft.id, "newest first");
    assert!(!set_by.contains(&elsewhere.id));

    let assigned = ids(h
        .db
        .tasks_of_org(&orgs.assignee, TaskList::AssignedAll, 100, 0)
        .await
        .unwrap());
    assert_eq!(
        assigned.len(),
        5,
        "every dispatched task, the closed one too"
    );
    assert!(!assigned.contains(&draft.id));
    assert!(assigned.contains(&closed.id));
    assert_eq!(
        ids(h
            .db
            .tasks_of_org(&orgs.setter, TaskList::Open, 100, 0)
            .await
            .unwrap()),
        [elsewhere.id]
    );
}

async fn attachments_are_hashed_and_their_bytes_stored_once(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let task = create(&h, &orgs, T0 + DAY, &Effects::default()).await;
    let new = NewAttachment {
        task_id: task.id.clone(),
        name: "整改报告.pdf".into(),
        content_type: "application/pdf".into(),
        uploaded_by: "u-assignee".into(),
        uploaded_org_id: Some(orgs.assignee.clone()),
    };
    let effects = Effects {
        events: vec![org_event(&orgs.setter, "task.comment", &task.id)],
        ..Effects::default()
    };

    let first =
        h.db.add_task_attachment(
            &new,
            b"hello",
            &entry(HistoryEntryKind::Attachment, T0 + 1),
            &effects,
        )
        .await
        .unwrap();
    let second =
        h.db.add_task_attachment(
            &NewAttachment {
                name: "copy.pdf".into(),
                ..new.clone()
            },
            b"hello",
            &entry(HistoryEntryKind::Attachment, T0 + 2),
            &Effects::default(),
        )
        .await
        .unwrap();
    let other =
        h.db.add_task_attachment(
            &new,
            b"",
            &entry(HistoryEntryKind::Attachment, T0 + 3),
            &Effects::default(),
        )
        .await
        .unwrap();

    assert_eq!(
        first.sha256,
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert_eq!(first.size, 5);
    assert_eq!(second.sha256, first.sha256);
    assert_ne!(second.id, first.id);
    assert_eq!(other.size, 0);
    assert_eq!(h.count("select count(*) from blobs").await, 2);
    assert_eq!(
        h.db.task_attachments(&task.id).await.unwrap(),
        [first.clone(), second, other]
    );
    assert_eq!(
        h.db.task_attachment(&task.id, &first.id).await.unwrap(),
        Some((first.clone(), b"hello".to_vec()))
    );
    // Only through its own task.
    let task2 = create(&h, &orgs, T0 + DAY, &Effects::default()).await;
    assert_eq!(
        h.db.task_attachment(&task2.id, &first.id).await.unwrap(),
        None
    );
    assert_eq!(h.db.task_history(&task.id).await.unwrap().len(), 4);
    assert_eq!(h.db.last_event_seq().await.unwrap(), 1);
    assert_not_found(
        h.db.add_task_attachment(
            &NewAttachment {
                task_id: "nope".into(),
                ..new
            },
            b"x",
            &entry(HistoryEntryKind::Attachment, T0 + 4),
            &Effects::default(),
        )
        .await,
    );
    assert_eq!(h.count("select count(*) from blobs").await, 2);
}

async fn only_one_extension_request_may_be_pending_and_a_grant_moves_the_deadline(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let task = create(&h, &orgs, T0 + DAY, &Effects::default()).await;
    let request = |at: i64, due: i64| {
        let db = h.db.clone();
        let id = task.id.clone();
        async move {
            db.request_extension(
                &id,
                "u-assignee",
                due,
                "材料未齐",
                &entry(HistoryEntryKind::ExtensionRequested, at),
                &Effects::default(),
            )
            .await
        }
    };
    let decide = |ext: String, grant: bool, at: i64| {
        let db = h.db.clone();
        let id = task.id.clone();
        async move {
            db.decide_extension(
                &id,
                &ext,
                grant,
                "u-setter",
                Some("同意"),
                &entry(HistoryEntryKind::ExtensionDecided, at),
                &Effects::default(),
            )
            .await
        }
    };

    let first = request(T0 + 1, T0 + 5 * DAY).await.unwrap();
    assert_eq!(first.state, ExtensionState::Pending);
    assert_eq!(first.requested_at, T0 + 1);
    let message = rule_message(request(T0 + 2, T0 + 6 * DAY).await);
    assert!(message.contains("already"), "{message}");

    let (refused, unchanged) = decide(first.id.clone(), false, T0 + 3).await.unwrap();
    assert_eq!(refused.state, ExtensionState::Refused);
    assert_eq!(refused.decided_by.as_deref(), Some("u-setter"));
    assert_eq!(refused.decided_at, Some(T0 + 3));
    assert_eq!(refused.decision_note.as_deref(), Some("同意"));
    assert_eq!(unchanged.due_at, T0 + DAY);
    assert_eq!(unchanged.revision, 1);
    rule_message(decide(first.id.clone(), true, T0 + 4).await);

    let second = request(T0 + 5, T0 + 7 * DAY).await.unwrap();
    let (granted, moved) = decide(second.id.clone(), true, T0 + 6).await.unwrap();
    assert_eq!(granted.state, ExtensionState::Granted);
    assert_eq!(moved.due_at, T0 + 7 * DAY);
    assert_eq!(moved.revision, 2);
    assert_eq!(h.db.task(&task.id).await.unwrap(), Some(moved));
    assert!(matches!(
        decide("nope".into(), true, T0 + 7).await,
        Err(DbError::NotFound(_))
    ));

    let all = h.db.task_extensions(&task.id).await.unwrap();
    assert_eq!(all, [refused, granted]);
    assert_eq!(h.db.task_history(&task.id).await.unwrap().len(), 5);
}

// ---- notices ----

async fn a_notice_goes_to_each_recipient_once_and_an_unknown_recipient_is_refused(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let mut new = new_notice(&orgs.setter, &[&orgs.assignee, &orgs.other, &orgs.assignee]);
    new.reply_due_at = Some(T0 + DAY);
    new.remind_at = Some(T0 + 2 * DAY);
    new.escalate_at = Some(T0 + 3 * DAY);
    new.requires_reply = true;
    let effects = Effects {
        events: vec![
            org_event(&orgs.assignee, "notice.received", &new.id),
            org_event(&orgs.other, "notice.received", &new.id),
        ],
        audit: vec![audit("notice_sent")],
        ..Effects::default()
    };

    let notice = h.db.send_notice(&new, T0, &effects).await.unwrap();
    assert_eq!(notice.series_id, new.id);
    assert_eq!(notice.version, 1);
    assert_eq!(notice.state, NoticeState::Sent);
    assert_eq!(notice.sent_at, Some(T0));
    assert!(notice.requires_ack && notice.requires_reply);
    assert_eq!(
        (notice.reply_due_at, notice.remind_at, notice.escalate_at),
        (Some(T0 + DAY), Some(T0 + 2 * DAY), Some(T0 + 3 * DAY))
    );
    assert_eq!(h.db.notice(&new.id).await.unwrap(), Some(notice.clone()));
    let receipts = h.db.notice_receipts(&new.id).await.unwrap();
    assert_eq!(receipts.len(), 2);
    assert!(receipts
        .iter()
        .all(|r| r.state == ReceiptState::Delivered && r.delivered_at == T0));
    assert_eq!(h.db.last_event_seq().await.unwrap(), 2);

    let audit_before = h.audit_actions().await.len();
    let bad = new_notice(&orgs.setter, &[&orgs.assignee, "ghost-org"]);
    let message = rule_message(h.db.send_notice(&bad, T0, &effects).await);
    assert!(message.contains("ghost-org"), "{message}");
    rule_message(
        h.db.send_notice(&new_notice(&orgs.setter, &[]), T0, &effects)
            .await,
    );
    assert_eq!(h.db.notice(&bad.id).await.unwrap(), None);
    assert_eq!(h.db.last_event_seq().await.unwrap(), 2);
    assert_eq!(h.audit_actions().await.len(), audit_before);
}

async fn a_correction_supersedes_the_sent_version_and_starts_receipts_anew(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let v1 = new_notice(&orgs.setter, &[&orgs.assignee, &orgs.other]);
    h.db.send_notice(&v1, T0, &Effects::default())
        .await
        .unwrap();
    h.db.change_receipt(
        &receipt_change(
            &v1.id,
            &orgs.assignee,
            ReceiptState::Delivered,
            ReceiptState::Read,
        ),
        &Effects::default(),
    )
    .await
    .unwrap();

    let mut v2 = new_notice(&orgs.setter, &[&orgs.assignee, &orgs.other]);
    v2.series = Some(v1.id.clone());
    v2.version_kind = VersionKind::Correction;
    v2.title = "更正".into();
    let corrected =
        h.db.send_notice(&v2, T0 + 10, &Effects::default())
            .await
            .unwrap();
    assert_eq!(corrected.series_id, v1.id);
    assert_eq!(corrected.version, 2);
    assert_eq!(corrected.version_kind, VersionKind::Correction);
    assert_eq!(
        h.db.notice(&v1.id).await.unwrap().unwrap().state,
        NoticeState::Superseded
    );
    assert!(h
        .db
        .notice_receipts(&v2.id)
        .await
        .unwrap()
        .iter()
        .all(|r| r.state == ReceiptState::Delivered && r.delivered_at == T0 + 10));

    let mut v3 = new_notice(&orgs.setter, &[&orgs.assignee]);
    v3.series = Some(v1.id.clone());
    v3.version_kind = VersionKind::Recall;
    h.db.send_notice(&v3, T0 + 20, &Effects::default())
        .await
        .unwrap();
    let series = h.db.notice_series(&v1.id).await.unwrap();
    let states: Vec<(i64, NoticeState)> = series.iter().map(|n| (n.version, n.state)).collect();
    assert_eq!(
        states,
        [
            (1, NoticeState::Superseded),
            (2, NoticeState::Superseded),
            (3, NoticeState::Sent)
        ]
    );

    let mut orphan = new_notice(&orgs.setter, &[&orgs.assignee]);
    orphan.series = Some("no-such-series".into());
    assert!(matches!(
        h.db.send_notice(&orphan, T0 + 30, &Effects::default())
            .await,
        Err(DbError::NotFound(_))
    ));
    // Two corrections of the same version racing: one wins, the other is refused.
    let mut a = new_notice(&orgs.setter, &[&orgs.assignee]);
    a.series = Some(v1.id.clone());
    let mut b = new_notice(&orgs.setter, &[&orgs.assignee]);
    b.series = Some(v1.id.clone());
    let none = Effects::default();
    let (ra, rb) = tokio::join!(
        h.db.send_notice(&a, T0 + 40, &none),
        h.db.send_notice(&b, T0 + 40, &none)
    );
    assert!(ra.is_ok() as u8 + rb.is_ok() as u8 >= 1, "{ra:?} {rb:?}");
    let series = h.db.notice_series(&v1.id).await.unwrap();
    let sent = series
        .iter()
        .filter(|n| n.state == NoticeState::Sent)
        .count();
    assert_eq!(sent, 1, "{series:?}");
    let versions: Vec<i64> = series.iter().map(|n| n.version).collect();
    assert_eq!(versions, (1..=series.len() as i64).collect::<Vec<_>>());
}

async fn a_receipt_changes_only_from_the_state_its_caller_read(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let v1 = new_notice(&orgs.setter, &[&orgs.assignee]);
    h.db.send_notice(&v1, T0, &Effects::default())
        .await
        .unwrap();

    let read =
        h.db.change_receipt(
            &receipt_change(
                &v1.id,
                &orgs.assignee,
                ReceiptState::Delivered,
                ReceiptState::Read,
            ),
            &Effects::default(),
        )
        .await
        .unwrap();
    assert_eq!(read.state, ReceiptState::Read);
    assert_eq!(read.read_at, Some(T0 + 100));
    assert_eq!(read.read_by.as_deref(), Some("u-assignee"));
    assert_eq!(read.acknowledged_at, None);

    // A second reader who also saw "delivered": refused, nothing written.
    let effects = Effects {
        events: vec![org_event(&orgs.setter, "notice.acknowledged", &v1.id)],
        audit: vec![audit("notice_acknowledged")],
        ..Effects::default()
    };
    let audit_before = h.audit_actions().await.len();
    let message = rule_message(
        h.db.change_receipt(
            &receipt_change(
                &v1.id,
                &orgs.assignee,
                ReceiptState::Delivered,
                ReceiptState::Acknowledged,
            ),
            &effects,
        )
        .await,
    );
    assert!(message.contains("meanwhile"), "{message}");
    assert_eq!(h.db.last_event_seq().await.unwrap(), 0);
    assert_eq!(h.audit_actions().await.len(), audit_before);

    let acknowledged =
        h.db.change_receipt(
            &receipt_change(
                &v1.id,
                &orgs.assignee,
                ReceiptState::Read,
                ReceiptState::Acknowledged,
            ),
            &effects,
        )
        .await
        .unwrap();
    assert_eq!(acknowledged.acknowledged_at, Some(T0 + 100));
    assert_eq!(acknowledged.acknowledged_by.as_deref(), Some("u-assignee"));
    assert_eq!(acknowledged.acknowledged_by_name.as_deref(), Some("张三"));
    assert_eq!(acknowledged.read_at, Some(T0 + 100), "earlier stamps stay");
    assert_eq!(h.db.last_event_seq().await.unwrap(), 1);

    let replied =
        h.db.change_receipt(
            &ReceiptChange {
                reply: Some("已落实".into()),
                ..receipt_change(
                    &v1.id,
                    &orgs.assignee,
                    ReceiptState::Acknowledged,
                    ReceiptState::Replied,
                )
            },
            &Effects::default(),
        )
        .await
        .unwrap();
    assert_eq!(replied.reply.as_deref(), Some("已落实"));
    assert_eq!(replied.replied_by.as_deref(), Some("u-assignee"));
    let closed =
        h.db.change_receipt(
            &receipt_change(
                &v1.id,
                &orgs.assignee,
                ReceiptState::Replied,
                ReceiptState::Closed,
            ),
            &Effects::default(),
        )
        .await
        .unwrap();
    assert_eq!(closed.closed_at, Some(T0 + 100));
    assert_eq!(
        h.db.notice_receipt(&v1.id, &orgs.assignee).await.unwrap(),
        Some(closed)
    );
    assert_eq!(
        h.db.notice_receipt(&v1.id, &orgs.other).await.unwrap(),
        None
    );

    // A receipt of a superseded version does not change.
    let mut v2 = new_notice(&orgs.setter, &[&orgs.assignee, &orgs.other]);
    v2.series = Some(v1.id.clone());
    v2.version_kind = VersionKind::Correction;
    h.db.send_notice(&v2, T0 + 200, &Effects::default())
        .await
        .unwrap();
    let mut v3 = new_notice(&orgs.setter, &[&orgs.other]);
    v3.series = Some(v1.id.clone());
    h.db.send_notice(&v3, T0 + 300, &Effects::default())
        .await
        .unwrap();
    let said = rule_said(
        h.db.change_receipt(
            &receipt_change(
                &v2.id,
                &orgs.other,
                ReceiptState::Delivered,
                ReceiptState::Read,
            ),
            &Effects::default(),
        )
        .await,
    );
    assert_eq!(said.code(), Some("notice.superseded"), "{said}");
    assert!(said.to_string().contains("corrected or recalled"), "{said}");
    assert!(matches!(
        h.db.change_receipt(
            &receipt_change(
                &v3.id,
                &orgs.setter,
                ReceiptState::Delivered,
                ReceiptState::Read
            ),
            &Effects::default(),
        )
        .await,
        Err(DbError::NotFound(_))
    ));
}

async fn received_and_sent_notices_are_listed_and_pending_means_not_yet_acknowledged(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let mut new = new_notice(&orgs.setter, &[&orgs.assignee]);
        new.requires_ack = i != 3;
        h.db.send_notice(&new, T0 + i, &Effects::default())
            .await
            .unwrap();
        ids.push(new.id);
    }
    // 0: acknowledged; 1: read; 2: delivered, then corrected by 4; 3: needs no acknowledgement.
    for (from, to) in [
        (ReceiptState::Delivered, ReceiptState::Read),
        (ReceiptState::Read, ReceiptState::Acknowledged),
    ] {
        h.db.change_receipt(
            &receipt_change(&ids[0], &orgs.assignee, from, to),
            &Effects::default(),
        )
        .await
        .unwrap();
    }
    h.db.change_receipt(
        &receipt_change(
            &ids[1],
            &orgs.assignee,
            ReceiptState::Delivered,
            ReceiptState::Read,
        ),
        &Effects::default(),
    )
    .await
    .unwrap();
    let mut correction = new_notice(&orgs.setter, &[&orgs.assignee]);
    correction.series = Some(ids[2].clone());
    correction.version_kind = VersionKind::Correction;
    h.db.send_notice(&correction, T0 + 10, &Effects::default())
        .await
        .unwrap();
    let from_elsewhere = new_notice(&orgs.other, &[&orgs.setter]);
    h.db.send_notice(&from_elsewhere, T0 + 11, &Effects::default())
        .await
        .unwrap();

    let received =
        h.db.notices_received(&orgs.assignee, false, 100, 0)
            .await
            .unwrap();
    let got: Vec<&str> = received.iter().map(|(n, _)| n.id.as_str()).collect();
    assert_eq!(
        got,
        [
            correction.id.as_str(),
            ids[3].as_str(),
            ids[2].as_str(),
            ids[1].as_str(),
            ids[0].as_str()
        ]
    );
    assert!(received
        .iter()
        .all(|(n, r)| r.notice_id == n.id && r.org_id == orgs.assignee));
    let page =
        h.db.notices_received(&orgs.assignee, false, 2, 1)
            .await
            .unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0].0.id, ids[3]);

    let pending =
        h.db.notices_received(&orgs.assignee, true, 100, 0)
            .await
            .unwrap();
    let got: Vec<&str> = pending.iter().map(|(n, _)| n.id.as_str()).collect();
    assert_eq!(got, [correction.id.as_str(), ids[1].as_str()]);

    let sent = h.db.notices_sent(&orgs.setter, 100, 0).await.unwrap();
    assert_eq!(sent.len(), 5);
    assert_eq!(sent[0].id, correction.id);
    assert_eq!(
        h.db.notices_sent(&orgs.setter, 2, 4).await.unwrap().len(),
        1
    );
    assert_eq!(
        h.db.notices_sent(&orgs.other, 100, 0).await.unwrap()[0].id,
        from_elsewhere.id
    );
}

// ---- events ----

async fn the_inbox_and_events_for_show_only_events_addressed_to_the_user_or_the_body(h: Harness) {
    // Seqs: 1 org A, 2 user x, 3 org B, 4 user y, 5 org A, 6 user x, 7 org B.
    h.db.append_events(
        T0,
        &[
            org_event("org-a", "e", "1"),
            user_event("user-x", "e"),
            org_event("org-b", "e", "3"),
            user_event("user-y", "e"),
            org_event("org-a", "e", "5"),
            user_event("user-x", "e"),
            org_event("org-b", "e", "7"),
        ],
    )
    .await
    .unwrap();
    let seqs = |events: Vec<server::db::Event>| events.iter().map(|e| e.seq).collect::<Vec<_>>();

    assert_eq!(
        seqs(
            h.db.events_for("user-x", Some("org-a"), 0, 100)
                .await
                .unwrap()
        ),
        [1, 2, 5, 6]
    );
    assert_eq!(
        seqs(
            h.db.events_for("user-x", Some("org-a"), 2, 100)
                .await
                .unwrap()
        ),
        [5, 6]
    );
    assert_eq!(
        seqs(
            h.db.events_for("user-x", Some("org-a"), 0, 3)
                .await
                .unwrap()
        ),
        [1, 2, 5]
    );
    assert_eq!(
        seqs(h.db.events_for("user-x", None, 0, 100).await.unwrap()),
        [2, 6]
    );
    assert_eq!(
        seqs(
            h.db.events_for("user-y", Some("org-b"), 0, 100)
                .await
                .unwrap()
        ),
        [3, 4, 7]
    );

    assert_eq!(
        seqs(
            h.db.inbox("user-x", Some("org-a"), None, 100)
                .await
                .unwrap()
        ),
        [6, 5, 2, 1]
    );
    assert_eq!(
        seqs(h.db.inbox("user-x", Some("org-a"), None, 2).await.unwrap()),
        [6, 5]
    );
    assert_eq!(
        seqs(
            h.db.inbox("user-x", Some("org-a"), Some(5), 2)
                .await
                .unwrap()
        ),
        [2, 1]
    );
    assert!(h
        .db
        .inbox("nobody", Some("no-org"), None, 100)
        .await
        .unwrap()
        .is_empty());

    assert_eq!(seqs(h.db.events_after(4, 2).await.unwrap()), [5, 6]);
    assert_eq!(h.db.last_event_seq().await.unwrap(), 7);
    let event = h.db.event(2).await.unwrap().unwrap();
    assert_eq!(event.audience, Audience::User("user-x".into()));
    assert_eq!(event.at, T0);
}

// ---- webhooks and mailboxes ----

async fn events_to_a_body_schedule_webhook_and_mail_jobs(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let active =
        h.db.create_webhook(&new_webhook(&orgs.assignee), &audit("webhook_created"))
            .await
            .unwrap();
    let inactive =
        h.db.create_webhook(&new_webhook(&orgs.assignee), &audit("webhook_created"))
            .await
            .unwrap();
    assert!(h
        .db
        .set_webhook_active(&inactive.id, false, &audit("webhook_disabled"))
        .await
        .unwrap());
    h.db.set_org_mailbox(
        &orgs.assignee,
        Some("office@example.gov.cn"),
        &audit("mailbox_set"),
    )
    .await
    .unwrap();

    // Mail delivery off: only the active webhook's job.
    let seqs =
        h.db.append_events(
            T0,
            &[
                org_event(&orgs.assignee, "task.dispatched", "t"),
                user_event("u-1", "x"),
            ],
        )
        .await
        .unwrap();
    let hooks =
        h.db.jobs_of(&format!("webhook:{}", active.id))
            .await
            .unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].kind, "webhook");
    assert_eq!(hooks[0].due_at, T0);
    assert_eq!(hooks[0].max_attempts, 8);
    assert_eq!(
        hooks[0].payload,
        json!({ "webhook_id": active.id, "event_seq": seqs[0] })
    );
    assert!(h
        .db
        .jobs_of(&format!("webhook:{}", inactive.id))
        .await
        .unwrap()
        .is_empty());
    assert!(h
        .db
        .jobs_of(&format!("org:{}", orgs.assignee))
        .await
        .unwrap()
        .is_empty());

    // Mail delivery on: an e-mail job too, only for bodies with a mailbox.
    let mailing = h.db.clone().with_mail_delivery(true);
    let seqs = mailing
        .append_events(
            T0 + 1,
            &[
                org_event(&orgs.assignee, "task.dispatched", "t"),
                org_event(&orgs.other, "task.dispatched", "t"),
            ],
        )
        .await
        .unwrap();
    let mails =
        h.db.jobs_of(&format!("org:{}", orgs.assignee))
            .await
            .unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].kind, "email");
    assert_eq!(mails[0].max_attempts, 5);
    assert_eq!(
        mails[0].payload,
        json!({ "event_seq": seqs[0], "to": "office@example.gov.cn" })
    );
    assert!(h
        .db
        .jobs_of(&format!("org:{}", orgs.other))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        h.db.jobs_of(&format!("webhook:{}", active.id))
            .await
            .unwrap()
            .len(),
        2
    );

    h.db.set_org_mailbox(&orgs.assignee, None, &audit("mailbox_cleared"))
        .await
        .unwrap();
    assert_eq!(h.db.org_mailbox(&orgs.assignee).await.unwrap(), None);
    mailing
        .append_events(T0 + 2, &[org_event(&orgs.assignee, "x", "t")])
        .await
        .unwrap();
    assert_eq!(
        h.db.jobs_of(&format!("org:{}", orgs.assignee))
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn webhooks_keep_their_secret_to_themselves_and_log_deliveries(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let new = new_webhook(&orgs.assignee);
    assert!(!format!("{new:?}").contains("s3cret"), "{new:?}");

    let hook =
        h.db.create_webhook(&new, &audit("webhook_created"))
            .await
            .unwrap();
    assert!(hook.active);
    assert_eq!(hook.url, "https://agency.example/hook");
    assert_eq!(hook.created_at, T0);
    assert!(!format!("{hook:?}").contains("s3cret"));
    assert_eq!(h.db.webhook(&hook.id).await.unwrap(), Some(hook.clone()));
    assert_eq!(
        h.db.webhooks_of(&orgs.assignee).await.unwrap(),
        std::slice::from_ref(&hook)
    );
    assert!(h.db.webhooks_of(&orgs.setter).await.unwrap().is_empty());
    assert_eq!(
        h.db.webhook_secret(&hook.id).await.unwrap().as_deref(),
        Some("s3cret-signing-key")
    );
    assert_eq!(h.db.webhook_secret("nope").await.unwrap(), None);
    assert!(!h
        .db
        .set_webhook_active("nope", false, &audit("x"))
        .await
        .unwrap());
    assert!(matches!(
        h.db.create_webhook(&new_webhook("no-such-org"), &audit("webhook_created"))
            .await,
        Err(DbError::NotFound(_))
    ));
    let actions = h.audit_actions().await;
    assert_eq!(actions.last().map(String::as_str), Some("webhook_created"));

    for (attempt, outcome) in [(1, "failed"), (2, "delivered")] {
        h.db.record_delivery(&Delivery {
            id: server::db::new_id(),
            webhook_id: hook.id.clone(),
            event_seq: 1,
            job_id: "job-1".into(),
            attempt,
            at: T0 + attempt as i64,
            outcome: outcome.into(),
            http_status: Some(if attempt == 1 { 503 } else { 204 }),
            error: (attempt == 1).then(|| "503 Service Unavailable".into()),
            duration_ms: 12,
        })
        .await
        .unwrap();
    }
    let log = h.db.deliveries_of(&hook.id, 10).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].outcome, "delivered");
    assert_eq!(log[1].http_status, Some(503));
    assert_eq!(h.db.deliveries_of(&hook.id, 1).await.unwrap().len(), 1);

    h.db.set_org_mailbox(
        &orgs.setter,
        Some("a@example.gov.cn"),
        &audit("mailbox_set"),
    )
    .await
    .unwrap();
    h.db.set_org_mailbox(
        &orgs.setter,
        Some("b@example.gov.cn"),
        &audit("mailbox_set"),
    )
    .await
    .unwrap();
    assert_eq!(
        h.db.org_mailbox(&orgs.setter).await.unwrap().as_deref(),
        Some("b@example.gov.cn")
    );
    assert!(matches!(
        h.db.set_org_mailbox("nope", Some("x@example.gov.cn"), &audit("mailbox_set"))
            .await,
        Err(DbError::NotFound(_))
    ));
}

// ---- calendar ----

async fn a_calendar_year_is_replaced_whole_and_refused_whole(h: Harness) {
    let day = |y: i32, m: u8, d: u8, kind: DayKind, name: &str| SpecialDay {
        date: time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap(),
        kind,
        name: name.into(),
    };
    let y2026 = YearCalendar {
        year: 2026,
        source: "国务院办公厅通知".into(),
        days: vec![
            day(2026, 10, 1, DayKind::Holiday, "国庆节"),
            day(2026, 1, 1, DayKind::Holiday, "元旦"),
            day(2026, 1, 4, DayKind::Workday, "元旦"),
        ],
    };
    let y2025 = YearCalendar {
        year: 2025,
        source: String::new(),
        days: vec![day(2025, 12, 31, DayKind::Holiday, "test")],
    };
    h.db.load_calendar_year(&y2026, &audit("calendar_loaded"))
        .await
        .unwrap();
    h.db.load_calendar_year(&y2025, &audit("calendar_loaded"))
        .await
        .unwrap();

    let days = h.db.calendar_days().await.unwrap();
    assert_eq!(
        days,
        [
            y2025.days[0].clone(),
            y2026.days[1].clone(),
            y2026.days[2].clone(),
            y2026.days[0].clone()
        ]
    );
    assert_eq!(h.db.calendar_years().await.unwrap(), [(2025, 1), (2026, 3)]);

    // Replaced whole.
    let smaller = YearCalendar {
        days: vec![day(2026, 5, 1, DayKind::Holiday, "劳动节")],
        ..y2026.clone()
    };
    h.db.load_calendar_year(&smaller, &audit("calendar_loaded"))
        .await
        .unwrap();
    assert_eq!(h.db.calendar_years().await.unwrap(), [(2025, 1), (2026, 1)]);

    // Refused whole: a day of another year, a day twice.
    let audit_before = h.audit_actions().await.len();
    let stray = YearCalendar {
        days: vec![
            day(2026, 6, 1, DayKind::Holiday, "x"),
            day(2027, 1, 1, DayKind::Holiday, "元旦"),
        ],
        ..y2026.clone()
    };
    assert!(rule_message(
        h.db.load_calendar_year(&stray, &audit("calendar_loaded"))
            .await
    )
    .contains("2027-01-01"));
    let twice = YearCalendar {
        days: vec![
            day(2026, 6, 1, DayKind::Holiday, "x"),
            day(2026, 6, 1, DayKind::Holiday, "x"),
        ],
        ..y2026
    };
    assert!(rule_message(
        h.db.load_calendar_year(&twice, &audit("calendar_loaded"))
            .await
    )
    .contains("twice"));
    assert_eq!(h.db.calendar_days().await.unwrap().len(), 2);
    assert_eq!(h.audit_actions().await.len(), audit_before);
}

// ---- people ----

async fn org_admin_ids_are_the_enabled_admins_of_the_body(h: Harness) {
    let orgs = seed_orgs(&h).await;
    let mut admins = Vec::new();
    for (login, role, disabled) in [
        ("admin1", OrgRole::Admin, false),
        ("admin2", OrgRole::Admin, false),
        ("gone", OrgRole::Admin, true),
        ("member", OrgRole::Member, false),
    ] {
        let user =
            h.db.create_user(
                &NewUser {
                    org_id: Some(orgs.assignee.clone()),
                    username: Some(Username::parse(login).unwrap()),
                    display_name: Name::parse(login).unwrap(),
                    org_role: role,
                    operator: false,
                    password_hash: None,
                    oidc_issuer: None,
                    oidc_subject: None,
                },
                &audit("user_created"),
            )
            .await
            .unwrap();
        if disabled {
            h.db.update_user(
                &user.id,
                &server::db::UserPatch {
                    disabled: Some(true),
                    ..Default::default()
                },
                &audit("user_disabled"),
            )
            .await
            .unwrap();
        } else if role == OrgRole::Admin {
            admins.push(user.id);
        }
    }
    admins.sort();

    assert_eq!(h.db.org_admin_ids(&orgs.assignee).await.unwrap(), admins);
    assert!(h.db.org_admin_ids(&orgs.setter).await.unwrap().is_empty());
}

// ---- helpers ----

const DAY: i64 = 86_400_000;

/// Three bodies: one sets tasks, one does them, one more.
struct Orgs {
    setter: String,
    assignee: String,
    other: String,
}

async fn seed_orgs(h: &Harness) -> Orgs {
    for (code, level, parent) in [
        ("330000", Level::Province, None),
        ("330100", Level::City, Some("330000")),
    ] {
        h.db.create_region(
            &NewRegion {
                code: RegionCode::parse(code).unwrap(),
                name_zh: Name::parse(&format!("区域{code}")).unwrap(),
                name_en: None,
                level,
                parent: parent.map(|p| RegionCode::parse(p).unwrap()),
            },
            &audit("region_created"),
        )
        .await
        .unwrap();
    }
    let mut ids = Vec::new();
    for (code, kind) in [
        ("SETTER", OrgKind::JudicialBureau),
        ("ASSIGNEE", OrgKind::EnforcementDepartment),
        ("OTHER", OrgKind::EnforcementDepartment),
    ] {
        let org =
            h.db.create_org(
                &NewOrg {
                    code: OrgCode::parse(code).unwrap(),
                    name_zh: Name::parse(&format!("单位{code}")).unwrap(),
                    name_en: None,
                    kind,
                    region: RegionCode::parse("330100").unwrap(),
                    parent_id: None,
                },
                &audit("org_created"),
            )
            .await
            .unwrap();
        ids.push(org.id);
    }
    Orgs {
        other: ids.pop().unwrap(),
        assignee: ids.pop().unwrap(),
        setter: ids.pop().unwrap(),
    }
}

fn audit(action: &str) -> AuditEvent {
    AuditEvent {
        at: T0,
        actor_user_id: Some("tester".into()),
        actor_org_id: None,
        action: action.into(),
        target: String::new(),
        detail: json!({}),
        ip: None,
    }
}

fn org_event(org: &str, kind: &str, subject_id: &str) -> NewEvent {
    NewEvent {
        audience: Audience::Org(org.into()),
        kind: kind.into(),
        subject: format!("task:{subject_id}"),
        payload: json!({ "title": "核查", "task_id": subject_id }),
    }
}

fn user_event(user: &str, kind: &str) -> NewEvent {
    NewEvent {
        audience: Audience::User(user.into()),
        kind: kind.into(),
        subject: "task:t".into(),
        payload: json!({ "title": "提醒" }),
    }
}

fn job_of(subject: &str, kind: &str, due_at: i64) -> NewJob {
    NewJob {
        kind: kind.into(),
        subject: subject.into(),
        payload: json!({ "subject": subject }),
        due_at,
        max_attempts: 3,
        dedupe_key: None,
    }
}

/// A task from `setter` to `assignee`, dispatched at `T0`.
fn new_task(setter: &str, assignee: &str, due_at: i64) -> NewTask {
    NewTask {
        id: server::db::new_id(),
        title: "核查".into(),
        body: "请核查并反馈".into(),
        feedback_required: "处理结果".into(),
        source: TaskSource::Direct,
        source_ref: None,
        setter_org_id: setter.into(),
        assignee_org_id: assignee.into(),
        created_by: "u-setter".into(),
        state: TaskState::Dispatched,
        limit: None,
        started_at: Some(T0),
        due_at,
    }
}

async fn create(h: &Harness, orgs: &Orgs, due_at: i64, effects: &Effects) -> Task {
    let new = new_task(&orgs.setter, &orgs.assignee, due_at);
    h.db.create_task(&new, &entry_at(T0, TaskState::Dispatched), effects)
        .await
        .unwrap()
}

fn entry(kind: HistoryEntryKind, at: i64) -> HistoryEntry {
    HistoryEntry {
        stamp: Stamp {
            at,
            user_id: Some("u-1".into()),
            name: Some("张三".into()),
            org_id: Some("org".into()),
        },
        kind,
        command: None,
        from_state: None,
        to_state: None,
        body: None,
        detail: json!({}),
    }
}

/// The history line of a transition into `to`.
fn entry_at(at: i64, to: TaskState) -> HistoryEntry {
    HistoryEntry {
        command: Some(TaskCommand::Dispatch),
        from_state: Some(TaskState::Created),
        to_state: Some(to),
        ..entry(HistoryEntryKind::Transition, at)
    }
}

/// A change of `task` (as read) into `state` at `at`.
fn change(task: &Task, state: TaskState, at: i64) -> TaskChange {
    TaskChange {
        task_id: task.id.clone(),
        expected_revision: task.revision,
        state,
        assignee_org_id: None,
        due_at: None,
        started_at: None,
        feedback: None,
        entry: HistoryEntry {
            from_state: Some(task.state),
            to_state: Some(state),
            ..entry(HistoryEntryKind::Transition, at)
        },
    }
}

fn new_notice(sender: &str, recipients: &[&str]) -> NewNotice {
    NewNotice {
        id: server::db::new_id(),
        series: None,
        version_kind: VersionKind::Original,
        kind: NoticeKind::Information,
        sender_org_id: sender.into(),
        created_by: "u-setter".into(),
        title: "通报".into(),
        body: "内容".into(),
        requires_ack: true,
        requires_reply: false,
        reply_due_at: None,
        remind_at: None,
        escalate_at: None,
        recipients: recipients.iter().map(|r| (*r).to_owned()).collect(),
        subject: None,
    }
}

fn receipt_change(notice: &str, org: &str, from: ReceiptState, to: ReceiptState) -> ReceiptChange {
    ReceiptChange {
        notice_id: notice.into(),
        org_id: org.into(),
        from,
        to,
        at: T0 + 100,
        user_id: Some("u-assignee".into()),
        user_name: Some("张三".into()),
        reply: None,
    }
}

fn new_webhook(org: &str) -> NewWebhook {
    NewWebhook {
        org_id: org.into(),
        url: "https://agency.example/hook".into(),
        secret: "s3cret-signing-key".into(),
        description: "办案系统".into(),
        created_by: "u-admin".into(),
    }
}

/// The message of a [`DbError::Rule`]; anything else fails the test.
#[track_caller]
fn rule_message<T: std::fmt::Debug>(result: Result<T, DbError>) -> String {
    rule_said(result).to_string()
}

/// The message of a rule refusal, for its catalogue code and its words.
fn rule_said<T: std::fmt::Debug>(result: Result<T, DbError>) -> server::domain::message::Message {
    match result {
        Err(DbError::Rule(message)) => message,
        other => panic!("expected a rule refusal, got {other:?}"),
    }
}

/// A refusal because the task named does not exist.
#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, DbError>) {
    assert!(
        matches!(result, Err(DbError::NotFound(_))),
        "expected not found, got {result:?}"
    );
}
