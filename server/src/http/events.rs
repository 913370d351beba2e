//! `GET /api/events`: the caller's events as Server-Sent Events, live and resumable, over
//! [`crate::work::events`].
//!
//! Each event is `id: <seq>`, `event: <kind>`, `data: {"id", "kind", "subject", "at",
//! "payload"}`. A client that reconnects with `Last-Event-ID: <seq>` (browsers do it by
//! themselves) or `?after=<seq>` gets every event it missed, exactly once, then the live ones;
//! how that holds is the operation's business. This module only frames the events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::db::Event;
use crate::error::{ApiError, Refusals};
use crate::http::extract::Query;
use crate::services::{event_json, EventBody};
use crate::state::AppState;
use crate::work::events::{self, Resume};

/// A comment line this often keeps proxies from closing an idle stream.
const HEARTBEAT: Duration = Duration::from_secs(15);

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct StreamQuery {
    /// Start after this event (for clients that cannot send `Last-Event-ID`).
    after: Option<i64>,
}

/// 实时事件: the caller's events as they happen (Server-Sent Events); each `data:` is one
/// event.
#[utoipa::path(
    get, path = "/api/events", tag = "events", operation_id = "events_stream",
    params(
        StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "the last event seen; browsers send it when they reconnect")
    ),
    responses((status = 200, description = "the stream; each event's `data:` is this body",
        content_type = "text/event-stream", body = EventBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn stream(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let resume = Resume {
        last_event_id: headers.get("last-event-id").map(|v| v.as_bytes()),
        after: query.after,
    };
    let events = events::follow(&state.services, caller, resume, state.shutdown.clone()).await?;
    let frames = events.map(|event| Ok(sse_event(&event)));
    Ok(Sse::new(frames).keep_alive(KeepAlive::new().interval(HEARTBEAT)))
}

fn sse_event(event: &Event) -> SseEvent {
    SseEvent::default()
        .id(event.seq.to_string())
        .event(event.kind.clone())
        .data(event_json(event))
}
