//! Health, readiness and metrics for operators.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// How the node is.
#[derive(Debug, Serialize, ToSchema)]
struct Health {
    /// `ok` (the process serves HTTP) or `ready` (the database answers too).
    status: &'static str,
}

/// The process is up and serving HTTP.
#[utoipa::path(
    get, path = "/healthz", tag = "operations", operation_id = "healthz",
    responses((status = 200, description = "the process serves HTTP", body = Health))
)]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The database answers (and, with several nodes, this node is subscribed to the others'
/// messages on Redis): the node can take traffic.
#[utoipa::path(
    get, path = "/readyz", tag = "operations", operation_id = "readyz",
    responses(
        (status = 200, description = "the database answers, and Redis when configured", body = Health),
        (status = 503, description = "the database or the configured Redis does not answer", body = ErrorBody)
    )
)]
async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state
        .services
        .db
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(e.into()))?;
    if state.cluster.as_ref().is_some_and(|c| !c.connected()) {
        return Err(ApiError::Unavailable(anyhow::anyhow!(
            "not subscribed to the other nodes' messages on Redis"
        )));
    }
    Ok(Json(Health { status: "ready" }))
}

/// Prometheus metrics (OpenMetrics text): connections, rooms, updates, commits, queues.
#[utoipa::path(
    get, path = "/metrics", tag = "operations", operation_id = "metrics",
    responses((status = 200, description = "OpenMetrics text",
        content_type = "application/openmetrics-text", body = String))
)]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
