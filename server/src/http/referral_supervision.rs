//! The supervision of referrals over HTTP: the statistics (移送统计), as JSON or as one CSV
//! file, and the procuratorate's suggestion to refer (建议移送): thin handlers over
//! [`crate::work::referral_stats`] and [`crate::work::referral_suggestions`].
//!
//! A judicial bureau or a procuratorate reads its own region and the regions below it, an
//! operator any region; anyone else, or a sibling or higher region, is refused (403): regions
//! are public, and the table names no single referral. An unknown region is 404.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dispute_stats::{csv_response, StatsParams};
use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use crate::work::notices::NoticeBody;
use crate::work::referral_stats::{self, ReferralStats};
use crate::work::referral_suggestions::{self, SuggestReferral};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stats))
        .routes(routes!(stats_csv))
        .routes(routes!(suggest))
}

/// 建议移送: a procuratorate writes to an enforcement body of its region about a case that
/// should be referred as a suspected crime; a case letter requiring 签收 and a reply by the
/// due time.
#[utoipa::path(
    post, path = "/api/referrals/suggestions", tag = "referrals",
    operation_id = "referrals_suggest",
    request_body = SuggestReferral,
    responses((status = 201, description = "the case letter sent", body = NoticeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn suggest(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<SuggestReferral>,
) -> Result<(StatusCode, Json<NoticeBody>), ApiError> {
    let notice = referral_suggestions::suggest(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(notice)))
}

/// 移送统计: per child region, the region itself and in total, by kind, the referrals sent in
/// the period, received (and on time), accepted, not accepted, returned, withdrawn, open and
/// overdue now, and the median working days to receipt and to decision. A procuratorate
/// counts the suspected crimes alone; clues to discipline inspection are counted by no one.
#[utoipa::path(
    get, path = "/api/referrals/stats", tag = "referrals", operation_id = "referrals_stats",
    params(StatsParams),
    responses((status = 200, description = "the table", body = ReferralStats), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<StatsParams>,
) -> Result<Json<ReferralStats>, ApiError> {
    Ok(Json(
        referral_stats::table(&state.services, &caller, q.query()).await?,
    ))
}

/// The same table as one CSV file (UTF-8 with a byte order mark, a Chinese header row).
#[utoipa::path(
    get, path = "/api/referrals/stats.csv", tag = "referrals", operation_id = "referrals_stats_csv",
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
    let (name, body) = referral_stats::csv(&state.services, &caller, q.query()).await?;
    Ok(csv_response(&name, body))
}
