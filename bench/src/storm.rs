//! `storm-bench`: one large document and many clients joining it at once (issues #24 and #22).
//!
//! A joint dossier or a year's minutes grows to tens of megabytes, and the people opening it
//! arrive together (a meeting starts, a notice goes out). This tool measures what they meet:
//!
//! - `seed`: generates a document of about `--mb` MB the way people write one (a long Chinese
//!   and ASCII text of many small insertions by several authors, with deletions, not one blob)
//!   and writes it into the server over the websocket in updates under the frame limit; it
//!   prints the document's size and its state vector's digest, and checks that a fresh client
//!   receives all of it;
//! - `join`: fresh clients join one after another (`--count`): time to synced, p50 and max
//!   (run right after a server restart, the first one is the cold join);
//! - `storm`: `--clients` fresh clients join at once: each one's time to synced (its sync step
//!   2 received, and applied with `--apply`), whether any was closed (and with which code; a
//!   closed client reconnects with its state vector, as y-websocket does), and the server's
//!   peak RSS sampled from `/proc` while they join.
//!
//! - `presence`: `--clients` clients in one small document, each sending an awareness change
//!   once a second for `--seconds`: the server's CPU over that window, and how long a change
//!   takes to reach the `--observers` clients that time them.
//!
//! - `memory`: private memory (`RssAnon`) per 1,000 idle connections (`--connections` clients
//!   synced in one document, each with its presence, then left idle), per 1,000 small documents
//!   (`--documents`, each written by one client that then leaves: loaded, nobody in it), and
//!   what is left once the server has unloaded them (`--unload-wait` seconds later).
//!
//! Every client speaks plain y-websocket and sends an awareness state on connecting, as a
//! browser tab does. Without `--apply` a client does not decode what it receives (the server's
//! cost only); with it, each client applies the state with yrs like a real one.
//! `bench/storm.sh` runs them against concord, `@y/websocket-server` and y-sweet in one run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use bench_support::load::{check_loopback, random_u32, round3, rss_summary, Sampler};
use bytes::Bytes;
use clap::{Args, Parser, Subcommand};
use futures_util::{SinkExt, StreamExt};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::sync::{Awareness, Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, OffsetKind, Options, ReadTxn, StateVector, Text, Transact, Update};

#[derive(Parser)]
#[command(about = "A large document and many clients joining it at once")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Generate the document and write it into the server.
    Seed {
        #[command(flatten)]
        target: Target,
        /// Size of the document's encoded state, in MB (about).
        #[arg(long, default_value_t = 20.0)]
        mb: f64,
        /// Largest update sent (the server's frame limit: concord's default is 1 MiB).
        #[arg(long, default_value_t = 900 * 1024)]
        max_update: usize,
        /// Keep the generated updates in this directory and reuse them (generating 20 MB
        /// takes minutes; every server of a run gets the same document).
        #[arg(long)]
        cache: Option<std::path::PathBuf>,
    },
    /// Fresh clients join one after another.
    Join {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 5)]
        count: usize,
        #[arg(long)]
        apply: bool,
    },
    /// Fresh clients join all at once.
    Storm {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 150)]
        clients: usize,
        #[arg(long)]
        apply: bool,
        /// Seconds allowed for every client to be synced.
        #[arg(long, default_value_t = 300.0)]
        timeout: f64,
    },
    /// Memory per idle connection and per small document, and after the documents unload.
    Memory {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// The documents' URL, `{n}` their number (0..documents); `{ticket}` the n-th line
        /// of --doc-tickets.
        #[arg(long)]
        doc_url: String,
        /// A file with one ticket per line, the n-th for document n (concord).
        #[arg(long)]
        doc_tickets: Option<std::path::PathBuf>,
        #[arg(long, default_value_t = 1000)]
        documents: usize,
        /// Seconds to wait after the last client left the documents before reading the
        /// memory left (concord unloads an idle document after 30 s by default).
        #[arg(long, default_value_t = 45.0)]
        unload_wait: f64,
    },
    /// Many clients in one room, each sending its presence (awareness) at 1 Hz.
    Presence {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 500)]
        clients: usize,
        /// Clients that decode what they receive and time each presence change; the others
        /// only read their socket.
        #[arg(long, default_value_t = 20)]
        observers: usize,
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
    },
}

