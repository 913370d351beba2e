//! A body's webhooks and mailbox over HTTP: thin handlers over [`crate::work::webhooks`].

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::db::Webhook;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::work::webhooks::{
    self, CreateWebhook, CreatedWebhook, DeliveryLog, Mailbox, SetMailbox, SetWebhookActive,
    WebhookList,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(set_active))
        .routes(routes!(deliveries))
        .routes(routes!(mailbox, set_mailbox))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct DeliveriesQuery {
    /// At most this many (1 to 500; 100 when not given).
    limit: Option<i64>,
}

/// A body's outgoing webhooks (its admins).
#[utoipa::path(
    get, path = "/api/orgs/{id}/webhooks", tag = "webhooks", operation_id = "webhooks_list",
    params(("id" = String, Path, description = "the organization's id")),
    responses((status = 200, description = "the webhooks", body = WebhookList), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
) -> Result<Json<WebhookList>, ApiError> {
    Ok(Json(
        webhooks::list(&state.services, &caller, &org_id).await?,
    ))
}

/// Registers a webhook; the secret that signs its calls is answered this once.
#[utoipa::path(
    post, path = "/api/orgs/{id}/webhooks", tag = "webhooks", operation_id = "webhooks_create",
    params(("id" = String, Path, description = "the organization's id")),
    request_body = CreateWebhook,
    responses((status = 201, description = "the webhook, with its secret", body = CreatedWebhook), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    Json(body): Json<CreateWebhook>,
) -> Result<(StatusCode, Json<CreatedWebhook>), ApiError> {
    let webhook = webhooks::create(&state.services, &caller, &org_id, body).await?;
    Ok((StatusCode::CREATED, Json(webhook)))
}

/// Turns a webhook on or off.
#[utoipa::path(
    put, path = "/api/webhooks/{id}/active", tag = "webhooks", operation_id = "webhooks_set_active",
    params(("id" = String, Path, description = "the webhook's id")),
    request_body = SetWebhookActive,
    responses((status = 200, description = "the webhook as changed", body = Webhook), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn set_active(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<SetWebhookActive>,
) -> Result<Json<Webhook>, ApiError> {
    Ok(Json(
        webhooks::set_active(&state.services, &caller, &id, body).await?,
    ))
}

/// A webhook's delivery attempts, newest first.
#[utoipa::path(
    get, path = "/api/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "webhooks_deliveries",
    params(("id" = String, Path, description = "the webhook's id"), DeliveriesQuery),
    responses((status = 200, description = "the delivery log", body = DeliveryLog), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<DeliveriesQuery>,
) -> Result<Json<DeliveryLog>, ApiError> {
    Ok(Json(
        webhooks::deliveries(&state.services, &caller, &id, query.limit).await?,
    ))
}

/// 机构邮箱: the address a body's events are e-mailed to (its admins).
#[utoipa::path(
    get, path = "/api/orgs/{id}/mailbox", tag = "webhooks", operation_id = "mailbox_show",
    params(("id" = String, Path, description = "the organization's id")),
    responses((status = 200, description = "the mailbox", body = Mailbox), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn mailbox(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
) -> Result<Json<Mailbox>, ApiError> {
    Ok(Json(
        webhooks::mailbox(&state.services, &caller, &org_id).await?,
    ))
}

/// Sets (or with `null` removes) a body's mailbox.
#[utoipa::path(
    put, path = "/api/orgs/{id}/mailbox", tag = "webhooks", operation_id = "mailbox_set",
    params(("id" = String, Path, description = "the organization's id")),
    request_body = SetMailbox,
    responses((status = 200, description = "the mailbox as set", body = Mailbox), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn set_mailbox(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    Json(body): Json<SetMailbox>,
) -> Result<Json<Mailbox>, ApiError> {
    Ok(Json(
        webhooks::set_mailbox(&state.services, &caller, &org_id, body).await?,
    ))
}
