//! `work-bench`: the supervision machinery under a realistic load (issue #4's benchmark).
//!
//! 1. Seeds one database (SQLite under a new data directory, or the PostgreSQL database a URL
//!    names) through the server's own `Db` API: `--bodies` organizations with one signed-in
//!    user each, `--tasks` open tasks between random bodies (a third of them overdue) and
//!    `--notices` notifications that ask for acknowledgement, each to one random body, with
//!    their inbox events. A further body holds `--sse-clients` users for the live-push test.
//! 2. Starts the real `concord serve` binary on that database and measures, over HTTP with
//!    keep-alive, one request at a time: one body's inbox, its overdue tasks and its
//!    unacknowledged notifications (`--requests` each, random bodies).
//! 3. Opens `--sse-clients` event streams (`/api/events`) for the users of one body, sends
//!    that body `--sse-events` notifications over HTTP, and measures for every client and
//!    event the time from the event's commit stamp (`at`, taken inside the transaction) to its
//!    arrival.
//! 4. Stops the server and, in this process, schedules `--jobs` reminder jobs that are all due
//!    now, then times the server's own job worker (`Worker::run_due`) running them.
//!
//! Every phase prints one JSON line; `bench/work.sh` runs it on both engines.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bench_support::{
    body_with_users, client, cookie, db_config, ms, now_ms, ok_body, summary, timed, two_distinct,
    Server, DAY_MS,
};
use clap::Parser as _;
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use server::db::{
    Audience, AuditEvent, Db, Effects, HistoryEntry, HistoryEntryKind, NewEvent, NewJob, NewNotice,
    NewRegion, NewTask, SqliteSync, Stamp,
};
use server::domain::notice::{NoticeKind, VersionKind};
use server::domain::org::{Level, Name, OrgKind, RegionCode};
use server::domain::task::{TaskSource, TaskState};
use tokio::sync::Mutex;

#[derive(Debug, clap::Parser)]
#[command(about = "Load test of tasks, notifications, live push and the job worker")]
struct Args {
    /// PostgreSQL URL of an empty database; default: SQLite in a new temporary directory.
    #[arg(long)]
    database_url: Option<String>,
    /// The concord binary to run.
    #[arg(long, default_value = "target/release/concord")]
    concord: PathBuf,
    #[arg(long, default_value_t = 1000)]
    bodies: usize,
    #[arg(long, default_value_t = 10_000)]
    tasks: usize,
    #[arg(long, default_value_t = 100_000)]
    notices: usize,
    /// Requests per listing endpoint.
    #[arg(long, default_value_t = 500)]
    requests: usize,
    #[arg(long, default_value_t = 1000)]
    sse_clients: usize,
    #[arg(long, default_value_t = 30)]
    sse_events: usize,
    /// Reminder jobs for the worker throughput phase.
    #[arg(long, default_value_t = 10_000)]
    jobs: usize,
    /// Concurrent writers while seeding (PostgreSQL; SQLite has one writer anyway).
    #[arg(long, default_value_t = 8)]
    seed_writers: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir().context("making the data directory")?;
    let engine = if args.database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };

    let started = Instant::now();
    let world = seed(&args, dir.path().to_path_buf()).await?;
    println!(
        "{}",
        json!({"phase": "seed", "engine": engine, "bodies": args.bodies, "tasks": args.tasks,
               "notices": args.notices, "seconds": started.elapsed().as_secs_f64()})
    );

    let server = Server::start(&args.concord, args.database_url.as_deref(), dir.path()).await?;
    let lists = measure_lists(&args, &server, &world).await?;
    for (endpoint, h) in &lists {
        let mut line = json!({"phase": "list", "engine": engine, "endpoint": endpoint});
        merge(&mut line, summary(h));
        println!("{line}");
    }
    let sse = measure_sse(&args, &server, &world).await?;
    println!(
        "{}",
        json!({"phase": "sse", "engine": engine, "clients": args.sse_clients,
        "events": args.sse_events, "samples": sse.len(), "p50_ms": ms(&sse, 0.5),
        "p99_ms": ms(&sse, 0.99), "max_ms": sse.max() as f64 / 1000.0})
    );
    server.stop().await?;

    let (ran, seconds) = measure_worker(&args, dir.path().to_path_buf(), &world).await?;
    println!(
        "{}",
        json!({"phase": "worker", "engine": engine, "jobs": ran, "seconds": seconds,
        "jobs_per_s": ran as f64 / seconds})
    );
    Ok(())
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(into), Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}

