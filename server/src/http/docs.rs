//! `/ws/docs/{doc_id}`: the standard y-websocket protocol, one document per socket.
//!
//! The handler admits (authorizes and joins the room before upgrading, so an unknown ticket
//! is a 401 and an unreachable database a 503, not a socket that closes at once), then hands
//! the socket to [`serve_socket`], which only moves bytes between the socket and the `collab`
//! session. All protocol logic is in `collab`.

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use collab::{close_code, Access, Close, DocId, Outbox, Outgoing, Session};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast;
use tracing::Instrument;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::wire::Wire;
use crate::auth;
use crate::error::{ApiError, Refusals};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upgrade))
}

#[derive(Debug, Deserialize)]
struct TicketQuery {
    ticket: Option<String>,
}

/// Initial read buffer of a socket.
const SOCKET_BUFFER: usize = 4 * 1024;

/// How often a socket that is writing looks at its progress.
const PROGRESS_CHECK: Duration = Duration::from_millis(250);

/// At most this long without progress is spent delivering a close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// The close reason a draining node gives (at most 123 bytes, as a close frame allows).
const DRAINING_REASON: &str = "服务重启，请重新连接 / the server is restarting; reconnect";

/// Opens a document over the y-websocket protocol (the upgrade answers 101; a refusal before
/// it is a JSON error: 401 without a credential, 404 for a document the caller may not open).
#[utoipa::path(
    get, path = "/ws/docs/{doc_id}", tag = "documents", operation_id = "docs_socket",
    params(
        ("doc_id" = String, Path, description = "the document id"),
        ("ticket" = Option<String>, Query, description = "a ticket from POST /api/docs/{id}/ticket; without it, the session cookie and this server's Origin")
    ),
    responses((status = 101, description = "switching to the y-websocket protocol"), Refusals)
)]
async fn upgrade(
    State(state): State<AppState>,
    Path(doc_id): Path<String>,
    Query(query): Query<TicketQuery>,
    headers: HeaderMap,
    wire: Option<Extension<Wire>>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let doc = DocId::parse(&doc_id).map_err(|e| ApiError::BadRequest(e.to_string().into()))?;
    let grant =
        auth::authorize_doc(state.doc_gate(), query.ticket.as_deref(), &headers, &doc).await?;
    let ws =
        ws.map_err(|_| ApiError::BadRequest(crate::domain::phrases::WEBSOCKET_ONLY.message()))?;
    let admitted = join(&state, doc, grant).await?;
    Ok(accept(ws, state, admitted, wire.map(|Extension(w)| w)))
}

/// A socket the policy let in and whose room it joined, before the upgrade.
struct Admitted {
    session: Session,
    outbox: Outbox,
    recheck: Option<Recheck>,
    span: tracing::Span,
}

/// Joins the document's room with what the policy granted, *before* upgrading, so an
/// unreachable database is a 503, not a socket that closes at once.
async fn join(state: &AppState, doc: DocId, grant: auth::DocGrant) -> Result<Admitted, ApiError> {
    let (principal, access) = (grant.principal, grant.access);
    let recheck = grant.credential.map(|credential| Recheck {
        credential,
        doc: doc.clone(),
        user_id: principal.user_id.clone(),
        org_id: principal.org.clone(),
    });
    let span = tracing::info_span!("ws", doc = %doc, user = %principal.user_id, access = ?access);
    let (session, outbox) = Session::join(&state.services.rooms, doc, principal, access).await?;
    Ok(Admitted {
        session,
        outbox,
        recheck,
        span,
    })
}

/// Upgrades to a websocket sized for y-websocket traffic and serves it, tracked so that
/// shutdown waits for it.
///
/// `wire` is the connection's progress as the listener measures it; without it (a router
/// served some other way) progress is what the socket loop sees of its own flushes.
fn accept(
    ws: WebSocketUpgrade,
    state: AppState,
    admitted: Admitted,
    wire: Option<Wire>,
) -> Response {
    // Leave headroom above the limit so that a frame slightly too large is read and refused
    // with a reason, rather than failing inside the websocket codec.
    let codec_limit = state
        .limits
        .max_frame_bytes
        .saturating_mul(2)
        .max(64 * 1024);
    let Admitted {
        session,
        outbox,
        recheck,
        span,
    } = admitted;
    ws.max_message_size(codec_limit)
        .max_frame_size(codec_limit)
        // tungstenite's defaults (128 KiB each way) would cost 256 KiB per idle client; most
        // y-websocket messages are tens of bytes. Buffers still grow for a large frame.
        .read_buffer_size(SOCKET_BUFFER)
        .write_buffer_size(0)
        .on_upgrade(move |socket| {
            let connections = state.connections.clone();
            connections.track_future(
                serve_socket(
                    socket,
                    session,
                    outbox,
                    state,
                    recheck,
                    wire.unwrap_or_default(),
                )
                .instrument(span),
            )
        })
}

