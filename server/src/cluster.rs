//! Several nodes of one deployment: what one node tells the others, over Redis pub/sub.
//!
//! Every node publishes on one channel (`--redis-channel`) and reads everything on it:
//!
//! - each committed document update, with its place in the log (`seq`, and `prev`, the
//!   document's seq before it), after it is stored; a node holding the document applies it
//!   in log order, once (`collab::Rooms::apply_remote`);
//! - its clients' awareness changes, and a query for them when it loads a document;
//! - access changes (revoked sessions and tokens, removed members, disabled users, frozen
//!   and reopened documents), which the others announce to their own sockets;
//! - a wake-up when it committed events, so the others' SSE pumps read them at once;
//! - a heartbeat every second.
//!
//! **PostgreSQL is the only source of truth; Redis only says "look".** Redis pub/sub drops
//! what is sent while a node is disconnected, so every message carries its origin's counter
//! (one per message sent or attempted): a node that sees a counter jump, or whose own
//! subscription was re-established, may have missed updates and catches every loaded
//! document up from the database (`collab::Rooms::catch_up`); so does a room whose update
//! waited too long for its predecessor. Nothing is ever read back from Redis.
//!
//! Why the `redis` crate: the Redis project's own Rust client, the most used one, with a tokio
//! connection manager that reconnects by itself (the publisher) and plain async pub/sub (the
//! subscriber, whose reconnections this module counts and follows with a catch-up). `fred`
//! does as much with a larger API this needs none of.
//!
//! This module must never decide access, nor apply anything it reads to storage.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use bytes::Bytes;
use collab::{Appended, DocId, Fanout, FanoutError, Rooms};
use futures_util::StreamExt;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use redis::aio::ConnectionManager;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ClusterArgs;
use crate::services::{AccessChange, AccessChanges, EventHub};

/// Messages waiting for the publisher; past this, a message is dropped (and counted as sent,
/// so the others notice the gap and catch up).
const OUTBOUND: usize = 8192;

/// How often a node says it is alive (and what its counter is).
const HEARTBEAT: Duration = Duration::from_secs(1);

/// How long a remote update may wait for its predecessor before the room catches up from
/// the database. Updates of one document from two nodes may arrive in either order.
const PATIENCE: Duration = Duration::from_millis(250);

/// How often rooms are looked at for updates that waited too long.
const SWEEP: Duration = Duration::from_millis(100);

/// How long to wait for Redis at start-up, and for each command.
const REDIS_TIMEOUT: Duration = Duration::from_secs(3);

/// Counters for `/metrics`.
#[derive(Debug, Default, Clone)]
pub struct ClusterStats {
    pub messages_out: Counter,
    pub messages_in: Counter,
    pub publish_failures: Counter,
    pub gaps_detected: Counter,
    pub gaps_repaired: Counter,
    pub redis_reconnects: Counter,
    /// 1 while this node's subscription to the channel is up.
    pub redis_connected: Gauge,
}

impl ClusterStats {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "cluster_messages_out",
            "Messages this node published to the other nodes (updates, presence, access changes, wake-ups, heartbeats)",
            self.messages_out.clone(),
        );
        registry.register(
            "cluster_messages_in",
            "Messages this node received from the other nodes",
            self.messages_in.clone(),
        );
        registry.register(
            "cluster_publish_failures",
            "Messages Redis did not take (the other nodes catch up from the database)",
            self.publish_failures.clone(),
        );
        registry.register(
            "cluster_gaps_detected",
            "Times this node found it may have missed other nodes' updates and read the database",
            self.gaps_detected.clone(),
        );
        registry.register(
            "cluster_gaps_repaired",
            "Catch-ups from the database that brought updates this node had missed",
            self.gaps_repaired.clone(),
        );
        registry.register(
            "redis_reconnects",
            "Times the subscription to Redis was lost and made again",
            self.redis_reconnects.clone(),
        );
        registry.register(
            "redis_connected",
            "1 while this node is subscribed to the other nodes' messages",
            self.redis_connected.clone(),
        );
    }
}

