//! The command line: every setting is a flag with an environment equivalent (clap `env`).
//!
//! Defaults make `concord serve` work with no set-up at all: SQLite under `./data`, a ticket
//! secret created there on first start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::db::{DbConfig, SqliteSync};

#[derive(Debug, Parser)]
#[command(
    name = "concord",
    version,
    about = "Realtime collaboration for law-enforcement coordination"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(Box<ServeArgs>),
    /// Run the database migrations and exit (serve also runs them at start-up).
    Migrate(StorageArgs),
    /// Administrative tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Check an archive bundle of signed minutes offline (no network, no database); prints
    /// each check and exits with 1 at the first failure, naming it.
    Verify(VerifyArgs),
}

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The archive bundle: a directory or a .zip.
    pub bundle: PathBuf,
    /// The log's verifier key (`origin+keyid+base64key`) as its operator publishes it (out
    /// of band, or at `GET /api/log/key`). One of this and `--trust-bundle` is required.
    #[arg(long, value_name = "VKEY")]
    pub trust: Option<String>,
    /// Trust the log key named in the bundle's own trust.json instead: this proves only that
    /// the bundle is consistent with itself, not that it comes from the log it names.
    #[arg(long, conflicts_with = "trust")]
    pub trust_bundle: bool,
}

impl VerifyArgs {
    /// The log key the verifier relies on; `None` when the person named none.
    pub fn trust_root(&self) -> Option<crate::signing::verify::TrustRoot<'_>> {
        use crate::signing::verify::TrustRoot;
        match (&self.trust, self.trust_bundle) {
            (Some(vkey), _) => Some(TrustRoot::Published(vkey)),
            (None, true) => Some(TrustRoot::Bundle),
            (None, false) => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Print a short-lived ticket that admits one user to one document (last line of output).
    Ticket(TicketArgs),
    /// Create an operator account (the first one, on a new deployment).
    CreateOperator(CreateOperatorArgs),
    /// Set a new password for a local account, lift its lock and end its sessions.
    ResetPassword(ResetPasswordArgs),
    /// Import regions, organizations and users from CSV files, all or nothing (see README).
    /// Idempotent: a row whose code (user name for people) exists updates it, an identical
    /// one changes nothing; `--dry-run` prints what would change and stores nothing.
    Import(ImportArgs),
    /// Print the region tree with the organizations in each region.
    Regions(AdminStorage),
    /// Check the audit trail's hash chain; exits with 1 if a row was changed or removed.
    AuditVerify(AdminStorage),
    /// Load one year's working-day calendar (holidays and worked weekend days) from a JSON
    /// file like `calendar/2026.json`, replacing that year's days.
    CalendarLoad(CalendarLoadArgs),
    /// Print, one line per judicial bureau, whether it held or scheduled its annual
    /// coordination meeting this year (or `--year`), flagging those with none by the due day.
    AnnualReport(AnnualReportArgs),
    /// Print a region's time limits (时限设置) and where each comes from; `--set kind=N` sets
    /// the region's own, `--clear kind` returns it to what the region inherits.
    Limits(LimitsArgs),
    /// Make a person's Ed25519 signing key: writes the private key (PKCS#8 PEM, mode 0600)
    /// and prints the public key to enroll.
    Keygen(KeygenArgs),
    /// Sign a meeting's minutes (or any signed document) for your organization through the
    /// server's API, with a key file; the private key never leaves this machine.
    Sign(SignArgs),
}

#[derive(Debug, Clone, Args)]
pub struct KeygenArgs {
    /// Where to write the private key; the file must not exist.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct SignArgs {
    /// The server's URL, e.g. `https://concord.example`.
    #[arg(long, env = "CONCORD_SERVER")]
    pub server: String,
    /// The signing person's session (the `concord_session` cookie's value).
    #[arg(long, env = "CONCORD_SESSION", hide_env_values = true)]
    pub session: String,
    /// The meeting whose minutes to sign: the same as `--document /api/meetings/<id>/minutes`.
    #[arg(
        long,
        required_unless_present = "document",
        conflicts_with = "document"
    )]
    pub meeting: Option<String>,
    /// The signed document to sign, of any kind, as its address on the server
    /// (`/api/meetings/<id>/minutes`, a dispute's decision, …).
    #[arg(long)]
    pub document: Option<String>,
    /// The private key file (PKCS#8 PEM, from `concord admin keygen`).
    #[arg(long)]
    pub key: PathBuf,
    /// The version to sign; by default the current one.
    #[arg(long)]
    pub version: Option<i64>,
    /// Enroll the key's public half first if it is not enrolled yet.
    #[arg(long)]
    pub enroll: bool,
}

