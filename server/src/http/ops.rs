//! Health, readiness and metrics for operators, and the gate that refuses requests while the
//! node drains.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
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
/// messages on Redis), and the node is not draining: it can take traffic.
#[utoipa::path(
    get, path = "/readyz", tag = "operations", operation_id = "readyz",
    responses(
        (status = 200, description = "the database answers, and Redis when configured", body = Health),
        (status = 503, description = "the node is draining before it stops, or the database or the configured Redis does not answer", body = ErrorBody)
    )
)]
async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    // First, and without asking the database: a load balancer must stop sending at once.
    if state.shutdown.is_cancelled() {
        return Err(ApiError::Draining);
    }
    let db = &state.services.db;
    db.ping()
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

/// Routes that answer while the node drains: an operator and a load balancer still see it.
const ANSWERED_WHILE_DRAINING: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Middleware: while the node drains, every request but health and metrics is refused with
/// 503 and `Connection: close` (a websocket upgrade too, so the client's retry goes through
/// the load balancer to another node); before that, each request is tracked so the drain can
/// wait for it.
pub(crate) async fn drain_gate(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if ANSWERED_WHILE_DRAINING.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    // Tracked before the check: the drain cancels before it waits, so a request that passes
    // the check is one the drain waits for.
    let tracked = state.requests.track_future(next.run(request));
    if state.shutdown.is_cancelled() {
        let mut refused = ApiError::Draining.into_response();
        let headers = refused.headers_mut();
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return refused;
    }
    tracked.await
}