/// How far this node is behind the other nodes' commits, read at each scrape
/// (`concord_cluster_lag_updates`, `concord_cluster_lag_seconds`): their updates it received
/// and cannot apply yet (each waits for a predecessor, or for a catch-up from the database),
/// and how long it has been behind: the oldest waiting update's age, or, while the
/// subscription to Redis is down (everything the others publish is missed) and until the
/// catch-up that follows it is done, the time since it went down. Zeros on a single node.
pub struct Lag {
    pub rooms: Rooms,
    pub cluster: Option<Arc<Cluster>>,
}

impl std::fmt::Debug for Lag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lag")
    }
}

impl Collector for Lag {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let (waiting, oldest) = self.rooms.remote_backlog();
        let down = self.cluster.as_ref().and_then(|c| {
            c.down_since
                .lock()
                .expect("poisoned")
                .map(|since| since.elapsed())
        });
        let behind = oldest.max(down).unwrap_or_default();
        let updates = ConstGauge::new(waiting as i64);
        updates.encode(encoder.encode_descriptor(
            "cluster_lag_updates",
            "Other nodes' updates this node received and has not applied yet (waiting for a predecessor)",
            None,
            updates.metric_type(),
        )?)?;
        let seconds = ConstGauge::new(behind.as_secs_f64());
        seconds.encode(encoder.encode_descriptor(
            "cluster_lag_seconds",
            "How long this node has been behind the other nodes' commits: the oldest waiting update, or the time since its subscription to Redis went down, until caught up",
            None,
            seconds.metric_type(),
        )?)?;
        Ok(())
    }
}

/// What goes on the channel.
#[derive(Debug, Clone)]
enum Message {
    Update {
        doc: String,
        seq: i64,
        prev: i64,
        update: Bytes,
    },
    Awareness {
        doc: String,
        update: Bytes,
    },
    AwarenessQuery {
        doc: String,
    },
    Access(AccessChange),
    EventsCommitted,
    Heartbeat,
}

const UPDATE: u8 = 1;
const AWARENESS: u8 = 2;
const AWARENESS_QUERY: u8 = 3;
const ACCESS: u8 = 4;
const EVENTS: u8 = 5;
const HEARTBEAT_KIND: u8 = 6;

/// `kind, origin (8), counter (8)`, then the kind's fields; a document id as a length byte
/// and its bytes (ids are at most 128 ASCII characters).
fn encode(origin: u64, counter: u64, message: &Message) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    let kind = match message {
        Message::Update { .. } => UPDATE,
        Message::Awareness { .. } => AWARENESS,
        Message::AwarenessQuery { .. } => AWARENESS_QUERY,
        Message::Access(_) => ACCESS,
        Message::EventsCommitted => EVENTS,
        Message::Heartbeat => HEARTBEAT_KIND,
    };
    out.push(kind);
    out.extend_from_slice(&origin.to_be_bytes());
    out.extend_from_slice(&counter.to_be_bytes());
    let doc = |out: &mut Vec<u8>, doc: &str| {
        out.push(u8::try_from(doc.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(doc.as_bytes());
    };
    match message {
        Message::Update {
            doc: d,
            seq,
            prev,
            update,
        } => {
            doc(&mut out, d);
            out.extend_from_slice(&seq.to_be_bytes());
            out.extend_from_slice(&prev.to_be_bytes());
            out.extend_from_slice(update);
        }
        Message::Awareness { doc: d, update } => {
            doc(&mut out, d);
            out.extend_from_slice(update);
        }
        Message::AwarenessQuery { doc: d } => doc(&mut out, d),
        Message::Access(change) => {
            out.extend_from_slice(&serde_json::to_vec(change).unwrap_or_default());
        }
        Message::EventsCommitted | Message::Heartbeat => {}
    }
    out
}

/// The inverse of [`encode`]; `None` for anything malformed (logged by the caller).
fn decode(bytes: &[u8]) -> Option<(u64, u64, Message)> {
    let (&kind, rest) = bytes.split_first()?;
    let origin = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?);
    let counter = u64::from_be_bytes(rest.get(8..16)?.try_into().ok()?);
    let rest = &rest[16..];
    let doc = |rest: &[u8]| -> Option<(String, usize)> {
        let len = usize::from(*rest.first()?);
        let doc = std::str::from_utf8(rest.get(1..1 + len)?).ok()?;
        Some((doc.to_owned(), 1 + len))
    };
    let message = match kind {
        UPDATE => {
            let (doc, at) = doc(rest)?;
            let seq = i64::from_be_bytes(rest.get(at..at + 8)?.try_into().ok()?);
            let prev = i64::from_be_bytes(rest.get(at + 8..at + 16)?.try_into().ok()?);
            Message::Update {
                doc,
                seq,
                prev,
                update: Bytes::copy_from_slice(rest.get(at + 16..)?),
            }
        }
        AWARENESS => {
            let (doc, at) = doc(rest)?;
            Message::Awareness {
                doc,
                update: Bytes::copy_from_slice(&rest[at..]),
            }
        }
        AWARENESS_QUERY => Message::AwarenessQuery { doc: doc(rest)?.0 },
        ACCESS => Message::Access(serde_json::from_slice(rest).ok()?),
        EVENTS => Message::EventsCommitted,
        HEARTBEAT_KIND => Message::Heartbeat,
        _ => return None,
    };
    Some((origin, counter, message))
}