#[derive(Debug, Clone, Args)]
pub struct AnnualReportArgs {
    /// The calendar year; the current one (+08:00) when absent.
    #[arg(long)]
    pub year: Option<i32>,
    /// The day (MM-DD) by which an annual meeting must be scheduled.
    #[arg(long, env = "CONCORD_ANNUAL_MEETING_DUE", default_value = "06-30")]
    pub annual_meeting_due: crate::domain::meeting::MonthDay,
    #[command(flatten)]
    pub storage: AdminStorage,
}

#[derive(Debug, Clone, Args)]
pub struct LimitsArgs {
    /// The region's code, e.g. 330100.
    pub region: String,
    /// Set the region's own limit of a kind, in the kind's unit: `notice_remind=2`.
    /// Repeatable.
    #[arg(long = "set", value_name = "KIND=N")]
    pub set: Vec<String>,
    /// Clear the region's own limit of a kind, so it inherits again. Repeatable.
    #[arg(long = "clear", value_name = "KIND")]
    pub clear: Vec<String>,
    #[command(flatten)]
    pub deadlines: DeploymentLimits,
    #[command(flatten)]
    pub storage: AdminStorage,
}

#[derive(Debug, Clone, Args)]
pub struct CalendarLoadArgs {
    /// The year file: `{"year": 2026, "source": "…", "days": [{"date", "kind", "name"}]}`.
    pub file: PathBuf,
    #[command(flatten)]
    pub storage: AdminStorage,
}

#[derive(Debug, Clone, Args)]
pub struct CreateOperatorArgs {
    /// The user name to sign in with.
    #[arg(long)]
    pub username: String,
    /// The name shown to others.
    #[arg(long)]
    pub name: String,
    /// Code of the organization the operator belongs to, if any.
    #[arg(long)]
    pub org: Option<String>,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub storage: AdminStorage,
}

#[derive(Debug, Clone, Args)]
pub struct ResetPasswordArgs {
    /// The user name of the account.
    pub username: String,
    /// Read the new password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub storage: AdminStorage,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// CSV with header `code,name_zh,name_en,level,parent`.
    #[arg(long)]
    pub regions: Option<PathBuf>,
    /// CSV with header `code,name_zh,name_en,kind,region,parent_code`.
    #[arg(long)]
    pub orgs: Option<PathBuf>,
    /// CSV with header `org_code,username,display_name,org_role`.
    #[arg(long)]
    pub users: Option<PathBuf>,
    /// Print what the import would add and change, file by file, and store nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub storage: AdminStorage,
}

/// The environment variable that names the data directory, for every subcommand.
pub const DATA_DIR_ENV: &str = "CONCORD_DATA_DIR";

/// The data directory when neither `--data-dir` nor [`DATA_DIR_ENV`] names one.
pub const DEFAULT_DATA_DIR: &str = "./data";

/// Where data lives. Shared by every subcommand that touches storage.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Directory for the SQLite database and the ticket secret.
    #[arg(long, env = DATA_DIR_ENV, default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// `postgres://…` selects PostgreSQL; absent means SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// SQLite durability: `full` survives a power cut, `normal` only a killed process.
    #[arg(long, env = "CONCORD_SQLITE_SYNCHRONOUS", value_enum, default_value_t = SqliteSync::Full)]
    pub sqlite_synchronous: SqliteSync,
}

impl StorageArgs {
    /// The database these flags name.
    pub fn db_config(&self) -> DbConfig {
        DbConfig {
            url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            sqlite_synchronous: self.sqlite_synchronous,
        }
    }
}

