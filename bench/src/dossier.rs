//! `dossier-bench`: a joint investigation group's dossier (联合案卷) under co-editing, issue
//! #18's benchmark.
//!
//! The group: a lead (an enforcement department) and `--bodies - 1` member bodies, each with
//! `--clients-per-body` signed-in users. The dossier has `--bodies + 2` section documents: the
//! lead's summary (案情摘要), one section per body, the lead's own included (调查情况), and the
//! lead's conclusions (调查结论); 12 with the default 10 bodies.
//!
//! Against concord (the release `concord serve`, started here on SQLite or on the PostgreSQL
//! database `--database-url` names): the bodies and their users' sessions are seeded through
//! the server's own `Db` API; the group is then proposed, confirmed by every member, formed
//! and started over HTTP, as people do, and the section ids read from its detail
//! (`GET /api/investigations/{id}`). Against a peer (`--peer-url`, no authorization): the same
//! number of documents, named after the run.
//!
//! Then, on either:
//! 1. **seed**: each section's owner (the lead for the summary and the conclusions) writes
//!    `--section-kb` of text into it over the websocket, in 50 KB inserts, and a second
//!    connection waits until it reads it all back;
//! 2. **join**: every client (3 per body, 30 by default) opens every section at once, as the
//!    group page does (concord: one socket per section, `/ws/docs/{id}` with the session cookie
//!    and the server's Origin, as the browser sends them); its join time is from its start until
//!    the last of its sections is synced (SyncStep2 applied);
//! 3. **edit**: every client inserts a token `w{client}:{n};` at the end of its own body's
//!    section at `--rate` per second for `--seconds`; every other client records the time from
//!    the writer's send to its apply. Meanwhile a visitor of a member body opens the whole
//!    dossier every `--visit-every-ms`, is timed like a joining client (the "join under load"
//!    line) and leaves;
//! 4. **check**: every client must see every other client's token exactly once (delivered ==
//!    expected, no duplicates) and every client's text of every section must be identical and
//!    start with the seed (convergence).
//!
//! Server RSS (peak, mean, private peak) is sampled from `/proc` from the join to the end,
//! server and tool CPU over the edit phase and its drain. One JSON line per run;
//! `dossier-bench report FILE...` prints the table, concord's propagation p99 as a ratio to the
//! peer's (yws) and whether issue #18's targets are met. `bench/dossier.sh` runs it all.

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use bench_support::load::{
    check_loopback, cpu_pct, host_port, new_hist, proc_cpu_ticks, random_u32, round3, rss_summary,
    self_cpu_ticks, Sampler,
};
use bench_support::{body_with_users, client, cookie, db_config, ok_body, system_event, Server};
use bytes::Bytes;
use clap::{Parser, Subcommand};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{json, Value};
use server::db::{Db, NewRegion, SqliteSync};
use server::domain::org::{Level, Name, OrgKind, RegionCode};
use tokio::net::TcpStream;
use tokio::sync::{watch, Semaphore};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::sync::{Awareness, Message, MessageReader, SyncMessage};
use yrs::types::text::TextEvent;
use yrs::types::Delta;
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{Any, Doc, GetString, Observable, Out, ReadTxn, Text, TextRef, Transact, Update};

const TOOL: &str = "dossier-bench";

/// Issue #18's targets.
const JOIN_P99_TARGET_MS: f64 = 300.0;
const PROPAGATION_RATIO_TARGET: f64 = 0.8;

/// Bytes of one seeding insert.
const SEED_CHUNK: usize = 50 * 1024;

#[derive(Parser, Debug)]
#[command(
    name = "dossier-bench",
    about = "Load test of a joint investigation group's dossier: join and edit propagation"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    run: Args,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Print the table, the ratios to the peer and the targets from JSON lines (files or `-`).
    Report {
        files: Vec<String>,
        /// Label of the peer the concord runs are compared with.
        #[arg(long, default_value = "yws")]
        peer: String,
    },
}

