//! Durable jobs: reminders fire at their time by the working-day calendar (not before), a job
//! due while the server was down runs once after the restart, and two server processes on
//! one PostgreSQL database never run a job twice.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use server::clock::Clock;
use server::db::{now_unix_ms, Audience, Db, Event, HistoryEntryKind, NewEvent};
use time::macros::datetime;
use time::OffsetDateTime;

use crate::support::api::{open_db, Api, World};
use crate::support::postgres::fresh_database_url;
use crate::support::receiver::Receiver;
use crate::support::server::{ChildServer, Options, TestServer};

/// Unix milliseconds of an instant.
pub fn ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap()
}

/// Monday 21 September 2026, 10:00 in Beijing: a task set now with ten working days spans
/// the Mid-Autumn holiday (25–27 September), National Day (1–7 October) and the worked
/// Saturday 10 October.
const START: OffsetDateTime = datetime!(2026-09-21 10:00 +8);

/// A server whose clock the test holds, at [`START`].
async fn server_at_start() -> (TestServer, Clock) {
    let clock = Clock::manual(ms(START));
    let server = TestServer::start_with(Options {
        clock: Some(clock.clone()),
        ..Options::default()
    })
    .await;
    (server, clock)
}

/// Sets a task from the county bureau to the market department, ten working days.
async fn set_task(server: &TestServer, world: &World) -> serde_json::Value {
    let setter = Api::signed_in(server, "county-bureau").await;
    let (status, task) = setter
        .post(
            "/api/tasks",
            json!({
                "title": "核查无证经营线索",
                "body": "请于十个工作日内核查并反馈。",
                "assignee_org_id": world.org("market"),
                "limit": { "unit": "working_days", "amount": 10 },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    task
}

/// The events about `subject`, oldest first, leaving out the dispatch itself.
async fn events_about(db: &Db, subject: &str) -> Vec<Event> {
    db.events_after(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.subject == subject && e.kind != "task.dispatched")
        .collect()
}

#[tokio::test]
async fn reminders_fire_at_fifty_and_seventy_five_percent_overdue_and_escalation_by_working_days() {
    let (server, clock) = server_at_start().await;
    let world = World::build(&server).await;
    let db = open_db(&server, None).await;

    // The shipped calendar was loaded at first start.
    let operator = Api::signed_in(&server, "operator").await;
    let (status, calendar) = operator.get("/api/calendar/2026").await;
    assert_eq!(status, StatusCode::OK, "{calendar}");
    let days = calendar["days"].as_array().unwrap();
    assert!(days
        .iter()
        .any(|d| d["date"] == "2026-10-01" && d["kind"] == "holiday"));
    assert!(days
        .iter()
        .any(|d| d["date"] == "2026-10-10" && d["kind"] == "workday"));

    let task = set_task(&server, &world).await;
    let task_id = task["id"].as_str().unwrap().to_owned();
    let subject = format!("task:{task_id}");
    // Ten working days after Monday 21 September, the start day not counted: 22, 23, 24,
    // 28, 29, 30 September, 8, 9, 10 (the worked Saturday) and 12 October; due at its end,
    // the last millisecond of 12 October (shown as 23:59 of that day).
    assert_eq!(task["due_at"], ms(datetime!(2026-10-12 23:59:59.999 +8)));

    let market = world.org("market");
    let setter = world.org("county-bureau");
    let market_admin = world.users["market-admin"].clone();
    let steps: [(OffsetDateTime, &str, Vec<Audience>); 4] = [
        // 50 %: 09:00 on the 6th working day after the start (Wednesday 30 September).
        (
            datetime!(2026-09-30 09:00 +8),
            "task.reminder",
            vec![Audience::Org(market.into())],
        ),
        // 75 %: 09:00 on the 8th working day (Friday 9 October, after National Day).
        (
            datetime!(2026-10-09 09:00 +8),
            "task.reminder",
            vec![Audience::Org(market.into())],
        ),
        // 催办: the first working morning after the deadline.
        (
            datetime!(2026-10-13 09:00 +8),
            "task.overdue",
            vec![Audience::Org(market.into())],
        ),
        // 督办: five working mornings later, to the setter and the assignee's admins.
        (
            datetime!(2026-10-20 09:00 +8),
            "task.escalated",
            vec![
                Audience::Org(setter.into()),
                Audience::User(market_admin.clone()),
            ],
        ),
    ];
    let mut seen = 0;
    for (at, kind, audiences) in steps {
        clock.set_ms(ms(at) - 1);
        server.worker.run_due().await.unwrap();
        let events = events_about(&db, &subject).await;
        assert_eq!(
            events.len(),
            seen,
            "nothing may fire a millisecond before {at}: {events:?}"
        );

        clock.set_ms(ms(at));
        let ran = server.worker.run_due().await.unwrap();
        assert!(ran >= 1, "a job was due at {at}");
        let events = events_about(&db, &subject).await;
        let new = &events[seen..];
        assert_eq!(new.len(), audiences.len(), "at {at}: {new:?}");
        for (event, audience) in new.iter().zip(&audiences) {
            assert_eq!(event.kind, kind);
            assert_eq!(&event.audience, audience);
            assert_eq!(event.at, ms(at));
            assert_eq!(event.payload["task_id"], task_id.as_str());
        }
        seen = events.len();
    }
    let reminders = events_about(&db, &subject).await;
    assert_eq!(reminders[0].payload["percent"], 50);
    assert_eq!(reminders[1].payload["percent"], 75);

    // Each left a line in the task's history, written by the system.
    let history = db.task_history(&task_id).await.unwrap();
    let kinds: Vec<HistoryEntryKind> = history
        .iter()
        .map(|s| s.entry.kind)
        .filter(|k| {
            matches!(
                k,
                HistoryEntryKind::Reminder
                    | HistoryEntryKind::Overdue
                    | HistoryEntryKind::Escalated
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            HistoryEntryKind::Reminder,
            HistoryEntryKind::Reminder,
            HistoryEntryKind::Overdue,
            HistoryEntryKind::Escalated
        ]
    );
    assert!(history
        .iter()
        .filter(|s| s.entry.kind != HistoryEntryKind::Transition)
        .all(|s| s.entry.stamp.user_id.is_none()));

    // Nothing of the task is left to run, however late it gets (by then the December clock
    // of the annual reports runs, about no task).
    clock.set_ms(ms(datetime!(2026-12-31 23:00 +8)));
    assert!(db
        .jobs_of(&subject)
        .await
        .unwrap()
        .iter()
        .all(|job| job.state != "pending"));
    server.worker.run_due().await.unwrap();
    assert_eq!(events_about(&db, &subject).await.len(), 5);
}

#[tokio::test]
async fn a_job_due_while_the_server_was_down_runs_once_after_the_restart() {
    let (server, clock) = server_at_start().await;
    let world = World::build(&server).await;
    let task = set_task(&server, &world).await;
    let subject = format!("task:{}", task["id"].as_str().unwrap());
    let data_dir = server.stop().await;

    // While no server runs, the 50 % reminder comes due.
    clock.set_ms(ms(datetime!(2026-10-02 12:00 +8)));
    let server = TestServer::start_in(
        data_dir,
        Options {
            clock: Some(clock.clone()),
            ..Options::default()
        },
    )
    .await;
    assert_eq!(server.worker.run_due().await.unwrap(), 1);
    assert_eq!(server.worker.run_due().await.unwrap(), 0);
    let db = open_db(&server, None).await;
    let events = events_about(&db, &subject).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].kind, "task.reminder");
    assert_eq!(events[0].payload["percent"], 50);
    // Once more after another restart: it is done, not run again.
    let data_dir = server.stop().await;
    let server = TestServer::start_in(
        data_dir,
        Options {
            clock: Some(clock.clone()),
            ..Options::default()
        },
    )
    .await;
    assert_eq!(server.worker.run_due().await.unwrap(), 0);
    let db = open_db(&server, None).await;
    assert_eq!(events_about(&db, &subject).await.len(), 1);
}

#[tokio::test]
async fn two_server_processes_on_one_postgres_database_run_each_of_hundreds_of_jobs_once() {
    const EVENTS: usize = 200;
    const HOOKS: [&str; 2] = ["first", "second"];
    let url = fresh_database_url().await;
    // An in-process node with a held clock (it runs no jobs) seeds the directory and sets up
    // the webhooks; two `concord serve` processes run the jobs.
    let seeder = TestServer::start_with(Options {
        database_url: Some(url.clone()),
        clock: Some(Clock::manual(now_unix_ms())),
        ..Options::default()
    })
    .await;
    let world = World::build_on(&seeder, Some(&url)).await;
    let receiver = Receiver::start().await;
    let admin = Api::signed_in(&seeder, "market-admin").await;
    let mut hook_ids = HashMap::new();
    for name in HOOKS {
        let (status, hook) = admin
            .post(
                &format!("/api/orgs/{}/webhooks", world.org("market")),
                json!({ "url": receiver.url(name), "description": name }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{hook}");
        hook_ids.insert(name, hook["id"].as_str().unwrap().to_owned());
    }

    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    // Nodes of one deployment share the master key (the signed log's key is sealed under it).
    let master = std::fs::read_to_string(seeder.data_dir.path().join("master-key")).unwrap();
    let poll = ["--job-poll-ms", "20", "--master-key", master.trim()];
    let _a = ChildServer::start_with_args(dirs[0].path(), Some(&url), &poll).await;
    let _b = ChildServer::start_with_args(dirs[1].path(), Some(&url), &poll).await;

    // Events to the market department, in a few bursts; each makes one webhook job per hook.
    let db = open_db(&seeder, Some(&url)).await;
    let mut seqs = Vec::new();
    for burst in 0..4 {
        let events: Vec<NewEvent> = (0..EVENTS / 4)
            .map(|i| NewEvent {
                audience: Audience::Org(world.org("market").into()),
                kind: "notice.received".into(),
                subject: format!("notice:test-{burst}-{i}"),
                payload: json!({ "title": format!("通报 {burst}-{i}") }),
            })
            .collect();
        seqs.extend(db.append_events(now_unix_ms(), &events).await.unwrap());
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let expected = EVENTS * HOOKS.len();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while receiver.calls().len() < expected {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of {expected} calls arrived",
            receiver.calls().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Give a second run, if there were one, time to show itself.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let calls = receiver.calls();
    assert_eq!(calls.len(), expected, "some job ran twice");
    for name in HOOKS {
        let mut per_event: HashMap<String, usize> = HashMap::new();
        for call in receiver.calls_to(name) {
            *per_event.entry(call.event_id).or_default() += 1;
        }
        assert_eq!(per_event.len(), EVENTS, "{name}: every event arrived");
        assert!(
            per_event.values().all(|n| *n == 1),
            "{name}: an event arrived twice"
        );
        for seq in &seqs {
            assert_eq!(per_event.get(&seq.to_string()), Some(&1));
        }
        let id = &hook_ids[name];
        let deliveries = db.deliveries_of(id, 10_000).await.unwrap();
        assert_eq!(deliveries.len(), EVENTS, "{name}: one delivery row per job");
        assert!(deliveries.iter().all(|d| d.outcome == "delivered"));
        let jobs = db.jobs_of(&format!("webhook:{id}")).await.unwrap();
        assert_eq!(jobs.len(), EVENTS);
        assert!(jobs.iter().all(|j| j.state == "done" && j.attempts == 1));
    }
}

/// A small year file: New Year's Day off, a Saturday in February worked.
const YEAR_2027: &str = r#"{
  "year": 2027,
  "source": "test",
  "days": [
    { "date": "2027-01-01", "kind": "holiday", "name": "元旦" },
    { "date": "2027-02-06", "kind": "workday", "name": "春节" }
  ]
}"#;

#[tokio::test]
async fn an_operator_loads_a_years_calendar_over_http_and_no_one_else_can() {
    let (server, _clock) = server_at_start().await;
    World::build(&server).await;
    let put = |api: &Api, path: &str, body: &str| {
        let request = api
            .client
            .put(format!("{}{path}", api.base))
            .header("origin", api.base.clone())
            .header("content-type", "application/json")
            .body(body.to_owned());
        async move { request.send().await.unwrap().status() }
    };
    let member = Api::signed_in(&server, "market-admin").await;
    assert_eq!(
        put(&member, "/api/calendar/2027", YEAR_2027).await,
        StatusCode::FORBIDDEN
    );
    let operator = Api::signed_in(&server, "operator").await;
    assert_eq!(
        put(&operator, "/api/calendar/2028", YEAR_2027).await,
        StatusCode::BAD_REQUEST,
        "the path's year must be the file's"
    );
    assert_eq!(
        put(&operator, "/api/calendar/2027", "{\"year\": 2027").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        put(&operator, "/api/calendar/twenty", YEAR_2027).await,
        StatusCode::BAD_REQUEST
    );
    let (_, before) = operator.get("/api/calendar/2027").await;
    assert_eq!(before["days"], json!([]));

    assert_eq!(
        put(&operator, "/api/calendar/2027", YEAR_2027).await,
        StatusCode::OK
    );
    let (status, after) = member.get("/api/calendar/2027").await;
    assert_eq!(status, StatusCode::OK);
    let days = after["days"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0]["date"], "2027-01-01");
    assert_eq!(days[0]["kind"], "holiday");
    assert_eq!(days[1]["kind"], "workday");
    // The shipped year is untouched.
    let (_, shipped) = member.get("/api/calendar/2026").await;
    assert!(shipped["days"].as_array().unwrap().len() > 20);
}

#[tokio::test]
async fn concord_admin_calendar_load_replaces_a_year_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2027.json");
    std::fs::write(&file, YEAR_2027).unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(crate::support::server::concord_binary())
        .args(["admin", "calendar-load", "--init"])
        .arg(&file)
        .arg("--data-dir")
        .arg(data_dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.contains("calendar 2027 loaded: 1 holidays, 1 worked weekend days"),
        "{text}"
    );

    std::fs::write(&file, "{\"year\": 2027, \"days\": [{\"date\": \"2027-02-07\", \"kind\": \"holiday\", \"name\": \"x\"}, {\"date\": \"2026-01-01\", \"kind\": \"holiday\", \"name\": \"x\"}]}").unwrap();
    let output = std::process::Command::new(crate::support::server::concord_binary())
        .args(["admin", "calendar-load"])
        .arg(&file)
        .arg("--data-dir")
        .arg(data_dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "a date outside the year is refused"
    );

    let db = Db::connect(&server::db::DbConfig {
        url: None,
        data_dir: data_dir.path().to_path_buf(),
        sqlite_synchronous: server::db::SqliteSync::Normal,
    })
    .await
    .unwrap();
    assert_eq!(db.calendar_years().await.unwrap(), [(2027, 2)]);
}
