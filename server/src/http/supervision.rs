//! A judicial bureau's supervision desk (监督台) over HTTP: a thin handler over
//! [`crate::work::supervision`].
//!
//! A person of a judicial bureau reads the desk of its region and the regions below it; a
//! bureau asking for a sibling's or a higher region, an operator, a token and every other body
//! are refused (403): regions are public, and the refusal names no piece of work. An unknown
//! region is 404.

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use crate::work::supervision::{self, SupervisionDesk};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(desk))
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
/// or which wait for a bureau to accept them. Each line names its piece of work, its kind and
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
