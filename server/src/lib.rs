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
//! - [`telemetry`]: logs and Prometheus metrics.
//! - [`error`]: `ApiError`, the HTTP layer's one error type.

pub mod admin;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod state;
pub mod telemetry;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use axum::Router;
use collab::{Rooms, RoomsConfig, SingleNode};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::{Identity, TicketKey};
use crate::config::{ServeArgs, StorageArgs};
use crate::db::{Db, DbConfig, DocLog};
use crate::state::AppState;
use crate::telemetry::Metrics;

/// A built server, ready to run.
pub struct App {
    state: AppState,
    log: Arc<DocLog>,
}

impl App {
    /// Opens storage (running migrations), loads the ticket secret and wires the rooms.
    pub async fn build(args: &ServeArgs) -> anyhow::Result<App> {
        let db = connect(&args.storage).await?;
        let commit_seconds = telemetry::commit_histogram();
        let log = Arc::new(DocLog::start(db.clone(), commit_seconds.clone()));
        let limits = &args.limits;
        let rooms = Rooms::new(
            log.clone(),
            Arc::new(SingleNode),
            RoomsConfig {
                max_doc_bytes: limits.max_doc_bytes,
                max_pending_bytes: limits.max_pending_bytes,
                outgoing_queue: limits.client_queue.max(1),
                idle_unload_after: Duration::from_secs(limits.idle_unload_secs),
                awareness_timeout: Duration::from_secs(limits.awareness_timeout_secs.max(1)),
                ..RoomsConfig::default()
            },
        );
        let tickets = TicketKey::load(args.ticket_secret.as_deref(), &args.storage.data_dir)?;
        let metrics = Arc::new(Metrics::new(rooms.clone(), log.clone(), commit_seconds));
        let identity = Arc::new(Identity::new(&args.identity)?);
        let state = AppState {
            rooms,
            tickets,
            identity,
            db,
            metrics,
            limits: Arc::new(limits.clone()),
            shutdown: CancellationToken::new(),
            connections: TaskTracker::new(),
        };
        Ok(App { state, log })
    }

    /// The whole HTTP surface, for tests that drive it in-process.
    pub fn router(&self) -> Router {
        http::router(self.state.clone())
    }

    /// Serves until `shutdown` resolves, then closes every socket (1001), commits every
    /// queued update and closes the database.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let App { state, log } = self;
        let maintenance = tokio::spawn(state.rooms.clone().maintain());
        let token = state.shutdown.clone();
        // Small websocket frames must leave at once: without TCP_NODELAY, Nagle's algorithm
        // and delayed ACKs can hold some of them back for 40 ms.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(error = %e, "could not set TCP_NODELAY");
            }
        });
        let serve = axum::serve(
            listener,
            http::router(state.clone())
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            token.cancel();
        });
        let result = serve.await.context("serving HTTP");
        tracing::info!("shutting down: closing sockets and committing what is queued");
        // Every socket loop watches this token and closes with 1001.
        state.shutdown.cancel();
        state.connections.close();
        state.connections.wait().await;
        maintenance.abort();
        log.shutdown().await;
        state.db.close().await;
        tracing::info!("shut down cleanly");
        result
    }
}

/// Opens the configured database and runs its migrations.
pub async fn connect(storage: &StorageArgs) -> anyhow::Result<Db> {
    let config = DbConfig {
        url: storage.database_url.clone(),
        data_dir: storage.data_dir.clone(),
        sqlite_synchronous: storage.sqlite_synchronous,
    };
    Db::connect(&config).await.context("opening the database")
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
