//! The concord server: the realtime core's home on the network, plus storage and identity.
//!
//! # Layout
//!
//! - `main.rs`: parses the command line and calls into this crate; nothing else.
//! - [`config`]: flags and their environment equivalents.
//! - [`App`] (here): builds the state from a config and runs the HTTP server until shutdown.
//! - [`http`]: routes, one module per resource; handlers stay thin.
//! - [`auth`]: who is calling (sessions, API tokens, tickets, OpenID Connect) and asking the
//!   policy.
//! - [`domain`]: the rules, without I/O: vocabulary of bodies and roles, the access policy.
//! - [`admin`]: `concord admin …` commands (operators, CSV import, region tree, audit check).
//! - [`db`]: all SQL, for SQLite and PostgreSQL, and the group-committing document log.
//! - [`jobs`]: durable timers and their worker (reminders, escalations, webhooks, e-mail),
//!   the live event fan-out and the working-day calendar in memory.
//! - [`work`]: the operations on tasks and notifications (load, ask the policy and the
//!   domain, write the change with its events, jobs and audit rows in one transaction).
//! - [`clock`]: the time deadlines are measured against (the system's, or a test's).
//! - [`telemetry`]: logs and Prometheus metrics.
//! - [`signing`]: signed minutes: canonical JSON, envelopes, keys, the Merkle log, the archive
//!   bundle and its verifier (pure: no SQL, no HTTP, no clock).
//! - [`fonts`]: the Chinese font the PDF renditions are typeset with (the only font reading).
//! - [`error`]: `ApiError`, the HTTP layer's one error type.
//! - [`cluster`]: several nodes: updates, presence, access changes and event wake-ups to
//!   and from the other nodes over Redis, gaps caught up from the database.

pub mod admin;
pub mod auth;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod fonts;
pub mod http;
pub mod jobs;
pub mod keyring;
mod secrets;
pub mod services;
pub mod sign_cmd;
pub mod signing;
pub mod state;
pub mod telemetry;
pub mod work;

use std::future::Future;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use collab::{Fanout, Rooms, RoomsConfig, SingleNode};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::{Identity, TicketKey};
use crate::clock::Clock;
use crate::cluster::Cluster;
use crate::config::{ConnectionArgs, ServeArgs, StorageArgs};
use crate::db::{AuditEvent, Db, DocLog};
use crate::domain::calendar::YearCalendar;
use crate::fonts::FontSource;
use crate::jobs::{Mailer, Senders, Worker};
use crate::keyring::Keyring;
use crate::services::{AccessChanges, CalendarCache, EventHub, JobWaker, Services};
use crate::state::{AppState, Uploads};
use crate::telemetry::Metrics;

/// A built server, ready to run.
pub struct App {
    state: AppState,
    log: Arc<DocLog>,
    /// What the job worker sends webhooks and e-mails with.
    senders: Arc<Senders>,
    /// Timeouts and limits of connections before their first request.
    connections: ConnectionArgs,
    /// The other nodes, when there are (`--redis-url`).
    cluster: Option<Arc<Cluster>>,
}

/// The working-day calendar shipped as an example, loaded at the first start of a deployment
/// whose database has no days for that year (an operator replaces it with
/// `concord admin calendar-load` or `PUT /api/calendar/{year}`).
pub const SHIPPED_CALENDAR: &str = include_str!("../../calendar/2026.json");

/// How often a node re-reads the calendar, to pick up a year another node loaded.
const CALENDAR_REFRESH: Duration = Duration::from_secs(60);

impl App {
    /// Opens storage (running migrations), loads the ticket secret and wires the rooms.
    pub async fn build(args: &ServeArgs) -> anyhow::Result<App> {
        Self::build_with_clock(args, Clock::system()).await
    }