/// Moves frames between one socket and its session until either side ends it.
///
/// A frame is handed to the socket and flushed while the loop goes on reading the client,
/// watching access and answering the room: a large frame to a slow client is never waited
/// for with everything else stopped. The client is judged by progress (see `wire.rs`): closed
/// (4410) when no byte has moved for `--client-no-progress-secs` while a frame waits to be
/// written, never for how long a frame takes. The next frame is taken from the outbox only
/// once the last one is written, so what waits meanwhile can still be coalesced or merged.
async fn serve_socket(
    socket: WebSocket,
    mut session: Session,
    mut outbox: Outbox,
    state: AppState,
    recheck: Option<Recheck>,
    wire: Wire,
) {
    tracing::debug!("connected");
    let mut access_changes = state.services.access.subscribe();
    let (mut sink, mut stream) = socket.split();
    let max_frame = state.limits.max_frame_bytes;
    let no_progress = state.limits.no_progress_after();
    let stats = state.metrics.connections.clone();
    let closing = outbox.closing();
    let mut ping = tokio::time::interval(state.limits.ping_every());
    ping.tick().await;
    let mut progress = tokio::time::interval(PROGRESS_CHECK);
    // Since when a frame (or a ping) has been handed to the socket and not all taken yet.
    let mut writing: Option<Instant> = None;
    let mut ping_due = false;
    let mut awaiting_pong = false;
    let close: Option<Close> = loop {
        tokio::select! {
            // In this order: a written frame is noticed before anything else, so that a
            // client's initial state counts as delivered as soon as it is; the outbox before
            // the client's frames, so that what the room sends goes out first.
            biased;
            _ = state.shutdown.cancelled() => {
                // 1012: the stock client reconnects at once, through the load balancer to
                // another node; what it had not yet sent here it sends there.
                break Some(Close::new(close_code::SERVICE_RESTART, DRAINING_REASON));
            }
            flushed = sink.flush(), if writing.is_some() => {
                writing = None;
                if flushed.is_err() {
                    break None;
                }
                wire.touch();
                outbox.sent();
                if std::mem::take(&mut ping_due) {
                    if sink.feed(Message::Ping(Default::default())).await.is_err() {
                        break None;
                    }
                    writing = Some(Instant::now());
                    awaiting_pong = true;
                }
            }
            close = closing.closed() => break Some(close),
            change = access_changes.recv(), if recheck.is_some() => {
                let Some(recheck) = &recheck else { continue };
                let relevant = match change {
                    Ok(change) => recheck.concerns(&change),
                    // Missed some announcements: re-check to be safe.
                    Err(broadcast::error::RecvError::Lagged(_)) => true,
                    Err(broadcast::error::RecvError::Closed) => false,
                };
                if !relevant {
                    continue;
                }
                match auth::recheck_doc(&state.services.db, &recheck.credential, &recheck.doc).await {
                    Ok(Access::None) => {
                        tracing::info!("access withdrawn; closing");
                        break Some(Close::new(close_code::ACCESS_REVOKED, "your access to this document was withdrawn"));
                    }
                    Ok(access) => {
                        if access != session.access() {
                            tracing::info!(?access, "access changed");
                            session.set_access(access);
                            stats.ws_access_changed.fetch_add(1, Relaxed);
                        }
                    }
                    // Cannot tell: fail closed, the client reconnects and asks again.
                    Err(e) => {
                        tracing::warn!(error = %e, "could not re-check access; closing");
                        break Some(Close::new(close_code::ACCESS_REVOKED, "your access could not be confirmed; reconnect"));
                    }
                }
            }
            _ = progress.tick() => {
                // Stalled: nothing moved since the frame was handed over, or since the last
                // byte of it moved, whichever is later.
                let stalled = writing.is_some_and(|since| since.elapsed().min(wire.idle()) >= no_progress);
                if stalled {
                    stats.ws_closed_no_progress.fetch_add(1, Relaxed);
                    tracing::info!(secs = no_progress.as_secs(), "no byte moved to the client; closing");
                    break Some(no_progress_close(no_progress));
                }
            }
            _ = ping.tick() => {
                if awaiting_pong {
                    // The pong may wait behind bytes the client has not read yet: only a
                    // socket to which nothing has moved for as long is taken for dead.
                    if writing.is_none() && wire.idle() >= no_progress {
                        stats.ws_closed_pong.fetch_add(1, Relaxed);
                        tracing::info!("no pong, and nothing moved to the client; closing");
                        break Some(Close::new(close_code::NO_PROGRESS, format!(
                            "客户端 {} 秒未回应心跳 / no pong and no byte moved for {} s; closing",
                            no_progress.as_secs(), no_progress.as_secs())));
                    }
                } else if writing.is_some() {
                    ping_due = true;
                } else {
                    if sink.feed(Message::Ping(Default::default())).await.is_err() {
                        break None;
                    }
                    writing = Some(Instant::now());
                    awaiting_pong = true;
                }
            }
            out = outbox.next(), if writing.is_none() => match out {
                Outgoing::Frame(frame) => {
                    // The sink is ready (the last frame is flushed): this only hands it over.
                    if sink.feed(Message::Binary(frame)).await.is_err() {
                        break None;
                    }
                    writing = Some(Instant::now());
                }
                Outgoing::Close(close) => break Some(close),
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Binary(frame))) => {
                    if frame.len() > max_frame {
                        break Some(too_big(frame.len(), max_frame));
                    }
                    if let Err(close) = session.receive(&frame).await {
                        tracing::info!(code = close.code, reason = %close.reason, "closing client");
                        break Some(close);
                    }
                }
                // Too large is said first, whatever the frame's type, as for binary frames.
                Some(Ok(Message::Text(text))) if text.len() > max_frame => {
                    break Some(too_big(text.len(), max_frame));
                }
                Some(Ok(Message::Text(_))) => {
                    break Some(Close::new(close_code::MALFORMED, "text frames are not part of the y-websocket protocol"));
                }
                Some(Ok(Message::Pong(_))) => awaiting_pong = false,
                // Pings are answered by the websocket layer itself.
                Some(Ok(Message::Ping(_))) => {}
                Some(Ok(Message::Close(_))) | None => break None,
                Some(Err(e)) => break read_error(e, max_frame),
            },
        }
    };
    if let Some(close) = close {
        let frame = CloseFrame {
            code: close.code,
            reason: close.reason.into(),
        };
        // What was being written goes first (a frame is never cut short); the close follows
        // for as long as bytes keep moving, so a client that reads again gets the reason.
        let grace = no_progress.min(CLOSE_GRACE);
        let send = sink.send(Message::Close(Some(frame)));
        tokio::pin!(send);
        let started = Instant::now();
        loop {
            tokio::select! {
                _ = &mut send => break,
                _ = tokio::time::sleep(PROGRESS_CHECK) => {
                    if started.elapsed().min(wire.idle()) >= grace {
                        break;
                    }
                }
            }
        }
    }
    drop(session);
    tracing::debug!("disconnected");
}

