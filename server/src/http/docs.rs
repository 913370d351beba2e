//! `/ws/docs/{doc_id}`: the standard y-websocket protocol, one document per socket.
//!
//! The handler admits (authorizes and joins the room before upgrading, so an unknown ticket
//! is a 401 and an unreachable database a 503, not a socket that closes at once), then hands
//! the socket to [`serve_socket`], which only moves bytes between the socket and the `collab`
//! session. All protocol logic is in `collab`.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use collab::{close_code, Access, Close, DocId, Outbox, Outgoing, Session};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast;
use tracing::Instrument;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

/// The close reason a draining node gives (at most 123 bytes, as a close frame allows).
const DRAINING_REASON: &str = "服务重启，请重新连接 / the server is restarting; reconnect";

/// A client that does not take a frame within this time is treated as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

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
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let doc = DocId::parse(&doc_id).map_err(|e| ApiError::BadRequest(e.to_string().into()))?;
    let grant =
        auth::authorize_doc(state.doc_gate(), query.ticket.as_deref(), &headers, &doc).await?;
    let ws =
        ws.map_err(|_| ApiError::BadRequest(crate::domain::phrases::WEBSOCKET_ONLY.message()))?;
    let admitted = join(&state, doc, grant).await?;
    Ok(accept(ws, state, admitted))
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
fn accept(ws: WebSocketUpgrade, state: AppState, admitted: Admitted) -> Response {
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
                serve_socket(socket, session, outbox, state, recheck).instrument(span),
            )
        })
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
                // 1012: the stock client reconnects at once, through the load balancer to
                // another node; what it had not yet sent here it sends there.
                break Some(Close::new(close_code::SERVICE_RESTART, DRAINING_REASON));
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
