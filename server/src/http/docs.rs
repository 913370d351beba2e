//! `/ws/docs/{doc_id}`: the standard y-websocket protocol, one document per socket.
//!
//! The handler authorizes (a ticket, or the session cookie with this server's Origin), joins the room *before* upgrading (so an unknown
//! ticket is a 401 and an unreachable database a 503, not a socket that closes at once), then
//! hands the socket to [`serve_socket`], which only moves bytes between the socket and the
//! `collab` session. All protocol logic is in `collab`.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use collab::{close_code, Access, Close, DocId, Outbox, Outgoing, Session};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast;
use tracing::Instrument;

use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/ws/docs/{doc_id}", get(upgrade))
}

#[derive(Debug, Deserialize)]
struct TicketQuery {
    ticket: Option<String>,
}

/// Initial read buffer of a socket.
const SOCKET_BUFFER: usize = 4 * 1024;

/// A client that does not take a frame within this time is treated as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

async fn upgrade(
    State(state): State<AppState>,
    Path(doc_id): Path<String>,
    Query(query): Query<TicketQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let doc = DocId::parse(&doc_id).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let grant =
        auth::authorize_doc(state.doc_gate(), query.ticket.as_deref(), &headers, &doc).await?;
    let (principal, access) = (grant.principal, grant.access);
    let recheck = grant.credential.map(|credential| Recheck {
        credential,
        doc: doc.clone(),
        user_id: principal.user_id.clone(),
        org_id: principal.org.clone(),
    });
    let ws = ws.map_err(|_| {
        ApiError::BadRequest(
            "this address speaks the y-websocket protocol: open it as a WebSocket".into(),
        )
    })?;
    let user = principal.user_id.clone();
    let (session, outbox) =
        Session::join(&state.services.rooms, doc.clone(), principal, access).await?;
    let span = tracing::info_span!("ws", doc = %doc, user = %user, access = ?access);
    // Leave headroom above the limit so that a frame slightly too large is read and refused
    // with a reason, rather than failing inside the websocket codec.
    let codec_limit = state
        .limits
        .max_frame_bytes
        .saturating_mul(2)
        .max(64 * 1024);
    Ok(ws
        .max_message_size(codec_limit)
        .max_frame_size(codec_limit)
        // tungstenite's defaults (128 KiB each way) would cost 256 KiB per idle client; most
        // y-websocket messages are tens of bytes. Buffers still grow for a large frame.
        .read_buffer_size(SOCKET_BUFFER)
        .write_buffer_size(0)
        .on_upgrade(move |socket| {
            let connections = state.connections.clone();
            connections.track_future(
                serve_socket(socket, session, outbox, state, recheck).instrument(span),
            )
        }))
}

/// Moves frames between one socket and its session until either side ends it.
async fn serve_socket(
    socket: WebSocket,
    mut session: Session,
    mut outbox: Outbox,
    state: AppState,
    recheck: Option<Recheck>,
) {
    tracing::debug!("connected");
    let mut access_changes = state.services.access.subscribe();
    let (mut sink, mut stream) = socket.split();
    let max_frame = state.limits.max_frame_bytes;
    let mut ping = tokio::time::interval(state.limits.ping_every());
    ping.tick().await;
    let mut awaiting_pong = false;
    let close: Option<Close> = loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => {
                break Some(Close::new(close_code::GOING_AWAY, "the server is shutting down; reconnect shortly"));
            }
            out = outbox.next() => match out {
                Outgoing::Frame(frame) => {
                    match tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Binary(frame))).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => break None,
                        Err(_) => {
                            tracing::info!("client stopped reading; closing");
                            break None;
                        }
                    }
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
                Some(Ok(Message::Text(_))) => {
                    break Some(Close::new(close_code::MALFORMED, "text frames are not part of the y-websocket protocol"));
                }
                Some(Ok(Message::Pong(_))) => awaiting_pong = false,
                // Pings are answered by the websocket layer itself.
                Some(Ok(Message::Ping(_))) => {}
                Some(Ok(Message::Close(_))) | None => break None,
                Some(Err(e)) => break read_error(e, max_frame),
            },
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
                        }
                    }
                    // Cannot tell: fail closed, the client reconnects and asks again.
                    Err(e) => {
                        tracing::warn!(error = %e, "could not re-check access; closing");
                        break Some(Close::new(close_code::ACCESS_REVOKED, "your access could not be confirmed; reconnect"));
                    }
                }
            }
            _ = ping.tick() => {
                if awaiting_pong {
                    tracing::info!("no pong since the last ping; closing dead socket");
                    break None;
                }
                awaiting_pong = true;
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break None;
                }
            }
        }
    };
    if let Some(close) = close {
        let frame = CloseFrame {
            code: close.code,
            reason: close.reason.into(),
        };
        let _ = tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
    }
    drop(session);
    tracing::debug!("disconnected");
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
