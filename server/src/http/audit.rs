//! The audit trail over HTTP, as JSON pages or one CSV file: thin handlers over
//! [`crate::work::audit`].

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
use crate::work::audit::{self, AuditPage, ChainVerdict};
use crate::work::by::By;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(page))
        .routes(routes!(csv_export))
        .routes(routes!(verify))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// Only rows of this organization's actors; required for an org admin.
    org_id: Option<String>,
    /// Rows older than this sequence number (the previous page's `next_before`).
    before: Option<i64>,
    /// At most this many (1 to 500; 100 when not given).
    limit: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct CsvQuery {
    /// Only rows of this organization's actors; required for an org admin.
    org_id: Option<String>,
}

/// 审计日志: a page of the audit trail, newest first.
#[utoipa::path(
    get, path = "/api/audit", tag = "audit", operation_id = "audit_page", params(AuditQuery),
    responses((status = 200, description = "a page of rows", body = AuditPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn page(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let org_id = q.org_id.as_deref();
    Ok(Json(
        audit::page(&state.services, &caller, org_id, q.before, q.limit).await?,
    ))
}

/// The audit trail as one CSV file, with both chain hashes of every row.
#[utoipa::path(
    get, path = "/api/audit.csv", tag = "audit", operation_id = "audit_csv", params(CsvQuery),
    responses((status = 200, description = "the rows, newest first",
        content_type = "text/csv", body = String), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn csv_export(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CsvQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let body = audit::csv(&state.services, &caller, q.org_id.as_deref()).await?;
    let disposition = "attachment; filename=\"concord-audit.csv\"";
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    ))
}

/// 审计链核验: recomputes the trail's hash chain and checks it against the signed log's
/// anchors, as `concord admin audit-verify` does (operators).
#[utoipa::path(
    get, path = "/api/audit/verify", tag = "audit", operation_id = "audit_verify",
    responses((status = 200, description = "whether the chain holds, and how far it is anchored",
        body = ChainVerdict), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn verify(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ChainVerdict>, ApiError> {
    Ok(Json(
        audit::chain_verdict(&state.services.db, By::Caller(&caller)).await?,
    ))
}