/// This node's side of the channel: the [`Fanout`] rooms publish through, and the handle the
/// server starts the publisher and subscriber with.
pub struct Cluster {
    /// A random id per process: messages of a restarted node are a new origin.
    origin: u64,
    client: redis::Client,
    channel: String,
    outbound: mpsc::Sender<Message>,
    /// Taken by [`Cluster::start`].
    queue: std::sync::Mutex<Option<mpsc::Receiver<Message>>>,
    /// Messages dropped because the queue was full, to count into the next counter.
    dropped: AtomicU64,
    /// A wake-up is queued and not yet published: more need not be.
    wake_queued: Arc<AtomicBool>,
    /// Since when this node may have missed the others' messages: not subscribed yet, or
    /// the subscription went down, and not caught up since ([`Lag`]).
    down_since: std::sync::Mutex<Option<std::time::Instant>>,
    pub stats: ClusterStats,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("origin", &self.origin)
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

/// Checks the cluster flags against the database: `Ok(None)` when this node runs alone.
pub fn plan(args: &ClusterArgs, postgres: bool) -> anyhow::Result<Option<&str>> {
    match (&args.redis_url, args.cluster, postgres) {
        (Some(_), _, false) => anyhow::bail!(
            "--redis-url 需要 PostgreSQL：多个节点无法共享一个 SQLite 文件 / --redis-url needs \
             PostgreSQL (--database-url): several nodes cannot share one SQLite file"
        ),
        (None, true, false) => anyhow::bail!(
            "--cluster 需要 PostgreSQL 和 --redis-url / --cluster needs PostgreSQL \
             (--database-url) and Redis (--redis-url)"
        ),
        (None, true, true) => anyhow::bail!(
            "--cluster 需要 --redis-url：没有 Redis，其他节点看不到本节点的编辑 / --cluster needs \
             --redis-url (CONCORD_REDIS_URL): without Redis the other nodes do not see this \
             node's edits"
        ),
        (None, false, true) => {
            tracing::warn!(
                "未配置 Redis：本节点假定自己是唯一节点；多个节点须加 --cluster 和 --redis-url / \
                 no Redis configured: this node assumes it is the only one; run several nodes \
                 with --cluster and --redis-url"
            );
            Ok(None)
        }
        (None, false, false) => Ok(None),
        (Some(url), _, true) => Ok(Some(url)),
    }
}

impl Cluster {
    /// Connects to Redis (refusing to start when it does not answer) and prepares the fan-out.
    pub async fn connect(url: &str, channel: &str) -> anyhow::Result<Arc<Cluster>> {
        let unreachable = "无法连接 Redis（--redis-url），其他节点将看不到本节点的编辑 / Redis \
                           (--redis-url) does not answer; the other nodes would not see this \
                           node's edits";
        let client = redis::Client::open(url).context(unreachable)?;
        let mut conn =
            tokio::time::timeout(REDIS_TIMEOUT, client.get_multiplexed_async_connection())
                .await
                .map_err(|_| anyhow::anyhow!("timed out"))
                .and_then(|c| c.map_err(anyhow::Error::from))
                .context(unreachable)?;
        let _: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .context(unreachable)?;
        let (outbound, queue) = mpsc::channel(OUTBOUND);
        Ok(Arc::new(Cluster {
            origin: rand::random(),
            client,
            channel: channel.to_owned(),
            outbound,
            queue: std::sync::Mutex::new(Some(queue)),
            dropped: AtomicU64::new(0),
            wake_queued: Arc::new(AtomicBool::new(false)),
            down_since: std::sync::Mutex::new(Some(std::time::Instant::now())),
            stats: ClusterStats::default(),
        }))
    }