#[derive(clap::Args, Debug, Clone)]
struct Args {
    /// PostgreSQL URL of an empty database; default: SQLite in a new temporary directory.
    #[arg(long)]
    database_url: Option<String>,
    /// The concord binary to run.
    #[arg(long, default_value = "target/release/concord")]
    concord: PathBuf,
    /// A y-websocket peer to load instead of concord (`ws://127.0.0.1:PORT`; `/{doc}` is
    /// appended), with no authorization.
    #[arg(long)]
    peer_url: Option<String>,
    /// The peer's process id, for its RSS and CPU.
    #[arg(long)]
    peer_pid: Option<u32>,
    /// Name of the run in the output (default: concord-sqlite, concord-postgres or yws).
    #[arg(long)]
    label: Option<String>,
    /// Bodies of the group, the lead included (each writes one section).
    #[arg(long, default_value_t = 10)]
    bodies: usize,
    #[arg(long, default_value_t = 3)]
    clients_per_body: usize,
    /// Kilobytes of text seeded into every section.
    #[arg(long, default_value_t = 200)]
    section_kb: usize,
    /// Edits per second per client.
    #[arg(long, default_value_t = 2.0)]
    rate: f64,
    /// Length of the edit phase in seconds.
    #[arg(long, default_value_t = 25.0)]
    seconds: f64,
    /// Seconds to wait after the edit phase for outstanding deliveries.
    #[arg(long, default_value_t = 10.0)]
    drain_seconds: f64,
    /// A visitor opens the whole dossier this often during the edit phase (0: never).
    #[arg(long, default_value_t = 1000)]
    visit_every_ms: u64,
    /// Websocket handshakes in progress at once (the clients' sockets all start together).
    #[arg(long, default_value_t = 32)]
    connect_concurrency: usize,
    /// Tokio worker threads of the load tool.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if let Some(Cmd::Report { files, peer }) = cli.cmd {
        return report(&files, &peer);
    }
    let args = cli.run;
    if args.bodies < 1 || args.clients_per_body < 1 || args.bodies * args.clients_per_body < 2 {
        bail!("at least two clients are needed (--bodies x --clients-per-body)");
    }
    if args.rate <= 0.0 || args.seconds <= 0.0 {
        bail!("--rate and --seconds must be > 0");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    let out = rt.block_on(run(args))?;
    println!("{}", serde_json::to_string(&out)?);
    if out["result"] != "OK" {
        std::process::exit(2);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The dossier and where it is served

/// Where the sockets go and how they sign in.
#[derive(Clone)]
struct Target {
    /// The URL of a document is this followed by its id.
    ws_base: String,
    /// concord: the server's origin, sent with the session cookie as a browser does.
    origin: Option<String>,
}

/// The dossier's documents and who writes which.
#[derive(Clone)]
struct Dossier {
    /// Summary, one section per body (body order), conclusions.
    docs: Vec<String>,
    /// Per body, its users' session cookies (`name=value`; none for a peer).
    cookies: Vec<Vec<Option<String>>>,
}

/// The index in [`Dossier::docs`] of the section `body` writes.
fn own_section(body: usize) -> usize {
    body + 1
}

/// The body that writes document `doc` of a dossier of `bodies` bodies: the lead (body 0)
/// writes the summary and the conclusions.
fn owner(doc: usize, bodies: usize) -> usize {
    if doc == 0 || doc == bodies + 1 {
        0
    } else {
        doc - 1
    }
}

/// Client `c`'s body.
fn body_of(c: usize, per_body: usize) -> usize {
    c / per_body
}

async fn run(a: Args) -> Result<Value> {
    let label = a.label.clone().unwrap_or_else(|| {
        match (&a.peer_url, &a.database_url) {
            (Some(_), _) => "yws",
            (None, Some(_)) => "concord-postgres",
            (None, None) => "concord-sqlite",
        }
        .to_owned()
    });
    let started = Instant::now();
    let dir = tempfile::tempdir().context("making the data directory")?;
    let (target, dossier, pid, server) = match &a.peer_url {
        Some(url) => {
            check_loopback(url)?;
            let prefix = format!("d{}-", bench_support::now_ms());
            let mut docs = vec![format!("{prefix}summary")];
            docs.extend((0..a.bodies).map(|b| format!("{prefix}s{b}")));
            docs.push(format!("{prefix}conclusions"));
            let target = Target {
                ws_base: format!("{}/", url.trim_end_matches('/')),
                origin: None,
            };
            let cookies = vec![vec![None; a.clients_per_body]; a.bodies];
            (target, Dossier { docs, cookies }, a.peer_pid, None)
        }
        None => {
            let bodies = seed_bodies(&a, dir.path().to_path_buf()).await?;
            let server = Server::start(&a.concord, a.database_url.as_deref(), dir.path()).await?;
            let docs = form_group(&server.base, &bodies).await?;
            let target = Target {
                ws_base: format!("{}/ws/docs/", server.base.replace("http://", "ws://")),
                origin: Some(server.base.clone()),
            };
            let cookies = bodies
                .iter()
                .map(|(_, users)| users.iter().map(|c| Some(cookie(c))).collect())
                .collect();
            let pid = server.pid();
            (target, Dossier { docs, cookies }, pid, Some(server))
        }
    };
    let formed_s = started.elapsed().as_secs_f64();
    let seed = Instant::now();
    let texts = seed_dossier(&a, &target, &dossier).await?;
    let seed_s = seed.elapsed().as_secs_f64();
    let out = measure(&a, &target, &dossier, &texts, pid).await;
    if let Some(server) = server {
        server.stop().await?;
    }
    let mut out = out?;
    if let Some(o) = out.as_object_mut() {
        o.insert("label".into(), json!(label));
        o.insert("setup_s".into(), json!(round3(formed_s)));
        o.insert("seed_s".into(), json!(round3(seed_s)));
    }
    Ok(out)
}

/// A county, the lead (an enforcement department) and the member bodies of several kinds, each
/// with `--clients-per-body` signed-in users; answers each body's id and its users' session
/// secrets.
async fn seed_bodies(a: &Args, data_dir: PathBuf) -> Result<Vec<(String, Vec<String>)>> {
    let db = Db::connect(&db_config(
        a.database_url.as_deref(),
        data_dir,
        SqliteSync::Normal,
    ))
    .await?;
    let mut parent = None;
    for (code, level) in [
        ("330000", Level::Province),
        ("330100", Level::City),
        ("330102", Level::County),
    ] {
        let code = RegionCode::parse(code)?;
        db.create_region(
            &NewRegion {
                code: code.clone(),
                name_zh: Name::parse(&format!("区划 {code}"))?,
                name_en: None,
                level,
                parent: parent.clone(),
            },
            &system_event("region_created", TOOL),
        )
        .await?;
        parent = Some(code);
    }
    let county = parent.expect("the county");
    let kinds = [
        OrgKind::EnforcementDepartment,
        OrgKind::PublicSecurity,
        OrgKind::TownshipGovernment,
        OrgKind::EnforcementDepartment,
        OrgKind::Procuratorate,
    ];
    let mut bodies = Vec::with_capacity(a.bodies);
    for b in 0..a.bodies {
        let kind = if b == 0 {
            OrgKind::EnforcementDepartment
        } else {
            kinds[b % kinds.len()]
        };
        bodies.push(
            body_with_users(&db, &county, kind, &format!("jd{b:03}"), a.clients_per_body).await?,
        );
    }
    Ok(bodies)
}

/// Proposes the group as the lead, confirms it as every member, forms it as the lead, starts
/// it as the first member, over HTTP; answers the dossier's document ids in [`Dossier::docs`]
/// order.
async fn form_group(base: &str, bodies: &[(String, Vec<String>)]) -> Result<Vec<String>> {
    let http = client()?;
    let as_body = |b: usize, req: reqwest::RequestBuilder| {
        req.header("cookie", cookie(&bodies[b].1[0]))
            .header("origin", base)
    };
    let orgs: Vec<&str> = bodies.iter().map(|(id, _)| id.as_str()).collect();
    let proposal = json!({
        "case_name": "湖滨路特大制售假冒食品案",
        "case_number": "上市监立〔2026〕42号",
        "summary": "群众举报湖滨路一带有窝点制售假冒知名品牌食品，涉及生产、流通和网络销售。",
        "areas": "市场监管（食品安全）、公安（涉嫌犯罪线索）、街道（属地排查）",
        "confidentiality": "internal",
        "members": &orgs[1..],
    });
    let group: Value = serde_json::from_slice(
        &ok_body(
            "propose",
            as_body(0, http.post(format!("{base}/api/investigations"))).json(&proposal),
        )
        .await?,
    )?;
    let id = group["id"]
        .as_str()
        .ok_or_else(|| anyhow!("no group id: {group}"))?
        .to_owned();
    let url = format!("{base}/api/investigations/{id}");
    for b in 1..bodies.len() {
        let answer = json!({ "command": "confirm", "responsible_person": format!("联络人{b}"),
                             "contact": format!("联络人{b} 0571-8700{b:04}") });
        ok_body(
            "confirm",
            as_body(b, http.post(format!("{url}/membership"))).json(&answer),
        )
        .await?;
    }
    // The lead forms it; the first member (the lead alone if it has none) starts the work.
    let starter = if bodies.len() > 1 { 1 } else { 0 };
    for (b, command) in [(0, "form"), (starter, "start")] {
        let now: Value =
            serde_json::from_slice(&ok_body("show", as_body(b, http.get(&url))).await?)?;
        let action = json!({ "command": command, "revision": now["revision"] });
        ok_body(
            command,
            as_body(b, http.post(format!("{url}/actions"))).json(&action),
        )
        .await?;
    }
    let group: Value = serde_json::from_slice(&ok_body("show", as_body(0, http.get(&url))).await?)?;
    if group["state"] != "active" {
        bail!("the group is not active: {group}");
    }
    let doc = |v: &Value| -> Result<String> {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("a section without a document id in {group}"))
    };
    let mut docs = vec![doc(&group["summary_doc_id"])?];
    let members = group["members"]
        .as_array()
        .ok_or_else(|| anyhow!("no members in {group}"))?;
    for org in &orgs {
        let m = members
            .iter()
            .find(|m| m["org_id"] == *org)
            .ok_or_else(|| anyhow!("body {org} is not in {group}"))?;
        docs.push(doc(&m["section_doc_id"])?);
    }
    docs.push(doc(&group["conclusions_doc_id"])?);
    Ok(docs)
}

/// `bytes` (rounded down to whole sentences) of a case narrative for document `doc`, in inserts
/// of about [`SEED_CHUNK`] bytes. It holds no `:` or `;`, so no token is ever read in it.
fn seed_text(doc: usize, bytes: usize) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut chunk = String::new();
    let mut total = 0;
    let mut k = 0usize;
    loop {
        let mut sentence = String::new();
        let _ = writeln!(
            sentence,
            "（第{doc}节第{k}段）经查，当事人在湖滨路仓库内生产、储存假冒知名品牌食品，现场查获成品与包装材料若干，已依法登记保存并移送相关部门。"
        );
        if total + sentence.len() > bytes {
            break;
        }
        total += sentence.len();
        chunk.push_str(&sentence);
        if chunk.len() >= SEED_CHUNK {
            chunks.push(std::mem::take(&mut chunk));
        }
        k += 1;
    }
    if !chunk.is_empty() {
        chunks.push(chunk);
    }
    chunks
}

