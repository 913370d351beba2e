//! Logs and metrics.
//!
//! Logs are structured `tracing` events (JSON when `CONCORD_LOG_FORMAT=json`), filtered by
//! `RUST_LOG` (default `info`). They carry ids, never document contents or secrets.
//! Metrics are Prometheus text at `/metrics`; most are read from live counters at scrape time.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::db::DocLog;

pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("CONCORD_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// What the HTTP listener counts about connections, read at each scrape.
#[derive(Debug, Default)]
pub struct ConnectionStats {
    /// TCP connections being served (HTTP; upgraded websockets are counted by the rooms).
    pub open: AtomicU64,
    /// Connections that have not yet sent a complete first request.
    pub waiting: AtomicU64,
    /// Refused on arrival because their address had too many waiting connections.
    pub refused_per_address: AtomicU64,
    /// Refused on arrival because too many connections were waiting in all.
    pub refused_all: AtomicU64,
    /// Closed because no complete first request came in time.
    pub first_request_timeouts: AtomicU64,
    /// Closed because a request's head did not arrive in time (including idle keep-alive).
    pub header_timeouts: AtomicU64,
    /// Uploads being received, checked or stored.
    pub uploads: AtomicU64,
    /// Uploads refused because `--max-concurrent-uploads` were in progress.
    pub uploads_refused: AtomicU64,
    /// Reads of the public signed log refused (429) because their address had used its
    /// budget (`--public-log-read-burst`, `--public-log-reads-per-second`).
    pub public_log_reads_refused: AtomicU64,
    /// Websockets closed because no byte moved to the client for `--client-no-progress-secs`
    /// while a frame waited to be written.
    pub ws_closed_no_progress: AtomicU64,
    /// Websockets closed because a ping went unanswered and nothing moved meanwhile.
    pub ws_closed_pong: AtomicU64,
    /// Open websockets whose access the policy changed (write to read, or back) on a re-check
    /// after an access announcement; the ones whose access was withdrawn are closed instead.
    pub ws_access_changed: AtomicU64,
    /// The configured limits, so that a dashboard can draw them beside the counts.
    pub max_uploads: AtomicU64,
    pub public_log_read_burst: AtomicU64,
    pub public_log_reads_per_second: AtomicU64,
    pub max_waiting: AtomicU64,
    pub max_waiting_per_address: AtomicU64,
    pub first_request_timeout_secs: AtomicU64,
    pub header_read_timeout_secs: AtomicU64,
}

/// The Prometheus registry: the commit histogram, recorded as commits happen, and a
/// collector that reads the realtime core's and the listener's counters at each scrape.
pub struct Metrics {
    pub registry: Registry,
    /// Counted by the HTTP listener as connections come and go.
    pub connections: Arc<ConnectionStats>,
}

/// A fresh commit-latency histogram: 50 µs to about 1.6 s.
pub fn commit_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

impl Metrics {
    pub fn new(
        rooms: collab::Rooms,
        log: Arc<DocLog>,
        commit_seconds: Histogram,
        connections: Arc<ConnectionStats>,
    ) -> Metrics {
        let mut registry = Registry::with_prefix("concord");
        registry.register(
            "commit_seconds",
            "Time to commit one group of document updates",
            commit_seconds,
        );
        registry.register_collector(Box::new(Live {
            rooms,
            log,
            connections: connections.clone(),
        }));
        Metrics {
            registry,
            connections,
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// Reads the realtime core's counters at scrape time.
struct Live {
    rooms: collab::Rooms,
    log: Arc<DocLog>,
    connections: Arc<ConnectionStats>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live")
    }
}

impl Collector for Live {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        use std::sync::atomic::Ordering::Relaxed;
        let stats = self.rooms.stats();
        let conns = &self.connections;
        let gauges = [
            (
                "http_connections",
                "HTTP connections open (an upgraded websocket leaves this count for concord_connections)",
                conns.open.load(Relaxed) as i64,
            ),
            (
                "http_waiting_connections",
                "HTTP connections that have not yet sent a complete first request",
                conns.waiting.load(Relaxed) as i64,
            ),
            (
                "http_max_waiting_connections",
                "Limit on waiting connections from all addresses (--max-waiting-connections)",
                conns.max_waiting.load(Relaxed) as i64,
            ),
            (
                "http_max_waiting_connections_per_address",
                "Limit on waiting connections from one address",
                conns.max_waiting_per_address.load(Relaxed) as i64,
            ),
            (
                "uploads_in_progress",
                "Uploads (attachments, bundles to verify) being received, checked or stored",
                conns.uploads.load(Relaxed) as i64,
            ),
            (
                "max_concurrent_uploads",
                "Limit on uploads in progress at once (--max-concurrent-uploads)",
                conns.max_uploads.load(Relaxed) as i64,
            ),
            (
                "http_first_request_timeout_seconds",
                "Time a new connection has to send a complete first request",
                conns.first_request_timeout_secs.load(Relaxed) as i64,
            ),
            (
                "http_header_read_timeout_seconds",
                "Time a client has to send each request's head",
                conns.header_read_timeout_secs.load(Relaxed) as i64,
            ),
            (
                "public_log_read_burst",
                "Reads of the public signed log one address may make at once (--public-log-read-burst)",
                conns.public_log_read_burst.load(Relaxed) as i64,
            ),
            (
                "public_log_reads_per_second",
                "Reads of the public signed log an address earns back per second",
                conns.public_log_reads_per_second.load(Relaxed) as i64,
            ),
            (
                "connections",
                "Open websocket sessions",
                stats.sessions.load(Relaxed) as i64,
            ),
            (
                "open_rooms",
                "Documents loaded in memory",
                self.rooms.open_rooms() as i64,
            ),
            (
                "fanout_queue_depth",
                "Messages queued for clients",
                self.rooms.queued_messages() as i64,
            ),
            (
                "commit_queue_depth",
                "Updates waiting to be committed",
                self.log.queue_depth() as i64,
            ),
            (
                "client_queued_bytes_max",
                "The most bytes waiting for any one websocket client now (without its initial state)",
                self.rooms.max_queued_bytes() as i64,
            ),
            (
                "client_queued_bytes_peak",
                "The most bytes that ever waited for one websocket client (without its initial state)",
                stats.queued_bytes_peak.load(Relaxed) as i64,
            ),
            (
                "joins_in_flight",
                "Websocket clients that joined and have not yet had their initial state written",
                stats.joins_in_flight.load(Relaxed) as i64,
            ),
        ];
        for (name, help, value) in gauges {
            let metric = ConstGauge::new(value);
            metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)?;
        }
        let counters = [
            (
                "http_connections_refused_per_address",
                "Connections refused on arrival: their address had too many waiting",
                conns.refused_per_address.load(Relaxed),
            ),
            (
                "public_log_reads_refused",
                "Reads of the public signed log refused: their address had used its budget",
                conns.public_log_reads_refused.load(Relaxed),
            ),
            (
                "http_connections_refused_all",
                "Connections refused on arrival: too many waiting in all",
                conns.refused_all.load(Relaxed),
            ),
            (
                "uploads_refused",
                "Uploads refused because the most allowed were already in progress",
                conns.uploads_refused.load(Relaxed),
            ),
            (
                "http_first_request_timeouts",
                "Connections closed without a complete first request in time",
                conns.first_request_timeouts.load(Relaxed),
            ),
            (
                "http_header_timeouts",
                "Connections closed because a request's head did not arrive in time",
                conns.header_timeouts.load(Relaxed),
            ),
            (
                "updates_applied",
                "Document updates committed and broadcast",
                stats.updates_applied.load(Relaxed),
            ),
            (
                "updates_rejected",
                "Document updates refused (access, limits, corrupt)",
                stats.updates_rejected.load(Relaxed),
            ),
            (
                "compactions",
                "Document logs compacted into snapshots",
                stats.compactions.load(Relaxed),
            ),
            (
                "room_loads",
                "Documents loaded from storage into memory",
                stats.loads.load(Relaxed),
            ),
            (
                "initial_states_shared",
                "Joining clients sent a document's whole state framed for another joiner of the same moment, not encoded again",
                stats.initial_states_shared.load(Relaxed),
            ),
        ];
        for (name, help, value) in counters {
            let metric = ConstCounter::new(value);
            metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)?;
        }
        let changed = ConstCounter::new(conns.ws_access_changed.load(Relaxed));
        changed.encode(encoder.encode_descriptor(
            "ws_access_changed",
            "Open websockets whose access changed on a re-check (write to read, or back), without closing",
            None,
            changed.metric_type(),
        )?)?;
        let awareness = ConstCounter::new(stats.awareness_coalesced.load(Relaxed));
        awareness.encode(encoder.encode_descriptor(
            "awareness_coalesced",
            "Presence (awareness) entries that replaced one of the same client id still waiting, in a room's batch or a client's queue",
            None,
            awareness.metric_type(),
        )?)?;
        // Why websocket clients were closed for not keeping up, one series per cause.
        let closed = [
            ("no_progress", conns.ws_closed_no_progress.load(Relaxed)),
            ("queue_bound", stats.closed_queue_bound.load(Relaxed)),
            ("pong", conns.ws_closed_pong.load(Relaxed)),
        ];
        let mut family = encoder.encode_descriptor(
            "clients_closed",
            "Websocket clients closed for not keeping up, by cause: no byte moved for --client-no-progress-secs (no_progress, 4410), queue past --client-queue or --client-queue-bytes (queue_bound, 4408), no pong and nothing moved (pong, 4410)",
            None,
            prometheus_client::metrics::MetricType::Counter,
        )?;
        for (cause, value) in closed {
            ConstCounter::new(value).encode(family.encode_family(&[("cause", cause)])?)?;
        }
        Ok(())
    }
}
