//! A body's outgoing webhooks (to its own systems) and its official mailbox (机构邮箱).
//!
//! Only the body's admins manage them; API tokens and operators never do (a token could
//! otherwise send the body's events anywhere). The secret that signs the calls is answered
//! once, at creation, and never again. Each webhook keeps a log of every delivery attempt.
//! How calls are signed and retried: `crate::jobs` (webhook.rs).

use std::str::FromStr;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::session::new_secret;
use crate::auth::Caller;
use crate::db::{Delivery, NewWebhook, Webhook};
use crate::domain::policy::Action;
use crate::error::ApiError;
use crate::http::extract::{Json, Path, Query};
use crate::state::AppState;

/// Longest accepted webhook URL and description, in characters.
const MAX_URL_CHARS: usize = 2000;
const MAX_DESCRIPTION_CHARS: usize = 500;

/// Delivery log lines answered at most.
const MAX_DELIVERIES: i64 = 500;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orgs/{id}/webhooks", get(list).post(create))
        .route("/api/webhooks/{id}/active", put(set_active))
        .route("/api/webhooks/{id}/deliveries", get(deliveries))
        .route("/api/orgs/{id}/mailbox", get(mailbox).put(set_mailbox))
}

fn webhook_json(webhook: &Webhook) -> Value {
    json!({
        "id": webhook.id,
        "org_id": webhook.org_id,
        "url": webhook.url,
        "description": webhook.description,
        "active": webhook.active,
        "created_by": webhook.created_by,
        "created_at": webhook.created_at,
    })
}

fn delivery_json(d: &Delivery) -> Value {
    json!({
        "id": d.id,
        "webhook_id": d.webhook_id,
        "event_seq": d.event_seq,
        "job_id": d.job_id,
        "attempt": d.attempt,
        "at": d.at,
        "outcome": d.outcome,
        "http_status": d.http_status,
        "error": d.error,
        "duration_ms": d.duration_ms,
    })
}

/// The organization must exist (404) and the caller must be one of its admins (403).
async fn managed_org(
    state: &AppState,
    caller: &Caller,
    org_id: &str,
    action: Action<'_>,
) -> Result<(), ApiError> {
    if state.services.db.org(org_id).await?.is_none() {
        return Err(ApiError::NotFound("no organization with this id".into()));
    }
    Ok(caller.allow(&state.services.db, action).await?)
}

/// The webhook, if the caller manages its body; otherwise "not found", so ids cannot be
/// probed (the refusal is audited).
async fn managed_webhook(state: &AppState, caller: &Caller, id: &str) -> Result<Webhook, ApiError> {
    let not_found = || ApiError::NotFound("no webhook with this id".into());
    let webhook = state.services.db.webhook(id).await?.ok_or_else(not_found)?;
    let action = Action::ManageWebhooks {
        org_id: &webhook.org_id,
    };
    if caller.allow(&state.services.db, action).await.is_err() {
        return Err(not_found());
    }
    Ok(webhook)
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    managed_org(
        &state,
        &caller,
        &org_id,
        Action::ManageWebhooks { org_id: &org_id },
    )
    .await?;
    let webhooks: Vec<Value> = state
        .services
        .db
        .webhooks_of(&org_id)
        .await?
        .iter()
        .map(webhook_json)
        .collect();
    Ok(Json(json!({ "webhooks": webhooks })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateWebhook {
    url: String,
    #[serde(default)]
    description: String,
}

/// A webhook URL must be absolute `http` or `https` with a host, without credentials in it.
fn parse_url(raw: &str) -> Result<String, ApiError> {
    let bad = |why: &str| ApiError::BadRequest(format!("url: {why}"));
    let raw = raw.trim();
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(bad("longer than 2000 characters"));
    }
    let url = url::Url::parse(raw).map_err(|e| bad(&format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not carry credentials; the signature authenticates the calls",
        ));
    }
    Ok(url.to_string())
}

/// Creates a webhook and answers its signing secret, once.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    Json(body): Json<CreateWebhook>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    managed_org(
        &state,
        &caller,
        &org_id,
        Action::ManageWebhooks { org_id: &org_id },
    )
    .await?;
    let url = parse_url(&body.url)?;
    let description = body.description.trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ApiError::BadRequest(
            "description: longer than 500 characters".into(),
        ));
    }
    let secret = new_secret("whsec_");
    let new = NewWebhook {
        org_id: org_id.clone(),
        url,
        secret: secret.clone(),
        description,
        created_by: caller.actor.user_id.clone(),
    };
    let event = caller.event(
        "webhook_created",
        format!("org:{org_id}"),
        json!({ "url": new.url, "description": new.description }),
    );
    let webhook = state.services.db.create_webhook(&new, &event).await?;
    let mut answer = webhook_json(&webhook);
    answer["secret"] = json!(secret);
    Ok((StatusCode::CREATED, Json(answer)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetActive {
    active: bool,
}

async fn set_active(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<SetActive>,
) -> Result<Json<Value>, ApiError> {
    managed_webhook(&state, &caller, &id).await?;
    let event = caller.event(
        "webhook_active_set",
        format!("webhook:{id}"),
        json!({ "active": body.active }),
    );
    if !state
        .services
        .db
        .set_webhook_active(&id, body.active, &event)
        .await?
    {
        return Err(ApiError::NotFound("no webhook with this id".into()));
    }
    let webhook = managed_webhook(&state, &caller, &id).await?;
    Ok(Json(webhook_json(&webhook)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveriesQuery {
    limit: Option<i64>,
}

/// The delivery log, newest first.
async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<DeliveriesQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_DELIVERIES).contains(&limit) {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 500".into(),
        ));
    }
    managed_webhook(&state, &caller, &id).await?;
    let deliveries: Vec<Value> = state
        .services
        .db
        .deliveries_of(&id, limit)
        .await?
        .iter()
        .map(delivery_json)
        .collect();
    Ok(Json(json!({ "deliveries": deliveries })))
}

async fn mailbox(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    managed_org(
        &state,
        &caller,
        &org_id,
        Action::ManageMailbox { org_id: &org_id },
    )
    .await?;
    let email = state.services.db.org_mailbox(&org_id).await?;
    Ok(Json(json!({ "org_id": org_id, "email": email })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetMailbox {
    email: Option<String>,
}

/// Sets (or with `null` removes) the address the body's events are e-mailed to.
async fn set_mailbox(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    Json(body): Json<SetMailbox>,
) -> Result<Json<Value>, ApiError> {
    managed_org(
        &state,
        &caller,
        &org_id,
        Action::ManageMailbox { org_id: &org_id },
    )
    .await?;
    let email = match body.email.as_deref().map(str::trim) {
        None => None,
        Some(raw) => {
            let address = lettre::Address::from_str(raw).map_err(|_| {
                ApiError::BadRequest(format!("email: {raw:?} is not an e-mail address"))
            })?;
            Some(address.to_string())
        }
    };
    let event = caller.event(
        "mailbox_set",
        format!("org:{org_id}"),
        json!({ "email": email }),
    );
    state
        .services
        .db
        .set_org_mailbox(&org_id, email.as_deref(), &event)
        .await?;
    Ok(Json(json!({ "org_id": org_id, "email": email })))
}