    /// Whether this node is subscribed to the other nodes' messages now (for `/readyz`).
    pub fn connected(&self) -> bool {
        self.stats.redis_connected.get() > 0
    }

    fn send(&self, message: Message) {
        if self.outbound.try_send(message).is_err() {
            // The others see the counter jump and catch up from the database.
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Relays this node's access changes and event wake-ups to the others.
    pub fn relay(self: &Arc<Self>, access: &AccessChanges, events: &EventHub) {
        let me = self.clone();
        access.relay_to(Arc::new(move |change: &AccessChange| {
            me.send(Message::Access(change.clone()));
        }));
        let me = self.clone();
        events.relay_to(Arc::new(move || {
            if !me.wake_queued.swap(true, Ordering::AcqRel) {
                me.send(Message::EventsCommitted);
            }
        }));
    }

    /// Starts the publisher, the subscriber and the sweep; they stop at `shutdown`, the
    /// publisher once it has published what was queued before.
    pub fn start(
        self: &Arc<Self>,
        rooms: Rooms,
        access: AccessChanges,
        events: EventHub,
        shutdown: CancellationToken,
        tasks: &TaskTracker,
    ) {
        let Some(queue) = self.queue.lock().expect("poisoned").take() else {
            return;
        };
        tasks.spawn(self.clone().publish_loop(queue, shutdown.clone()));
        let receiver = Receiver {
            cluster: self.clone(),
            rooms: rooms.clone(),
            access,
            events,
            seen: HashMap::new(),
        };
        tasks.spawn(receiver.run(shutdown.clone()));
        tasks.spawn(sweep(self.clone(), rooms, shutdown));
    }

    /// Publishes what the rooms and services queue, in order, and a heartbeat when idle.
    async fn publish_loop(
        self: Arc<Self>,
        mut queue: mpsc::Receiver<Message>,
        shutdown: CancellationToken,
    ) {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let mut conn: Option<ConnectionManager> = None;
        let mut counter: u64 = 0;
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        let mut failing = false;
        let mut stopping = false;
        loop {
            let message = if stopping {
                // Stopping: what is queued (the drain's last commits) still goes out, then
                // the loop ends.
                match queue.try_recv() {
                    Ok(message) => message,
                    Err(_) => return,
                }
            } else {
                tokio::select! {
                    message = queue.recv() => match message {
                        Some(message) => message,
                        None => return,
                    },
                    _ = heartbeat.tick() => Message::Heartbeat,
                    () = shutdown.cancelled() => {
                        stopping = true;
                        queue.close();
                        continue;
                    }
                }
            };
            if matches!(message, Message::EventsCommitted) {
                self.wake_queued.store(false, Ordering::Release);
            }
            counter += 1 + self.dropped.swap(0, Ordering::Relaxed);
            let bytes = encode(self.origin, counter, &message);
            if conn.is_none() {
                conn = ConnectionManager::new_with_config(self.client.clone(), config.clone())
                    .await
                    .ok();
            }
            let result = match conn.as_mut() {
                Some(conn) => redis::cmd("PUBLISH")
                    .arg(&self.channel)
                    .arg(bytes)
                    .query_async::<i64>(conn)
                    .await
                    .map(|_| ()),
                None => Err(redis::RedisError::from((
                    redis::ErrorKind::Io,
                    "no connection to Redis",
                ))),
            };
            match result {
                Ok(()) => {
                    self.stats.messages_out.inc();
                    if failing {
                        tracing::info!("publishing to Redis again");
                        failing = false;
                    }
                }
                Err(e) => {
                    self.stats.publish_failures.inc();
                    if !failing {
                        tracing::warn!(error = %e, "publishing to Redis failed; the other nodes will catch up from the database");
                        failing = true;
                    }
                }
            }
        }
    }

    /// Reads every loaded document's missed updates from the database.
    async fn catch_up_all(&self, rooms: &Rooms) {
        self.stats.gaps_detected.inc();
        let mut repaired = false;
        for doc in rooms.loaded_docs() {
            match rooms.catch_up(&doc).await {
                Ok(Some(true)) => repaired = true,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(doc = %doc, error = %e, "catching up from the database failed")
                }
            }
        }
        if repaired {
            self.stats.gaps_repaired.inc();
        }
    }
}

#[async_trait]
impl Fanout for Cluster {
    async fn publish(&self, doc: &DocId, at: Appended, update: Bytes) -> Result<(), FanoutError> {
        // Without the chain (SQLite) there is nothing the others could follow; `plan` refuses
        // Redis there, so this is only defensive.
        let Some(prev) = at.prev else { return Ok(()) };
        self.send(Message::Update {
            doc: doc.to_string(),
            seq: at.seq,
            prev,
            update,
        });
        Ok(())
    }