/// Writes every section's seed as its owner, and checks with a second connection that the
/// whole of it is read back; answers the seeds.
async fn seed_dossier(a: &Args, target: &Target, dossier: &Dossier) -> Result<Vec<String>> {
    let bodies = a.bodies;
    let bytes = a.section_kb * 1024;
    let jobs = dossier.docs.iter().enumerate().map(|(i, doc)| {
        let target = target.clone();
        let cookie = dossier.cookies[owner(i, bodies)][0].clone();
        let reader_cookie = dossier.cookies[owner(i, bodies)].last().cloned().flatten();
        let doc = doc.clone();
        async move {
            let chunks = seed_text(i, bytes);
            let mut w = DocConn::open(&target, &doc, cookie.as_deref(), None).await?;
            w.synced(Duration::from_secs(60)).await?;
            for c in &chunks {
                let update = {
                    let mut txn = w.doc.transact_mut();
                    let len = w.text.len(&txn);
                    w.text.insert(&mut txn, len, c);
                    txn.encode_update_v1()
                };
                w.send(&Message::Sync(SyncMessage::Update(update))).await?;
            }
            let text: String = chunks.concat();
            let mut r = DocConn::open(&target, &doc, reader_cookie.as_deref(), None).await?;
            r.synced(Duration::from_secs(60)).await?;
            let deadline = Instant::now() + Duration::from_secs(30);
            while r.text_string() != text {
                if Instant::now() > deadline {
                    bail!(
                        "section {i}: {} of {} bytes read back",
                        r.text_string().len(),
                        text.len()
                    );
                }
                r.next(deadline).await?;
            }
            w.close().await;
            r.close().await;
            Ok::<String, anyhow::Error>(text)
        }
    });
    futures_util::future::try_join_all(jobs).await
}

// ---------------------------------------------------------------------------------------------
// One socket

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

/// Tokens (writer, n) that remote updates inserted, filled by the text observer.
type Inbox = Arc<Mutex<Vec<(u32, u32)>>>;

/// One document over one socket: the y-websocket protocol with a yrs `Doc`.
struct DocConn {
    ws: Ws,
    doc: Doc,
    text: TextRef,
    awareness: Awareness,
    synced: bool,
    replies: Vec<Message>,
}