#[derive(Args, Clone)]
struct Target {
    /// WebSocket URL; `{ticket}` is replaced by the ticket (see --ticket).
    #[arg(long)]
    url: String,
    /// A websocket ticket (concord); read from this file when it starts with `@`.
    #[arg(long)]
    ticket: Option<String>,
    /// PID of the server, to sample its RSS.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Name of the server under test, in the JSON line.
    #[arg(long, default_value = "server")]
    label: String,
}

impl Target {
    fn url(&self) -> Result<String> {
        let ticket = match self.ticket.as_deref() {
            Some(t) if t.starts_with('@') => std::fs::read_to_string(&t[1..])
                .with_context(|| format!("reading the ticket from {}", &t[1..]))?
                .trim()
                .to_string(),
            Some(t) => t.to_string(),
            None => String::new(),
        };
        let url = self.url.replace("{ticket}", &ticket);
        check_loopback(&url)?;
        Ok(url)
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let out = rt.block_on(async {
        match cli.cmd {
            Cmd::Seed {
                target,
                mb,
                max_update,
                cache,
            } => seed(&target, mb, max_update, cache.as_deref()).await,
            Cmd::Join {
                target,
                count,
                apply,
            } => joins(&target, count, apply).await,
            Cmd::Storm {
                target,
                clients,
                apply,
                timeout,
            } => storm(&target, clients, apply, timeout).await,
            Cmd::Presence {
                target,
                clients,
                observers,
                seconds,
            } => presence(&target, clients, observers, seconds).await,
            Cmd::Memory {
                target,
                connections,
                doc_url,
                doc_tickets,
                documents,
                unload_wait,
            } => {
                let tickets = match doc_tickets {
                    Some(path) => std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?
                        .lines()
                        .map(str::to_string)
                        .collect(),
                    None => Vec::new(),
                };
                let doc_urls = (0..documents)
                    .map(|n| {
                        let ticket = tickets.get(n).map_or("", String::as_str);
                        let url = doc_url
                            .replace("{n}", &n.to_string())
                            .replace("{ticket}", ticket);
                        check_loopback(&url).map(|()| url)
                    })
                    .collect::<Result<Vec<_>>>()?;
                memory(&target, connections, &doc_urls, unload_wait).await
            }
        }
    })?;
    println!("{out}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The document

/// Writes like people do: `authors` in turn, each inserting short paragraphs near where the
/// text grows (and now and then further back), deleting a few characters every so often.
/// Returns the updates in order, each under `max_update` bytes, and the final document.
fn generate(mb: f64, max_update: usize) -> (Vec<Vec<u8>>, Doc) {
    let target = (mb * 1_000_000.0) as usize;
    let mut rng = StdRng::seed_from_u64(24);
    let authors = 8u64;
    let per_author = target / authors as usize;
    let mut updates = Vec::new();
    let mut doc = new_doc(1);
    let mut n = 0u64;
    for author in 1..=authors {
        if author > 1 {
            let state = doc
                .transact()
                .encode_state_as_update_v1(&StateVector::default());
            doc = new_doc(author);
            doc.transact_mut()
                .apply_update(Update::decode_v1(&state).expect("own state"))
                .expect("own state applies");
        }
        let text = doc.get_or_insert_text("text");
        let goal = per_author * author as usize;
        loop {
            let before = doc.transact().state_vector();
            let mut batch_bytes = 0;
            while batch_bytes < max_update / 2 {
                let mut txn = doc.transact_mut();
                let len = text.len(&txn);
                // Mostly where the text grows; now and then further back.
                let back = if rng.gen_bool(0.05) { 20_000 } else { 1 };
                let at = len.saturating_sub(rng.gen_range(0..back.min(len + 1)));
                let para = paragraph(&mut rng, n);
                batch_bytes += para.len() + 12;
                text.insert(&mut txn, at, &para);
                if n % 10 == 9 && len > 100 {
                    text.remove_range(&mut txn, at.saturating_sub(30), 3);
                }
                n += 1;
            }
            let update = doc.transact().encode_diff_v1(&before);
            updates.push(update);
            let size = doc
                .transact()
                .encode_state_as_update_v1(&StateVector::default())
                .len();
            if size >= goal {
                break;
            }
        }
    }
    (updates, doc)
}

fn new_doc(client: u64) -> Doc {
    Doc::with_options(Options {
        client_id: yrs::ClientID::new(client),
        offset_kind: OffsetKind::Utf16,
        ..Options::default()
    })
}

fn paragraph(rng: &mut StdRng, n: u64) -> String {
    const PLACES: [&str; 6] = [
        "城关镇",
        "河西街道",
        "工业园区",
        "新区管委会",
        "东风村",
        "南湖社区",
    ];
    const WHAT: [&str; 6] = [
        "现场检查发现未按规定设置警示标志",
        "当事人陈述与证人证言基本一致",
        "调取监控录像三段，已刻录光盘",
        "责令限期整改并送达整改通知书",
        "移送公安机关处理，回执已收到",
        "听取当事人陈述申辩意见",
    ];
    format!(
        "第{n}条（case-{n:06}）{}：{}；{}，记录人 officer-{}。\n",
        PLACES[rng.gen_range(0..PLACES.len())],
        WHAT[rng.gen_range(0..WHAT.len())],
        WHAT[rng.gen_range(0..WHAT.len())],
        rng.gen_range(1..60)
    )
}

// ---------------------------------------------------------------------------------------------
// A client

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str) -> Result<Ws> {
    // No frame or message limit: the peers send the whole state as one frame.
    let mut config = WebSocketConfig::default();
    config.max_message_size = None;
    config.max_frame_size = None;
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    Ok(ws)
}

fn frame(msg: Message) -> WsMessage {
    WsMessage::Binary(Bytes::from(msg.encode_v1()))
}

/// What one client met on its way to synced.
#[derive(Default)]
struct Joined {
    /// Milliseconds from its first connect to its sync step 2 (received, or applied).
    synced_ms: Option<f64>,
    bytes: u64,
    /// Close codes it was closed with before it was synced (it then reconnected).
    closes: Vec<u16>,
    error: Option<String>,
    text_len: Option<u32>,
}

/// Joins with nothing, as a fresh tab does, until synced or `deadline`; reconnects with its
/// state vector when closed.
async fn join(url: &str, apply: bool, deadline: Instant) -> Joined {
    let t0 = Instant::now();
    let mut joined = Joined::default();
    let doc = new_doc(u64::from(random_u32()));
    let mut awareness = Awareness::new(doc.clone());
    let name = format!("storm-{}", doc.client_id());
    awareness.set_local_state_raw(format!("{{\"user\":{{\"name\":\"{name}\"}}}}"));
    while Instant::now() < deadline {
        match join_once(url, apply, &doc, &awareness, &mut joined, deadline).await {
            Ok(true) => {
                joined.synced_ms = Some(t0.elapsed().as_secs_f64() * 1000.0);
                if apply {
                    let text = doc.get_or_insert_text("text");
                    joined.text_len = Some(text.len(&doc.transact()));
                }
                return joined;
            }
            Ok(false) => {}
            Err(e) => {
                joined.error = Some(format!("{e:#}"));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    joined
}

/// One connection; `Ok(true)` once synced, `Ok(false)` when closed before.
async fn join_once(
    url: &str,
    apply: bool,
    doc: &Doc,
    awareness: &Awareness,
    joined: &mut Joined,
    deadline: Instant,
) -> Result<bool> {
    let mut ws = connect(url).await?;
    let sv = doc.transact().state_vector();
    ws.send(frame(Message::Sync(SyncMessage::SyncStep1(sv))))
        .await?;
    if let Ok(update) = awareness.update() {
        ws.send(frame(Message::Awareness(update))).await?;
    }
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(next) = tokio::time::timeout(left, ws.next()).await else {
            bail!("not synced before the deadline");
        };
        let msg = match next {
            Some(Ok(msg)) => msg,
            Some(Err(e)) => return Err(e.into()),
            None => return Ok(false),
        };
        let data = match msg {
            WsMessage::Binary(data) => data,
            WsMessage::Close(close) => {
                joined.closes.push(close.map_or(1005, |c| c.code.into()));
                return Ok(false);
            }
            _ => continue,
        };
        joined.bytes += data.len() as u64;
        // A y-protocols sync message starts with 0, then its kind: 0 step 1, 1 step 2, 2 update.
        match (data.first(), data.get(1)) {
            (Some(0), Some(0)) => {
                // The server's step 1: answer as a client does (with nothing, or what it has).
                if let Ok(Message::Sync(SyncMessage::SyncStep1(sv))) = Message::decode_v1(&data) {
                    let diff = doc.transact().encode_diff_v1(&sv);
                    ws.send(frame(Message::Sync(SyncMessage::SyncStep2(diff))))
                        .await?;
                }
            }
            (Some(0), Some(kind @ (1 | 2))) => {
                if apply {
                    let update = match Message::decode_v1(&data)? {
                        Message::Sync(SyncMessage::SyncStep2(u) | SyncMessage::Update(u)) => u,
                        _ => bail!("a sync message that is not an update"),
                    };
                    doc.transact_mut()
                        .apply_update(Update::decode_v1(&update)?)
                        .map_err(|e| anyhow!("update does not apply: {e}"))?;
                }
                if *kind == 1 {
                    let _ = ws.close(None).await;
                    return Ok(true);
                }
            }
            _ => {}
        }
    }
}

fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    Some(round3(sorted[i]))
}

// ---------------------------------------------------------------------------------------------
// The three commands

/// The generated updates, from `cache` when they are there (and put there when not).
fn generated(
    mb: f64,
    max_update: usize,
    cache: Option<&std::path::Path>,
) -> Result<(Vec<Vec<u8>>, Doc)> {
    let Some(dir) = cache else {
        return Ok(generate(mb, max_update));
    };
    let path = dir.join(format!("storm-{mb}mb-{max_update}.bin"));
    if let Ok(bytes) = std::fs::read(&path) {
        let mut updates = Vec::new();
        let mut rest = bytes.as_slice();
        while rest.len() >= 4 {
            let len = u32::from_le_bytes(rest[..4].try_into()?) as usize;
            updates.push(rest[4..4 + len].to_vec());
            rest = &rest[4 + len..];
        }
        let doc = new_doc(99);
        for update in &updates {
            doc.transact_mut()
                .apply_update(Update::decode_v1(update)?)
                .map_err(|e| anyhow!("cached update does not apply: {e}"))?;
        }
        return Ok((updates, doc));
    }
    let (updates, doc) = generate(mb, max_update);
    let mut bytes = Vec::new();
    for update in &updates {
        bytes.extend_from_slice(&(update.len() as u32).to_le_bytes());
        bytes.extend_from_slice(update);
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(&path, bytes)?;
    Ok((updates, doc))
}

async fn seed(
    target: &Target,
    mb: f64,
    max_update: usize,
    cache: Option<&std::path::Path>,
) -> Result<Value> {
    let url = target.url()?;
    let t0 = Instant::now();
    let (updates, doc) = generated(mb, max_update, cache)?;
    let generated_s = t0.elapsed().as_secs_f64();
    let state = doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    let text_len = doc.get_or_insert_text("text").len(&doc.transact());

    // The writer reads what the server sends it (concord echoes each update once committed)
    // so that it is never closed for falling behind.
    let (mut sink, mut stream) = connect(&url).await?.split();
    let drain = tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
    for update in &updates {
        sink.send(frame(Message::Sync(SyncMessage::Update(update.clone()))))
            .await?;
    }
    // A fresh client checks that the server holds all of it, once it has committed it all.
    let mut check = Joined::default();
    let deadline = Instant::now() + Duration::from_secs(180);
    while Instant::now() < deadline {
        check = join(&url, true, deadline).await;
        if check.text_len == Some(text_len) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let written_s = t0.elapsed().as_secs_f64() - generated_s;
    let _ = sink.close().await;
    drain.abort();
    if check.text_len != Some(text_len) {
        bail!(
            "a fresh client received {:?} characters of {text_len} (error: {:?})",
            check.text_len,
            check.error
        );
    }
    Ok(json!({
        "label": target.label, "command": "seed",
        "state_bytes": state.len(), "updates": updates.len(), "characters": text_len,
        "generated_s": round3(generated_s), "written_s": round3(written_s),
    }))
}

async fn joins(target: &Target, count: usize, apply: bool) -> Result<Value> {
    let url = target.url()?;
    let mut times = Vec::new();
    let mut closes = 0;
    for _ in 0..count {
        let deadline = Instant::now() + Duration::from_secs(120);
        let joined = join(&url, apply, deadline).await;
        closes += joined.closes.len();
        times.push(
            joined
                .synced_ms
                .ok_or_else(|| anyhow!("a client did not sync: {:?}", joined.error))?,
        );
    }
    let first = times.first().copied();
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    Ok(json!({
        "label": target.label, "command": "join", "apply": apply, "count": count,
        "first_ms": first.map(round3), "p50_ms": percentile(&sorted, 0.5),
        "max_ms": sorted.last().copied().map(round3), "closes": closes,
        "times_ms": times.iter().map(|t| round3(*t)).collect::<Vec<_>>(),
    }))
}

async fn storm(target: &Target, clients: usize, apply: bool, timeout: f64) -> Result<Value> {
    let url: Arc<str> = target.url()?.into();
    let sampler = target
        .server_pid
        .map(|pid| Sampler::start(pid, Instant::now()));
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs_f64(timeout);
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { join(&url, apply, deadline).await })
        })
        .collect();
    let mut results = Vec::with_capacity(clients);
    for task in tasks {
        results.push(task.await.unwrap_or_else(|e| Joined {
            error: Some(e.to_string()),
            ..Joined::default()
        }));
    }
    let wall_s = t0.elapsed().as_secs_f64();
    let samples = match sampler {
        Some(s) => s.stop().await,
        None => Vec::new(),
    };
    let (rss_peak, rss_mean, anon_peak) = rss_summary(&samples);
    let mut times: Vec<f64> = results.iter().filter_map(|r| r.synced_ms).collect();
    times.sort_by(f64::total_cmp);
    let mut close_codes: Vec<u16> = results.iter().flat_map(|r| r.closes.clone()).collect();
    close_codes.sort_unstable();
    let closed_clients = results.iter().filter(|r| !r.closes.is_empty()).count();
    let errors: Vec<&str> = results
        .iter()
        .filter_map(|r| r.error.as_deref())
        .take(3)
        .collect();
    let received: u64 = results.iter().map(|r| r.bytes).sum();
    Ok(json!({
        "label": target.label, "command": "storm", "apply": apply, "clients": clients,
        "synced": times.len(), "closed_clients": closed_clients, "close_codes": close_codes,
        "synced_p50_ms": percentile(&times, 0.5), "synced_p95_ms": percentile(&times, 0.95),
        "synced_max_ms": times.last().copied().map(round3), "wall_s": round3(wall_s),
        "received_mb": round3(received as f64 / 1e6),
        "rss_peak_mib": rss_peak.map(round3), "rss_mean_mib": rss_mean.map(round3),
        "rss_anon_peak_mib": anon_peak.map(round3), "errors": errors,
    }))
}

async fn presence(
    target: &Target,
    clients: usize,
    observers: usize,
    seconds: f64,
) -> Result<Value> {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};

    let url: Arc<str> = target.url()?.into();
    let epoch = Instant::now();
    let ready = Arc::new(tokio::sync::Barrier::new(clients + 1));
    let closed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(clients);
    for i in 0..clients {
        let (url, ready, closed) = (url.clone(), ready.clone(), closed.clone());
        let observer = i < observers;
        tasks.push(tokio::spawn(async move {
            let mut hist = bench_support::load::new_hist();
            let connected = async {
                let mut ws = connect(&url).await?;
                let sv = StateVector::default();
                ws.send(frame(Message::Sync(SyncMessage::SyncStep1(sv)))).await?;
                Ok::<_, anyhow::Error>(ws)
            }
            .await;
            ready.wait().await;
            let mut ws = match connected {
                Ok(ws) => ws,
                Err(_) => {
                    closed.fetch_add(1, Relaxed);
                    return hist;
                }
            };
            let client = yrs::ClientID::new(u64::from(random_u32()));
            let end = epoch.elapsed() + Duration::from_secs_f64(seconds);
            // Spread the clients' ticks over the second.
            let phase = Duration::from_micros((i as u64 * 1_000_000) / clients.max(1) as u64);
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + phase, Duration::from_secs(1));
            let mut clock = 0u32;
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        if epoch.elapsed() >= end {
                            break;
                        }
                        clock += 1;
                        let t = epoch.elapsed().as_micros();
                        let json = format!("{{\"user\":{{\"name\":\"p{i}\"}},\"cursor\":{clock},\"t\":{t}}}");
                        let entry = AwarenessUpdateEntry { clock, json: json.into() };
                        let update = AwarenessUpdate { clients: [(client, entry)].into() };
                        if ws.send(frame(Message::Awareness(update))).await.is_err() {
                            closed.fetch_add(1, Relaxed);
                            return hist;
                        }
                    }
                    msg = ws.next() => {
                        let data = match msg {
                            Some(Ok(WsMessage::Binary(data))) => data,
                            Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => {
                                closed.fetch_add(1, Relaxed);
                                return hist;
                            }
                            Some(Ok(_)) => continue,
                        };
                        if !observer || data.first() != Some(&1) {
                            continue;
                        }
                        let now = epoch.elapsed().as_micros();
                        if let Ok(Message::Awareness(update)) = Message::decode_v1(&data) {
                            for (_, entry) in update.clients {
                                let sent = serde_json::from_str::<Value>(&entry.json)
                                    .ok()
                                    .and_then(|v| v["t"].as_u64());
                                if let Some(sent) = sent {
                                    let us = (now as u64).saturating_sub(sent).max(1);
                                    let _ = hist.record(us);
                                }
                            }
                        }
                    }
                }
            }
            let _ = ws.close(None).await;
            hist
        }));
    }
    ready.wait().await;
    let cpu0 = target
        .server_pid
        .and_then(bench_support::load::proc_cpu_ticks);
    let sampler = target
        .server_pid
        .map(|pid| Sampler::start(pid, Instant::now()));
    let t0 = Instant::now();
    let mut hist = bench_support::load::new_hist();
    for task in tasks {
        if let Ok(h) = task.await {
            hist.add(&h)?;
        }
    }
    let window = t0.elapsed().as_secs_f64();
    let cpu1 = target
        .server_pid
        .and_then(bench_support::load::proc_cpu_ticks);
    let samples = match sampler {
        Some(s) => s.stop().await,
        None => Vec::new(),
    };
    let (rss_peak, _, anon_peak) = rss_summary(&samples);
    let ms = |q: f64| round3(hist.value_at_quantile(q) as f64 / 1000.0);
    Ok(json!({
        "label": target.label, "command": "presence", "clients": clients,
        "observers": observers, "seconds": seconds, "closed": closed.load(Relaxed),
        "samples": hist.len(), "p50_ms": ms(0.5), "p99_ms": ms(0.99),
        "max_ms": round3(hist.max() as f64 / 1000.0),
        "server_cpu_pct": bench_support::load::cpu_pct(cpu0, cpu1, window).map(round3),
        "rss_peak_mib": rss_peak.map(round3), "rss_anon_peak_mib": anon_peak.map(round3),
    }))
}

