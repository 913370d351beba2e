//! A real concord server for a test: in-process on port 0 with its own data directory, or the
//! real `concord` binary as a child process (for crash tests).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use server::auth::ticket::{unix_now, Claims};
use server::auth::TicketKey;
use server::clock::Clock;
use server::config::{
    ConnectionArgs, IdentityArgs, Limits, ServeArgs, StorageArgs, TicketAccess, WorkArgs,
};
use server::db::SqliteSync;
use server::jobs::Worker;
use tokio::sync::oneshot;

/// Settings a test may change; everything else is the server's default.
#[derive(Clone)]
pub struct Options {
    pub database_url: Option<String>,
    pub limits: Limits,
    /// Timeouts and limits of connections before their first request.
    pub connections: ConnectionArgs,
    /// `public_url` is filled in with the test server's own address when left `None`, unless
    /// `no_public_url` says to leave it unset.
    pub identity: IdentityArgs,
    /// Runs without `--public-url`, as a deployment that names none: the Origin check then
    /// compares with `http://` and each request's own `Host`.
    pub no_public_url: bool,
    /// Tasks, notices, jobs, webhooks, e-mail.
    pub work: WorkArgs,
    /// A manual clock puts deadlines in the test's hands (and stops the background job
    /// loop: the test runs due jobs with [`TestServer::worker`]); `None` is the system clock.
    pub clock: Option<Clock>,
    /// The built web client to serve at `/`; `None` is the repository's `web/dist`.
    pub web_dir: Option<PathBuf>,
    /// The Chinese font (file or directory) of the PDF renditions (`--pdf-fonts`); `None`
    /// searches the system's font directories, as a deployment that names none.
    pub pdf_fonts: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            database_url: None,
            identity: IdentityArgs::default(),
            work: WorkArgs::default(),
            clock: None,
            web_dir: None,
            pdf_fonts: None,
            connections: ConnectionArgs::default(),
            no_public_url: false,
            limits: Limits {
                max_frame_bytes: 1024 * 1024,
                max_doc_bytes: 32 * 1024 * 1024,
                max_pending_bytes: 1024 * 1024,
                client_queue: 1024,
                client_queue_bytes: 16 * 1024 * 1024,
                client_no_progress_secs: 30,
                ping_secs: 15,
                awareness_timeout_secs: 30,
                presence_interval_ms: 30,
                idle_unload_secs: 30,
            },
        }
    }
}

/// A server running inside the test process. Dropping it shuts it down.
pub struct TestServer {
    pub addr: SocketAddr,
    pub data_dir: tempfile::TempDir,
    /// Runs the jobs due by the server's clock (`worker.run_due()`), for tests that step it.
    pub worker: Worker,
    tickets: TicketKey,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> TestServer {
        let data_dir = tempfile::tempdir().expect("temp dir");
        Self::start_in(data_dir, options).await
    }