/// What the measuring phases need from the seeded database.
struct World {
    /// Per body: its id and the cookie value of its user's session.
    bodies: Vec<(String, String)>,
    /// The body whose users hold the event streams, and their cookies.
    crowd_body: String,
    crowd_cookies: Vec<String>,
    /// Open tasks (id, due_at), for the worker phase.
    tasks: Vec<(String, i64)>,
}

fn system_event(action: &str) -> AuditEvent {
    bench_support::system_event(action, "work-bench")
}

async fn seed(args: &Args, data_dir: PathBuf) -> anyhow::Result<World> {
    // Seeding is not what is measured: SQLite commits without fsync here, and the server
    // measured below runs with its default (FULL).
    let db = Db::connect(&db_config(
        args.database_url.as_deref(),
        data_dir,
        SqliteSync::Normal,
    ))
    .await?;
    let region = RegionCode::parse("330000")?;
    db.create_region(
        &NewRegion {
            code: region.clone(),
            name_zh: Name::parse("浙江省")?,
            name_en: None,
            level: Level::Province,
            parent: None,
        },
        &system_event("region_created"),
    )
    .await?;

    let mut bodies = Vec::with_capacity(args.bodies);
    for i in 0..args.bodies {
        let (org_id, cookie) = body_with_users(
            &db,
            &region,
            OrgKind::EnforcementDepartment,
            &format!("body-{i:04}"),
            1,
        )
        .await?;
        bodies.push((org_id, cookie.into_iter().next().context("a cookie")?));
    }
    let (crowd_body, crowd_cookies) = body_with_users(
        &db,
        &region,
        OrgKind::EnforcementDepartment,
        "crowd",
        args.sse_clients,
    )
    .await?;

    let db = Arc::new(db);
    let rng = Arc::new(Mutex::new(rand::rngs::StdRng::seed_from_u64(4)));
    let ids: Arc<Vec<String>> = Arc::new(bodies.iter().map(|(id, _)| id.clone()).collect());
    let tasks = Arc::new(Mutex::new(Vec::with_capacity(args.tasks)));
    let writers = if args.database_url.is_some() {
        args.seed_writers.max(1)
    } else {
        1
    };

    let mut join = tokio::task::JoinSet::new();
    for w in 0..writers {
        let (db, rng, ids, tasks) = (db.clone(), rng.clone(), ids.clone(), tasks.clone());
        let (n_tasks, n_notices) = (args.tasks, args.notices);
        join.spawn(async move {
            let mut i = w;
            while i < n_tasks {
                let (setter, assignee, overdue) = {
                    let mut r = rng.lock().await;
                    let (s, a) = two_distinct(&mut *r, ids.len());
                    (ids[s].clone(), ids[a].clone(), r.gen_bool(1.0 / 3.0))
                };
                let now = now_ms();
                let due_at = if overdue {
                    now - 2 * DAY_MS
                } else {
                    now + 10 * DAY_MS
                };
                let task = new_task(setter, assignee.clone(), now, due_at);
                let id = task.id.clone();
                let effects = Effects {
                    events: vec![NewEvent {
                        audience: Audience::Org(assignee),
                        kind: "task.dispatched".into(),
                        subject: format!("task:{id}"),
                        payload: json!({"title": task.title, "task_id": id}),
                    }],
                    ..Effects::default()
                };
                db.create_task(&task, &dispatch_entry(now), &effects)
                    .await?;
                tasks.lock().await.push((id, due_at));
                i += writers;
            }
            let mut i = w;
            while i < n_notices {
                let (sender, recipient) = {
                    let mut r = rng.lock().await;
                    let (s, a) = two_distinct(&mut *r, ids.len());
                    (ids[s].clone(), ids[a].clone())
                };
                let notice = new_notice(sender, vec![recipient.clone()]);
                let effects = Effects {
                    events: vec![received(&notice.id, &notice.title, recipient)],
                    ..Effects::default()
                };
                db.send_notice(&notice, now_ms(), &effects).await?;
                i += writers;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = join.join_next().await {
        done??;
    }
    db.close().await;
    let tasks = std::mem::take(&mut *tasks.lock().await);
    Ok(World {
        bodies,
        crowd_body,
        crowd_cookies,
        tasks,
    })
}

fn new_task(setter: String, assignee: String, now: i64, due_at: i64) -> NewTask {
    NewTask {
        id: server::db::new_id(),
        title: "核查辖区内违法建设情况并反馈".into(),
        body: "请于期限内完成核查，附现场照片。".into(),
        feedback_required: "核查结论与照片".into(),
        source: TaskSource::Direct,
        source_ref: None,
        setter_org_id: setter,
        assignee_org_id: assignee,
        created_by: "work-bench".into(),
        state: TaskState::Dispatched,
        limit: None,
        started_at: Some(now),
        due_at,
    }
}

fn dispatch_entry(now: i64) -> HistoryEntry {
    HistoryEntry {
        stamp: Stamp {
            at: now,
            user_id: None,
            name: None,
            org_id: None,
        },
        kind: HistoryEntryKind::Transition,
        command: None,
        from_state: None,
        to_state: Some(TaskState::Dispatched),
        body: None,
        detail: json!({}),
    }
}

fn new_notice(sender: String, recipients: Vec<String>) -> NewNotice {
    NewNotice {
        id: server::db::new_id(),
        series: None,
        version_kind: VersionKind::Original,
        kind: NoticeKind::Information,
        sender_org_id: sender,
        created_by: "work-bench".into(),
        title: "关于开展联合检查的通报".into(),
        body: "现将有关情况通报如下。".into(),
        requires_ack: true,
        requires_reply: false,
        reply_due_at: None,
        remind_at: None,
        escalate_at: None,
        recipients,
        subject: None,
    }
}

fn received(notice_id: &str, title: &str, recipient: String) -> NewEvent {
    NewEvent {
        audience: Audience::Org(recipient),
        kind: "notice.received".into(),
        subject: format!("notice:{notice_id}"),
        payload: json!({"title": title, "notice_id": notice_id}),
    }
}

async fn measure_lists(
    args: &Args,
    server: &Server,
    world: &World,
) -> anyhow::Result<Vec<(&'static str, Histogram<u64>)>> {
    let client = client()?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let endpoints: [(&str, &str); 3] = [
        ("inbox", "/api/inbox?limit=50"),
        ("overdue_tasks", "/api/tasks?list=overdue&limit=50"),
        (
            "pending_notices",
            "/api/notices?box=received&pending=true&limit=50",
        ),
    ];
    let mut out = Vec::new();
    for (name, path) in endpoints {
        let h = timed(args.requests, |_| {
            let (_, secret) = &world.bodies[rng.gen_range(0..world.bodies.len())];
            let request = client
                .get(format!("{}{path}", server.base))
                .header("cookie", cookie(secret));
            async move { ok_body(name, request).await.map(drop) }
        })
        .await?;
        out.push((name, h));
    }
    Ok(out)
}

/// Opens the streams, then sends notifications to their body one at a time and records, per
/// client, the delay from each event's commit stamp to its arrival.
async fn measure_sse(
    args: &Args,
    server: &Server,
    world: &World,
) -> anyhow::Result<Histogram<u64>> {
    let hist = Arc::new(std::sync::Mutex::new(Histogram::<u64>::new(3)?));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(args.sse_clients);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(args.sse_clients);
    let mut streams = tokio::task::JoinSet::new();
    let sse_client = reqwest::Client::builder().build()?;
    for secret in &world.crowd_cookies {
        let (client, url, cookie) = (
            sse_client.clone(),
            format!("{}/api/events", server.base),
            cookie(secret),
        );
        let (hist, ready_tx, done_tx) = (hist.clone(), ready_tx.clone(), done_tx.clone());
        let expected = args.sse_events;
        streams.spawn(async move {
            let r = client.get(url).header("cookie", cookie).send().await?;
            if !r.status().is_success() {
                bail!("events: {}", r.status());
            }
            ready_tx.send(()).await.ok();
            let mut body = r.bytes_stream();
            let mut buf = String::new();
            let mut seen = 0;
            while let Some(chunk) = body.next().await {
                buf.push_str(&String::from_utf8_lossy(&chunk?));
                while let Some(end) = buf.find("\n\n") {
                    let frame: String = buf.drain(..end + 2).collect();
                    let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data:")) else {
                        continue;
                    };
                    let event: Value = serde_json::from_str(data.trim())?;
                    if event["kind"] != "notice.received" {
                        continue;
                    }
                    let at = event["at"].as_i64().context("event without at")?;
                    let delay_us = (now_ms() - at).max(0) as u64 * 1000;
                    hist.lock()
                        .map_err(|_| anyhow::anyhow!("poisoned"))?
                        .record(delay_us)?;
                    seen += 1;
                    if seen == expected {
                        done_tx.send(()).await.ok();
                        return anyhow::Ok(());
                    }
                }
            }
            bail!("stream ended after {seen} events")
        });
    }
    for _ in 0..args.sse_clients {
        ready_rx.recv().await.context("a stream failed to open")?;
    }
    // Streams are open; send the events from a body that is not the crowd, one at a time.
    let client = client()?;
    let (_, sender_cookie) = &world.bodies[0];
    for i in 0..args.sse_events {
        let r = client
            .post(format!("{}/api/notices", server.base))
            .header("cookie", cookie(sender_cookie))
            .header("origin", &server.base)
            .json(&json!({"kind": "information", "title": format!("通报 {i}"),
                          "body": "请签收。", "recipients": [world.crowd_body]}))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("sending a notice: {} {}", r.status(), r.text().await?);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let deadline = tokio::time::sleep(Duration::from_secs(60));
    tokio::pin!(deadline);
    for n in 0..args.sse_clients {
        tokio::select! {
            got = done_rx.recv() => { got.context("a stream ended early")?; }
            () = &mut deadline => bail!("only {n} of {} streams got every event", args.sse_clients),
        }
    }
    streams.abort_all();
    let h = hist
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    Ok(h)
}

/// Schedules `--jobs` reminders due now and times the server's worker running all of them.
async fn measure_worker(
    args: &Args,
    data_dir: PathBuf,
    world: &World,
) -> anyhow::Result<(usize, f64)> {
    let mut argv = vec![
        "concord".to_owned(),
        "serve".to_owned(),
        "--data-dir".to_owned(),
    ];
    argv.push(data_dir.display().to_string());
    if let Some(url) = &args.database_url {
        argv.push("--database-url".into());
        argv.push(url.clone());
    }
    let cli = server::config::Cli::try_parse_from(argv)?;
    let server::config::Command::Serve(serve) = cli.command else {
        bail!("not a serve command");
    };
    let app = server::App::build(&serve).await?;
    let db = app.state().services.db.clone();
    let now = now_ms();
    let jobs: Vec<NewJob> = world
        .tasks
        .iter()
        .filter(|(_, due_at)| *due_at > now)
        .cycle()
        .take(args.jobs)
        .enumerate()
        .map(|(i, (task_id, due_at))| NewJob {
            kind: "task_warn".into(),
            subject: format!("task:{task_id}"),
            payload: json!({"task_id": task_id, "due_at": due_at, "percent": 50}),
            due_at: now,
            max_attempts: 3,
            dedupe_key: Some(format!("bench:{i}")),
        })
        .collect();
    for chunk in jobs.chunks(1000) {
        db.schedule_jobs(chunk, now).await?;
    }
    let worker = app.worker();
    let started = Instant::now();
    let mut ran = 0;
    loop {
        let n = worker.run_due().await?;
        if n == 0 {
            break;
        }
        ran += n;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok((ran, seconds))
}