impl DocConn {
    /// Connects and asks for the document (SyncStep1); `inbox` receives the tokens of every
    /// writer but `me`.
    async fn open(
        target: &Target,
        doc_id: &str,
        cookie: Option<&str>,
        watch_tokens: Option<(Inbox, u32)>,
    ) -> Result<DocConn> {
        let url = format!("{}{doc_id}", target.ws_base);
        let (host, port) = host_port(&url)?;
        let mut req = url.as_str().into_client_request()?;
        if let Some(cookie) = cookie {
            req.headers_mut()
                .insert("cookie", HeaderValue::from_str(cookie)?);
        }
        if let Some(origin) = &target.origin {
            req.headers_mut()
                .insert("origin", HeaderValue::from_str(origin)?);
        }
        let addr = format!(
            "{}:{port}",
            host.trim_start_matches('[').trim_end_matches(']')
        );
        let tcp = TcpStream::connect(&addr)
            .await
            .with_context(|| format!("connect {addr}"))?;
        tcp.set_nodelay(true)?;
        let (ws, _) = tokio_tungstenite::client_async(req, tcp)
            .await
            .with_context(|| format!("websocket handshake {url}"))?;
        let doc = Doc::with_client_id(random_u32() as u64);
        let text = doc.get_or_insert_text("text");
        if let Some((inbox, me)) = watch_tokens {
            text.observe("dossier-bench", move |txn, e: &TextEvent| {
                let mut ib = inbox.lock().expect("inbox");
                for d in e.delta(txn) {
                    if let Delta::Inserted(Out::Any(Any::String(s)), _) = d {
                        parse_pairs(s, me, &mut ib);
                    }
                }
            });
        }
        let awareness = Awareness::new(doc.clone());
        let mut conn = DocConn {
            ws,
            doc,
            text,
            awareness,
            synced: false,
            replies: Vec::new(),
        };
        let sv = conn.doc.transact().state_vector();
        conn.send(&Message::Sync(SyncMessage::SyncStep1(sv)))
            .await?;
        Ok(conn)
    }

    async fn send(&mut self, msg: &Message) -> Result<()> {
        self.ws
            .send(WsMessage::Binary(Bytes::from(msg.encode_v1())))
            .await?;
        Ok(())
    }