    fn publish_awareness(&self, doc: &DocId, update: Bytes) {
        self.send(Message::Awareness {
            doc: doc.to_string(),
            update,
        });
    }

    fn loaded(&self, doc: &DocId) {
        self.send(Message::AwarenessQuery {
            doc: doc.to_string(),
        });
    }
}

/// The subscriber: what other nodes say, into this node's rooms, sockets and event pump.
struct Receiver {
    cluster: Arc<Cluster>,
    rooms: Rooms,
    access: AccessChanges,
    events: EventHub,
    /// The last counter seen of each origin.
    seen: HashMap<u64, u64>,
}

impl Receiver {
    async fn run(mut self, shutdown: CancellationToken) {
        let mut first = true;
        loop {
            let subscribed = async {
                let mut pubsub = self.cluster.client.get_async_pubsub().await?;
                pubsub.subscribe(&self.cluster.channel).await?;
                Ok::<_, redis::RedisError>(pubsub)
            };
            let pubsub = tokio::select! {
                pubsub = tokio::time::timeout(REDIS_TIMEOUT, subscribed) => pubsub,
                () = shutdown.cancelled() => return,
            };
            let mut pubsub = match pubsub {
                Ok(Ok(pubsub)) => pubsub,
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "subscribing to Redis failed; trying again");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(200)) => continue,
                        () = shutdown.cancelled() => return,
                    }
                }
                Err(_) => continue,
            };
            self.cluster.stats.redis_connected.set(1);
            if !first {
                // Whatever was published while this node was away is lost to it: the
                // database has it.
                self.cluster.stats.redis_reconnects.inc();
                tracing::info!("subscribed to Redis again; catching up from the database");
                self.cluster.catch_up_all(&self.rooms).await;
                // `seen` is kept: an origin whose publishing failed a while longer shows a
                // jump at its next message, and is caught up once more.
            }
            first = false;
            *self.cluster.down_since.lock().expect("poisoned") = None;
            let mut stream = pubsub.on_message();
            loop {
                let message = tokio::select! {
                    message = stream.next() => message,
                    () = shutdown.cancelled() => return,
                };
                let Some(message) = message else { break };
                self.handle(message.get_payload_bytes()).await;
            }
            self.cluster.stats.redis_connected.set(0);
            self.cluster
                .down_since
                .lock()
                .expect("poisoned")
                .get_or_insert_with(std::time::Instant::now);
            tracing::warn!("the subscription to Redis ended; reconnecting");
        }
    }

    async fn handle(&mut self, bytes: &[u8]) {
        let Some((origin, counter, message)) = decode(bytes) else {
            tracing::debug!("a malformed message on the cluster channel was ignored");
            return;
        };
        if origin == self.cluster.origin {
            return;
        }
        self.cluster.stats.messages_in.inc();
        let last = self.seen.insert(origin, counter);
        let missed = last.is_some_and(|last| counter > last + 1);
        match message {
            Message::Update {
                doc,
                seq,
                prev,
                update,
            } => {
                if let Ok(doc) = DocId::parse(&doc) {
                    self.rooms.apply_remote(&doc, seq, prev, update);
                }
            }
            Message::Awareness { doc, update } => {
                if let Ok(doc) = DocId::parse(&doc) {
                    self.rooms.apply_remote_awareness(&doc, &update);
                }
            }
            Message::AwarenessQuery { doc } => {
                if let Ok(doc) = DocId::parse(&doc) {
                    if let Some(update) = self.rooms.local_awareness(&doc) {
                        self.cluster.publish_awareness(&doc, update);
                    }
                }
            }
            Message::Access(change) => {
                if let Some((doc, frozen)) = &change.doc_frozen {
                    if let Ok(doc) = DocId::parse(doc) {
                        if *frozen {
                            self.rooms.frozen_elsewhere(&doc);
                        } else {
                            self.rooms.thaw(&doc);
                        }
                    }
                }
                self.access.announce_here(change);
            }
            Message::EventsCommitted => self.events.wake_here(),
            Message::Heartbeat => {}
        }
        if missed {
            tracing::info!(
                origin,
                "missed messages of another node; catching up from the database"
            );
            self.cluster.catch_up_all(&self.rooms).await;
            // A lost wake-up or access change is found the same way.
            self.events.wake_here();
        }
    }
}