/// Clients connected at once while filling memory: enough to be quick, few enough that the
/// connection limits of every server (and this tool's one thread) are not what is measured.
const MEMORY_WAVE: usize = 50;

/// A client that joins `url` (its state vector, then its presence, as a browser tab does) and
/// waits for the server's sync step 2. Given `text`, it writes it and leaves; otherwise it
/// stays: it answers pings and reads what comes until `leave` fires or the server closes it
/// (counted in `closed`).
async fn memory_client(
    url: Arc<str>,
    text: Option<String>,
    leave: tokio::sync::watch::Receiver<bool>,
    closed: Arc<std::sync::atomic::AtomicU64>,
) -> Result<tokio::task::JoinHandle<()>> {
    let doc = new_doc(u64::from(random_u32()));
    let mut awareness = Awareness::new(doc.clone());
    awareness.set_local_state_raw(format!(
        "{{\"user\":{{\"name\":\"idle-{}\"}}}}",
        doc.client_id()
    ));
    let mut ws = connect(&url).await?;
    ws.send(frame(Message::Sync(SyncMessage::SyncStep1(
        StateVector::default(),
    ))))
    .await?;
    if let Ok(update) = awareness.update() {
        ws.send(frame(Message::Awareness(update))).await?;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let data = match tokio::time::timeout(left, ws.next()).await {
            Err(_) => bail!("not synced within 60 s"),
            Ok(Some(Ok(WsMessage::Binary(data)))) => data,
            Ok(Some(Ok(WsMessage::Close(close)))) => bail!("closed before synced: {close:?}"),
            Ok(None) => bail!("closed before synced"),
            Ok(Some(Err(e))) => return Err(e.into()),
            Ok(Some(Ok(_))) => continue,
        };
        match (data.first(), data.get(1)) {
            (Some(0), Some(0)) => {
                ws.send(frame(Message::Sync(SyncMessage::SyncStep2(
                    doc.transact()
                        .encode_state_as_update_v1(&StateVector::default()),
                ))))
                .await?
            }
            (Some(0), Some(1)) => break,
            _ => {}
        }
    }
    if let Some(text) = &text {
        let t = doc.get_or_insert_text("text");
        let update = {
            let mut txn = doc.transact_mut();
            t.insert(&mut txn, 0, text);
            txn.encode_update_v1()
        };
        ws.send(frame(Message::Sync(SyncMessage::Update(update))))
            .await?;
    }
    // A writer leaves once it has written (at most a wave of them is connected at a time).
    let writer = text.is_some();
    Ok(tokio::spawn(async move {
        let mut leave = leave;
        loop {
            tokio::select! {
                _ = async {}, if writer => return close_and_drain(ws).await,
                _ = leave.changed() => return close_and_drain(ws).await,
                msg = ws.next() => match msg {
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => {
                        closed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        return;
                    }
                    Some(Ok(_)) => {}
                },
            }
        }
    }))
}

