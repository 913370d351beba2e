//! The durable inbox (`GET /api/inbox`): every event addressed to the caller or to the
//! caller's body, newest first, paged backwards by `before` (an event id).
//!
//! The same events arrive live over `/api/events`; the inbox is what is still there after the
//! browser was closed.

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use crate::work::InboxPage;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(inbox))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct InboxQuery {
    /// Only events older than this id (the previous page's `next_before`).
    before: Option<i64>,
    /// At most this many (1 to 200; 50 when not given).
    limit: Option<i64>,
}

/// 收件箱: the events of the caller and their body, newest first.
#[utoipa::path(
    get, path = "/api/inbox", tag = "inbox", operation_id = "inbox", params(InboxQuery),
    responses((status = 200, description = "a page of events", body = InboxPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn inbox(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<InboxQuery>,
) -> Result<Json<InboxPage>, ApiError> {
    let (limit, _) = crate::work::page(query.limit, None)?;
    Ok(Json(
        crate::work::inbox(&state.services, &caller, query.before, limit).await?,
    ))
}
