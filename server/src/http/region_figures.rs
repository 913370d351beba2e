//! The region's figures (评议考核) over HTTP, as JSON, as one CSV file or as an `.xlsx`
//! workbook: thin handlers over [`crate::work::region_figures`].
//!
//! Who may read which region is the dispute statistics' rule: a judicial bureau its own region
//! and the regions below it, an operator any region; anyone else, or a sibling or higher
//! region, is refused (403): regions are public, and the figures are counts. An unknown region
//! is 404.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dispute_stats::{csv_response, StatsParams};
use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use crate::work::region_figures::{self, RegionFigures};

/// The media type of an `.xlsx` workbook.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(figures))
        .routes(routes!(figures_csv))
        .routes(routes!(figures_xlsx))
}

/// 评议考核: per body of the region and below, in the period, its tasks set, assigned and
/// overdue (with the rate), notices sent and left unacknowledged past their limit, meetings
/// convened and held (and a bureau's annual meeting), disputes raised by and against it,
/// settled, decided and the median working days to settle, referrals sent and received,
/// received and decided on time. Supervision documents are not counted yet (`null`).
#[utoipa::path(
    get, path = "/api/figures", tag = "figures", operation_id = "figures",
    params(StatsParams),
    responses((status = 200, description = "the figures", body = RegionFigures), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn figures(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<StatsParams>,
) -> Result<Json<RegionFigures>, ApiError> {
    Ok(Json(
        region_figures::figures(&state.services, &caller, q.query()).await?,
    ))
}

/// The same figures as one CSV file (UTF-8 with a byte order mark, a Chinese header row).
#[utoipa::path(
    get, path = "/api/figures.csv", tag = "figures", operation_id = "figures_csv",
    params(StatsParams),
    responses((status = 200, description = "the figures",
        content_type = "text/csv", body = String), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn figures_csv(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<StatsParams>,
) -> Result<impl IntoResponse, ApiError> {
    let (name, body) = region_figures::csv(&state.services, &caller, q.query()).await?;
    Ok(csv_response(&name, body))
}

/// The same figures as an `.xlsx` workbook: a title line, the Chinese header row, one row per
/// body, counts as numbers.
#[utoipa::path(
    get, path = "/api/figures.xlsx", tag = "figures", operation_id = "figures_xlsx",
    params(StatsParams),
    responses((status = 200, description = "the figures",
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        body = Vec<u8>), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn figures_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<StatsParams>,
) -> Result<impl IntoResponse, ApiError> {
    let (name, body) = region_figures::xlsx(&state.services, &caller, q.query()).await?;
    let disposition = format!("attachment; filename=\"{name}\"");
    Ok((
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    ))
}
