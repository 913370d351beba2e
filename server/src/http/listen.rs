//! The HTTP listener: accepts TCP connections and serves each with hyper, under limits on
//! connections that have not sent a request yet.
//!
//! Anyone can open a connection; until it has sent a complete request it has shown no
//! credential. Such a *waiting* connection is closed when its first request does not arrive
//! within `--first-request-timeout-secs`, and at most `--max-waiting-connections` of them
//! (`--max-waiting-connections-per-address` from one address) are kept: more are refused as
//! they arrive, with a short 503 or 429. Every request's head must also arrive within
//! `--header-read-timeout-secs` (hyper's timer), which closes slowloris clients and idle
//! kept-alive connections. A websocket is authorized by its upgrade request, so it is never
//! unauthenticated once open. Those limits count TCP peers (behind a proxy, the proxy); each
//! request then carries its client address for everything after ([`ClientAddr`], from the
//! forwarding headers when the peer is one of `--trusted-proxies`).
//!
//! It must never hold a lock across an `.await`, and never keep serving after shutdown. When
//! the node starts draining (`drain`), each open connection finishes the request it is in and
//! closes; new connections are still taken, so that a load balancer's health check hears
//! `/readyz` answer 503 (the router refuses everything else while draining). When the drain is
//! done (`stop`), it stops accepting and waits for the connections.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use super::wire::{Metered, Wire, NOTSENT_LOWAT};
use crate::auth::forwarded::{client_addr, ClientAddr};
use crate::config::ConnectionArgs;
use crate::telemetry::ConnectionStats;

/// Serves `router` on `listener` until `stop` is cancelled, then waits for the connections
/// being served to finish their current request. From `drain` on, connections opened before
/// it close after their current request.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: &ConnectionArgs,
    stats: Arc<ConnectionStats>,
    drain: CancellationToken,
    stop: CancellationToken,
) {
    let gate = Arc::new(Gate::new(settings, stats));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout());
    let first_request = settings.first_request_timeout();
    let trusted: Arc<[ipnet::IpNet]> = settings.trusted_proxies.clone().into();
    let tasks = TaskTracker::new();
    loop {
        let (tcp, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, mostly: wait a little rather than spin.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stop.cancelled() => break,
        };
        let waiting = match gate.enter(addr.ip()) {
            Ok(waiting) => waiting,
            Err(refusal) => {
                refuse(&tcp, refusal);
                continue;
            }
        };
        // Small websocket frames must leave at once: without TCP_NODELAY, Nagle's algorithm
        // and delayed ACKs can hold some of them back for 40 ms.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "could not set TCP_NODELAY");
        }
        // Keep what the kernel holds unsent small, so that bytes accepted follow bytes the
        // client reads (see `wire.rs`: slow websockets are judged by that progress).
        if let Err(e) = socket2::SockRef::from(&tcp).set_tcp_notsent_lowat(NOTSENT_LOWAT) {
            tracing::debug!(error = %e, "could not set TCP_NOTSENT_LOWAT");
        }
        let connection = Connection {
            tcp,
            addr,
            waiting,
            router: router.clone(),
            http: http.clone(),
            first_request,
            trusted: trusted.clone(),
            // Opened while draining: served (its requests are refused but `/readyz`) until
            // the drain is done, not closed before its first request.
            shutdown: if drain.is_cancelled() {
                stop.clone()
            } else {
                drain.clone()
            },
        };
        tasks.spawn(connection.serve());
    }
    drop(listener);
    tasks.close();
    tasks.wait().await;
}

/// One accepted connection and what serving it needs.
struct Connection {
    tcp: TcpStream,
    addr: SocketAddr,
    waiting: Arc<Waiting>,
    router: Router,
    http: hyper::server::conn::http1::Builder,
    first_request: Duration,
    /// `--trusted-proxies`: whose forwarding headers name the client.
    trusted: Arc<[ipnet::IpNet]>,
    /// When to finish the current request and close.
    shutdown: CancellationToken,
}

impl Connection {
    async fn serve(self) {
        let Connection {
            tcp,
            addr,
            waiting,
            router,
            http,
            first_request,
            trusted,
            shutdown,
        } = self;
        let stats = waiting.gate.stats.clone();
        stats.open.fetch_add(1, Relaxed);
        let on_request = waiting.clone();
        let wire = Wire::new();
        let request_wire = wire.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            on_request.served();
            let mut request = request.map(axum::body::Body::new);
            let client = client_addr(addr.ip(), request.headers(), &trusted);
            request.extensions_mut().insert(ConnectInfo(addr));
            request.extensions_mut().insert(ClientAddr(client));
            request.extensions_mut().insert(request_wire.clone());
            router.clone().oneshot(request)
        });
        let conn = http
            .serve_connection(TokioIo::new(Metered::new(tcp, wire)), service)
            .with_upgrades();
        tokio::pin!(conn);
        let deadline = tokio::time::sleep(first_request);
        tokio::pin!(deadline);
        let (mut watching_deadline, mut closing) = (true, false);
        loop {
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        if e.is_timeout() {
                            stats.header_timeouts.fetch_add(1, Relaxed);
                        }
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    break;
                }
                () = &mut deadline, if watching_deadline => {
                    if !waiting.has_been_served() {
                        stats.first_request_timeouts.fetch_add(1, Relaxed);
                        break;
                    }
                    watching_deadline = false;
                }
                () = shutdown.cancelled(), if !closing => {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
        stats.open.fetch_sub(1, Relaxed);
        // Dropping `waiting` releases its place if no request came.
    }
}