/// Closes, then reads until the server's answer to the close, so that it has seen it.
async fn close_and_drain(mut ws: Ws) {
    let _ = ws.close(None).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
}

/// Joins a client to each URL, `MEMORY_WAVE` at a time; readers stay until `leave`, writers
/// leave once they have written.
async fn fill(
    urls: &[Arc<str>],
    text: Option<&str>,
    leave: &tokio::sync::watch::Receiver<bool>,
    closed: &Arc<std::sync::atomic::AtomicU64>,
) -> Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut clients = Vec::with_capacity(urls.len());
    for wave in urls.chunks(MEMORY_WAVE) {
        let joins = wave.iter().map(|url| {
            memory_client(
                url.clone(),
                text.map(str::to_string),
                leave.clone(),
                closed.clone(),
            )
        });
        for joined in futures_util::future::join_all(joins).await {
            clients.push(joined?);
        }
    }
    Ok(clients)
}

/// The server's private memory, read after `settle` (its queues drained, its timers run).
async fn anon_mib_after(pid: u32, settle: Duration) -> Result<f64> {
    tokio::time::sleep(settle).await;
    let sample =
        bench_support::load::proc_rss(pid).ok_or_else(|| anyhow!("no /proc/{pid}/status"))?;
    Ok(sample.anon_kib as f64 / 1024.0)
}