    /// [`App::build`] with deadlines measured against `clock`. A manual clock (tests) also
    /// means no background job loop: the test runs due jobs with [`App::worker`] when it has
    /// moved the clock.
    pub async fn build_with_clock(args: &ServeArgs, clock: Clock) -> anyhow::Result<App> {
        let postgres = args
            .storage
            .database_url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"));
        let cluster = match cluster::plan(&args.cluster, postgres)? {
            Some(url) => Some(Cluster::connect(url, &args.cluster.redis_channel).await?),
            None => None,
        };
        let mailer = Mailer::from_args(&args.work)?;
        let db = connect(&args.storage)
            .await?
            .with_mail_delivery(mailer.is_some());
        load_shipped_calendar(&db, &clock).await;
        // The hub starts at the newest event before anyone can connect: a stream replays what
        // came before from the database, and the pump broadcasts everything after.
        let events = EventHub::new();
        events
            .pump_once(&db)
            .await
            .context("reading the newest event")?;
        let calendar = Arc::new(CalendarCache::default());
        calendar
            .reload(&db)
            .await
            .context("reading the working-day calendar")?;
        let commit_seconds = telemetry::commit_histogram();
        let log = Arc::new(DocLog::start(db.clone(), commit_seconds.clone()));
        let limits = &args.limits;
        let fanout: Arc<dyn Fanout> = match &cluster {
            Some(cluster) => cluster.clone(),
            None => Arc::new(SingleNode),
        };
        let rooms = Rooms::new(
            log.clone(),
            fanout,
            RoomsConfig {
                max_doc_bytes: limits.max_doc_bytes,
                max_pending_bytes: limits.max_pending_bytes,
                outgoing_queue: limits.client_queue.max(1),
                outgoing_queue_bytes: limits.client_queue_bytes.max(1),
                idle_unload_after: Duration::from_secs(limits.idle_unload_secs),
                awareness_timeout: Duration::from_secs(limits.awareness_timeout_secs.max(1)),
                presence_every: Duration::from_millis(limits.presence_interval_ms),
                ..RoomsConfig::default()
            },
        );
        let tickets = TicketKey::load(args.ticket_secret.as_deref(), &args.storage.data_dir)?;
        let keyring = Keyring::load(
            args.signing.master_key.as_deref(),
            &args.storage.data_dir,
            &args.signing.log_origin(args.identity.public_url.as_ref()),
            &db,
            clock.now_ms(),
        )
        .await?;
        let mut metrics = Metrics::new(rooms.clone(), log.clone(), commit_seconds, Arc::default());
        match &cluster {
            Some(cluster) => cluster.stats.register(&mut metrics.registry),
            // Zeros on a single node, so dashboards need no special case.
            None => cluster::ClusterStats::default().register(&mut metrics.registry),
        }
        metrics.registry.register_collector(Box::new(cluster::Lag {
            rooms: rooms.clone(),
            cluster: cluster.clone(),
        }));
        let metrics = Arc::new(metrics);
        let identity = Arc::new(Identity::new(&args.identity)?);
        let services = Services {
            db,
            clock,
            calendar,
            events,
            jobs: JobWaker::default(),
            keyring,
            settings: Arc::new(args.work.clone()),
            rooms,
            access: AccessChanges::default(),
            fonts: FontSource::new(args.signing.pdf_fonts.clone()),
        };
        // Looked for now, so that the log says at start-up whether signed documents get a
        // PDF; the search ends by itself and holds nothing the shutdown waits for.
        let fonts = services.fonts.clone();
        tokio::task::spawn_blocking(move || fonts.fonts());
        // The December clock of the annual reports runs from the year the server first starts.
        work::filings::keep_december_clock(&services)
            .await
            .context("scheduling the December clock of the annual reports")?;
        if let Some(cluster) = &cluster {
            cluster.relay(&services.access, &services.events);
        }
        let state = AppState {
            services,
            cluster: cluster.clone(),
            tickets,
            identity,
            metrics,
            limits: Arc::new(limits.clone()),
            shutdown: CancellationToken::new(),
            requests: TaskTracker::new(),
            connections: TaskTracker::new(),
            web_dir: Arc::from(args.web_dir.as_path()),
            uploads: Arc::new(Uploads {
                permits: Arc::new(Semaphore::new(args.connections.max_concurrent_uploads)),
                spool_dir: args.storage.data_dir.clone(),
            }),
        };
        let stats = &state.metrics.connections;
        stats
            .max_uploads
            .store(args.connections.max_concurrent_uploads as u64, Relaxed);
        stats.public_log_read_burst.store(
            u64::from(args.identity.public_log_read_burst.max(1)),
            Relaxed,
        );
        stats.public_log_reads_per_second.store(
            u64::from(args.identity.public_log_reads_per_second.max(1)),
            Relaxed,
        );
        let senders = Arc::new(Senders::new(&args.work, mailer)?);
        if !args.web_dir.join("index.html").is_file() {
            tracing::warn!(
                web_dir = %args.web_dir.display(),
                "the web client is not built there: the page at / says so; build it with \
                 `node web/scripts/ensure-built.mjs` (the README's ./serve does it)"
            );
        }
        Ok(App {
            state,
            log,
            senders,
            connections: args.connections.clone(),
            cluster,
        })
    }