/// Where an admin command finds the data: the same flags as `concord serve`'s, and whether
/// it may create the database.
///
/// `concord serve` creates the database on its first start; an admin command does not, unless
/// told to with `--init`: run from the wrong directory, or without the server's
/// `--data-dir`, it would otherwise start a new, empty database beside the real one and
/// change that instead, silently.
#[derive(Debug, Clone, Args)]
pub struct AdminStorage {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Create the database when the data directory has none yet (as `concord serve` does on
    /// its first start). Without it, a command on a directory with no database refuses.
    #[arg(long)]
    pub init: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CONCORD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Secret that signs tickets; by default read from (or created in) `DATA_DIR/ticket-secret`.
    #[arg(long, env = "CONCORD_TICKET_SECRET", hide_env_values = true)]
    pub ticket_secret: Option<String>,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub connections: ConnectionArgs,
    #[command(flatten)]
    pub identity: IdentityArgs,
    #[command(flatten)]
    pub work: WorkArgs,
    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// The built web client (`npm run build` in `web/`), served at `/`. Relative paths are
    /// relative to the working directory; the default fits a run from the repository root.
    #[arg(long, env = "CONCORD_WEB_DIR", default_value = "web/dist")]
    pub web_dir: PathBuf,
}

/// Several nodes of one deployment (see `crate::cluster`).
///
/// The rule: one node needs nothing here. Several nodes share one PostgreSQL database and one
/// Redis, and each is started with `--cluster` and `--redis-url`: with `--cluster` a node
/// refuses to start without Redis, or on SQLite. A node cannot count the others, so a node on
/// PostgreSQL without `--cluster` warns at start-up that it assumes it is alone.
#[derive(Debug, Clone, Default, Args)]
pub struct ClusterArgs {
    /// This node is one of several serving the same PostgreSQL database: it requires
    /// `--redis-url` and refuses to start without it.
    #[arg(long, env = "CONCORD_CLUSTER")]
    pub cluster: bool,
    /// `redis://host:port/` of the Redis that carries document updates, presence, access
    /// changes and event wake-ups between nodes (PostgreSQL stays the only source of truth).
    #[arg(long, env = "CONCORD_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// The Redis pub/sub channel the nodes of this deployment share; deployments (or tests)
    /// sharing one Redis use different channels.
    #[arg(long, env = "CONCORD_REDIS_CHANNEL", default_value = "concord")]
    pub redis_channel: String,
}

/// Signed minutes: the keys the server keeps.
#[derive(Debug, Clone, Default, Args)]
pub struct SigningArgs {
    /// The master key (64 hex digits) that seals organizations' seal keys and the log's key
    /// at rest; by default read from (or created in) `DATA_DIR/master-key`. Every node of a
    /// deployment needs the same one.
    #[arg(long, env = "CONCORD_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
    /// The signed log's origin line (its name in checkpoints), fixed when the log is created.
    /// Without it: `<host of --public-url>/concord-log`, or, without that either, a name of
    /// its own (`concord.local/log-<random>`), so that no two deployments share a log name.
    #[arg(long, env = "CONCORD_LOG_ORIGIN")]
    pub log_origin: Option<String>,
    /// A font file or directory with a Chinese font for the PDF renditions of signed
    /// documents (e.g. Debian's `fonts-noto-cjk` or `fonts-wqy-microhei`). Without it the
    /// system's font directories (/usr/share/fonts, /usr/local/share/fonts) are searched;
    /// without any Chinese font, signed documents have their HTML rendition and no PDF.
    #[arg(long, env = "CONCORD_PDF_FONTS")]
    pub pdf_fonts: Option<PathBuf>,
}

impl SigningArgs {
    /// The origin a log created now gets: `--log-origin`, else from the public URL's host
    /// (and port and path), else a random one. An existing log keeps the one it was created
    /// with ([`crate::keyring::Keyring::load`]).
    pub fn log_origin(&self, public_url: Option<&url::Url>) -> String {
        if let Some(origin) = self.log_origin.as_deref().map(str::trim) {
            if !origin.is_empty() {
                return origin.to_owned();
            }
        }
        match public_url.and_then(|url| url.host_str().map(|host| (url, host))) {
            Some((url, host)) => {
                let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
                let path = url.path().trim_end_matches('/');
                format!("{host}{port}{path}/concord-log")
            }
            None => format!("concord.local/log-{:08x}", rand::random::<u32>()),
        }
    }
}

/// The deployment's own defaults of time limits: between the built-in defaults and what a
/// region sets (`domain::limits`). Only the two notice limits have flags (they had them before
/// regions could set limits); every other kind is set per region. `concord admin limits`
/// reads the same flags and variables, so it prints what the server counts with.
#[derive(Debug, Clone, Args)]
pub struct DeploymentLimits {
    /// Working days after sending at which an unacknowledged notification is reminded (T1),
    /// where the sender's region sets nothing (`notice_remind`); 0: no reminder.
    #[arg(long, env = "CONCORD_NOTICE_REMIND_WORKING_DAYS", default_value_t = 1)]
    pub notice_remind_working_days: u32,
    /// Working days after sending at which the receiving body's admins and the sender are
    /// told that a notification is still unacknowledged (T2), where the sender's region sets
    /// nothing (`notice_escalate`); 0: never.
    #[arg(
        long,
        env = "CONCORD_NOTICE_ESCALATE_WORKING_DAYS",
        default_value_t = 3
    )]
    pub notice_escalate_working_days: u32,
}

