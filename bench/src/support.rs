//! What the workflow load tools (`work-bench`, `dispute-bench`) share: seeding bodies with
//! signed-in users through the server's own `Db` API, running the release `concord serve` on
//! the seeded database, and timing requests over HTTP one at a time.

pub mod load;

use std::future::Future;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use hdrhistogram::Histogram;
use rand::Rng;
use serde_json::{json, Value};
use server::db::{AuditEvent, Db, DbConfig, NewOrg, NewSession, NewUser, SqliteSync};
use server::domain::org::{Name, OrgCode, OrgKind, OrgRole, RegionCode, Username};

pub const DAY_MS: i64 = 86_400_000;

/// Requests sent before each measured series and not recorded: they open the connection and
/// fill the caches.
pub const WARM_UP: usize = 20;

pub fn now_ms() -> i64 {
    server::db::now_unix_ms()
}

/// The database a load tool seeds and serves: PostgreSQL at `url`, or SQLite under `data_dir`.
pub fn db_config(url: Option<&str>, data_dir: PathBuf, sync: SqliteSync) -> DbConfig {
    DbConfig {
        url: url.map(str::to_owned),
        data_dir,
        sqlite_synchronous: sync,
    }
}

/// An audit row of the seeding itself.
pub fn system_event(action: &str, tool: &str) -> AuditEvent {
    AuditEvent {
        at: now_ms(),
        actor_user_id: None,
        actor_org_id: None,
        action: action.to_owned(),
        target: String::new(),
        detail: json!({ "by": tool }),
        ip: None,
    }
}

/// Two different indexes below `n` (`n` ≥ 2).
pub fn two_distinct(rng: &mut impl Rng, n: usize) -> (usize, usize) {
    let a = rng.gen_range(0..n);
    let mut b = rng.gen_range(0..n - 1);
    if b >= a {
        b += 1;
    }
    (a, b)
}

/// A body of `kind` in `region` with `users` users (admins of it), each with a live session;
/// answers the body's id and the users' cookie values.
pub async fn body_with_users(
    db: &Db,
    region: &RegionCode,
    kind: OrgKind,
    code: &str,
    users: usize,
) -> anyhow::Result<(String, Vec<String>)> {
    let org = db
        .create_org(
            &NewOrg {
                code: OrgCode::parse(code)?,
                name_zh: Name::parse(&format!("单位 {code}"))?,
                name_en: None,
                kind,
                region: region.clone(),
                parent_id: None,
            },
            &system_event("org_created", "bench"),
        )
        .await?;
    let mut cookies = Vec::with_capacity(users);
    for u in 0..users {
        let user = db
            .create_user(
                &NewUser {
                    org_id: Some(org.id.clone()),
                    username: Some(Username::parse(&format!("{code}-{u}"))?),
                    display_name: Name::parse(&format!("用户 {code}-{u}"))?,
                    org_role: OrgRole::Admin,
                    operator: false,
                    password_hash: None,
                    oidc_issuer: None,
                    oidc_subject: None,
                },
                &system_event("user_created", "bench"),
            )
            .await?;
        let secret = format!("bench-{}", server::db::new_id());
        let now = now_ms();
        db.create_session(
            &NewSession {
                token_hash: server::auth::session::secret_hash(&secret),
                user_id: user.id,
                now,
                idle_expires_at: now + DAY_MS,
                absolute_expires_at: now + DAY_MS,
                ip: None,
                user_agent: None,
            },
            &system_event("login", "bench"),
        )
        .await?;
        cookies.push(secret);
    }
    Ok((org.id, cookies))
}

/// The real binary, serving a seeded database.
pub struct Server {
    child: tokio::process::Child,
    pub base: String,
}

impl Server {
    /// Starts `concord serve` on a free loopback port and waits until it is ready.
    pub async fn start(
        concord: &Path,
        database_url: Option<&str>,
        data_dir: &Path,
    ) -> anyhow::Result<Server> {
        let port = StdListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut cmd = tokio::process::Command::new(concord);
        cmd.arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if let Some(url) = database_url {
            cmd.env("DATABASE_URL", url);
        }
        let child = cmd.spawn().context("starting concord")?;
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
                if r.status().is_success() {
                    return Ok(Server { child, base });
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("concord did not become ready")
    }

    /// The server's process id, for sampling its RSS and CPU.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            // SIGTERM, so it shuts down cleanly and releases the database.
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
        }
        tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await??;
        Ok(())
    }
}

/// A client that keeps its connections alive.
pub fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?)
}

/// The `cookie` header of a session.
pub fn cookie(secret: &str) -> String {
    format!("{}={secret}", server::auth::session::COOKIE)
}

/// The `q` quantile of `h`, in milliseconds.
pub fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

/// p50, p99 and max of `h` as the JSON lines print them.
pub fn summary(h: &Histogram<u64>) -> Value {
    json!({"requests": h.len(), "p50_ms": ms(h, 0.5), "p99_ms": ms(h, 0.99),
           "max_ms": h.max() as f64 / 1000.0})
}

/// Runs `one(i)` for `i` in `0..WARM_UP + requests`, one at a time, and records how long each
/// of the last `requests` took (microseconds).
pub async fn timed<F, Fut>(requests: usize, mut one: F) -> anyhow::Result<Histogram<u64>>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut h = Histogram::<u64>::new(3)?;
    for i in 0..WARM_UP + requests {
        let t = Instant::now();
        one(i).await?;
        if i >= WARM_UP {
            h.record(t.elapsed().as_micros() as u64)?;
        }
    }
    Ok(h)
}

/// Sends `request` and answers its body; an answer that is not a success is an error naming
/// `what`.
pub async fn ok_body(what: &str, request: reqwest::RequestBuilder) -> anyhow::Result<bytes::Bytes> {
    let r = request.send().await?;
    let status = r.status();
    let body = r.bytes().await?;
    if !status.is_success() {
        bail!("{what}: {status} {}", String::from_utf8_lossy(&body));
    }
    Ok(body)
}