async fn memory(
    target: &Target,
    connections: usize,
    doc_urls: &[String],
    unload_wait: f64,
) -> Result<Value> {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    let pid = target
        .server_pid
        .ok_or_else(|| anyhow!("memory needs --server-pid"))?;
    let settle = Duration::from_secs(3);
    let closed = Arc::new(AtomicU64::new(0));
    let per_1000 =
        |before: f64, after: f64, n: usize| round3((after - before) / n.max(1) as f64 * 1000.0);

    // Documents first, on the fresh server (measured second, they would fill the memory the
    // connections freed but the allocator kept, and look free): each is written by one client
    // that then leaves; read while they are loaded, and after they unloaded.
    let start_mib = anon_mib_after(pid, settle).await?;
    let urls: Vec<Arc<str>> = doc_urls.iter().map(|u| Arc::from(u.as_str())).collect();
    let (leave_tx, leave) = tokio::sync::watch::channel(false);
    let t0 = Instant::now();
    let writers = fill(
        &urls,
        Some("会商纪要：各方同意联合执法，明确牵头单位与完成时限。"),
        &leave,
        &closed,
    )
    .await?;
    let open_s = t0.elapsed().as_secs_f64();
    let _ = leave_tx.send(true);
    for writer in writers {
        let _ = writer.await;
    }
    let closed_writers = closed.swap(0, Relaxed);
    let loaded_mib = anon_mib_after(pid, Duration::from_secs(1)).await?;
    let unload_wait = if urls.is_empty() { 0.0 } else { unload_wait };
    let unloaded_mib = anon_mib_after(pid, Duration::from_secs_f64(unload_wait)).await?;
    // Connections: one document, loaded by a first client before the baseline (which holds
    // what the unloaded documents left).
    let url: Arc<str> = target.url()?.into();
    let (leave_tx, leave) = tokio::sync::watch::channel(false);
    let first = fill(std::slice::from_ref(&url), None, &leave, &closed).await?;
    let conn_start_mib = anon_mib_after(pid, settle).await?;
    let t0 = Instant::now();
    let clients = fill(&vec![url.clone(); connections], None, &leave, &closed).await?;
    let connect_s = t0.elapsed().as_secs_f64();
    let connected_mib = anon_mib_after(pid, settle).await?;
    let _ = leave_tx.send(true);
    for client in first.into_iter().chain(clients) {
        let _ = client.await;
    }
    let closed_connections = closed.load(Relaxed);
    let left_mib = anon_mib_after(pid, settle).await?;

    Ok(json!({
        "label": target.label, "command": "memory",
        "connections": connections, "connect_s": round3(connect_s),
        "closed_connections": closed_connections,
        "anon_start_mib": round3(conn_start_mib), "anon_connected_mib": round3(connected_mib),
        "anon_after_leaving_mib": round3(left_mib),
        "mib_per_1000_connections": per_1000(conn_start_mib, connected_mib, connections),
        "documents": doc_urls.len(), "open_s": round3(open_s),
        "closed_writers": closed_writers, "anon_fresh_mib": round3(start_mib),
        "anon_documents_loaded_mib": round3(loaded_mib),
        "mib_per_1000_documents": per_1000(start_mib, loaded_mib, doc_urls.len()),
        "unload_wait_s": unload_wait, "anon_after_unload_mib": round3(unloaded_mib),
        "mib_left_per_1000_documents": per_1000(start_mib, unloaded_mib, doc_urls.len()),
    }))
}

#[cfg(test)]
mod tests {
    use yrs::GetString;

    use super::*;

    #[test]
    fn the_generated_document_is_many_small_edits_by_several_authors_under_the_frame_limit() {
        let (updates, doc) = generate(0.3, 64 * 1024);
        assert!(updates.iter().all(|u| u.len() <= 64 * 1024));
        let replay = new_doc(99);
        for u in &updates {
            replay
                .transact_mut()
                .apply_update(Update::decode_v1(u).unwrap())
                .unwrap();
        }
        let text = |d: &Doc| d.get_or_insert_text("text").get_string(&d.transact());
        assert_eq!(text(&replay), text(&doc));
        assert!(doc.transact().state_vector().len() >= 8, "eight authors");
        let size = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default())
            .len();
        assert!(size >= 300_000, "{size} bytes");
    }
}