    /// Reads and handles one message, or fails at `deadline`.
    async fn next(&mut self, deadline: Instant) -> Result<()> {
        let m = tokio::time::timeout_at(deadline.into(), self.ws.next())
            .await
            .map_err(|_| anyhow!("timeout"))?;
        match m {
            Some(Ok(WsMessage::Binary(b))) => self.handle(&b)?,
            Some(Ok(WsMessage::Close(f))) => bail!("server closed: {f:?}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e).context("reading"),
            None => bail!("connection ended"),
        }
        self.flush().await
    }

    /// Waits for the server's SyncStep2.
    async fn synced(&mut self, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        while !self.synced {
            self.next(deadline)
                .await
                .context("waiting for sync step 2")?;
        }
        Ok(())
    }

    fn handle(&mut self, data: &[u8]) -> Result<()> {
        let mut dec = DecoderV1::from(data);
        for m in MessageReader::new(&mut dec) {
            match m? {
                Message::Sync(SyncMessage::SyncStep1(sv)) => {
                    let u = self.doc.transact().encode_state_as_update_v1(&sv);
                    self.replies.push(Message::Sync(SyncMessage::SyncStep2(u)));
                }
                Message::Sync(SyncMessage::SyncStep2(u)) => {
                    self.apply(&u)?;
                    self.synced = true;
                }
                Message::Sync(SyncMessage::Update(u)) => self.apply(&u)?,
                Message::Auth(Some(reason)) => bail!("permission denied: {reason}"),
                Message::AwarenessQuery => {
                    self.replies
                        .push(Message::Awareness(self.awareness.update()?));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn apply(&mut self, u: &[u8]) -> Result<()> {
        let update = Update::decode_v1(u)?;
        self.doc.transact_mut().apply_update(update)?;
        Ok(())
    }

    async fn flush(&mut self) -> Result<()> {
        for m in std::mem::take(&mut self.replies) {
            self.send(&m).await?;
        }
        Ok(())
    }

    /// Publishes who is here, as the page's presence does.
    async fn announce(&mut self, name: &str) -> Result<()> {
        self.awareness
            .set_local_state_raw(format!("{{\"user\":{{\"name\":\"{name}\"}}}}"));
        let upd = self.awareness.update()?;
        self.send(&Message::Awareness(upd)).await
    }

    fn text_string(&self) -> String {
        self.text.get_string(&self.doc.transact())
    }

    async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.ws.close(None)).await;
    }
}

/// Reads the tokens `w{writer}:{n};` in `s` into `out`, but `me`'s own.
fn parse_pairs(s: &str, me: u32, out: &mut Vec<(u32, u32)>) {
    for tok in s.split(';') {
        let Some((w, n)) = tok.rsplit_once(':') else {
            continue;
        };
        let Some(w) = w.rsplit('w').next().and_then(|w| w.parse::<u32>().ok()) else {
            continue;
        };
        if let (true, Ok(n)) = (w != me, n.parse::<u32>()) {
            out.push((w, n));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The measured run

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Joining,
    Editing,
    StopWriting,
    Shutdown,
}

struct Shared {
    epoch: Instant,
    rate: f64,
    clients: usize,
    /// Per client, the send time of its token n (ns since `epoch` + 1; 0: not sent).
    sent: Vec<Vec<AtomicU64>>,
    writes: Vec<AtomicU64>,
    delivered: AtomicU64,
    joined: AtomicUsize,
    failed: AtomicUsize,
    handshakes: Semaphore,
}

impl Shared {
    fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }
}

/// What one socket of one client saw.
#[derive(Default)]
struct SocketResult {
    client: usize,
    doc: usize,
    error: Option<String>,
    /// Hash and length of its text at the end, and whether it starts with the seed.
    text: Option<(u64, usize, bool)>,
    /// Fresh tokens per writer.
    seen: Vec<u64>,
    dups: u64,
    hist: Option<Histogram<u64>>,
}

/// Opens every document of the dossier at once for one client and waits until all are
/// synced; answers the sockets and the join time.
async fn join_all(
    sh: &Shared,
    target: &Target,
    dossier: &Dossier,
    cookie: Option<&str>,
    watch: Option<(&[Inbox], u32)>,
) -> Result<(Vec<DocConn>, Duration)> {
    let t0 = Instant::now();
    let opens = dossier.docs.iter().enumerate().map(|(i, doc)| {
        let w = watch.map(|(inboxes, me)| (inboxes[i].clone(), me));
        async move {
            let permit = sh.handshakes.acquire().await?;
            let mut conn = DocConn::open(target, doc, cookie, w).await?;
            drop(permit);
            conn.synced(Duration::from_secs(60)).await?;
            Ok::<DocConn, anyhow::Error>(conn)
        }
    });
    let conns = futures_util::future::try_join_all(opens).await?;
    Ok((conns, t0.elapsed()))
}

async fn measure(
    a: &Args,
    target: &Target,
    dossier: &Dossier,
    seeds: &[String],
    pid: Option<u32>,
) -> Result<Value> {
    let clients = a.bodies * a.clients_per_body;
    let docs = dossier.docs.len();
    let cap = (a.rate * a.seconds).ceil() as usize + 16;
    let sh = Arc::new(Shared {
        epoch: Instant::now(),
        rate: a.rate,
        clients,
        sent: (0..clients)
            .map(|_| (0..cap).map(|_| AtomicU64::new(0)).collect())
            .collect(),
        writes: (0..clients).map(|_| AtomicU64::new(0)).collect(),
        delivered: AtomicU64::new(0),
        joined: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        handshakes: Semaphore::new(a.connect_concurrency.max(1)),
    });
    let seeds: Arc<Vec<String>> = Arc::new(seeds.to_vec());
    let sampler = pid.map(|pid| Sampler::start(pid, sh.epoch));
    let join0 = (
        Instant::now(),
        pid.and_then(proc_cpu_ticks),
        self_cpu_ticks(),
    );
    let (phase_tx, phase_rx) = watch::channel(Phase::Joining);
    let joins = Arc::new(Mutex::new(new_hist()));
    let dossier = Arc::new(dossier.clone());

    // Every client joins at once; each then serves its sockets until shutdown.
    let mut handles = Vec::with_capacity(clients);
    for c in 0..clients {
        let (sh, target, dossier, joins, seeds) = (
            sh.clone(),
            target.clone(),
            dossier.clone(),
            joins.clone(),
            seeds.clone(),
        );
        let phase = phase_rx.clone();
        let per_body = a.clients_per_body;
        handles.push(tokio::spawn(async move {
            let body = body_of(c, per_body);
            let cookie = dossier.cookies[body][c % per_body].clone();
            let inboxes: Vec<Inbox> = (0..dossier.docs.len()).map(|_| Inbox::default()).collect();
            let joined = join_all(
                &sh,
                &target,
                &dossier,
                cookie.as_deref(),
                Some((&inboxes, c as u32)),
            )
            .await;
            let mut conns = match joined {
                Ok((conns, took)) => {
                    let _ = joins
                        .lock()
                        .expect("joins")
                        .record((took.as_micros() as u64).max(1));
                    conns
                }
                Err(e) => {
                    sh.failed.fetch_add(1, Ordering::Relaxed);
                    return vec![SocketResult {
                        client: c,
                        error: Some(format!("join: {e:#}")),
                        ..Default::default()
                    }];
                }
            };
            for conn in conns.iter_mut() {
                let _ = conn.announce(&format!("bench-{c}")).await;
            }
            sh.joined.fetch_add(1, Ordering::Relaxed);
            let mut tasks = Vec::new();
            for (i, (conn, inbox)) in conns.into_iter().zip(inboxes).enumerate() {
                let writes = i == own_section(body);
                let (sh, phase, seeds) = (sh.clone(), phase.clone(), seeds.clone());
                tasks.push(tokio::spawn(async move {
                    serve(sh, c, i, writes, conn, inbox, phase, &seeds[i]).await
                }));
            }
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.unwrap_or_else(|e| SocketResult {
                    client: c,
                    error: Some(format!("socket task: {e}")),
                    ..Default::default()
                }));
            }
            out
        }));
    }
    let join_deadline = Instant::now() + Duration::from_secs(120);
    while sh.joined.load(Ordering::Relaxed) + sh.failed.load(Ordering::Relaxed) < clients
        && Instant::now() < join_deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Edit phase, with a visitor opening the whole dossier now and then.
    let cpu0 = (
        Instant::now(),
        pid.and_then(proc_cpu_ticks),
        self_cpu_ticks(),
    );
    let join_s = (cpu0.0 - join0.0).as_secs_f64();
    let _ = phase_tx.send(Phase::Editing);
    let visits = Arc::new(Mutex::new(new_hist()));
    let visitor = (a.visit_every_ms > 0).then(|| {
        let (sh, target, dossier, visits) =
            (sh.clone(), target.clone(), dossier.clone(), visits.clone());
        let every = Duration::from_millis(a.visit_every_ms);
        let (bodies, per_body) = (a.bodies, a.clients_per_body);
        let mut phase = phase_rx.clone();
        tokio::spawn(async move {
            let mut errors = Vec::new();
            let mut k = 0usize;
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = phase.changed() => {}
                }
                if *phase.borrow() != Phase::Editing {
                    break;
                }
                // Each visit is a member body's user, the bodies in turn.
                let body = 1 + k % bodies.saturating_sub(1).max(1);
                let cookie = dossier.cookies[body.min(bodies - 1)][k % per_body].clone();
                k += 1;
                match join_all(&sh, &target, &dossier, cookie.as_deref(), None).await {
                    Ok((conns, took)) => {
                        let _ = visits
                            .lock()
                            .expect("visits")
                            .record((took.as_micros() as u64).max(1));
                        for c in conns {
                            c.close().await;
                        }
                    }
                    Err(e) => errors.push(format!("visit: {e:#}")),
                }
            }
            errors
        })
    });
    tokio::time::sleep(Duration::from_secs_f64(a.seconds)).await;
    let _ = phase_tx.send(Phase::StopWriting);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let readers = clients as u64 - 1;
    let expected_now = |sh: &Shared| -> u64 {
        sh.writes
            .iter()
            .map(|w| w.load(Ordering::Relaxed) * readers)
            .sum()
    };
    let drain_deadline = Instant::now() + Duration::from_secs_f64(a.drain_seconds);
    while sh.delivered.load(Ordering::Relaxed) < expected_now(&sh)
        && Instant::now() < drain_deadline
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let cpu1 = (
        Instant::now(),
        pid.and_then(proc_cpu_ticks),
        self_cpu_ticks(),
    );
    let _ = phase_tx.send(Phase::Shutdown);
    let mut errors: Vec<String> = match visitor {
        Some(v) => v.await.unwrap_or_default(),
        None => Vec::new(),
    };
    let mut results = Vec::new();
    for h in handles {
        match tokio::time::timeout(Duration::from_secs(30), h).await {
            Ok(Ok(r)) => results.extend(r),
            Ok(Err(e)) => errors.push(format!("client panicked: {e}")),
            Err(_) => errors.push("a client did not stop".into()),
        }
    }
    let samples = match sampler {
        Some(s) => s.stop().await,
        None => Vec::new(),
    };

