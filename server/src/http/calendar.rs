//! The working-day calendar over HTTP: thin handlers over [`crate::work::calendar`].

use axum::body::Bytes;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::calendar::{self, CalendarYear, LoadedYear};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show, load))
}

/// 工作日历: the statutory holidays and worked weekend days (调休) of a year.
#[utoipa::path(
    get, path = "/api/calendar/{year}", tag = "calendar", operation_id = "calendar_year",
    params(("year" = String, Path, description = "four digits, e.g. 2026")),
    responses((status = 200, description = "the year's listed days", body = CalendarYear), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    _caller: Caller,
    Path(year): Path<String>,
) -> Result<Json<CalendarYear>, ApiError> {
    let year = calendar::year_of(&year)?;
    Ok(Json(calendar::year(&state.services, year).await?))
}

/// Replaces a year's days with a year file like `calendar/2026.json` (operators only).
#[utoipa::path(
    put, path = "/api/calendar/{year}", tag = "calendar", operation_id = "calendar_load",
    params(("year" = String, Path, description = "four digits, e.g. 2026")),
    request_body(content = String, content_type = "application/json",
        description = "a year file: {\"year\", \"source\", \"days\": [{\"date\", \"kind\", \"name\"}]}"),
    responses((status = 200, description = "the year is loaded", body = LoadedYear), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn load(
    State(state): State<AppState>,
    caller: Caller,
    Path(year): Path<String>,
    body: Bytes,
) -> Result<Json<LoadedYear>, ApiError> {
    let year = calendar::year_of(&year)?;
    Ok(Json(
        calendar::load(&state.services, &caller, year, &body).await?,
    ))
}
