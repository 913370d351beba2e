//! `bench`: a load tool for y-websocket style servers (concord and its peers).
//!
//! See `bench --help` for the options and `bench/run.sh` for the side-by-side run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use bench_support::load::{
    check_loopback, cpu_pct, host_port, new_hist, proc_cpu_ticks, random_u32, round3, rss_summary,
    self_cpu_ticks, Sampler,
};
use bytes::Bytes;
use clap::{Parser, Subcommand, ValueEnum};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify, Semaphore};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::encoding::read::Read as _;
use yrs::encoding::write::Write as _;
use yrs::sync::{Awareness, Message, MessageReader, SyncMessage};
use yrs::types::text::TextEvent;
use yrs::types::Delta;
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::{Encode, Encoder, EncoderV1};
use yrs::{Any, Doc, GetString, Observable, Out, ReadTxn, Text, TextRef, Transact, Update};

const AFTER_HELP: &str = "\
URL TEMPLATE
  --url is a template; `{doc}` is replaced by the room's document name and `{ticket}` by the
  room's ticket (see --ticket-cmd). With --framing yws and no `{doc}` in the template,
  `/{doc}` is appended. With --framing hocuspocus the URL is used as is (one URL for all
  documents; every message carries the document name). Only loopback hosts are accepted.
    concord:              --url 'ws://127.0.0.1:PORT/ws/docs/{doc}?ticket={ticket}' \\
                          --ticket-cmd 'concord admin ticket {doc} --user bench --access write --data-dir DIR'
    @y/websocket-server:  --url ws://127.0.0.1:PORT
    y-sweet (no auth):    --url 'ws://127.0.0.1:PORT/d/{doc}/ws/{doc}'
    hocuspocus:           --url ws://127.0.0.1:PORT --framing hocuspocus [--token T]

SEVERAL NODES
  --url may be repeated, one template per node of one deployment (nodes that share their
  database, pub/sub and ticket secret). Client i of room r connects to URL (r + i) mod N:
  each room's clients are split evenly over the nodes, and the rooms' writers (client 0)
  are spread over the nodes too. Latency is measured exactly as with one URL (the writer's
  send to the apply at every other client, wherever it is); with N > 1 the readers on
  another node than their room's writer are also reported alone (cross-node latency). In
  throughput mode with N > 1 the observer of each room is on another node than its writer,
  so every committed update crosses nodes.

TICKETS
  --ticket-cmd is run once per room through `sh -c` (with `{doc}` substituted) before any
  client connects; the last non-empty line of its stdout is the ticket.

MODES
  latency (default): R rooms x C clients. Client 0 of each room writes a token `w{room}:{n};`
    at --rate per second for --seconds; the other C-1 clients are readers. Each reader
    records, per token, the time from the writer's send to the moment the update containing
    it is applied to the reader's yrs Doc (Y.Text observer). Every reader must see every
    token exactly once and all texts of a room must be identical at the end, else FAIL.
  throughput: W rooms, each with one writer and one observer. The writer keeps at most
    --window updates in flight (sent but not yet applied at the observer) and sends the next
    one as soon as the observer applies one. Reports committed updates/s (observer applies/s).