    // Aggregate.
    let window_s = (cpu1.0 - cpu0.0).as_secs_f64();
    let writes: Vec<u64> = sh
        .writes
        .iter()
        .map(|w| w.load(Ordering::Relaxed))
        .collect();
    let check = Check::of(&results, &writes, a.clients_per_body, docs);
    let mut lat = new_hist();
    for r in &results {
        if let Some(h) = &r.hist {
            let _ = lat.add(h);
        }
        if let Some(e) = &r.error {
            errors.push(e.clone());
        }
    }
    let delivered = sh.delivered.load(Ordering::Relaxed);
    let expected: u64 = writes.iter().sum::<u64>() * readers;
    let mut fail = check.fail.clone();
    if !errors.is_empty() {
        fail.push(format!("{} errors", errors.len()));
    }
    if delivered != expected {
        fail.push(format!("delivered {delivered} != expected {expected}"));
    }
    if writes.iter().any(|&w| w as usize >= cap) {
        fail.push("a writer hit the tool's capacity".into());
    }
    errors.sort();
    errors.dedup();
    errors.truncate(5);
    let (rss_peak, rss_mean, anon_peak) = rss_summary(&samples);
    let joins = joins.lock().expect("joins").clone();
    let visits = visits.lock().expect("visits").clone();
    Ok(json!({
        "bodies": a.bodies,
        "clients": clients,
        "docs": docs,
        "section_kb": a.section_kb,
        "rate": a.rate,
        "seconds": a.seconds,
        "join_ms": quantiles(&joins),
        "join_under_load_ms": quantiles(&visits),
        "latency_ms": quantiles(&lat),
        "writes": writes.iter().sum::<u64>(),
        "delivered": delivered,
        "expected": expected,
        "duplicates": check.dups,
        "converged": check.converged,
        "server": {
            "pid": pid,
            "rss_peak_mib": rss_peak.map(round3),
            "rss_mean_mib": rss_mean.map(round3),
            "rss_anon_peak_mib": anon_peak.map(round3),
            "cpu_pct": cpu_pct(cpu0.1, cpu1.1, window_s).map(round3),
            "samples": samples.len(),
        },
        "bench_cpu_pct": cpu_pct(cpu0.2, cpu1.2, window_s).map(round3),
        "join_phase": {
            "seconds": round3(join_s),
            "server_cpu_pct": cpu_pct(join0.1, cpu0.1, join_s).map(round3),
            "bench_cpu_pct": cpu_pct(join0.2, cpu0.2, join_s).map(round3),
        },
        "window_s": round3(window_s),
        "errors": errors,
        "result": if fail.is_empty() { "OK" } else { "FAIL" },
        "fail_reasons": fail,
    }))
}

fn quantiles(h: &Histogram<u64>) -> Value {
    if h.is_empty() {
        return json!({"n": 0});
    }
    let q = |q: f64| round3(h.value_at_quantile(q) as f64 / 1000.0);
    json!({"p50": q(0.5), "p95": q(0.95), "p99": q(0.99),
           "max": round3(h.max() as f64 / 1000.0), "n": h.len()})
}

/// One socket of client `me` on document `doc` (its own section when `writes`), until
/// shutdown.
#[allow(clippy::too_many_arguments)]
async fn serve(
    sh: Arc<Shared>,
    me: usize,
    doc: usize,
    writes: bool,
    mut conn: DocConn,
    inbox: Inbox,
    mut phase: watch::Receiver<Phase>,
    seed: &str,
) -> SocketResult {
    let mut res = SocketResult {
        client: me,
        doc,
        seen: vec![0; sh.clients],
        hist: Some(new_hist()),
        ..Default::default()
    };
    let mut seen: Vec<Vec<bool>> = vec![Vec::new(); sh.clients];
    let out = serve_inner(
        &sh, me, writes, &mut conn, &inbox, &mut phase, &mut seen, &mut res,
    )
    .await;
    if let Err(e) = out {
        res.error = Some(format!("client {me} section {doc}: {e:#}"));
    }
    let text = conn.text_string();
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    res.text = Some((h.finish(), text.len(), text.starts_with(seed)));
    conn.close().await;
    res
}

#[allow(clippy::too_many_arguments)]
async fn serve_inner(
    sh: &Shared,
    me: usize,
    writes: bool,
    conn: &mut DocConn,
    inbox: &Inbox,
    phase: &mut watch::Receiver<Phase>,
    seen: &mut [Vec<bool>],
    res: &mut SocketResult,
) -> Result<()> {
    let period = Duration::from_secs_f64(1.0 / sh.rate);
    let mut ticker: Option<tokio::time::Interval> = None;
    let mut n: u64 = 0;
    let mut token = String::with_capacity(32);
    loop {
        tokio::select! {
            biased;
            r = phase.changed() => {
                if r.is_err() { break; }
                let p = *phase.borrow_and_update();
                match p {
                    Phase::Editing if writes => {
                        // Spread the clients' writes over one period.
                        let offset = period.mul_f64(me as f64 / sh.clients as f64);
                        let mut iv = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
                        iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                        ticker = Some(iv);
                    }
                    Phase::StopWriting => ticker = None,
                    Phase::Shutdown => break,
                    _ => {}
                }
            }
            _ = async { ticker.as_mut().expect("ticker").tick().await }, if ticker.is_some() => {
                let sent = &sh.sent[me];
                if (n as usize) < sent.len() {
                    token.clear();
                    let _ = write!(token, "w{me}:{n};");
                    let update = {
                        let mut txn = conn.doc.transact_mut();
                        let len = conn.text.len(&txn);
                        conn.text.insert(&mut txn, len, &token);
                        txn.encode_update_v1()
                    };
                    sent[n as usize].store(sh.now_ns() + 1, Ordering::Release);
                    sh.writes[me].fetch_add(1, Ordering::Relaxed);
                    conn.send(&Message::Sync(SyncMessage::Update(update))).await?;
                    n += 1;
                }
            }
            m = conn.ws.next() => {
                match m {
                    Some(Ok(WsMessage::Binary(b))) => {
                        conn.handle(&b)?;
                        record(sh, inbox, seen, res);
                    }
                    Some(Ok(WsMessage::Close(f))) => bail!("server closed: {f:?}"),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e).context("reading"),
                    None => bail!("connection ended"),
                }
                conn.flush().await?;
            }
        }
    }
    Ok(())
}