impl Default for DeploymentLimits {
    fn default() -> Self {
        DeploymentLimits {
            notice_remind_working_days: 1,
            notice_escalate_working_days: 3,
        }
    }
}

/// Tasks, notifications and their delivery: the job worker, webhooks, e-mail.
#[derive(Debug, Clone, Args)]
pub struct WorkArgs {
    /// The SMTP relay that e-mails events to the bodies' mailboxes, e.g.
    /// `smtp://127.0.0.1:2525` (no TLS, for a relay on this machine),
    /// `smtp://relay.example.gov.cn:587?tls=required` (STARTTLS) or `smtps://…:465`.
    /// Credentials go in the URL (`smtp://user:pass@host`). Absent: no e-mail is sent.
    #[arg(long, env = "CONCORD_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender address of those e-mails.
    #[arg(long, env = "CONCORD_SMTP_FROM", default_value = "concord@localhost")]
    pub smtp_from: String,
    /// The deployment's defaults of the notice limits, below what regions set.
    #[command(flatten)]
    pub deadlines: DeploymentLimits,
    /// Largest evidence attachment accepted, in bytes (larger: 413).
    #[arg(long, env = "CONCORD_MAX_ATTACHMENT_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub max_attachment_bytes: usize,
    /// Milliseconds between two looks for due jobs (a write that schedules one wakes the
    /// worker at once; this catches jobs coming due and other nodes' writes).
    #[arg(long, env = "CONCORD_JOB_POLL_MS", default_value_t = 1000)]
    pub job_poll_ms: u64,
    /// Seconds a webhook receiver has to answer before the attempt counts as failed.
    #[arg(long, env = "CONCORD_WEBHOOK_TIMEOUT_SECS", default_value_t = 10)]
    pub webhook_timeout_secs: u64,
    /// The day (MM-DD) by which every judicial bureau must have its annual coordination
    /// meeting scheduled; one that has none by then is flagged.
    #[arg(long, env = "CONCORD_ANNUAL_MEETING_DUE", default_value = "06-30")]
    pub annual_meeting_due: crate::domain::meeting::MonthDay,
    /// Seconds between two anchorings of the audit trail's newest row in the signed log
    /// (and once more at a clean shutdown); rows newer than the last anchor are protected by
    /// the hash chain alone. 0 turns the periodic anchoring off.
    #[arg(long, env = "CONCORD_AUDIT_ANCHOR_EVERY_SECS", default_value_t = 600)]
    pub audit_anchor_every_secs: u64,
}

impl Default for WorkArgs {
    fn default() -> Self {
        WorkArgs {
            smtp_url: None,
            smtp_from: "concord@localhost".into(),
            deadlines: DeploymentLimits::default(),
            max_attachment_bytes: 20 * 1024 * 1024,
            job_poll_ms: 1000,
            webhook_timeout_secs: 10,
            annual_meeting_due: crate::domain::meeting::MonthDay::default(),
            audit_anchor_every_secs: 600,
        }
    }
}

/// Reads of the public signed log (`/api/log/key`, `/checkpoint`, the proofs) one address may
/// make at once: a verifier checking a bundle asks for a few; a burst of this many is far
/// more than any honest checker needs.
pub const PUBLIC_READ_BURST: u32 = 120;