fn no_progress_close(after: Duration) -> Close {
    let secs = after.as_secs();
    Close::new(
        close_code::NO_PROGRESS,
        format!(
            "{secs} 秒内客户端未接收任何数据 / no byte reached the client for {secs} s; closing"
        ),
    )
}

/// What an open socket re-checks its access against when access changes are announced.
struct Recheck {
    /// `session:<id>` or `token:<id>`.
    credential: String,
    doc: DocId,
    user_id: String,
    org_id: String,
}

impl Recheck {
    fn concerns(&self, change: &crate::services::AccessChange) -> bool {
        // A change to a space may concern any document; the re-check is one indexed lookup.
        change.space_id.is_some()
            || change.credential.as_deref() == Some(self.credential.as_str())
            || change.user_id.as_deref() == Some(self.user_id.as_str())
            || change.org_id.as_deref() == Some(self.org_id.as_str())
    }
}

fn too_big(len: usize, max: usize) -> Close {
    Close::new(
        close_code::MESSAGE_TOO_BIG,
        format!("frame of {len} bytes exceeds the limit of {max} bytes"),
    )
}

/// A read error that still leaves the socket writable deserves a reason; the rest just end.
fn read_error(e: axum::Error, max_frame: usize) -> Option<Close> {
    let inner = e.into_inner();
    match inner.downcast_ref::<tungstenite::Error>() {
        Some(tungstenite::Error::Capacity(_)) => Some(Close::new(
            close_code::MESSAGE_TOO_BIG,
            format!("frame exceeds the limit of {max_frame} bytes"),
        )),
        Some(tungstenite::Error::Protocol(p)) => {
            Some(Close::new(1002, format!("websocket protocol error: {p}")))
        }
        _ => None,
    }
}