/// Counts and times the tokens the last apply brought.
fn record(sh: &Shared, inbox: &Inbox, seen: &mut [Vec<bool>], res: &mut SocketResult) {
    let mut ib = inbox.lock().expect("inbox");
    if ib.is_empty() {
        return;
    }
    let now = sh.now_ns();
    let hist = res.hist.as_mut().expect("histogram");
    let mut fresh = 0;
    for &(w, n) in ib.iter() {
        let (w, n) = (w as usize, n as usize);
        let Some(sent) = sh.sent.get(w).and_then(|s| s.get(n)) else {
            continue;
        };
        let marks = &mut seen[w];
        if marks.is_empty() {
            marks.resize(sh.sent[w].len(), false);
        }
        if marks[n] {
            res.dups += 1;
            continue;
        }
        marks[n] = true;
        res.seen[w] += 1;
        fresh += 1;
        let at = sent.load(Ordering::Acquire);
        if at > 0 {
            let _ = hist.record((now.saturating_sub(at - 1) / 1000).max(1));
        }
    }
    ib.clear();
    sh.delivered.fetch_add(fresh, Ordering::Relaxed);
}

/// The end-of-run checks over every socket's results.
#[derive(Debug)]
struct Check {
    dups: u64,
    converged: bool,
    fail: Vec<String>,
}