    /// A job worker on this app's state, for tests that step the clock and run what is due.
    pub fn worker(&self) -> Worker {
        Worker::new(self.state.services.clone(), self.senders.clone())
    }

    /// The state handlers see, for tests that drive the app in-process.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The whole HTTP surface, for tests that drive it in-process.
    pub fn router(&self) -> Router {
        http::router(self.state.clone())
    }

    /// Serves until `shutdown` resolves, then drains within `--shutdown-grace-secs`:
    ///
    /// 1. at once, `/readyz` answers 503 and every other request is refused (503), so the load
    ///    balancer sends nothing more; every document socket is closed with 1012 (service
    ///    restart), after the update it is committing, and its client reconnects elsewhere;
    ///    event streams, the job worker (after its batch) and the other loops stop;
    /// 2. requests in flight finish; sockets, requests and the worker are waited for until a
    ///    quarter of the grace (at most 5 s) is left;
    /// 3. everything queued is committed and what the cluster publisher holds is published;
    /// 4. the listener stops, the database is closed.
    ///
    /// The process returns within the grace: an error when the commits of step 3 did not end
    /// in time, a warning for clients that did not.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let App {
            state,
            log,
            senders,
            connections,
            cluster,
        } = self;
        let maintenance = tokio::spawn(state.services.rooms.clone().maintain());
        let background = start_background(&state, senders);
        // The cluster's loops outlive the sockets: what their last commits publish must still
        // reach the other nodes.
        let cluster_stop = CancellationToken::new();
        let cluster_tasks = TaskTracker::new();
        if let Some(cluster) = &cluster {
            let services = &state.services;
            cluster.start(
                services.rooms.clone(),
                services.access.clone(),
                services.events.clone(),
                cluster_stop.clone(),
                &cluster_tasks,
            );
        }
        let stop = CancellationToken::new();
        let listening = {
            let (router, settings) = (http::router(state.clone()), connections.clone());
            let stats = state.metrics.connections.clone();
            let (drain, stop) = (state.shutdown.clone(), stop.clone());
            tokio::spawn(async move {
                http::listen::serve(listener, router, &settings, stats, drain, stop).await;
            })
        };
        shutdown.await;

        let grace = connections.shutdown_grace();
        let deadline = tokio::time::Instant::now() + grace;
        let clients_until = deadline - (grace / 4).min(Duration::from_secs(5));
        tracing::info!(
            grace_secs = grace.as_secs(),
            "draining: /readyz answers 503, sockets close with 1012, requests in flight finish"
        );
        // Cancelled before the trackers are closed: see `http::ops::drain_gate`.
        state.shutdown.cancel();
        state.connections.close();
        state.requests.close();
        background.close();
        let clients = async {
            state.connections.wait().await;
            state.requests.wait().await;
            background.wait().await;
        };
        if tokio::time::timeout_at(clients_until, clients)
            .await
            .is_err()
        {
            tracing::warn!(
                sockets = state.connections.len(),
                requests = state.requests.len(),
                "sockets, requests or the job worker did not finish within the grace; going on \
                 without them"
            );
        }
        let commits = async {
            // What was audited since the last anchor is anchored now, not left to the chain.
            if state.services.settings.audit_anchor_every_secs > 0 {
                if let Err(e) =
                    work::audit::anchor(&state.services.db, state.services.clock.now_ms()).await
                {
                    tracing::warn!(error = %e, "anchoring the audit trail at shutdown failed");
                }
            }
            maintenance.abort();
            log.shutdown().await;
        };
        let committed = tokio::time::timeout_at(deadline, commits).await.is_ok();
        cluster_stop.cancel();
        cluster_tasks.close();
        if tokio::time::timeout_at(deadline, cluster_tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                "the last updates were not all published to the other nodes within the grace"
            );
        }
        // Idle connections close at once; one still in a request is a client that did not
        // finish within the grace, and is not waited for long.
        stop.cancel();
        let cut_at = deadline.min(tokio::time::Instant::now() + Duration::from_secs(1));
        if tokio::time::timeout_at(cut_at, listening).await.is_err() {
            tracing::warn!("connections still open at the end of the grace were cut");
        }
        if !committed {
            anyhow::bail!(
                "停机宽限时间内未能提交全部编辑 / the queued edits were not all committed within \
                 the shutdown grace (--shutdown-grace-secs {})",
                grace.as_secs()
            );
        }
        if tokio::time::timeout_at(deadline, state.services.db.close())
            .await
            .is_err()
        {
            tracing::warn!("the database connections did not close within the grace");
        }
        tracing::info!("shut down cleanly");
        Ok(())
    }
}