MEASUREMENTS
  connect+sync: per client, from TCP connect until the server's SyncStep2 is applied.
  server RSS (VmRSS, and its private part RssAnon: RSS without file-backed pages such as the
  executable's code) and CPU come from /proc/PID (--server-pid), sampled every 500 ms; RSS
  over the whole scenario, CPU% (of one core) over the write+drain window. The tool's own
  CPU% (/proc/self/stat) over the same window is shown so a saturated client is visible.

OUTPUT
  A human table (default) or one JSON object per scenario (--json). `bench report FILE...`
  turns JSON lines from several runs into one comparison table (see bench/run.sh).
  Exit code 2 when the scenario FAILed.";

#[derive(Parser, Debug)]
#[command(name = "bench", about = "Load tool for y-websocket protocol servers", after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Print a comparison table from JSON lines written by `bench --json` (files or `-`).
    Report {
        files: Vec<String>,
        /// Label of the server compared against the best of the peers (the labels that do not
        /// start with `concord`: concord's own variants, such as `concord-pg`, are never its
        /// peers). A subject other than `concord` is also compared with `concord` itself.
        #[arg(long, default_value = "concord")]
        subject: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Framing {
    /// Standard y-websocket: one document per connection, plain y-protocol messages.
    Yws,
    /// Hocuspocus: every message prefixed with varString(docName); Auth message first.
    Hocuspocus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    Latency,
    Throughput,
}

#[derive(clap::Args, Debug, Clone)]
struct RunArgs {
    /// WebSocket URL template (see URL TEMPLATE below); repeat it for several nodes (see
    /// SEVERAL NODES below).
    #[arg(long, default_value = "ws://127.0.0.1:1234")]
    url: Vec<String>,
    #[arg(long, value_enum, default_value = "yws")]
    framing: Framing,
    #[arg(long, value_enum, default_value = "latency")]
    mode: Mode,
    /// Rooms (documents), latency mode.
    #[arg(long, default_value_t = 1)]
    rooms: usize,
    /// Clients per room including the writer (>= 2), latency mode.
    #[arg(long, default_value_t = 2)]
    clients: usize,
    /// Edits per second per room writer, latency mode.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Length of the write phase in seconds.
    #[arg(long, default_value_t = 20.0)]
    seconds: f64,
    /// Writers (each in its own room with one observer), throughput mode.
    #[arg(long, default_value_t = 8)]
    writers: usize,
    /// Updates in flight per writer, throughput mode.
    #[arg(long, default_value_t = 1)]
    window: u64,
    /// Prefix of document names; default is unique per run (`b<unix-ms>-`).
    #[arg(long)]
    doc_prefix: Option<String>,
    /// Command printing a ticket for `{doc}` on its last stdout line (see TICKETS).
    #[arg(long)]
    ticket_cmd: Option<String>,
    /// Token sent in the Hocuspocus Auth message.
    #[arg(long, default_value = "bench")]
    token: String,
    /// PID of the server to sample (/proc/PID/stat, /proc/PID/status).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Name of the server under test, used in output and by `bench report`.
    #[arg(long, default_value = "server")]
    label: String,
    /// One JSON object per scenario instead of the human table.
    #[arg(long)]
    json: bool,
    /// Tokio worker threads of the load tool.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Connections being set up concurrently.
    #[arg(long, default_value_t = 64)]
    connect_concurrency: usize,
    /// Seconds allowed for all clients to connect and sync.
    #[arg(long, default_value_t = 60.0)]
    connect_timeout: f64,
    /// Seconds to wait after the write phase for outstanding deliveries.
    #[arg(long, default_value_t = 10.0)]
    drain_seconds: f64,
    /// Do not publish an awareness state per client after sync.
    #[arg(long)]
    no_awareness: bool,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if let Some(Cmd::Report { files, subject }) = cli.cmd {
        return report(&files, &subject);
    }
    let args = cli.run;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    let out = rt.block_on(run(args.clone()))?;
    if args.json {
        println!("{}", serde_json::to_string(&out)?);
    } else {
        print_human(&out);
    }
    if out["result"] != "OK" {
        std::process::exit(2);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Shared state

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Connecting,
    Running,
    StopWriting,
    Shutdown,
}

struct RoomState {
    /// Send time of token n, ns since epoch + 1 (0 = not sent).
    sent: Vec<AtomicU64>,
    writes: AtomicU64,
    /// Throughput mode: tokens applied at the observer.
    acked: AtomicU64,
    ack_notify: Notify,
    readers_ok: AtomicUsize,
}

struct Shared {
    epoch: Instant,
    mode: Mode,
    framing: Framing,
    rate: f64,
    rooms_n: usize,
    window: u64,
    token: String,
    awareness: bool,
    rooms: Vec<RoomState>,
    delivered: AtomicU64,
    synced: AtomicUsize,
    failed: AtomicUsize,
    connect_sem: Semaphore,
}

impl Shared {
    fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }
}

struct ClientSpec {
    room: usize,
    idx: usize,
    writer: bool,
    /// A reader connected to another node (URL) than its room's writer.
    cross: bool,
    doc_name: Arc<str>,
    url: Arc<str>,
}

#[derive(Default)]
struct ClientResult {
    room: usize,
    writer: bool,
    cross: bool,
    connect_us: Option<u64>,
    error: Option<String>,
    text: String,
    seen: u64,
    dups: u64,
    hist: Option<Histogram<u64>>,
}

// ---------------------------------------------------------------------------------------------
// Scenario driver

async fn run(a: RunArgs) -> Result<Value> {
    if a.mode == Mode::Latency && a.clients < 2 {
        bail!("--clients must be >= 2 (one writer and at least one reader)");
    }
    if a.rate <= 0.0 || a.seconds <= 0.0 {
        bail!("--rate and --seconds must be > 0");
    }
    for url in &a.url {
        check_loopback(url)?;
    }
    let nodes = a.url.len().max(1);
    let prefix = a.doc_prefix.clone().unwrap_or_else(|| {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        format!("b{ms}-")
    });
    let (rooms_n, per_room) = match a.mode {
        Mode::Latency => (a.rooms, a.clients),
        Mode::Throughput => (a.writers, 2),
    };
    let cap = match a.mode {
        Mode::Latency => (a.rate * a.seconds).ceil() as usize + 16,
        // Room for 40k updates/s per writer; a writer stops when its room is full.
        Mode::Throughput => ((a.seconds * 40_000.0) as usize).max(100_000),
    };
    let mut rooms = Vec::with_capacity(rooms_n);
    for _ in 0..rooms_n {
        let mut sent = Vec::with_capacity(cap);
        sent.resize_with(cap, || AtomicU64::new(0));
        rooms.push(RoomState {
            sent,
            writes: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            ack_notify: Notify::new(),
            readers_ok: AtomicUsize::new(0),
        });
    }
    let shared = Arc::new(Shared {
        epoch: Instant::now(),
        mode: a.mode,
        framing: a.framing,
        rate: a.rate,
        rooms_n,
        window: a.window.max(1),
        token: a.token.clone(),
        awareness: !a.no_awareness,
        rooms,
        delivered: AtomicU64::new(0),
        synced: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        connect_sem: Semaphore::new(a.connect_concurrency.max(1)),
    });

    // Documents, tickets and URLs.
    let mut specs = Vec::with_capacity(rooms_n * per_room);
    for room in 0..rooms_n {
        let doc = match a.mode {
            Mode::Latency => format!("{prefix}r{room}"),
            Mode::Throughput => format!("{prefix}tp{room}"),
        };
        let ticket = match &a.ticket_cmd {
            Some(cmd) => get_ticket(cmd, &doc).await?,
            None => String::new(),
        };
        let urls: Vec<Arc<str>> = a
            .url
            .iter()
            .map(|template| {
                let mut url = template.replace("{ticket}", &ticket);
                if a.framing == Framing::Yws && !url.contains("{doc}") {
                    url = format!("{}/{{doc}}", url.trim_end_matches('/'));
                }
                url.replace("{doc}", &doc).into()
            })
            .collect();
        let doc: Arc<str> = doc.into();
        let writer_node = node_of(room, 0, nodes);
        for idx in 0..per_room {
            let node = node_of(room, idx, nodes);
            specs.push(ClientSpec {
                room,
                idx,
                writer: idx == 0,
                cross: idx != 0 && node != writer_node,
                doc_name: doc.clone(),
                url: urls[node].clone(),
            });
        }
    }
    let total = specs.len();

    let sampler = a.server_pid.map(|pid| Sampler::start(pid, shared.epoch));
    let (phase_tx, phase_rx) = watch::channel(Phase::Connecting);
    let mut handles = Vec::with_capacity(total);
    for spec in specs {
        let sh = shared.clone();
        let rx = phase_rx.clone();
        handles.push(tokio::spawn(client(sh, spec, rx)));
    }

    // Connect phase.
    let connect_deadline = Instant::now() + Duration::from_secs_f64(a.connect_timeout);
    while shared.synced.load(Ordering::Relaxed) + shared.failed.load(Ordering::Relaxed) < total
        && Instant::now() < connect_deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Write phase.
    let cpu0 = (
        Instant::now(),
        a.server_pid.and_then(proc_cpu_ticks),
        self_cpu_ticks(),
    );
    let _ = phase_tx.send(Phase::Running);
    tokio::time::sleep(Duration::from_secs_f64(a.seconds)).await;
    let _ = phase_tx.send(Phase::StopWriting);
    let write_end = Instant::now();
    // Let writers observe StopWriting before counting what they sent.
    tokio::time::sleep(Duration::from_millis(20)).await;

    // Drain.
    let expected_fn = |sh: &Shared| -> u64 {
        match sh.mode {
            Mode::Latency => sh
                .rooms
                .iter()
                .map(|r| {
                    r.writes.load(Ordering::Relaxed) * r.readers_ok.load(Ordering::Relaxed) as u64
                })
                .sum(),
            Mode::Throughput => sh
                .rooms
                .iter()
                .map(|r| r.writes.load(Ordering::Relaxed))
                .sum(),
        }
    };
    let drain_deadline = Instant::now() + Duration::from_secs_f64(a.drain_seconds);
    while shared.delivered.load(Ordering::Relaxed) < expected_fn(&shared)
        && Instant::now() < drain_deadline
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let drain_end = Instant::now();
    let cpu1 = (
        drain_end,
        a.server_pid.and_then(proc_cpu_ticks),
        self_cpu_ticks(),
    );
    let _ = phase_tx.send(Phase::Shutdown);

    let mut results = Vec::with_capacity(total);
    for h in handles {
        match tokio::time::timeout(Duration::from_secs(10), h).await {
            Ok(Ok(r)) => results.push(r),
            Ok(Err(e)) => results.push(ClientResult {
                error: Some(format!("task panicked: {e}")),
                ..Default::default()
            }),
            Err(_) => results.push(ClientResult {
                error: Some("client did not stop".into()),
                ..Default::default()
            }),
        }
    }
    let samples = match sampler {
        Some(s) => s.stop().await,
        None => Vec::new(),
    };

    // Aggregate.
    let window_s = (cpu1.0 - cpu0.0).as_secs_f64();
    let server_cpu = cpu_pct(cpu0.1, cpu1.1, window_s);
    let bench_cpu = cpu_pct(cpu0.2, cpu1.2, window_s);
    let mut connect = new_hist();
    let mut lat = new_hist();
    let mut lat_cross = new_hist();
    let mut errors: Vec<String> = Vec::new();
    let mut dups = 0u64;
    let mut texts: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    let mut short_readers = 0usize;
    for r in &results {
        if let Some(us) = r.connect_us {
            let _ = connect.record(us.max(1));
        }
        if let Some(h) = &r.hist {
            let _ = lat.add(h);
            if r.cross {
                let _ = lat_cross.add(h);
            }
        }
        if let Some(e) = &r.error {
            errors.push(e.clone());
        }
        dups += r.dups;
        if r.error.is_none() {
            texts.entry(r.room).or_default().push(&r.text);
        }
        if a.mode == Mode::Latency && !r.writer && r.error.is_none() {
            let w = shared.rooms[r.room].writes.load(Ordering::Relaxed);
            if r.seen != w {
                short_readers += 1;
            }
        }
    }
    let writes: u64 = shared
        .rooms
        .iter()
        .map(|r| r.writes.load(Ordering::Relaxed))
        .sum();
    // Every reader of a room (failed ones included) must see every write of that room.
    let expected = match a.mode {
        Mode::Latency => writes * (a.clients as u64 - 1),
        Mode::Throughput => writes,
    };
    let delivered = shared.delivered.load(Ordering::Relaxed);
    let converged =
        texts.values().all(|v| v.windows(2).all(|w| w[0] == w[1])) && texts.len() == rooms_n;
    let mut fail = Vec::new();
    if !errors.is_empty() {
        fail.push(format!("{} client errors", errors.len()));
    }
    if delivered != expected {
        fail.push(format!("delivered {delivered} != expected {expected}"));
    }
    if dups > 0 {
        fail.push(format!("{dups} duplicate tokens"));
    }
    if short_readers > 0 {
        fail.push(format!("{short_readers} readers missed updates"));
    }
    if !converged {
        fail.push("texts differ (no convergence)".into());
        for (room, v) in &texts {
            let mut distinct: Vec<&str> = v.clone();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() > 1 {
                let lens: Vec<usize> = distinct.iter().map(|t| t.len()).collect();
                errors.push(format!(
                    "room {room}: {} distinct texts, lengths {lens:?}",
                    distinct.len()
                ));
                if std::env::var_os("BENCH_DEBUG").is_some() {
                    for r in results.iter().filter(|r| r.room == *room) {
                        eprintln!("writer={} text: {}", r.writer, r.text);
                    }
                }
            }
        }
    }
    if shared
        .rooms
        .iter()
        .any(|r| r.writes.load(Ordering::Relaxed) as usize >= r.sent.len())
    {
        fail.push(
            "a writer hit the tool's per-room update capacity (result is a lower bound)".into(),
        );
    }
    if writes == 0 {
        fail.push("no update was written".into());
    }
    errors.sort();
    errors.dedup();
    errors.truncate(5);

    let (rss_peak, rss_mean, anon_peak) = rss_summary(&samples);
    let ms = |h: &Histogram<u64>, q: f64| -> Value {
        if h.is_empty() {
            Value::Null
        } else {
            json!(round3(h.value_at_quantile(q) as f64 / 1000.0))
        }
    };
    let maxms = |h: &Histogram<u64>| -> Value {
        if h.is_empty() {
            Value::Null
        } else {
            json!(round3(h.max() as f64 / 1000.0))
        }
    };
    let write_s = (write_end - cpu0.0).as_secs_f64();
    let scenario = match a.mode {
        Mode::Latency => format!("R{}xC{}", a.rooms, a.clients),
        Mode::Throughput => format!("throughput W{} win{}", a.writers, a.window.max(1)),
    };
    Ok(json!({
        "label": a.label,
        "scenario": scenario,
        "mode": format!("{:?}", a.mode).to_lowercase(),
        "framing": format!("{:?}", a.framing).to_lowercase(),
        "rooms": rooms_n,
        "clients_per_room": per_room,
        "clients": total,
        "rate": if a.mode == Mode::Latency { json!(a.rate) } else { Value::Null },
        "seconds": a.seconds,
        "connect_ms": {"p50": ms(&connect, 0.5), "p95": ms(&connect, 0.95), "max": maxms(&connect), "n": connect.len()},
        "latency_ms": {"p50": ms(&lat, 0.5), "p95": ms(&lat, 0.95), "p99": ms(&lat, 0.99), "max": maxms(&lat), "n": lat.len()},
        "nodes": nodes,
        "latency_cross_ms": if nodes > 1 {
            json!({"p50": ms(&lat_cross, 0.5), "p95": ms(&lat_cross, 0.95), "p99": ms(&lat_cross, 0.99), "max": maxms(&lat_cross), "n": lat_cross.len()})
        } else {
            Value::Null
        },
        "writes": writes,
        "delivered": delivered,
        "expected": expected,
        "duplicates": dups,
        "converged": converged,
        "throughput_ups": if a.mode == Mode::Throughput { json!(round3(delivered as f64 / write_s)) } else { Value::Null },
        "server": {
            "pid": a.server_pid,
            "rss_peak_mib": rss_peak.map(round3),
            "rss_mean_mib": rss_mean.map(round3),
            "rss_anon_peak_mib": anon_peak.map(round3),
            "cpu_pct": server_cpu.map(round3),
            "samples": samples.len(),
        },
        "bench_cpu_pct": bench_cpu.map(round3),
        "window_s": round3(window_s),
        "errors": errors,
        "result": if fail.is_empty() { "OK" } else { "FAIL" },
        "fail_reasons": fail,
    }))
}

/// The node (index into `--url`) that client `idx` of `room` connects to: the room's clients
/// split evenly over the nodes, the rooms' writers (client 0) spread over them too.
fn node_of(room: usize, idx: usize, nodes: usize) -> usize {
    (room + idx) % nodes.max(1)
}

async fn get_ticket(cmd: &str, doc: &str) -> Result<String> {
    let cmd = cmd.replace("{doc}", doc);
    let out = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(&cmd)
        .output()
        .await
        .with_context(|| format!("running ticket command {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "ticket command {cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let t = stdout
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .ok_or_else(|| anyhow!("ticket command {cmd:?} printed nothing"))?;
    Ok(t.to_string())
}

// ---------------------------------------------------------------------------------------------
// One client

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

struct Conn {
    ws: Ws,
    framing: Framing,
    doc_name: Arc<str>,
}

impl Conn {
    fn frame(&mut self, msg: &Message) -> Bytes {
        let mut enc = EncoderV1::new();
        if self.framing == Framing::Hocuspocus {
            enc.write_string(&self.doc_name);
        }
        msg.encode(&mut enc);
        Bytes::from(enc.to_vec())
    }

    async fn send(&mut self, msg: &Message) -> Result<()> {
        let b = self.frame(msg);
        self.ws.send(WsMessage::Binary(b)).await?;
        Ok(())
    }

    async fn send_hocuspocus_auth(&mut self, token: &str) -> Result<()> {
        let mut enc = EncoderV1::new();
        enc.write_string(&self.doc_name);
        enc.write_var(2u8); // MessageType.Auth
        enc.write_var(0u8); // AuthMessageType.Token
        enc.write_string(token);
        self.ws
            .send(WsMessage::Binary(Bytes::from(enc.to_vec())))
            .await?;
        Ok(())
    }
}

/// Per-client protocol state.
struct ClientState {
    doc: Doc,
    text: TextRef,
    awareness: Option<Awareness>,
    /// Tokens (n) inserted by remote updates, filled by the text observer.
    inbox: Arc<Mutex<Vec<u32>>>,
    seen: Vec<bool>,
    seen_n: u64,
    dups: u64,
    hist: Histogram<u64>,
    synced: bool,
    authenticated: bool,
    replies: Vec<Message>,
}

async fn client(
    sh: Arc<Shared>,
    spec: ClientSpec,
    mut phase: watch::Receiver<Phase>,
) -> ClientResult {
    let mut res = ClientResult {
        room: spec.room,
        writer: spec.writer,
        cross: spec.cross,
        ..Default::default()
    };
    // Random 32-bit client id, like Yjs (y-sweet's yrs 0.19 truncates larger ids).
    let doc = Doc::with_client_id(random_u32() as u64);
    let text = doc.get_or_insert_text("text");
    let inbox: Arc<Mutex<Vec<u32>>> = Arc::new(Mutex::new(Vec::new()));
    let observe_tokens = !spec.writer;
    if observe_tokens {
        let inbox = inbox.clone();
        text.observe("bench", move |txn, e: &TextEvent| {
            let mut ib = inbox.lock().expect("inbox");
            for d in e.delta(txn) {
                if let Delta::Inserted(Out::Any(Any::String(s)), _) = d {
                    parse_tokens(s, &mut ib);
                }
            }
        });
    }
    let awareness = if sh.awareness {
        let mut aw = Awareness::new(doc.clone());
        aw.set_local_state_raw(format!(
            "{{\"user\":{{\"name\":\"bench-{}-{}\"}}}}",
            spec.room, spec.idx
        ));
        Some(aw)
    } else {
        None
    };
    let mut st = ClientState {
        doc,
        text,
        awareness,
        inbox,
        seen: vec![false; sh.rooms[spec.room].sent.len()],
        seen_n: 0,
        dups: 0,
        hist: new_hist(),
        synced: false,
        authenticated: sh.framing != Framing::Hocuspocus,
        replies: Vec::new(),
    };
    let out = client_inner(&sh, &spec, &mut phase, &mut st, &mut res).await;
    if let Err(e) = out {
        res.error = Some(format!("{e:#}"));
        if !st.synced {
            sh.failed.fetch_add(1, Ordering::Relaxed);
        }
    }
    res.text = st.text.get_string(&st.doc.transact());
    res.seen = st.seen_n;
    res.dups = st.dups;
    res.hist = Some(st.hist);
    res
}

async fn client_inner(
    sh: &Arc<Shared>,
    spec: &ClientSpec,
    phase: &mut watch::Receiver<Phase>,
    st: &mut ClientState,
    res: &mut ClientResult,
) -> Result<()> {
    let room = &sh.rooms[spec.room];
    // ---- connect + sync
    let permit = sh.connect_sem.acquire().await?;
    let t0 = Instant::now();
    let (host, port) = host_port(&spec.url)?;
    let addr = format!(
        "{}:{port}",
        host.trim_start_matches('[').trim_end_matches(']')
    );
    let tcp = TcpStream::connect(&addr)
        .await
        .with_context(|| format!("connect {addr}"))?;
    tcp.set_nodelay(true)?;
    let (ws, _resp) = tokio_tungstenite::client_async(&*spec.url, tcp)
        .await
        .with_context(|| format!("websocket handshake {}", spec.url))?;
    let mut conn = Conn {
        ws,
        framing: sh.framing,
        doc_name: spec.doc_name.clone(),
    };
    if sh.framing == Framing::Hocuspocus {
        conn.send_hocuspocus_auth(&sh.token).await?;
    }
    let sv = st.doc.transact().state_vector();
    conn.send(&Message::Sync(SyncMessage::SyncStep1(sv)))
        .await?;
    let sync_deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !st.synced {
        let m = tokio::time::timeout_at(sync_deadline, conn.ws.next())
            .await
            .map_err(|_| anyhow!("timeout waiting for sync step 2"))?;
        match m {
            Some(Ok(WsMessage::Binary(b))) => handle_incoming(sh, spec, st, &b)?,
            Some(Ok(WsMessage::Close(f))) => bail!("closed during sync: {f:?}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e).context("reading during sync"),
            None => bail!("connection ended during sync"),
        }
        flush_replies(&mut conn, st).await?;
    }
    res.connect_us = Some(t0.elapsed().as_micros() as u64);
    drop(permit);
    if let Some(aw) = &st.awareness {
        let upd = aw.update()?;
        conn.send(&Message::Awareness(upd)).await?;
    }
    if !spec.writer {
        room.readers_ok.fetch_add(1, Ordering::Relaxed);
    }
    sh.synced.fetch_add(1, Ordering::Relaxed);

    // ---- steady state
    let period = Duration::from_secs_f64(1.0 / sh.rate);
    let mut ticker: Option<tokio::time::Interval> = None;
    let throughput_writer = spec.writer && sh.mode == Mode::Throughput;
    let mut writing = false;
    let mut n: u64 = 0;
    let mut token = String::with_capacity(32);
    loop {
        tokio::select! {
            biased;
            r = phase.changed() => {
                if r.is_err() { break; }
                let p = *phase.borrow_and_update();
                match p {
                    Phase::Running if spec.writer => {
                        writing = true;
                        if !throughput_writer {
                            // Spread the rooms' writes over one period.
                            let offset = period.mul_f64(spec.room as f64 / sh.rooms_n as f64);
                            let mut iv = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
                            iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                            ticker = Some(iv);
                        } else {
                            room.ack_notify.notify_one();
                        }
                    }
                    Phase::StopWriting => { writing = false; ticker = None; }
                    Phase::Shutdown => break,
                    _ => {}
                }
            }
            _ = async { ticker.as_mut().expect("ticker").tick().await }, if ticker.is_some() => {
                if writing && (n as usize) < room.sent.len() {
                    write_token(sh, spec, st, &mut conn, &mut token, n).await?;
                    n += 1;
                }
            }
            _ = room.ack_notify.notified(), if throughput_writer && writing => {
                while writing && n - room.acked.load(Ordering::Acquire) < sh.window && (n as usize) < room.sent.len() {
                    write_token(sh, spec, st, &mut conn, &mut token, n).await?;
                    n += 1;
                }
            }
            m = conn.ws.next() => {
                match m {
                    Some(Ok(WsMessage::Binary(b))) => handle_incoming(sh, spec, st, &b)?,
                    Some(Ok(WsMessage::Close(f))) => bail!("server closed: {f:?}"),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e).context("reading"),
                    None => bail!("connection ended"),
                }
                flush_replies(&mut conn, st).await?;
            }
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), conn.ws.close(None)).await;
    Ok(())
}

async fn write_token(
    sh: &Shared,
    spec: &ClientSpec,
    st: &mut ClientState,
    conn: &mut Conn,
    token: &mut String,
    n: u64,
) -> Result<()> {
    let room = &sh.rooms[spec.room];
    token.clear();
    let _ = write!(token, "w{}:{};", spec.room, n);
    let update = {
        let mut txn = st.doc.transact_mut();
        let len = st.text.len(&txn);
        st.text.insert(&mut txn, len, token);
        txn.encode_update_v1()
    };
    room.sent[n as usize].store(sh.now_ns() + 1, Ordering::Release);
    room.writes.fetch_add(1, Ordering::Relaxed);
    conn.send(&Message::Sync(SyncMessage::Update(update))).await
}

async fn flush_replies(conn: &mut Conn, st: &mut ClientState) -> Result<()> {
    if st.replies.is_empty() {
        return Ok(());
    }
    let replies = std::mem::take(&mut st.replies);
    for m in &replies {
        conn.send(m).await?;
    }
    Ok(())
}

fn handle_incoming(
    sh: &Shared,
    spec: &ClientSpec,
    st: &mut ClientState,
    data: &[u8],
) -> Result<()> {
    let mut dec = DecoderV1::from(data);
    match sh.framing {
        Framing::Hocuspocus => {
            let _doc = dec.read_string()?;
            let tag: u8 = dec.read_var()?;
            match tag {
                // Sync, SyncReply
                0 | 4 => {
                    let m = SyncMessage::decode(&mut dec)?;
                    handle_sync(sh, spec, st, m)?;
                }
                // Auth
                2 => {
                    let sub: u8 = dec.read_var()?;
                    match sub {
                        2 => st.authenticated = true,
                        1 => {
                            let reason = dec.read_string().unwrap_or("").to_string();
                            bail!("hocuspocus permission denied: {reason}");
                        }
                        _ => {}
                    }
                }
                // QueryAwareness
                3 => {
                    if let Some(aw) = &st.awareness {
                        st.replies.push(Message::Awareness(aw.update()?));
                    }
                }
                // Awareness, Stateless, SyncStatus, ...
                _ => {}
            }
        }
        Framing::Yws => {
            for m in MessageReader::new(&mut dec) {
                match m? {
                    Message::Sync(s) => handle_sync(sh, spec, st, s)?,
                    Message::Auth(Some(reason)) => bail!("permission denied: {reason}"),
                    Message::AwarenessQuery => {
                        if let Some(aw) = &st.awareness {
                            st.replies.push(Message::Awareness(aw.update()?));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

fn handle_sync(sh: &Shared, spec: &ClientSpec, st: &mut ClientState, m: SyncMessage) -> Result<()> {
    match m {
        SyncMessage::SyncStep1(sv) => {
            let u = st.doc.transact().encode_state_as_update_v1(&sv);
            st.replies.push(Message::Sync(SyncMessage::SyncStep2(u)));
        }
        SyncMessage::SyncStep2(u) => {
            apply(sh, spec, st, &u)?;
            st.synced = true;
        }
        SyncMessage::Update(u) => apply(sh, spec, st, &u)?,
    }
    Ok(())
}

fn apply(sh: &Shared, spec: &ClientSpec, st: &mut ClientState, u: &[u8]) -> Result<()> {
    let update = Update::decode_v1(u)?;
    st.doc.transact_mut().apply_update(update)?;
    if spec.writer {
        return Ok(());
    }
    let now = sh.now_ns();
    let room = &sh.rooms[spec.room];
    let mut ib = st.inbox.lock().expect("inbox");
    if ib.is_empty() {
        return Ok(());
    }
    let mut fresh = 0u64;
    let mut max_n = 0u64;
    for &n in ib.iter() {
        let n = n as usize;
        if n >= st.seen.len() {
            continue;
        }
        if st.seen[n] {
            st.dups += 1;
            continue;
        }
        st.seen[n] = true;
        st.seen_n += 1;
        fresh += 1;
        max_n = max_n.max(n as u64 + 1);
        let sent = room.sent[n].load(Ordering::Acquire);
        if sent > 0 {
            let us = now.saturating_sub(sent - 1) / 1000;
            let _ = st.hist.record(us.max(1));
        }
    }
    ib.clear();
    drop(ib);
    // Only count deliveries that happened while the tool is looking (all of them, since
    // readers are synced before writes start).
    sh.delivered.fetch_add(fresh, Ordering::Relaxed);
    if sh.mode == Mode::Throughput && fresh > 0 {
        room.acked.fetch_add(fresh, Ordering::Release);
        room.ack_notify.notify_one();
    }
    Ok(())
}

fn parse_tokens(s: &str, out: &mut Vec<u32>) {
    for tok in s.split(';') {
        if let Some((_, n)) = tok.rsplit_once(':') {
            if let Ok(n) = n.parse::<u32>() {
                out.push(n);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Output

fn fmt_v(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if x >= 100.0 {
                format!("{x:.0}")
            } else if x >= 10.0 {
                format!("{x:.1}")
            } else {
                format!("{x:.2}")
            }
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

const HEADER: &str = "server     scenario             conn p50/p95/max ms     lat p50    p95    p99    max ms  deliv/expected     conv  rss pk/mean/anon MiB   srv cpu%  bench cpu%  upd/s    result";

fn row(o: &Value) -> String {
    format!(
        "{:<10} {:<20} {:>6}/{:>6}/{:>6}  {:>9} {:>6} {:>6} {:>7}  {:>17}  {:<4}  {:>6}/{:<6}/{:<6}  {:>7}  {:>9}  {:>7}  {}",
        fmt_v(&o["label"]),
        fmt_v(&o["scenario"]),
        fmt_v(&o["connect_ms"]["p50"]),
        fmt_v(&o["connect_ms"]["p95"]),
        fmt_v(&o["connect_ms"]["max"]),
        fmt_v(&o["latency_ms"]["p50"]),
        fmt_v(&o["latency_ms"]["p95"]),
        fmt_v(&o["latency_ms"]["p99"]),
        fmt_v(&o["latency_ms"]["max"]),
        format!("{}/{}", o["delivered"], o["expected"]),
        if o["converged"] == true { "yes" } else { "NO" },
        fmt_v(&o["server"]["rss_peak_mib"]),
        fmt_v(&o["server"]["rss_mean_mib"]),
        fmt_v(&o["server"]["rss_anon_peak_mib"]),
        fmt_v(&o["server"]["cpu_pct"]),
        fmt_v(&o["bench_cpu_pct"]),
        fmt_v(&o["throughput_ups"]),
        fmt_v(&o["result"]),
    )
}

fn print_human(o: &Value) {
    println!("{HEADER}");
    println!("{}", row(o));
    if o["latency_cross_ms"].is_object() {
        let c = &o["latency_cross_ms"];
        println!(
            "  cross-node readers only ({} nodes): lat p50 {} p95 {} p99 {} max {} ms (n={})",
            o["nodes"],
            fmt_v(&c["p50"]),
            fmt_v(&c["p95"]),
            fmt_v(&c["p99"]),
            fmt_v(&c["max"]),
            c["n"]
        );
    }
    if let Some(f) = o["fail_reasons"].as_array() {
        for r in f {
            println!("  FAIL: {}", fmt_v(r));
        }
    }
    if let Some(e) = o["errors"].as_array() {
        for r in e {
            println!("  error: {}", fmt_v(r));
        }
    }
}

fn report(files: &[String], subject: &str) -> Result<()> {
    let mut objs: Vec<Value> = Vec::new();
    let mut input = String::new();
    for f in files {
        if f == "-" {
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)?;
        } else {
            input.push_str(&std::fs::read_to_string(f).with_context(|| format!("reading {f}"))?);
        }
        input.push('\n');
    }
    for line in input.lines() {
        let line = line.trim();
        if line.starts_with('{') {
            if let Ok(v) = serde_json::from_str::<Value>(line) {
                objs.push(v);
            }
        }
    }
    // Scenarios in first-seen order.
    let mut scen: Vec<String> = Vec::new();
    for o in &objs {
        let s = fmt_v(&o["scenario"]);
        if !scen.contains(&s) {
            scen.push(s);
        }
    }
    println!("{HEADER}");
    let mut ratios = Vec::new();
    for s in &scen {
        let group: Vec<&Value> = objs
            .iter()
            .filter(|o| fmt_v(&o["scenario"]) == *s)
            .collect();
        for o in &group {
            println!("{}", row(o));
        }
        let subj = group.iter().find(|o| o["label"] == subject);
        let peers: Vec<&&Value> = group
            .iter()
            .filter(|o| {
                let label = o["label"].as_str().unwrap_or_default();
                label != subject && !label.starts_with("concord") && o["result"] == "OK"
            })
            .collect();
        // A variant of concord (another engine) beside concord on its default (SQLite).
        let base = (subject != "concord")
            .then(|| group.iter().find(|o| o["label"] == "concord"))
            .flatten();
        if let Some(subj) = subj {
            if s.starts_with("throughput") {
                let best = peers
                    .iter()
                    .filter_map(|o| {
                        o["throughput_ups"]
                            .as_f64()
                            .map(|x| (x, fmt_v(&o["label"])))
                    })
                    .max_by(|a, b| a.0.total_cmp(&b.0));
                if let (Some(x), Some((b, bl))) = (subj["throughput_ups"].as_f64(), best) {
                    ratios.push(format!(
                        "{s:<22} {subject}/best-peer upd/s = {:.2} ({x:.0} vs {bl} {b:.0}; >1 is better)",
                        x / b
                    ));
                }
                if let (Some(x), Some(b)) = (
                    subj["throughput_ups"].as_f64(),
                    base.and_then(|o| o["throughput_ups"].as_f64()),
                ) {
                    ratios.push(format!(
                        "{s:<22} {subject}/concord upd/s = {:.2} ({x:.0} vs {b:.0})",
                        x / b.max(0.001)
                    ));
                }
            } else {
                let mut line = format!("{s:<22}");
                for q in ["p50", "p99"] {
                    let best = peers
                        .iter()
                        .filter_map(|o| {
                            o["latency_ms"][q].as_f64().map(|x| (x, fmt_v(&o["label"])))
                        })
                        .min_by(|a, b| a.0.total_cmp(&b.0));
                    if let (Some(x), Some((b, bl))) = (subj["latency_ms"][q].as_f64(), best) {
                        let _ = write!(
                            line,
                            " {q} {subject}/best = {:.2} ({x:.2} vs {bl} {b:.2} ms) ",
                            x / b.max(0.001)
                        );
                    }
                }
                if let Some(base) = base {
                    for q in ["p50", "p99"] {
                        if let (Some(x), Some(b)) = (
                            subj["latency_ms"][q].as_f64(),
                            base["latency_ms"][q].as_f64(),
                        ) {
                            let _ = write!(
                                line,
                                " {q} {subject}/concord = {:.2} ({x:.2} vs {b:.2} ms) ",
                                x / b.max(0.001)
                            );
                        }
                    }
                }
                if subj["result"] != "OK" {
                    line.push_str(" [subject FAILED]");
                }
                ratios.push(line);
            }
        }
    }
    if !ratios.is_empty() {
        println!();
        println!("ratios (latency: <1 means {subject} is faster than the best peer)");
        for r in ratios {
            println!("{r}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::StateVector;

    #[test]
    fn clients_split_over_nodes() {
        // R10xC10 on two nodes: every room has 5 clients on each node, writers alternate.
        for room in 0..10 {
            let on_first = (0..10).filter(|&i| node_of(room, i, 2) == 0).count();
            assert_eq!(on_first, 5);
            assert_eq!(node_of(room, 0, 2), room % 2);
        }
        // Throughput (writer + observer) on two nodes: the observer is on the other node.
        assert_ne!(node_of(3, 0, 2), node_of(3, 1, 2));
        // One node: everyone on it.
        assert!((0..7).all(|i| node_of(4, i, 1) == 0));
    }

    #[test]
    fn tokens_parse() {
        let mut v = Vec::new();
        parse_tokens("w3:1;w3:2;w3:", &mut v);
        assert_eq!(v, vec![1, 2]);
    }

    #[test]
    fn state_vector_roundtrip() {
        let sv = StateVector::default();
        let m = Message::Sync(SyncMessage::SyncStep1(sv));
        let b = m.encode_v1();
        let mut d = DecoderV1::from(b.as_slice());
        let back: Vec<_> = MessageReader::new(&mut d)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back, vec![m]);
    }
}