impl Check {
    /// Every client's socket on a section saw each token of that section's writers but its
    /// own exactly once, and every client's text of every section is the same and starts with
    /// the seed.
    fn of(results: &[SocketResult], writes: &[u64], per_body: usize, docs: usize) -> Check {
        let mut fail = Vec::new();
        let dups: u64 = results.iter().map(|r| r.dups).sum();
        if dups > 0 {
            fail.push(format!("{dups} duplicate tokens"));
        }
        let mut short = 0;
        let mut texts: Vec<Vec<(u64, usize)>> = vec![Vec::new(); docs];
        let mut unseeded = 0;
        for r in results.iter().filter(|r| r.error.is_none()) {
            for (w, &n) in writes.iter().enumerate() {
                let writes_here = r.doc == own_section(body_of(w, per_body));
                let want = if writes_here && w != r.client { n } else { 0 };
                if r.seen.get(w).copied().unwrap_or(0) != want {
                    short += 1;
                }
            }
            if let Some((h, len, seeded)) = r.text {
                texts[r.doc].push((h, len));
                if !seeded {
                    unseeded += 1;
                }
            }
        }
        if short > 0 {
            fail.push(format!(
                "{short} (socket, writer) pairs saw the wrong count"
            ));
        }
        if unseeded > 0 {
            fail.push(format!("{unseeded} sockets lost the seeded text"));
        }
        let clients = writes.len();
        let converged = texts
            .iter()
            .all(|t| t.len() == clients && t.windows(2).all(|w| w[0] == w[1]));
        if !converged {
            fail.push("sections differ between clients (no convergence)".into());
        }
        Check {
            dups,
            converged,
            fail,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Report

fn fmt(v: &Value) -> String {
    match v.as_f64() {
        None => "-".into(),
        Some(x) if x >= 100.0 => format!("{x:.0}"),
        Some(x) if x >= 10.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.2}"),
    }
}

/// The verdicts on issue #18's targets for the runs in `objs`: each concord run's join p99
/// (all clients at once, and a visitor under load) against 300 ms, and its propagation p99 as a
/// ratio to the peer's in the same input.
fn verdicts(objs: &[Value], peer: &str) -> Vec<String> {
    let peer_p99 = objs
        .iter()
        .find(|o| o["label"] == peer && o["result"] == "OK")
        .and_then(|o| o["latency_ms"]["p99"].as_f64());
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    let mut out = Vec::new();
    for o in objs.iter().filter(|o| o["label"] != peer) {
        let label = o["label"].as_str().unwrap_or("?");
        for (what, key) in [
            ("join p99 (all clients at once)", "join_ms"),
            ("join p99 (a visitor under load)", "join_under_load_ms"),
        ] {
            if let Some(p99) = o[key]["p99"].as_f64() {
                out.push(format!(
                    "{label}: {what} {p99:.1} ms <= {JOIN_P99_TARGET_MS:.0} ms: {}",
                    met(p99 <= JOIN_P99_TARGET_MS)
                ));
            }
        }
        match (o["latency_ms"]["p99"].as_f64(), peer_p99) {
            (Some(p99), Some(pp)) => {
                let ratio = p99 / pp.max(0.001);
                out.push(format!(
                    "{label}: propagation p99 {p99:.2} ms / {peer} {pp:.2} ms = {ratio:.2} <= {PROPAGATION_RATIO_TARGET}: {}",
                    met(ratio <= PROPAGATION_RATIO_TARGET)
                ));
            }
            _ => out.push(format!(
                "{label}: no propagation ratio ({peer} has no successful run in this input)"
            )),
        }
        if o["result"] != "OK" {
            out.push(format!("{label}: the run FAILED: {}", o["fail_reasons"]));
        }
    }
    out
}

fn report(files: &[String], peer: &str) -> Result<()> {
    let mut input = String::new();
    for f in files {
        if f == "-" {
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)?;
        } else {
            input.push_str(&std::fs::read_to_string(f).with_context(|| format!("reading {f}"))?);
        }
        input.push('\n');
    }
    let objs: Vec<Value> = input
        .lines()
        .filter(|l| l.trim_start().starts_with('{'))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    println!(
        "{:<17} {:>13} {:>13}  {:>23}  {:>15}  {:<4} {:>13} {:>7} {:>7}  result",
        "server",
        "join p50/p99",
        "live p50/p99",
        "prop p50/p95/p99/max",
        "deliv/expected",
        "conv",
        "rss pk/mean",
        "srv cpu",
        "bench"
    );
    for o in &objs {
        println!(
            "{:<17} {:>13} {:>13}  {:>23}  {:>15}  {:<4} {:>13} {:>7} {:>7}  {}",
            o["label"].as_str().unwrap_or("?"),
            format!(
                "{}/{}",
                fmt(&o["join_ms"]["p50"]),
                fmt(&o["join_ms"]["p99"])
            ),
            format!(
                "{}/{}",
                fmt(&o["join_under_load_ms"]["p50"]),
                fmt(&o["join_under_load_ms"]["p99"])
            ),
            format!(
                "{}/{}/{}/{}",
                fmt(&o["latency_ms"]["p50"]),
                fmt(&o["latency_ms"]["p95"]),
                fmt(&o["latency_ms"]["p99"]),
                fmt(&o["latency_ms"]["max"])
            ),
            format!("{}/{}", o["delivered"], o["expected"]),
            if o["converged"] == true { "yes" } else { "NO" },
            format!(
                "{}/{}",
                fmt(&o["server"]["rss_peak_mib"]),
                fmt(&o["server"]["rss_mean_mib"])
            ),
            fmt(&o["server"]["cpu_pct"]),
            fmt(&o["bench_cpu_pct"]),
            o["result"].as_str().unwrap_or("?"),
        );
    }
    println!("(ms; rss MiB; cpu % of one core over the edit phase and its drain)");
    println!();
    for v in verdicts(&objs, peer) {
        println!("{v}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lead_writes_the_briefing_and_every_body_its_section() {
        // 3 bodies: summary, sections of bodies 0..3, conclusions.
        assert_eq!(owner(0, 3), 0);
        assert_eq!((1..=3).map(|d| owner(d, 3)).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(owner(4, 3), 0);
        assert_eq!(own_section(2), 3);
        assert_eq!(owner(own_section(2), 3), 2);
        assert_eq!(
            (0..6).map(|c| body_of(c, 3)).collect::<Vec<_>>(),
            [0, 0, 0, 1, 1, 1]
        );
    }

    #[test]
    fn tokens_name_their_writer_and_skip_ones_own() {
        let mut v = Vec::new();
        parse_pairs("w3:1;w12:7;w5:2;w3:", 5, &mut v);
        assert_eq!(v, vec![(3, 1), (12, 7)]);
        v.clear();
        parse_pairs(&seed_text(4, 4096).concat(), 0, &mut v);
        assert!(v.is_empty(), "the seed reads as no token: {v:?}");
    }

    #[test]
    fn the_seed_is_whole_sentences_in_frame_sized_inserts() {
        let chunks = seed_text(7, 200 * 1024);
        let total: usize = chunks.iter().map(String::len).sum();
        assert!(total <= 200 * 1024 && total > 199 * 1024, "{total}");
        assert!(chunks.len() >= 4 && chunks.iter().all(|c| c.len() < SEED_CHUNK + 512));
        assert!(chunks.concat().contains("第7节"));
        assert!(chunks.iter().all(|c| c.ends_with('\n')));
    }

    fn socket(client: usize, doc: usize, seen: Vec<u64>, text: (u64, usize, bool)) -> SocketResult {
        SocketResult {
            client,
            doc,
            seen,
            text: Some(text),
            ..Default::default()
        }
    }

    #[test]
    fn the_check_wants_every_token_of_a_section_once_and_one_text() {
        // 1 body of 2 clients: docs summary(0), section(1), conclusions(2); each wrote 3.
        let writes = [3, 3];
        let good = |c: usize| {
            let mut own = vec![3, 3];
            own[c] = 0;
            vec![
                socket(c, 0, vec![0, 0], (1, 10, true)),
                socket(c, 1, own, (2, 20, true)),
                socket(c, 2, vec![0, 0], (3, 10, true)),
            ]
        };
        let all: Vec<_> = (0..2).flat_map(good).collect();
        let ok = Check::of(&all, &writes, 2, 3);
        assert!(ok.fail.is_empty() && ok.converged, "{ok:?}");

        let mut short: Vec<_> = (0..2).flat_map(good).collect();
        short[1].seen = vec![0, 2];
        assert!(!Check::of(&short, &writes, 2, 3).fail.is_empty());

        let mut diverged: Vec<_> = (0..2).flat_map(good).collect();
        diverged[4].text = Some((9, 20, true));
        let c = Check::of(&diverged, &writes, 2, 3);
        assert!(!c.converged && !c.fail.is_empty());

        let mut lost: Vec<_> = (0..2).flat_map(good).collect();
        for r in lost.iter_mut().filter(|r| r.doc == 0) {
            r.text = Some((1, 10, false));
        }
        assert!(!Check::of(&lost, &writes, 2, 3).fail.is_empty());
    }

    #[test]
    fn verdicts_compare_with_the_peer_of_the_same_input() {
        let run = |label: &str, join: f64, p99: f64| {
            json!({"label": label, "result": "OK", "join_ms": {"p99": join},
                   "join_under_load_ms": {"p99": join / 2.0}, "latency_ms": {"p99": p99}})
        };
        let v = verdicts(
            &[
                run("concord-sqlite", 250.0, 4.0),
                run("concord-postgres", 350.0, 8.0),
                run("yws", 400.0, 10.0),
            ],
            "yws",
        );
        assert_eq!(v.len(), 6, "{v:?}");
        assert!(v[0].ends_with(": met") && v[2].contains("= 0.40") && v[2].ends_with(": met"));
        assert!(v[3].ends_with("NOT met"), "{}", v[3]);
        assert!(
            v[5].contains("= 0.80") && v[5].ends_with(": met"),
            "{}",
            v[5]
        );
        let alone = verdicts(&[run("concord-sqlite", 1.0, 1.0)], "yws");
        assert!(alone.iter().any(|l| l.contains("no propagation ratio")));
    }
}