/// Reads per second an address earns back after its burst: 2, that is 120 a minute.
pub const PUBLIC_READS_PER_SECOND: u32 = 2;

/// Sign-in: where browsers reach us, which OpenID providers to offer, how long sessions last.
#[derive(Debug, Clone, Args)]
pub struct IdentityArgs {
    /// The address browsers use to reach this server, e.g. `https://concord.example.gov.cn`.
    /// Needed for OpenID Connect redirects and for the Origin check of state-changing requests;
    /// when absent, requests must come from the origin named by their own `Host` header.
    /// An `https://` URL also marks the session cookie `Secure`.
    #[arg(long, env = "CONCORD_PUBLIC_URL")]
    pub public_url: Option<url::Url>,
    /// A JSON file naming the OpenID Connect providers to offer (see README). Without it, only
    /// local accounts can sign in.
    #[arg(long, env = "CONCORD_OIDC_CONFIG")]
    pub oidc_config: Option<PathBuf>,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "CONCORD_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u64,
    /// Hours after sign-in at which a session ends however active it is.
    #[arg(long, env = "CONCORD_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u64,
    /// Consecutive wrong passwords after which an account is locked for a while.
    #[arg(long, env = "CONCORD_LOGIN_LOCK_AFTER", default_value_t = 5)]
    pub login_lock_after: u32,
    /// Minutes an account stays locked after too many wrong passwords.
    #[arg(long, env = "CONCORD_LOGIN_LOCK_MINUTES", default_value_t = 15)]
    pub login_lock_minutes: u64,
    /// Failed sign-ins one network address may make per 10 minutes, over all accounts.
    #[arg(long, env = "CONCORD_LOGIN_FAILURES_PER_ADDRESS", default_value_t = 30)]
    pub login_failures_per_address: u32,
    /// Reads of the public signed log (its key, checkpoint and proofs, which answer without
    /// an account) one network address may make at once before it is slowed down.
    #[arg(long, env = "CONCORD_PUBLIC_LOG_READ_BURST", default_value_t = PUBLIC_READ_BURST)]
    pub public_log_read_burst: u32,
    /// Reads of the public signed log per second an address earns back after its burst.
    #[arg(long, env = "CONCORD_PUBLIC_LOG_READS_PER_SECOND", default_value_t = PUBLIC_READS_PER_SECOND)]
    pub public_log_reads_per_second: u32,
}

impl Default for IdentityArgs {
    fn default() -> Self {
        IdentityArgs {
            public_url: None,
            oidc_config: None,
            session_idle_minutes: 30,
            session_max_hours: 12,
            login_lock_after: 5,
            login_lock_minutes: 15,
            login_failures_per_address: 30,
            public_log_read_burst: PUBLIC_READ_BURST,
            public_log_reads_per_second: PUBLIC_READS_PER_SECOND,
        }
    }
}

