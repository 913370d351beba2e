//! Dispute statistics (争议统计) over HTTP, as JSON or as one CSV file: thin handlers over
//! [`crate::work::dispute_stats`].
//!
//! A judicial bureau reads its own region and the regions below it, an operator any region;
//! a bureau asking for a sibling's or a higher region is refused (403): regions are public,
//! and the table names no single dispute. An unknown region is 404.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use crate::work::dispute_stats::{self, DisputeStats, StatsQuery};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stats))
        .routes(routes!(stats_csv))
}

/// The query of a region's statistics table (disputes by the day they were raised, referrals
/// by the day they were sent).
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatsParams {
    /// The region's code; the caller's body's region when not given.
    region: Option<String>,
    /// The first date counted, `YYYY-MM-DD` (Beijing); 1 January of the period's year when
    /// not given.
    from: Option<String>,
    /// The last date counted, `YYYY-MM-DD` (Beijing), included; 31 December of the period's
    /// year when not given. At most ten years after `from`.
    to: Option<String>,
}

impl StatsParams {
    pub(crate) fn query(&self) -> StatsQuery<'_> {
        StatsQuery {
            region: self.region.as_deref(),
            from: self.from.as_deref(),
            to: self.to.as_deref(),
        }
    }
}

/// 争议统计: per child region, the region itself and in total, the disputes raised in the
/// period, settled, escalated, decided, not accepted, withdrawn, open and overdue now, and the
/// working days to settle and to decide (median, 90th percentile).
#[utoipa::path(
    get, path = "/api/disputes/stats", tag = "disputes", operation_id = "disputes_stats",
    params(StatsParams),
    responses((status = 200, description = "the table", body = DisputeStats), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<StatsParams>,
) -> Result<Json<DisputeStats>, ApiError> {
    Ok(Json(
        dispute_stats::table(&state.services, &caller, q.query()).await?,
    ))
}

/// The same table as one CSV file (UTF-8 with a byte order mark, a Chinese header row).
#[utoipa::path(
    get, path = "/api/disputes/stats.csv", tag = "disputes", operation_id = "disputes_stats_csv",
    params(StatsParams),
    responses((status = 200, description = "the table",
        content_type = "text/csv", body = String), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn stats_csv(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<StatsParams>,
) -> Result<impl IntoResponse, ApiError> {
    let (name, body) = dispute_stats::csv(&state.services, &caller, q.query()).await?;
    Ok(csv_response(&name, body))
}

/// A CSV file as a download named `name`.
pub(crate) fn csv_response(name: &str, body: Vec<u8>) -> impl IntoResponse {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
}