/// Catches up rooms whose remote updates waited too long for their predecessors.
async fn sweep(cluster: Arc<Cluster>, rooms: Rooms, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(SWEEP);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.cancelled() => return,
        }
        for doc in rooms.lagging(PATIENCE) {
            cluster.stats.gaps_detected.inc();
            match rooms.catch_up(&doc).await {
                Ok(Some(true)) => {
                    cluster.stats.gaps_repaired.inc();
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(doc = %doc, error = %e, "catching up from the database failed")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_message_reads_back_as_written() {
        let messages = [
            Message::Update {
                doc: "meeting:1:minutes".into(),
                seq: 42,
                prev: 7,
                update: Bytes::from_static(&[1, 2, 3]),
            },
            Message::Awareness {
                doc: "d".into(),
                update: Bytes::from_static(&[9]),
            },
            Message::AwarenessQuery { doc: "d".into() },
            Message::Access(AccessChange {
                credential: Some("session:abc".into()),
                doc_frozen: Some(("d".into(), true)),
                ..AccessChange::default()
            }),
            Message::EventsCommitted,
            Message::Heartbeat,
        ];
        for message in messages {
            let bytes = encode(5, 6, &message);
            let (origin, counter, back) = decode(&bytes).expect("decodes");
            assert_eq!((origin, counter), (5, 6));
            assert_eq!(format!("{back:?}"), format!("{message:?}"));
        }
        assert!(
            decode(&[UPDATE, 0, 0]).is_none(),
            "a cut message is refused"
        );
        assert!(decode(&[99; 20]).is_none(), "an unknown kind is refused");
    }
}