/// Limits on what clients may send and how long the server waits for them.
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Largest websocket frame accepted, in bytes (larger: close 1009).
    #[arg(long, env = "CONCORD_MAX_FRAME_BYTES", default_value_t = 1024 * 1024)]
    pub max_frame_bytes: usize,
    /// Largest document, in stored bytes (larger: close 4413).
    #[arg(long, env = "CONCORD_MAX_DOC_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_doc_bytes: usize,
    /// Bytes of one connection's updates that may wait for missing predecessors, in memory
    /// (more: close 4429).
    #[arg(long, env = "CONCORD_MAX_PENDING_BYTES", default_value_t = 1024 * 1024)]
    pub max_pending_bytes: usize,
    /// Messages queued for one client before it is closed as a slow consumer (close 4408).
    /// Presence is coalesced per awareness client id and updates for a client still receiving
    /// its initial state are merged, so each counts once.
    #[arg(long, env = "CONCORD_CLIENT_QUEUE", default_value_t = 1024)]
    pub client_queue: usize,
    /// 单个客户端排队等待发送的字节上限（不含其初始文档状态），超过即以 4408 断开。
    /// Bytes queued for one client, not counting its initial state, before it is closed as a
    /// slow consumer (close 4408).
    #[arg(long, env = "CONCORD_CLIENT_QUEUE_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub client_queue_bytes: usize,
    /// 客户端连续这么多秒没有接收任何字节才断开；只要字节仍在流向它，再慢也保留连接。
    /// Seconds without a single byte moving to a client (while something waits to be sent to
    /// it, or since an unanswered ping) before it is closed; a client that keeps taking bytes,
    /// however slowly, stays.
    #[arg(long, env = "CONCORD_CLIENT_NO_PROGRESS_SECS", default_value_t = 30)]
    pub client_no_progress_secs: u64,
    /// Seconds between keepalive pings. A missing pong closes the socket only once nothing
    /// has moved to the client for `--client-no-progress-secs` as well: a pong queued behind
    /// a large frame is not a dead client.
    #[arg(long, env = "CONCORD_PING_SECS", default_value_t = 15)]
    pub ping_secs: u64,
    /// Seconds after which a presence (awareness) state that was not renewed is removed.
    #[arg(long, env = "CONCORD_AWARENESS_TIMEOUT_SECS", default_value_t = 30)]
    pub awareness_timeout_secs: u64,
    /// 在线状态（光标、谁在场）至多每这么多毫秒发给文档的各客户端一次；安静时的变化立即发出，
    /// 繁忙时同一间隔内的变化合并为一条。
    /// Presence (awareness) reaches a document's clients at most once per this many
    /// milliseconds: a change in a quiet room goes out at once, changes within one interval of
    /// a busy room go out together as one message. 0 sends every change at once.
    #[arg(long, env = "CONCORD_PRESENCE_INTERVAL_MS", default_value_t = 30)]
    pub presence_interval_ms: u64,
    /// Seconds an idle document stays in memory.
    #[arg(long, env = "CONCORD_IDLE_UNLOAD_SECS", default_value_t = 30)]
    pub idle_unload_secs: u64,
}

impl Limits {
    pub fn ping_every(&self) -> Duration {
        Duration::from_secs(self.ping_secs.max(1))
    }

    pub fn no_progress_after(&self) -> Duration {
        Duration::from_secs(self.client_no_progress_secs.max(1))
    }
}

/// What clients may hold of the server before and while they are served: connections that
/// have not sent a request yet, and uploads in progress.
///
/// A connection that has sent no complete request yet has shown no credential: anyone can open
/// one. These limits keep such connections from holding sockets and memory (slowloris: one
/// header byte every few seconds; idle TCP connections; thousands of them from one address).
/// A websocket is authorized by its upgrade request, before it is upgraded, so an open socket
/// is never unauthenticated and needs no deadline of its own beyond these.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Seconds a client has to send the whole head (request line and headers) of each
    /// request, counted from when the server starts waiting for it: on a new connection, or
    /// after the previous answer on a kept-alive one (so it is also the keep-alive idle time).
    #[arg(long, env = "CONCORD_HEADER_READ_TIMEOUT_SECS", default_value_t = 30)]
    pub header_read_timeout_secs: u64,
    /// Seconds a new connection may stay without a complete first request before it is
    /// closed, whatever it sends meanwhile.
    #[arg(long, env = "CONCORD_FIRST_REQUEST_TIMEOUT_SECS", default_value_t = 10)]
    pub first_request_timeout_secs: u64,
    /// Connections without a first request kept at once, from all addresses; more are
    /// refused with 503 as they arrive.
    #[arg(long, env = "CONCORD_MAX_WAITING_CONNECTIONS", default_value_t = 1024)]
    pub max_waiting_connections: usize,
    /// Connections without a first request kept at once from one network address; more are
    /// refused with 429. Behind a reverse proxy every client has the proxy's address.
    #[arg(
        long,
        env = "CONCORD_MAX_WAITING_CONNECTIONS_PER_ADDRESS",
        default_value_t = 64
    )]
    pub max_waiting_connections_per_address: usize,
    /// Uploads (evidence files, bundles to verify) received at once; more are refused with
    /// 429 until one ends. Each is spooled to a temporary file in the data directory while
    /// it arrives, and held in memory only while it is checked and stored.
    #[arg(long, env = "CONCORD_MAX_CONCURRENT_UPLOADS", default_value_t = 4)]
    pub max_concurrent_uploads: usize,
    /// Reverse proxies whose forwarding headers are believed: CIDR ranges or addresses,
    /// separated by commas (`10.0.0.0/8,192.168.1.10`). From a peer in these ranges, a
    /// request's client address (for the audit trail, the sign-in limits and the rate limits
    /// per address) is the rightmost address of `Forwarded` (else `X-Forwarded-For`) that is
    /// not a trusted proxy; from any other peer those headers are ignored and the peer's own
    /// address counts. Empty (the default): no proxy is trusted.
    #[arg(
        long,
        env = "CONCORD_TRUSTED_PROXIES",
        value_name = "CIDR",
        value_delimiter = ',',
        value_parser = crate::auth::forwarded::parse_trusted_proxy
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// 停机宽限时间（秒）：收到 SIGTERM 或 Ctrl-C 后，本节点的 /readyz 立即答 503，新请求答
    /// 503，每个文档连接以 1012（服务重启）关闭，客户端随即重连（经负载均衡到其他节点）；
    /// 进行中的请求和提交在此时间内完成，然后进程退出。进程管理器的停止超时须长于此值。 /
    /// Seconds a node has to drain after SIGTERM or Ctrl-C: /readyz answers 503 at once, new
    /// requests get 503, every document socket is closed with 1012 (service restart) so its
    /// client reconnects (through the load balancer, to another node), requests and commits
    /// in flight finish, and the process exits within this time. The process manager's stop
    /// timeout (Kubernetes' terminationGracePeriodSeconds, systemd's TimeoutStopSec, compose's
    /// stop_grace_period) must be longer.
    #[arg(long, env = "CONCORD_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
}

