//! The durable inbox (`GET /api/inbox`): every event addressed to the caller or to the
//! caller's body, newest first, paged backwards by `before` (an event id).
//!
//! The same events arrive live over `/api/events`; the inbox is what is still there after the
//! browser was closed.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::extract::{Json, Query};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/inbox", get(inbox))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InboxQuery {
    /// Only events older than this id (the previous page's `next_before`).
    before: Option<i64>,
    limit: Option<i64>,
}

async fn inbox(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<InboxQuery>,
) -> Result<Json<Value>, ApiError> {
    let (limit, _) = crate::work::page(query.limit, None)?;
    let page = crate::work::inbox(&state, &caller, query.before, limit).await?;
    let events: Vec<Value> = page.events.iter().map(crate::jobs::event_json).collect();
    Ok(Json(
        json!({ "events": events, "next_before": page.next_before }),
    ))
}