/// Starts what runs beside the HTTP server until `state.shutdown`: the job worker loop (not
/// with a manual clock, where the test runs jobs), the event pump, the calendar refresh.
fn start_background(state: &AppState, senders: Arc<Senders>) -> TaskTracker {
    let tasks = TaskTracker::new();
    let shutdown = state.shutdown.clone();
    let services = &state.services;
    if !services.clock.is_manual() {
        let poll = Duration::from_millis(services.settings.job_poll_ms.max(10));
        tasks.spawn(jobs::run_loop(
            Worker::new(services.clone(), senders),
            poll,
            shutdown.clone(),
        ));
    }
    tasks.spawn(
        services
            .events
            .clone()
            .pump(services.db.clone(), shutdown.clone()),
    );
    if services.settings.audit_anchor_every_secs > 0 {
        let every = Duration::from_secs(services.settings.audit_anchor_every_secs);
        let (services, shutdown) = (services.clone(), shutdown.clone());
        tasks.spawn(async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    () = shutdown.cancelled() => return,
                }
                if let Err(e) = work::audit::anchor(&services.db, services.clock.now_ms()).await {
                    tracing::warn!(error = %e, "anchoring the audit trail failed; trying again later");
                }
            }
        });
    }
    let (calendar, db) = (services.calendar.clone(), services.db.clone());
    tasks.spawn(async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(CALENDAR_REFRESH) => {}
                () = shutdown.cancelled() => return,
            }
            if let Err(e) = calendar.reload(&db).await {
                tracing::warn!(error = %e, "re-reading the working-day calendar failed");
            }
        }
    });
    tasks
}

/// Loads [`SHIPPED_CALENDAR`] when its year has no stored days. A failure (another node
/// loading it at the same moment, say) is logged, not fatal: deadlines then count Monday to
/// Friday until an operator loads the year.
async fn load_shipped_calendar(db: &Db, clock: &Clock) {
    let year = match YearCalendar::parse_json(SHIPPED_CALENDAR) {
        Ok(year) => year,
        Err(e) => {
            tracing::error!(error = %e, "the shipped calendar does not parse");
            return;
        }
    };
    let loaded = match db.calendar_years().await {
        Ok(years) => years.iter().any(|(y, rows)| *y == year.year && *rows > 0),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the stored calendar years");
            return;
        }
    };
    if loaded {
        return;
    }
    let audit = AuditEvent {
        at: clock.now_ms(),
        actor_user_id: None,
        actor_org_id: None,
        action: "calendar_loaded".into(),
        target: format!("calendar:{}", year.year),
        detail: serde_json::json!({ "via": "shipped", "days": year.days.len(), "source": year.source }),
        ip: None,
    };
    match db.load_calendar_year(&year, &audit).await {
        Ok(()) => tracing::info!(year = year.year, "loaded the shipped working-day calendar"),
        Err(e) => tracing::warn!(error = %e, "could not load the shipped working-day calendar"),
    }
}

/// Opens the configured database and runs its migrations.
pub async fn connect(storage: &StorageArgs) -> anyhow::Result<Db> {
    Db::connect(&storage.db_config())
        .await
        .context("opening the database")
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