impl ConnectionArgs {
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs.max(1))
    }

    pub fn first_request_timeout(&self) -> Duration {
        Duration::from_secs(self.first_request_timeout_secs.max(1))
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs.max(1))
    }
}

impl Default for ConnectionArgs {
    fn default() -> Self {
        ConnectionArgs {
            header_read_timeout_secs: 30,
            first_request_timeout_secs: 10,
            max_waiting_connections: 1024,
            max_waiting_connections_per_address: 64,
            max_concurrent_uploads: 4,
            trusted_proxies: Vec::new(),
            shutdown_grace_secs: 20,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct TicketArgs {
    /// The document the ticket admits to.
    pub doc: String,
    /// The user id the ticket is issued to.
    #[arg(long)]
    pub user: String,
    /// Display name shown to others (defaults to the user id).
    #[arg(long)]
    pub name: Option<String>,
    /// The organization the user acts for.
    #[arg(long, default_value = "unassigned")]
    pub org: String,
    #[arg(long, value_enum, default_value_t = TicketAccess::Read)]
    pub access: TicketAccess,
    /// How long the ticket may be used to connect, in seconds.
    #[arg(long, default_value_t = 300)]
    pub ttl_secs: u64,
    /// The server's data directory, whose ticket secret signs the ticket (unless
    /// `--ticket-secret` is given): the same flag and default as `concord serve`'s.
    #[arg(long, env = DATA_DIR_ENV, default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    #[arg(long, env = "CONCORD_TICKET_SECRET", hide_env_values = true)]
    pub ticket_secret: Option<String>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    ValueEnum,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum TicketAccess {
    Read,
    Write,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_named_after_the_deployment() {
        let url = |u: &str| url::Url::parse(u).unwrap();
        let unnamed = SigningArgs::default();
        assert_eq!(
            unnamed.log_origin(Some(&url("https://concord.example.gov.cn/"))),
            "concord.example.gov.cn/concord-log"
        );
        assert_eq!(
            unnamed.log_origin(Some(&url("http://10.1.2.3:8080/xietong"))),
            "10.1.2.3:8080/xietong/concord-log"
        );
        // Without a public URL, two deployments still get two names.
        let (a, b) = (unnamed.log_origin(None), unnamed.log_origin(None));
        assert!(a.starts_with("concord.local/log-") && a != b, "{a} {b}");
        let named = SigningArgs {
            log_origin: Some("sfj.zj.gov.cn/minutes".into()),
            ..SigningArgs::default()
        };
        assert_eq!(
            named.log_origin(Some(&url("https://concord.example.gov.cn"))),
            "sfj.zj.gov.cn/minutes"
        );
    }
}