    /// Starts on an existing data directory (to test what survives a restart).
    pub async fn start_in(data_dir: tempfile::TempDir, mut options: Options) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        if options.identity.public_url.is_none() && !options.no_public_url {
            options.identity.public_url = Some(format!("http://{addr}").parse().unwrap());
        }
        let args = ServeArgs {
            listen: "127.0.0.1:0".parse().unwrap(),
            storage: StorageArgs {
                data_dir: data_dir.path().to_path_buf(),
                database_url: options.database_url,
                sqlite_synchronous: SqliteSync::default(),
            },
            ticket_secret: None,
            limits: options.limits,
            connections: options.connections,
            identity: options.identity,
            work: options.work,
            signing: server::config::SigningArgs {
                pdf_fonts: options.pdf_fonts,
                ..server::config::SigningArgs::default()
            },
            cluster: server::config::ClusterArgs::default(),
            web_dir: options
                .web_dir
                .unwrap_or_else(|| workspace_root().join("web/dist")),
        };
        let clock = options.clock.unwrap_or_else(Clock::system);
        let app = server::App::build_with_clock(&args, clock.clone())
            .await
            .expect("server builds");
        let worker = app.worker();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(app.run(listener, async move {
            let _ = stopped.await;
        }));
        let tickets = TicketKey::load(None, data_dir.path()).unwrap();
        TestServer {
            addr,
            data_dir,
            worker,
            tickets,
            stop: Some(stop),
            done: Some(done),
        }
    }

    pub fn ticket(&self, doc: &str, user: &str, access: TicketAccess) -> String {
        issue(&self.tickets, doc, user, access)
    }

    /// `ws://…/ws/docs/{doc}?ticket=…` for a user with the given access.
    pub fn doc_url(&self, doc: &str, user: &str, access: TicketAccess) -> String {
        format!(
            "ws://{}/ws/docs/{doc}?ticket={}",
            self.addr,
            self.ticket(doc, user, access)
        )
    }

    /// Shuts down gracefully and returns the data directory for a restart.
    pub async fn stop(mut self) -> tempfile::TempDir {
        self.stop.take().unwrap().send(()).ok();
        let done = self.done.take().unwrap();
        tokio::time::timeout(Duration::from_secs(20), done)
            .await
            .expect("server shuts down in time")
            .unwrap()
            .expect("server shut down cleanly");
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.data_dir, dir)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
    }
}

pub fn issue(key: &TicketKey, doc: &str, user: &str, access: TicketAccess) -> String {
    key.issue(&Claims {
        doc: doc.into(),
        user: user.into(),
        name: format!("{user} (name)"),
        org: format!("{user}-org"),
        access,
        exp: unix_now() + 300,
        via: None,
    })
}

/// The `concord` binary, built once per test run in the same profile as the tests.
pub fn concord_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "--quiet", "-p", "server", "--bin", "concord"])
            .current_dir(workspace_root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the concord binary failed");
        // The test binary lives in target/<profile>/deps/; the server binary one level up.
        let exe = std::env::current_exe().unwrap();
        let bin = exe.parent().unwrap().parent().unwrap().join("concord");
        assert!(bin.exists(), "no concord binary at {}", bin.display());
        bin
    })
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The real binary as a child process, killed on drop.
pub struct ChildServer {
    pub addr: SocketAddr,
    pub child: tokio::process::Child,
}

impl ChildServer {
    pub async fn start(data_dir: &Path, database_url: Option<&str>) -> ChildServer {
        Self::start_with_args(data_dir, database_url, &[]).await
    }

    /// [`ChildServer::start`] with more `concord serve` flags; `{addr}` in one stands for the
    /// server's address.
    pub async fn start_with_args(
        data_dir: &Path,
        database_url: Option<&str>,
        extra: &[&str],
    ) -> ChildServer {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        Self::start_at(addr, data_dir, database_url, extra).await
    }

    /// [`ChildServer::start_with_args`] on a given address (a node restarted where it was).
    pub async fn start_at(
        addr: SocketAddr,
        data_dir: &Path,
        database_url: Option<&str>,
        extra: &[&str],
    ) -> ChildServer {
        let mut cmd = tokio::process::Command::new(concord_binary());
        cmd.args(["serve", "--listen", &addr.to_string(), "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if let Some(url) = database_url {
            cmd.args(["--database-url", url]);
        }
        // `{addr}` in a flag stands for the server's own address (for `--public-url`).
        cmd.args(extra.iter().map(|a| a.replace("{addr}", &addr.to_string())));
        let child = cmd.spawn().expect("concord starts");
        let server = ChildServer { addr, child };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("concord did not start listening on {}", self.addr);
    }

    /// SIGTERM: the server drains and exits by itself.
    pub fn terminate(&self) {
        let pid = self.child.id().expect("running");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM {pid}");
    }

    /// SIGKILL: no shutdown code runs.
    pub async fn kill(mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
