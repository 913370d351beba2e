//! A judicial bureau's supervision desk (监督台) over HTTP: a thin handler over
//! [`crate::work::supervision`].
//!
//! A person of a judicial bureau reads the desk of its region and the regions below it; a
//! bureau asking for a sibling's or a higher region, an operator, a token and every other body
//! are refused (403): regions are public, and the refusal names no piece of work. An unknown
//! region is 404.
//!
//! The desk answers counts per body and kind and the region's most urgent lines; the lines
//! behind a body's count come a page at a time from `GET /api/supervision/desk/lines`, under
//! the same rule (the region named, or the caller's body's).

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use crate::work::supervision::{self, DeskLines, DeskLinesQuery, SupervisionDesk};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(desk))
        .routes(routes!(desk_lines))
}

/// The query of a supervision desk.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeskParams {
    /// The region's code; the caller's body's region when not given.
    region: Option<String>,
}

/// 监督台: in the region and below, what is overdue, unacknowledged or escalated (督办), by the
/// body that owes it: tasks past their deadline, notifications not acknowledged (签收) past
/// their limit, referrals whose stage is past its limit, disputes whose stage is past its limit
/// or which wait for a bureau to accept them, rectification reports and annual reports
/// overdue. Every body that owes something with its counts per kind, and the region's most
/// urgent lines (at most `first_page` of each kind) under their bodies; a body's other lines
/// come from `GET /api/supervision/desk/lines`. Each line names its piece of work, its kind and
/// id (the page to open).
#[utoipa::path(
    get, path = "/api/supervision/desk", tag = "supervision",
    operation_id = "supervision_desk", params(DeskParams),
    responses((status = 200, description = "the desk", body = SupervisionDesk), Refusals),
    security(("session" = []))
)]
async fn desk(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DeskParams>,
) -> Result<Json<SupervisionDesk>, ApiError> {
    Ok(Json(
        supervision::desk(&state.services, &caller, q.region.as_deref()).await?,
    ))
}

/// The query of a page of one body's desk lines.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeskLinesParams {
    /// The region's code, as for the desk; the caller's body's region when not given.
    region: Option<String>,
    /// `task`, `notice`, `referral`, `dispute`, `supervision` or `annual_report`.
    kind: String,
    /// The body that owes the lines (its id, as the desk names it).
    org: String,
    /// The `next` of the page before; the first page when not given.
    after: Option<String>,
    /// Lines per page, 1 to 200; 50 when not given.
    limit: Option<u32>,
}

/// The lines behind one of the desk's counts: of one kind, owed by one body, in the region (as
/// the desk counts them), the earliest due first, a page at a time (`next` → `after`). A bad
/// kind, cursor or page size is a 400 that says which.
#[utoipa::path(
    get, path = "/api/supervision/desk/lines", tag = "supervision",
    operation_id = "supervision_desk_lines", params(DeskLinesParams),
    responses((status = 200, description = "a page of the body's lines", body = DeskLines), Refusals),
    security(("session" = []))
)]
async fn desk_lines(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DeskLinesParams>,
) -> Result<Json<DeskLines>, ApiError> {
    let query = DeskLinesQuery {
        region: q.region.as_deref(),
        kind: &q.kind,
        org: &q.org,
        after: q.after.as_deref(),
        limit: q.limit,
    };
    Ok(Json(
        supervision::desk_lines(&state.services, &caller, &query).await?,
    ))
}
