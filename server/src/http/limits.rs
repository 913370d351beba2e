//! Time limits by region (时限设置) over HTTP: thin handlers over [`crate::work::limits`].

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::limits::{self, LimitInput, RegionLimits};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(set, clear))
}

/// 时限设置: a region's effective time limits, each with where it comes from (the region
/// itself, a region above it, the deployment, the built-in default). Anyone signed in.
#[utoipa::path(
    get, path = "/api/regions/{code}/limits", tag = "directory", operation_id = "region_limits",
    params(("code" = String, Path, description = "the region's code, e.g. 330102")),
    responses((status = 200, description = "the region's limits", body = RegionLimits), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<RegionLimits>, ApiError> {
    let region = limits::region_of(&code)?;
    Ok(Json(limits::show(&state.services, &caller, &region).await?))
}

/// Sets the region's own limit of a kind (an operator, or an admin of the region's own
/// judicial bureau), in the kind's unit, 1 to 365; answers the region's limits after it.
#[utoipa::path(
    put, path = "/api/regions/{code}/limits/{kind}", tag = "directory",
    operation_id = "region_limit_set",
    params(
        ("code" = String, Path, description = "the region's code, e.g. 330102"),
        ("kind" = String, Path, description = "dispute_negotiation, notice_remind, …"),
    ),
    request_body = LimitInput,
    responses((status = 200, description = "the region's limits after the change", body = RegionLimits), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn set(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, kind)): Path<(String, String)>,
    Json(body): Json<LimitInput>,
) -> Result<Json<RegionLimits>, ApiError> {
    let (region, kind) = (limits::region_of(&code)?, limits::kind_of(&kind)?);
    let after = limits::set(&state.services, &caller, &region, kind, body).await?;
    Ok(Json(after))
}

/// Clears the region's own limit of a kind, so it inherits again; answers the region's
/// limits after it. Clearing one the region never set changes nothing.
#[utoipa::path(
    delete, path = "/api/regions/{code}/limits/{kind}", tag = "directory",
    operation_id = "region_limit_clear",
    params(
        ("code" = String, Path, description = "the region's code, e.g. 330102"),
        ("kind" = String, Path, description = "dispute_negotiation, notice_remind, …"),
    ),
    responses((status = 200, description = "the region's limits after the change", body = RegionLimits), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn clear(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, kind)): Path<(String, String)>,
) -> Result<Json<RegionLimits>, ApiError> {
    let (region, kind) = (limits::region_of(&code)?, limits::kind_of(&kind)?);
    let after = limits::clear(&state.services, &caller, &region, kind).await?;
    Ok(Json(after))
}