/// Why a connection was refused on arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// Its address already has the most waiting connections allowed.
    PerAddress,
    /// The server already has the most waiting connections allowed.
    AllAddresses,
}

/// Counts waiting connections, per address and in all.
struct Gate {
    /// Waiting connections per address; an address leaves the map at zero, so its size is
    /// bounded by the total limit.
    per_address: Mutex<HashMap<IpAddr, usize>>,
    max_total: usize,
    max_per_address: usize,
    stats: Arc<ConnectionStats>,
}

impl Gate {
    fn new(settings: &ConnectionArgs, stats: Arc<ConnectionStats>) -> Gate {
        let secs = |d: Duration| d.as_secs();
        stats
            .max_waiting
            .store(settings.max_waiting_connections as u64, Relaxed);
        stats
            .max_waiting_per_address
            .store(settings.max_waiting_connections_per_address as u64, Relaxed);
        stats
            .first_request_timeout_secs
            .store(secs(settings.first_request_timeout()), Relaxed);
        stats
            .header_read_timeout_secs
            .store(secs(settings.header_read_timeout()), Relaxed);
        Gate {
            per_address: Mutex::new(HashMap::new()),
            max_total: settings.max_waiting_connections,
            max_per_address: settings.max_waiting_connections_per_address,
            stats,
        }
    }

    /// Counts a new connection from `ip` as waiting, or says why it is refused.
    fn enter(self: &Arc<Self>, ip: IpAddr) -> Result<Arc<Waiting>, Refusal> {
        let mut per_address = self.per_address.lock().expect("gate lock");
        let total = self.stats.waiting.load(Relaxed) as usize;
        let mine = per_address.get(&ip).copied().unwrap_or(0);
        if mine >= self.max_per_address {
            self.stats.refused_per_address.fetch_add(1, Relaxed);
            return Err(Refusal::PerAddress);
        }
        if total >= self.max_total {
            self.stats.refused_all.fetch_add(1, Relaxed);
            return Err(Refusal::AllAddresses);
        }
        per_address.insert(ip, mine + 1);
        self.stats.waiting.fetch_add(1, Relaxed);
        Ok(Arc::new(Waiting {
            gate: self.clone(),
            ip,
            served: AtomicBool::new(false),
        }))
    }

    fn leave(&self, ip: IpAddr) {
        let mut per_address = self.per_address.lock().expect("gate lock");
        if let Some(count) = per_address.get_mut(&ip) {
            *count -= 1;
            if *count == 0 {
                per_address.remove(&ip);
            }
        }
        self.stats.waiting.fetch_sub(1, Relaxed);
    }
}

/// A connection's place among the waiting ones, given up at its first request or when it
/// closes, whichever comes first.
struct Waiting {
    gate: Arc<Gate>,
    ip: IpAddr,
    served: AtomicBool,
}

impl Waiting {
    /// The connection's first complete request head has arrived: it waits no longer.
    fn served(&self) {
        if !self.served.swap(true, Relaxed) {
            self.gate.leave(self.ip);
        }
    }

    fn has_been_served(&self) -> bool {
        self.served.load(Relaxed)
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.served();
    }
}

/// Tells a refused client why, if its socket takes the few bytes at once, and closes it.
fn refuse(tcp: &TcpStream, refusal: Refusal) {
    let (status, code, message) = match refusal {
        Refusal::PerAddress => (
            "429 Too Many Requests",
            "too_many_requests",
            "来自您地址的未完成连接过多，请稍后再试 / too many connections from your address \
             have not sent a request yet; try again shortly",
        ),
        Refusal::AllAddresses => (
            "503 Service Unavailable",
            "unavailable",
            "服务器当前等待中的连接过多，请稍后再试 / the server has too many connections \
             waiting for a request; try again shortly",
        ),
    };
    let body = serde_json::json!({ "error": { "code": code, "message": message } }).to_string();
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\nretry-after: 1\r\n\r\n{body}",
        body.len()
    );
    // Never wait on a client we are refusing: what does not fit in the socket's buffer now is
    // not sent.
    let _ = tcp.try_write(answer.as_bytes());
}
